/* A KPI's series across plan years and what is read from it: the points
 * (GET /api/v1/kpis/{id}/series), the XmR chart of Making Data Count
 * (/spc, spc.c exactly) and the SVG chart (/chart.svg, chart_svg.c).
 * ?frequency=quarterly|monthly picks the quarterly readings or the monthly
 * values; by default the KPI's own frequency. Each answer is built once
 * per data version (a series runs through other plan years' KPIs) and
 * served from the response cache with an ETag. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_cache.h"
#include "api_ctx.h"
#include "api_input.h"
#include "api_reply.h"
#include "api_series.h"
#include "chart_svg.h"
#include "series.h"
#include "spc.h"

enum what { SERIES, SPC, CHART };

struct ask {
  enum what what;
  int64_t id;
  int frequency; /* -1: the KPI's own; 0 quarterly; 1 monthly */
};

/* The request's KPI and ?frequency: 404, or 400 naming the parameter. */
static enum rb_err
parse(struct api_ctx *c, struct ask *ask)
{
  static const char *const allowed[] = {"frequency", NULL};
  const char *f;
  enum rb_err err;

  if ((err = api_path_id(c, 0, &ask->id)) != RB_OK)
    return api_fail(c, err, "no KPI with id %.32s", c->path[0]);
  if ((err = api_query_allow(c, allowed)) != RB_OK)
    return err;
  f = api_query(c, "frequency");
  ask->frequency = -1;
  if (f != NULL && strcmp(f, "quarterly") == 0) {
    ask->frequency = 0;
  } else if (f != NULL && strcmp(f, "monthly") == 0) {
    ask->frequency = 1;
  } else if (f != NULL) {
    api_field_error(c, "frequency", "must be quarterly or monthly");
    api_check_errors(c);
    return RB_ERR_BAD_REQUEST;
  }
  return RB_OK;
}

static enum rb_err
exists(struct api_ctx *c, const void *arg)
{
  const struct ask *ask = arg;
  json_t *kpi = NULL;
  enum rb_err err = store_kpi_brief(c->st, ask->id, &kpi);

  json_decref(kpi);
  if (err == RB_ERR_NOT_FOUND)
    return api_fail(c, err, "no KPI with id %lld", (long long)ask->id);
  return err == RB_OK ? RB_OK : api_store_fail(c, err, "KPI");
}

static bool
monthly_of(const struct ask *ask, const json_t *kpi)
{
  const char *f = json_string_value(json_object_get(kpi, "frequency"));

  if (ask->frequency >= 0)
    return ask->frequency == 1;
  return f != NULL && strcmp(f, "monthly") == 0;
}

static enum rag_direction
direction_of(const json_t *kpi)
{
  enum rag_direction d = RAG_DIR_NONE;
  const char *text = json_string_value(json_object_get(kpi, "direction"));

  if (text == NULL || !rag_parse_direction(text, &d))
    d = RAG_DIR_NONE;
  return d;
}

static json_t *
series_answer(const json_t *kpi, const struct series *s, int64_t id)
{
  json_t *points = json_array(), *out;

  for (size_t i = 0; points != NULL && i < s->npoints; i++) {
    if (json_array_append_new(points, series_point_json(s, i)) != 0) {
      json_decref(points);
      return NULL;
    }
  }
  out = json_pack("{s:I, s:O, s:O, s:O, s:O, s:s, s:o, s:o}", "kpi_id", (json_int_t)id, "year",
                  json_object_get(kpi, "year"), "code", json_object_get(kpi, "code"), "unit",
                  json_object_get(kpi, "unit"), "direction", json_object_get(kpi, "direction"),
                  "frequency", s->monthly ? "monthly" : "quarterly", "chain", series_chain_json(s),
                  "points", points);
  return out;
}

/* The XmR chart of the series: *r (free with spc_result_free) and its
 * input (free with series_spc_free). */
static enum rb_err
compute_spc(const json_t *kpi, const struct series *s, struct series_spc *in, struct spc_result **r)
{
  enum rb_err err = series_spc_input(s, json_object_get(kpi, "spc"), in);

  if (err != RB_OK)
    return err;
  err = spc_compute(in->x, in->n, &in->settings, series_spc_direction(direction_of(kpi)),
                    in->has_target, in->target, r);
  if (err != RB_OK)
    series_spc_free(in);
  return err;
}

