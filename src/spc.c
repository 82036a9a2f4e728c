/* The XmR chart of NHS England's "Making Data Count" (MDC): issue 18,
 * section 4, whose text wins where MDC's tools (SPC SQL v2.6, the Single
 * Chart Tool, NHSRplotthedots) differ from it.
 *
 * The rules, per section (a section is the whole series unless the KPI
 * recalculates):
 *   - mean of the section's baseline points (all of them without a
 *     baseline); moving ranges |x[i] - x[i-1]| between consecutive baseline
 *     points of the section; MR-bar their mean, with no outlier screening;
 *     process limits mean +- 2.66 MR-bar; two-sigma lines mean +- (2/3)
 *     2.66 MR-bar. Lower limits are not clipped at zero (MDC's default).
 *   - a section with fewer than minimum_points points has no limits and its
 *     points are not judged (special cause null).
 * and over the whole series (one function per rule below):
 *   - limit: a point strictly beyond a process limit;
 *   - shift: shift_points or more consecutive points strictly on one side
 *     of the mean; a point on the mean breaks the run;
 *   - trend: trend_points or more consecutive points each strictly above
 *     (or each strictly below) the one before; a tie breaks the run;
 *   - two of three: in any three consecutive points all strictly on one
 *     side of the mean, two or three lie beyond the two-sigma line on that
 *     side but not beyond the process limit: those (two or three) points.
 *
 * Interpretations (where the issue and MDC leave a choice):
 *   1. Missing values. The caller passes only the periods that have a value:
 *      a period without one is skipped (not plotted, not a point), so runs
 *      and moving ranges join the values either side of the gap, as MDC's
 *      tools do with a blank row.
 *   2. Which mean, which lines. Each point is compared with the mean,
 *      limits and two-sigma lines of its own section; runs (shift, trend,
 *      two of three) are looked for over the whole series and may cross a
 *      recalculation, as the issue says. A point in a section without
 *      limits takes part in no rule (it ends any run).
 *   3. Moving ranges never cross a recalculation: a section's MR-bar uses
 *      its own consecutive points only (NHSRplotthedots does the same).
 *   4. Baseline. baseline_points = N fixes each section's mean and limits
 *      from that section's first N points (all its points when it has
 *      fewer); the later points are judged against those limits. It does
 *      not change the minimum: a section needs minimum_points points to be
 *      judged, whatever N (the example has minimum 15, baseline 12).
 *   5. Floating point. "On the mean", "beyond a limit" and "beyond the
 *      two-sigma line" compare with a slack of 1e-9 * max(1, |line|), as
 *      src/rag.c does for targets: the mean of values is computed, and a
 *      value that equals it in decimal must not be moved off it by binary
 *      rounding. So "strictly above the mean" is x > mean + slack and a
 *      point within the slack of a line is on it (not beyond it). Trend
 *      ties compare the stored values exactly: no arithmetic is involved.
 *   6. Sides. A high-side signal is beyond the upper limit, beyond the
 *      upper two-sigma line, a shift above the mean, or an increasing trend
 *      (even where the trend runs below the mean); low-side the reverse.
 *      increase: high = improvement, low = concern; decrease: the reverse;
 *      no direction: neither. A point with both an improvement and a
 *      concern signal is improvement (the MDC tool's choice).
 *   7. Variation of the latest point: its cause, with the side that made
 *      it: improvement_high for increase, improvement_low for decrease
 *      (concern the reverse). "neither" flagged on both sides (the peak of
 *      a rise followed by a fall) takes the side of the point against its
 *      mean: below the mean low, otherwise high.
 *   8. Assurance compares the target in force at the latest point with the
 *      latest section's limits, boundaries inclusive (with the slack of 5):
 *      increase: target <= lower limit pass, target >= upper limit fail,
 *      otherwise hit_or_miss; decrease mirrored. With zero-width limits
 *      (all values equal) a target equal to them passes: pass is tested
 *      first. Null with no target, no direction or no limits.
 *   9. Recalculation indices of 0 or past the last point are ignored (a
 *      recalculation may be configured before its period has data). */
#include "spc.h"

#include <math.h>
#include <stdlib.h>

#define SIDE_HIGH 1
#define SIDE_LOW (-1)

struct spc_settings
spc_settings_default(void)
{
  struct spc_settings s = {SPC_MINIMUM_POINTS, SPC_SHIFT_POINTS, SPC_TREND_POINTS, 0, NULL, 0};

  return s;
}

