/* More HTTP tests of the board report (suite board, with test_board.c):
 * the ETag and 304, the cache and its invalidation by a write, the
 * figures against /api/v1/summary's, the provenance against the audit
 * trail, direction of travel and charts, the configured cover, and stored
 * markup served as text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "harness.h"

#define Q1 "/api/v1/reports/2018-19-Q1"

static char *
header_of(const struct th_response *r, const char *name)
{
  static char buf[4][512];
  static int next;
  char *out = buf[next++ % 4];

  ck_assert_msg(th_header(r, name, out, 512), "no %s header", name);
  return out;
}

/* The id of the 2018-19 KPI with this (URL-escaped) code. */
static long long
kpi_id(struct th_server *s, const char *code_escaped)
{
  struct th_response r;
  char path[256];
  long long id;

  snprintf(path, sizeof(path), "/api/v1/kpis?code=%s&year=2018-19", code_escaped);
  th_req(s, "GET", path, NULL, s->admin, NULL, 200, &r);
  id = th_jint(r.json, "items[0].id");
  th_response_free(&r);
  return id;
}

static void
put_reading(struct th_server *s, long long kpi, const char *quarter, const char *body)
{
  struct th_response r;
  char path[128];

  snprintf(path, sizeof(path), "/api/v1/kpis/%lld/readings/%s", kpi, quarter);
  th_request(s, "PUT", path, body, s->admin, NULL, &r);
  ck_assert_msg(r.status == 200 || r.status == 201, "PUT %s: %ld %s", path, r.status, r.body);
  th_response_free(&r);
}

/* A weak ETag per format; 304 while nothing it shows changed; the cached
 * answer is the same bytes; a write in its year is a new report. */
START_TEST(test_etag_and_cache)
{
  struct th_server s;
  struct th_response r, again;
  char etag[128], json_etag[128], inm[160];

  th_start(&s, true, NULL);
  th_req(&s, "GET", Q1 "?format=html", NULL, s.viewer, NULL, 200, &r);
  snprintf(etag, sizeof(etag), "%s", header_of(&r, "ETag"));
  ck_assert_msg(strncmp(etag, "W/\"r", 4) == 0, "ETag %s is not weak", etag);
  th_req(&s, "GET", Q1 "?format=html", NULL, s.viewer, NULL, 200, &again);
  ck_assert_str_eq(header_of(&again, "ETag"), etag);
  /* served from memory: the very bytes, build time included */
  ck_assert(again.len == r.len && memcmp(again.body, r.body, r.len) == 0);
  th_response_free(&again);
  th_response_free(&r);

  th_req(&s, "GET", Q1 "?format=json", NULL, s.viewer, NULL, 200, &r);
  snprintf(json_etag, sizeof(json_etag), "%s", header_of(&r, "ETag"));
  ck_assert_str_ne(json_etag, etag); /* one per representation */
  th_response_free(&r);

  snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
  th_req(&s, "GET", Q1 "?format=html", NULL, s.viewer, inm, 304, &r);
  ck_assert_uint_eq(r.len, 0);
  ck_assert_str_eq(header_of(&r, "ETag"), etag);
  th_response_free(&r);
  snprintf(inm, sizeof(inm), "If-None-Match: %s", etag + 2); /* the strong form matches too */
  th_expect_status(&s, "GET", Q1 "?format=html", NULL, s.viewer, inm, 304);
  snprintf(inm, sizeof(inm), "If-None-Match: %s", json_etag);
  th_expect_status(&s, "GET", Q1 "?format=html", NULL, s.viewer, inm, 200);

  /* MH/KPI 1 (78.3%, G) turns red: the report after is another one */
  put_reading(&s, kpi_id(&s, "MH/KPI%201"), "2018-19-Q1",
              "{\"value\": 60, \"value_text\": \"60%\", \"rating\": \"R\"}");
  snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
  th_req(&s, "GET", Q1 "?format=html", NULL, s.viewer, inm, 200, &r);
  ck_assert_str_ne(header_of(&r, "ETag"), etag);
  ck_assert_ptr_nonnull(strstr(r.body, "There are 16 KPIs in total, of which 4 are red:"));
  th_response_free(&r);
  th_stop(&s);
}
END_TEST

/* The report counts what /api/v1/summary counts, group by group. */
static void
same_tally(json_t *report, json_t *summary, const char *what)
{
  static const char *const keys[] = {"total",
                                     "counts",
                                     "percent",
                                     "on_track_percent",
                                     "on_track_or_complete_percent",
                                     "red_percent",
                                     "rating_disagreements"};

  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
    json_t *a = json_object_get(report, keys[i]), *b = json_object_get(summary, keys[i]);

    if (b == NULL) /* not a figure of this kind */
      continue;
    ck_assert_msg(a != NULL && json_equal(a, b), "%s.%s differs from the summary's", what, keys[i]);
  }
}

