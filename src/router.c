#include "router.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "router_int.h"
#include "store.h"
#include "api_audit.h"
#include "api_figures.h"
#include "api_health.h"
#include "api_import.h"
#include "api_items.h"
#include "api_partner.h"
#include "api_quarter.h"
#include "api_report.h"
#include "api_series.h"
#include "api_summary.h"
#include "api_token.h"
#include "api_web.h"
#include "writer.h"

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
  {"GET", "/api/v1/milestones/{id}/updates/{quarter}", api_update_get, 0},
  {"PUT", "/api/v1/milestones/{id}/updates/{quarter}", api_update_put, ROUTE_WRITE | ROUTE_SUBMIT},
  {"DELETE", "/api/v1/milestones/{id}/updates/{quarter}", api_update_delete,
   ROUTE_WRITE | ROUTE_SUBMIT},
  {"GET", "/api/v1/kpis/{id}/readings", api_reading_list, 0},
  {"GET", "/api/v1/kpis/{id}/readings/{quarter}", api_reading_get, 0},
  {"PUT", "/api/v1/kpis/{id}/readings/{quarter}", api_reading_put, ROUTE_WRITE | ROUTE_SUBMIT},
  {"DELETE", "/api/v1/kpis/{id}/readings/{quarter}", api_reading_delete,
   ROUTE_WRITE | ROUTE_SUBMIT},
  {"GET", "/api/v1/kpis/{id}/months", api_month_list, 0},
  {"GET", "/api/v1/kpis/{id}/months/{month}", api_month_get, 0},
  {"PUT", "/api/v1/kpis/{id}/months/{month}", api_month_put, ROUTE_WRITE | ROUTE_SUBMIT},
  {"DELETE", "/api/v1/kpis/{id}/months/{month}", api_month_delete, ROUTE_WRITE | ROUTE_SUBMIT},
  {"GET", "/api/v1/kpis/{id}/series", api_kpi_series, ROUTE_LAZY | ROUTE_QUERY},
  {"GET", "/api/v1/kpis/{id}/spc", api_kpi_spc, ROUTE_LAZY | ROUTE_QUERY},
  {"GET", "/api/v1/kpis/{id}/chart.svg", api_kpi_chart, ROUTE_LAZY | ROUTE_QUERY},

  {"GET", "/api/v1/summary", api_summary, ROUTE_LAZY | ROUTE_QUERY},
  {"GET", "/api/v1/groups/{code}/summary", api_group_summary, ROUTE_LAZY | ROUTE_QUERY},
  {"GET", "/api/v1/exceptions", api_exceptions, ROUTE_LAZY | ROUTE_QUERY},
  {"GET", "/api/v1/reports/{quarter}", api_report, ROUTE_LAZY | ROUTE_QUERY},

  {"GET", "/api/v1/quarters", api_quarter_list, ROUTE_LAZY},
  {"GET", "/api/v1/quarters/{quarter}", api_quarter_get, 0},
  {"PUT", "/api/v1/quarters/{quarter}", api_quarter_put, ROUTE_WRITE | ROUTE_ADMIN},

  {"POST", "/api/v1/quarters/{quarter}/submissions", api_submission,
   ROUTE_WRITE | ROUTE_SUBMIT | ROUTE_UPLOAD},
  {"GET", "/api/v1/quarters/{quarter}/completeness", api_completeness, ROUTE_LAZY | ROUTE_QUERY},
  {"GET", "/api/v1/quarters/{quarter}/template", api_template, ROUTE_QUERY},
  {"POST", "/api/v1/owners", api_owners, ROUTE_WRITE | ROUTE_ADMIN},
  {"GET", "/api/v1/me", api_me, ROUTE_TOKEN},

  {"POST", "/api/v1/import", api_import, ROUTE_WRITE | ROUTE_ADMIN | ROUTE_IMPORT},

  {"GET", "/api/v1/tokens", api_token_list, ROUTE_ADMIN | ROUTE_QUERY},
  {"POST", "/api/v1/tokens", api_token_create, ROUTE_WRITE | ROUTE_ADMIN},
  {"GET", "/api/v1/tokens/{id}", api_token_get, ROUTE_ADMIN},
  {"DELETE", "/api/v1/tokens/{id}", api_token_revoke, ROUTE_WRITE | ROUTE_ADMIN},

  {"GET", "/api/v1/audit", api_audit_list, ROUTE_TOKEN | ROUTE_QUERY},
  {"GET", "/api/v1/audit/verify", api_audit_verify, ROUTE_ADMIN | ROUTE_QUERY},

  /* The dashboard (web/): pages whose query is their script's, assets by hash. */
  {"GET", "/", api_web_page, ROUTE_PUBLIC | ROUTE_LAZY | ROUTE_QUERY},
  {"GET", "/returns", api_web_page, ROUTE_PUBLIC | ROUTE_LAZY | ROUTE_QUERY},
  {"GET", "/assets/{file}", api_web_asset, ROUTE_PUBLIC | ROUTE_LAZY},
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
  err = r->handler(&c);
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
  json_decref(c.notes);
}

void
router_dispatch(struct app *app, const struct rb_request *req, struct rb_response *resp)
{
  struct router_match m;

  router_match(req->method, req->path, &m);
  router_serve(app, &m, req, resp);
}
