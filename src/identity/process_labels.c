// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "identity/process_labels.h"

static const struct {
	const char *name;
	unsigned int flag;
} known[] = {
	{ "pid", PROCESS_LABEL_PID },
	{ "exe", PROCESS_LABEL_EXE },
	{ "cgroup", PROCESS_LABEL_CGROUP },
};

int process_labels_parse(const char *list, unsigned int *labels, char *err, size_t errlen)
{
	const char *item = list;

	*labels = 0;
	if (strcmp(list, "none") == 0 || list[0] == '\0')
		return 0;
	for (;;) {
		size_t len = strcspn(item, ",");
		unsigned int flag = 0;

		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strlen(known[i].name) == len && strncmp(item, known[i].name, len) == 0)
				flag = known[i].flag;
		if (!flag) {
			snprintf(err, errlen, "\"%.*s\" is not one of pid, exe, cgroup", (int)len, item);
			return -1;
		}
		if (*labels & flag) {
			snprintf(err, errlen, "\"%.*s\" is given twice", (int)len, item);
			return -1;
		}
		*labels |= flag;
		if (item[len] == '\0')
			return 0;
		item += len + 1;
	}
}
