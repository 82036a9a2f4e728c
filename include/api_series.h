/* A KPI's series across plan years, its SPC (XmR) chart as Making Data
 * Count defines it, and its SVG chart. */
#ifndef RAGBOARD_API_SERIES_H
#define RAGBOARD_API_SERIES_H

#include "error.h"

struct api_ctx;

enum rb_err api_kpi_series(struct api_ctx *c);
enum rb_err api_kpi_spc(struct api_ctx *c);
enum rb_err api_kpi_chart(struct api_ctx *c);

#endif
