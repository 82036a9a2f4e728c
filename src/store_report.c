#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rag.h"
#include "summary.h"

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

/* ---- KPI readings ------------------------------------------------------------ */

#define READING_SELECT                                                               \
  "SELECT r.kpi_id, k.code AS kpi_code, r.quarter, r.value, r.value_text, r.rating," \
  " r.comment, r.created_at, r.updated_at, r.updated_by FROM kpi_reading r"          \
  " JOIN kpi k ON k.id = r.kpi_id"

enum rb_err
store_reading_list(struct store *st, int64_t kpi_id, json_t **items)
{
  static const char sql[] = READING_SELECT " WHERE r.kpi_id = ?1 ORDER BY r.quarter";
  sqlite3_stmt *s;
  char *next = NULL;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, kpi_id);
  err = store_many(st, s, 1000000, 0, items, &next);
  free(next);
  return err;
}

enum rb_err
store_reading_get(struct store *st, int64_t kpi_id, const char *quarter, json_t **out)
{
  static const char sql[] = READING_SELECT " WHERE r.kpi_id = ?1 AND r.quarter = ?2";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, kpi_id);
  store_bind_text(s, 2, quarter);
  return store_one(st, s, out);
}

enum rb_err
store_reading_put(struct store *st, int64_t kpi_id, const char *quarter, const json_t *value,
                  const char *value_text, const char *rating, const char *comment, const char *by,
                  const char *now, bool touch, json_t **out)
{
  /* RETURNING hands back the stored row (the columns of READING_SELECT) and
   * the KPI's plan year, so a write needs no second lookup of either. No
   * row comes back when nothing changed (touch false, same values).
   * RETURNING hands a whole-number REAL back as an integer (SQLite keeps it
   * as one internally); the CAST keeps 1.0 a real, as a SELECT answers it,
   * or the ETag of the answer would not match the stored reading's. */
  static const char sql[] =
    "INSERT INTO kpi_reading (kpi_id, quarter, value, value_text, rating, comment,"
    " created_at, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)"
    " ON CONFLICT (kpi_id, quarter) DO UPDATE SET value = excluded.value,"
    " value_text = excluded.value_text, rating = excluded.rating, comment = excluded.comment,"
    " updated_at = excluded.updated_at, updated_by = excluded.updated_by"
    " WHERE ?9 OR value IS NOT excluded.value OR value_text IS NOT excluded.value_text"
    " OR rating IS NOT excluded.rating OR comment IS NOT excluded.comment"
    " RETURNING kpi_id, (SELECT code FROM kpi WHERE id = kpi_id) AS kpi_code, quarter,"
    " CAST(value AS REAL) AS value,"
    " value_text, rating, comment, created_at, updated_at, updated_by,"
    " (SELECT year FROM kpi WHERE id = kpi_id)";
  enum { YEAR_COL = 10 };
  sqlite3_stmt *s;
  json_t *row = NULL;
  char year[8] = "";
  enum rb_err err = store_stmt(st, sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, kpi_id);
  store_bind_text(s, 2, quarter);
  if (json_is_number(value))
    sqlite3_bind_double(s, 3, json_number_value(value));
  store_bind_text(s, 4, value_text);
  store_bind_text(s, 5, rating);
  store_bind_text(s, 6, comment);
  store_bind_text(s, 7, now);
  store_bind_text(s, 8, by);
  sqlite3_bind_int(s, 9, touch ? 1 : 0);
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    if (sqlite3_column_type(s, YEAR_COL) == SQLITE_TEXT)
      snprintf(year, sizeof(year), "%s", (const char *)sqlite3_column_text(s, YEAR_COL));
    if (out != NULL && (row = store_row_n(s, YEAR_COL)) == NULL)
      err = RB_ERR_NOMEM;
    rc = sqlite3_step(s); /* SQLITE_DONE: one row per statement */
  }
  if (err == RB_OK && rc != SQLITE_DONE)
    err = store_fail(st, sqlite3_extended_errcode(st->db));
  sqlite3_reset(s);
  if (err != RB_OK) {
    json_decref(row);
    return err;
  }
  if (year[0] != '\0')
    store_mark_reporting(st, year);
  if (out != NULL)
    *out = row;
  return RB_OK;
}

