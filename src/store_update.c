/* Milestone updates: one per (milestone, quarter). */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

/* ---- milestone updates ------------------------------------------------------ */

#define UPDATE_SELECT                                                                \
  "SELECT u.milestone_id, m.code AS milestone_code, u.quarter, u.status, u.comment," \
  " u.created_at, u.updated_at, u.updated_by FROM milestone_update u"                \
  " JOIN milestone m ON m.id = u.milestone_id"

enum rb_err
store_update_list(struct store *st, int64_t milestone_id, json_t **items)
{
  static const char sql[] = UPDATE_SELECT " WHERE u.milestone_id = ?1 ORDER BY u.quarter";
  sqlite3_stmt *s;
  char *next = NULL;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, milestone_id);
  err = store_many(st, s, 1000000, 0, items, &next);
  free(next);
  return err;
}

enum rb_err
store_update_get(struct store *st, int64_t milestone_id, const char *quarter, json_t **out)
{
  static const char sql[] = UPDATE_SELECT " WHERE u.milestone_id = ?1 AND u.quarter = ?2";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, milestone_id);
  store_bind_text(s, 2, quarter);
  return store_one(st, s, out);
}

enum rb_err
store_update_put(struct store *st, int64_t milestone_id, const char *quarter, const char *status,
                 const char *comment, const char *by, const char *now, bool touch, bool *changed)
{
  static const char sql[] =
    "INSERT INTO milestone_update (milestone_id, quarter, status, comment, created_at,"
    " updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)"
    " ON CONFLICT (milestone_id, quarter) DO UPDATE SET status = excluded.status,"
    " comment = excluded.comment, updated_at = excluded.updated_at,"
    " updated_by = excluded.updated_by"
    " WHERE ?7 OR status IS NOT excluded.status OR comment IS NOT excluded.comment";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, milestone_id);
  store_bind_text(s, 2, quarter);
  store_bind_text(s, 3, status);
  store_bind_text(s, 4, comment);
  store_bind_text(s, 5, now);
  store_bind_text(s, 6, by);
  sqlite3_bind_int(s, 7, touch ? 1 : 0);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  /* An upsert whose WHERE leaves the row alone changes nothing: the year's
   * summaries stay valid. */
  if (sqlite3_changes(st->db) == 0) {
    if (changed != NULL)
      *changed = false;
    return RB_OK;
  }
  err = store_mark_item_reporting(st, false, milestone_id);
  if (err == RB_OK && changed != NULL)
    *changed = true;
  return err;
}

enum rb_err
store_update_delete(struct store *st, int64_t milestone_id, const char *quarter)
{
  static const char sql[] = "DELETE FROM milestone_update WHERE milestone_id = ?1 AND quarter = ?2";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, milestone_id);
  store_bind_text(s, 2, quarter);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  if (sqlite3_changes(st->db) == 0)
    return RB_ERR_NOT_FOUND;
  return store_mark_item_reporting(st, false, milestone_id);
}
