/* The board report: GET /api/v1/reports/{quarter}. */
#ifndef RAGBOARD_API_REPORT_H
#define RAGBOARD_API_REPORT_H

#include "error.h"

struct api_ctx;

enum rb_err api_report(struct api_ctx *c);

#endif
