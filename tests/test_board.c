/* HTTP tests of the board report, GET /api/v1/reports/{quarter}: every
 * format, Accept negotiation and 406, group= and detail=false, the ETag
 * and 304, 400/404, a quarter nobody has reported on, the permission,
 * the provenance against the audit trail, and the report's figures
 * against /api/v1/summary's. Each test starts the real server with a
 * fresh database holding the demo dataset for 2018-19. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "harness.h"

#define Q1 "/api/v1/reports/2018-19-Q1"

static void
public_read(struct app_config *cfg)
{
  cfg->public_read = true;
}

static void
header_is(const struct th_response *r, const char *name, const char *want)
{
  char got[512];

  ck_assert_msg(th_header(r, name, got, sizeof(got)), "no %s header", name);
  ck_assert_msg(strcmp(got, want) == 0, "%s: %s, wanted %s", name, got, want);
}

static bool
has_header(const struct th_response *r, const char *name)
{
  char got[8];

  return th_header(r, name, got, sizeof(got));
}

/* The answer's format, from its Content-Type. */
static const char *
format_of(const struct th_response *r)
{
  char ct[128];

  ck_assert(th_header(r, "Content-Type", ct, sizeof(ct)));
  if (strcmp(ct, "text/html; charset=utf-8") == 0)
    return "html";
  if (strcmp(ct, "text/markdown; charset=utf-8") == 0)
    return "md";
  if (strcmp(ct, "text/csv; charset=utf-8") == 0)
    return "csv";
  if (strcmp(ct, "application/json") == 0)
    return "json";
  ck_abort_msg("unexpected Content-Type %s", ct);
  return NULL;
}

/* Each format: its type, its headers, and a body that is that format. */
START_TEST(test_formats)
{
  struct th_server s;
  struct th_response r;
  char csp[512], meta[600];

  th_start(&s, true, NULL);
  th_req(&s, "GET", Q1 "?format=html", NULL, s.viewer, NULL, 200, &r);
  ck_assert_str_eq(format_of(&r), "html");
  ck_assert(strncmp(r.body, "<!DOCTYPE html>", 15) == 0);
  /* The page's own policy, sent as a header too. */
  ck_assert(th_header(&r, "Content-Security-Policy", csp, sizeof(csp)));
  ck_assert_msg(strncmp(csp, "default-src 'none'; style-src 'sha256-", 38) == 0, "%s", csp);
  snprintf(meta, sizeof(meta), "content=\"%s\"", csp);
  for (char *p = strstr(meta, "'"); p != NULL; p = strstr(p, "'")) /* as html_attr wrote it */
    memmove(p + 5, p + 1, strlen(p + 1) + 1), memcpy(p, "&#39;", 5), p += 5;
  ck_assert_msg(strstr(r.body, meta) != NULL, "the header is not the page's policy: %s", csp);
  ck_assert(!has_header(&r, "Content-Disposition"));
  ck_assert_ptr_nonnull(
    strstr(r.body, "56% of milestones are on track or complete and 53% of KPIs"));
  th_response_free(&r);

  th_req(&s, "GET", Q1 "?format=md", NULL, s.viewer, NULL, 200, &r);
  ck_assert_str_eq(format_of(&r), "md");
  header_is(&r, "Content-Disposition", "inline; filename=\"ragboard-2018-19-Q1.md\"");
  ck_assert(!has_header(&r, "Content-Security-Policy"));
  ck_assert_ptr_nonnull(strstr(r.body, "\n| No. of milestones | 25 | 1 | 0 | 14 | 5 | 1 | 4 |\n"));
  th_response_free(&r);

  th_req(&s, "GET", Q1 "?format=csv", NULL, s.viewer, NULL, 200, &r);
  ck_assert_str_eq(format_of(&r), "csv");
  header_is(&r, "Content-Disposition", "attachment; filename=\"ragboard-2018-19-Q1.csv\"");
  ck_assert(strncmp(r.body, "table,group,type,priority,code,label,", 37) == 0);
  ck_assert_ptr_nonnull(strstr(r.body, "\r\nmilestone_counts,CYP,,,,No. of milestones,,count,25,"));
  th_response_free(&r);

  th_req(&s, "GET", Q1 "?format=json", NULL, s.viewer, NULL, 200, &r);
  ck_assert_str_eq(format_of(&r), "json");
  th_expect_str(r.json, "format", "ragboard-report/1");
  th_expect_str(r.json, "quarter", "2018-19-Q1");
  th_expect_str(r.json, "title", "Rotherham ICP Performance Report"); /* the dataset's */
  th_expect_str(r.json, "cover.approval_history",
                "Delivery Team – 22/08/2018, Place Board – "
                "05/09/2018");
  ck_assert_ptr_nonnull(strstr(th_jstr(r.json, "cover.method"), "computed by ragboard"));
  ck_assert_uint_eq(json_array_size(th_jget(r.json, "groups")), 3);
  th_response_free(&r);
  th_stop(&s);
}
END_TEST

