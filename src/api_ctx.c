#include "api_ctx.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jsonv.h"
#include "quarter.h"

enum rb_err
api_fail(struct api_ctx *c, enum rb_err err, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
  va_end(ap);
  return err;
}

void
api_field_error(struct api_ctx *c, const char *field, const char *fmt, ...)
{
  char msg[512];
  va_list ap;

  if (c->errors == NULL)
    c->errors = json_array();
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  jv_error(c->errors, "", field, "%s", msg);
}

bool
api_field_failed(const struct api_ctx *c, const char *field)
{
  return jv_has_error(c->errors, field);
}

enum rb_err
api_check_errors(struct api_ctx *c)
{
  size_t n = json_array_size(c->errors);

  if (n == 0)
    return RB_OK;
  if (n == 1)
    return api_fail(c, RB_ERR_INVALID, "%s %s",
                    json_string_value(json_object_get(json_array_get(c->errors, 0), "field")),
                    json_string_value(json_object_get(json_array_get(c->errors, 0), "message")));
  return api_fail(c, RB_ERR_INVALID, "%zu fields are invalid; see errors", n);
}

struct store *
api_store(struct api_ctx *c)
{
  if (c->st == NULL) {
    struct store *st = store_pool_reader(c->app->pool);

    if (store_begin(st, false) != RB_OK) {
      store_pool_release(c->app->pool, st);
      return NULL;
    }
    c->st = st;
  }
  return c->st;
}

bool
api_is_admin(const struct api_ctx *c)
{
  return c->actor.role == AUTH_ADMIN;
}

enum rb_err
api_store_fail(struct api_ctx *c, enum rb_err err, const char *what)
{
  if (c->detail[0] != '\0')
    return err; /* already explained, e.g. by api_if_match */
  switch (err) {
  case RB_ERR_NOT_FOUND:
    return api_fail(c, err, "no such %s", what);
  case RB_ERR_CONFLICT:
    return api_fail(c, err, "%s conflicts with existing data", what);
  case RB_ERR_BUSY:
    return api_fail(c, err, "the database is busy; retry shortly");
  case RB_ERR_FULL:
    return api_fail(c, err, "the database disk is full");
  case RB_ERR_READONLY:
    return api_fail(c, err,
                    "the database cannot be written (read-only file system, or immutable or "
                    "inaccessible database files): nothing was written");
  default:
    return api_fail(c, err, "storage failed while handling %s", what);
  }
}

enum rb_err
api_audit(struct api_ctx *c, const char *action, const char *entity, int64_t id, const char *code,
          const char *quarter, const json_t *before, const json_t *after)
{
  return api_audit_text(c, action, entity, id, code, quarter, before, after, NULL);
}

enum rb_err
api_audit_text(struct api_ctx *c, const char *action, const char *entity, int64_t id,
               const char *code, const char *quarter, const json_t *before, const json_t *after,
               const char *after_text)
{
  struct store_audit e;
  enum rb_err err;

  if (before != NULL && after != NULL && json_equal((json_t *)before, (json_t *)after))
    return RB_OK;
  memset(&e, 0, sizeof(e));
  e.at = c->now;
  e.actor_id = c->actor.token_id;
  e.actor_name = c->actor.name[0] ? c->actor.name : "anonymous";
  e.actor_role = auth_role_name(c->actor.role);
  e.actor_org = c->actor.org[0] ? c->actor.org : NULL;
  e.action = action;
  e.entity = entity;
  e.entity_id = id;
  e.code = code;
  e.quarter = quarter;
  e.before = before;
  e.after = after;
  e.after_text = after_text;
  e.request_id = c->req->request_id;
  err = store_audit_append(c->st, &e);
  if (err != RB_OK)
    return api_store_fail(c, err, "the audit trail");
  return RB_OK;
}

enum rb_err
api_may_write_quarter(struct api_ctx *c, const char *owner, const char *year, const char *quarter)
{
  char state[STORE_STATE_LEN];
  enum rb_err err;

  if (c->actor.role == AUTH_SUBMITTER && (owner == NULL || strcmp(owner, c->actor.org) != 0))
    return api_fail(c, RB_ERR_FORBIDDEN,
                    "this item is owned by %s, not by %s: submitters write only their own "
                    "organisation's items",
                    owner != NULL ? owner : "no organisation", c->actor.org);
  /* A partner reports on this year's plan; an earlier year's item written
   * into this year's quarter would show in no report of either year.
   * Admins load history (an item's position before its plan year) freely. */
  if (c->actor.role == AUTH_SUBMITTER && year != NULL &&
      (strlen(year) != YEAR_LEN - 1 || strncmp(quarter, year, YEAR_LEN - 1) != 0))
    return api_fail(c, RB_ERR_WINDOW,
                    "quarter %s is not in this item's plan year %s: submitters write only the "
                    "quarters of an item's own plan year",
                    quarter, year);
  err = store_quarter_state(c->st, quarter, state);
  if (err != RB_OK)
    return api_store_fail(c, err, "quarter");
  if (strcmp(state, "locked") == 0)
    err = api_fail(c, RB_ERR_WINDOW,
                   "quarter %s is locked: the Place Board has approved its report; an admin "
                   "must unlock it first",
                   quarter);
  else if (strcmp(state, "closed") == 0 && c->actor.role != AUTH_ADMIN)
    err = api_fail(c, RB_ERR_WINDOW,
                   "quarter %s is closed for submissions; ask the performance team", quarter);
  else
    err = RB_OK;
  return err;
}
