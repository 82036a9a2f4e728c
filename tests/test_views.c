/* HTTP tests of issue 18's sections 1 and 2 on the real server: quarter
 * views of milestones and KPIs (each item's figure for the quarter
 * inline, cached per data version), the direction of travel of readings
 * and the status change of updates, the summaries' not_reported, travel
 * counts and per-group comparisons, and the state check over monthly
 * values and series links. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "harness.h"

#define TIMEOUT_S 60
#define Q1 "2018-19-Q1"
#define Q2 "2018-19-Q2"

static struct th_server S;

static void
setup(void)
{
  th_start(&S, true, NULL);
}

static char *
read_file(const char *path)
{
  FILE *fp = fopen(path, "rb");
  char *buf;
  long n;

  ck_assert_msg(fp != NULL, "cannot open %s", path);
  ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
  n = ftell(fp);
  rewind(fp);
  buf = malloc((size_t)n + 1);
  ck_assert_ptr_nonnull(buf);
  ck_assert_uint_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
  buf[n] = '\0';
  fclose(fp);
  return buf;
}

/* The demo imported through the API (an audited import), then a 2019-20
 * file whose monthly KPI continues CH/KPI 1 with monthly values: every
 * row the state check sees is accounted for by the trail. */
static void
setup_audited(void)
{
  char *doc = read_file(th_demo_path());

  th_start(&S, false, NULL);
  th_expect_status(&S, "POST", "/api/v1/import", doc, S.admin, NULL, 200);
  free(doc);
  th_expect_status(
    &S, "POST", "/api/v1/import",
    "{\"format\":\"icp-performance-dataset/1\",\"financial_year\":\"2019-20\","
    "\"groups\":[{\"code\":\"CYP\",\"name\":\"Children and Young People\"}],"
    "\"priorities\":[{\"group\":\"CYP\",\"number\":1,\"title\":\"p\"}],\"milestones\":[],"
    "\"kpis\":[{\"code\":\"K\",\"group\":\"CYP\",\"priorities\":[1],\"description\":\"d\","
    "\"frequency\":\"monthly\",\"continues\":{\"year\":\"2018-19\",\"code\":\"CH/KPI 1\"},"
    "\"months\":[{\"month\":\"2019-04\",\"value\":4},{\"month\":\"2019-05\",\"value\":5}]}]}",
    S.admin, NULL, 200);
}

static void
teardown(void)
{
  th_stop(&S);
}

static json_t *
call(const char *method, const char *path, const char *body, long status)
{
  struct th_response r;
  json_t *j;

  th_req(&S, method, path, body, S.admin, NULL, status, &r);
  j = json_incref(r.json);
  th_response_free(&r);
  return j;
}

static void
expect(const char *method, const char *path, const char *body, long status)
{
  json_decref(call(method, path, body, status));
}

static char *
etag(const char *path)
{
  struct th_response r;
  char buf[128];

  th_req(&S, "GET", path, NULL, S.admin, NULL, 200, &r);
  ck_assert(th_header(&r, "ETag", buf, sizeof(buf)));
  th_response_free(&r);
  return strdup(buf);
}

/* GET path with If-None-Match: tag must answer want. */
static void
conditional(const char *path, const char *tag, long want)
{
  char hdr[160];

  snprintf(hdr, sizeof(hdr), "If-None-Match: %s", tag);
  th_expect_status(&S, "GET", path, NULL, S.admin, hdr, want);
}

/* The item of a list answer with this code. */
static json_t *
item(json_t *list, const char *code)
{
  size_t i;
  json_t *it;

  json_array_foreach(json_object_get(list, "items"), i, it)
  {
    if (strcmp(th_jstr(it, "code"), code) == 0)
      return it;
  }
  ck_abort_msg("no item %s", code);
  return NULL;
}

/* ---- quarter views --------------------------------------------------------------- */

