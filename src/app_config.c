/* The server's options: one table (name, environment variable, help and
 * default) that `ragboard serve` parses and prints in its --help, and
 * whose defaults app_config_defaults applies, so each default is written
 * once. */
#include "app.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonv.h"
#include "util.h"

static const struct app_option options[] = {
  {"--db", "RAGBOARD_DB", false, "PATH", "SQLite database file, required (must be migrated)", NULL},
  {"--listen", "RAGBOARD_LISTEN", false, "HOST:PORT",
   "address to listen on; port 0 picks a free port", "127.0.0.1:8080"},
  {"--port-file", "RAGBOARD_PORT_FILE", false, "FILE",
   "write the bound port here once accepting (default: none)", NULL},
  {"--public-read", "RAGBOARD_PUBLIC_READ", true, NULL, "allow anonymous reads", NULL},
  {"--no-dashboard", "RAGBOARD_NO_DASHBOARD", true, NULL,
   "do not serve the dashboard (/, /returns and their /assets/): the API only", NULL},
  {"--threads", "RAGBOARD_THREADS", false, "N",
   "HTTP worker threads (0 = four per core, at least 8)", "0"},
  {"--synchronous", "RAGBOARD_SYNCHRONOUS", false, "full|normal",
   "SQLite synchronous level; full survives power loss", "full"},
  {"--busy-timeout-ms", "RAGBOARD_BUSY_TIMEOUT_MS", false, "MS",
   "wait this long for a locked database", "5000"},
  {"--max-body", "RAGBOARD_MAX_BODY", false, "BYTES", "largest request body", "1M"},
  {"--max-import-body", "RAGBOARD_MAX_IMPORT_BODY", false, "BYTES",
   "largest body for POST /api/v1/import", "32M"},
  {"--max-json-depth", "RAGBOARD_MAX_JSON_DEPTH", false, "N", "deepest JSON nesting accepted",
   "32"},
  {"--connection-timeout", "RAGBOARD_CONNECTION_TIMEOUT", false, "SECONDS",
   "close connections idle this long", "30"},
  {"--request-timeout", "RAGBOARD_REQUEST_TIMEOUT", false, "SECONDS",
   "a request's headers and body must arrive within this (slow clients are cut off)", "15"},
  {"--max-header-bytes", "RAGBOARD_MAX_HEADER_BYTES", false, "BYTES",
   "largest request line plus headers (past it: 414 or 431)", "16K"},
  {"--max-page-size", "RAGBOARD_MAX_PAGE_SIZE", false, "N", "largest ?limit= for lists", "500"},
  {"--max-connections", "RAGBOARD_MAX_CONNECTIONS", false, "N",
   "most connections at once; past it a new client sheds the connection idle longest (the "
   "open-file limit is raised to fit)",
   "1024"},
  {"--max-connections-per-ip", "RAGBOARD_MAX_CONNECTIONS_PER_IP", false, "N",
   "most connections from one address, 0 for no limit; past it a new client sheds that "
   "address's connection idle longest",
   "256"},
  {"--shutdown-grace-ms", "RAGBOARD_SHUTDOWN_GRACE_MS", false, "MS",
   "on SIGTERM, wait this long for requests in flight", "10000"},
  {"--cors-origins", "RAGBOARD_CORS_ORIGINS", false, "LIST",
   "comma-separated dashboard origins allowed by CORS (none by default); "
   "http://localhost:* allows any port of that host",
   NULL},
  {"--log-level", "RAGBOARD_LOG_LEVEL", false, "LEVEL", "error, warn, info or debug", "info"},
  {"--audit-key", "RAGBOARD_AUDIT_KEY", false, "FILE",
   "the audit trail's key file, secret, kept apart from the database (default: the database "
   "file's path + .audit-key)",
   NULL},
  {"--report-title", "RAGBOARD_REPORT_TITLE", false, "TEXT",
   "the partnership's title on the board report's cover (default: the plan year's imported "
   "dataset title without a trailing quarter phrase such as \", Quarter 1 2018/19\" or \" - Q1 "
   "2018/19\"; without one, \"Integrated Care Partnership\")",
   NULL},
  {"--report-delivery-team", "RAGBOARD_REPORT_DELIVERY_TEAM", false, "NAME",
   "the first body in the board report's approval history (default: \"Delivery Team\")", NULL},
  {"--report-place-board", "RAGBOARD_REPORT_PLACE_BOARD", false, "NAME",
   "the second body in the board report's approval history (default: \"Place Board\")", NULL},
};

const struct app_option *
app_options(size_t *n)
{
  *n = ARRAY_LEN(options);
  return options;
}

const struct app_option *
app_option(const char *name)
{
  for (size_t i = 0; i < ARRAY_LEN(options); i++)
    if (strcmp(options[i].name, name) == 0)
      return &options[i];
  return NULL;
}

bool
app_parse_number(const char *text, unsigned long long *out)
{
  char *end;
  unsigned long long x;

  errno = 0;
  x = strtoull(text, &end, 10);
  if (errno != 0 || end == text)
    return false;
  if (*end == 'K' || *end == 'k')
    x <<= 10, end++;
  else if (*end == 'M' || *end == 'm')
    x <<= 20, end++;
  else if (*end == 'G' || *end == 'g')
    x <<= 30, end++;
  if (*end != '\0')
    return false;
  *out = x;
  return true;
}

