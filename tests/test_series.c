/* KPI series across plan years (issue 18): the pure rules (periods,
 * direction of travel along a series, SPC settings and their mapping to
 * points, the summaries' trends) with tables, and the store's chains,
 * series, monthly values and summary trends on a fresh in-memory
 * database (test_series_store.c). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"
#include "jsonv.h"
#include "period.h"
#include "series.h"
#include "summary.h"
#include "trend.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

Suite *series_store_suite(Suite *s); /* test_series_store.c */
Suite *view_store_suite(Suite *s);   /* test_view_store.c */

/* ---- periods ------------------------------------------------------------------- */

START_TEST(months_parse)
{
  static const struct {
    const char *s;
    const char *quarter; /* NULL: refused */
  } rows[] = {
    {"2018-04", "2018-19-Q1"}, {"2018-06", "2018-19-Q1"},
    {"2018-07", "2018-19-Q2"}, {"2018-12", "2018-19-Q3"},
    {"2019-01", "2018-19-Q4"}, {"2019-03", "2018-19-Q4"},
    {"1990-01", "1989-90-Q4"}, {"2199-12", "2199-00-Q3"},
    {"2018-13", NULL},         {"2018-00", NULL},
    {"2018-4", NULL},          {"18-04", NULL},
    {"2018/04", NULL},         {"2018-04-01", NULL},
    {"1989-12", NULL},         {"", NULL},
    {"abcd-ef", NULL},
  };

  for (size_t i = 0; i < N(rows); i++) {
    int key = -1;
    const char *msg = period_parse_month(rows[i].s, &key);
    char q[QUARTER_LEN], back[MONTH_LEN];

    if (rows[i].quarter == NULL) {
      ck_assert_msg(msg != NULL, "%s accepted as a month", rows[i].s);
      continue;
    }
    ck_assert_msg(msg == NULL, "%s refused: %s", rows[i].s, msg);
    quarter_format(period_month_quarter(key), q);
    ck_assert_str_eq(q, rows[i].quarter);
    period_format_month(key, back);
    ck_assert_str_eq(back, rows[i].s);
  }
  ck_assert_ptr_nonnull(period_parse_month(NULL, &(int){0}));
}
END_TEST

START_TEST(periods_on_one_line)
{
  int q1, apr, mar, q4, key;
  bool monthly;
  struct quarter q;

  ck_assert_ptr_null(period_parse("2018-19-Q1", &q1, &monthly));
  ck_assert(!monthly);
  ck_assert_ptr_null(period_parse("2018-04", &apr, &monthly));
  ck_assert(monthly);
  ck_assert_int_eq(q1, apr); /* a quarter is where its first month is */
  ck_assert_ptr_null(period_parse("2018-19-Q4", &q4, &monthly));
  ck_assert_ptr_null(period_parse("2019-03", &mar, &monthly));
  ck_assert_int_eq(mar, q4 + 2);
  quarter_parse_year("2018-19", &key);
  ck_assert_int_eq(period_year_last_month(key), mar);
  ck_assert_ptr_nonnull(period_parse("2018-19-Q5", &key, &monthly));
  ck_assert_ptr_nonnull(period_parse("2018-19", &key, &monthly));
  ck_assert_ptr_nonnull(period_parse(NULL, &key, &monthly));
  q = period_month_quarter(mar);
  ck_assert_int_eq(q.start_year, 2018);
  ck_assert_int_eq(q.n, 4);
}
END_TEST

/* ---- a series ------------------------------------------------------------------ */

/* Points "2018-19-Qn", n from 1, member 0; NAN: no value. */
static void
make(struct series *s, enum rag_direction dir, bool has_target, double target, const double *values,
     size_t n, bool monthly)
{
  memset(s, 0, sizeof(*s));
  s->monthly = monthly;
  s->nmembers = 1;
  s->members[0].id = 7;
  snprintf(s->members[0].year, sizeof(s->members[0].year), "2018-19");
  snprintf(s->members[0].code, sizeof(s->members[0].code), "K<1>");
  for (size_t i = 0; i < n; i++) {
    struct series_point p;
    struct quarter q = {2018 + (int)(i / 4), (int)(i % 4) + 1};

    memset(&p, 0, sizeof(p));
    quarter_format(q, p.period);
    p.key = period_quarter_key(q);
    p.has_value = !isnan(values[i]);
    p.value = p.has_value ? values[i] : 0;
    p.reported = RAG_NONE;
    p.rule.direction = dir;
    p.rule.has_target = has_target;
    p.rule.target = target;
    p.rule.tolerance = 2; /* relative, the default */
    ck_assert_int_eq(series_push(s, &p), RB_OK);
  }
  series_rate(s);
}

