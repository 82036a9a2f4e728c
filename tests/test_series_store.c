/* The store's side of KPI series (issue 18), on a fresh in-memory
 * database: chains and their rules, the series by the ownership rule,
 * the point before a period, monthly values, the reporting versions a
 * chain's figures move, and the summary's direction of travel against the
 * series' own answer. Part of the series suite (test_series.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "domain_validate.h"
#include "harness.h"
#include "import.h"
#include "jsonv.h"
#include "period.h"
#include "series.h"
#include "store.h"
#include "summary.h"
#include "util.h"

Suite *series_store_suite(Suite *s);

#define NOW "2024-01-01T00:00:00.000Z"

static const struct db_options mem_opt = {
  .synchronous_full = false, .busy_timeout_ms = 2000, .readonly = false, .create = true};

static struct store *
mem_store(void)
{
  struct store *st = NULL;

  ck_assert_int_eq(store_open(":memory:", &mem_opt, true, &st), RB_OK);
  return st;
}

/* Import one plan year: group G, priority 1, milestones and kpis as given
 * (JSON text of the arrays). Returns the errors (new), empty on success. */
static json_t *
import_year(struct store *st, const char *year, const char *milestones, const char *kpis)
{
  char *text = util_asprintf("{\"format\":\"icp-performance-dataset/1\",\"financial_year\":\"%s\","
                             "\"groups\":[{\"code\":\"G\",\"name\":\"Group\"}],"
                             "\"priorities\":[{\"group\":\"G\",\"number\":1,\"title\":\"P\"}],"
                             "\"milestones\":%s,\"kpis\":%s}",
                             year, milestones, kpis);
  json_error_t jerr;
  json_t *doc = json_loads(text, 0, &jerr), *errors = json_array(), *counts = NULL;
  enum rb_err err;

  ck_assert_msg(doc != NULL, "bad test JSON: %s", jerr.text);
  ck_assert_int_eq(store_begin(st, true), RB_OK);
  err = import_dataset(st, doc, NOW, "test", NULL, errors, &counts);
  if (err == RB_OK)
    ck_assert_int_eq(store_commit(st), RB_OK);
  else
    store_rollback(st);
  json_decref(counts);
  json_decref(doc);
  free(text);
  return errors;
}

static void
import_ok(struct store *st, const char *year, const char *milestones, const char *kpis)
{
  json_t *errors = import_year(st, year, milestones, kpis);
  char *dump = json_dumps(errors, 0);

  ck_assert_msg(json_array_size(errors) == 0, "import %s: %s", year, dump);
  free(dump);
  json_decref(errors);
}

static int64_t
kpi_id(struct store *st, const char *year, const char *code)
{
  int64_t id = 0;

  ck_assert_int_eq(store_kpi_find(st, year, code, &id), RB_OK);
  return id;
}

#define KPI(code, extra, readings)                                                   \
  "{\"code\":\"" code "\",\"group\":\"G\",\"priorities\":[1],\"description\":\"d\"," \
  "\"direction\":\"increase\",\"target\":50" extra ",\"readings\":[" readings "]}"
#define R(q, v) "{\"quarter\":\"" q "\",\"value\":" #v "}"
#define CONT(y, c) ",\"continues\":{\"year\":\"" y "\",\"code\":\"" c "\"}"

/* A (2018-19) <- B (2019-20) <- C (2020-21), with readings the ownership
 * rule keeps and drops. */
static void
three_years(struct store *st)
{
  import_ok(st, "2018-19", "[]",
            "[" KPI("A", "",
                    R("2018-19-Q1", 1) "," R("2018-19-Q2", 2) "," R("2018-19-Q3", 3) "," R(
                      "2018-19-Q4", 4)) "," KPI("E", "", "") "]");
  import_ok(st, "2019-20", "[]",
            "[" KPI("B", CONT("2018-19", "A"),
                    R("2016-17-Q1", 100) "," R("2018-19-Q4", 40) "," R("2019-20-Q1", 5) "," R(
                      "2019-20-Q2", 6)) "," KPI("F", "", "") "]");
  import_ok(st, "2020-21", "[]",
            "[" KPI("C", CONT("2019-20", "B"),
                    R("2019-20-Q3", 60) "," R("2020-21-Q1", 7) "," R("2021-22-Q1", 8)) "]");
}

/* v, held in values (which the test releases): the store borrows the
 * values it is given. */
