/* What the board report is built from: a plan year's framework in the
 * import format's shape (report_model.h's input), in one pass per table,
 * and the audit trail's head. */
#include "store_int.h"
#include "quarter.h"
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

/* An object of the row's columns under the given names: names[i] is
 * column first + i's (a literal, so no key check). NULL when out of
 * memory. Faster than json_pack for the tens of thousands of rows of a
 * large plan year. */
static json_t *
row_object(sqlite3_stmt *s, int first, const char *const *names, size_t n)
{
  json_t *o = json_object();

  for (size_t i = 0; o != NULL && i < n; i++)
    if (json_object_set_new_nocheck(o, names[i], col(s, first + (int)i)) != 0) {
      json_decref(o);
      o = NULL;
    }
  return o;
}

static enum rb_err
group_row(sqlite3_stmt *s, json_t *into, json_t **last)
{
  static const char *const names[] = {"code", "name"};
  json_t *g = row_object(s, 0, names, ARRAY_LEN(names));

  (void)last;
  if (g == NULL || json_object_set_new_nocheck(g, "chairs", col_json(s, 2, true)) != 0) {
    json_decref(g);
    return RB_ERR_NOMEM;
  }
  return append(into, g);
}

static enum rb_err
priority_row(sqlite3_stmt *s, json_t *into, json_t **last)
{
  static const char *const names[] = {"group", "number", "title", "long_title"};

  (void)last;
  return append(into, row_object(s, 0, names, ARRAY_LEN(names)));
}

static enum rb_err
quarter_row(sqlite3_stmt *s, json_t *into, json_t **last)
{
  static const char *const names[] = {"id", "delivery_team_date", "place_board_date"};

  (void)last;
  return append(into, row_object(s, 0, names, ARRAY_LEN(names)));
}

/* Rows come ordered by item, then quarter: a new item starts when the id
 * changes; each row's update (when it has one) joins the current item. */
static bool
same_item(json_t *last, sqlite3_stmt *s)
{
  return last != NULL &&
         json_integer_value(json_object_get(last, "id")) == sqlite3_column_int64(s, 0);
}

/* The row's item (columns 0 to n - 1) when it starts one (*last), with an
 * empty array `list`; then its entry in `list`, if it has one, from column
 * n on (entry_names NULL: the caller adds it). */
static enum rb_err
item_row(sqlite3_stmt *s, json_t *into, json_t **last, const char *const *names, size_t n,
         const char *list, const char *const *entry_names, size_t nentry)
{
  json_t *entry;

  if (!same_item(*last, s)) {
    json_t *item = row_object(s, 0, names, n);

    if (item == NULL || json_object_set_new_nocheck(item, list, json_array()) != 0 ||
        append(into, item) != RB_OK) {
      json_decref(item);
      return RB_ERR_NOMEM;
    }
    *last = item;
  }
  if (entry_names == NULL || sqlite3_column_type(s, (int)n) == SQLITE_NULL)
    return RB_OK; /* no entry, or the caller adds it */
  entry = row_object(s, (int)n, entry_names, nentry);
  return append(json_object_get(*last, list), entry);
}

static enum rb_err
milestone_row(sqlite3_stmt *s, json_t *into, json_t **last)
{
  static const char *const names[] = {"id",          "code",           "group",      "priority",
                                      "description", "target_quarter", "target_text"};
  static const char *const update[] = {"quarter", "status", "comment"};

  return item_row(s, into, last, names, ARRAY_LEN(names), "updates", update, ARRAY_LEN(update));
}

/* Columns 0-8 are the KPI's own, 9-10 its tolerance, 11-15 its reading, 16
 * its SPC settings (the chart's, as /chart.svg draws it). */
