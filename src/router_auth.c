/* What every request's handling shares: its context, who is asking and
 * whether they may, the problem answer, and recording a token's use. */
#include <stdio.h>
#include <string.h>

#include "router_int.h"
#include "writer.h"

/* Who is asking: c->actor from the request's token, or anonymous where the
 * route and --public-read allow it. */
enum rb_err
router_authenticate(struct api_ctx *c, const struct route *r)
{
  enum rb_err err;

  memset(&c->actor, 0, sizeof(c->actor));
  if (r->flags & ROUTE_PUBLIC)
    return RB_OK;
  if (c->req->authorization != NULL) {
    if (api_store(c) == NULL)
      return api_store_fail(c, RB_ERR_BUSY, "authentication");
    err = auth_authenticate(c->st, c->req->authorization, &c->actor);
    if (err == RB_ERR_UNAUTHORIZED)
      return api_fail(c, err, "the bearer token is not valid (unknown, malformed or revoked)");
    if (err != RB_OK)
      return api_store_fail(c, err, "authentication");
    return RB_OK;
  }
  if (!(r->flags & (ROUTE_WRITE | ROUTE_ADMIN | ROUTE_TOKEN)) && c->app->cfg.public_read) {
    snprintf(c->actor.name, sizeof(c->actor.name), "anonymous");
    return RB_OK;
  }
  return api_fail(c, RB_ERR_UNAUTHORIZED, "this request needs an Authorization: Bearer token");
}

/* Whether c->actor (authenticated) may use route r. */
enum rb_err
router_permit(struct api_ctx *c, const struct route *r)
{
  if (r->flags & ROUTE_PUBLIC)
    return RB_OK;
  if (!(r->flags & ROUTE_WRITE))
    return (r->flags & ROUTE_ADMIN) && c->actor.role != AUTH_ADMIN
             ? api_fail(c, RB_ERR_FORBIDDEN, "only admin tokens may read this")
             : RB_OK;
  if (c->actor.role == AUTH_ADMIN)
    return RB_OK;
  if ((r->flags & ROUTE_SUBMIT) && c->actor.role == AUTH_SUBMITTER)
    return RB_OK;
  return api_fail(c, RB_ERR_FORBIDDEN, "a %s token may not make this change",
                  auth_role_name(c->actor.role));
}

enum rb_err
router_authorise(struct api_ctx *c, const struct route *r, const struct router_head *head)
{
  bool revoked = false;
  enum rb_err err;

  if (head == NULL || !head->authenticated) {
    err = router_authenticate(c, r);
    return err != RB_OK ? err : router_permit(c, r);
  }
  /* Authenticated and permitted at the head (router_head): only a
   * revocation committed since can change the answer, and the writer's
   * transaction sees every one. */
  c->actor = head->actor;
  if (api_store(c) == NULL)
    return api_store_fail(c, RB_ERR_BUSY, "authentication");
  err = store_token_revoked(c->st, c->actor.token_id, &revoked);
  if (err != RB_OK)
    return api_store_fail(c, err, "authentication");
  return revoked ? api_fail(c, RB_ERR_UNAUTHORIZED,
                            "the bearer token is not valid (unknown, malformed or revoked)")
                 : RB_OK;
}

void
router_answer_problem(struct api_ctx *c, enum rb_err err)
{
  struct rb_response *resp = c->resp;
  const char *route = resp->route;
  char actor[sizeof(resp->actor)];
  struct rb_header keep[RB_MAX_HEADERS];
  size_t nkeep = 0;

  memcpy(actor, resp->actor, sizeof(actor));
  for (size_t i = 0; i < resp->nheaders; i++) {
    /* What the problem is an answer to: the methods allowed, and (a 406)
     * that it depends on the request's Accept. */
    if (strcmp(resp->headers[i].name, "Allow") == 0 || strcmp(resp->headers[i].name, "Vary") == 0) {
      keep[nkeep++] = resp->headers[i];
      resp->headers[i].value = NULL;
    }
  }
  rb_response_clear(resp);
  for (size_t i = 0; i < nkeep; i++)
    resp->headers[resp->nheaders++] = keep[i];
  resp->route = route;
  memcpy(resp->actor, actor, sizeof(actor));
  api_problem(c, err);
}

void
router_ctx(struct api_ctx *c, struct app *app, const struct router_match *m,
           const struct rb_request *req, struct rb_response *resp)
{
  memset(c, 0, sizeof(*c));
  c->app = app;
  c->req = req;
  c->resp = resp;
  for (size_t i = 0; i < m->nparams; i++)
    c->path[i] = m->params[i];
  c->npath = m->nparams;
}

enum rb_err
router_check_query(struct api_ctx *c, const struct route *r)
{
  static const char *const none[] = {NULL};

  /* A parameter the route does not take is a client's mistake (a typo in
   * a filter, say) that silently ignoring it would hide. */
  if (!(r->flags & ROUTE_QUERY) && c->req->nquery > 0)
    return api_query_allow(c, none);
  return RB_OK;
}

void
router_touch(struct api_ctx *c, bool defer)
{
  /* Record the token's use (at most once a minute), outside the request's
   * own transaction so a failed request still counts as a use; never
   * waiting for a busy writer, which would make a read wait for writes. */
  if (!c->actor.touch || c->actor.token_id == 0)
    return;
  if (c->now[0] == '\0')
    util_now(c->now);
  writer_touch(c->app->writer, c->actor.token_id, c->now, defer);
}
