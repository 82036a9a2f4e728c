/* The SVG chart of a KPI series: layout and drawing (the words are in
 * chart_text.c; what is drawn and why is in include/chart_svg.h).
 *
 * Layout (user units, viewBox 0 0 800 480): heading at the top, the plot
 * in [72, 776] x [48, 320], period labels rotated under it, the unit
 * along the left, the legend in two rows at the bottom. Each period owns a
 * band of equal width; its point sits in the middle, and step lines (the
 * target, a section's mean and limits) span whole bands. Coordinates are
 * written with one decimal. */
#include "chart_svg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chart_int.h"

static void
widen(double *lo, double *hi, bool *any, double v)
{
  if (!*any || v < *lo)
    *lo = v;
  if (!*any || v > *hi)
    *hi = v;
  *any = true;
}

/* The y range: every value, target and drawn line, widened to whole ticks
 * of a 1-2-5 step (about five ticks). */
static void
y_scale(struct chart *c)
{
  const struct chart_input *in = c->in;
  double lo = 0, hi = 0, span, raw, p = 1, f;
  bool any = false;
  int e = 0;

  for (size_t i = 0; i < in->npoints; i++) {
    if (in->points[i].has_value)
      widen(&lo, &hi, &any, in->points[i].value);
    if (in->points[i].has_target)
      widen(&lo, &hi, &any, in->points[i].target);
  }
  for (size_t s = 0; in->spc != NULL && s < in->spc->nsections; s++) {
    const struct spc_section *sec = &in->spc->sections[s];

    if (!sec->has_limits)
      continue;
    widen(&lo, &hi, &any, in->two_sigma ? fmin(sec->lpl, sec->l2) : sec->lpl);
    widen(&lo, &hi, &any, in->two_sigma ? fmax(sec->upl, sec->u2) : sec->upl);
  }
  if (!any) {
    c->empty = true;
    lo = 0;
    hi = 1;
  }
  /* all equal (or equal to a millionth): a band around the value */
  if (hi - lo <= 1e-6 * fmax(fabs(lo), fabs(hi))) {
    double pad = lo == 0 ? 1 : fabs(lo) * 0.1;

    lo -= pad;
    hi += pad;
  }
  /* a margin, so no point sits on the frame; not below zero for a series
   * that never goes below it (counts, percentages) */
  span = hi - lo;
  lo = lo >= 0 && lo - span * 0.05 < 0 ? 0 : lo - span * 0.05;
  hi += span * 0.05;
  span = hi - lo;
  raw = span / 5;
  while (p * 10 <= raw && e < 300) {
    p *= 10;
    e++;
  }
  while (p > raw && e > -300) {
    p /= 10;
    e--;
  }
  f = raw / p;
  c->step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
  c->step_decimals = e < 0 ? -e : 0;
  if (f >= 7 && e < 0)
    c->step_decimals--; /* the step is 10^(e+1) */
  c->lo = floor(lo / c->step) * c->step;
  c->hi = ceil(hi / c->step) * c->step;
  if (c->hi - c->lo < c->step)
    c->hi = c->lo + c->step;
}

/* ---- pieces ------------------------------------------------------------------ */

static void
grid_and_axes(struct chart *c)
{
  struct textbuf *b = c->b;
  long k0 = lround(c->lo / c->step), k1 = lround(c->hi / c->step);
  char num[CHART_NUM_LEN];

  textbuf_lit(b, "<g font-size=\"11\" fill=\"" INK "\">\n");
  for (long k = k0; k <= k1 && !c->empty; k++) {
    double y = chart_y(c, (double)k * c->step);

    textbuf_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"", (int)PLOT_L, (int)PLOT_R);
    chart_put_num(b, y);
    textbuf_lit(b, "\" y2=\"");
    chart_put_num(b, y);
    textbuf_lit(b, "\" stroke=\"#E6E6E6\" stroke-width=\"1\"/>\n");
    chart_fmt_fixed(num, (double)k * c->step, c->step_decimals);
    textbuf_printf(b, "<text x=\"%d\" y=\"", (int)PLOT_L - 6);
    chart_put_num(b, y + 4);
    textbuf_printf(b, "\" text-anchor=\"end\">%s</text>\n", num);
  }
  textbuf_printf(
    b, "<path d=\"M%d,%dV%dH%d\" fill=\"none\" stroke=\"" GREY "\" stroke-width=\"1\"/>\n",
    (int)PLOT_L, (int)PLOT_T, (int)PLOT_B, (int)PLOT_R);
  /* the unit along the y axis */
  textbuf_printf(b,
                 "<text x=\"18\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 18 %d)\">",
                 (int)((PLOT_T + PLOT_B) / 2), (int)((PLOT_T + PLOT_B) / 2));
  if (c->in->unit == NULL || c->in->unit[0] == '\0')
    textbuf_lit(b, "Value");
  else if (strcmp(c->in->unit, "percent") == 0 || strcmp(c->in->unit, "%") == 0)
    textbuf_lit(b, "Per cent (%)");
  else
    chart_text_cut(b, c->in->unit, 32);
  textbuf_lit(b, "</text>\n");
  textbuf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">Period</text>\n",
                 (int)((PLOT_L + PLOT_R) / 2), CHART_H - 62);
  textbuf_lit(b, "</g>\n");
}

