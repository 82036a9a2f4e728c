/* ragboard: the command line. Subcommands: migrate, serve, import, token,
 * audit, backup, restore. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pwd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "app.h"
#include "audit_key.h"
#include "auth.h"
#include "backup.h"
#include "db.h"
#include "domain.h"
#include "domain_token.h"
#include "http.h"
#include "import.h"
#include "jsonv.h"
#include "rag.h"
#include "router.h"
#include "store.h"
#include "util.h"

enum opt_kind { OPT_STRING, OPT_FLAG, OPT_UINT, OPT_SIZE };

struct opt {
  const char *name; /* "--listen" */
  const char *env;  /* "RAGBOARD_LISTEN" or NULL */
  enum opt_kind kind;
  const char *meta; /* "HOST:PORT" */
  const char *help;
  const char *value; /* set by parsing; default first */
  bool seen;
};

static void
print_opts(FILE *f, const struct opt *opts, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    char left[64];

    snprintf(left, sizeof(left), "%s%s%s", opts[i].name, opts[i].meta ? " " : "",
             opts[i].meta ? opts[i].meta : "");
    fprintf(f, "  %-26s %s", left, opts[i].help);
    if (opts[i].kind == OPT_FLAG)
      fputs(" (default: off)", f);
    else if (opts[i].value != NULL)
      fprintf(f, " (default: %s)", opts[i].value);
    if (opts[i].env != NULL)
      fprintf(f, " [env %s]", opts[i].env);
    fputc('\n', f);
  }
}

/* Parse argv[first..] into opts; positional arguments are collected in pos.
 * Environment variables fill what the command line does not set. */
static int
parse_opts(int argc, char **argv, int first, struct opt *opts, size_t n, const char **pos,
           int *npos, int maxpos, bool *help)
{
  *npos = 0;
  *help = false;
  for (int i = first; i < argc; i++) {
    const char *a = argv[i];
    size_t j;

    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      *help = true;
      return 0;
    }
    if (strncmp(a, "--", 2) != 0) {
      if (*npos >= maxpos) {
        fprintf(stderr, "ragboard: unexpected argument %s\n", a);
        return -1;
      }
      pos[(*npos)++] = a;
      continue;
    }
    for (j = 0; j < n; j++) {
      size_t len = strlen(opts[j].name);

      if (strncmp(a, opts[j].name, len) != 0 || (a[len] != '\0' && a[len] != '='))
        continue;
      if (opts[j].kind == OPT_FLAG) {
        if (a[len] == '=') {
          fprintf(stderr, "ragboard: %s takes no value\n", opts[j].name);
          return -1;
        }
        opts[j].value = "1";
      } else if (a[len] == '=') {
        opts[j].value = a + len + 1;
      } else if (i + 1 < argc) {
        opts[j].value = argv[++i];
      } else {
        fprintf(stderr, "ragboard: %s needs a value\n", opts[j].name);
        return -1;
      }
      opts[j].seen = true;
      break;
    }
    if (j == n) {
      fprintf(stderr, "ragboard: unknown option %s (see --help)\n", a);
      return -1;
    }
  }
  for (size_t j = 0; j < n; j++) {
    const char *e = opts[j].env != NULL ? getenv(opts[j].env) : NULL;

    if (!opts[j].seen && e != NULL && e[0] != '\0') {
      if (opts[j].kind != OPT_FLAG) {
        opts[j].value = e;
      } else if (strcasecmp(e, "1") == 0 || strcasecmp(e, "true") == 0 ||
                 strcasecmp(e, "yes") == 0 || strcasecmp(e, "on") == 0) {
        opts[j].value = "1";
      } else if (strcasecmp(e, "0") == 0 || strcasecmp(e, "false") == 0 ||
                 strcasecmp(e, "no") == 0 || strcasecmp(e, "off") == 0) {
        opts[j].value = NULL;
      } else {
        /* A switch read wrongly could open the data to anonymous readers. */
        fprintf(stderr, "ragboard: %s=%s: must be 1, true, yes, on, 0, false, no or off\n",
                opts[j].env, e);
        return -1;
      }
    }
  }
  return 0;
}

static const char *
opt_get(const struct opt *opts, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(opts[i].name, name) == 0)
      return opts[i].value;
  return NULL;
}

static bool
opt_uint(const struct opt *opts, size_t n, const char *name, unsigned long long *out)
{
  const char *v = opt_get(opts, n, name);
  char *end;
  unsigned long long x;

  if (v == NULL)
    return false;
  errno = 0;
  x = strtoull(v, &end, 10);
  if (errno != 0 || end == v) {
    fprintf(stderr, "ragboard: %s must be a number\n", name);
    exit(2);
  }
  if (*end == 'K' || *end == 'k')
    x <<= 10, end++;
  else if (*end == 'M' || *end == 'm')
    x <<= 20, end++;
  else if (*end == 'G' || *end == 'g')
    x <<= 30, end++;
  if (*end != '\0') {
    fprintf(stderr, "ragboard: %s must be a number\n", name);
    exit(2);
  }
  *out = x;
  return true;
}

#define NOPTS(a) (sizeof(a) / sizeof((a)[0]))

static int
need_db(const char *db)
{
  if (db == NULL || db[0] == '\0') {
    fprintf(stderr, "ragboard: --db PATH is required\n");
    return 2;
  }
  return 0;
}

static int
open_store(const char *db, bool create, bool migrate, struct store **out)
{
  struct db_options opt = {.synchronous_full = true, .busy_timeout_ms = 10000, .create = create};
  enum rb_err err = store_open(db, &opt, migrate, out);

  if (err == RB_ERR_SCHEMA) {
    fprintf(stderr,
            "ragboard: %s: the schema does not match this binary (run `ragboard "
            "migrate --db %s`, or upgrade ragboard if the database is newer)\n",
            db, db);
    return 1;
  }
  if (err != RB_OK) {
    fprintf(stderr, "ragboard: cannot open database %s (%s)\n", db, rb_err_title(err));
    return 1;
  }
  return 0;
}

/* The --audit-key option every command that writes or verifies takes. */
#define AUDIT_KEY_OPT                                                                   \
  {                                                                                     \
    "--audit-key", "RAGBOARD_AUDIT_KEY", OPT_STRING, "FILE",                            \
      "the audit trail's key file, secret, kept apart from the database (default: the " \
      "database file's path + .audit-key)",                                             \
      NULL, false                                                                       \
  }

