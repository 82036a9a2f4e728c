#include "store_int.h"
#include "store_item_sql.h"

/* The id of the KPI in->continues names (?15 year, ?16 code), NULL when none. */
#define CONTINUES_ID " (SELECT id FROM kpi WHERE year = ?15 AND code = ?16)"

/* ?1..?13: the KPI's columns; ?14: now; ?15, ?16: the year and code of
 * the KPI it continues; ?17: frequency; ?18: SPC settings. Absent
 * quarterly_targets, tolerance and frequency take their defaults; an
 * empty spc object is none. */
static void
bind_fields(sqlite3_stmt *s, const json_t *in, const char *now)
{
  const json_t *tol = json_object_get(in, "tolerance");
  const json_t *qt = json_object_get(in, "quarterly_targets");
  const json_t *mode = json_object_get(tol, "mode");
  const json_t *value = json_object_get(tol, "value");
  const json_t *cont = json_object_get(in, "continues");
  const json_t *freq = json_object_get(in, "frequency");
  const json_t *spc = json_object_get(in, "spc");

  store_bind(s, 1, json_object_get(in, "year"));
  store_bind(s, 2, json_object_get(in, "code"));
  store_bind(s, 3, json_object_get(in, "group"));
  store_bind(s, 4, json_object_get(in, "description"));
  store_bind(s, 5, json_object_get(in, "direction"));
  store_bind(s, 6, json_object_get(in, "unit"));
  store_bind(s, 7, json_object_get(in, "target"));
  store_bind(s, 8, json_object_get(in, "target_text"));
  if (json_is_object(qt))
    store_bind(s, 9, qt);
  else
    sqlite3_bind_text(s, 9, "{}", 2, SQLITE_STATIC);
  if (json_is_string(mode))
    store_bind(s, 10, mode);
  else
    sqlite3_bind_text(s, 10, "relative", -1, SQLITE_STATIC);
  if (json_is_number(value))
    sqlite3_bind_double(s, 11, json_number_value(value));
  else
    sqlite3_bind_double(s, 11, 2.0);
  store_bind(s, 12, json_object_get(in, "owner"));
  store_bind(s, 13, json_object_get(in, "source"));
  store_bind_text(s, 14, now);
  store_bind(s, 15, json_object_get(cont, "year"));
  store_bind(s, 16, json_object_get(cont, "code"));
  if (json_is_string(freq))
    store_bind(s, 17, freq);
  else
    sqlite3_bind_text(s, 17, "quarterly", -1, SQLITE_STATIC);
  if (json_object_size(spc) > 0)
    store_bind(s, 18, spc);
}

/* Replace the KPI's priority links with in["priorities"] (sorted, unique:
 * the handler guarantees it), touching updated_at only when they change. */
static enum rb_err
set_priorities(struct store *st, int64_t id, const json_t *in, const char *now)
{
  static const char touch_sql[] =
    "UPDATE kpi SET updated_at = ?2 WHERE id = ?1 AND (SELECT json_group_array(number)"
    " FROM (SELECT number FROM kpi_priority WHERE kpi_id = ?1 ORDER BY number)) IS NOT ?3";
  static const char clear_sql[] = "DELETE FROM kpi_priority WHERE kpi_id = ?1";
  static const char add_sql[] = "INSERT INTO kpi_priority (kpi_id, year, group_id, number)"
                                " SELECT id, year, group_id, ?2 FROM kpi WHERE id = ?1";
  const json_t *prios = json_object_get(in, "priorities");
  sqlite3_stmt *s;
  enum rb_err err;
  size_t i;
  json_t *n;

  err = store_stmt(st, touch_sql, &s);
  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, id);
  store_bind_text(s, 2, now);
  store_bind(s, 3, prios);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  err = store_stmt(st, clear_sql, &s);
  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, id);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  json_array_foreach(prios, i, n)
  {
    err = store_stmt(st, add_sql, &s);
    if (err != RB_OK)
      return err;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, json_integer_value(n));
    err = store_exec(st, s);
    if (err != RB_OK)
      return err;
  }
  return RB_OK;
}

enum rb_err
store_kpi_list(struct store *st, const struct store_filter *f, const struct store_page *pg,
               json_t **items, char **next)
{
  static const char sql[] = KPI_SELECT KPI_LIST_WHERE KPI_LIST_REST;
  static const char by_group_sql[] = KPI_SELECT KPI_GROUP_WHERE KPI_LIST_REST;
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
store_kpi_get(struct store *st, int64_t id, json_t **out)
{
  static const char sql[] = KPI_SELECT " WHERE k.id = ?1";

  return store_one_id(st, sql, id, out);
}

enum rb_err
store_kpi_brief(struct store *st, int64_t id, json_t **out)
{
  static const char sql[] = "SELECT k.id, k.year, k.code, o.code AS owner, k.frequency FROM kpi k"
                            " LEFT JOIN organisation o ON o.id = k.owner_id WHERE k.id = ?1";

  return store_one_id(st, sql, id, out);
}

enum rb_err
store_kpi_find(struct store *st, const char *year, const char *code, int64_t *id)
{
  static const char sql[] = "SELECT id FROM kpi WHERE year = ?1 AND code = ?2";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, year);
  store_bind_text(s, 2, code);
  return store_int(st, s, id);
}