START_TEST(kpi_quarter_view)
{
  json_t *j, *it;
  size_t n;

  j = call("GET", "/api/v1/kpis?quarter=" Q1 "&group=CYP", NULL, 200);
  n = json_array_size(json_object_get(j, "items"));
  ck_assert_uint_gt(n, 3);
  it = item(j, "CH/KPI 1");
  th_expect_str(it, "quarter", Q1);
  ck_assert(json_is_true(json_object_get(it, "reported")));
  th_expect_num(it, "reading.value", 99);
  th_expect_str(it, "reading.effective_rating", "G");
  th_expect_null(it, "reading.direction_of_travel");
  th_expect_null(it, "previous");
  th_expect_str(it, "frequency", "quarterly"); /* the item's own fields */
  json_decref(j);
  /* Q2: a reading against Q1's, and an item with none */
  expect("PUT", "/api/v1/kpis/1/readings/" Q2, "{\"value\":97}", 201);
  j = call("GET", "/api/v1/kpis?quarter=" Q2 "&group=CYP", NULL, 200);
  ck_assert_uint_eq(json_array_size(json_object_get(j, "items")), n);
  it = item(j, "CH/KPI 1");
  th_expect_num(it, "reading.value", 97);
  th_expect_str(it, "reading.direction_of_travel", "worsening");
  th_expect_str(it, "previous.quarter", Q1);
  th_expect_num(it, "previous.value", 99);
  th_expect_str(it, "previous.computed_rating", "G");
  it = item(j, "CH/KPI 2");
  ck_assert(json_is_false(json_object_get(it, "reported")));
  th_expect_null(it, "reading");
  th_expect_str(it, "previous.quarter", Q1);
  json_decref(j);
  /* the quarter's own plan year unless ?year says otherwise */
  j = call("GET", "/api/v1/kpis?quarter=" Q2 "&year=2019-20", NULL, 200);
  ck_assert_uint_eq(json_array_size(json_object_get(j, "items")), 0);
  json_decref(j);
}
END_TEST

START_TEST(milestone_quarter_view)
{
  json_t *j, *it;

  expect("PUT", "/api/v1/milestones/1/updates/" Q2, "{\"status\":\"A\",\"comment\":\"late\"}", 201);
  j = call("GET", "/api/v1/milestones?quarter=" Q2 "&group=CYP&priority=1", NULL, 200);
  it = item(j, "CH1.1");
  ck_assert(json_is_true(json_object_get(it, "reported")));
  th_expect_str(it, "update.status", "A");
  th_expect_str(it, "update.status_change.text", "G\u2192A");
  th_expect_str(it, "update.status_change.travel", "worsening");
  th_expect_str(it, "previous.status", "G");
  it = item(j, "CH1.2");
  ck_assert(json_is_false(json_object_get(it, "reported")));
  th_expect_null(it, "update");
  json_decref(j);
}
END_TEST

START_TEST(quarter_view_pages_and_bad_input)
{
  struct th_response r;
  json_t *j, *all = json_array();
  char path[256];
  const char *next;

  /* a cursor walk gives every item once */
  snprintf(path, sizeof(path), "/api/v1/milestones?quarter=" Q1 "&limit=20");
  for (;;) {
    size_t i;
    json_t *it;

    j = call("GET", path, NULL, 200);
    json_array_foreach(json_object_get(j, "items"), i, it)
    {
      ck_assert(json_is_boolean(json_object_get(it, "reported")));
      json_array_append(all, it);
    }
    next = json_string_value(json_object_get(j, "next"));
    if (next == NULL) {
      json_decref(j);
      break;
    }
    snprintf(path, sizeof(path), "/api/v1/milestones?quarter=" Q1 "&limit=20&cursor=%s", next);
    json_decref(j);
  }
  ck_assert_uint_eq(json_array_size(all), 76);
  json_decref(all);
  /* a malformed quarter: 400 naming the parameter, with any other */
  th_req(&S, "GET", "/api/v1/kpis?quarter=2018-19-Q5&limit=0", NULL, S.admin, NULL, 400, &r);
  th_assert_problem(&r, 400, "urn:ragboard:problem:bad-request");
  th_assert_field_error(&r, "quarter");
  th_assert_field_error(&r, "limit");
  th_response_free(&r);
  th_req(&S, "GET", "/api/v1/milestones?quarter=", NULL, S.admin, NULL, 400, &r);
  th_assert_field_error(&r, "quarter");
  th_response_free(&r);
  th_req(&S, "GET", "/api/v1/kpis?quarter=" Q1 "&colour=red", NULL, S.admin, NULL, 400, &r);
  th_assert_field_error(&r, "colour");
  th_response_free(&r);
  expect("GET", "/api/v1/kpis?quarter=" Q1 "&cursor=bm9wZQ", NULL, 400);
}
END_TEST

/* Quarter views depend on the quarter's figures: a PUT reading changes the
 * view's ETag, and a figure of a KPI of the chain in another year too. */
