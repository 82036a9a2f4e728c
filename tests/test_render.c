/* Unit tests of the board report: its words and figures (report_words.c),
 * its model (report_model*.c) checked against the seed report, and its
 * renderers (render_*.c) with hostile text. Pure: the fixture is read from
 * tests/data, nothing else touches a file, a database or a socket. The
 * renderings are parsed, printed and converted by the python and shell
 * tests beside this suite (tests/render/). */
#include <check.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"
#include "render.h"
#include "report_model.h"
#include "report_words.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define FIXTURE RAGBOARD_SOURCE_ROOT "/tests/data/report-input-2018-19-q1.json"

static void
expect_take(char *got, const char *want)
{
  ck_assert_ptr_nonnull(got);
  ck_assert_msg(strcmp(got, want) == 0, "got \"%s\", want \"%s\"", got, want);
  free(got);
}

/* ---- words and figures ------------------------------------------------------- */

START_TEST(test_percent)
{
  static const struct {
    long long count, total;
    int want;
  } cases[] = {
    {14, 25, 56}, {9, 17, 53}, /* the seed's CYP headlines */
    {14, 23, 61},              /* MHLD: the seed printed 52 (green only) */
    {4, 16, 25},               /* MHLD KPIs TBC: the seed printed 24 */
    {5, 11, 45},               /* 45.45...: summary.c's tenths 45.5 would give 46 */
    {1, 8, 13},                /* 12.5 exactly: half up */
    {1, 3, 33},   {2, 3, 67},  {0, 5, 0},  {5, 5, 100},
    {1, 200, 1},  {1, 201, 0}, {0, 0, -1}, {3, 0, -1},
  };

  for (size_t i = 0; i < N(cases); i++)
    ck_assert_msg(report_percent(cases[i].count, cases[i].total) == cases[i].want,
                  "%lld/%lld: got %d, want %d", cases[i].count, cases[i].total,
                  report_percent(cases[i].count, cases[i].total), cases[i].want);
}
END_TEST

START_TEST(test_quarter_words)
{
  static const struct {
    const char *id, *words, *brief;
  } cases[] = {
    {"2019-20-Q1", "Quarter 1 2019/20, April–June 2019", "Q1 2019/20"},
    {"2019-20-Q2", "Quarter 2 2019/20, July–September 2019", "Q2 2019/20"},
    {"2019-20-Q3", "Quarter 3 2019/20, October–December 2019", "Q3 2019/20"},
    {"2019-20-Q4", "Quarter 4 2019/20, January–March 2020", "Q4 2019/20"},
    {"2099-00-Q4", "Quarter 4 2099/00, January–March 2100", "Q4 2099/00"},
  };
  static const char *const bad[] = {"2019-20-Q5", "2019-21-Q1", "2019-20", "", "2019-20-Q1x"};
  char out[REPORT_WORDS_LEN];

  for (size_t i = 0; i < N(cases); i++) {
    ck_assert(report_quarter_words(cases[i].id, out));
    ck_assert_str_eq(out, cases[i].words);
    ck_assert(report_quarter_short(cases[i].id, out));
    ck_assert_str_eq(out, cases[i].brief);
  }
  for (size_t i = 0; i < N(bad); i++) {
    ck_assert_msg(!report_quarter_words(bad[i], out), "%s accepted", bad[i]);
    ck_assert(!report_quarter_short(bad[i], out));
  }
  ck_assert(!report_quarter_words(NULL, out));
  ck_assert(report_year_words("2018-19", out));
  ck_assert_str_eq(out, "2018/19");
  ck_assert(!report_year_words("2018-20", out));
}
END_TEST

