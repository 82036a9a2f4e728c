/* The quarter window: who may write which item's figures for which
 * quarter, and how a quarter's own state and dates may change. */
#include "domain.h"

#include <stdio.h>
#include <string.h>

#include "quarter.h"
#include "util.h"

bool
domain_owns(const struct domain_actor *who, const char *owner)
{
  if (who->role != AUTH_SUBMITTER)
    return true;
  return owner != NULL && who->org != NULL && strcmp(owner, who->org) == 0;
}

enum rb_err
domain_may_write_quarter(struct store *st, const struct domain_actor *who, const char *owner,
                         const char *year, const char *quarter, char *why, size_t cap)
{
  char state[STORE_STATE_LEN];
  const char *org = who->org != NULL ? who->org : "";
  enum rb_err err;

  why[0] = '\0';
  if (!domain_owns(who, owner)) {
    snprintf(why, cap,
             "this item is owned by %s, not by %s: submitters write only their own "
             "organisation's items",
             owner != NULL ? owner : "no organisation", org);
    return RB_ERR_FORBIDDEN;
  }
  /* A partner reports on this year's plan; an earlier year's item written
   * into this year's quarter would show in no report of either year.
   * Admins load history (an item's position before its plan year) freely. */
  if (who->role == AUTH_SUBMITTER && year != NULL &&
      (strlen(year) != YEAR_LEN - 1 || strncmp(quarter, year, YEAR_LEN - 1) != 0)) {
    snprintf(why, cap,
             "quarter %s is not in this item's plan year %s: submitters write only the "
             "quarters of an item's own plan year",
             quarter, year);
    return RB_ERR_WINDOW;
  }
  err = store_quarter_state(st, quarter, state);
  if (err != RB_OK)
    return err;
  if (strcmp(state, "locked") == 0) {
    snprintf(why, cap,
             "quarter %s is locked: the Place Board has approved its report; an admin "
             "must unlock it first",
             quarter);
    return RB_ERR_WINDOW;
  }
  if (strcmp(state, "closed") == 0 && who->role != AUTH_ADMIN) {
    snprintf(why, cap, "quarter %s is closed for submissions; ask the performance team", quarter);
    return RB_ERR_WINDOW;
  }
  return RB_OK;
}

size_t
domain_quarter_dates_changed(const json_t *stored, const json_t *in, const char *changed[2])
{
  static const char *const dates[] = {"delivery_team_date", "place_board_date"};
  size_t n = 0;

  for (size_t i = 0; i < ARRAY_LEN(dates); i++) {
    const json_t *want = json_object_get(in, dates[i]);

    if (want != NULL && !json_equal(want, json_object_get(stored, dates[i])))
      changed[n++] = dates[i];
  }
  return n;
}

enum rb_err
domain_quarter_may_change(const char *id, const json_t *stored, const json_t *in, bool unlock,
                          bool *unlocking, char *why, size_t cap)
{
  const char *was = json_string_value(json_object_get(stored, "state"));
  const char *want = json_string_value(json_object_get(in, "state"));
  bool locked = was != NULL && strcmp(was, "locked") == 0;
  const char *changed[2];

  why[0] = '\0';
  *unlocking = locked && want != NULL && strcmp(want, "locked") != 0;
  /* Unlocking a quarter the Place Board approved must be deliberate, and
   * the audit trail records it as a quarter.unlock. */
  if (*unlocking && !unlock) {
    snprintf(why, cap,
             "quarter %s is locked; to unlock it send \"unlock\": true with the new "
             "state (the unlock is recorded in the audit trail)",
             id);
    return RB_ERR_WINDOW;
  }
  /* The meeting dates are part of the approved report (the auditors'
   * "changed after the Delivery Team met" rests on them): frozen while
   * locked. */
  if (locked && !*unlocking && domain_quarter_dates_changed(stored, in, changed) > 0) {
    snprintf(why, cap,
             "quarter %s is locked: its meeting dates are part of the approved report; "
             "unlock it first (\"unlock\": true with the new state)",
             id);
    return RB_ERR_WINDOW;
  }
  return RB_OK;
}
