/* HTTP tests of KPI series (issue 18, sections 3 to 5) on the real
 * server: continues, frequency and spc on KPIs, monthly values, the
 * series across plan years, SPC (MDC's worked example) and the SVG chart,
 * with their errors and caching. The quarter views, summaries, direction
 * of travel and the state check are in test_views.c. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"

#define TIMEOUT_S 60
#define Y1 "2018-19"
#define Y2 "2019-20"

static struct th_server S;

static void
setup(void)
{
  th_start(&S, true, NULL);
}

static void
teardown(void)
{
  th_stop(&S);
}

/* ---- helpers --------------------------------------------------------------------- */

static json_t *
call(const char *method, const char *path, const char *body, long status)
{
  struct th_response r;
  json_t *j;

  if (status < 0) { /* any success */
    th_request(&S, method, path, body, S.admin, NULL, &r);
    ck_assert_msg(r.status >= 200 && r.status < 300, "%s %s: %ld %s", method, path, r.status,
                  r.body);
  } else {
    th_req(&S, method, path, body, S.admin, NULL, status, &r);
  }
  j = json_incref(r.json);
  th_response_free(&r);
  return j;
}

static void
expect(const char *method, const char *path, const char *body, long status)
{
  json_decref(call(method, path, body, status));
}

/* A 422 naming field, with fragment in its message when not NULL. */
static void
refused(const char *method, const char *path, const char *body, const char *field,
        const char *fragment)
{
  struct th_response r;
  json_t *e;

  th_req(&S, method, path, body, S.admin, NULL, 422, &r);
  th_assert_problem(&r, 422, "urn:ragboard:problem:validation");
  e = th_assert_field_error(&r, field);
  if (fragment != NULL)
    ck_assert_msg(strstr(th_jstr(e, "message"), fragment) != NULL, "%s: %s", field, r.body);
  th_response_free(&r);
}

/* The 2019-20 priority 1 of CYP, and a 2019-20 KPI (extra: more members). */
static long long
kpi_2019(const char *code, const char *extra)
{
  char body[1024];
  json_t *j;
  long long id;

  snprintf(body, sizeof(body),
           "{\"year\":\"" Y2 "\",\"code\":\"%s\",\"group\":\"CYP\",\"priorities\":[1],"
           "\"description\":\"Referrals assessed\",\"direction\":\"increase\",\"target\":95%s}",
           code, extra);
  j = call("POST", "/api/v1/kpis", body, 201);
  id = th_jint(j, "id");
  json_decref(j);
  return id;
}

static void
priority_2019(void)
{
  expect("POST", "/api/v1/priorities",
         "{\"year\":\"" Y2 "\",\"group\":\"CYP\",\"number\":1,\"title\":\"Early help\"}", 201);
}

static void
put_reading(long long kpi, const char *quarter, double value)
{
  char path[128], body[64];

  snprintf(path, sizeof(path), "/api/v1/kpis/%lld/readings/%s", kpi, quarter);
  snprintf(body, sizeof(body), "{\"value\":%g}", value);
  json_decref(call("PUT", path, body, -1));
}

static char *
etag_of(const struct th_response *r)
{
  char buf[128];

  ck_assert(th_header(r, "ETag", buf, sizeof(buf)));
  return strdup(buf);
}

/* ---- continues, frequency, spc on a KPI ---------------------------------------------- */

