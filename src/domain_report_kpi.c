/* Each KPI of a board report's input gets what the trends work computes:
 * the direction of travel of its readings (trend.c) and a chart of its
 * series (chart_svg.c, with SPC from spc.c once there are enough points).
 *
 * Both read one series per KPI, made in ONE place, kpi_series() below:
 * today the KPI's readings of its own plan year, Q1 to the report's
 * quarter. Issue 18 (branch w18) chains a KPI across plan years
 * (`continues`) and lands a store function answering a KPI's chain
 * series; switching the report over means replacing kpi_series()'s body
 * with a call to it (the previous reading then lies in the year before
 * for a Q1 reading, and SPC gets the points it needs). Nothing else here
 * changes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart_svg.h"
#include "domain_report.h"
#include "rag.h"
#include "report_words.h"
#include "spc.h"
#include "trend.h"
#include "util.h"

#define SERIES_MAX 64 /* periods a chart shows; a plan year has 4 */

/* A KPI's series, oldest first: each period's value and the target in
 * force, and the reading (in the input, borrowed) it came from. */
struct series {
  struct chart_point points[SERIES_MAX];
  char labels[SERIES_MAX][REPORT_WORDS_LEN];
  json_t *readings[SERIES_MAX]; /* NULL: no reading for the period */
  size_t n;
};

static json_t *
reading_for(const json_t *kpi, const char *quarter)
{
  json_t *r;
  size_t i;

  json_array_foreach(json_object_get(kpi, "readings"), i, r)
  {
    const char *q = json_string_value(json_object_get(r, "quarter"));

    if (q != NULL && strcmp(q, quarter) == 0)
      return r;
  }
  return NULL;
}

/* The target in force at quarter id: its quarterly target, else the plan
 * year's (the rule rag.c rates with). */
static bool
target_at(const json_t *kpi, const char *id, double *out)
{
  json_t *qt = json_object_get(json_object_get(kpi, "quarterly_targets"), id);
  json_t *t = json_object_get(kpi, "target");

  if (json_is_number(qt)) {
    *out = json_number_value(qt);
    return true;
  }
  if (json_is_number(t)) {
    *out = json_number_value(t);
    return true;
  }
  return false;
}

/* THE HOOK (see the top of the file): the series of `kpi` up to quarter
 * `upto`. st is unused until the chain series is read from the store. */
static enum rb_err
kpi_series(struct store *st, const json_t *kpi, struct quarter upto, struct series *out)
{
  (void)st;
  memset(out, 0, sizeof(*out));
  for (int n = 1; n <= upto.n && out->n < SERIES_MAX; n++) {
    struct quarter q = {upto.start_year, n};
    struct chart_point *p = &out->points[out->n];
    char id[QUARTER_LEN];
    json_t *r, *v;

    quarter_format(q, id);
    report_quarter_short(id, out->labels[out->n]);
    r = reading_for(kpi, id);
    v = json_object_get(r, "value");
    p->period = out->labels[out->n];
    p->has_value = json_is_number(v);
    p->value = json_number_value(v);
    p->has_target = target_at(kpi, id, &p->target);
    out->readings[out->n] = r;
    out->n++;
  }
  return RB_OK;
}

/* Each reading's direction of travel against the previous value of the
 * series (trend.c's rule; null when there is none). */
static void
travel(const struct series *s, enum rag_direction dir)
{
  struct trend_value values[SERIES_MAX];

  for (size_t i = 0; i < s->n; i++)
    values[i] = (struct trend_value){s->points[i].has_value, s->points[i].value};
  for (size_t i = 0; i < s->n; i++) {
    enum trend_travel t;

    if (s->readings[i] == NULL)
      continue;
    t = trend_kpi_travel(dir, s->points[i].has_target, s->points[i].target,
                         trend_previous(values, i), &values[i]);
    json_object_set_new(s->readings[i], "direction_of_travel", trend_travel_json(t));
  }
}

/* The chart's <desc> as plain text: the words the SVG says, for the
 * image's alt text (the renderers escape them again). */
static json_t *
description_of(const char *svg)
{
  static const struct {
    const char *entity, *ch;
  } entities[] = {{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}};
  const char *start = strstr(svg, "<desc"), *end;
  char *text, *w;
  json_t *out;

  if (start == NULL || (start = strchr(start, '>')) == NULL ||
      (end = strstr(++start, "</desc>")) == NULL)
    return json_null();
  text = malloc((size_t)(end - start) + 1);
  if (text == NULL)
    return NULL;
  for (w = text; start < end;) {
    size_t k = 0;

    while (k < ARRAY_LEN(entities) &&
           strncmp(start, entities[k].entity, strlen(entities[k].entity)))
      k++;
    if (k < ARRAY_LEN(entities)) {
      *w++ = entities[k].ch[0];
      start += strlen(entities[k].entity);
    } else {
      *w++ = *start++;
    }
  }
  *w = '\0';
  out = json_string(text);
  free(text);
  return out;
}

