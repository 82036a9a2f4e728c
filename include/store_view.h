/* The quarter views' reads (api_quarter_view.c): a page of milestones or
 * KPIs, each with its update or reading for the quarter and the one
 * before it, in one statement per page, written as JSON text. */
#ifndef RAGBOARD_STORE_VIEW_H
#define RAGBOARD_STORE_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "rag.h"
#include "store.h"

/* A JSON object's text in a page's text (len 0: none). */
struct store_view_text {
  size_t off, len;
};

/* What a KPI figure's rating and direction of travel are judged on. */
struct store_view_figure {
  bool has_value;
  double value;
  char rating[4];       /* as reported; "" when none */
  struct rag_rule rule; /* its KPI's at its quarter */
};

/* One item of a page. Texts are compact JSON objects with the members and
 * values the per-item reads answer, numbers to 15 significant digits as
 * every reply writes them. One spelling differs, not the value: SQLite
 * writes an exponent as 5.0e-05 or 1.0e+15 where jansson writes 5e-5 and
 * 1e15 (for |v| < 1e-4 or >= 1e15): a JSON reader reads the same number.
 *   item      store_kpi_get / store_milestone_get;
 *   record    the reading (store_reading_get) or update (store_update_get)
 *             for the quarter;
 *   previous  a KPI's latest earlier point with a value in its series
 *             (store_series_previous: possibly another plan year's KPI's
 *             reading), a milestone's update for the quarter before. */
struct store_view_row {
  int64_t id;
  bool chained; /* KPIs: in a chain across plan years (continues or is continued) */
  struct store_view_text item, record, previous;
  struct store_view_figure figure, previous_figure; /* KPIs: of record and previous */
  char status[8], previous_status[8];               /* milestones: "" when none */
};

struct store_view_page {
  char *text; /* every text of the page, one after another */
  struct store_view_row *rows;
  size_t n;
  char *next; /* the cursor key when a further page exists, else NULL */
};

/* The page of f and pg (as store_kpi_list / store_milestone_list select
 * it) at quarter (and, for milestones, previous_quarter, the one before).
 * On success *out owns what it holds (store_view_page_free); on failure
 * *out is untouched. */
enum rb_err store_kpi_view(struct store *st, const struct store_filter *f,
                           const struct store_page *pg, const char *quarter,
                           struct store_view_page *out);
enum rb_err store_milestone_view(struct store *st, const struct store_filter *f,
                                 const struct store_page *pg, const char *quarter,
                                 const char *previous_quarter, struct store_view_page *out);
/* The text t of page p (not NUL-terminated: t.len bytes), or NULL when none. */
const char *store_view_text_of(const struct store_view_page *p, struct store_view_text t);
/* NULL is a no-op. */
void store_view_page_free(struct store_view_page *p);

#endif