START_TEST(kpi_continues_in_the_representation)
{
  json_t *j;
  long long k2;
  char path[64];

  j = call("GET", "/api/v1/kpis/1", NULL, 200);
  th_expect_null(j, "continues");
  th_expect_str(j, "frequency", "quarterly");
  th_expect_null(j, "spc");
  json_decref(j);
  priority_2019();
  k2 = kpi_2019("CH/KPI 1", ",\"continues\":{\"year\":\"" Y1 "\",\"code\":\"CH/KPI 1\"}");
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld", k2);
  j = call("GET", path, NULL, 200);
  th_expect_str(j, "continues.year", Y1);
  th_expect_str(j, "continues.code", "CH/KPI 1");
  json_decref(j);
  /* unlinked and linked again by merge patch; each change audited */
  j = call("PATCH", path, "{\"continues\":null}", 200);
  th_expect_null(j, "continues");
  json_decref(j);
  j = call("PATCH", path, "{\"continues\":{\"year\":\"" Y1 "\",\"code\":\"CH/KPI 1\"}}", 200);
  th_expect_str(j, "continues.code", "CH/KPI 1");
  json_decref(j);
  j = call("GET", "/api/v1/audit?entity=kpi&action=kpi.update", NULL, 200);
  ck_assert_uint_eq(json_array_size(json_object_get(j, "items")), 2);
  th_expect_str(j, "items[1].after.continues.year", Y1);
  json_decref(j);
  /* a continued KPI cannot be deleted */
  expect("DELETE", "/api/v1/kpis/1", NULL, 409);
  /* the series answers the whole chain from either end */
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld/series", k2);
  j = call("GET", path, NULL, 200);
  ck_assert_uint_eq(json_array_size(json_object_get(j, "chain")), 2);
  th_expect_int(j, "chain[0].id", 1);
  th_expect_int(j, "chain[1].id", k2);
  json_decref(j);
}
END_TEST

START_TEST(kpi_continues_refused)
{
  long long k2, k3;
  char path[64];

  priority_2019();
  refused("POST", "/api/v1/kpis",
          "{\"year\":\"" Y2 "\",\"code\":\"X\",\"group\":\"CYP\",\"priorities\":[1],"
          "\"description\":\"d\",\"continues\":{\"year\":\"2017-18\",\"code\":\"CH/KPI 1\"}}",
          "continues", "no KPI CH/KPI 1 in plan year 2017-18");
  refused("POST", "/api/v1/kpis",
          "{\"year\":\"" Y2 "\",\"code\":\"X\",\"group\":\"CYP\",\"priorities\":[1],"
          "\"description\":\"d\",\"continues\":\"CH/KPI 1\"}",
          "continues", NULL);
  refused("POST", "/api/v1/kpis",
          "{\"year\":\"" Y2 "\",\"code\":\"X\",\"group\":\"CYP\",\"priorities\":[1],"
          "\"description\":\"d\",\"continues\":{\"year\":\"2018\"}}",
          "continues.code", NULL);
  k2 = kpi_2019("A2", ",\"continues\":{\"year\":\"" Y1 "\",\"code\":\"CH/KPI 1\"}");
  k3 = kpi_2019("B2", "");
  /* a cycle, the KPI itself, a later year, a KPI continued already */
  refused("PATCH", "/api/v1/kpis/1", "{\"continues\":{\"year\":\"" Y2 "\",\"code\":\"A2\"}}",
          "continues", "cycle");
  refused("PATCH", "/api/v1/kpis/1", "{\"continues\":{\"year\":\"" Y1 "\",\"code\":\"CH/KPI 1\"}}",
          "continues", "itself");
  refused("PATCH", "/api/v1/kpis/2", "{\"continues\":{\"year\":\"" Y2 "\",\"code\":\"B2\"}}",
          "continues", "earlier plan year");
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld", k3);
  refused("PATCH", path, "{\"continues\":{\"year\":\"" Y1 "\",\"code\":\"CH/KPI 1\"}}", "continues",
          "continued by " Y2 " A2");
  (void)k2;
  /* frequency and spc */
  refused("PATCH", "/api/v1/kpis/1", "{\"frequency\":\"weekly\"}", "frequency", NULL);
  refused("PATCH", "/api/v1/kpis/1", "{\"spc\":7}", "spc", NULL);
}
END_TEST