static enum spc_direction
spc_direction_of(enum rag_direction d)
{
  return d == RAG_DIR_INCREASE   ? SPC_DIR_INCREASE
         : d == RAG_DIR_DECREASE ? SPC_DIR_DECREASE
                                 : SPC_DIR_NONE;
}

/* A chart when the series has two values or more (one point says nothing
 * the KPI table does not), with SPC limits once it has the points Making
 * Data Count asks for. */
static enum rb_err
chart(json_t *kpi, const struct series *s, enum rag_direction dir)
{
  double values[SERIES_MAX];
  size_t nvalues = 0;
  struct spc_result *spc = NULL;
  const struct chart_point *latest = NULL;
  char id[40], *svg = NULL;
  enum rb_err err = RB_OK;
  struct chart_input in;

  for (size_t i = 0; i < s->n; i++)
    if (s->points[i].has_value) {
      values[nvalues++] = s->points[i].value;
      latest = &s->points[i];
    }
  if (nvalues < 2)
    return RB_OK;
  if (nvalues >= SPC_MINIMUM_POINTS)
    err = spc_compute(values, nvalues, NULL, spc_direction_of(dir), latest->has_target,
                      latest->target, &spc);
  if (err != RB_OK)
    return err;
  snprintf(id, sizeof(id), "kpi-%lld", (long long)json_integer_value(json_object_get(kpi, "id")));
  in = (struct chart_input){.id = id,
                            .code = json_string_value(json_object_get(kpi, "code")),
                            .title = json_string_value(json_object_get(kpi, "description")),
                            .unit = json_string_value(json_object_get(kpi, "unit")),
                            .points = s->points,
                            .npoints = s->n,
                            .spc = spc,
                            .two_sigma = false};
  err = chart_svg(&in, &svg, NULL);
  spc_result_free(spc);
  if (err == RB_ERR_INVALID) /* a value that cannot be drawn: no chart, not no report */
    return RB_OK;
  if (err != RB_OK)
    return err;
  if (json_object_set_new(
        kpi, "chart", json_pack("{s:s, s:o}", "svg", svg, "description", description_of(svg))) != 0)
    err = RB_ERR_NOMEM;
  free(svg);
  return err;
}

static bool
in_scope(const json_t *kpi, const char *group)
{
  const char *g = json_string_value(json_object_get(kpi, "group"));

  return group == NULL || (g != NULL && strcmp(g, group) == 0);
}

/* The input's notices (printed at the top of the report) gain one. */
static enum rb_err
notice(json_t *input, char *text)
{
  json_t *arr = json_object_get(input, "notices");
  enum rb_err err = RB_ERR_NOMEM;

  if (arr == NULL && json_object_set_new(input, "notices", arr = json_array()) != 0)
    arr = NULL;
  if (arr != NULL && text != NULL && json_array_append_new(arr, json_string(text)) == 0)
    err = RB_OK;
  free(text);
  return err;
}

enum rb_err
domain_report_kpis(struct store *st, json_t *input, const char *quarter, const char *group)
{
  struct series *s = malloc(sizeof(*s));
  struct quarter upto;
  enum rb_err err = RB_OK;
  size_t i, n = 0;
  bool charts;
  json_t *kpi;

  if (s == NULL)
    return RB_ERR_NOMEM;
  if (quarter_parse(quarter, &upto) != NULL) {
    free(s);
    return RB_ERR_INVALID;
  }
  json_array_foreach(json_object_get(input, "kpis"), i, kpi) n += in_scope(kpi, group);
  charts = n <= DOMAIN_REPORT_CHARTS_MAX;
  json_array_foreach(json_object_get(input, "kpis"), i, kpi)
  {
    enum rag_direction dir = RAG_DIR_NONE;
    const char *d = json_string_value(json_object_get(kpi, "direction"));

    if (!in_scope(kpi, group))
      continue;
    if (d == NULL || !rag_parse_direction(d, &dir))
      dir = RAG_DIR_NONE;
    err = kpi_series(st, kpi, upto, s);
    if (err != RB_OK)
      break;
    travel(s, dir);
    if (charts && (err = chart(kpi, s, dir)) != RB_OK)
      break;
  }
  free(s);
  if (err == RB_OK && !charts)
    err = notice(input, util_asprintf("This report covers %zu KPIs: charts are drawn for reports "
                                      "of up to %d KPIs, so it has none. A report of one group "
                                      "(group=CODE) has them.",
                                      n, DOMAIN_REPORT_CHARTS_MAX));
  return err;
}