START_TEST(quarter_view_etag_follows_figures)
{
  static const char view[] = "/api/v1/kpis?quarter=" Q2 "&group=CYP";
  static const char list[] = "/api/v1/kpis?group=CYP";
  char *v1, *v2, *l1, *l2;

  v1 = etag(view);
  l1 = etag(list);
  conditional(view, v1, 304);
  expect("PUT", "/api/v1/kpis/1/readings/" Q2, "{\"value\":50}", 201);
  conditional(view, v1, 200);
  v2 = etag(view);
  ck_assert_str_ne(v1, v2);
  /* the plain list shows reference data only: unchanged */
  l2 = etag(list);
  ck_assert_str_eq(l1, l2);
  /* a 2019-20 KPI continuing CH/KPI 1: its view moves with CH/KPI 1's figures */
  expect("POST", "/api/v1/priorities",
         "{\"year\":\"2019-20\",\"group\":\"CYP\",\"number\":1,\"title\":\"p\"}", 201);
  expect("POST", "/api/v1/kpis",
         "{\"year\":\"2019-20\",\"code\":\"CH/KPI 1\",\"group\":\"CYP\",\"priorities\":[1],"
         "\"description\":\"d\",\"direction\":\"increase\",\"continues\":{\"year\":\"2018-19\","
         "\"code\":\"CH/KPI 1\"}}",
         201);
  free(v1);
  v1 = etag("/api/v1/kpis?quarter=2019-20-Q1");
  expect("PUT", "/api/v1/kpis/1/readings/2018-19-Q4", "{\"value\":70}", 201);
  conditional("/api/v1/kpis?quarter=2019-20-Q1", v1, 200);
  free(v1);
  free(v2);
  free(l1);
  free(l2);
}
END_TEST

/* A gauge of /metrics. */
static long long
metric(const char *name)
{
  struct th_response r;
  char pattern[96];
  const char *at;
  long long v;

  th_req(&S, "GET", "/metrics", NULL, NULL, NULL, 200, &r);
  snprintf(pattern, sizeof(pattern), "\n%s ", name);
  at = strstr(r.body, pattern);
  ck_assert_msg(at != NULL, "no %s in /metrics", name);
  v = strtoll(at + strlen(pattern), NULL, 10);
  th_response_free(&r);
  return v;
}

/* An edit of the reference data (a KPI's source) moves the versions of
 * every view and summary: the answers of the old versions can never be
 * asked for again, and must not stay in the cache beside the new ones
 * (they filled it, 125 KB a quarter view on the benchmark, pushing out
 * live answers). */
START_TEST(cache_holds_one_answer_per_url)
{
  static const char *const paths[] = {
    "/api/v1/kpis?quarter=" Q2 "&group=CYP", "/api/v1/milestones?quarter=" Q2,
    "/api/v1/summary?quarter=" Q2, "/api/v1/groups/CYP/summary?quarter=" Q2};
  long long first, bytes;
  char body[64];

  for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++)
    expect("GET", paths[p], NULL, 200);
  first = metric("ragboard_response_cache_entries");
  ck_assert_int_ge(first, 4);
  bytes = metric("ragboard_response_cache_bytes");
  for (int i = 0; i < 40; i++) {
    json_t *view;

    snprintf(body, sizeof(body), "{\"source\":\"edit %d\"}", i);
    expect("PATCH", "/api/v1/kpis/1", body, 200);
    for (size_t p = 1; p < sizeof(paths) / sizeof(paths[0]); p++)
      expect("GET", paths[p], NULL, 200);
    /* each answer is of the versions it is asked at: the edit shows */
    view = call("GET", paths[0], NULL, 200);
    snprintf(body, sizeof(body), "edit %d", i);
    ck_assert_str_eq(th_jstr(item(view, "CH/KPI 1"), "source"), body);
    json_decref(view);
  }
  ck_assert_int_eq(metric("ragboard_response_cache_entries"), first);
  /* the same answers, give or take the edit's text */
  ck_assert_int_lt(metric("ragboard_response_cache_bytes"), bytes + 1000);
}
END_TEST

/* ---- direction of travel on figures ------------------------------------------------ */