START_TEST(spc_settings_validated)
{
  json_t *j;
  struct th_response r;

  refused("PATCH", "/api/v1/kpis/1", "{\"spc\":{\"shift_points\":4}}", "spc.shift_points",
          "5 to 9");
  refused("PATCH", "/api/v1/kpis/1", "{\"spc\":{\"trend_points\":10}}", "spc.trend_points",
          "5 to 9");
  refused("PATCH", "/api/v1/kpis/1", "{\"spc\":{\"minimum_points\":9}}", "spc.minimum_points",
          NULL);
  refused("PATCH", "/api/v1/kpis/1", "{\"spc\":{\"recalculate_from\":[\"2019-20-Q9\"]}}",
          "spc.recalculate_from[0]", NULL);
  /* every bad setting at once */
  th_req(&S, "PATCH", "/api/v1/kpis/1",
         "{\"spc\":{\"shift_points\":10,\"trend_points\":4,\"minimum_points\":2}}", S.admin, NULL,
         422, &r);
  th_assert_field_error(&r, "spc.shift_points");
  th_assert_field_error(&r, "spc.trend_points");
  th_assert_field_error(&r, "spc.minimum_points");
  th_response_free(&r);
  j = call("PATCH", "/api/v1/kpis/1",
           "{\"spc\":{\"shift_points\":7,\"trend_points\":7,\"minimum_points\":15,"
           "\"recalculate_from\":[\"2021-22-Q1\"],\"baseline_points\":12}}",
           200);
  th_expect_int(j, "spc.shift_points", 7);
  th_expect_str(j, "spc.recalculate_from[0]", "2021-22-Q1");
  json_decref(j);
  /* merge patch: null drops a setting (MDC's default again) */
  j = call("PATCH", "/api/v1/kpis/1", "{\"spc\":{\"shift_points\":null}}", 200);
  ck_assert_ptr_null(th_jget(j, "spc.shift_points"));
  th_expect_int(j, "spc.trend_points", 7);
  json_decref(j);
  j = call("GET", "/api/v1/kpis/1/spc", NULL, 200);
  th_expect_int(j, "rules.shift_points", 6);
  th_expect_int(j, "rules.trend_points", 7);
  th_expect_int(j, "rules.minimum_points", 15);
  th_expect_int(j, "rules.baseline_points", 12);
  json_decref(j);
}
END_TEST

/* ---- SPC: Making Data Count's worked example -------------------------------------- */

/* MDC's XmR testing document: mean 23.20, MR-bar 5.43, limits 37.64 and
 * 8.76, no special cause. Loaded as the history of CH/KPI 1 from 2018-19-Q1
 * (its first reading, 99, replaced). */
static const double mdc[] = {20, 24, 20, 26, 22, 16, 18, 16, 31, 28, 34, 26, 30, 19, 18};

static void
load_mdc(size_t n)
{
  for (size_t i = 0; i < n; i++) {
    char q[16];

    snprintf(q, sizeof(q), "%d-%02d-Q%zu", 2018 + (int)(i / 4), (2019 + (int)(i / 4)) % 100,
             i % 4 + 1);
    put_reading(1, q, mdc[i]);
  }
}

