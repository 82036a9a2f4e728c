/* Rows left as the template gave them (suite returns, with
 * test_returns.c): the template never fills in the quarter's own figures,
 * so a row naming an item with nothing in status, value, value_text and
 * comment is skipped, counted as such, and what is stored for its item
 * stays exactly as it was (value, rating, comment, updated_at), in a CSV,
 * an XLSX and a monthly KPI's month rows alike. A row with anything in
 * those columns is read as before: a comment alone is a reading.
 *
 * The server runs on the demo dataset, in which RMBC owns CH6.4, UC/KPI 1,
 * UC/KPI 4 and UC/KPI 6 (so its template is the one QA filled in when a
 * return of CH6.4's status alone emptied the three readings); the fixture
 * stores a full Q2 reading for each of its KPIs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "harness.h"
#include "test_returns.h"

#define Q2 "2018-19-Q2"
#define SUBMIT "/api/v1/quarters/" Q2 "/submissions"
#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

static struct th_server S;
static char rmbc[128];

/* What each item's Q2 figures are before the uploads: every KPI column
 * filled, so that an empty reading written over it shows. */
static const char seed[] = "kind,code,status,value,value_text,comment\r\n"
                           "kpi,UC/KPI 1,A,2750,\"2,750 people\",seeded one\r\n"
                           "kpi,UC/KPI 4,G,90,,seeded four\r\n"
                           "kpi,UC/KPI 6,R,70,70%,seeded six\r\n";

static void
post(const char *body, size_t len, const char *ctype, long status, struct th_response *r)
{
  th_request_bytes(&S, "POST", SUBMIT, body, len, rmbc, ctype, r);
  ck_assert_msg(r->status == status, "%ld, wanted %ld: %.1500s", r->status, status, r->body);
}

static void
setup(void)
{
  struct th_response r;

  th_start(&S, true, NULL);
  th_token(&S, "submitter", "RMBC", rmbc, sizeof(rmbc));
  post(seed, strlen(seed), "text/csv", 200, &r);
  ck_assert_int_eq(th_jint(r.json, "kpis.written"), 3);
  th_response_free(&r);
}

static void
teardown(void)
{
  th_stop(&S);
}

/* The item's id; code URL-escaped. */
static long long
item_id(const char *collection, const char *escaped_code)
{
  struct th_response r;
  char path[256];
  long long id;

  snprintf(path, sizeof(path), "/api/v1/%s?year=2018-19&code=%s", collection, escaped_code);
  th_req(&S, "GET", path, NULL, S.admin, NULL, 200, &r);
  id = th_jint(r.json, "items[0].id");
  th_response_free(&r);
  return id;
}

/* The item's Q2 update or reading as stored (a new reference), or NULL. */
static json_t *
stored(const char *collection, const char *escaped_code)
{
  struct th_response r;
  char path[256];
  json_t *e, *out = NULL;
  size_t i;

  snprintf(path, sizeof(path), "/api/v1/%s/%lld/%s", collection, item_id(collection, escaped_code),
           strcmp(collection, "kpis") == 0 ? "readings" : "updates");
  th_req(&S, "GET", path, NULL, S.admin, NULL, 200, &r);
  json_array_foreach(json_object_get(r.json, "items"), i, e)
  {
    if (strcmp(th_jstr(e, "quarter"), Q2) == 0)
      out = json_incref(e);
  }
  th_response_free(&r);
  return out;
}

static const char *const kpis[] = {"UC%2FKPI%201", "UC%2FKPI%204", "UC%2FKPI%206"};

/* Every seeded reading as stored now. */
static void
snapshot(json_t *out[3])
{
  for (int i = 0; i < 3; i++) {
    out[i] = stored("kpis", kpis[i]);
    ck_assert_ptr_nonnull(out[i]);
  }
}

/* The readings as the fixture stored them, before an upload. */
static void
seeded(json_t *out[3])
{
  snapshot(out);
  ck_assert_double_eq(th_jnum(out[0], "value"), 2750);
  ck_assert_str_eq(th_jstr(out[0], "rating"), "A");
  ck_assert_str_eq(th_jstr(out[0], "comment"), "seeded one");
}

/* The seeded readings are stored exactly as before the upload (value,
 * rating, comment, updated_at), and the answer wrote CH6.4 alone: the KPI
 * rows were skipped, not written. */
