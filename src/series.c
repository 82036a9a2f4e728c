/* A KPI's series across plan years (include/series.h): ratings and
 * direction of travel along it, its JSON, the SPC settings and what SPC
 * and the chart take from it. Pure: no I/O. */
#include "series.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonv.h"

void
series_free(struct series *s)
{
  if (s == NULL)
    return;
  for (size_t i = 0; i < s->npoints; i++) {
    free(s->points[i].value_text);
    free(s->points[i].comment);
  }
  free(s->points);
  s->points = NULL;
  s->npoints = s->cap = 0;
}

enum rb_err
series_push(struct series *s, struct series_point *p)
{
  if (s->npoints == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 32;
    struct series_point *grown = realloc(s->points, cap * sizeof(*grown));

    if (grown == NULL) {
      free(p->value_text);
      free(p->comment);
      return RB_ERR_NOMEM;
    }
    s->points = grown;
    s->cap = cap;
  }
  s->points[s->npoints++] = *p;
  p->value_text = p->comment = NULL;
  return RB_OK;
}

void
series_rate(struct series *s)
{
  const struct series_point *last = NULL; /* the latest point with a value so far */

  for (size_t i = 0; i < s->npoints; i++) {
    struct series_point *p = &s->points[i];
    struct trend_value prev, cur = {p->has_value, p->value};

    p->computed = s->monthly ? RAG_NONE : rag_rate_kpi(&p->rule, p->has_value, p->value);
    if (last != NULL) {
      prev.has_value = true;
      prev.value = last->value;
    }
    p->travel = trend_kpi_travel(p->rule.direction, p->rule.has_target, p->rule.target,
                                 last != NULL ? &prev : NULL, &cur);
    if (p->has_value)
      last = p;
  }
}

long
series_previous(const struct series *s, int key)
{
  long found = -1;

  for (size_t i = 0; i < s->npoints && s->points[i].key < key; i++)
    if (s->points[i].has_value)
      found = (long)i;
  return found;
}

static json_t *
code_or_null(enum rag_status r)
{
  return r == RAG_NONE ? json_null() : json_string(rag_code(r));
}

json_t *
series_point_json(const struct series *s, size_t i)
{
  const struct series_point *p = &s->points[i];
  const struct series_member *m = &s->members[p->member];
  enum rag_status effective = s->monthly ? RAG_NONE : rag_effective(p->reported, p->computed);

  return json_pack("{s:s, s:I, s:s, s:s, s:o, s:s?, s:o, s:o, s:o, s:o, s:s?, s:o}", "period",
                   p->period, "kpi_id", (json_int_t)m->id, "year", m->year, "code", m->code,
                   "value", p->has_value ? json_real(p->value) : json_null(), "value_text",
                   p->value_text, "target",
                   p->rule.has_target ? json_real(p->rule.target) : json_null(), "rating",
                   code_or_null(p->reported), "computed_rating", code_or_null(p->computed),
                   "effective_rating", code_or_null(effective), "comment", p->comment,
                   "direction_of_travel", trend_travel_json(p->travel));
}

json_t *
series_chain_json(const struct series *s)
{
  json_t *arr = json_array();

  for (size_t i = 0; arr != NULL && i < s->nmembers; i++) {
    if (json_array_append_new(arr, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)s->members[i].id,
                                             "year", s->members[i].year, "code",
                                             s->members[i].code)) != 0) {
      json_decref(arr);
      return NULL;
    }
  }
  return arr;
}

/* ---- SPC settings --------------------------------------------------------------- */

#define RECALC_MAX 100

static const char *const spc_members[] = {"minimum_points", "shift_points", "trend_points",
                                          "baseline_points", "recalculate_from"};

/* A whole number (3 or 3.0) in [lo, hi], else false. */
static bool
whole(const json_t *v, long lo, long hi, int *out)
{
  double d;

  if (!json_is_number(v))
    return false;
  d = json_number_value(v);
  if (!isfinite(d) || d != floor(d) || d < (double)lo || d > (double)hi)
    return false;
  *out = (int)d;
  return true;
}

/* The numeric settings of spc (valid or not: the caller checks). */
static void
numbers_of(const json_t *spc, struct spc_settings *s)
{
  int v;

  *s = spc_settings_default();
  if (whole(json_object_get(spc, "minimum_points"), -1000000000L, 1000000000L, &v))
    s->minimum_points = v;
  if (whole(json_object_get(spc, "shift_points"), -1000000000L, 1000000000L, &v))
    s->shift_points = v;
  if (whole(json_object_get(spc, "trend_points"), -1000000000L, 1000000000L, &v))
    s->trend_points = v;
  if (whole(json_object_get(spc, "baseline_points"), -1000000000L, 1000000000L, &v))
    s->baseline_points = v;
}

static void
check_recalc(const json_t *list, const char *prefix, json_t *errors)
{
  size_t i;
  json_t *p;
  int key, prev = 0;
  bool monthly;
  char field[48];

  if (!json_is_array(list)) {
    jv_error(errors, prefix, "spc.recalculate_from", "must be an array of periods");
    return;
  }
  if (json_array_size(list) > RECALC_MAX) {
    jv_error(errors, prefix, "spc.recalculate_from", "must have at most %d periods", RECALC_MAX);
    return;
  }
  json_array_foreach(list, i, p)
  {
    const char *msg = period_parse(json_string_value(p), &key, &monthly);

    snprintf(field, sizeof(field), "spc.recalculate_from[%zu]", i);
    if (msg != NULL) {
      jv_error(errors, prefix, field, "%s", msg);
      return;
    }
    if (i > 0 && key <= prev) {
      jv_error(errors, prefix, field, "periods must be in increasing order, each once");
      return;
    }
    prev = key;
  }
}

