/* What a plan year's dataset file says about itself: its title, as the
 * last imported file that gave one wrote it (migration 0007). */
#include "store_int.h"

enum rb_err
store_dataset_put_title(struct store *st, const char *year, const char *title, const char *now,
                        const char *by)
{
  /* The same title again is no change: imported_at keeps the import that
   * brought it, and the caches keyed on the versions stay valid. */
  static const char sql[] =
    "INSERT INTO dataset (year, title, imported_at, imported_by) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT (year) DO UPDATE SET title = excluded.title,"
    " imported_at = excluded.imported_at, imported_by = excluded.imported_by"
    " WHERE title IS NOT excluded.title";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, year);
  store_bind_text(s, 2, title);
  store_bind_text(s, 3, now);
  store_bind_text(s, 4, by);
  err = store_exec(st, s);
  /* The title is reference data: every cached answer that could show it
   * (the board report) is rebuilt. */
  if (err == RB_OK && sqlite3_changes(st->db) > 0)
    store_mark_changed(st);
  return err;
}

enum rb_err
store_dataset_get(struct store *st, const char *year, json_t **out)
{
  static const char sql[] =
    "SELECT year, title, imported_at, imported_by FROM dataset WHERE year = ?1";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, year);
  return store_one(st, s, out);
}
