/* Connections: every open one is watched, so the reaper can cut off
 * clients that trickle a request in a byte at a time (libmicrohttpd's own
 * timeout only counts inactivity, which such clients never show), and so
 * that a new client finds room when idle connections fill the limits: the
 * one idle longest is shed (make_room). */
#include "http_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

void
http_disarm(struct http_server *srv, struct conn_watch *w)
{
  if (w == NULL)
    return;
  pthread_mutex_lock(&srv->watch_mu);
  w->armed = false;
  pthread_mutex_unlock(&srv->watch_mu);
}

static void
deadline(const struct http_server *srv, struct timespec *at)
{
  clock_gettime(CLOCK_MONOTONIC, at);
  at->tv_sec += srv->app->cfg.request_timeout_s;
}

struct conn_watch *
http_watch_of(struct MHD_Connection *conn)
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

void
http_watch_busy(struct http_server *srv, struct conn_watch *w)
{
  if (w == NULL)
    return;
  pthread_mutex_lock(&srv->watch_mu);
  w->busy = true;
  pthread_mutex_unlock(&srv->watch_mu);
}

void
http_watch_idle(struct http_server *srv, struct conn_watch *w)
{
  struct timespec at;

  if (w == NULL)
    return;
  deadline(srv, &at);
  pthread_mutex_lock(&srv->watch_mu);
  w->armed = true;
  w->deadline = at;
  if (w->busy && !w->shed) {
    watch_unlink(srv, w);
    watch_push(srv, w);
  }
  w->busy = false;
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

struct conn_watch *
http_watch_open(struct http_server *srv, struct MHD_Connection *conn)
{
  const union MHD_ConnectionInfo *ci =
    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
  const union MHD_ConnectionInfo *ca =
    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  struct conn_watch *w = calloc(1, sizeof(*w));

  if (w == NULL || ci == NULL) {
    free(w);
    return NULL;
  }
  w->fd = ci->connect_fd;
  addr_key_of(ca != NULL ? ca->client_addr : NULL, &w->addr);
  deadline(srv, &w->deadline);
  w->armed = true;
  pthread_mutex_lock(&srv->watch_mu);
  watch_push(srv, w);
  srv->live++;
  pthread_mutex_unlock(&srv->watch_mu);
  return w;
}

void
http_watch_close(struct http_server *srv, struct conn_watch *w)
{
  if (w == NULL)
    return;
  pthread_mutex_lock(&srv->watch_mu);
  watch_unlink(srv, w);
  if (!w->shed)
    srv->live--;
  pthread_mutex_unlock(&srv->watch_mu);
  free(w);
}

void *
http_reaper_main(void *arg)
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
  }
  pthread_mutex_unlock(&srv->watch_mu);
  return NULL;
}

/* New connections while stopping are refused at accept (closed at once),
 * which is what MHD_quiesce_daemon would give, without its race: in
 * libmicrohttpd 0.9.75 (Debian 12) it removes the listening socket from
 * each worker's epoll set while the workers may be doing the same, and
 * the loser's ENOENT is a panic (seen in CI; a panic handler may not return:
 * the call sites are compiled as not returning). */
enum MHD_Result
http_on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
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
