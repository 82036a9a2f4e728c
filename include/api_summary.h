/* RAG summaries: the whole framework, one group, the exceptions. */
#ifndef RAGBOARD_API_SUMMARY_H
#define RAGBOARD_API_SUMMARY_H

#include "error.h"

struct api_ctx;

enum rb_err api_summary(struct api_ctx *c);
enum rb_err api_group_summary(struct api_ctx *c);
enum rb_err api_exceptions(struct api_ctx *c);

#endif
