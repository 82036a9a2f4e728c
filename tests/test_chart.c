/* The SVG chart (src/chart_svg.c): golden files (same data, same bytes),
 * well-formed XML (every document is parsed with expat), escaping of
 * stored text, a colour AND a shape for each special cause, the words of
 * <title>/<desc>, and the awkward inputs (no points, one, gaps, equal
 * values, negative values, long labels, 200 periods). Pure: the only I/O
 * is reading the golden files (RAGBOARD_UPDATE_GOLDEN=1 rewrites them). */
#include <check.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "chart_svg.h"
#include "spc.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define GOLDEN_DIR RAGBOARD_SOURCE_ROOT "/tests/data/chart/"

static const char *const quarters[] = {
  "2018-19-Q1", "2018-19-Q2", "2018-19-Q3", "2018-19-Q4", "2019-20-Q1", "2019-20-Q2",
  "2019-20-Q3", "2019-20-Q4", "2020-21-Q1", "2020-21-Q2", "2020-21-Q3", "2020-21-Q4",
  "2021-22-Q1", "2021-22-Q2", "2021-22-Q3", "2021-22-Q4", "2022-23-Q1", "2022-23-Q2",
  "2022-23-Q3", "2022-23-Q4", "2023-24-Q1", "2023-24-Q2", "2023-24-Q3", "2023-24-Q4",
};
static const double mdc[] = {20, 24, 20, 26, 22, 16, 18, 16, 31, 28, 34, 26, 30, 19, 18};

/* A series over quarters[0..n): values (NAN: no value), one target for
 * every period (NAN: none), and its SPC result when spc is true. */
struct series {
  struct chart_point points[256];
  char labels[256][16];
  double values[256];
  size_t n, nvalues;
  struct spc_result *spc;
};

static void
series_init(struct series *s, const double *x, size_t n, double target)
{
  memset(s, 0, sizeof(*s));
  ck_assert_uint_le(n, N(s->points));
  s->n = n;
  for (size_t i = 0; i < n; i++) {
    struct chart_point *p = &s->points[i];

    if (n <= N(quarters)) {
      p->period = quarters[i];
    } else {
      snprintf(s->labels[i], sizeof(s->labels[i]), "%zu-%02zu", 2000 + i / 12, 1 + i % 12);
      p->period = s->labels[i];
    }
    p->has_value = !isnan(x[i]);
    p->value = x[i];
    p->has_target = !isnan(target);
    p->target = target;
    if (p->has_value)
      s->values[s->nvalues++] = x[i];
  }
}

static void
series_spc(struct series *s, enum spc_direction dir, const struct spc_settings *settings)
{
  const struct chart_point *last = s->n > 0 ? &s->points[s->n - 1] : NULL;

  ck_assert_int_eq(spc_compute(s->values, s->nvalues, settings, dir,
                               last != NULL && last->has_target, last ? last->target : 0, &s->spc),
                   RB_OK);
}

static char *
render(const struct chart_input *in, size_t *len)
{
  char *svg = NULL;

  ck_assert_int_eq(chart_svg(in, &svg, len), RB_OK);
  ck_assert_ptr_nonnull(svg);
  return svg;
}

/* ---- XML, with expat ---------------------------------------------------------- */

enum shape { SHAPE_NONE, SHAPE_CIRCLE, SHAPE_UP, SHAPE_DOWN, SHAPE_DIAMOND, SHAPE_OTHER };

struct doc {
  int depth;
  int children; /* elements directly under <svg> seen so far */
  char first[16], second[16];
  char role[16], labelledby[128], title_id[64], desc_id[64];
  char *title, *desc; /* text of the top-level <title>/<desc> */
  int in_title, in_desc;
  /* markers by colour: improvement, concern, neither, common */
  int shapes[4][SHAPE_OTHER + 1];
  int x_labels;
  bool forbidden; /* style, script, foreignObject, href, on* attributes */
};

static const char *const cause_fill[4] = {"#00B0F0", "#E46C0A", "#490092", "#A6A6A6"};

static const char *
attr(const char **atts, const char *name)
{
  for (size_t i = 0; atts[i] != NULL; i += 2) {
    if (strcmp(atts[i], name) == 0)
      return atts[i + 1];
  }
  return NULL;
}

