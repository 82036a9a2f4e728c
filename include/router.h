/* The one route table, and dispatch: match, authenticate, authorise, run
 * the handler inside a transaction, and turn failures into problems. */
#ifndef RAGBOARD_ROUTER_H
#define RAGBOARD_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "auth.h"
#include "error.h"
#include "request.h"

struct api_ctx; /* api_ctx.h */

/* A route's handler: answers through c (api_reply.h) or returns an error
 * for the router to answer as a problem. */
typedef enum rb_err (*api_handler)(struct api_ctx *c);

enum {
  ROUTE_PUBLIC = 1u << 0, /* no authentication at all (health) */
  ROUTE_WRITE = 1u << 1,  /* runs in the writer's transaction */
  ROUTE_ADMIN = 1u << 2,  /* admin tokens only */
  ROUTE_SUBMIT = 1u << 3, /* submitters may call it; the handler checks ownership */
  ROUTE_IMPORT = 1u << 4, /* large bodies allowed */
  ROUTE_TOKEN = 1u << 5,  /* needs a token even with --public-read (audit) */
  ROUTE_LAZY = 1u << 6,   /* the handler takes a store only if it needs one (api_store) */
  ROUTE_QUERY = 1u << 8,  /* takes query parameters, which the handler names and checks
                             (api_query_allow); on every other route the router refuses
                             any query parameter (400) */
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

/* Write requests, batched by a caller that owns a writer thread: it runs
 * each queued request with router_dispatch_batched (the request's work
 * joins the open transaction, nothing is committed), then router_commit
 * once for all of them (one fsync), then router_finish_batched on each,
 * which leaves the answer alone when its batch is durable and turns it into
 * a problem (503/507/500) when the commit failed: no client ever hears of
 * a write that is not on disk. */
struct router_ticket {
  uint64_t batch; /* the group-commit batch the request's work belongs to */
  bool pending;   /* the answer waits on that batch's commit */
};

/* Whether method + path is a write route (runs in the writer's transaction). */
bool router_is_write(const char *method, const char *path);

/* Before a write joins the writer's queue, on the caller's thread (the
 * HTTP server's checker thread, or a worker) with a read connection:
 * authenticate, authorise, check the query and run the route's precheck,
 * so that a request that will be refused is refused here and never holds
 * the writer (whose time every token's writes share). true: queue the
 * request, with *prepared (NULL or the precheck's work, for the handler:
 * set req->prepared to it; free it with router_prepared_free once the
 * request is done). false: resp holds the answer (a 4xx). What a
 * concurrent write could change is checked again under the writer;
 * failures of the read connection are left to it too. */
bool router_precheck(struct app *app, const struct rb_request *req, struct rb_response *resp,
                     void **prepared);
/* Whether method + path is a write whose route has a precheck of its own
 * (beyond the token's), which may take long: worth a thread of its own. */
bool router_has_precheck(const char *method, const char *path);
void router_prepared_free(void *prepared); /* NULL is a no-op */
void router_dispatch_batched(struct app *app, const struct rb_request *req,
                             struct rb_response *resp, struct router_ticket *ticket);
/* requests and work_seconds (the time spent running them) feed /metrics. */
/* true: token uses are still pending (see router_record_touches). */
bool router_commit(struct app *app, size_t requests, double work_seconds);
/* The writer thread records token uses too (store_pool_set_touch_waker):
 * waker(ctx) says one is pending; router_record_touches records them. */
void router_touch_waker(struct app *app, void (*waker)(void *), void *ctx);
bool router_record_touches(struct app *app); /* true: some still pending, retry later */
void router_finish_batched(struct app *app, const struct rb_request *req, struct rb_response *resp,
                           const struct router_ticket *ticket);

/* The methods path answers, "GET, HEAD, POST" style; 0 when none. */
size_t router_allow(const char *path, char *allow, size_t cap);

/* Largest body accepted for method + path. */
size_t router_body_limit(const struct app *app, const char *method, const char *path);

/* What the router makes of a request from its head alone (method, path,
 * headers), before any body is read, so that a body is read only for a
 * token that may use the route: a write route's token is authenticated
 * and its role checked here, once, and dispatch trusts the result (it only
 * checks that the token was not revoked since). */
struct router_head {
  const struct route *route; /* the write route matched; NULL for anything else */
  bool write;                /* a write: runs on the writer thread */
  size_t body_limit;         /* the largest body to read: the role's, or when refused,
                                the route's (the body is dropped, then answered) */
  bool authenticated;        /* actor holds the token's identity */
  struct auth_actor actor;
};

/* Judge req (its body not read yet). true: read the body, up to
 * head->body_limit, then dispatch with req->head = head; a request that is
 * not a write needs no body (it is dropped as it arrives). false: resp
 * holds the answer (401, 403, 503 ...), to be sent without reading the
 * body; resp must be zeroed. */
bool router_head(struct app *app, const struct rb_request *req, struct router_head *head,
                 struct rb_response *resp);

#endif
