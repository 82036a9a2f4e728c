/* The dashboard's pages and assets, from the table tools/embed_file.py
 * compiled in (web_files.h). A page is revalidated on every load (its
 * ETag makes that a 304), so a new server version's page, naming new
 * asset hashes, is seen at once; an asset's URL names its content, so it
 * is cached for a year and never revalidated. */
#include <stdio.h>
#include <string.h>

#include "api_ctx.h"
#include "api_input.h"
#include "api_reply.h"
#include "api_web.h"
#include "web_files.h"

/* No inline script or style, nothing from another origin. img-src allows
 * blob: for the KPI chart fetched with the viewer's Authorization header
 * (an <img src> cannot send it) and data: for nothing but Chromium's
 * fallback favicon; form-action 'self' because the token and upload
 * forms are forms (handled by script, never submitted elsewhere). */
#define WEB_CSP                                                                           \
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " \
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

const struct web_file *
web_file_at(const char *path)
{
  for (size_t i = 0; i < web_files_count; i++)
    if (strcmp(web_files[i].path, path) == 0)
      return &web_files[i];
  return NULL;
}

/* The embedded bytes are served in place: nothing to free. */
static void
keep_static(void *cls)
{
  (void)cls;
}

static enum rb_err
serve(struct api_ctx *c, const struct web_file *f)
{
  struct rb_response *resp = c->resp;

  rb_response_header(resp, "ETag", f->etag);
  rb_response_header(resp, "Cache-Control",
                     f->immutable ? "public, max-age=31536000, immutable" : "no-cache");
  rb_response_header(resp, "Referrer-Policy", "no-referrer");
  if (!f->immutable) {
    rb_response_header(resp, "Content-Security-Policy", WEB_CSP);
    rb_response_header(resp, "X-Frame-Options", "DENY");
  }
  if (api_etag_matches(c->req->if_none_match, f->etag)) {
    rb_response_drop_body(resp);
    resp->status = 304;
    return RB_OK;
  }
  rb_response_drop_body(resp);
  resp->body = (char *)f->data; /* served in place, never written */
  resp->body_len = f->len;
  resp->body_free = keep_static;
  resp->body_cls = NULL;
  resp->content_type = f->content_type;
  resp->status = 200;
  return RB_OK;
}

static enum rb_err
dashboard_off(struct api_ctx *c)
{
  return api_fail(c, RB_ERR_NOT_FOUND,
                  "no such resource: %.200s (the dashboard is turned off: --no-dashboard)",
                  c->req->path);
}

enum rb_err
api_web_page(struct api_ctx *c)
{
  /* The pages' state, which their scripts read; the server serves the same
   * page whatever they hold, but like every route refuses a parameter it
   * does not know (a mistyped link should say so, not show the default). */
  static const char *const dashboard[] = {"quarter", "group", "kpi", "poll", NULL};
  static const char *const returns[] = {"quarter", NULL};
  const struct web_file *f;
  enum rb_err err;

  if (c->app->cfg.no_dashboard)
    return dashboard_off(c);
  err = api_query_allow(c, strcmp(c->resp->route, "/") == 0 ? dashboard : returns);
  if (err != RB_OK)
    return err;
  f = web_file_at(c->resp->route);
  if (f == NULL)
    return api_fail(c, RB_ERR_NOT_FOUND, "no such resource: %.200s", c->req->path);
  return serve(c, f);
}

enum rb_err
api_web_asset(struct api_ctx *c)
{
  char path[256];
  const struct web_file *f = NULL;

  if (c->app->cfg.no_dashboard)
    return dashboard_off(c);
  if ((size_t)snprintf(path, sizeof(path), "/assets/%s", c->path[0]) < sizeof(path))
    f = web_file_at(path);
  if (f == NULL || !f->immutable)
    return api_fail(c, RB_ERR_NOT_FOUND,
                    "no such resource: %.200s (asset names carry their content's hash; "
                    "reload the page for the current ones)",
                    c->req->path);
  return serve(c, f);
}
