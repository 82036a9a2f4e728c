/* Quarters: their dates and whether they are open for writes. */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

/* ---- quarters ------------------------------------------------------------------ */

#define QUARTER_SELECT                                                                \
  "SELECT id, substr(id, 1, 7) AS year, delivery_team_date, place_board_date, state," \
  " created_at, updated_at FROM quarter"

enum rb_err
store_quarter_list(struct store *st, json_t **items)
{
  static const char sql[] = QUARTER_SELECT " ORDER BY id";
  sqlite3_stmt *s;
  char *next = NULL;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  err = store_many(st, s, 1000000, 0, items, &next);
  free(next);
  return err;
}

enum rb_err
store_quarter_get(struct store *st, const char *id, json_t **out)
{
  static const char sql[] = QUARTER_SELECT " WHERE id = ?1";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, id);
  err = store_one(st, s, out);
  if (err == RB_ERR_NOT_FOUND) {
    char year[8];

    memcpy(year, id, 7);
    year[7] = '\0';
    *out =
      json_pack("{s:s, s:s, s:n, s:n, s:s, s:n, s:n}", "id", id, "year", year, "delivery_team_date",
                "place_board_date", "state", "closed", "created_at", "updated_at");
    err = *out != NULL ? RB_OK : RB_ERR_NOMEM;
  }
  return err;
}

enum rb_err
store_quarter_state(struct store *st, const char *id, char state[STORE_STATE_LEN])
{
  static const char sql[] = "SELECT state FROM quarter WHERE id = ?1";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, id);
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
    const char *v = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : NULL;

    snprintf(state, STORE_STATE_LEN, "%s", v != NULL ? v : "closed");
  } else {
    err = store_fail(st, sqlite3_extended_errcode(st->db));
  }
  sqlite3_reset(s);
  return err;
}

enum rb_err
store_quarter_put(struct store *st, const char *id, const json_t *in, const char *now, json_t **out)
{
  /* ?5..?7 say whether the field was given, so absent fields keep their value. */
  static const char sql[] =
    "INSERT INTO quarter (id, delivery_team_date, place_board_date, state, created_at,"
    " updated_at) VALUES (?1, ?2, ?3, coalesce(?4, 'closed'), ?8, ?8)"
    " ON CONFLICT (id) DO UPDATE SET"
    " delivery_team_date = CASE WHEN ?5 THEN excluded.delivery_team_date ELSE delivery_team_date "
    "END,"
    " place_board_date = CASE WHEN ?6 THEN excluded.place_board_date ELSE place_board_date END,"
    " state = CASE WHEN ?7 THEN excluded.state ELSE state END, updated_at = excluded.updated_at"
    " WHERE (?5 AND delivery_team_date IS NOT excluded.delivery_team_date)"
    " OR (?6 AND place_board_date IS NOT excluded.place_board_date)"
    " OR (?7 AND state IS NOT excluded.state)";
  const json_t *dtd = json_object_get(in, "delivery_team_date");
  const json_t *pbd = json_object_get(in, "place_board_date");
  const json_t *state = json_object_get(in, "state");
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, id);
  store_bind(s, 2, dtd);
  store_bind(s, 3, pbd);
  store_bind(s, 4, state);
  sqlite3_bind_int(s, 5, dtd != NULL);
  sqlite3_bind_int(s, 6, pbd != NULL);
  sqlite3_bind_int(s, 7, state != NULL);
  store_bind_text(s, 8, now);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  store_mark_changed(st);
  return out != NULL ? store_quarter_get(st, id, out) : RB_OK;
}
