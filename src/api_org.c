#include <stdio.h>
#include <stdlib.h>

#include "api.h"
#include "jsonv.h"

static const struct jv_field org_fields[] = {
  {"code", JV_KEY, JV_REQUIRED, NULL},
  {"name", JV_TEXT, JV_REQUIRED | JV_NONEMPTY, NULL},
};
static const char *const org_names[] = {"code", "name", NULL};
static const char *const org_fixed[] = {"code", NULL};

size_t
api_validate_org(const json_t *obj, const char *prefix, json_t *errors)
{
  return jv_check(obj, org_fields, sizeof(org_fields) / sizeof(org_fields[0]), prefix, errors);
}

enum rb_err
api_org_list(struct api_ctx *c)
{
  static const char *const allowed[] = {"limit", "cursor", NULL};
  struct store_page pg;
  char key[128];
  json_t *items;
  char *next;
  enum rb_err err;

  if ((err = api_query_allow(c, allowed)) != RB_OK || (err = api_page(c, &pg, key, sizeof(key))) != RB_OK)
    return err;
  err = store_org_list(c->st, &pg, &items, &next);
  if (err != RB_OK)
    return api_store_fail(c, err, "organisation list");
  return api_reply_list(c, items, next);
}

enum rb_err
api_org_get(struct api_ctx *c)
{
  json_t *org;
  enum rb_err err = store_org_get(c->st, c->path[0], &org);

  if (err == RB_ERR_NOT_FOUND)
    return api_fail(c, err, "no organisation with code %.64s", c->path[0]);
  if (err != RB_OK)
    return api_store_fail(c, err, "organisation");
  return api_reply_item(c, 200, org);
}

enum rb_err
api_org_create(struct api_ctx *c)
{
  json_t *in = NULL, *out = NULL;
  char location[160];
  enum rb_err err;

  err = api_body(c, &in);
  if (err != RB_OK)
    return err;
  if (c->errors == NULL)
    c->errors = json_array();
  api_validate_org(in, "", c->errors);
  err = api_check_errors(c);
  if (err != RB_OK)
    goto out;
  err = store_org_insert(c->st, in, c->now, &out);
  if (err == RB_ERR_CONFLICT) {
    err = api_fail(c, err, "an organisation with code %s already exists",
                   json_string_value(json_object_get(in, "code")));
    goto out;
  }
  if (err != RB_OK) {
    err = api_store_fail(c, err, "organisation");
    goto out;
  }
  snprintf(location, sizeof(location), "/api/v1/organisations/%s",
           json_string_value(json_object_get(out, "code")));
  rb_response_header(c->resp, "Location", location);
  err = api_audit(c, "organisation.create", "organisation", json_integer_value(json_object_get(out, "id")),
                  json_string_value(json_object_get(out, "code")), NULL, NULL, out);
  if (err != RB_OK) {
    json_decref(out);
    goto out;
  }
  err = api_reply_item(c, 201, out);
out:
  json_decref(in);
  return err;
}

enum rb_err
api_org_patch(struct api_ctx *c)
{
  json_t *patch = NULL, *cur = NULL, *merged = NULL, *out;
  enum rb_err err;

  err = api_body(c, &patch);
  if (err != RB_OK)
    return err;
  err = store_org_get(c->st, c->path[0], &cur);
  if (err != RB_OK) {
    err = err == RB_ERR_NOT_FOUND ? api_fail(c, err, "no organisation with code %.64s", c->path[0])
                                  : api_store_fail(c, err, "organisation");
    goto out;
  }
  err = api_if_match(c, cur);
  if (err != RB_OK)
    goto out;
  err = api_merge_patch(c, cur, patch, org_names, org_fixed, &merged);
  if (err != RB_OK)
    goto out;
  if (c->errors == NULL)
    c->errors = json_array();
  api_validate_org(merged, "", c->errors);
  err = api_check_errors(c);
  if (err != RB_OK)
    goto out;
  err = store_org_update(c->st, c->path[0], merged, c->now, &out);
  if (err != RB_OK) {
    err = api_store_fail(c, err, "organisation");
    goto out;
  }
  err = api_audit(c, "organisation.update", "organisation", json_integer_value(json_object_get(out, "id")),
                  c->path[0], NULL, cur, out);
  if (err != RB_OK) {
    json_decref(out);
    goto out;
  }
  err = api_reply_item(c, 200, out);
out:
  json_decref(patch);
  json_decref(cur);
  json_decref(merged);
  return err;
}

enum rb_err
api_org_delete(struct api_ctx *c)
{
  json_t *cur = NULL;
  enum rb_err err = store_org_get(c->st, c->path[0], &cur);

  if (err == RB_OK)
    err = api_if_match(c, cur);
  if (err == RB_OK) {
    err = store_org_delete(c->st, c->path[0]);
    if (err == RB_OK)
      err = api_audit(c, "organisation.delete", "organisation", json_integer_value(json_object_get(cur, "id")),
                      c->path[0], NULL, cur, NULL);
  }
  json_decref(cur);

  if (err == RB_ERR_NOT_FOUND)
    return api_fail(c, err, "no organisation with code %.64s", c->path[0]);
  if (err == RB_ERR_CONFLICT)
    return api_fail(c, err,
                    "organisation %.64s still owns milestones, KPIs or tokens; reassign or "
                    "delete them first",
                    c->path[0]);
  if (err != RB_OK)
    return api_store_fail(c, err, "organisation");
  return api_reply_empty(c);
}