static void
assert_untouched(json_t *before[3], const struct th_response *r)
{
  json_t *now[3], *ch;

  snapshot(now);
  for (int i = 0; i < 3; i++) {
    char *was = json_dumps(before[i], JSON_SORT_KEYS), *is = json_dumps(now[i], JSON_SORT_KEYS);

    ck_assert_msg(json_equal(before[i], now[i]), "was %s, is %s", was, is);
    ck_assert_str_eq(th_jstr(now[i], "updated_at"), th_jstr(before[i], "updated_at"));
    free(was);
    free(is);
    json_decref(before[i]);
    json_decref(now[i]);
  }
  ck_assert_int_eq(th_jint(r->json, "kpis.written"), 0);
  ck_assert_int_eq(th_jint(r->json, "kpis.unchanged"), 0);
  ck_assert_int_eq(th_jint(r->json, "kpis.skipped"), 3);
  ck_assert_uint_eq(json_array_size(th_jget(r->json, "kpis.ids")), 0);
  ck_assert_int_eq(th_jint(r->json, "milestones.written"), 1);
  ck_assert_int_eq(th_jint(r->json, "milestones.ids[0]"), item_id("milestones", "CH6.4"));
  ch = stored("milestones", "CH6.4");
  ck_assert_str_eq(th_jstr(ch, "status"), "G");
  json_decref(ch);
}

/* The CSV template as downloaded (a NUL-terminated copy, room for one
 * more byte per row), with status written in the given items' rows. */
static char *
csv_template(const char *const *codes, size_t n)
{
  struct th_response t;
  char *body, want[64];

  th_req(&S, "GET", "/api/v1/quarters/" Q2 "/template?format=csv", NULL, rmbc, NULL, 200, &t);
  body = malloc(t.len + n + 1);
  ck_assert_ptr_nonnull(body);
  memcpy(body, t.body, t.len);
  body[t.len] = '\0';
  th_response_free(&t);
  for (size_t i = 0; i < n; i++) {
    char *row, *end;

    /* the row's last four cells (status, value, value_text, comment) are
     * empty: ",,,,\r\n" ends it */
    snprintf(want, sizeof(want), "\r\nmilestone,%s,", codes[i]);
    row = strstr(body, want);
    ck_assert_msg(row != NULL, "no %s row in the template", codes[i]);
    end = strstr(row + 2, ",,,,\r\n");
    ck_assert_ptr_nonnull(end);
    memmove(end + 2, end + 1, strlen(end + 1) + 1);
    end[1] = 'G';
  }
  return body;
}

/* Whether a note of the answer holds both texts. */
static bool
noted(const struct th_response *r, const char *a, const char *b)
{
  json_t *n;
  size_t i;

  json_array_foreach(json_object_get(r->json, "notes"), i, n)
  {
    if (strstr(json_string_value(n), a) != NULL && strstr(json_string_value(n), b) != NULL)
      return true;
  }
  return false;
}

/* QA's case: the CSV template as downloaded, CH6.4's status alone filled
 * in. */
START_TEST(template_csv_blank_rows_skipped)
{
  static const char *const codes[] = {"CH6.4"};
  struct th_response r;
  json_t *before[3];
  char *body;

  seeded(before);
  body = csv_template(codes, 1);
  post(body, strlen(body), "text/csv", 200, &r);
  assert_untouched(before, &r);
  ck_assert_int_eq(th_jint(r.json, "milestones.skipped"), 0);
  ck_assert_msg(noted(&r, "3 rows (lines 3, 4 and 5)", "skipped"), "%s", r.body);
  th_response_free(&r);
  free(body);
}
END_TEST

/* Milestone rows left empty are skipped the same way: an update stored
 * already stays, an item without one still has none (and is still owed),
 * where the return once refused the file for every empty status. */
