#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "error.h"
#include "metrics.h"
#include "problem.h"
#include "router.h"
#include "util.h"
#include "writeq.h"

#define MAX_QUERY_PARAMS 32

/* A client's address, as the per-address connection limit compares them. */
struct addr_key {
  sa_family_t family;
  unsigned char bytes[16];
};

/* Every open connection, so the reaper can cut off clients that trickle a
 * request in a byte at a time (libmicrohttpd's own timeout only counts
 * inactivity, which such clients never show), and so that a new client
 * finds room when idle connections fill the limits: the one idle longest
 * is shed (make_room). */
struct conn_watch {
  struct conn_watch *prev, *next; /* srv->watches: the most recently idle first */
  int fd;
  bool armed;               /* the deadline applies (not while we answer) */
  struct timespec deadline; /* CLOCK_MONOTONIC */
  bool busy;                /* a request's head has arrived, its answer not yet sent */
  bool shed;                /* shut down to make room; closing */
  struct addr_key addr;
};

struct conn_state;

struct http_server {
  struct app *app;
  struct MHD_Daemon *daemon;
  unsigned port;
  atomic_int in_flight;
  uint64_t id_prefix;
  atomic_ullong id_counter;
  pthread_mutex_t watch_mu;
  pthread_cond_t watch_cv;
  struct conn_watch *watches, *watches_tail; /* under watch_mu */
  unsigned live;                             /* watches not shed */
  bool stopping;
  pthread_t reaper;
  bool reaper_started;
  /* Write requests wait here, their connections suspended, for the writer
   * thread: the HTTP workers never block on the writer or on an fsync, and
   * the writer commits what it runs in a round behind one fsync. Taken
   * fairly between tokens (writeq.h). */
  pthread_mutex_t queue_mu;
  pthread_cond_t queue_cv;
  struct writeq queue;
  bool writer_stop;   /* under queue_mu: no more jobs are taken */
  bool touch_pending; /* under queue_mu: a token use waits to be recorded */
  pthread_t writer;
  bool writer_started;
  /* Writes whose route has a precheck (a bulk return, whose checks can take
   * a core for a tenth of a second) wait here, suspended, for the checker
   * thread, which checks them one at a time, fairly between tokens, with a
   * read connection: refused ones are answered, the others join the
   * writer's queue. So checking returns never holds the writer, nor an
   * HTTP worker (and the connections it serves), nor more than one core. */
  struct writeq check_queue; /* under queue_mu */
  pthread_cond_t check_cv;
  bool checker_stop; /* under queue_mu */
  pthread_t checker;
  bool checker_started;
  /* Shutting down: answers close their connections. */
  atomic_bool closing;
  /* Writes the writer has resumed whose answers are not yet sent: the
   * daemon is not stopped under them. */
  atomic_int resumed_unanswered;
};

static void
arm(struct http_server *srv, struct conn_watch *w, bool on)
{
  if (w == NULL)
    return;
  pthread_mutex_lock(&srv->watch_mu);
  w->armed = on;
  if (on) {
    clock_gettime(CLOCK_MONOTONIC, &w->deadline);
    w->deadline.tv_sec += srv->app->cfg.request_timeout_s;
  }
  pthread_mutex_unlock(&srv->watch_mu);
}

static struct conn_watch *
watch_of(struct MHD_Connection *conn)
{
  const union MHD_ConnectionInfo *ci =
    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

  return ci != NULL ? ci->socket_context : NULL;
}

static void
addr_key_of(const struct sockaddr *sa, struct addr_key *key)
{
  memset(key, 0, sizeof(*key));
  if (sa == NULL)
    return;
  key->family = sa->sa_family;
  if (sa->sa_family == AF_INET)
    memcpy(key->bytes, &((const struct sockaddr_in *)sa)->sin_addr, 4);
  else if (sa->sa_family == AF_INET6)
    memcpy(key->bytes, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
}

/* The watch list, under watch_mu: most recently idle at the head. */
static void
watch_unlink(struct http_server *srv, struct conn_watch *w)
{
  if (w->prev != NULL)
    w->prev->next = w->next;
  else
    srv->watches = w->next;
  if (w->next != NULL)
    w->next->prev = w->prev;
  else
    srv->watches_tail = w->prev;
  w->prev = w->next = NULL;
}

static void
watch_push(struct http_server *srv, struct conn_watch *w)
{
  w->prev = NULL;
  w->next = srv->watches;
  if (srv->watches != NULL)
    srv->watches->prev = w;
  else
    srv->watches_tail = w;
  srv->watches = w;
}

/* A request's head has arrived (busy), or its answer is done and the
 * connection waits for the next one (idle again, so the most recently idle). */
static void
watch_busy(struct http_server *srv, struct conn_watch *w, bool busy)
{
  if (w == NULL)
    return;
  pthread_mutex_lock(&srv->watch_mu);
  if (w->busy != busy && !busy && !w->shed) {
    watch_unlink(srv, w);
    watch_push(srv, w);
  }
  w->busy = busy;
  pthread_mutex_unlock(&srv->watch_mu);
}

/* Shut w down to make room (under watch_mu): shutdown, not close, since
 * libmicrohttpd owns the descriptor and closes it when it sees the
 * connection end (the watch is removed under this mutex first, so the fd is
 * never stale here). */
static void
shed(struct http_server *srv, struct conn_watch *w)
{
  shutdown(w->fd, SHUT_RDWR);
  w->shed = true;
  w->armed = false;
  srv->live--;
}

/* Room for one more connection from sa, under watch_mu. Idle connections
 * must not lock clients out (thousands of users may share one NAT address,
 * and a few thousand sockets that send nothing cost an attacker nothing):
 * past the per-address limit, that address's connection idle the longest
 * is shed; past the total, the one idle the longest of all. Only a
 * connection whose request is under way is never shed: false when every
 * one in the way is. */
static bool
make_room(struct http_server *srv, const struct sockaddr *sa)
{
  const struct app_config *cfg = &srv->app->cfg;
  struct conn_watch *oldest = NULL, *oldest_same = NULL;
  struct addr_key key;
  unsigned same = 0;

  addr_key_of(sa, &key);
  for (struct conn_watch *w = srv->watches_tail; w != NULL; w = w->prev) {
    bool mine;

    if (w->shed)
      continue;
    mine = memcmp(&w->addr, &key, sizeof(key)) == 0;
    same += mine;
    if (!w->busy && oldest == NULL)
      oldest = w;
    if (!w->busy && mine && oldest_same == NULL)
      oldest_same = w;
  }
  if (cfg->max_connections_per_ip > 0 && same >= cfg->max_connections_per_ip) {
    if (oldest_same == NULL)
      return false;
    if (oldest == oldest_same)
      oldest = NULL;
    shed(srv, oldest_same);
  }
  if (srv->live >= cfg->max_connections) {
    if (oldest == NULL)
      return false;
    shed(srv, oldest);
  }
  return true;
}

static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
              enum MHD_ConnectionNotificationCode toe)
{
  struct http_server *srv = cls;
  struct conn_watch *w = *socket_context;

  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *ca =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

