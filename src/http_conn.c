/* A request's life on its connection: from the request line (http_on_uri)
 * through its head (http_judge_head) and body to the answer, with a write
 * suspended while the writer runs it. */
#include "http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

/* How much of a too-large chunked body is read (to answer its 413) before
 * the connection is dropped instead. */
#define HTTP_DISCARD_MAX ((size_t)64 << 20)

long
http_elapsed_us(const struct timespec *start)
{
  struct timespec now;

  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - start->tv_sec) * 1000000L + (now.tv_nsec - start->tv_nsec) / 1000L;
}

/* The writer is done with cs's write (on its thread, the checker's, or
 * this worker's): resume the connection, and http_on_request sends the answer. */
static void
write_answered(struct router_write *w)
{
  struct conn_state *cs = (struct conn_state *)((char *)w - offsetof(struct conn_state, rw));

  if (w->stopped) { /* not run: the daemon's stop could cut it off after its commit */
    http_canned_problem(&cs->resp, RB_ERR_BUSY,
                        "the server is shutting down: nothing was written; retry", cs->request_id);
    cs->resp.route = "shutdown";
    rb_response_header(&cs->resp, "Retry-After", "1");
  }
  cs->ready = true;
  atomic_fetch_add(&cs->srv->resumed_unanswered, 1);
  MHD_resume_connection(cs->conn); /* http_on_request is called again and answers */
}

bool
http_body_append(struct conn_state *cs, const char *data, size_t n)
{
  if (cs->len + n + 1 > cs->cap) {
    size_t cap = cs->cap ? cs->cap : 4096;
    char *grown;

    while (cap < cs->len + n + 1)
      cap *= 2;
    grown = realloc(cs->body, cap);
    if (grown == NULL)
      return false;
    cs->body = grown;
    cs->cap = cap;
  }
  memcpy(cs->body + cs->len, data, n);
  cs->len += n;
  cs->body[cs->len] = '\0';
  return true;
}

/* What a request starts with: no allocation (the connection's state is
 * reused), and only the fields a request reads before it sets them. */
static void
conn_reset(struct conn_state *cs)
{
  cs->target = cs->path = NULL;
  cs->in_use = true;
  cs->started = false;
  cs->len = cs->limit = cs->discarded = 0;
  cs->too_large = cs->drop_body = cs->refused = false;
  cs->answered = cs->ready = cs->resumed = false;
  cs->form = cs->form_started = false;
  cs->form_pp = NULL;
  cs->form_fault = NULL;
  cs->form_files = 0;
  cs->form_bytes = cs->form_part_bytes = 0;
  cs->upload_name[0] = '\0';
  memset(&cs->hv, 0, sizeof(cs->hv));
  memset(&cs->req, 0, sizeof(cs->req));
  memset(&cs->resp, 0, sizeof(cs->resp));
  cs->q.n = 0;
  cs->q.overflow = cs->q.nul = false;
}

/* What a request leaves behind, given back. */
static void
conn_clear(struct conn_state *cs)
{
  rb_response_clear(&cs->resp);
  router_write_clear(&cs->rw);
  http_form_free(cs);
  free(cs->body); /* a write's: rare, and it may have been large */
  cs->body = NULL;
  cs->cap = 0;
  if (cs->target != cs->target_inline)
    free(cs->target);
  cs->target = cs->path = NULL;
  cs->in_use = false;
}

/* A connection opens (its watch starts) or closes (its watch and its
 * requests' state go). */
void
http_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                   enum MHD_ConnectionNotificationCode toe)
{
  struct http_server *srv = cls;
  struct conn_watch *w = *socket_context;

  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    *socket_context = http_watch_open(srv, conn);
    return;
  }
  if (w == NULL)
    return;
  if (w->cs != NULL && w->cs->in_use) { /* not expected: its completion frees it */
    w->cs->own = true;
    w->cs->watch = NULL;
  } else if (w->cs != NULL) {
    conn_clear(w->cs);
    free(w->cs);
  }
  http_watch_close(srv, w);
  *socket_context = NULL;
}

/* The request line, before libmicrohttpd decodes the path or splits off
 * the query: the state of the request starts here (it becomes *con_cls),
 * with the target as sent. Routing and the log use this copy. */