const char *
spc_settings_check(const struct spc_settings *s, const char **field)
{
  if (s->shift_points < SPC_RUN_POINTS_MIN || s->shift_points > SPC_RUN_POINTS_MAX) {
    *field = "shift_points";
    return "must be an integer from 5 to 9";
  }
  if (s->trend_points < SPC_RUN_POINTS_MIN || s->trend_points > SPC_RUN_POINTS_MAX) {
    *field = "trend_points";
    return "must be an integer from 5 to 9";
  }
  if (s->minimum_points < SPC_MINIMUM_POINTS_MIN || s->minimum_points > SPC_POINTS_MAX) {
    *field = "minimum_points";
    return "must be an integer from 10 to 1000000";
  }
  if (s->baseline_points != 0 &&
      (s->baseline_points < SPC_BASELINE_POINTS_MIN || s->baseline_points > SPC_POINTS_MAX)) {
    *field = "baseline_points";
    return "must be an integer from 10 to 1000000 (or absent: no baseline)";
  }
  if (s->nrecalculate > 0 && s->recalculate_at == NULL) {
    *field = "recalculate_from";
    return "missing";
  }
  for (size_t i = 1; i < s->nrecalculate; i++) {
    if (s->recalculate_at[i] <= s->recalculate_at[i - 1]) {
      *field = "recalculate_from";
      return "periods must be in increasing order, each once";
    }
  }
  return NULL;
}

static double
slack(double line)
{
  return 1e-9 * fmax(1.0, fabs(line));
}

/* ---- limits ----------------------------------------------------------------- */

static void
section_limits(const double *x, struct spc_section *sec, int minimum_points, int baseline_points)
{
  size_t b = sec->count;
  double sum = 0, mr = 0;

  sec->has_limits = sec->count >= (size_t)minimum_points;
  if (!sec->has_limits)
    return;
  if (baseline_points > 0 && (size_t)baseline_points < b)
    b = (size_t)baseline_points;
  sec->baseline = b;
  for (size_t i = 0; i < b; i++)
    sum += x[sec->first + i];
  for (size_t i = 1; i < b; i++)
    mr += fabs(x[sec->first + i] - x[sec->first + i - 1]);
  sec->mean = sum / (double)b;
  sec->mr_bar = b > 1 ? mr / (double)(b - 1) : 0;
  sec->upl = sec->mean + 2.66 * sec->mr_bar;
  sec->lpl = sec->mean - 2.66 * sec->mr_bar;
  sec->u2 = sec->mean + 2.0 / 3.0 * 2.66 * sec->mr_bar;
  sec->l2 = sec->mean - 2.0 / 3.0 * 2.66 * sec->mr_bar;
}

/* Split the points into sections and compute each one's limits. */
static enum rb_err
build_sections(struct spc_result *r, const double *x, const struct spc_settings *s)
{
  size_t k = 0, start = 0;

  r->sections = calloc(s->nrecalculate + 1, sizeof(*r->sections));
  if (r->sections == NULL)
    return RB_ERR_NOMEM;
  for (size_t i = 0; i <= s->nrecalculate; i++) {
    size_t end = i < s->nrecalculate ? s->recalculate_at[i] : r->n;

    if (end > r->n)
      end = r->n;
    if (end <= start)
      continue; /* 0, past the last point, or no points at all */
    r->sections[k].first = start;
    r->sections[k].count = end - start;
    section_limits(x, &r->sections[k], s->minimum_points, s->baseline_points);
    for (size_t j = start; j < end; j++)
      r->points[j].section = k;
    k++;
    start = end;
  }
  r->nsections = k;
  return RB_OK;
}

static const struct spc_section *
sec_of(const struct spc_result *r, size_t i)
{
  return &r->sections[r->points[i].section];
}

/* +1 strictly above its section's mean, -1 strictly below, 0 on it or not
 * judged. */
static int
side_of_mean(const struct spc_result *r, size_t i)
{
  const struct spc_section *sec = sec_of(r, i);
  double v = r->points[i].value;

  if (!sec->has_limits)
    return 0;
  if (v > sec->mean + slack(sec->mean))
    return SIDE_HIGH;
  if (v < sec->mean - slack(sec->mean))
    return SIDE_LOW;
  return 0;
}

