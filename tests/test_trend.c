/* Direction of travel (src/trend.c): KPI readings, milestone status
 * changes, and the counts the summaries use. Pure: no I/O. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "trend.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

enum { P_NONE, P_EMPTY, P_VALUE }; /* previous: absent, without a value, with one */

static const struct kpi_row {
  const char *name;
  enum rag_direction dir;
  bool has_target;
  double target;
  int prev_kind;
  double prev;
  bool has_value;
  double value;
  enum trend_travel want;
} kpi_rows[] = {
  {"increase: higher", RAG_DIR_INCREASE, true, 95, P_VALUE, 90, true, 91, TREND_IMPROVING},
  {"increase: lower", RAG_DIR_INCREASE, true, 95, P_VALUE, 90, true, 89.5, TREND_WORSENING},
  {"increase: equal", RAG_DIR_INCREASE, true, 95, P_VALUE, 45.2, true, 45.2, TREND_SAME},
  {"increase: no target needed", RAG_DIR_INCREASE, false, 0, P_VALUE, 3, true, 4, TREND_IMPROVING},
  {"increase: the smallest step counts (exact, no tolerance)", RAG_DIR_INCREASE, false, 0, P_VALUE,
   45.2, true, 45.21, TREND_IMPROVING},
  {"increase: negative values", RAG_DIR_INCREASE, false, 0, P_VALUE, -5, true, -4, TREND_IMPROVING},
  {"decrease: lower", RAG_DIR_DECREASE, true, 10, P_VALUE, 12, true, 11, TREND_IMPROVING},
  {"decrease: higher", RAG_DIR_DECREASE, true, 10, P_VALUE, 12, true, 13, TREND_WORSENING},
  {"decrease: equal", RAG_DIR_DECREASE, true, 10, P_VALUE, 12, true, 12, TREND_SAME},
  {"maintain: closer to target", RAG_DIR_MAINTAIN, true, 95, P_VALUE, 90, true, 93,
   TREND_IMPROVING},
  {"maintain: closer from above", RAG_DIR_MAINTAIN, true, 95, P_VALUE, 99, true, 96,
   TREND_IMPROVING},
  {"maintain: further", RAG_DIR_MAINTAIN, true, 95, P_VALUE, 94, true, 92, TREND_WORSENING},
  {"maintain: crossing the target, further", RAG_DIR_MAINTAIN, true, 95, P_VALUE, 94, true, 97,
   TREND_WORSENING},
  {"maintain: equally far on either side is same", RAG_DIR_MAINTAIN, true, 95, P_VALUE, 93.9, true,
   96.1, TREND_SAME},
  {"maintain: equally far, decimals", RAG_DIR_MAINTAIN, true, 0.3, P_VALUE, 0.1, true, 0.5,
   TREND_SAME},
  {"maintain: on target twice", RAG_DIR_MAINTAIN, true, 95, P_VALUE, 95, true, 95, TREND_SAME},
  {"maintain: onto the target", RAG_DIR_MAINTAIN, true, 95, P_VALUE, 94.9, true, 95,
   TREND_IMPROVING},
  {"maintain: no target is null", RAG_DIR_MAINTAIN, false, 0, P_VALUE, 94, true, 95, TREND_NONE},
  {"no direction is null", RAG_DIR_NONE, true, 95, P_VALUE, 90, true, 91, TREND_NONE},
  {"no previous reading is null", RAG_DIR_INCREASE, true, 95, P_NONE, 0, true, 91, TREND_NONE},
  {"previous without a value is null", RAG_DIR_INCREASE, true, 95, P_EMPTY, 0, true, 91,
   TREND_NONE},
  {"no value is null", RAG_DIR_INCREASE, true, 95, P_VALUE, 90, false, 0, TREND_NONE},
  {"a value that is not finite is null", RAG_DIR_INCREASE, true, 95, P_VALUE, 90, true, NAN,
   TREND_NONE},
};

START_TEST(test_trend_kpi)
{
  const struct kpi_row *row = &kpi_rows[_i];
  struct trend_value prev = {row->prev_kind == P_VALUE, row->prev};
  struct trend_value cur = {row->has_value, row->value};
  enum trend_travel got = trend_kpi_travel(row->dir, row->has_target, row->target,
                                           row->prev_kind == P_NONE ? NULL : &prev, &cur);

  ck_assert_msg(got == row->want, "%s: got %s, want %s", row->name,
                trend_travel_name(got) ? trend_travel_name(got) : "null",
                trend_travel_name(row->want) ? trend_travel_name(row->want) : "null");
}
END_TEST

START_TEST(test_trend_previous)
{
  const struct trend_value series[] = {{true, 1},  {false, 0}, {true, 3},
                                       {false, 0}, {false, 0}, {true, 6}};

  ck_assert_ptr_null(trend_previous(series, 0));
  ck_assert_ptr_eq(trend_previous(series, 1), &series[0]);
  ck_assert_ptr_eq(trend_previous(series, 2), &series[0]); /* the gap is skipped */
  ck_assert_ptr_eq(trend_previous(series, 3), &series[2]);
  ck_assert_ptr_eq(trend_previous(series, 5), &series[2]);
  ck_assert_ptr_eq(trend_previous(series, 6), &series[5]);
  ck_assert_ptr_null(trend_previous(series + 1, 1)); /* only an empty one before */
  /* after a gap the reading is judged against the last known value */
  ck_assert_int_eq(
    trend_kpi_travel(RAG_DIR_DECREASE, false, 0, trend_previous(series, 5), &series[5]),
    TREND_WORSENING);
}
END_TEST

