// SPDX-License-Identifier: GPL-2.0
#include "revision.h"	/* gen/: rewritten by make when the revision changes */
#include "util/build_info.h"

const char *build_revision(void)
{
	return BUILD_REVISION;
}
