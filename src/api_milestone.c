#include "api.h"
#include "jsonv.h"

static const struct jv_field milestone_fields[] = {
  {"year", JV_YEAR, JV_REQUIRED, NULL},
  {"code", JV_CODE, JV_REQUIRED, NULL},
  {"group", JV_KEY, JV_REQUIRED, NULL},
  {"priority", JV_INT, JV_REQUIRED, NULL},
  {"description", JV_TEXT, JV_REQUIRED | JV_NONEMPTY, NULL},
  {"target_quarter", JV_QUARTER, JV_NULLABLE, NULL},
  {"target_text", JV_TEXT, JV_NULLABLE, NULL},
  {"owner", JV_KEY, JV_NULLABLE, NULL},
};

static bool
well_formed(const json_t *obj, const char *name, enum jv_kind kind)
{
  return jv_check_value(json_object_get(obj, name), kind, 0, NULL) == NULL;
}

size_t
api_validate_milestone(struct store *st, json_t *obj, const char *prefix, json_t *errors)
{
  size_t before = json_array_size(errors);
  const char *year = json_string_value(json_object_get(obj, "year"));
  const char *group = json_string_value(json_object_get(obj, "group"));
  const char *owner = json_string_value(json_object_get(obj, "owner"));
  json_int_t number;
  int64_t id;

  /* References are checked for every well-formed field even when others
   * are invalid, so that one answer names every bad field. */
  jv_check(obj, milestone_fields, sizeof(milestone_fields) / sizeof(milestone_fields[0]), prefix,
           errors);
  number = json_integer_value(json_object_get(obj, "priority")); /* 3.0 is 3 from here */
  if (well_formed(obj, "group", JV_KEY)) {
    if (store_group_id(st, group, &id) != RB_OK)
      jv_error(errors, prefix, "group", "no transformation group with code %s", group);
    else if (well_formed(obj, "year", JV_YEAR) && well_formed(obj, "priority", JV_INT) &&
             store_priority_find(st, year, group, number, &id) != RB_OK)
      jv_error(errors, prefix, "priority", "group %s has no priority %lld in plan year %s", group,
               (long long)number, year);
  }
  if (well_formed(obj, "owner", JV_KEY) && store_org_id(st, owner, &id) != RB_OK)
    jv_error(errors, prefix, "owner", "no organisation with code %s", owner);
  return json_array_size(errors) - before;
}

static size_t
validate(struct store *st, json_t *obj, const char *prefix, json_t *errors)
{
  return api_validate_milestone(st, obj, prefix, errors);
}

static const char *const list_params[] = {"year", "group", "priority", "owner",
                                          "code", "limit", "cursor",   NULL};
static const char *const fields[] = {"year",        "code",        "group",
                                     "priority",    "description", "target_quarter",
                                     "target_text", "owner",       NULL};
static const char *const fixed[] = {"year", NULL};

static const struct api_resource milestone_resource = {
  .name = "milestone",
  .entity = "milestone",
  .collection = "/api/v1/milestones",
  .list_params = list_params,
  .fields = fields,
  .fixed = fixed,
  .validate = validate,
  .list = store_milestone_list,
  .get = store_milestone_get,
  .insert = store_milestone_insert,
  .update = store_milestone_update,
  .remove = store_milestone_delete,
  .duplicate = "a milestone with this code already exists in this plan year",
  .still_referenced = "this milestone has quarterly updates; delete them first",
};

enum rb_err
api_milestone_list(struct api_ctx *c)
{
  return api_resource_list(c, &milestone_resource);
}

enum rb_err
api_milestone_get(struct api_ctx *c)
{
  return api_resource_get(c, &milestone_resource);
}

enum rb_err
api_milestone_create(struct api_ctx *c)
{
  return api_resource_create(c, &milestone_resource);
}

enum rb_err
api_milestone_patch(struct api_ctx *c)
{
  return api_resource_patch(c, &milestone_resource);
}

enum rb_err
api_milestone_delete(struct api_ctx *c)
{
  return api_resource_delete(c, &milestone_resource);
}