/* A dataset's title without the quarter phrase of the report it came from. */
START_TEST(test_title_without_quarter)
{
  static const struct {
    const char *title, *want;
  } cases[] = {
    {"Rotherham ICP Performance Report, Quarter 1 2018/19", "Rotherham ICP Performance Report"},
    {"Rotherham ICP Performance Report - Q1 2018/19", "Rotherham ICP Performance Report"},
    {"Rotherham ICP Performance Report – Q2 2018-19", "Rotherham ICP Performance Report"},
    {"Rotherham ICP Performance Report — quarter 4, 2018/2019 ",
     "Rotherham ICP Performance Report"},
    {"Performance Report: Qtr 3 2019/20", "Performance Report"},
    {"Performance Report (Q1 2018/19)", "Performance Report"},
    {"Performance Report Q1", "Performance Report"},
    {"Performance Report, 2018/19 Q4", "Performance Report"},
    {"Performance Report | Quarter 2", "Performance Report"},
    /* Left alone: no quarter phrase at the end, or not a word of its own. */
    {"Rotherham ICP Performance Report", "Rotherham ICP Performance Report"},
    {"Rotherham ICP Performance Report 2018/19", "Rotherham ICP Performance Report 2018/19"},
    {"Quarter 1 2018/19 report", "Quarter 1 2018/19 report"},
    {"Partnership HQ1", "Partnership HQ1"},
    {"Partnership Q5 2018/19", "Partnership Q5 2018/19"},
    {"Partnership Q1 2018/1", "Partnership Q1 2018/1"},
    {"Partnership Quarter 1 2018/19x", "Partnership Quarter 1 2018/19x"},
    {"Partnership (Q1 2018/19", "Partnership (Q1 2018/19"},
    /* Nothing but a quarter phrase: nothing left (the caller falls back). */
    {"Quarter 1 2018/19", ""},
    {"  ", ""},
    {"", ""},
  };

  for (size_t i = 0; i < N(cases); i++) {
    size_t n = report_title_len(cases[i].title);

    ck_assert_msg(n == strlen(cases[i].want) && strncmp(cases[i].title, cases[i].want, n) == 0,
                  "\"%s\": got \"%.*s\", want \"%s\"", cases[i].title, (int)n, cases[i].title,
                  cases[i].want);
  }
}
END_TEST

START_TEST(test_date_words)
{
  char out[REPORT_WORDS_LEN];

  ck_assert(report_date_words("2019-08-21", out));
  ck_assert_str_eq(out, "21/08/2019");
  ck_assert(report_date_words("2020-02-29", out));
  ck_assert_str_eq(out, "29/02/2020");
  ck_assert(!report_date_words("2019-02-29", out));
  ck_assert(!report_date_words("21/08/2019", out));
  ck_assert(!report_date_words(NULL, out));
}
END_TEST

START_TEST(test_arrows)
{
  ck_assert_int_eq(report_change_of(52, 61), REPORT_UP);
  ck_assert_int_eq(report_change_of(61, 52), REPORT_DOWN);
  ck_assert_int_eq(report_change_of(61, 61), REPORT_SAME);
  ck_assert_str_eq(report_change_arrow(REPORT_UP), "↑");
  ck_assert_str_eq(report_change_arrow(REPORT_DOWN), "↓");
  ck_assert_str_eq(report_change_arrow(REPORT_SAME), "→");
  ck_assert_str_eq(report_change_word(REPORT_UP), "up");
  ck_assert_str_eq(report_change_word(REPORT_DOWN), "down");
  ck_assert_str_eq(report_change_word(REPORT_SAME), "no change");
  ck_assert_str_eq(report_travel_arrow("improving"), "↑");
  ck_assert_str_eq(report_travel_arrow("same"), "→");
  ck_assert_str_eq(report_travel_arrow("worsening"), "↓");
  ck_assert_ptr_null(report_travel_arrow("better"));
  ck_assert_ptr_null(report_travel_arrow(NULL));
}
END_TEST

START_TEST(test_sentences)
{
  expect_take(report_headline(56, 53),
              "56% of milestones are on track or complete and 53% of KPIs are on track");
  expect_take(report_headline(56, -1),
              "56% of milestones are on track or complete and there are no KPIs");
  expect_take(report_headline(-1, 53), "There are no milestones and 53% of KPIs are on track");
  expect_take(report_headline(-1, -1), "There are no milestones or KPIs");
  expect_take(report_red_headline(false, 4), "4% of milestones are red");
  expect_take(report_red_headline(true, 19), "19% of KPIs are red");
  expect_take(report_count_sentence(true, 14, 2),
              "There are 14 KPIs in total, of which 2 are red:");
  expect_take(report_count_sentence(false, 25, 1),
              "There are 25 milestones in total, of which 1 is red:");
  expect_take(report_count_sentence(true, 1, 1), "There is 1 KPI in total, of which 1 is red:");
  expect_take(report_count_sentence(false, 23, 0),
              "There are 23 milestones in total, none of which is red.");
  expect_take(report_count_sentence(true, 1, 0), "There is 1 KPI in total, none of which is red.");
  expect_take(report_count_sentence(true, 0, 0), "There are no KPIs.");
  expect_take(report_position_sentence(false, 43, "Q1 2019/20", 57),
              "43% of milestones are on track or complete for Q1 2019/20 compared to 57% in the "
              "same period last year");
  expect_take(report_position_sentence(true, 44, "Q1 2018/19", -1),
              "44% of KPIs are on track for Q1 2018/19; there is no figure for the same period "
              "last year");
  expect_take(report_position_sentence(true, -1, "Q1 2018/19", 50),
              "There are no KPIs for Q1 2018/19");
  expect_take(report_change_phrase(61, 57, "Q4 2017/18"),
              "↓ down 4 percentage points from 61% in Q4 2017/18");
  expect_take(report_change_phrase(56, 57, "Q4 2017/18"),
              "↑ up 1 percentage point from 56% in Q4 2017/18");
  expect_take(report_change_phrase(57, 57, "Q1 2017/18"), "→ no change from 57% in Q1 2017/18");
  expect_take(report_change_phrase(-1, 57, "Q1 2017/18"), "no figure to compare for Q1 2017/18");
  expect_take(report_change_phrase(57, -1, "Q1 2017/18"), "no figure to compare for Q1 2017/18");
  expect_take(report_count_words(1, "KPI", "KPIs"), "1 KPI");
  expect_take(report_count_words(0, "KPI", "KPIs"), "no KPIs");
  expect_take(report_count_words(3, "milestone", "milestones"), "3 milestones");
}
END_TEST

