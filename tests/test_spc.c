/* SPC (XmR) as Making Data Count defines it (src/spc.c): MDC's worked
 * example, and a table per rule. Pure: no I/O.
 *
 * Per-point expectations are strings with one character per point:
 *   rule tables:  '.' not flagged by the rule, 'h' high side, 'l' low side,
 *                 'b' both;
 *   cause tables: '-' not judged (null), '.' common cause, 'I' improvement,
 *                 'C' concern, 'N' neither. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"
#include "spc.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MAXP 40

/* Fourteen points alternating 9, 11: mean 10, MR-bar 2, limits 4.68 and
 * 15.32, two-sigma lines 6.4533 and 13.5467. With baseline_points 14 the
 * points after them are judged against exactly these lines. */
#define BASE14 9, 11, 9, 11, 9, 11, 9, 11, 9, 11, 9, 11, 9, 11
/* Twenty points alternating 10, 10.5 (mean about 10.4: 10.5 above, 10
 * below); indices 8 to 10 are replaced by the rows. */
#define ALT8 10, 10.5, 10, 10.5, 10, 10.5, 10, 10.5
#define ALT9 10.5, 10, 10.5, 10, 10.5, 10, 10.5, 10, 10.5

static const double mdc[] = {20, 24, 20, 26, 22, 16, 18, 16, 31, 28, 34, 26, 30, 19, 18};

struct opts {
  int shift, trend, minimum, baseline; /* 0: MDC's default */
  size_t recalc[3];
  size_t nrecalc;
};

static struct spc_result *
compute(const double *x, size_t n, const struct opts *o, enum spc_direction dir, bool has_target,
        double target)
{
  struct spc_settings s = spc_settings_default();
  struct spc_result *r = NULL;
  enum rb_err err;

  if (o != NULL) {
    if (o->shift)
      s.shift_points = o->shift;
    if (o->trend)
      s.trend_points = o->trend;
    if (o->minimum)
      s.minimum_points = o->minimum;
    s.baseline_points = o->baseline;
    s.recalculate_at = o->recalc;
    s.nrecalculate = o->nrecalc;
  }
  err = spc_compute(x, n, &s, dir, has_target, target, &r);
  ck_assert_int_eq(err, RB_OK);
  ck_assert_ptr_nonnull(r);
  ck_assert_uint_eq(r->n, n);
  return r;
}

static void
rule_string(const struct spc_result *r, unsigned rule, char *out)
{
  for (size_t i = 0; i < r->n; i++) {
    bool h = (r->points[i].high & rule) != 0, l = (r->points[i].low & rule) != 0;

    out[i] = h && l ? 'b' : h ? 'h' : l ? 'l' : '.';
  }
  out[r->n] = '\0';
}

static void
cause_string(const struct spc_result *r, char *out)
{
  static const char codes[] = {'-', '.', 'I', 'C', 'N'};

  for (size_t i = 0; i < r->n; i++)
    out[i] = codes[r->points[i].cause];
  out[r->n] = '\0';
}

static void
expect_close(const char *what, double got, double want, double tol)
{
  ck_assert_msg(fabs(got - want) <= tol, "%s: got %.10g, want %.10g", what, got, want);
}

/* ---- MDC's worked example ---------------------------------------------------- */

START_TEST(test_spc_mdc_example)
{
  struct spc_result *r = compute(mdc, N(mdc), NULL, SPC_DIR_INCREASE, false, 0);
  char causes[MAXP];

  ck_assert(r->has_limits);
  expect_close("mean", r->mean, 23.20, 0.005);
  expect_close("MR-bar", r->mr_bar, 5.43, 0.005);
  expect_close("upper limit", r->upl, 37.64, 0.005);
  expect_close("lower limit", r->lpl, 8.76, 0.005);
  /* exactly: mean 348/15, MR-bar 76/14 */
  expect_close("mean exactly", r->mean, 348.0 / 15, 1e-12);
  expect_close("MR-bar exactly", r->mr_bar, 76.0 / 14, 1e-12);
  expect_close("upper two-sigma", r->u2, 348.0 / 15 + 2.0 / 3 * 2.66 * 76 / 14, 1e-12);
  expect_close("lower two-sigma", r->l2, 348.0 / 15 - 2.0 / 3 * 2.66 * 76 / 14, 1e-12);
  cause_string(r, causes);
  ck_assert_str_eq(causes, "...............");
  ck_assert_int_eq(r->variation, SPC_VAR_COMMON);
  ck_assert_int_eq(r->assurance, SPC_ASSURE_NULL); /* no target */
  ck_assert_uint_eq(r->nsections, 1);
  ck_assert_uint_eq(r->sections[0].baseline, 15);
  spc_result_free(r);
}
END_TEST

/* ---- one table per rule ---------------------------------------------------------- */

