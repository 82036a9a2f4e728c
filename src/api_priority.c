#include "api_items.h"
#include "api_resource.h"
#include "domain_validate.h"

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
  .validate = domain_validate_priority,
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