START_TEST(test_travel_sentence)
{
  expect_take(report_travel_sentence(5, 3, 1, 4),
              "Against the previous quarter, 5 KPIs are improving, 3 are the same and 1 is "
              "worsening; 4 have no direction of travel.");
  expect_take(report_travel_sentence(1, 0, 2, 0),
              "Against the previous quarter, 1 KPI is improving and 2 are worsening.");
  expect_take(report_travel_sentence(0, 1, 0, 1),
              "Against the previous quarter, 1 KPI is the same; 1 has no direction of travel.");
  expect_take(report_travel_sentence(0, 0, 0, 2),
              "Against the previous quarter, 2 KPIs have no direction of travel.");
  expect_take(report_travel_sentence(0, 0, 0, 0), "No KPI has a direction of travel yet.");
}
END_TEST

START_TEST(test_cover_words)
{
  expect_take(
    report_approval_history("ICP Delivery Team", "2019-08-21", "ICP Place Board", "2019-09-04"),
    "ICP Delivery Team – 21/08/2019, ICP Place Board – 04/09/2019");
  expect_take(report_approval_history("Delivery Team", NULL, "Place Board", "2019-13-01"),
              "Delivery Team – date to be confirmed, Place Board – date to be confirmed");
  expect_take(report_tolerance_amount(false, 2), "2%");
  expect_take(report_tolerance_amount(true, 0.5), "0.5");
  expect_take(report_tolerance_amount(false, 2.25), "2.25%");
  expect_take(report_tolerance_amount(true, 10), "10");
  expect_take(report_tolerance_rule(false, 2),
              "a KPI is Green when it meets its target, Amber when it misses it by no more than "
              "2% of the target, and Red when it misses it by more than 2% of the target");
  expect_take(report_tolerance_rule(true, 0.5),
              "a KPI is Green when it meets its target, Amber when it misses it by no more than "
              "0.5, and Red when it misses it by more than 0.5");
}
END_TEST

/* ---- the model, against the seed report -------------------------------------- */

static json_t *
fixture(void)
{
  json_error_t e;
  json_t *in = json_load_file(FIXTURE, JSON_REJECT_DUPLICATES, &e);

  ck_assert_msg(in != NULL, "%s:%d: %s", FIXTURE, e.line, e.text);
  return in;
}

static json_t *
build(json_t *in)
{
  json_t *m = NULL;
  char why[256] = "";
  enum rb_err err = report_model_build(in, &m, why, sizeof(why));

  ck_assert_msg(err == RB_OK, "report_model_build: %d %s", (int)err, why);
  return m;
}

static json_t *
fixture_model(void)
{
  json_t *in = fixture(), *m = build(in);

  json_decref(in);
  return m;
}

#define ck_jint(root, path, want)                                                     \
  ck_assert_msg(th_jint((root), (path)) == (want), "%s: got %lld, want %lld", (path), \
                th_jint((root), (path)), (long long)(want))
#define ck_jstr(root, path, want) ck_assert_str_eq(th_jstr((root), (path)), (want))

