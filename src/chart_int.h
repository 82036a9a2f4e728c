/* Internal to the SVG chart (chart_svg.c lays out and draws the lines,
 * chart_marks.c the markers and legend, chart_text.c the numbers and
 * words). Not part of any other module's interface. */
#ifndef RAGBOARD_CHART_INT_H
#define RAGBOARD_CHART_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "chart_svg.h"
#include "textbuf.h"

#define CHART_NUM_LEN 64

/* Layout (user units): the viewBox, and the plot inside it. */
#define CHART_W 800
#define CHART_H 480
#define PLOT_L 72.0
#define PLOT_R 776.0
#define PLOT_T 48.0
#define PLOT_B 320.0
#define MAX_X_LABELS 24
#define LABEL_CHARS 16 /* period labels longer than this are cut on screen */
#define HEADING_CHARS 84

/* Making Data Count's colours; the outline keeps light fills visible
 * (WCAG 1.4.11) and the shape says the same as the colour. */
#define COLOUR_COMMON "#A6A6A6"
#define COLOUR_IMPROVEMENT "#00B0F0"
#define COLOUR_CONCERN "#E46C0A"
#define COLOUR_NEITHER "#490092"
#define MARK_OUTLINE "#262626"
#define INK "#262626"
#define GREY "#595959"
#define TARGET_RED "#C00000"

/* Lines: told apart by dash pattern as well as colour. */
#define ATTR_MEAN "stroke=\"" INK "\" stroke-width=\"1.5\""
#define ATTR_LIMIT "stroke=\"" GREY "\" stroke-width=\"1.25\" stroke-dasharray=\"6 4\""
#define ATTR_SIGMA "stroke=\"#8C8C8C\" stroke-width=\"1\" stroke-dasharray=\"2 3\""
#define ATTR_TARGET "stroke=\"" TARGET_RED "\" stroke-width=\"1.5\" stroke-dasharray=\"10 3 2 3\""

enum mark { MARK_NOT_JUDGED, MARK_COMMON, MARK_IMPROVEMENT, MARK_CONCERN, MARK_NEITHER };

/* One rendering in progress. */
struct chart {
  const struct chart_input *in;
  struct textbuf *b;
  char id[64];
  size_t *vidx; /* period index of the k-th value (the k-th SPC point) */
  size_t nvalues;
  bool empty;    /* nothing to scale: no value, target or limit */
  double lo, hi; /* y range */
  double step;   /* y tick step */
  int step_decimals;
  double band; /* width of a period's band */
  double r;    /* marker size */
  bool marks_used[MARK_NEITHER + 1];
};

/* chart_svg.c: a coordinate with one decimal; a period's x; a value's y. */
void chart_put_num(struct textbuf *b, double v);
double chart_x(const struct chart *c, size_t i);
double chart_y(const struct chart *c, double v);
/* chart_marks.c: every value's marker with its <title>; the legend. */
void chart_markers(struct chart *c);
void chart_legend(struct chart *c, bool target);

/* Numbers in a fixed format whatever the locale (the C library's decimal
 * point is replaced by '.'; no grouping). */
void chart_fmt_fixed(char out[CHART_NUM_LEN], double v, int decimals);
/* A stored value: integers as integers, others with up to 10 significant
 * digits ("45.2", "0.3333333333"). */
void chart_fmt_value(char out[CHART_NUM_LEN], double v);
/* A computed figure (mean, limit): two decimals, trailing zeros dropped
 * ("23.2", "37.64"); three significant digits below 1. */
void chart_fmt_figure(char out[CHART_NUM_LEN], double v);
/* num with the unit: "45.2%" for percent, "12" for count or none,
 * "12 days" otherwise (the unit escaped). */
void chart_with_unit(struct textbuf *b, const char *num, const char *unit);
/* s escaped as element text, cut to max_chars characters (at most
 * CHART_CUT_MAX) plus "…" when longer. */
#define CHART_CUT_MAX 128
void chart_text_cut(struct textbuf *b, const char *s, size_t max_chars);
/* The words of <title> and of <desc>, escaped. */
void chart_title_text(struct textbuf *b, const struct chart_input *in);
void chart_desc_text(struct textbuf *b, const struct chart_input *in);
/* "common cause", "improvement", ...: what a point's verdict is called. */
const char *chart_cause_words(enum spc_cause c);

#endif
