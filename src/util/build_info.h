/* SPDX-License-Identifier: GPL-2.0 */
/* What this build is: the source revision it was built from. */
#ifndef BUILD_INFO_H
#define BUILD_INFO_H

/* `git describe --always --dirty` of the sources at build time, or "unknown" (a release tarball). */
const char *build_revision(void);

#endif
