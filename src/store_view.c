/* The quarter views' reads: a page of milestones or KPIs with each one's
 * update or reading for the quarter and the one before, in one statement
 * per page, written as JSON text by SQLite's json_object.
 *
 * Why text and not jansson values: a view item is two and a half times a
 * list item's bytes, and building that tree, dumping it and freeing it
 * made a view page cost 2.3 times a list page per item when built
 * (callgrind: 220K against 93K instructions per item), where issue 18
 * asks for no more. SQLite writes the same members with no tree at all;
 * the handler adds the computed members (ratings, direction of travel,
 * status change) around the texts. The members come from the SQL of
 * store_item_sql.h, beside the lists' own, and tests/test_view_store.c
 * checks every record against the per-item reads. */
#include "store_int.h"
#include "store_item_sql.h"
#include "store_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textbuf.h"

/* The rows of a page as they are stepped. */
struct collect {
  struct textbuf text;
  struct store_view_row *rows;
  size_t n, cap;
};

static void
collect_free(struct collect *c)
{
  textbuf_reset(&c->text);
  free(c->rows);
}

/* A new zeroed row, or NULL when out of memory. */
static struct store_view_row *
collect_row(struct collect *c)
{
  if (c->n == c->cap) {
    size_t cap = c->cap > 0 ? c->cap * 2 : 32;
    struct store_view_row *rows = realloc(c->rows, cap * sizeof(*rows));

    if (rows == NULL)
      return NULL;
    c->rows = rows;
    c->cap = cap;
  }
  memset(&c->rows[c->n], 0, sizeof(c->rows[0]));
  return &c->rows[c->n++];
}

/* Append the text of column col (NULL: none) and note where it is. A
 * text SQLite could not make (out of memory: the column is not NULL) fails
 * the page rather than read as "none". */
static void
take_text(struct collect *c, sqlite3_stmt *s, int col, struct store_view_text *t)
{
  const char *text = (const char *)sqlite3_column_text(s, col);

  t->off = c->text.len;
  t->len = text != NULL ? (size_t)sqlite3_column_bytes(s, col) : 0;
  if (text == NULL && sqlite3_column_type(s, col) != SQLITE_NULL)
    c->text.failed = true;
  if (t->len > 0)
    textbuf_add(&c->text, text, t->len);
}

/* A code (a status or rating), "" when NULL; out of memory as take_text. */
static void
take_code(struct collect *c, sqlite3_stmt *s, int col, char *out, size_t cap)
{
  const char *text = (const char *)sqlite3_column_text(s, col);

  if (text == NULL && sqlite3_column_type(s, col) != SQLITE_NULL)
    c->text.failed = true;
  snprintf(out, cap, "%s", text != NULL ? text : "");
}

/* A figure's value and reported rating from columns col, col + 1. */
static void
take_figure(struct collect *c, sqlite3_stmt *s, int col, struct store_view_figure *fig)
{
  fig->has_value = sqlite3_column_type(s, col) != SQLITE_NULL;
  fig->value = sqlite3_column_double(s, col);
  take_code(c, s, col + 1, fig->rating, sizeof(fig->rating));
}

static int
by_id(const void *a, const void *b)
{
  int64_t x = ((const struct store_view_row *)a)->id, y = ((const struct store_view_row *)b)->id;

  return (x > y) - (x < y);
}

/* Step every row of s (bound: at most limit + 1) into c, handing each to
 * fill; put them in id order; a row past limit makes *next the last
 * row's id. Resets s. */