/* Read the audit keys of db (key_path NULL: the default file), for a
 * command that writes entries; with `create`, make the key file and key
 * the trail if need be (migrate, import), saying so. 0 or an exit code. */
static int
load_keys(const char *db, const char *key_path, bool create, const char *actor,
          struct audit_keyring **keys)
{
  char why[640], now[UTIL_TIME_LEN];
  bool created = false, keyed = false;
  char *path = key_path != NULL ? strdup(key_path) : audit_key_default_path(db);

  util_now(now);
  if (app_audit_keys(db, key_path, create, actor, now, keys, &created, &keyed, why, sizeof(why)) !=
      RB_OK) {
    fprintf(stderr, "ragboard: %s\n", why);
    free(path);
    return 1;
  }
  if (created)
    fprintf(stderr,
            "ragboard: created the audit key file %s (mode 0600): back it up now, apart from "
            "the database (see deploy/README.md); without it the server does not start\n",
            path != NULL ? path : "");
  if (keyed)
    fprintf(stderr, "ragboard: keyed the audit trail: an audit.keyed entry seals the entries "
                    "before it\n");
  free(path);
  return 0;
}

/* Keep [A-Za-z0-9._-] of s in out, '?' for anything else: account names
 * go into audit entries, which must stay valid UTF-8. */
static void
safe_name(char *out, size_t cap, const char *s)
{
  size_t i = 0;

  for (; *s != '\0' && i + 1 < cap; s++)
    out[i++] =
      strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *s) ? *s : '?';
  out[i] = '\0';
}

/* Who ran the command: the account it runs as, from the system (not $USER,
 * which anyone can set), and the account sudo was run from if another. */
static void
cli_operator(char *buf, size_t cap)
{
  struct passwd pw, *found = NULL;
  char pwbuf[1024], account[64], from[64];
  const char *sudo = getenv("SUDO_USER");
  uid_t uid = geteuid();

  if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &found) == 0 && found != NULL)
    safe_name(account, sizeof(account), found->pw_name);
  else
    snprintf(account, sizeof(account), "uid %lu", (unsigned long)uid);
  if (sudo != NULL && sudo[0] != '\0') {
    safe_name(from, sizeof(from), sudo);
    if (strcmp(from, account) != 0) {
      snprintf(buf, cap, "command line (%s, sudo from %s)", account, from);
      return;
    }
  }
  snprintf(buf, cap, "command line (%s)", account);
}

/* Changes made from the command line are audited like any other, with
 * the operator's account (cli_operator, looked up once per command) as the
 * actor, acting as an admin. */
static void
cli_actor(struct domain_actor *who, const char *name, const char *now)
{
  memset(who, 0, sizeof(*who));
  who->name = name;
  who->role = AUTH_ADMIN;
  who->now = now;
}

/* ---- migrate ---------------------------------------------------------------- */

static int
cmd_migrate(int argc, char **argv)
{
  struct opt opts[] = {
    {"--db", "RAGBOARD_DB", OPT_STRING, "PATH",
     "SQLite database file, required (created if missing)", NULL, false},
    AUDIT_KEY_OPT,
  };
  const char *pos[1];
  int npos, rc, version = 0, applied = 0;
  bool help;
  struct db_options dbo = {.synchronous_full = true, .busy_timeout_ms = 10000, .create = true};
  sqlite3 *db = NULL;
  struct audit_keyring *keys = NULL;
  char actor[160];
  enum rb_err err;

  if (parse_opts(argc, argv, 2, opts, NOPTS(opts), pos, &npos, 0, &help) != 0)
    return 2;
  if (help) {
    printf("Usage: ragboard migrate --db PATH [--audit-key FILE]\n\n"
           "Apply pending schema migrations, and key the audit trail: the first run\n"
           "creates the audit key file (mode 0600; back it up apart from the database),\n"
           "and an audit.keyed entry seals any entries written before.\n\n");
    print_opts(stdout, opts, NOPTS(opts));
    return 0;
  }
  if ((rc = need_db(opts[0].value)) != 0)
    return rc;
  err = db_open(opts[0].value, &dbo, &db);
  if (err == RB_OK)
    err = db_migrate(db, &applied);
  if (err == RB_OK)
    err = db_schema_version(db, &version);
  sqlite3_close_v2(db);
  if (err == RB_ERR_SCHEMA) {
    fprintf(stderr, "ragboard: %s has a newer schema than this binary knows (%d)\n", opts[0].value,
            db_migration_count);
    return 1;
  }
  if (err != RB_OK) {
    fprintf(stderr, "ragboard: migrate failed: %s\n", rb_err_title(err));
    return 1;
  }
  cli_operator(actor, sizeof(actor));
  if ((rc = load_keys(opts[0].value, opts[1].value, true, actor, &keys)) != 0)
    return rc;
  audit_keyring_free(keys);
  printf("applied %d migration(s); schema version %d\n", applied, version);
  return 0;
}

/* ---- serve -------------------------------------------------------------------- */

/* Enough file descriptors for --max-connections (http_files_needed): the
 * soft limit is raised towards the hard one, and not touched when it
 * suffices (the systemd unit sets it, and its filter refuses setrlimit).
 * Short of the hard limit, fewer connections, and a warning. */
static void
fit_connections(struct app_config *cfg)
{
  struct rlimit rl;
  unsigned asked = cfg->max_connections;
  char now[UTIL_TIME_LEN];

  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
      rl.rlim_cur >= http_files_needed(cfg))
    return;
  {
    struct rlimit want = rl;

    want.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= http_files_needed(cfg)
                      ? http_files_needed(cfg)
                      : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0)
      rl = want;
  }
  while (cfg->max_connections > 16 && http_files_needed(cfg) > rl.rlim_cur)
    cfg->max_connections--;
  if (cfg->max_connections == asked)
    return;
  util_now(now);
  fprintf(stderr,
          "{\"time\":\"%s\",\"level\":\"warn\",\"event\":\"max-connections\","
          "\"detail\":\"--max-connections %u lowered to %u: the open-file limit is %llu "
          "(raise it, e.g. LimitNOFILE in the systemd unit)\"}\n",
          now, asked, cfg->max_connections, (unsigned long long)rl.rlim_cur);
}

