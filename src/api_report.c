/* GET /api/v1/reports/{quarter}: the quarter's board report as HTML,
 * Markdown, CSV or the report model in JSON (domain_report.h builds it,
 * render.h writes it). Like the summaries it is built once per data
 * version, kept in the response cache and served with an ETag. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accept.h"
#include "api_cache.h"
#include "api_ctx.h"
#include "api_input.h"
#include "api_reply.h"
#include "api_report.h"
#include "domain_report.h"
#include "render.h"

/* What one request asks for, parsed once. */
struct report_req {
  struct domain_report_ask ask;
  enum render_format format;
  char year[YEAR_LEN];
};

/* ?format= when given (it wins: a link names what it wants), else the
 * Accept header; 406 when that takes none of the formats. */
static enum rb_err
format_of(struct api_ctx *c, enum render_format *out)
{
  const char *name = api_query(c, "format");
  const char *offered[RENDER__FORMATS];
  int chosen;

  if (name != NULL && render_format_parse(name, out))
    return RB_OK;
  for (int f = 0; f < RENDER__FORMATS; f++)
    offered[f] = render_format_media((enum render_format)f);
  chosen = accept_choose(c->req->accept, offered, RENDER__FORMATS);
  if (chosen < 0) {
    rb_response_header(c->resp, "Vary", "Accept");
    return api_fail(c, RB_ERR_NOT_ACCEPTABLE,
                    "the report is available as text/html, text/markdown, text/csv or "
                    "application/json (or ask with ?format=html, md, csv or json); "
                    "Accept: %.200s takes none of them",
                    c->req->accept);
  }
  *out = (enum render_format)chosen;
  return RB_OK;
}

static enum rb_err
parse(struct api_ctx *c, struct report_req *r)
{
  static const char *const allowed[] = {"format", "group", "detail", NULL};
  const char *detail, *group;
  struct quarter q;
  enum rb_err err;

  if ((err = api_query_allow(c, allowed)) != RB_OK || (err = api_path_quarter(c, 0, &q)) != RB_OK)
    return err;
  r->ask.quarter = c->path[0];
  quarter_format_year(q.start_year, r->year);
  detail = api_query(c, "detail");
  r->ask.detail = detail == NULL || strcmp(detail, "true") == 0;
  if (detail != NULL && strcmp(detail, "true") != 0 && strcmp(detail, "false") != 0)
    api_field_error(c, "detail", "must be true or false");
  group = api_query(c, "group");
  if (group != NULL && (group[0] == '\0' || strlen(group) > 64))
    api_field_error(c, "group", "must be a group's code (1 to 64 characters)");
  r->ask.group = group;
  if (api_query(c, "format") != NULL && !render_format_parse(api_query(c, "format"), &r->format))
    api_field_error(c, "format", "must be html, md, csv or json");
  if (json_array_size(c->errors) > 0) {
    api_check_errors(c);
    return RB_ERR_BAD_REQUEST;
  }
  return format_of(c, &r->format);
}

/* What refuses the request whatever the cache holds: a plan year with
 * nothing to report, a group that does not exist (404). */
static enum rb_err
check(struct api_ctx *c, const void *arg)
{
  const struct report_req *r = arg;
  bool exists = false;
  int64_t gid;
  enum rb_err err = store_report_exists(c->st, r->year, &exists);

  if (err != RB_OK)
    return api_store_fail(c, err, "report");
  if (!exists)
    return api_fail(c, RB_ERR_NOT_FOUND,
                    "there is nothing to report for %s: plan year %s has no priorities, "
                    "milestones or KPIs",
                    r->ask.quarter, r->year);
  if (r->ask.group == NULL)
    return RB_OK;
  err = store_group_id(c->st, r->ask.group, &gid);
  if (err == RB_ERR_NOT_FOUND)
    return api_fail(c, err, "no transformation group with code %.64s", r->ask.group);
  if (err != RB_OK)
    return api_store_fail(c, err, "report");
  return RB_OK;
}

