/* RAG summaries. Dashboards poll these all day and they change only when
 * data does, so each answer is built once per data version, kept in the
 * summary cache and served with an ETag. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "quarter.h"
#include "summary.h"

static enum rb_err
headline(struct api_ctx *c, struct quarter q, struct summary_headline *out)
{
  char id[QUARTER_LEN];
  struct store_summary *sum = NULL;
  enum rb_err err;

  quarter_format(q, id);
  err = store_summary_load(c->st, id, &sum);
  if (err != RB_OK)
    return api_store_fail(c, err, "summary");
  summary_headline_of(store_summary_input(sum), out);
  store_summary_free(sum);
  return RB_OK;
}

enum summary_kind { KIND_ALL, KIND_GROUP, KIND_EXCEPTIONS };

/* Build the answer for kind (and group) at quarter; *out is a new reference. */
static enum rb_err
build(struct api_ctx *c, enum summary_kind kind, const char *quarter, const char *group,
      json_t **out)
{
  struct store_summary *sum = NULL;
  struct summary_headline prev, last;
  struct quarter q;
  enum rb_err err;
  long g;

  quarter_parse(quarter, &q);
  err = store_summary_load(c->st, quarter, &sum);
  if (err != RB_OK)
    return api_store_fail(c, err, "summary");
  switch (kind) {
  case KIND_GROUP:
    g = store_summary_group(sum, group);
    if (g < 0) {
      err = api_fail(c, RB_ERR_NOT_FOUND, "no transformation group with code %.64s", group);
      break;
    }
    *out = summary_group_json(store_summary_input(sum), (size_t)g);
    if (*out != NULL) {
      json_object_set_new(*out, "quarter", json_string(quarter));
      json_object_set_new(*out, "year", json_string(store_summary_input(sum)->year));
    }
    break;
  case KIND_EXCEPTIONS:
    *out = json_pack("{s:s, s:s, s:o}", "quarter", quarter, "year",
                     store_summary_input(sum)->year, "items",
                     summary_exceptions_json(store_summary_input(sum)));
    break;
  case KIND_ALL:
    err = headline(c, quarter_previous(q), &prev);
    if (err == RB_OK)
      err = headline(c, quarter_same_last_year(q), &last);
    if (err == RB_OK)
      *out = summary_json(store_summary_input(sum), &prev, &last);
    break;
  }
  store_summary_free(sum);
  if (err == RB_OK && *out == NULL)
    err = RB_ERR_NOMEM;
  return err;
}

/* How long a cached answer may be served on the strength of this process's
 * own data version, before the database is asked again: writes made by
 * this server are seen at once; a write from another process (the import
 * command) within this window. */
#define FRESH_S 1.0

static double
mono_now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum rb_err
serve(struct api_ctx *c, enum summary_kind kind, const char *group)
{
  static const char *const allowed[] = {"quarter", NULL};
  const char *quarter;
  char key[128], etag[64];
  double now = mono_now();
  int64_t version, dbv;
  struct summary_blob *blob;
  struct store *st;
  json_t *obj = NULL;
  enum rb_err err;

  if ((err = api_query_allow(c, allowed)) != RB_OK || (err = api_query_quarter(c, &quarter)) != RB_OK)
    return err;
  snprintf(key, sizeof(key), "%d|%s|%.64s", (int)kind, quarter, group ? group : "");
  version = store_pool_version(c->app->pool);
  /* The hot path: a recent answer for the current version, with no
   * database work at all. */
  blob = summary_cache_get(c->app->summaries, key, version, now, FRESH_S);
  if (blob == NULL) {
    st = api_store(c);
    if (st == NULL)
      return api_store_fail(c, RB_ERR_BUSY, "summary");
    if (kind == KIND_GROUP) {
      /* A missing group is 404 whatever If-None-Match says (RFC 9110 13.2.1). */
      int64_t gid;

      err = store_group_id(st, group, &gid);
      if (err == RB_ERR_NOT_FOUND)
        return api_fail(c, err, "no transformation group with code %.64s", group);
      if (err != RB_OK)
        return api_store_fail(c, err, "summary");
    }
    err = store_data_version(st, &dbv);
    if (err != RB_OK)
      return api_store_fail(c, err, "summary");
    if (dbv != version)
      store_pool_saw_version(c->app->pool, dbv);
    version = dbv;
    blob = summary_cache_claim(c->app->summaries, key, version);
    if (blob != NULL)
      summary_cache_confirm(c->app->summaries, key, version, now);
  }
  snprintf(etag, sizeof(etag), "\"v%lld-%d\"", (long long)version, (int)kind);
  rb_response_header(c->resp, "ETag", etag);
  if (api_etag_matches(c->req->if_none_match, etag)) {
    summary_blob_release(blob);
    return api_reply_not_modified(c);
  }
  if (blob != NULL)
    return api_reply_blob(c, blob);
  err = build(c, kind, quarter, group, &obj);
  if (err == RB_OK)
    err = api_reply(c, 200, obj);
  if (err == RB_OK)
    summary_cache_put(c->app->summaries, key, version, c->resp->body, c->resp->body_len, now);
  else
    summary_cache_abandon(c->app->summaries, key, version);
  return err;
}

enum rb_err
api_summary(struct api_ctx *c)
{
  return serve(c, KIND_ALL, NULL);
}

enum rb_err
api_group_summary(struct api_ctx *c)
{
  return serve(c, KIND_GROUP, c->path[0]);
}

enum rb_err
api_exceptions(struct api_ctx *c)
{
  return serve(c, KIND_EXCEPTIONS, NULL);
}