START_TEST(spc_worked_example)
{
  json_t *j;

  load_mdc(12);
  /* 12 points: the normal state of a young series, not an error */
  j = call("GET", "/api/v1/kpis/1/spc", NULL, 200);
  ck_assert_uint_eq(json_array_size(json_object_get(j, "points")), 12);
  th_expect_null(j, "mean");
  th_expect_null(j, "upper_process_limit");
  th_expect_null(j, "variation");
  th_expect_null(j, "assurance");
  th_expect_null(j, "points[11].special_cause");
  th_expect_int(j, "rules.minimum_points", 13);
  th_expect_str(j, "frequency", "quarterly");
  json_decref(j);
  load_mdc(15);
  j = call("GET", "/api/v1/kpis/1/spc", NULL, 200);
  th_expect_int(j, "kpi_id", 1);
  ck_assert_uint_eq(json_array_size(json_object_get(j, "points")), 15);
  th_expect_str(j, "points[0].period", "2018-19-Q1");
  th_expect_str(j, "points[14].period", "2021-22-Q3");
  ck_assert_double_eq_tol(th_jnum(j, "mean"), 23.20, 0.005);
  ck_assert_double_eq_tol(th_jnum(j, "average_moving_range"), 5.43, 0.005);
  ck_assert_double_eq_tol(th_jnum(j, "upper_process_limit"), 37.64, 0.005);
  ck_assert_double_eq_tol(th_jnum(j, "lower_process_limit"), 8.76, 0.005);
  for (size_t i = 0; i < 15; i++) {
    char p[48];

    snprintf(p, sizeof(p), "points[%zu].special_cause", i);
    th_expect_null(j, p);
    snprintf(p, sizeof(p), "points[%zu].signals", i);
    ck_assert_uint_eq(json_array_size(th_jget(j, p)), 0);
  }
  th_expect_str(j, "variation", "common_cause");
  th_expect_null(j, "target"); /* 2021-22-Q3 has none: no assurance */
  th_expect_null(j, "assurance");
  json_decref(j);
  /* the target in force at the latest point decides assurance */
  expect("PATCH", "/api/v1/kpis/1", "{\"quarterly_targets\":{\"2021-22-Q3\":5}}", 200);
  j = call("GET", "/api/v1/kpis/1/spc", NULL, 200);
  th_expect_num(j, "target", 5);
  th_expect_str(j, "assurance", "pass");
  json_decref(j);
  expect("PATCH", "/api/v1/kpis/1", "{\"quarterly_targets\":{\"2021-22-Q3\":40}}", 200);
  j = call("GET", "/api/v1/kpis/1/spc", NULL, 200);
  th_expect_str(j, "assurance", "fail");
  json_decref(j);
  expect("PATCH", "/api/v1/kpis/1", "{\"direction\":\"decrease\"}", 200);
  j = call("GET", "/api/v1/kpis/1/spc", NULL, 200);
  th_expect_str(j, "assurance", "pass");
  json_decref(j);
  /* settings: more points needed; a recalculation at the first point at
   * or after its period (2019-20-Q1 is point 4) */
  expect("PATCH", "/api/v1/kpis/1", "{\"spc\":{\"minimum_points\":16}}", 200);
  j = call("GET", "/api/v1/kpis/1/spc", NULL, 200);
  th_expect_null(j, "mean");
  json_decref(j);
  expect("PATCH", "/api/v1/kpis/1",
         "{\"spc\":{\"minimum_points\":10,\"recalculate_from\":[\"2018-19-Q4\"]}}", 200);
  j = call("GET", "/api/v1/kpis/1/spc", NULL, 200);
  ck_assert_uint_eq(json_array_size(json_object_get(j, "sections")), 2);
  th_expect_str(j, "sections[0].to", "2018-19-Q3");
  th_expect_null(j, "sections[0].mean"); /* 3 points */
  th_expect_str(j, "sections[1].from", "2018-19-Q4");
  th_expect_int(j, "sections[1].points", 12);
  json_decref(j);
}
END_TEST

/* A shift above the mean: improvement when higher is better, concern
 * when lower is. */
START_TEST(spc_special_cause_follows_direction)
{
  json_t *j;

  for (int i = 0; i < 16; i++) {
    char q[16];

    snprintf(q, sizeof(q), "%d-%02d-Q%d", 2018 + i / 4, (2019 + i / 4) % 100, i % 4 + 1);
    put_reading(1, q, i < 10 ? 10 + (i % 2) : 20);
  }
  j = call("GET", "/api/v1/kpis/1/spc", NULL, 200);
  th_expect_str(j, "points[15].special_cause", "improvement");
  th_expect_str(j, "variation", "improvement_high");
  ck_assert(json_array_size(th_jget(j, "points[15].signals")) > 0);
  json_decref(j);
  expect("PATCH", "/api/v1/kpis/1", "{\"direction\":\"decrease\"}", 200);
  j = call("GET", "/api/v1/kpis/1/spc", NULL, 200);
  th_expect_str(j, "points[15].special_cause", "concern");
  th_expect_str(j, "variation", "concern_high");
  json_decref(j);
  expect("PATCH", "/api/v1/kpis/1", "{\"direction\":\"maintain\"}", 200);
  j = call("GET", "/api/v1/kpis/1/spc", NULL, 200);
  th_expect_str(j, "points[15].special_cause", "neither");
  json_decref(j);
}
END_TEST

