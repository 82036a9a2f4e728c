#include "store_int.h"

#define ORG_COLUMNS "id, code, name, created_at, updated_at"

enum rb_err
store_org_list(struct store *st, const struct store_page *pg, json_t **items, char **next)
{
  static const char sql[] = "SELECT " ORG_COLUMNS " FROM organisation"
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
store_org_get(struct store *st, const char *code, json_t **out)
{
  static const char sql[] = "SELECT " ORG_COLUMNS " FROM organisation WHERE code = ?1";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, code);
  return store_one(st, s, out);
}

enum rb_err
store_org_id(struct store *st, const char *code, int64_t *id)
{
  static const char sql[] = "SELECT id FROM organisation WHERE code = ?1";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, code);
  return store_int(st, s, id);
}

enum rb_err
store_org_insert(struct store *st, const json_t *in, const char *now, json_t **out)
{
  static const char sql[] = "INSERT INTO organisation (code, name, created_at, updated_at)"
                            " VALUES (?1, ?2, ?3, ?3)";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind(s, 1, json_object_get(in, "code"));
  store_bind(s, 2, json_object_get(in, "name"));
  store_bind_text(s, 3, now);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  store_mark_changed(st);
  return store_org_get(st, store_str(in, "code"), out);
}

enum rb_err
store_org_update(struct store *st, const char *code, const json_t *in, const char *now,
                 json_t **out)
{
  static const char sql[] = "UPDATE organisation SET name = ?2, updated_at = ?3"
                            " WHERE code = ?1 AND name IS NOT ?2";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, code);
  store_bind(s, 2, json_object_get(in, "name"));
  store_bind_text(s, 3, now);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  store_mark_changed(st);
  return store_org_get(st, code, out);
}

enum rb_err
store_org_delete(struct store *st, const char *code)
{
  static const char sql[] = "DELETE FROM organisation WHERE code = ?1";

  return store_delete_one(st, sql, code, 0);
}

enum rb_err
store_org_upsert(struct store *st, const json_t *in, const char *now)
{
  static const char sql[] =
    "INSERT INTO organisation (code, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)"
    " ON CONFLICT (code) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at"
    " WHERE name IS NOT excluded.name";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind(s, 1, json_object_get(in, "code"));
  store_bind(s, 2, json_object_get(in, "name"));
  store_bind_text(s, 3, now);
  err = store_exec(st, s);
  if (err == RB_OK)
    store_mark_changed(st);
  return err;
}
