/* What the http*.c files share: the server, a connection's watch and a
 * request's state. These files are the only ones that include
 * libmicrohttpd: http.c starts and stops the daemon, http_watch.c watches
 * connections (the reaper, shedding idle ones), http_conn.c runs a
 * request's callbacks (body, suspend and resume for the writer),
 * http_head.c judges a request's head (framing, query, the router's
 * verdict), http_reply.c turns answers into responses (CORS included),
 * http_log.c writes the request log off the request path. */
#ifndef RAGBOARD_HTTP_INT_H
#define RAGBOARD_HTTP_INT_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "http.h"
#include "router.h"

#define MAX_QUERY_PARAMS 32
/* libmicrohttpd's memory per connection beyond --max-header-bytes. */
#define HTTP_HEAD_MARGIN ((size_t)8 << 10)

struct http_log;

/* A client's address, as the per-address connection limit compares them. */
struct addr_key {
  sa_family_t family;
  unsigned char bytes[16];
};

struct http_server {
  struct app *app;
  struct MHD_Daemon *daemon;
  unsigned port;
  atomic_int in_flight;
  char id_prefix[17]; /* request ids: a random per-process prefix (hex) and a counter */
  atomic_ullong id_counter;
  pthread_mutex_t watch_mu;
  pthread_cond_t watch_cv;
  struct conn_watch *watches, *watches_tail; /* under watch_mu */
  unsigned live;                             /* watches not shed */
  bool stopping;
  pthread_t reaper;
  bool reaper_started;
  /* Shutting down: answers close their connections. */
  atomic_bool closing;
  /* Writes the writer has resumed whose answers are not yet sent: the
   * daemon is not stopped under them. */
  atomic_int resumed_unanswered;
  struct http_log *log; /* the request log (http_log.c) */
};

struct query_vec {
  struct rb_param items[MAX_QUERY_PARAMS];
  size_t n;
  bool overflow;
  bool nul; /* a key or value holds an encoded NUL */
};

/* The header lines a request is judged and answered by, found in one pass
 * over them: the first of each name (as MHD_lookup_connection_value would
 * answer), and what framing needs (counts, the last value, the size). */
struct head_values {
  const char *content_length, *transfer_encoding, *host, *authorization, *content_type,
    *if_none_match, *if_match, *origin, *expect, *acr_method;
  unsigned n_content_length, n_transfer_encoding, n_host;
  const char *last_te, *last_host;
  size_t bytes; /* the header lines, as sent (near enough: name, ": ", value, CRLF) */
};

#define HTTP_TARGET_INLINE 512 /* a longer target (and its path) is copied to the heap */

/* Per-request state, from the first callback to the completion notice;
 * kept with the connection (conn_watch) and reset for each request. */
struct conn_state {
  /* The request target as the client sent it, and its path: copied before
   * libmicrohttpd decodes anything (on_uri), for routing and the log:
   * target, NUL, path, NUL, in target_inline when they fit. */
  char *target, *path;
  char target_inline[HTTP_TARGET_INLINE];
  bool in_use; /* between http_on_uri and http_on_completed */
  bool own;    /* not a connection's: freed at completion */
  struct conn_watch *watch;
  struct head_values hv;
  bool started; /* the head has been judged (the first http_on_request call) */
  struct router_head head;
  char *body;
  size_t len, cap, limit;
  bool too_large;
  bool drop_body;   /* the body is not wanted (not a write): dropped as it arrives */
  bool refused;     /* answered at the head (resp), once the body is dropped */
  size_t discarded; /* bytes of a too-large chunked body read and dropped */
  char request_id[33];
  struct timespec start;
  bool answered;             /* a response was queued (metrics counted it) */
  struct router_match match; /* the request's route, looked up at its head */
  /* A write handed to the writer (router_submit), its connection
   * suspended: the request (its strings are libmicrohttpd's, valid while
   * the connection is suspended) and the answer the writer leaves. */
  struct http_server *srv;
  struct MHD_Connection *conn;
  struct query_vec q;
  struct rb_request req;
  struct rb_response resp;
  struct router_write rw;
  bool ready;   /* the writer has answered: send resp */
  bool resumed; /* that answer is being sent (resumed_unanswered counts it) */
  /* A form upload (http_form.c): the body is the form's one file. */
  bool form;         /* the request is one (http_form_wanted) */
  bool form_started; /* its post processor was made (or failed to be) */
  struct MHD_PostProcessor *form_pp;
  const char *form_fault; /* why the form is refused (a static string), or NULL */
  unsigned form_files;    /* file parts seen: 0 or 1 */
  size_t form_bytes;      /* the form's bytes, against the body limit */
  size_t form_part_bytes; /* the file part's bytes so far */
  char upload_name[256];  /* the file's name as the browser gave it */
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
  /* The state of the connection's requests, one at a time: made at its
   * first request, reset for each (no allocation per request), freed with
   * the connection. NULL before the first. */
  struct conn_state *cs;
};