static int
cmd_serve(int argc, char **argv)
{
  struct app_config cfg;
  struct opt opts[] = {
    {"--db", "RAGBOARD_DB", OPT_STRING, "PATH", "SQLite database file, required (must be migrated)",
     NULL, false},
    {"--listen", "RAGBOARD_LISTEN", OPT_STRING, "HOST:PORT",
     "address to listen on; port 0 picks a free port", "127.0.0.1:8080", false},
    {"--port-file", "RAGBOARD_PORT_FILE", OPT_STRING, "FILE",
     "write the bound port here once accepting (default: none)", NULL, false},
    {"--public-read", "RAGBOARD_PUBLIC_READ", OPT_FLAG, NULL, "allow anonymous reads", NULL, false},
    {"--threads", "RAGBOARD_THREADS", OPT_UINT, "N",
     "HTTP worker threads (0 = four per core, at least 8)", "0", false},
    {"--synchronous", "RAGBOARD_SYNCHRONOUS", OPT_STRING, "full|normal",
     "SQLite synchronous level; full survives power loss", "full", false},
    {"--busy-timeout-ms", "RAGBOARD_BUSY_TIMEOUT_MS", OPT_UINT, "MS",
     "wait this long for a locked database", "5000", false},
    {"--max-body", "RAGBOARD_MAX_BODY", OPT_SIZE, "BYTES", "largest request body", "1M", false},
    {"--max-import-body", "RAGBOARD_MAX_IMPORT_BODY", OPT_SIZE, "BYTES",
     "largest body for POST /api/v1/import", "32M", false},
    {"--max-json-depth", "RAGBOARD_MAX_JSON_DEPTH", OPT_UINT, "N", "deepest JSON nesting accepted",
     "32", false},
    {"--connection-timeout", "RAGBOARD_CONNECTION_TIMEOUT", OPT_UINT, "SECONDS",
     "close connections idle this long", "30", false},
    {"--request-timeout", "RAGBOARD_REQUEST_TIMEOUT", OPT_UINT, "SECONDS",
     "a request's headers and body must arrive within this (slow clients are cut off)", "15",
     false},
    {"--max-header-bytes", "RAGBOARD_MAX_HEADER_BYTES", OPT_SIZE, "BYTES",
     "largest request line plus headers (past it: 414 or 431)", "16K", false},
    {"--max-page-size", "RAGBOARD_MAX_PAGE_SIZE", OPT_UINT, "N", "largest ?limit= for lists", "500",
     false},
    {"--max-connections", "RAGBOARD_MAX_CONNECTIONS", OPT_UINT, "N",
     "most connections at once; past it a new client sheds the connection idle longest (the "
     "open-file limit is raised to fit)",
     "1024", false},
    {"--max-connections-per-ip", "RAGBOARD_MAX_CONNECTIONS_PER_IP", OPT_UINT, "N",
     "most connections from one address, 0 for no limit; past it a new client sheds that "
     "address's connection idle longest",
     "256", false},
    {"--shutdown-grace-ms", "RAGBOARD_SHUTDOWN_GRACE_MS", OPT_UINT, "MS",
     "on SIGTERM, wait this long for requests in flight", "10000", false},
    {"--cors-origins", "RAGBOARD_CORS_ORIGINS", OPT_STRING, "LIST",
     "comma-separated dashboard origins allowed by CORS (none by default)", NULL, false},
    {"--log-level", "RAGBOARD_LOG_LEVEL", OPT_STRING, "LEVEL", "error, warn, info or debug", "info",
     false},
    AUDIT_KEY_OPT,
  };
  const char *pos[1];
  int npos, rc, sig = 0, claim = -1;
  bool help;
  unsigned long long v;
  struct app *app = NULL;
  struct http_server *srv = NULL;
  struct audit_keyring *keys = NULL;
  char *key_path = NULL;
  const char *why = "";
  sigset_t set;
  enum rb_err err;
  char now[UTIL_TIME_LEN];

  if (parse_opts(argc, argv, 2, opts, NOPTS(opts), pos, &npos, 0, &help) != 0)
    return 2;
  if (help) {
    printf("Usage: ragboard serve --db PATH [options]\n\n"
           "Serve the JSON API. Every option can also be set with the environment\n"
           "variable shown; the command line wins.\n\n");
    print_opts(stdout, opts, NOPTS(opts));
    return 0;
  }
  app_config_defaults(&cfg);
  cfg.db_path = opt_get(opts, NOPTS(opts), "--db");
  if ((rc = need_db(cfg.db_path)) != 0)
    return rc;
  cfg.listen = opt_get(opts, NOPTS(opts), "--listen");
  cfg.port_file = opt_get(opts, NOPTS(opts), "--port-file");
  cfg.public_read = opt_get(opts, NOPTS(opts), "--public-read") != NULL;
  if (opt_uint(opts, NOPTS(opts), "--threads", &v))
    cfg.threads = (int)v;
  if (strcmp(opt_get(opts, NOPTS(opts), "--synchronous"), "normal") == 0)
    cfg.sync_full = false;
  else if (strcmp(opt_get(opts, NOPTS(opts), "--synchronous"), "full") != 0) {
    fprintf(stderr, "ragboard: --synchronous must be full or normal\n");
    return 2;
  }
  if (opt_uint(opts, NOPTS(opts), "--busy-timeout-ms", &v))
    cfg.busy_timeout_ms = (int)v;
  if (opt_uint(opts, NOPTS(opts), "--max-body", &v))
    cfg.max_body = (size_t)v;
  if (opt_uint(opts, NOPTS(opts), "--max-import-body", &v))
    cfg.max_import_body = (size_t)v;
  if (opt_uint(opts, NOPTS(opts), "--max-json-depth", &v))
    cfg.max_json_depth = (int)v;
  if (opt_uint(opts, NOPTS(opts), "--connection-timeout", &v))
    cfg.connection_timeout_s = (unsigned)v;
  if (opt_uint(opts, NOPTS(opts), "--request-timeout", &v))
    cfg.request_timeout_s = v > 0 ? (unsigned)v : 1;
  if (opt_uint(opts, NOPTS(opts), "--max-header-bytes", &v))
    cfg.max_header_bytes = v >= 2048 ? (size_t)v : 2048;
  if (opt_uint(opts, NOPTS(opts), "--max-page-size", &v))
    cfg.max_page_size = v > 0 && v <= 100000 ? (int)v : 500;
  if (opt_uint(opts, NOPTS(opts), "--max-connections", &v))
    cfg.max_connections = v >= 16 ? (unsigned)v : 16;
  if (opt_uint(opts, NOPTS(opts), "--max-connections-per-ip", &v))
    cfg.max_connections_per_ip = (unsigned)v;
  cfg.cors_origins = opt_get(opts, NOPTS(opts), "--cors-origins");
  {
    static const char *const levels[] = {"error", "warn", "info", "debug"};
    const char *lv = opt_get(opts, NOPTS(opts), "--log-level");
    int i;

    for (i = 0; i < 4 && strcmp(lv, levels[i]) != 0; i++)
      ;
    if (i == 4) {
      fprintf(stderr, "ragboard: --log-level must be error, warn, info or debug\n");
      return 2;
    }
    cfg.log_level = i;
  }
  opt_uint(opts, NOPTS(opts), "--shutdown-grace-ms", &v);
  /* The audit key first: without it, no start (never an unkeyed entry). */
  cfg.audit_key_path = opt_get(opts, NOPTS(opts), "--audit-key");
  if (cfg.audit_key_path == NULL && (key_path = audit_key_default_path(cfg.db_path)) != NULL)
    cfg.audit_key_path = key_path;
  if ((rc = load_keys(cfg.db_path, cfg.audit_key_path, false, NULL, &keys)) != 0) {
    free(key_path);
    return rc;
  }
  cfg.audit_keys = keys;

  /* Request logs go out in 64 KiB writes instead of one write per line; the
   * HTTP layer flushes them every 250 ms and at shutdown. */
  setvbuf(stderr, NULL, _IOFBF, (size_t)1 << 16);
  /* Block the stop signals before any thread starts, so only sigwait sees them. */
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);

  /* Kept while serving: `ragboard restore` refuses to run meanwhile. */
  err = db_claim(cfg.db_path, false, &claim);
  if (err != RB_OK) {
    fprintf(stderr, "ragboard: %s: %s\n", cfg.db_path,
            err == RB_ERR_BUSY ? "a restore is replacing the database: start again when it is done"
                               : "cannot open the database");
    rc = 1;
    goto done;
  }
  fit_connections(&cfg);
  err = app_open(&cfg, &app, &why);
  if (err != RB_OK) {
    fprintf(stderr, "ragboard: %s: %s\n", cfg.db_path, why);
    db_release(claim);
    rc = 1;
    goto done;
  }
  err = http_start(app, &srv, &why);
  if (err != RB_OK) {
    fprintf(stderr, "ragboard: %s: %s\n", cfg.listen, why);
    app_close(app);
    db_release(claim);
    rc = 1;
    goto done;
  }
  util_now(now);
  fprintf(stderr,
          "{\"time\":\"%s\",\"level\":\"info\",\"event\":\"start\",\"listen\":\"%s\","
          "\"port\":%u,\"public_read\":%s}\n",
          now, cfg.listen, http_port(srv), cfg.public_read ? "true" : "false");
  sigwait(&set, &sig);
  util_now(now);
  fprintf(stderr, "{\"time\":\"%s\",\"level\":\"info\",\"event\":\"stopping\",\"signal\":%d}\n",
          now, sig);
  http_stop(srv, (unsigned)v);
  app_close(app);
  db_release(claim); /* after the connections: see db_claim */
  util_now(now);
  fprintf(stderr, "{\"time\":\"%s\",\"level\":\"info\",\"event\":\"stopped\"}\n", now);
  rc = 0;