static const struct rule_row {
  const char *name;
  double x[MAXP];
  size_t n;
  unsigned rule;
  const char *want;
  struct opts o;
} rule_rows[] = {
  /* beyond a process limit */
  {"limit: high in the middle",
   {9, 11, 9, 11, 9, 11, 30, 11, 9, 11, 9, 11, 9},
   13,
   SPC_RULE_LIMIT,
   "......h......",
   {0}},
  {"limit: high at both ends",
   {30, 11, 9, 11, 9, 11, 9, 11, 9, 11, 9, 11, 30},
   13,
   SPC_RULE_LIMIT,
   "h...........h",
   {0}},
  {"limit: low (negative) in the middle",
   {9, 11, 9, 11, 9, 11, -10, 11, 9, 11, 9, 11, 9},
   13,
   SPC_RULE_LIMIT,
   "......l......",
   {0}},
  {"limit: on the limit is not beyond it (15.32, 4.68), just past is",
   {9, 11, 9, 11, 9, 11, 9, 11, 9, 11, 15.32, 9, 4.68, 15.33, 4.67},
   15,
   SPC_RULE_LIMIT,
   ".............hl",
   {.baseline = 10}},
  {"limit: none in MDC's example",
   {20, 24, 20, 26, 22, 16, 18, 16, 31, 28, 34, 26, 30, 19, 18},
   15,
   SPC_RULE_LIMIT,
   "...............",
   {0}},
  /* shift */
  {"shift: seven above in the middle",
   {9, 11, 9, 11, 12, 11.5, 12, 11.5, 12, 11.5, 9, 11, 9, 11, 9},
   15,
   SPC_RULE_SHIFT,
   "...hhhhhhh.....",
   {0}},
  {"shift: five above is not one (MDC's example)",
   {20, 24, 20, 26, 22, 16, 18, 16, 31, 28, 34, 26, 30, 19, 18},
   15,
   SPC_RULE_SHIFT,
   "...............",
   {0}},
  {"shift: five above is one with shift_points 5",
   {20, 24, 20, 26, 22, 16, 18, 16, 31, 28, 34, 26, 30, 19, 18},
   15,
   SPC_RULE_SHIFT,
   "........hhhhh..",
   {.shift = 5}},
  {"shift: a point on the mean breaks a run of seven; six below at the end",
   {12, 12, 12, 10, 12, 12, 12, 8, 8, 8, 8, 8, 8},
   13,
   SPC_RULE_SHIFT,
   ".......llllll",
   {0}},
  {"shift: six below at the start",
   {8, 8, 8, 8, 8, 8, 12, 12, 12, 10, 12, 12, 12},
   13,
   SPC_RULE_SHIFT,
   "llllll.......",
   {0}},
  {"shift: six below is not one with shift_points 7",
   {8, 8, 8, 8, 8, 8, 12, 12, 12, 10, 12, 12, 12},
   13,
   SPC_RULE_SHIFT,
   ".............",
   {.shift = 7}},
  /* trend */
  {"trend: six rising in the middle",
   {9, 11, 9, 11, 8, 9, 10, 11, 12, 13, 9, 11, 9},
   13,
   SPC_RULE_TREND,
   "....hhhhhh...",
   {0}},
  {"trend: a tie (pause) breaks it",
   {9, 11, 9, 11, 8, 9, 10, 10, 11, 12, 9, 11, 9},
   13,
   SPC_RULE_TREND,
   ".............",
   {0}},
  {"trend: five rising is not one",
   {9, 11, 9, 11, 8, 9, 10, 11, 12, 9, 11, 9, 11},
   13,
   SPC_RULE_TREND,
   ".............",
   {0}},
  {"trend: five rising is one with trend_points 5",
   {9, 11, 9, 11, 8, 9, 10, 11, 12, 9, 11, 9, 11},
   13,
   SPC_RULE_TREND,
   "....hhhhh....",
   {.trend = 5}},
  {"trend: falling at the start, rising across the mean at the end",
   {20, 18, 16, 14, 12, 10, 11, 9, 11, 9, 10, 11, 12, 13, 14},
   15,
   SPC_RULE_TREND,
   "llllll...hhhhhh",
   {0}},
  {"trend: a peak belongs to the rise and the fall",
   {BASE14, 8, 9, 10, 11, 12, 13, 12, 11, 10, 9, 8},
   25,
   SPC_RULE_TREND,
   "..............hhhhhblllll",
   {0}},
  /* two of three beyond two sigma */
  {"two of three: two high, the middle one above the mean only",
   {ALT8, 12, 10.5, 12, ALT9},
   20,
   SPC_RULE_TWO_OF_THREE,
   "........h.h.........",
   {0}},
  {"two of three: three high",
   {ALT8, 11.5, 11.5, 11.5, ALT9},
   20,
   SPC_RULE_TWO_OF_THREE,
   "........hhh.........",
   {0}},
  {"two of three: not when one of the three is across the mean",
   {ALT8, 12, 10, 12, ALT9},
   20,
   SPC_RULE_TWO_OF_THREE,
   "....................",
   {0}},
  {"two of three: two low",
   {ALT8, 8.9, 10, 8.9, ALT9},
   20,
   SPC_RULE_TWO_OF_THREE,
   "........l.l.........",
   {0}},
  {"two of three: a point beyond the limit does not count (one left in the band)",
   {BASE14, 9, 16, 14, 11, 9, 11},
   20,
   SPC_RULE_TWO_OF_THREE,
   "....................",
   {.baseline = 14}},
  {"two of three: beside a point beyond the limit, two in the band",
   {BASE14, 9, 16, 14, 14, 9, 11},
   20,
   SPC_RULE_TWO_OF_THREE,
   "................hh..",
   {.baseline = 14}},
  {"two of three: the point beyond the limit is the limit rule's",
   {BASE14, 9, 16, 14, 14, 9, 11},
   20,
   SPC_RULE_LIMIT,
   "...............h....",
   {.baseline = 14}},
  {"two of three: in the last three points",
   {BASE14, 9, 14, 11, 14},
   18,
   SPC_RULE_TWO_OF_THREE,
   "...............h.h",
   {.baseline = 14}},
  {"two of three: none in MDC's example (34 alone in the band)",
   {20, 24, 20, 26, 22, 16, 18, 16, 31, 28, 34, 26, 30, 19, 18},
   15,
   SPC_RULE_TWO_OF_THREE,
   "...............",
   {0}},
  /* recalculation: runs cross it, limits do not */
  {"recalculation: a shift of six across the boundary",
   {9,  11, 9,  11, 9,  11, 9,  11, 9,  11, 9,  11, 11, 11,
    21, 21, 21, 19, 21, 19, 21, 19, 21, 19, 21, 19, 21, 19},
   28,
   SPC_RULE_SHIFT,
   "...........hhhhhh...........",
   {.recalc = {14}, .nrecalc = 1}},
  {"recalculation: two level processes, one section each: no shift",
   {BASE14, 19, 21, 19, 21, 19, 21, 19, 21, 19, 21, 19, 21, 19, 21},
   28,
   SPC_RULE_SHIFT,
   "............................",
   {.recalc = {14}, .nrecalc = 1}},
  {"recalculation: the same without it: two shifts",
   {BASE14, 19, 21, 19, 21, 19, 21, 19, 21, 19, 21, 19, 21, 19, 21},
   28,
   SPC_RULE_SHIFT,
   "llllllllllllllhhhhhhhhhhhhhh",
   {0}},
  {"recalculation: indices 0 and past the end are ignored",
   {BASE14, 19, 21, 19, 21, 19, 21, 19, 21, 19, 21, 19, 21, 19, 21},
   28,
   SPC_RULE_SHIFT,
   "llllllllllllllhhhhhhhhhhhhhh",
   {.recalc = {0, 28, 40}, .nrecalc = 3}},
  {"recalculation: a short section's points end runs (shift)",
   {9, 11, 9, 11, 9, 11, 9, 11, 9, 11, 9, 11, 11, 11, 11, 12, 12, 12},
   18,
   SPC_RULE_SHIFT,
   "..................",
   {.recalc = {15}, .nrecalc = 1}},
  {"recalculation: a short section's points end runs (trend)",
   {9, 11, 9, 11, 9, 11, 9, 11, 9, 11, 9, 11, 8, 9, 10, 11, 12, 13},
   18,
   SPC_RULE_TREND,
   "..................",
   {.recalc = {15}, .nrecalc = 1}},
  {"recalculation: the same rise without it is a trend",
   {9, 11, 9, 11, 9, 11, 9, 11, 9, 11, 9, 11, 8, 9, 10, 11, 12, 13},
   18,
   SPC_RULE_TREND,
   "............hhhhhh",
   {0}},
  {"baseline: later points judged against the first section's limits",
   {BASE14, 19, 21, 19, 21, 19, 21, 19, 21, 19, 21, 25, 25, 25, 25},
   28,
   SPC_RULE_TWO_OF_THREE,
   "........................hhhh",
   {.baseline = 10, .recalc = {14}, .nrecalc = 1}},
};

