/* The marks of the SVG chart: a point's marker (colour and shape by its
 * special cause) with its tooltip, and the legend that names every mark
 * drawn. See include/chart_svg.h. Pure. */
#include "chart_int.h"

#include <string.h>

/* One marker: its shape, fill and outline; the element is left open for a
 * <title> when `close` is false. */
static void
marker(struct textbuf *b, enum mark m, double x, double y, double r, bool close)
{
  static const char *const fill[] = {"#FFFFFF", COLOUR_COMMON, COLOUR_IMPROVEMENT, COLOUR_CONCERN,
                                     COLOUR_NEITHER};
  const char *end = close ? "/>" : ">";

  if (m == MARK_NOT_JUDGED || m == MARK_COMMON) {
    textbuf_lit(b, "<circle cx=\"");
    chart_put_num(b, x);
    textbuf_lit(b, "\" cy=\"");
    chart_put_num(b, y);
    textbuf_lit(b, "\" r=\"");
    chart_put_num(b, r);
  } else {
    double tip = m == MARK_CONCERN ? 1.25 * r : -1.25 * r; /* up, or down for concern */
    double base = m == MARK_CONCERN ? -0.85 * r : 0.85 * r;

    textbuf_lit(b, "<path d=\"M");
    chart_put_num(b, x);
    textbuf_lit(b, ",");
    if (m == MARK_NEITHER) { /* diamond */
      chart_put_num(b, y - 1.35 * r);
      textbuf_lit(b, "L");
      chart_put_num(b, x + 1.1 * r);
      textbuf_lit(b, ",");
      chart_put_num(b, y);
      textbuf_lit(b, "L");
      chart_put_num(b, x);
      textbuf_lit(b, ",");
      chart_put_num(b, y + 1.35 * r);
      textbuf_lit(b, "L");
      chart_put_num(b, x - 1.1 * r);
      textbuf_lit(b, ",");
      chart_put_num(b, y);
    } else { /* triangle */
      chart_put_num(b, y + tip);
      textbuf_lit(b, "L");
      chart_put_num(b, x + 1.15 * r);
      textbuf_lit(b, ",");
      chart_put_num(b, y + base);
      textbuf_lit(b, "L");
      chart_put_num(b, x - 1.15 * r);
      textbuf_lit(b, ",");
      chart_put_num(b, y + base);
    }
    textbuf_lit(b, "Z");
  }
  textbuf_printf(b, "\" fill=\"%s\" stroke=\"%s\" stroke-width=\"1\"%s", fill[m],
                 m == MARK_NOT_JUDGED ? GREY : MARK_OUTLINE, end);
}

static enum mark
mark_of(const struct chart *c, size_t k)
{
  if (c->in->spc == NULL)
    return MARK_NOT_JUDGED;
  switch (c->in->spc->points[k].cause) {
  case SPC_CAUSE_COMMON:
    return MARK_COMMON;
  case SPC_CAUSE_IMPROVEMENT:
    return MARK_IMPROVEMENT;
  case SPC_CAUSE_CONCERN:
    return MARK_CONCERN;
  case SPC_CAUSE_NEITHER:
    return MARK_NEITHER;
  case SPC_CAUSE_NULL:
  default:
    return MARK_NOT_JUDGED;
  }
}

void
chart_markers(struct chart *c)
{
  struct textbuf *b = c->b;

  for (size_t k = 0; k < c->nvalues; k++) {
    const struct chart_point *p = &c->in->points[c->vidx[k]];
    enum mark m = mark_of(c, k);
    char num[CHART_NUM_LEN];

    c->marks_used[m] = true;
    marker(b, m, chart_x(c, c->vidx[k]), chart_y(c, p->value), c->r, false);
    textbuf_lit(b, "<title>");
    html_text(b, p->period);
    textbuf_lit(b, ": ");
    chart_fmt_value(num, p->value);
    chart_with_unit(b, num, c->in->unit);
    if (c->in->spc != NULL) {
      textbuf_lit(b, ", ");
      textbuf_lit(b, chart_cause_words(c->in->spc->points[k].cause));
    }
    textbuf_lit(b, m == MARK_COMMON || m == MARK_NOT_JUDGED ? "</title></circle>\n"
                                                            : "</title></path>\n");
  }
}

/* ---- legend ------------------------------------------------------------------ */

struct legend {
  struct chart *c;
  double x, y; /* where the next entry goes: entries flow in rows */
};

/* Place an entry about `label` wide (6.6 units a character at 12 px). */
static void
legend_at(struct legend *l, const char *label, double *x, double *y)
{
  double width = 24 + 6.6 * (double)strlen(label) + 20;

  if (l->x > 24 && l->x + width > CHART_W - 16) {
    l->x = 24;
    l->y += 20;
  }
  *x = l->x;
  *y = l->y;
  l->x += width;
}

static void
legend_mark(struct legend *l, enum mark m, const char *label)
{
  double x, y;

  legend_at(l, label, &x, &y);
  marker(l->c->b, m, x + 10, y - 4, 4.5, true);
  textbuf_printf(l->c->b, "\n<text x=\"%d\" y=\"%d\">%s</text>\n", (int)x + 24, (int)y, label);
}

static void
legend_line(struct legend *l, const char *attrs, const char *label)
{
  double x, y;

  legend_at(l, label, &x, &y);
  textbuf_printf(l->c->b, "<path d=\"M%d,%dh20\" fill=\"none\" %s/>\n", (int)x, (int)y - 4, attrs);
  textbuf_printf(l->c->b, "<text x=\"%d\" y=\"%d\">%s</text>\n", (int)x + 24, (int)y, label);
}

void
chart_legend(struct chart *c, bool target)
{
  struct legend l = {c, 24, CHART_H - 44};
  bool limits = c->in->spc != NULL && c->in->spc->nsections > 0;
  bool any_limits = false;

  for (size_t s = 0; limits && s < c->in->spc->nsections; s++)
    any_limits |= c->in->spc->sections[s].has_limits;
  textbuf_lit(c->b, "<g font-size=\"12\" fill=\"" INK "\">\n");
  if (c->marks_used[MARK_NOT_JUDGED])
    legend_mark(&l, MARK_NOT_JUDGED, c->in->spc != NULL ? "Value (not judged)" : "Value");
  if (c->marks_used[MARK_COMMON])
    legend_mark(&l, MARK_COMMON, "Common cause");
  if (c->marks_used[MARK_IMPROVEMENT])
    legend_mark(&l, MARK_IMPROVEMENT, "Special cause: improvement");
  if (c->marks_used[MARK_CONCERN])
    legend_mark(&l, MARK_CONCERN, "Special cause: concern");
  if (c->marks_used[MARK_NEITHER])
    legend_mark(&l, MARK_NEITHER, "Special cause: neither");
  if (any_limits) {
    legend_line(&l, ATTR_MEAN, "Mean");
    legend_line(&l, ATTR_LIMIT, "Process limits");
    if (c->in->two_sigma)
      legend_line(&l, ATTR_SIGMA, "Two-sigma lines");
  }
  if (target)
    legend_line(&l, ATTR_TARGET, "Target");
  textbuf_lit(c->b, "</g>\n");
}
