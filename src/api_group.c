#include "api_items.h"
#include "api_resource.h"
#include "domain_validate.h"

static const char *const group_names[] = {"code", "name", "chairs", NULL};
static const char *const group_fixed[] = {"code", NULL};

static const struct api_keyed group_resource = {
  .name = "group",
  .collection = "/api/v1/groups",
  .fields = group_names,
  .fixed = group_fixed,
  .validate = domain_validate_group,
  .list = store_group_list,
  .get = store_group_get,
  .insert = store_group_insert,
  .update = store_group_update,
  .remove = store_group_delete,
  .still_referenced = "group %.64s still has priorities, milestones or KPIs; delete them first",
};

enum rb_err
api_group_list(struct api_ctx *c)
{
  return api_keyed_list(c, &group_resource);
}

enum rb_err
api_group_get(struct api_ctx *c)
{
  return api_keyed_get(c, &group_resource);
}

enum rb_err
api_group_create(struct api_ctx *c)
{
  return api_keyed_create(c, &group_resource);
}

enum rb_err
api_group_patch(struct api_ctx *c)
{
  return api_keyed_patch(c, &group_resource);
}

enum rb_err
api_group_delete(struct api_ctx *c)
{
  return api_keyed_delete(c, &group_resource);
}
