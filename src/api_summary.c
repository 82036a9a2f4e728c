/* RAG summaries. Dashboards poll these all day and they change only when
 * data does, so each answer is built once per data version, kept in the
 * response cache and served with an ETag (api_cached). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_cache.h"
#include "api_ctx.h"
#include "api_input.h"
#include "api_reply.h"
#include "api_summary.h"
#include "quarter.h"
#include "summary.h"

/* The comparisons of a summary at quarter q: the inputs of the previous
 * quarter and of the same quarter last year (summary.h turns them into
 * headlines, overall and per group).
 *
 * The previous quarter is compared with the plan year's own items, as the
 * report's column is. At Q1 that quarter lies in the year before: the
 * items carry their position there when the file gave one
 * (data/README.md). With no carried position at all, the year before's
 * own items at that quarter are the comparison. The same quarter last year
 * is last year's own items. */
static enum rb_err
load_compare(struct api_ctx *c, struct quarter q, struct store_summary **prev,
             struct store_summary **last)
{
  struct quarter p = quarter_previous(q);
  char year[QUARTER_LEN], pid[QUARTER_LEN], lid[QUARTER_LEN];
  struct summary_headline h;
  enum rb_err err;

  *prev = *last = NULL;
  quarter_format(q, year);
  year[7] = '\0';
  quarter_format(p, pid);
  quarter_format(quarter_same_last_year(q), lid);
  if (p.start_year == q.start_year) {
    err = store_summary_load(c->st, pid, prev);
  } else {
    err = store_summary_load_year(c->st, year, pid, prev);
    if (err == RB_OK) {
      summary_headline_of(store_summary_input(*prev), &h);
      if (h.rated_milestones + h.rated_kpis == 0) {
        store_summary_free(*prev);
        *prev = NULL;
        err = store_summary_load(c->st, pid, prev);
      }
    }
  }
  if (err == RB_OK)
    err = store_summary_load(c->st, lid, last);
  if (err != RB_OK) {
    store_summary_free(*prev);
    *prev = NULL;
    return api_store_fail(c, err, "summary");
  }
  return RB_OK;
}

enum summary_kind { KIND_ALL, KIND_GROUP, KIND_EXCEPTIONS, KIND_NONE };

/* What one request asks for: kind (and group) at a quarter, parsed once. */
struct summary_ask {
  enum summary_kind kind;
  const char *quarter; /* as given (valid) */
  struct quarter q;
  const char *group; /* KIND_GROUP: its code */
};

/* Build the answer for what `arg` (a struct summary_ask) asks. */
static enum rb_err
build(struct api_ctx *c, const void *arg)
{
  const struct summary_ask *ask = arg;
  struct store_summary *sum = NULL, *prev = NULL, *last = NULL;
  struct summary_compare cmp = {NULL, NULL};
  json_t *out = NULL;
  enum rb_err err;
  long g;

  err = store_summary_load_trends(c->st, ask->quarter, &sum);
  if (err != RB_OK)
    return api_store_fail(c, err, "summary");
  if (ask->kind != KIND_EXCEPTIONS && (err = load_compare(c, ask->q, &prev, &last)) == RB_OK) {
    cmp.previous = store_summary_input(prev);
    cmp.last_year = store_summary_input(last);
  }
  switch (err == RB_OK ? ask->kind : KIND_NONE) {
  case KIND_GROUP:
    g = store_summary_group(sum, ask->group);
    if (g < 0) {
      err = api_fail(c, RB_ERR_NOT_FOUND, "no transformation group with code %.64s", ask->group);
      break;
    }
    out = summary_group_json_trends(store_summary_input(sum), (size_t)g, &cmp);
    if (out != NULL) {
      json_object_set_new(out, "quarter", json_string(ask->quarter));
      json_object_set_new(out, "year", json_string(store_summary_input(sum)->year));
    }
    break;
  case KIND_EXCEPTIONS:
    out =
      json_pack("{s:s, s:s, s:o}", "quarter", ask->quarter, "year", store_summary_input(sum)->year,
                "items", summary_exceptions_trends_json(store_summary_input(sum)));
    break;
  case KIND_ALL:
    out = summary_json_trends(store_summary_input(sum), &cmp);
    break;
  case KIND_NONE: /* load_compare failed and said why */
    break;
  }
  store_summary_free(sum);
  store_summary_free(prev);
  store_summary_free(last);
  if (err != RB_OK)
    return err;
  if (out == NULL)
    return RB_ERR_NOMEM;
  return api_reply(c, 200, out);
}

/* A missing group is 404 whatever If-None-Match says (RFC 9110 13.2.1). */
static enum rb_err
group_exists(struct api_ctx *c, const void *arg)
{
  const struct summary_ask *ask = arg;
  int64_t gid;
  enum rb_err err = store_group_id(c->st, ask->group, &gid);

  if (err == RB_ERR_NOT_FOUND)
    return api_fail(c, err, "no transformation group with code %.64s", ask->group);
  if (err != RB_OK)
    return api_store_fail(c, err, "summary");
  return RB_OK;
}

/* A summary of quarter Q of plan year Y shows reference data (groups,
 * priorities, items), the updates and readings of Y's items, and, for the
 * comparisons, those of Y-1's: it is cached under those three versions,
 * so a reading for another plan year leaves it cached. */
static enum rb_err
serve(struct api_ctx *c, enum summary_kind kind, const char *group)
{
  static const char *const allowed[] = {"quarter", NULL};
  struct summary_ask ask = {kind, NULL, {0, 0}, group};
  char key[192], year[YEAR_LEN], prev_year[YEAR_LEN];
  struct api_cached spec = {'s', (int)kind, year, prev_year, "summary", NULL, build, &ask};
  enum rb_err err;

  if ((err = api_query_allow(c, allowed)) != RB_OK ||
      (err = api_query_quarter(c, &ask.quarter, &ask.q)) != RB_OK)
    return err;
  quarter_format_year(ask.q.start_year, year);
  quarter_format_year(ask.q.start_year - 1, prev_year);
  if (kind == KIND_GROUP)
    spec.check = group_exists;
  /* group: a path segment, any length; too long a key is not cached */
  if (snprintf(key, sizeof(key), "%d|%s|%s", (int)kind, ask.quarter, group ? group : "") >=
      (int)sizeof(key))
    return api_cached(c, NULL, &spec);
  return api_cached(c, key, &spec);
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