    w = calloc(1, sizeof(*w));
    if (w == NULL || ci == NULL) {
      free(w);
      return;
    }
    w->fd = ci->connect_fd;
    addr_key_of(ca != NULL ? ca->client_addr : NULL, &w->addr);
    *socket_context = w;
    pthread_mutex_lock(&srv->watch_mu);
    watch_push(srv, w);
    srv->live++;
    pthread_mutex_unlock(&srv->watch_mu);
    arm(srv, w, true);
    return;
  }
  if (w == NULL)
    return;
  pthread_mutex_lock(&srv->watch_mu);
  watch_unlink(srv, w);
  if (!w->shed)
    srv->live--;
  pthread_mutex_unlock(&srv->watch_mu);
  free(w);
  *socket_context = NULL;
}

static void *
reaper_main(void *arg)
{
  struct http_server *srv = arg;

  pthread_mutex_lock(&srv->watch_mu);
  while (!srv->stopping) {
    struct timespec now, wake;

    clock_gettime(CLOCK_MONOTONIC, &now);
    for (struct conn_watch *w = srv->watches; w != NULL; w = w->next) {
      if (w->armed && (now.tv_sec > w->deadline.tv_sec ||
                       (now.tv_sec == w->deadline.tv_sec && now.tv_nsec >= w->deadline.tv_nsec))) {
        /* shutdown, not close: libmicrohttpd still owns the descriptor and
         * closes it when it sees the connection end (the watch is removed
         * under this mutex first, so the fd is never stale here). */
        shutdown(w->fd, SHUT_RDWR);
        w->armed = false;
      }
    }
    util_deadline_in(&wake, 250);
    pthread_cond_timedwait(&srv->watch_cv, &srv->watch_mu, &wake);
    /* Request logs are block-buffered: at most 250 ms late. Not under the
     * mutex: a slow log reader must not hold up accepting connections. */
    pthread_mutex_unlock(&srv->watch_mu);
    fflush(stderr);
    pthread_mutex_lock(&srv->watch_mu);
  }
  pthread_mutex_unlock(&srv->watch_mu);
  return NULL;
}

struct query_vec {
  struct rb_param items[MAX_QUERY_PARAMS];
  size_t n;
  bool overflow;
  bool nul; /* a key or value holds an encoded NUL */
};

/* Per-request state, from the first callback to the completion notice. */
struct conn_state {
  /* The request target as the client sent it, and its path: copied before
   * libmicrohttpd decodes anything (on_uri), for routing and the log. One
   * allocation: target, NUL, path, NUL. */
  char *target, *path;
  bool started; /* the head has been judged (the first on_request call) */
  struct router_head head;
  char *body;
  size_t len, cap, limit;
  bool too_large;
  bool drop_body;   /* the body is not wanted (not a write): dropped as it arrives */
  bool refused;     /* answered at the head (resp), once the body is dropped */
  size_t discarded; /* bytes of a too-large chunked body read and dropped */
  char request_id[33];
  struct timespec start;
  bool answered; /* a response was queued (metrics counted it) */
  /* A write handed to the writer thread: the request (its strings are
   * libmicrohttpd's, valid while the connection is suspended), the answer
   * the writer leaves, and the queue link. */
  struct MHD_Connection *conn;
  struct query_vec q;
  struct rb_request req;
  struct rb_response resp;
  struct router_ticket ticket;
  bool ready;   /* the writer has answered: send resp */
  bool resumed; /* that answer is being sent (resumed_unanswered counts it) */
  struct writeq_item qitem;
};