enum rb_err
store_kpi_insert(struct store *st, const json_t *in, const char *now, json_t **out)
{
  static const char sql[] =
    "INSERT INTO kpi (year, code, group_id, description, direction, unit, target,"
    " target_text, quarterly_targets, tolerance_mode, tolerance_value, owner_id, source,"
    " created_at, updated_at, continues_id, frequency, spc)"
    " VALUES (?1, ?2, (SELECT id FROM tgroup WHERE code = ?3), ?4, ?5, ?6, ?7, ?8, ?9,"
    " ?10, ?11, (SELECT id FROM organisation WHERE code = ?12), ?13, ?14, ?14," CONTINUES_ID
    ", ?17, ?18)";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);
  int64_t id;

  if (err != RB_OK)
    return err;
  bind_fields(s, in, now);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  id = sqlite3_last_insert_rowid(sqlite3_db_handle(s));
  store_mark_changed(st);
  err = set_priorities(st, id, in, now);
  if (err != RB_OK)
    return err;
  return store_kpi_get(st, id, out);
}

enum rb_err
store_kpi_update(struct store *st, int64_t id, const json_t *in, const char *now, json_t **out)
{
  static const char sql[] =
    "UPDATE kpi SET code = ?2, group_id = (SELECT id FROM tgroup WHERE code = ?3),"
    " description = ?4, direction = ?5, unit = ?6, target = ?7, target_text = ?8,"
    " quarterly_targets = ?9, tolerance_mode = ?10, tolerance_value = ?11,"
    " owner_id = (SELECT id FROM organisation WHERE code = ?12), source = ?13, updated_at = ?14,"
    " continues_id = " CONTINUES_ID ", frequency = ?17, spc = ?18"
    " WHERE id = ?19 AND (code IS NOT ?2 OR group_id IS NOT (SELECT id FROM tgroup WHERE code = ?3)"
    " OR description IS NOT ?4 OR direction IS NOT ?5 OR unit IS NOT ?6 OR target IS NOT ?7"
    " OR target_text IS NOT ?8 OR quarterly_targets IS NOT ?9 OR tolerance_mode IS NOT ?10"
    " OR tolerance_value IS NOT ?11"
    " OR owner_id IS NOT (SELECT id FROM organisation WHERE code = ?12) OR source IS NOT ?13"
    " OR continues_id IS NOT " CONTINUES_ID " OR frequency IS NOT ?17 OR spc IS NOT ?18)";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  bind_fields(s, in, now);
  sqlite3_bind_int64(s, 19, id);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  store_mark_changed(st);
  err = set_priorities(st, id, in, now);
  if (err != RB_OK)
    return err;
  return store_kpi_get(st, id, out);
}

enum rb_err
store_kpi_delete(struct store *st, int64_t id)
{
  static const char sql[] = "DELETE FROM kpi WHERE id = ?1";

  return store_delete_one(st, sql, NULL, id);
}

enum rb_err
store_kpi_upsert(struct store *st, const json_t *in, const char *now, int64_t *id)
{
  /* ?19..?23: whether the file gives these. What the API manages besides
   * the plan-year file (owners given out with POST /owners, a chain, a
   * monthly frequency, SPC settings) is kept when the file leaves the
   * member out: importing the year's framework again must not undo it.
   * Given, null included, they are set. */
  static const char *const kept[] = {"owner", "source", "continues", "frequency", "spc", NULL};
  static const char sql[] =
    "INSERT INTO kpi (year, code, group_id, description, direction, unit, target,"
    " target_text, quarterly_targets, tolerance_mode, tolerance_value, owner_id, source,"
    " created_at, updated_at, continues_id, frequency, spc)"
    " VALUES (?1, ?2, (SELECT id FROM tgroup WHERE code = ?3), ?4, ?5, ?6, ?7, ?8, ?9,"
    " ?10, ?11, (SELECT id FROM organisation WHERE code = ?12), ?13, ?14, ?14," CONTINUES_ID
    ", ?17, ?18)"
    " ON CONFLICT (year, code) DO UPDATE SET group_id = excluded.group_id,"
    " description = excluded.description, direction = excluded.direction,"
    " unit = excluded.unit, target = excluded.target, target_text = excluded.target_text,"
    " quarterly_targets = excluded.quarterly_targets, tolerance_mode = excluded.tolerance_mode,"
    " tolerance_value = excluded.tolerance_value,"
    " owner_id = CASE WHEN ?19 THEN excluded.owner_id ELSE owner_id END,"
    " source = CASE WHEN ?20 THEN excluded.source ELSE source END,"
    " updated_at = excluded.updated_at,"
    " continues_id = CASE WHEN ?21 THEN excluded.continues_id ELSE continues_id END,"
    " frequency = CASE WHEN ?22 THEN excluded.frequency ELSE frequency END,"
    " spc = CASE WHEN ?23 THEN excluded.spc ELSE spc END"
    " WHERE group_id IS NOT excluded.group_id OR description IS NOT excluded.description"
    " OR direction IS NOT excluded.direction OR unit IS NOT excluded.unit"
    " OR target IS NOT excluded.target OR target_text IS NOT excluded.target_text"
    " OR quarterly_targets IS NOT excluded.quarterly_targets"
    " OR tolerance_mode IS NOT excluded.tolerance_mode"
    " OR tolerance_value IS NOT excluded.tolerance_value"
    " OR (?19 AND owner_id IS NOT excluded.owner_id) OR (?20 AND source IS NOT excluded.source)"
    " OR (?21 AND continues_id IS NOT excluded.continues_id)"
    " OR (?22 AND frequency IS NOT excluded.frequency) OR (?23 AND spc IS NOT excluded.spc)";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);
  int64_t kid;

  if (err != RB_OK)
    return err;
  bind_fields(s, in, now);
  for (int i = 0; kept[i] != NULL; i++)
    sqlite3_bind_int(s, 19 + i, json_object_get(in, kept[i]) != NULL);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  store_mark_changed(st);
  err = store_kpi_find(st, store_str(in, "year"), store_str(in, "code"), &kid);
  if (err != RB_OK)
    return err;
  err = set_priorities(st, kid, in, now);
  if (err != RB_OK)
    return err;
  *id = kid;
  return RB_OK;
}
