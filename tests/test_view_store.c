/* The quarter view's page reads (store_view.h), which SQLite writes as
 * JSON text, against the list's items and the per-item lookups built as
 * jansson values (store_kpi_list, store_milestone_list, store_update_get,
 * store_reading_get, store_series_previous, store_kpi_rule), record by
 * record, member by member and in order, page by page, on a fresh in-memory database with chains
 * across plan years, missing readings, readings without a value, history before the plan year,
 * quarterly targets and monthly KPIs. Part of the series suite (test_series.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"
#include "import.h"
#include "rag.h"
#include "store.h"
#include "store_view.h"
#include "util.h"

Suite *view_store_suite(Suite *s);

#define NOW "2024-01-01T00:00:00.000Z"

static const struct db_options mem_opt = {
  .synchronous_full = false, .busy_timeout_ms = 2000, .readonly = false, .create = true};

static void
import_ok(struct store *st, const char *year, const char *milestones, const char *kpis)
{
  char *text = util_asprintf("{\"format\":\"icp-performance-dataset/1\",\"financial_year\":\"%s\","
                             "\"groups\":[{\"code\":\"G\",\"name\":\"Group\"}],"
                             "\"priorities\":[{\"group\":\"G\",\"number\":1,\"title\":\"P\"}],"
                             "\"milestones\":%s,\"kpis\":%s}",
                             year, milestones, kpis);
  json_error_t jerr;
  json_t *doc = json_loads(text, 0, &jerr), *errors = json_array(), *counts = NULL;
  char *dump;

  ck_assert_msg(doc != NULL, "bad test JSON: %s", jerr.text);
  ck_assert_int_eq(store_begin(st, true), RB_OK);
  ck_assert_int_eq(import_dataset(st, doc, NOW, "test", NULL, errors, &counts), RB_OK);
  ck_assert_int_eq(store_commit(st), RB_OK);
  dump = json_dumps(errors, 0);
  ck_assert_msg(json_array_size(errors) == 0, "import %s: %s", year, dump);
  free(dump);
  json_decref(errors);
  json_decref(counts);
  json_decref(doc);
  free(text);
}

#define KPI(code, extra, readings)                                                   \
  "{\"code\":\"" code "\",\"group\":\"G\",\"priorities\":[1],\"description\":\"d\"," \
  "\"direction\":\"increase\",\"target\":50" extra ",\"readings\":[" readings "]}"
#define R(q, v) "{\"quarter\":\"" q "\",\"value\":" #v "}"
#define RT(q, t) "{\"quarter\":\"" q "\",\"value_text\":\"" t "\",\"rating\":\"A\"}"
#define CONT(y, c) ",\"continues\":{\"year\":\"" y "\",\"code\":\"" c "\"}"
#define MS(code, updates) \
  "{\"code\":\"" code     \
  "\",\"group\":\"G\",\"priority\":1,\"description\":\"d\",\"updates\":[" updates "]}"
#define U(q, s) "{\"quarter\":\"" q "\",\"status\":\"" s "\"}"

/* A (2018-19) <- B (2019-20) <- C (2020-21), B holding a reading in A's
 * periods; H alone with history before its plan year and a reading with
 * no value; Q with a quarterly target and a decrease direction; N with no
 * readings; M monthly; D with a reading only after the quarters asked. */
#define MS_2019                                                       \
  "[" MS("M1", U("2019-20-Q1", "A") "," U("2019-20-Q2", "R")) "," MS( \
    "M2", U("2019-20-Q2", "TBC")) "," MS("M3", U("2019-20-Q1", "B")) "," MS("M4", "") "]"
#define B_READINGS R("2018-19-Q4", 40) "," R("2019-20-Q1", 5) "," R("2019-20-Q2", 6)
#define H_READINGS \
  R("2016-17-Q2", 9) "," R("2017-18-Q3", 11) "," RT("2018-19-Q1", "n/a") "," R("2019-20-Q2", 12)
/* 25.36 is stored as 25.359999999999999, and 35.123456789012345 has more
 * digits than a reply writes: the texts must be written as replies are. */