START_TEST(test_spc_rules)
{
  const struct rule_row *row = &rule_rows[_i];
  struct spc_result *r = compute(row->x, row->n, &row->o, SPC_DIR_NONE, false, 0);
  char got[MAXP + 1];

  ck_assert_uint_eq(strlen(row->want), row->n);
  rule_string(r, row->rule, got);
  ck_assert_msg(strcmp(got, row->want) == 0, "%s: got %s, want %s", row->name, got, row->want);
  spc_result_free(r);
}
END_TEST

/* ---- causes, conflicts, variation ------------------------------------------------ */

static const struct cause_row {
  const char *name;
  double x[MAXP];
  size_t n;
  enum spc_direction dir;
  const char *want;
  enum spc_variation variation;
  struct opts o;
} cause_rows[] = {
  {"12 points: not judged",
   {20, 24, 20, 26, 22, 16, 18, 16, 31, 28, 34, 26},
   12,
   SPC_DIR_INCREASE,
   "------------",
   SPC_VAR_NULL,
   {0}},
  {"13 points: judged",
   {20, 24, 20, 26, 22, 16, 18, 16, 31, 28, 34, 26, 30},
   13,
   SPC_DIR_INCREASE,
   ".............",
   SPC_VAR_COMMON,
   {0}},
  {"minimum_points 15: 14 not judged",
   {20, 24, 20, 26, 22, 16, 18, 16, 31, 28, 34, 26, 30, 19},
   14,
   SPC_DIR_INCREASE,
   "--------------",
   SPC_VAR_NULL,
   {.minimum = 15}},
  {"minimum_points 15: 15 judged",
   {20, 24, 20, 26, 22, 16, 18, 16, 31, 28, 34, 26, 30, 19, 18},
   15,
   SPC_DIR_INCREASE,
   "...............",
   SPC_VAR_COMMON,
   {.minimum = 15}},
  {"all equal: zero range, common cause",
   {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5},
   13,
   SPC_DIR_INCREASE,
   ".............",
   SPC_VAR_COMMON,
   {0}},
  {"increase: high is improvement",
   {BASE14, 9, 11, 16},
   17,
   SPC_DIR_INCREASE,
   "................I",
   SPC_VAR_IMPROVEMENT_HIGH,
   {.baseline = 14}},
  {"increase: low is concern",
   {BASE14, 9, 11, 4},
   17,
   SPC_DIR_INCREASE,
   "................C",
   SPC_VAR_CONCERN_LOW,
   {.baseline = 14}},
  {"decrease: low is improvement",
   {BASE14, 9, 11, 4},
   17,
   SPC_DIR_DECREASE,
   "................I",
   SPC_VAR_IMPROVEMENT_LOW,
   {.baseline = 14}},
  {"decrease: high is concern",
   {BASE14, 9, 11, 16},
   17,
   SPC_DIR_DECREASE,
   "................C",
   SPC_VAR_CONCERN_HIGH,
   {.baseline = 14}},
  {"no direction: high is neither",
   {BASE14, 9, 11, 16},
   17,
   SPC_DIR_NONE,
   "................N",
   SPC_VAR_NEITHER_HIGH,
   {.baseline = 14}},
  {"no direction: low is neither",
   {BASE14, 9, 11, 4},
   17,
   SPC_DIR_NONE,
   "................N",
   SPC_VAR_NEITHER_LOW,
   {.baseline = 14}},
  {"increase: rise improvement, fall concern, the peak improvement",
   {BASE14, 8, 9, 10, 11, 12, 13, 12, 11, 10, 9, 8},
   25,
   SPC_DIR_INCREASE,
   "..............IIIIIICCCCC",
   SPC_VAR_CONCERN_LOW,
   {.baseline = 14}},
  {"decrease: rise concern, fall improvement, the peak improvement",
   {BASE14, 8, 9, 10, 11, 12, 13, 12, 11, 10, 9, 8},
   25,
   SPC_DIR_DECREASE,
   "..............CCCCCIIIIII",
   SPC_VAR_IMPROVEMENT_LOW,
   {.baseline = 14}},
  {"increase: a falling trend inside a high shift is improvement",
   {BASE14, 13.4, 13.2, 13, 12.8, 12.6, 12.4},
   20,
   SPC_DIR_INCREASE,
   ".............IIIIIII",
   SPC_VAR_IMPROVEMENT_HIGH,
   {.baseline = 14}},
  {"decrease: the same is improvement (the falling trend)",
   {BASE14, 13.4, 13.2, 13, 12.8, 12.6, 12.4},
   20,
   SPC_DIR_DECREASE,
   ".............CIIIIII",
   SPC_VAR_IMPROVEMENT_LOW,
   {.baseline = 14}},
  {"no direction: both sides above the mean is neither_high",
   {BASE14, 13.4, 13.2, 13, 12.8, 12.6, 12.4},
   20,
   SPC_DIR_NONE,
   ".............NNNNNNN",
   SPC_VAR_NEITHER_HIGH,
   {.baseline = 14}},
  {"no direction: both sides below the mean is neither_low",
   {BASE14, 6.6, 6.8, 7, 7.2, 7.4, 7.6},
   20,
   SPC_DIR_NONE,
   "..............NNNNNN",
   SPC_VAR_NEITHER_LOW,
   {.baseline = 14}},
  {"recalculation: a short last section is not judged",
   {BASE14, 19, 21, 19},
   17,
   SPC_DIR_INCREASE,
   "..............---",
   SPC_VAR_NULL,
   {.recalc = {14}, .nrecalc = 1}},
  {"recalculation: a short first section is not judged",
   {19, 21, 19, BASE14},
   17,
   SPC_DIR_INCREASE,
   "---..............",
   SPC_VAR_COMMON,
   {.recalc = {3}, .nrecalc = 1}},
};