/* Triangle up/down or diamond from "Mx,yLx,yLx,y[Lx,y]Z". */
static enum shape
path_shape(const char *d)
{
  double xs[8], ys[8];
  int n = 0, used;

  while (*d == 'M' || *d == 'L') {
    if (n == 8 || sscanf(d + 1, "%lf,%lf%n", &xs[n], &ys[n], &used) != 2)
      return SHAPE_OTHER;
    n++;
    d += 1 + used;
  }
  if (strcmp(d, "Z") != 0)
    return SHAPE_OTHER;
  if (n == 3)
    return ys[0] < ys[1] && ys[0] < ys[2]   ? SHAPE_UP
           : ys[0] > ys[1] && ys[0] > ys[2] ? SHAPE_DOWN
                                            : SHAPE_OTHER;
  if (n == 4 && xs[0] == xs[2] && ys[1] == ys[3])
    return SHAPE_DIAMOND;
  return SHAPE_OTHER;
}

static void XMLCALL
on_start(void *data, const char *name, const char **atts)
{
  struct doc *d = data;
  const char *fill = attr(atts, "fill"), *transform = attr(atts, "transform");

  if (strcmp(name, "style") == 0 || strcmp(name, "script") == 0 ||
      strcmp(name, "foreignObject") == 0 || strcmp(name, "image") == 0 || strcmp(name, "use") == 0)
    d->forbidden = true;
  for (size_t i = 0; atts[i] != NULL; i += 2) {
    if (strcmp(atts[i], "style") == 0 || strstr(atts[i], "href") != NULL ||
        strncmp(atts[i], "on", 2) == 0 || strstr(atts[i + 1], "url(") != NULL)
      d->forbidden = true;
  }
  if (d->depth == 0) {
    ck_assert_str_eq(name, "svg");
    snprintf(d->role, sizeof(d->role), "%s", attr(atts, "role") ? attr(atts, "role") : "");
    snprintf(d->labelledby, sizeof(d->labelledby), "%s",
             attr(atts, "aria-labelledby") ? attr(atts, "aria-labelledby") : "");
  } else if (d->depth == 1) {
    d->children++;
    if (d->children == 1)
      snprintf(d->first, sizeof(d->first), "%s", name);
    if (d->children == 2)
      snprintf(d->second, sizeof(d->second), "%s", name);
    if (strcmp(name, "title") == 0) {
      snprintf(d->title_id, sizeof(d->title_id), "%s", attr(atts, "id") ? attr(atts, "id") : "");
      d->in_title = 1;
    }
    if (strcmp(name, "desc") == 0) {
      snprintf(d->desc_id, sizeof(d->desc_id), "%s", attr(atts, "id") ? attr(atts, "id") : "");
      d->in_desc = 1;
    }
  }
  if (fill != NULL && (strcmp(name, "circle") == 0 || strcmp(name, "path") == 0)) {
    for (int k = 0; k < 4; k++) {
      if (strcmp(fill, cause_fill[k]) != 0)
        continue;
      d->shapes[k][strcmp(name, "circle") == 0 ? SHAPE_CIRCLE : path_shape(attr(atts, "d"))]++;
    }
  }
  if (strcmp(name, "text") == 0 && transform != NULL && strncmp(transform, "rotate(-45", 10) == 0)
    d->x_labels++;
  d->depth++;
}

static void XMLCALL
on_end(void *data, const char *name)
{
  struct doc *d = data;

  (void)name;
  d->depth--;
  if (d->depth == 1) {
    d->in_title = 0;
    d->in_desc = 0;
  }
}

static void
append(char **s, const char *text, int len)
{
  size_t old = *s ? strlen(*s) : 0;

  *s = realloc(*s, old + (size_t)len + 1);
  ck_assert_ptr_nonnull(*s);
  memcpy(*s + old, text, (size_t)len);
  (*s)[old + (size_t)len] = '\0';
}

static void XMLCALL
on_text(void *data, const char *text, int len)
{
  struct doc *d = data;

  if (d->in_title)
    append(&d->title, text, len);
  if (d->in_desc)
    append(&d->desc, text, len);
}

