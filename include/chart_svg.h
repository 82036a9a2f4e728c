/* A KPI series as an SVG chart: the server-rendered chart of
 * GET /api/v1/kpis/{id}/chart.svg, reused by the board report and the
 * dashboard.
 *
 * What it draws: the values as points joined by a line (broken where a
 * period has no value), the target as a step line (per-period targets may
 * differ), and, when an SPC result with limits is given, each section's
 * mean and process limits (and optionally two-sigma lines), every point
 * coloured AND shaped by its special cause in Making Data Count's colours:
 * common cause grey circle, improvement blue triangle up, concern orange
 * triangle down, neither purple diamond (a point not judged, before there
 * are enough points, is a hollow circle). A legend names every mark used;
 * axes carry the period labels (thinned to at most 24) and the unit.
 * <title> and <desc> say in words what the chart shows (values, latest,
 * target, SPC verdict), role="img" with aria-labelledby, and each point
 * carries a <title> (tooltip) with its period, value and verdict.
 *
 * Why this way: presentation attributes only (the dashboard's CSP forbids
 * inline style), no script and no external reference, so the SVG can be
 * inlined in a page or served alone. Deterministic: the same input gives
 * the same bytes (fixed number formats independent of the locale, no
 * clock), so tests compare it with golden files. All stored text (code,
 * title, unit, period labels) goes through html_text/html_attr
 * (textbuf.h); long text is truncated on screen and kept whole in the
 * titles. Pure: no I/O, no globals.
 *
 * Memory: chart_svg returns a NUL-terminated string the caller frees
 * (free()); nothing else is kept. The input is only read. */
#ifndef RAGBOARD_CHART_SVG_H
#define RAGBOARD_CHART_SVG_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "spc.h"

struct chart_point {
  const char *period; /* x label, e.g. "2018-19-Q1" or "2019-04" */
  bool has_value;
  double value;
  bool has_target; /* the target in force for the period */
  double target;
};

struct chart_input {
  /* Prefix of the element ids (aria-labelledby), so several charts can
   * share a page; characters other than [A-Za-z0-9_-] become '-'. NULL:
   * "chart". */
  const char *id;
  const char *code;  /* KPI code, e.g. "CH/KPI 1"; may be NULL */
  const char *title; /* KPI description; may be NULL */
  const char *unit;  /* "percent" (written %), "count" (no unit), any other text, or NULL */
  const struct chart_point *points; /* oldest first */
  size_t npoints;
  /* NULL: no SPC. Else spc_compute's result over the points that have a
   * value, in the same order (spc->n must equal their number). */
  const struct spc_result *spc;
  bool two_sigma; /* draw the two-sigma lines too */
};

/* The SVG document in *svg (the caller frees it) and its length in *len
 * (len may be NULL). RB_ERR_INVALID: points NULL with npoints > 0, a value
 * or target that is not finite, or an SPC result whose number of points
 * differs from the number of values; RB_ERR_NOMEM. *svg is set only on
 * success. */
enum rb_err chart_svg(const struct chart_input *in, char **svg, size_t *len);

#endif