done:
  audit_keyring_free(keys);
  free(key_path);
  return rc;
}

/* ---- import ------------------------------------------------------------------ */

static int
cmd_import(int argc, char **argv)
{
  struct opt opts[] = {
    {"--db", "RAGBOARD_DB", OPT_STRING, "PATH",
     "SQLite database file, required (migrated if needed)", NULL, false},
    AUDIT_KEY_OPT,
  };
  const char *files[64];
  int nfiles, rc;
  bool help;
  struct store *st = NULL;
  struct audit_keyring *keys = NULL;
  char now[UTIL_TIME_LEN], actor[160];
  struct domain_actor who;
  struct domain_auditor auditor = {NULL, &who};
  /* one set for all the files: they are one transaction */
  struct import_audit audit = {domain_audit_hook, &auditor, NULL};
  enum rb_err err;

  if (parse_opts(argc, argv, 2, opts, NOPTS(opts), files, &nfiles, 64, &help) != 0)
    return 2;
  if (help) {
    printf("Usage: ragboard import --db PATH FILE...\n\n"
           "Import datasets (format icp-performance-dataset/1). All files are one\n"
           "transaction: on any error nothing is written and every problem is listed.\n\n");
    print_opts(stdout, opts, NOPTS(opts));
    return 0;
  }
  if ((rc = need_db(opts[0].value)) != 0)
    return rc;
  if (nfiles == 0) {
    fprintf(stderr, "ragboard: import needs at least one FILE\n");
    return 2;
  }
  if ((rc = open_store(opts[0].value, true, true, &st)) != 0)
    return rc;
  util_now(now);
  auditor.st = st;
  cli_operator(actor, sizeof(actor));
  cli_actor(&who, actor, now);
  if ((rc = load_keys(opts[0].value, opts[1].value, true, actor, &keys)) != 0) {
    store_close(st);
    return rc;
  }
  store_set_audit_keys(st, keys);
  audit.created = nfiles > 1 ? json_object() : NULL; /* one file: nothing to share */
  err = store_begin(st, true);
  for (int i = 0; i < nfiles && err == RB_OK; i++) {
    json_error_t jerr;
    json_t *doc = json_load_file(files[i], JSON_REJECT_DUPLICATES, &jerr);
    json_t *errors = json_array(), *counts = NULL;

    jv_round_reals(doc); /* as the API does (jv_round15) */
    if (doc == NULL && jerr.line < 0) {
      /* not read at all (a missing file, say): jansson's text names the file */
      fprintf(stderr, "ragboard: %s\n", jerr.text);
      err = RB_ERR_BAD_JSON;
    } else if (doc == NULL) {
      fprintf(stderr, "ragboard: %s: line %d, column %d: %s\n", files[i], jerr.line, jerr.column,
              jerr.text);
      err = RB_ERR_BAD_JSON;
    } else {
      err = import_dataset(st, doc, now, "import (command line)", &audit, errors, &counts);
      if (err != RB_OK) {
        size_t k;
        json_t *e;

        json_array_foreach(errors, k, e) fprintf(stderr, "ragboard: %s: %s: %s\n", files[i],
                                                 json_string_value(json_object_get(e, "field")),
                                                 json_string_value(json_object_get(e, "message")));
        if (json_array_size(errors) == 0)
          fprintf(stderr, "ragboard: %s: %s (%s)\n", files[i], rb_err_title(err), store_errmsg(st));
      } else {
        char *text = json_dumps(counts, JSON_COMPACT);

        err = domain_audit_import(st, &who, counts);

        printf("%s: %s\n", files[i], text != NULL ? text : "");
        free(text);
      }
    }
    json_decref(counts);
    json_decref(errors);
    json_decref(doc);
  }
  if (err == RB_OK)
    err = store_commit(st);
  else
    store_rollback(st);
  store_close(st);
  audit_keyring_free(keys);
  json_decref(audit.created);
  if (err != RB_OK) {
    fprintf(stderr, "ragboard: import failed; nothing was written\n");
    return 1;
  }
  return 0;
}

