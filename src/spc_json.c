/* The JSON answer of GET /api/v1/kpis/{id}/spc (shape in include/spc.h),
 * and the names of the verdicts. Pure: no I/O. */
#include "spc.h"

#include <stdio.h>

const char *
spc_cause_name(enum spc_cause c)
{
  switch (c) {
  case SPC_CAUSE_IMPROVEMENT:
    return "improvement";
  case SPC_CAUSE_CONCERN:
    return "concern";
  case SPC_CAUSE_NEITHER:
    return "neither";
  default:
    return NULL;
  }
}

const char *
spc_variation_name(enum spc_variation v)
{
  static const char *const names[] = {
    NULL,           "common_cause", "improvement_high", "improvement_low",
    "concern_high", "concern_low",  "neither_high",     "neither_low",
  };

  return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : NULL;
}

const char *
spc_assurance_name(enum spc_assurance a)
{
  static const char *const names[] = {NULL, "pass", "fail", "hit_or_miss"};

  return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : NULL;
}

/* ---- JSON ------------------------------------------------------------------- */

static json_t *
str_or_null(const char *s)
{
  return s != NULL ? json_string(s) : json_null();
}

static json_t *
num_or_null(bool has, double v)
{
  return has ? json_real(v) : json_null();
}

static int
add_signals(json_t *list, unsigned bits, const char *side)
{
  static const struct {
    unsigned bit;
    const char *name;
  } rules[] = {
    {SPC_RULE_LIMIT, "process_limit"},
    {SPC_RULE_SHIFT, "shift"},
    {SPC_RULE_TREND, "trend"},
    {SPC_RULE_TWO_OF_THREE, "two_of_three"},
  };
  char name[32];

  for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
    if ((bits & rules[i].bit) == 0)
      continue;
    snprintf(name, sizeof(name), "%s_%s", rules[i].name, side);
    if (json_array_append_new(list, json_string(name)) != 0)
      return -1;
  }
  return 0;
}

static json_t *
point_json(const struct spc_result *r, size_t i, const char *period)
{
  const struct spc_point *p = &r->points[i];
  json_t *signals = json_null();

  if (r->sections[p->section].has_limits) {
    signals = json_array();
    if (signals == NULL || add_signals(signals, p->high, "high") != 0 ||
        add_signals(signals, p->low, "low") != 0) {
      json_decref(signals);
      return NULL;
    }
  }
  return json_pack("{s:s?, s:f, s:o, s:o}", "period", period, "value", p->value, "special_cause",
                   str_or_null(spc_cause_name(p->cause)), "signals", signals);
}

/* The figures of a section (or of the latest one) into obj. */
static int
set_figures(json_t *obj, bool has, double mean, double mr_bar, double upl, double lpl, double u2,
            double l2)
{
  return json_object_set_new(obj, "mean", num_or_null(has, mean)) |
         json_object_set_new(obj, "average_moving_range", num_or_null(has, mr_bar)) |
         json_object_set_new(obj, "upper_process_limit", num_or_null(has, upl)) |
         json_object_set_new(obj, "lower_process_limit", num_or_null(has, lpl)) |
         json_object_set_new(obj, "upper_two_sigma", num_or_null(has, u2)) |
         json_object_set_new(obj, "lower_two_sigma", num_or_null(has, l2));
}

static json_t *
section_json(const struct spc_section *sec, const char *const *periods)
{
  json_t *o = json_pack("{s:s?, s:s?, s:I, s:o}", "from", periods[sec->first], "to",
                        periods[sec->first + sec->count - 1], "points", (json_int_t)sec->count,
                        "baseline_points",
                        sec->has_limits ? json_integer((json_int_t)sec->baseline) : json_null());

  if (o != NULL && set_figures(o, sec->has_limits, sec->mean, sec->mr_bar, sec->upl, sec->lpl,
                               sec->u2, sec->l2) != 0) {
    json_decref(o);
    return NULL;
  }
  return o;
}

json_t *
spc_json(json_int_t kpi_id, const struct spc_result *r, const char *const *periods)
{
  json_t *root, *points, *sections;
  int err;

  root = json_pack("{s:I, s:o, s:o, s:{s:i, s:i, s:i, s:o}}", "kpi_id", kpi_id, "variation",
                   str_or_null(spc_variation_name(r->variation)), "assurance",
                   str_or_null(spc_assurance_name(r->assurance)), "rules", "minimum_points",
                   r->minimum_points, "shift_points", r->shift_points, "trend_points",
                   r->trend_points, "baseline_points",
                   r->baseline_points > 0 ? json_integer(r->baseline_points) : json_null());
  points = json_array();
  sections = json_array();
  if (root == NULL || points == NULL || sections == NULL)
    goto fail;
  for (size_t i = 0; i < r->n; i++) {
    if (json_array_append_new(points, point_json(r, i, periods[i])) != 0)
      goto fail;
  }
  for (size_t i = 0; i < r->nsections; i++) {
    if (json_array_append_new(sections, section_json(&r->sections[i], periods)) != 0)
      goto fail;
  }
  /* json_object_set_new consumes the value, even when it fails. */
  err = json_object_set_new(root, "points", points);
  points = NULL;
  err |= json_object_set_new(root, "sections", sections);
  sections = NULL;
  if (err != 0 ||
      set_figures(root, r->has_limits, r->mean, r->mr_bar, r->upl, r->lpl, r->u2, r->l2) != 0)
    goto fail;
  return root;

fail:
  json_decref(points);
  json_decref(sections);
  json_decref(root);
  return NULL;
}
