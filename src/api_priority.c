#include "api.h"
#include "jsonv.h"

static const struct jv_field priority_fields[] = {
  {"year", JV_YEAR, JV_REQUIRED, NULL},       {"group", JV_KEY, JV_REQUIRED, NULL},
  {"number", JV_INT, JV_REQUIRED, NULL},      {"title", JV_TEXT, JV_REQUIRED | JV_NONEMPTY, NULL},
  {"long_title", JV_TEXT, JV_NULLABLE, NULL},
};

size_t
api_validate_priority(struct store *st, json_t *obj, const char *prefix, json_t *errors)
{
  size_t before = json_array_size(errors);
  const char *group = json_string_value(json_object_get(obj, "group"));
  int64_t id;

  /* The group is checked even when other fields are invalid, so that one
   * answer names every bad field. */
  jv_check(obj, priority_fields, sizeof(priority_fields) / sizeof(priority_fields[0]), prefix,
           errors);
  if (jv_check_value(json_object_get(obj, "group"), JV_KEY, 0, NULL) == NULL &&
      store_group_id(st, group, &id) != RB_OK)
    jv_error(errors, prefix, "group", "no transformation group with code %s", group);
  return json_array_size(errors) - before;
}

static size_t
validate(struct store *st, json_t *obj, const char *prefix, json_t *errors)
{
  return api_validate_priority(st, obj, prefix, errors);
}

static const char *const list_params[] = {"year", "group", "priority", "limit", "cursor", NULL};
static const char *const fields[] = {"year", "group", "number", "title", "long_title", NULL};
static const char *const fixed[] = {"year", "group", "number", NULL};

static const struct api_resource priority_resource = {
  .name = "priority",
  .entity = "priority",
  .collection = "/api/v1/priorities",
  .list_params = list_params,
  .fields = fields,
  .fixed = fixed,
  .validate = validate,
  .list = store_priority_list,
  .get = store_priority_get,
  .insert = store_priority_insert,
  .update = store_priority_update,
  .remove = store_priority_delete,
  .duplicate = "a priority with this year, group and number already exists",
  .still_referenced = "milestones or KPIs still refer to this priority; move or delete them first",
};

enum rb_err
api_priority_list(struct api_ctx *c)
{
  return api_resource_list(c, &priority_resource);
}

enum rb_err
api_priority_get(struct api_ctx *c)
{
  return api_resource_get(c, &priority_resource);
}

enum rb_err
api_priority_create(struct api_ctx *c)
{
  return api_resource_create(c, &priority_resource);
}

enum rb_err
api_priority_patch(struct api_ctx *c)
{
  return api_resource_patch(c, &priority_resource);
}

enum rb_err
api_priority_delete(struct api_ctx *c)
{
  return api_resource_delete(c, &priority_resource);
}
