/* Quarter views of the items: GET /api/v1/milestones?quarter=Q and
 * /api/v1/kpis?quarter=Q (issue 18, section 1), with the lists' filters
 * and pages. Each item comes with its update or reading for Q inline
 * ("update" / "reading", null when there is none, and "reported": false
 * then, so a dashboard tells "reported TBC" from "not reported") and the
 * previous one in its series ("previous"): a milestone's update for the
 * quarter before Q, with the status change; a KPI's latest earlier reading
 * with a value in its series across plan years, against which its
 * direction of travel is judged.
 *
 * Without ?year the items are the quarter's own plan year's. A view shows
 * reference data and that plan year's updates and readings (a figure of a
 * KPI in a chain moves the version of every plan year of the chain), so
 * it is cached per those two versions, like summaries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_cache.h"
#include "api_ctx.h"
#include "api_input.h"
#include "api_quarter_view.h"
#include "api_reply.h"
#include "domain.h"
#include "quarter.h"
#include "store_view.h"

struct view {
  bool kpi;
  struct store_filter f;
  struct store_page pg;
  const char *quarter;
  char prev_quarter[QUARTER_LEN];
  char year[YEAR_LEN];
};

/* A milestone with its update for the quarter and the one before. */
static void
milestone_at(const struct view *v, struct store_milestone_at *at, json_t *item)
{
  json_t *cur = at->update, *prev = at->previous, *change;

  if (cur != NULL) {
    change = domain_status_change_json(json_string_value(json_object_get(prev, "status")),
                                       json_string_value(json_object_get(cur, "status")));
    json_object_set_new(cur, "status_change", change);
  }
  json_object_set_new(item, "quarter", json_string(v->quarter));
  json_object_set_new(item, "reported", json_boolean(cur != NULL));
  json_object_set_new(item, "update", cur != NULL ? cur : json_null());
  json_object_set_new(item, "previous", prev != NULL ? prev : json_null());
  at->update = at->previous = NULL; /* the item's now */
}

/* A KPI with its reading for the quarter, rated, and the previous one in
 * its series, rated too, against which the direction of travel is judged. */
static void
kpi_at(const struct view *v, struct store_kpi_at *at, json_t *item)
{
  json_t *cur = at->reading, *prev = at->previous;

  if (prev != NULL)
    domain_reading_rate(&at->previous_rule, prev);
  if (cur != NULL) {
    domain_reading_rate(&at->rule, cur);
    json_object_set_new(cur, "direction_of_travel",
                        trend_travel_json(domain_travel_of(&at->rule, prev, cur)));
  }
  json_object_set_new(item, "quarter", json_string(v->quarter));
  json_object_set_new(item, "reported", json_boolean(cur != NULL));
  json_object_set_new(item, "reading", cur != NULL ? cur : json_null());
  json_object_set_new(item, "previous", prev != NULL ? prev : json_null());
  at->reading = at->previous = NULL; /* the item's now */
}

/* Each item of the page with its records for the quarter, read for the
 * whole page at once (store_view.h). */
static enum rb_err
view_items(struct store *st, const struct view *v, json_t *items)
{
  size_t n = json_array_size(items), i;
  struct store_milestone_at *ms = NULL;
  struct store_kpi_at *ks = NULL;
  enum rb_err err;
  json_t *item;

  if (n == 0)
    return RB_OK;
  if (v->kpi ? (ks = calloc(n, sizeof(*ks))) == NULL : (ms = calloc(n, sizeof(*ms))) == NULL)
    return RB_ERR_NOMEM;
  json_array_foreach(items, i, item)
  {
    int64_t id = json_integer_value(json_object_get(item, "id"));

    if (v->kpi)
      ks[i].id = id;
    else
      ms[i].id = id;
  }
  err = v->kpi ? store_kpis_at(st, v->quarter, ks, n)
               : store_milestones_at(st, v->quarter, v->prev_quarter, ms, n);
  if (err == RB_OK) {
    json_array_foreach(items, i, item)
    {
      if (v->kpi)
        kpi_at(v, &ks[i], item);
      else
        milestone_at(v, &ms[i], item);
    }
  }
  free(ks);
  free(ms);
  return err;
}

static enum rb_err
build(struct api_ctx *c, const void *arg)
{
  const struct view *v = arg;
  json_t *items;
  char *next;
  enum rb_err err = v->kpi ? store_kpi_list(c->st, &v->f, &v->pg, &items, &next)
                           : store_milestone_list(c->st, &v->f, &v->pg, &items, &next);

  if (err != RB_OK)
    return api_store_fail(c, err, v->kpi ? "KPIs" : "milestones");
  if ((err = view_items(c->st, v, items)) != RB_OK) {
    json_decref(items);
    free(next);
    return api_store_fail(c, err, "the quarter view");
  }
  return api_reply_list(c, items, next);
}

enum rb_err
api_quarter_view(struct api_ctx *c, bool kpi, const char *const *params)
{
  struct view v;
  const struct api_cached spec = {'l', -1, v.year, NULL, "the quarter view", NULL, build, &v};
  char cursor[64], key[512];
  struct quarter q;
  const char *msg;
  int64_t after;
  enum rb_err err;

  memset(&v, 0, sizeof(v));
  v.kpi = kpi;
  if ((err = api_query_allow(c, params)) != RB_OK)
    return err;
  (void)api_filter(c, &v.f); /* its errors are answered by api_page, with any of ours */
  v.quarter = api_query(c, "quarter");
  msg = quarter_parse(v.quarter, &q);
  if (msg != NULL) {
    api_field_error(c, "quarter", "%s", msg);
  } else {
    quarter_format(quarter_previous(q), v.prev_quarter);
    quarter_format_year(q.start_year, v.year);
  }
  /* The items of the quarter's own plan year unless ?year says which. */
  if (v.f.year != NULL && !api_field_failed(c, "year"))
    snprintf(v.year, sizeof(v.year), "%s", v.f.year);
  v.f.year = v.year;
  if ((err = api_page(c, &v.pg, cursor, sizeof(cursor))) != RB_OK)
    return err;
  if (v.pg.after != NULL && (!util_parse_int64(v.pg.after, &after) || after < 1))
    return api_fail(c, RB_ERR_BAD_REQUEST, "cursor is not one this server issued");
  return api_cached(c, api_url_key(c, key, sizeof(key)), &spec);
}
