/* What the board report is built from: a plan year's framework in the
 * import format's shape (report_model.h's input), in one pass per table,
 * and the audit trail's head. */
#include "store_int.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Column i as JSON: NULL stays null, numbers keep their type. */
static json_t *
col(sqlite3_stmt *s, int i)
{
  switch (sqlite3_column_type(s, i)) {
  case SQLITE_INTEGER:
    return json_integer(sqlite3_column_int64(s, i));
  case SQLITE_FLOAT:
    return json_real(sqlite3_column_double(s, i));
  case SQLITE_TEXT:
    return json_stringn((const char *)sqlite3_column_text(s, i),
                        (size_t)sqlite3_column_bytes(s, i));
  default:
    return json_null();
  }
}

/* A column holding JSON text (chairs, quarterly targets), decoded; an
 * empty object or array when it is not JSON (the schema's CHECKs make
 * that unreachable). */
static json_t *
col_json(sqlite3_stmt *s, int i, bool array)
{
  const char *text = (const char *)sqlite3_column_text(s, i);
  json_t *v = text != NULL ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;

  if (v == NULL || (array ? !json_is_array(v) : !json_is_object(v))) {
    json_decref(v);
    v = array ? json_array() : json_object();
  }
  return v;
}

/* Step s to its end, calling row() for each row; the step's error, if any. */
static enum rb_err
each_row(struct store *st, sqlite3_stmt *s, json_t *into,
         enum rb_err (*row)(sqlite3_stmt *s, json_t *into, json_t **last), json_t **last)
{
  enum rb_err err = RB_OK;
  int rc;

  while (err == RB_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
    err = row(s, into, last);
  if (err == RB_OK && rc != SQLITE_DONE)
    err = store_fail(st, rc);
  sqlite3_reset(s);
  return err;
}

static enum rb_err
append(json_t *arr, json_t *v)
{
  return v != NULL && json_array_append_new(arr, v) == 0 ? RB_OK : RB_ERR_NOMEM;
}

static enum rb_err
group_row(sqlite3_stmt *s, json_t *into, json_t **last)
{
  (void)last;
  return append(into, json_pack("{s:o, s:o, s:o}", "code", col(s, 0), "name", col(s, 1), "chairs",
                                col_json(s, 2, true)));
}

static enum rb_err
priority_row(sqlite3_stmt *s, json_t *into, json_t **last)
{
  (void)last;
  return append(into, json_pack("{s:o, s:o, s:o, s:o}", "group", col(s, 0), "number", col(s, 1),
                                "title", col(s, 2), "long_title", col(s, 3)));
}

static enum rb_err
quarter_row(sqlite3_stmt *s, json_t *into, json_t **last)
{
  (void)last;
  return append(into, json_pack("{s:o, s:o, s:o}", "id", col(s, 0), "delivery_team_date", col(s, 1),
                                "place_board_date", col(s, 2)));
}

/* Rows come ordered by item, then quarter: a new item starts when the id
 * changes; each row's update (when it has one) joins the current item. */
static bool
same_item(json_t *last, sqlite3_stmt *s)
{
  return last != NULL &&
         json_integer_value(json_object_get(last, "id")) == sqlite3_column_int64(s, 0);
}

static enum rb_err
milestone_row(sqlite3_stmt *s, json_t *into, json_t **last)
{
  if (!same_item(*last, s)) {
    json_t *m =
      json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:[]}", "id", col(s, 0), "code", col(s, 1),
                "group", col(s, 2), "priority", col(s, 3), "description", col(s, 4),
                "target_quarter", col(s, 5), "target_text", col(s, 6), "updates");

    if (append(into, m) != RB_OK)
      return RB_ERR_NOMEM;
    *last = m;
  }
  if (sqlite3_column_type(s, 7) == SQLITE_NULL)
    return RB_OK;
  return append(
    json_object_get(*last, "updates"),
    json_pack("{s:o, s:o, s:o}", "quarter", col(s, 7), "status", col(s, 8), "comment", col(s, 9)));
}

/* "1,5" -> [1, 5] */
static json_t *
numbers(const char *text)
{
  json_t *arr = json_array();

  for (const char *p = text; p != NULL && *p != '\0';) {
    char *end;
    long long v = strtoll(p, &end, 10);

    if (end == p)
      break;
    json_array_append_new(arr, json_integer(v));
    p = *end == ',' ? end + 1 : end;
  }
  return arr;
}

static enum rb_err
kpi_row(sqlite3_stmt *s, json_t *into, json_t **last)
{
  if (!same_item(*last, s)) {
    json_t *k = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:{s:o, s:o}, s:o, s:[]}",
                          "id", col(s, 0), "code", col(s, 1), "group", col(s, 2), "description",
                          col(s, 3), "direction", col(s, 4), "unit", col(s, 5), "target", col(s, 6),
                          "target_text", col(s, 7), "quarterly_targets", col_json(s, 8, false),
                          "tolerance", "mode", col(s, 9), "value", col(s, 10), "priorities",
                          numbers((const char *)sqlite3_column_text(s, 11)), "readings");

    if (append(into, k) != RB_OK)
      return RB_ERR_NOMEM;
    *last = k;
  }
  if (sqlite3_column_type(s, 12) == SQLITE_NULL)
    return RB_OK;
  return append(json_object_get(*last, "readings"),
                json_pack("{s:o, s:o, s:o, s:o, s:o}", "quarter", col(s, 12), "value", col(s, 13),
                          "value_text", col(s, 14), "rating", col(s, 15), "comment", col(s, 16)));
}

