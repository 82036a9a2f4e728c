/* The application: configuration and the state every request shares. One
 * struct app is created at start-up and passed as the closure everywhere;
 * there are no globals. */
#ifndef RAGBOARD_APP_H
#define RAGBOARD_APP_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct store_pool;
struct summary_cache;
struct metrics;

struct app_config {
  const char *db_path;
  const char *listen;    /* "HOST:PORT"; port 0 picks a free one */
  const char *port_file; /* written once the server accepts connections */
  bool public_read;      /* anonymous GETs allowed */
  bool sync_full;        /* PRAGMA synchronous=FULL (default) */
  int threads;           /* HTTP worker threads; 0 = app_default_threads() */
  int busy_timeout_ms;
  size_t max_body;        /* bytes; larger bodies answer 413 */
  size_t max_import_body; /* bytes, for POST /api/v1/import */
  int max_json_depth;
  unsigned connection_timeout_s;
  unsigned max_connections;
  unsigned max_connections_per_ip;
  const char *cors_origins;   /* comma-separated allow-list; NULL or "" = no CORS */
  unsigned request_timeout_s; /* whole request (headers and body) must arrive within this */
  size_t max_header_bytes;    /* request line plus headers */
  int max_page_size;          /* largest ?limit= for lists */
  int log_level;              /* LOG_ERROR .. LOG_DEBUG */
};

enum { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

struct app {
  struct app_config cfg;
  struct store_pool *pool;
  struct summary_cache *summaries;
  struct metrics *metrics;
};

void app_config_defaults(struct app_config *cfg);
/* Workers when --threads is 0: four per core, at least 8. A write holds its
 * worker until its group commit is durable, so concurrent writes need
 * workers to share an fsync; reads are short and do not mind. */
int app_default_threads(void);
/* The worker count cfg asks for. */
int app_threads(const struct app_config *cfg);
/* Open the database pool (the schema must be current). *out set on RB_OK;
 * `why` receives a message on failure. */
enum rb_err app_open(const struct app_config *cfg, struct app **out, const char **why);
void app_close(struct app *app); /* NULL is a no-op */

#endif