START_TEST(test_spc_causes)
{
  const struct cause_row *row = &cause_rows[_i];
  struct spc_result *r = compute(row->x, row->n, &row->o, row->dir, false, 0);
  char got[MAXP + 1];

  ck_assert_uint_eq(strlen(row->want), row->n);
  cause_string(r, got);
  ck_assert_msg(strcmp(got, row->want) == 0, "%s: got %s, want %s", row->name, got, row->want);
  ck_assert_msg(r->variation == row->variation, "%s: variation %s, want %s", row->name,
                spc_variation_name(r->variation), spc_variation_name(row->variation));
  ck_assert_msg(r->has_limits == (row->variation != SPC_VAR_NULL), "%s: has_limits", row->name);
  spc_result_free(r);
}
END_TEST

/* ---- assurance ------------------------------------------------------------------- */

static const struct assure_row {
  const char *name;
  bool flat; /* thirteen 5s (limits 5 and 5) instead of MDC's example (8.76, 37.64) */
  size_t n;
  enum spc_direction dir;
  bool has_target;
  double target;
  enum spc_assurance want;
} assure_rows[] = {
  {"increase: target below the lower limit passes", false, 15, SPC_DIR_INCREASE, true, 8,
   SPC_ASSURE_PASS},
  {"increase: target on the lower limit passes", false, 15, SPC_DIR_INCREASE, true, 8.76,
   SPC_ASSURE_PASS},
  {"increase: just inside is hit or miss", false, 15, SPC_DIR_INCREASE, true, 8.77,
   SPC_ASSURE_HIT_OR_MISS},
  {"increase: target within the limits", false, 15, SPC_DIR_INCREASE, true, 30,
   SPC_ASSURE_HIT_OR_MISS},
  {"increase: target on the upper limit fails", false, 15, SPC_DIR_INCREASE, true, 37.64,
   SPC_ASSURE_FAIL},
  {"increase: target above the upper limit fails", false, 15, SPC_DIR_INCREASE, true, 40,
   SPC_ASSURE_FAIL},
  {"decrease: target above the upper limit passes", false, 15, SPC_DIR_DECREASE, true, 40,
   SPC_ASSURE_PASS},
  {"decrease: target on the upper limit passes", false, 15, SPC_DIR_DECREASE, true, 37.64,
   SPC_ASSURE_PASS},
  {"decrease: target within the limits", false, 15, SPC_DIR_DECREASE, true, 20,
   SPC_ASSURE_HIT_OR_MISS},
  {"decrease: target on the lower limit fails", false, 15, SPC_DIR_DECREASE, true, 8.76,
   SPC_ASSURE_FAIL},
  {"decrease: target below the lower limit fails", false, 15, SPC_DIR_DECREASE, true, -3,
   SPC_ASSURE_FAIL},
  {"no target", false, 15, SPC_DIR_INCREASE, false, 0, SPC_ASSURE_NULL},
  {"no improvement direction", false, 15, SPC_DIR_NONE, true, 30, SPC_ASSURE_NULL},
  {"12 points: no limits", false, 12, SPC_DIR_INCREASE, true, 5, SPC_ASSURE_NULL},
  {"zero range, increase: target equal to the value passes", true, 13, SPC_DIR_INCREASE, true, 5,
   SPC_ASSURE_PASS},
  {"zero range, increase: target above fails", true, 13, SPC_DIR_INCREASE, true, 6,
   SPC_ASSURE_FAIL},
  {"zero range, decrease: target equal passes", true, 13, SPC_DIR_DECREASE, true, 5,
   SPC_ASSURE_PASS},
  {"zero range, decrease: target below fails", true, 13, SPC_DIR_DECREASE, true, 4,
   SPC_ASSURE_FAIL},
};

