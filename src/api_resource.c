#include <stdio.h>
#include <string.h>

#include "api_cache.h"
#include "api_input.h"
#include "api_reply.h"
#include "api_resource.h"

/* A page of a filtered list, asked and checked: what its build needs. */
struct resource_page {
  const struct api_resource *r;
  struct store_filter f;
  struct store_page pg;
};

static enum rb_err
build_list(struct api_ctx *c, const void *arg)
{
  const struct resource_page *p = arg;
  json_t *items;
  char *next;
  enum rb_err err = p->r->list(c->st, &p->f, &p->pg, &items, &next);

  if (err != RB_OK)
    return api_store_fail(c, err, p->r->name);
  return api_reply_list(c, items, next);
}

/* Lists show reference data only, and depend on nothing but the URL: they
 * are answered from the response cache per reference data version. */
enum rb_err
api_resource_list(struct api_ctx *c, const struct api_resource *r)
{
  struct resource_page p;
  const struct api_cached spec = {'l', -1, NULL, NULL, "the list", NULL, build_list, &p};
  char cursor[64], key[512];
  enum rb_err err;
  int64_t after;

  memset(&p, 0, sizeof(p));
  p.r = r;
  if ((err = api_query_allow(c, r->list_params)) != RB_OK)
    return err;
  (void)api_filter(c, &p.f); /* its errors are answered by api_page, with any of its own */
  if ((err = api_page(c, &p.pg, cursor, sizeof(cursor))) != RB_OK)
    return err;
  /* These lists page by id: any other cursor key is not one we issued. */
  if (p.pg.after != NULL && (!util_parse_int64(p.pg.after, &after) || after < 1))
    return api_fail(c, RB_ERR_BAD_REQUEST, "cursor is not one this server issued");
  return api_cached(c, api_url_key(c, key, sizeof(key)), &spec);
}

static enum rb_err
load(struct api_ctx *c, const struct api_resource *r, int64_t *id, json_t **out)
{
  enum rb_err err = api_path_id(c, 0, id);

  if (err != RB_OK)
    return api_fail(c, err, "no %s with id %.32s", r->name, c->path[0]);
  err = r->get(c->st, *id, out);
  if (err == RB_ERR_NOT_FOUND)
    return api_fail(c, err, "no %s with id %lld", r->name, (long long)*id);
  if (err != RB_OK)
    return api_store_fail(c, err, r->name);
  return RB_OK;
}

enum rb_err
api_resource_get(struct api_ctx *c, const struct api_resource *r)
{
  json_t *obj;
  int64_t id;
  enum rb_err err = load(c, r, &id, &obj);

  if (err != RB_OK)
    return err;
  return api_reply_item(c, 200, obj);
}

static enum rb_err
audit(struct api_ctx *c, const struct api_resource *r, const char *verb, const json_t *before,
      const json_t *after)
{
  const json_t *obj = after != NULL ? after : before;
  char action[64];

  snprintf(action, sizeof(action), "%s.%s", r->entity, verb);
  return api_audit(c, action, r->entity, json_integer_value(json_object_get(obj, "id")),
                   json_string_value(json_object_get(obj, "code")), NULL, before, after);
}

static enum rb_err
write_failed(struct api_ctx *c, const struct api_resource *r, enum rb_err err)
{
  if (err == RB_ERR_CONFLICT)
    return api_fail(c, err, "%s", r->duplicate);
  return api_store_fail(c, err, r->name);
}

enum rb_err
api_resource_create(struct api_ctx *c, const struct api_resource *r)
{
  json_t *in = NULL, *out = NULL;
  char location[128];
  enum rb_err err;

  err = api_body(c, &in);
  if (err != RB_OK)
    return err;
  if (c->errors == NULL)
    c->errors = json_array();
  r->validate(c->st, in, "", c->errors);
  if (r->validate_item != NULL)
    r->validate_item(c->st, 0, in, "", c->errors);
  err = api_check_errors(c);
  if (err != RB_OK)
    goto out;
  err = r->insert(c->st, in, c->now, &out);
  if (err != RB_OK) {
    err = write_failed(c, r, err);
    goto out;
  }
  err = audit(c, r, "create", NULL, out);
  if (err != RB_OK) {
    json_decref(out);
    goto out;
  }
  snprintf(location, sizeof(location), "%s/%lld", r->collection,
           (long long)json_integer_value(json_object_get(out, "id")));
  rb_response_header(c->resp, "Location", location);
  err = api_reply_item(c, 201, out);
out:
  json_decref(in);
  return err;
}

enum rb_err
api_resource_patch(struct api_ctx *c, const struct api_resource *r)
{
  json_t *patch = NULL, *cur = NULL, *merged = NULL, *out;
  int64_t id;
  enum rb_err err;

  err = load(c, r, &id, &cur);
  if (err != RB_OK)
    return err;
  err = api_body(c, &patch);
  if (err != RB_OK)
    goto out;
  err = api_if_match(c, cur);
  if (err != RB_OK)
    goto out;
  err = api_merge_patch(c, cur, patch, r->fields, r->fixed, &merged);
  if (err != RB_OK)
    goto out;
  if (c->errors == NULL)
    c->errors = json_array();
  r->validate(c->st, merged, "", c->errors);
  if (r->validate_item != NULL)
    r->validate_item(c->st, id, merged, "", c->errors);
  err = api_check_errors(c);
  if (err != RB_OK)
    goto out;
  err = r->update(c->st, id, merged, c->now, &out);
  if (err != RB_OK) {
    err = write_failed(c, r, err);
    goto out;
  }
  err = audit(c, r, "update", cur, out);
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
api_resource_delete(struct api_ctx *c, const struct api_resource *r)
{
  json_t *cur = NULL;
  int64_t id;
  enum rb_err err = load(c, r, &id, &cur);

  if (err != RB_OK)
    return err;
  err = api_if_match(c, cur);
  if (err != RB_OK) {
    json_decref(cur);
    return err;
  }
  err = r->remove(c->st, id);
  if (err == RB_ERR_CONFLICT)
    err = api_fail(c, err, "%s", r->still_referenced);
  else if (err != RB_OK)
    err = api_store_fail(c, err, r->name);
  else
    err = audit(c, r, "delete", cur, NULL);
  json_decref(cur);
  return err != RB_OK ? err : api_reply_empty(c);
}