enum rb_err
store_reading_delete(struct store *st, int64_t kpi_id, const char *quarter)
{
  static const char sql[] = "DELETE FROM kpi_reading WHERE kpi_id = ?1 AND quarter = ?2";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, kpi_id);
  store_bind_text(s, 2, quarter);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  if (sqlite3_changes(st->db) == 0)
    return RB_ERR_NOT_FOUND;
  return store_mark_item_reporting(st, true, kpi_id);
}

static void
rule_from_row(sqlite3_stmt *s, int col, struct rag_rule *r)
{
  /* columns: direction, quarter target, target, tolerance_mode, tolerance_value */
  const char *dir = (const char *)sqlite3_column_text(s, col);
  const char *mode = (const char *)sqlite3_column_text(s, col + 3);

  memset(r, 0, sizeof(*r));
  if (dir == NULL || !rag_parse_direction(dir, &r->direction))
    r->direction = RAG_DIR_NONE;
  if (sqlite3_column_type(s, col + 1) != SQLITE_NULL) {
    r->has_target = true;
    r->target = sqlite3_column_double(s, col + 1);
  } else if (sqlite3_column_type(s, col + 2) != SQLITE_NULL) {
    r->has_target = true;
    r->target = sqlite3_column_double(s, col + 2);
  }
  r->mode = mode != NULL && strcmp(mode, "absolute") == 0 ? RAG_TOL_ABSOLUTE : RAG_TOL_RELATIVE;
  r->tolerance = sqlite3_column_double(s, col + 4);
}

/* ?2 is the quarter. The annual target is the plan year's: a quarter of
 * another year (a position carried from the year before) is rated by a
 * quarterly target given for it, or not at all. */
#define RULE_COLUMNS                                                      \
  "k.direction, json_extract(k.quarterly_targets, '$.\"' || ?2 || '\"')," \
  " CASE WHEN substr(?2, 1, 7) = k.year THEN k.target END,"               \
  " k.tolerance_mode, k.tolerance_value"

enum rb_err
store_kpi_rule(struct store *st, int64_t kpi_id, const char *quarter, struct rag_rule *out)
{
  static const char sql[] = "SELECT " RULE_COLUMNS " FROM kpi k WHERE k.id = ?1";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, kpi_id);
  store_bind_text(s, 2, quarter);
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    rule_from_row(s, 0, out);
    err = RB_OK;
  } else {
    err = rc == SQLITE_DONE ? RB_ERR_NOT_FOUND : store_fail(st, sqlite3_extended_errcode(st->db));
  }
  sqlite3_reset(s);
  return err;
}

enum rb_err
store_kpi_brief_rule(struct store *st, int64_t id, const char *quarter, json_t **out,
                     struct rag_rule *rule)
{
  /* The columns of store_kpi_brief, then RULE_COLUMNS. */
  static const char sql[] = "SELECT k.id, k.year, k.code, o.code AS owner, " RULE_COLUMNS
                            " FROM kpi k LEFT JOIN organisation o ON o.id = k.owner_id"
                            " WHERE k.id = ?1";
  enum { BRIEF_COLS = 4 };
  sqlite3_stmt *s;
  json_t *row;
  enum rb_err err = store_stmt(st, sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, id);
  store_bind_text(s, 2, quarter);
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    row = store_row_n(s, BRIEF_COLS);
    if (row != NULL) {
      rule_from_row(s, BRIEF_COLS, rule);
      *out = row;
    }
    err = row != NULL ? RB_OK : RB_ERR_NOMEM;
  } else {
    err = rc == SQLITE_DONE ? RB_ERR_NOT_FOUND : store_fail(st, sqlite3_extended_errcode(st->db));
  }
  sqlite3_reset(s);
  return err;
}