static enum rb_err
collect_rows(struct store *st, sqlite3_stmt *s, int limit, struct collect *c,
             void (*fill)(struct collect *, sqlite3_stmt *, struct store_view_row *), char **next)
{
  enum rb_err err = RB_OK;
  int rc;

  *next = NULL;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    struct store_view_row *row = collect_row(c);

    if (row == NULL) {
      err = RB_ERR_NOMEM;
      break;
    }
    row->id = sqlite3_column_int64(s, 0);
    fill(c, s, row);
    if (row->item.len < 2) { /* json_object writes at least "{}" */
      err = RB_ERR_INTERNAL;
      break;
    }
  }
  if (err == RB_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
    err = store_fail(st, sqlite3_extended_errcode(st->db));
  if (err == RB_OK && c->text.failed)
    err = RB_ERR_NOMEM;
  sqlite3_reset(s);
  if (err != RB_OK)
    return err;
  if (c->n > 1)
    qsort(c->rows, c->n, sizeof(c->rows[0]), by_id);
  if (c->n > (size_t)limit) {
    char key[24];

    c->n = (size_t)limit;
    snprintf(key, sizeof(key), "%lld", (long long)c->rows[c->n - 1].id);
    if ((*next = strdup(key)) == NULL)
      err = RB_ERR_NOMEM;
  }
  return err;
}

static void
bind_filter(sqlite3_stmt *s, const struct store_filter *f, const struct store_page *pg)
{
  store_bind_text(s, 1, f->year);
  store_bind_text(s, 2, f->group);
  if (f->has_priority)
    sqlite3_bind_int64(s, 3, f->priority);
  store_bind_text(s, 4, f->owner);
  store_bind_text(s, 5, f->code);
  store_bind_text(s, 6, pg->after);
  sqlite3_bind_int(s, 7, pg->limit + 1);
}

/* Hand c's rows to out. */
static enum rb_err
finish(struct collect *c, char *next, struct store_view_page *out)
{
  size_t len;
  char *text = textbuf_finish(&c->text, &len);

  if (text == NULL) {
    free(next);
    collect_free(c);
    return RB_ERR_NOMEM;
  }
  out->text = text;
  out->rows = c->rows;
  out->n = c->n;
  out->next = next;
  return RB_OK;
}

/* ---- milestones ---------------------------------------------------------------- */

enum { M_ITEM = 1, M_UPDATE, M_STATUS, M_PREVIOUS, M_PREVIOUS_STATUS };

static void
fill_milestone(struct collect *c, sqlite3_stmt *s, struct store_view_row *row)
{
  take_text(c, s, M_ITEM, &row->item);
  take_text(c, s, M_UPDATE, &row->record);
  take_code(c, s, M_STATUS, row->status, sizeof(row->status));
  take_text(c, s, M_PREVIOUS, &row->previous);
  take_code(c, s, M_PREVIOUS_STATUS, row->previous_status, sizeof(row->previous_status));
}

/* The page's ids are chosen first, as the list chooses them, and only
 * then are their texts written: the list's ORDER BY sorts a group's
 * milestones (its index is not in id order), and sorting the texts with
 * them cost a quarter of the statement. collect_rows puts the rows in id
 * order whatever order the join returns them in. */
#define CURRENT_UPDATE UPDATE_JSON("c")
#define PREVIOUS_UPDATE UPDATE_JSON("p")
#define MILESTONE_VIEW_SELECT                                                    \
  "SELECT m.id, " MILESTONE_JSON ","                                             \
  " CASE WHEN c.milestone_id IS NOT NULL THEN " CURRENT_UPDATE " END, c.status," \
  " CASE WHEN p.milestone_id IS NOT NULL THEN " PREVIOUS_UPDATE " END, p.status" \
  " FROM (SELECT m.id" MILESTONE_FROM
#define MILESTONE_VIEW_JOIN                                                           \
  ") page CROSS JOIN milestone m ON m.id = page.id"                                   \
  " JOIN tgroup g ON g.id = m.group_id LEFT JOIN organisation o ON o.id = m.owner_id" \
  " LEFT JOIN milestone_update c ON c.milestone_id = m.id AND c.quarter = ?8"         \
  " LEFT JOIN milestone_update p ON p.milestone_id = m.id AND p.quarter = ?9"

