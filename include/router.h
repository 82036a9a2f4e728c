/* The one route table, and dispatch: match, authenticate, authorise, run
 * the handler inside a transaction, and turn failures into problems. */
#ifndef RAGBOARD_ROUTER_H
#define RAGBOARD_ROUTER_H

#include <stddef.h>

#include "api.h"
#include "app.h"
#include "request.h"

enum {
  ROUTE_PUBLIC = 1u << 0, /* no authentication at all (health) */
  ROUTE_WRITE = 1u << 1,  /* runs in the writer's transaction */
  ROUTE_ADMIN = 1u << 2,  /* admin tokens only */
  ROUTE_SUBMIT = 1u << 3, /* submitters may call it; the handler checks ownership */
  ROUTE_IMPORT = 1u << 4, /* large bodies allowed */
  ROUTE_TOKEN = 1u << 5,  /* needs a token even with --public-read (audit) */
  ROUTE_LAZY = 1u << 6,   /* the handler takes a store only if it needs one (api_store) */
  ROUTE_CACHE = 1u << 7,  /* a list whose answer depends only on the URL and the data:
                             served from the response cache per data version */
};

struct route {
  const char *method;
  const char *pattern; /* "/api/v1/kpis/{id}" */
  api_handler handler;
  unsigned flags;
};

/* The route table, for tests that compare it with the OpenAPI document. */
const struct route *router_routes(size_t *n);

/* Handle one request. resp must be zeroed; the caller frees what it holds
 * with rb_response_clear. */
void router_dispatch(struct app *app, const struct rb_request *req, struct rb_response *resp);

/* The methods path answers, "GET, HEAD, POST" style; 0 when none. */
size_t router_allow(const char *path, char *allow, size_t cap);

/* Largest body accepted for method + path. */
size_t router_body_limit(const struct app *app, const char *method, const char *path);

#endif
