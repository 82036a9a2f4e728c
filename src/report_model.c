/* The report model: checking the input, summary.c's input from it, and
 * the model's assembly. The parts are in report_model_parts.c and
 * report_model_items.c. */
#include "report_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_model_int.h"
#include "util.h"

enum rb_err
rm_invalid(struct rm_build *b, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(b->why, b->cap, fmt, ap);
  va_end(ap);
  return RB_ERR_INVALID;
}

/* ---- checking the input -------------------------------------------------------- */

/* A string member (required) or a string-or-null one (optional). */
static bool
text_ok(const json_t *o, const char *key, bool required)
{
  json_t *v = json_object_get(o, key);

  if (v == NULL || json_is_null(v))
    return !required;
  return json_is_string(v);
}

static bool
quarter_ok(const json_t *v)
{
  struct quarter q;

  return json_is_string(v) && quarter_parse(json_string_value(v), &q) == NULL;
}

static long
group_index(struct rm_build *b, const char *code)
{
  for (size_t g = 0; code != NULL && g < b->sin.ngroups; g++)
    if (strcmp(b->groups[g].code, code) == 0)
      return (long)g;
  return -1;
}

static bool
priority_known(struct rm_build *b, size_t group, int64_t number)
{
  for (size_t p = 0; p < b->sin.npriorities; p++)
    if (b->prios[p].group == group && b->prios[p].number == number)
      return true;
  return false;
}

static enum rb_err
check_groups(struct rm_build *b)
{
  json_t *groups = rm_arr(b->in, "groups"), *prios = rm_arr(b->in, "priorities"), *g, *p;
  size_t i, j;

  if (groups == NULL)
    return rm_invalid(b, "groups: must be an array");
  if (prios == NULL)
    return rm_invalid(b, "priorities: must be an array");
  b->groups = calloc(json_array_size(groups) + 1, sizeof(*b->groups));
  b->prios = calloc(json_array_size(prios) + 1, sizeof(*b->prios));
  if (b->groups == NULL || b->prios == NULL)
    return RB_ERR_NOMEM;
  json_array_foreach(groups, i, g)
  {
    json_t *chairs = json_object_get(g, "chairs");

    if (!json_is_object(g) || !text_ok(g, "code", true) || !text_ok(g, "name", true))
      return rm_invalid(b, "groups[%zu]: must have a code and a name", i);
    if (chairs != NULL && !json_is_null(chairs) && !json_is_array(chairs))
      return rm_invalid(b, "groups[%zu].chairs: must be an array of names", i);
    json_array_foreach(chairs, j, p) if (!json_is_string(p)) return rm_invalid(
      b, "groups[%zu].chairs[%zu]: must be a name", i, j);
    if (group_index(b, rm_str(g, "code")) >= 0)
      return rm_invalid(b, "groups[%zu].code: %s is listed twice", i, rm_str(g, "code"));
    b->groups[b->sin.ngroups].code = rm_str(g, "code");
    b->groups[b->sin.ngroups].name = rm_str(g, "name");
    b->sin.ngroups++;
  }
  json_array_foreach(prios, i, p)
  {
    long gi = group_index(b, rm_str(p, "group"));
    int64_t n = rm_int(p, "number", 0);

    if (gi < 0)
      return rm_invalid(b, "priorities[%zu].group: no such group", i);
    if (n < 1)
      return rm_invalid(b, "priorities[%zu].number: must be a whole number from 1", i);
    if (!text_ok(p, "title", true) || !text_ok(p, "long_title", false))
      return rm_invalid(b, "priorities[%zu].title: must be text", i);
    if (priority_known(b, (size_t)gi, n))
      return rm_invalid(b, "priorities[%zu]: %s priority %lld is listed twice", i,
                        b->groups[gi].code, (long long)n);
    b->prios[b->sin.npriorities] = (struct summary_priority){(size_t)gi, n, rm_str(p, "title")};
    b->groups[gi].active = true;
    b->sin.npriorities++;
  }
  return RB_OK;
}