/* Period labels under the plot, at most MAX_X_LABELS, always the latest. */
static void
period_labels(struct chart *c)
{
  struct textbuf *b = c->b;
  size_t n = c->in->npoints, every = (n + MAX_X_LABELS - 1) / MAX_X_LABELS;

  if (n == 0)
    return;
  textbuf_lit(b, "<g font-size=\"11\" fill=\"" INK "\">\n");
  for (size_t i = 0; i < n; i++) {
    double x = chart_x(c, i);

    if ((n - 1 - i) % every != 0)
      continue;
    textbuf_lit(b, "<path d=\"M");
    chart_put_num(b, x);
    textbuf_printf(b, ",%dv4\" stroke=\"" GREY "\"/>\n", (int)PLOT_B);
    textbuf_lit(b, "<text x=\"");
    chart_put_num(b, x);
    textbuf_printf(b, "\" y=\"%d\" text-anchor=\"end\" transform=\"rotate(-45 ", (int)PLOT_B + 14);
    chart_put_num(b, x);
    textbuf_printf(b, " %d)\">", (int)PLOT_B + 14);
    chart_text_cut(b, c->in->points[i].period, LABEL_CHARS);
    textbuf_lit(b, "</text>\n");
  }
  textbuf_lit(b, "</g>\n");
}

/* A horizontal line over the bands of periods first..last. */
static void
hline(struct chart *c, size_t first, size_t last, double v, const char *attrs)
{
  struct textbuf *b = c->b;

  textbuf_lit(b, "<path d=\"M");
  chart_put_num(b, chart_x(c, first) - c->band / 2);
  textbuf_lit(b, ",");
  chart_put_num(b, chart_y(c, v));
  textbuf_lit(b, "H");
  chart_put_num(b, chart_x(c, last) + c->band / 2);
  textbuf_printf(b, "\" fill=\"none\" %s/>\n", attrs);
}

static void
spc_lines(struct chart *c)
{
  const struct spc_result *r = c->in->spc;

  for (size_t s = 0; r != NULL && s < r->nsections; s++) {
    const struct spc_section *sec = &r->sections[s];
    size_t first = c->vidx[sec->first], last = c->vidx[sec->first + sec->count - 1];

    if (!sec->has_limits)
      continue;
    if (c->in->two_sigma) {
      hline(c, first, last, sec->u2, ATTR_SIGMA);
      hline(c, first, last, sec->l2, ATTR_SIGMA);
    }
    hline(c, first, last, sec->upl, ATTR_LIMIT);
    hline(c, first, last, sec->lpl, ATTR_LIMIT);
    hline(c, first, last, sec->mean, ATTR_MEAN);
  }
}

/* The target as a step line, broken where a period has none. */
static bool
target_line(struct chart *c)
{
  const struct chart_point *p = c->in->points;
  struct textbuf *b = c->b;
  bool open = false, any = false;

  for (size_t i = 0; i < c->in->npoints; i++) {
    if (!p[i].has_target) {
      if (open)
        textbuf_lit(b, "\" fill=\"none\" " ATTR_TARGET "/>\n");
      open = false;
      continue;
    }
    if (!open) {
      textbuf_lit(b, "<path d=\"M");
      chart_put_num(b, chart_x(c, i) - c->band / 2);
      textbuf_lit(b, ",");
      chart_put_num(b, chart_y(c, p[i].target));
    } else if (p[i].target != p[i - 1].target) {
      textbuf_lit(b, "V");
      chart_put_num(b, chart_y(c, p[i].target));
    }
    if (i + 1 == c->in->npoints || !p[i + 1].has_target || p[i + 1].target != p[i].target) {
      textbuf_lit(b, "H");
      chart_put_num(b, chart_x(c, i) + c->band / 2);
    }
    open = any = true;
  }
  if (open)
    textbuf_lit(b, "\" fill=\"none\" " ATTR_TARGET "/>\n");
  return any;
}

/* The values joined by a line, broken at a period without a value (a run
 * of one value is its marker alone). */