START_TEST(test_agrees_with_summary)
{
  static const char *const quarters[] = {"2018-19-Q1", "2018-19-Q2", "2018-19-Q4"};
  struct th_server s;
  struct th_response rep, sum;
  char path[128];

  th_start(&s, true, NULL);
  put_reading(&s, kpi_id(&s, "CH/KPI%201"), "2018-19-Q2",
              "{\"value\": 90, \"value_text\": \"90%\"}");
  for (size_t q = 0; q < sizeof(quarters) / sizeof(quarters[0]); q++) {
    json_t *g;
    size_t i;

    snprintf(path, sizeof(path), "/api/v1/reports/%s?format=json", quarters[q]);
    th_req(&s, "GET", path, NULL, s.viewer, NULL, 200, &rep);
    snprintf(path, sizeof(path), "/api/v1/summary?quarter=%s", quarters[q]);
    th_req(&s, "GET", path, NULL, s.viewer, NULL, 200, &sum);
    same_tally(th_jget(rep.json, "overall.milestones"), th_jget(sum.json, "overall.milestones"),
               "overall.milestones");
    same_tally(th_jget(rep.json, "overall.kpis"), th_jget(sum.json, "overall.kpis"),
               "overall.kpis");
    ck_assert_uint_eq(json_array_size(th_jget(rep.json, "groups")),
                      json_array_size(th_jget(sum.json, "groups")));
    json_array_foreach(th_jget(rep.json, "groups"), i, g)
    {
      json_t *sg = json_array_get(th_jget(sum.json, "groups"), i);

      ck_assert_str_eq(th_jstr(g, "code"), th_jstr(sg, "code"));
      same_tally(th_jget(g, "summary.milestones"), th_jget(sg, "milestones"), "milestones");
      same_tally(th_jget(g, "summary.kpis"), th_jget(sg, "kpis"), "kpis");
      for (size_t k = 0; k < json_array_size(th_jget(sg, "milestones.by_priority")); k++) {
        json_t *a = json_array_get(th_jget(g, "summary.milestones.by_priority"), k);
        json_t *b = json_array_get(th_jget(sg, "milestones.by_priority"), k);

        ck_assert(json_equal(json_object_get(a, "priority"), json_object_get(b, "priority")));
        same_tally(a, b, "milestones.by_priority");
      }
      ck_assert_uint_eq(json_array_size(th_jget(g, "summary.milestones.by_priority")),
                        json_array_size(th_jget(sg, "milestones.by_priority")));
    }
    /* the comparison figures are the summary's too (whole percentages) */
    if (!json_is_null(th_jget(sum.json, "comparison.previous_quarter.milestones_on_track_or_"
                                        "complete_percent"))) {
      double tenths = th_jnum(sum.json, "comparison.previous_quarter.milestones_on_track_or_"
                                        "complete_percent");
      long long count = th_jint(rep.json, "overall.comparison.previous_quarter.milestones.count");
      long long total = th_jint(rep.json, "overall.comparison.previous_quarter.milestones.total");

      ck_assert_double_eq_tol(tenths, (double)((count * 2000 + total) / (2 * total)) / 10.0, 1e-9);
    }
    th_response_free(&rep);
    th_response_free(&sum);
  }
  th_stop(&s);
}
END_TEST

/* The report names the audit trail's head at its build: the anchor that
 * /api/v1/audit/verify checks. */
START_TEST(test_provenance)
{
  struct th_server s;
  struct th_response rep, ver;
  char path[256];

  th_start(&s, true, NULL);
  th_req(&s, "GET", Q1 "?format=json", NULL, s.viewer, NULL, 200, &rep);
  th_expect_null(rep.json, "provenance.audit_head"); /* an empty trail says so */
  ck_assert_ptr_nonnull(strstr(th_jstr(rep.json, "provenance.line"), "the audit trail is empty"));
  th_response_free(&rep);
  put_reading(&s, kpi_id(&s, "CH/KPI%201"), "2018-19-Q2", "{\"value\": 90}");
  th_req(&s, "GET", "/api/v1/audit/verify", NULL, s.admin, NULL, 200, &ver);
  th_req(&s, "GET", Q1 "?format=json", NULL, s.viewer, NULL, 200, &rep);
  ck_assert(json_equal(th_jget(rep.json, "provenance.audit_head"), th_jget(ver.json, "head")));
  ck_assert_ptr_nonnull(th_jget(rep.json, "provenance.built_at"));
  ck_assert_str_eq(th_jstr(rep.json, "provenance.ragboard_version"), RAGBOARD_VERSION);
  ck_assert_msg(atoll(th_jstr(rep.json, "provenance.data_version")) > 0, "data version");
  snprintf(path, sizeof(path), "/api/v1/audit/verify?anchor_id=%lld&anchor_hash=%s",
           th_jint(rep.json, "provenance.audit_head.id"),
           th_jstr(rep.json, "provenance.audit_head.hash"));
  th_response_free(&ver);
  th_req(&s, "GET", path, NULL, s.admin, NULL, 200, &ver);
  ck_assert(json_is_true(th_jget(ver.json, "ok")));
  th_response_free(&ver);
  th_response_free(&rep);
  th_stop(&s);
}
END_TEST

