/* What partner organisations set up and ask about themselves: who a token
 * is and what it may return (GET /api/v1/me), and the items' owners set
 * in bulk (POST /api/v1/owners). */
#ifndef RAGBOARD_API_PARTNER_H
#define RAGBOARD_API_PARTNER_H

#include "error.h"

struct api_ctx;

enum rb_err api_me(struct api_ctx *c);
enum rb_err api_owners(struct api_ctx *c);

#endif
