/* API tokens: list, create (the secret is shown once), read, revoke. */
#include <stdio.h>

#include "api_ctx.h"
#include "api_input.h"
#include "api_reply.h"
#include "api_token.h"
#include "domain_token.h"
#include "jsonv.h"

static const char *const roles[] = {"admin", "submitter", "viewer", NULL};

static const struct jv_field token_fields[] = {
  {"name", JV_TEXT, JV_REQUIRED | JV_NONEMPTY, NULL},
  {"role", JV_ENUM, JV_REQUIRED, roles},
  {"organisation", JV_KEY, JV_NULLABLE, NULL},
};

enum rb_err
api_token_list(struct api_ctx *c)
{
  static const char *const allowed[] = {"limit", "cursor", NULL};
  struct store_page pg;
  char key[64];
  json_t *items;
  char *next;
  enum rb_err err;

  if ((err = api_query_allow(c, allowed)) != RB_OK ||
      (err = api_page(c, &pg, key, sizeof(key))) != RB_OK)
    return err;
  err = store_token_list(c->st, &pg, &items, &next);
  if (err != RB_OK)
    return api_store_fail(c, err, "token list");
  return api_reply_list(c, items, next);
}

enum rb_err
api_token_create(struct api_ctx *c)
{
  json_t *in = NULL, *row = NULL;
  const char *org, *name, *what;
  char token[AUTH_TOKEN_MAX], location[64];
  enum auth_role role = AUTH_VIEWER;
  struct domain_actor who;
  int64_t id;
  enum rb_err err;

  if ((err = api_body(c, &in)) != RB_OK)
    return err;
  c->errors = json_array();
  jv_check(in, token_fields, ARRAY_LEN(token_fields), "", c->errors);
  org = json_string_value(json_object_get(in, "organisation"));
  name = json_string_value(json_object_get(in, "name"));
  /* Each field's own rules apply whatever else is wrong, so that one answer
   * names every bad field; a field that failed its type check is not
   * checked again. */
  if (name != NULL && !api_field_failed(c, "name") && !domain_token_name_ok(name))
    api_field_error(c, "name", "must be at most %d bytes", AUTH_NAME_MAX);
  if (!api_field_failed(c, "role") && !api_field_failed(c, "organisation")) {
    auth_role_parse(json_string_value(json_object_get(in, "role")), &role);
    if (domain_token_needs_org(role) && org == NULL)
      api_field_error(c, "organisation", "is required for a submitter token");
  }
  if (org != NULL && !api_field_failed(c, "organisation") && store_org_id(c->st, org, &id) != RB_OK)
    api_field_error(c, "organisation", "names no organisation with code %s", org);
  if ((err = api_check_errors(c)) != RB_OK)
    goto out;
  api_actor(c, &who);
  err = domain_token_create(c->st, &who, name, role, org, token, &row, &what);
  if (err != RB_OK) {
    err = api_store_fail(c, err, what);
    goto out;
  }
  id = json_integer_value(json_object_get(row, "id"));
  /* The secret is in this answer only; it is never stored or logged. */
  json_object_set_new(row, "token", json_string(token));
  snprintf(location, sizeof(location), "/api/v1/tokens/%lld", (long long)id);
  rb_response_header(c->resp, "Location", location);
  err = api_reply(c, 201, row);
out:
  json_decref(in);
  return err;
}

/* One token's metadata (never its secret): where POST /tokens's Location
 * points. */
enum rb_err
api_token_get(struct api_ctx *c)
{
  json_t *row = NULL;
  int64_t id;
  enum rb_err err;

  if (api_path_id(c, 0, &id) != RB_OK)
    return api_fail(c, RB_ERR_NOT_FOUND, "no token with id %.32s", c->path[0]);
  err = store_token_get(c->st, id, &row);
  if (err == RB_ERR_NOT_FOUND)
    return api_fail(c, err, "no token with id %lld", (long long)id);
  if (err != RB_OK)
    return api_store_fail(c, err, "token");
  return api_reply(c, 200, row);
}

enum rb_err
api_token_revoke(struct api_ctx *c)
{
  json_t *after = NULL;
  struct domain_actor who;
  const char *what;
  int64_t id;
  enum rb_err err = api_path_id(c, 0, &id);

  if (err != RB_OK)
    return api_fail(c, err, "no token with id %.32s", c->path[0]);
  api_actor(c, &who);
  err = domain_token_revoke(c->st, &who, id, &after, &what);
  if (err == RB_ERR_NOT_FOUND)
    return api_fail(c, err, "no token with id %lld", (long long)id);
  if (err != RB_OK)
    return api_store_fail(c, err, what);
  return api_reply(c, 200, after);
}
