/* What the router's files share; nothing outside the router includes it.
 * router.c (the table, reads) calls the others; router_write.c (the head's
 * verdict, writes) calls router_auth.c (context, authorisation, problems);
 * router_match.c calls none of them. */
#ifndef RAGBOARD_ROUTER_INT_H
#define RAGBOARD_ROUTER_INT_H

#include "api_input.h"
#include "api_reply.h"
#include "router.h"

/* c zeroed, then the request's: app, req, resp, path parameters. */
void router_ctx(struct api_ctx *c, struct app *app, const struct router_match *m,
                const struct rb_request *req, struct rb_response *resp);
/* Who is asking: c->actor from the request's token, or anonymous where the
 * route and --public-read allow it. */
enum rb_err router_authenticate(struct api_ctx *c, const struct route *r);
/* Whether c->actor (authenticated) may use route r. */
enum rb_err router_permit(struct api_ctx *c, const struct route *r);
/* Both, or with head (the verdict router_head gave the request: NULL for
 * none) only the check that its token was not revoked since. */
enum rb_err router_authorise(struct api_ctx *c, const struct route *r,
                             const struct router_head *head);
/* 400 for a query parameter on a route that takes none. */
enum rb_err router_check_query(struct api_ctx *c, const struct route *r);
/* Replace whatever answer c->resp holds with the problem for err, keeping
 * only the headers that still make sense on an error. */
void router_answer_problem(struct api_ctx *c, enum rb_err err);
/* Record c->actor's token use when one is due (writer_touch). */
void router_touch(struct api_ctx *c, bool defer);
/* router_match over the table routes[0..nroutes) (the route's precheck
 * left to the caller). */
void router_match_in(const struct route *routes, size_t nroutes, const char *method,
                     const char *path, struct router_match *m);
/* router_submit, waiting for the answer (writer_call). */
void router_submit_wait(struct router_write *w);

#endif