static json_t *
held(json_t *values, json_t *v)
{
  json_array_append_new(values, v);
  return v;
}

/* The message of the one error that names field, or NULL. */
static const char *
message_for(const json_t *errors, const char *field)
{
  size_t i;
  json_t *e;

  json_array_foreach((json_t *)errors, i, e)
  {
    if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0)
      return json_string_value(json_object_get(e, "message"));
  }
  return NULL;
}

static void
expect_chain_error(struct store *st, int64_t self, const char *year, const char *cyear,
                   const char *ccode, const char *fragment)
{
  json_t *obj = json_pack("{s:s, s:{s:s, s:s}}", "year", year, "continues", "year", cyear, "code",
                          ccode),
         *errors = json_array();
  size_t n = domain_validate_kpi_chain(st, self, obj, "", errors);
  const char *msg = message_for(errors, "continues");

  if (fragment == NULL) {
    ck_assert_msg(n == 0, "%s %s refused: %s", cyear, ccode, msg);
  } else {
    ck_assert_msg(n == 1 && msg != NULL, "%s %s: %zu problems", cyear, ccode, n);
    ck_assert_msg(strstr(msg, fragment) != NULL, "%s %s: \"%s\" lacks \"%s\"", cyear, ccode, msg,
                  fragment);
  }
  json_decref(obj);
  json_decref(errors);
}

START_TEST(chain_walk_and_rules)
{
  struct store *st = mem_store();
  struct series s;
  size_t self;
  int64_t a, b, c, up, by;
  json_t *errors;

  three_years(st);
  a = kpi_id(st, "2018-19", "A");
  b = kpi_id(st, "2019-20", "B");
  c = kpi_id(st, "2020-21", "C");
  /* the chain from its middle, oldest first */
  memset(&s, 0, sizeof(s));
  ck_assert_int_eq(store_kpi_chain(st, b, &s, &self), RB_OK);
  ck_assert_uint_eq(s.nmembers, 3);
  ck_assert_uint_eq(self, 1);
  ck_assert(s.members[0].id == a && s.members[1].id == b && s.members[2].id == c);
  ck_assert_str_eq(s.members[2].year, "2020-21");
  ck_assert_int_eq(store_kpi_chain(st, a, &s, &self), RB_OK);
  ck_assert_uint_eq(self, 0);
  ck_assert_uint_eq(s.nmembers, 3);
  ck_assert_int_eq(store_kpi_links(st, b, &up, &by), RB_OK);
  ck_assert(up == a && by == c);
  ck_assert_int_eq(store_kpi_chain(st, 999999, &s, &self), RB_ERR_NOT_FOUND);

  /* a cycle through the chain, and of one */
  expect_chain_error(st, a, "2018-19", "2020-21", "C", "cycle");
  expect_chain_error(st, a, "2018-19", "2018-19", "A", "itself");
  /* a later (or the same) plan year */
  expect_chain_error(st, a, "2018-19", "2019-20", "F", "earlier plan year");
  expect_chain_error(st, 0, "2019-20", "2019-20", "F", "earlier plan year");
  /* a KPI continued twice */
  expect_chain_error(st, kpi_id(st, "2019-20", "F"), "2019-20", "2018-19", "A", "continued by");
  expect_chain_error(st, 0, "2019-20", "2018-19", "A", "continued by");
  /* the link as it is, and a free KPI */
  expect_chain_error(st, b, "2019-20", "2018-19", "A", NULL);
  expect_chain_error(st, 0, "2019-20", "2018-19", "E", NULL);

  /* the importer names the JSON path: a missing KPI, a later one */
  errors = import_year(st, "2021-22", "[]", "[" KPI("D", CONT("2017-18", "Z"), "") "]");
  ck_assert_ptr_nonnull(message_for(errors, "kpis[0].continues"));
  ck_assert_ptr_nonnull(strstr(message_for(errors, "kpis[0].continues"), "no KPI Z"));
  json_decref(errors);
  errors = import_year(st, "2018-19", "[]", "[" KPI("A", CONT("2020-21", "C"), "") "]");
  ck_assert_ptr_nonnull(strstr(message_for(errors, "kpis[0].continues"), "cycle"));
  json_decref(errors);
  errors =
    import_year(st, "2018-19", "[]", "[" KPI("A", ",\"continues\":{\"year\":\"2017\"}", "") "]");
  ck_assert_ptr_nonnull(message_for(errors, "kpis[0].continues.year"));
  ck_assert_ptr_nonnull(message_for(errors, "kpis[0].continues.code"));
  json_decref(errors);
  store_close(st);
}
END_TEST

