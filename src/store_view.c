/* The quarter view's reads: a page's updates or readings for a quarter and
 * the ones before, in one statement per page rather than two to six per
 * item. Each row of the statement holds an item's
 * records side by side, in the columns (and so the JSON) of
 * store_update_get, store_reading_get and store_series_previous. */
#include "store_int.h"
#include "store_view.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The ids of the page's n records (each begins with its id, stride bytes
 * apart) as a JSON array for json_each, whose key is then the record's
 * index. NULL on allocation failure. */
static char *
ids_json(const void *records, size_t stride, size_t n)
{
  size_t cap = n * 21 + 3, len = 0;
  char *out = malloc(cap);

  if (out == NULL)
    return NULL;
  out[len++] = '[';
  for (size_t i = 0; i < n; i++) {
    const int64_t *id = (const void *)((const char *)records + i * stride);

    len += (size_t)snprintf(out + len, cap - len, "%s%" PRId64, i > 0 ? "," : "", *id);
  }
  snprintf(out + len, cap - len, "]");
  return out;
}

/* The record of `cols` columns from column `from`, or NULL (in *out) when
 * the LEFT JOIN found none (its first column, an id, is NULL). */
static enum rb_err
record(sqlite3_stmt *s, int from, int cols, json_t **out)
{
  *out = NULL;
  if (sqlite3_column_type(s, from) == SQLITE_NULL)
    return RB_OK;
  *out = store_row_range(s, from, cols);
  return *out != NULL ? RB_OK : RB_ERR_NOMEM;
}

/* Step every row of s (bound), handing each to fill with its index into
 * the page; reset s. */
static enum rb_err
each_row(struct store *st, sqlite3_stmt *s, size_t n,
         enum rb_err (*fill)(sqlite3_stmt *, size_t, void *), void *arg)
{
  enum rb_err err = RB_OK;
  int rc;

  while (err == RB_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    sqlite3_int64 i = sqlite3_column_int64(s, 0);

    if (i >= 0 && (size_t)i < n)
      err = fill(s, (size_t)i, arg);
  }
  if (err == RB_OK && rc != SQLITE_DONE)
    err = store_fail(st, sqlite3_extended_errcode(st->db));
  sqlite3_reset(s);
  return err;
}

/* ---- milestones ---------------------------------------------------------------- */

#define UPDATE_COLS(u)                                                                        \
  u ".milestone_id, m.code AS milestone_code, " u ".quarter, " u ".status, " u ".comment, " u \
    ".created_at, " u ".updated_at, " u ".updated_by"
#define CURRENT_UPDATE UPDATE_COLS("c")
#define PREVIOUS_UPDATE UPDATE_COLS("p")
enum { UPDATE_NCOLS = 8 };

static enum rb_err
fill_milestone(sqlite3_stmt *s, size_t i, void *arg)
{
  struct store_milestone_at *at = (struct store_milestone_at *)arg + i;
  enum rb_err err = record(s, 1, UPDATE_NCOLS, &at->update);

  if (err == RB_OK)
    err = record(s, 1 + UPDATE_NCOLS, UPDATE_NCOLS, &at->previous);
  return err;
}

enum rb_err
store_milestones_at(struct store *st, const char *quarter, const char *previous_quarter,
                    struct store_milestone_at *at, size_t n)
{
  /* ?1 the ids, ?2 the quarter, ?3 the one before. */
  static const char sql[] =
    "SELECT j.key, " CURRENT_UPDATE ", " PREVIOUS_UPDATE " FROM json_each(?1) j"
    " JOIN milestone m ON m.id = j.value"
    " LEFT JOIN milestone_update c ON c.milestone_id = m.id AND c.quarter = ?2"
    " LEFT JOIN milestone_update p ON p.milestone_id = m.id AND p.quarter = ?3";
  sqlite3_stmt *s;
  char *ids;
  enum rb_err err;

  for (size_t i = 0; i < n; i++)
    at[i].update = at[i].previous = NULL;
  if (n == 0)
    return RB_OK;
  if ((err = store_stmt(st, sql, &s)) != RB_OK)
    return err;
  if ((ids = ids_json(at, sizeof(*at), n)) == NULL)
    return RB_ERR_NOMEM;
  sqlite3_bind_text(s, 1, ids, -1, free);
  store_bind_text(s, 2, quarter);
  store_bind_text(s, 3, previous_quarter);
  err = each_row(st, s, n, fill_milestone, at);
  if (err != RB_OK)
    store_milestones_at_free(at, n);
  return err;
}

void
store_milestones_at_free(struct store_milestone_at *at, size_t n)
{
  for (size_t i = 0; at != NULL && i < n; i++) {
    json_decref(at[i].update);
    json_decref(at[i].previous);
    at[i].update = at[i].previous = NULL;
  }
}

/* ---- KPIs ---------------------------------------------------------------------- */

#define READING_COLS(r)                                                                           \
  r ".kpi_id, k.code AS kpi_code, " r ".quarter, " r ".value, " r ".value_text, " r ".rating, " r \
    ".comment, " r ".created_at, " r ".updated_at, " r ".updated_by"