/* ---- monthly values ------------------------------------------------------------------ */

START_TEST(monthly_values)
{
  struct th_response r;
  json_t *j;
  char *e1, *e2, hdr[160];
  long long entries;

  /* a quarterly KPI takes none */
  th_req(&S, "PUT", "/api/v1/kpis/1/months/2018-04", "{\"value\":1}", S.admin, NULL, 409, &r);
  th_assert_problem(&r, 409, "urn:ragboard:problem:conflict");
  th_response_free(&r);
  expect("PATCH", "/api/v1/kpis/1", "{\"frequency\":\"monthly\"}", 200);
  /* a malformed month: 400 naming the parameter */
  th_req(&S, "PUT", "/api/v1/kpis/1/months/2018-13", "{\"value\":1}", S.admin, NULL, 400, &r);
  th_assert_field_error(&r, "month");
  ck_assert(strstr(th_jstr(r.json, "detail"), "month") == th_jstr(r.json, "detail"));
  th_response_free(&r);
  expect("GET", "/api/v1/kpis/1/months/april", NULL, 400);
  expect("GET", "/api/v1/kpis/999999/months/2018-04", NULL, 404);
  expect("PUT", "/api/v1/kpis/999999/months/2018-04", "{\"value\":1}", 404);
  refused("PUT", "/api/v1/kpis/1/months/2018-04", "{\"value\":\"x\"}", "value", NULL);
  /* create, answer with the direction of travel */
  th_req(&S, "PUT", "/api/v1/kpis/1/months/2018-04", "{\"value\":97,\"comment\":\"April\"}",
         S.admin, NULL, 201, &r);
  th_expect_str(r.json, "month", "2018-04");
  th_expect_str(r.json, "quarter", "2018-19-Q1");
  th_expect_null(r.json, "direction_of_travel");
  e1 = etag_of(&r);
  th_response_free(&r);
  th_req(&S, "PUT", "/api/v1/kpis/1/months/2018-05", "{\"value\":95}", S.admin, NULL, 201, &r);
  th_expect_str(r.json, "direction_of_travel", "worsening");
  th_response_free(&r);
  /* the same again: no change, the same ETag, no audit entry */
  j = call("GET", "/api/v1/audit/verify", NULL, 200);
  entries = th_jint(j, "entries");
  json_decref(j);
  th_req(&S, "PUT", "/api/v1/kpis/1/months/2018-04", "{\"value\":97,\"comment\":\"April\"}",
         S.admin, NULL, 200, &r);
  e2 = etag_of(&r);
  ck_assert_str_eq(e1, e2);
  th_response_free(&r);
  free(e2);
  j = call("GET", "/api/v1/audit/verify", NULL, 200);
  ck_assert_int_eq(th_jint(j, "entries"), entries);
  json_decref(j);
  /* GET one, conditional GET, a stale If-Match */
  th_req(&S, "GET", "/api/v1/kpis/1/months/2018-04", NULL, S.admin, NULL, 200, &r);
  e2 = etag_of(&r);
  ck_assert_str_eq(e1, e2);
  free(e2);
  th_response_free(&r);
  snprintf(hdr, sizeof(hdr), "If-None-Match: %s", e1);
  th_req(&S, "GET", "/api/v1/kpis/1/months/2018-04", NULL, S.admin, hdr, 304, &r);
  th_response_free(&r);
  expect("PUT", "/api/v1/kpis/1/months/2018-04", "{\"value\":98}", 200);
  snprintf(hdr, sizeof(hdr), "If-Match: %s", e1);
  th_req(&S, "PUT", "/api/v1/kpis/1/months/2018-04", "{\"value\":99}", S.admin, hdr, 412, &r);
  th_response_free(&r);
  free(e1);
  j = call("GET", "/api/v1/kpis/1/months", NULL, 200);
  ck_assert_uint_eq(json_array_size(json_object_get(j, "items")), 2);
  th_expect_null(j, "items[0].direction_of_travel");
  th_expect_str(j, "items[1].direction_of_travel", "worsening");
  json_decref(j);
  /* delete, audited */
  expect("DELETE", "/api/v1/kpis/1/months/2018-05", NULL, 204);
  expect("DELETE", "/api/v1/kpis/1/months/2018-05", NULL, 404);
  j = call("GET", "/api/v1/audit?entity=kpi_month", NULL, 200);
  ck_assert_uint_eq(json_array_size(json_object_get(j, "items")), 4);
  th_expect_str(j, "items[0].action", "month.put");
  th_expect_str(j, "items[0].quarter", "2018-19-Q1");
  th_expect_str(j, "items[0].code", "CH/KPI 1");
  th_expect_str(j, "items[3].action", "month.delete");
  th_expect_null(j, "items[3].after");
  json_decref(j);
}
END_TEST