START_TEST(travel_along_a_series)
{
  static const double v[] = {90, 92, NAN, 92, 89, 89.5};
  static const enum trend_travel up[] = {TREND_NONE, TREND_IMPROVING, TREND_NONE,
                                         TREND_SAME, TREND_WORSENING, TREND_IMPROVING};
  static const enum trend_travel down[] = {TREND_NONE, TREND_WORSENING, TREND_NONE,
                                           TREND_SAME, TREND_IMPROVING, TREND_WORSENING};
  /* maintain, target 90: distances 0, 2, -, 2, 1, 0.5 */
  static const enum trend_travel keep[] = {TREND_NONE, TREND_WORSENING, TREND_NONE,
                                           TREND_SAME, TREND_IMPROVING, TREND_IMPROVING};
  struct series s;

  make(&s, RAG_DIR_INCREASE, true, 91, v, N(v), false);
  for (size_t i = 0; i < N(v); i++)
    ck_assert_msg(s.points[i].travel == up[i], "increase, point %zu", i);
  /* rated under its rule: 90 A (2% of 91), 92 G, none, ... */
  ck_assert_int_eq(s.points[0].computed, RAG_A);
  ck_assert_int_eq(s.points[1].computed, RAG_G);
  ck_assert_int_eq(s.points[2].computed, RAG_NONE);
  /* the latest earlier point with a value, skipping the gap */
  ck_assert_int_eq(series_previous(&s, s.points[3].key), 1);
  ck_assert_int_eq(series_previous(&s, s.points[0].key), -1);
  ck_assert_int_eq(series_previous(&s, s.points[5].key + 100), 5);
  series_free(&s);
  make(&s, RAG_DIR_DECREASE, true, 91, v, N(v), false);
  for (size_t i = 0; i < N(v); i++)
    ck_assert_msg(s.points[i].travel == down[i], "decrease, point %zu", i);
  series_free(&s);
  make(&s, RAG_DIR_MAINTAIN, true, 90, v, N(v), false);
  for (size_t i = 0; i < N(v); i++)
    ck_assert_msg(s.points[i].travel == keep[i], "maintain, point %zu", i);
  series_free(&s);
  /* no direction: no verdict; months are never rated */
  make(&s, RAG_DIR_NONE, true, 90, v, N(v), true);
  for (size_t i = 0; i < N(v); i++) {
    ck_assert_int_eq(s.points[i].travel, TREND_NONE);
    ck_assert_int_eq(s.points[i].computed, RAG_NONE);
  }
  series_free(&s);
}
END_TEST

START_TEST(point_json_and_chain)
{
  static const double v[] = {20, NAN};
  struct series s;
  json_t *j;

  make(&s, RAG_DIR_INCREASE, true, 25, v, N(v), false);
  j = series_point_json(&s, 0);
  th_expect_str(j, "period", "2018-19-Q1");
  th_expect_int(j, "kpi_id", 7);
  th_expect_str(j, "code", "K<1>");
  th_expect_num(j, "value", 20);
  th_expect_num(j, "target", 25);
  th_expect_null(j, "rating");
  th_expect_str(j, "computed_rating", "R");
  th_expect_str(j, "effective_rating", "R");
  th_expect_null(j, "direction_of_travel");
  ck_assert_uint_eq(json_object_size(j), 12);
  json_decref(j);
  j = series_point_json(&s, 1);
  th_expect_null(j, "value");
  th_expect_null(j, "computed_rating");
  th_expect_str(j, "effective_rating", "TBC");
  json_decref(j);
  j = series_chain_json(&s);
  ck_assert_uint_eq(json_array_size(j), 1);
  th_expect_str(j, "[0].year", "2018-19");
  json_decref(j);
  series_free(&s);
  series_free(NULL);
}
END_TEST

/* ---- SPC settings ------------------------------------------------------------------- */