static void
flag(struct spc_point *p, int side, unsigned rule)
{
  if (side == SIDE_HIGH)
    p->high |= rule;
  else
    p->low |= rule;
}

/* ---- the rules -------------------------------------------------------------- */

static void
rule_limit(struct spc_result *r)
{
  for (size_t i = 0; i < r->n; i++) {
    const struct spc_section *sec = sec_of(r, i);
    double v = r->points[i].value;

    if (!sec->has_limits)
      continue;
    if (v > sec->upl + slack(sec->upl))
      flag(&r->points[i], SIDE_HIGH, SPC_RULE_LIMIT);
    else if (v < sec->lpl - slack(sec->lpl))
      flag(&r->points[i], SIDE_LOW, SPC_RULE_LIMIT);
  }
}

static void
rule_shift(struct spc_result *r, size_t run_points)
{
  size_t start = 0;

  while (start < r->n) {
    int side = side_of_mean(r, start);
    size_t end = start + 1;

    while (side != 0 && end < r->n && side_of_mean(r, end) == side)
      end++;
    if (side != 0 && end - start >= run_points) {
      for (size_t j = start; j < end; j++)
        flag(&r->points[j], side, SPC_RULE_SHIFT);
    }
    start = end;
  }
}

/* +1 when point i is strictly above point i-1, -1 strictly below, 0 for a
 * tie, the first point, or either point not judged. */
static int
step(const struct spc_result *r, size_t i)
{
  if (i == 0 || !sec_of(r, i)->has_limits || !sec_of(r, i - 1)->has_limits)
    return 0;
  if (r->points[i].value > r->points[i - 1].value)
    return SIDE_HIGH;
  if (r->points[i].value < r->points[i - 1].value)
    return SIDE_LOW;
  return 0;
}

static void
rule_trend(struct spc_result *r, size_t run_points)
{
  size_t i = 1;

  while (i < r->n) {
    int dir = step(r, i);
    size_t end = i + 1; /* steps i..end-1 go the same way: points i-1..end-1 */

    while (dir != 0 && end < r->n && step(r, end) == dir)
      end++;
    if (dir != 0 && end - (i - 1) >= run_points) {
      for (size_t j = i - 1; j < end; j++)
        flag(&r->points[j], dir, SPC_RULE_TREND);
    }
    i = end;
  }
}

/* Beyond the two-sigma line on `side` but not beyond the process limit. */
static bool
in_two_sigma_band(const struct spc_result *r, size_t i, int side)
{
  const struct spc_section *sec = sec_of(r, i);
  double v = r->points[i].value;

  if (side == SIDE_HIGH)
    return v > sec->u2 + slack(sec->u2) && v <= sec->upl + slack(sec->upl);
  return v < sec->l2 - slack(sec->l2) && v >= sec->lpl - slack(sec->lpl);
}

static void
rule_two_of_three(struct spc_result *r)
{
  for (size_t i = 0; i + 2 < r->n; i++) {
    int side = side_of_mean(r, i);
    int in = 0;

    if (side == 0 || side_of_mean(r, i + 1) != side || side_of_mean(r, i + 2) != side)
      continue;
    for (size_t j = i; j < i + 3; j++)
      in += in_two_sigma_band(r, j, side);
    if (in < 2)
      continue;
    for (size_t j = i; j < i + 3; j++) {
      if (in_two_sigma_band(r, j, side))
        flag(&r->points[j], side, SPC_RULE_TWO_OF_THREE);
    }
  }
}

/* ---- verdicts --------------------------------------------------------------- */

static enum spc_cause
cause_of(const struct spc_point *p, bool judged, enum spc_direction d)
{
  bool improvement, concern;

  if (!judged)
    return SPC_CAUSE_NULL;
  if (p->high == 0 && p->low == 0)
    return SPC_CAUSE_COMMON;
  improvement = (d == SPC_DIR_INCREASE && p->high) || (d == SPC_DIR_DECREASE && p->low);
  concern = (d == SPC_DIR_INCREASE && p->low) || (d == SPC_DIR_DECREASE && p->high);
  if (improvement)
    return SPC_CAUSE_IMPROVEMENT;
  if (concern)
    return SPC_CAUSE_CONCERN;
  return SPC_CAUSE_NEITHER;
}