enum rb_err
store_item_owner(struct store *st, bool kpi, const char *year, const char *code, int64_t *id,
                 char owner[STORE_CODE_LEN])
{
  static const char milestone_sql[] =
    "SELECT m.id, o.code FROM milestone m LEFT JOIN organisation o ON o.id = m.owner_id"
    " WHERE m.year = ?1 AND m.code = ?2";
  static const char kpi_sql[] =
    "SELECT k.id, o.code FROM kpi k LEFT JOIN organisation o ON o.id = k.owner_id"
    " WHERE k.year = ?1 AND k.code = ?2";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, kpi ? kpi_sql : milestone_sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, year);
  store_bind_text(s, 2, code);
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    const char *o = (const char *)sqlite3_column_text(s, 1);

    *id = sqlite3_column_int64(s, 0);
    snprintf(owner, STORE_CODE_LEN, "%s", o != NULL ? o : "");
  } else {
    err = rc == SQLITE_DONE ? RB_ERR_NOT_FOUND : store_fail(st, sqlite3_extended_errcode(st->db));
  }
  sqlite3_reset(s);
  return err;
}

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

/* ---- summaries ------------------------------------------------------------------ */

struct store_summary {
  struct summary_input in;
  struct summary_group *groups;
  int64_t *group_ids;
  struct summary_priority *priorities;
  struct summary_item *items;
  int64_t *numbers; /* priority numbers of all items, back to back */
  char **strings;   /* every string the input points at */
  size_t nstrings, capstrings;
  char quarter[16], year[8];
};

static const char *
keep(struct store_summary *sum, const unsigned char *text)
{
  char *copy;

  if (text == NULL)
    return NULL;
  if (sum->nstrings == sum->capstrings) {
    size_t cap = sum->capstrings ? sum->capstrings * 2 : 256;
    char **grown = realloc(sum->strings, cap * sizeof(*grown));

    if (grown == NULL)
      return NULL;
    sum->strings = grown;
    sum->capstrings = cap;
  }
  copy = strdup((const char *)text);
  if (copy != NULL)
    sum->strings[sum->nstrings++] = copy;
  return copy;
}

void
store_summary_free(struct store_summary *sum)
{
  if (sum == NULL)
    return;
  for (size_t i = 0; i < sum->nstrings; i++)
    free(sum->strings[i]);
  free(sum->strings);
  free(sum->groups);
  free(sum->group_ids);
  free(sum->priorities);
  free(sum->items);
  free(sum->numbers);
  free(sum);
}

const struct summary_input *
store_summary_input(const struct store_summary *sum)
{
  return &sum->in;
}

long
store_summary_group(const struct store_summary *sum, const char *code)
{
  for (size_t i = 0; i < sum->in.ngroups; i++)
    if (strcmp(sum->groups[i].code, code) == 0)
      return (long)i;
  return -1;
}

static size_t
group_index(const struct store_summary *sum, int64_t id)
{
  for (size_t i = 0; i < sum->in.ngroups; i++)
    if (sum->group_ids[i] == id)
      return i;
  return 0; /* foreign keys make this unreachable */
}

static enum rb_err
count_rows(struct store *st, const char *sql, const char *year, int64_t *n)
{
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, year);
  return store_int(st, s, n);
}

enum rb_err
store_summary_load(struct store *st, const char *quarter, struct store_summary **out)
{
  char year[8];

  memcpy(year, quarter, 7);
  year[7] = '\0';
  return store_summary_load_year(st, year, quarter, out);
}

