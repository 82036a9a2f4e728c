/* The RAG rules of the performance framework. Pure functions: no I/O, no
 * clock, no globals; the unit tests drive them with tables.
 *
 * computed rating of a KPI with target t, direction d, tolerance and value v:
 *   band = |t| * tol / 100 (relative, the default, tol = 2) or tol (absolute)
 *   higher is better (increase, maintain): G if v >= t, A if v >= t - band,
 *   else R; lower is better (decrease): G if v <= t, A if v <= t + band, else
 *   R. Boundaries are inclusive, with a slack of 1e-9 * max(1, |t|) so that
 *   binary floating point does not move a value across one. No value, no
 *   target or no direction: no computed rating. */
#ifndef RAGBOARD_RAG_H
#define RAGBOARD_RAG_H

#include <stdbool.h>

enum rag_status {
  RAG_NONE = -1, /* no rating */
  RAG_BR = 0,    /* not due to start (milestones only) */
  RAG_B,         /* complete (milestones only) */
  RAG_G,
  RAG_A,
  RAG_R,
  RAG_TBC,
  RAG__COUNT
};

enum rag_direction { RAG_DIR_NONE = 0, RAG_DIR_INCREASE, RAG_DIR_DECREASE, RAG_DIR_MAINTAIN };
enum rag_tolerance { RAG_TOL_RELATIVE = 0, RAG_TOL_ABSOLUTE };

struct rag_rule {
  enum rag_direction direction;
  bool has_target;
  double target; /* the quarter's target when it has one, else the KPI's */
  enum rag_tolerance mode;
  double tolerance; /* 2 by default */
};

enum rag_status rag_rate_kpi(const struct rag_rule *rule, bool has_value, double value);
/* Reported wins; else computed; else TBC. */
enum rag_status rag_effective(enum rag_status reported, enum rag_status computed);
/* A reported rating that differs from a computed one. */
bool rag_disagrees(enum rag_status reported, enum rag_status computed);

/* Canonical code ("BR", "G", ...) or NULL for RAG_NONE. */
const char *rag_code(enum rag_status s);

/* What a rating code means: the one legend, for milestones and KPIs. */
struct rag_meaning {
  const char *code;      /* "BR" */
  const char *colour;    /* "Brown"; NULL when the code has no colour (TBC) */
  const char *milestone; /* as a milestone status */
  const char *kpi;       /* as a KPI rating; NULL: not one (BR, B) */
};
/* The meaning of s, or NULL for RAG_NONE (and out of range). */
const struct rag_meaning *rag_meaning(enum rag_status s);
/* Milestone status: BR B G A R TBC, or Brown Blue Green Amber Red, any case. */
bool rag_parse_milestone_status(const char *s, enum rag_status *out);
/* KPI rating: G A R TBC or Green Amber Red, any case. */
bool rag_parse_kpi_rating(const char *s, enum rag_status *out);
bool rag_parse_direction(const char *s, enum rag_direction *out);

#endif
