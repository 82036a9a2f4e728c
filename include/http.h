/* The HTTP server: the only module that knows libmicrohttpd. */
#ifndef RAGBOARD_HTTP_H
#define RAGBOARD_HTTP_H

#include "app.h"
#include "error.h"

struct http_server;

/* Start serving app on app->cfg.listen ("HOST:PORT", port 0 = any free
 * port). Writes the bound port to app->cfg.port_file when set. */
enum rb_err http_start(struct app *app, struct http_server **out, const char **why);
/* The port actually bound. */
unsigned http_port(const struct http_server *srv);
/* Stop accepting, wait up to grace_ms for requests in flight, then stop.
 * NULL is a no-op. */
void http_stop(struct http_server *srv, unsigned grace_ms);

#endif
