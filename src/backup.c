#include "backup.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db.h"

static enum rb_err
copy(sqlite3 *from, sqlite3 *to)
{
  sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
  int rc;

  if (b == NULL)
    return db_error(sqlite3_errcode(to)) != RB_OK ? db_error(sqlite3_errcode(to)) : RB_ERR_DB;
  /* Copy in steps so a busy source (the server writing) is retried rather
   * than failing: each step takes a short read lock. */
  do {
    rc = sqlite3_backup_step(b, 256);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
      sqlite3_sleep(20);
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(b);
  return rc == SQLITE_DONE ? RB_OK : (db_error(rc) != RB_OK ? db_error(rc) : RB_ERR_DB);
}

static bool
integrity_ok(sqlite3 *db)
{
  sqlite3_stmt *s = NULL;
  bool ok = false;

  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW)
    ok = strcmp((const char *)sqlite3_column_text(s, 0), "ok") == 0;
  sqlite3_finalize(s);
  return ok;
}

static bool
fsync_path(const char *path)
{
  int fd = open(path, O_RDONLY);
  bool ok;

  if (fd < 0)
    return false;
  ok = fsync(fd) == 0;
  close(fd);
  return ok;
}

enum rb_err
backup_create(const char *db, const char *out, const char **why)
{
  struct db_options src_opt = {.synchronous_full = true, .busy_timeout_ms = 10000};
  sqlite3 *src = NULL, *dst = NULL;
  char tmp[4096];
  enum rb_err err;

  if (snprintf(tmp, sizeof(tmp), "%s.tmp", out) >= (int)sizeof(tmp)) {
    *why = "output path too long";
    return RB_ERR_IO;
  }
  unlink(tmp);
  err = db_open(db, &src_opt, &src);
  if (err != RB_OK) {
    *why = "cannot open the database";
    goto out;
  }
  if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
    *why = "cannot create the backup file";
    err = RB_ERR_IO;
    goto out;
  }
  err = copy(src, dst);
  if (err != RB_OK) {
    *why = "the copy failed";
    goto out;
  }
  /* A backup is a single self-contained file: no WAL beside it. */
  sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
  if (!integrity_ok(dst)) {
    *why = "the copy fails PRAGMA integrity_check";
    err = RB_ERR_DB;
    goto out;
  }
  sqlite3_close_v2(dst);
  dst = NULL;
  if (!fsync_path(tmp) || rename(tmp, out) != 0) {
    *why = "cannot move the backup into place";
    err = RB_ERR_IO;
    goto out;
  }
  err = RB_OK;
out:
  sqlite3_close_v2(dst);
  sqlite3_close_v2(src);
  if (err != RB_OK)
    unlink(tmp);
  return err;
}

enum rb_err
backup_restore(const char *db, const char *from, const char **why)
{
  struct db_options dst_opt = {.synchronous_full = true, .busy_timeout_ms = 10000, .create = true};
  sqlite3 *src = NULL, *dst = NULL;
  int version = 0, claim = -1;
  enum rb_err err;

  /* Held until the end, so no server starts on a half-restored file. */
  err = db_claim(db, true, &claim);
  if (err != RB_OK) {
    *why = err == RB_ERR_BUSY ? "a ragboard server is using the database: stop it first"
                              : "cannot open the database to restore into";
    goto out;
  }
  if (sqlite3_open_v2(from, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    *why = "cannot open the backup";
    err = RB_ERR_IO;
    goto out;
  }
  if (!integrity_ok(src)) {
    *why = "the backup fails PRAGMA integrity_check";
    err = RB_ERR_DB;
    goto out;
  }
  if (db_schema_version(src, &version) != RB_OK || version > db_migration_count) {
    *why = "the backup's schema is newer than this binary (or unreadable)";
    err = RB_ERR_SCHEMA;
    goto out;
  }
  /* An empty file, or any other SQLite file, passes integrity_check: it
   * must not replace the database (and its audit trail) with nothing. */
  if (version < 1) {
    *why = "the file is not a ragboard database (no migrations applied)";
    err = RB_ERR_SCHEMA;
    goto out;
  }
  err = db_open(db, &dst_opt, &dst);
  if (err != RB_OK) {
    *why = "cannot open the database to restore into";
    goto out;
  }
  err = copy(src, dst);
  if (err != RB_OK) {
    *why = "the copy failed";
    goto out;
  }
  if (!integrity_ok(dst)) {
    *why = "the restored database fails PRAGMA integrity_check";
    err = RB_ERR_DB;
    goto out;
  }
  sqlite3_wal_checkpoint_v2(dst, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
out:
  sqlite3_close_v2(dst);
  sqlite3_close_v2(src);
  db_release(claim); /* after the connections: see db_claim */
  return err;
}
