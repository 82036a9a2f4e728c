#include <stdlib.h>
#include <string.h>

#include "api_ctx.h"
#include "api_health.h"
#include "api_reply.h"
#include "cache.h"
#include "metrics.h"

enum rb_err
api_healthz(struct api_ctx *c)
{
  return api_reply(c, 200, json_pack("{s:s}", "status", "ok"));
}

enum rb_err
api_readyz(struct api_ctx *c)
{
  const char *why = NULL;
  enum rb_err err = store_ready(c->st, &why);
  char audit_why[384];
  char at[UTIL_TIME_LEN];

  if (err != RB_OK)
    return api_fail(c, RB_ERR_SCHEMA, "not ready: %s", why != NULL ? why : "database unavailable");
  /* An unprotected audit trail is not a ready one. */
  if (app_audit_ready(c->app, c->st, audit_why, sizeof(audit_why)) != RB_OK)
    return api_fail(c, RB_ERR_SCHEMA, "not ready: %s", audit_why);
  /* The database answers, but writes are failing: a balancer should send
   * the traffic elsewhere until one succeeds again. */
  err = api_write_fault(c, at);
  if (err != RB_OK)
    return api_fail(c, RB_ERR_NOT_READY,
                    "not ready: writes are failing since %s: %s (%s); ready again once a write "
                    "succeeds",
                    at, rb_err_title(err), rb_err_type(err));
  return api_reply(c, 200, json_pack("{s:s}", "status", "ready"));
}

/* openapi/openapi.yaml, compiled in (tools/embed_file.py). */
extern const char openapi_yaml[];
extern const size_t openapi_yaml_len;

enum rb_err
api_openapi(struct api_ctx *c)
{
  char *text = malloc(openapi_yaml_len + 1);

  if (text == NULL)
    return RB_ERR_NOMEM;
  memcpy(text, openapi_yaml, openapi_yaml_len + 1);
  rb_response_drop_body(c->resp);
  c->resp->body = text;
  c->resp->body_len = openapi_yaml_len;
  c->resp->status = 200;
  c->resp->content_type = "application/yaml";
  return RB_OK;
}

enum rb_err
api_metrics(struct api_ctx *c)
{
  struct metrics_gauges g = {.db_bytes = -1};
  char *text;

  if (store_db_size(c->st, &g.db_bytes) != RB_OK)
    g.db_bytes = -1;
  cache_usage(c->app->responses, &g.cache_entries, &g.cache_bytes);
  text = metrics_render(c->app->metrics, &g);
  if (text == NULL)
    return RB_ERR_NOMEM;
  rb_response_drop_body(c->resp);
  c->resp->body = text;
  c->resp->body_len = strlen(text);
  c->resp->status = 200;
  c->resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
  return RB_OK;
}
