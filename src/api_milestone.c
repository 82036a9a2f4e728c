#include "api_input.h"
#include "api_items.h"
#include "api_quarter_view.h"
#include "api_resource.h"
#include "domain_validate.h"

static const char *const list_params[] = {"year",  "group",  "priority", "owner", "code",
                                          "limit", "cursor", "quarter",  NULL};
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
  .validate = domain_validate_milestone,
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
  if (api_query(c, "quarter") != NULL)
    return api_quarter_view(c, false, list_params);
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