START_TEST(spc_settings_checked)
{
  static const struct {
    const char *json;
    const char *field; /* NULL: valid */
  } rows[] = {
    {"{}", NULL},
    {"{\"shift_points\":5,\"trend_points\":9,\"minimum_points\":10}", NULL},
    {"{\"shift_points\":7.0}", NULL},
    {"{\"baseline_points\":0}", NULL},
    {"{\"baseline_points\":12,\"minimum_points\":15}", NULL},
    {"{\"recalculate_from\":[\"2019-20-Q1\",\"2020-04\"]}", NULL},
    {"{\"shift_points\":null,\"recalculate_from\":null}", NULL},
    {"{\"shift_points\":4}", "spc.shift_points"},
    {"{\"shift_points\":10}", "spc.shift_points"},
    {"{\"trend_points\":4}", "spc.trend_points"},
    {"{\"trend_points\":10}", "spc.trend_points"},
    {"{\"minimum_points\":9}", "spc.minimum_points"},
    {"{\"minimum_points\":0}", "spc.minimum_points"},
    {"{\"baseline_points\":5}", "spc.baseline_points"},
    {"{\"shift_points\":6.5}", "spc.shift_points"},
    {"{\"shift_points\":\"6\"}", "spc.shift_points"},
    {"{\"shift_point\":6}", "spc.shift_point"},
    {"{\"recalculate_from\":\"2019-20-Q1\"}", "spc.recalculate_from"},
    {"{\"recalculate_from\":[\"2019-20-Q5\"]}", "spc.recalculate_from[0]"},
    {"{\"recalculate_from\":[\"2019-20-Q2\",\"2019-20-Q1\"]}", "spc.recalculate_from[1]"},
    {"{\"recalculate_from\":[\"2019-20-Q1\",\"2019-04\"]}", "spc.recalculate_from[1]"},
  };

  for (size_t i = 0; i < N(rows); i++) {
    json_t *spc = json_loads(rows[i].json, 0, NULL), *errors = json_array();
    size_t n = series_check_spc(spc, "", errors);

    if (rows[i].field == NULL) {
      ck_assert_msg(n == 0, "%s refused: %s", rows[i].json,
                    json_string_value(json_object_get(json_array_get(errors, 0), "message")));
    } else {
      ck_assert_msg(n == 1, "%s: %zu problems", rows[i].json, n);
      ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "field")),
                       rows[i].field);
    }
    json_decref(spc);
    json_decref(errors);
  }
}
END_TEST

START_TEST(spc_settings_every_problem_named_with_prefix)
{
  json_t *spc = json_loads("{\"shift_points\":4,\"trend_points\":11,\"minimum_points\":3,"
                           "\"baseline_points\":2,\"recalculate_from\":null}",
                           0, NULL),
         *errors = json_array();

  ck_assert_uint_eq(series_check_spc(spc, "kpis[2]", errors), 4);
  ck_assert(jv_has_error(errors, "kpis[2].spc.shift_points"));
  ck_assert(jv_has_error(errors, "kpis[2].spc.trend_points"));
  ck_assert(jv_has_error(errors, "kpis[2].spc.minimum_points"));
  ck_assert(jv_has_error(errors, "kpis[2].spc.baseline_points"));
  /* null members mean MDC's defaults: dropped */
  ck_assert_ptr_null(json_object_get(spc, "recalculate_from"));
  json_decref(spc);
  json_decref(errors);
}
END_TEST

START_TEST(spc_input_maps_periods_to_points)
{
  /* 2018-19-Q1 .. 2020-21-Q4, no value at 2019-20-Q1 (index 4) */
  static const double v[] = {1, 2, 3, 4, NAN, 6, 7, 8, 9, 10, 11, 12};
  struct series s;
  struct series_spc in;
  json_t *settings =
    json_loads("{\"shift_points\":7,\"minimum_points\":10,\"baseline_points\":10,"
               "\"recalculate_from\":[\"2018-10\",\"2019-20-Q1\",\"2019-20-Q2\",\"2030-31-Q1\"]}",
               0, NULL);

  make(&s, RAG_DIR_INCREASE, true, 5, v, N(v), false);
  ck_assert_int_eq(series_spc_input(&s, settings, &in), RB_OK);
  ck_assert_uint_eq(in.n, 11);
  ck_assert_str_eq(in.periods[4], "2019-20-Q2");
  ck_assert_double_eq(in.x[4], 6);
  ck_assert_int_eq(in.settings.shift_points, 7);
  ck_assert_int_eq(in.settings.trend_points, SPC_TREND_POINTS);
  ck_assert_int_eq(in.settings.minimum_points, 10);
  ck_assert_int_eq(in.settings.baseline_points, 10);
  /* 2018-10 (a month on a quarterly series) is 2018-19-Q3, point 2;
   * 2019-20-Q1 has no value: the first at or after it is 2019-20-Q2, point
   * 4, as is 2019-20-Q2 itself (counted once); a future period maps past
   * the last point (spc_compute ignores it). */
  ck_assert_uint_eq(in.settings.nrecalculate, 3);
  ck_assert_uint_eq(in.settings.recalculate_at[0], 2);
  ck_assert_uint_eq(in.settings.recalculate_at[1], 4);
  ck_assert_uint_eq(in.settings.recalculate_at[2], 11);
  ck_assert(in.has_target);
  ck_assert_double_eq(in.target, 5);
  series_spc_free(&in);
  /* no settings: MDC's defaults */
  ck_assert_int_eq(series_spc_input(&s, NULL, &in), RB_OK);
  ck_assert_int_eq(in.settings.minimum_points, SPC_MINIMUM_POINTS);
  ck_assert_uint_eq(in.settings.nrecalculate, 0);
  series_spc_free(&in);
  ck_assert_int_eq(series_spc_direction(RAG_DIR_DECREASE), SPC_DIR_DECREASE);
  ck_assert_int_eq(series_spc_direction(RAG_DIR_MAINTAIN), SPC_DIR_NONE);
  series_free(&s);
  json_decref(settings);
}
END_TEST