/* Which format an Accept header gets, and that ?format= wins. */
START_TEST(test_negotiation)
{
  static const struct {
    const char *header, *want;
  } cases[] = {
    {"Accept:", "html"}, /* no Accept at all */
    {"Accept: */*", "html"},
    {"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"},
    {"Accept: text/csv", "csv"},
    {"Accept: application/json", "json"},
    {"Accept: application/*", "json"},
    {"Accept: text/markdown", "md"},
    {"Accept: text/csv;q=0.5, text/markdown;q=0.6", "md"},
    {"Accept: text/*;q=0.9, text/html;q=0.1", "md"},
    {"Accept: application/json;q=0.2, */*;q=0.1", "json"},
  };
  struct th_server s;
  struct th_response r;

  th_start(&s, true, NULL);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    th_req(&s, "GET", Q1 "?detail=false", NULL, s.viewer, cases[i].header, 200, &r);
    ck_assert_msg(strcmp(format_of(&r), cases[i].want) == 0, "%s: %s, wanted %s", cases[i].header,
                  format_of(&r), cases[i].want);
    header_is(&r, "Vary", "Accept");
    th_response_free(&r);
  }
  /* ?format= names what the link wants, whatever Accept says. */
  th_req(&s, "GET", Q1 "?format=csv", NULL, s.viewer, "Accept: application/json", 200, &r);
  ck_assert_str_eq(format_of(&r), "csv");
  ck_assert(!has_header(&r, "Vary"));
  th_response_free(&r);
  th_req(&s, "GET", Q1 "?format=json", NULL, s.viewer, "Accept: text/plain", 200, &r);
  ck_assert_str_eq(format_of(&r), "json");
  th_response_free(&r);
  th_stop(&s);
}
END_TEST

/* Nothing the client takes: 406 naming what there is. */
START_TEST(test_not_acceptable)
{
  static const char *const refused[] = {"Accept: text/plain", "Accept: image/png, text/xml",
                                        "Accept: */*;q=0", "Accept: application/pdf"};
  struct th_server s;
  struct th_response r;

  th_start(&s, true, NULL);
  for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
    th_req(&s, "GET", Q1, NULL, s.viewer, refused[i], 406, &r);
    th_assert_problem(&r, 406, "urn:ragboard:problem:not-acceptable");
    for (const char *const *t = (const char *const[]){"text/html", "text/markdown", "text/csv",
                                                      "application/json", NULL};
         *t != NULL; t++)
      ck_assert_msg(strstr(th_jstr(r.json, "detail"), *t) != NULL, "406 does not name %s", *t);
    header_is(&r, "Vary", "Accept");
    th_response_free(&r);
  }
  th_stop(&s);
}
END_TEST

/* group=: one group, whose figures are then the overall ones; its file
 * name; detail=false: no detail tables. And the parameters' refusals. */
