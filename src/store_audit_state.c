/* The state check: the stored data against the audit trail.
 *
 * Two checks, one pass over the trail and one over the data:
 *  - row by row: the after-image of the last entry about a milestone
 *    update, KPI reading, milestone or KPI (update.put, reading.import,
 *    kpi.update, milestone.delete, ...) is what is stored now, field by
 *    field; a delete's last entry means the row is absent. Between two
 *    entries about a row, the later one's before is the earlier one's after.
 *  - by sums: an import creates rows without an entry each (90,000 rows
 *    would be 90,000 entries), so its "import" entry records, per bucket
 *    (an entity and a quarter, or a plan year for items), the sum mod 2^256
 *    of the keyed hashes of the rows it created; the entry that keyed the
 *    trail (or rotated its key) records the sums of every row then. Those
 *    sums, plus the hash of each later after-image and minus that of each
 *    before-image, must equal the sums of the rows stored now. The hashes
 *    are keyed with the trail's key, so that nobody without it can pick
 *    edits whose hashes cancel out. */
#include "store_audit_state_int.h"

#include <string.h>

#include "jsonv.h"
#include "util.h"

static const char *const update_fields[] = {"milestone_id", "quarter",    "status",     "comment",
                                            "created_at",   "updated_at", "updated_by", NULL};
static const char *const reading_fields[] = {"kpi_id",     "quarter", "value",      "value_text",
                                             "rating",     "comment", "created_at", "updated_at",
                                             "updated_by", NULL};
static const char *const milestone_fields[] = {
  "id",          "year",  "code",       "group",      "priority", "description", "target_quarter",
  "target_text", "owner", "created_at", "updated_at", NULL};
static const char *const kpi_fields[] = {
  "id",        "year",   "code",       "group",       "priorities",        "description",
  "direction", "unit",   "target",     "target_text", "quarterly_targets", "tolerance",
  "owner",     "source", "created_at", "updated_at",  "continues",         "frequency",
  "spc",       NULL};
/* Monthly values (migration 0006): keyed by their own id, in their quarter. */
static const char *const month_fields[] = {"id",         "quarter",    "kpi_id",  "month",
                                           "value",      "value_text", "comment", "created_at",
                                           "updated_at", "updated_by", NULL};

/* ?1: NULL for every row, or an import's time: the rows it created that no
 * entry of the same moment records one by one (a write batched with the
 * import in the same millisecond). */
#define CREATED_BY(table, entity, id_col, code_expr, quarter_expr)                        \
  " WHERE ?1 IS NULL OR (" table ".created_at = ?1 AND NOT EXISTS (SELECT 1 FROM audit a" \
  " WHERE a.entity = '" entity "' AND a.code = " code_expr " AND a.entity_id = " id_col   \
  " AND a.quarter IS " quarter_expr " AND a.at = ?1 AND a.before IS NULL))"

/* What is checked, per entity. A child's query has its fields first, in
 * order, then its item's code: its rows are hashed from the columns (an
 * import's 160,000 rows, without a JSON object each); an item's (fewer, with
 * JSON columns) from its JSON. Both hash alike (store_audit_state_sums.c). */
