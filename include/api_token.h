/* API tokens (admin only). */
#ifndef RAGBOARD_API_TOKEN_H
#define RAGBOARD_API_TOKEN_H

#include "error.h"

struct api_ctx;

enum rb_err api_token_list(struct api_ctx *c);
enum rb_err api_token_create(struct api_ctx *c);
enum rb_err api_token_get(struct api_ctx *c);
enum rb_err api_token_revoke(struct api_ctx *c);

#endif
