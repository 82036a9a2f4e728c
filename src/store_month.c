/* Monthly values of monthly KPIs: one per (KPI, month). */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>

#define MONTH_SELECT                                                                          \
  "SELECT mo.id, mo.kpi_id, k.code AS kpi_code, mo.month, mo.quarter, mo.value,"              \
  " mo.value_text, mo.comment, mo.created_at, mo.updated_at, mo.updated_by FROM kpi_month mo" \
  " JOIN kpi k ON k.id = mo.kpi_id"

enum rb_err
store_month_list(struct store *st, int64_t kpi_id, json_t **items)
{
  static const char sql[] = MONTH_SELECT " WHERE mo.kpi_id = ?1 ORDER BY mo.month";
  sqlite3_stmt *s;
  char *next = NULL;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, kpi_id);
  err = store_many(st, s, 1000000, 0, items, &next);
  free(next);
  return err;
}

enum rb_err
store_month_get(struct store *st, int64_t kpi_id, const char *month, json_t **out)
{
  static const char sql[] = MONTH_SELECT " WHERE mo.kpi_id = ?1 AND mo.month = ?2";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, kpi_id);
  store_bind_text(s, 2, month);
  return store_one(st, s, out);
}

enum rb_err
store_month_put(struct store *st, int64_t kpi_id, const char *month, const char *quarter,
                const json_t *value, const char *value_text, const char *comment, const char *by,
                const char *now, bool touch, json_t **out)
{
  /* As store_reading_put: no row back when nothing changed; CAST keeps a
   * whole number a real, as a SELECT answers it. */
  static const char sql[] =
    "INSERT INTO kpi_month (kpi_id, month, quarter, value, value_text, comment,"
    " created_at, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)"
    " ON CONFLICT (kpi_id, month) DO UPDATE SET quarter = excluded.quarter,"
    " value = excluded.value, value_text = excluded.value_text, comment = excluded.comment,"
    " updated_at = excluded.updated_at, updated_by = excluded.updated_by"
    " WHERE ?9 OR quarter IS NOT excluded.quarter OR value IS NOT excluded.value"
    " OR value_text IS NOT excluded.value_text OR comment IS NOT excluded.comment"
    " RETURNING id";
  sqlite3_stmt *s;
  int64_t id = 0;
  enum rb_err err = store_stmt(st, sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, kpi_id);
  store_bind_text(s, 2, month);
  store_bind_text(s, 3, quarter);
  if (json_is_number(value))
    sqlite3_bind_double(s, 4, json_number_value(value));
  store_bind_text(s, 5, value_text);
  store_bind_text(s, 6, comment);
  store_bind_text(s, 7, now);
  store_bind_text(s, 8, by);
  sqlite3_bind_int(s, 9, touch ? 1 : 0);
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    id = sqlite3_column_int64(s, 0);
    rc = sqlite3_step(s);
  }
  if (rc != SQLITE_DONE)
    err = store_fail(st, sqlite3_extended_errcode(st->db));
  sqlite3_reset(s);
  if (err != RB_OK)
    return err;
  if (out != NULL)
    *out = NULL;
  if (id == 0)
    return RB_OK; /* already stored as given */
  if ((err = store_mark_kpi_chain(st, kpi_id)) != RB_OK)
    return err;
  return out != NULL ? store_month_get(st, kpi_id, month, out) : RB_OK;
}

enum rb_err
store_month_delete(struct store *st, int64_t kpi_id, const char *month)
{
  static const char sql[] = "DELETE FROM kpi_month WHERE kpi_id = ?1 AND month = ?2";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, kpi_id);
  store_bind_text(s, 2, month);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  if (sqlite3_changes(st->db) == 0)
    return RB_ERR_NOT_FOUND;
  return store_mark_kpi_chain(st, kpi_id);
}
