/* Transactions: begin, commit, rollback, and what a commit moves (the
 * data, reference and per-year reporting versions the caches key on). */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

/* ---- transactions ---------------------------------------------------------- */

static enum rb_err
exec_sql(struct store *st, const char *sql)
{
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  return store_exec(st, s);
}

enum rb_err
store_begin(struct store *st, bool write)
{
  enum rb_err err = exec_sql(st, write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");

  if (err != RB_OK)
    return err;
  st->in_txn = true;
  st->write = write;
  st->changed = st->ref_changed = false;
  st->nrep = 0;
  return RB_OK;
}

enum rb_err
store_begin_write(struct store *st, bool wait)
{
  enum rb_err err;

  if (!wait)
    sqlite3_busy_timeout(st->db, 0);
  err = store_begin(st, true);
  if (!wait)
    sqlite3_busy_timeout(st->db, st->busy_ms);
  return err;
}

bool
store_txn_open(struct store *st)
{
  return !sqlite3_get_autocommit(st->db);
}

enum rb_err
store_savepoint(struct store *st)
{
  return exec_sql(st, "SAVEPOINT request");
}

enum rb_err
store_savepoint_release(struct store *st)
{
  return exec_sql(st, "RELEASE request");
}

void
store_savepoint_undo(struct store *st)
{
  (void)exec_sql(st, "ROLLBACK TO request");
  (void)exec_sql(st, "RELEASE request");
}

void
store_mark_changed(struct store *st)
{
  st->changed = st->ref_changed = true;
}

void
store_mark_reporting(struct store *st, const char *year)
{
  st->changed = true;
  for (int i = 0; i < st->nrep; i++)
    if (strcmp(st->rep_years[i], year) == 0)
      return;
  if (st->nrep == 8 || strlen(year) >= sizeof(st->rep_years[0])) {
    st->ref_changed = true; /* too many years at once: invalidate everything */
    return;
  }
  strcpy(st->rep_years[st->nrep++], year);
}

enum rb_err
store_mark_item_reporting(struct store *st, bool kpi, int64_t id)
{
  static const char milestone_sql[] = "SELECT year FROM milestone WHERE id = ?1";
  sqlite3_stmt *s;
  char year[8] = "";
  enum rb_err err;
  int rc;

  if (kpi)
    return store_mark_kpi_chain(st, id); /* its year and its chain's */
  err = store_stmt(st, milestone_sql, &s);
  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, id);
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW)
    snprintf(year, sizeof(year), "%s", (const char *)sqlite3_column_text(s, 0));
  sqlite3_reset(s);
  if (rc != SQLITE_ROW)
    return rc == SQLITE_DONE ? RB_ERR_NOT_FOUND : store_fail(st, sqlite3_extended_errcode(st->db));
  store_mark_reporting(st, year);
  return RB_OK;
}

enum rb_err
store_delete_one(struct store *st, const char *sql, const char *key, int64_t id)
{
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  if (key != NULL)
    store_bind_text(s, 1, key);
  else
    sqlite3_bind_int64(s, 1, id);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  if (sqlite3_changes(st->db) == 0)
    return RB_ERR_NOT_FOUND;
  store_mark_changed(st);
  return RB_OK;
}

enum rb_err
store_reporting_version(struct store *st, const char *year, int64_t *out)
{
  static const char sql[] = "SELECT value FROM meta WHERE key = 'reporting_version:' || ?1";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, year);
  err = store_int(st, s, out);
  if (err == RB_ERR_NOT_FOUND) {
    *out = 0;
    err = RB_OK;
  }
  return err;
}

static enum rb_err
bump_reporting(struct store *st)
{
  static const char sql[] = "INSERT INTO meta (key, value) VALUES ('reporting_version:' || ?1, 1)"
                            " ON CONFLICT (key) DO UPDATE SET value = value + 1";
  enum rb_err err = RB_OK;

  for (int i = 0; i < st->nrep && err == RB_OK; i++) {
    sqlite3_stmt *s;

    err = store_stmt(st, sql, &s);
    if (err != RB_OK)
      break;
    store_bind_text(s, 1, st->rep_years[i]);
    err = store_exec(st, s);
    if (err == RB_OK)
      err = store_reporting_version(st, st->rep_years[i], &st->rep_after[i]);
  }
  return err;
}

enum rb_err
store_commit(struct store *st)
{
  enum rb_err err;

  if (st->changed) {
    err = exec_sql(st, "UPDATE meta SET value = value + 1 WHERE key = 'data_version'");
    if (err == RB_OK)
      err = store_data_version(st, &st->version_after);
    if (err == RB_OK && st->ref_changed)
      err = exec_sql(st, "UPDATE meta SET value = value + 1 WHERE key = 'reference_version'");
    if (err == RB_OK && st->ref_changed)
      err = store_reference_version(st, &st->ref_after);
    if (err == RB_OK)
      err = bump_reporting(st);
    if (err != RB_OK) {
      store_rollback(st);
      return err;
    }
  }
  err = exec_sql(st, "COMMIT");
  if (err != RB_OK) {
    store_rollback(st);
    return err;
  }
  st->in_txn = st->changed = st->ref_changed = st->write = false;
  return RB_OK;
}

void
store_rollback(struct store *st)
{
  if (!sqlite3_get_autocommit(st->db))
    (void)exec_sql(st, "ROLLBACK");
  st->in_txn = st->changed = st->write = false;
}

enum rb_err
store_data_version(struct store *st, int64_t *out)
{
  static const char sql[] = "SELECT value FROM meta WHERE key = 'data_version'";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  return store_int(st, s, out);
}

enum rb_err
store_reference_version(struct store *st, int64_t *out)
{
  static const char sql[] = "SELECT value FROM meta WHERE key = 'reference_version'";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  return store_int(st, s, out);
}