/* ---- backup and restore ---------------------------------------------------- */

/* A restored database whose trail is signed with a key not in its key file
 * could not be served: refused before anything is replaced. */
static int
restore_key_check(const char *db, const char *key_path, const char *backup)
{
  struct audit_keyring *kr = NULL;
  char signer[17], why[400];
  char *path;
  bool keyed = false, found;
  enum rb_err err;

  if (store_audit_file_signer(backup, signer, &keyed) != RB_OK || !keyed)
    return 0; /* not a keyed trail (restore's own checks say if it is no database) */
  path = key_path != NULL ? strdup(key_path) : audit_key_default_path(db);
  if (path == NULL)
    return 0;
  err = audit_keyring_load(path, &kr, why, sizeof(why));
  if (err == RB_ERR_NOT_FOUND)
    fprintf(stderr,
            "ragboard: the backup's audit trail is signed with key %s, and its key file %s is "
            "missing: restore the key file first (from its own backup), then the database\n",
            signer, path);
  else if (err != RB_OK)
    fprintf(stderr, "ragboard: %s\n", why);
  found = err == RB_OK && audit_keyring_find(kr, signer) != NULL;
  if (err == RB_OK && !found)
    fprintf(stderr,
            "ragboard: the backup's audit trail is signed with key %s, which is not in the audit "
            "key file %s: restore the key file that goes with the backup first\n",
            signer, path);
  audit_keyring_free(kr);
  free(path);
  return found ? 0 : 1;
}

static int
cmd_backup(int argc, char **argv, bool restore)
{
  struct opt opts[] = {
    {"--db", "RAGBOARD_DB", OPT_STRING, "PATH", "the live database file, required", NULL, false},
    AUDIT_KEY_OPT,
  };
  const char *pos[1], *why = "";
  int npos, rc;
  bool help;
  enum rb_err err;

  /* backup takes --db alone: the key file is never part of a backup */
  if (parse_opts(argc, argv, 2, opts, restore ? NOPTS(opts) : 1, pos, &npos, 1, &help) != 0)
    return 2;
  if (help) {
    if (restore)
      printf("Usage: ragboard restore --db PATH [--audit-key FILE] BACKUP\n\n"
             "Replace the database with a backup made by `ragboard backup`, after checking\n"
             "its integrity and schema, and that the audit key file holds the key that\n"
             "signs the backup's audit trail (restore the key file first). Refused while\n"
             "a server uses the database: stop it first.\n\n");
    else
      printf("Usage: ragboard backup --db PATH OUT\n\n"
             "Write a consistent copy of the database to OUT with SQLite's online backup\n"
             "API; safe while the server runs and writes. The audit key file is not in\n"
             "it: back that up apart, once and after each key rotation.\n\n");
    print_opts(stdout, opts, restore ? NOPTS(opts) : 1);
    return 0;
  }
  if ((rc = need_db(opts[0].value)) != 0)
    return rc;
  if (npos != 1) {
    fprintf(stderr, "ragboard: %s needs the %s file\n", restore ? "restore" : "backup",
            restore ? "BACKUP" : "OUT");
    return 2;
  }
  if (restore && (rc = restore_key_check(opts[0].value, opts[1].value, pos[0])) != 0)
    return rc;
  err = restore ? backup_restore(opts[0].value, pos[0], &why)
                : backup_create(opts[0].value, pos[0], &why);
  if (err != RB_OK) {
    fprintf(stderr, "ragboard: %s failed: %s\n", restore ? "restore" : "backup", why);
    return 1;
  }
  printf("%s %s\n", restore ? "restored from" : "backed up to", pos[0]);
  return 0;
}

/* ---- token ------------------------------------------------------------------ */