/* Parse svg (it must be well-formed) and check what every chart must be. */
static void
parse(const char *svg, size_t len, struct doc *d)
{
  XML_Parser p = XML_ParserCreate("UTF-8");
  char want[160];

  memset(d, 0, sizeof(*d));
  XML_SetUserData(p, d);
  XML_SetElementHandler(p, on_start, on_end);
  XML_SetCharacterDataHandler(p, on_text);
  ck_assert_msg(XML_Parse(p, svg, (int)len, 1) == XML_STATUS_OK, "not well-formed XML: %s at %lu",
                XML_ErrorString(XML_GetErrorCode(p)), (unsigned long)XML_GetCurrentLineNumber(p));
  XML_ParserFree(p);
  ck_assert_str_eq(d->role, "img");
  ck_assert_str_eq(d->first, "title");
  ck_assert_str_eq(d->second, "desc");
  snprintf(want, sizeof(want), "%s %s", d->title_id, d->desc_id);
  ck_assert_str_eq(d->labelledby, want);
  ck_assert_ptr_nonnull(d->title);
  ck_assert_ptr_nonnull(d->desc);
  ck_assert_msg(!d->forbidden, "style, script, link or event attribute in the SVG");
}

static void
doc_free(struct doc *d)
{
  free(d->title);
  free(d->desc);
}

/* ---- golden files ------------------------------------------------------------- */

static void
golden(const char *name, const char *svg, size_t len)
{
  char path[512], *want;
  FILE *f;
  long size;

  snprintf(path, sizeof(path), GOLDEN_DIR "%s.svg", name);
  if (getenv("RAGBOARD_UPDATE_GOLDEN") != NULL) {
    f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_uint_eq(fwrite(svg, 1, len, f), len);
    fclose(f);
    return;
  }
  f = fopen(path, "rb");
  ck_assert_msg(f != NULL, "missing golden file %s", path);
  fseek(f, 0, SEEK_END);
  size = ftell(f);
  fseek(f, 0, SEEK_SET);
  want = malloc((size_t)size + 1);
  ck_assert_uint_eq(fread(want, 1, (size_t)size, f), (size_t)size);
  want[size] = '\0';
  fclose(f);
  ck_assert_msg((size_t)size == len && memcmp(want, svg, len) == 0,
                "%s differs from %s (RAGBOARD_UPDATE_GOLDEN=1 rewrites it, after a look)", name,
                path);
  free(want);
}

START_TEST(test_chart_golden)
{
  static const double two[] = {3, NAN, 5};
  static const double flat[] = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
  static const double one[] = {45.2};
  struct series s;
  struct chart_input in = {0};
  struct doc d;
  char *svg;
  size_t len;

  /* nothing at all */
  in = (struct chart_input){"empty", "CH/KPI 9", "No data yet", "count", NULL, 0, NULL, false};
  svg = render(&in, &len);
  golden("empty", svg, len);
  parse(svg, len, &d);
  ck_assert_str_eq(d.desc, "CH/KPI 9, no periods to show.");
  doc_free(&d);
  free(svg);

  /* one value, with a target */
  series_init(&s, one, 1, 50);
  in = (struct chart_input){"one", "CH/KPI 1", "Referrals assessed", "percent", s.points, 1,
                            NULL,  false};
  svg = render(&in, &len);
  golden("one", svg, len);
  parse(svg, len, &d);
  ck_assert_str_eq(d.desc, "CH/KPI 1, 1 value, for 2018-19-Q1; latest 45.2% (2018-19-Q1); target "
                           "50%.");
  doc_free(&d);
  free(svg);

  /* two values around a gap, no target, SPC too young */
  series_init(&s, two, 3, NAN);
  series_spc(&s, SPC_DIR_DECREASE, NULL);
  in =
    (struct chart_input){"two", "UC/KPI 4", "Delayed discharges", "days", s.points, 3, s.spc, true};
  svg = render(&in, &len);
  golden("two", svg, len);
  parse(svg, len, &d);
  ck_assert_str_eq(d.desc, "UC/KPI 4, 2 values from 2018-19-Q1 to 2018-19-Q3 (1 period has no "
                           "value); latest 5 days (2018-19-Q3); no target; too few points for "
                           "SPC limits (2 of 13).");
  doc_free(&d);
  free(svg);
  spc_result_free(s.spc);

  /* thirteen equal values: zero range */
  series_init(&s, flat, 13, 7);
  series_spc(&s, SPC_DIR_INCREASE, NULL);
  in = (struct chart_input){"flat", "MH/KPI 2", "Beds", NULL, s.points, 13, s.spc, false};
  svg = render(&in, &len);
  golden("flat", svg, len);
  parse(svg, len, &d);
  ck_assert_ptr_nonnull(strstr(d.desc, "SPC: mean 7, process limits 7 to 7"));
  ck_assert_ptr_nonnull(strstr(d.desc, "(assurance: pass)"));
  doc_free(&d);
  free(svg);
  spc_result_free(s.spc);

  /* MDC's worked example with a target inside the limits */
  series_init(&s, mdc, 15, 30);
  series_spc(&s, SPC_DIR_INCREASE, NULL);
  in = (struct chart_input){
    "mdc", "CH/KPI 1", "Referrals assessed within 6 weeks", "percent", s.points, 15, s.spc, true};
  svg = render(&in, &len);
  golden("mdc", svg, len);
  parse(svg, len, &d);
  ck_assert_str_eq(d.desc,
                   "CH/KPI 1, 15 values from 2018-19-Q1 to 2021-22-Q3; latest 18% (2021-22-Q3); "
                   "target 30%; SPC: mean 23.2%, process limits 8.76% to 37.64%; no point shows "
                   "special cause variation; the latest point shows common cause variation; the "
                   "target lies within the process limits: it will be hit or missed by chance "
                   "(assurance: hit or miss).");
  ck_assert_uint_eq(d.shapes[3][SHAPE_CIRCLE], 15 + 1); /* and the legend's */
  doc_free(&d);
  free(svg);
  spc_result_free(s.spc);
}
END_TEST

