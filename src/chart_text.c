/* The numbers and words of the SVG chart (see include/chart_svg.h): fixed
 * number formats, truncation, and the <title>/<desc> sentences. Pure. */
#include "chart_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* snprintf, then whatever the locale made of the decimal point becomes
 * '.': every byte other than a digit, sign or exponent mark (a run of
 * them, for a multibyte separator) is the decimal point. */
static void
fmt(char out[CHART_NUM_LEN], const char *format, int prec, double v)
{
  char raw[CHART_NUM_LEN];
  size_t j = 0;
  bool in_sep = false;

  snprintf(raw, sizeof(raw), format, prec, v);
  for (size_t i = 0; raw[i] != '\0' && j + 1 < CHART_NUM_LEN; i++) {
    char c = raw[i];

    if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e' || c == 'E') {
      out[j++] = c;
      in_sep = false;
    } else if (!in_sep) {
      out[j++] = '.';
      in_sep = true;
    }
  }
  out[j] = '\0';
}

/* Drop trailing zeros of a fraction ("37.60" -> "37.6", "12.00" -> "12"). */
static void
trim_zeros(char *s)
{
  char *dot = strchr(s, '.'), *end;

  if (dot == NULL || strpbrk(s, "eE") != NULL)
    return;
  end = s + strlen(s);
  while (end > dot + 1 && end[-1] == '0')
    *--end = '\0';
  if (end == dot + 1)
    *dot = '\0';
}

void
chart_fmt_fixed(char out[CHART_NUM_LEN], double v, int decimals)
{
  /* -0.0 and values that round to zero print as 0 */
  if (fabs(v) < 0.5 * pow(10, -decimals))
    v = 0;
  fmt(out, "%.*f", decimals, v);
}

void
chart_fmt_value(char out[CHART_NUM_LEN], double v)
{
  if (v == floor(v) && fabs(v) < 1e15)
    chart_fmt_fixed(out, v, 0);
  else
    fmt(out, "%.*g", 10, v);
}

void
chart_fmt_figure(char out[CHART_NUM_LEN], double v)
{
  if (fabs(v) >= 1e15) {
    fmt(out, "%.*g", 6, v);
    return;
  }
  if (fabs(v) >= 1 || fabs(v) < 0.005)
    chart_fmt_fixed(out, v, 2);
  else
    fmt(out, "%.*g", 3, v);
  trim_zeros(out);
}

void
chart_with_unit(struct textbuf *b, const char *num, const char *unit)
{
  textbuf_lit(b, num);
  if (unit == NULL || unit[0] == '\0' || strcmp(unit, "count") == 0)
    return;
  if (strcmp(unit, "percent") == 0 || strcmp(unit, "%") == 0) {
    textbuf_lit(b, "%");
    return;
  }
  textbuf_lit(b, " ");
  html_text(b, unit);
}

void
chart_text_cut(struct textbuf *b, const char *s, size_t max_chars)
{
  char head[4 * CHART_CUT_MAX + 1];
  size_t chars = 0, i;

  if (s == NULL)
    return;
  if (max_chars > CHART_CUT_MAX)
    max_chars = CHART_CUT_MAX;
  for (i = 0; s[i] != '\0'; i++) {
    if (((unsigned char)s[i] & 0xc0) != 0x80 && chars++ == max_chars)
      break; /* s[i] starts the first character not kept */
  }
  if (s[i] == '\0' || i >= sizeof(head)) {
    /* short enough; or bytes that are not UTF-8 (html_text replaces them) */
    if (s[i] == '\0') {
      html_text(b, s);
      return;
    }
    i = sizeof(head) - 1;
  }
  while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
    i--; /* "on and on well…", not "well …" */
  memcpy(head, s, i);
  head[i] = '\0';
  html_text(b, head);
  textbuf_lit(b, "\xe2\x80\xa6"); /* … */
}

const char *
chart_cause_words(enum spc_cause c)
{
  switch (c) {
  case SPC_CAUSE_COMMON:
    return "common cause";
  case SPC_CAUSE_IMPROVEMENT:
    return "special cause, improvement";
  case SPC_CAUSE_CONCERN:
    return "special cause, concern";
  case SPC_CAUSE_NEITHER:
    return "special cause, neither improvement nor concern";
  case SPC_CAUSE_NULL:
  default:
    return "not judged (too few points for SPC)";
  }
}

