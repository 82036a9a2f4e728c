/* Each KPI of a board report's input gets what the trends work (issue 18)
 * computes, by the same code as the API's answers:
 *
 * - its direction of travel at the report's quarter, from the summary's
 *   own load (store_summary_load_trends: the previous value along the
 *   KPI's series, across the plan years of its `continues` chain, so a Q1
 *   reading compares with the predecessor KPI's Q4), set on the quarter's
 *   reading; the report's counts are then /api/v1/summary's by
 *   construction;
 * - a chart of its series up to the report's quarter (store_series_load,
 *   the chain's points, with SPC per its settings as GET
 *   /api/v1/kpis/{id}/chart.svg draws it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart_svg.h"
#include "domain_report.h"
#include "series.h"
#include "spc.h"
#include "trend.h"
#include "util.h"

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

/* A KPI's travel at the report's quarter, by id (sorted: bsearch). */
struct travel_of {
  int64_t id;
  enum trend_travel travel;
};

static int
by_id(const void *a, const void *b)
{
  int64_t x = ((const struct travel_of *)a)->id, y = ((const struct travel_of *)b)->id;

  return x < y ? -1 : x > y;
}

/* The summary's travel of every KPI of the quarter's plan year. *out:
 * free()d by the caller; *n its length. */
static enum rb_err
travels(struct store *st, const char *quarter, struct travel_of **out, size_t *n)
{
  struct store_summary *sum = NULL;
  const struct summary_input *in;
  struct travel_of *t;
  enum rb_err err = store_summary_load_kpi_travel(st, quarter, &sum);

  if (err != RB_OK)
    return err;
  in = store_summary_input(sum);
  t = malloc((in->nitems + 1) * sizeof(*t));
  if (t == NULL) {
    store_summary_free(sum);
    return RB_ERR_NOMEM;
  }
  *n = 0;
  for (size_t i = 0; i < in->nitems; i++)
    if (in->items[i].is_kpi)
      t[(*n)++] =
        (struct travel_of){in->items[i].id, in->trends != NULL ? in->trends[i].travel : TREND_NONE};
  qsort(t, *n, sizeof(*t), by_id);
  store_summary_free(sum);
  *out = t;
  return RB_OK;
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

/* A chart of the KPI's series up to the report's quarter when it has two
 * values or more (one point says nothing the KPI table does not), with
 * SPC limits once it has the points Making Data Count asks for. */
static enum rb_err
chart(struct store *st, json_t *kpi, const char *quarter)
{
  int64_t id = json_integer_value(json_object_get(kpi, "id"));
  enum rag_direction dir = RAG_DIR_NONE;
  const char *d = json_string_value(json_object_get(kpi, "direction"));
  struct series s;
  struct series_spc in;
  struct spc_result *spc = NULL;
  struct chart_point *pts = NULL;
  struct chart_input ci;
  size_t all, values = 0;
  char cid[40], *svg = NULL;
  enum rb_err err = store_series_load(st, id, false, &s);

  if (err != RB_OK)
    return err;
  if (d == NULL || !rag_parse_direction(d, &dir))
    dir = RAG_DIR_NONE;
  /* Up to the report's quarter: a report of an earlier quarter shows the
   * figures it had then. */
  all = s.npoints;
  while (s.npoints > 0 && strcmp(s.points[s.npoints - 1].period, quarter) > 0)
    s.npoints--;
  for (size_t i = 0; i < s.npoints; i++)
    values += s.points[i].has_value;
  if (values < 2)
    goto done;
  if ((err = series_spc_input(&s, json_object_get(kpi, "spc"), &in)) != RB_OK)
    goto done;
  err = spc_compute(in.x, in.n, &in.settings, series_spc_direction(dir), in.has_target, in.target,
                    &spc);
  if (err == RB_OK)
    err = series_chart_points(&s, &pts);
  if (err == RB_OK) {
    snprintf(cid, sizeof(cid), "kpi-%lld", (long long)id);
    memset(&ci, 0, sizeof(ci));
    ci.id = cid;
    ci.code = json_string_value(json_object_get(kpi, "code"));
    ci.title = json_string_value(json_object_get(kpi, "description"));
    ci.unit = json_string_value(json_object_get(kpi, "unit"));
    ci.points = pts;
    ci.npoints = s.npoints;
    ci.spc = in.n > 0 ? spc : NULL;
    err = chart_svg(&ci, &svg, NULL);
  }
  free(pts);
  spc_result_free(spc);
  series_spc_free(&in);
  if (err == RB_ERR_INVALID) { /* a value that cannot be drawn: no chart, not no report */
    err = RB_OK;
    goto done;
  }
  if (err == RB_OK &&
      json_object_set_new(
        kpi, "chart", json_pack("{s:s, s:o}", "svg", svg, "description", description_of(svg))) != 0)
    err = RB_ERR_NOMEM;
  free(svg);
done:
  s.npoints = all;
  series_free(&s);
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
  struct travel_of *t = NULL;
  size_t i, n = 0, nt = 0;
  enum rb_err err;
  bool charts;
  json_t *kpi;

  if ((err = travels(st, quarter, &t, &nt)) != RB_OK)
    return err;
  json_array_foreach(json_object_get(input, "kpis"), i, kpi) n += in_scope(kpi, group);
  charts = n <= DOMAIN_REPORT_CHARTS_MAX;
  json_array_foreach(json_object_get(input, "kpis"), i, kpi)
  {
    struct travel_of key = {json_integer_value(json_object_get(kpi, "id")), TREND_NONE};
    const struct travel_of *found = bsearch(&key, t, nt, sizeof(*t), by_id);
    json_t *r = reading_for(kpi, quarter);

    if (!in_scope(kpi, group))
      continue;
    if (r != NULL &&
        json_object_set_new(r, "direction_of_travel",
                            trend_travel_json(found != NULL ? found->travel : TREND_NONE)) != 0) {
      err = RB_ERR_NOMEM;
      break;
    }
    if (charts && (err = chart(st, kpi, quarter)) != RB_OK)
      break;
  }
  free(t);
  if (err == RB_OK && json_object_set_new(input, "travel", json_true()) != 0)
    err = RB_ERR_NOMEM;
  if (err == RB_OK && !charts)
    err = notice(input, util_asprintf("This report covers %zu KPIs: charts are drawn for reports "
                                      "of up to %d KPIs, so it has none. A report of one group "
                                      "(group=CODE) has them.",
                                      n, DOMAIN_REPORT_CHARTS_MAX));
  return err;
}
