/* The application: configuration and the state every request shares. One
 * struct app is created at start-up and passed as the closure everywhere;
 * there are no globals. */
#ifndef RAGBOARD_APP_H
#define RAGBOARD_APP_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct store;
struct store_pool;
struct response_cache;
struct metrics;
struct audit_keyring;
struct writer;

struct app_config {
  const char *db_path;
  const char *listen;    /* "HOST:PORT"; port 0 picks a free one */
  const char *port_file; /* written once the server accepts connections */
  bool public_read;      /* anonymous GETs allowed */
  bool no_dashboard;     /* the pages at / and /returns answer 404 */
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
  /* The audit trail's key file, and its keys as read at start (borrowed:
   * the caller keeps them while the app lives; app_audit_keys reads them). */
  const char *audit_key_path;
  const struct audit_keyring *audit_keys;
  /* The board report's cover (GET /api/v1/reports/{quarter}): the
   * partnership's title and the names of the two bodies that approve it;
   * NULL: the report's defaults (domain_report.h). */
  const char *report_title;
  const char *report_delivery_team, *report_place_board;
};

enum { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

struct app {
  struct app_config cfg;
  struct store_pool *pool;
  struct response_cache *responses; /* answers per data version (cache.h) */
  struct metrics *metrics;
  struct writer *writer; /* every write goes through it (writer.h) */
};

/* The server's options, as `ragboard serve` takes them: each sets a field
 * of struct app_config (but --shutdown-grace-ms, the serve command's own),
 * and def is its default as the option would be written ("1M"). */
struct app_option {
  const char *name; /* "--listen" */
  const char *env;  /* "RAGBOARD_LISTEN" */
  bool flag;        /* takes no value: given or not */
  const char *meta; /* "HOST:PORT"; NULL for a flag */
  const char *help;
  const char *def; /* NULL: no default (a flag: off) */
};
const struct app_option *app_options(size_t *n);
const struct app_option *app_option(const char *name); /* NULL when none */
/* Set what option `name` configures from its text (NULL: not given, or a
 * flag that is off). RB_ERR_INVALID, with why (cap bytes) naming the
 * option, when the text is not one it takes. value is borrowed by cfg. */
enum rb_err app_config_set(struct app_config *cfg, const char *name, const char *value, char *why,
                           size_t cap);
/* Text the report options (--report-title, ...) take: UTF-8, 1 to 200
 * bytes, no control characters (the command line's --title too). */
bool app_report_text_ok(const char *text);
/* A number as the options take it: decimal digits, with an optional K, M
 * or G (2^10, 2^20, 2^30) after them. */
bool app_parse_number(const char *text, unsigned long long *out);
/* Every option's default (the table's): what a server started with no
 * option runs with. */
void app_config_defaults(struct app_config *cfg);
/* Workers when --threads is 0: four per core, at least 8. A write holds its
 * worker until its group commit is durable, so concurrent writes need
 * workers to share an fsync; reads are short and do not mind. */
int app_default_threads(void);
/* The worker count cfg asks for. */
int app_threads(const struct app_config *cfg);
/* Open the database pool (the schema must be current, the audit trail
 * keyed, or empty, and signed with a key among cfg->audit_keys, which are
 * required: a server never writes an unkeyed entry). *out set on RB_OK;
 * `why` receives a message on failure. */
enum rb_err app_open(const struct app_config *cfg, struct app **out, const char **why);

/* The audit key file for a database: key_path, or the default beside the
 * database file (audit_key_default_path). Read it into *keys; when it does
 * not exist and `create` is set and the trail is not keyed, make it (mode
 * 0600), and with `create` key the trail (store_audit_key_trail, as `actor`
 * at `now`). For `ragboard migrate` and `import` (create), the other
 * commands and tests. On failure `why` (cap bytes) says what, naming the
 * file. *created: the file was made now; *keyed: an audit.keyed entry was
 * written now. */
enum rb_err app_audit_keys(const char *db_path, const char *key_path, bool create,
                           const char *actor, const char *now, struct audit_keyring **keys,
                           bool *created, bool *keyed, char *why, size_t cap);
/* Why the audit trail is not protected now (the append-only triggers are
 * missing or changed, or the key file can no longer be read or lacks the
 * signing key), in why; RB_OK when it is. For /readyz. */
enum rb_err app_audit_ready(struct app *app, struct store *st, char *why, size_t cap);
void app_close(struct app *app); /* NULL is a no-op */

#endif