static int
cmd_token(int argc, char **argv)
{
  struct opt opts[] = {
    {"--db", "RAGBOARD_DB", OPT_STRING, "PATH", "SQLite database file, required", NULL, false},
    {"--role", NULL, OPT_STRING, "ROLE", "admin, submitter or viewer", NULL, false},
    {"--org", NULL, OPT_STRING, "CODE", "the organisation (required for submitters)", NULL, false},
    {"--name", NULL, OPT_STRING, "TEXT", "what the token is for (default: the role)", NULL, false},
    AUDIT_KEY_OPT,
  };
  static const char *const token_usage[] = {
    "ragboard token create --db PATH --role admin|submitter|viewer [--org CODE] [--name TEXT]",
    "ragboard token list --db PATH",
    "ragboard token revoke --db PATH ID",
  };
  const char *pos[2];
  int npos, rc;
  size_t nopts;
  bool help;
  struct store *st = NULL;
  struct audit_keyring *keys = NULL;
  char now[UTIL_TIME_LEN], actor[160];
  struct domain_actor who;
  const char *what;
  enum rb_err err;
  const char *sub = argc > 2 ? argv[2] : NULL;

  if (sub == NULL || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 ||
      (strcmp(sub, "create") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "revoke") != 0)) {
    bool asked = sub != NULL && (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0);
    FILE *f = asked ? stdout : stderr;

    if (sub != NULL && !asked)
      fprintf(stderr, "ragboard: unknown token command %s\n\n", sub);
    fprintf(f,
            "Usage: %s\n       %s\n       %s\n\n"
            "create prints the new token alone on the last line: it is shown only once.\n"
            "`ragboard token SUBCOMMAND --help` lists each one's options.\n",
            token_usage[0], token_usage[1], token_usage[2]);
    return asked ? 0 : 2;
  }
  /* list and revoke take --db (and --audit-key) alone: the create options
   * are refused there */
  if (strcmp(sub, "create") != 0)
    opts[1] = opts[NOPTS(opts) - 1];
  nopts = strcmp(sub, "create") == 0 ? NOPTS(opts) : 2;
  if (parse_opts(argc, argv, 3, opts, nopts, pos, &npos, strcmp(sub, "revoke") == 0, &help) != 0)
    return 2;
  if (help) {
    printf("Usage: %s\n\n", token_usage[strcmp(sub, "create") == 0 ? 0
                                        : strcmp(sub, "list") == 0 ? 1
                                                                   : 2]);
    print_opts(stdout, opts, nopts);
    return 0;
  }
  if ((rc = need_db(opts[0].value)) != 0)
    return rc;
  if ((rc = open_store(opts[0].value, false, false, &st)) != 0)
    return rc;
  util_now(now);
  cli_operator(actor, sizeof(actor));
  cli_actor(&who, actor, now);
  /* create and revoke write audit entries: signed, or not at all */
  if (strcmp(sub, "list") != 0) {
    if ((rc = load_keys(opts[0].value, opts[nopts - 1].value, false, actor, &keys)) != 0)
      goto out;
    store_set_audit_keys(st, keys);
  }
  if (strcmp(sub, "create") == 0) {
    enum auth_role role;
    char token[AUTH_TOKEN_MAX];
    json_t *row = NULL;
    const char *org = opts[2].value, *name = opts[3].value;

    if (!auth_role_parse(opts[1].value, &role)) {
      fprintf(stderr, "ragboard: --role must be admin, submitter or viewer\n");
      rc = 2;
      goto out;
    }
    if (domain_token_needs_org(role) && org == NULL) {
      fprintf(stderr, "ragboard: a submitter token needs --org CODE\n");
      rc = 2;
      goto out;
    }
    if (name != NULL) {
      /* The API takes names as JSON strings: UTF-8, 1 to AUTH_NAME_MAX bytes. */
      json_t *valid = json_string(name);

      json_decref(valid);
      if (valid == NULL || !domain_token_name_ok(name)) {
        fprintf(stderr, "ragboard: --name must be 1 to %d bytes of UTF-8\n", AUTH_NAME_MAX);
        rc = 2;
        goto out;
      }
    }
    if (org != NULL) {
      int64_t id;

      if (store_org_id(st, org, &id) != RB_OK) {
        fprintf(stderr, "ragboard: no organisation with code %s\n", org);
        rc = 1;
        goto out;
      }
    }
    err = store_begin(st, true);
    if (err == RB_OK)
      err = domain_token_create(st, &who, name != NULL ? name : auth_role_name(role), role, org,
                                token, &row, &what);
    if (err == RB_OK)
      err = store_commit(st);
    else
      store_rollback(st);
    if (err != RB_OK) {
      fprintf(stderr, "ragboard: cannot create token: %s\n", rb_err_title(err));
      rc = 1;
      goto out;
    }
    printf("created %s token %lld%s%s\n", auth_role_name(role),
           (long long)json_integer_value(json_object_get(row, "id")), org ? " for " : "",
           org ? org : "");
    printf("%s\n", token);
    sodium_memzero(token, sizeof(token));
    json_decref(row);
  } else if (strcmp(sub, "list") == 0) {
    struct store_page pg = {.limit = 500, .after = NULL};
    json_t *items = NULL;
    char *next = NULL;
    size_t i;
    json_t *t;

    do {
      err = store_token_list(st, &pg, &items, &next);
      if (err != RB_OK) {
        fprintf(stderr, "ragboard: cannot list tokens: %s\n", rb_err_title(err));
        rc = 1;
        goto out;
      }
      json_array_foreach(items, i, t)
      {
        char *line = json_dumps(t, JSON_COMPACT);

        printf("%s\n", line != NULL ? line : "");
        free(line);
      }
      json_decref(items);
      free((char *)pg.after);
      pg.after = next;
    } while (next != NULL);
  } else {
    int64_t id;
    json_t *row = NULL;

    if (npos != 1 || !util_parse_int64(pos[0], &id)) {
      fprintf(stderr, "ragboard: token revoke needs the token ID\n");
      rc = 2;
      goto out;
    }
    err = store_begin(st, true);
    if (err == RB_OK)
      err = domain_token_revoke(st, &who, id, &row, &what);
    if (err == RB_OK)
      err = store_commit(st);
    else
      store_rollback(st);
    if (err != RB_OK) {
      fprintf(stderr, "ragboard: cannot revoke token %s: %s\n", pos[0], rb_err_title(err));
      rc = 1;
      goto out;
    }
    printf("revoked token %lld at %s\n", (long long)id,
           json_string_value(json_object_get(row, "revoked_at")));
    json_decref(row);
  }
out:
  store_close(st);
  audit_keyring_free(keys);
  return rc;
}

/* ---- audit ------------------------------------------------------------------ */