START_TEST(template_blank_milestone_rows_skipped)
{
  static const char *const codes[] = {"CH6.4"};
  static const char update[] = "kind,code,status,comment\r\nmilestone,UC1.1,A,seeded\r\n";
  struct th_response r;
  json_t *before, *after;
  char *body;

  th_expect_status(&S, "POST", "/api/v1/owners",
                   "{\"items\":[{\"kind\":\"milestone\",\"year\":\"2018-19\",\"code\":\"UC1.1\","
                   "\"owner\":\"RMBC\"},{\"kind\":\"milestone\",\"year\":\"2018-19\",\"code\":"
                   "\"UC1.2\",\"owner\":\"RMBC\"}]}",
                   S.admin, NULL, 200);
  post(update, strlen(update), "text/csv", 200, &r);
  th_response_free(&r);
  before = stored("milestones", "UC1.1");
  ck_assert_ptr_nonnull(before);
  body = csv_template(codes, 1);
  post(body, strlen(body), "text/csv", 200, &r);
  free(body);
  ck_assert_int_eq(th_jint(r.json, "milestones.written"), 1);
  ck_assert_int_eq(th_jint(r.json, "milestones.skipped"), 2);
  ck_assert_int_eq(th_jint(r.json, "kpis.skipped"), 3);
  ck_assert_uint_eq(json_array_size(th_jget(r.json, "milestones.ids")), 1);
  th_response_free(&r);
  after = stored("milestones", "UC1.1");
  ck_assert(json_equal(before, after));
  ck_assert_str_eq(th_jstr(after, "status"), "A");
  json_decref(before);
  json_decref(after);
  ck_assert_ptr_null(stored("milestones", "UC1.2"));
}
END_TEST

/* The XLSX template (libxlsxwriter's) filled in with openpyxl: CH6.4's
 * status alone. */
START_TEST(template_xlsx_blank_rows_skipped)
{
  static const char spec[] = "{\"CH6.4\": {\"status\": \"G\"}}";
  char in[400], out[400], fill[400], cmd[1600];
  struct th_response t, r;
  json_t *before[3];
  size_t len;
  char *filled;

  seeded(before);
  th_req(&S, "GET", "/api/v1/quarters/" Q2 "/template", NULL, rmbc, NULL, 200, &t);
  snprintf(in, sizeof(in), "%s/template.xlsx", S.dir);
  snprintf(out, sizeof(out), "%s/filled.xlsx", S.dir);
  snprintf(fill, sizeof(fill), "%s/fill.json", S.dir);
  save(in, t.body, t.len);
  th_response_free(&t);
  save(fill, spec, strlen(spec));
  snprintf(cmd, sizeof(cmd), "%s %s/tests/returns/fill_template.py %s %s %s 2>&1", python(),
           RAGBOARD_SOURCE_ROOT, in, out, fill);
  run(cmd);
  filled = slurp(out, &len);
  post(filled, len, XLSX_TYPE, 200, &r);
  free(filled);
  assert_untouched(before, &r);
  th_response_free(&r);
}
END_TEST

/* A monthly KPI's month row with nothing but its month is skipped too:
 * the month's stored value stays; the month beside it is written. */
START_TEST(month_rows_blank_skipped)
{
  static const char months[] = "kind,code,status,value,value_text,comment,month\r\n"
                               "kpi,UC/KPI 4,,89.5%,,July,2018-07\r\n"
                               "kpi,UC/KPI 4,,91,,,2018-08\r\n";
  static const char blank[] = "kind,code,status,value,value_text,comment,month\r\n"
                              "kpi,UC/KPI 4,,,,,2018-07\r\n"
                              "kpi,UC/KPI 4,,92,,,2018-08\r\n";
  struct th_response r;
  char path[128];
  json_t *july;

  snprintf(path, sizeof(path), "/api/v1/kpis/%lld", item_id("kpis", "UC%2FKPI%204"));
  th_expect_status(&S, "PATCH", path, "{\"frequency\":\"monthly\"}", S.admin, NULL, 200);
  post(months, strlen(months), "text/csv", 200, &r);
  ck_assert_int_eq(th_jint(r.json, "months.written"), 2);
  th_response_free(&r);
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld/months/2018-07", item_id("kpis", "UC%2FKPI%204"));
  th_req(&S, "GET", path, NULL, S.admin, NULL, 200, &r);
  july = json_incref(r.json);
  th_response_free(&r);
  post(blank, strlen(blank), "text/csv", 200, &r);
  ck_assert_int_eq(th_jint(r.json, "months.written"), 1);
  ck_assert_int_eq(th_jint(r.json, "months.skipped"), 1);
  ck_assert_int_eq(th_jint(r.json, "kpis.written"), 0);
  th_response_free(&r);
  th_req(&S, "GET", path, NULL, S.admin, NULL, 200, &r);
  ck_assert_msg(json_equal(july, r.json), "%s", r.body);
  ck_assert_double_eq(th_jnum(r.json, "value"), 89.5);
  th_response_free(&r);
  json_decref(july);
}
END_TEST

