/* List, get, create, patch and delete for resources addressed by their code
 * (organisations and groups), driven by a struct api_keyed. */
#include <stdio.h>

#include "api_cache.h"
#include "api_input.h"
#include "api_reply.h"
#include "api_resource.h"

static enum rb_err
not_found(struct api_ctx *c, const struct api_keyed *k)
{
  return api_fail(c, RB_ERR_NOT_FOUND, "no %s with code %.64s", k->name, c->path[0]);
}

static enum rb_err
audit(struct api_ctx *c, const struct api_keyed *k, const char *verb, const json_t *before,
      const json_t *after)
{
  const json_t *obj = after != NULL ? after : before;
  char action[64];

  snprintf(action, sizeof(action), "%s.%s", k->name, verb);
  return api_audit(c, action, k->name, json_integer_value(json_object_get(obj, "id")),
                   json_string_value(json_object_get(obj, "code")), NULL, before, after);
}

/* A page of a list, asked and checked: what its build needs. */
struct keyed_page {
  const struct api_keyed *k;
  struct store_page pg;
};

static enum rb_err
build_list(struct api_ctx *c, const void *arg)
{
  const struct keyed_page *p = arg;
  json_t *items;
  char *next;
  enum rb_err err = p->k->list(c->st, &p->pg, &items, &next);

  if (err != RB_OK)
    return api_store_fail(c, err, p->k->name);
  return api_reply_list(c, items, next);
}

/* Lists show reference data only, and depend on nothing but the URL: they
 * are answered from the response cache per reference data version. */
enum rb_err
api_keyed_list(struct api_ctx *c, const struct api_keyed *k)
{
  static const char *const allowed[] = {"limit", "cursor", NULL};
  struct keyed_page p = {k, {0, NULL}};
  const struct api_cached spec = {'l', -1, NULL, NULL, "the list", NULL, build_list, &p};
  char cursor[128], key[512];
  enum rb_err err;

  if ((err = api_query_allow(c, allowed)) != RB_OK ||
      (err = api_page(c, &p.pg, cursor, sizeof(cursor))) != RB_OK)
    return err;
  return api_cached(c, api_url_key(c, key, sizeof(key)), &spec);
}

enum rb_err
api_keyed_get(struct api_ctx *c, const struct api_keyed *k)
{
  json_t *obj;
  enum rb_err err = k->get(c->st, c->path[0], &obj);

  if (err == RB_ERR_NOT_FOUND)
    return not_found(c, k);
  if (err != RB_OK)
    return api_store_fail(c, err, k->name);
  return api_reply_item(c, 200, obj);
}

enum rb_err
api_keyed_create(struct api_ctx *c, const struct api_keyed *k)
{
  json_t *in = NULL, *out = NULL;
  char location[160];
  enum rb_err err;

  err = api_body(c, &in);
  if (err != RB_OK)
    return err;
  if (c->errors == NULL)
    c->errors = json_array();
  k->validate(in, "", c->errors);
  err = api_check_errors(c);
  if (err != RB_OK)
    goto out;
  err = k->insert(c->st, in, c->now, &out);
  if (err == RB_ERR_CONFLICT) {
    err = api_fail(c, err, "another %s already has code %s", k->name,
                   json_string_value(json_object_get(in, "code")));
    goto out;
  }
  if (err != RB_OK) {
    err = api_store_fail(c, err, k->name);
    goto out;
  }
  snprintf(location, sizeof(location), "%s/%s", k->collection,
           json_string_value(json_object_get(out, "code")));
  rb_response_header(c->resp, "Location", location);
  err = audit(c, k, "create", NULL, out);
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
api_keyed_patch(struct api_ctx *c, const struct api_keyed *k)
{
  json_t *patch = NULL, *cur = NULL, *merged = NULL, *out;
  enum rb_err err;

  err = api_body(c, &patch);
  if (err != RB_OK)
    return err;
  err = k->get(c->st, c->path[0], &cur);
  if (err != RB_OK) {
    err = err == RB_ERR_NOT_FOUND ? not_found(c, k) : api_store_fail(c, err, k->name);
    goto out;
  }
  err = api_if_match(c, cur);
  if (err != RB_OK)
    goto out;
  err = api_merge_patch(c, cur, patch, k->fields, k->fixed, &merged);
  if (err != RB_OK)
    goto out;
  if (c->errors == NULL)
    c->errors = json_array();
  k->validate(merged, "", c->errors);
  err = api_check_errors(c);
  if (err != RB_OK)
    goto out;
  err = k->update(c->st, c->path[0], merged, c->now, &out);
  if (err != RB_OK) {
    err = api_store_fail(c, err, k->name);
    goto out;
  }
  err = audit(c, k, "update", cur, out);
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
api_keyed_delete(struct api_ctx *c, const struct api_keyed *k)
{
  json_t *cur = NULL;
  enum rb_err err = k->get(c->st, c->path[0], &cur);

  if (err == RB_OK)
    err = api_if_match(c, cur);
  if (err == RB_OK) {
    err = k->remove(c->st, c->path[0]);
    if (err == RB_OK)
      err = audit(c, k, "delete", cur, NULL);
  }
  json_decref(cur);
  if (err == RB_ERR_NOT_FOUND)
    return not_found(c, k);
  if (err == RB_ERR_CONFLICT && c->detail[0] == '\0')
    return api_fail(c, err, k->still_referenced, c->path[0]);
  if (err != RB_OK)
    return api_store_fail(c, err, k->name);
  return api_reply_empty(c);
}