START_TEST(monthly_values_window)
{
  char rmbc[128], trft[128];
  struct th_response r;

  th_token(&S, "submitter", "RMBC", rmbc, sizeof(rmbc));
  th_token(&S, "submitter", "TRFT", trft, sizeof(trft));
  expect("PATCH", "/api/v1/kpis/1", "{\"frequency\":\"monthly\",\"owner\":\"RMBC\"}", 200);
  expect("PUT", "/api/v1/quarters/2018-19-Q2", "{\"state\":\"open\"}", -1);
  /* another organisation's KPI: 403; its own, in an open quarter: 201 */
  th_req(&S, "PUT", "/api/v1/kpis/1/months/2018-07", "{\"value\":1}", trft, NULL, 403, &r);
  th_response_free(&r);
  th_req(&S, "PUT", "/api/v1/kpis/1/months/2018-07", "{\"value\":1}", rmbc, NULL, 201, &r);
  ck_assert_ptr_nonnull(strstr(th_jstr(r.json, "updated_by"), "submitter token"));
  th_response_free(&r);
  /* a closed quarter, a month before the plan year: 409 */
  th_req(&S, "PUT", "/api/v1/kpis/1/months/2018-10", "{\"value\":1}", rmbc, NULL, 409, &r);
  th_assert_problem(&r, 409, "urn:ragboard:problem:quarter-not-open");
  th_response_free(&r);
  th_req(&S, "PUT", "/api/v1/kpis/1/months/2018-03", "{\"value\":1}", rmbc, NULL, 409, &r);
  ck_assert(strstr(th_jstr(r.json, "detail"), "plan year") != NULL);
  th_response_free(&r);
  /* admins load history, before the plan year too */
  expect("PUT", "/api/v1/kpis/1/months/2018-03", "{\"value\":1}", 201);
}
END_TEST

/* ---- the series, monthly and quarterly; caching; the chart -------------------------- */