/* A KPI with two values gets its direction of travel and a chart; the
 * HTML shows the chart as an image. */
START_TEST(test_travel_and_chart)
{
  struct th_server s;
  struct th_response r;
  json_t *k = NULL, *g, *x;
  size_t i, j;

  th_start(&s, true, NULL);
  /* CH/KPI 1: 99% in Q1, target 95%, higher is better */
  put_reading(&s, kpi_id(&s, "CH/KPI%201"), "2018-19-Q2",
              "{\"value\": 90, \"value_text\": \"90%\"}");
  th_req(&s, "GET", "/api/v1/reports/2018-19-Q2?format=json", NULL, s.viewer, NULL, 200, &r);
  json_array_foreach(th_jget(r.json, "groups"), i, g) json_array_foreach(
    json_object_get(g, "kpis"), j, x) if (strcmp(th_jstr(x, "code"), "CH/KPI 1") == 0) k = x;
  ck_assert_ptr_nonnull(k);
  th_expect_str(k, "direction_of_travel", "worsening");
  th_expect_str(k, "travel", "↓ worsening");
  ck_assert(strncmp(th_jstr(k, "chart.svg"), "<svg", 4) == 0);
  ck_assert_ptr_nonnull(strstr(th_jstr(k, "chart.description"), "2 values"));
  th_expect_int(r.json, "groups[0].direction_of_travel.worsening", 1);
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/reports/2018-19-Q2?format=html", NULL, s.viewer, NULL, 200, &r);
  ck_assert_ptr_nonnull(strstr(r.body, "<img src=\"data:image/svg+xml;base64,"));
  th_response_free(&r);
  /* one value (Q1): no chart, nothing to travel from */
  th_req(&s, "GET", Q1 "?format=json&group=CYP", NULL, s.viewer, NULL, 200, &r);
  th_expect_null(r.json, "groups[0].kpis[0].chart");
  th_expect_null(r.json, "groups[0].kpis[0].direction_of_travel");
  th_response_free(&r);
  th_stop(&s);
}
END_TEST

static void
rotherham(struct app_config *cfg)
{
  cfg->report_title = "Rotherham Integrated Care Partnership";
  cfg->report_delivery_team = "ICP Delivery Team";
  cfg->report_place_board = "ICP Place Board";
}

/* The cover as configured; stored markup printed as text. */
START_TEST(test_cover_and_escaping)
{
  struct th_server s;
  struct th_response r;

  th_start(&s, true, rotherham);
  put_reading(&s, kpi_id(&s, "MH/KPI%206"), "2018-19-Q1",
              "{\"value\": 1, \"comment\": \"<script>alert(1)</script><img src=x onerror=alert(2)>"
              " =SUM(A1)\"}");
  th_req(&s, "GET", Q1 "?format=json", NULL, s.viewer, NULL, 200, &r);
  th_expect_str(r.json, "title", "Rotherham Integrated Care Partnership");
  th_expect_str(r.json, "cover.approval_history",
                "ICP Delivery Team – 22/08/2018, ICP Place Board – 05/09/2018");
  th_response_free(&r);
  th_req(&s, "GET", Q1 "?format=html", NULL, s.viewer, NULL, 200, &r);
  ck_assert_ptr_nonnull(strstr(r.body, "<p class=\"partnership\">Rotherham Integrated Care "
                                       "Partnership</p>"));
  ck_assert_ptr_null(strstr(r.body, "<script"));
  ck_assert_ptr_null(strstr(r.body, "<img src=x"));
  ck_assert_ptr_nonnull(strstr(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x "
                                       "onerror=alert(2)&gt;"));
  th_response_free(&r);
  th_req(&s, "GET", Q1 "?format=csv", NULL, s.viewer, NULL, 200, &r);
  ck_assert_ptr_nonnull(strstr(r.body, ",<script>alert(1)</script><img src=x onerror=alert(2)> "
                                       "=SUM(A1),"));
  th_response_free(&r);
  th_stop(&s);
}
END_TEST

