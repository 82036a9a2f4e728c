/* Connections: open and close one SQLite connection, and what is asked of
 * a connection as a whole (readiness, size, checkpoint). */
#include "store_int.h"

#include <stdlib.h>

/* ---- connections ---------------------------------------------------------- */

enum rb_err
store_open(const char *path, const struct db_options *opt, bool migrate, struct store **out)
{
  struct store *st = calloc(1, sizeof(*st));
  const char *why;
  enum rb_err err;

  if (st == NULL)
    return RB_ERR_NOMEM;
  st->busy_ms = opt->busy_timeout_ms > 0 ? opt->busy_timeout_ms : 5000; /* as db_open sets it */
  err = db_open(path, opt, &st->db);
  if (err != RB_OK)
    goto fail;
  err = migrate ? db_migrate(st->db, NULL) : db_check_schema(st->db, &why);
  if (err != RB_OK)
    goto fail;
  *out = st;
  return RB_OK;
fail:
  store_close(st);
  return err;
}

void
store_close(struct store *st)
{
  if (st == NULL)
    return;
  for (size_t i = 0; i < STORE_STMT_SLOTS; i++)
    sqlite3_finalize(st->cache[i].stmt);
  sqlite3_close_v2(st->db);
  free(st);
}

const char *
store_errmsg(struct store *st)
{
  return sqlite3_errmsg(st->db);
}

enum rb_err
store_ready(struct store *st, const char **why)
{
  return db_check_schema(st->db, why);
}

enum rb_err
store_db_size(struct store *st, int64_t *bytes)
{
  static const char count_sql[] = "PRAGMA page_count";
  static const char size_sql[] = "PRAGMA page_size";
  int64_t pages, size;
  sqlite3_stmt *s;
  enum rb_err err;

  if ((err = store_stmt(st, count_sql, &s)) != RB_OK || (err = store_int(st, s, &pages)) != RB_OK)
    return err;
  if ((err = store_stmt(st, size_sql, &s)) != RB_OK || (err = store_int(st, s, &size)) != RB_OK)
    return err;
  *bytes = pages * size;
  return RB_OK;
}

enum rb_err
store_checkpoint(struct store *st)
{
  int rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);

  return rc == SQLITE_OK ? RB_OK : store_fail(st, rc);
}