START_TEST(test_model_matches_seed)
{
  json_t *m = fixture_model();

  ck_jstr(m, "format", "ragboard-report/1");
  ck_jstr(m, "quarter_words", "Quarter 1 2018/19, April–June 2018");
  ck_jstr(m, "cover.approval_history",
          "ICP Delivery Team – 22/08/2018, ICP Place Board – 05/09/2018");
  /* Children and Young People: the printed table is right. */
  ck_jstr(m, "groups[0].code", "CYP");
  ck_jint(m, "groups[0].summary.milestones.total", 25);
  ck_jint(m, "groups[0].summary.milestones.counts.G", 14);
  ck_jint(m, "groups[0].summary.milestones.counts.A", 5);
  ck_jint(m, "groups[0].summary.milestones.counts.TBC", 4);
  ck_jint(m, "groups[0].summary.milestones.percent_whole.G", 56);
  ck_jint(m, "groups[0].summary.milestones.percent_whole.A", 20);
  ck_jint(m, "groups[0].summary.milestones.percent_whole.TBC", 16);
  ck_jint(m, "groups[0].summary.milestones.by_priority[4].counts.R", 1);
  ck_jint(m, "groups[0].summary.milestones.by_priority[1].total", 0); /* "Still to be agreed" */
  ck_jint(m, "groups[0].summary.kpis.total", 17);
  ck_jint(m, "groups[0].summary.kpis.percent_whole.G", 53);
  ck_jint(m, "groups[0].summary.kpis.percent_whole.A", 18);
  ck_jint(m, "groups[0].summary.kpis.percent_whole.TBC", 29);
  ck_jstr(m, "groups[0].summary.headlines[0]",
          "56% of milestones are on track or complete and 53% of KPIs are on track");
  ck_jstr(m, "groups[0].summary.headlines[1]", "4% of milestones are red");
  ck_jstr(m, "groups[0].exceptions.milestones.sentence",
          "There are 25 milestones in total, of which 1 is red:");
  ck_jstr(m, "groups[0].exceptions.milestones.items[0].code", "CH4.5");
  /* summary.c's tenths are kept beside the printed whole percentages. */
  ck_assert_double_eq_tol(th_jnum(m, "groups[0].summary.kpis.percent.G"), 52.9, 1e-9);
  /* Mental Health and Learning Disability: the printed headline 52%
   * counted green only; (G + B) / total is 14/23 = 61%. The printed KPI
   * TBC 24% is 4/16 = 25%. */
  ck_jstr(m, "groups[1].code", "MHLD");
  ck_jint(m, "groups[1].summary.milestones.on_track_or_complete_percent_whole", 61);
  ck_jint(m, "groups[1].summary.milestones.percent_whole.G", 52);
  ck_jint(m, "groups[1].summary.kpis.percent_whole.TBC", 25);
  ck_jint(m, "groups[1].summary.kpis.percent_whole.R", 19);
  ck_jstr(m, "groups[1].summary.headlines[0]",
          "61% of milestones are on track or complete and 38% of KPIs are on track");
  ck_jstr(m, "groups[1].summary.headlines[1]", "19% of KPIs are red");
  ck_jstr(m, "groups[1].exceptions.kpis.sentence",
          "There are 16 KPIs in total, of which 3 are red:");
  ck_jint(m, "groups[1].exceptions.kpis.red", 3);
  /* Urgent and Community: right as printed. */
  ck_jint(m, "groups[2].summary.milestones.counts.BR", 11);
  ck_jint(m, "groups[2].summary.milestones.percent_whole.BR", 39);
  ck_jint(m, "groups[2].summary.milestones.on_track_or_complete_percent_whole", 54);
  ck_jint(m, "groups[2].summary.kpis.percent_whole.TBC", 53);
  ck_assert_int_eq(json_array_size(th_jget(m, "groups[2].summary.headlines")), 1);
  /* Overall and comparisons (fixture: Q4 2017/18 46 of 76 = 61%). */
  ck_jint(m, "overall.milestones.total", 76);
  ck_jint(m, "overall.kpis.total", 50);
  ck_jstr(m, "overall.position[0]",
          "57% of milestones are on track or complete for Q1 2018/19; there is no figure for "
          "the same period last year");
  ck_jstr(m, "overall.comparison.previous_quarter.milestones.phrase",
          "↓ down 4 percentage points from 61% in Q4 2017/18");
  ck_jstr(m, "groups[1].comparison.same_quarter_last_year.milestones.arrow", "→");
  ck_jstr(m, "groups[1].comparison.same_quarter_last_year.kpis.change", "up");
  ck_assert(json_is_null(th_jget(m, "groups[0].direction_of_travel")));
  ck_jint(m, "groups[1].direction_of_travel.improving", 4);
  ck_jint(m, "overall.kpis.rating_disagreements", 7);
  ck_assert_int_eq(json_array_size(th_jget(m, "data_notes.rating_differences")), 7);
  ck_assert_int_eq(json_array_size(th_jget(m, "data_notes.no_update")), 0);
  ck_assert(json_is_false(th_jget(m, "no_updates")));
  ck_assert_int_eq(json_array_size(th_jget(m, "notices")), 0);
  ck_jstr(m, "columns.milestones[0].label", "Q4 2017/18");
  ck_jstr(m, "provenance.footer",
          "Built 2018-09-01T09:30:00.000Z · data version 42 · audit entry "
          "212 5d41402abc4b");
  json_decref(m);
}
END_TEST