static enum rb_err
build(struct api_ctx *c, const void *arg)
{
  const struct report_req *r = arg;
  struct domain_report_ask ask = r->ask;
  char now[UTIL_TIME_LEN], why[512];
  json_t *model = NULL;
  char *text = NULL;
  size_t len = 0;
  enum rb_err err;

  util_now(now); /* the report says when it was built */
  ask.built_at = now;
  err = domain_report_model(c->st, &ask, &model, why, sizeof(why));
  if (err == RB_ERR_NOT_FOUND)
    return api_fail(c, err, "%s", why);
  if (err == RB_ERR_INVALID) /* the store's data is not a report's input: ours to fix */
    return api_fail(c, RB_ERR_INTERNAL, "the report could not be built: %s", why);
  if (err != RB_OK)
    return api_store_fail(c, err, "report");
  err = render_as(model, r->format, &text, &len, NULL);
  json_decref(model);
  if (err != RB_OK)
    return err;
  rb_response_drop_body(c->resp);
  c->resp->body = text;
  c->resp->body_len = len;
  c->resp->status = 200;
  return RB_OK;
}

/* The ETag api_cached set, made weak: two builds of the same data differ
 * in the time they state, so they are equivalent, not byte-identical. */
static void
weaken_etag(struct rb_response *resp)
{
  for (size_t i = 0; i < resp->nheaders; i++) {
    char *weak;

    if (strcmp(resp->headers[i].name, "ETag") != 0 || strncmp(resp->headers[i].value, "W/", 2) == 0)
      continue;
    weak = util_asprintf("W/%s", resp->headers[i].value);
    if (weak != NULL) {
      free(resp->headers[i].value);
      resp->headers[i].value = weak;
    }
  }
}

/* The headers of the answer, built now or served from the cache alike:
 * its type, the HTML's Content-Security-Policy (read back from the page,
 * which states it in its <meta>), a file name. */
static enum rb_err
decorate(struct api_ctx *c, const struct report_req *r)
{
  char name[160], disposition[200], csp[RENDER_CSP_LEN];
  struct rb_response *resp = c->resp;

  weaken_etag(resp);
  if (api_query(c, "format") == NULL)
    rb_response_header(resp, "Vary", "Accept");
  if (resp->status != 200)
    return RB_OK;
  resp->content_type = render_format_content_type(r->format);
  if (r->format == RENDER_HTML) {
    if (!render_html_csp_of(resp->body, resp->body_len, csp))
      return api_fail(c, RB_ERR_INTERNAL, "the report's page states no Content-Security-Policy");
    rb_response_header(resp, "Content-Security-Policy", csp);
  }
  if (r->format == RENDER_CSV || r->format == RENDER_MD) {
    render_file_name(name, sizeof(name), r->ask.quarter, r->ask.group, r->format);
    snprintf(disposition, sizeof(disposition), "%s; filename=\"%s\"",
             r->format == RENDER_CSV ? "attachment" : "inline", name);
    rb_response_header(resp, "Content-Disposition", disposition);
  }
  return RB_OK;
}

enum rb_err
api_report(struct api_ctx *c)
{
  struct report_req r = {.ask = {.title = c->app->cfg.report_title,
                                 .delivery_team = c->app->cfg.report_delivery_team,
                                 .place_board = c->app->cfg.report_place_board}};
  char key[160], prev_year[YEAR_LEN];
  struct api_cached spec = {'r', 0, r.year, prev_year, "report", check, build, &r};
  enum rb_err err;
  int start;

  if ((err = parse(c, &r)) != RB_OK)
    return err;
  /* A report shows its plan year's updates and readings and, for the
   * comparisons, the year before's: cached under both, with the reference
   * data's version. One ETag per representation (the variant): the same
   * URL negotiates four. */
  spec.variant = (int)r.format;
  quarter_parse_year(r.year, &start);
  quarter_format_year(start - 1, prev_year);
  if (snprintf(key, sizeof(key), "%d|%s|%s|%d", (int)r.format, r.ask.quarter,
               r.ask.group != NULL ? r.ask.group : "", (int)r.ask.detail) >= (int)sizeof(key))
    err = api_cached(c, NULL, &spec);
  else
    err = api_cached(c, key, &spec);
  if (err != RB_OK)
    return err;
  return decorate(c, &r);
}
