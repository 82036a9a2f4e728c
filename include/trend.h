/* Direction of travel: is a KPI's value, or a milestone's status, better
 * or worse than the previous one in its series?
 *
 * What: trend_kpi_travel judges a KPI reading against the previous value
 * in its series with the KPI's direction; trend_status_change describes a
 * milestone update's status against the previous quarter's ("G→A") and
 * judges it by the order R < A < G < B; trend_counts tallies the verdicts
 * for the summaries. The rules, and the choices the issue left open, are
 * written at the top of src/trend.c.
 *
 * Why a module: one definition for the item representation, the quarter
 * views and the summaries, tested with tables (tests/test_trend.c). Pure:
 * no I/O, no clock, no globals.
 *
 * Memory: nothing is allocated except by the *_json functions, which
 * return a new reference (NULL when out of memory). Names are static. */
#ifndef RAGBOARD_TREND_H
#define RAGBOARD_TREND_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "rag.h"

enum trend_travel {
  TREND_NONE = 0, /* null: nothing to compare */
  TREND_IMPROVING,
  TREND_SAME,
  TREND_WORSENING
};

/* One value of a series; has_value false when the period has none. */
struct trend_value {
  bool has_value;
  double value;
};

/* direction_of_travel of `current` against `previous` (the previous value
 * in the KPI's series; NULL when there is none). target: the target in
 * force for the current reading, used by "maintain" only. */
enum trend_travel trend_kpi_travel(enum rag_direction direction, bool has_target, double target,
                                   const struct trend_value *previous,
                                   const struct trend_value *current);

/* The value trend_kpi_travel compares with: the latest of series[0..i)
 * that has a value, or NULL. A quarter without a value is skipped, so a
 * reading after a gap is judged against the last known value. */
const struct trend_value *trend_previous(const struct trend_value *series, size_t i);

/* "G→A": two codes and U+2192 in UTF-8, plus NUL. */
#define TREND_CHANGE_LEN 16

/* status_change of a milestone update. previous is RAG_NONE when the item
 * has no update for the previous quarter. Writes the text into out and
 * returns true, or returns false (null) when either status is RAG_NONE or
 * out of range; *travel is set either way (TREND_NONE when either side is
 * BR, TBC or absent). */
bool trend_status_change(enum rag_status previous, enum rag_status current,
                         char out[TREND_CHANGE_LEN], enum trend_travel *travel);

/* status_change as the API answers it: {"from", "to", "text": "G→A",
 * "travel": "improving" | "same" | "worsening" | null}, or JSON null when
 * either status is RAG_NONE (no update). */
json_t *trend_status_change_json(enum rag_status previous, enum rag_status current);

/* "improving" | "same" | "worsening" | NULL. */
const char *trend_travel_name(enum trend_travel t);
/* The name as JSON: a string, or null. */
json_t *trend_travel_json(enum trend_travel t);

/* Tallies for the summaries: none counts the readings or updates that
 * have no verdict (null), so the four add up to the items counted. */
struct trend_counts {
  long long improving, same, worsening, none;
};

void trend_count(struct trend_counts *c, enum trend_travel t);
void trend_counts_add(struct trend_counts *into, const struct trend_counts *from);
/* {"improving": n, "same": n, "worsening": n, "no_comparison": n} */
json_t *trend_counts_json(const struct trend_counts *c);

#endif