START_TEST(chart_points_of_a_series)
{
  static const double v[] = {3, NAN};
  struct series s;
  struct chart_point *pts = NULL;

  make(&s, RAG_DIR_INCREASE, true, 5, v, N(v), false);
  ck_assert_int_eq(series_chart_points(&s, &pts), RB_OK);
  ck_assert_str_eq(pts[0].period, "2018-19-Q1");
  ck_assert(pts[0].has_value && pts[0].has_target);
  ck_assert(!pts[1].has_value);
  free(pts);
  series_free(&s);
}
END_TEST

/* ---- the summaries' trends ------------------------------------------------------ */

static const struct summary_group tgroups[] = {{"AAA", "Alpha", true}, {"BBB", "Beta", true}};
static const struct summary_priority tprios[] = {{0, 1, "One"}, {1, 1, "Uno"}};
static const int64_t one[] = {1};
static const struct summary_item titems[] = {
  {false, 1, 0, one, 1, "M1", "m one", RAG_R, false, NULL, NULL, true},
  {false, 2, 0, one, 1, "M2", "m two", RAG_TBC, false, NULL, NULL, false},
  {false, 3, 1, one, 1, "M3", "m three", RAG_G, false, NULL, NULL, true},
  {true, 4, 0, one, 1, "K1", "k one", RAG_R, false, "5", NULL, true},
  {true, 5, 0, one, 1, "K2", "k two", RAG_TBC, false, NULL, NULL, false},
  {true, 6, 1, one, 1, "K3", "k three", RAG_G, false, NULL, NULL, true},
};
static const struct summary_trend ttrends[] = {
  {TREND_WORSENING, true, RAG_G},     {TREND_NONE, false, RAG_NONE}, {TREND_SAME, true, RAG_G},
  {TREND_IMPROVING, false, RAG_NONE}, {TREND_NONE, false, RAG_NONE}, {TREND_WORSENING, false, 0},
};
static const struct summary_input tin = {
  .quarter = "2018-19-Q2",
  .year = "2018-19",
  .groups = tgroups,
  .ngroups = N(tgroups),
  .priorities = tprios,
  .npriorities = N(tprios),
  .items = titems,
  .nitems = N(titems),
  .trends = ttrends,
};
/* The previous quarter, groups in another order: BBB all green, AAA not reported. */
static const struct summary_group pgroups[] = {{"BBB", "Beta", true}, {"AAA", "Alpha", true}};
static const struct summary_item pitems[] = {
  {false, 1, 1, one, 1, "M1", "m one", RAG_TBC, false, NULL, NULL, false},
  {false, 3, 0, one, 1, "M3", "m three", RAG_G, false, NULL, NULL, true},
  {true, 6, 0, one, 1, "K3", "k three", RAG_G, false, NULL, NULL, true},
};
static const struct summary_input pin = {
  .quarter = "2018-19-Q1",
  .year = "2018-19",
  .groups = pgroups,
  .ngroups = N(pgroups),
  .items = pitems,
  .nitems = N(pitems),
};

