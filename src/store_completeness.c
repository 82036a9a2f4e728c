/* The items of a quarter's plan year against what was provided for it:
 * completeness, and the item lookups a return resolves its rows with. */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

enum rb_err
store_item_owner(struct store *st, bool kpi, const char *year, const char *code, int64_t *id,
                 char owner[STORE_CODE_LEN])
{
  static const char milestone_sql[] =
    "SELECT m.id, o.code FROM milestone m LEFT JOIN organisation o ON o.id = m.owner_id"
    " WHERE m.year = ?1 AND m.code = ?2";
  static const char kpi_sql[] =
    "SELECT k.id, o.code FROM kpi k LEFT JOIN organisation o ON o.id = k.owner_id"
    " WHERE k.year = ?1 AND k.code = ?2";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, kpi ? kpi_sql : milestone_sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, year);
  store_bind_text(s, 2, code);
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    const char *o = (const char *)sqlite3_column_text(s, 1);

    *id = sqlite3_column_int64(s, 0);
    snprintf(owner, STORE_CODE_LEN, "%s", o != NULL ? o : "");
  } else {
    err = rc == SQLITE_DONE ? RB_ERR_NOT_FOUND : store_fail(st, sqlite3_extended_errcode(st->db));
  }
  sqlite3_reset(s);
  return err;
}

enum rb_err
store_completeness(struct store *st, const char *quarter, json_t **items)
{
  static const char sql[] =
    "SELECT 'milestone' AS type, m.id, m.code, g.code AS \"group\", o.code AS owner,"
    " o.name AS owner_name, m.description, u.updated_at, u.id IS NOT NULL AS provided"
    " FROM milestone m JOIN tgroup g ON g.id = m.group_id"
    " LEFT JOIN organisation o ON o.id = m.owner_id"
    " LEFT JOIN milestone_update u ON u.milestone_id = m.id AND u.quarter = ?2"
    " WHERE m.year = substr(?2, 1, 7)"
    " UNION ALL"
    " SELECT 'kpi', k.id, k.code, g.code, o.code, o.name, k.description, r.updated_at,"
    " r.id IS NOT NULL"
    " FROM kpi k JOIN tgroup g ON g.id = k.group_id"
    " LEFT JOIN organisation o ON o.id = k.owner_id"
    " LEFT JOIN kpi_reading r ON r.kpi_id = k.id AND r.quarter = ?2"
    " WHERE k.year = substr(?2, 1, 7)"
    " ORDER BY 1 DESC, 2";
  sqlite3_stmt *s;
  char *next = NULL;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 2, quarter);
  err = store_many(st, s, 10000000, 0, items, &next);
  free(next);
  return err;
}
