/* KPI series across plan years: the chain of KPIs (each continuing an
 * earlier year's), its points by the ownership rule of include/series.h,
 * and the point before a period. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "period.h"
#include "rag.h"
#include "series.h"

/* A KPI's year and code, the KPI it continues and the one continuing it. */
struct link {
  char year[YEAR_LEN], code[SERIES_CODE_LEN];
  int64_t continues, continued_by; /* 0: none */
};

static enum rb_err
link_of(struct store *st, int64_t id, struct link *out)
{
  static const char sql[] =
    "SELECT k.year, k.code, k.continues_id,"
    " (SELECT s.id FROM kpi s WHERE s.continues_id = k.id) FROM kpi k WHERE k.id = ?1";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, id);
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    snprintf(out->year, sizeof(out->year), "%s", (const char *)sqlite3_column_text(s, 0));
    snprintf(out->code, sizeof(out->code), "%s", (const char *)sqlite3_column_text(s, 1));
    out->continues = sqlite3_column_int64(s, 2);
    out->continued_by = sqlite3_column_int64(s, 3);
  }
  sqlite3_reset(s);
  if (rc == SQLITE_ROW)
    return RB_OK;
  return rc == SQLITE_DONE ? RB_ERR_NOT_FOUND : store_fail(st, sqlite3_extended_errcode(st->db));
}

enum rb_err
store_kpi_links(struct store *st, int64_t id, int64_t *continues, int64_t *continued_by)
{
  struct link l;
  enum rb_err err = link_of(st, id, &l);

  if (err != RB_OK)
    return err;
  *continues = l.continues;
  *continued_by = l.continued_by;
  return RB_OK;
}

enum rb_err
store_kpi_label(struct store *st, int64_t id, char *out, size_t cap)
{
  struct link l;
  enum rb_err err = link_of(st, id, &l);

  if (err == RB_OK)
    snprintf(out, cap, "%s %s", l.year, l.code);
  return err;
}

static bool
in_chain(const struct series *s, int64_t id)
{
  for (size_t i = 0; i < s->nmembers; i++)
    if (s->members[i].id == id)
      return true;
  return false;
}

static void
set_member(struct series_member *m, int64_t id, const struct link *l)
{
  m->id = id;
  memcpy(m->year, l->year, sizeof(m->year));
  memcpy(m->code, l->code, sizeof(m->code));
}

enum rb_err
store_kpi_chain(struct store *st, int64_t id, struct series *s, size_t *self)
{
  struct series_member up[SERIES_MAX_MEMBERS];
  size_t nup = 0;
  struct link l;
  int64_t at = id, next;
  enum rb_err err;

  /* Up from id to the first of the chain (a link back into the chain, only
   * possible in an altered database file, ends the walk). */
  s->nmembers = 0;
  if ((err = link_of(st, id, &l)) != RB_OK)
    return err;
  next = l.continued_by;
  for (;;) {
    set_member(&up[nup++], at, &l);
    if (l.continues == 0 || nup == SERIES_MAX_MEMBERS)
      break;
    at = l.continues;
    for (size_t i = 0; i < nup; i++)
      if (up[i].id == at)
        at = 0;
    if (at == 0 || (err = link_of(st, at, &l)) != RB_OK)
      break;
  }
  if (err != RB_OK && err != RB_ERR_NOT_FOUND)
    return err;
  for (size_t i = 0; i < nup; i++)
    s->members[i] = up[nup - 1 - i];
  s->nmembers = nup;
  *self = nup - 1;
  /* Down from id's successor to the last. */
  while (next != 0 && s->nmembers < SERIES_MAX_MEMBERS && !in_chain(s, next)) {
    if ((err = link_of(st, next, &l)) != RB_OK)
      return err == RB_ERR_NOT_FOUND ? RB_OK : err;
    set_member(&s->members[s->nmembers++], next, &l);
    next = l.continued_by;
  }
  return RB_OK;
}

/* The periods member i owns: after lo, up to hi (NULL: unbounded), as
 * text that compares as the periods do. */
static void
owned(const struct series *s, size_t i, bool monthly, char lo[PERIOD_LEN], char hi[PERIOD_LEN],
      bool *has_lo, bool *has_hi)
{
  int start;

  *has_lo = i > 0;
  *has_hi = i + 1 < s->nmembers;
  if (*has_lo) {
    quarter_parse_year(s->members[i - 1].year, &start);
    if (monthly)
      period_format_month(period_year_last_month(start), lo);
    else
      snprintf(lo, PERIOD_LEN, "%s-Q4", s->members[i - 1].year);
  }
  if (*has_hi) {
    quarter_parse_year(s->members[i].year, &start);
    if (monthly)
      period_format_month(period_year_last_month(start), hi);
    else
      snprintf(hi, PERIOD_LEN, "%s-Q4", s->members[i].year);
  }
}

/* ?1 KPI, ?2 lo, ?3 hi (NULL: unbounded). Columns: period, value,
 * value_text, rating, comment, then the rule. */
static const char quarters_sql[] =
  "SELECT r.quarter, r.value, r.value_text, r.rating, r.comment, " ROW_RULE(
    "r.quarter") " FROM kpi_reading r JOIN kpi k ON k.id = r.kpi_id WHERE r.kpi_id = ?1"
                 " AND (?2 IS NULL OR r.quarter > ?2) AND (?3 IS NULL OR r.quarter <= ?3) ORDER BY "
                 "r.quarter";
