/* Direction of travel of the figures the API answers (issue 18,
 * section 2): a KPI reading's or monthly value's "direction_of_travel"
 * against the previous value in its series (series.h: across the plan
 * years of its chain), a milestone update's "status_change" against the
 * previous quarter's status. The rules are trend.c's; these find what
 * they compare. Derived, never stored: not part of a figure's ETag or of
 * its audit images (a change to an earlier figure would otherwise change
 * a later one's without a write to it). */
#include "domain.h"

#include <string.h>

#include "period.h"
#include "quarter.h"
#include "series.h"
#include "trend.h"

static enum rb_err
set_travel(json_t *figure, enum trend_travel t)
{
  return json_object_set_new(figure, "direction_of_travel", trend_travel_json(t)) == 0
           ? RB_OK
           : RB_ERR_NOMEM;
}

enum trend_travel
domain_travel_between(const struct rag_rule *rule, const struct trend_value *previous,
                      const struct trend_value *current)
{
  return trend_kpi_travel(rule->direction, rule->has_target, rule->target, previous, current);
}

enum trend_travel
domain_travel_of(const struct rag_rule *rule, const json_t *previous, const json_t *current)
{
  const json_t *pv = json_object_get(previous, "value"), *cv = json_object_get(current, "value");
  struct trend_value prev = {json_is_number(pv), json_number_value(pv)};
  struct trend_value cur = {json_is_number(cv), json_number_value(cv)};

  return domain_travel_between(rule, previous != NULL ? &prev : NULL, &cur);
}

enum rb_err
domain_figure_travel(struct store *st, int64_t kpi_id, json_t *figure, bool monthly)
{
  const char *period = json_string_value(json_object_get(figure, monthly ? "month" : "quarter"));
  const char *quarter = json_string_value(json_object_get(figure, "quarter"));
  json_t *prev = NULL;
  struct rag_rule rule;
  enum rb_err err;

  if (period == NULL || quarter == NULL)
    return set_travel(figure, TREND_NONE);
  if ((err = store_kpi_rule(st, kpi_id, quarter, &rule)) != RB_OK ||
      (err = store_series_previous(st, kpi_id, period, monthly, &prev)) != RB_OK)
    return err;
  err = set_travel(figure, domain_travel_of(&rule, prev, figure));
  json_decref(prev);
  return err;
}

enum rb_err
domain_figures_travel(struct store *st, int64_t kpi_id, json_t *figures, bool monthly)
{
  struct series s;
  json_t *f;
  size_t i;
  enum rb_err err;

  if (json_array_size(figures) == 0)
    return RB_OK;
  if ((err = store_series_load(st, kpi_id, monthly, &s)) != RB_OK)
    return err;
  json_array_foreach(figures, i, f)
  {
    const char *period = json_string_value(json_object_get(f, monthly ? "month" : "quarter"));
    const char *quarter = json_string_value(json_object_get(f, "quarter"));
    json_t *prev = NULL;
    struct rag_rule rule;
    bool is_monthly;
    long at;
    int key;

    if (period == NULL || quarter == NULL || period_parse(period, &key, &is_monthly) != NULL) {
      err = set_travel(f, TREND_NONE);
    } else if ((err = store_kpi_rule(st, kpi_id, quarter, &rule)) == RB_OK) {
      at = series_previous(&s, key);
      if (at >= 0)
        prev = json_pack("{s:f}", "value", s.points[at].value);
      err = set_travel(f, domain_travel_of(&rule, prev, f));
      json_decref(prev);
    }
    if (err != RB_OK)
      break;
  }
  series_free(&s);
  return err;
}

enum rag_status
domain_status_of(const char *status)
{
  enum rag_status s;

  return status != NULL && rag_parse_milestone_status(status, &s) ? s : RAG_NONE;
}

json_t *
domain_status_change_json(const char *previous, const char *current)
{
  return trend_status_change_json(domain_status_of(previous), domain_status_of(current));
}

/* The quarter before q's text, in out; false when q is not a quarter. */
static bool
previous_quarter(const char *q, char out[QUARTER_LEN])
{
  struct quarter parsed;

  if (q == NULL || quarter_parse(q, &parsed) != NULL)
    return false;
  quarter_format(quarter_previous(parsed), out);
  return true;
}

enum rb_err
domain_update_change(struct store *st, int64_t milestone_id, json_t *update)
{
  const char *q = json_string_value(json_object_get(update, "quarter"));
  char prevq[QUARTER_LEN];
  json_t *prev = NULL, *change;
  enum rb_err err = RB_OK;

  if (previous_quarter(q, prevq))
    err = store_update_get(st, milestone_id, prevq, &prev);
  if (err != RB_OK && err != RB_ERR_NOT_FOUND)
    return err;
  change = domain_status_change_json(json_string_value(json_object_get(prev, "status")),
                                     json_string_value(json_object_get(update, "status")));
  json_decref(prev);
  return change != NULL && json_object_set_new(update, "status_change", change) == 0 ? RB_OK
                                                                                     : RB_ERR_NOMEM;
}

enum rb_err
domain_updates_change(json_t *updates)
{
  json_t *u, *by_quarter = json_object();
  size_t i;

  if (by_quarter == NULL)
    return RB_ERR_NOMEM;
  json_array_foreach(updates, i, u)
    json_object_set(by_quarter, json_string_value(json_object_get(u, "quarter")), u);
  json_array_foreach(updates, i, u)
  {
    char prevq[QUARTER_LEN];
    const json_t *prev = NULL;
    json_t *change;

    if (previous_quarter(json_string_value(json_object_get(u, "quarter")), prevq))
      prev = json_object_get(by_quarter, prevq);
    change = domain_status_change_json(json_string_value(json_object_get(prev, "status")),
                                       json_string_value(json_object_get(u, "status")));
    if (change == NULL || json_object_set_new(u, "status_change", change) != 0) {
      json_decref(by_quarter);
      return RB_ERR_NOMEM;
    }
  }
  json_decref(by_quarter);
  return RB_OK;
}
