/* The RAG rule a KPI's reading is rated by at a quarter. */
#include "store_int.h"

#include <string.h>

#include "rag.h"

void
store_rule_from_row(sqlite3_stmt *s, int col, struct rag_rule *r)
{
  /* columns: direction, quarter target, target, tolerance_mode, tolerance_value */
  const char *dir = (const char *)sqlite3_column_text(s, col);
  const char *mode = (const char *)sqlite3_column_text(s, col + 3);

  memset(r, 0, sizeof(*r));
  if (dir == NULL || !rag_parse_direction(dir, &r->direction))
    r->direction = RAG_DIR_NONE;
  if (sqlite3_column_type(s, col + 1) != SQLITE_NULL) {
    r->has_target = true;
    r->target = sqlite3_column_double(s, col + 1);
  } else if (sqlite3_column_type(s, col + 2) != SQLITE_NULL) {
    r->has_target = true;
    r->target = sqlite3_column_double(s, col + 2);
  }
  r->mode = mode != NULL && strcmp(mode, "absolute") == 0 ? RAG_TOL_ABSOLUTE : RAG_TOL_RELATIVE;
  r->tolerance = sqlite3_column_double(s, col + 4);
}

enum rb_err
store_kpi_rule(struct store *st, int64_t kpi_id, const char *quarter, struct rag_rule *out)
{
  static const char sql[] = "SELECT " RULE_COLUMNS " FROM kpi k WHERE k.id = ?1";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, kpi_id);
  store_bind_text(s, 2, quarter);
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    store_rule_from_row(s, 0, out);
    err = RB_OK;
  } else {
    err = rc == SQLITE_DONE ? RB_ERR_NOT_FOUND : store_fail(st, sqlite3_extended_errcode(st->db));
  }
  sqlite3_reset(s);
  return err;
}

enum rb_err
store_kpi_brief_rule(struct store *st, int64_t id, const char *quarter, json_t **out,
                     struct rag_rule *rule)
{
  /* The columns of store_kpi_brief, then RULE_COLUMNS. */
  static const char sql[] =
    "SELECT k.id, k.year, k.code, o.code AS owner, k.frequency, " RULE_COLUMNS
    " FROM kpi k LEFT JOIN organisation o ON o.id = k.owner_id"
    " WHERE k.id = ?1";
  enum { BRIEF_COLS = 5 };
  sqlite3_stmt *s;
  json_t *row;
  enum rb_err err = store_stmt(st, sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, id);
  store_bind_text(s, 2, quarter);
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    row = store_row_n(s, BRIEF_COLS);
    if (row != NULL) {
      store_rule_from_row(s, BRIEF_COLS, rule);
      *out = row;
    }
    err = row != NULL ? RB_OK : RB_ERR_NOMEM;
  } else {
    err = rc == SQLITE_DONE ? RB_ERR_NOT_FOUND : store_fail(st, sqlite3_extended_errcode(st->db));
  }
  sqlite3_reset(s);
  return err;
}