static const char months_sql[] =
  "SELECT mo.month, mo.value, mo.value_text, NULL, mo.comment, " ROW_RULE(
    "mo.quarter") " FROM kpi_month mo JOIN kpi k ON k.id = mo.kpi_id WHERE mo.kpi_id = ?1"
                  " AND (?2 IS NULL OR mo.month > ?2) AND (?3 IS NULL OR mo.month <= ?3) ORDER BY "
                  "mo.month";

static char *
dup_text(sqlite3_stmt *s, int col)
{
  const unsigned char *t = sqlite3_column_text(s, col);

  return t != NULL ? strdup((const char *)t) : NULL;
}

static enum rb_err
load_member(struct store *st, struct series *s, size_t m)
{
  char lo[PERIOD_LEN], hi[PERIOD_LEN];
  bool has_lo, has_hi;
  sqlite3_stmt *q;
  enum rb_err err;
  int rc;

  owned(s, m, s->monthly, lo, hi, &has_lo, &has_hi);
  if ((err = store_stmt(st, s->monthly ? months_sql : quarters_sql, &q)) != RB_OK)
    return err;
  sqlite3_bind_int64(q, 1, s->members[m].id);
  store_bind_text(q, 2, has_lo ? lo : NULL);
  store_bind_text(q, 3, has_hi ? hi : NULL);
  while (err == RB_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
    struct series_point p;
    const char *period = (const char *)sqlite3_column_text(q, 0);
    const char *rating = (const char *)sqlite3_column_text(q, 3);
    bool monthly;

    memset(&p, 0, sizeof(p));
    if (period == NULL || period_parse(period, &p.key, &monthly) != NULL)
      continue; /* not a period: not ragboard's (the state check says so) */
    snprintf(p.period, sizeof(p.period), "%s", period);
    p.member = m;
    p.has_value = sqlite3_column_type(q, 1) != SQLITE_NULL;
    p.value = sqlite3_column_double(q, 1);
    p.value_text = dup_text(q, 2);
    p.comment = dup_text(q, 4);
    p.reported = RAG_NONE;
    if (rating != NULL)
      rag_parse_kpi_rating(rating, &p.reported);
    store_rule_from_row(q, 5, &p.rule);
    err = series_push(s, &p);
  }
  sqlite3_reset(q);
  if (err == RB_OK && rc != SQLITE_DONE)
    err = store_fail(st, sqlite3_extended_errcode(st->db));
  return err;
}

enum rb_err
store_series_load(struct store *st, int64_t id, bool monthly, struct series *s)
{
  size_t self;
  enum rb_err err;

  memset(s, 0, sizeof(*s));
  s->monthly = monthly;
  err = store_kpi_chain(st, id, s, &self);
  for (size_t m = 0; err == RB_OK && m < s->nmembers; m++)
    err = load_member(st, s, m);
  if (err != RB_OK) {
    series_free(s);
    return err;
  }
  series_rate(s);
  return RB_OK;
}

enum rb_err
store_series_previous(struct store *st, int64_t id, const char *period, bool monthly, json_t **out)
{
  /* The latest row of one member before ?4 with a value, in its range. */
  static const char reading_sql[] =
    "SELECT r.kpi_id, k.code AS kpi_code, r.quarter, r.value, r.value_text, r.rating,"
    " r.comment, r.created_at, r.updated_at, r.updated_by FROM kpi_reading r"
    " JOIN kpi k ON k.id = r.kpi_id WHERE r.kpi_id = ?1 AND r.quarter < ?4"
    " AND (?2 IS NULL OR r.quarter > ?2) AND (?3 IS NULL OR r.quarter <= ?3)"
    " AND r.value IS NOT NULL ORDER BY r.quarter DESC LIMIT 1";
  static const char month_sql[] =
    "SELECT mo.id, mo.kpi_id, k.code AS kpi_code, mo.month, mo.quarter, mo.value,"
    " mo.value_text, mo.comment, mo.created_at, mo.updated_at, mo.updated_by FROM kpi_month mo"
    " JOIN kpi k ON k.id = mo.kpi_id WHERE mo.kpi_id = ?1 AND mo.month < ?4"
    " AND (?2 IS NULL OR mo.month > ?2) AND (?3 IS NULL OR mo.month <= ?3)"
    " AND mo.value IS NOT NULL ORDER BY mo.month DESC LIMIT 1";
  struct series s;
  size_t self;
  enum rb_err err;

  memset(&s, 0, sizeof(s));
  *out = NULL;
  if ((err = store_kpi_chain(st, id, &s, &self)) != RB_OK)
    return err;
  /* The owners' ranges are disjoint and in order: from the last back, the
   * first row found is the latest. */
  for (size_t m = s.nmembers; m-- > 0;) {
    char lo[PERIOD_LEN], hi[PERIOD_LEN];
    bool has_lo, has_hi;
    sqlite3_stmt *q;

    owned(&s, m, monthly, lo, hi, &has_lo, &has_hi);
    if (has_lo && strcmp(lo, period) >= 0)
      continue; /* owns only periods after it */
    if ((err = store_stmt(st, monthly ? month_sql : reading_sql, &q)) != RB_OK)
      return err;
    sqlite3_bind_int64(q, 1, s.members[m].id);
    store_bind_text(q, 2, has_lo ? lo : NULL);
    store_bind_text(q, 3, has_hi ? hi : NULL);
    store_bind_text(q, 4, period);
    err = store_one(st, q, out);
    if (err != RB_ERR_NOT_FOUND)
      return err;
  }
  *out = NULL;
  return RB_OK;
}
