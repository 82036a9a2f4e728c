#include "router.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "router_int.h"
#include "store.h"
#include "summary.h"
#include "writer.h"

/* Read routes need any valid token, or none with --public-read. Writes need
 * an admin, or a submitter where ROUTE_SUBMIT says the handler decides. */
static const struct route routes[] = {
  {"GET", "/healthz", api_healthz, ROUTE_PUBLIC},
  {"GET", "/readyz", api_readyz, ROUTE_PUBLIC},
  {"GET", "/metrics", api_metrics, ROUTE_PUBLIC},
  {"GET", "/openapi.yaml", api_openapi, ROUTE_PUBLIC},

  {"GET", "/api/v1/organisations", api_org_list, ROUTE_LAZY | ROUTE_CACHE | ROUTE_QUERY},
  {"POST", "/api/v1/organisations", api_org_create, ROUTE_WRITE | ROUTE_ADMIN},
  {"GET", "/api/v1/organisations/{code}", api_org_get, 0},
  {"PATCH", "/api/v1/organisations/{code}", api_org_patch, ROUTE_WRITE | ROUTE_ADMIN},
  {"DELETE", "/api/v1/organisations/{code}", api_org_delete, ROUTE_WRITE | ROUTE_ADMIN},

  {"GET", "/api/v1/groups", api_group_list, ROUTE_LAZY | ROUTE_CACHE | ROUTE_QUERY},
  {"POST", "/api/v1/groups", api_group_create, ROUTE_WRITE | ROUTE_ADMIN},
  {"GET", "/api/v1/groups/{code}", api_group_get, 0},
  {"PATCH", "/api/v1/groups/{code}", api_group_patch, ROUTE_WRITE | ROUTE_ADMIN},
  {"DELETE", "/api/v1/groups/{code}", api_group_delete, ROUTE_WRITE | ROUTE_ADMIN},

  {"GET", "/api/v1/priorities", api_priority_list, ROUTE_LAZY | ROUTE_CACHE | ROUTE_QUERY},
  {"POST", "/api/v1/priorities", api_priority_create, ROUTE_WRITE | ROUTE_ADMIN},
  {"GET", "/api/v1/priorities/{id}", api_priority_get, 0},
  {"PATCH", "/api/v1/priorities/{id}", api_priority_patch, ROUTE_WRITE | ROUTE_ADMIN},
  {"DELETE", "/api/v1/priorities/{id}", api_priority_delete, ROUTE_WRITE | ROUTE_ADMIN},

  {"GET", "/api/v1/milestones", api_milestone_list, ROUTE_LAZY | ROUTE_CACHE | ROUTE_QUERY},
  {"POST", "/api/v1/milestones", api_milestone_create, ROUTE_WRITE | ROUTE_ADMIN},
  {"GET", "/api/v1/milestones/{id}", api_milestone_get, 0},
  {"PATCH", "/api/v1/milestones/{id}", api_milestone_patch, ROUTE_WRITE | ROUTE_ADMIN},
  {"DELETE", "/api/v1/milestones/{id}", api_milestone_delete, ROUTE_WRITE | ROUTE_ADMIN},

  {"GET", "/api/v1/kpis", api_kpi_list, ROUTE_LAZY | ROUTE_CACHE | ROUTE_QUERY},
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

  {"GET", "/api/v1/quarters", api_quarter_list, ROUTE_LAZY | ROUTE_CACHE},
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

#define NROUTES ARRAY_LEN(routes)

/* Write handlers with a precheck: what the request can be refused for,
 * checked with a read connection (router_write.c, on the writer's checker
 * thread) before the request is queued for the writer; it may leave
 * c->prepared for the handler. */
static const struct {
  api_handler handler, precheck;
} prechecks[] = {
  {api_submission, api_submission_precheck},
};

static api_handler
precheck_of(const struct route *r)
{
  for (size_t i = 0; i < ARRAY_LEN(prechecks); i++)
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

void
router_match(const char *method, const char *path, struct router_match *m)
{
  router_match_in(routes, NROUTES, method, path, m);
  m->precheck = m->route != NULL ? precheck_of(m->route) : NULL;
}

static void
allow_header(struct api_ctx *c, const struct router_match *m)
{
  char allow[128];

  router_allow(m, allow, sizeof(allow));
  rb_response_header(c->resp, "Allow", allow);
}

/* Append s to the cache key with the key's own separators (& = ? %) and
 * control characters percent-encoded, so that no decoded query value can
 * pass for another query (?group=CYP%26limit%3D5 is not ?group=CYP&limit=5).
 * Returns the new length, cap or more when the key did not fit. */
static size_t
key_append(char *key, size_t cap, size_t used, const char *s)
{
  static const char hex[] = "0123456789ABCDEF";

  for (; *s != '\0' && used < cap; s++) {
    unsigned char ch = (unsigned char)*s;

    if (ch < 0x20 || strchr("%&=?", ch) != NULL) {
      if (used + 3 >= cap)
        return cap;
      key[used++] = '%';
      key[used++] = hex[ch >> 4];
      key[used++] = hex[ch & 15];
    } else {
      key[used++] = (char)ch;
    }
  }
  if (used < cap)
    key[used] = '\0';
  return used;
}

/* Lists whose answer depends only on the URL and the data are kept in the
 * response cache per data version, like summaries: a repeated list between
 * writes costs a lookup, not a query and a JSON build. */
static enum rb_err
cached_list(struct api_ctx *c, const struct route *r)
{
  double now;
  char key[512], etag[48];
  size_t used;
  int64_t version, dbv;
  struct summary_blob *blob;
  bool claimed = false;
  enum rb_err err;

  now = util_monotonic();
  used = key_append(key, sizeof(key), 0, "L|");
  used = key_append(key, sizeof(key), used, c->req->path);
  for (size_t i = 0; i < c->req->nquery && used < sizeof(key); i++) {
    if (used + 1 >= sizeof(key)) {
      used = sizeof(key);
      break;
    }
    key[used++] = i ? '&' : '?';
    used = key_append(key, sizeof(key), used, c->req->query[i].key);
    if (c->req->query[i].value != NULL) {
      if (used + 1 >= sizeof(key)) { /* no room for the value: not cacheable */
        used = sizeof(key);
        break;
      }
      key[used++] = '=';
      used = key_append(key, sizeof(key), used, c->req->query[i].value);
    }
  }
  if (used >= sizeof(key)) {
    /* too long to be worth caching: answered from the database each time */
    if (api_store(c) == NULL)
      return api_store_fail(c, RB_ERR_BUSY, "the list");
    return r->handler(c);
  }
  /* Lists show reference data only: updates and readings do not move them. */
  version = store_pool_reference_version(c->app->pool);
  blob = summary_cache_get(c->app->summaries, key, version, now, 1.0);
  if (blob == NULL) {
    if (api_store(c) == NULL)
      return api_store_fail(c, RB_ERR_BUSY, "the list");
    err = store_reference_version(c->st, &dbv);
    if (err != RB_OK)
      return api_store_fail(c, err, "the list");
    if (dbv != version)
      store_pool_saw_reference_version(c->app->pool, dbv);
    version = dbv;
    blob = summary_cache_claim(c->app->summaries, key, version, &claimed);
    if (blob != NULL)
      summary_cache_confirm(c->app->summaries, key, version, now);
  }
  snprintf(etag, sizeof(etag), "\"l%lld\"", (long long)version);
  if (blob != NULL) {
    rb_response_header(c->resp, "ETag", etag);
    if (api_etag_matches(c->req->if_none_match, etag)) {
      summary_blob_release(blob);
      return api_reply_not_modified(c);
    }
    return api_reply_blob(c, blob);
  }
  err = r->handler(c);
  if (err == RB_OK && c->resp->status == 200 && c->resp->body_free == NULL) {
    summary_cache_put(c->app->summaries, key, version, c->resp->body, c->resp->body_len, now);
    rb_response_header(c->resp, "ETag", etag);
    /* The ETag is the data version: a client holding it has this list,
     * even when it had dropped out of the cache meanwhile. */
    if (api_etag_matches(c->req->if_none_match, etag))
      return api_reply_not_modified(c);
  } else if (claimed) {
    summary_cache_abandon(c->app->summaries, key, version);
  }
  return err;
}

void
router_serve(struct app *app, const struct router_match *m, const struct rb_request *req,
             struct rb_response *resp)
{
  const struct route *r = m->route;
  struct api_ctx c;
  enum rb_err err;

  if (r != NULL && (r->flags & ROUTE_WRITE)) {
    struct router_write w = {
      .app = app, .match = m, .req = req, .head = NULL, .resp = resp, .answered = NULL};

    router_submit_wait(&w);
    router_write_clear(&w);
    return;
  }
  router_ctx(&c, app, m, req, resp);
  if (m->fault != NULL) {
    err = api_fail(&c, RB_ERR_BAD_REQUEST, "%s", m->fault);
    goto problem;
  }
  if (r == NULL && m->path_known && strcmp(req->method, "OPTIONS") == 0) {
    allow_header(&c, m);
    resp->route = NULL;
    api_reply_empty(&c);
    return;
  }
  if (r == NULL) {
    if (m->path_known) {
      allow_header(&c, m);
      err = api_fail(&c, RB_ERR_METHOD, "%s is not allowed here", req->method);
    } else {
      err = api_fail(&c, RB_ERR_NOT_FOUND, "no such resource: %.200s", req->path);
    }
    goto problem;
  }
  resp->route = r->pattern;
  if (!(r->flags & ROUTE_LAZY))
    c.st = store_pool_reader(app->pool);
  err = router_authorise(&c, r, NULL);
  if (c.actor.token_id != 0 || c.actor.name[0] != '\0')
    auth_actor_label(&c.actor, resp->actor, sizeof(resp->actor));
  if (err == RB_OK)
    err = router_check_query(&c, r);
  if (err != RB_OK)
    goto problem;
  if (!(r->flags & (ROUTE_PUBLIC | ROUTE_LAZY))) {
    err = store_begin(c.st, false);
    if (err != RB_OK) {
      err = api_store_fail(&c, err, "the request");
      goto problem;
    }
  }
  err = (r->flags & ROUTE_CACHE) ? cached_list(&c, r) : r->handler(&c);
  if (err != RB_OK)
    goto problem;
  if (c.st != NULL && !(r->flags & ROUTE_PUBLIC))
    store_rollback(c.st); /* a read: nothing to commit */
  goto done;
problem:
  if (c.st != NULL)
    store_rollback(c.st);
  router_answer_problem(&c, err);
done:
  if (c.st != NULL)
    store_pool_release(app->pool, c.st);
  router_touch(&c, false);
  json_decref(c.errors);
}

void
router_dispatch(struct app *app, const struct rb_request *req, struct rb_response *resp)
{
  struct router_match m;

  router_match(req->method, req->path, &m);
  router_serve(app, &m, req, resp);
}