static enum rb_err
check_entries(struct rm_build *b, const json_t *item, bool kpi, size_t i)
{
  const char *list = kpi ? "kpis" : "milestones", *entries = kpi ? "readings" : "updates";
  json_t *arr = json_object_get(item, entries), *e;
  enum rag_status s;
  size_t j;

  if (arr == NULL || json_is_null(arr))
    return RB_OK;
  if (!json_is_array(arr))
    return rm_invalid(b, "%s[%zu].%s: must be an array", list, i, entries);
  json_array_foreach(arr, j, e)
  {
    json_t *v = json_object_get(e, "value");
    const char *travel = rm_str(e, "direction_of_travel");

    if (!json_is_object(e) || !quarter_ok(json_object_get(e, "quarter")))
      return rm_invalid(b, "%s[%zu].%s[%zu].quarter: must be a quarter YYYY-YY-Qn", list, i,
                        entries, j);
    if (rm_entry_for(item, kpi, rm_str(e, "quarter")) != e)
      return rm_invalid(b, "%s[%zu].%s[%zu].quarter: %s is listed twice", list, i, entries, j,
                        rm_str(e, "quarter"));
    if (!text_ok(e, "comment", false))
      return rm_invalid(b, "%s[%zu].%s[%zu].comment: must be text", list, i, entries, j);
    if (!kpi && !(json_is_string(json_object_get(e, "status")) &&
                  rag_parse_milestone_status(rm_str(e, "status"), &s)))
      return rm_invalid(b, "milestones[%zu].updates[%zu].status: must be BR, B, G, A, R or TBC", i,
                        j);
    if (kpi && !(text_ok(e, "rating", false) &&
                 (rm_str(e, "rating") == NULL || rag_parse_kpi_rating(rm_str(e, "rating"), &s))))
      return rm_invalid(b, "kpis[%zu].readings[%zu].rating: must be G, A, R, TBC or null", i, j);
    if (kpi && v != NULL && !json_is_null(v) && !json_is_number(v))
      return rm_invalid(b, "kpis[%zu].readings[%zu].value: must be a number or null", i, j);
    if (kpi && !text_ok(e, "value_text", false))
      return rm_invalid(b, "kpis[%zu].readings[%zu].value_text: must be text", i, j);
    if (kpi && travel != NULL && report_travel_arrow(travel) == NULL)
      return rm_invalid(b,
                        "kpis[%zu].readings[%zu].direction_of_travel: must be improving, same, "
                        "worsening or null",
                        i, j);
  }
  return RB_OK;
}

static enum rb_err
check_item(struct rm_build *b, const json_t *it, bool kpi, size_t i, struct summary_item *si)
{
  const char *list = kpi ? "kpis" : "milestones";
  long gi;
  enum rb_err err;

  if (!json_is_object(it) || !text_ok(it, "code", true) || !text_ok(it, "description", true))
    return rm_invalid(b, "%s[%zu]: must have a code and a description", list, i);
  gi = group_index(b, rm_str(it, "group"));
  if (gi < 0)
    return rm_invalid(b, "%s[%zu].group: no such group", list, i);
  if (!text_ok(it, "target_text", false))
    return rm_invalid(b, "%s[%zu].target_text: must be text", list, i);
  si->is_kpi = kpi;
  si->id = rm_int(it, "id", 0);
  si->group = (size_t)gi;
  si->code = rm_str(it, "code");
  si->description = rm_str(it, "description");
  if (!kpi) {
    int64_t n = rm_int(it, "priority", 0);

    if (!priority_known(b, (size_t)gi, n))
      return rm_invalid(b, "milestones[%zu].priority: %s has no priority %lld", i,
                        b->groups[gi].code, (long long)n);
  } else {
    json_t *ps = json_object_get(it, "priorities"), *p, *t = json_object_get(it, "target");
    json_t *tol = json_object_get(it, "tolerance"), *qt = json_object_get(it, "quarterly_targets");
    enum rag_direction d;
    size_t j;

    if (!json_is_array(ps))
      return rm_invalid(b, "kpis[%zu].priorities: must be an array of priority numbers", i);
    json_array_foreach(
      ps, j, p) if (!json_is_integer(p) ||
                    !priority_known(
                      b, (size_t)gi,
                      json_integer_value(
                        p))) return rm_invalid(b,
                                               "kpis[%zu].priorities[%zu]: %s has no such priority",
                                               i, j, b->groups[gi].code);
    if (rm_str(it, "direction") != NULL && !rag_parse_direction(rm_str(it, "direction"), &d))
      return rm_invalid(b, "kpis[%zu].direction: must be increase, decrease, maintain or null", i);
    if (t != NULL && !json_is_null(t) && !json_is_number(t))
      return rm_invalid(b, "kpis[%zu].target: must be a number or null", i);
    if (qt != NULL && !json_is_null(qt) && !json_is_object(qt))
      return rm_invalid(b, "kpis[%zu].quarterly_targets: must map quarters to numbers", i);
    if (tol != NULL && !json_is_null(tol) &&
        !(json_is_object(tol) && json_is_number(json_object_get(tol, "value"))))
      return rm_invalid(b, "kpis[%zu].tolerance: must be {\"mode\", \"value\"}", i);
  }
  if ((err = check_entries(b, it, kpi, i)) != RB_OK)
    return err;
  b->groups[gi].active = true;
  return RB_OK;
}

