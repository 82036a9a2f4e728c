/* POST /api/v1/owners: many items' owners in one request, all or nothing,
 * so that the performance team can give the partners their items in
 * minutes: {"items": [{"kind": "milestone"|"kpi", "year": "2018-19",
 * "code": "CH1.1", "owner": "RDASH"|null}, ...]}. Each change is written
 * and audited as a PATCH of the item's owner would be ("milestone.update",
 * before and after); an item that has that owner already is left alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_input.h"
#include "api_partner.h"
#include "api_reply.h"
#include "jsonv.h"

#define MAX_ITEMS 10000

static const char *const kinds[] = {"milestone", "kpi", NULL};
static const struct jv_field item_fields[] = {
  {"kind", JV_ENUM, JV_REQUIRED, kinds},
  {"year", JV_YEAR, JV_REQUIRED, NULL},
  {"code", JV_CODE, JV_REQUIRED, NULL},
  {"owner", JV_KEY, JV_NULLABLE, NULL}, /* present: checked below (null takes it away) */
};

/* One item to change, resolved. */
struct owned {
  bool kpi;
  int64_t id;
  const char *year, *code, *owner; /* borrowed from the body; owner NULL: none */
};

/* Resolve item i (already well formed): its id, and its owner's existence.
 * Problems are noted as items[i].field errors. */
static enum rb_err
resolve(struct api_ctx *c, json_t *item, size_t i, struct owned *o, json_t *seen)
{
  char field[48], key[96];
  struct store_item_ref ref;
  int64_t org_id;
  json_t *first;
  enum rb_err err;

  o->kpi = strcmp(json_string_value(json_object_get(item, "kind")), "kpi") == 0;
  o->year = json_string_value(json_object_get(item, "year"));
  o->code = json_string_value(json_object_get(item, "code"));
  o->owner = json_string_value(json_object_get(item, "owner"));
  err = o->kpi ? store_kpi_find(c->st, o->year, o->code, &o->id)
               : store_milestone_find(c->st, o->year, o->code, &o->id);
  snprintf(field, sizeof(field), "items[%zu].code", i);
  if (err == RB_ERR_NOT_FOUND) {
    /* the same code but for case is the likely meaning: say which */
    err = store_item_find(c->st, o->kpi, o->year, o->code, &ref);
    if (err == RB_OK)
      api_field_error(c, field, "names no %s %.64s in %s; did you mean %s?",
                      o->kpi ? "KPI" : "milestone", o->code, o->year, ref.code);
    else if (err == RB_ERR_NOT_FOUND || err == RB_ERR_CONFLICT)
      api_field_error(c, field, "names no %s %.64s in %s", o->kpi ? "KPI" : "milestone", o->code,
                      o->year);
    o->id = 0;
    return err == RB_ERR_NOT_FOUND || err == RB_ERR_CONFLICT || err == RB_OK ? RB_OK : err;
  }
  if (err != RB_OK)
    return err;
  snprintf(key, sizeof(key), "%c%lld", o->kpi ? 'k' : 'm', (long long)o->id);
  if ((first = json_object_get(seen, key)) != NULL) {
    api_field_error(c, field, "names the same %s as items[%lld]: give each item once",
                    o->kpi ? "KPI" : "milestone", (long long)json_integer_value(first));
    o->id = 0;
  } else {
    json_object_set_new(seen, key, json_integer((json_int_t)i));
  }
  if (o->owner == NULL)
    return RB_OK;
  err = store_org_id(c->st, o->owner, &org_id);
  if (err == RB_ERR_NOT_FOUND) {
    snprintf(field, sizeof(field), "items[%zu].owner", i);
    api_field_error(c, field, "names no organisation %.64s (GET /api/v1/organisations lists them)",
                    o->owner);
    return RB_OK;
  }
  return err;
}

/* Give o its owner: written and audited as a PATCH of it; *changed false
 * when it had that owner already. */