START_TEST(readings_and_updates_carry_travel)
{
  struct th_response r;
  json_t *j;
  char e1[128], e2[128];

  th_req(&S, "PUT", "/api/v1/kpis/1/readings/" Q2, "{\"value\":100}", S.admin, NULL, 201, &r);
  th_expect_str(r.json, "direction_of_travel", "improving");
  ck_assert(th_header(&r, "ETag", e1, sizeof(e1)));
  th_response_free(&r);
  /* the ETag is the stored reading's: a PUT of the same answers it again */
  th_req(&S, "PUT", "/api/v1/kpis/1/readings/" Q2, "{\"value\":100}", S.admin, NULL, 200, &r);
  ck_assert(th_header(&r, "ETag", e2, sizeof(e2)));
  ck_assert_str_eq(e1, e2);
  th_expect_str(r.json, "direction_of_travel", "improving");
  th_response_free(&r);
  expect("PUT", "/api/v1/kpis/1/readings/2018-19-Q3", "{\"value_text\":\"not available\"}", 201);
  expect("PUT", "/api/v1/kpis/1/readings/2018-19-Q4", "{\"value\":100}", 201);
  j = call("GET", "/api/v1/kpis/1/readings", NULL, 200);
  th_expect_null(j, "items[0].direction_of_travel");
  th_expect_str(j, "items[1].direction_of_travel", "improving");
  th_expect_null(j, "items[2].direction_of_travel");        /* no value */
  th_expect_str(j, "items[3].direction_of_travel", "same"); /* against Q2, past the gap */
  json_decref(j);
  /* milestone updates: the status change against the quarter before */
  th_req(&S, "PUT", "/api/v1/milestones/1/updates/" Q2, "{\"status\":\"B\"}", S.admin, NULL, 201,
         &r);
  th_expect_str(r.json, "status_change.from", "G");
  th_expect_str(r.json, "status_change.to", "B");
  th_expect_str(r.json, "status_change.travel", "improving");
  th_response_free(&r);
  expect("PUT", "/api/v1/milestones/1/updates/2018-19-Q3", "{\"status\":\"TBC\"}", 201);
  j = call("GET", "/api/v1/milestones/1/updates", NULL, 200);
  ck_assert_uint_eq(json_array_size(json_object_get(j, "items")), 4);
  th_expect_str(j, "items[0].quarter", "2017-18-Q4"); /* the position carried */
  th_expect_null(j, "items[0].status_change");
  th_expect_str(j, "items[1].status_change.text", "G\u2192G");
  th_expect_str(j, "items[1].status_change.travel", "same");
  th_expect_str(j, "items[2].status_change.text", "G\u2192B");
  th_expect_str(j, "items[3].status_change.text", "B\u2192TBC");
  th_expect_null(j, "items[3].status_change.travel");
  json_decref(j);
  /* derived, never stored: the audit trail's after-images hold none */
  j = call("GET", "/api/v1/audit?entity=kpi_reading&action=reading.put", NULL, 200);
  ck_assert_ptr_null(th_jget(j, "items[0].after.direction_of_travel"));
  json_decref(j);
}
END_TEST

/* ---- summaries ---------------------------------------------------------------------- */

START_TEST(summaries_count_apart_and_compare_per_group)
{
  json_t *j, *g;
  long long total, reported = 0;

  expect("PUT", "/api/v1/kpis/1/readings/" Q2, "{\"value\":50}", 201);
  expect("PUT", "/api/v1/milestones/1/updates/" Q2, "{\"status\":\"R\"}", 201);
  expect("PUT", "/api/v1/milestones/2/updates/" Q2, "{\"status\":\"TBC\"}", 201);
  j = call("GET", "/api/v1/summary?quarter=" Q2, NULL, 200);
  total = th_jint(j, "overall.milestones.total");
  reported = 2;
  th_expect_int(j, "overall.milestones.not_reported", total - reported);
  th_expect_int(j, "overall.milestones.counts.TBC", total - reported + 1); /* as before */
  th_expect_int(j, "overall.kpis.not_reported", th_jint(j, "overall.kpis.total") - 1);
  th_expect_int(j, "overall.kpis.direction_of_travel.worsening", 1);
  th_expect_int(j, "overall.milestones.direction_of_travel.worsening", 1);
  th_expect_int(j, "overall.milestones.direction_of_travel.no_comparison", total - 1);
  g = th_jget(j, "groups[0]");
  th_expect_str(g, "code", "CYP");
  th_expect_str(g, "comparison.previous_quarter.quarter", Q1);
  ck_assert(json_is_number(th_jget(g, "comparison.previous_quarter.kpis_on_track_percent")));
  th_expect_null(g, "comparison.same_quarter_last_year");
  th_expect_str(g, "exceptions[0].status_change.text", "G\u2192R");
  json_decref(j);
  j = call("GET", "/api/v1/groups/CYP/summary?quarter=" Q2, NULL, 200);
  th_expect_str(j, "comparison.previous_quarter.quarter", Q1);
  th_expect_int(j, "kpis.direction_of_travel.worsening", 1);
  json_decref(j);
  j = call("GET", "/api/v1/exceptions?quarter=" Q2, NULL, 200);
  th_expect_str(j, "items[1].direction_of_travel", "worsening");
  json_decref(j);
}
END_TEST

