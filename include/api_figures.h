/* A quarter's figures: milestone updates and KPI readings, one per item
 * and quarter. */
#ifndef RAGBOARD_API_FIGURES_H
#define RAGBOARD_API_FIGURES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

struct api_ctx;

enum rb_err api_update_list(struct api_ctx *c);
/* One update or reading with the ETag a PUT or DELETE's If-Match takes. */
enum rb_err api_update_get(struct api_ctx *c);
enum rb_err api_update_put(struct api_ctx *c);
enum rb_err api_update_delete(struct api_ctx *c);
enum rb_err api_reading_list(struct api_ctx *c);
enum rb_err api_reading_get(struct api_ctx *c);
enum rb_err api_reading_put(struct api_ctx *c);
enum rb_err api_reading_delete(struct api_ctx *c);
enum rb_err api_month_list(struct api_ctx *c);
enum rb_err api_month_get(struct api_ctx *c);
enum rb_err api_month_put(struct api_ctx *c);
enum rb_err api_month_delete(struct api_ctx *c);

/* The answer of a reading (monthly false) or a monthly value: its stored
 * ETag and its direction of travel (api_reading.c). Steals figure. */
enum rb_err api_reply_figure(struct api_ctx *c, unsigned status, int64_t kpi_id, json_t *figure,
                             const char *text, bool monthly);

#endif