/* summary.c's item for the report's quarter, and what the report needs
 * beside it. */
static void
rate_item(struct rm_build *b, struct summary_item *si, struct rm_item *ri)
{
  const json_t *e = rm_entry_for(ri->in, si->is_kpi, b->quarter);

  ri->update = e;
  ri->reported = ri->computed = RAG_NONE;
  si->rated = e != NULL;
  si->comment = rm_str(e, "comment");
  if (!si->is_kpi) {
    if (e == NULL || !rag_parse_milestone_status(rm_str(e, "status"), &si->status))
      si->status = RAG_TBC; /* no update provided */
    return;
  }
  if (e == NULL) {
    si->status = RAG_TBC; /* no reading: no update provided */
    ri->cannot_rate = "no reading";
    return;
  } else {
    struct rag_rule rule;
    json_t *v = json_object_get(e, "value");

    if (rm_str(e, "rating") != NULL)
      rag_parse_kpi_rating(rm_str(e, "rating"), &ri->reported);
    rm_kpi_rule(b, ri->in, b->quarter, &rule);
    ri->computed = rag_rate_kpi(&rule, json_is_number(v), json_number_value(v));
    if (ri->computed == RAG_NONE)
      ri->cannot_rate = !json_is_number(v)
                          ? (rule.has_target ? "no value" : "no value and no target")
                        : !rule.has_target ? "no target"
                                           : "no direction";
    si->status = rag_effective(ri->reported, ri->computed);
    si->disagreement = rag_disagrees(ri->reported, ri->computed);
    si->value_text = rm_str(e, "value_text");
    ri->travel_known = json_object_get(e, "direction_of_travel") != NULL;
    ri->travel = rm_str(e, "direction_of_travel");
  }
}

static enum rb_err
check_items(struct rm_build *b)
{
  json_t *ms = rm_arr(b->in, "milestones"), *ks = rm_arr(b->in, "kpis"), *it;
  size_t n, i, links = 0;
  enum rb_err err;

  if (ms == NULL)
    return rm_invalid(b, "milestones: must be an array");
  if (ks == NULL)
    return rm_invalid(b, "kpis: must be an array");
  json_array_foreach(ks, i, it) links += json_array_size(json_object_get(it, "priorities"));
  n = json_array_size(ms) + json_array_size(ks);
  b->items = calloc(n + 1, sizeof(*b->items));
  b->ri = calloc(n + 1, sizeof(*b->ri));
  b->numbers = calloc(json_array_size(ms) + links + 1, sizeof(*b->numbers));
  if (b->items == NULL || b->ri == NULL || b->numbers == NULL)
    return RB_ERR_NOMEM;
  links = 0;
  for (int kpi = 0; kpi < 2; kpi++) {
    json_array_foreach(kpi ? ks : ms, i, it)
    {
      struct summary_item *si = &b->items[b->sin.nitems];
      struct rm_item *ri = &b->ri[b->sin.nitems];
      json_t *p;
      size_t j;

      if ((err = check_item(b, it, kpi, i, si)) != RB_OK)
        return err;
      ri->in = it;
      ri->group = si->group;
      si->priorities = &b->numbers[links];
      if (!kpi)
        b->numbers[links++] = rm_int(it, "priority", 0);
      else
        json_array_foreach(json_object_get(it, "priorities"), j, p) b->numbers[links++] =
          json_integer_value(p);
      si->npriorities = (size_t)(&b->numbers[links] - si->priorities);
      rate_item(b, si, ri);
      b->sin.nitems++;
    }
    if (!kpi)
      b->nmilestones = b->sin.nitems;
  }
  return RB_OK;
}

