/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Basic authentication against a web configuration's bcrypt hashes.
 * bcrypt is slow on purpose (tens of milliseconds): credentials that
 * passed are remembered by a digest, so a scraper that sends them every
 * 15 seconds pays it once; wrong ones pay it every time.
 */
#ifndef BASIC_AUTH_H
#define BASIC_AUTH_H

#include <stdbool.h>

#include "web/web_config.h"

struct basic_auth_cache;

struct basic_auth_cache *basic_auth_cache_new(void);
void basic_auth_cache_free(struct basic_auth_cache *cache);

/* Whether user and password match one of the configuration's users. */
bool basic_auth_check(const struct web_config *c, struct basic_auth_cache *cache, const char *user,
		      const char *password);

#endif