void
chart_title_text(struct textbuf *b, const struct chart_input *in)
{
  bool code = in->code != NULL && in->code[0] != '\0';
  bool title = in->title != NULL && in->title[0] != '\0';

  if (code)
    html_text(b, in->code);
  if (code && title)
    textbuf_lit(b, ": ");
  if (title)
    html_text(b, in->title);
  if (!code && !title)
    textbuf_lit(b, "KPI chart");
}

static void
value_words(struct textbuf *b, const struct chart_input *in, double v)
{
  char num[CHART_NUM_LEN];

  chart_fmt_value(num, v);
  chart_with_unit(b, num, in->unit);
}

static void
figure_words(struct textbuf *b, const struct chart_input *in, double v)
{
  char num[CHART_NUM_LEN];

  chart_fmt_figure(num, v);
  chart_with_unit(b, num, in->unit);
}

static void
plural(struct textbuf *b, size_t n, const char *one, const char *many)
{
  textbuf_printf(b, "%zu %s", n, n == 1 ? one : many);
}

static void
target_words(struct textbuf *b, const struct chart_input *in)
{
  const struct chart_point *latest = NULL;
  bool varies = false;

  for (size_t i = 0; i < in->npoints; i++) {
    if (!in->points[i].has_target)
      continue;
    if (latest != NULL && latest->target != in->points[i].target)
      varies = true;
    latest = &in->points[i];
  }
  if (latest == NULL) {
    textbuf_lit(b, "; no target");
    return;
  }
  textbuf_lit(b, "; target ");
  value_words(b, in, latest->target);
  if (varies) {
    textbuf_lit(b, " for ");
    html_text(b, latest->period);
    textbuf_lit(b, " (the target varies by period)");
  }
}

static const char *
variation_words(enum spc_variation v)
{
  switch (v) {
  case SPC_VAR_COMMON:
    return "the latest point shows common cause variation";
  case SPC_VAR_IMPROVEMENT_HIGH:
    return "the latest point shows special cause variation of an improving nature (high)";
  case SPC_VAR_IMPROVEMENT_LOW:
    return "the latest point shows special cause variation of an improving nature (low)";
  case SPC_VAR_CONCERN_HIGH:
    return "the latest point shows special cause variation of a concerning nature (high)";
  case SPC_VAR_CONCERN_LOW:
    return "the latest point shows special cause variation of a concerning nature (low)";
  case SPC_VAR_NEITHER_HIGH:
    return "the latest point shows special cause variation, neither improvement nor concern "
           "(high)";
  case SPC_VAR_NEITHER_LOW:
    return "the latest point shows special cause variation, neither improvement nor concern "
           "(low)";
  case SPC_VAR_NULL:
  default:
    return NULL;
  }
}

static const char *
assurance_words(enum spc_assurance a)
{
  switch (a) {
  case SPC_ASSURE_PASS:
    return "the process limits say the target will consistently be met (assurance: pass)";
  case SPC_ASSURE_FAIL:
    return "the process limits say the target will consistently be missed (assurance: fail)";
  case SPC_ASSURE_HIT_OR_MISS:
    return "the target lies within the process limits: it will be hit or missed by chance "
           "(assurance: hit or miss)";
  case SPC_ASSURE_NULL:
  default:
    return NULL;
  }
}