size_t
series_check_spc(json_t *spc, const char *prefix, json_t *errors)
{
  size_t before = json_array_size(errors);
  struct spc_settings s;
  const char *key, *msg, *field = NULL;
  json_t *v;
  void *tmp;
  char name[48], full[160];
  int n;

  if (!json_is_object(spc))
    return 0; /* the caller's check says what it must be */
  json_object_foreach_safe(spc, tmp, key, v)
  {
    bool known = false;

    for (size_t i = 0; i < sizeof(spc_members) / sizeof(spc_members[0]) && !known; i++)
      known = strcmp(key, spc_members[i]) == 0;
    snprintf(name, sizeof(name), "spc.%.32s", key);
    if (!known)
      jv_error(errors, prefix, name,
               "is not an SPC setting (minimum_points, shift_points, "
               "trend_points, baseline_points, recalculate_from)");
    else if (json_is_null(v))
      json_object_del(spc, key); /* null: MDC's default */
    else if (strcmp(key, "recalculate_from") == 0)
      check_recalc(v, prefix, errors);
    else if (!whole(v, -1000000000L, 1000000000L, &n))
      jv_error(errors, prefix, name, "must be an integer");
  }
  /* The ranges, each member once, whatever else is wrong. */
  numbers_of(spc, &s);
  for (int pass = 0; pass < 4; pass++) {
    msg = spc_settings_check(&s, &field);
    if (msg == NULL)
      break;
    snprintf(name, sizeof(name), "spc.%s", field);
    snprintf(full, sizeof(full), "%s%s%s", prefix != NULL ? prefix : "",
             prefix != NULL && prefix[0] != '\0' ? "." : "", name);
    if (!jv_has_error(errors, full) && json_object_get(spc, field) != NULL)
      jv_error(errors, prefix, name, "%s", msg);
    /* past this one, to the next */
    if (strcmp(field, "shift_points") == 0)
      s.shift_points = SPC_SHIFT_POINTS;
    else if (strcmp(field, "trend_points") == 0)
      s.trend_points = SPC_TREND_POINTS;
    else if (strcmp(field, "minimum_points") == 0)
      s.minimum_points = SPC_MINIMUM_POINTS;
    else if (strcmp(field, "baseline_points") == 0)
      s.baseline_points = 0;
    else
      break;
  }
  return json_array_size(errors) - before;
}

enum spc_direction
series_spc_direction(enum rag_direction d)
{
  return d == RAG_DIR_INCREASE   ? SPC_DIR_INCREASE
         : d == RAG_DIR_DECREASE ? SPC_DIR_DECREASE
                                 : SPC_DIR_NONE;
}

void
series_spc_free(struct series_spc *in)
{
  free(in->x);
  free(in->periods);
  free(in->recalc);
  memset(in, 0, sizeof(*in));
}

enum rb_err
series_spc_input(const struct series *s, const json_t *settings, struct series_spc *out)
{
  const json_t *recalc = json_object_get(settings, "recalculate_from");
  struct series_spc in;
  size_t n = 0, i, k = 0;
  json_t *p;

  memset(&in, 0, sizeof(in));
  numbers_of(settings, &in.settings);
  in.x = malloc((s->npoints + 1) * sizeof(*in.x));
  in.periods = malloc((s->npoints + 1) * sizeof(*in.periods));
  in.recalc = malloc((json_array_size(recalc) + 1) * sizeof(*in.recalc));
  if (in.x == NULL || in.periods == NULL || in.recalc == NULL) {
    series_spc_free(&in);
    return RB_ERR_NOMEM;
  }
  for (i = 0; i < s->npoints; i++) {
    const struct series_point *pt = &s->points[i];

    if (!pt->has_value)
      continue;
    in.x[n] = pt->value;
    in.periods[n++] = pt->period;
    in.has_target = pt->rule.has_target;
    in.target = pt->rule.target;
  }
  in.n = n;
  /* recalculate_from: the first valued point at or after each period;
   * indices that repeat (two periods with no point between them) count
   * once, so spc_compute's strictly increasing rule holds. */
  json_array_foreach(recalc, i, p)
  {
    int key;
    bool monthly;
    size_t at = 0, j;

    if (period_parse(json_string_value(p), &key, &monthly) != NULL)
      continue;
    for (j = 0; j < s->npoints; j++) {
      if (s->points[j].key >= key)
        break;
      if (s->points[j].has_value)
        at++;
    }
    if (k == 0 || at > in.recalc[k - 1])
      in.recalc[k++] = at;
  }
  in.settings.recalculate_at = in.recalc;
  in.settings.nrecalculate = k;
  *out = in;
  return RB_OK;
}

enum rb_err
series_chart_points(const struct series *s, struct chart_point **out)
{
  struct chart_point *pts = calloc(s->npoints + 1, sizeof(*pts));

  if (pts == NULL)
    return RB_ERR_NOMEM;
  for (size_t i = 0; i < s->npoints; i++) {
    pts[i].period = s->points[i].period;
    pts[i].has_value = s->points[i].has_value;
    pts[i].value = s->points[i].value;
    pts[i].has_target = s->points[i].rule.has_target;
    pts[i].target = s->points[i].rule.target;
  }
  *out = pts;
  return RB_OK;
}