/* A plan year's file: title (NULL: none), one group, priority and milestone. */
static char *
dataset(const char *year, const char *title)
{
  char *out = NULL;
  json_t *doc =
    json_pack("{s:s, s:s, s:[{s:s, s:s}], s:[{s:s, s:i, s:s}], s:[{s:s, s:s, s:i, s:s}], s:[]}",
              "format", "icp-performance-dataset/1", "financial_year", year, "groups", "code",
              "CYP", "name", "Children and Young People", "priorities", "group", "CYP", "number", 1,
              "title", "Early Help", "milestones", "code", "CH1.1", "group", "CYP", "priority", 1,
              "description", "Open the hub", "kpis");

  ck_assert_ptr_nonnull(doc);
  if (title != NULL)
    json_object_set_new(doc, "title", json_string(title));
  out = json_dumps(doc, JSON_COMPACT);
  json_decref(doc);
  return out;
}

static void
import_file(struct th_server *s, const char *body)
{
  struct th_response r;

  th_req(s, "POST", "/api/v1/import", body, s->admin, NULL, 200, &r);
  th_response_free(&r);
}

/* The partnership's title is the plan year's dataset title without the
 * quarter phrase of the report it came from; a re-import with another
 * title is a new report; a file without a title leaves it; a year whose
 * files gave none falls back. */
START_TEST(test_title_from_dataset)
{
  struct th_server s;
  struct th_response r;
  char etag[128], inm[160], *body;

  th_start(&s, true, NULL);
  th_req(&s, "GET", Q1 "?format=json", NULL, s.viewer, NULL, 200, &r);
  th_expect_str(r.json, "title", "Rotherham ICP Performance Report");
  th_response_free(&r);

  /* A file without a title leaves the stored one. */
  body = dataset("2018-19", NULL);
  import_file(&s, body);
  th_req(&s, "GET", Q1 "?format=html", NULL, s.viewer, NULL, 200, &r);
  ck_assert_ptr_nonnull(
    strstr(r.body, "<p class=\"partnership\">Rotherham ICP Performance Report</p>"));
  snprintf(etag, sizeof(etag), "%s", header_of(&r, "ETag"));
  th_response_free(&r);
  free(body);

  /* A file of nothing but a new title changes nothing else: the import
   * answers (and its audit entry records) it, and the report is a new one. */
  th_req(&s, "POST", "/api/v1/import",
         "{\"format\":\"icp-performance-dataset/1\",\"financial_year\":\"2018-19\","
         "\"title\":\"Rotherham Place Partnership - Q2 2018/19\",\"groups\":[],"
         "\"priorities\":[],\"milestones\":[],\"kpis\":[]}",
         s.admin, NULL, 200, &r);
  th_expect_str(r.json, "title", "Rotherham Place Partnership - Q2 2018/19");
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/audit?action=import", NULL, s.admin, NULL, 200, &r);
  ck_assert_ptr_nonnull(strstr(r.body, "Rotherham Place Partnership - Q2 2018/19"));
  th_response_free(&r);
  snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
  th_req(&s, "GET", Q1 "?format=html", NULL, s.viewer, inm, 200, &r);
  ck_assert_str_ne(header_of(&r, "ETag"), etag);
  ck_assert_ptr_nonnull(strstr(r.body, "<p class=\"partnership\">Rotherham Place Partnership</p>"));
  th_response_free(&r);

  /* A year whose files gave no title falls back. */
  body = dataset("2019-20", NULL);
  import_file(&s, body);
  free(body);
  th_req(&s, "GET", "/api/v1/reports/2019-20-Q1?format=json", NULL, s.viewer, NULL, 200, &r);
  th_expect_str(r.json, "title", "Integrated Care Partnership");
  th_response_free(&r);
  th_stop(&s);
}
END_TEST

void board_more_tests(Suite *suite);

void
board_more_tests(Suite *suite)
{
  TCase *tc = th_tcase(suite, "data", NULL, NULL, 120);

  tcase_add_test(tc, test_etag_and_cache);
  tcase_add_test(tc, test_agrees_with_summary);
  tcase_add_test(tc, test_provenance);
  tcase_add_test(tc, test_travel_and_chart);
  tcase_add_test(tc, test_cover_and_escaping);
  tcase_add_test(tc, test_title_from_dataset);
}
