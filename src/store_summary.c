/* What a summary is built from: a plan year's items and their status at a
 * quarter, loaded in one pass (summary.c rates and counts them). */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarter.h"
#include "summary.h"
#include "trend.h"

/* ---- summaries ------------------------------------------------------------------ */

struct store_summary {
  struct summary_input in;
  struct summary_group *groups;
  int64_t *group_ids;
  struct summary_priority *priorities;
  struct summary_item *items;
  struct summary_trend *trends; /* with trends only */
  int64_t *numbers;             /* priority numbers of all items, back to back */
  char **strings;               /* every string the input points at */
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
  free(sum->trends);
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

/* What a load reads beside the KPIs and their status: */
enum {
  LOAD_TRENDS = 1,     /* each item's travel (summary_input.trends) */
  LOAD_MILESTONES = 2, /* the milestones (else KPIs only) */
  LOAD_TEXTS = 4       /* the items' texts (else NULL: enough for counts and headlines) */
};
#define LOAD_ALL (LOAD_MILESTONES | LOAD_TEXTS)

static enum rb_err load(struct store *st, const char *year, const char *quarter, int what,
                        struct store_summary **out);

enum rb_err
store_summary_load(struct store *st, const char *quarter, struct store_summary **out)
{
  char year[8];

  memcpy(year, quarter, 7);
  year[7] = '\0';
  return load(st, year, quarter, LOAD_ALL, out);
}

enum rb_err
store_summary_load_trends(struct store *st, const char *quarter, struct store_summary **out)
{
  char year[8];

  memcpy(year, quarter, 7);
  year[7] = '\0';
  return load(st, year, quarter, LOAD_ALL | LOAD_TRENDS, out);
}

enum rb_err
store_summary_load_kpi_travel(struct store *st, const char *quarter, struct store_summary **out)
{
  char year[8];

  memcpy(year, quarter, 7);
  year[7] = '\0';
  return load(st, year, quarter, LOAD_TRENDS, out);
}

enum rb_err
store_summary_load_year(struct store *st, const char *year, const char *quarter,
                        struct store_summary **out)
{
  return load(st, year, quarter, LOAD_MILESTONES, out);
}

/* The value a KPI's reading at quarter is judged against when the query's
 * shortcuts (kpi_sql) cannot tell: the series' own answer. */
static enum rb_err
previous_value(struct store *st, int64_t id, const char *quarter, struct trend_value *out)
{
  json_t *row = NULL, *v;
  enum rb_err err = store_series_previous(st, id, quarter, false, &row);

  v = json_object_get(row, "value");
  out->has_value = err == RB_OK && json_is_number(v);
  out->value = json_number_value(v);
  json_decref(row);
  return err;
}

/* A KPI's direction of travel at the quarter (one of its own plan year:
 * a later KPI of its chain owns no period before it), from kpi_sql's row:
 * the previous value in its series from the KPI's own readings since the
 * plan year of the KPI it continues (column 15), else that KPI's readings
 * of its own plan year (16); where neither tells (an earlier KPI of the
 * chain holds it), the series is asked. */
static enum rb_err
kpi_travel(struct store *st, sqlite3_stmt *s, const struct summary_item *it,
           const struct rag_rule *rule, const char *quarter, struct summary_trend *t)
{
  struct trend_value prev = {false, 0}, cur;
  enum rb_err err = RB_OK;

  if (!it->rated)
    return RB_OK;
  cur.has_value = sqlite3_column_type(s, 10) != SQLITE_NULL;
  cur.value = sqlite3_column_double(s, 10);
  if (sqlite3_column_type(s, 15) != SQLITE_NULL) {
    prev.has_value = true;
    prev.value = sqlite3_column_double(s, 15);
  } else if (sqlite3_column_int(s, 17) == 0) {
    /* no earlier KPI: none */
  } else if (sqlite3_column_type(s, 16) != SQLITE_NULL) {
    prev.has_value = true;
    prev.value = sqlite3_column_double(s, 16);
  } else {
    err = previous_value(st, it->id, quarter, &prev);
  }
  t->travel = trend_kpi_travel(rule->direction, rule->has_target, rule->target,
                               prev.has_value ? &prev : NULL, &cur);
  return err;
}

static enum rb_err
load(struct store *st, const char *year, const char *quarter, int what, struct store_summary **out)
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
  /* ?3: the previous quarter, with trends (else NULL): its status. */
  static const char milestone_sql[] =
    "SELECT m.id, m.group_id, m.priority_number, m.code, m.description, u.status, u.comment,"
    " CASE WHEN ?3 IS NOT NULL THEN (SELECT pu.status FROM milestone_update pu"
    "   WHERE pu.milestone_id = m.id AND pu.quarter = ?3) END"
    " FROM milestone m LEFT JOIN milestone_update u ON u.milestone_id = m.id"
    " AND u.quarter = ?2 WHERE m.year = ?1 ORDER BY m.id";
  /* The KPI query, with its priority numbers' column: a comparison counts
   * and never reads them (NULL there). */
#define KPI_SQL(numbers)                                                                       \
  "SELECT k.id, k.group_id, k.code, k.description, " RULE_COLUMNS ","                          \
  " r.kpi_id IS NOT NULL, r.value, r.value_text, r.rating, r.comment,"                         \
  " " numbers "," /* With trends (?3): the previous value in the series (kpi_travel). */       \
  " CASE WHEN ?3 IS NOT NULL THEN (SELECT r1.value FROM kpi_reading r1"                        \
  "   WHERE r1.kpi_id = k.id AND r1.quarter < ?2 AND r1.value IS NOT NULL"                     \
  "   AND (k.continues_id IS NULL"                                                             \
  "     OR r1.quarter > (SELECT p.year FROM kpi p WHERE p.id = k.continues_id) || '-Q4')"      \
  "   ORDER BY r1.quarter DESC LIMIT 1) END,"                                                  \
  " CASE WHEN ?3 IS NOT NULL AND k.continues_id IS NOT NULL THEN (SELECT r2.value"             \
  "   FROM kpi_reading r2 JOIN kpi p ON p.id = r2.kpi_id WHERE r2.kpi_id = k.continues_id"     \
  "   AND r2.quarter < ?2 AND r2.quarter >= p.year || '-Q1' AND r2.quarter <= p.year || '-Q4'" \
  "   AND r2.value IS NOT NULL ORDER BY r2.quarter DESC LIMIT 1) END,"                         \
  " k.continues_id IS NOT NULL"                                                                \
  " FROM kpi k LEFT JOIN kpi_reading r ON r.kpi_id = k.id AND r.quarter = ?2"                  \
  " WHERE k.year = ?1 ORDER BY k.id"
  static const char kpi_sql[] = KPI_SQL("(SELECT group_concat(number) FROM (SELECT number FROM"
                                        " kpi_priority WHERE kpi_id = k.id ORDER BY number))");
  static const char kpi_counts_sql[] = KPI_SQL("NULL");
#undef KPI_SQL
  struct store_summary *sum = calloc(1, sizeof(*sum));
  bool trends = (what & LOAD_TRENDS) != 0, texts = (what & LOAD_TEXTS) != 0;
  int64_t ngroups, nprio, nitems, nlinks;
  char prev_quarter[QUARTER_LEN] = "";
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
  if (trends)
    sum->trends = calloc((size_t)nitems + 1, sizeof(*sum->trends));
  err = RB_ERR_NOMEM;
  if (sum->groups == NULL || sum->group_ids == NULL || sum->priorities == NULL ||
      sum->items == NULL || sum->numbers == NULL || (trends && sum->trends == NULL))
    goto fail;
  if (trends) {
    struct quarter q;

    if (quarter_parse(quarter, &q) != NULL) {
      err = RB_ERR_INVALID;
      goto fail;
    }
    quarter_format(quarter_previous(q), prev_quarter);
  }

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