static enum rb_err
check_input(struct rm_build *b)
{
  json_t *options = json_object_get(b->in, "options"), *v;
  enum rb_err err;

  if (!json_is_object(b->in))
    return rm_invalid(b, "the report's input must be a JSON object");
  v = json_object_get(b->in, "quarter");
  if (!quarter_ok(v))
    return rm_invalid(b, "quarter: must be a quarter YYYY-YY-Qn, e.g. 2019-20-Q1");
  b->quarter = json_string_value(v);
  quarter_parse(b->quarter, &b->q);
  quarter_format_year(b->q.start_year, b->year);
  report_quarter_short(b->quarter, b->qshort);
  if (!text_ok(b->in, "title", false))
    return rm_invalid(b, "title: must be text");
  v = json_object_get(b->in, "notices");
  if (v != NULL && !json_is_null(v)) {
    json_t *n;
    size_t i;

    if (!json_is_array(v))
      return rm_invalid(b, "notices: must be an array of sentences");
    json_array_foreach(v, i, n) if (!json_is_string(n)) return rm_invalid(
      b, "notices[%zu]: must be a sentence", i);
  }
  if (options != NULL && !json_is_null(options)) {
    if (!json_is_object(options) || !text_ok(options, "group", false))
      return rm_invalid(b, "options: must be {\"group\": CODE or null, \"detail\": true|false}");
    b->only_group = rm_str(options, "group");
  }
  if ((err = check_groups(b)) != RB_OK || (err = check_items(b)) != RB_OK)
    return err;
  if (b->only_group != NULL && group_index(b, b->only_group) < 0) {
    snprintf(b->why, b->cap, "options.group: no group %s", b->only_group);
    return RB_ERR_NOT_FOUND;
  }
  return RB_OK;
}

/* ---- assembly ----------------------------------------------------------------- */

static bool
in_scope(struct rm_build *b, size_t g)
{
  return b->groups[g].active &&
         (b->only_group == NULL || strcmp(b->groups[g].code, b->only_group) == 0);
}

static json_t *
priorities_of(struct rm_build *b, size_t g)
{
  json_t *arr = json_array(), *p;
  size_t i;

  /* b->prios[i] is the input's priorities[i], checked; each milestone's
   * priority number is its summary item's first. */
  json_array_foreach(rm_arr(b->in, "priorities"), i, p)
  {
    json_t *ms;

    if (b->prios[i].group != g)
      continue;
    ms = json_array();
    for (size_t k = 0; k < b->nmilestones; k++)
      if (b->ri[k].group == g && b->items[k].priorities[0] == b->prios[i].number)
        json_array_append(ms, b->ri[k].out);
    json_array_append_new(
      arr, json_pack("{s:I, s:s, s:s?, s:o}", "number", (json_int_t)rm_int(p, "number", 0), "title",
                     rm_str(p, "title"), "long_title", rm_str(p, "long_title"), "milestones", ms));
  }
  return arr;
}

static json_t *
group_json(struct rm_build *b, size_t g, const json_t *gin)
{
  json_t *sum = summary_group_json(&b->sin, g), *kpis = json_array(), *out, *ms, *ks;
  json_t *chairs = rm_arr(gin, "chairs");

  for (size_t k = b->nmilestones; k < b->sin.nitems; k++)
    if (b->ri[k].group == g)
      json_array_append(kpis, b->ri[k].out);
  ms = rm_tally(json_object_get(sum, "milestones"), false);
  ks = rm_tally(json_object_get(sum, "kpis"), true);
  out = json_pack(
    "{s:s, s:s, s:o, s:o, s:{s:o, s:o, s:o}, s:o, s:o, s:o, s:o}", "code", b->groups[g].code,
    "name", b->groups[g].name, "chairs", chairs != NULL ? json_deep_copy(chairs) : json_array(),
    "priorities", priorities_of(b, g), "summary", "milestones", ms, "kpis", ks, "headlines",
    rm_headlines(ms, ks), "comparison",
    rm_comparison(b, json_object_get(gin, "comparison"), ms, ks), "direction_of_travel",
    rm_travel(b, g), "exceptions", rm_exceptions(sum, ms, ks), "kpis", kpis);
  json_decref(sum);
  return out;
}

static json_t *
overall_json(struct rm_build *b)
{
  struct summary_input in = b->sin;
  struct summary_item *items = calloc(b->sin.nitems + 1, sizeof(*items));
  json_t *sum, *ms, *ks, *cmp, *last_year, *pos;

  if (items == NULL)
    return NULL;
  /* With options.group, the overall figures are that group's. */
  in.items = items;
  in.nitems = 0;
  for (size_t i = 0; i < b->sin.nitems; i++)
    if (in_scope(b, b->items[i].group))
      items[in.nitems++] = b->items[i];
  sum = summary_overall_json(&in);
  free(items);
  ms = rm_tally(json_object_get(sum, "milestones"), false);
  ks = rm_tally(json_object_get(sum, "kpis"), true);
  json_decref(sum);
  cmp = rm_comparison(b, json_object_get(b->in, "comparison"), ms, ks);
  last_year = json_object_get(cmp, "same_quarter_last_year");
  pos = json_array();
  json_array_append_new(
    pos, rm_take(report_position_sentence(
           false, (int)rm_int(ms, "on_track_or_complete_percent_whole", -1), b->qshort,
           (int)rm_int(rm_obj(last_year, "milestones"), "percent_whole", -1))));
  json_array_append_new(pos, rm_take(report_position_sentence(
                               true, (int)rm_int(ks, "on_track_percent_whole", -1), b->qshort,
                               (int)rm_int(rm_obj(last_year, "kpis"), "percent_whole", -1))));
  return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "milestones", ms, "kpis", ks, "headlines",
                   rm_headlines(ms, ks), "position", pos, "comparison", cmp, "direction_of_travel",
                   rm_travel(b, (size_t)-1));
}