enum rb_err
store_milestone_view(struct store *st, const struct store_filter *f, const struct store_page *pg,
                     const char *quarter, const char *previous_quarter, struct store_view_page *out)
{
  /* ?1..?7 the list's filters, ?8 the quarter, ?9 the one before. */
  static const char sql[] =
    MILESTONE_VIEW_SELECT MILESTONE_LIST_WHERE MILESTONE_LIST_REST MILESTONE_VIEW_JOIN;
  static const char by_group_sql[] =
    MILESTONE_VIEW_SELECT MILESTONE_GROUP_WHERE MILESTONE_LIST_REST MILESTONE_VIEW_JOIN;
  struct collect c = {TEXTBUF_INIT, NULL, 0, 0};
  sqlite3_stmt *s;
  char *next = NULL;
  enum rb_err err = store_stmt(st, f->year != NULL && f->group != NULL ? by_group_sql : sql, &s);

  if (err != RB_OK)
    return err;
  bind_filter(s, f, pg);
  store_bind_text(s, 8, quarter);
  store_bind_text(s, 9, previous_quarter);
  err = collect_rows(st, s, pg->limit, &c, fill_milestone, &next);
  if (err != RB_OK) {
    free(next);
    collect_free(&c);
    return err;
  }
  return finish(&c, next, out);
}

/* ---- KPIs ---------------------------------------------------------------------- */

enum {
  K_CHAINED = 1,
  K_ITEM,
  K_READING,
  K_FIGURE, /* value, rating */
  K_RULE = K_FIGURE + 2,
  K_PREVIOUS = K_RULE + 5,
  K_PREVIOUS_FIGURE,
  K_PREVIOUS_RULE = K_PREVIOUS_FIGURE + 2
};

static void
fill_kpi(struct collect *c, sqlite3_stmt *s, struct store_view_row *row)
{
  take_text(c, s, K_ITEM, &row->item);
  take_text(c, s, K_READING, &row->record);
  take_figure(c, s, K_FIGURE, &row->figure);
  store_rule_from_row(s, K_RULE, &row->figure.rule);
  /* A KPI alone in its series owns every earlier quarter: the statement's
   * previous reading is its series' previous point. A chain's is found by
   * the ownership rule of series.h (a few KPIs of a page at most). */
  row->chained = sqlite3_column_int(s, K_CHAINED) != 0;
  if (row->chained)
    return;
  take_text(c, s, K_PREVIOUS, &row->previous);
  if (row->previous.len > 0) {
    take_figure(c, s, K_PREVIOUS_FIGURE, &row->previous_figure);
    store_rule_from_row(s, K_PREVIOUS_RULE, &row->previous_figure.rule);
  }
}

/* The previous point of each chained KPI of the page (fill_kpi left them:
 * their lookups use statements of their own, not while the page's steps). */
static enum rb_err
chained_previous(struct store *st, const char *quarter, struct collect *c)
{
  enum rb_err err = RB_OK;

  for (size_t i = 0; err == RB_OK && i < c->n; i++) {
    struct store_view_row *row = &c->rows[i];
    json_t *prev = NULL;
    const char *rating;
    char *text;

    if (!row->chained)
      continue;
    err = store_series_previous(st, row->id, quarter, false, &prev);
    if (err != RB_OK || prev == NULL)
      continue;
    row->previous_figure.has_value = json_is_number(json_object_get(prev, "value"));
    row->previous_figure.value = json_number_value(json_object_get(prev, "value"));
    rating = json_string_value(json_object_get(prev, "rating"));
    snprintf(row->previous_figure.rating, sizeof(row->previous_figure.rating), "%s",
             rating != NULL ? rating : "");
    err = store_kpi_rule(st, json_integer_value(json_object_get(prev, "kpi_id")),
                         json_string_value(json_object_get(prev, "quarter")),
                         &row->previous_figure.rule);
    /* as every reply writes numbers */
    text = json_dumps(prev, JSON_COMPACT | JSON_REAL_PRECISION(15));
    if (err == RB_OK && text == NULL)
      err = RB_ERR_NOMEM;
    if (err == RB_OK) {
      row->previous.off = c->text.len;
      row->previous.len = strlen(text);
      textbuf_add(&c->text, text, row->previous.len);
    }
    free(text);
    json_decref(prev);
  }
  if (err == RB_OK && c->text.failed)
    err = RB_ERR_NOMEM;
  return err;
}