#define Q_EXTRA                                        \
  ",\"direction\":\"decrease\",\"quarterly_targets\":" \
  "{\"2019-20-Q2\":30,\"2019-20-Q3\":25.36}"
#define Q_READINGS R("2019-20-Q1", 35.123456789012345) "," R("2019-20-Q2", 31)
#define M_READINGS R("2019-20-Q1", 7) "," R("2019-20-Q2", 8)
#define MONTHLY ",\"frequency\":\"monthly\""

static void
fixture(struct store *st)
{
  json_t *v9 = json_real(9), *v10 = json_real(10);
  int64_t m = 0;

  import_ok(st, "2018-19", "[" MS("M1", U("2018-19-Q4", "G")) "]",
            "[" KPI("A", "", R("2018-19-Q1", 1) "," R("2018-19-Q4", 4)) "]");
  import_ok(st, "2019-20", MS_2019,
            "[" KPI("B", CONT("2018-19", "A"), B_READINGS) "," KPI("H", "", H_READINGS) "," KPI(
              "Q", Q_EXTRA,
              Q_READINGS) "," KPI("N", "", "") "," KPI("M", MONTHLY,
                                                       M_READINGS) "," KPI("D", "",
                                                                           R("2019-20-Q3", 3)) "]");
  import_ok(st, "2020-21", "[]",
            "[" KPI("C", CONT("2019-20", "B"), R("2019-20-Q3", 60) "," R("2020-21-Q1", 7)) "]");
  /* M's monthly values are not its quarterly series */
  ck_assert_int_eq(store_kpi_find(st, "2019-20", "M", &m), RB_OK);
  ck_assert_int_eq(store_begin(st, true), RB_OK);
  ck_assert_int_eq(
    store_month_put(st, m, "2019-08", "2019-20-Q2", v9, NULL, NULL, "t", NOW, false, NULL), RB_OK);
  ck_assert_int_eq(
    store_month_put(st, m, "2019-10", "2019-20-Q3", v10, NULL, NULL, "t", NOW, false, NULL), RB_OK);
  ck_assert_int_eq(store_commit(st), RB_OK);
  json_decref(v9);
  json_decref(v10);
}

