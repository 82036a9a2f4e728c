#include "api_items.h"
#include "api_resource.h"
#include "domain_validate.h"

static const char *const org_names[] = {"code", "name", NULL};
static const char *const org_fixed[] = {"code", NULL};

static const struct api_keyed org_resource = {
  .name = "organisation",
  .collection = "/api/v1/organisations",
  .fields = org_names,
  .fixed = org_fixed,
  .validate = domain_validate_org,
  .list = store_org_list,
  .get = store_org_get,
  .insert = store_org_insert,
  .update = store_org_update,
  .remove = store_org_delete,
  .still_referenced = "organisation %.64s still owns milestones, KPIs or tokens; reassign or "
                      "delete them first",
};

enum rb_err
api_org_list(struct api_ctx *c)
{
  return api_keyed_list(c, &org_resource);
}

enum rb_err
api_org_get(struct api_ctx *c)
{
  return api_keyed_get(c, &org_resource);
}

enum rb_err
api_org_create(struct api_ctx *c)
{
  return api_keyed_create(c, &org_resource);
}

enum rb_err
api_org_patch(struct api_ctx *c)
{
  return api_keyed_patch(c, &org_resource);
}

enum rb_err
api_org_delete(struct api_ctx *c)
{
  return api_keyed_delete(c, &org_resource);
}