START_TEST(series_across_years_and_frequencies)
{
  json_t *j;
  struct th_response r;
  long long k2;
  char path[96];

  priority_2019();
  k2 = kpi_2019("CH/KPI 1", ",\"continues\":{\"year\":\"" Y1 "\",\"code\":\"CH/KPI 1\"}");
  put_reading(1, "2018-19-Q2", 90);
  put_reading(k2, "2018-19-Q2", 10); /* 2018-19 is CH/KPI 1's own year: not in the series */
  put_reading(k2, "2019-20-Q1", 96);
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld/series", k2);
  j = call("GET", path, NULL, 200);
  th_expect_int(j, "kpi_id", k2);
  th_expect_str(j, "frequency", "quarterly");
  ck_assert_uint_eq(json_array_size(json_object_get(j, "points")), 3);
  th_expect_str(j, "points[0].period", "2018-19-Q1");
  th_expect_int(j, "points[0].kpi_id", 1);
  th_expect_num(j, "points[0].value", 99);
  th_expect_str(j, "points[0].value_text", "99%");
  th_expect_num(j, "points[0].target", 95);
  th_expect_str(j, "points[0].rating", "G");
  th_expect_str(j, "points[0].computed_rating", "G");
  th_expect_str(j, "points[1].period", "2018-19-Q2");
  th_expect_num(j, "points[1].value", 90);
  th_expect_str(j, "points[1].direction_of_travel", "worsening");
  th_expect_str(j, "points[2].period", "2019-20-Q1");
  th_expect_int(j, "points[2].kpi_id", k2);
  th_expect_str(j, "points[2].year", Y2);
  th_expect_str(j, "points[2].direction_of_travel", "improving");
  json_decref(j);
  /* monthly: by the KPI's frequency, or asked for */
  expect("PATCH", "/api/v1/kpis/1", "{\"frequency\":\"monthly\"}", 200);
  expect("PUT", "/api/v1/kpis/1/months/2018-04", "{\"value\":1}", 201);
  expect("PUT", "/api/v1/kpis/1/months/2018-05", "{\"value\":2}", 201);
  j = call("GET", "/api/v1/kpis/1/series", NULL, 200);
  th_expect_str(j, "frequency", "monthly");
  ck_assert_uint_eq(json_array_size(json_object_get(j, "points")), 2);
  th_expect_str(j, "points[1].period", "2018-05");
  th_expect_null(j, "points[1].computed_rating");
  json_decref(j);
  j = call("GET", "/api/v1/kpis/1/series?frequency=quarterly", NULL, 200);
  ck_assert_uint_eq(json_array_size(json_object_get(j, "points")), 3);
  json_decref(j);
  j = call("GET", "/api/v1/kpis/1/spc?frequency=monthly", NULL, 200);
  th_expect_str(j, "points[0].period", "2018-04");
  json_decref(j);
  /* bad requests */
  th_req(&S, "GET", "/api/v1/kpis/1/series?frequency=weekly", NULL, S.admin, NULL, 400, &r);
  th_assert_field_error(&r, "frequency");
  th_response_free(&r);
  expect("GET", "/api/v1/kpis/1/spc?limit=3", NULL, 400);
  expect("GET", "/api/v1/kpis/999999/series", NULL, 404);
  expect("GET", "/api/v1/kpis/999999/spc", NULL, 404);
  expect("GET", "/api/v1/kpis/abc/chart.svg", NULL, 404);
  th_req(&S, "GET", "/api/v1/kpis/999999/chart.svg", NULL, S.admin, NULL, 404, &r);
  th_assert_problem(&r, 404, "urn:ragboard:problem:not-found");
  th_response_free(&r);
}
END_TEST

START_TEST(series_cached_per_data_version)
{
  static const char *const paths[] = {"/api/v1/kpis/%lld/series", "/api/v1/kpis/%lld/spc",
                                      "/api/v1/kpis/%lld/chart.svg"};
  struct th_response r;
  long long k2;
  char path[96], hdr[160], *e1, *e2;

  priority_2019();
  k2 = kpi_2019("CH/KPI 1", ",\"continues\":{\"year\":\"" Y1 "\",\"code\":\"CH/KPI 1\"}");
  for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
    snprintf(path, sizeof(path), paths[i], k2);
    th_req(&S, "GET", path, NULL, S.admin, NULL, 200, &r);
    e1 = etag_of(&r);
    th_response_free(&r);
    snprintf(hdr, sizeof(hdr), "If-None-Match: %s", e1);
    th_req(&S, "GET", path, NULL, S.admin, hdr, 304, &r);
    ck_assert_uint_eq(r.len, 0);
    th_response_free(&r);
    /* a figure of the KPI the series runs through: a new answer */
    put_reading(1, "2018-19-Q3", 50 + (double)i);
    th_req(&S, "GET", path, NULL, S.admin, hdr, 200, &r);
    e2 = etag_of(&r);
    ck_assert_str_ne(e1, e2);
    th_response_free(&r);
    free(e1);
    free(e2);
  }
}
END_TEST

