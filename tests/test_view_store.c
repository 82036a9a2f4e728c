/* The quarter view's page reads (store_view.h) against the per-item
 * lookups they replace (store_update_get, store_reading_get,
 * store_series_previous, store_kpi_rule), record by record and byte by
 * byte, on a fresh in-memory database with chains across plan years,
 * missing readings, readings without a value, history before the plan
 * year, quarterly targets and monthly KPIs. Part of the series suite
 * (test_series.c). */
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
#define Q_EXTRA ",\"direction\":\"decrease\",\"quarterly_targets\":{\"2019-20-Q2\":30}"
#define Q_READINGS R("2019-20-Q1", 35) "," R("2019-20-Q2", 31)
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

/* Every KPI of year at quarter, one page, against the per-item path;
 * returns how many have a previous point. */
static size_t
kpis_match(struct store *st, const char *year, const char *quarter)
{
  struct store_filter f = {.year = year};
  struct store_page pg = {.limit = 100};
  struct store_kpi_at *at;
  json_t *items = NULL, *item;
  char *next = NULL;
  size_t n, i, with_previous = 0;

  ck_assert_int_eq(store_kpi_list(st, &f, &pg, &items, &next), RB_OK);
  n = json_array_size(items);
  at = calloc(n + 1, sizeof(*at));
  json_array_foreach(items, i, item) at[i].id = json_integer_value(json_object_get(item, "id"));
  ck_assert_int_eq(store_kpis_at(st, quarter, at, n), RB_OK);
  for (i = 0; i < n; i++) {
    json_t *cur = NULL, *prev = NULL;
    struct rag_rule rule;
    enum rb_err err = store_reading_get(st, at[i].id, quarter, &cur);

    ck_assert(err == RB_OK || err == RB_ERR_NOT_FOUND);
    expect_same(at[i].reading, cur, "reading", at[i].id);
    if (cur != NULL) {
      ck_assert_int_eq(store_kpi_rule(st, at[i].id, quarter, &rule), RB_OK);
      expect_rule(&at[i].rule, &rule, at[i].id);
    }
    ck_assert_int_eq(store_series_previous(st, at[i].id, quarter, false, &prev), RB_OK);
    expect_same(at[i].previous, prev, "previous", at[i].id);
    if (prev != NULL) {
      with_previous++;
      ck_assert_int_eq(store_kpi_rule(st, json_integer_value(json_object_get(prev, "kpi_id")),
                                      json_string_value(json_object_get(prev, "quarter")), &rule),
                       RB_OK);
      expect_rule(&at[i].previous_rule, &rule, at[i].id);
    }
    json_decref(cur);
    json_decref(prev);
  }
  store_kpis_at_free(at, n);
  free(at);
  free(next);
  json_decref(items);
  return with_previous;
}

static void
milestones_match(struct store *st, const char *year, const char *quarter, const char *before)
{
  struct store_filter f = {.year = year};
  struct store_page pg = {.limit = 100};
  struct store_milestone_at *at;
  json_t *items = NULL, *item;
  char *next = NULL;
  size_t n, i;

  ck_assert_int_eq(store_milestone_list(st, &f, &pg, &items, &next), RB_OK);
  n = json_array_size(items);
  at = calloc(n + 1, sizeof(*at));
  json_array_foreach(items, i, item) at[i].id = json_integer_value(json_object_get(item, "id"));
  ck_assert_int_eq(store_milestones_at(st, quarter, before, at, n), RB_OK);
  for (i = 0; i < n; i++) {
    json_t *cur = NULL, *prev = NULL;
    enum rb_err err = store_update_get(st, at[i].id, quarter, &cur);

    ck_assert(err == RB_OK || err == RB_ERR_NOT_FOUND);
    err = store_update_get(st, at[i].id, before, &prev);
    ck_assert(err == RB_OK || err == RB_ERR_NOT_FOUND);
    expect_same(at[i].update, cur, "update", at[i].id);
    expect_same(at[i].previous, prev, "previous update", at[i].id);
    json_decref(cur);
    json_decref(prev);
  }
  store_milestones_at_free(at, n);
  free(at);
  free(next);
  json_decref(items);
}

START_TEST(page_reads_match_per_item_reads)
{
  static const char *const quarters[] = {"2018-19-Q1", "2018-19-Q4", "2019-20-Q1", "2019-20-Q2",
                                         "2019-20-Q3", "2019-20-Q4", "2020-21-Q1", "2020-21-Q2"};
  static const char *const years[] = {"2018-19", "2019-20", "2020-21"};
  struct store *st = NULL;
  struct store_kpi_at none = {0};
  size_t with_previous = 0;

  ck_assert_int_eq(store_open(":memory:", &mem_opt, true, &st), RB_OK);
  fixture(st);
  for (size_t y = 0; y < sizeof(years) / sizeof(*years); y++)
    for (size_t q = 0; q < sizeof(quarters) / sizeof(*quarters); q++)
      with_previous += kpis_match(st, years[y], quarters[q]);
  ck_assert_uint_gt(with_previous, 10); /* the comparisons were not all of nothing */
  milestones_match(st, "2019-20", "2019-20-Q2", "2019-20-Q1");
  milestones_match(st, "2019-20", "2019-20-Q1", "2018-19-Q4");
  milestones_match(st, "2018-19", "2019-20-Q1", "2018-19-Q4");
  /* an empty page reads nothing */
  ck_assert_int_eq(store_kpis_at(st, "2019-20-Q2", &none, 0), RB_OK);
  store_close(st);
}
END_TEST

/* The cases the page read must get right, named. */
START_TEST(page_reads_previous_points)
{
  struct store *st = NULL;
  struct store_kpi_at at[3] = {{0}};
  int64_t h = 0, b = 0, c = 0;

  ck_assert_int_eq(store_open(":memory:", &mem_opt, true, &st), RB_OK);
  fixture(st);
  ck_assert_int_eq(store_kpi_find(st, "2019-20", "H", &h), RB_OK);
  ck_assert_int_eq(store_kpi_find(st, "2019-20", "B", &b), RB_OK);
  ck_assert_int_eq(store_kpi_find(st, "2020-21", "C", &c), RB_OK);
  at[0].id = h;
  at[1].id = b;
  at[2].id = c;
  ck_assert_int_eq(store_kpis_at(st, "2019-20-Q1", at, 3), RB_OK);
  /* H alone: no reading for Q1; its previous with a value is history of
   * an earlier plan year, past the reading with none */
  ck_assert_ptr_null(at[0].reading);
  th_expect_str(at[0].previous, "quarter", "2017-18-Q3");
  /* B: its own reading for Q1; the previous is A's 2018-19-Q4 (A owns it) */
  ck_assert_ptr_nonnull(at[1].reading);
  th_expect_str(at[1].previous, "quarter", "2018-19-Q4");
  ck_assert_double_eq(json_number_value(json_object_get(at[1].previous, "value")), 4);
  /* C: no reading of its own for Q1; the previous is A's, two years back */
  ck_assert_ptr_null(at[2].reading);
  th_expect_str(at[2].previous, "quarter", "2018-19-Q4");
  th_expect_int(
    at[2].previous, "kpi_id",
    at[1].previous != NULL ? json_integer_value(json_object_get(at[1].previous, "kpi_id")) : -1);
  store_kpis_at_free(at, 3);
  store_close(st);
}
END_TEST

Suite *
view_store_suite(Suite *s)
{
  TCase *tc = th_tcase(s, "view store", NULL, NULL, 0);

  tcase_add_test(tc, page_reads_match_per_item_reads);
  tcase_add_test(tc, page_reads_previous_points);
  return s;
}