START_TEST(series_by_ownership)
{
  static const struct {
    const char *period, *code;
    double value;
  } want[] = {
    {"2018-19-Q1", "A", 1}, {"2018-19-Q2", "A", 2}, {"2018-19-Q3", "A", 3}, {"2018-19-Q4", "A", 4},
    {"2019-20-Q1", "B", 5}, {"2019-20-Q2", "B", 6}, {"2020-21-Q1", "C", 7}, {"2021-22-Q1", "C", 8},
  };
  struct store *st = mem_store();
  struct series s;
  json_t *prev = NULL;
  int64_t a, b, c;

  three_years(st);
  a = kpi_id(st, "2018-19", "A");
  b = kpi_id(st, "2019-20", "B");
  c = kpi_id(st, "2020-21", "C");
  /* B's 2016-17-Q1 and 2018-19-Q4 are A's periods, C's 2019-20-Q3 B's */
  ck_assert_int_eq(store_series_load(st, c, false, &s), RB_OK);
  ck_assert_uint_eq(s.npoints, sizeof(want) / sizeof(want[0]));
  for (size_t i = 0; i < s.npoints; i++) {
    ck_assert_str_eq(s.points[i].period, want[i].period);
    ck_assert_str_eq(s.members[s.points[i].member].code, want[i].code);
    ck_assert_double_eq(s.points[i].value, want[i].value);
  }
  /* rated under each owner's rule: target 50 in its own year only */
  ck_assert(s.points[0].rule.has_target);
  ck_assert_int_eq(s.points[0].computed, RAG_R);
  ck_assert(!s.points[7].rule.has_target);
  ck_assert_int_eq(s.points[4].travel, TREND_IMPROVING);
  series_free(&s);
  /* the same series from any member */
  ck_assert_int_eq(store_series_load(st, a, false, &s), RB_OK);
  ck_assert_uint_eq(s.npoints, sizeof(want) / sizeof(want[0]));
  series_free(&s);

  /* the point before a period, across members */
  ck_assert_int_eq(store_series_previous(st, b, "2019-20-Q1", false, &prev), RB_OK);
  ck_assert_int_eq(th_jint(prev, "kpi_id"), a);
  th_expect_str(prev, "quarter", "2018-19-Q4");
  th_expect_num(prev, "value", 4);
  json_decref(prev);
  ck_assert_int_eq(store_series_previous(st, c, "2020-21-Q1", false, &prev), RB_OK);
  th_expect_str(prev, "quarter", "2019-20-Q2");
  json_decref(prev);
  ck_assert_int_eq(store_series_previous(st, a, "2021-22-Q2", false, &prev), RB_OK);
  th_expect_str(prev, "quarter", "2021-22-Q1");
  json_decref(prev);
  ck_assert_int_eq(store_series_previous(st, a, "2018-19-Q1", false, &prev), RB_OK);
  ck_assert_ptr_null(prev);
  store_close(st);
}
END_TEST

