/* A request's head, judged before any body is read: framing (RFC 9112),
 * the target, the query, and the router's verdict. */
#include "http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static enum MHD_Result
collect_query(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
              const char *value, size_t value_size)
{
  struct query_vec *q = cls;

  (void)kind;
  /* A decoded NUL would cut the key or value short (?group=CYP%00junk
   * filtering on CYP): refused, never truncated. */
  if (strlen(key) != key_size || (value != NULL && strlen(value) != value_size)) {
    q->nul = true;
    return MHD_NO;
  }
  if (q->n >= MAX_QUERY_PARAMS) {
    q->overflow = true;
    return MHD_NO;
  }
  q->items[q->n].key = key;
  q->items[q->n].value = value;
  q->n++;
  return MHD_YES;
}

static void
first(const char **slot, const char *value)
{
  if (*slot == NULL)
    *slot = value;
}

/* One header line: what the request needs of it. Names are compared only
 * with the names of their length. */
static enum MHD_Result
note_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size, const char *value,
            size_t value_size)
{
  struct head_values *h = cls;

  (void)kind;
  h->bytes += key_size + value_size + 4;
  switch (key_size) {
  case 4:
    if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0) {
      h->n_host++;
      first(&h->host, value);
      h->last_host = value;
    }
    break;
  case 6:
    if (strcasecmp(key, MHD_HTTP_HEADER_ORIGIN) == 0)
      first(&h->origin, value);
    else if (strcasecmp(key, MHD_HTTP_HEADER_EXPECT) == 0)
      first(&h->expect, value);
    break;
  case 8:
    if (strcasecmp(key, MHD_HTTP_HEADER_IF_MATCH) == 0)
      first(&h->if_match, value);
    break;
  case 12:
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_TYPE) == 0)
      first(&h->content_type, value);
    break;
  case 13:
    if (strcasecmp(key, MHD_HTTP_HEADER_AUTHORIZATION) == 0)
      first(&h->authorization, value);
    else if (strcasecmp(key, MHD_HTTP_HEADER_IF_NONE_MATCH) == 0)
      first(&h->if_none_match, value);
    break;
  case 14:
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
      h->n_content_length++;
      first(&h->content_length, value);
    }
    break;
  case 17:
    if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
      h->n_transfer_encoding++;
      first(&h->transfer_encoding, value);
      h->last_te = value;
    }
    break;
  case 29:
    if (strcasecmp(key, MHD_HTTP_HEADER_ACCESS_CONTROL_REQUEST_METHOD) == 0)
      first(&h->acr_method, value);
    break;
  default:
    break;
  }
  return MHD_YES;
}

/* Whether a Transfer-Encoding value is exactly "chunked" (any case, with
 * optional whitespace): the only coding this server reads. */
static bool
te_is_chunked(const char *te)
{
  size_t n;

  while (*te == ' ' || *te == '\t')
    te++;
  if (strncasecmp(te, "chunked", 7) != 0)
    return false;
  for (n = 7; te[n] == ' ' || te[n] == '\t'; n++)
    ;
  return te[n] == '\0';
}

/* A Host value is a host (name, IPv4 or [IPv6]) and an optional port. */
static bool
host_valid(const char *v)
{
  static const char punct[] = "-._~!$&'()*+,;=:[]%";

  for (; *v != '\0'; v++) {
    unsigned char ch = (unsigned char)*v;

    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
          memchr(punct, ch, sizeof(punct) - 1) != NULL))
      return false;
  }
  return true;
}

/* Framing this server refuses rather than guesses at (RFC 9112): the error
 * for it, with detail set, or RB_OK. Each is answered with the connection
 * closed, since what follows on it cannot be trusted to be a request. */
static enum rb_err
framing_fault(const struct app *app, const char *method, const char *version,
              const struct conn_state *cs, const char **detail)
{
  const struct head_values *h = &cs->hv;
  bool http11 = strncmp(version, "HTTP/1.", 7) == 0 && version[7] != '0';
  size_t line = strlen(method) + strlen(cs->target) + strlen(version) + 4;

  if (line > app->cfg.max_header_bytes) {
    *detail = "the request line is longer than the server accepts";
    return RB_ERR_URI_TOO_LONG;
  }
  if (line + h->bytes > app->cfg.max_header_bytes) {
    *detail = "the request line and headers are larger than the server accepts";
    return RB_ERR_HEADERS_TOO_LARGE;
  }
  for (const char *p = cs->target; *p != '\0'; p++) {
    if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
      *detail = "the request target holds a space or a control character";
      return RB_ERR_BAD_REQUEST;
    }
  }
  /* Two lengths, or a length and chunks, let a front end and this server
   * disagree on where the body ends: the rest would run as a second,
   * smuggled request. */
  if (h->n_content_length > 1) {
    *detail = "more than one Content-Length header";
    return RB_ERR_BAD_REQUEST;
  }
  if (h->n_transfer_encoding > 0 && h->n_content_length > 0) {
    *detail = "both Content-Length and Transfer-Encoding (RFC 9112, section 6.3)";
    return RB_ERR_BAD_REQUEST;
  }
  if (h->n_transfer_encoding > 1 || (h->n_transfer_encoding == 1 && !te_is_chunked(h->last_te))) {
    *detail = "a Transfer-Encoding other than chunked";
    return RB_ERR_BAD_REQUEST;
  }
  if (h->n_transfer_encoding > 0 && !http11) {
    *detail = "Transfer-Encoding in an HTTP/1.0 request";
    return RB_ERR_BAD_REQUEST;
  }
  if (h->n_host > 1) {
    *detail = "more than one Host header";
    return RB_ERR_BAD_REQUEST;
  }
  if (h->n_host == 0 && http11) {
    *detail = "an HTTP/1.1 request needs a Host header";
    return RB_ERR_BAD_REQUEST;
  }
  if (h->n_host == 1 && !host_valid(h->last_host)) {
    *detail = "the Host header is not a host and port";
    return RB_ERR_BAD_REQUEST;
  }
  return RB_OK;
}

