/* The daemon: start libmicrohttpd with the callbacks of http_conn.c and
 * http_watch.c, the writer's threads and the request log; stop them in
 * the order that loses no answer. */
#include "http_int.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "util.h"
#include "writer.h"

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

size_t
http_connection_memory(const struct app_config *cfg)
{
  /* libmicrohttpd zeroes the whole of this pool for every request (once at
   * its end, and half of it again as the head's buffer shrinks): a margin
   * of twice the limit (36 KiB) cost 55,000 instructions per request, a
   * third of a cached summary's. 8 KiB leaves room for a head 6 KiB over
   * the limit, the header lines libmicrohttpd keeps for it, and the answer. */
  return cfg->max_header_bytes + HTTP_HEAD_MARGIN;
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
  {
    uint64_t prefix;

    randombytes_buf(&prefix, sizeof(prefix));
    snprintf(srv->id_prefix, sizeof(srv->id_prefix), "%016llx", (unsigned long long)prefix);
  }
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
  /* Without its threads writes run on the HTTP workers (slower, but
   * correct). */
  if (http_log_start(app, &srv->log) != RB_OK) {
    *why = "out of memory";
    free(srv);
    return RB_ERR_NOMEM;
  }
  (void)writer_start(app->writer);
  srv->daemon = MHD_start_daemon(
    flags, 0, http_on_accept, srv, http_on_request, srv, MHD_OPTION_SOCK_ADDR,
    (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_NOTIFY_COMPLETED,
    http_on_completed, srv, MHD_OPTION_CONNECTION_TIMEOUT, app->cfg.connection_timeout_s,
    /* The limits are make_room's: libmicrohttpd's own would refuse a new
     * client where make_room sheds an idle one. Its total has room for the
     * connections shed but not yet closed; its per-address limit is off. */
    MHD_OPTION_CONNECTION_LIMIT, http_connection_ceiling(&app->cfg),
    MHD_OPTION_PER_IP_CONNECTION_LIMIT, 0u,
    /* Room for a head HTTP_HEAD_MARGIN over the limit (and the answer's
     * own head), so that http_on_request sees it and answers it (414, 431)
     * as a problem document; beyond that libmicrohttpd answers itself, with
     * the same status. */
    MHD_OPTION_CONNECTION_MEMORY_LIMIT, http_connection_memory(&app->cfg),
    MHD_OPTION_URI_LOG_CALLBACK, http_on_uri, srv, MHD_OPTION_NOTIFY_CONNECTION, http_on_connection,
    srv, MHD_OPTION_END);
  if (srv->daemon == NULL) {
    *why = "cannot listen on the requested address (in use, or not permitted)";
    writer_stop(app->writer);
    http_log_stop(srv->log);
    pthread_mutex_destroy(&srv->watch_mu);
    pthread_cond_destroy(&srv->watch_cv);
    free(srv);
    return RB_ERR_IO;
  }
  if (pthread_create(&srv->reaper, NULL, http_reaper_main, srv) == 0)
    srv->reaper_started = true;
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
  /* The writer answers every queued write before it stops: libmicrohttpd
   * must not be stopped while a connection is suspended. Writes arriving
   * after this are refused (503), not run on a worker. */
  writer_stop(srv->app->writer);
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
  http_log_stop(srv->log); /* every answer is logged now */
  pthread_mutex_destroy(&srv->watch_mu);
  pthread_cond_destroy(&srv->watch_cv);
  free(srv);
}