void *
http_on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
  struct conn_watch *w = http_watch_of(conn);
  struct conn_state *cs;
  size_t len, plen;

  (void)cls;
  if (w != NULL && w->cs == NULL)
    w->cs = calloc(1, sizeof(*w->cs));
  if (w != NULL && w->cs != NULL && !w->cs->in_use) {
    cs = w->cs;
    cs->own = false;
  } else { /* no watch, or (not expected) its state is taken */
    cs = calloc(1, sizeof(*cs));
    if (cs == NULL)
      return NULL;
    cs->own = true;
  }
  conn_reset(cs);
  cs->watch = w;
  if (uri == NULL)
    return cs;
  len = strlen(uri);
  plen = strcspn(uri, "?");
  cs->target =
    len + plen + 2 <= sizeof(cs->target_inline) ? cs->target_inline : malloc(len + plen + 2);
  if (cs->target != NULL) {
    memcpy(cs->target, uri, len + 1);
    cs->path = cs->target + len + 1;
    memcpy(cs->path, uri, plen);
    cs->path[plen] = '\0';
  }
  return cs;
}

/* A request id: unique, not secret: the per-process prefix and a counter,
 * in hex, with no system call or formatting per request. */
static void
request_id(struct http_server *srv, char out[33])
{
  static const char hex[] = "0123456789abcdef";
  unsigned long long n = atomic_fetch_add(&srv->id_counter, 1);

  memcpy(out, srv->id_prefix, 16);
  for (int i = 31; i >= 16; i--) {
    out[i] = hex[n & 15];
    n >>= 4;
  }
  out[32] = '\0';
}