/* Anything in the return's columns makes a row one to read, as before: a
 * KPI row with a comment alone is that quarter's reading (no value, no
 * rating), and a milestone row with a comment alone still needs its
 * status. */
START_TEST(comment_only_row_written)
{
  static const char kpi[] = "kind,code,status,value,value_text,comment\r\n"
                            "kpi,UC/KPI 1,,,,figures late: see the note\r\n";
  static const char milestone[] = "kind,code,status,value,value_text,comment\r\n"
                                  "milestone,CH6.4,,,,a comment only\r\n";
  struct th_response r;
  json_t *e;

  post(kpi, strlen(kpi), "text/csv", 200, &r);
  ck_assert_int_eq(th_jint(r.json, "kpis.written"), 1);
  ck_assert_int_eq(th_jint(r.json, "kpis.skipped"), 0);
  th_response_free(&r);
  e = stored("kpis", "UC%2FKPI%201");
  ck_assert_str_eq(th_jstr(e, "comment"), "figures late: see the note");
  ck_assert(json_is_null(json_object_get(e, "value")));
  ck_assert(json_is_null(json_object_get(e, "rating")));
  json_decref(e);
  post(milestone, strlen(milestone), "text/csv", 422, &r);
  ck_assert_msg(strstr(th_jstr(r.json, "errors[0].message"), "status is empty") != NULL, "%s",
                r.body);
  th_response_free(&r);
}
END_TEST

/* A blank row writes nothing, but still names a real item of the
 * partner's own: a wrong code, a kind that is none, or another
 * organisation's item is refused like any row's (found in review: they
 * passed with a 200 and a note that called them unchanged). Blank rows
 * may repeat an item without conflict. */
START_TEST(blank_rows_still_name_real_items)
{
  static const char bad[] = "kind,code,status,value,value_text,comment\r\n"
                            "kpi,UC/KPI 1,,92,,\r\n"
                            "bogus,CH6.4,,,,\r\n"
                            "kpi,NOPE 99,,,,\r\n"
                            "milestone,CH1.1,,,,\r\n";
  static const char repeated[] = "kind,code,status,value,value_text,comment\r\n"
                                 "kpi,UC/KPI 1,,,,\r\n"
                                 "kpi,UC/KPI 1,,93,,\r\n"
                                 "kpi,UC/KPI 1,,,,\r\n";
  json_t *before[3];
  struct th_response r;
  json_t *e;

  snapshot(before);
  post(bad, strlen(bad), "text/csv", 422, &r);
  th_assert_field_error(&r, "line[3].kind");
  th_assert_field_error(&r, "line[4].code");
  e = th_assert_field_error(&r, "line[5].code");
  ck_assert_msg(strstr(th_jstr(e, "message"), "not by RMBC") != NULL, "%s", r.body);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "errors")), 3);
  th_response_free(&r);
  /* nothing written: UC/KPI 1's 92 was refused with the rest */
  e = stored("kpis", "UC%2FKPI%201");
  ck_assert(json_equal(e, before[0]));
  json_decref(e);
  post(repeated, strlen(repeated), "text/csv", 200, &r);
  ck_assert_int_eq(th_jint(r.json, "kpis.written"), 1);
  ck_assert_int_eq(th_jint(r.json, "kpis.skipped"), 2);
  th_response_free(&r);
  e = stored("kpis", "UC%2FKPI%201");
  ck_assert(json_real_value(json_object_get(e, "value")) == 93.0);
  json_decref(e);
  for (int i = 0; i < 3; i++)
    json_decref(before[i]);
}
END_TEST

void
returns_blank_tests(Suite *suite)
{
  TCase *tc = th_tcase(suite, "blank rows", setup, teardown, 120);

  tcase_add_test(tc, template_csv_blank_rows_skipped);
  tcase_add_test(tc, template_blank_milestone_rows_skipped);
  tcase_add_test(tc, template_xlsx_blank_rows_skipped);
  tcase_add_test(tc, month_rows_blank_skipped);
  tcase_add_test(tc, comment_only_row_written);
  tcase_add_test(tc, blank_rows_still_name_real_items);
}
