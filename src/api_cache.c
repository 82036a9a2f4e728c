#include "api_cache.h"

#include <stdio.h>
#include <string.h>

#include "api_reply.h"
#include "cache.h"

/* How long a cached answer may be served on the strength of this process's
 * own data versions, before the database is asked again: writes made by
 * this server are seen at once; a write from another process (the import
 * command) within this window. */
#define FRESH_S 1.0

/* The versions an answer is cached under: the reference data's, and the
 * reporting versions of its plan years (0 when it shows none). */
struct versions {
  int64_t reference, year, previous_year;
  int64_t data; /* any data (api_cached_data): the data version */
};

/* How an answer is cached: api_cached's spec, and api_cached_data's two. */
struct how {
  const struct api_cached *spec;
  bool any_data;
  const char *content_type;
};

/* This process's own versions, with no database work; false when a year's
 * is not known yet. */
static bool
versions_in_memory(struct app *app, const struct how *how, struct versions *v)
{
  const struct api_cached *spec = how->spec;

  memset(v, 0, sizeof(*v));
  if (how->any_data) {
    v->data = store_pool_version(app->pool);
    return true;
  }
  v->reference = store_pool_reference_version(app->pool);
  if (spec->year != NULL && !store_pool_reporting_version(app->pool, spec->year, &v->year))
    return false;
  return spec->previous_year == NULL ||
         store_pool_reporting_version(app->pool, spec->previous_year, &v->previous_year);
}

/* The versions as the request's transaction sees them, which the pool
 * learns too. */
static enum rb_err
versions_from_db(struct app *app, struct store *st, const struct how *how, struct versions *v)
{
  const struct api_cached *spec = how->spec;
  enum rb_err err;

  memset(v, 0, sizeof(*v));
  if (how->any_data) {
    err = store_data_version(st, &v->data);
    if (err == RB_OK)
      store_pool_saw_version(app->pool, v->data);
    return err;
  }
  err = store_reference_version(st, &v->reference);
  if (err == RB_OK && spec->year != NULL)
    err = store_reporting_version(st, spec->year, &v->year);
  if (err == RB_OK && spec->previous_year != NULL)
    err = store_reporting_version(st, spec->previous_year, &v->previous_year);
  if (err != RB_OK)
    return err;
  store_pool_saw_reference_version(app->pool, v->reference);
  if (spec->year != NULL)
    store_pool_saw_reporting_version(app->pool, spec->year, v->year);
  if (spec->previous_year != NULL)
    store_pool_saw_reporting_version(app->pool, spec->previous_year, v->previous_year);
  return RB_OK;
}

/* At most 78 bytes with its NUL ('"', the tag, three 19-digit versions with
 * their separators, "-" and a variant, '"'): CACHE_VERSION_MAX holds it. */
static void
etag_of(char *out, size_t cap, const struct how *how, const struct versions *v)
{
  const struct api_cached *spec = how->spec;
  int n;

  if (how->any_data) {
    snprintf(out, cap, "\"%cd%lld\"", spec->tag, (long long)v->data);
    return;
  }
  n = snprintf(out, cap, "\"%c%lld", spec->tag, (long long)v->reference);
  if (spec->year != NULL)
    n += snprintf(out + n, cap - (size_t)n, ".%lld", (long long)v->year);
  if (spec->previous_year != NULL)
    n += snprintf(out + n, cap - (size_t)n, ".%lld", (long long)v->previous_year);
  if (spec->variant >= 0)
    n += snprintf(out + n, cap - (size_t)n, "-%d", spec->variant);
  snprintf(out + n, cap - (size_t)n, "\"");
}

