/* The board report with issue 18's results (suite board): its
 * direction-of-travel counts and its comparisons equal /api/v1/summary's
 * for the same quarter, group by group; a KPI's direction of travel is
 * judged along its series (the `continues` chain), so Q1 compares with the
 * predecessor KPI's Q4 of the year before, and its chart shows that
 * series. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "harness.h"

static void
call(struct th_server *s, const char *method, const char *path, const char *body)
{
  struct th_response r;

  th_request(s, method, path, body, s->admin, NULL, &r);
  ck_assert_msg(r.status >= 200 && r.status < 300, "%s %s: %ld %s", method, path, r.status, r.body);
  th_response_free(&r);
}

static void
put_reading(struct th_server *s, long long kpi, const char *quarter, double value)
{
  char path[128], body[64];

  snprintf(path, sizeof(path), "/api/v1/kpis/%lld/readings/%s", kpi, quarter);
  snprintf(body, sizeof(body), "{\"value\": %g}", value);
  call(s, "PUT", path, body);
}

static long long
kpi_id(struct th_server *s, const char *year, const char *code_escaped)
{
  struct th_response r;
  char path[256];
  long long id;

  snprintf(path, sizeof(path), "/api/v1/kpis?code=%s&year=%s", code_escaped, year);
  th_req(s, "GET", path, NULL, s->admin, NULL, 200, &r);
  id = th_jint(r.json, "items[0].id");
  th_response_free(&r);
  return id;
}

/* The report's {improving, same, worsening, none} against the summary's
 * {improving, same, worsening, no_comparison}. */
static void
same_travel(json_t *report, json_t *summary, const char *what)
{
  static const char *const r_keys[] = {"improving", "same", "worsening", "none"};
  static const char *const s_keys[] = {"improving", "same", "worsening", "no_comparison"};

  ck_assert_msg(json_is_object(report), "%s: the report has no direction-of-travel counts", what);
  ck_assert_msg(json_is_object(summary), "%s: the summary has no direction-of-travel counts", what);
  for (size_t i = 0; i < 4; i++)
    ck_assert_msg(json_integer_value(json_object_get(report, r_keys[i])) ==
                    json_integer_value(json_object_get(summary, s_keys[i])),
                  "%s.%s: report %lld, summary %lld", what, r_keys[i],
                  (long long)json_integer_value(json_object_get(report, r_keys[i])),
                  (long long)json_integer_value(json_object_get(summary, s_keys[i])));
}

/* A report comparison {count, total} (or nulls) against the summary's
 * percentage with one decimal (or null). */
static void
same_percent(json_t *report_kind, json_t *summary_percent, const char *what)
{
  json_t *count = json_object_get(report_kind, "count"),
         *total = json_object_get(report_kind, "total");

  if (json_is_null(summary_percent) || summary_percent == NULL) {
    ck_assert_msg(json_is_null(count) || count == NULL, "%s: the report compares, the summary not",
                  what);
    return;
  }
  ck_assert_msg(json_is_integer(count) && json_is_integer(total), "%s: no report figure", what);
  {
    long long c = json_integer_value(count), t = json_integer_value(total);

    ck_assert_msg(t > 0 && ((c * 2000 + t) / (2 * t)) ==
                             (long long)(json_number_value(summary_percent) * 10 + 0.5),
                  "%s: report %lld/%lld, summary %g%%", what, c, t,
                  json_number_value(summary_percent));
  }
}

static void
same_comparison(json_t *report_cmp, json_t *summary_cmp, const char *what)
{
  static const char *const whens[] = {"previous_quarter", "same_quarter_last_year"};
  char label[160];

  for (size_t w = 0; w < 2; w++) {
    json_t *rc = json_object_get(report_cmp, whens[w]),
           *sc = json_object_get(summary_cmp, whens[w]);

    snprintf(label, sizeof(label), "%s.%s.milestones", what, whens[w]);
    same_percent(json_object_get(rc, "milestones"),
                 json_object_get(sc, "milestones_on_track_or_complete_percent"), label);
    snprintf(label, sizeof(label), "%s.%s.kpis", what, whens[w]);
    same_percent(json_object_get(rc, "kpis"), json_object_get(sc, "kpis_on_track_percent"), label);
  }
}

/* Readings that travel every way, then for each quarter: the report's
 * counts are the summary's, overall and per group. */