/* The writer takes at most this many queued writes into one transaction. */
#define WRITER_BATCH 128
/* and stops taking more once this long has passed since the first write of
 * the round that waits for its commit: those answers wait for the commit,
 * so one long request (a large return) does not hold the answers of
 * everything queued after it. (Refused requests wait for nothing: a round
 * of writes refused as busy still fails them all at once.) */
#define WRITER_ROUND_S 0.02

static struct conn_state *
queued_state(struct writeq_item *it)
{
  return it != NULL ? (struct conn_state *)((char *)it - offsetof(struct conn_state, qitem)) : NULL;
}

static void *
writer_main(void *arg)
{
  struct http_server *srv = arg;
  struct conn_state *batch[WRITER_BATCH];
  bool touch_retry = false;
  double started, waiting;

  pthread_mutex_lock(&srv->queue_mu);
  for (;;) {
    size_t n = 0;

    while (srv->queue.n == 0 && !srv->writer_stop && !srv->touch_pending) {
      if (touch_retry) { /* uses left pending by a locked database: again in 1 s */
        struct timespec at;

        util_deadline_in(&at, 1000);
        if (pthread_cond_timedwait(&srv->queue_cv, &srv->queue_mu, &at) != 0)
          srv->touch_pending = true;
      } else {
        pthread_cond_wait(&srv->queue_cv, &srv->queue_mu);
      }
    }
    if (srv->queue.n == 0 && srv->touch_pending) {
      /* A read's token use: recorded here, never on an HTTP worker. */
      srv->touch_pending = false;
      pthread_mutex_unlock(&srv->queue_mu);
      touch_retry = router_record_touches(srv->app);
      pthread_mutex_lock(&srv->queue_mu);
      continue;
    }
    if (srv->queue.n == 0)
      break; /* stopping, and every queued write has been answered */
    started = util_monotonic();
    waiting = 0;
    /* Run what is queued, and what arrives meanwhile, one at a time in
     * the fair order, up to WRITER_BATCH or WRITER_ROUND_S: one commit
     * (one fsync) for all of it, with no waiting on purpose. */
    do {
      struct conn_state *cs = queued_state(writeq_pop(&srv->queue));
      double t0;

      batch[n++] = cs;
      pthread_mutex_unlock(&srv->queue_mu);
      t0 = util_monotonic();
      router_dispatch_batched(srv->app, &cs->req, &cs->resp, &cs->ticket);
      pthread_mutex_lock(&srv->queue_mu);
      writeq_charge(&srv->queue, &cs->qitem, util_monotonic() - t0);
      if (cs->ticket.pending && waiting == 0)
        waiting = util_monotonic();
    } while (srv->queue.n > 0 && n < WRITER_BATCH &&
             (waiting == 0 || util_monotonic() - waiting < WRITER_ROUND_S));
    pthread_mutex_unlock(&srv->queue_mu);
    /* a round that failed leaves its writes' token uses to the retry */
    if (router_commit(srv->app, n, util_monotonic() - started))
      touch_retry = true;
    for (size_t i = 0; i < n; i++) {
      struct conn_state *cs = batch[i];

      router_finish_batched(srv->app, &cs->req, &cs->resp, &cs->ticket);
      cs->ready = true;
      atomic_fetch_add(&srv->resumed_unanswered, 1);
      MHD_resume_connection(cs->conn); /* on_request is called again and answers */
    }
    pthread_mutex_lock(&srv->queue_mu);
  }
  pthread_mutex_unlock(&srv->queue_mu);
  return NULL;
}

static void
wake_writer_for_touch(void *arg)
{
  struct http_server *srv = arg;

  pthread_mutex_lock(&srv->queue_mu);
  srv->touch_pending = true;
  pthread_cond_signal(&srv->queue_cv);
  pthread_mutex_unlock(&srv->queue_mu);
}

enum enqueued { QUEUED, NO_WRITER, WRITER_STOPPED };

static void canned_problem(struct rb_response *resp, enum rb_err err, const char *detail,
                           const char *request_id);

/* Hand cs to the checker thread and suspend its connection; NO_WRITER when
 * there is none (or it is stopping): the caller checks the request itself. */
static enum enqueued
enqueue_check(struct http_server *srv, struct MHD_Connection *conn, struct conn_state *cs)
{
  enum enqueued queued = NO_WRITER;

  pthread_mutex_lock(&srv->queue_mu);
  if (srv->checker_started && !srv->checker_stop) {
    cs->conn = conn;
    MHD_suspend_connection(conn);
    writeq_push(&srv->check_queue, &cs->qitem, writeq_key(cs->req.authorization));
    pthread_cond_signal(&srv->check_cv);
    queued = QUEUED;
  }
  pthread_mutex_unlock(&srv->queue_mu);
  return queued;
}

