/* Quarters: Delivery Team and Place Board dates, and submission state. */
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
  static const char *const allowed[] = {NULL};
  json_t *items;
  enum rb_err err;

  if ((err = api_query_allow(c, allowed)) != RB_OK)
    return err;
  err = store_quarter_list(c->st, &items);
  if (err != RB_OK)
    return api_store_fail(c, err, "quarters");
  return api_reply_list(c, items, NULL);
}

enum rb_err
api_quarter_get(struct api_ctx *c)
{
  json_t *q;
  enum rb_err err = api_path_quarter(c, 0);

  if (err != RB_OK)
    return err;
  err = store_quarter_get(c->st, c->path[0], &q);
  if (err != RB_OK)
    return api_store_fail(c, err, "quarter");
  return api_reply(c, 200, q);
}

enum rb_err
api_quarter_put(struct api_ctx *c)
{
  json_t *body = NULL, *out;
  enum rb_err err;

  if ((err = api_path_quarter(c, 0)) != RB_OK || (err = api_body(c, &body)) != RB_OK)
    return err;
  c->errors = json_array();
  jv_check(body, quarter_fields, sizeof(quarter_fields) / sizeof(quarter_fields[0]), "",
           c->errors);
  err = api_check_errors(c);
  if (err != RB_OK)
    goto out;
  err = store_quarter_put(c->st, c->path[0], body, c->now, &out);
  if (err != RB_OK) {
    err = api_store_fail(c, err, "quarter");
    goto out;
  }
  err = api_reply(c, 200, out);
out:
  json_decref(body);
  return err;
}

enum rb_err
api_import(struct api_ctx *c)
{
  json_t *doc = NULL, *counts = NULL;
  char by[160];
  enum rb_err err;

  if ((err = api_body(c, &doc)) != RB_OK)
    return err;
  c->errors = json_array();
  auth_actor_label(&c->actor, by, sizeof(by));
  err = import_dataset(c->st, doc, c->now, by, c->errors, &counts);
  json_decref(doc);
  if (err == RB_ERR_INVALID)
    return api_check_errors(c);
  if (err != RB_OK)
    return api_store_fail(c, err, "the import");
  return api_reply(c, 200, counts);
}