enum MHD_Result
http_on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                const char *version, const char *upload_data, size_t *upload_data_size,
                void **con_cls)
{
  struct http_server *srv = cls;
  struct conn_state *cs = *con_cls;
  struct rb_request *req;
  struct rb_response resp;
  char allow[128];
  const char *fault;
  enum MHD_Result ret;
  size_t bytes;
  long us;

  (void)url;        /* decoded by libmicrohttpd: cs->path is the path as sent */
  if (cs == NULL) { /* http_on_uri could not allocate it */
    cs = calloc(1, sizeof(*cs));
    if (cs == NULL)
      return MHD_NO;
    cs->own = cs->in_use = true;
    cs->watch = http_watch_of(conn);
    *con_cls = cs;
  }
  if (!cs->started) {
    cs->started = true;
    http_watch_busy(srv, cs->watch); /* never shed from here to its answer */
    atomic_fetch_add(&srv->in_flight, 1);
    metrics_request_begin(srv->app->metrics);
    clock_gettime(CLOCK_MONOTONIC, &cs->start);
    request_id(srv, cs->request_id);
    memset(&resp, 0, sizeof(resp));
    if (http_judge_head(srv, conn, method, version, cs, &resp))
      return MHD_YES;
    goto answer;
  }
  if (*upload_data_size != 0) {
    size_t n = *upload_data_size;

    /* Only a chunked body (no Content-Length to refuse it by up front) gets
     * here too large: it is read to its end and dropped, then answered 413.
     * Answered at once, the client was still sending, and the connection
     * closed under it lost the answer ("Empty reply from server"). */
    if (!cs->too_large && cs->len + n > cs->limit) {
      cs->too_large = true;
      free(cs->body);
      cs->body = NULL;
    }
    if (cs->too_large) {
      cs->discarded += n;
      *upload_data_size = 0;
      return cs->discarded <= HTTP_DISCARD_MAX ? MHD_YES : MHD_NO;
    }
    if (cs->drop_body) { /* no route reads it: answered without it */
      cs->discarded += n;
      cs->too_large = cs->discarded > cs->limit; /* and 413 past the limit */
      *upload_data_size = 0;
      return MHD_YES;
    }
    if (cs->form) { /* only the form's file is kept (http_form.c) */
      cs->form_bytes += n;
      if (cs->form_bytes > cs->limit) {
        cs->too_large = true;
        http_form_free(cs);
        free(cs->body);
        cs->body = NULL;
        cs->len = 0;
        cs->discarded += n;
      } else {
        http_form_feed(cs, conn, upload_data, n);
      }
      *upload_data_size = 0;
      return MHD_YES;
    }
    if (!http_body_append(cs, upload_data, n))
      return MHD_NO;
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (cs->ready) {   /* resumed: the writer thread has answered */
    resp = cs->resp; /* ownership moves here */
    memset(&cs->resp, 0, sizeof(cs->resp));
    cs->ready = false;
    cs->resumed = true;
    goto answer;
  }
  memset(&resp, 0, sizeof(resp));
  if (cs->refused) { /* judged at the head; its body has been dropped */
    resp = cs->resp;
    memset(&cs->resp, 0, sizeof(cs->resp));
    if (cs->too_large)
      rb_response_header(&resp, "Connection", "close");
  } else if (cs->too_large) {
    char detail[64];

    snprintf(detail, sizeof(detail), "the body is larger than %zu bytes", cs->limit);
    http_canned_problem(&resp, RB_ERR_TOO_LARGE, detail, cs->request_id);
    rb_response_header(&resp, "Connection", "close");
  } else if (cs->form && (fault = http_form_end(cs)) != NULL) {
    http_canned_problem(&resp, RB_ERR_BAD_REQUEST, fault, cs->request_id);
    resp.route = cs->match.route != NULL ? cs->match.route->pattern : NULL;
  } else {
    req = &cs->req;
    req->body = cs->body != NULL ? cs->body : "";
    req->body_len = cs->len;
    if (strcmp(method, "OPTIONS") == 0 && http_cors_origin(srv->app, cs->hv.origin) != NULL &&
        cs->hv.acr_method != NULL && router_allow(&cs->match, allow, sizeof(allow)) > 0) {
      /* CORS preflight from an allowed dashboard origin (an unknown path
       * goes to the router for its problem document). */
      resp.status = 204;
      resp.route = "preflight";
      rb_response_header(&resp, "Access-Control-Allow-Methods", allow);
      rb_response_header(&resp, "Access-Control-Allow-Headers",
                         "Authorization, Content-Type, If-Match, If-None-Match");
      rb_response_header(&resp, "Access-Control-Max-Age", "600");
    } else if (cs->head.write) {
      http_disarm(srv, cs->watch); /* ours now: the client is not slow */
      /* Suspended until the writer has answered (write_answered resumes
       * it), so a worker never waits for the writer or an fsync. */
      cs->srv = srv;
      cs->conn = conn;
      cs->rw = (struct router_write){.app = srv->app,
                                     .match = &cs->match,
                                     .req = req,
                                     .head = &cs->head,
                                     .resp = &cs->resp,
                                     .answered = write_answered};
      MHD_suspend_connection(conn);
      router_submit(&cs->rw);
      return MHD_YES;
    } else {
      router_serve(srv->app, &cs->match, req, &resp);
    }
  }
answer:
  bytes = resp.body_len;
  http_disarm(srv, cs->watch); /* answering: slow readers are not ours to cut */
  ret = http_send_response(conn, &resp, cs->request_id, cs->hv.origin, srv);
  if (cs->resumed) {
    cs->resumed = false;
    atomic_fetch_sub(&srv->resumed_unanswered, 1);
  }
  us = http_elapsed_us(&cs->start);
  http_log_request(srv->log, method, cs->target != NULL ? cs->target : url, &resp, cs->request_id,
                   us, bytes);
  metrics_request_end(srv->app->metrics, resp.route, method, resp.status, (double)us / 1e6);
  cs->answered = true;
  rb_response_clear(&resp);
  return ret;
}

void
http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                  enum MHD_RequestTerminationCode toe)
{
  struct http_server *srv = cls;
  struct conn_state *cs = *con_cls;

  (void)conn;
  (void)toe;
  if (cs == NULL)
    return;
  /* Keep-alive: the next request must arrive within the timeout too. */
  http_watch_idle(srv, cs->watch);
  if (cs->started) { /* else libmicrohttpd refused the head itself */
    if (!cs->answered)
      metrics_request_abandon(srv->app->metrics);
    if (cs->ready || cs->resumed) /* resumed, but the client left first */
      atomic_fetch_sub(&srv->resumed_unanswered, 1);
    atomic_fetch_sub(&srv->in_flight, 1);
  }
  conn_clear(cs);
  if (cs->own)
    free(cs);
  *con_cls = NULL;
}