static json_t *
spc_answer(const json_t *kpi, const struct series *s, int64_t id)
{
  struct series_spc in;
  struct spc_result *r = NULL;
  json_t *out = NULL;

  if (compute_spc(kpi, s, &in, &r) != RB_OK)
    return NULL;
  out = spc_json(id, r, in.periods);
  if (out != NULL &&
      (json_object_set_new(out, "frequency", json_string(s->monthly ? "monthly" : "quarterly")) |
       json_object_set_new(out, "target", in.has_target ? json_real(in.target) : json_null())) !=
        0) {
    json_decref(out);
    out = NULL;
  }
  spc_result_free(r);
  series_spc_free(&in);
  return out;
}

static enum rb_err
chart_answer(struct api_ctx *c, const json_t *kpi, const struct series *s, int64_t id)
{
  struct series_spc in;
  struct spc_result *r = NULL;
  struct chart_point *pts = NULL;
  struct chart_input ci;
  char cid[32], *svg = NULL;
  size_t len = 0;
  enum rb_err err = compute_spc(kpi, s, &in, &r);

  if (err != RB_OK)
    return err;
  err = series_chart_points(s, &pts);
  if (err == RB_OK) {
    snprintf(cid, sizeof(cid), "kpi-%lld", (long long)id);
    memset(&ci, 0, sizeof(ci));
    ci.id = cid;
    ci.code = json_string_value(json_object_get(kpi, "code"));
    ci.title = json_string_value(json_object_get(kpi, "description"));
    ci.unit = json_string_value(json_object_get(kpi, "unit"));
    ci.points = pts;
    ci.npoints = s->npoints;
    ci.spc = in.n > 0 ? r : NULL;
    err = chart_svg(&ci, &svg, &len);
  }
  free(pts);
  spc_result_free(r);
  series_spc_free(&in);
  if (err != RB_OK)
    return err;
  return api_reply_raw(c, 200, "image/svg+xml", svg, len);
}

static enum rb_err
build(struct api_ctx *c, const void *arg)
{
  const struct ask *ask = arg;
  json_t *kpi = NULL, *out = NULL;
  struct series s;
  enum rb_err err = store_kpi_get(c->st, ask->id, &kpi);

  if (err == RB_ERR_NOT_FOUND)
    return api_fail(c, err, "no KPI with id %lld", (long long)ask->id);
  if (err != RB_OK)
    return api_store_fail(c, err, "KPI");
  err = store_series_load(c->st, ask->id, monthly_of(ask, kpi), &s);
  if (err != RB_OK) {
    json_decref(kpi);
    return api_store_fail(c, err, "series");
  }
  switch (ask->what) {
  case SERIES:
    out = series_answer(kpi, &s, ask->id);
    err = out != NULL ? api_reply(c, 200, out) : RB_ERR_NOMEM;
    break;
  case SPC:
    out = spc_answer(kpi, &s, ask->id);
    err = out != NULL ? api_reply(c, 200, out) : RB_ERR_NOMEM;
    break;
  case CHART:
    err = chart_answer(c, kpi, &s, ask->id);
    break;
  }
  series_free(&s);
  json_decref(kpi);
  return err;
}

static enum rb_err
serve(struct api_ctx *c, enum what what)
{
  static const char *const whats[] = {"series", "SPC chart", "chart"};
  struct ask ask = {what, 0, -1};
  const struct api_cached spec = {'k', (int)what, NULL, NULL, whats[what], exists, build, &ask};
  char key[512];
  enum rb_err err = parse(c, &ask);

  if (err != RB_OK)
    return err;
  if (what == CHART) /* presentation attributes only: nothing to allow */
    rb_response_header(c->resp, "Content-Security-Policy", "default-src 'none'");
  return api_cached_data(c, api_url_key(c, key, sizeof(key)), &spec,
                         what == CHART ? "image/svg+xml" : NULL);
}

enum rb_err
api_kpi_series(struct api_ctx *c)
{
  return serve(c, SERIES);
}

enum rb_err
api_kpi_spc(struct api_ctx *c)
{
  return serve(c, SPC);
}

enum rb_err
api_kpi_chart(struct api_ctx *c)
{
  return serve(c, CHART);
}
