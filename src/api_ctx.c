#include "api_ctx.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jsonv.h"

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

enum rb_err
api_write_fault(struct api_ctx *c, char at[UTIL_TIME_LEN])
{
  return store_pool_write_fault(c->app->pool, at);
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

void
api_actor(const struct api_ctx *c, struct domain_actor *who)
{
  who->token_id = c->actor.token_id;
  who->name = c->actor.name[0] ? c->actor.name : "anonymous";
  who->role = c->actor.role;
  who->org = c->actor.org[0] ? c->actor.org : NULL;
  who->request_id = c->req->request_id;
  who->now = c->now;
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
  const struct domain_entry e = {action, entity, id, code, quarter, before, after, after_text};
  struct domain_actor who;
  enum rb_err err;

  api_actor(c, &who);
  err = domain_audit(c->st, &who, &e);
  return err != RB_OK ? api_store_fail(c, err, "the audit trail") : RB_OK;
}

enum rb_err
api_may_write_quarter(struct api_ctx *c, const char *owner, const char *year, const char *quarter)
{
  struct domain_actor who;
  char why[sizeof(c->detail)];
  enum rb_err err;

  api_actor(c, &who);
  err = domain_may_write_quarter(c->st, &who, owner, year, quarter, why, sizeof(why));
  if (err == RB_OK)
    return RB_OK;
  if (why[0] != '\0')
    return api_fail(c, err, "%s", why);
  return api_store_fail(c, err, "quarter");
}
