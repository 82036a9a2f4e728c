/* Answers served from the response cache (cache.h), with one protocol for
 * summaries, completeness and lists alike: an answer built from the data
 * is kept per data version and served with an ETag made of those versions.
 *
 *   hit  (a recent answer for this process's own versions, no database
 *        work): the shared body, or 304 for a client holding its ETag;
 *   miss (versions read from the database): a running build of the same
 *        answer is waited for, else this request claims it; 304 for a
 *        client holding the ETag (the claim is given up), else build and
 *        put the answer (or abandon the claim when the build fails).
 *
 * Handlers validate their input first, then call api_cached: a request
 * that is refused is never answered from the cache. */
#ifndef RAGBOARD_API_CACHE_H
#define RAGBOARD_API_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "api_ctx.h"

struct api_cached {
  /* The ETag reads tag, the versions ("l5", "c5.7", "s5.7.3") and -variant
   * when variant >= 0: 'l' lists, 'c' completeness, 's' summaries. */
  char tag;
  int variant;
  /* The plan year whose updates and readings the answer shows, and a
   * second (its comparisons'); NULL: none (reference data only). The
   * answer's versions are the reference data's and those years'. */
  const char *year, *previous_year;
  const char *what; /* names the answer in messages: "summary" */
  /* On a miss only, with the request's store: what refuses the request
   * whatever the cache holds (a missing group's 404). NULL: nothing. */
  enum rb_err (*check)(struct api_ctx *c, const void *arg);
  /* Build the answer with c->st: api_reply with status 200, or an error. */
  enum rb_err (*build)(struct api_ctx *c, const void *arg);
  const void *arg;
};

/* Answer the request from the response cache under key (what identifies
 * the answer besides its versions: the URL; the quarter and group), by
 * the protocol above. key NULL: not cacheable, built each time (no ETag). */
enum rb_err api_cached(struct api_ctx *c, const char *key, const struct api_cached *spec);

/* The same for an answer that depends on any data (a KPI's series runs
 * through other plan years' KPIs): cached per data version, which every
 * committed change moves; its ETag reads the tag, 'd' and that version
 * ("k" "d42"); spec->year and previous_year are unused. content_type:
 * the answer's (NULL: application/json), served with the cached body. */
enum rb_err api_cached_data(struct api_ctx *c, const char *key, const struct api_cached *spec,
                            const char *content_type);

/* The request's path and query as sent, as a cache key (for answers that
 * depend on nothing else but the data: lists); NULL when it does not fit
 * in cap bytes (not worth caching). */
const char *api_url_key(const struct api_ctx *c, char *key, size_t cap);

#endif