START_TEST(monthly_values_and_their_series)
{
  struct store *st = mem_store();
  json_t *values = json_array();
  json_t *out = NULL, *items = NULL, *prev = NULL;
  struct series s;
  int64_t a, b;

  import_ok(st, "2018-19", "[]", "[" KPI("A", ",\"frequency\":\"monthly\"", "") "]");
  import_ok(st, "2019-20", "[]",
            "[" KPI("B", CONT("2018-19", "A") ",\"frequency\":\"monthly\"", "") "]");
  a = kpi_id(st, "2018-19", "A");
  b = kpi_id(st, "2019-20", "B");
  ck_assert_int_eq(store_begin(st, true), RB_OK);
  ck_assert_int_eq(store_month_put(st, a, "2019-02", "2018-19-Q4", held(values, json_real(3)), NULL,
                                   "feb", "t", NOW, false, &out),
                   RB_OK);
  th_expect_str(out, "month", "2019-02");
  th_expect_str(out, "quarter", "2018-19-Q4");
  th_expect_str(out, "comment", "feb");
  json_decref(out);
  /* the same again: no change, nothing back */
  ck_assert_int_eq(store_month_put(st, a, "2019-02", "2018-19-Q4", held(values, json_real(3)), NULL,
                                   "feb", "t", NOW, false, &out),
                   RB_OK);
  ck_assert_ptr_null(out);
  /* A's 2019-03 is its own; B's 2019-03 is A's period: not in the series */
  ck_assert_int_eq(store_month_put(st, a, "2019-03", "2018-19-Q4", held(values, json_real(4)), NULL,
                                   NULL, "t", NOW, false, NULL),
                   RB_OK);
  ck_assert_int_eq(store_month_put(st, b, "2019-03", "2018-19-Q4", held(values, json_real(40)),
                                   NULL, NULL, "t", NOW, false, NULL),
                   RB_OK);
  ck_assert_int_eq(store_month_put(st, b, "2019-04", "2019-20-Q1", held(values, json_real(5)), NULL,
                                   NULL, "t", NOW, false, NULL),
                   RB_OK);
  ck_assert_int_eq(store_commit(st), RB_OK);
  ck_assert_int_eq(store_month_list(st, b, &items), RB_OK);
  ck_assert_uint_eq(json_array_size(items), 2);
  json_decref(items);
  ck_assert_int_eq(store_series_load(st, b, true, &s), RB_OK);
  ck_assert(s.monthly);
  ck_assert_uint_eq(s.npoints, 3);
  ck_assert_str_eq(s.points[1].period, "2019-03");
  ck_assert_double_eq(s.points[1].value, 4);
  ck_assert_str_eq(s.points[2].period, "2019-04");
  ck_assert_int_eq(s.points[2].travel, TREND_IMPROVING);
  ck_assert_int_eq(s.points[2].computed, RAG_NONE); /* months are not rated */
  series_free(&s);
  /* the quarterly series of the same chain has nothing */
  ck_assert_int_eq(store_series_load(st, b, false, &s), RB_OK);
  ck_assert_uint_eq(s.npoints, 0);
  series_free(&s);
  ck_assert_int_eq(store_series_previous(st, b, "2019-04", true, &prev), RB_OK);
  th_expect_str(prev, "month", "2019-03");
  th_expect_num(prev, "value", 4);
  json_decref(prev);
  ck_assert_int_eq(store_begin(st, true), RB_OK);
  ck_assert_int_eq(store_month_delete(st, b, "2019-04"), RB_OK);
  ck_assert_int_eq(store_month_delete(st, b, "2019-04"), RB_ERR_NOT_FOUND);
  ck_assert_int_eq(store_commit(st), RB_OK);
  ck_assert_int_eq(store_month_get(st, b, "2019-04", &out), RB_ERR_NOT_FOUND);
  store_close(st);
  json_decref(values);
}
END_TEST

/* A figure of one KPI changes every plan year of its chain's summaries. */
START_TEST(chain_figures_move_every_year_of_the_chain)
{
  struct store *st = mem_store();
  json_t *values = json_array();
  int64_t before[3], after[3], other_before, other_after;
  static const char *const years[] = {"2018-19", "2019-20", "2020-21"};

  three_years(st);
  import_ok(st, "2021-22", "[]", "[" KPI("Z", "", "") "]");
  for (int i = 0; i < 3; i++)
    ck_assert_int_eq(store_reporting_version(st, years[i], &before[i]), RB_OK);
  ck_assert_int_eq(store_reporting_version(st, "2021-22", &other_before), RB_OK);
  ck_assert_int_eq(store_begin(st, true), RB_OK);
  ck_assert_int_eq(store_reading_put(st, kpi_id(st, "2018-19", "A"), "2018-19-Q1",
                                     held(values, json_real(9)), NULL, NULL, NULL, "t", NOW, false,
                                     NULL),
                   RB_OK);
  ck_assert_int_eq(store_commit(st), RB_OK);
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(store_reporting_version(st, years[i], &after[i]), RB_OK);
    ck_assert_msg(after[i] > before[i], "%s's version did not move", years[i]);
  }
  ck_assert_int_eq(store_reporting_version(st, "2021-22", &other_after), RB_OK);
  ck_assert_int_eq(other_after, other_before);
  /* a delete too */
  ck_assert_int_eq(store_begin(st, true), RB_OK);
  ck_assert_int_eq(store_reading_delete(st, kpi_id(st, "2020-21", "C"), "2020-21-Q1"), RB_OK);
  ck_assert_int_eq(store_commit(st), RB_OK);
  ck_assert_int_eq(store_reporting_version(st, "2018-19", &before[0]), RB_OK);
  ck_assert_int_gt(before[0], after[0]);
  store_close(st);
  json_decref(values);
}
END_TEST

