/* What a quarter's figures are compared with: one rule for the summary
 * (/api/v1/summary's "comparison") and the board report's comparisons. */
#include "domain_report.h"

static enum rb_err
load(struct store *st, int start_year, struct quarter at, struct store_summary **out)
{
  char year[YEAR_LEN], id[QUARTER_LEN];

  quarter_format_year(start_year, year);
  quarter_format(at, id);
  return store_summary_load_year(st, year, id, out);
}

enum rb_err
domain_compare_load(struct store *st, struct quarter q, enum domain_compare which,
                    struct store_summary **out)
{
  struct quarter p =
    which == DOMAIN_PREVIOUS_QUARTER ? quarter_previous(q) : quarter_same_last_year(q);
  struct store_summary *carried = NULL;
  struct summary_headline h;
  enum rb_err err;

  if (which == DOMAIN_SAME_QUARTER_LAST_YEAR || p.start_year == q.start_year)
    return load(st, p.start_year, p, out);
  /* Q1: the plan year's own items at the year before's Q4, when they carry
   * a position there. */
  err = load(st, q.start_year, p, &carried);
  if (err != RB_OK)
    return err;
  summary_headline_of(store_summary_input(carried), &h);
  if (h.rated_milestones + h.rated_kpis > 0) {
    *out = carried;
    return RB_OK;
  }
  store_summary_free(carried);
  return load(st, p.start_year, p, out);
}

void
domain_compare_headline(const struct store_summary *s, struct summary_headline *out)
{
  summary_headline_of(store_summary_input(s), out);
  if (out->rated_milestones == 0)
    out->milestones_tenths = -1;
  if (out->rated_kpis == 0)
    out->kpis_tenths = -1;
}