/* The verdict of store_audit_verify, for people. */
static void
print_verdict(const json_t *v)
{
  const json_t *key = json_object_get(v, "key"), *state = json_object_get(v, "state"), *x;
  size_t i;

  printf("entries: %lld verified", (long long)json_integer_value(json_object_get(v, "entries")));
  if (json_is_object(json_object_get(v, "head")))
    printf("; head %lld %s (keep it: --anchor-id, --anchor-hash)",
           (long long)json_integer_value(json_object_get(json_object_get(v, "head"), "id")),
           json_string_value(json_object_get(json_object_get(v, "head"), "hash")));
  printf("\n");
  if (json_is_true(json_object_get(key, "keyed")))
    printf("key: signed with key %s since entry %lld (%lld unkeyed entries before)\n",
           json_string_value(json_object_get(key, "key_id")),
           (long long)json_integer_value(json_object_get(key, "keyed_since")),
           (long long)json_integer_value(json_object_get(key, "unkeyed_entries")));
  else
    printf("key: no entry is keyed\n");
  printf("append-only triggers: %s\n",
         json_is_true(json_object_get(json_object_get(v, "append_only"), "ok"))
           ? "in place"
           : "MISSING OR CHANGED");
  if (state != NULL && json_object_get(state, "checked") != NULL) {
    const json_t *c = json_object_get(state, "checked");

    printf("state: %lld milestone updates, %lld KPI readings, %lld milestones, %lld KPIs checked "
           "in %lld ms: %s\n",
           (long long)json_integer_value(json_object_get(c, "milestone_updates")),
           (long long)json_integer_value(json_object_get(c, "kpi_readings")),
           (long long)json_integer_value(json_object_get(c, "milestones")),
           (long long)json_integer_value(json_object_get(c, "kpis")),
           (long long)json_integer_value(json_object_get(state, "elapsed_ms")),
           json_is_true(json_object_get(state, "ok")) ? "as the trail says" : "DIFFERENT");
  }
  json_array_foreach(json_object_get(v, "problems"), i, x)
    printf("PROBLEM: %s\n", json_string_value(x));
  json_array_foreach(json_object_get(v, "altered"), i, x)
  {
    size_t k;
    json_t *p;

    json_array_foreach(json_object_get(x, "problems"), k, p)
      printf("  altered entry %lld: %s\n", (long long)json_integer_value(json_object_get(x, "id")),
             json_string_value(p));
  }
  json_array_foreach(json_object_get(state, "differences"), i, x)
  {
    char *audited = json_dumps(json_object_get(x, "audited"), JSON_ENCODE_ANY | JSON_COMPACT);
    char *stored = json_dumps(json_object_get(x, "stored"), JSON_ENCODE_ANY | JSON_COMPACT);
    const char *field = json_string_value(json_object_get(x, "field"));

    printf("  %s", json_string_value(json_object_get(x, "entity")));
    if (json_is_integer(json_object_get(x, "id")))
      printf(" %lld", (long long)json_integer_value(json_object_get(x, "id")));
    if (json_is_string(json_object_get(x, "code")))
      printf(" %s", json_string_value(json_object_get(x, "code")));
    if (json_is_string(json_object_get(x, "quarter")))
      printf(" %s", json_string_value(json_object_get(x, "quarter")));
    if (field != NULL)
      printf(" %s: audited %s, stored %s", field, audited, stored);
    if (json_integer_value(json_object_get(x, "entry")) > 0)
      printf(" (entry %lld)", (long long)json_integer_value(json_object_get(x, "entry")));
    printf(": %s\n", json_string_value(json_object_get(x, "problem")));
    free(audited);
    free(stored);
  }
  printf("%s\n", json_is_true(json_object_get(v, "ok")) ? "ok" : "NOT OK");
}

static int
cmd_audit(int argc, char **argv)
{
  struct opt opts[] = {
    {"--db", "RAGBOARD_DB", OPT_STRING, "PATH", "SQLite database file, required", NULL, false},
    AUDIT_KEY_OPT,
    {"--anchor-id", NULL, OPT_STRING, "N", "verify: a head id kept from an earlier verification",
     NULL, false},
    {"--anchor-hash", NULL, OPT_STRING, "HASH", "verify: that head's hash", NULL, false},
    {"--no-state", NULL, OPT_FLAG, NULL, "verify: the trail only, not the data against it", NULL,
     false},
    {"--json", NULL, OPT_FLAG, NULL, "verify: the verdict as GET /api/v1/audit/verify answers it",
     NULL, false},
    {"--force", NULL, OPT_FLAG, NULL, "rotate-key: even when the trail does not verify", NULL,
     false},
  };
  static const char *const audit_usage[] = {
    "ragboard audit verify --db PATH [--audit-key FILE] [--anchor-id N --anchor-hash HASH]\n"
    "                      [--no-state] [--json]",
    "ragboard audit rotate-key --db PATH [--audit-key FILE] [--force]",
  };
  const char *sub = argc > 2 ? argv[2] : NULL, *pos[1];
  struct db_options dbo = {.synchronous_full = true, .busy_timeout_ms = 10000, .create = false};
  struct store_audit_check chk = {0, NULL, true};
  struct audit_keyring *keys = NULL;
  struct store *st = NULL;
  json_t *verdict = NULL;
  char actor[160], now[UTIL_TIME_LEN], why[400];
  int npos, rc, claim = -1;
  bool help, rotate;
  char *path = NULL;
  enum rb_err err;

  if (sub == NULL || (strcmp(sub, "verify") != 0 && strcmp(sub, "rotate-key") != 0)) {
    bool asked = sub != NULL && (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0);

    if (sub != NULL && !asked)
      fprintf(stderr, "ragboard: unknown audit command %s\n\n", sub);
    fprintf(asked ? stdout : stderr,
            "Usage: %s\n       %s\n\n"
            "verify checks the audit trail (links, keyed hashes, stored types, the\n"
            "append-only triggers) and that the stored updates, readings and items are\n"
            "what the trail says; exit 0 when all holds, 1 otherwise.\n"
            "rotate-key adds a new key to the key file and switches the trail to it\n"
            "with an entry signed by the old key (stop the server first).\n",
            audit_usage[0], audit_usage[1]);
    return asked ? 0 : 2;
  }
  rotate = strcmp(sub, "rotate-key") == 0;
  if (parse_opts(argc, argv, 3, opts, NOPTS(opts), pos, &npos, 0, &help) != 0)
    return 2;
  if (help) {
    printf("Usage: %s\n\n", audit_usage[rotate]);
    print_opts(stdout, opts, NOPTS(opts));
    return 0;
  }
  if ((rc = need_db(opts[0].value)) != 0)
    return rc;
  if ((opts[2].value == NULL) != (opts[3].value == NULL) ||
      (opts[2].value != NULL && (!util_parse_int64(opts[2].value, &chk.anchor_id) ||
                                 chk.anchor_id < 1 || strlen(opts[3].value) != 64))) {
    fprintf(stderr, "ragboard: --anchor-id N and --anchor-hash HASH go together (an entry id "
                    "and its 64-digit hash)\n");
    return 2;
  }
  chk.anchor_hash = opts[3].value;
  chk.state = opts[4].value == NULL;
  cli_operator(actor, sizeof(actor));
  util_now(now);
  /* A rotation under a running server would leave it signing with the old
   * key: as for restore, the server must be stopped. */
  if (rotate && (err = db_claim(opts[0].value, true, &claim)) != RB_OK) {
    fprintf(stderr, "ragboard: %s\n",
            err == RB_ERR_BUSY ? "a ragboard server is using the database: stop it first (it "
                                 "signs with the key it read at start)"
                               : "cannot open the database");
    return 1;
  }
  rc = 1;
  if (load_keys(opts[0].value, opts[1].value, false, actor, &keys) != 0)
    goto out;
  if (store_open(opts[0].value, &dbo, false, &st) != RB_OK) {
    fprintf(stderr, "ragboard: cannot open database %s\n", opts[0].value);
    goto out;
  }
  store_set_audit_keys(st, keys);
  if (!rotate || opts[6].value == NULL) {
    if ((err = store_audit_verify(st, &chk, &verdict)) != RB_OK) {
      fprintf(stderr, "ragboard: cannot verify the audit trail: %s\n", rb_err_title(err));
      goto out;
    }
    if (!rotate && opts[5].value != NULL) {
      char *text = json_dumps(verdict, JSON_INDENT(2));

      printf("%s\n", text != NULL ? text : "");
      free(text);
    } else if (!rotate || !json_is_true(json_object_get(verdict, "ok"))) {
      print_verdict(verdict);
    }
    if (!json_is_true(json_object_get(verdict, "ok"))) {
      if (rotate)
        fprintf(stderr, "ragboard: the trail does not verify: a rotation now would sign a new "
                        "baseline over what is wrong. Find out first; --force rotates anyway\n");
      goto out;
    }
    if (!rotate) {
      rc = 0;
      goto out;
    }
  }
  path = opts[1].value != NULL ? strdup(opts[1].value) : audit_key_default_path(opts[0].value);
  if (path == NULL || audit_keyring_add(path, keys, why, sizeof(why)) != RB_OK) {
    fprintf(stderr, "ragboard: %s\n", path != NULL ? why : "no audit key file");
    goto out;
  }
  {
    struct store_audit who = {.at = now, .actor_name = actor, .actor_role = "admin"};
    struct store_audit_keying k;
    char old[17] = "";

    if (store_audit_keying(st, &k) == RB_OK)
      memcpy(old, k.signer, sizeof(old));
    err = store_begin(st, true);
    if (err == RB_OK)
      err = store_audit_rotate(st, &who);
    if (err == RB_OK)
      err = store_commit(st);
    else
      store_rollback(st);
    if (err != RB_OK || store_audit_keying(st, &k) != RB_OK) {
      fprintf(stderr,
              "ragboard: the rotation entry could not be written (%s): the key file %s now holds "
              "a key the trail does not use; run `ragboard audit rotate-key` again\n",
              rb_err_title(err), path);
      goto out;
    }
    printf("rotated the audit key: entry %lld, signed with key %s, switches the trail to key "
           "%s.\nThe key file %s holds both keys now: back it up again, apart from the "
           "database.\n",
           (long long)k.entries, old, k.signer, path);
  }
  rc = 0;
out:
  json_decref(verdict);
  store_close(st);
  audit_keyring_free(keys);
  free(path);
  db_release(claim);
  return rc;
}