static enum spc_variation
variation_of_last(const struct spc_result *r)
{
  const struct spc_point *p;
  bool high;

  if (r->n == 0)
    return SPC_VAR_NULL;
  p = &r->points[r->n - 1];
  switch (p->cause) {
  case SPC_CAUSE_COMMON:
    return SPC_VAR_COMMON;
  case SPC_CAUSE_IMPROVEMENT:
    return r->direction == SPC_DIR_INCREASE ? SPC_VAR_IMPROVEMENT_HIGH : SPC_VAR_IMPROVEMENT_LOW;
  case SPC_CAUSE_CONCERN:
    return r->direction == SPC_DIR_INCREASE ? SPC_VAR_CONCERN_LOW : SPC_VAR_CONCERN_HIGH;
  case SPC_CAUSE_NEITHER:
    if (p->high && p->low)
      high = side_of_mean(r, r->n - 1) != SIDE_LOW;
    else
      high = p->high != 0;
    return high ? SPC_VAR_NEITHER_HIGH : SPC_VAR_NEITHER_LOW;
  case SPC_CAUSE_NULL:
  default:
    return SPC_VAR_NULL;
  }
}

static enum spc_assurance
assurance_of(const struct spc_result *r, bool has_target, double target)
{
  bool below_lower, above_upper;

  if (!has_target || r->direction == SPC_DIR_NONE || !r->has_limits)
    return SPC_ASSURE_NULL;
  below_lower = target <= r->lpl + slack(r->lpl);
  above_upper = target >= r->upl - slack(r->upl);
  if (r->direction == SPC_DIR_INCREASE) {
    if (below_lower)
      return SPC_ASSURE_PASS;
    if (above_upper)
      return SPC_ASSURE_FAIL;
  } else {
    if (above_upper)
      return SPC_ASSURE_PASS;
    if (below_lower)
      return SPC_ASSURE_FAIL;
  }
  return SPC_ASSURE_HIT_OR_MISS;
}

enum rb_err
spc_compute(const double *x, size_t n, const struct spc_settings *settings,
            enum spc_direction direction, bool has_target, double target, struct spc_result **out)
{
  struct spc_settings defaults = spc_settings_default();
  const struct spc_section *last;
  struct spc_result *r = NULL;
  const char *field;
  enum rb_err err = RB_ERR_INVALID;

  if (settings == NULL)
    settings = &defaults;
  if (spc_settings_check(settings, &field) != NULL)
    goto fail;
  if ((has_target && !isfinite(target)) || (n > 0 && x == NULL))
    goto fail;
  if (direction != SPC_DIR_INCREASE && direction != SPC_DIR_DECREASE)
    direction = SPC_DIR_NONE;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x[i]))
      goto fail;
  }
  err = RB_ERR_NOMEM;
  r = calloc(1, sizeof(*r));
  if (r == NULL)
    goto fail;
  r->n = n;
  r->direction = direction;
  r->minimum_points = settings->minimum_points;
  r->shift_points = settings->shift_points;
  r->trend_points = settings->trend_points;
  r->baseline_points = settings->baseline_points;
  r->points = calloc(n > 0 ? n : 1, sizeof(*r->points));
  if (r->points == NULL)
    goto fail;
  for (size_t i = 0; i < n; i++)
    r->points[i].value = x[i];
  err = build_sections(r, x, settings);
  if (err != RB_OK)
    goto fail;

  rule_limit(r);
  rule_shift(r, (size_t)settings->shift_points);
  rule_trend(r, (size_t)settings->trend_points);
  rule_two_of_three(r);
  for (size_t i = 0; i < n; i++)
    r->points[i].cause = cause_of(&r->points[i], sec_of(r, i)->has_limits, direction);

  last = r->nsections > 0 ? &r->sections[r->nsections - 1] : NULL;
  if (last != NULL && last->has_limits) {
    r->has_limits = true;
    r->mean = last->mean;
    r->mr_bar = last->mr_bar;
    r->upl = last->upl;
    r->lpl = last->lpl;
    r->u2 = last->u2;
    r->l2 = last->l2;
  }
  r->variation = variation_of_last(r);
  r->assurance = assurance_of(r, has_target, target);
  *out = r;
  return RB_OK;

fail:
  spc_result_free(r);
  return err;
}

void
spc_result_free(struct spc_result *r)
{
  if (r == NULL)
    return;
  free(r->points);
  free(r->sections);
  free(r);
}