static enum rb_err
give(struct api_ctx *c, const struct owned *o, bool *changed, json_t **before_owner)
{
  json_t *cur = NULL, *in = NULL, *out = NULL, *want;
  const char *entity = o->kpi ? "kpi" : "milestone";
  char action[32];
  enum rb_err err;

  err = o->kpi ? store_kpi_get(c->st, o->id, &cur) : store_milestone_get(c->st, o->id, &cur);
  if (err != RB_OK)
    return api_store_fail(c, err, entity);
  want = o->owner != NULL ? json_string(o->owner) : json_null();
  *before_owner = json_incref(json_object_get(cur, "owner"));
  *changed = !json_equal(json_object_get(cur, "owner"), want);
  if (*changed) {
    in = json_deep_copy(cur);
    if (in == NULL) {
      err = RB_ERR_NOMEM;
      goto out;
    }
    json_object_set(in, "owner", want);
    err = o->kpi ? store_kpi_update(c->st, o->id, in, c->now, &out)
                 : store_milestone_update(c->st, o->id, in, c->now, &out);
    if (err != RB_OK) {
      err = api_store_fail(c, err, entity);
      goto out;
    }
    snprintf(action, sizeof(action), "%s.update", entity);
    err = api_audit(c, action, entity, o->id, o->code, NULL, cur, out);
  }
out:
  json_decref(want);
  json_decref(cur);
  json_decref(in);
  json_decref(out);
  return err;
}

static enum rb_err
write_all(struct api_ctx *c, const struct owned *list, size_t n, json_t **answer)
{
  json_t *items = json_array();
  size_t written = 0;
  enum rb_err err = RB_OK;

  for (size_t i = 0; i < n && err == RB_OK; i++) {
    json_t *before = NULL;
    bool changed = false;

    err = give(c, &list[i], &changed, &before);
    if (err == RB_OK)
      json_array_append_new(
        items,
        json_pack("{s:s, s:s, s:s, s:I, s:o, s:o, s:b}", "kind", list[i].kpi ? "kpi" : "milestone",
                  "year", list[i].year, "code", list[i].code, "id", (json_int_t)list[i].id, "owner",
                  list[i].owner != NULL ? json_string(list[i].owner) : json_null(),
                  "previous_owner", before != NULL ? before : json_null(), "changed", changed));
    else
      json_decref(before);
    written += changed;
  }
  if (err != RB_OK) {
    json_decref(items);
    return err;
  }
  *answer = json_pack("{s:I, s:I, s:o}", "written", (json_int_t)written, "unchanged",
                      (json_int_t)(n - written), "items", items);
  return *answer != NULL ? RB_OK : RB_ERR_NOMEM;
}

enum rb_err
api_owners(struct api_ctx *c)
{
  json_t *body = NULL, *items, *item, *seen = json_object(), *answer = NULL;
  struct owned *list = NULL;
  const char *key;
  enum rb_err err;
  json_t *v;
  size_t i;

  if ((err = api_body(c, &body)) != RB_OK)
    goto out;
  if (c->errors == NULL)
    c->errors = json_array();
  json_object_foreach(body, key, v) if (strcmp(key, "items") != 0)
    api_field_error(c, key, "is not a known field");
  items = json_object_get(body, "items");
  if (!json_is_array(items) || json_array_size(items) == 0 || json_array_size(items) > MAX_ITEMS) {
    api_field_error(c, "items", "must be an array of 1 to %d items", MAX_ITEMS);
    err = api_check_errors(c);
    goto out;
  }
  list = calloc(json_array_size(items), sizeof(*list));
  if (list == NULL || seen == NULL) {
    err = RB_ERR_NOMEM;
    goto out;
  }
  json_array_foreach(items, i, item)
  {
    char prefix[32];

    snprintf(prefix, sizeof(prefix), "items[%zu]", i);
    if (!json_is_object(item)) {
      api_field_error(c, prefix, "must be an object {kind, year, code, owner}");
      continue;
    }
    if (json_object_get(item, "owner") == NULL)
      jv_error(c->errors, prefix, "owner",
               "is required: an organisation's code, or null to leave the item without owner");
    if (jv_check(item, item_fields, ARRAY_LEN(item_fields), prefix, c->errors) > 0 ||
        json_object_get(item, "owner") == NULL)
      continue;
    if ((err = resolve(c, item, i, &list[i], seen)) != RB_OK) {
      err = api_store_fail(c, err, "the owners");
      goto out;
    }
  }
  if ((err = api_check_errors(c)) != RB_OK) {
    snprintf(c->detail, sizeof(c->detail), "%zu problem%s; no owner was changed (see errors)",
             json_array_size(c->errors), json_array_size(c->errors) == 1 ? "" : "s");
    goto out;
  }
  if ((err = write_all(c, list, json_array_size(items), &answer)) != RB_OK)
    goto out;
  err = api_reply(c, 200, answer);
out:
  free(list);
  json_decref(seen);
  json_decref(body);
  return err;
}
