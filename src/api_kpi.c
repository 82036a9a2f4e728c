#include "api_input.h"
#include "api_items.h"
#include "api_quarter_view.h"
#include "api_resource.h"
#include "domain_validate.h"

static const char *const list_params[] = {"year",  "group",  "priority", "owner", "code",
                                          "limit", "cursor", "quarter",  NULL};
static const char *const fields[] = {
  "year",      "code",  "group",  "priorities",  "description",
  "direction", "unit",  "target", "target_text", "quarterly_targets",
  "tolerance", "owner", "source", "continues",   "frequency",
  "spc",       NULL};
static const char *const fixed[] = {"year", NULL};

static const struct api_resource kpi_resource = {
  .name = "KPI",
  .entity = "kpi",
  .collection = "/api/v1/kpis",
  .list_params = list_params,
  .fields = fields,
  .fixed = fixed,
  .validate = domain_validate_kpi,
  .validate_item = domain_validate_kpi_chain,
  .list = store_kpi_list,
  .get = store_kpi_get,
  .insert = store_kpi_insert,
  .update = store_kpi_update,
  .remove = store_kpi_delete,
  .duplicate = "a KPI with this code already exists in this plan year",
  .still_referenced = "this KPI has quarterly readings or monthly values, or a later KPI "
                      "continues it: delete them, or unlink that KPI, first",
};

enum rb_err
api_kpi_list(struct api_ctx *c)
{
  if (api_query(c, "quarter") != NULL)
    return api_quarter_view(c, true, list_params);
  return api_resource_list(c, &kpi_resource);
}

enum rb_err
api_kpi_get(struct api_ctx *c)
{
  return api_resource_get(c, &kpi_resource);
}

enum rb_err
api_kpi_create(struct api_ctx *c)
{
  return api_resource_create(c, &kpi_resource);
}

enum rb_err
api_kpi_patch(struct api_ctx *c)
{
  return api_resource_patch(c, &kpi_resource);
}

enum rb_err
api_kpi_delete(struct api_ctx *c)
{
  return api_resource_delete(c, &kpi_resource);
}