static const struct status_row {
  enum rag_status prev, cur;
  const char *text; /* NULL: null */
  enum trend_travel want;
} status_rows[] = {
  {RAG_G, RAG_A,
   "G\xe2\x86\x92"
   "A",
   TREND_WORSENING},
  {RAG_A, RAG_G,
   "A\xe2\x86\x92"
   "G",
   TREND_IMPROVING},
  {RAG_R, RAG_A,
   "R\xe2\x86\x92"
   "A",
   TREND_IMPROVING},
  {RAG_G, RAG_B,
   "G\xe2\x86\x92"
   "B",
   TREND_IMPROVING},
  {RAG_B, RAG_R,
   "B\xe2\x86\x92"
   "R",
   TREND_WORSENING},
  {RAG_R, RAG_B,
   "R\xe2\x86\x92"
   "B",
   TREND_IMPROVING},
  {RAG_A, RAG_R,
   "A\xe2\x86\x92"
   "R",
   TREND_WORSENING},
  {RAG_G, RAG_G,
   "G\xe2\x86\x92"
   "G",
   TREND_SAME},
  {RAG_B, RAG_B,
   "B\xe2\x86\x92"
   "B",
   TREND_SAME},
  {RAG_R, RAG_R,
   "R\xe2\x86\x92"
   "R",
   TREND_SAME},
  {RAG_BR, RAG_G,
   "BR\xe2\x86\x92"
   "G",
   TREND_NONE},
  {RAG_G, RAG_BR,
   "G\xe2\x86\x92"
   "BR",
   TREND_NONE},
  {RAG_BR, RAG_BR,
   "BR\xe2\x86\x92"
   "BR",
   TREND_NONE},
  {RAG_TBC, RAG_A,
   "TBC\xe2\x86\x92"
   "A",
   TREND_NONE},
  {RAG_A, RAG_TBC,
   "A\xe2\x86\x92"
   "TBC",
   TREND_NONE},
  {RAG_TBC, RAG_TBC,
   "TBC\xe2\x86\x92"
   "TBC",
   TREND_NONE},
  {RAG_NONE, RAG_G, NULL, TREND_NONE},
  {RAG_G, RAG_NONE, NULL, TREND_NONE},
  {(enum rag_status)42, RAG_G, NULL, TREND_NONE},
};

START_TEST(test_trend_status)
{
  const struct status_row *row = &status_rows[_i];
  char text[TREND_CHANGE_LEN];
  enum trend_travel travel = TREND_IMPROVING;
  bool has = trend_status_change(row->prev, row->cur, text, &travel);

  ck_assert_msg(has == (row->text != NULL), "row %d: text %s", _i, has ? text : "null");
  if (has)
    ck_assert_str_eq(text, row->text);
  ck_assert_msg(travel == row->want, "row %d: got %d, want %d", _i, travel, row->want);
}
END_TEST

START_TEST(test_trend_counts)
{
  static const enum trend_travel seen[] = {TREND_IMPROVING, TREND_SAME,      TREND_NONE,
                                           TREND_WORSENING, TREND_IMPROVING, TREND_IMPROVING,
                                           TREND_NONE};
  struct trend_counts a = {0}, total = {0};
  json_t *j;

  for (size_t i = 0; i < N(seen); i++)
    trend_count(&a, seen[i]);
  ck_assert_int_eq(a.improving, 3);
  ck_assert_int_eq(a.same, 1);
  ck_assert_int_eq(a.worsening, 1);
  ck_assert_int_eq(a.none, 2);
  trend_counts_add(&total, &a);
  trend_counts_add(&total, &a);
  ck_assert_int_eq(total.improving, 6);
  ck_assert_int_eq(total.none, 4);
  j = trend_counts_json(&total);
  ck_assert_int_eq(json_integer_value(json_object_get(j, "improving")), 6);
  ck_assert_int_eq(json_integer_value(json_object_get(j, "same")), 2);
  ck_assert_int_eq(json_integer_value(json_object_get(j, "worsening")), 2);
  ck_assert_int_eq(json_integer_value(json_object_get(j, "no_comparison")), 4);
  ck_assert_uint_eq(json_object_size(j), 4);
  json_decref(j);

  j = trend_travel_json(TREND_SAME);
  ck_assert_str_eq(json_string_value(j), "same");
  json_decref(j);
  j = trend_travel_json(TREND_NONE);
  ck_assert(json_is_null(j));
  json_decref(j);
  ck_assert_str_eq(trend_travel_name(TREND_IMPROVING), "improving");
  ck_assert_str_eq(trend_travel_name(TREND_WORSENING), "worsening");
  ck_assert_ptr_null(trend_travel_name(TREND_NONE));
}
END_TEST

static Suite *
trend_suite(void)
{
  Suite *s = suite_create("trend");
  TCase *tc = tcase_create("trend");

  tcase_add_loop_test(tc, test_trend_kpi, 0, (int)N(kpi_rows));
  tcase_add_test(tc, test_trend_previous);
  tcase_add_loop_test(tc, test_trend_status, 0, (int)N(status_rows));
  tcase_add_test(tc, test_trend_counts);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  SRunner *sr = srunner_create(trend_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