static void
spc_words(struct textbuf *b, const struct chart_input *in)
{
  const struct spc_result *r = in->spc;
  const struct spc_section *last;
  size_t counts[SPC_CAUSE_NEITHER + 1] = {0}, special;
  const char *words;

  if (r == NULL || r->n == 0 || r->nsections == 0)
    return;
  last = &r->sections[r->nsections - 1];
  if (!r->has_limits) {
    textbuf_printf(b, "; too few points %sfor SPC limits (%zu of %d)",
                   r->nsections > 1 ? "since the last recalculation " : "", last->count,
                   r->minimum_points);
    return;
  }
  textbuf_lit(b, "; SPC: mean ");
  figure_words(b, in, r->mean);
  textbuf_lit(b, ", process limits ");
  figure_words(b, in, r->lpl);
  textbuf_lit(b, " to ");
  figure_words(b, in, r->upl);
  if (r->nsections > 1)
    textbuf_printf(b, " (recalculated %zu times; these are the latest)", r->nsections - 1);
  for (size_t i = 0; i < r->n; i++)
    counts[r->points[i].cause]++;
  special = counts[SPC_CAUSE_IMPROVEMENT] + counts[SPC_CAUSE_CONCERN] + counts[SPC_CAUSE_NEITHER];
  if (special == 0) {
    textbuf_lit(b, "; no point shows special cause variation");
  } else {
    const char *sep = " (";

    textbuf_lit(b, "; ");
    plural(b, special, "point shows", "points show");
    textbuf_lit(b, " special cause variation");
    if (counts[SPC_CAUSE_IMPROVEMENT]) {
      textbuf_printf(b, "%s%zu improvement", sep, counts[SPC_CAUSE_IMPROVEMENT]);
      sep = ", ";
    }
    if (counts[SPC_CAUSE_CONCERN]) {
      textbuf_printf(b, "%s%zu concern", sep, counts[SPC_CAUSE_CONCERN]);
      sep = ", ";
    }
    if (counts[SPC_CAUSE_NEITHER])
      textbuf_printf(b, "%s%zu neither", sep, counts[SPC_CAUSE_NEITHER]);
    textbuf_lit(b, ")");
  }
  words = variation_words(r->variation);
  if (words != NULL) {
    textbuf_lit(b, "; ");
    textbuf_lit(b, words);
  }
  words = assurance_words(r->assurance);
  if (words != NULL) {
    textbuf_lit(b, "; ");
    textbuf_lit(b, words);
  }
}

void
chart_desc_text(struct textbuf *b, const struct chart_input *in)
{
  const struct chart_point *first = NULL, *latest = NULL;
  size_t nvalues = 0;

  if (in->code != NULL && in->code[0] != '\0') {
    html_text(b, in->code);
    textbuf_lit(b, ", ");
  }
  for (size_t i = 0; i < in->npoints; i++) {
    if (!in->points[i].has_value)
      continue;
    nvalues++;
    if (first == NULL)
      first = &in->points[i];
    latest = &in->points[i];
  }
  if (in->npoints == 0) {
    textbuf_lit(b, "no periods to show.");
    return;
  }
  if (nvalues == 0) {
    plural(b, in->npoints, "period", "periods");
    textbuf_lit(b, " and no values yet");
    target_words(b, in);
    textbuf_lit(b, ".");
    return;
  }
  plural(b, nvalues, "value", "values");
  textbuf_lit(b, nvalues == 1 ? ", for " : " from ");
  html_text(b, first->period);
  if (nvalues > 1) {
    textbuf_lit(b, " to ");
    html_text(b, latest->period);
  }
  if (nvalues < in->npoints) {
    textbuf_lit(b, " (");
    plural(b, in->npoints - nvalues, "period has", "periods have");
    textbuf_lit(b, " no value)");
  }
  textbuf_lit(b, "; latest ");
  value_words(b, in, latest->value);
  textbuf_lit(b, " (");
  html_text(b, latest->period);
  textbuf_lit(b, ")");
  target_words(b, in);
  spc_words(b, in);
  textbuf_lit(b, ".");
}

/* ---- numbers and coordinates (chart_svg.c and chart_marks.c both place marks)
 * ------------------------------------------------ */

void
chart_put_num(struct textbuf *b, double v)
{
  char num[CHART_NUM_LEN];

  chart_fmt_fixed(num, v, 1);
  textbuf_lit(b, num);
}

double
chart_x(const struct chart *c, size_t i)
{
  return PLOT_L + c->band * ((double)i + 0.5);
}

double
chart_y(const struct chart *c, double v)
{
  return PLOT_B - (v - c->lo) / (c->hi - c->lo) * (PLOT_B - PLOT_T);
}
