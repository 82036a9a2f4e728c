#include "api.h"

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

  if (err != RB_OK)
    return api_fail(c, RB_ERR_SCHEMA, "not ready: %s", why != NULL ? why : "database unavailable");
  return api_reply(c, 200, json_pack("{s:s}", "status", "ready"));
}
