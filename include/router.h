/* The one route table, and dispatch: match (once per request),
 * authenticate, authorise, run a read's handler, hand a write to the
 * writer, and turn failures into problems. */
#ifndef RAGBOARD_ROUTER_H
#define RAGBOARD_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api_ctx.h"
#include "app.h"
#include "auth.h"
#include "error.h"
#include "request.h"
#include "writer.h"

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
  ROUTE_UPLOAD = 1u << 9, /* a write that takes a file as a browser form uploads it
                             (multipart/form-data, one file field): the HTTP layer hands
                             the handler the file's bytes alone */
};

struct route {
  const char *method;
  const char *pattern; /* "/api/v1/kpis/{id}" */
  api_handler handler;
  unsigned flags;
};

/* The route table, for tests that compare it with the OpenAPI document. */
const struct route *router_routes(size_t *n);

/* A request's route, looked up once, at its head, and kept with it: every
 * later step (the body limit, the head's verdict, the answer) takes it. */
#define ROUTER_ALLOW_MAX 8
struct router_match {
  const struct route *route; /* method and path matched; NULL: none */
  api_handler precheck;      /* the route's check before its write is queued, or NULL */
  const char *fault;         /* why the path is no path (a broken escape), or NULL */
  bool path_known;           /* route NULL: some route has this path (405, not 404) */
  /* route NULL: the routes of this path, in table order (their methods
   * answer Allow) */
  const struct route *allow[ROUTER_ALLOW_MAX];
  size_t nallow;
  const char *params[API_MAX_PATH_PARAMS]; /* decoded path parameters, in pattern order */
  size_t nparams;
  char scratch[1024]; /* what params point into */
};

/* Look method + path (as the client sent it, percent-escapes and all) up. */
void router_match(const char *method, const char *path, struct router_match *m);
/* Largest body accepted for the request. */
size_t router_body_limit(const struct app *app, const struct router_match *m);
/* The methods of the matched path, "GET, HEAD, POST" style, for Allow; 0
 * when none (or when a route matched: its path is not in question). */
size_t router_allow(const struct router_match *m, char *allow, size_t cap);

/* What the router makes of a request from its head alone (method, path,
 * headers), before any body is read, so that a body is read only for a
 * token that may use the route: a write route's token is authenticated
 * and its role checked here, once, and the write trusts the result (it
 * only checks that the token was not revoked since). */
struct router_head {
  bool write;         /* a write: hand it to router_submit */
  size_t body_limit;  /* the largest body to read: the role's, or when refused,
                         the route's (the body is dropped, then answered) */
  bool authenticated; /* actor holds the token's identity */
  struct auth_actor actor;
};

/* Judge req (its body not read yet). true: read the body, up to
 * head->body_limit (a request that is not a write needs none: it is
 * dropped as it arrives). false: resp holds the answer (401, 403, 503
 * ...), to be sent without reading the body; resp must be zeroed. */
bool router_head(struct app *app, const struct router_match *m, const struct rb_request *req,
                 struct router_head *head, struct rb_response *resp);

/* Answer a request that is not a write (router_head: head.write false):
 * authenticate, authorise, run the handler, turn failures into problems.
 * resp must be zeroed; the caller frees what it holds with
 * rb_response_clear. A write given here runs at once on this thread,
 * through the writer (writer_call). */
void router_serve(struct app *app, const struct router_match *m, const struct rb_request *req,
                  struct rb_response *resp);

/* A write request handed to the writer (writer.h), kept with the request
 * until it is answered. The caller fills app, match, req, head, resp
 * (zeroed) and answered; router_submit does the rest: the route's precheck
 * (a bulk return's, on the writer's checker thread), then authorisation
 * and the handler in the request's savepoint of a writer round, and once
 * the round is durably committed (or has failed: the answer becomes a
 * 503/507/500 problem) answered(w), exactly once, from whichever thread
 * finished it (possibly this one, before router_submit returns).
 * stopped: the writer was shutting down, nothing ran, resp is empty: the
 * caller answers. Free what it holds with router_write_clear. */
struct router_write {
  struct writer_job job; /* the router's */
  struct app *app;
  const struct router_match *match;
  const struct rb_request *req;
  const struct router_head *head; /* router_head's verdict */
  struct rb_response *resp;
  void (*answered)(struct router_write *w);
  bool stopped;
  void *prepared; /* what the precheck made of the request, for the handler */
};
void router_submit(struct router_write *w);
void router_write_clear(struct router_write *w);

/* Match and answer req at once, writes included (on this thread, through
 * writer_call): for tests and fuzzers, which have no HTTP server. */
void router_dispatch(struct app *app, const struct rb_request *req, struct rb_response *resp);

#endif