START_TEST(test_spc_assurance)
{
  static const double flat[] = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5};
  const struct assure_row *row = &assure_rows[_i];
  struct spc_result *r =
    compute(row->flat ? flat : mdc, row->n, NULL, row->dir, row->has_target, row->target);

  ck_assert_msg(r->assurance == row->want, "%s: got %s, want %s", row->name,
                spc_assurance_name(r->assurance), spc_assurance_name(row->want));
  spc_result_free(r);
}
END_TEST

/* ---- sections and baseline -------------------------------------------------------- */

START_TEST(test_spc_sections)
{
  static const double two[] = {BASE14, 19, 21, 19, 21, 19, 21, 19, 21, 19, 21, 19, 21, 19, 21};
  static const double base[] = {BASE14, 12, 12, 12, 12, 12, 15.5};
  struct opts o = {.recalc = {14}, .nrecalc = 1};
  struct spc_result *r = compute(two, N(two), &o, SPC_DIR_INCREASE, true, 18);

  ck_assert_uint_eq(r->nsections, 2);
  ck_assert_uint_eq(r->sections[0].first, 0);
  ck_assert_uint_eq(r->sections[0].count, 14);
  ck_assert_uint_eq(r->sections[1].first, 14);
  ck_assert_uint_eq(r->sections[1].count, 14);
  ck_assert_uint_eq(r->points[13].section, 0);
  ck_assert_uint_eq(r->points[14].section, 1);
  expect_close("section 0 mean", r->sections[0].mean, 10, 1e-12);
  expect_close("section 1 mean", r->sections[1].mean, 20, 1e-12);
  /* the jump 11 -> 19 across the boundary is no moving range of either */
  expect_close("section 0 MR-bar", r->sections[0].mr_bar, 2, 1e-12);
  expect_close("section 1 MR-bar", r->sections[1].mr_bar, 2, 1e-12);
  expect_close("section 1 upper", r->sections[1].upl, 25.32, 1e-9);
  expect_close("headline = last section", r->mean, 20, 1e-12);
  expect_close("headline upper", r->upl, 25.32, 1e-9);
  expect_close("headline lower", r->lpl, 14.68, 1e-9);
  ck_assert_int_eq(r->assurance, SPC_ASSURE_HIT_OR_MISS); /* 18 within 14.68..25.32 */
  spc_result_free(r);

  /* baseline: the first 14 points fix the limits; the later ones do not move them */
  o = (struct opts){.baseline = 14};
  r = compute(base, N(base), &o, SPC_DIR_INCREASE, false, 0);
  ck_assert_uint_eq(r->sections[0].baseline, 14);
  expect_close("baseline mean", r->mean, 10, 1e-12);
  expect_close("baseline MR-bar", r->mr_bar, 2, 1e-12);
  expect_close("baseline upper", r->upl, 15.32, 1e-9);
  ck_assert_uint_eq(r->points[19].high, SPC_RULE_LIMIT | SPC_RULE_SHIFT);
  spc_result_free(r);
  /* without it, every point counts */
  r = compute(base, N(base), NULL, SPC_DIR_INCREASE, false, 0);
  ck_assert_uint_eq(r->sections[0].baseline, 20);
  expect_close("mean of all", r->mean, (7 * 9 + 7 * 11 + 5 * 12 + 15.5) / 20, 1e-12);
  spc_result_free(r);
  /* a baseline longer than the section uses the whole section */
  o = (struct opts){.baseline = 100};
  r = compute(base, N(base), &o, SPC_DIR_INCREASE, false, 0);
  ck_assert_uint_eq(r->sections[0].baseline, 20);
  spc_result_free(r);
}
END_TEST