/* The rating codes and what each means, from src/rag.c's one table: a
 * legend for dashboards, and what the spec test holds the contract's
 * descriptions to. */
static int
cmd_ratings(void)
{
  json_t *all = json_array();
  char *text;

  for (int i = 0; i < RAG__COUNT; i++) {
    const struct rag_meaning *m = rag_meaning((enum rag_status)i);

    json_array_append_new(all, json_pack("{s:s, s:s?, s:s?, s:s?}", "code", m->code, "colour",
                                         m->colour, "milestone", m->milestone, "kpi", m->kpi));
  }
  text = json_dumps(all, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(all);
  if (text == NULL) {
    fprintf(stderr, "ragboard: out of memory\n");
    return 1;
  }
  printf("%s\n", text);
  free(text);
  return 0;
}

static void
usage(FILE *f)
{
  fprintf(f, "Usage: ragboard COMMAND [options]\n\n"
             "The system of record for an integrated care partnership's performance\n"
             "framework: priorities, milestones, KPIs and their RAG summaries.\n\n"
             "Commands:\n"
             "  migrate   apply pending schema migrations to a database\n"
             "  serve     serve the JSON API over HTTP\n"
             "  import    import datasets (icp-performance-dataset/1)\n"
             "  token     create, list or revoke API tokens\n"
             "  audit     verify the audit trail and the data against it; rotate its key\n"
             "  backup    copy the database consistently while the server runs\n"
             "  restore   bring a backup back\n"
             "  routes    list the HTTP routes\n"
             "  ratings   print what each rating code means (JSON)\n"
             "  version   print the version\n\n"
             "`ragboard COMMAND --help` describes each command.\n");
}

/* For the commands that take no arguments: --help describes the command,
 * anything else is refused. */
static int
no_arguments(char **argv, const char *what)
{
  if (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0) {
    printf("Usage: ragboard %s\n\n%s\n", argv[1], what);
    return 0;
  }
  fprintf(stderr, "ragboard: %s takes no arguments (see ragboard %s --help)\n", argv[1], argv[1]);
  return 2;
}

int
main(int argc, char **argv)
{
  if (sodium_init() < 0) {
    fprintf(stderr, "ragboard: libsodium failed to initialise\n");
    return 1;
  }
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
    if (argc > 2)
      return no_arguments(argv,
                          "Print the version, and the schema version this binary migrates to.");
    printf("ragboard %s (schema %d)\n", RAGBOARD_VERSION, db_migration_count);
    return 0;
  }
  if (strcmp(argv[1], "migrate") == 0)
    return cmd_migrate(argc, argv);
  if (strcmp(argv[1], "serve") == 0)
    return cmd_serve(argc, argv);
  if (strcmp(argv[1], "import") == 0)
    return cmd_import(argc, argv);
  if (strcmp(argv[1], "token") == 0)
    return cmd_token(argc, argv);
  if (strcmp(argv[1], "audit") == 0)
    return cmd_audit(argc, argv);
  if (strcmp(argv[1], "routes") == 0) {
    /* The route table, one "METHOD PATTERN [query]" a line: the spec test
     * compares it with openapi/openapi.yaml. */
    size_t n;
    const struct route *r = router_routes(&n);

    if (argc > 2)
      return no_arguments(argv, "List the HTTP routes, one \"METHOD PATTERN [query]\" a line.");
    for (size_t i = 0; i < n; i++)
      printf("%s %s%s\n", r[i].method, r[i].pattern, r[i].flags & ROUTE_QUERY ? " query" : "");
    return 0;
  }
  if (strcmp(argv[1], "ratings") == 0) {
    if (argc > 2)
      return no_arguments(argv, "Print the rating codes (BR B G A R TBC) and what each means for a "
                                "milestone and for a KPI, as JSON: the legend the API's statuses "
                                "and ratings use.");
    return cmd_ratings();
  }
  if (strcmp(argv[1], "backup") == 0)
    return cmd_backup(argc, argv, false);
  if (strcmp(argv[1], "restore") == 0)
    return cmd_backup(argc, argv, true);
  fprintf(stderr, "ragboard: unknown command %s\n\n", argv[1]);
  usage(stderr);
  return 2;
}