/* The summary's directions of travel (its query's shortcuts, then the
 * series) are what the series says, KPI by KPI, quarter by quarter, over
 * chains with gaps, carried positions, skipped years and later history. */
START_TEST(summary_travel_matches_the_series)
{
  struct store *st = mem_store();
  static const char *const quarters[] = {"2019-20-Q1", "2019-20-Q2", "2019-20-Q3",
                                         "2019-20-Q4", "2017-18-Q3", "2018-19-Q4"};
  unsigned seed = 12345;
  json_t *k17 = json_array(), *k18 = json_array(), *k19 = json_array(), *k21 = json_array();
  char *t17, *t18, *t19, *t21;
  size_t checked = 0, fallback_cases = 0;

  /* 12 chains: 2017-18 <- 2018-19 <- 2019-20 (<- 2021-22 for some, a
   * skipped year), random gaps, values and carried positions. */
  for (int c = 0; c < 12; c++) {
    char code[16];
    json_t *r17 = json_array(), *r18 = json_array(), *r19 = json_array(), *r21 = json_array();

    snprintf(code, sizeof(code), "K%d", c);
    for (int q = 1; q <= 4; q++) {
      char id[16];

      seed = seed * 1103515245u + 12345u;
      snprintf(id, sizeof(id), "2017-18-Q%d", q);
      if (seed % 3 != 0)
        json_array_append_new(r17, json_pack("{s:s, s:i}", "quarter", id, "value", seed % 7));
      snprintf(id, sizeof(id), "2018-19-Q%d", q);
      if (c % 4 != 1 && (seed >> 3) % 3 != 0)
        json_array_append_new(r18,
                              json_pack("{s:s, s:i}", "quarter", id, "value", (seed >> 5) % 7));
      snprintf(id, sizeof(id), "2019-20-Q%d", q);
      if ((seed >> 7) % 4 != 0)
        json_array_append_new(
          r19, (seed >> 9) % 5 == 0
                 ? json_pack("{s:s}", "quarter", id) /* no value */
                 : json_pack("{s:s, s:i}", "quarter", id, "value", (seed >> 11) % 7));
    }
    if (c % 3 == 0) /* a carried position, which the 2018-19 KPI owns */
      json_array_append_new(r19, json_pack("{s:s, s:i}", "quarter", "2018-19-Q4", "value", 99));
    if (c % 5 == 0) /* later history in the gap years */
      json_array_append_new(r21, json_pack("{s:s, s:i}", "quarter", "2019-20-Q2", "value", 50));
    json_array_append_new(k17, json_pack("{s:s, s:s, s:[i], s:s, s:s, s:o}", "code", code, "group",
                                         "G", "priorities", 1, "description", "d", "direction",
                                         "increase", "readings", r17));
    json_array_append_new(k18, json_pack("{s:s, s:s, s:[i], s:s, s:s, s:{s:s, s:s}, s:o}", "code",
                                         code, "group", "G", "priorities", 1, "description", "d",
                                         "direction", "decrease", "continues", "year", "2017-18",
                                         "code", code, "readings", r18));
    json_array_append_new(k19, json_pack("{s:s, s:s, s:[i], s:s, s:s, s:{s:s, s:s}, s:o}", "code",
                                         code, "group", "G", "priorities", 1, "description", "d",
                                         "direction", "increase", "continues", "year", "2018-19",
                                         "code", code, "readings", r19));
    if (c % 2 == 0)
      json_array_append_new(k21, json_pack("{s:s, s:s, s:[i], s:s, s:{s:s, s:s}, s:o}", "code",
                                           code, "group", "G", "priorities", 1, "description", "d",
                                           "continues", "year", "2019-20", "code", code, "readings",
                                           r21));
    else
      json_decref(r21);
  }
  t17 = json_dumps(k17, 0);
  t18 = json_dumps(k18, 0);
  t19 = json_dumps(k19, 0);
  t21 = json_dumps(k21, 0);
  import_ok(st, "2017-18", "[]", t17);
  import_ok(st, "2018-19", "[]", t18);
  import_ok(st, "2019-20", "[]", t19);
  import_ok(st, "2021-22", "[]", t21);
  for (size_t qi = 0; qi < sizeof(quarters) / sizeof(quarters[0]); qi++) {
    struct store_summary *sum = NULL;
    const struct summary_input *in;
    char year[8];

    snprintf(year, sizeof(year), "%.7s", quarters[qi]);
    ck_assert_int_eq(store_summary_load_trends(st, quarters[qi], &sum), RB_OK);
    in = store_summary_input(sum);
    ck_assert_ptr_nonnull(in->trends);
    for (size_t i = 0; i < in->nitems; i++) {
      const struct summary_item *it = &in->items[i];
      struct series s;
      json_t *cur = NULL;
      struct rag_rule rule;
      struct trend_value prev, now;
      long at;
      int key;
      bool monthly;
      enum trend_travel want = TREND_NONE;

      ck_assert(it->is_kpi);
      ck_assert_int_eq(store_series_load(st, it->id, false, &s), RB_OK);
      period_parse(quarters[qi], &key, &monthly);
      at = series_previous(&s, key);
      if (store_reading_get(st, it->id, quarters[qi], &cur) == RB_OK) {
        ck_assert_int_eq(store_kpi_rule(st, it->id, quarters[qi], &rule), RB_OK);
        now.has_value = json_is_number(json_object_get(cur, "value"));
        now.value = json_number_value(json_object_get(cur, "value"));
        prev.has_value = true;
        prev.value = at >= 0 ? s.points[at].value : 0;
        want = trend_kpi_travel(rule.direction, rule.has_target, rule.target,
                                at >= 0 ? &prev : NULL, &now);
        if (at >= 0 && s.members[s.points[at].member].id != it->id)
          fallback_cases++; /* the previous value is another year's KPI's */
      }
      ck_assert_msg(in->trends[i].travel == want, "%s %s at %s: %d, series says %d", year, it->code,
                    quarters[qi], in->trends[i].travel, want);
      json_decref(cur);
      series_free(&s);
      checked++;
    }
    store_summary_free(sum);
  }
  ck_assert_uint_eq(checked, 12 * 6);
  ck_assert_uint_gt(fallback_cases, 5);
  free(t17);
  free(t18);
  free(t19);
  free(t21);
  json_decref(k17);
  json_decref(k18);
  json_decref(k19);
  json_decref(k21);
  store_close(st);
}
END_TEST