/* ---- settings and bad input --------------------------------------------------------- */

static const struct settings_row {
  int shift, trend, minimum, baseline;
  size_t recalc[2];
  size_t nrecalc;
  const char *field; /* NULL: valid */
} settings_rows[] = {
  {6, 6, 13, 0, {0}, 0, NULL},
  {5, 5, 10, 0, {0}, 0, NULL},
  {9, 9, 1000000, 1000000, {0}, 0, NULL},
  {4, 6, 13, 0, {0}, 0, "shift_points"},
  {10, 6, 13, 0, {0}, 0, "shift_points"},
  {6, 4, 13, 0, {0}, 0, "trend_points"},
  {6, 10, 13, 0, {0}, 0, "trend_points"},
  {6, 6, 9, 0, {0}, 0, "minimum_points"},
  {6, 6, 0, 0, {0}, 0, "minimum_points"},
  {6, 6, -13, 0, {0}, 0, "minimum_points"},
  {6, 6, 13, 9, {0}, 0, "baseline_points"},
  {6, 6, 13, -1, {0}, 0, "baseline_points"},
  {6, 6, 13, 10, {0}, 0, NULL},
  {6, 6, 13, 12, {4, 9}, 2, NULL},
  {6, 6, 13, 0, {9, 9}, 2, "recalculate_from"},
  {6, 6, 13, 0, {9, 4}, 2, "recalculate_from"},
};

START_TEST(test_spc_settings)
{
  const struct settings_row *row = &settings_rows[_i];
  struct spc_settings s = {row->minimum,  row->shift,  row->trend,
                           row->baseline, row->recalc, row->nrecalc};
  const char *field = NULL, *msg = spc_settings_check(&s, &field);
  struct spc_result *r = (struct spc_result *)&s; /* must stay untouched on failure */

  if (row->field == NULL) {
    ck_assert_msg(msg == NULL, "row %d: refused (%s: %s)", _i, field, msg);
    return;
  }
  ck_assert_msg(msg != NULL, "row %d: accepted, want %s refused", _i, row->field);
  ck_assert_str_eq(field, row->field);
  ck_assert_int_eq(spc_compute(mdc, N(mdc), &s, SPC_DIR_INCREASE, false, 0, &r), RB_ERR_INVALID);
  ck_assert_ptr_eq(r, (struct spc_result *)&s);
}
END_TEST