enum { READING_NCOLS = 10, RULE_NCOLS = 5 };
/* Columns: the index, whether the KPI is in a chain, the reading for ?2 and
 * the rule at ?2, the latest earlier reading with a value and the rule at
 * its quarter. */
enum {
  COL_CHAINED = 1,
  COL_READING = 2,
  COL_RULE = COL_READING + READING_NCOLS,
  COL_PREVIOUS = COL_RULE + RULE_NCOLS,
  COL_PREVIOUS_RULE = COL_PREVIOUS + READING_NCOLS
};

struct kpi_fill {
  struct store_kpi_at *at;
  unsigned char *chained; /* per record: in a chain, previous left to chained_previous */
};

static enum rb_err
fill_kpi(sqlite3_stmt *s, size_t i, void *arg)
{
  struct kpi_fill *f = arg;
  struct store_kpi_at *at = f->at + i;
  enum rb_err err = record(s, COL_READING, READING_NCOLS, &at->reading);

  if (err != RB_OK)
    return err;
  store_rule_from_row(s, COL_RULE, &at->rule);
  /* A KPI alone in its series owns every earlier quarter: the statement's
   * previous reading is its series' previous point. A chain's is found by
   * the ownership rule of series.h (a few KPIs of a page at most). */
  f->chained[i] = sqlite3_column_int(s, COL_CHAINED) != 0;
  if (f->chained[i])
    return RB_OK;
  err = record(s, COL_PREVIOUS, READING_NCOLS, &at->previous);
  if (err == RB_OK)
    store_rule_from_row(s, COL_PREVIOUS_RULE, &at->previous_rule);
  return err;
}

/* The previous point of each chained KPI of the page (fill_kpi left them:
 * their lookups use statements of their own, not while s steps). */
static enum rb_err
chained_previous(struct store *st, const char *quarter, struct store_kpi_at *at, size_t n,
                 const unsigned char *chained)
{
  enum rb_err err = RB_OK;

  for (size_t i = 0; err == RB_OK && i < n; i++) {
    if (!chained[i])
      continue;
    err = store_series_previous(st, at[i].id, quarter, false, &at[i].previous);
    if (err == RB_OK && at[i].previous != NULL)
      err = store_kpi_rule(st, json_integer_value(json_object_get(at[i].previous, "kpi_id")),
                           json_string_value(json_object_get(at[i].previous, "quarter")),
                           &at[i].previous_rule);
  }
  return err;
}

#define CHAINED \
  "k.continues_id IS NOT NULL OR EXISTS (SELECT 1 FROM kpi s WHERE s.continues_id = k.id)"
#define CURRENT_READING READING_COLS("c")
#define PREVIOUS_READING READING_COLS("p")
#define PREVIOUS_RULE ROW_RULE("p.quarter")
/* The quarter of KPI k's latest reading before ?2 with a value. */
#define LATEST                                                                   \
  "SELECT r.quarter FROM kpi_reading r WHERE r.kpi_id = k.id AND r.quarter < ?2" \
  " AND r.value IS NOT NULL ORDER BY r.quarter DESC LIMIT 1"

enum rb_err
store_kpis_at(struct store *st, const char *quarter, struct store_kpi_at *at, size_t n)
{
  /* ?1 the ids, ?2 the quarter. */
  static const char sql[] =
    "SELECT j.key, " CHAINED ", " CURRENT_READING ", " RULE_COLUMNS ", " PREVIOUS_READING
    ", " PREVIOUS_RULE " FROM json_each(?1) j JOIN kpi k ON k.id = j.value"
    " LEFT JOIN kpi_reading c ON c.kpi_id = k.id AND c.quarter = ?2"
    " LEFT JOIN kpi_reading p ON p.kpi_id = k.id AND p.quarter = (" LATEST ")";
  struct kpi_fill f = {at, NULL};
  sqlite3_stmt *s;
  char *ids;
  enum rb_err err;

  for (size_t i = 0; i < n; i++) {
    int64_t id = at[i].id;

    memset(&at[i], 0, sizeof(at[i]));
    at[i].id = id;
  }
  if (n == 0)
    return RB_OK;
  if ((err = store_stmt(st, sql, &s)) != RB_OK)
    return err;
  if ((f.chained = calloc(n, 1)) == NULL)
    return RB_ERR_NOMEM;
  if ((ids = ids_json(at, sizeof(*at), n)) == NULL) {
    free(f.chained);
    return RB_ERR_NOMEM;
  }
  sqlite3_bind_text(s, 1, ids, -1, free);
  store_bind_text(s, 2, quarter);
  err = each_row(st, s, n, fill_kpi, &f);
  if (err == RB_OK)
    err = chained_previous(st, quarter, at, n, f.chained);
  free(f.chained);
  if (err != RB_OK)
    store_kpis_at_free(at, n);
  return err;
}

void
store_kpis_at_free(struct store_kpi_at *at, size_t n)
{
  for (size_t i = 0; at != NULL && i < n; i++) {
    json_decref(at[i].reading);
    json_decref(at[i].previous);
    at[i].reading = at[i].previous = NULL;
  }
}
