/* Statistical process control: the XmR chart as NHS England's "Making Data
 * Count" (MDC) defines it, for one KPI series.
 *
 * What: spc_compute takes the values of a series (oldest first, only the
 * periods that have a value), the KPI's SPC settings, its improvement
 * direction and the target in force at the latest point, and answers the
 * mean, moving-range average, process limits and two-sigma lines of each
 * section, which rules flag each point, each point's special cause
 * (improvement, concern, neither, or none), the variation of the latest
 * point and the assurance against the target. spc_json renders the answer
 * of GET /api/v1/kpis/{id}/spc from it. The rules and every interpretation
 * made of MDC's text are written at the top of src/spc.c.
 *
 * Why a module: the rules are exact and table-tested (tests/test_spc.c),
 * and the same result feeds the JSON answer, the SVG chart (chart_svg.h)
 * and, later, the board report. Pure: no I/O, no clock, no globals.
 *
 * Memory: spc_compute allocates the result, which the caller releases with
 * spc_result_free (NULL is a no-op); the result keeps no pointer into the
 * caller's arrays. spc_json returns a new reference (NULL when out of
 * memory). */
#ifndef RAGBOARD_SPC_H
#define RAGBOARD_SPC_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "error.h"

/* MDC's defaults (SPC SQL v2.6, Single Chart Tool). */
#define SPC_MINIMUM_POINTS 13
#define SPC_SHIFT_POINTS 6
#define SPC_TREND_POINTS 6
/* Accepted settings: shift and trend runs from 5 to 9 points; at least 10
 * points before limits are drawn; a baseline of 0 (none) or at least 10. */
#define SPC_RUN_POINTS_MIN 5
#define SPC_RUN_POINTS_MAX 9
#define SPC_MINIMUM_POINTS_MIN 10
#define SPC_BASELINE_POINTS_MIN 10
#define SPC_POINTS_MAX 1000000 /* upper bound of minimum_points and baseline_points */

struct spc_settings {
  int minimum_points;  /* a section with fewer points has no limits */
  int shift_points;    /* run length of the shift rule */
  int trend_points;    /* run length of the trend rule */
  int baseline_points; /* 0: limits from every point of a section; N: from its first N */
  /* Recalculation: indices into the values at which a new section starts,
   * strictly increasing (the caller maps "recalculate_from" periods to the
   * first point at or after each period). 0 and indices past the last point
   * are ignored, so a recalculation set for a future period is harmless. */
  const size_t *recalculate_at;
  size_t nrecalculate;
};

/* MDC's defaults, no baseline, no recalculation. */
struct spc_settings spc_settings_default(void);
/* NULL when the settings are valid; else a message, and *field is set to
 * the offending setting's name as the API spells it ("shift_points",
 * "trend_points", "minimum_points", "baseline_points", "recalculate_from"). */
const char *spc_settings_check(const struct spc_settings *s, const char **field);

/* The improvement direction: a KPI whose direction is "maintain" or none
 * has none. */
enum spc_direction { SPC_DIR_NONE = 0, SPC_DIR_INCREASE, SPC_DIR_DECREASE };

/* Rules that flag a point, as bits; spc_point keeps the high-side and the
 * low-side ones apart. */
#define SPC_RULE_LIMIT 1u        /* strictly beyond a process limit */
#define SPC_RULE_SHIFT 2u        /* part of a run on one side of the mean */
#define SPC_RULE_TREND 4u        /* part of an increasing (high) or decreasing (low) run */
#define SPC_RULE_TWO_OF_THREE 8u /* two or three of three beyond a two-sigma line */

enum spc_cause {
  SPC_CAUSE_NULL = 0, /* not judged: its section has too few points */
  SPC_CAUSE_COMMON,   /* no rule flags it */
  SPC_CAUSE_IMPROVEMENT,
  SPC_CAUSE_CONCERN,
  SPC_CAUSE_NEITHER /* flagged, and the KPI has no improvement direction */
};