START_TEST(test_spc_bad_input)
{
  double x[15];
  struct spc_result *r = NULL;

  memcpy(x, mdc, sizeof(x));
  x[7] = NAN;
  ck_assert_int_eq(spc_compute(x, 15, NULL, SPC_DIR_INCREASE, false, 0, &r), RB_ERR_INVALID);
  x[7] = INFINITY;
  ck_assert_int_eq(spc_compute(x, 15, NULL, SPC_DIR_INCREASE, false, 0, &r), RB_ERR_INVALID);
  ck_assert_int_eq(spc_compute(mdc, 15, NULL, SPC_DIR_INCREASE, true, NAN, &r), RB_ERR_INVALID);
  ck_assert_ptr_null(r);
  /* no points: a valid, empty answer */
  ck_assert_int_eq(spc_compute(NULL, 0, NULL, SPC_DIR_INCREASE, true, 5, &r), RB_OK);
  ck_assert_uint_eq(r->n, 0);
  ck_assert_uint_eq(r->nsections, 0);
  ck_assert(!r->has_limits);
  ck_assert_int_eq(r->variation, SPC_VAR_NULL);
  ck_assert_int_eq(r->assurance, SPC_ASSURE_NULL);
  spc_result_free(r);
  spc_result_free(NULL);
}
END_TEST

/* ---- JSON -------------------------------------------------------------------------- */

static const char *const periods[] = {
  "2018-19-Q1", "2018-19-Q2", "2018-19-Q3", "2018-19-Q4", "2019-20-Q1", "2019-20-Q2", "2019-20-Q3",
  "2019-20-Q4", "2020-21-Q1", "2020-21-Q2", "2020-21-Q3", "2020-21-Q4", "2021-22-Q1", "2021-22-Q2",
  "2021-22-Q3", "2021-22-Q4", "2022-23-Q1", "2022-23-Q2", "2022-23-Q3", "2022-23-Q4",
};

static void
expect_real(json_t *root, const char *path, double want)
{
  json_t *v = th_jget(root, path);

  ck_assert_msg(json_is_real(v), "%s: not a real", path);
  expect_close(path, json_real_value(v), want, 1e-9);
}

static void
expect_jnull(json_t *root, const char *path)
{
  json_t *v = th_jget(root, path);

  ck_assert_msg(v != NULL && json_is_null(v), "%s: want null", path);
}

START_TEST(test_spc_json)
{
  static const double flagged[] = {BASE14, 9, 11, 16};
  struct opts o = {.baseline = 14};
  struct spc_result *r = compute(mdc, N(mdc), NULL, SPC_DIR_INCREASE, true, 30);
  json_t *j = spc_json(7, r, periods);
  const char *keys[] = {"kpi_id",
                        "points",
                        "mean",
                        "average_moving_range",
                        "upper_process_limit",
                        "lower_process_limit",
                        "upper_two_sigma",
                        "lower_two_sigma",
                        "variation",
                        "assurance",
                        "rules",
                        "sections"};

  ck_assert_ptr_nonnull(j);
  ck_assert_uint_eq(json_object_size(j), N(keys));
  for (size_t i = 0; i < N(keys); i++)
    ck_assert_msg(json_object_get(j, keys[i]) != NULL, "missing %s", keys[i]);
  ck_assert_int_eq(th_jint(j, "kpi_id"), 7);
  ck_assert_uint_eq(json_array_size(th_jget(j, "points")), 15);
  ck_assert_str_eq(th_jstr(j, "points[0].period"), "2018-19-Q1");
  expect_real(j, "points[0].value", 20);
  expect_jnull(j, "points[0].special_cause");
  ck_assert(json_is_array(th_jget(j, "points[0].signals")));
  ck_assert_uint_eq(json_array_size(th_jget(j, "points[0].signals")), 0);
  ck_assert_uint_eq(json_object_size(th_jget(j, "points[0]")), 4);
  ck_assert_str_eq(th_jstr(j, "points[14].period"), "2021-22-Q3");
  expect_real(j, "mean", 23.2);
  expect_real(j, "upper_process_limit", 23.2 + 2.66 * 76 / 14);
  expect_real(j, "lower_process_limit", 23.2 - 2.66 * 76 / 14);
  expect_real(j, "upper_two_sigma", 23.2 + 2.0 / 3 * 2.66 * 76 / 14);
  expect_real(j, "lower_two_sigma", 23.2 - 2.0 / 3 * 2.66 * 76 / 14);
  expect_real(j, "average_moving_range", 76.0 / 14);
  ck_assert_str_eq(th_jstr(j, "variation"), "common_cause");
  ck_assert_str_eq(th_jstr(j, "assurance"), "hit_or_miss");
  ck_assert_int_eq(th_jint(j, "rules.minimum_points"), 13);
  ck_assert_int_eq(th_jint(j, "rules.shift_points"), 6);
  ck_assert_int_eq(th_jint(j, "rules.trend_points"), 6);
  expect_jnull(j, "rules.baseline_points");
  ck_assert_uint_eq(json_array_size(th_jget(j, "sections")), 1);
  ck_assert_str_eq(th_jstr(j, "sections[0].from"), "2018-19-Q1");
  ck_assert_str_eq(th_jstr(j, "sections[0].to"), "2021-22-Q3");
  ck_assert_int_eq(th_jint(j, "sections[0].points"), 15);
  ck_assert_int_eq(th_jint(j, "sections[0].baseline_points"), 15);
  expect_real(j, "sections[0].mean", 23.2);
  json_decref(j);
  spc_result_free(r);

  /* too few points: nulls everywhere, signals null (not judged) */
  r = compute(mdc, 12, NULL, SPC_DIR_INCREASE, true, 30);
  j = spc_json(7, r, periods);
  expect_jnull(j, "points[0].special_cause");
  expect_jnull(j, "points[0].signals");
  expect_jnull(j, "mean");
  expect_jnull(j, "upper_process_limit");
  expect_jnull(j, "lower_two_sigma");
  expect_jnull(j, "variation");
  expect_jnull(j, "assurance");
  expect_jnull(j, "sections[0].mean");
  expect_jnull(j, "sections[0].baseline_points");
  json_decref(j);
  spc_result_free(r);

  /* a flagged point says why */
  r = compute(flagged, N(flagged), &o, SPC_DIR_INCREASE, false, 0);
  j = spc_json(8, r, periods);
  ck_assert_str_eq(th_jstr(j, "points[16].special_cause"), "improvement");
  ck_assert_str_eq(th_jstr(j, "points[16].signals[0]"), "process_limit_high");
  ck_assert_uint_eq(json_array_size(th_jget(j, "points[16].signals")), 1);
  ck_assert_str_eq(th_jstr(j, "variation"), "improvement_high");
  ck_assert_int_eq(th_jint(j, "rules.baseline_points"), 14);
  ck_assert_int_eq(th_jint(j, "sections[0].baseline_points"), 14);
  json_decref(j);
  spc_result_free(r);

  /* no points */
  ck_assert_int_eq(spc_compute(NULL, 0, NULL, SPC_DIR_NONE, false, 0, &r), RB_OK);
  j = spc_json(9, r, periods);
  ck_assert_uint_eq(json_array_size(th_jget(j, "points")), 0);
  ck_assert_uint_eq(json_array_size(th_jget(j, "sections")), 0);
  expect_jnull(j, "mean");
  json_decref(j);
  spc_result_free(r);
}
END_TEST

