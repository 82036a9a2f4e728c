/* Milestone updates: a milestone's status and comment for one quarter. */
#include <stdlib.h>

#include "api_ctx.h"
#include "api_figures.h"
#include "api_input.h"
#include "api_reply.h"
#include "domain.h"
#include "domain_validate.h"
#include "rag.h"

/* The milestone of the path (its id, year, code and owner): 404 when
 * missing. */
static enum rb_err
milestone(struct api_ctx *c, int64_t *id, json_t **item)
{
  enum rb_err err = api_path_id(c, 0, id);

  if (err != RB_OK)
    return api_fail(c, err, "no milestone with id %.32s", c->path[0]);
  err = store_milestone_brief(c->st, *id, item);
  if (err == RB_ERR_NOT_FOUND)
    return api_fail(c, err, "no milestone with id %lld", (long long)*id);
  if (err != RB_OK)
    return api_store_fail(c, err, "milestone");
  return RB_OK;
}

/* Answer an update: its ETag is the stored update's (text: its canonical
 * form, NULL to make it), the body adds its status change against the
 * previous quarter, derived (domain_travel.c). Steals update. */
static enum rb_err
reply_update(struct api_ctx *c, unsigned status, int64_t milestone_id, json_t *update,
             const char *text)
{
  char *own = NULL;
  enum rb_err err;

  if (text == NULL && (text = own = api_canonical(update)) == NULL) {
    json_decref(update);
    return RB_ERR_NOMEM;
  }
  err = domain_update_change(c->st, milestone_id, update);
  if (err != RB_OK) {
    json_decref(update);
    free(own);
    return api_store_fail(c, err, "update");
  }
  err = api_reply_item_text(c, status, update, text);
  free(own);
  return err;
}

/* May this request write the item's figures for the path's quarter? */
static enum rb_err
may_write(struct api_ctx *c, const json_t *item, const char *quarter)
{
  return api_may_write_quarter(c, json_string_value(json_object_get(item, "owner")),
                               json_string_value(json_object_get(item, "year")), quarter);
}

enum rb_err
api_update_list(struct api_ctx *c)
{
  json_t *item = NULL, *items = NULL;
  int64_t id;
  enum rb_err err;

  if ((err = milestone(c, &id, &item)) != RB_OK)
    return err;
  json_decref(item);
  err = store_update_list(c->st, id, &items);
  if (err == RB_OK && (err = domain_updates_change(items)) != RB_OK)
    json_decref(items);
  if (err != RB_OK)
    return api_store_fail(c, err, "updates");
  return api_reply_list(c, items, NULL);
}

/* Without it, only the client that last wrote an update knew its ETag,
 * and nobody else could make a PUT or DELETE conditional (If-Match). */
enum rb_err
api_update_get(struct api_ctx *c)
{
  json_t *item = NULL, *update = NULL;
  int64_t id;
  enum rb_err err;

  if ((err = milestone(c, &id, &item)) != RB_OK || (err = api_path_quarter(c, 1, NULL)) != RB_OK)
    goto out;
  err = store_update_get(c->st, id, c->path[1], &update);
  if (err == RB_ERR_NOT_FOUND)
    err = api_fail(c, err, "no update for quarter %s", c->path[1]);
  else if (err != RB_OK)
    err = api_store_fail(c, err, "update");
  else
    err = reply_update(c, 200, id, update, NULL);
out:
  json_decref(item);
  return err;
}

enum rb_err
api_update_put(struct api_ctx *c)
{
  json_t *body = NULL, *item = NULL, *out = NULL, *prior = NULL;
  const char *quarter = c->path[1];
  char by[160], *text = NULL;
  enum rag_status status;
  bool changed = true;
  int64_t id;
  enum rb_err err;

  if ((err = milestone(c, &id, &item)) != RB_OK || (err = api_path_quarter(c, 1, NULL)) != RB_OK)
    goto out;
  if ((err = api_body(c, &body)) != RB_OK)
    goto out;
  if ((err = may_write(c, item, quarter)) != RB_OK)
    goto out;
  c->errors = json_array();
  domain_validate_update(body, c->errors, &status);
  if ((err = api_check_errors(c)) != RB_OK)
    goto out;
  err = store_update_get(c->st, id, quarter, &prior);
  if (err != RB_OK && err != RB_ERR_NOT_FOUND) {
    err = api_store_fail(c, err, "update");
    goto out;
  }
  if ((err = api_if_match(c, prior)) != RB_OK)
    goto out;
  auth_actor_label(&c->actor, by, sizeof(by));
  err = store_update_put(c->st, id, quarter, rag_code(status),
                         json_string_value(json_object_get(body, "comment")), by, c->now, false,
                         &changed);
  if (err == RB_OK && !changed) {
    /* Already stored as given: not a change, so no write and no audit
     * entry; the answer is the stored item with the ETag it had. */
    err = reply_update(c, 200, id, prior, NULL);
    prior = NULL; /* reply_update took it */
    goto out;
  }
  if (err == RB_OK)
    err = store_update_get(c->st, id, quarter, &out);
  if (err != RB_OK) {
    err = api_store_fail(c, err, "update");
    goto out;
  }
  /* One canonical text for the audit entry and the ETag. */
  if ((text = api_canonical(out)) == NULL)
    err = RB_ERR_NOMEM;
  if (err == RB_OK)
    err =
      api_audit_text(c, "update.put", "milestone_update", id,
                     json_string_value(json_object_get(item, "code")), quarter, prior, out, text);
  if (err != RB_OK) {
    json_decref(out);
    goto out;
  }
  err = reply_update(c, prior != NULL ? 200 : 201, id, out, text);
out:
  free(text);
  json_decref(body);
  json_decref(item);
  json_decref(prior);
  return err;
}

enum rb_err
api_update_delete(struct api_ctx *c)
{
  json_t *item = NULL, *prior = NULL;
  const char *quarter = c->path[1];
  int64_t id;
  enum rb_err err;

  if ((err = milestone(c, &id, &item)) != RB_OK || (err = api_path_quarter(c, 1, NULL)) != RB_OK)
    goto out;
  if ((err = may_write(c, item, quarter)) != RB_OK)
    goto out;
  err = store_update_get(c->st, id, quarter, &prior);
  /* If-Match on nothing stored is a failed precondition, as for PUT. */
  if (err == RB_OK || (err == RB_ERR_NOT_FOUND && c->req->if_match != NULL))
    err = api_if_match(c, prior);
  if (err == RB_OK)
    err = store_update_delete(c->st, id, quarter);
  if (err == RB_ERR_NOT_FOUND)
    err = api_fail(c, err, "no update for quarter %s", quarter);
  else if (err != RB_OK)
    err = api_store_fail(c, err, "update");
  else
    err = api_audit(c, "update.delete", "milestone_update", id,
                    json_string_value(json_object_get(item, "code")), quarter, prior, NULL);
  if (err == RB_OK)
    err = api_reply_empty(c);
out:
  json_decref(prior);
  json_decref(item);
  return err;
}