/* ---- every special cause: its colour and its own shape ------------------------ */

START_TEST(test_chart_cause_shapes)
{
  /* fourteen points at 9, 11 fix the limits (baseline); then a high point
   * (beyond the upper limit) and a low one */
  static const double x[] = {9, 11, 9, 11, 9, 11, 9, 11, 9, 11, 9, 11, 9, 11, 16, 10, 4};
  struct spc_settings settings = spc_settings_default();
  struct series s;
  struct chart_input in;
  struct doc d, dn;
  char *svg;
  size_t len;

  settings.baseline_points = 14;
  series_init(&s, x, N(x), NAN);
  series_spc(&s, SPC_DIR_INCREASE, &settings);
  ck_assert_int_eq(s.spc->points[14].cause, SPC_CAUSE_IMPROVEMENT);
  ck_assert_int_eq(s.spc->points[16].cause, SPC_CAUSE_CONCERN);
  in = (struct chart_input){"c", "K", "Kinds", NULL, s.points, s.n, s.spc, false};
  svg = render(&in, &len);
  parse(svg, len, &d);
  free(svg);
  spc_result_free(s.spc);
  /* the same with no improvement direction: neither */
  series_spc(&s, SPC_DIR_NONE, &settings);
  in.spc = s.spc;
  svg = render(&in, &len);
  parse(svg, len, &dn);
  free(svg);
  spc_result_free(s.spc);

  /* each colour is drawn with one shape only: the points' and the legend's */
  ck_assert_int_eq(d.shapes[0][SHAPE_UP], 2); /* improvement: the point and the legend */
  ck_assert_int_eq(d.shapes[1][SHAPE_DOWN], 2);
  ck_assert_int_eq(dn.shapes[2][SHAPE_DIAMOND], 3);
  ck_assert_int_eq(d.shapes[3][SHAPE_CIRCLE], 15 + 1);
  for (int shape = SHAPE_NONE; shape <= SHAPE_OTHER; shape++) {
    ck_assert(shape == SHAPE_UP || d.shapes[0][shape] == 0);
    ck_assert(shape == SHAPE_DOWN || d.shapes[1][shape] == 0);
    ck_assert(shape == SHAPE_DIAMOND || dn.shapes[2][shape] == 0);
    ck_assert(shape == SHAPE_CIRCLE || d.shapes[3][shape] == 0);
  }
  ck_assert_ptr_nonnull(strstr(d.desc, "2 points show special cause variation (1 improvement, "
                                       "1 concern); the latest point shows special cause "
                                       "variation of a concerning nature (low)"));
  ck_assert_ptr_nonnull(strstr(dn.desc, "(2 neither)"));
  doc_free(&d);
  doc_free(&dn);
}
END_TEST

/* ---- stored text is escaped ------------------------------------------------------ */