enum rb_err
store_summary_load_year(struct store *st, const char *year, const char *quarter,
                        struct store_summary **out)
{
  static const char groups_sql[] =
    "SELECT g.id, g.code, g.name, EXISTS (SELECT 1 FROM priority p WHERE p.group_id = g.id"
    " AND p.year = ?1) OR EXISTS (SELECT 1 FROM milestone m WHERE m.group_id = g.id"
    " AND m.year = ?1) OR EXISTS (SELECT 1 FROM kpi k WHERE k.group_id = g.id AND k.year = ?1)"
    " FROM tgroup g ORDER BY g.code";
  static const char ngroups_sql[] = "SELECT count(*) + 0 * length(?1) FROM tgroup";
  static const char nprio_sql[] = "SELECT count(*) FROM priority WHERE year = ?1";
  static const char nitems_sql[] =
    "SELECT (SELECT count(*) FROM milestone WHERE year = ?1) + (SELECT count(*) FROM kpi"
    " WHERE year = ?1)";
  static const char nlinks_sql[] =
    "SELECT (SELECT count(*) FROM milestone WHERE year = ?1) + (SELECT count(*) FROM"
    " kpi_priority WHERE year = ?1)";
  static const char prio_sql[] =
    "SELECT p.group_id, p.number, p.title FROM priority p JOIN tgroup g ON g.id = p.group_id"
    " WHERE p.year = ?1 ORDER BY g.code, p.number";
  static const char milestone_sql[] =
    "SELECT m.id, m.group_id, m.priority_number, m.code, m.description, u.status, u.comment"
    " FROM milestone m LEFT JOIN milestone_update u ON u.milestone_id = m.id"
    " AND u.quarter = ?2 WHERE m.year = ?1 ORDER BY m.id";
  static const char kpi_sql[] =
    "SELECT k.id, k.group_id, k.code, k.description, " RULE_COLUMNS ","
    " r.kpi_id IS NOT NULL, r.value, r.value_text, r.rating, r.comment,"
    " (SELECT group_concat(number) FROM (SELECT number FROM kpi_priority"
    "   WHERE kpi_id = k.id ORDER BY number))"
    " FROM kpi k LEFT JOIN kpi_reading r ON r.kpi_id = k.id AND r.quarter = ?2"
    " WHERE k.year = ?1 ORDER BY k.id";
  struct store_summary *sum = calloc(1, sizeof(*sum));
  int64_t ngroups, nprio, nitems, nlinks;
  size_t used_numbers = 0;
  sqlite3_stmt *s = NULL;
  enum rb_err err;
  int rc;

  if (sum == NULL)
    return RB_ERR_NOMEM;
  snprintf(sum->quarter, sizeof(sum->quarter), "%s", quarter);
  snprintf(sum->year, sizeof(sum->year), "%s", year);
  sum->in.quarter = sum->quarter;
  sum->in.year = sum->year;
  if ((err = count_rows(st, ngroups_sql, sum->year, &ngroups)) != RB_OK ||
      (err = count_rows(st, nprio_sql, sum->year, &nprio)) != RB_OK ||
      (err = count_rows(st, nitems_sql, sum->year, &nitems)) != RB_OK ||
      (err = count_rows(st, nlinks_sql, sum->year, &nlinks)) != RB_OK)
    goto fail;
  sum->groups = calloc((size_t)ngroups + 1, sizeof(*sum->groups));
  sum->group_ids = calloc((size_t)ngroups + 1, sizeof(*sum->group_ids));
  sum->priorities = calloc((size_t)nprio + 1, sizeof(*sum->priorities));
  sum->items = calloc((size_t)nitems + 1, sizeof(*sum->items));
  sum->numbers = calloc((size_t)nlinks + 1, sizeof(*sum->numbers));
  err = RB_ERR_NOMEM;
  if (sum->groups == NULL || sum->group_ids == NULL || sum->priorities == NULL ||
      sum->items == NULL || sum->numbers == NULL)
    goto fail;