START_TEST(test_model_kpi_detail)
{
  json_t *m = fixture_model(), *ks = th_jget(m, "groups[0].kpis"), *k, *ch5 = NULL;
  size_t i;

  json_array_foreach(
    ks, i, k) if (strcmp(json_string_value(json_object_get(k, "code")), "CH/KPI 5") == 0) ch5 = k;
  ck_assert_ptr_nonnull(ch5);
  /* 3 against 10: reported Amber, the rule says Red. */
  ck_jstr(ch5, "reported_rating", "A");
  ck_jstr(ch5, "computed_rating", "R");
  ck_jstr(ch5, "rating", "A");
  ck_assert(json_is_true(th_jget(ch5, "rating_differs")));
  ck_jstr(ch5, "cells[0].value_text", "3");
  ck_jstr(ch5, "cells[0].rating", "A");
  ck_jstr(ch5, "direction_words", "Increase");
  /* MHLD KPIs carry a direction of travel in the fixture. */
  ck_jstr(m, "groups[1].kpis[0].travel", "↑ improving");
  ck_assert(json_is_null(th_jget(m, "groups[1].kpis[3].travel")));
  json_decref(m);
}
END_TEST

START_TEST(test_model_no_updates)
{
  json_t *in = fixture(), *m;

  json_object_set_new(in, "quarter", json_string("2018-19-Q2"));
  m = build(in);
  ck_assert(json_is_true(th_jget(m, "no_updates")));
  ck_jstr(m, "notices[0]",
          "No updates have been provided for Q2 2018/19 yet: every milestone and "
          "KPI is listed under “no update provided”.");
  ck_assert_int_eq(json_array_size(th_jget(m, "data_notes.no_update")), 76 + 50);
  ck_jstr(m, "data_notes.no_update_sentence",
          "No update provided for Q2 2018/19: 76 milestones and 50 KPIs.");
  ck_jint(m, "groups[0].summary.milestones.counts.TBC", 25);
  ck_assert(json_is_true(th_jget(m, "groups[0].priorities[0].milestones[0].no_update")));
  ck_assert(json_is_null(th_jget(m, "groups[0].priorities[0].milestones[0].status")));
  ck_jstr(m, "groups[0].priorities[0].milestones[0].cells[1].status", "G"); /* Q1 still shown */
  ck_assert_int_eq(json_array_size(th_jget(m, "columns.milestones")), 3);
  ck_jstr(m, "cover.approval_history",
          "ICP Delivery Team – 28/11/2018, ICP Place Board – 12/12/2018");
  json_decref(m);
  json_decref(in);
}
END_TEST

START_TEST(test_model_one_group)
{
  json_t *in = fixture(), *m = NULL;
  char why[256];

  json_object_set_new(json_object_get(in, "options"), "group", json_string("MHLD"));
  m = build(in);
  ck_assert_int_eq(json_array_size(th_jget(m, "groups")), 1);
  ck_jstr(m, "groups[0].code", "MHLD");
  ck_jint(m, "overall.milestones.total", 23);
  ck_jint(m, "overall.kpis.total", 16);
  ck_jstr(m, "options.group", "MHLD");
  json_decref(m);
  m = NULL;
  json_object_set_new(json_object_get(in, "options"), "group", json_string("NOPE"));
  ck_assert_int_eq(report_model_build(in, &m, why, sizeof(why)), RB_ERR_NOT_FOUND);
  ck_assert_ptr_null(m);
  json_decref(in);
}
END_TEST

