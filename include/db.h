/* Opening SQLite connections with ragboard's settings, and the schema
 * migrations compiled in from migrations/NNNN_name.sql. */
#ifndef RAGBOARD_DB_H
#define RAGBOARD_DB_H

#include <stdbool.h>
#include <sqlite3.h>

#include "error.h"

struct db_migration {
  int version;      /* the schema version this file brings the database to */
  const char *name; /* file name, e.g. "0001_init.sql" */
  const char *sql;
};

/* Generated from migrations/ at build time, ordered by version 1..N. */
extern const struct db_migration db_migrations[];
extern const int db_migration_count;

struct db_options {
  bool synchronous_full; /* true: an acknowledged commit survives power loss */
  int busy_timeout_ms;
  bool readonly;
  bool create; /* create the file if missing */
};

/* Process-wide SQLite settings, called once at start before any other
 * SQLite call (sqlite3_config may not run after SQLite is initialised, nor
 * beside another thread's use of it). Without memory statistics, which
 * nothing reads, SQLite's every allocation and free skips a global mutex:
 * 8.8 million lock pairs, 8% of the instructions of a 90,000-row import,
 * and a lock that every serving thread would contend for. */
void db_library_init(void);

/* Open a connection: WAL journal (except in-memory databases), foreign
 * keys on, the chosen synchronous level, extended result codes, a busy
 * timeout. *out is set only on success; close with sqlite3_close_v2. */
enum rb_err db_open(const char *path, const struct db_options *opt, sqlite3 **out);

/* Schema version recorded in the database: 0 for a fresh one. */
enum rb_err db_schema_version(sqlite3 *db, int *version);

/* Apply pending migrations in order, each in its own transaction that also
 * records it. *applied (may be NULL) receives how many ran. Refuses
 * (RB_ERR_SCHEMA) a database newer than this binary. */
enum rb_err db_migrate(sqlite3 *db, int *applied);

/* RB_OK when the schema is exactly this binary's; RB_ERR_SCHEMA when it is
 * newer (refuse to serve) or has pending migrations (run `migrate`). */
enum rb_err db_check_schema(sqlite3 *db, const char **why);

/* A claim on the database file between ragboard processes, apart from
 * SQLite's own locks: `serve` holds a shared claim while it runs and
 * `restore` an exclusive one while it replaces the file, so that a restore
 * never swaps the data under a running server (whose caches and audit chain
 * would no longer match it) and a server does not start in the middle of a
 * restore. A flock(2) on a descriptor of its own, which SQLite's fcntl locks
 * do not see; the descriptor stays open until db_release, which must come
 * after every SQLite connection to the file is closed (closing any
 * descriptor of a file drops the process's fcntl locks on it).
 * path may be a file: URI, as for db_open. RB_ERR_BUSY when another process holds a
 * conflicting claim; RB_OK with *fd = -1 when the file does not exist yet
 * (nothing to protect). *fd is set only on success. */
enum rb_err db_claim(const char *path, bool exclusive, int *fd);
/* Give the claim up; db_release(-1) is a no-op. */
void db_release(int fd);

/* The file a path names, as SQLite's URI rules read it: a "file:" URI's
 * path (after an empty or "localhost" authority, before any query or
 * fragment, percent-decoded), else the path itself. New string, or NULL
 * for an in-memory database or on failure. */
char *db_file_of(const char *path);

/* Map an SQLite result code to ragboard's error enum. */
enum rb_err db_error(int rc);

#endif