/* The notice at the top of a quarter nobody has reported on yet. */
static json_t *
notices(struct rm_build *b, bool *none)
{
  json_t *arr = json_array(), *n;
  size_t items = 0, updated = 0, i;

  for (i = 0; i < b->sin.nitems; i++)
    if (in_scope(b, b->items[i].group)) {
      items++;
      updated += b->items[i].rated;
    }
  *none = items > 0 && updated == 0;
  if (items == 0)
    json_array_append_new(
      arr,
      rm_take(util_asprintf("There are no milestones or KPIs to report on for %s.", b->qshort)));
  else if (*none)
    json_array_append_new(
      arr, rm_take(util_asprintf("No updates have been provided for %s yet: every milestone and "
                                 "KPI is listed under “no update provided”.",
                                 b->qshort)));
  /* Then what the input's maker has to say (charts left out, ...). */
  json_array_foreach(rm_arr(b->in, "notices"), i, n) json_array_append(arr, n);
  return arr;
}

static void
build_free(struct rm_build *b)
{
  for (size_t i = 0; b->ri != NULL && i < b->sin.nitems; i++)
    json_decref(b->ri[i].out);
  free(b->groups);
  free(b->prios);
  free(b->items);
  free(b->numbers);
  free(b->ri);
  json_decref(b->mcols);
  json_decref(b->kcols);
}

enum rb_err
report_model_build(const json_t *input, json_t **model, char *why, size_t cap)
{
  struct rm_build b;
  json_t *out = NULL, *groups, *gin, *opts;
  char qwords[REPORT_WORDS_LEN], ywords[REPORT_WORDS_LEN];
  enum rb_err err;
  bool none = false;
  size_t i;

  memset(&b, 0, sizeof(b));
  b.in = input;
  b.why = why;
  b.cap = cap;
  if ((err = check_input(&b)) != RB_OK)
    goto done;
  err = RB_ERR_NOMEM;
  b.sin.quarter = b.quarter;
  b.sin.year = b.year;
  b.sin.groups = b.groups;
  b.sin.priorities = b.prios;
  b.sin.items = b.items;
  if (rm_columns(&b) == NULL)
    goto done;
  /* Each item's detail, for the groups the report shows only (one
   * group's report of a large plan year builds that group's). */
  for (i = 0; i < b.sin.nitems; i++) {
    if (!in_scope(&b, b.ri[i].group))
      continue;
    b.ri[i].out =
      i < b.nmilestones ? rm_milestone_detail(&b, &b.ri[i]) : rm_kpi_detail(&b, &b.ri[i]);
    if (b.ri[i].out == NULL)
      goto done;
  }
  groups = json_array();
  json_array_foreach(rm_arr(input, "groups"), i, gin) if (in_scope(&b, i))
    json_array_append_new(groups, group_json(&b, i, gin));
  report_quarter_words(b.quarter, qwords);
  report_year_words(b.year, ywords);
  opts = json_object_get(input, "options");
  out = json_pack(
    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:{s:s?, s:b}, s:o, s:o, s:{s:O, s:O}, s:o, s:o, "
    "s:o, s:o}",
    "format", REPORT_MODEL_FORMAT, "quarter", b.quarter, "quarter_words", qwords, "quarter_short",
    b.qshort, "plan_year", b.year, "plan_year_words", ywords, "title",
    rm_str(input, "title") != NULL ? rm_str(input, "title") : "Performance report", "report_title",
    rm_take(util_asprintf("Performance Report: %s", b.qshort)), "options", "group", b.only_group,
    "detail", rm_bool(opts, "detail", true), "notices", notices(&b, &none), "cover", rm_cover(&b),
    "columns", "milestones", b.mcols, "kpis", b.kcols, "overall", overall_json(&b), "groups",
    groups, "data_notes", rm_data_notes(&b), "provenance", rm_provenance(input));
  if (out == NULL)
    goto done;
  if (json_object_set_new(out, "no_updates", json_boolean(none)) != 0) {
    json_decref(out);
    goto done;
  }
  *model = out;
  err = RB_OK;
done:
  build_free(&b);
  return err;
}