static void *
checker_main(void *arg)
{
  struct http_server *srv = arg;

  pthread_mutex_lock(&srv->queue_mu);
  for (;;) {
    struct conn_state *cs;
    double t0;
    bool queue;

    while (srv->check_queue.n == 0 && !srv->checker_stop)
      pthread_cond_wait(&srv->check_cv, &srv->queue_mu);
    if (srv->check_queue.n == 0)
      break; /* stopping, and everything queued has been passed on */
    cs = queued_state(writeq_pop(&srv->check_queue));
    pthread_mutex_unlock(&srv->queue_mu);
    t0 = util_monotonic();
    queue = router_precheck(srv->app, &cs->req, &cs->resp, &cs->req.prepared);
    pthread_mutex_lock(&srv->queue_mu);
    writeq_charge(&srv->check_queue, &cs->qitem, util_monotonic() - t0);
    if (queue && !srv->writer_stop) { /* still suspended, now for the writer */
      writeq_push(&srv->queue, &cs->qitem, writeq_key(cs->req.authorization));
      pthread_cond_signal(&srv->queue_cv);
      continue;
    }
    pthread_mutex_unlock(&srv->queue_mu);
    if (queue) { /* the writer stopped meanwhile: nothing was written */
      canned_problem(&cs->resp, RB_ERR_BUSY,
                     "the server is shutting down: nothing was written; retry", cs->request_id);
      cs->resp.route = "shutdown";
      rb_response_header(&cs->resp, "Retry-After", "1");
    }
    cs->ready = true;
    atomic_fetch_add(&srv->resumed_unanswered, 1);
    MHD_resume_connection(cs->conn); /* on_request is called again and answers */
    pthread_mutex_lock(&srv->queue_mu);
  }
  pthread_mutex_unlock(&srv->queue_mu);
  return NULL;
}

/* Hand cs to the writer thread and suspend its connection. NO_WRITER (a
 * server run without one): the caller runs the request itself;
 * WRITER_STOPPED (shutting down): the caller refuses it. */
static enum enqueued
enqueue_write(struct http_server *srv, struct MHD_Connection *conn, struct conn_state *cs)
{
  enum enqueued queued = NO_WRITER;

  pthread_mutex_lock(&srv->queue_mu);
  if (srv->writer_started && srv->writer_stop) {
    queued = WRITER_STOPPED;
  } else if (srv->writer_started) {
    cs->conn = conn;
    MHD_suspend_connection(conn);
    writeq_push(&srv->queue, &cs->qitem, writeq_key(cs->req.authorization));
    pthread_cond_signal(&srv->queue_cv);
    queued = QUEUED;
  }
  pthread_mutex_unlock(&srv->queue_mu);
  return queued;
}

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

/* The Origin when it is on the allow-list (exact match), else NULL. */
static const char *
cors_origin(const struct app *app, struct MHD_Connection *conn)
{
  const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
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
    if ((len == n && strncmp(list, origin, n) == 0) || (len == 1 && list[0] == '*'))
      return origin;
    list += len;
  }
  return NULL;
}

/* How much of a too-large chunked body is read (to answer its 413) before
 * the connection is dropped instead. */
#define HTTP_DISCARD_MAX ((size_t)64 << 20)

static void
add_cors(struct MHD_Response *r, const char *origin)
{
  MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
  MHD_add_response_header(r, "Vary", "Origin");
  MHD_add_response_header(r, "Access-Control-Expose-Headers",
                          "ETag, Location, X-Request-Id, X-Next-Cursor");
}

static enum MHD_Result
send_response(struct MHD_Connection *conn, struct rb_response *resp, const char *request_id,
              struct http_server *srv)
{
  const struct app *app = srv->app;
  const char *origin = cors_origin(app, conn);
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

static long
elapsed_us(const struct timespec *start)
{
  struct timespec now;

  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - start->tv_sec) * 1000000L + (now.tv_nsec - start->tv_nsec) / 1000L;
}

/* Append s as the body of a JSON string (no quotes), escaping what JSON
 * requires; bytes that are not printable ASCII are written as \u00XX so a
 * hostile path can never break the line. */
static size_t
json_escape(char *out, size_t cap, const char *s, size_t max)
{
  static const char hex[] = "0123456789abcdef";
  size_t n = 0;

  for (size_t i = 0; s != NULL && s[i] != '\0' && i < max && n + 7 < cap; i++) {
    unsigned char ch = (unsigned char)s[i];

    if (ch == '"' || ch == '\\') {
      out[n++] = '\\';
      out[n++] = (char)ch;
    } else if (ch < 0x20 || ch >= 0x7f) {
      memcpy(out + n, "\\u00", 4);
      out[n + 4] = hex[ch >> 4];
      out[n + 5] = hex[ch & 15];
      n += 6;
    } else {
      out[n++] = (char)ch;
    }
  }
  out[n] = '\0';
  return n;
}

/* One JSON line per request, built on the stack and written with one call:
 * no allocation on the hot path. The target is the one the client sent
 * (its first 256 bytes), not a decoded path. Never a token or a body. */
static void
log_request(const struct app *app, const char *method, const char *target,
            const struct rb_response *resp, const struct conn_state *cs, size_t bytes)
{
  int level = resp->status >= 500 ? LOG_ERROR : resp->status >= 400 ? LOG_WARN : LOG_INFO;
  static const char *const names[] = {"error", "warn", "info", "debug"};
  char now[UTIL_TIME_LEN], path[1600], actor[256], route[160], line[3072];
  long us;
  int n;

  if (level > app->cfg.log_level)
    return;
  util_now(now);
  json_escape(path, sizeof(path), target, 256);
  json_escape(actor, sizeof(actor), resp->actor[0] ? resp->actor : "-", 96);
  json_escape(route, sizeof(route), resp->route != NULL ? resp->route : "", 100);
  us = elapsed_us(&cs->start);
  n = snprintf(line, sizeof(line),
               "{\"time\":\"%s\",\"level\":\"%s\",\"request_id\":\"%s\",\"method\":\"%.16s\","
               "\"target\":\"%s\",\"route\":%s%s%s,\"status\":%u,\"duration_ms\":%ld.%03ld,"
               "\"actor\":\"%s\",\"bytes\":%zu}\n",
               now, names[level], cs->request_id, method, path, resp->route ? "\"" : "",
               resp->route ? route : "null", resp->route ? "\"" : "", resp->status, us / 1000,
               us % 1000, actor, bytes);
  if (n > 0)
    fwrite(line, 1, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1, stderr);
}