START_TEST(test_group_and_detail)
{
  struct th_server s;
  struct th_response r;

  th_start(&s, true, NULL);
  th_req(&s, "GET", Q1 "?format=json&group=MHLD", NULL, s.viewer, NULL, 200, &r);
  ck_assert_uint_eq(json_array_size(th_jget(r.json, "groups")), 1);
  th_expect_str(r.json, "groups[0].code", "MHLD");
  th_expect_str(r.json, "options.group", "MHLD");
  th_expect_int(r.json, "overall.milestones.total", 23);
  th_expect_int(r.json, "overall.kpis.total", 16);
  th_expect_int(r.json, "overall.milestones.on_track_or_complete_percent_whole", 61);
  /* the overall comparison is the group's: 12 of its 23 were G or B at Q4 2017/18 */
  th_expect_int(r.json, "overall.comparison.previous_quarter.milestones.count", 12);
  th_expect_int(r.json, "overall.comparison.previous_quarter.milestones.total", 23);
  ck_assert_uint_gt(json_array_size(th_jget(r.json, "groups[0].kpis")), 0);
  th_response_free(&r);
  th_req(&s, "GET", Q1 "?format=csv&group=CYP", NULL, s.viewer, NULL, 200, &r);
  header_is(&r, "Content-Disposition", "attachment; filename=\"ragboard-2018-19-Q1-CYP.csv\"");
  ck_assert_ptr_null(strstr(r.body, "\r\nmilestones,MHLD,"));
  ck_assert_ptr_nonnull(strstr(r.body, "\r\nmilestones,CYP,"));
  th_response_free(&r);

  th_req(&s, "GET", Q1 "?format=json&detail=false", NULL, s.viewer, NULL, 200, &r);
  ck_assert(json_is_false(th_jget(r.json, "options.detail")));
  th_response_free(&r);
  th_req(&s, "GET", Q1 "?format=csv&detail=false", NULL, s.viewer, NULL, 200, &r);
  ck_assert_ptr_null(strstr(r.body, "\r\nmilestones,"));
  ck_assert_ptr_null(strstr(r.body, "\r\nkpi_values,"));
  ck_assert_ptr_nonnull(strstr(r.body, "\r\nmilestone_counts,"));
  th_response_free(&r);
  th_req(&s, "GET", Q1 "?format=html&detail=true", NULL, s.viewer, NULL, 200, &r);
  ck_assert_ptr_nonnull(strstr(r.body, "CH1.1"));
  th_response_free(&r);
  th_req(&s, "GET", Q1 "?format=html&detail=false", NULL, s.viewer, NULL, 200, &r);
  ck_assert_ptr_null(strstr(r.body, "CH1.1")); /* a green milestone: in no exception table */
  th_response_free(&r);

  th_req(&s, "GET", Q1 "?group=NOPE", NULL, s.viewer, NULL, 404, &r);
  th_assert_problem(&r, 404, "urn:ragboard:problem:not-found");
  ck_assert_ptr_nonnull(strstr(th_jstr(r.json, "detail"), "NOPE"));
  th_response_free(&r);
  th_req(&s, "GET", Q1 "?detail=maybe&format=pdf&colour=red", NULL, s.viewer, NULL, 400, &r);
  th_assert_problem(&r, 400, "urn:ragboard:problem:bad-request");
  th_assert_field_error(&r, "colour");
  th_response_free(&r);
  th_req(&s, "GET", Q1 "?detail=maybe&format=pdf", NULL, s.viewer, NULL, 400, &r);
  th_assert_field_error(&r, "detail");
  th_assert_field_error(&r, "format");
  th_response_free(&r);
  th_expect_status(&s, "GET", Q1 "?group=", NULL, s.viewer, NULL, 400);
  th_expect_status(&s, "GET", Q1 "?format=json&format=csv", NULL, s.viewer, NULL, 400);
  th_stop(&s);
}
END_TEST

