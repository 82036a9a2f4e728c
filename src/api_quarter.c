/* Quarters: Delivery Team and Place Board dates, and submission state.
 * Unlocking a quarter the Place Board approved must be deliberate: the
 * body says "unlock": true, and the audit trail records a quarter.unlock. */
#include <string.h>

#include "api_cache.h"
#include "api_ctx.h"
#include "api_input.h"
#include "api_quarter.h"
#include "api_reply.h"
#include "domain.h"
#include "jsonv.h"

static const char *const states[] = {"open", "closed", "locked", NULL};

static const struct jv_field quarter_fields[] = {
  {"delivery_team_date", JV_DATE, JV_NULLABLE, NULL},
  {"place_board_date", JV_DATE, JV_NULLABLE, NULL},
  {"state", JV_ENUM, 0, states},
};

static enum rb_err
build_list(struct api_ctx *c, const void *arg)
{
  json_t *items;
  enum rb_err err = store_quarter_list(c->st, &items);

  (void)arg;
  if (err != RB_OK)
    return api_store_fail(c, err, "quarters");
  return api_reply_list(c, items, NULL);
}

/* Quarters are reference data: the list is answered from the response
 * cache per reference data version, as the items' lists are. */
enum rb_err
api_quarter_list(struct api_ctx *c)
{
  const struct api_cached spec = {'l', -1, NULL, NULL, "the list", NULL, build_list, NULL};
  char key[512];

  return api_cached(c, api_url_key(c, key, sizeof(key)), &spec);
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

enum rb_err
api_quarter_put(struct api_ctx *c)
{
  json_t *body = NULL, *before = NULL, *out = NULL, *unlock;
  bool unlocking, asks_unlock;
  char why[384];
  enum rb_err err;

  if ((err = api_path_quarter(c, 0, NULL)) != RB_OK || (err = api_body(c, &body)) != RB_OK)
    return err;
  c->errors = json_array();
  unlock = json_object_get(body, "unlock");
  if (unlock != NULL && !json_is_true(unlock))
    api_field_error(c, "unlock", "must be true when given");
  asks_unlock = unlock != NULL;
  json_object_del(body, "unlock");
  jv_check(body, quarter_fields, ARRAY_LEN(quarter_fields), "", c->errors);
  if ((err = api_check_errors(c)) != RB_OK)
    goto out;
  err = store_quarter_get(c->st, c->path[0], &before);
  if (err != RB_OK) {
    err = api_store_fail(c, err, "quarter");
    goto out;
  }
  /* A quarter nobody configured yet is answered with its defaults, but it
   * has no representation a client could hold: as for a create. */
  if (json_is_null(json_object_get(before, "created_at"))) {
    json_decref(before);
    before = NULL;
  }
  if ((err = api_if_match(c, before)) != RB_OK)
    goto out;
  err =
    domain_quarter_may_change(c->path[0], before, body, asks_unlock, &unlocking, why, sizeof(why));
  if (err != RB_OK) {
    err = api_fail(c, err, "%s", why);
    goto out;
  }
  err = store_quarter_put(c->st, c->path[0], body, c->now, &out);
  if (err != RB_OK) {
    err = api_store_fail(c, err, "quarter");
    goto out;
  }
  err = api_audit(c, unlocking ? "quarter.unlock" : "quarter.update", "quarter", 0, c->path[0],
                  c->path[0], before, out);
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