bool
app_report_text_ok(const char *text)
{
  size_t n = strlen(text);

  for (size_t i = 0; i < n; i++)
    if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
      return false;
  return n >= 1 && n <= 200 && jv_utf8_valid(text, n);
}

enum rb_err
app_config_set(struct app_config *cfg, const char *name, const char *value, char *why, size_t cap)
{
  static const char *const levels[] = {"error", "warn", "info", "debug"};
  static const char *const numbers[] = {
    "--threads",         "--busy-timeout-ms",       "--max-body",
    "--max-import-body", "--max-json-depth",        "--connection-timeout",
    "--request-timeout", "--max-header-bytes",      "--max-page-size",
    "--max-connections", "--max-connections-per-ip"};
  unsigned long long v = 0;

  for (size_t i = 0; i < ARRAY_LEN(numbers); i++) {
    if (strcmp(name, numbers[i]) != 0)
      continue;
    if (value == NULL)
      return RB_OK; /* not given: the default stays */
    if (!app_parse_number(value, &v)) {
      snprintf(why, cap, "%s must be a number", name);
      return RB_ERR_INVALID;
    }
    break;
  }
  if (strcmp(name, "--db") == 0) {
    cfg->db_path = value;
  } else if (strcmp(name, "--listen") == 0) {
    cfg->listen = value;
  } else if (strcmp(name, "--port-file") == 0) {
    cfg->port_file = value;
  } else if (strcmp(name, "--public-read") == 0) {
    cfg->public_read = value != NULL;
  } else if (strcmp(name, "--no-dashboard") == 0) {
    cfg->no_dashboard = value != NULL;
  } else if (strcmp(name, "--threads") == 0) {
    cfg->threads = (int)v;
  } else if (strcmp(name, "--synchronous") == 0) {
    if (value == NULL || (strcmp(value, "full") != 0 && strcmp(value, "normal") != 0)) {
      snprintf(why, cap, "--synchronous must be full or normal");
      return RB_ERR_INVALID;
    }
    cfg->sync_full = strcmp(value, "full") == 0;
  } else if (strcmp(name, "--busy-timeout-ms") == 0) {
    cfg->busy_timeout_ms = (int)v;
  } else if (strcmp(name, "--max-body") == 0) {
    cfg->max_body = (size_t)v;
  } else if (strcmp(name, "--max-import-body") == 0) {
    cfg->max_import_body = (size_t)v;
  } else if (strcmp(name, "--max-json-depth") == 0) {
    cfg->max_json_depth = (int)v;
  } else if (strcmp(name, "--connection-timeout") == 0) {
    cfg->connection_timeout_s = (unsigned)v;
  } else if (strcmp(name, "--request-timeout") == 0) {
    cfg->request_timeout_s = v > 0 ? (unsigned)v : 1;
  } else if (strcmp(name, "--max-header-bytes") == 0) {
    cfg->max_header_bytes = v >= 2048 ? (size_t)v : 2048;
  } else if (strcmp(name, "--max-page-size") == 0) {
    cfg->max_page_size = v > 0 && v <= 100000 ? (int)v : 500;
  } else if (strcmp(name, "--max-connections") == 0) {
    cfg->max_connections = v >= 16 ? (unsigned)v : 16;
  } else if (strcmp(name, "--max-connections-per-ip") == 0) {
    cfg->max_connections_per_ip = (unsigned)v;
  } else if (strcmp(name, "--cors-origins") == 0) {
    cfg->cors_origins = value;
  } else if (strcmp(name, "--log-level") == 0) {
    size_t i;

    for (i = 0; i < ARRAY_LEN(levels) && (value == NULL || strcmp(value, levels[i]) != 0); i++)
      ;
    if (i == ARRAY_LEN(levels)) {
      snprintf(why, cap, "--log-level must be error, warn, info or debug");
      return RB_ERR_INVALID;
    }
    cfg->log_level = (int)i;
  } else if (strcmp(name, "--audit-key") == 0) {
    cfg->audit_key_path = value;
  } else if (strncmp(name, "--report-", 9) == 0) {
    if (value != NULL && !app_report_text_ok(value)) {
      snprintf(why, cap, "%s must be UTF-8 text of 1 to 200 bytes, without control characters",
               name);
      return RB_ERR_INVALID;
    }
    if (strcmp(name, "--report-title") == 0)
      cfg->report_title = value;
    else if (strcmp(name, "--report-delivery-team") == 0)
      cfg->report_delivery_team = value;
    else if (strcmp(name, "--report-place-board") == 0)
      cfg->report_place_board = value;
  }
  /* anything else (--shutdown-grace-ms) is the serve command's own */
  return RB_OK;
}

void
app_config_defaults(struct app_config *cfg)
{
  char why[128];

  memset(cfg, 0, sizeof(*cfg));
  for (size_t i = 0; i < ARRAY_LEN(options); i++)
    (void)app_config_set(cfg, options[i].name, options[i].def, why, sizeof(why));
}