/* ---- the state check ----------------------------------------------------------------- */

static json_t *
state(void)
{
  json_t *v = call("GET", "/api/v1/audit/verify?state=true", NULL, 200);
  json_t *st = json_incref(json_object_get(v, "state"));

  json_decref(v);
  return st;
}

static void
tamper(const char *sql)
{
  sqlite3 *db = NULL;
  char *msg = NULL;

  ck_assert_int_eq(sqlite3_open_v2(S.db_path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql, msg);
  ck_assert_int_eq(sqlite3_changes(db), 1);
  sqlite3_close(db);
}

/* The difference of st about entity and field, or NULL. */
static json_t *
difference(json_t *st, const char *entity, const char *field)
{
  size_t i;
  json_t *d;

  json_array_foreach(json_object_get(st, "differences"), i, d)
  {
    const char *f = json_string_value(json_object_get(d, "field"));

    if (strcmp(th_jstr(d, "entity"), entity) == 0 && f != NULL && strcmp(f, field) == 0)
      return d;
  }
  return NULL;
}

START_TEST(state_check_covers_months_and_links)
{
  json_t *st;

  expect("PATCH", "/api/v1/kpis/1", "{\"frequency\":\"monthly\"}", 200);
  expect("PUT", "/api/v1/kpis/1/months/2018-04", "{\"value\":1}", 201);
  expect("PUT", "/api/v1/kpis/1/months/2018-05", "{\"value\":2}", 201);
  expect("PUT", "/api/v1/kpis/1/months/2018-04", "{\"value\":3}", 200);
  expect("DELETE", "/api/v1/kpis/1/months/2018-05", NULL, 204);
  st = state();
  if (!json_is_true(json_object_get(st, "ok"))) {
    char *dump = json_dumps(json_object_get(st, "differences"), 0);

    fprintf(stderr, "state: %.3000s\n", dump);
    ck_abort_msg("the state check fails after audited writes");
  }
  th_expect_int(st, "checked.kpi_months", 3);
  json_decref(st);
  tamper("UPDATE kpi_month SET value = 30 WHERE month = '2018-04'");
  st = state();
  ck_assert(json_is_false(json_object_get(st, "ok")));
  ck_assert_ptr_nonnull(difference(st, "kpi_month", "value"));
  json_decref(st);
  /* an imported KPI's link, accounted for by the import's sums */
  tamper("UPDATE kpi SET continues_id = NULL WHERE code = 'K'");
  st = state();
  ck_assert(json_is_false(json_object_get(st, "ok")));
  {
    char *dump = json_dumps(json_object_get(st, "differences"), 0);

    ck_assert_ptr_nonnull(strstr(dump, "\"entity\": \"kpi\""));
    free(dump);
  }
  json_decref(st);
  /* a KPI written through the API: the field is named */
  tamper("UPDATE kpi SET continues_id = 1 WHERE code = 'K'");
  expect("PATCH", "/api/v1/kpis/1", "{\"frequency\":\"quarterly\"}", 200);
  tamper("UPDATE kpi SET frequency = 'monthly' WHERE id = 1");
  st = state();
  ck_assert_ptr_nonnull(difference(st, "kpi", "frequency"));
  json_decref(st);
}
END_TEST

static Suite *
views_suite(void)
{
  Suite *s = suite_create("views");
  TCase *tc = th_tcase(s, "quarter_views", setup, teardown, TIMEOUT_S);

  tcase_add_test(tc, kpi_quarter_view);
  tcase_add_test(tc, milestone_quarter_view);
  tcase_add_test(tc, quarter_view_pages_and_bad_input);
  tcase_add_test(tc, quarter_view_etag_follows_figures);
  tcase_add_test(tc, cache_holds_one_answer_per_url);
  tc = th_tcase(s, "travel", setup, teardown, TIMEOUT_S);
  tcase_add_test(tc, readings_and_updates_carry_travel);
  tcase_add_test(tc, summaries_count_apart_and_compare_per_group);
  tc = th_tcase(s, "state", setup_audited, teardown, TIMEOUT_S);
  tcase_add_test(tc, state_check_covers_months_and_links);
  return s;
}

int
main(void)
{
  return th_run(views_suite());
}
