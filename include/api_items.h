/* The plan's items, reference data: organisations and transformation
 * groups (addressed by code), priorities, milestones and KPIs (by id). */
#ifndef RAGBOARD_API_ITEMS_H
#define RAGBOARD_API_ITEMS_H

#include "error.h"

struct api_ctx;

enum rb_err api_org_list(struct api_ctx *c);
enum rb_err api_org_create(struct api_ctx *c);
enum rb_err api_org_get(struct api_ctx *c);
enum rb_err api_org_patch(struct api_ctx *c);
enum rb_err api_org_delete(struct api_ctx *c);
enum rb_err api_group_list(struct api_ctx *c);
enum rb_err api_group_create(struct api_ctx *c);
enum rb_err api_group_get(struct api_ctx *c);
enum rb_err api_group_patch(struct api_ctx *c);
enum rb_err api_group_delete(struct api_ctx *c);
enum rb_err api_priority_list(struct api_ctx *c);
enum rb_err api_priority_create(struct api_ctx *c);
enum rb_err api_priority_get(struct api_ctx *c);
enum rb_err api_priority_patch(struct api_ctx *c);
enum rb_err api_priority_delete(struct api_ctx *c);
enum rb_err api_milestone_list(struct api_ctx *c);
enum rb_err api_milestone_create(struct api_ctx *c);
enum rb_err api_milestone_get(struct api_ctx *c);
enum rb_err api_milestone_patch(struct api_ctx *c);
enum rb_err api_milestone_delete(struct api_ctx *c);
enum rb_err api_kpi_list(struct api_ctx *c);
enum rb_err api_kpi_create(struct api_ctx *c);
enum rb_err api_kpi_get(struct api_ctx *c);
enum rb_err api_kpi_patch(struct api_ctx *c);
enum rb_err api_kpi_delete(struct api_ctx *c);

#endif