static enum rb_err
cached(struct api_ctx *c, const char *key, const struct how *how)
{
  const struct api_cached *spec = how->spec;
  struct response_cache *cache = c->app->responses;
  double now = util_monotonic();
  char ekey[640], etag[CACHE_VERSION_MAX];
  struct cache_blob *blob = NULL;
  struct versions v;
  bool claimed = false;
  enum rb_err err;

  if (key == NULL || strlen(key) > 512) { /* not cacheable: built each time */
    if (api_store(c) == NULL)
      return api_store_fail(c, RB_ERR_BUSY, spec->what);
    return spec->build(c, spec->arg);
  }
  /* One entry per answer (its tag and URL key), holding the versions it
   * was built from as its ETag: see cache.h. */
  snprintf(ekey, sizeof(ekey), "%c|%s", spec->tag, key);
  /* The hot path: a recent answer for the current versions, with no
   * database work at all. */
  if (versions_in_memory(c->app, how, &v)) {
    etag_of(etag, sizeof(etag), how, &v);
    blob = cache_get(cache, ekey, etag, now, FRESH_S);
  }
  if (blob == NULL) {
    if (api_store(c) == NULL)
      return api_store_fail(c, RB_ERR_BUSY, spec->what);
    if (spec->check != NULL && (err = spec->check(c, spec->arg)) != RB_OK)
      return err;
    err = versions_from_db(c->app, c->st, how, &v);
    if (err != RB_OK)
      return api_store_fail(c, err, spec->what);
    etag_of(etag, sizeof(etag), how, &v);
    blob = cache_claim(cache, ekey, etag, &claimed);
    if (blob != NULL)
      cache_confirm(cache, ekey, etag, now);
  }
  /* The ETag is the data versions: a client holding it has this answer,
   * even when it had dropped out of the cache meanwhile. */
  rb_response_header(c->resp, "ETag", etag);
  if (api_etag_matches(c->req->if_none_match, etag)) {
    /* A claim to build it is given up, or every other request for the key
     * waits on a build that never comes (a dashboard's If-None-Match after
     * a restart). */
    if (claimed)
      cache_abandon(cache, ekey, etag);
    cache_blob_release(blob);
    return api_reply_not_modified(c);
  }
  if (blob != NULL) {
    err = api_reply_blob(c, blob);
    if (how->content_type != NULL)
      c->resp->content_type = how->content_type;
    return err;
  }
  err = spec->build(c, spec->arg);
  if (err == RB_OK && c->resp->status == 200 && c->resp->body_free == NULL)
    cache_put(cache, ekey, etag, c->resp->body, c->resp->body_len, now);
  else if (claimed)
    cache_abandon(cache, ekey, etag);
  return err;
}

enum rb_err
api_cached(struct api_ctx *c, const char *key, const struct api_cached *spec)
{
  const struct how how = {spec, false, NULL};

  return cached(c, key, &how);
}

enum rb_err
api_cached_data(struct api_ctx *c, const char *key, const struct api_cached *spec,
                const char *content_type)
{
  const struct how how = {spec, true, content_type};

  return cached(c, key, &how);
}

/* Append s to the key with the key's own separators (& = ? %) and control
 * characters percent-encoded, so that no decoded query value can pass for
 * another query (?group=CYP%26limit%3D5 is not ?group=CYP&limit=5).
 * Returns the new length, cap or more when the key did not fit. */
static size_t
key_append(char *key, size_t cap, size_t used, const char *s)
{
  static const char hex[] = "0123456789ABCDEF";

  for (; *s != '\0' && used < cap; s++) {
    unsigned char ch = (unsigned char)*s;

    if (ch < 0x20 || strchr("%&=?", ch) != NULL) {
      if (used + 3 >= cap)
        return cap;
      key[used++] = '%';
      key[used++] = hex[ch >> 4];
      key[used++] = hex[ch & 15];
    } else {
      key[used++] = (char)ch;
    }
  }
  if (used < cap)
    key[used] = '\0';
  return used;
}

const char *
api_url_key(const struct api_ctx *c, char *key, size_t cap)
{
  size_t used = key_append(key, cap, 0, c->req->path);

  for (size_t i = 0; i < c->req->nquery && used < cap; i++) {
    if (used + 1 >= cap)
      return NULL;
    key[used++] = i ? '&' : '?';
    used = key_append(key, cap, used, c->req->query[i].key);
    if (c->req->query[i].value != NULL) {
      if (used + 1 >= cap) /* no room for the value: not cacheable */
        return NULL;
      key[used++] = '=';
      used = key_append(key, cap, used, c->req->query[i].value);
    }
  }
  return used < cap ? key : NULL;
}
