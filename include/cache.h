/* The response cache: serialised answers (summaries, completeness, lists)
 * kept per key and version, so that dashboards polling them between
 * writes cost a lookup, not a query and a JSON build.
 *
 * One entry per key: the version (a short string, the answer's ETag: every
 * data version the answer depends on) says whether it is still current,
 * and a put for a new version replaces the old one. A version is never
 * part of the key: answers of versions that can no longer be asked for
 * would otherwise fill the table, pushing out live ones (measured: after
 * 128 edits of a KPI, 16 MB of dead quarter views).
 *
 * Bodies are shared, reference-counted buffers: a hit hands libmicrohttpd
 * the cached bytes themselves, with no copy. Each entry also remembers when
 * its version was last confirmed against the database, so a caller can
 * trust it for a while without asking the database again. Thread-safe (one
 * mutex); no I/O, no clock (callers pass the time). The protocol callers
 * follow is api_cached's (api_cache.h): hit, or claim, build, put/abandon. */
#ifndef RAGBOARD_CACHE_H
#define RAGBOARD_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct response_cache;
struct cache_blob;

/* Room for a version with its NUL; a longer one is never cached. */
#define CACHE_VERSION_MAX 96

enum rb_err cache_new(struct response_cache **out);
void cache_free(struct response_cache *c); /* NULL is a no-op */
/* A new reference to the body cached for key at version, or NULL. When
 * max_age > 0, an entry confirmed more than max_age seconds before `now`
 * does not count. */
struct cache_blob *cache_get(struct response_cache *c, const char *key, const char *version,
                             double now, double max_age);
/* Remember body (copied) for key at version, confirmed at now. */
void cache_put(struct response_cache *c, const char *key, const char *version, const char *body,
               size_t len, double now);
/* After a miss: when another request is already building key at version,
 * wait for it and answer its body (a new reference); otherwise claim the
 * build and answer NULL: the caller builds, then calls cache_put (or
 * cache_abandon if it does not), which wakes the waiters. So a write
 * followed by many polls costs one rebuild, not one per poll. *claimed
 * (optional) says whether this caller holds the claim: NULL is also the
 * answer after 2 s of waiting on someone else's build, or when the table
 * of claims is full, and then there is nothing to abandon. */
struct cache_blob *cache_claim(struct response_cache *c, const char *key, const char *version,
                               bool *claimed);
void cache_abandon(struct response_cache *c, const char *key, const char *version);
/* The entry for key at version was confirmed current at now. */
void cache_confirm(struct response_cache *c, const char *key, const char *version, double now);
/* Entries held and the bytes of their bodies, for /metrics. */
void cache_usage(struct response_cache *c, size_t *entries, size_t *bytes);

const char *cache_blob_data(const struct cache_blob *b);
size_t cache_blob_len(const struct cache_blob *b);
/* Drop a reference (takes void * so it can be a free callback); NULL is a
 * no-op. */
void cache_blob_release(void *b);

#endif