START_TEST(chart_svg_answer)
{
  struct th_response r, r2;
  char hdr[160], *etag;

  expect("PATCH", "/api/v1/kpis/1", "{\"code\":\"CH/<KPI> & 1\",\"unit\":\"%\"}", 200);
  th_req(&S, "GET", "/api/v1/kpis/1/chart.svg", NULL, S.admin, NULL, 200, &r);
  th_assert_ctype(&r, "image/svg+xml");
  ck_assert(th_header(&r, "Content-Security-Policy", hdr, sizeof(hdr)));
  ck_assert_str_eq(hdr, "default-src 'none'");
  ck_assert(th_header(&r, "X-Content-Type-Options", hdr, sizeof(hdr)));
  ck_assert_str_eq(hdr, "nosniff");
  ck_assert(strncmp(r.body, "<svg ", 5) == 0);
  ck_assert_ptr_nonnull(strstr(r.body, "<title"));
  ck_assert_ptr_nonnull(strstr(r.body, "<desc"));
  /* stored text is escaped */
  ck_assert_ptr_nonnull(strstr(r.body, "CH/&lt;KPI&gt; &amp; 1"));
  ck_assert_ptr_null(strstr(r.body, "<KPI>"));
  ck_assert_ptr_null(strstr(r.body, "<script"));
  etag = etag_of(&r);
  /* deterministic: the same bytes built again after an unrelated write */
  expect("PATCH", "/api/v1/groups/UCC", "{\"name\":\"Urgent care\"}", 200);
  th_req(&S, "GET", "/api/v1/kpis/1/chart.svg", NULL, S.admin, NULL, 200, &r2);
  ck_assert_uint_eq(r.len, r2.len);
  ck_assert(memcmp(r.body, r2.body, r.len) == 0);
  free(etag);
  etag = etag_of(&r2);
  th_response_free(&r2);
  /* a 304 carries the policy too */
  snprintf(hdr, sizeof(hdr), "If-None-Match: %s", etag);
  th_req(&S, "GET", "/api/v1/kpis/1/chart.svg", NULL, S.admin, hdr, 304, &r2);
  ck_assert(th_header(&r2, "Content-Security-Policy", hdr, sizeof(hdr)));
  th_response_free(&r2);
  th_response_free(&r);
  free(etag);
}
END_TEST

static Suite *
trends_suite(void)
{
  Suite *s = suite_create("trends");
  TCase *tc = th_tcase(s, "kpi", setup, teardown, TIMEOUT_S);

  tcase_add_test(tc, kpi_continues_in_the_representation);
  tcase_add_test(tc, kpi_continues_refused);
  tcase_add_test(tc, spc_settings_validated);
  tc = th_tcase(s, "spc", setup, teardown, TIMEOUT_S);
  tcase_add_test(tc, spc_worked_example);
  tcase_add_test(tc, spc_special_cause_follows_direction);
  tc = th_tcase(s, "months", setup, teardown, TIMEOUT_S);
  tcase_add_test(tc, monthly_values);
  tcase_add_test(tc, monthly_values_window);
  tc = th_tcase(s, "series", setup, teardown, TIMEOUT_S);
  tcase_add_test(tc, series_across_years_and_frequencies);
  tcase_add_test(tc, series_cached_per_data_version);
  tcase_add_test(tc, chart_svg_answer);
  return s;
}

int
main(void)
{
  return th_run(trends_suite());
}