/* A problem document answered here, before any handler: its type, title
 * and status from the one error table, and the request named in instance,
 * as every problem is. detail is ours (no client bytes, no quotes). */
static void
canned_problem(struct rb_response *resp, enum rb_err err, const char *detail,
               const char *request_id)
{
  resp->status = rb_err_status(err);
  resp->content_type = "application/problem+json";
  resp->body = problem_json(err, detail, NULL, request_id, &resp->body_len);
  if (resp->body == NULL)
    resp->body_len = 0;
}

/* The request line, before libmicrohttpd decodes the path or splits off
 * the query: the state of the request starts here (it becomes *con_cls),
 * with the target as sent. Routing and the log use this copy. */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
  struct conn_state *cs = calloc(1, sizeof(*cs));
  size_t len, plen;

  (void)cls;
  (void)conn;
  if (cs == NULL || uri == NULL)
    return cs;
  len = strlen(uri);
  plen = strcspn(uri, "?");
  cs->target = malloc(len + plen + 2);
  if (cs->target != NULL) {
    memcpy(cs->target, uri, len + 1);
    cs->path = cs->target + len + 1;
    memcpy(cs->path, uri, plen);
    cs->path[plen] = '\0';
  }
  return cs;
}

/* What the head's header lines say about framing. */
struct head_lines {
  unsigned content_length, transfer_encoding, host;
  const char *te, *host_value;
  size_t bytes; /* the header lines, as sent (near enough: name, ": ", value, CRLF) */
};