START_TEST(test_chart_escaping)
{
  struct chart_point pts[2] = {{"<b>Q1</b>", true, 1, false, 0},
                               {"\"Q2\" & 'more'", true, 2, false, 0}};
  struct chart_input in = {"x\" onload=\"alert(1)",
                           "<script>alert(1)</script>",
                           "<img src=x onerror=alert(1)>",
                           "</text><script>",
                           pts,
                           2,
                           NULL,
                           false};
  struct doc d;
  size_t len;
  char *svg = render(&in, &len);

  ck_assert_ptr_null(strstr(svg, "<script"));
  ck_assert_ptr_null(strstr(svg, "<img"));
  ck_assert_ptr_null(strstr(svg, "<b>"));
  ck_assert_ptr_null(strstr(svg, "onload=\""));
  ck_assert_ptr_nonnull(strstr(svg, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  ck_assert_ptr_nonnull(strstr(svg, "&lt;img src=x onerror=alert(1)&gt;"));
  ck_assert_ptr_nonnull(strstr(svg, "&quot;Q2&quot; &amp; &#39;more&#39;"));
  ck_assert_ptr_nonnull(strstr(svg, "aria-labelledby=\"x--onload--alert-1--title"));
  parse(svg, len, &d);
  /* the parsed text is the stored text again */
  ck_assert_str_eq(d.title, "<script>alert(1)</script>: <img src=x onerror=alert(1)>");
  ck_assert_ptr_nonnull(strstr(d.desc, "latest 2 </text><script> (\"Q2\" & 'more')"));
  doc_free(&d);
  free(svg);
}
END_TEST

/* Stored text with what XML 1.0 does not allow: control characters, bytes
 * that are not UTF-8, and the noncharacters U+FFFE and U+FFFF (valid
 * UTF-8, yet not XML characters): the chart must still parse. */
START_TEST(test_chart_xml_forbidden_text)
{
  static const char *const bad[] = {"\x01\x1f\x7f", "\xff\xfe",     "\xc0\xaf",
                                    "\xef\xbf\xbe", "\xef\xbf\xbf", "\xed\xa0\x80"};

  for (size_t i = 0; i < N(bad); i++) {
    struct chart_point pts[1] = {{bad[i], true, 1, false, 0}};
    struct chart_input in = {bad[i], bad[i], bad[i], bad[i], pts, 1, NULL, false};
    struct doc d;
    size_t len;
    char *svg = render(&in, &len);

    parse(svg, len, &d);
    ck_assert_ptr_nonnull(strstr(d.title, "\xef\xbf\xbd")); /* U+FFFD stands in */
    doc_free(&d);
    free(svg);
  }
}
END_TEST

/* ---- awkward inputs -------------------------------------------------------------- */

START_TEST(test_chart_long_and_many)
{
  static const char long_title[] =
    "A very long description of a key performance indicator that goes on and on well past "
    "what fits on one line of a chart heading, as imported from a spreadsheet cell";
  struct chart_point pts[3] = {
    {"2018-19-Q1 (provisional, revised in the next report)", true, -12.5, true, -10},
    {"2018-19-Q2", true, -3, true, -10},
    {"2018-19-Q3 \xc3\xa9\xc3\xa9\xc3\xa9", true, 4, true, -8}};
  struct chart_input in = {"long", "CH/KPI 1", long_title, "per 100,000", pts, 3, NULL, false};
  double many[200];
  struct series s;
  struct doc d;
  size_t len;
  char *svg = render(&in, &len);

  parse(svg, len, &d);
  /* the whole title in <title>, the heading cut with an ellipsis */
  ck_assert_ptr_nonnull(strstr(d.title, "as imported from a spreadsheet cell"));
  ck_assert_ptr_nonnull(strstr(svg, "that goes on and on\xe2\x80\xa6</text>"));
  /* a long period label is cut on screen, whole in the point's title */
  ck_assert_ptr_nonnull(strstr(svg, ">2018-19-Q1 (prov\xe2\x80\xa6</text>"));
  ck_assert_ptr_nonnull(strstr(svg, "<title>2018-19-Q1 (provisional, revised in the next "
                                    "report): -12.5 per 100,000</title>"));
  ck_assert_ptr_nonnull(strstr(d.desc,
                               "target -8 per 100,000 for 2018-19-Q3 \xc3\xa9\xc3\xa9\xc3\xa9 "
                               "(the target varies by period)"));
  ck_assert_int_eq(d.x_labels, 3);
  doc_free(&d);
  free(svg);

  /* 200 monthly periods: at most 24 labels, the latest among them */
  for (size_t i = 0; i < N(many); i++)
    many[i] = 50 + 10 * sin((double)i / 7) + (double)(i % 5);
  many[77] = NAN;
  series_init(&s, many, N(many), 55);
  series_spc(&s, SPC_DIR_INCREASE, NULL);
  in = (struct chart_input){"many", "M1", "Monthly", "count", s.points, s.n, s.spc, true};
  svg = render(&in, &len);
  parse(svg, len, &d);
  ck_assert_int_le(d.x_labels, 24);
  ck_assert_int_ge(d.x_labels, 20);
  ck_assert_ptr_nonnull(strstr(svg, ">2016-08</text>")); /* the 200th: i = 199 */
  ck_assert_ptr_nonnull(strstr(d.desc, "199 values from 2000-01 to 2016-08 (1 period has no "
                                       "value)"));
  doc_free(&d);
  free(svg);
  spc_result_free(s.spc);
}
END_TEST

START_TEST(test_chart_deterministic)
{
  struct series s;
  struct chart_input in;
  char *a, *b;
  size_t la, lb;
  const char *locale;

  double thirds[15];

  for (size_t i = 0; i < N(thirds); i++)
    thirds[i] = i == 4 ? NAN : mdc[i] / 3; /* fractions: decimal points everywhere */
  series_init(&s, thirds, N(thirds), 30.5);
  series_spc(&s, SPC_DIR_DECREASE, NULL);
  in = (struct chart_input){"d", "K", "T", "percent", s.points, s.n, s.spc, true};
  a = render(&in, &la);
  b = render(&in, &lb);
  ck_assert_uint_eq(la, lb);
  ck_assert(memcmp(a, b, la) == 0);
  free(b);
  /* a locale with a decimal comma changes nothing (when the machine has one) */
  locale = setlocale(LC_NUMERIC, "de_DE.UTF-8");
  if (locale == NULL)
    locale = setlocale(LC_NUMERIC, "fr_FR.UTF-8");
  if (locale != NULL) {
    char probe[16];

    snprintf(probe, sizeof(probe), "%.1f", 1.5);
    ck_assert_str_eq(probe, "1,5");
    b = render(&in, &lb);
    setlocale(LC_NUMERIC, "C");
    ck_assert_uint_eq(la, lb);
    ck_assert(memcmp(a, b, la) == 0);
    free(b);
  } else {
    fprintf(stderr, "test_chart_deterministic: no de_DE/fr_FR locale here; locale part skipped\n");
  }
  free(a);
  spc_result_free(s.spc);
}
END_TEST

START_TEST(test_chart_bad_input)
{
  struct chart_point pts[2] = {{"Q1", true, 1, false, 0}, {"Q2", true, NAN, false, 0}};
  struct chart_input in = {NULL, "K", "T", NULL, pts, 2, NULL, false};
  struct spc_result *r;
  char *svg = (char *)pts;
  static const double one[] = {1};

  ck_assert_int_eq(chart_svg(&in, &svg, NULL), RB_ERR_INVALID);
  pts[1].value = 2;
  pts[1].has_target = true;
  pts[1].target = INFINITY;
  ck_assert_int_eq(chart_svg(&in, &svg, NULL), RB_ERR_INVALID);
  pts[1].has_target = false;
  in.points = NULL;
  ck_assert_int_eq(chart_svg(&in, &svg, NULL), RB_ERR_INVALID);
  in.points = pts;
  /* an SPC result over another number of values */
  ck_assert_int_eq(spc_compute(one, 1, NULL, SPC_DIR_NONE, false, 0, &r), RB_OK);
  in.spc = r;
  ck_assert_int_eq(chart_svg(&in, &svg, NULL), RB_ERR_INVALID);
  ck_assert_ptr_eq(svg, (char *)pts); /* untouched */
  spc_result_free(r);
}
END_TEST

static Suite *
chart_suite(void)
{
  Suite *s = suite_create("chart");
  TCase *tc = tcase_create("chart");

  tcase_add_test(tc, test_chart_golden);
  tcase_add_test(tc, test_chart_cause_shapes);
  tcase_add_test(tc, test_chart_escaping);
  tcase_add_test(tc, test_chart_xml_forbidden_text);
  tcase_add_test(tc, test_chart_long_and_many);
  tcase_add_test(tc, test_chart_deterministic);
  tcase_add_test(tc, test_chart_bad_input);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  SRunner *sr = srunner_create(chart_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