  if ((err = store_stmt(st, groups_sql, &s)) != RB_OK)
    goto fail;
  store_bind_text(s, 1, sum->year);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW && sum->in.ngroups < (size_t)ngroups) {
    struct summary_group *g = &sum->groups[sum->in.ngroups];

    sum->group_ids[sum->in.ngroups] = sqlite3_column_int64(s, 0);
    g->code = keep(sum, sqlite3_column_text(s, 1));
    g->name = keep(sum, sqlite3_column_text(s, 2));
    g->active = sqlite3_column_int(s, 3) != 0;
    sum->in.ngroups++;
  }
  sqlite3_reset(s);

  if ((err = store_stmt(st, prio_sql, &s)) != RB_OK)
    goto fail;
  store_bind_text(s, 1, sum->year);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW && sum->in.npriorities < (size_t)nprio) {
    struct summary_priority *p = &sum->priorities[sum->in.npriorities++];

    p->group = group_index(sum, sqlite3_column_int64(s, 0));
    p->number = sqlite3_column_int64(s, 1);
    p->title = keep(sum, sqlite3_column_text(s, 2));
  }
  sqlite3_reset(s);

  if ((err = store_stmt(st, milestone_sql, &s)) != RB_OK)
    goto fail;
  store_bind_text(s, 1, sum->year);
  store_bind_text(s, 2, quarter);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW && sum->in.nitems < (size_t)nitems &&
         used_numbers < (size_t)nlinks) {
    struct summary_item *it = &sum->items[sum->in.nitems++];
    const char *status = (const char *)sqlite3_column_text(s, 5);

    it->is_kpi = false;
    it->id = sqlite3_column_int64(s, 0);
    it->group = group_index(sum, sqlite3_column_int64(s, 1));
    sum->numbers[used_numbers] = sqlite3_column_int64(s, 2);
    it->priorities = &sum->numbers[used_numbers++];
    it->npriorities = 1;
    it->code = keep(sum, sqlite3_column_text(s, 3));
    it->description = keep(sum, sqlite3_column_text(s, 4));
    it->rated = status != NULL;
    if (status == NULL || !rag_parse_milestone_status(status, &it->status))
      it->status = RAG_TBC; /* no update provided */
    it->comment = keep(sum, sqlite3_column_text(s, 6));
  }
  sqlite3_reset(s);

  if ((err = store_stmt(st, kpi_sql, &s)) != RB_OK)
    goto fail;
  store_bind_text(s, 1, sum->year);
  store_bind_text(s, 2, quarter);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW && sum->in.nitems < (size_t)nitems) {
    struct summary_item *it = &sum->items[sum->in.nitems++];
    const char *numbers = (const char *)sqlite3_column_text(s, 14);
    const char *rating = (const char *)sqlite3_column_text(s, 12);
    struct rag_rule rule;
    enum rag_status reported = RAG_NONE, computed;

    it->is_kpi = true;
    it->id = sqlite3_column_int64(s, 0);
    it->group = group_index(sum, sqlite3_column_int64(s, 1));
    it->code = keep(sum, sqlite3_column_text(s, 2));
    it->description = keep(sum, sqlite3_column_text(s, 3));
    it->priorities = &sum->numbers[used_numbers];
    for (const char *p = numbers; p != NULL && *p != '\0' && used_numbers < (size_t)nlinks;) {
      char *end;
      long long v = strtoll(p, &end, 10);

      if (end == p)
        break;
      sum->numbers[used_numbers++] = v;
      it->npriorities++;
      p = *end == ',' ? end + 1 : end;
    }
    rule_from_row(s, 4, &rule);
    it->rated = sqlite3_column_int(s, 9) != 0;
    if (!it->rated) {
      it->status = RAG_TBC; /* no reading: no update provided */
    } else {
      if (rating != NULL)
        rag_parse_kpi_rating(rating, &reported);
      computed = rag_rate_kpi(&rule, sqlite3_column_type(s, 10) != SQLITE_NULL,
                              sqlite3_column_double(s, 10));
      it->status = rag_effective(reported, computed);
      it->disagreement = rag_disagrees(reported, computed);
      it->value_text = keep(sum, sqlite3_column_text(s, 11));
      it->comment = keep(sum, sqlite3_column_text(s, 13));
    }
  }
  sqlite3_reset(s);
  sum->in.groups = sum->groups;
  sum->in.priorities = sum->priorities;
  sum->in.items = sum->items;
  *out = sum;
  return RB_OK;
fail:
  store_summary_free(sum);
  return err;
}

enum rb_err
store_completeness(struct store *st, const char *quarter, json_t **items)
{
  static const char sql[] =
    "SELECT 'milestone' AS type, m.id, m.code, g.code AS \"group\", o.code AS owner,"
    " EXISTS (SELECT 1 FROM milestone_update u WHERE u.milestone_id = m.id"
    "   AND u.quarter = ?2) AS provided"
    " FROM milestone m JOIN tgroup g ON g.id = m.group_id"
    " LEFT JOIN organisation o ON o.id = m.owner_id WHERE m.year = substr(?2, 1, 7)"
    " UNION ALL"
    " SELECT 'kpi', k.id, k.code, g.code, o.code,"
    " EXISTS (SELECT 1 FROM kpi_reading r WHERE r.kpi_id = k.id AND r.quarter = ?2)"
    " FROM kpi k JOIN tgroup g ON g.id = k.group_id"
    " LEFT JOIN organisation o ON o.id = k.owner_id WHERE k.year = substr(?2, 1, 7)"
    " ORDER BY 1 DESC, 2";
  sqlite3_stmt *s;
  char *next = NULL;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 2, quarter);
  err = store_many(st, s, 10000000, 0, items, &next);
  free(next);
  return err;
}
