// SPDX-License-Identifier: GPL-2.0
#include <crypt.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "web/basic_auth.h"

#define CACHE_ENTRIES 16
#define DIGEST_BYTES 32

struct basic_auth_cache {
	unsigned int hashing;	/* atomic: bcrypt checks running */
	pthread_mutex_t lock;
	unsigned char digest[CACHE_ENTRIES][DIGEST_BYTES];
	bool used[CACHE_ENTRIES];
	unsigned int next;
};

/* For a user that does not exist: the same bcrypt work, so timing does not tell names apart. */
static const char dummy_hash[] = "$2b$10$1j4fMy9QA/52.nta8ixOf.R7VIriFjPkyVh.Rsw2/3YRPNYIfzg.K";

struct basic_auth_cache *basic_auth_cache_new(void)
{
	struct basic_auth_cache *cache = calloc(1, sizeof(*cache));

	if (cache)
		pthread_mutex_init(&cache->lock, NULL);
	return cache;
}

void basic_auth_cache_free(struct basic_auth_cache *cache)
{
	if (!cache)
		return;
	pthread_mutex_destroy(&cache->lock);
	free(cache);
}

/* Equal bytes, in a time that depends only on the length. */
static bool same_bytes(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char diff = 0;

	for (size_t i = 0; i < n; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

static bool digest_of(const char *user, const char *password, const char *hash, unsigned char *out)
{
	size_t lu = strlen(user) + 1, lp = strlen(password) + 1, lh = strlen(hash) + 1;
	char *all = malloc(lu + lp + lh);
	int rc;

	if (!all)
		return false;
	memcpy(all, user, lu);
	memcpy(all + lu, password, lp);
	memcpy(all + lu + lp, hash, lh);
	rc = gnutls_hash_fast(GNUTLS_DIG_SHA256, all, lu + lp + lh, out);
	memset(all, 0, lu + lp + lh);
	free(all);
	return rc == 0;
}

static bool cached(struct basic_auth_cache *cache, const unsigned char *digest)
{
	bool hit = false;

	pthread_mutex_lock(&cache->lock);
	for (int i = 0; i < CACHE_ENTRIES; i++)
		hit |= cache->used[i] && same_bytes(cache->digest[i], digest, DIGEST_BYTES);
	pthread_mutex_unlock(&cache->lock);
	return hit;
}

static void remember(struct basic_auth_cache *cache, const unsigned char *digest)
{
	pthread_mutex_lock(&cache->lock);
	memcpy(cache->digest[cache->next], digest, DIGEST_BYTES);
	cache->used[cache->next] = true;
	cache->next = (cache->next + 1) % CACHE_ENTRIES;
	pthread_mutex_unlock(&cache->lock);
}

static bool bcrypt_matches(const char *password, const char *hash)
{
	struct crypt_data *data = calloc(1, sizeof(*data));	/* 32 KiB: not on a server thread's stack */
	const char *out;
	bool ok = false;

	if (!data)
		return false;
	out = crypt_r(password, hash, data);
	if (out && out[0] != '*' && strlen(out) == strlen(hash))
		ok = same_bytes(out, hash, strlen(hash));
	memset(data, 0, sizeof(*data));
	free(data);
	return ok;
}

/* The dummy at the first user's cost ($2y$NN$): an unknown name takes as long as a wrong password. */
static void dummy_like(const struct web_config *c, char *out, size_t size)
{
	snprintf(out, size, "%.7s%s", c->nusers ? c->users[0].hash : dummy_hash, dummy_hash + 7);
}

enum basic_auth_result basic_auth_check(const struct web_config *c, struct basic_auth_cache *cache,
					const char *user, const char *password)
{
	const char *hash = NULL;
	unsigned char digest[DIGEST_BYTES];
	char dummy[sizeof(dummy_hash)];
	bool have_digest, ok;

	if (!user || !password)
		return BASIC_AUTH_DENIED;
	for (unsigned int i = 0; i < c->nusers; i++)
		if (strcmp(c->users[i].name, user) == 0)
			hash = c->users[i].hash;
	have_digest = hash && cache && digest_of(user, password, hash, digest);
	if (have_digest && cached(cache, digest))
		return BASIC_AUTH_OK;
	if (cache && __atomic_add_fetch(&cache->hashing, 1, __ATOMIC_ACQ_REL) > BASIC_AUTH_CONCURRENT) {
		__atomic_sub_fetch(&cache->hashing, 1, __ATOMIC_ACQ_REL);
		return BASIC_AUTH_BUSY;
	}
	if (hash) {
		ok = bcrypt_matches(password, hash);
	} else {
		dummy_like(c, dummy, sizeof(dummy));
		bcrypt_matches(password, dummy);
		ok = false;
	}
	if (cache)
		__atomic_sub_fetch(&cache->hashing, 1, __ATOMIC_ACQ_REL);
	if (ok && have_digest)
		remember(cache, digest);
	return ok ? BASIC_AUTH_OK : BASIC_AUTH_DENIED;
}
