#include "router.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_audit.h"
#include "api_ctx.h"
#include "api_figures.h"
#include "api_health.h"
#include "api_import.h"
#include "api_input.h"
#include "api_items.h"
#include "api_quarter.h"
#include "api_reply.h"
#include "api_summary.h"
#include "api_token.h"
#include "metrics.h"
#include "store.h"

#include <time.h>

/* Read routes need any valid token, or none with --public-read. Writes need
 * an admin, or a submitter where ROUTE_SUBMIT says the handler decides. */
static const struct route routes[] = {
  {"GET", "/healthz", api_healthz, ROUTE_PUBLIC},
  {"GET", "/readyz", api_readyz, ROUTE_PUBLIC},
  {"GET", "/metrics", api_metrics, ROUTE_PUBLIC},
  {"GET", "/openapi.yaml", api_openapi, ROUTE_PUBLIC},

  {"GET", "/api/v1/organisations", api_org_list, ROUTE_LAZY | ROUTE_QUERY},
  {"POST", "/api/v1/organisations", api_org_create, ROUTE_WRITE | ROUTE_ADMIN},
  {"GET", "/api/v1/organisations/{code}", api_org_get, 0},
  {"PATCH", "/api/v1/organisations/{code}", api_org_patch, ROUTE_WRITE | ROUTE_ADMIN},
  {"DELETE", "/api/v1/organisations/{code}", api_org_delete, ROUTE_WRITE | ROUTE_ADMIN},

  {"GET", "/api/v1/groups", api_group_list, ROUTE_LAZY | ROUTE_QUERY},
  {"POST", "/api/v1/groups", api_group_create, ROUTE_WRITE | ROUTE_ADMIN},
  {"GET", "/api/v1/groups/{code}", api_group_get, 0},
  {"PATCH", "/api/v1/groups/{code}", api_group_patch, ROUTE_WRITE | ROUTE_ADMIN},
  {"DELETE", "/api/v1/groups/{code}", api_group_delete, ROUTE_WRITE | ROUTE_ADMIN},

  {"GET", "/api/v1/priorities", api_priority_list, ROUTE_LAZY | ROUTE_QUERY},
  {"POST", "/api/v1/priorities", api_priority_create, ROUTE_WRITE | ROUTE_ADMIN},
  {"GET", "/api/v1/priorities/{id}", api_priority_get, 0},
  {"PATCH", "/api/v1/priorities/{id}", api_priority_patch, ROUTE_WRITE | ROUTE_ADMIN},
  {"DELETE", "/api/v1/priorities/{id}", api_priority_delete, ROUTE_WRITE | ROUTE_ADMIN},

  {"GET", "/api/v1/milestones", api_milestone_list, ROUTE_LAZY | ROUTE_QUERY},
  {"POST", "/api/v1/milestones", api_milestone_create, ROUTE_WRITE | ROUTE_ADMIN},
  {"GET", "/api/v1/milestones/{id}", api_milestone_get, 0},
  {"PATCH", "/api/v1/milestones/{id}", api_milestone_patch, ROUTE_WRITE | ROUTE_ADMIN},
  {"DELETE", "/api/v1/milestones/{id}", api_milestone_delete, ROUTE_WRITE | ROUTE_ADMIN},

  {"GET", "/api/v1/kpis", api_kpi_list, ROUTE_LAZY | ROUTE_QUERY},
  {"POST", "/api/v1/kpis", api_kpi_create, ROUTE_WRITE | ROUTE_ADMIN},
  {"GET", "/api/v1/kpis/{id}", api_kpi_get, 0},
  {"PATCH", "/api/v1/kpis/{id}", api_kpi_patch, ROUTE_WRITE | ROUTE_ADMIN},
  {"DELETE", "/api/v1/kpis/{id}", api_kpi_delete, ROUTE_WRITE | ROUTE_ADMIN},

  {"GET", "/api/v1/milestones/{id}/updates", api_update_list, 0},
  {"PUT", "/api/v1/milestones/{id}/updates/{quarter}", api_update_put, ROUTE_WRITE | ROUTE_SUBMIT},
  {"DELETE", "/api/v1/milestones/{id}/updates/{quarter}", api_update_delete,
   ROUTE_WRITE | ROUTE_SUBMIT},
  {"GET", "/api/v1/kpis/{id}/readings", api_reading_list, 0},
  {"PUT", "/api/v1/kpis/{id}/readings/{quarter}", api_reading_put, ROUTE_WRITE | ROUTE_SUBMIT},
  {"DELETE", "/api/v1/kpis/{id}/readings/{quarter}", api_reading_delete,
   ROUTE_WRITE | ROUTE_SUBMIT},

  {"GET", "/api/v1/summary", api_summary, ROUTE_LAZY | ROUTE_QUERY},
  {"GET", "/api/v1/groups/{code}/summary", api_group_summary, ROUTE_LAZY | ROUTE_QUERY},
  {"GET", "/api/v1/exceptions", api_exceptions, ROUTE_LAZY | ROUTE_QUERY},

  {"GET", "/api/v1/quarters", api_quarter_list, ROUTE_LAZY},
  {"GET", "/api/v1/quarters/{quarter}", api_quarter_get, 0},
  {"PUT", "/api/v1/quarters/{quarter}", api_quarter_put, ROUTE_WRITE | ROUTE_ADMIN},

  {"POST", "/api/v1/quarters/{quarter}/submissions", api_submission, ROUTE_WRITE | ROUTE_SUBMIT},
  {"GET", "/api/v1/quarters/{quarter}/completeness", api_completeness, ROUTE_LAZY},

  {"POST", "/api/v1/import", api_import, ROUTE_WRITE | ROUTE_ADMIN | ROUTE_IMPORT},

  {"GET", "/api/v1/tokens", api_token_list, ROUTE_ADMIN | ROUTE_QUERY},
  {"POST", "/api/v1/tokens", api_token_create, ROUTE_WRITE | ROUTE_ADMIN},
  {"GET", "/api/v1/tokens/{id}", api_token_get, ROUTE_ADMIN},
  {"DELETE", "/api/v1/tokens/{id}", api_token_revoke, ROUTE_WRITE | ROUTE_ADMIN},

  {"GET", "/api/v1/audit", api_audit_list, ROUTE_TOKEN | ROUTE_QUERY},
  {"GET", "/api/v1/audit/verify", api_audit_verify, ROUTE_ADMIN | ROUTE_QUERY},
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* Write handlers with a precheck: what the request can be refused for,
 * checked by router_precheck with a read connection before the request is
 * queued for the writer; it may leave c->prepared for the handler. */
static const struct {
  api_handler handler, precheck;
} prechecks[] = {
  {api_submission, api_submission_precheck},
};

static api_handler
precheck_of(const struct route *r)
{
  for (size_t i = 0; i < sizeof(prechecks) / sizeof(prechecks[0]); i++)
    if (prechecks[i].handler == r->handler)
      return prechecks[i].precheck;
  return NULL;
}

const struct route *
router_routes(size_t *n)
{
  *n = NROUTES;
  return routes;
}

static int
hex_digit(char ch)
{
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

/* Percent-decode one path segment (len bytes at s) into out, NUL-terminated;
 * false when it does not fit, an escape is broken, or it decodes to a NUL. A
 * decoded '/' is data within the segment, never a separator. */
static bool
segment_decode(const char *s, size_t len, char *out, size_t cap, size_t *outlen)
{
  size_t n = 0;

  for (size_t i = 0; i < len; i++) {
    int ch = (unsigned char)s[i];

    if (ch == '%') {
      int hi, lo;

      if (i + 2 >= len)
        return false;
      hi = hex_digit(s[i + 1]);
      lo = hex_digit(s[i + 2]);
      if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
        return false;
      ch = hi * 16 + lo;
      i += 2;
    }
    if (n + 1 >= cap)
      return false;
    out[n++] = (char)ch;
  }
  out[n] = '\0';
  *outlen = n;
  return true;
}

/* Match path (as the client sent it) against pattern, segment by segment,
 * each segment percent-decoded first; path parameters point into `scratch`,
 * which receives them decoded. */
static bool
match(const char *pattern, const char *path, char *scratch, size_t cap, const char **params,
      size_t *nparams)
{
  const char *p = pattern, *s = path;
  size_t n = 0, used = 0;

  while (*p != '\0' && *s != '\0') {
    size_t slen, dlen;

    if (*p != '/' || *s != '/')
      return false;
    p++;
    s++;
    slen = strcspn(s, "/");
    if (*p == '{') {
      if (slen == 0 || n >= API_MAX_PATH_PARAMS || used >= cap ||
          !segment_decode(s, slen, scratch + used, cap - used, &dlen))
        return false;
      params[n++] = scratch + used;
      used += dlen + 1;
      s += slen;
      p = strchr(p, '}');
      if (p == NULL)
        return false;
      p++;
    } else {
      size_t plen = strcspn(p, "/");

      if (memchr(s, '%', slen) == NULL) {
        if (plen != slen || strncmp(p, s, plen) != 0)
          return false;
      } else {
        char seg[64];

        if (!segment_decode(s, slen, seg, sizeof(seg), &dlen) || dlen != plen ||
            memcmp(seg, p, plen) != 0)
          return false;
      }
      p += plen;
      s += slen;
    }
  }
  *nparams = n;
  return *p == '\0' && *s == '\0';
}

/* Why path (as sent) is not a path at all, or NULL: every escape must be
 * two hex digits, and none may encode a NUL, which C strings would cut the
 * path at. */
static const char *
path_fault(const char *path)
{
  for (const char *s = path; *s != '\0'; s++) {
    if (*s != '%')
      continue;
    if (hex_digit(s[1]) < 0 || hex_digit(s[2]) < 0)
      return "the path holds a broken percent-escape (a % must start two hex digits)";
    if (s[1] == '0' && s[2] == '0')
      return "the path holds an encoded NUL (%00)";
    s += 2;
  }
  return NULL;
}

static bool
method_is(const char *route_method, const char *method)
{
  if (strcmp(route_method, method) == 0)
    return true;
  return strcmp(route_method, "GET") == 0 && strcmp(method, "HEAD") == 0;
}

/* Whether a route with all of `flags` matches method + path exactly. */
static bool
route_with(unsigned flags, const char *method, const char *path)
{
  const char *params[API_MAX_PATH_PARAMS];
  char scratch[1024];
  size_t n;

  for (size_t i = 0; i < NROUTES; i++)
    if ((routes[i].flags & flags) == flags && strcmp(routes[i].method, method) == 0 &&
        match(routes[i].pattern, path, scratch, sizeof(scratch), params, &n))
      return true;
  return false;
}

size_t
router_body_limit(const struct app *app, const char *method, const char *path)
{
  return route_with(ROUTE_IMPORT, method, path) ? app->cfg.max_import_body : app->cfg.max_body;
}

/* Who is asking: c->actor from the request's token, or anonymous where the
 * route and --public-read allow it. */
static enum rb_err
authenticate(struct api_ctx *c, const struct route *r)
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
static enum rb_err
permit(struct api_ctx *c, const struct route *r)
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

static enum rb_err
authorise(struct api_ctx *c, const struct route *r)
{
  const struct router_head *head = c->req->head;
  bool revoked = false;
  enum rb_err err;

  if (head == NULL || !head->authenticated || head->route != r) {
    err = authenticate(c, r);
    return err != RB_OK ? err : permit(c, r);
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

size_t
router_allow(const char *path, char *allow, size_t cap)
{
  const char *params[API_MAX_PATH_PARAMS];
  char scratch[512];
  size_t n, used = 0;

  allow[0] = '\0';
  for (size_t i = 0; i < NROUTES; i++) {
    if (!match(routes[i].pattern, path, scratch, sizeof(scratch), params, &n))
      continue;
    used += (size_t)snprintf(allow + used, cap - used, "%s%s", used ? ", " : "", routes[i].method);
    if (strcmp(routes[i].method, "GET") == 0)
      used += (size_t)snprintf(allow + used, cap - used, ", HEAD");
    if (used >= cap) {
      used = cap - 1;
      break;
    }
  }
  return used;
}

static void
allow_header(struct api_ctx *c, const char *path)
{
  char allow[128];

  router_allow(path, allow, sizeof(allow));
  rb_response_header(c->resp, "Allow", allow);
}

/* Replace whatever answer resp holds with the problem for err, keeping
 * only the headers that still make sense on an error. */
static void
answer_problem(struct api_ctx *c, enum rb_err err)
{
  struct rb_response *resp = c->resp;
  const char *route = resp->route;
  char actor[sizeof(resp->actor)];
  struct rb_header keep[RB_MAX_HEADERS];
  size_t nkeep = 0;

  memcpy(actor, resp->actor, sizeof(actor));
  for (size_t i = 0; i < resp->nheaders; i++) {
    if (strcmp(resp->headers[i].name, "Allow") == 0) {
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

bool
router_head(struct app *app, const struct rb_request *req, struct router_head *head,
            struct rb_response *resp)
{
  const struct route *r = NULL;
  const char *params[API_MAX_PATH_PARAMS];
  char scratch[1024];
  struct api_ctx c;
  enum rb_err err;
  size_t n;

  memset(head, 0, sizeof(*head));
  head->body_limit = app->cfg.max_body;
  for (size_t i = 0; i < NROUTES && r == NULL; i++)
    if ((routes[i].flags & ROUTE_WRITE) && strcmp(routes[i].method, req->method) == 0 &&
        match(routes[i].pattern, req->path, scratch, sizeof(scratch), params, &n))
      r = &routes[i];
  if (r == NULL)
    return true; /* not a write: no body is read, and dispatch answers */
  head->route = r;
  head->write = true;
  if (r->flags & ROUTE_IMPORT) /* the route's: a refused import is dropped up to it */
    head->body_limit = app->cfg.max_import_body;
  memset(&c, 0, sizeof(c));
  c.app = app;
  c.req = req;
  c.resp = resp;
  resp->route = r->pattern;
  err = authenticate(&c, r);
  if (c.st != NULL) {
    store_rollback(c.st);
    store_pool_release(app->pool, c.st);
    c.st = NULL;
  }
  if (err == RB_OK)
    err = permit(&c, r);
  if (c.actor.token_id != 0)
    auth_actor_label(&c.actor, resp->actor, sizeof(resp->actor));
  if (err != RB_OK) {
    answer_problem(&c, err);
    if (c.actor.touch && c.actor.token_id != 0) { /* a refused request is a use too */
      util_now(c.now);
      store_pool_touch_token(app->pool, c.actor.token_id, c.now, false);
    }
    json_decref(c.errors);
    return false;
  }
  head->authenticated = true;
  head->actor = c.actor;
  if (c.actor.role != AUTH_ADMIN) /* only an admin sends an import's size */
    head->body_limit = app->cfg.max_body;
  return true;
}

static void
write_committed(struct app *app)
{
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  metrics_write_committed(app->metrics, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* Leave the writer after a request's work: with a ticket (the batched
 * path), without committing; otherwise waiting for the group commit when
 * the work is kept. */
static enum rb_err
leave_writer(struct app *app, struct store *w, bool keep, struct router_ticket *ticket)
{
  uint64_t batch = 0;
  enum rb_err err;

  if (ticket == NULL)
    return store_pool_write_end(app->pool, w, keep, keep);
  err = store_pool_write_leave(app->pool, w, keep, &batch);
  if (err == RB_OK && keep) {
    ticket->batch = batch;
    ticket->pending = true;
  }
  return err;
}

/* A precheck's work, with what frees it. */
struct prepared {
  void *data;
  void (*free)(void *);
};

void
router_prepared_free(void *p)
{
  struct prepared *prep = p;

  if (prep == NULL)
    return;
  if (prep->free != NULL)
    prep->free(prep->data);
  free(prep);
}

bool
router_has_precheck(const char *method, const char *path)
{
  const char *params[API_MAX_PATH_PARAMS];
  char scratch[1024];
  size_t n;

  for (size_t i = 0; i < NROUTES; i++)
    if ((routes[i].flags & ROUTE_WRITE) && strcmp(routes[i].method, method) == 0 &&
        match(routes[i].pattern, path, scratch, sizeof(scratch), params, &n))
      return precheck_of(&routes[i]) != NULL;
  return false;
}

bool
router_precheck(struct app *app, const struct rb_request *req, struct rb_response *resp,
                void **prepared)
{
  struct api_ctx c;
  const struct route *r = NULL;
  char scratch[1024];
  struct prepared *prep;
  enum rb_err err;

  *prepared = NULL;
  memset(&c, 0, sizeof(c));
  for (size_t i = 0; i < NROUTES && r == NULL; i++)
    if (strcmp(routes[i].method, req->method) == 0 &&
        match(routes[i].pattern, req->path, scratch, sizeof(scratch), c.path, &c.npath))
      r = &routes[i];
  if (r == NULL || !(r->flags & ROUTE_WRITE))
    return true; /* the dispatch answers it */
  c.app = app;
  c.req = req;
  c.resp = resp;
  util_now(c.now);
  c.st = store_pool_reader(app->pool);
  err = store_begin(c.st, false);
  if (err == RB_OK) {
    err = authorise(&c, r);
    if (err == RB_OK && !(r->flags & ROUTE_QUERY) && req->nquery > 0) {
      static const char *const none[] = {NULL};

      err = api_query_allow(&c, none);
    }
    if (err == RB_OK && precheck_of(r) != NULL)
      err = precheck_of(r)(&c);
    store_rollback(c.st);
  }
  store_pool_release(app->pool, c.st);
  c.st = NULL;
  /* A refusal is answered now; trouble with the read connection (busy,
   * storage) is not the request's fault: the writer decides. */
  if (err != RB_OK && rb_err_status(err) < 500) {
    resp->route = r->pattern;
    if (c.actor.token_id != 0 || c.actor.name[0] != '\0')
      auth_actor_label(&c.actor, resp->actor, sizeof(resp->actor));
    answer_problem(&c, err);
    if (c.actor.touch && c.actor.token_id != 0)
      store_pool_touch_token(app->pool, c.actor.token_id, c.now, false);
  }
  json_decref(c.errors);
  if (err != RB_OK) {
    if (c.prepared_free != NULL)
      c.prepared_free(c.prepared);
    return rb_err_status(err) >= 500;
  }
  if (c.prepared == NULL)
    return true;
  prep = malloc(sizeof(*prep));
  if (prep == NULL) { /* the handler does the work itself */
    if (c.prepared_free != NULL)
      c.prepared_free(c.prepared);
    return true;
  }
  prep->data = c.prepared;
  prep->free = c.prepared_free;
  *prepared = prep;
  return true;
}

static void
dispatch(struct app *app, const struct rb_request *req, struct rb_response *resp,
         struct router_ticket *ticket)
{
  struct api_ctx c;
  const struct route *r = NULL;
  char scratch[1024];
  const char *fault;
  bool path_known = false, write = false;
  enum rb_err err;

  memset(&c, 0, sizeof(c));
  c.app = app;
  c.req = req;
  c.resp = resp;
  if (req->prepared != NULL) /* borrowed: http.c frees it with the request */
    c.prepared = ((struct prepared *)req->prepared)->data;
  util_now(c.now);
  fault = path_fault(req->path);
  if (fault != NULL) {
    err = api_fail(&c, RB_ERR_BAD_REQUEST, "%s", fault);
    goto problem;
  }
  for (size_t i = 0; i < NROUTES && r == NULL; i++) {
    size_t n;

    if (!match(routes[i].pattern, req->path, scratch, sizeof(scratch), c.path, &n))
      continue;
    path_known = true;
    if (method_is(routes[i].method, req->method)) {
      r = &routes[i];
      c.npath = n;
    }
  }
  if (r == NULL && path_known && strcmp(req->method, "OPTIONS") == 0) {
    allow_header(&c, req->path);
    resp->route = NULL;
    api_reply_empty(&c);
    return;
  }
  if (r == NULL) {
    if (path_known) {
      allow_header(&c, req->path);
      err = api_fail(&c, RB_ERR_METHOD, "%s is not allowed here", req->method);
    } else {
      err = api_fail(&c, RB_ERR_NOT_FOUND, "no such resource: %.200s", req->path);
    }
    goto problem;
  }
  resp->route = r->pattern;
  write = (r->flags & ROUTE_WRITE) != 0;
  if (write) {
    c.st = store_pool_write_begin(app->pool, &err);
    if (c.st == NULL) {
      err = api_store_fail(&c, err, "the request");
      goto problem;
    }
  } else if (!(r->flags & ROUTE_LAZY)) {
    c.st = store_pool_reader(app->pool);
  }
  err = authorise(&c, r);
  if (c.actor.token_id != 0 || c.actor.name[0] != '\0')
    auth_actor_label(&c.actor, resp->actor, sizeof(resp->actor));
  if (err != RB_OK)
    goto problem;
  /* A parameter the route does not take is a client's mistake (a typo in
   * a filter, say) that silently ignoring it would hide. */
  if (!(r->flags & ROUTE_QUERY) && req->nquery > 0) {
    static const char *const none[] = {NULL};

    err = api_query_allow(&c, none);
    goto problem;
  }
  if (!write && !(r->flags & (ROUTE_PUBLIC | ROUTE_LAZY))) {
    err = store_begin(c.st, false);
    if (err != RB_OK) {
      err = api_store_fail(&c, err, "the request");
      goto problem;
    }
  }
  err = r->handler(&c);
  if (err != RB_OK)
    goto problem;
  if (write) {
    /* Answer only once the change is durable (group commit). */
    struct store *w = c.st;

    c.st = NULL;
    err = leave_writer(app, w, true, ticket);
    if (err == RB_OK) {
      if (ticket == NULL)
        write_committed(app);
    } else {
      rb_response_clear(resp);
      resp->route = r->pattern;
      c.detail[0] = '\0';
      err = api_store_fail(&c, err, "the change");
      goto problem;
    }
  } else if (c.st != NULL && !(r->flags & ROUTE_PUBLIC)) {
    store_rollback(c.st); /* a read: nothing to commit */
  }
  goto done;
problem:
  if (write) /* a storage fault makes the server not ready until a write commits */
    store_pool_note_write(app->pool, err);
  if (c.st != NULL && write) {
    (void)leave_writer(app, c.st, false, ticket);
    c.st = NULL;
  } else if (c.st != NULL) {
    store_rollback(c.st);
  }
  answer_problem(&c, err);
done:
  if (c.st != NULL)
    store_pool_release(app->pool, c.st);
  /* Record the token's use (at most once a minute), outside the request's
   * own transaction so a failed request still counts as a use; never
   * waiting for a busy writer, which would make a read wait for writes. */
  if (c.actor.touch && c.actor.token_id != 0)
    store_pool_touch_token(app->pool, c.actor.token_id, c.now, ticket != NULL);
  json_decref(c.errors);
}

void
router_dispatch(struct app *app, const struct rb_request *req, struct rb_response *resp)
{
  dispatch(app, req, resp, NULL);
}

void
router_dispatch_batched(struct app *app, const struct rb_request *req, struct rb_response *resp,
                        struct router_ticket *ticket)
{
  memset(ticket, 0, sizeof(*ticket));
  dispatch(app, req, resp, ticket);
}

bool
router_commit(struct app *app, size_t requests, double work_seconds)
{
  double started = util_monotonic();
  bool pending = store_pool_commit(app->pool);

  metrics_write_batch(app->metrics, requests, work_seconds, util_monotonic() - started);
  return pending;
}

void
router_touch_waker(struct app *app, void (*waker)(void *), void *ctx)
{
  store_pool_set_touch_waker(app->pool, waker, ctx);
}

bool
router_record_touches(struct app *app)
{
  return store_pool_record_touches(app->pool);
}

void
router_finish_batched(struct app *app, const struct rb_request *req, struct rb_response *resp,
                      const struct router_ticket *ticket)
{
  struct api_ctx c;
  enum rb_err err;

  if (!ticket->pending)
    return; /* answered already: a failure, or nothing to make durable */
  err = store_pool_batch_result(app->pool, ticket->batch);
  if (err == RB_OK) {
    write_committed(app);
    return;
  }
  memset(&c, 0, sizeof(c));
  c.app = app;
  c.req = req;
  c.resp = resp;
  util_now(c.now);
  err = api_store_fail(&c, err, "the change");
  answer_problem(&c, err);
  json_decref(c.errors);
}