/* Whether the client waits for "100 Continue" before it sends its body. */
static bool
asks_first(const struct conn_state *cs, const char *version)
{
  const char *expect = cs->hv.expect;

  return expect != NULL && strcasecmp(expect, "100-continue") == 0 &&
         strcmp(version, "HTTP/1.0") != 0;
}

/* Judge a request on its head, before any body is read: its framing, its
 * target and query, and the router's verdict (a write's token and role).
 * true: read the body (cs->limit, or drop it: cs->drop_body); false: resp
 * holds the answer, to be sent now without the body. */
bool
http_judge_head(struct http_server *srv, struct MHD_Connection *conn, const char *method,
                const char *version, struct conn_state *cs, struct rb_response *resp)
{
  struct rb_request *req = &cs->req;
  struct query_vec *q = &cs->q;
  const char *detail = NULL, *cl;
  enum rb_err err;
  bool body;

  /* Every header line the request needs, in one pass. */
  MHD_get_connection_values_n(conn, MHD_HEADER_KIND, note_header, &cs->hv);
  cl = cs->hv.content_length;
  body = (cl != NULL && strtoull(cl, NULL, 10) > 0) || cs->hv.transfer_encoding != NULL;

  if (cs->target == NULL) {
    http_canned_problem(resp, RB_ERR_NOMEM, "out of memory for the request", cs->request_id);
    goto close;
  }
  err = framing_fault(srv->app, method, version, cs, &detail);
  if (err != RB_OK) {
    http_canned_problem(resp, err, detail, cs->request_id);
    resp->route = "framing";
    goto close;
  }
  MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, collect_query, q);
  if (q->nul || q->overflow) {
    http_canned_problem(resp, RB_ERR_BAD_REQUEST,
                        q->nul ? "a query parameter holds an encoded NUL (%00)"
                               : "too many query parameters",
                        cs->request_id);
    goto answer;
  }
  req->method = method;
  req->path = cs->path;
  req->query = q->items;
  req->nquery = q->n;
  req->authorization = cs->hv.authorization;
  req->content_type = cs->hv.content_type;
  req->if_none_match = cs->hv.if_none_match;
  req->if_match = cs->hv.if_match;
  req->origin = cs->hv.origin;
  req->request_id = cs->request_id;
  router_match(method, cs->path, &cs->match);
  if (!router_head(srv->app, &cs->match, req, &cs->head, resp)) {
    /* 401, 403 ...: the body is never kept. A client that asked first
     * (Expect: 100-continue) hears the answer at once and sends nothing.
     * One that did not is sending its body already, and an answer sent
     * before the body has arrived is lost when the connection closes under
     * it (the client sees a reset, not the 403): such a body, up to the
     * route's limit, is read and dropped, and the answer follows it. */
    if (body && !asks_first(cs, version) &&
        (cl == NULL || strtoull(cl, NULL, 10) <= cs->head.body_limit)) {
      cs->refused = true;
      cs->resp = *resp; /* ownership moves */
      memset(resp, 0, sizeof(*resp));
      cs->drop_body = true;
      cs->limit = cs->head.body_limit;
      return true;
    }
    goto answer;
  }
  cs->limit = cs->head.body_limit;
  cs->drop_body = !cs->head.write;
  cs->form = http_form_wanted(cs);
  if (cl != NULL && strtoull(cl, NULL, 10) > cs->limit) {
    char text[64];

    snprintf(text, sizeof(text), "the body is larger than %zu bytes", cs->limit);
    rb_response_clear(resp);
    http_canned_problem(resp, RB_ERR_TOO_LARGE, text, cs->request_id);
    goto close;
  }
  return true;
answer:
  if (!body)
    return false;
close:
  /* A body may follow that is not read: the connection cannot carry
   * another request after it. */
  rb_response_header(resp, "Connection", "close");
  return false;
}