const struct state_kind state_kinds[] = {
  {"milestone_update", update_fields, true, "milestone_id", "milestone_code", 4,
   "SELECT u.milestone_id, u.quarter, u.status, u.comment, u.created_at, u.updated_at,"
   " u.updated_by, m.code AS milestone_code FROM milestone_update u"
   " JOIN milestone m ON m.id = u.milestone_id" CREATED_BY(
     "u", "milestone_update", "u.milestone_id", "m.code", "u.quarter")},
  {"kpi_reading", reading_fields, true, "kpi_id", "kpi_code", 6,
   "SELECT r.kpi_id, r.quarter, r.value, r.value_text, r.rating, r.comment, r.created_at,"
   " r.updated_at, r.updated_by, k.code AS kpi_code FROM kpi_reading r"
   " JOIN kpi k ON k.id = r.kpi_id" CREATED_BY("r", "kpi_reading", "r.kpi_id", "k.code",
                                               "r.quarter")},
  {"milestone", milestone_fields, false, "id", "code", 9,
   "SELECT m.id, m.year, m.code, g.code AS \"group\", m.priority_number AS priority,"
   " m.description, m.target_quarter, m.target_text, o.code AS owner, m.created_at,"
   " m.updated_at FROM milestone m JOIN tgroup g ON g.id = m.group_id"
   " LEFT JOIN organisation o ON o.id = m.owner_id" CREATED_BY("m", "milestone", "m.id", "m.code",
                                                               "NULL")},
  {"kpi", kpi_fields, false, "id", "code", 14,
   "SELECT k.id, k.year, k.code, g.code AS \"group\","
   " (SELECT json_group_array(number) FROM (SELECT number FROM kpi_priority"
   "   WHERE kpi_id = k.id ORDER BY number)) AS priorities__json,"
   " k.description, k.direction, k.unit, k.target, k.target_text,"
   " k.quarterly_targets AS quarterly_targets__json,"
   " json_object('mode', k.tolerance_mode, 'value', k.tolerance_value) AS tolerance__json,"
   " o.code AS owner, k.source, k.created_at, k.updated_at,"
   " CASE WHEN pk.id IS NULL THEN 'null'"
   "  ELSE json_object('year', pk.year, 'code', pk.code) END AS continues__json,"
   " k.frequency, coalesce(k.spc, 'null') AS spc__json"
   " FROM kpi k JOIN tgroup g ON g.id = k.group_id"
   " LEFT JOIN organisation o ON o.id = k.owner_id"
   " LEFT JOIN kpi pk ON pk.id = k.continues_id" CREATED_BY("k", "kpi", "k.id", "k.code", "NULL")},
  {"kpi_month", month_fields, true, "id", "kpi_code", 7,
   "SELECT mo.id, mo.quarter, mo.kpi_id, mo.month, mo.value, mo.value_text, mo.comment,"
   " mo.created_at, mo.updated_at, mo.updated_by, k.code AS kpi_code FROM kpi_month mo"
   " JOIN kpi k ON k.id = mo.kpi_id" CREATED_BY("mo", "kpi_month", "mo.id", "k.code",
                                                "mo.quarter")},
};
_Static_assert(ARRAY_LEN(state_kinds) == STATE_NKINDS, "STATE_NKINDS counts the kinds");

const struct state_kind *
state_kind_of(const char *entity)
{
  for (size_t i = 0; entity != NULL && i < STATE_NKINDS; i++)
    if (strcmp(state_kinds[i].entity, entity) == 0)
      return &state_kinds[i];
  return NULL;
}

/* A stored row as JSON, whatever was put in the file: text that is not
 * UTF-8 and BLOBs as lossy text, a JSON column that is not JSON as its
 * text. */
json_t *
state_row_json(sqlite3_stmt *s)
{
  json_t *row = json_object();
  int n = sqlite3_column_count(s);

  for (int i = 0; row != NULL && i < n; i++) {
    const char *name = sqlite3_column_name(s, i);
    size_t len = strlen(name);
    int type = sqlite3_column_type(s, i);
    const unsigned char *p =
      type == SQLITE_BLOB ? sqlite3_column_blob(s, i) : sqlite3_column_text(s, i);
    size_t bytes = (size_t)sqlite3_column_bytes(s, i);
    char key[64];
    json_t *v = NULL;

    if (len > 6 && strcmp(name + len - 6, "__json") == 0 && len - 6 < sizeof(key)) {
      memcpy(key, name, len - 6);
      key[len - 6] = '\0';
      name = key;
      if (type == SQLITE_TEXT)
        v = json_loadb((const char *)p, bytes, JSON_DECODE_ANY, NULL);
    }
    if (v == NULL) {
      if (type == SQLITE_INTEGER)
        v = json_integer(sqlite3_column_int64(s, i));
      else if (type == SQLITE_FLOAT)
        v = json_real(sqlite3_column_double(s, i));
      else if (type == SQLITE_TEXT || type == SQLITE_BLOB)
        v = audit_lossy_string(p, bytes);
      else
        v = json_null();
    }
    if (v == NULL || json_object_set_new(row, name, v) != 0) {
      json_decref(row);
      return NULL;
    }
  }
  return row;
}

const char *
state_column_text(sqlite3_stmt *s, int i, json_t **made)
{
  const unsigned char *p;
  size_t n;

  *made = NULL;
  if ((p = sqlite3_column_text(s, i)) == NULL)
    return NULL;
  n = (size_t)sqlite3_column_bytes(s, i);
  if (memchr(p, 0, n) == NULL && jv_utf8_valid((const char *)p, n))
    return (const char *)p;
  *made = audit_lossy_string(p, n);
  return json_string_value(*made);
}

/* Run kind k's query (created_at: see CREATED_BY) and call fn on each row;
 * fn answers false when out of memory. */
enum rb_err
state_each_row(struct store *st, const struct state_kind *k, const char *created_at,
               bool (*fn)(void *, const struct state_kind *, sqlite3_stmt *), void *ctx)
{
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, k->sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, created_at);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    if (!fn(ctx, k, s)) {
      sqlite3_reset(s);
      return RB_ERR_NOMEM;
    }
  }
  sqlite3_reset(s);
  return rc == SQLITE_DONE ? RB_OK : store_fail(st, sqlite3_extended_errcode(st->db));
}
