/* KPI readings: one per (KPI, quarter). */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

/* ---- KPI readings ------------------------------------------------------------ */

#define READING_SELECT                                                               \
  "SELECT r.kpi_id, k.code AS kpi_code, r.quarter, r.value, r.value_text, r.rating," \
  " r.comment, r.created_at, r.updated_at, r.updated_by FROM kpi_reading r"          \
  " JOIN kpi k ON k.id = r.kpi_id"

enum rb_err
store_reading_list(struct store *st, int64_t kpi_id, json_t **items)
{
  static const char sql[] = READING_SELECT " WHERE r.kpi_id = ?1 ORDER BY r.quarter";
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
store_reading_get(struct store *st, int64_t kpi_id, const char *quarter, json_t **out)
{
  static const char sql[] = READING_SELECT " WHERE r.kpi_id = ?1 AND r.quarter = ?2";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, kpi_id);
  store_bind_text(s, 2, quarter);
  return store_one(st, s, out);
}

enum rb_err
store_reading_put(struct store *st, int64_t kpi_id, const char *quarter, const json_t *value,
                  const char *value_text, const char *rating, const char *comment, const char *by,
                  const char *now, bool touch, json_t **out)
{
  /* RETURNING hands back the stored row (the columns of READING_SELECT) and
   * the KPI's plan year, so a write needs no second lookup of either. No
   * row comes back when nothing changed (touch false, same values).
   * RETURNING hands a whole-number REAL back as an integer (SQLite keeps it
   * as one internally); the CAST keeps 1.0 a real, as a SELECT answers it,
   * or the ETag of the answer would not match the stored reading's. */
  static const char sql[] =
    "INSERT INTO kpi_reading (kpi_id, quarter, value, value_text, rating, comment,"
    " created_at, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)"
    " ON CONFLICT (kpi_id, quarter) DO UPDATE SET value = excluded.value,"
    " value_text = excluded.value_text, rating = excluded.rating, comment = excluded.comment,"
    " updated_at = excluded.updated_at, updated_by = excluded.updated_by"
    " WHERE ?9 OR value IS NOT excluded.value OR value_text IS NOT excluded.value_text"
    " OR rating IS NOT excluded.rating OR comment IS NOT excluded.comment"
    " RETURNING kpi_id, (SELECT code FROM kpi WHERE id = kpi_id) AS kpi_code, quarter,"
    " CAST(value AS REAL) AS value,"
    " value_text, rating, comment, created_at, updated_at, updated_by,"
    " (SELECT year FROM kpi WHERE id = kpi_id),"
    " (SELECT continues_id IS NOT NULL OR EXISTS (SELECT 1 FROM kpi s WHERE s.continues_id = k.id)"
    "   FROM kpi k WHERE k.id = kpi_id)";
  enum { YEAR_COL = 10, CHAINED_COL = 11 };
  sqlite3_stmt *s;
  json_t *row = NULL;
  char year[8] = "";
  bool chained = false;
  enum rb_err err = store_stmt(st, sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, kpi_id);
  store_bind_text(s, 2, quarter);
  if (json_is_number(value))
    sqlite3_bind_double(s, 3, json_number_value(value));
  store_bind_text(s, 4, value_text);
  store_bind_text(s, 5, rating);
  store_bind_text(s, 6, comment);
  store_bind_text(s, 7, now);
  store_bind_text(s, 8, by);
  sqlite3_bind_int(s, 9, touch ? 1 : 0);
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    chained = sqlite3_column_int(s, CHAINED_COL) != 0;
    if (sqlite3_column_type(s, YEAR_COL) == SQLITE_TEXT)
      snprintf(year, sizeof(year), "%s", (const char *)sqlite3_column_text(s, YEAR_COL));
    if (out != NULL && (row = store_row_n(s, YEAR_COL)) == NULL)
      err = RB_ERR_NOMEM;
    rc = sqlite3_step(s); /* SQLITE_DONE: one row per statement */
  }
  if (err == RB_OK && rc != SQLITE_DONE)
    err = store_fail(st, sqlite3_extended_errcode(st->db));
  sqlite3_reset(s);
  if (err != RB_OK) {
    json_decref(row);
    return err;
  }
  if (year[0] != '\0')
    store_mark_reporting(st, year);
  /* A KPI in a chain: the series of every KPI in it changed. */
  if (chained && (err = store_mark_kpi_chain(st, kpi_id)) != RB_OK) {
    json_decref(row);
    return err;
  }
  if (out != NULL)
    *out = row;
  return RB_OK;
}

enum rb_err
store_reading_delete(struct store *st, int64_t kpi_id, const char *quarter)
{
  static const char sql[] = "DELETE FROM kpi_reading WHERE kpi_id = ?1 AND quarter = ?2";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, kpi_id);
  store_bind_text(s, 2, quarter);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  if (sqlite3_changes(st->db) == 0)
    return RB_ERR_NOT_FOUND;
  return store_mark_item_reporting(st, true, kpi_id);
}
