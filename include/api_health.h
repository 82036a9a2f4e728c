/* Health and service routes (no authentication): liveness, readiness,
 * Prometheus metrics, the OpenAPI contract. */
#ifndef RAGBOARD_API_HEALTH_H
#define RAGBOARD_API_HEALTH_H

#include "error.h"

struct api_ctx;

enum rb_err api_healthz(struct api_ctx *c);
enum rb_err api_readyz(struct api_ctx *c);
enum rb_err api_metrics(struct api_ctx *c);
enum rb_err api_openapi(struct api_ctx *c);

#endif