START_TEST(summary_milestone_status_change)
{
  struct store *st = mem_store();
  struct store_summary *sum = NULL;
  const struct summary_input *in;

  import_ok(st, "2018-19",
            "[{\"code\":\"M1\",\"group\":\"G\",\"priority\":1,\"description\":\"d\","
            "\"updates\":[{\"quarter\":\"2018-19-Q1\",\"status\":\"G\"},"
            "{\"quarter\":\"2018-19-Q2\",\"status\":\"A\"}]},"
            "{\"code\":\"M2\",\"group\":\"G\",\"priority\":1,\"description\":\"d\","
            "\"updates\":[{\"quarter\":\"2018-19-Q2\",\"status\":\"B\"}]},"
            "{\"code\":\"M3\",\"group\":\"G\",\"priority\":1,\"description\":\"d\","
            "\"updates\":[{\"quarter\":\"2018-19-Q1\",\"status\":\"R\"}]}]",
            "[]");
  ck_assert_int_eq(store_summary_load_trends(st, "2018-19-Q2", &sum), RB_OK);
  in = store_summary_input(sum);
  ck_assert_uint_eq(in->nitems, 3);
  ck_assert_int_eq(in->trends[0].travel, TREND_WORSENING);
  ck_assert(in->trends[0].has_previous && in->trends[0].previous == RAG_G);
  ck_assert_int_eq(in->trends[1].travel, TREND_NONE); /* nothing before */
  ck_assert(!in->trends[1].has_previous);
  ck_assert_int_eq(in->trends[2].travel, TREND_NONE); /* not reported now */
  store_summary_free(sum);
  /* the plain loader computes no trends */
  ck_assert_int_eq(store_summary_load(st, "2018-19-Q2", &sum), RB_OK);
  ck_assert_ptr_null(store_summary_input(sum)->trends);
  store_summary_free(sum);
  store_close(st);
}
END_TEST

Suite *
series_store_suite(Suite *s)
{
  TCase *tc = th_tcase(s, "store", NULL, NULL, 0);

  tcase_add_test(tc, chain_walk_and_rules);
  tcase_add_test(tc, series_by_ownership);
  tcase_add_test(tc, monthly_values_and_their_series);
  tcase_add_test(tc, chain_figures_move_every_year_of_the_chain);
  tcase_add_test(tc, summary_travel_matches_the_series);
  tcase_add_test(tc, summary_milestone_status_change);
  return s;
}
