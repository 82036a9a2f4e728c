#include "store_int.h"

#define GROUP_COLUMNS "id, code, name, chairs AS chairs__json, created_at, updated_at"

enum rb_err
store_group_list(struct store *st, const struct store_page *pg, json_t **items, char **next)
{
  static const char sql[] = "SELECT " GROUP_COLUMNS " FROM tgroup"
                            " WHERE ?1 IS NULL OR code > ?1 ORDER BY code LIMIT ?2";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, pg->after);
  sqlite3_bind_int(s, 2, pg->limit + 1);
  return store_many(st, s, pg->limit, 1, items, next);
}

enum rb_err
store_group_get(struct store *st, const char *code, json_t **out)
{
  static const char sql[] = "SELECT " GROUP_COLUMNS " FROM tgroup WHERE code = ?1";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, code);
  return store_one(st, s, out);
}

enum rb_err
store_group_id(struct store *st, const char *code, int64_t *id)
{
  static const char sql[] = "SELECT id FROM tgroup WHERE code = ?1";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, code);
  return store_int(st, s, id);
}

/* chairs is optional on input: absent or null means an empty list. */
static const json_t *
chairs_of(const json_t *in)
{
  return json_object_get(in, "chairs");
}

enum rb_err
store_group_insert(struct store *st, const json_t *in, const char *now, json_t **out)
{
  static const char sql[] = "INSERT INTO tgroup (code, name, chairs, created_at, updated_at)"
                            " VALUES (?1, ?2, coalesce(?3, '[]'), ?4, ?4)";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind(s, 1, json_object_get(in, "code"));
  store_bind(s, 2, json_object_get(in, "name"));
  store_bind(s, 3, chairs_of(in));
  store_bind_text(s, 4, now);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  store_mark_changed(st);
  return store_group_get(st, store_str(in, "code"), out);
}

enum rb_err
store_group_update(struct store *st, const char *code, const json_t *in, const char *now,
                   json_t **out)
{
  static const char sql[] =
    "UPDATE tgroup SET name = ?2, chairs = coalesce(?3, '[]'), updated_at = ?4"
    " WHERE code = ?1 AND (name IS NOT ?2 OR chairs IS NOT coalesce(?3, '[]'))";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, code);
  store_bind(s, 2, json_object_get(in, "name"));
  store_bind(s, 3, chairs_of(in));
  store_bind_text(s, 4, now);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  store_mark_changed(st);
  return store_group_get(st, code, out);
}

enum rb_err
store_group_delete(struct store *st, const char *code)
{
  static const char sql[] = "DELETE FROM tgroup WHERE code = ?1";

  return store_delete_one(st, sql, code, 0);
}

enum rb_err
store_group_upsert(struct store *st, const json_t *in, const char *now)
{
  /* ?5: whether the group names its chairs. Groups outlive plan years,
   * and a year's file that leaves them out (a plan year's framework, not
   * its governance) must not empty the chairs an earlier file gave. */
  static const char sql[] =
    "INSERT INTO tgroup (code, name, chairs, created_at, updated_at)"
    " VALUES (?1, ?2, coalesce(?3, '[]'), ?4, ?4)"
    " ON CONFLICT (code) DO UPDATE SET name = excluded.name,"
    " chairs = CASE WHEN ?5 THEN excluded.chairs ELSE chairs END,"
    " updated_at = excluded.updated_at"
    " WHERE name IS NOT excluded.name OR (?5 AND chairs IS NOT excluded.chairs)";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind(s, 1, json_object_get(in, "code"));
  store_bind(s, 2, json_object_get(in, "name"));
  store_bind(s, 3, chairs_of(in));
  store_bind_text(s, 4, now);
  sqlite3_bind_int(s, 5, chairs_of(in) != NULL);
  err = store_exec(st, s);
  if (err == RB_OK)
    store_mark_changed(st);
  return err;
}