/* A malformed quarter is 400, one with nothing to report 404. */
START_TEST(test_unknown_quarter)
{
  struct th_server s;
  struct th_response r;

  th_start(&s, true, NULL);
  th_req(&s, "GET", "/api/v1/reports/2018-19-Q5", NULL, s.viewer, NULL, 400, &r);
  th_assert_problem(&r, 400, "urn:ragboard:problem:bad-request");
  th_response_free(&r);
  th_expect_status(&s, "GET", "/api/v1/reports/latest", NULL, s.viewer, NULL, 400);
  th_expect_status(&s, "GET", "/api/v1/reports/2018-19", NULL, s.viewer, NULL, 400);
  th_req(&s, "GET", "/api/v1/reports/2030-31-Q1?format=csv", NULL, s.viewer, NULL, 404, &r);
  th_assert_problem(&r, 404, "urn:ragboard:problem:not-found");
  ck_assert_ptr_nonnull(strstr(th_jstr(r.json, "detail"), "2030-31"));
  th_response_free(&r);
  /* an ETag guessed for it is no reason to answer 304 */
  th_expect_status(&s, "GET", "/api/v1/reports/2017-18-Q4", NULL, s.viewer, "If-None-Match: *",
                   404);
  th_stop(&s);
}
END_TEST

/* A quarter with no updates yet: every item under "no update provided",
 * said at the top; the tables are all there. */
START_TEST(test_no_updates)
{
  struct th_server s;
  struct th_response r;
  json_t *g, *p, *m;
  size_t i, j, k, milestones = 0;

  th_start(&s, true, NULL);
  th_req(&s, "GET", "/api/v1/reports/2018-19-Q3?format=json", NULL, s.viewer, NULL, 200, &r);
  ck_assert(json_is_true(th_jget(r.json, "no_updates")));
  ck_assert_str_eq(th_jstr(r.json, "notices[0]"),
                   "No updates have been provided for Q3 2018/19 yet: every milestone and KPI is "
                   "listed under “no update provided”.");
  th_expect_int(r.json, "overall.milestones.total", 76);
  th_expect_int(r.json, "overall.milestones.counts.TBC", 76);
  th_expect_int(r.json, "overall.kpis.counts.TBC", 50);
  json_array_foreach(th_jget(r.json, "groups"), i, g)
    json_array_foreach(json_object_get(g, "priorities"), j, p)
      json_array_foreach(json_object_get(p, "milestones"), k, m)
  {
    ck_assert(json_is_true(json_object_get(m, "no_update")));
    milestones++;
  }
  ck_assert_uint_eq(milestones, 76);
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/reports/2018-19-Q3?format=html", NULL, s.viewer, NULL, 200, &r);
  {
    const char *notice = strstr(r.body, "No updates have been provided for Q3 2018/19 yet");
    const char *main_start = strstr(r.body, "<main>");

    ck_assert(notice != NULL && main_start != NULL && notice < main_start);
  }
  th_response_free(&r);
  th_stop(&s);
}
END_TEST

/* The same permission as summaries: a token, or none with --public-read. */
START_TEST(test_permission)
{
  struct th_server s;
  struct th_response r;

  th_start(&s, true, NULL);
  th_req(&s, "GET", Q1, NULL, NULL, NULL, 401, &r);
  th_assert_problem(&r, 401, "urn:ragboard:problem:unauthorized");
  th_response_free(&r);
  th_expect_status(&s, "GET", Q1 "?format=csv", NULL, "rb1_1_nottherightsecret", NULL, 401);
  th_expect_status(&s, "GET", Q1, NULL, s.viewer, NULL, 200);
  th_expect_status(&s, "GET", Q1, NULL, s.admin, NULL, 200);
  th_stop(&s);
  th_start(&s, true, public_read);
  th_expect_status(&s, "GET", Q1 "?format=md", NULL, NULL, NULL, 200);
  th_stop(&s);
}
END_TEST

void board_more_tests(Suite *suite);   /* test_board_more.c */
void board_trends_tests(Suite *suite); /* test_board_trends.c */

int
main(void)
{
  Suite *suite = suite_create("board");
  TCase *tc = th_tcase(suite, "formats", NULL, NULL, 120);

  tcase_add_test(tc, test_formats);
  tcase_add_test(tc, test_negotiation);
  tcase_add_test(tc, test_not_acceptable);
  tcase_add_test(tc, test_group_and_detail);
  tcase_add_test(tc, test_unknown_quarter);
  tcase_add_test(tc, test_no_updates);
  tcase_add_test(tc, test_permission);
  board_more_tests(suite);
  board_trends_tests(suite);
  return th_run(suite);
}
