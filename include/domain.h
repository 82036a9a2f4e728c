/* Domain rules: what a change must satisfy and what it leaves in the audit
 * trail, whoever makes it. The HTTP handlers, the importer and the command
 * line all call these, with an actor description (never a request
 * context), inside their own write transaction. Validation of each
 * resource is in domain_validate.h, tokens in domain_token.h.
 *
 * Below: the store (store.h) and the pure modules. Nothing here knows
 * HTTP, handlers or the command line. */
#ifndef RAGBOARD_DOMAIN_H
#define RAGBOARD_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "auth.h"
#include "error.h"
#include "rag.h"
#include "store.h"
#include "trend.h"

/* Who makes a change, as the audit trail records it. All strings borrowed. */
struct domain_actor {
  int64_t token_id;       /* 0: no token (the command line) */
  const char *name;       /* a token's name, or "command line (alice)" */
  enum auth_role role;    /* the command line acts as admin */
  const char *org;        /* the token's organisation code; NULL for none */
  const char *request_id; /* the HTTP request's id; NULL outside one */
  const char *now;        /* the one timestamp of every write of the change */
};

/* ---- the audit trail --------------------------------------------------- */

/* One change, for the trail. before/after borrowed, NULL for none. */
struct domain_entry {
  const char *action; /* "reading.put" */
  const char *entity; /* "kpi_reading" */
  int64_t id;         /* the entity's id; 0 for none */
  const char *code;   /* the item's code; NULL for none */
  const char *quarter;
  const json_t *before, *after;
  const char *after_text; /* after's canonical text when made already, else NULL */
};

/* Append the entry for a change `who` made (in the caller's transaction,
 * so a later failure rolls it back too). A change that changed nothing
 * (before and after equal) is no entry. A store error otherwise. */
enum rb_err domain_audit(struct store *st, const struct domain_actor *who,
                         const struct domain_entry *e);

/* The importer's audit hook (struct import_audit's fn): `auditor` is a
 * struct domain_auditor. */
struct domain_auditor {
  struct store *st;
  const struct domain_actor *who;
};
enum rb_err domain_audit_hook(void *auditor, const char *action, const char *entity, int64_t id,
                              const char *code, const char *quarter, const json_t *before,
                              const json_t *after);

/* The entry of one imported dataset: its counts (import_dataset's) and,
 * beside them, the sums of the rows the import created (no entry each):
 * the state check's account of them. */
enum rb_err domain_audit_import(struct store *st, const struct domain_actor *who,
                                const json_t *counts);

/* ---- quarters: who may write what, when --------------------------------- */

/* Whether `who` may write the items of organisation `owner` (a code; NULL
 * or "" for none): a submitter its own organisation's only. */
bool domain_owns(const struct domain_actor *who, const char *owner);

/* Whether `who` may write `quarter` (a valid quarter id) for an item of
 * plan year `year` owned by `owner` (NULL for none): RB_ERR_FORBIDDEN for
 * another organisation's item; RB_ERR_WINDOW for a quarter outside the
 * item's plan year (submitters; year NULL: not checked), and for a closed
 * (submitters) or locked (everyone) quarter. why (cap bytes) says which;
 * another error is the store's (why empty). */
enum rb_err domain_may_write_quarter(struct store *st, const struct domain_actor *who,
                                     const char *owner, const char *year, const char *quarter,
                                     char *why, size_t cap);

/* The meeting dates (delivery_team_date, place_board_date) that `in` sets
 * to something other than `stored` holds: their names in changed, and how
 * many. A locked quarter keeps them (its report is approved). */
size_t domain_quarter_dates_changed(const json_t *stored, const json_t *in, const char *changed[2]);

/* Whether quarter `id`, stored as `stored` (its "state" and dates), may
 * take the state and dates `in` sets. Unlocking a quarter the Place Board
 * approved must be deliberate (`unlock`: the request says so), and while
 * it stays locked its meeting dates are frozen. RB_ERR_WINDOW with why
 * otherwise. *unlocking: the change unlocks it (audited as such). */
enum rb_err domain_quarter_may_change(const char *id, const json_t *stored, const json_t *in,
                                      bool unlock, bool *unlocking, char *why, size_t cap);

/* ---- KPI readings -------------------------------------------------------- */

/* A reading's ratings: the one its KPI's rule computes from the value
 * (RAG_NONE: none), the one that counts, and whether the reported one
 * (rating, NULL or "" when none) disagrees with the computed one. Pure. */
struct domain_rating {
  enum rag_status computed, effective;
  bool disagreement;
};
struct domain_rating domain_rating_of(const struct rag_rule *rule, bool has_value, double value,
                                      const char *rating);
/* Add computed_rating, effective_rating and rating_disagreement to a
 * stored reading (as GET answers it), under `rule` (the KPI's for the
 * reading's quarter). Pure. */
void domain_reading_rate(const struct rag_rule *rule, json_t *reading);
/* The same under the KPI's rule for the reading's quarter, as stored now.
 * Every audit entry of a reading carries them, however it was written. */
enum rb_err domain_reading_annotate(struct store *st, int64_t kpi_id, json_t *reading);

/* ---- direction of travel (domain_travel.c) ------------------------------- */

/* direction_of_travel of a figure's value against the previous point's
 * (NULL: none), under rule (its KPI's at its quarter). Pure. */
enum trend_travel domain_travel_between(const struct rag_rule *rule,
                                        const struct trend_value *previous,
                                        const struct trend_value *current);
/* direction_of_travel of the figure current (its "value") against
 * previous (NULL: none), under rule (its KPI's at its quarter). */
enum trend_travel domain_travel_of(const struct rag_rule *rule, const json_t *previous,
                                   const json_t *current);
/* Add "direction_of_travel" to a KPI reading (monthly false) or monthly
 * value of KPI kpi_id, as stored: against the latest earlier point of the
 * KPI's series that has a value. */
enum rb_err domain_figure_travel(struct store *st, int64_t kpi_id, json_t *figure, bool monthly);
/* The same for every figure of an array, with one load of the series. */
enum rb_err domain_figures_travel(struct store *st, int64_t kpi_id, json_t *figures, bool monthly);
/* A milestone's status as stored, RAG_NONE when absent (NULL) or not one. */
enum rag_status domain_status_of(const char *status);
/* A milestone update's "status_change" against the previous quarter's
 * status: {"from", "to", "text": "G→A", "travel": "improving" | "same" |
 * "worsening" | null}, or null when either is absent (trend.h). */
json_t *domain_status_change_json(const char *previous, const char *current);
/* Add it to a stored update of milestone milestone_id. */
enum rb_err domain_update_change(struct store *st, int64_t milestone_id, json_t *update);
/* Add it to each update of one milestone's list (all its updates). */
enum rb_err domain_updates_change(json_t *updates);

#endif