START_TEST(summary_trends)
{
  const struct summary_compare cmp = {&pin, NULL};
  json_t *j = summary_json_trends(&tin, &cmp), *g;

  /* not reported beside TBC, which still counts them */
  th_expect_int(j, "overall.milestones.not_reported", 1);
  th_expect_int(j, "overall.milestones.counts.TBC", 1);
  th_expect_int(j, "overall.kpis.not_reported", 1);
  th_expect_int(j, "groups[0].milestones.not_reported", 1);
  th_expect_int(j, "groups[0].milestones.by_priority[0].not_reported", 1);
  th_expect_int(j, "groups[1].kpis.not_reported", 0);
  /* direction of travel, per group and overall, adding up to the total */
  th_expect_int(j, "overall.milestones.direction_of_travel.worsening", 1);
  th_expect_int(j, "overall.milestones.direction_of_travel.same", 1);
  th_expect_int(j, "overall.milestones.direction_of_travel.no_comparison", 1);
  th_expect_int(j, "overall.kpis.direction_of_travel.improving", 1);
  th_expect_int(j, "overall.kpis.direction_of_travel.worsening", 1);
  th_expect_int(j, "groups[0].kpis.direction_of_travel.improving", 1);
  th_expect_int(j, "groups[0].kpis.direction_of_travel.no_comparison", 1);
  th_expect_int(j, "groups[1].kpis.direction_of_travel.worsening", 1);
  /* exceptions say how they got there */
  th_expect_str(j, "groups[0].exceptions[0].status_change.text", "G\u2192R");
  th_expect_str(j, "groups[0].exceptions[0].status_change.travel", "worsening");
  th_expect_str(j, "groups[0].exceptions[1].direction_of_travel", "improving");
  /* the overall comparison and each group's, by code */
  th_expect_str(j, "comparison.previous_quarter.quarter", "2018-19-Q1");
  th_expect_num(j, "comparison.previous_quarter.milestones_on_track_or_complete_percent", 50.0);
  th_expect_null(j, "comparison.same_quarter_last_year");
  g = th_jget(j, "groups[0].comparison.previous_quarter");
  th_expect_null(g, "milestones_on_track_or_complete_percent"); /* none reported */
  th_expect_null(g, "kpis_on_track_percent");                   /* none at all */
  g = th_jget(j, "groups[1].comparison.previous_quarter");
  th_expect_num(g, "milestones_on_track_or_complete_percent", 100.0);
  th_expect_num(g, "kpis_on_track_percent", 100.0);
  th_expect_null(j, "groups[1].comparison.same_quarter_last_year");
  json_decref(j);

  /* one group's answer carries the same block */
  j = summary_group_json_trends(&tin, 1, &cmp);
  th_expect_num(j, "comparison.previous_quarter.kpis_on_track_percent", 100.0);
  json_decref(j);
  j = summary_exceptions_trends_json(&tin);
  th_expect_str(j, "[0].status_change.from", "G");
  th_expect_str(j, "[0].status_change.to", "R");
  json_decref(j);
  /* the report's shapes are as they were */
  j = summary_json(&tin, NULL, NULL);
  ck_assert_ptr_null(th_jget(j, "overall.kpis.not_reported"));
  ck_assert_ptr_null(th_jget(j, "groups[0].comparison"));
  ck_assert_ptr_null(th_jget(j, "groups[0].exceptions[1].direction_of_travel"));
  json_decref(j);
}
END_TEST

START_TEST(status_change_json)
{
  json_t *j = trend_status_change_json(RAG_A, RAG_G);

  th_expect_str(j, "text", "A\u2192G");
  th_expect_str(j, "travel", "improving");
  json_decref(j);
  j = trend_status_change_json(RAG_G, RAG_TBC);
  th_expect_str(j, "text", "G\u2192TBC");
  th_expect_null(j, "travel");
  json_decref(j);
  j = trend_status_change_json(RAG_NONE, RAG_G);
  ck_assert(json_is_null(j));
  json_decref(j);
}
END_TEST

static Suite *
series_suite(void)
{
  Suite *s = suite_create("series");
  TCase *tc = th_tcase(s, "pure", NULL, NULL, 0);

  tcase_add_test(tc, months_parse);
  tcase_add_test(tc, periods_on_one_line);
  tcase_add_test(tc, travel_along_a_series);
  tcase_add_test(tc, point_json_and_chain);
  tcase_add_test(tc, spc_settings_checked);
  tcase_add_test(tc, spc_settings_every_problem_named_with_prefix);
  tcase_add_test(tc, spc_input_maps_periods_to_points);
  tcase_add_test(tc, chart_points_of_a_series);
  tcase_add_test(tc, summary_trends);
  tcase_add_test(tc, status_change_json);
  return view_store_suite(series_store_suite(s));
}

int
main(void)
{
  return th_run(series_suite());
}
