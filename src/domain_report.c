/* The board report's input from the database (report_model.h describes
 * the input): the plan year's framework, the comparison figures, each
 * KPI's direction of travel and chart, and the provenance. */
#include "domain_report.h"

#include <stdio.h>
#include <string.h>

#include "report_model.h"
#include "report_words.h"

/* {"count", "total"} of one kind, or null when none of its items was
 * rated then (as the summary's comparison: no figure, not 0%). */
static json_t *
kind_figure(int64_t count, int64_t total, size_t rated)
{
  if (rated == 0 || total <= 0)
    return json_null();
  return json_pack("{s:I, s:I}", "count", (json_int_t)count, "total", (json_int_t)total);
}

/* One earlier quarter's figures, of every group (group NULL) or one. */
static json_t *
figures(const struct store_summary *sum, const char *group)
{
  const struct summary_input *in = store_summary_input(sum);
  struct summary_counts c;
  size_t g = SUMMARY_ALL_GROUPS;

  if (group != NULL) {
    long found = store_summary_group(sum, group);

    if (found < 0)
      return json_pack("{s:s, s:n, s:n}", "quarter", in->quarter, "milestones", "kpis");
    g = (size_t)found;
  }
  summary_counts_of(in, g, &c);
  return json_pack("{s:s, s:o, s:o}", "quarter", in->quarter, "milestones",
                   kind_figure(c.milestones_on_track, c.milestones, c.rated_milestones), "kpis",
                   kind_figure(c.kpis_on_track, c.kpis, c.rated_kpis));
}

/* The comparisons, overall (of ask->group alone when given: the report's
 * overall figures are that group's then) and per group, computed by
 * summary.c over the summaries /api/v1/summary compares with. */
static enum rb_err
comparisons(struct store *st, const struct domain_report_ask *ask, json_t *input)
{
  static const char *const names[] = {"previous_quarter", "same_quarter_last_year"};
  json_t *overall = json_object(), *g;
  struct quarter q;
  enum rb_err err = RB_OK;
  size_t i;

  if (overall == NULL || json_object_set_new(input, "comparison", overall) != 0)
    return RB_ERR_NOMEM;
  quarter_parse(ask->quarter, &q);
  json_array_foreach(json_object_get(input, "groups"), i, g)
  {
    if (json_object_set_new(g, "comparison", json_object()) != 0)
      return RB_ERR_NOMEM;
  }
  for (int which = 0; which < 2 && err == RB_OK; which++) {
    struct store_summary *sum = NULL;

    err = domain_compare_load(st, q, (enum domain_compare)which, &sum);
    if (err != RB_OK)
      break;
    if (json_object_set_new(overall, names[which], figures(sum, ask->group)) != 0)
      err = RB_ERR_NOMEM;
    json_array_foreach(json_object_get(input, "groups"), i, g)
    {
      if (err == RB_OK &&
          json_object_set_new(json_object_get(g, "comparison"), names[which],
                              figures(sum, json_string_value(json_object_get(g, "code")))) != 0)
        err = RB_ERR_NOMEM;
    }
    store_summary_free(sum);
  }
  return err;
}

static bool
has_group(const json_t *input, const char *code)
{
  json_t *g;
  size_t i;

  json_array_foreach(json_object_get(input, "groups"), i, g)
  {
    const char *c = json_string_value(json_object_get(g, "code"));

    if (c != NULL && strcmp(c, code) == 0)
      return true;
  }
  return false;
}

/* When, from which data, and the audit trail's head then: the anchor a
 * board member checks the report against later. */
