/* The audit trail: its entries and its verification. */
#ifndef RAGBOARD_API_AUDIT_H
#define RAGBOARD_API_AUDIT_H

#include "error.h"

struct api_ctx;

enum rb_err api_audit_list(struct api_ctx *c);
enum rb_err api_audit_verify(struct api_ctx *c);

#endif