START_TEST(test_travel_counts_are_the_summarys)
{
  static const char *const quarters[] = {"2018-19-Q1", "2018-19-Q2", "2018-19-Q3"};
  struct th_server s;
  struct th_response rep, sum;
  char path[128];

  th_start(&s, true, NULL);
  put_reading(&s, kpi_id(&s, "2018-19", "CH/KPI%201"), "2018-19-Q2", 90); /* 99 -> 90: worse */
  put_reading(&s, kpi_id(&s, "2018-19", "MH/KPI%206"), "2018-19-Q2", 1);
  put_reading(&s, kpi_id(&s, "2018-19", "MH/KPI%206"), "2018-19-Q3", 1); /* same */
  for (size_t q = 0; q < sizeof(quarters) / sizeof(quarters[0]); q++) {
    json_t *g;
    size_t i;

    snprintf(path, sizeof(path), "/api/v1/reports/%s?format=json", quarters[q]);
    th_req(&s, "GET", path, NULL, s.viewer, NULL, 200, &rep);
    snprintf(path, sizeof(path), "/api/v1/summary?quarter=%s", quarters[q]);
    th_req(&s, "GET", path, NULL, s.viewer, NULL, 200, &sum);
    same_travel(th_jget(rep.json, "overall.direction_of_travel"),
                th_jget(sum.json, "overall.kpis.direction_of_travel"), quarters[q]);
    same_comparison(th_jget(rep.json, "overall.comparison"), th_jget(sum.json, "comparison"),
                    quarters[q]);
    ck_assert_uint_eq(json_array_size(th_jget(rep.json, "groups")),
                      json_array_size(th_jget(sum.json, "groups")));
    json_array_foreach(th_jget(rep.json, "groups"), i, g)
    {
      json_t *sg = json_array_get(th_jget(sum.json, "groups"), i);
      char what[96];

      snprintf(what, sizeof(what), "%s %s", quarters[q], th_jstr(g, "code"));
      ck_assert_str_eq(th_jstr(g, "code"), th_jstr(sg, "code"));
      same_travel(th_jget(g, "direction_of_travel"), th_jget(sg, "kpis.direction_of_travel"), what);
      same_comparison(th_jget(g, "comparison"), th_jget(sg, "comparison"), what);
    }
    if (q > 0) /* the readings above: something travelled (a test of nothing proves nothing) */
      ck_assert_int_gt(th_jint(rep.json, "overall.direction_of_travel.worsening") +
                         th_jint(rep.json, "overall.direction_of_travel.same"),
                       0);
    th_response_free(&rep);
    th_response_free(&sum);
  }
  th_stop(&s);
}
END_TEST

/* The KPI of 2019-20 continuing CH/KPI 1 of 2018-19: its Q1 travels from
 * the predecessor's Q4, in the report as in the summary, and its chart
 * draws the chain's series. */
START_TEST(test_travel_along_the_chain)
{
  struct th_server s;
  struct th_response r;
  long long k1, k2;
  json_t *k;

  th_start(&s, true, NULL);
  k1 = kpi_id(&s, "2018-19", "CH/KPI%201");
  call(&s, "POST", "/api/v1/priorities",
       "{\"year\":\"2019-20\",\"group\":\"CYP\",\"number\":1,\"title\":\"Early help\"}");
  call(&s, "POST", "/api/v1/kpis",
       "{\"year\":\"2019-20\",\"code\":\"CH/KPI 1\",\"group\":\"CYP\",\"priorities\":[1],"
       "\"description\":\"Referrals assessed\",\"direction\":\"increase\",\"target\":95,"
       "\"unit\":\"percent\",\"continues\":{\"year\":\"2018-19\",\"code\":\"CH/KPI 1\"}}");
  k2 = kpi_id(&s, "2019-20", "CH/KPI%201");
  put_reading(&s, k1, "2018-19-Q4", 90); /* Q1 99 (demo), Q4 90 */
  put_reading(&s, k2, "2019-20-Q1", 96);
  th_req(&s, "GET", "/api/v1/reports/2019-20-Q1?format=json", NULL, s.viewer, NULL, 200, &r);
  k = th_jget(r.json, "groups[0].kpis[0]");
  th_expect_str(k, "code", "CH/KPI 1");
  th_expect_str(k, "direction_of_travel", "improving"); /* 90 -> 96, higher is better */
  th_expect_str(k, "travel", "↑ improving");
  th_expect_int(r.json, "overall.direction_of_travel.improving", 1);
  /* the chart is the chain's: 99, 90 (2018-19), 96 (2019-20) */
  ck_assert_msg(strstr(th_jstr(k, "chart.description"), "3 values") != NULL, "chart: %s",
                th_jstr(k, "chart.description"));
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/summary?quarter=2019-20-Q1", NULL, s.viewer, NULL, 200, &r);
  th_expect_int(r.json, "overall.kpis.direction_of_travel.improving", 1);
  th_response_free(&r);
  /* a report of the earlier quarter shows the series as it stood then */
  th_req(&s, "GET", "/api/v1/reports/2018-19-Q1?format=json&group=CYP", NULL, s.viewer, NULL, 200,
         &r);
  th_expect_null(r.json, "groups[0].kpis[0].chart");
  th_response_free(&r);
  th_stop(&s);
}
END_TEST

void board_trends_tests(Suite *suite);

void
board_trends_tests(Suite *suite)
{
  TCase *tc = th_tcase(suite, "trends", NULL, NULL, 120);

  tcase_add_test(tc, test_travel_counts_are_the_summarys);
  tcase_add_test(tc, test_travel_along_the_chain);
}