START_TEST(test_model_bad_input)
{
  static const struct {
    const char *path, *json, *why;
  } cases[] = {
    {"quarter", "\"2018-19-Q5\"", "quarter: must be a quarter"},
    {"groups", "{}", "groups: must be an array"},
    {"kpis", "7", "kpis: must be an array"},
    {"milestones", "[{\"code\": \"X\", \"group\": \"NOPE\", \"description\": \"d\"}]",
     "milestones[0].group: no such group"},
    {"milestones",
     "[{\"code\": \"X\", \"group\": \"CYP\", \"priority\": 1, \"description\": \"d\", "
     "\"updates\": [{\"quarter\": \"2018-19-Q1\", \"status\": \"Purple\"}]}]",
     "milestones[0].updates[0].status"},
    {"milestones",
     "[{\"code\": \"X\", \"group\": \"CYP\", \"priority\": 99, \"description\": \"d\"}]",
     "milestones[0].priority: CYP has no priority 99"},
    {"kpis",
     "[{\"code\": \"K\", \"group\": \"CYP\", \"priorities\": [1], \"description\": \"d\", "
     "\"readings\": [{\"quarter\": \"2018-19-Q1\", \"value\": \"12\"}]}]",
     "kpis[0].readings[0].value"},
    {"kpis",
     "[{\"code\": \"K\", \"group\": \"CYP\", \"priorities\": [1], \"description\": \"d\", "
     "\"readings\": [{\"quarter\": \"2018-19-Q1\"}, {\"quarter\": \"2018-19-Q1\"}]}]",
     "kpis[0].readings[1].quarter: 2018-19-Q1 is listed twice"},
    {"kpis",
     "[{\"code\": \"K\", \"group\": \"CYP\", \"priorities\": [1], \"description\": \"d\", "
     "\"direction\": \"up\"}]",
     "kpis[0].direction"},
  };

  for (size_t i = 0; i < N(cases); i++) {
    json_t *in = fixture(), *m = NULL;
    char why[256] = "";

    json_object_set_new(in, cases[i].path, json_loads(cases[i].json, JSON_DECODE_ANY, NULL));
    ck_assert_int_eq(report_model_build(in, &m, why, sizeof(why)), RB_ERR_INVALID);
    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(why, cases[i].why) != NULL, "case %zu: why \"%s\"", i, why);
    json_decref(in);
  }
}
END_TEST

/* ---- renderers ------------------------------------------------------------------ */

static char *
render(enum rb_err (*fn)(const json_t *, char **, size_t *), const json_t *m, size_t *len)
{
  char *out = NULL;

  ck_assert_int_eq(fn(m, &out, len), RB_OK);
  ck_assert_ptr_nonnull(out);
  ck_assert_uint_eq(strlen(out), *len);
  return out;
}

static enum rb_err
html_no_csp(const json_t *m, char **out, size_t *len)
{
  return render_html(m, out, len, NULL);
}

static size_t
count(const char *hay, const char *needle)
{
  size_t n = 0;

  for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
    n++;
  return n;
}

START_TEST(test_html_escapes_stored_text)
{
  json_t *m = fixture_model();
  char csp[RENDER_CSP_LEN], *html;
  size_t len;

  ck_assert_int_eq(render_html(m, &html, &len, csp), RB_OK);
  /* The only "<script" anywhere is none: stored scripts print as text. */
  ck_assert_msg(strstr(html, "<script") == NULL, "a <script> element in the report");
  ck_assert_ptr_nonnull(strstr(html, "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;"));
  ck_assert_ptr_nonnull(strstr(html, "&lt;img src=x onerror=alert(1)&gt;"));
  ck_assert_ptr_null(strstr(html, "<img src=x"));
  ck_assert_ptr_nonnull(strstr(html, "&lt;/style&gt;&lt;/table&gt;&lt;script&gt;alert(2)"));
  ck_assert_uint_eq(count(html, "</style>"), 1);
  /* The chart, script and all, is an image from a data: URL. */
  ck_assert_ptr_nonnull(strstr(html, "<img src=\"data:image/svg+xml;base64,"));
  ck_assert_ptr_null(strstr(html, "<svg"));
  /* Print layout: A4 landscape, page numbers, repeated headers, page breaks. */
  ck_assert_ptr_nonnull(strstr(html, "size:A4 landscape"));
  ck_assert_ptr_nonnull(strstr(html, "counter(page) \" of \" counter(pages)"));
  ck_assert_ptr_nonnull(strstr(html, "thead{display:table-header-group}"));
  ck_assert_ptr_nonnull(strstr(html, "section.group,section.notes{break-before:page}"));
  ck_assert_uint_eq(count(html, "<section class=\"group\""), 3);
  ck_assert_ptr_nonnull(strstr(html, "<html lang=\"en-GB\">"));
  /* The <meta> states the policy render_html answers (quotes escaped). */
  for (char *q = strchr(csp, '\''); q != NULL; q = strchr(q + 1, '\''))
    *q = '^';
  ck_assert_ptr_nonnull(strstr(csp, "default-src ^none^; style-src ^sha256-"));
  ck_assert_ptr_nonnull(
    strstr(html, "content=\"default-src &#39;none&#39;; style-src &#39;sha256-"));
  json_decref(m);
  free(html);
}
END_TEST

/* The page's one <style> is what its policy's hash allows, and nothing
 * else may load. */