  if ((what & LOAD_MILESTONES) == 0)
    goto kpis;
  if ((err = store_stmt(st, milestone_sql, &s)) != RB_OK)
    goto fail;
  store_bind_text(s, 1, sum->year);
  store_bind_text(s, 2, quarter);
  store_bind_text(s, 3, trends ? prev_quarter : NULL);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW && sum->in.nitems < (size_t)nitems &&
         used_numbers < (size_t)nlinks) {
    struct summary_item *it = &sum->items[sum->in.nitems++];
    const char *status = (const char *)sqlite3_column_text(s, 5);
    const char *before = (const char *)sqlite3_column_text(s, 7);

    it->is_kpi = false;
    it->id = sqlite3_column_int64(s, 0);
    it->group = group_index(sum, sqlite3_column_int64(s, 1));
    sum->numbers[used_numbers] = sqlite3_column_int64(s, 2);
    it->priorities = &sum->numbers[used_numbers++];
    it->npriorities = 1;
    if (texts) {
      it->code = keep(sum, sqlite3_column_text(s, 3));
      it->description = keep(sum, sqlite3_column_text(s, 4));
    }
    it->rated = status != NULL;
    if (status == NULL || !rag_parse_milestone_status(status, &it->status))
      it->status = RAG_TBC; /* no update provided */
    it->comment = keep(sum, sqlite3_column_text(s, 6));
    if (trends) {
      struct summary_trend *t = &sum->trends[sum->in.nitems - 1];
      char text[TREND_CHANGE_LEN];

      t->has_previous = before != NULL && rag_parse_milestone_status(before, &t->previous);
      trend_status_change(t->has_previous ? t->previous : RAG_NONE,
                          it->rated ? it->status : RAG_NONE, text, &t->travel);
    }
  }
  sqlite3_reset(s);

kpis:
  if ((err = store_stmt(st, texts ? kpi_sql : kpi_counts_sql, &s)) != RB_OK)
    goto fail;
  store_bind_text(s, 1, sum->year);
  store_bind_text(s, 2, quarter);
  store_bind_text(s, 3, trends ? prev_quarter : NULL);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW && sum->in.nitems < (size_t)nitems) {
    struct summary_item *it = &sum->items[sum->in.nitems++];
    const char *numbers = (const char *)sqlite3_column_text(s, 14);
    const char *rating = (const char *)sqlite3_column_text(s, 12);
    struct rag_rule rule;
    enum rag_status reported = RAG_NONE, computed;

    it->is_kpi = true;
    it->id = sqlite3_column_int64(s, 0);
    it->group = group_index(sum, sqlite3_column_int64(s, 1));
    if (texts) {
      it->code = keep(sum, sqlite3_column_text(s, 2));
      it->description = keep(sum, sqlite3_column_text(s, 3));
    }
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
    store_rule_from_row(s, 4, &rule);
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
      if (texts) {
        it->value_text = keep(sum, sqlite3_column_text(s, 11));
        it->comment = keep(sum, sqlite3_column_text(s, 13));
      }
    }
    if (trends &&
        (err = kpi_travel(st, s, it, &rule, quarter, &sum->trends[sum->in.nitems - 1])) != RB_OK)
      break;
  }
  sqlite3_reset(s);
  if (err != RB_OK)
    goto fail;
  sum->in.groups = sum->groups;
  sum->in.priorities = sum->priorities;
  sum->in.items = sum->items;
  sum->in.trends = sum->trends;
  *out = sum;
  return RB_OK;
fail:
  store_summary_free(sum);
  return err;
}
