#include "store_int.h"

#define PRIORITY_SELECT                                                        \
  "SELECT p.id, p.year, g.code AS \"group\", p.number, p.title, p.long_title," \
  " p.created_at, p.updated_at FROM priority p JOIN tgroup g ON g.id = p.group_id"

enum rb_err
store_priority_list(struct store *st, const struct store_filter *f, const struct store_page *pg,
                    json_t **items, char **next)
{
  static const char sql[] =
    PRIORITY_SELECT " WHERE (?1 IS NULL OR p.year = ?1) AND (?2 IS NULL OR g.code = ?2)"
                    " AND (?3 IS NULL OR p.number = ?3) AND (?4 IS NULL OR p.id > ?4)"
                    " ORDER BY p.id LIMIT ?5";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, f->year);
  store_bind_text(s, 2, f->group);
  if (f->has_priority)
    sqlite3_bind_int64(s, 3, f->priority);
  store_bind_text(s, 4, pg->after);
  sqlite3_bind_int(s, 5, pg->limit + 1);
  return store_many(st, s, pg->limit, 0, items, next);
}

enum rb_err
store_priority_get(struct store *st, int64_t id, json_t **out)
{
  static const char sql[] = PRIORITY_SELECT " WHERE p.id = ?1";

  return store_one_id(st, sql, id, out);
}

enum rb_err
store_priority_find(struct store *st, const char *year, const char *group, int64_t number,
                    int64_t *id)
{
  static const char sql[] = "SELECT p.id FROM priority p JOIN tgroup g ON g.id = p.group_id"
                            " WHERE p.year = ?1 AND g.code = ?2 AND p.number = ?3";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, year);
  store_bind_text(s, 2, group);
  sqlite3_bind_int64(s, 3, number);
  return store_int(st, s, id);
}

enum rb_err
store_priority_insert(struct store *st, const json_t *in, const char *now, json_t **out)
{
  static const char sql[] =
    "INSERT INTO priority (year, group_id, number, title, long_title, created_at, updated_at)"
    " VALUES (?1, (SELECT id FROM tgroup WHERE code = ?2), ?3, ?4, ?5, ?6, ?6)";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind(s, 1, json_object_get(in, "year"));
  store_bind(s, 2, json_object_get(in, "group"));
  store_bind(s, 3, json_object_get(in, "number"));
  store_bind(s, 4, json_object_get(in, "title"));
  store_bind(s, 5, json_object_get(in, "long_title"));
  store_bind_text(s, 6, now);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  store_mark_changed(st);
  return store_priority_get(st, sqlite3_last_insert_rowid(sqlite3_db_handle(s)), out);
}

enum rb_err
store_priority_update(struct store *st, int64_t id, const json_t *in, const char *now, json_t **out)
{
  static const char sql[] = "UPDATE priority SET title = ?2, long_title = ?3, updated_at = ?4"
                            " WHERE id = ?1 AND (title IS NOT ?2 OR long_title IS NOT ?3)";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, id);
  store_bind(s, 2, json_object_get(in, "title"));
  store_bind(s, 3, json_object_get(in, "long_title"));
  store_bind_text(s, 4, now);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  store_mark_changed(st);
  return store_priority_get(st, id, out);
}

enum rb_err
store_priority_delete(struct store *st, int64_t id)
{
  static const char sql[] = "DELETE FROM priority WHERE id = ?1";

  return store_delete_one(st, sql, NULL, id);
}

enum rb_err
store_priority_upsert(struct store *st, const json_t *in, const char *now)
{
  static const char sql[] =
    "INSERT INTO priority (year, group_id, number, title, long_title, created_at, updated_at)"
    " VALUES (?1, (SELECT id FROM tgroup WHERE code = ?2), ?3, ?4, ?5, ?6, ?6)"
    " ON CONFLICT (year, group_id, number) DO UPDATE SET title = excluded.title,"
    " long_title = excluded.long_title, updated_at = excluded.updated_at"
    " WHERE title IS NOT excluded.title OR long_title IS NOT excluded.long_title";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind(s, 1, json_object_get(in, "year"));
  store_bind(s, 2, json_object_get(in, "group"));
  store_bind(s, 3, json_object_get(in, "number"));
  store_bind(s, 4, json_object_get(in, "title"));
  store_bind(s, 5, json_object_get(in, "long_title"));
  store_bind_text(s, 6, now);
  err = store_exec(st, s);
  if (err == RB_OK)
    store_mark_changed(st);
  return err;
}
