/* A KPI's series across plan years (issue 18, section 3): the points of a
 * chain of KPIs (each continuing an earlier year's), oldest first, with
 * what the answers say about each: its ratings, the target in force and
 * its direction of travel; and what SPC and the chart take from it.
 *
 * Which KPI of the chain a period's point comes from (the store applies
 * it, src/store_series.c): each KPI owns the periods after the plan year
 * of the KPI it continues (every period before, for the first of the
 * chain) up to the end of its own plan year (every period after, for the
 * last). So a plan year's figures are its own KPI's, history loaded into
 * a later KPI fills the years no KPI of the chain covers, and every period
 * has one owner: the series has at most one point per period.
 *
 * Why a module: the series feeds four answers (/series, /spc, /chart.svg,
 * and the direction of travel of readings, quarter views and summaries),
 * which must agree; the rules are table-tested. Pure: no I/O, no clock.
 *
 * Memory: a struct series owns its members, points and their strings;
 * series_free releases them (the struct itself is the caller's). JSON
 * functions return a new reference (NULL when out of memory). */
#ifndef RAGBOARD_SERIES_H
#define RAGBOARD_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "chart_svg.h"
#include "error.h"
#include "period.h"
#include "rag.h"
#include "spc.h"
#include "trend.h"

#define SERIES_CODE_LEN 65
#define SERIES_MAX_MEMBERS 64 /* KPIs in one chain: 64 plan years */

struct series_member {
  int64_t id;
  char year[YEAR_LEN];
  char code[SERIES_CODE_LEN];
};

struct series_point {
  char period[PERIOD_LEN]; /* "2018-19-Q1" or "2018-04" */
  int key;                 /* period.h's key */
  size_t member;           /* the KPI it comes from: index into members */
  bool has_value;
  double value;
  char *value_text, *comment; /* owned; NULL when none */
  enum rag_status reported;   /* RAG_NONE when none (months are never rated) */
  struct rag_rule rule;       /* its KPI's rule at its quarter: the target in force */
  /* series_rate's: */
  enum rag_status computed;
  enum trend_travel travel;
};

struct series {
  bool monthly;
  struct series_member members[SERIES_MAX_MEMBERS]; /* oldest first */
  size_t nmembers;
  struct series_point *points; /* in period order */
  size_t npoints, cap;
};

void series_free(struct series *s); /* the points and their strings; NULL is a no-op */
/* Append p (period order is the caller's), taking its strings. */
enum rb_err series_push(struct series *s, struct series_point *p);

/* Each point's computed rating (quarters only) and direction of travel:
 * against the latest earlier point that has a value, under the point's
 * own KPI's direction and target in force (trend.h). */
void series_rate(struct series *s);
/* The latest point before period key that has a value, or -1. */
long series_previous(const struct series *s, int key);

/* A point as GET /api/v1/kpis/{id}/series answers it:
 * {"period", "kpi_id", "year", "code", "value", "value_text", "target",
 *  "rating", "computed_rating", "effective_rating", "comment",
 *  "direction_of_travel"}. */
json_t *series_point_json(const struct series *s, size_t i);
/* [{"id", "year", "code"}], oldest first. */
json_t *series_chain_json(const struct series *s);

/* ---- SPC settings (a KPI's "spc" member) ---- */

/* Check the settings object at prefix + "spc" (the members
 * minimum_points, shift_points, trend_points, baseline_points,
 * recalculate_from; null members are dropped, in place): each problem
 * goes to errors naming its member ("spc.shift_points"); the ranges are
 * spc_settings_check's. Returns the number of problems added. */
size_t series_check_spc(json_t *spc, const char *prefix, json_t *errors);

/* What spc_compute and the chart take from a series: the values of the
 * points that have one (oldest first) and their periods, the settings
 * (settings NULL or {}: MDC's defaults) with each recalculate_from period
 * mapped to the first valued point at or after it, and the target in
 * force at the latest valued point. */
struct series_spc {
  double *x;
  const char **periods; /* borrowed from the series */
  size_t n;
  size_t *recalc;
  struct spc_settings settings;
  bool has_target;
  double target;
};
enum rb_err series_spc_input(const struct series *s, const json_t *settings,
                             struct series_spc *out);
void series_spc_free(struct series_spc *in);
enum spc_direction series_spc_direction(enum rag_direction d);

/* The chart's points (one per series point; the caller frees the array). */
enum rb_err series_chart_points(const struct series *s, struct chart_point **out);

#endif
