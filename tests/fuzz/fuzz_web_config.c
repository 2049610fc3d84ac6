// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: --web.config.file's parser, on any bytes. */
#include <stddef.h>
#include <stdint.h>

#include "web/web_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct web_config c;
	char err[512];

	/* a directory that does not exist: parsing reads no file, relative paths are only joined */
	if (web_config_parse("fuzz.yml", "/nonexistent", (const char *)data, size, &c, err, sizeof(err)) == 0)
		web_config_free(&c);
	return 0;
}