#define CHAINED \
  "k.continues_id IS NOT NULL OR EXISTS (SELECT 1 FROM kpi s WHERE s.continues_id = k.id)"
/* The quarter of KPI k's latest reading before ?8 with a value. */
#define LATEST                                                                   \
  "SELECT r.quarter FROM kpi_reading r WHERE r.kpi_id = k.id AND r.quarter < ?8" \
  " AND r.value IS NOT NULL ORDER BY r.quarter DESC LIMIT 1"
#define CURRENT_READING READING_JSON("c")
#define PREVIOUS_READING READING_JSON("p")
#define CURRENT_RULE ROW_RULE("?8")
#define PREVIOUS_RULE ROW_RULE("p.quarter")
#define KPI_VIEW_SELECT                                                     \
  "SELECT k.id, " CHAINED ", " KPI_JSON ","                                 \
  " CASE WHEN c.kpi_id IS NOT NULL THEN " CURRENT_READING " END, c.value,"  \
  " c.rating, " CURRENT_RULE ","                                            \
  " CASE WHEN p.kpi_id IS NOT NULL THEN " PREVIOUS_READING " END, p.value," \
  " p.rating, " PREVIOUS_RULE " FROM (SELECT k.id" KPI_FROM
/* As MILESTONE_VIEW_JOIN. */
#define KPI_VIEW_JOIN                                                                         \
  ") page CROSS JOIN kpi k ON k.id = page.id JOIN tgroup g ON g.id = k.group_id"              \
  " LEFT JOIN organisation o ON o.id = k.owner_id LEFT JOIN kpi pk ON pk.id = k.continues_id" \
  " LEFT JOIN kpi_reading c ON c.kpi_id = k.id AND c.quarter = ?8"                            \
  " LEFT JOIN kpi_reading p ON p.kpi_id = k.id AND p.quarter = (" LATEST ")"

enum rb_err
store_kpi_view(struct store *st, const struct store_filter *f, const struct store_page *pg,
               const char *quarter, struct store_view_page *out)
{
  /* ?1..?7 the list's filters, ?8 the quarter. */
  static const char sql[] = KPI_VIEW_SELECT KPI_LIST_WHERE KPI_LIST_REST KPI_VIEW_JOIN;
  static const char by_group_sql[] = KPI_VIEW_SELECT KPI_GROUP_WHERE KPI_LIST_REST KPI_VIEW_JOIN;
  struct collect c = {TEXTBUF_INIT, NULL, 0, 0};
  sqlite3_stmt *s;
  char *next = NULL;
  enum rb_err err = store_stmt(st, f->year != NULL && f->group != NULL ? by_group_sql : sql, &s);

  if (err != RB_OK)
    return err;
  bind_filter(s, f, pg);
  store_bind_text(s, 8, quarter);
  err = collect_rows(st, s, pg->limit, &c, fill_kpi, &next);
  if (err == RB_OK)
    err = chained_previous(st, quarter, &c);
  if (err != RB_OK) {
    free(next);
    collect_free(&c);
    return err;
  }
  return finish(&c, next, out);
}

/* ---- pages --------------------------------------------------------------------- */

const char *
store_view_text_of(const struct store_view_page *p, struct store_view_text t)
{
  return t.len > 0 ? p->text + t.off : NULL;
}

void
store_view_page_free(struct store_view_page *p)
{
  if (p == NULL)
    return;
  free(p->text);
  free(p->rows);
  free(p->next);
  memset(p, 0, sizeof(*p));
}