enum spc_variation {
  SPC_VAR_NULL = 0,
  SPC_VAR_COMMON,
  SPC_VAR_IMPROVEMENT_HIGH,
  SPC_VAR_IMPROVEMENT_LOW,
  SPC_VAR_CONCERN_HIGH,
  SPC_VAR_CONCERN_LOW,
  SPC_VAR_NEITHER_HIGH,
  SPC_VAR_NEITHER_LOW
};

enum spc_assurance {
  SPC_ASSURE_NULL = 0,
  SPC_ASSURE_PASS,
  SPC_ASSURE_FAIL,
  SPC_ASSURE_HIT_OR_MISS
};

struct spc_point {
  double value;
  size_t section; /* index into spc_result.sections */
  unsigned high;  /* SPC_RULE_* bits that flag it on the high side */
  unsigned low;   /* ... on the low side */
  enum spc_cause cause;
};

struct spc_section {
  size_t first, count; /* the points [first, first + count) */
  bool has_limits;     /* count >= minimum_points; the figures below are 0 otherwise */
  size_t baseline;     /* the limits come from the section's first `baseline` points */
  double mean, mr_bar; /* mean, and mean of the moving ranges within the baseline */
  double upl, lpl;     /* mean +- 2.66 MR-bar */
  double u2, l2;       /* mean +- (2/3) 2.66 MR-bar */
};

struct spc_result {
  size_t n;
  struct spc_point *points;
  size_t nsections;
  struct spc_section *sections; /* at least one when n > 0 */
  /* Settings in force (for the answer's "rules"). */
  int minimum_points, shift_points, trend_points, baseline_points;
  enum spc_direction direction;
  /* The latest section's figures: the chart's headline limits. */
  bool has_limits;
  double mean, mr_bar, upl, lpl, u2, l2;
  enum spc_variation variation; /* of the latest point */
  enum spc_assurance assurance;
};

/* Compute the XmR chart of x[0..n) (n may be 0). settings NULL: defaults.
 * has_target/target: the target in force at the latest point.
 * RB_ERR_INVALID: settings that spc_settings_check refuses, or a value or
 * target that is not finite; RB_ERR_NOMEM. *out is set only on success. */
enum rb_err spc_compute(const double *x, size_t n, const struct spc_settings *settings,
                        enum spc_direction direction, bool has_target, double target,
                        struct spc_result **out);
void spc_result_free(struct spc_result *r);

/* JSON names: "improvement" | "concern" | "neither" | NULL (common cause
 * and not judged); "common_cause" | "improvement_high" | ... | NULL;
 * "pass" | "fail" | "hit_or_miss" | NULL. */
const char *spc_cause_name(enum spc_cause c);
const char *spc_variation_name(enum spc_variation v);
const char *spc_assurance_name(enum spc_assurance a);

/* The answer of GET /api/v1/kpis/{id}/spc:
 *   {"kpi_id", "points": [{"period", "value", "special_cause", "signals"}],
 *    "mean", "average_moving_range", "upper_process_limit",
 *    "lower_process_limit", "upper_two_sigma", "lower_two_sigma",
 *    "variation", "assurance",
 *    "rules": {"minimum_points", "shift_points", "trend_points", "baseline_points"},
 *    "sections": [{"from", "to", "points", "baseline_points", "mean",
 *                  "average_moving_range", "upper_process_limit", ...}]}
 * The shape, plus: "signals" per point (the rules that flag it, as
 * "process_limit_high", "shift_low", "trend_high", "two_of_three_low", ...:
 * [] for common cause, null when not judged, so a dashboard can tell the
 * two apart and say why a point is coloured), "average_moving_range", and
 * "sections" (one per recalculation section, with its own limits, so a
 * chart drawn by a dashboard can step its lines). periods[i] names point i;
 * figures without limits are null. */
json_t *spc_json(json_int_t kpi_id, const struct spc_result *r, const char *const *periods);

#endif