/* ---- http.c ---- */
/* libmicrohttpd's memory pool per connection (the head, its header lines,
 * the answer's head). */
size_t http_connection_memory(const struct app_config *cfg);

/* ---- http_watch.c ---- */
/* Disarm w's deadline: the request is ours now (w may be NULL). */
void http_disarm(struct http_server *srv, struct conn_watch *w);
struct conn_watch *http_watch_of(struct MHD_Connection *conn);
/* A request's head has arrived: w is never shed from here to its answer. */
void http_watch_busy(struct http_server *srv, struct conn_watch *w);
/* Its answer is done: the connection waits for the next request, which
 * must arrive within --request-timeout, and is the most recently idle. */
void http_watch_idle(struct http_server *srv, struct conn_watch *w);
/* A connection's watch, from its start (armed: its first request must
 * arrive within the timeout) to its end; NULL when out of memory. */
struct conn_watch *http_watch_open(struct http_server *srv, struct MHD_Connection *conn);
void http_watch_close(struct http_server *srv, struct conn_watch *w); /* NULL: no-op */
enum MHD_Result http_on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen);
void *http_reaper_main(void *arg);

/* ---- http_head.c ---- */
/* Judge a request on its head, before any body is read: its framing, its
 * target and query, and the router's verdict (a write's token and role).
 * true: read the body (cs->limit, or drop it: cs->drop_body); false: resp
 * holds the answer, to be sent now without the body. */
bool http_judge_head(struct http_server *srv, struct MHD_Connection *conn, const char *method,
                     const char *version, struct conn_state *cs, struct rb_response *resp);

/* ---- http_conn.c ---- */
void *http_on_uri(void *cls, const char *uri, struct MHD_Connection *conn);
enum MHD_Result http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                const char *method, const char *version, const char *upload_data,
                                size_t *upload_data_size, void **con_cls);
void http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                       enum MHD_RequestTerminationCode toe);
void http_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                        enum MHD_ConnectionNotificationCode toe);
long http_elapsed_us(const struct timespec *start); /* on CLOCK_MONOTONIC */

/* Append n bytes to the request's body buffer; false when out of memory. */
bool http_body_append(struct conn_state *cs, const char *data, size_t n);

/* ---- http_form.c ---- */
/* Whether the request uploads a file as a form (multipart/form-data) to
 * a route that takes one (ROUTE_UPLOAD): judged once its head is. */
bool http_form_wanted(const struct conn_state *cs);
/* n more bytes of the form: its file part's bytes go to the body. */
void http_form_feed(struct conn_state *cs, struct MHD_Connection *conn, const char *data, size_t n);
/* The form has arrived: NULL when its one file is now the request's body
 * (content type by its first bytes, upload_name set), else why it is
 * refused (400). */
const char *http_form_end(struct conn_state *cs);
/* Let go of the post processor (a request cut off midway); idempotent. */
void http_form_free(struct conn_state *cs);

/* ---- http_reply.c ---- */
/* origin (the request's Origin header, NULL for none) when it is on the
 * allow-list (exact match), else NULL. */
const char *http_cors_origin(const struct app *app, const char *origin);
/* Queue resp (its body moves to libmicrohttpd) with the headers every
 * answer carries; origin: the request's Origin header, NULL for none. */
enum MHD_Result http_send_response(struct MHD_Connection *conn, struct rb_response *resp,
                                   const char *request_id, const char *origin,
                                   struct http_server *srv);
/* A problem document answered here, before any handler: its type, title
 * and status from the one error table, and the request named in instance,
 * as every problem is. detail is ours (no client bytes, no quotes). */
void http_canned_problem(struct rb_response *resp, enum rb_err err, const char *detail,
                         const char *request_id);

/* ---- http_log.c ---- */
/* The request log: lines are queued in a bounded buffer and written by a
 * thread of their own, so no request waits for the log's reader or disk.
 * When the buffer is full a line is dropped and counted
 * (ragboard_log_lines_dropped_total, and a warning line once there is room
 * again). */
enum rb_err http_log_start(struct app *app, struct http_log **out);
void http_log_stop(struct http_log *log); /* writes what is queued; NULL is a no-op */
/* One request's line: at its level (an answer's status decides), unless
 * --log-level leaves it out. us: the request's time. */
void http_log_request(struct http_log *log, const char *method, const char *target,
                      const struct rb_response *resp, const char *request_id, long us,
                      size_t bytes);

#endif
