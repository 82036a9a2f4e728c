/* Quarter views of milestones and KPIs: a list page with each item's
 * update or reading for a quarter inline (api_quarter_view.c). */
#ifndef RAGBOARD_API_QUARTER_VIEW_H
#define RAGBOARD_API_QUARTER_VIEW_H

#include <stdbool.h>

#include "error.h"

struct api_ctx;

/* The list of milestones (kpi false) or KPIs with ?quarter: params are
 * the query parameters the list takes (quarter among them). */
enum rb_err api_quarter_view(struct api_ctx *c, bool kpi, const char *const *params);

#endif
