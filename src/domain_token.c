#include "domain_token.h"

#include <string.h>

bool
domain_token_name_ok(const char *name)
{
  return name != NULL && name[0] != '\0' && strlen(name) <= AUTH_NAME_MAX;
}

bool
domain_token_needs_org(enum auth_role role)
{
  return role == AUTH_SUBMITTER;
}

enum rb_err
domain_token_create(struct store *st, const struct domain_actor *who, const char *name,
                    enum auth_role role, const char *org, char token[AUTH_TOKEN_MAX], json_t **row,
                    const char **what)
{
  json_t *out = NULL;
  enum rb_err err = auth_token_create(st, name, role, org, who->now, token, &out);

  *what = "token";
  if (err == RB_OK) {
    const struct domain_entry e = {"token.create",
                                   "token",
                                   json_integer_value(json_object_get(out, "id")),
                                   NULL,
                                   NULL,
                                   NULL,
                                   out,
                                   NULL};

    *what = "the audit trail";
    err = domain_audit(st, who, &e);
  }
  if (err != RB_OK) {
    json_decref(out);
    return err;
  }
  *row = out;
  return RB_OK;
}

enum rb_err
domain_token_revoke(struct store *st, const struct domain_actor *who, int64_t id, json_t **row,
                    const char **what)
{
  json_t *before = NULL, *after = NULL;
  enum rb_err err = store_token_get(st, id, &before);

  *what = "token";
  if (err == RB_OK)
    err = store_token_revoke(st, id, who->now, &after);
  if (err == RB_OK) {
    const struct domain_entry e = {"token.revoke", "token", id, NULL, NULL, before, after, NULL};

    *what = "the audit trail";
    err = domain_audit(st, who, &e);
  }
  json_decref(before);
  if (err != RB_OK) {
    json_decref(after);
    return err;
  }
  *row = after;
  return RB_OK;
}