static void
data_line(struct chart *c)
{
  const struct chart_point *p = c->in->points;
  struct textbuf *b = c->b;
  size_t n = c->in->npoints, i = 0;

  while (i < n) {
    size_t end = i;

    while (end < n && p[end].has_value)
      end++;
    if (end - i >= 2) {
      for (size_t k = i; k < end; k++) {
        textbuf_lit(b, k == i ? "<path d=\"M" : "L");
        chart_put_num(b, chart_x(c, k));
        textbuf_lit(b, ",");
        chart_put_num(b, chart_y(c, p[k].value));
      }
      textbuf_lit(b, "\" fill=\"none\" stroke=\"#7F7F7F\" stroke-width=\"1.5\"/>\n");
    }
    i = end > i ? end : i + 1;
  }
}

/* ---- the document ------------------------------------------------------------- */

static enum rb_err
check_input(struct chart *c)
{
  const struct chart_input *in = c->in;

  if (in->npoints > 0 && in->points == NULL)
    return RB_ERR_INVALID;
  for (size_t i = 0; i < in->npoints; i++) {
    if ((in->points[i].has_value && !isfinite(in->points[i].value)) ||
        (in->points[i].has_target && !isfinite(in->points[i].target)))
      return RB_ERR_INVALID;
    c->nvalues += in->points[i].has_value;
  }
  if (in->spc != NULL && in->spc->n != c->nvalues)
    return RB_ERR_INVALID;
  c->vidx = malloc((c->nvalues > 0 ? c->nvalues : 1) * sizeof(*c->vidx));
  if (c->vidx == NULL)
    return RB_ERR_NOMEM;
  for (size_t i = 0, k = 0; i < in->npoints; i++) {
    if (in->points[i].has_value)
      c->vidx[k++] = i;
  }
  return RB_OK;
}

static void
set_id(struct chart *c)
{
  const char *id = c->in->id != NULL && c->in->id[0] != '\0' ? c->in->id : "chart";
  size_t i;

  for (i = 0; id[i] != '\0' && i + 1 < sizeof(c->id); i++) {
    char ch = id[i];
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-';

    c->id[i] = ok ? ch : '-';
  }
  c->id[i] = '\0';
}

enum rb_err
chart_svg(const struct chart_input *in, char **svg, size_t *len)
{
  struct textbuf b = TEXTBUF_INIT;
  struct chart c = {.in = in, .b = &b};
  enum rb_err err;
  bool target;
  char *out;

  err = check_input(&c);
  if (err != RB_OK)
    goto done;
  set_id(&c);
  y_scale(&c);
  c.band = in->npoints > 0 ? (PLOT_R - PLOT_L) / (double)in->npoints : PLOT_R - PLOT_L;
  c.r = fmin(4.5, fmax(2.5, c.band * 0.35));

  textbuf_printf(&b,
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                 "viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"%s-title %s-desc\" "
                 "font-family=\"Arial, Helvetica, sans-serif\">\n",
                 CHART_W, CHART_H, CHART_W, CHART_H, c.id, c.id);
  textbuf_printf(&b, "<title id=\"%s-title\">", c.id);
  chart_title_text(&b, in);
  textbuf_printf(&b, "</title>\n<desc id=\"%s-desc\">", c.id);
  chart_desc_text(&b, in);
  textbuf_lit(&b, "</desc>\n");
  textbuf_printf(&b, "<rect width=\"%d\" height=\"%d\" fill=\"#FFFFFF\"/>\n", CHART_W, CHART_H);
  textbuf_lit(&b,
              "<text x=\"16\" y=\"26\" font-size=\"15\" font-weight=\"bold\" fill=\"" INK "\">");
  {
    struct textbuf heading = TEXTBUF_INIT;
    char *text;

    /* the heading is the title cut to fit: cut the raw text, then escape */
    if (in->code != NULL && in->code[0] != '\0')
      textbuf_lit(&heading, in->code);
    if (in->code != NULL && in->code[0] != '\0' && in->title != NULL && in->title[0] != '\0')
      textbuf_lit(&heading, ": ");
    if (in->title != NULL)
      textbuf_lit(&heading, in->title);
    text = textbuf_finish(&heading, NULL);
    if (text == NULL) {
      err = RB_ERR_NOMEM;
      goto done;
    }
    chart_text_cut(&b, text[0] != '\0' ? text : "KPI chart", HEADING_CHARS);
    free(text);
  }
  textbuf_lit(&b, "</text>\n");
  grid_and_axes(&c);
  period_labels(&c);
  if (c.nvalues == 0)
    textbuf_printf(&b,
                   "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"14\" fill=\"" INK
                   "\">No values to plot</text>\n",
                   (int)((PLOT_L + PLOT_R) / 2), (int)((PLOT_T + PLOT_B) / 2));
  spc_lines(&c);
  target = target_line(&c);
  data_line(&c);
  chart_markers(&c);
  chart_legend(&c, target);
  textbuf_lit(&b, "</svg>\n");
  out = textbuf_finish(&b, len);
  if (out == NULL) {
    err = RB_ERR_NOMEM;
    goto done;
  }
  *svg = out;

done:
  textbuf_reset(&b);
  free(c.vidx);
  return err;
}
