/* POST /api/v1/import: a whole dataset through the importer. */
#ifndef RAGBOARD_API_IMPORT_H
#define RAGBOARD_API_IMPORT_H

#include "error.h"

struct api_ctx;

enum rb_err api_import(struct api_ctx *c);

#endif