enum rb_err
store_report_year(struct store *st, const char *year, const char *upto, json_t **out)
{
  static const char groups_sql[] = "SELECT code, name, chairs FROM tgroup ORDER BY code";
  static const char prio_sql[] =
    "SELECT g.code, p.number, p.title, p.long_title FROM priority p"
    " JOIN tgroup g ON g.id = p.group_id WHERE p.year = ?1 ORDER BY g.code, p.number";
  static const char quarters_sql[] = "SELECT id, delivery_team_date, place_board_date FROM quarter"
                                     " WHERE substr(id, 1, 7) = ?1 ORDER BY id";
  static const char milestones_sql[] =
    "SELECT m.id, m.code, g.code, m.priority_number, m.description, m.target_quarter,"
    " m.target_text, u.quarter, u.status, u.comment"
    " FROM milestone m JOIN tgroup g ON g.id = m.group_id"
    " LEFT JOIN milestone_update u ON u.milestone_id = m.id AND u.quarter <= ?2"
    " WHERE m.year = ?1 ORDER BY m.id, u.quarter";
  static const char kpis_sql[] =
    "SELECT k.id, k.code, g.code, k.description, k.direction, k.unit, k.target, k.target_text,"
    " k.quarterly_targets, k.tolerance_mode, k.tolerance_value,"
    " (SELECT group_concat(number) FROM (SELECT number FROM kpi_priority"
    "   WHERE kpi_id = k.id ORDER BY number)),"
    " r.quarter, r.value, r.value_text, r.rating, r.comment"
    " FROM kpi k JOIN tgroup g ON g.id = k.group_id"
    " LEFT JOIN kpi_reading r ON r.kpi_id = k.id AND r.quarter <= ?2"
    " WHERE k.year = ?1 ORDER BY k.id, r.quarter";
  static const struct {
    const char *key, *sql;
    enum rb_err (*row)(sqlite3_stmt *, json_t *, json_t **);
  } parts[] = {
    {"groups", groups_sql, group_row},
    {"priorities", prio_sql, priority_row},
    {"quarters", quarters_sql, quarter_row},
    {"milestones", milestones_sql, milestone_row},
    {"kpis", kpis_sql, kpi_row},
  };
  json_t *doc = json_object();
  enum rb_err err = doc != NULL ? RB_OK : RB_ERR_NOMEM;

  for (size_t i = 0; i < ARRAY_LEN(parts) && err == RB_OK; i++) {
    json_t *arr = json_array(), *last = NULL;
    sqlite3_stmt *s;

    if (arr == NULL || json_object_set_new(doc, parts[i].key, arr) != 0) {
      err = RB_ERR_NOMEM;
      break;
    }
    err = store_stmt(st, parts[i].sql, &s);
    if (err != RB_OK)
      break;
    if (sqlite3_bind_parameter_count(s) >= 1)
      store_bind_text(s, 1, year);
    if (sqlite3_bind_parameter_count(s) >= 2)
      store_bind_text(s, 2, upto);
    err = each_row(st, s, arr, parts[i].row, &last);
  }
  if (err == RB_OK && json_array_size(json_object_get(doc, "priorities")) == 0 &&
      json_array_size(json_object_get(doc, "milestones")) == 0 &&
      json_array_size(json_object_get(doc, "kpis")) == 0)
    err = RB_ERR_NOT_FOUND;
  if (err != RB_OK) {
    json_decref(doc);
    return err;
  }
  *out = doc;
  return RB_OK;
}

enum rb_err
store_report_exists(struct store *st, const char *year, bool *exists)
{
  static const char sql[] = "SELECT EXISTS (SELECT 1 FROM priority WHERE year = ?1)"
                            " OR EXISTS (SELECT 1 FROM milestone WHERE year = ?1)"
                            " OR EXISTS (SELECT 1 FROM kpi WHERE year = ?1)";
  sqlite3_stmt *s;
  int64_t n = 0;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, year);
  err = store_int(st, s, &n);
  if (err == RB_OK)
    *exists = n != 0;
  return err;
}

enum rb_err
store_audit_head(struct store *st, int64_t *id, char hash[65])
{
  static const char sql[] = "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    *id = sqlite3_column_int64(s, 0);
    snprintf(hash, 65, "%s",
             sqlite3_column_text(s, 1) != NULL ? (const char *)sqlite3_column_text(s, 1) : "");
    err = RB_OK;
  } else {
    err = rc == SQLITE_DONE ? RB_ERR_NOT_FOUND : store_fail(st, rc);
  }
  sqlite3_reset(s);
  return err;
}
