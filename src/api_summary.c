/* RAG summaries. Dashboards poll these all day and they change only when
 * data does, so each answer is built once per data version, kept in the
 * summary cache and served with an ETag. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_ctx.h"
#include "api_input.h"
#include "api_reply.h"
#include "api_summary.h"
#include "quarter.h"
#include "cache.h"
#include "summary.h"

/* The headline of the items of plan year `year` at quarter q. A kind none
 * of whose items was reported for q compares with nothing (null), not
 * with 0%. */
static enum rb_err
headline_of(struct api_ctx *c, const char *year, struct quarter q, struct summary_headline *out)
{
  char id[QUARTER_LEN];
  struct store_summary *sum = NULL;
  enum rb_err err;

  quarter_format(q, id);
  err = store_summary_load_year(c->st, year, id, &sum);
  if (err != RB_OK)
    return api_store_fail(c, err, "summary");
  summary_headline_of(store_summary_input(sum), out);
  store_summary_free(sum);
  if (out->rated_milestones == 0)
    out->milestones_tenths = -1;
  if (out->rated_kpis == 0)
    out->kpis_tenths = -1;
  return RB_OK;
}

/* Quarter q's own plan year's items at q. */
static enum rb_err
headline(struct api_ctx *c, struct quarter q, struct summary_headline *out)
{
  char year[QUARTER_LEN];

  quarter_format(q, year);
  year[7] = '\0';
  return headline_of(c, year, q, out);
}

/* The comparison with the previous quarter is of the plan year's own
 * items, as the report's column is. At Q1 that quarter lies in the year
 * before: the items carry their position there when the file gave one
 * (data/README.md). With no carried position at all, the year before's
 * own items at that quarter are the comparison. */
static enum rb_err
previous_headline(struct api_ctx *c, struct quarter q, struct summary_headline *out)
{
  struct quarter p = quarter_previous(q);
  char year[QUARTER_LEN];
  struct summary_headline h;
  enum rb_err err;

  if (p.start_year == q.start_year)
    return headline(c, p, out);
  quarter_format(q, year);
  year[7] = '\0';
  err = headline_of(c, year, p, &h);
  if (err != RB_OK)
    return err;
  if (h.rated_milestones + h.rated_kpis == 0)
    return headline(c, p, out);
  *out = h;
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
    *out = json_pack("{s:s, s:s, s:o}", "quarter", quarter, "year", store_summary_input(sum)->year,
                     "items", summary_exceptions_json(store_summary_input(sum)));
    break;
  case KIND_ALL:
    err = previous_headline(c, q, &prev);
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

/* A summary of quarter Q of plan year Y shows reference data (groups,
 * priorities, items), the updates and readings of Y's items, and, for the
 * comparisons, those of Y-1's: its version is those three counters, so a
 * reading for another plan year leaves it cached. */
struct summary_version {
  int64_t reference, year, previous_year;
};

static bool
version_in_memory(struct app *app, const char *y, const char *py, struct summary_version *v)
{
  v->reference = store_pool_reference_version(app->pool);
  return store_pool_reporting_version(app->pool, y, &v->year) &&
         store_pool_reporting_version(app->pool, py, &v->previous_year);
}

static enum rb_err
version_from_db(struct app *app, struct store *st, const char *y, const char *py,
                struct summary_version *v)
{
  enum rb_err err = store_reference_version(st, &v->reference);

  if (err == RB_OK)
    err = store_reporting_version(st, y, &v->year);
  if (err == RB_OK)
    err = store_reporting_version(st, py, &v->previous_year);
  if (err != RB_OK)
    return err;
  store_pool_saw_reference_version(app->pool, v->reference);
  store_pool_saw_reporting_version(app->pool, y, v->year);
  store_pool_saw_reporting_version(app->pool, py, v->previous_year);
  return RB_OK;
}

static void
cache_key(char *key, size_t cap, enum summary_kind kind, const char *quarter, const char *group,
          const struct summary_version *v)
{
  /* The year's counter is the cache entry's version; the other two (which
   * move rarely) are part of the key. */
  snprintf(key, cap, "%d|%s|%.64s|r%lld|p%lld", (int)kind, quarter, group ? group : "",
           (long long)v->reference, (long long)v->previous_year);
}

static enum rb_err
serve(struct api_ctx *c, enum summary_kind kind, const char *group)
{
  static const char *const allowed[] = {"quarter", NULL};
  const char *quarter;
  char key[192], etag[96], year[YEAR_LEN], prev_year[YEAR_LEN];
  double now = util_monotonic();
  struct summary_version v;
  struct cache_blob *blob = NULL;
  bool claimed = false;
  struct quarter q;
  struct store *st;
  json_t *obj = NULL;
  enum rb_err err;

  if ((err = api_query_allow(c, allowed)) != RB_OK ||
      (err = api_query_quarter(c, &quarter, NULL)) != RB_OK)
    return err;
  quarter_parse(quarter, &q);
  quarter_format_year(q.start_year, year);
  quarter_format_year(q.start_year - 1, prev_year);
  /* The hot path: a recent answer for the current versions, with no
   * database work at all. */
  if (version_in_memory(c->app, year, prev_year, &v)) {
    cache_key(key, sizeof(key), kind, quarter, group, &v);
    blob = cache_get(c->app->responses, key, v.year, now, FRESH_S);
  }
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
    err = version_from_db(c->app, st, year, prev_year, &v);
    if (err != RB_OK)
      return api_store_fail(c, err, "summary");
    cache_key(key, sizeof(key), kind, quarter, group, &v);
    blob = cache_claim(c->app->responses, key, v.year, &claimed);
    if (blob != NULL)
      cache_confirm(c->app->responses, key, v.year, now);
  }
  snprintf(etag, sizeof(etag), "\"s%lld.%lld.%lld-%d\"", (long long)v.reference, (long long)v.year,
           (long long)v.previous_year, (int)kind);
  rb_response_header(c->resp, "ETag", etag);
  if (api_etag_matches(c->req->if_none_match, etag)) {
    /* A claim to build it is given up, or every other request for the key
     * waits on a build that never comes (a dashboard's If-None-Match after
     * a restart). */
    if (claimed)
      cache_abandon(c->app->responses, key, v.year);
    cache_blob_release(blob);
    return api_reply_not_modified(c);
  }
  if (blob != NULL)
    return api_reply_blob(c, blob);
  err = build(c, kind, quarter, group, &obj);
  if (err == RB_OK)
    err = api_reply(c, 200, obj);
  if (err == RB_OK)
    cache_put(c->app->responses, key, v.year, c->resp->body, c->resp->body_len, now);
  else if (claimed)
    cache_abandon(c->app->responses, key, v.year);
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
