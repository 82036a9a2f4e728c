#include <stdio.h>
#include <stdlib.h>

#include "api.h"
#include "jsonv.h"

static const struct jv_field group_fields[] = {
  {"code", JV_KEY, JV_REQUIRED, NULL},
  {"name", JV_TEXT, JV_REQUIRED | JV_NONEMPTY, NULL},
  {"chairs", JV_TEXT_LIST, JV_NULLABLE, NULL},
};
static const char *const group_names[] = {"code", "name", "chairs", NULL};
static const char *const group_fixed[] = {"code", NULL};

size_t
api_validate_group(const json_t *obj, const char *prefix, json_t *errors)
{
  return jv_check(obj, group_fields, sizeof(group_fields) / sizeof(group_fields[0]), prefix, errors);
}

enum rb_err
api_group_list(struct api_ctx *c)
{
  static const char *const allowed[] = {"limit", "cursor", NULL};
  struct store_page pg;
  char key[128];
  json_t *items;
  char *next;
  enum rb_err err;

  if ((err = api_query_allow(c, allowed)) != RB_OK || (err = api_page(c, &pg, key, sizeof(key))) != RB_OK)
    return err;
  err = store_group_list(c->st, &pg, &items, &next);
  if (err != RB_OK)
    return api_store_fail(c, err, "group list");
  return api_reply_list(c, items, next);
}

enum rb_err
api_group_get(struct api_ctx *c)
{
  json_t *org;
  enum rb_err err = store_group_get(c->st, c->path[0], &org);

  if (err == RB_ERR_NOT_FOUND)
    return api_fail(c, err, "no group with code %.64s", c->path[0]);
  if (err != RB_OK)
    return api_store_fail(c, err, "group");
  return api_reply_item(c, 200, org);
}

enum rb_err
api_group_create(struct api_ctx *c)
{
  json_t *in = NULL, *out = NULL;
  char location[160];
  enum rb_err err;

  err = api_body(c, &in);
  if (err != RB_OK)
    return err;
  if (c->errors == NULL)
    c->errors = json_array();
  api_validate_group(in, "", c->errors);
  err = api_check_errors(c);
  if (err != RB_OK)
    goto out;
  err = store_group_insert(c->st, in, c->now, &out);
  if (err == RB_ERR_CONFLICT) {
    err = api_fail(c, err, "a group with code %s already exists",
                   json_string_value(json_object_get(in, "code")));
    goto out;
  }
  if (err != RB_OK) {
    err = api_store_fail(c, err, "group");
    goto out;
  }
  snprintf(location, sizeof(location), "/api/v1/groups/%s",
           json_string_value(json_object_get(out, "code")));
  rb_response_header(c->resp, "Location", location);
  err = api_audit(c, "group.create", "group", json_integer_value(json_object_get(out, "id")),
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
api_group_patch(struct api_ctx *c)
{
  json_t *patch = NULL, *cur = NULL, *merged = NULL, *out;
  enum rb_err err;

  err = api_body(c, &patch);
  if (err != RB_OK)
    return err;
  err = store_group_get(c->st, c->path[0], &cur);
  if (err != RB_OK) {
    err = err == RB_ERR_NOT_FOUND ? api_fail(c, err, "no group with code %.64s", c->path[0])
                                  : api_store_fail(c, err, "group");
    goto out;
  }
  err = api_if_match(c, cur);
  if (err != RB_OK)
    goto out;
  err = api_merge_patch(c, cur, patch, group_names, group_fixed, &merged);
  if (err != RB_OK)
    goto out;
  if (c->errors == NULL)
    c->errors = json_array();
  api_validate_group(merged, "", c->errors);
  err = api_check_errors(c);
  if (err != RB_OK)
    goto out;
  err = store_group_update(c->st, c->path[0], merged, c->now, &out);
  if (err != RB_OK) {
    err = api_store_fail(c, err, "group");
    goto out;
  }
  err = api_audit(c, "group.update", "group", json_integer_value(json_object_get(out, "id")),
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
api_group_delete(struct api_ctx *c)
{
  json_t *cur = NULL;
  enum rb_err err = store_group_get(c->st, c->path[0], &cur);

  if (err == RB_OK)
    err = api_if_match(c, cur);
  if (err == RB_OK) {
    err = store_group_delete(c->st, c->path[0]);
    if (err == RB_OK)
      err = api_audit(c, "group.delete", "group", json_integer_value(json_object_get(cur, "id")),
                      c->path[0], NULL, cur, NULL);
  }
  json_decref(cur);

  if (err == RB_ERR_NOT_FOUND)
    return api_fail(c, err, "no group with code %.64s", c->path[0]);
  if (err == RB_ERR_CONFLICT)
    return api_fail(c, err,
                    "group %.64s still has priorities, milestones or KPIs; delete them "
                    "first",
                    c->path[0]);
  if (err != RB_OK)
    return api_store_fail(c, err, "group");
  return api_reply_empty(c);
}
