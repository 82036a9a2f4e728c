/* What spreadsheet returns need of the plan: the item a row's code names
 * (exactly, else ignoring case), every code of a plan year (for "did you
 * mean"), an organisation's items with last quarter's figures (its
 * template), and how many items an organisation owns. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A KPI "measured in percent": the units the import format and the demo
 * use for it. */
#define PERCENT_UNIT "lower(k.unit) IN ('percent', 'percentage', '%')"

static enum rb_err
find_one(struct store *st, const char *sql, const char *year, const char *code,
         struct store_item_ref *out, int *rows)
{
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);
  int rc;

  *rows = 0;
  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, year);
  store_bind_text(s, 2, code);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    if (++*rows > 1)
      break;
    out->id = sqlite3_column_int64(s, 0);
    snprintf(out->code, sizeof(out->code), "%s", (const char *)sqlite3_column_text(s, 1));
    snprintf(out->owner, sizeof(out->owner), "%s",
             sqlite3_column_text(s, 2) != NULL ? (const char *)sqlite3_column_text(s, 2) : "");
    out->percent = sqlite3_column_int(s, 3) != 0;
    out->monthly = sqlite3_column_int(s, 4) != 0;
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    err = store_fail(st, sqlite3_extended_errcode(st->db));
  sqlite3_reset(s);
  return err;
}

enum rb_err
store_item_find(struct store *st, bool kpi, const char *year, const char *code,
                struct store_item_ref *out)
{
  static const char milestone_exact[] =
    "SELECT m.id, m.code, o.code, 0, 0 FROM milestone m LEFT JOIN organisation o ON o.id = "
    "m.owner_id WHERE m.year = ?1 AND m.code = ?2";
  static const char kpi_exact[] =
    "SELECT k.id, k.code, o.code, " PERCENT_UNIT ", k.frequency = 'monthly'"
    " FROM kpi k LEFT JOIN organisation o ON o.id = k.owner_id WHERE k.year = ?1 AND k.code = ?2";
  /* Only on a miss: this one reads the plan year's items, not the index. */
  static const char milestone_nocase[] =
    "SELECT m.id, m.code, o.code, 0, 0 FROM milestone m LEFT JOIN organisation o ON o.id = "
    "m.owner_id WHERE m.year = ?1 AND m.code = ?2 COLLATE NOCASE LIMIT 2";
  static const char kpi_nocase[] =
    "SELECT k.id, k.code, o.code, " PERCENT_UNIT ", k.frequency = 'monthly'"
    " FROM kpi k LEFT JOIN organisation o ON o.id = k.owner_id"
    " WHERE k.year = ?1 AND k.code = ?2 COLLATE NOCASE LIMIT 2";
  struct store_item_ref ref;
  enum rb_err err;
  int rows;

  memset(&ref, 0, sizeof(ref));
  err = find_one(st, kpi ? kpi_exact : milestone_exact, year, code, &ref, &rows);
  if (err == RB_OK && rows == 0)
    err = find_one(st, kpi ? kpi_nocase : milestone_nocase, year, code, &ref, &rows);
  if (err != RB_OK)
    return err;
  if (rows != 1) /* none, or two codes that differ only in case: say so, never pick */
    return rows == 0 ? RB_ERR_NOT_FOUND : RB_ERR_CONFLICT;
  *out = ref;
  return RB_OK;
}

enum rb_err
store_item_codes(struct store *st, const char *year, json_t **out)
{
  static const char sql[] = "SELECT 'milestone' AS kind, code FROM milestone WHERE year = ?1"
                            " UNION ALL SELECT 'kpi', code FROM kpi WHERE year = ?1";
  sqlite3_stmt *s;
  char *next = NULL;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, year);
  err = store_many(st, s, 10000000, 0, out, &next);
  free(next);
  return err;
}

enum rb_err
store_template_items(struct store *st, const char *year, const char *org, const char *last,
                     json_t **out)
{
  /* In the plan's own order (the order items were set up in, the order of
   * the report), milestones first. */
  static const char sql[] =
    "SELECT 'milestone' AS kind, m.code, m.description, coalesce(m.target_text, m.target_quarter)"
    " AS target, NULL AS unit, 0 AS percent, u.status AS last_status, NULL AS last_value,"
    " NULL AS last_value_text, u.comment AS last_comment, 0 AS k, m.id"
    " FROM milestone m JOIN organisation o ON o.id = m.owner_id"
    " LEFT JOIN milestone_update u ON u.milestone_id = m.id AND u.quarter = ?3"
    " WHERE m.year = ?1 AND o.code = ?2"
    " UNION ALL"
    " SELECT 'kpi', k.code, k.description, coalesce(k.target_text, k.target), k.unit, " PERCENT_UNIT
    ", r.rating, r.value, r.value_text, r.comment, 1, k.id"
    " FROM kpi k JOIN organisation o ON o.id = k.owner_id"
    " LEFT JOIN kpi_reading r ON r.kpi_id = k.id AND r.quarter = ?3"
    " WHERE k.year = ?1 AND o.code = ?2 ORDER BY 11, 12";
  sqlite3_stmt *s;
  char *next = NULL;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, year);
  store_bind_text(s, 2, org);
  store_bind_text(s, 3, last);
  err = store_many(st, s, 10000000, 0, out, &next);
  free(next);
  return err;
}

enum rb_err
store_owned_counts(struct store *st, const char *org, json_t **out)
{
  static const char sql[] =
    "SELECT year, sum(kind = 'milestone') AS milestones, sum(kind = 'kpi') AS kpis FROM ("
    " SELECT m.year, 'milestone' AS kind FROM milestone m JOIN organisation o"
    " ON o.id = m.owner_id WHERE o.code = ?1"
    " UNION ALL SELECT k.year, 'kpi' FROM kpi k JOIN organisation o ON o.id = k.owner_id"
    " WHERE o.code = ?1) GROUP BY year ORDER BY year";
  sqlite3_stmt *s;
  char *next = NULL;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, org);
  err = store_many(st, s, 10000, 0, out, &next);
  free(next);
  return err;
}