static enum rb_err
kpi_row(sqlite3_stmt *s, json_t *into, json_t **last)
{
  static const char *const names[] = {"id",        "code", "group",  "description",
                                      "direction", "unit", "target", "target_text"};
  static const char *const reading[] = {"quarter", "value", "value_text", "rating", "comment"};
  json_t *before = *last;
  enum rb_err err = item_row(s, into, last, names, ARRAY_LEN(names), "readings", NULL, 0);

  if (err != RB_OK)
    return err;
  if (*last != before) { /* a new KPI */
    json_t *tol = json_object();

    if (tol == NULL || json_object_set_new_nocheck(tol, "mode", col(s, 9)) != 0 ||
        json_object_set_new_nocheck(tol, "value", col(s, 10)) != 0 ||
        json_object_set_new_nocheck(*last, "tolerance", tol) != 0 ||
        json_object_set_new_nocheck(*last, "quarterly_targets", col_json(s, 8, false)) != 0 ||
        json_object_set_new_nocheck(*last, "priorities", json_array()) != 0 ||
        (sqlite3_column_type(s, 16) != SQLITE_NULL &&
         json_object_set_new_nocheck(*last, "spc", col_json(s, 16, false)) != 0))
      return RB_ERR_NOMEM;
  }
  if (sqlite3_column_type(s, 11) == SQLITE_NULL)
    return RB_OK;
  return append(json_object_get(*last, "readings"), row_object(s, 11, reading, ARRAY_LEN(reading)));
}

/* The KPIs' priority numbers, rows ordered by KPI id then number, into
 * the KPIs (ordered by id too): one merge, no query per KPI. */
static enum rb_err
kpi_priorities(struct store *st, const char *year, json_t *kpis)
{
  static const char sql[] =
    "SELECT kpi_id, number FROM kpi_priority WHERE year = ?1 ORDER BY kpi_id, number";
  sqlite3_stmt *s;
  size_t k = 0;
  enum rb_err err = store_stmt(st, sql, &s);
  int rc = SQLITE_DONE;

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, year);
  while (err == RB_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(s, 0);
    json_t *kpi;

    while ((kpi = json_array_get(kpis, k)) != NULL &&
           json_integer_value(json_object_get(kpi, "id")) < id)
      k++;
    if (kpi != NULL && json_integer_value(json_object_get(kpi, "id")) == id)
      err = append(json_object_get(kpi, "priorities"), json_integer(sqlite3_column_int64(s, 1)));
  }
  if (err == RB_OK && rc != SQLITE_DONE)
    err = store_fail(st, rc);
  sqlite3_reset(s);
  return err;
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
  /* Items in id order, each with its updates or readings in quarter
   * order: scanning the items' table by id (NOT INDEXED) gives that order
   * without sorting every joined row. Milestones show the year before's
   * Q4 too (?3), KPIs the plan year's quarters only (?4): a reading
   * before them is in no column the report prints. */
  static const char milestones_sql[] =
    "SELECT m.id, m.code, g.code, m.priority_number, m.description, m.target_quarter,"
    " m.target_text, u.quarter, u.status, u.comment"
    " FROM milestone m NOT INDEXED JOIN tgroup g ON g.id = m.group_id"
    " LEFT JOIN milestone_update u ON u.milestone_id = m.id AND u.quarter BETWEEN ?3 AND ?2"
    " WHERE m.year = ?1 ORDER BY m.id, u.quarter";
  static const char kpis_sql[] =
    "SELECT k.id, k.code, g.code, k.description, k.direction, k.unit, k.target, k.target_text,"
    " k.quarterly_targets, k.tolerance_mode, k.tolerance_value,"
    " r.quarter, r.value, r.value_text, r.rating, r.comment, k.spc"
    " FROM kpi k NOT INDEXED JOIN tgroup g ON g.id = k.group_id"
    " LEFT JOIN kpi_reading r ON r.kpi_id = k.id AND r.quarter BETWEEN ?4 AND ?2"
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
  char from[QUARTER_LEN], first[QUARTER_LEN];
  int start;

  /* The quarters the report shows: the year before's Q4 to upto. */
  if (quarter_parse_year(year, &start) != NULL) {
    json_decref(doc);
    return RB_ERR_INVALID;
  }
  quarter_format((struct quarter){start - 1, 4}, from);
  quarter_format((struct quarter){start, 1}, first);

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
    if (sqlite3_bind_parameter_count(s) >= 3)
      store_bind_text(s, 3, from);
    if (sqlite3_bind_parameter_count(s) >= 4)
      store_bind_text(s, 4, first);
    err = each_row(st, s, arr, parts[i].row, &last);
  }
  if (err == RB_OK)
    err = kpi_priorities(st, year, json_object_get(doc, "kpis"));
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