START_TEST(test_html_csp_hash)
{
  json_t *m = fixture_model();
  char csp[RENDER_CSP_LEN], *html, *s, *e, want[128], b64[64];
  unsigned char hash[crypto_hash_sha256_BYTES];
  size_t len;

  ck_assert_int_eq(render_html(m, &html, &len, csp), RB_OK);
  s = strstr(html, "<style>") + strlen("<style>");
  e = strstr(s, "</style>");
  crypto_hash_sha256(hash, (unsigned char *)s, (size_t)(e - s));
  sodium_bin2base64(b64, sizeof(b64), hash, sizeof(hash), sodium_base64_VARIANT_ORIGINAL);
  snprintf(want, sizeof(want), "style-src 'sha256-%s'", b64);
  ck_assert_msg(strstr(csp, want) != NULL, "%s lacks %s", csp, want);
  ck_assert_ptr_nonnull(strstr(csp, "default-src 'none'"));
  ck_assert_ptr_nonnull(strstr(csp, "img-src data:"));
  json_decref(m);
  free(html);
}
END_TEST

/* Stored text in the footer's CSS strings cannot end the string, the rule
 * or the style element. */
START_TEST(test_html_footer_css_escape)
{
  json_t *m = fixture_model();
  char *html;
  size_t len;

  json_object_set_new(json_object_get(m, "provenance"), "footer",
                      json_string("v\"}</style><script>alert(4)</script>\\ é"));
  html = render(html_no_csp, m, &len);
  ck_assert_ptr_null(strstr(html, "<script"));
  ck_assert_uint_eq(count(html, "</style>"), 1);
  ck_assert_ptr_nonnull(strstr(html, "v\\000022 \\00007d \\00003c /style\\00003e "));
  ck_assert_ptr_nonnull(strstr(html, "\\00005c  \\0000e9 "));
  json_decref(m);
  free(html);
}
END_TEST

