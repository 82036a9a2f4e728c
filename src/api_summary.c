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
  struct store_summary *sum = NULL;
  struct summary_headline prev, last;
  json_t *out = NULL;
  enum rb_err err;
  long g;

  err = store_summary_load(c->st, ask->quarter, &sum);
  if (err != RB_OK)
    return api_store_fail(c, err, "summary");
  switch (ask->kind) {
  case KIND_GROUP:
    g = store_summary_group(sum, ask->group);
    if (g < 0) {
      err = api_fail(c, RB_ERR_NOT_FOUND, "no transformation group with code %.64s", ask->group);
      break;
    }
    out = summary_group_json(store_summary_input(sum), (size_t)g);
    if (out != NULL) {
      json_object_set_new(out, "quarter", json_string(ask->quarter));
      json_object_set_new(out, "year", json_string(store_summary_input(sum)->year));
    }
    break;
  case KIND_EXCEPTIONS:
    out =
      json_pack("{s:s, s:s, s:o}", "quarter", ask->quarter, "year", store_summary_input(sum)->year,
                "items", summary_exceptions_json(store_summary_input(sum)));
    break;
  case KIND_ALL:
    err = previous_headline(c, ask->q, &prev);
    if (err == RB_OK)
      err = headline(c, quarter_same_last_year(ask->q), &last);
    if (err == RB_OK)
      out = summary_json(store_summary_input(sum), &prev, &last);
    break;
  }
  store_summary_free(sum);
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
