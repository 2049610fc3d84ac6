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

enum basic_auth_result { BASIC_AUTH_DENIED, BASIC_AUTH_OK, BASIC_AUTH_BUSY };

/*
 * Whether user and password match one of the configuration's users.  At
 * most BASIC_AUTH_CONCURRENT bcrypt checks run at once (they hold HTTP
 * threads for tens of milliseconds each): past that, BUSY at once, so that
 * a flood of wrong passwords cannot stall the scrapes whose credentials
 * are remembered.
 */
#define BASIC_AUTH_CONCURRENT 2
enum basic_auth_result basic_auth_check(const struct web_config *c, struct basic_auth_cache *cache,
					const char *user, const char *password);

#endif
