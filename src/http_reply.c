/* Answers as libmicrohttpd responses: the headers every answer carries,
 * CORS for the dashboards on the allow-list, and the problem documents
 * answered before any handler. */
#include "http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "problem.h"

/* Whether origin (n bytes) is entry (len bytes) with any port: entry ends
 * in ":*" ("http://localhost:*"), and origin is what comes before it,
 * alone or followed by ':' and a port number (digits only, so that
 * "http://localhost.evil.example" never matches). */
static bool
any_port_matches(const char *entry, size_t len, const char *origin, size_t n)
{
  size_t host = len - 2;
  size_t digits;

  if (len < 3 || entry[len - 2] != ':' || entry[len - 1] != '*' || n < host ||
      strncmp(entry, origin, host) != 0)
    return false;
  if (n == host)
    return true;
  digits = n - host - 1;
  return origin[host] == ':' && digits >= 1 && digits <= 5 &&
         strspn(origin + host + 1, "0123456789") == digits;
}

/* The Origin when it is on the allow-list (exact match, "*", or an entry
 * "scheme://host:*" for any port of that host: local development
 * servers), else NULL. */
const char *
http_cors_origin(const struct app *app, const char *origin)
{
  const char *list = app->cfg.cors_origins;
  size_t n;

  if (origin == NULL || list == NULL || list[0] == '\0')
    return NULL;
  n = strlen(origin);
  while (*list != '\0') {
    size_t len;

    while (*list == ',' || *list == ' ')
      list++;
    len = strcspn(list, ", ");
    if ((len == n && strncmp(list, origin, n) == 0) || (len == 1 && list[0] == '*') ||
        any_port_matches(list, len, origin, n))
      return origin;
    list += len;
  }
  return NULL;
}

static void
add_cors(struct MHD_Response *r, const char *origin)
{
  MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
  MHD_add_response_header(r, "Vary", "Origin");
  MHD_add_response_header(r, "Access-Control-Expose-Headers",
                          "ETag, Location, X-Request-Id, X-Next-Cursor");
}

static bool
has_header(const struct rb_response *resp, const char *name)
{
  for (size_t i = 0; i < resp->nheaders; i++)
    if (strcasecmp(resp->headers[i].name, name) == 0)
      return true;
  return false;
}

enum MHD_Result
http_send_response(struct MHD_Connection *conn, struct rb_response *resp, const char *request_id,
                   const char *request_origin, struct http_server *srv)
{
  const struct app *app = srv->app;
  const char *origin = http_cors_origin(app, request_origin);
  struct MHD_Response *r;
  enum MHD_Result ret;

  if (resp->body_free != NULL) /* a shared buffer (a cached summary): no copy */
    r = MHD_create_response_from_buffer_with_free_callback_cls(resp->body_len, resp->body,
                                                               resp->body_free, resp->body_cls);
  else
    r = MHD_create_response_from_buffer(resp->body_len, resp->body, MHD_RESPMEM_MUST_FREE);
  if (r == NULL)
    return MHD_NO;
  /* libmicrohttpd owns the body now. */
  resp->body = NULL;
  resp->body_free = NULL;
  resp->body_cls = NULL;
  if (resp->content_type != NULL)
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
  for (size_t i = 0; i < resp->nheaders; i++)
    MHD_add_response_header(r, resp->headers[i].name, resp->headers[i].value);
  MHD_add_response_header(r, "X-Request-Id", request_id);
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  /* Answers are revalidated (ETag) unless the handler says otherwise: the
   * dashboard's hashed assets are cacheable for a year. */
  if (!has_header(resp, "Cache-Control"))
    MHD_add_response_header(r, "Cache-Control", "no-cache");
  /* Shutting down: a keep-alive client must not send its next request on
   * a connection about to be cut; it reconnects (and waits, or retries
   * elsewhere). */
  if (atomic_load(&srv->closing))
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
  if (origin != NULL)
    add_cors(r, origin);
  else if (app->cfg.cors_origins != NULL && app->cfg.cors_origins[0] != '\0')
    /* The answer would differ for an allowed Origin: a shared cache must
     * not hand this copy, without CORS headers, to a dashboard. */
    MHD_add_response_header(r, "Vary", "Origin");
  ret = MHD_queue_response(conn, resp->status, r);
  MHD_destroy_response(r);
  return ret;
}

/* A problem document answered here, before any handler: its type, title
 * and status from the one error table, and the request named in instance,
 * as every problem is. detail is ours (no client bytes, no quotes). */
void
http_canned_problem(struct rb_response *resp, enum rb_err err, const char *detail,
                    const char *request_id)
{
  resp->status = rb_err_status(err);
  resp->content_type = "application/problem+json";
  resp->body = problem_json(err, detail, NULL, request_id, &resp->body_len);
  if (resp->body == NULL)
    resp->body_len = 0;
}
