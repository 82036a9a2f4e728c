/* Quarters (meeting dates and submission state), partners' returns for
 * a quarter, and who has not yet reported. */
#ifndef RAGBOARD_API_QUARTER_H
#define RAGBOARD_API_QUARTER_H

#include "error.h"

struct api_ctx;

enum rb_err api_quarter_list(struct api_ctx *c);
enum rb_err api_quarter_get(struct api_ctx *c);
enum rb_err api_quarter_put(struct api_ctx *c);
enum rb_err api_submission(struct api_ctx *c);
/* A return's checks before it joins the writer's queue (router_precheck). */
enum rb_err api_submission_precheck(struct api_ctx *c);
enum rb_err api_completeness(struct api_ctx *c);
/* A partner's return template for the quarter, XLSX or CSV. */
enum rb_err api_template(struct api_ctx *c);

#endif
