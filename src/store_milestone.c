#include "store_int.h"
#include "store_item_sql.h"

/* ?1..?8: the milestone's fields in this order; ?9: now. */
static void
bind_fields(sqlite3_stmt *s, const json_t *in, const char *now)
{
  store_bind(s, 1, json_object_get(in, "year"));
  store_bind(s, 2, json_object_get(in, "code"));
  store_bind(s, 3, json_object_get(in, "group"));
  store_bind(s, 4, json_object_get(in, "priority"));
  store_bind(s, 5, json_object_get(in, "description"));
  store_bind(s, 6, json_object_get(in, "target_quarter"));
  store_bind(s, 7, json_object_get(in, "target_text"));
  store_bind(s, 8, json_object_get(in, "owner"));
  store_bind_text(s, 9, now);
}

enum rb_err
store_milestone_list(struct store *st, const struct store_filter *f, const struct store_page *pg,
                     json_t **items, char **next)
{
  static const char sql[] = MILESTONE_SELECT MILESTONE_LIST_WHERE MILESTONE_LIST_REST;
  static const char by_group_sql[] = MILESTONE_SELECT MILESTONE_GROUP_WHERE MILESTONE_LIST_REST;
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, f->year != NULL && f->group != NULL ? by_group_sql : sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, f->year);
  store_bind_text(s, 2, f->group);
  if (f->has_priority)
    sqlite3_bind_int64(s, 3, f->priority);
  store_bind_text(s, 4, f->owner);
  store_bind_text(s, 5, f->code);
  store_bind_text(s, 6, pg->after);
  sqlite3_bind_int(s, 7, pg->limit + 1);
  return store_many(st, s, pg->limit, 0, items, next);
}

enum rb_err
store_milestone_brief(struct store *st, int64_t id, json_t **out)
{
  static const char sql[] = "SELECT m.id, m.year, m.code, o.code AS owner FROM milestone m"
                            " LEFT JOIN organisation o ON o.id = m.owner_id WHERE m.id = ?1";

  return store_one_id(st, sql, id, out);
}

enum rb_err
store_milestone_get(struct store *st, int64_t id, json_t **out)
{
  static const char sql[] = MILESTONE_SELECT " WHERE m.id = ?1";

  return store_one_id(st, sql, id, out);
}

enum rb_err
store_milestone_find(struct store *st, const char *year, const char *code, int64_t *id)
{
  static const char sql[] = "SELECT id FROM milestone WHERE year = ?1 AND code = ?2";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, year);
  store_bind_text(s, 2, code);
  return store_int(st, s, id);
}

enum rb_err
store_milestone_insert(struct store *st, const json_t *in, const char *now, json_t **out)
{
  static const char sql[] =
    "INSERT INTO milestone (year, code, group_id, priority_number, description,"
    " target_quarter, target_text, owner_id, created_at, updated_at)"
    " VALUES (?1, ?2, (SELECT id FROM tgroup WHERE code = ?3), ?4, ?5, ?6, ?7,"
    " (SELECT id FROM organisation WHERE code = ?8), ?9, ?9)";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  bind_fields(s, in, now);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  store_mark_changed(st);
  return store_milestone_get(st, sqlite3_last_insert_rowid(sqlite3_db_handle(s)), out);
}

enum rb_err
store_milestone_update(struct store *st, int64_t id, const json_t *in, const char *now,
                       json_t **out)
{
  /* ?1 (year) is not updated: a milestone belongs to its plan year. */
  static const char sql[] =
    "UPDATE milestone SET code = ?2, group_id = (SELECT id FROM tgroup WHERE code = ?3),"
    " priority_number = ?4, description = ?5, target_quarter = ?6, target_text = ?7,"
    " owner_id = (SELECT id FROM organisation WHERE code = ?8), updated_at = ?9"
    " WHERE id = ?10 AND (code IS NOT ?2 OR group_id IS NOT (SELECT id FROM tgroup WHERE code = ?3)"
    " OR priority_number IS NOT ?4 OR description IS NOT ?5 OR target_quarter IS NOT ?6"
    " OR target_text IS NOT ?7 OR owner_id IS NOT (SELECT id FROM organisation WHERE code = ?8))";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  bind_fields(s, in, now);
  sqlite3_bind_int64(s, 10, id);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  store_mark_changed(st);
  return store_milestone_get(st, id, out);
}

enum rb_err
store_milestone_delete(struct store *st, int64_t id)
{
  static const char sql[] = "DELETE FROM milestone WHERE id = ?1";

  return store_delete_one(st, sql, NULL, id);
}

enum rb_err
store_milestone_upsert(struct store *st, const json_t *in, const char *now, int64_t *id)
{
  /* ?10: whether the file gives an owner. Owners given out with POST
   * /owners are kept when the file leaves `owner` out (as store_kpi_upsert
   * keeps them); null takes it away. */
  static const char sql[] =
    "INSERT INTO milestone (year, code, group_id, priority_number, description,"
    " target_quarter, target_text, owner_id, created_at, updated_at)"
    " VALUES (?1, ?2, (SELECT id FROM tgroup WHERE code = ?3), ?4, ?5, ?6, ?7,"
    " (SELECT id FROM organisation WHERE code = ?8), ?9, ?9)"
    " ON CONFLICT (year, code) DO UPDATE SET group_id = excluded.group_id,"
    " priority_number = excluded.priority_number, description = excluded.description,"
    " target_quarter = excluded.target_quarter, target_text = excluded.target_text,"
    " owner_id = CASE WHEN ?10 THEN excluded.owner_id ELSE owner_id END,"
    " updated_at = excluded.updated_at"
    " WHERE group_id IS NOT excluded.group_id OR priority_number IS NOT excluded.priority_number"
    " OR description IS NOT excluded.description OR target_quarter IS NOT excluded.target_quarter"
    " OR target_text IS NOT excluded.target_text OR (?10 AND owner_id IS NOT excluded.owner_id)";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  bind_fields(s, in, now);
  sqlite3_bind_int(s, 10, json_object_get(in, "owner") != NULL);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  store_mark_changed(st);
  return store_milestone_find(st, store_str(in, "year"), store_str(in, "code"), id);
}