/* Byte equality of two records, either possibly NULL. */
static void
expect_same(const json_t *batch, const json_t *one, const char *what, int64_t id)
{
  char *a = batch != NULL ? json_dumps(batch, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
  char *b = one != NULL ? json_dumps(one, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;

  ck_assert_msg((a == NULL) == (b == NULL) && (a == NULL || strcmp(a, b) == 0),
                "%s of %lld: page %s, per item %s", what, (long long)id, a ? a : "none",
                b ? b : "none");
  free(a);
  free(b);
}

static void
expect_rule(const struct rag_rule *a, const struct rag_rule *b, int64_t id)
{
  ck_assert_msg(a->direction == b->direction && a->has_target == b->has_target &&
                  (!a->has_target || a->target == b->target) && a->mode == b->mode &&
                  a->tolerance == b->tolerance,
                "the rule of %lld differs", (long long)id);
}

/* Text t of page p as a JSON value (NULL: none). */
static json_t *
page_json(const struct store_view_page *p, struct store_view_text t)
{
  json_error_t jerr;
  json_t *v;

  if (t.len == 0)
    return NULL;
  v = json_loadb(store_view_text_of(p, t), t.len, JSON_REJECT_DUPLICATES, &jerr);
  ck_assert_msg(v != NULL && json_is_object(v), "not a JSON object: %.*s (%s)", (int)t.len,
                store_view_text_of(p, t), jerr.text);
  return v;
}

/* The page's text t against a per-item read (NULL: none), member by
 * member and in order. */
static void
expect_text(const struct store_view_page *p, struct store_view_text t, const json_t *one,
            const char *what, int64_t id)
{
  json_t *v = page_json(p, t);
  /* what a reply writes (api_reply.c) */
  char *text = one != NULL ? json_dumps(one, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;

  expect_same(v, one, what, id);
  if (text != NULL)
    ck_assert_msg(strlen(text) == t.len && memcmp(text, store_view_text_of(p, t), t.len) == 0,
                  "%s of %lld: page text %.*s, a reply's %s", what, (long long)id, (int)t.len,
                  store_view_text_of(p, t), text);
  free(text);
  json_decref(v);
}

/* A figure against the reading or point it was read from. */
static void
expect_figure(const struct store_view_figure *fig, const json_t *one, int64_t id)
{
  const json_t *value = json_object_get(one, "value");
  const char *rating = json_string_value(json_object_get(one, "rating"));

  ck_assert_msg(fig->has_value == json_is_number(value) &&
                  (!fig->has_value || fig->value == json_number_value(value)),
                "the value of %lld differs", (long long)id);
  ck_assert_str_eq(fig->rating, rating != NULL ? rating : "");
}

/* The ids of the list page f, pg (as the view must show them). */
static json_t *
list_page(struct store *st, bool kpi, const struct store_filter *f, const struct store_page *pg,
          char **next)
{
  json_t *items = NULL;

  if (kpi)
    ck_assert_int_eq(store_kpi_list(st, f, pg, &items, next), RB_OK);
  else
    ck_assert_int_eq(store_milestone_list(st, f, pg, &items, next), RB_OK);
  return items;
}

/* Every KPI of year at quarter, in pages of `limit`, against the list and
 * the per-item reads; returns how many have a previous point. */
static size_t
kpis_match(struct store *st, const char *year, const char *quarter, int limit)
{
  struct store_filter f = {.year = year};
  struct store_page pg = {.limit = limit};
  size_t with_previous = 0;
  char *after = NULL;

  do {
    struct store_view_page page;
    char *next = NULL;
    json_t *items;

    pg.after = after;
    items = list_page(st, true, &f, &pg, &next);
    ck_assert_int_eq(store_kpi_view(st, &f, &pg, quarter, &page), RB_OK);
    ck_assert_uint_eq(page.n, json_array_size(items));
    ck_assert_msg((page.next == NULL) == (next == NULL) &&
                    (next == NULL || strcmp(page.next, next) == 0),
                  "the cursors differ");
    for (size_t i = 0; i < page.n; i++) {
      const struct store_view_row *row = &page.rows[i];
      json_t *cur = NULL, *prev = NULL;
      struct rag_rule rule;
      enum rb_err err = store_reading_get(st, row->id, quarter, &cur);

      ck_assert(err == RB_OK || err == RB_ERR_NOT_FOUND);
      expect_text(&page, row->item, json_array_get(items, i), "item", row->id);
      expect_text(&page, row->record, cur, "reading", row->id);
      if (cur != NULL) {
        ck_assert_int_eq(store_kpi_rule(st, row->id, quarter, &rule), RB_OK);
        expect_rule(&row->figure.rule, &rule, row->id);
        expect_figure(&row->figure, cur, row->id);
      }
      ck_assert_int_eq(store_series_previous(st, row->id, quarter, false, &prev), RB_OK);
      expect_text(&page, row->previous, prev, "previous", row->id);
      if (prev != NULL) {
        with_previous++;
        ck_assert_int_eq(store_kpi_rule(st, json_integer_value(json_object_get(prev, "kpi_id")),
                                        json_string_value(json_object_get(prev, "quarter")), &rule),
                         RB_OK);
        expect_rule(&row->previous_figure.rule, &rule, row->id);
        expect_figure(&row->previous_figure, prev, row->id);
      }
      json_decref(cur);
      json_decref(prev);
    }
    store_view_page_free(&page);
    json_decref(items);
    free(after);
    after = next;
  } while (after != NULL);
  return with_previous;
}

static void
milestones_match(struct store *st, const char *year, const char *quarter, const char *before,
                 int limit)
{
  struct store_filter f = {.year = year};
  struct store_page pg = {.limit = limit};
  char *after = NULL;

  do {
    struct store_view_page page;
    char *next = NULL;
    json_t *items;

    pg.after = after;
    items = list_page(st, false, &f, &pg, &next);
    ck_assert_int_eq(store_milestone_view(st, &f, &pg, quarter, before, &page), RB_OK);
    ck_assert_uint_eq(page.n, json_array_size(items));
    ck_assert((page.next == NULL) == (next == NULL));
    for (size_t i = 0; i < page.n; i++) {
      const struct store_view_row *row = &page.rows[i];
      json_t *cur = NULL, *prev = NULL;
      enum rb_err err = store_update_get(st, row->id, quarter, &cur);
      const char *status;

      ck_assert(err == RB_OK || err == RB_ERR_NOT_FOUND);
      err = store_update_get(st, row->id, before, &prev);
      ck_assert(err == RB_OK || err == RB_ERR_NOT_FOUND);
      expect_text(&page, row->item, json_array_get(items, i), "item", row->id);
      expect_text(&page, row->record, cur, "update", row->id);
      expect_text(&page, row->previous, prev, "previous update", row->id);
      status = json_string_value(json_object_get(cur, "status"));
      ck_assert_str_eq(row->status, status != NULL ? status : "");
      status = json_string_value(json_object_get(prev, "status"));
      ck_assert_str_eq(row->previous_status, status != NULL ? status : "");
      json_decref(cur);
      json_decref(prev);
    }
    store_view_page_free(&page);
    json_decref(items);
    free(after);
    after = next;
  } while (after != NULL);
}

START_TEST(page_reads_match_per_item_reads)
{
  static const char *const quarters[] = {"2018-19-Q1", "2018-19-Q4", "2019-20-Q1", "2019-20-Q2",
                                         "2019-20-Q3", "2019-20-Q4", "2020-21-Q1", "2020-21-Q2"};
  static const char *const years[] = {"2018-19", "2019-20", "2020-21"};
  struct store *st = NULL;
  size_t with_previous = 0;

  ck_assert_int_eq(store_open(":memory:", &mem_opt, true, &st), RB_OK);
  fixture(st);
  for (size_t y = 0; y < ARRAY_LEN(years); y++) {
    for (size_t q = 0; q < ARRAY_LEN(quarters); q++) {
      with_previous += kpis_match(st, years[y], quarters[q], 100);
      (void)kpis_match(st, years[y], quarters[q], 2); /* pages of two */
    }
  }
  ck_assert_uint_gt(with_previous, 10); /* the comparisons were not all of nothing */
  milestones_match(st, "2019-20", "2019-20-Q2", "2019-20-Q1", 100);
  milestones_match(st, "2019-20", "2019-20-Q2", "2019-20-Q1", 3);
  milestones_match(st, "2019-20", "2019-20-Q1", "2018-19-Q4", 100);
  milestones_match(st, "2018-19", "2019-20-Q1", "2018-19-Q4", 1);
  store_close(st);
}
END_TEST

/* Numbers SQLite writes with an exponent (5.0e-05, 1.0e+15) where a reply
 * from jansson writes 5e-5 and 1e15: another spelling of the same value,
 * which is all store_view.h promises for them. */
START_TEST(page_texts_keep_tiny_and_huge_values)
{
  struct store *st = NULL;
  struct store_filter f = {.year = "2019-20"};
  struct store_page pg = {.limit = 10};
  struct store_view_page page;
  json_t *cur = NULL, *prev = NULL, *item = NULL;
  int64_t id = 0;

  ck_assert_int_eq(store_open(":memory:", &mem_opt, true, &st), RB_OK);
  import_ok(st, "2019-20", "[]",
            "[{\"code\":\"T\",\"group\":\"G\",\"priorities\":[1],\"description\":\"d\","
            "\"direction\":\"increase\",\"target\":0.00002,\"readings\":["
            "{\"quarter\":\"2019-20-Q1\",\"value\":1e15},"
            "{\"quarter\":\"2019-20-Q2\",\"value\":0.00005}]}]");
  ck_assert_int_eq(store_kpi_find(st, "2019-20", "T", &id), RB_OK);
  ck_assert_int_eq(store_kpi_view(st, &f, &pg, "2019-20-Q2", &page), RB_OK);
  ck_assert_uint_eq(page.n, 1);
  ck_assert_int_eq(store_kpi_get(st, id, &item), RB_OK);
  ck_assert_int_eq(store_reading_get(st, id, "2019-20-Q2", &cur), RB_OK);
  ck_assert_int_eq(store_reading_get(st, id, "2019-20-Q1", &prev), RB_OK);
  {
    json_t *a = page_json(&page, page.rows[0].item), *b = page_json(&page, page.rows[0].record),
           *c = page_json(&page, page.rows[0].previous);

    expect_same(a, item, "item", id);
    expect_same(b, cur, "reading", id);
    expect_same(c, prev, "previous", id);
    ck_assert_double_eq(json_number_value(json_object_get(b, "value")), 0.00005);
    ck_assert_double_eq(json_number_value(json_object_get(c, "value")), 1e15);
    json_decref(a);
    json_decref(b);
    json_decref(c);
  }
  json_decref(item);
  json_decref(cur);
  json_decref(prev);
  store_view_page_free(&page);
  store_close(st);
}
END_TEST

/* The row of KPI id in page p. */
static const struct store_view_row *
row_of(const struct store_view_page *p, int64_t id)
{
  for (size_t i = 0; i < p->n; i++)
    if (p->rows[i].id == id)
      return &p->rows[i];
  ck_abort_msg("KPI %lld is not on the page", (long long)id);
  return NULL;
}

/* The cases the page read must get right, named. */
START_TEST(page_reads_previous_points)
{
  struct store *st = NULL;
  struct store_filter f = {0};
  struct store_page pg = {.limit = 100};
  struct store_view_page page;
  const struct store_view_row *row;
  int64_t h = 0, b = 0, c = 0, b_prev_kpi;
  json_t *prev;

  ck_assert_int_eq(store_open(":memory:", &mem_opt, true, &st), RB_OK);
  fixture(st);
  ck_assert_int_eq(store_kpi_find(st, "2019-20", "H", &h), RB_OK);
  ck_assert_int_eq(store_kpi_find(st, "2019-20", "B", &b), RB_OK);
  ck_assert_int_eq(store_kpi_find(st, "2020-21", "C", &c), RB_OK);
  ck_assert_int_eq(store_kpi_view(st, &f, &pg, "2019-20-Q1", &page), RB_OK);
  /* H alone: no reading for Q1; its previous with a value is history of
   * an earlier plan year, past the reading with none */
  row = row_of(&page, h);
  ck_assert(!row->chained);
  ck_assert_uint_eq(row->record.len, 0);
  prev = page_json(&page, row->previous);
  th_expect_str(prev, "quarter", "2017-18-Q3");
  json_decref(prev);
  /* B: its own reading for Q1; the previous is A's 2018-19-Q4 (A owns it) */
  row = row_of(&page, b);
  ck_assert(row->chained);
  ck_assert_uint_gt(row->record.len, 0);
  prev = page_json(&page, row->previous);
  th_expect_str(prev, "quarter", "2018-19-Q4");
  ck_assert_double_eq(json_number_value(json_object_get(prev, "value")), 4);
  ck_assert(row->previous_figure.has_value && row->previous_figure.value == 4);
  b_prev_kpi = json_integer_value(json_object_get(prev, "kpi_id"));
  json_decref(prev);
  /* C: no reading of its own for Q1; the previous is A's, two years back */
  row = row_of(&page, c);
  ck_assert_uint_eq(row->record.len, 0);
  prev = page_json(&page, row->previous);
  th_expect_str(prev, "quarter", "2018-19-Q4");
  th_expect_int(prev, "kpi_id", b_prev_kpi);
  json_decref(prev);
  store_view_page_free(&page);
  /* an empty page reads nothing; a free of NULL is nothing */
  f.year = "2030-31";
  ck_assert_int_eq(store_kpi_view(st, &f, &pg, "2030-31-Q1", &page), RB_OK);
  ck_assert_uint_eq(page.n, 0);
  ck_assert_ptr_null(page.next);
  store_view_page_free(&page);
  store_view_page_free(NULL);
  store_close(st);
}
END_TEST

Suite *
view_store_suite(Suite *s)
{
  TCase *tc = th_tcase(s, "view store", NULL, NULL, 0);

  tcase_add_test(tc, page_reads_match_per_item_reads);
  tcase_add_test(tc, page_reads_previous_points);
  tcase_add_test(tc, page_texts_keep_tiny_and_huge_values);
  return s;
}
