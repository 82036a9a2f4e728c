/* The board report from the store: what a quarter's figures are compared
 * with (shared with /api/v1/summary, so the two never disagree), the
 * report model's input assembled from the database, and the model
 * rendered in the format asked for. Used by the HTTP handler
 * (GET /api/v1/reports/{quarter}) and the command line (ragboard report);
 * the caller reads the clock and holds the read transaction, so the data,
 * its version and the audit head are one snapshot. */
#ifndef RAGBOARD_DOMAIN_REPORT_H
#define RAGBOARD_DOMAIN_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "error.h"
#include "quarter.h"
#include "render.h"
#include "store.h"
#include "summary.h"

/* ---- comparisons ---------------------------------------------------------- */

enum domain_compare { DOMAIN_PREVIOUS_QUARTER, DOMAIN_SAME_QUARTER_LAST_YEAR };

/* The summary quarter q's figures are compared with. The previous
 * quarter's is of the plan year's own items, as the report's column is; at
 * Q1 that quarter lies in the year before, where the items carry their
 * position when the file gave one, and with no carried position at all
 * the year before's own items at that quarter are the comparison. The
 * same quarter last year's is of that year's items. *out: free with
 * store_summary_free. */
enum rb_err domain_compare_load(struct store *st, struct quarter q, enum domain_compare which,
                                struct store_summary **out);
/* A comparison's headline (/api/v1/summary's "comparison"): a kind none of
 * whose items was rated compares with nothing (-1), not with 0%. */
void domain_compare_headline(const struct store_summary *s, struct summary_headline *out);

/* ---- the report ------------------------------------------------------------- */

#define DOMAIN_REPORT_TITLE "Integrated Care Partnership"

struct domain_report_ask {
  const char *quarter; /* a valid quarter id */
  const char *group;   /* one group's code, or NULL for all */
  bool detail;         /* the detail tables (false: the summary pages only) */
  /* The partnership's title; NULL or "": the plan year's dataset title
   * without its quarter phrase (report_title_len), else DOMAIN_REPORT_TITLE. */
  const char *title;
  /* The bodies of the approval history; NULL: the model's defaults
   * ("Delivery Team", "Place Board"). */
  const char *delivery_team, *place_board;
  const char *built_at; /* when the report is built (RFC 3339): the caller's clock */
};

/* The report's input (report_model.h) for `ask`, read with st in the
 * caller's transaction: the plan year's framework with the updates and
 * readings of the quarters the report shows, the meeting dates, the
 * comparison figures overall and per group, each KPI's direction of travel
 * and chart, and the provenance (data version, audit head). *out is a new
 * reference. RB_ERR_NOT_FOUND (why says what) when the quarter's plan year
 * has nothing to report; another error is the store's (why empty). */
enum rb_err domain_report_input(struct store *st, const struct domain_report_ask *ask, json_t **out,
                                char *why, size_t cap);
/* The report model: domain_report_input, then report_model_build. Also
 * RB_ERR_NOT_FOUND for a group that does not exist. */
enum rb_err domain_report_model(struct store *st, const struct domain_report_ask *ask,
                                json_t **model, char *why, size_t cap);

/* Direction of travel and a chart for every KPI of a report input in the
 * report's scope (group: one group's code, or NULL for all), in place
 * (domain_report_kpi.c). quarter: the report's. A report of more than
 * DOMAIN_REPORT_CHARTS_MAX KPIs carries no charts (a page of 10,000 charts
 * is tens of megabytes no board reads, and takes seconds to build), and
 * its input's "notices" say so. */
#define DOMAIN_REPORT_CHARTS_MAX 500
enum rb_err domain_report_kpis(struct store *st, json_t *input, const char *quarter,
                               const char *group);

#endif
