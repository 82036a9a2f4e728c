/* The quarter view's reads (api_quarter_view.c), one statement per page:
 * each item's update or reading for the quarter and the one before it. */
#ifndef RAGBOARD_STORE_VIEW_H
#define RAGBOARD_STORE_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"
#include "rag.h"
#include "store.h"

/* A milestone of the page: its update for the quarter and for the quarter
 * before (as store_update_get answers them), NULL when there is none. */
struct store_milestone_at {
  int64_t id; /* the caller's */
  json_t *update, *previous;
};

/* A KPI of the page: its reading for the quarter (as store_reading_get
 * answers it) and the KPI's rule at the quarter; the latest earlier point
 * of its series with a value (as store_series_previous answers it) and the
 * rule of that point's KPI at that point's quarter. NULL: none. */
struct store_kpi_at {
  int64_t id; /* the caller's */
  json_t *reading, *previous;
  struct rag_rule rule, previous_rule;
};

/* Fill at[0..n) (ids set by the caller; the rest zeroed here) for quarter
 * and previous_quarter. On failure nothing is left to free. On success the
 * caller owns the JSON values (store_*_at_free releases what is left). */
enum rb_err store_milestones_at(struct store *st, const char *quarter, const char *previous_quarter,
                                struct store_milestone_at *at, size_t n);
enum rb_err store_kpis_at(struct store *st, const char *quarter, struct store_kpi_at *at, size_t n);
void store_milestones_at_free(struct store_milestone_at *at, size_t n);
void store_kpis_at_free(struct store_kpi_at *at, size_t n);

#endif
