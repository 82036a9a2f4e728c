/* Quarters: Delivery Team and Place Board dates, and submission state. */
#include <string.h>

#include "api.h"
#include "import.h"
#include "jsonv.h"

static const char *const states[] = {"open", "closed", "locked", NULL};

static const struct jv_field quarter_fields[] = {
  {"delivery_team_date", JV_DATE, JV_NULLABLE, NULL},
  {"place_board_date", JV_DATE, JV_NULLABLE, NULL},
  {"state", JV_ENUM, 0, states},
};

enum rb_err
api_quarter_list(struct api_ctx *c)
{
  json_t *items;
  enum rb_err err;

  err = store_quarter_list(c->st, &items);
  if (err != RB_OK)
    return api_store_fail(c, err, "quarters");
  return api_reply_list(c, items, NULL);
}

enum rb_err
api_quarter_get(struct api_ctx *c)
{
  json_t *q;
  enum rb_err err = api_path_quarter(c, 0, NULL);

  if (err != RB_OK)
    return err;
  err = store_quarter_get(c->st, c->path[0], &q);
  if (err != RB_OK)
    return api_store_fail(c, err, "quarter");
  return api_reply_item(c, 200, q);
}

/* Unlocking a quarter the Place Board approved must be deliberate: the body
 * says "unlock": true, and the audit trail records a quarter.unlock. */
size_t
api_quarter_dates_changed(const json_t *stored, const json_t *in, const char *changed[2])
{
  static const char *const dates[] = {"delivery_team_date", "place_board_date"};
  size_t n = 0;

  for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
    const json_t *want = json_object_get(in, dates[i]);

    if (want != NULL && !json_equal(want, json_object_get(stored, dates[i])))
      changed[n++] = dates[i];
  }
  return n;
}

enum rb_err
api_quarter_put(struct api_ctx *c)
{
  json_t *body = NULL, *before = NULL, *out = NULL, *unlock;
  const char *was, *want, *changed[2];
  bool unlocking;
  enum rb_err err;

  if ((err = api_path_quarter(c, 0, NULL)) != RB_OK || (err = api_body(c, &body)) != RB_OK)
    return err;
  c->errors = json_array();
  unlock = json_object_get(body, "unlock");
  if (unlock != NULL && !json_is_true(unlock))
    api_field_error(c, "unlock", "must be true when given");
  json_incref(unlock);
  json_object_del(body, "unlock");
  jv_check(body, quarter_fields, 3, "", c->errors);
  err = api_check_errors(c);
  if (err != RB_OK) {
    json_decref(unlock);
    goto out;
  }
  err = store_quarter_get(c->st, c->path[0], &before);
  if (err != RB_OK) {
    json_decref(unlock);
    err = api_store_fail(c, err, "quarter");
    goto out;
  }
  err = api_if_match(c, json_is_null(json_object_get(before, "created_at")) ? NULL : before);
  if (err != RB_OK) {
    json_decref(unlock);
    goto out;
  }
  was = json_string_value(json_object_get(before, "state"));
  want = json_string_value(json_object_get(body, "state"));
  unlocking = strcmp(was, "locked") == 0 && want != NULL && strcmp(want, "locked") != 0;
  json_decref(unlock);
  if (unlocking && unlock == NULL) {
    err = api_fail(c, RB_ERR_WINDOW,
                   "quarter %s is locked; to unlock it send \"unlock\": true with the new "
                   "state (the unlock is recorded in the audit trail)",
                   c->path[0]);
    goto out;
  }
  /* The meeting dates are part of the approved report (the auditors' "changed
   * after the Delivery Team met" rests on them): frozen while locked. */
  if (strcmp(was, "locked") == 0 && !unlocking &&
      api_quarter_dates_changed(before, body, changed) > 0) {
    err = api_fail(c, RB_ERR_WINDOW,
                   "quarter %s is locked: its meeting dates are part of the approved report; "
                   "unlock it first (\"unlock\": true with the new state)",
                   c->path[0]);
    goto out;
  }
  err = store_quarter_put(c->st, c->path[0], body, c->now, &out);
  if (err != RB_OK) {
    err = api_store_fail(c, err, "quarter");
    goto out;
  }
  err =
    api_audit(c, unlocking ? "quarter.unlock" : "quarter.update", "quarter", 0, c->path[0],
              c->path[0], json_is_null(json_object_get(before, "created_at")) ? NULL : before, out);
  if (err != RB_OK) {
    json_decref(out);
    goto out;
  }
  err = api_reply_item(c, 200, out);
out:
  json_decref(before);
  json_decref(body);
  return err;
}

static enum rb_err
import_audit(void *ctx, const char *action, const char *entity, int64_t id, const char *code,
             const char *quarter, const json_t *before, const json_t *after)
{
  return api_audit(ctx, action, entity, id, code, quarter, before, after);
}

enum rb_err
api_import(struct api_ctx *c)
{
  const struct import_audit audit = {import_audit, c, NULL};
  json_t *doc = NULL, *counts = NULL, *after = NULL;
  char by[160];
  enum rb_err err;

  if ((err = api_body(c, &doc)) != RB_OK)
    return err;
  c->errors = json_array();
  auth_actor_label(&c->actor, by, sizeof(by));
  err = import_dataset(c->st, doc, c->now, by, &audit, c->errors, &counts);
  json_decref(doc);
  if (err == RB_ERR_INVALID)
    return api_check_errors(c);
  if (err != RB_OK)
    return api_store_fail(c, err, "the import");
  /* The entry records, beside the counts, the sums of the rows the import
   * created (no entry each): the state check's account of them. */
  err = store_audit_import_after(c->st, c->now, counts, &after);
  if (err != RB_OK)
    err = api_store_fail(c, err, "the audit trail");
  else
    err =
      api_audit(c, "import", "dataset", 0,
                json_string_value(json_object_get(counts, "financial_year")), NULL, NULL, after);
  json_decref(after);
  if (err != RB_OK) {
    json_decref(counts);
    return err;
  }
  return api_reply(c, 200, counts);
}