static enum MHD_Result
count_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
             const char *value, size_t value_size)
{
  struct head_lines *h = cls;

  (void)kind;
  h->bytes += key_size + value_size + 4;
  if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
    h->content_length++;
  else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
    h->transfer_encoding++;
    h->te = value;
  } else if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0) {
    h->host++;
    h->host_value = value;
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
  return strspn(
           v,
           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:[]%") ==
         strlen(v);
}

/* Framing this server refuses rather than guesses at (RFC 9112): the error
 * for it, with detail set, or RB_OK. Each is answered with the connection
 * closed, since what follows on it cannot be trusted to be a request. */
static enum rb_err
framing_fault(const struct app *app, struct MHD_Connection *conn, const char *method,
              const char *version, const struct conn_state *cs, const char **detail)
{
  struct head_lines h;
  bool http11 = strncmp(version, "HTTP/1.", 7) == 0 && version[7] != '0';

  memset(&h, 0, sizeof(h));
  MHD_get_connection_values_n(conn, MHD_HEADER_KIND, count_header, &h);
  if (strlen(method) + strlen(cs->target) + strlen(version) + 4 > app->cfg.max_header_bytes) {
    *detail = "the request line is longer than the server accepts";
    return RB_ERR_URI_TOO_LONG;
  }
  if (strlen(method) + strlen(cs->target) + strlen(version) + 4 + h.bytes >
      app->cfg.max_header_bytes) {
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
  if (h.content_length > 1) {
    *detail = "more than one Content-Length header";
    return RB_ERR_BAD_REQUEST;
  }
  if (h.transfer_encoding > 0 && h.content_length > 0) {
    *detail = "both Content-Length and Transfer-Encoding (RFC 9112, section 6.3)";
    return RB_ERR_BAD_REQUEST;
  }
  if (h.transfer_encoding > 1 || (h.transfer_encoding == 1 && !te_is_chunked(h.te))) {
    *detail = "a Transfer-Encoding other than chunked";
    return RB_ERR_BAD_REQUEST;
  }
  if (h.transfer_encoding > 0 && !http11) {
    *detail = "Transfer-Encoding in an HTTP/1.0 request";
    return RB_ERR_BAD_REQUEST;
  }
  if (h.host > 1) {
    *detail = "more than one Host header";
    return RB_ERR_BAD_REQUEST;
  }
  if (h.host == 0 && http11) {
    *detail = "an HTTP/1.1 request needs a Host header";
    return RB_ERR_BAD_REQUEST;
  }
  if (h.host == 1 && !host_valid(h.host_value)) {
    *detail = "the Host header is not a host and port";
    return RB_ERR_BAD_REQUEST;
  }
  return RB_OK;
}

/* Whether the client waits for "100 Continue" before it sends its body. */
static bool
asks_first(struct MHD_Connection *conn, const char *version)
{
  const char *expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Expect");

  return expect != NULL && strcasecmp(expect, "100-continue") == 0 &&
         strcmp(version, "HTTP/1.0") != 0;
}

/* Judge a request on its head, before any body is read: its framing, its
 * target and query, and the router's verdict (a write's token and role).
 * true: read the body (cs->limit, or drop it: cs->drop_body); false: resp
 * holds the answer, to be sent now without the body. */
static bool
judge_head(struct http_server *srv, struct MHD_Connection *conn, const char *method,
           const char *version, struct conn_state *cs, struct rb_response *resp)
{
  const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
  bool body = (cl != NULL && strtoull(cl, NULL, 10) > 0) ||
              MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Transfer-Encoding") != NULL;
  struct rb_request *req = &cs->req;
  struct query_vec *q = &cs->q;
  const char *detail = NULL;
  enum rb_err err;

  if (cs->target == NULL) {
    canned_problem(resp, RB_ERR_NOMEM, "out of memory for the request", cs->request_id);
    goto close;
  }
  err = framing_fault(srv->app, conn, method, version, cs, &detail);
  if (err != RB_OK) {
    canned_problem(resp, err, detail, cs->request_id);
    resp->route = "framing";
    goto close;
  }
  MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, collect_query, q);
  if (q->nul || q->overflow) {
    canned_problem(resp, RB_ERR_BAD_REQUEST,
                   q->nul ? "a query parameter holds an encoded NUL (%00)"
                          : "too many query parameters",
                   cs->request_id);
    goto answer;
  }
  req->method = method;
  req->path = cs->path;
  req->query = q->items;
  req->nquery = q->n;
  req->authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
  req->content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
  req->if_none_match = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match");
  req->if_match = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-Match");
  req->origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
  req->request_id = cs->request_id;
  req->head = &cs->head;
  if (!router_head(srv->app, req, &cs->head, resp)) {
    /* 401, 403 ...: the body is never kept. A client that asked first
     * (Expect: 100-continue) hears the answer at once and sends nothing.
     * One that did not is sending its body already, and an answer sent
     * before the body has arrived is lost when the connection closes under
     * it (the client sees a reset, not the 403): such a body, up to the
     * route's limit, is read and dropped, and the answer follows it. */
    if (body && !asks_first(conn, version) &&
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
  if (cl != NULL && strtoull(cl, NULL, 10) > cs->limit) {
    char text[64];

    snprintf(text, sizeof(text), "the body is larger than %zu bytes", cs->limit);
    rb_response_clear(resp);
    canned_problem(resp, RB_ERR_TOO_LARGE, text, cs->request_id);
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

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
  struct http_server *srv = cls;
  struct conn_state *cs = *con_cls;
  struct rb_request *req;
  struct rb_response resp;
  char allow[128];
  enum MHD_Result ret;
  size_t bytes;

  (void)url;        /* decoded by libmicrohttpd: cs->path is the path as sent */
  if (cs == NULL) { /* on_uri could not allocate it */
    cs = calloc(1, sizeof(*cs));
    if (cs == NULL)
      return MHD_NO;
    *con_cls = cs;
  }
  if (!cs->started) {
    cs->started = true;
    watch_busy(srv, watch_of(conn), true); /* never shed from here to its answer */
    atomic_fetch_add(&srv->in_flight, 1);
    metrics_request_begin(srv->app->metrics);
    clock_gettime(CLOCK_MONOTONIC, &cs->start);
    /* Unique, not secret: a random per-process prefix and a counter, so no
     * system call per request. */
    snprintf(cs->request_id, sizeof(cs->request_id), "%016llx%016llx",
             (unsigned long long)srv->id_prefix,
             (unsigned long long)atomic_fetch_add(&srv->id_counter, 1));
    memset(&resp, 0, sizeof(resp));
    if (judge_head(srv, conn, method, version, cs, &resp))
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
    if (cs->len + n + 1 > cs->cap) {
      size_t cap = cs->cap ? cs->cap : 4096;
      char *grown;

      while (cap < cs->len + n + 1)
        cap *= 2;
      grown = realloc(cs->body, cap);
      if (grown == NULL)
        return MHD_NO;
      cs->body = grown;
      cs->cap = cap;
    }
    memcpy(cs->body + cs->len, upload_data, n);
    cs->len += n;
    cs->body[cs->len] = '\0';
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
    canned_problem(&resp, RB_ERR_TOO_LARGE, detail, cs->request_id);
    rb_response_header(&resp, "Connection", "close");
  } else {
    req = &cs->req;
    req->body = cs->body != NULL ? cs->body : "";
    req->body_len = cs->len;
    if (strcmp(method, "OPTIONS") == 0 && cors_origin(srv->app, conn) != NULL &&
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Access-Control-Request-Method") !=
          NULL &&
        router_allow(cs->path, allow, sizeof(allow)) > 0) {
      /* CORS preflight from an allowed dashboard origin (an unknown path
       * goes to the router for its problem document). */
      resp.status = 204;
      resp.route = "preflight";
      rb_response_header(&resp, "Access-Control-Allow-Methods", allow);
      rb_response_header(&resp, "Access-Control-Allow-Headers",
                         "Authorization, Content-Type, If-Match, If-None-Match");
      rb_response_header(&resp, "Access-Control-Max-Age", "600");
    } else if (cs->head.write) {
      enum enqueued how;

      arm(srv, watch_of(conn), false); /* ours now: the client is not slow */
      /* A bulk return's checks run before it joins the writer's queue (the
       * writer's time is every token's): on the checker thread, or here
       * when there is none. */
      if (router_has_precheck(method, req->path)) {
        if (enqueue_check(srv, conn, cs) == QUEUED)
          return MHD_YES; /* suspended until checked (and written) */
        if (!router_precheck(srv->app, req, &resp, &req->prepared))
          goto answer;
      }
      how = enqueue_write(srv, conn, cs);
      if (how == QUEUED)
        return MHD_YES; /* suspended until the writer has answered */
      if (how == NO_WRITER) {
        router_dispatch(srv->app, req, &resp);
      } else {
        /* Shutting down: not run on a worker, where the daemon's stop
         * could cut it off after its commit, before its answer. */
        canned_problem(&resp, RB_ERR_BUSY,
                       "the server is shutting down: nothing was written; retry", cs->request_id);
        resp.route = "shutdown";
        rb_response_header(&resp, "Retry-After", "1");
      }
    } else {
      router_dispatch(srv->app, req, &resp);
    }
  }
answer:
  bytes = resp.body_len;
  arm(srv, watch_of(conn), false); /* answering: slow readers are not ours to cut */
  ret = send_response(conn, &resp, cs->request_id, srv);
  if (cs->resumed) {
    cs->resumed = false;
    atomic_fetch_sub(&srv->resumed_unanswered, 1);
  }
  log_request(srv->app, method, cs->target != NULL ? cs->target : url, &resp, cs, bytes);
  metrics_request_end(srv->app->metrics, resp.route, method, resp.status,
                      (double)elapsed_us(&cs->start) / 1e6);
  cs->answered = true;
  rb_response_clear(&resp);
  return ret;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
  struct http_server *srv = cls;
  struct conn_state *cs = *con_cls;

  (void)conn;
  (void)toe;
  if (cs == NULL)
    return;
  /* Keep-alive: the next request must arrive within the timeout too. */
  arm(srv, watch_of(conn), true);
  watch_busy(srv, watch_of(conn), false);
  if (cs->started) { /* else libmicrohttpd refused the head itself */
    if (!cs->answered)
      metrics_request_abandon(srv->app->metrics);
    if (cs->ready || cs->resumed) /* resumed, but the client left first */
      atomic_fetch_sub(&srv->resumed_unanswered, 1);
    atomic_fetch_sub(&srv->in_flight, 1);
  }
  rb_response_clear(&cs->resp);
  router_prepared_free(cs->req.prepared);
  free(cs->body);
  free(cs->target);
  free(cs);
  *con_cls = NULL;
}

/* New connections while stopping are refused at accept (closed at once),
 * which is what MHD_quiesce_daemon would give, without its race: in
 * libmicrohttpd 0.9.75 (Debian 12) it removes the listening socket from
 * each worker's epoll set while the workers may be doing the same, and
 * the loser's ENOENT is a panic (seen in CI; a panic handler may not return:
 * the call sites are compiled as not returning). */
static enum MHD_Result
on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
  struct http_server *srv = cls;
  bool room;

  (void)addrlen;
  if (atomic_load(&srv->closing))
    return MHD_NO;
  pthread_mutex_lock(&srv->watch_mu);
  room = make_room(srv, addr);
  pthread_mutex_unlock(&srv->watch_mu);
  return room ? MHD_YES : MHD_NO;
}

static bool
parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len, bool *ipv6)
{
  char host[256];
  const char *colon = strrchr(listen, ':');
  struct addrinfo hints, *res = NULL;
  size_t hlen;

  if (colon == NULL)
    return false;
  hlen = (size_t)(colon - listen);
  if (hlen >= sizeof(host))
    return false;
  memcpy(host, listen, hlen);
  host[hlen] = '\0';
  if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
    memmove(host, host + 1, hlen - 2);
    host[hlen - 2] = '\0';
  }
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
  if (getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &res) != 0 || res == NULL)
    return false;
  memcpy(ss, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  *ipv6 = res->ai_family == AF_INET6;
  freeaddrinfo(res);
  return true;
}

static bool
write_port_file(const char *path, unsigned port)
{
  char tmp[4096];
  FILE *f;

  if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
    return false;
  f = fopen(tmp, "w");
  if (f == NULL)
    return false;
  fprintf(f, "%u\n", port);
  if (fclose(f) != 0)
    return false;
  return rename(tmp, path) == 0;
}

unsigned
http_connection_ceiling(const struct app_config *cfg)
{
  /* Twice: a flood sheds connections faster than their workers close
   * them, and at its ceiling libmicrohttpd stops accepting altogether. */
  return 2 * cfg->max_connections + (unsigned)app_threads(cfg);
}

unsigned
http_files_needed(const struct app_config *cfg)
{
  /* Besides the connections: per worker an epoll set, a pipe and a
   * database connection (file, WAL, shared memory), the writer's, the
   * listening socket, logs and some slack. */
  return http_connection_ceiling(cfg) + 64 + 6 * ((unsigned)app_threads(cfg) + 1);
}

enum rb_err
http_start(struct app *app, struct http_server **out, const char **why)
{
  struct http_server *srv = calloc(1, sizeof(*srv));
  struct sockaddr_storage ss;
  socklen_t sslen;
  const union MHD_DaemonInfo *info;
  unsigned flags =
    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
  unsigned threads;
  bool ipv6 = false;

  if (srv == NULL)
    return RB_ERR_NOMEM;
  srv->app = app;
  pthread_mutex_init(&srv->watch_mu, NULL);
  util_cond_init_monotonic(&srv->watch_cv); /* timed waits: see util.h */
  pthread_mutex_init(&srv->queue_mu, NULL);
  util_cond_init_monotonic(&srv->queue_cv);
  util_cond_init_monotonic(&srv->check_cv);
  writeq_init(&srv->queue);
  writeq_init(&srv->check_queue);
  randombytes_buf(&srv->id_prefix, sizeof(srv->id_prefix));
  if (!parse_listen(app->cfg.listen, &ss, &sslen, &ipv6)) {
    *why = "--listen must be HOST:PORT with a numeric host, e.g. 127.0.0.1:8080";
    free(srv);
    return RB_ERR_BAD_REQUEST;
  }
  if (ipv6)
    flags |= MHD_USE_IPv6;
  threads = (unsigned)app_threads(&app->cfg);
  if (threads < 1)
    threads = 1;
  srv->daemon = MHD_start_daemon(
    flags, 0, on_accept, srv, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
    MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
    MHD_OPTION_CONNECTION_TIMEOUT, app->cfg.connection_timeout_s,
    /* The limits are make_room's: libmicrohttpd's own would refuse a new
     * client where make_room sheds an idle one. Its total has room for the
     * connections shed but not yet closed; its per-address limit is off. */
    MHD_OPTION_CONNECTION_LIMIT, http_connection_ceiling(&app->cfg),
    MHD_OPTION_PER_IP_CONNECTION_LIMIT, 0u,
    /* Room for twice the header limit, so that on_request sees a head over
     * the limit and answers it (414, 431) as a problem document; beyond
     * that libmicrohttpd answers itself. */
    MHD_OPTION_CONNECTION_MEMORY_LIMIT, app->cfg.max_header_bytes * 2 + 4096,
    MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
    MHD_OPTION_END);
  if (srv->daemon == NULL) {
    *why = "cannot listen on the requested address (in use, or not permitted)";
    pthread_mutex_destroy(&srv->watch_mu);
    pthread_cond_destroy(&srv->watch_cv);
    pthread_mutex_destroy(&srv->queue_mu);
    pthread_cond_destroy(&srv->queue_cv);
    pthread_cond_destroy(&srv->check_cv);
    free(srv);
    return RB_ERR_IO;
  }
  if (pthread_create(&srv->reaper, NULL, reaper_main, srv) == 0)
    srv->reaper_started = true;
  /* Without a writer thread writes run on the HTTP workers (slower, but
   * correct): enqueue_write declines. */
  pthread_mutex_lock(&srv->queue_mu);
  srv->writer_started = pthread_create(&srv->writer, NULL, writer_main, srv) == 0;
  /* The checker hands on to the writer: without one, returns are checked
   * on the worker too. */
  srv->checker_started =
    srv->writer_started && pthread_create(&srv->checker, NULL, checker_main, srv) == 0;
  pthread_mutex_unlock(&srv->queue_mu);
  if (srv->writer_started)
    router_touch_waker(app, wake_writer_for_touch, srv);
  info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
  srv->port = info != NULL ? info->port : 0;
  if (app->cfg.port_file != NULL && !write_port_file(app->cfg.port_file, srv->port)) {
    *why = "cannot write the port file";
    http_stop(srv, 0);
    return RB_ERR_IO;
  }
  *out = srv;
  return RB_OK;
}

unsigned
http_port(const struct http_server *srv)
{
  return srv->port;
}

void
http_stop(struct http_server *srv, unsigned grace_ms)
{
  if (srv == NULL)
    return;
  /* From here new connections are refused (on_accept) and every answer
   * closes its connection, so a keep-alive client does not start another
   * request on a connection about to be cut, and in_flight does not dip to
   * 0 between two requests of one client. */
  atomic_store(&srv->closing, true);
  for (unsigned waited = 0; waited < grace_ms && atomic_load(&srv->in_flight) > 0; waited += 10) {
    struct timespec ts = {0, 10 * 1000 * 1000};

    nanosleep(&ts, NULL);
  }
  /* The checker passes every queued write on (or answers it) and the
   * writer answers every queued write before they end: libmicrohttpd must
   * not be stopped while a connection is suspended. Writes arriving after
   * this are refused (503), not run on a worker. */
  pthread_mutex_lock(&srv->queue_mu);
  srv->checker_stop = true;
  pthread_cond_signal(&srv->check_cv);
  pthread_mutex_unlock(&srv->queue_mu);
  if (srv->checker_started)
    pthread_join(srv->checker, NULL);
  pthread_mutex_lock(&srv->queue_mu);
  srv->writer_stop = true;
  pthread_cond_signal(&srv->queue_cv);
  pthread_mutex_unlock(&srv->queue_mu);
  if (srv->writer_started) {
    pthread_join(srv->writer, NULL);
    router_touch_waker(srv->app, NULL, NULL);
    router_record_touches(srv->app); /* uses still pending */
  }
  /* The resumed writes' answers go out before the daemon stops: their
   * work is committed, and a client must hear so. Bounded: a worker sends
   * them at once, but a client may have stopped reading. */
  for (unsigned waited = 0; waited < 5000 && atomic_load(&srv->resumed_unanswered) > 0;
       waited += 10) {
    struct timespec ts = {0, 10 * 1000 * 1000};

    nanosleep(&ts, NULL);
  }
  MHD_stop_daemon(srv->daemon);
  pthread_mutex_lock(&srv->watch_mu);
  srv->stopping = true;
  pthread_cond_signal(&srv->watch_cv);
  pthread_mutex_unlock(&srv->watch_mu);
  if (srv->reaper_started)
    pthread_join(srv->reaper, NULL);
  pthread_mutex_destroy(&srv->watch_mu);
  pthread_cond_destroy(&srv->watch_cv);
  pthread_mutex_destroy(&srv->queue_mu);
  pthread_cond_destroy(&srv->queue_cv);
  pthread_cond_destroy(&srv->check_cv);
  free(srv);
}