static double
channel(unsigned v)
{
  double c = v / 255.0;

  return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double
luminance(const char *hex)
{
  unsigned r, g, b;

  ck_assert_int_eq(sscanf(hex, "#%2x%2x%2x", &r, &g, &b), 3);
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/* WCAG 2.2 AA: text on each rating's colour at 4.5:1 or more. */
START_TEST(test_html_rating_contrast)
{
  static const char *const codes[] = {"BR", "B", "G", "A", "R", "TBC"};
  json_t *m = fixture_model();
  char *html, rule[96];
  size_t len;

  html = render(html_no_csp, m, &len);
  for (size_t i = 0; i < N(codes); i++) {
    const struct render_colours *c = render_html_colours(codes[i]);
    double l1, l2, ratio;

    ck_assert_ptr_nonnull(c);
    l1 = luminance(c->fg);
    l2 = luminance(c->bg);
    ratio = (fmax(l1, l2) + 0.05) / (fmin(l1, l2) + 0.05);
    ck_assert_msg(ratio >= 4.5, "%s: %s on %s is %.2f:1", codes[i], c->fg, c->bg, ratio);
    /* ... and those are the colours the stylesheet uses. */
    snprintf(rule, sizeof(rule), ".rag-%s{color:%s;background:%s}", codes[i], c->fg, c->bg);
    ck_assert_msg(strstr(html, rule) != NULL, "stylesheet lacks %s", rule);
    /* Never colour alone: the code is the badge's text. */
    snprintf(rule, sizeof(rule), "<span class=\"rag rag-%s\">%s</span>", codes[i], codes[i]);
    ck_assert_msg(strstr(html, rule) != NULL, "no %s badge", codes[i]);
  }
  ck_assert_ptr_null(render_html_colours("X"));
  json_decref(m);
  free(html);
}
END_TEST

START_TEST(test_md_escapes_stored_text)
{
  json_t *m = fixture_model();
  char *md, *line;
  size_t len;

  md = render(render_md, m, &len);
  ck_assert_ptr_null(strstr(md, "<script"));
  ck_assert_ptr_null(strstr(md, "<img"));
  ck_assert_ptr_nonnull(strstr(md, "&lt;script&gt;alert(\"pwned\")&lt;/script&gt; &amp; "));
  /* The comment with | and line breaks stays one row of its table. */
  line = strstr(md, "| CH1.2 |");
  ck_assert_ptr_nonnull(line);
  ck_assert_ptr_nonnull(strstr(
    line, "Both services \\| have evolved over the recent period \\# not a heading \\| a "
          "\\| fake \\| row \\| \\*\\*bold\\*\\* \\_it\\_ \\[link\\](http\\://evil.example/) "
          "\\`code\\` \\~\\~x\\~\\~ &lt;b&gt;raw&lt;/b&gt; \\\\ end |\n"));
  ck_assert_ptr_nonnull(strstr(md, "| CH1.3 | =HYPERLINK(\"http\\://evil.example/\""));
  ck_assert_ptr_nonnull(strstr(md, "\\@mention"));
  json_decref(m);
  free(md);
}
END_TEST

START_TEST(test_md_block_starts)
{
  json_t *m = fixture_model();
  char *md;
  size_t len;

  /* A notice or sentence that starts like a list, quote or heading stays text. */
  json_array_append_new(json_object_get(m, "notices"), json_string("1. not a list"));
  json_object_set_new(json_object_get(m, "data_notes"), "no_update_sentence",
                      json_string("- not a list either > nor a quote"));
  md = render(render_md, m, &len);
  ck_assert_ptr_nonnull(strstr(md, "> **Note:** 1. not a list\n"));
  ck_assert_ptr_nonnull(strstr(md, "\n\\- not a list either &gt; nor a quote\n"));
  json_decref(m);
  free(md);
}
END_TEST

START_TEST(test_csv_tables)
{
  json_t *m = fixture_model();
  char *csv;
  size_t len;

  csv = render(render_csv, m, &len);
  ck_assert_msg(strncmp(csv,
                        "table,group,type,priority,code,label,description,measure,total,BR,B,"
                        "G,A,R,TBC,quarter,",
                        80) == 0,
                "header: %.120s", csv);
  ck_assert_ptr_nonnull(strstr(csv, "\r\nmilestone_counts,CYP,,,,No. of milestones,,count,25,1,0,"
                                    "14,5,1,4,"));
  ck_assert_ptr_nonnull(strstr(csv, "\r\nmilestone_counts,CYP,,,,% against total,,percent,25,4,0,"
                                    "56,20,4,16,"));
  ck_assert_ptr_nonnull(strstr(csv, "\r\nkpi_counts,MHLD,,,,% against total,,percent,16,,,38,19,19,"
                                    "25,"));
  /* Formula injection: a description starting with = is neutralised. */
  ck_assert_ptr_nonnull(strstr(csv, ",CH1.3,,\"'=HYPERLINK(\"\"http://evil.example/\"\""));
  ck_assert_ptr_nonnull(strstr(csv, ",'-2 below plan; +3 next month; @mention\tand a tab."));
  json_decref(m);
  free(csv);
}
END_TEST

/* Any JSON at all renders without crashing: the renderers print what the
 * model has. */
START_TEST(test_render_any_json)
{
  static const char *const models[] = {
    "{}",
    "[]",
    "null",
    "{\"groups\": 7, \"overall\": []}",
    "{\"groups\": [{}, 3, {\"summary\": {\"milestones\": {\"by_priority\": [1, {}]}}, "
    "\"kpis\": [{\"cells\": [7]}], \"priorities\": [{\"milestones\": [null]}]}], "
    "\"columns\": {\"milestones\": 3}, \"data_notes\": {\"no_update\": [4]}}",
  };

  for (size_t i = 0; i < N(models); i++) {
    json_t *m = json_loads(models[i], JSON_DECODE_ANY, NULL);
    char *out;
    size_t len;

    ck_assert_ptr_nonnull(m);
    free(render(html_no_csp, m, &len));
    free(render(render_md, m, &len));
    out = render(render_csv, m, &len);
    ck_assert_ptr_nonnull(strstr(out, "table,group,"));
    free(out);
    json_decref(m);
  }
}
END_TEST

static Suite *
render_suite(void)
{
  Suite *s = suite_create("render");
  TCase *words = tcase_create("words"), *model = tcase_create("model");
  TCase *renderers = tcase_create("renderers");

  tcase_add_test(words, test_percent);
  tcase_add_test(words, test_quarter_words);
  tcase_add_test(words, test_title_without_quarter);
  tcase_add_test(words, test_date_words);
  tcase_add_test(words, test_arrows);
  tcase_add_test(words, test_sentences);
  tcase_add_test(words, test_travel_sentence);
  tcase_add_test(words, test_cover_words);
  tcase_add_test(model, test_model_matches_seed);
  tcase_add_test(model, test_model_kpi_detail);
  tcase_add_test(model, test_model_no_updates);
  tcase_add_test(model, test_model_one_group);
  tcase_add_test(model, test_model_bad_input);
  tcase_add_test(renderers, test_html_escapes_stored_text);
  tcase_add_test(renderers, test_html_csp_hash);
  tcase_add_test(renderers, test_html_footer_css_escape);
  tcase_add_test(renderers, test_html_rating_contrast);
  tcase_add_test(renderers, test_md_escapes_stored_text);
  tcase_add_test(renderers, test_md_block_starts);
  tcase_add_test(renderers, test_csv_tables);
  tcase_add_test(renderers, test_render_any_json);
  suite_add_tcase(s, words);
  suite_add_tcase(s, model);
  suite_add_tcase(s, renderers);
  return s;
}

int
main(void)
{
  SRunner *sr = srunner_create(render_suite());
  int failed;

  if (sodium_init() < 0)
    return EXIT_FAILURE;
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