START_TEST(test_spc_names)
{
  ck_assert_ptr_null(spc_cause_name(SPC_CAUSE_NULL));
  ck_assert_ptr_null(spc_cause_name(SPC_CAUSE_COMMON));
  ck_assert_str_eq(spc_cause_name(SPC_CAUSE_IMPROVEMENT), "improvement");
  ck_assert_str_eq(spc_cause_name(SPC_CAUSE_CONCERN), "concern");
  ck_assert_str_eq(spc_cause_name(SPC_CAUSE_NEITHER), "neither");
  ck_assert_ptr_null(spc_variation_name(SPC_VAR_NULL));
  ck_assert_str_eq(spc_variation_name(SPC_VAR_COMMON), "common_cause");
  ck_assert_str_eq(spc_variation_name(SPC_VAR_IMPROVEMENT_HIGH), "improvement_high");
  ck_assert_str_eq(spc_variation_name(SPC_VAR_IMPROVEMENT_LOW), "improvement_low");
  ck_assert_str_eq(spc_variation_name(SPC_VAR_CONCERN_HIGH), "concern_high");
  ck_assert_str_eq(spc_variation_name(SPC_VAR_CONCERN_LOW), "concern_low");
  ck_assert_str_eq(spc_variation_name(SPC_VAR_NEITHER_HIGH), "neither_high");
  ck_assert_str_eq(spc_variation_name(SPC_VAR_NEITHER_LOW), "neither_low");
  ck_assert_ptr_null(spc_variation_name((enum spc_variation)99));
  ck_assert_ptr_null(spc_assurance_name(SPC_ASSURE_NULL));
  ck_assert_str_eq(spc_assurance_name(SPC_ASSURE_PASS), "pass");
  ck_assert_str_eq(spc_assurance_name(SPC_ASSURE_FAIL), "fail");
  ck_assert_str_eq(spc_assurance_name(SPC_ASSURE_HIT_OR_MISS), "hit_or_miss");
}
END_TEST

static Suite *
spc_suite(void)
{
  Suite *s = suite_create("spc");
  TCase *tc = tcase_create("spc");

  tcase_add_test(tc, test_spc_mdc_example);
  tcase_add_loop_test(tc, test_spc_rules, 0, (int)N(rule_rows));
  tcase_add_loop_test(tc, test_spc_causes, 0, (int)N(cause_rows));
  tcase_add_loop_test(tc, test_spc_assurance, 0, (int)N(assure_rows));
  tcase_add_test(tc, test_spc_sections);
  tcase_add_loop_test(tc, test_spc_settings, 0, (int)N(settings_rows));
  tcase_add_test(tc, test_spc_bad_input);
  tcase_add_test(tc, test_spc_json);
  tcase_add_test(tc, test_spc_names);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  SRunner *sr = srunner_create(spc_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
