/* The HTTP server (src/http*.c, the only files that know libmicrohttpd).
 * A pool of epoll workers serves reads; a write's connection is suspended
 * while the writer (writer.h) runs it, so a worker never waits for the
 * database's writer or an fsync; request log lines are written by a
 * thread of their own. */
#ifndef RAGBOARD_HTTP_H
#define RAGBOARD_HTTP_H

#include "app.h"
#include "error.h"

struct http_server;

/* Start serving app on app->cfg.listen ("HOST:PORT", port 0 = any free
 * port). Writes the bound port to app->cfg.port_file when set. */
enum rb_err http_start(struct app *app, struct http_server **out, const char **why);
/* The most connections libmicrohttpd holds at once: --max-connections and
 * room for those shed to make room (see http.c) but not closed yet; and the
 * file descriptors the server needs with them (serve raises its limit). */
unsigned http_connection_ceiling(const struct app_config *cfg);
unsigned http_files_needed(const struct app_config *cfg);
/* The port actually bound. */
unsigned http_port(const struct http_server *srv);
/* Stop accepting, wait up to grace_ms for requests in flight, let the
 * writer answer every queued write, then stop. NULL is a no-op. */
void http_stop(struct http_server *srv, unsigned grace_ms);

#endif