static enum rb_err
provenance(struct store *st, const struct domain_report_ask *ask, json_t *input)
{
  int64_t version = 0, head_id = 0;
  char hash[65] = "", vtext[24];
  enum rb_err err = store_data_version(st, &version);
  json_t *head;

  if (err != RB_OK)
    return err;
  err = store_audit_head(st, &head_id, hash);
  if (err != RB_OK && err != RB_ERR_NOT_FOUND)
    return err;
  head =
    err == RB_OK ? json_pack("{s:I, s:s}", "id", (json_int_t)head_id, "hash", hash) : json_null();
  snprintf(vtext, sizeof(vtext), "%lld", (long long)version);
  if (json_object_set_new(input, "provenance",
                          json_pack("{s:s?, s:s, s:o, s:s}", "built_at", ask->built_at,
                                    "data_version", vtext, "audit_head", head, "ragboard_version",
                                    RAGBOARD_VERSION)) != 0)
    return RB_ERR_NOMEM;
  return RB_OK;
}

/* The partnership's title (the rule doc/report-model.md states): the one
 * asked for; else the plan year's dataset title without the quarter phrase
 * of the report it came from; else DOMAIN_REPORT_TITLE. */
static enum rb_err
set_title(struct store *st, const struct domain_report_ask *ask, const char *year, json_t *input)
{
  json_t *dataset = NULL, *title = NULL;
  enum rb_err err = RB_OK;

  if (ask->title != NULL && ask->title[0] != '\0')
    title = json_string(ask->title);
  else if ((err = store_dataset_get(st, year, &dataset)) == RB_OK) {
    const char *t = json_string_value(json_object_get(dataset, "title"));
    size_t n = t != NULL ? report_title_len(t) : 0;

    if (n > 0)
      title = json_stringn(t, n);
  } else if (err != RB_ERR_NOT_FOUND)
    return err;
  json_decref(dataset);
  if (title == NULL)
    title = json_string(DOMAIN_REPORT_TITLE);
  return json_object_set_new(input, "title", title) == 0 ? RB_OK : RB_ERR_NOMEM;
}

enum rb_err
domain_report_input(struct store *st, const struct domain_report_ask *ask, json_t **out, char *why,
                    size_t cap)
{
  char year[YEAR_LEN];
  json_t *input = NULL;
  enum rb_err err;

  if (cap > 0)
    why[0] = '\0';
  memcpy(year, ask->quarter, YEAR_LEN - 1);
  year[YEAR_LEN - 1] = '\0';
  err = store_report_year(st, year, ask->quarter, &input);
  if (err == RB_ERR_NOT_FOUND) {
    snprintf(why, cap,
             "there is nothing to report for %s: plan year %s has no priorities, "
             "milestones or KPIs",
             ask->quarter, year);
    return err;
  }
  if (err != RB_OK)
    return err;
  if (ask->group != NULL && !has_group(input, ask->group)) {
    snprintf(why, cap, "no transformation group with code %.64s", ask->group);
    err = RB_ERR_NOT_FOUND;
    goto fail;
  }
  if ((err = comparisons(st, ask, input)) != RB_OK ||
      (err = domain_report_kpis(st, input, ask->quarter, ask->group)) != RB_OK ||
      (err = provenance(st, ask, input)) != RB_OK ||
      (err = set_title(st, ask, year, input)) != RB_OK)
    goto fail;
  if (json_object_set_new(input, "quarter", json_string(ask->quarter)) != 0 ||
      json_object_set_new(input, "bodies",
                          json_pack("{s:s?, s:s?}", "delivery_team", ask->delivery_team,
                                    "place_board", ask->place_board)) != 0 ||
      json_object_set_new(input, "options",
                          json_pack("{s:s?, s:b}", "group", ask->group, "detail", ask->detail)) !=
        0) {
    err = RB_ERR_NOMEM;
    goto fail;
  }
  *out = input;
  return RB_OK;
fail:
  json_decref(input);
  return err;
}

enum rb_err
domain_report_model(struct store *st, const struct domain_report_ask *ask, json_t **model,
                    char *why, size_t cap)
{
  json_t *input = NULL;
  enum rb_err err = domain_report_input(st, ask, &input, why, cap);

  if (err != RB_OK)
    return err;
  err = report_model_build(input, model, why, cap);
  json_decref(input);
  return err;
}
