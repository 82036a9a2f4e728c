/* The dashboard and the returns page (web/): static pages and their assets,
 * served from the binary with their security headers, or 404 when the
 * server runs with --no-dashboard. They hold no data: the pages' scripts
 * read it from /api/v1 like any other client. */
#ifndef RAGBOARD_API_WEB_H
#define RAGBOARD_API_WEB_H

#include <stddef.h>

#include "error.h"

struct api_ctx;
struct web_file;

/* GET / and GET /returns: the page at the request's path. */
enum rb_err api_web_page(struct api_ctx *c);
/* GET /assets/{file}: a hashed asset. */
enum rb_err api_web_asset(struct api_ctx *c);

/* The embedded file served at path, or NULL. */
const struct web_file *web_file_at(const char *path);

#endif
