/* Quarterly returns as partners send them (issue 21), on the real server:
 * CSVs as Excel writes them in the UK and in a semicolon locale, text/plain,
 * XLSX workbooks written by openpyxl and by libxlsxwriter (the template,
 * downloaded over HTTP, filled in with openpyxl, uploaded), browser form
 * uploads (multipart/form-data), and the errors a partner reads: in line
 * order, naming line, column, value, what was expected and the nearest
 * code; repeats naming the line they repeat; case-insensitive codes with a
 * note; unchanged rows counted as such.
 *
 * Every test starts the server on the demo dataset, in which RMBC owns
 * CH6.4, UC/KPI 1 (a count), UC/KPI 4 and UC/KPI 6 (percent); the fixture
 * gives it UC1.1, UC1.2 and UC1.3 too. 2018-19-Q2 is open. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>

#include "harness.h"
#include "test_returns.h"

#define Q2 "2018-19-Q2"
#define SUBMIT "/api/v1/quarters/" Q2 "/submissions"
#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define DATA RAGBOARD_SOURCE_ROOT "/tests/data/"

static struct th_server S;
static char rmbc[128];

static void
setup(void)
{
  th_start(&S, true, NULL);
  th_token(&S, "submitter", "RMBC", rmbc, sizeof(rmbc));
  th_expect_status(&S, "POST", "/api/v1/owners",
                   "{\"items\":[{\"kind\":\"milestone\",\"year\":\"2018-19\",\"code\":\"UC1.1\","
                   "\"owner\":\"RMBC\"},{\"kind\":\"milestone\",\"year\":\"2018-19\",\"code\":"
                   "\"UC1.2\",\"owner\":\"RMBC\"},{\"kind\":\"milestone\",\"year\":\"2018-19\","
                   "\"code\":\"UC1.3\",\"owner\":\"RMBC\"}]}",
                   S.admin, NULL, 200);
}

static void
teardown(void)
{
  th_stop(&S);
}

char *
slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  char *buf;
  long n;

  ck_assert_msg(f != NULL, "cannot open %s", path);
  ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
  n = ftell(f);
  rewind(f);
  buf = malloc((size_t)n + 1);
  ck_assert_ptr_nonnull(buf);
  ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
  buf[n] = '\0';
  fclose(f);
  *len = (size_t)n;
  return buf;
}

/* POST a fixture file as ctype; the answer must have status. */
static void
post_file(const char *name, const char *ctype, const char *token, long status,
          struct th_response *r)
{
  char path[512];
  size_t len;
  char *body;

  snprintf(path, sizeof(path), DATA "%s", name);
  body = slurp(path, &len);
  th_request_bytes(&S, "POST", SUBMIT, body, len, token, ctype, r);
  ck_assert_msg(r->status == status, "%s: %ld, wanted %ld: %.1500s", name, r->status, status,
                r->body);
  free(body);
}

/* The item's stored update (milestone) or reading (KPI) for Q2: a new
 * reference, NULL when there is none. */
static json_t *
stored(const char *collection, const char *code)
{
  struct th_response r;
  char path[256], *esc = NULL;
  json_t *items, *e, *out = NULL;
  long long id;
  size_t i;

  esc = malloc(strlen(code) * 3 + 1);
  ck_assert_ptr_nonnull(esc);
  esc[0] = '\0';
  for (const char *p = code; *p; p++)
    sprintf(esc + strlen(esc), *p == ' ' ? "%%20" : *p == '/' ? "%%2F" : "%c", *p);
  snprintf(path, sizeof(path), "/api/v1/%s?year=2018-19&code=%s", collection, esc);
  free(esc);
  th_req(&S, "GET", path, NULL, S.admin, NULL, 200, &r);
  id = th_jint(r.json, "items[0].id");
  th_response_free(&r);
  snprintf(path, sizeof(path), "/api/v1/%s/%lld/%s", collection, id,
           strcmp(collection, "kpis") == 0 ? "readings" : "updates");
  th_req(&S, "GET", path, NULL, S.admin, NULL, 200, &r);
  items = json_object_get(r.json, "items");
  json_array_foreach(items, i, e) if (strcmp(th_jstr(e, "quarter"), Q2) == 0) out = json_incref(e);
  th_response_free(&r);
  return out;
}

/* A note of the answer containing text. */
static bool
has_note(const struct th_response *r, const char *text)
{
  json_t *n;
  size_t i;

  json_array_foreach(json_object_get(r->json, "notes"), i,
                     n) if (strstr(json_string_value(n), text) != NULL) return true;
  return false;
}

/* ---- CSV as Excel writes it ------------------------------------------------------ */

/* UK Excel's "CSV UTF-8": BOM, CRLF, a two-line quoted comment, doubled
 * quotes, "UC1.1 " with a trailing space, 95.5% for a percent KPI, "1,234"
 * with a thousands comma, and the trailing ",,,,," rows: all accepted. */
START_TEST(excel_uk_csv)
{
  struct th_response r;
  json_t *e;

  post_file("returns/uk_excel_utf8.csv", "text/csv", rmbc, 200, &r);
  ck_assert_int_eq(th_jint(r.json, "milestones.written"), 2);
  ck_assert_int_eq(th_jint(r.json, "kpis.written"), 2);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "notes")), 0);
  th_response_free(&r);
  e = stored("milestones", "UC1.1");
  ck_assert_str_eq(th_jstr(e, "status"), "G");
  ck_assert_str_eq(th_jstr(e, "comment"), "On track;\nsecond line of the comment");
  json_decref(e);
  e = stored("milestones", "CH6.4");
  ck_assert_str_eq(th_jstr(e, "status"), "B");
  json_decref(e);
  e = stored("kpis", "UC/KPI 4");
  ck_assert_double_eq(th_jnum(e, "value"), 95.5);
  json_decref(e);
  e = stored("kpis", "UC/KPI 1");
  ck_assert_double_eq(th_jnum(e, "value"), 1234);
  ck_assert_str_eq(th_jstr(e, "comment"), "Winter: \"escalated\"");
  ck_assert_str_eq(th_jstr(e, "rating"), "A");
  json_decref(e);
}
END_TEST

/* Excel where the list separator is ';' and decimals take a comma:
 * Windows-1252 (é), decimal commas, ";;;;;" rows: accepted, and the answer
 * says how the file was read. */
START_TEST(excel_semicolon_1252_csv)
{
  struct th_response r;
  json_t *e;

  post_file("returns/semicolon_excel_1252.csv", "text/csv", rmbc, 200, &r);
  ck_assert_msg(has_note(&r, "Windows-1252"), "%s", r.body);
  ck_assert_msg(has_note(&r, "semicolon"), "%s", r.body);
  ck_assert_msg(has_note(&r, "decimal comma"), "%s", r.body);
  ck_assert_int_eq(th_jint(r.json, "kpis.written"), 3);
  th_response_free(&r);
  e = stored("milestones", "UC1.2");
  ck_assert_str_eq(th_jstr(e, "comment"), "Livr\xc3\xa9 en retard");
  json_decref(e);
  e = stored("kpis", "UC/KPI 4");
  ck_assert_double_eq(th_jnum(e, "value"), 95.5);
  ck_assert_str_eq(th_jstr(e, "comment"), "Hiver; pression");
  json_decref(e);
  e = stored("kpis", "UC/KPI 6");
  ck_assert_double_eq(th_jnum(e, "value"), 0.5);
  ck_assert_str_eq(th_jstr(e, "comment"), "caf\xc3\xa9");
  json_decref(e);
}
END_TEST

/* Decimal commas only when the whole file uses them: a file mixing "95,5"
 * and "96.2" is refused, the error saying why and where. */
START_TEST(mixed_decimals_refused)
{
  struct th_response r;
  json_t *e;

  post_file("returns/semicolon_mixed.csv", "text/csv", rmbc, 422, &r);
  e = th_assert_field_error(&r, "line[2].value");
  ck_assert_str_eq(th_jstr(e, "value"), "95,5");
  ck_assert_msg(strstr(th_jstr(e, "message"), "mixes decimal commas (line 2") != NULL, "%s",
                r.body);
  ck_assert_ptr_null(stored("kpis", "UC/KPI 6")); /* all or nothing */
  th_response_free(&r);
}
END_TEST

/* Excel's "Text (Tab delimited)" sent as text/plain (which got 415). */
START_TEST(text_plain_accepted)
{
  struct th_response r;
  json_t *e;

  post_file("returns/tab_text_1252.txt", "text/plain", rmbc, 200, &r);
  ck_assert_msg(has_note(&r, "tab"), "%s", r.body);
  th_response_free(&r);
  e = stored("milestones", "UC1.3");
  ck_assert_str_eq(th_jstr(e, "status"), "BR");
  ck_assert_str_eq(th_jstr(e, "comment"), "Not due to start \xe2\x80\x93 d\xc3\xa9"
                                          "but en juin");
  json_decref(e);
  /* JSON sent as text/plain is JSON */
  {
    static const char json[] = "{\"kpis\":[{\"code\":\"UC/KPI 6\",\"value\":7}]}";

    th_request_bytes(&S, "POST", SUBMIT, json, strlen(json), rmbc, "text/plain", &r);
  }
  ck_assert_msg(r.status == 200, "%s", r.body);
  th_response_free(&r);
}
END_TEST

/* Every error in line order (and column order within a line), each naming
 * its line, the column as written, the value as written, what was
 * expected, and the nearest code where there is one; a repeat names the
 * line it repeats; a code in the wrong case is read (and noted). */
START_TEST(errors_a_partner_can_act_on)
{
  static const struct {
    const char *field;
    long line;
    const char *value, *suggestion, *message;
  } want[] = {
    {"line[2].code", 2, "UC/KPI1", "UC/KPI 1",
     "line 2, column \"code\": no KPI UC/KPI1 in 2018-19; did you mean UC/KPI 1?"},
    /* a problem found reading the row (its value) and one found checking
     * its code: in the order of their columns */
    {"line[3].kind", 3, "milestone", "kpi",
     "no milestone UC/KPI 6 in 2018-19, but UC/KPI 6 is a KPI: write kpi as its kind"},
    {"line[3].value", 3, "12", NULL, "milestones have no value"},
    {"line[4].status", 4, "Purple", NULL, "\"Purple\" is not a milestone status"},
    {"line[5].value", 5, "95,5", NULL, "write decimals with a point"},
    {"line[7].code", 7, "UC1.1", NULL, "repeats line 4 (the same milestone, UC1.1)"},
    {"line[8].code", 8, "UC/KPI 2", NULL, "is owned by TRFT, not by RMBC"},
    {"line[9].kind", 9, "widget", "milestone", "\"widget\" is not a kind"},
    {"line[10].kind", 10, "kpi", "milestone", "no KPI UC1.3 in 2018-19, but UC1.3 is a milestone"},
  };
  struct th_response r;
  json_t *errors, *e;
  size_t i;

  post_file("returns/errors.csv", "text/csv; charset=utf-8", rmbc, 422, &r);
  th_assert_problem(&r, 422, "urn:ragboard:problem:validation");
  ck_assert_msg(strstr(th_jstr(r.json, "detail"), "nothing was written") != NULL, "%s", r.body);
  errors = json_object_get(r.json, "errors");
  ck_assert_msg(json_array_size(errors) == sizeof(want) / sizeof(want[0]), "%s", r.body);
  for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    e = json_array_get(errors, i);
    ck_assert_str_eq(th_jstr(e, "field"), want[i].field);
    ck_assert_int_eq(th_jint(e, "line"), want[i].line);
    ck_assert_str_eq(th_jstr(e, "value"), want[i].value);
    ck_assert_msg(strstr(th_jstr(e, "message"), want[i].message) != NULL, "%s: %s", want[i].field,
                  th_jstr(e, "message"));
    ck_assert_msg(strncmp(th_jstr(e, "message"), "line ", 5) == 0, "%s", th_jstr(e, "message"));
    ck_assert(json_is_string(json_object_get(e, "column")));
    ck_assert(json_is_string(json_object_get(e, "expected")));
    if (want[i].suggestion != NULL)
      ck_assert_str_eq(th_jstr(e, "suggestion"), want[i].suggestion);
    else
      ck_assert_ptr_null(json_object_get(e, "suggestion"));
  }
  /* uc1.2 (line 6) is UC1.2: no error, and the refusal says so */
  ck_assert_msg(has_note(&r, "\"uc1.2\" (line 6) read as UC1.2"), "%s", r.body);
  th_response_free(&r);
  ck_assert_ptr_null(stored("milestones", "UC1.2"));
}
END_TEST

/* The column in an error is the header as written in the file. */
START_TEST(error_names_column_as_written)
{
  static const char body[] = "Kind;Code;Status;Value\r\nkpi;UC/KPI 1;G;lots\r\n";
  struct th_response r;
  json_t *e;

  th_request_bytes(&S, "POST", SUBMIT, body, strlen(body), rmbc, "text/csv", &r);
  e = th_assert_field_error(&r, "line[2].value");
  ck_assert_str_eq(th_jstr(e, "column"), "Value");
  ck_assert_str_eq(th_jstr(e, "value"), "lots");
  ck_assert_str_eq(th_jstr(e, "kind"), "kpi");
  ck_assert_msg(
    strstr(th_jstr(e, "message"), "line 2, column \"Value\": \"lots\" is not a number") != NULL,
    "%s", r.body);
  th_response_free(&r);
}
END_TEST

/* Codes match ignoring case, and the answer says which were read so. */
START_TEST(codes_case_insensitive_noted)
{
  static const char body[] = "kind,code,status,value\nkpi,uc/kpi 4,G,90\nMILESTONE,ch6.4,g,\n";
  struct th_response r;
  json_t *e;

  th_request_bytes(&S, "POST", SUBMIT, body, strlen(body), rmbc, "text/csv", &r);
  ck_assert_msg(r.status == 200, "%s", r.body);
  ck_assert_msg(has_note(&r, "2 codes matched ignoring upper and lower case"), "%s", r.body);
  th_response_free(&r);
  e = stored("kpis", "UC/KPI 4");
  ck_assert_double_eq(th_jnum(e, "value"), 90);
  json_decref(e);
  /* and an error about such a row shows both */
  th_request_bytes(&S, "POST", SUBMIT, "kind,code,status\nkpi,uc/kpi 2,G\n", 31, rmbc, "text/csv",
                   &r);
  e = th_assert_field_error(&r, "line[2].code");
  ck_assert_msg(strstr(th_jstr(e, "message"), "uc/kpi 2 (read as UC/KPI 2) is owned by TRFT") !=
                  NULL,
                "%s", r.body);
  th_response_free(&r);
}
END_TEST

/* A row stored already is counted unchanged, not written. */
START_TEST(unchanged_counted)
{
  static const char body[] = "kind,code,status,value\nkpi,UC/KPI 4,G,90\nmilestone,CH6.4,G,\n";
  struct th_response r;

  th_request_bytes(&S, "POST", SUBMIT, body, strlen(body), rmbc, "text/csv", &r);
  ck_assert_int_eq(th_jint(r.json, "kpis.written"), 1);
  ck_assert_int_eq(th_jint(r.json, "kpis.unchanged"), 0);
  th_response_free(&r);
  th_request_bytes(&S, "POST", SUBMIT, body, strlen(body), rmbc, "text/csv", &r);
  ck_assert_int_eq(th_jint(r.json, "kpis.written"), 0);
  ck_assert_int_eq(th_jint(r.json, "kpis.unchanged"), 1);
  ck_assert_int_eq(th_jint(r.json, "milestones.written"), 0);
  ck_assert_int_eq(th_jint(r.json, "milestones.unchanged"), 1);
  ck_assert_uint_eq(json_array_size(th_jget(r.json, "kpis.ids")), 1);
  th_response_free(&r);
}
END_TEST

/* ---- monthly values (issue 18) ------------------------------------------------------ */

static long long
kpi_id(const char *escaped_code)
{
  struct th_response r;
  char path[256];
  long long id;

  snprintf(path, sizeof(path), "/api/v1/kpis?year=2018-19&code=%s", escaped_code);
  th_req(&S, "GET", path, NULL, S.admin, NULL, 200, &r);
  id = th_jint(r.json, "items[0].id");
  th_response_free(&r);
  return id;
}

/* A monthly KPI's rows with a month are its monthly values for the
 * quarter's months ("2018-07", "Aug 2018", a date in the month), beside
 * the quarter's rated reading (the row without a month); audited as
 * month.put, counted apart, unchanged the second time. */
START_TEST(monthly_values_in_a_return)
{
  static const char body[] = "kind,code,status,value,value_text,comment,month\r\n"
                             "kpi,UC/KPI 4,G,90,,the quarter,\r\n"
                             "kpi,UC/KPI 4,,89.5%,,July,2018-07\r\n"
                             "kpi,uc/kpi 4,,91,,,Aug 2018\r\n"
                             "kpi,UC/KPI 4,,92,,,2018-09-01\r\n";
  struct th_response r;
  long long id = kpi_id("UC%2FKPI%204");
  char path[128];
  json_t *e;

  snprintf(path, sizeof(path), "/api/v1/kpis/%lld", id);
  th_expect_status(&S, "PATCH", path, "{\"frequency\":\"monthly\"}", S.admin, NULL, 200);
  th_request_bytes(&S, "POST", SUBMIT, body, strlen(body), rmbc, "text/csv", &r);
  ck_assert_msg(r.status == 200, "%s", r.body);
  ck_assert_int_eq(th_jint(r.json, "kpis.written"), 1);
  ck_assert_int_eq(th_jint(r.json, "months.written"), 3);
  ck_assert_int_eq(th_jint(r.json, "months.ids[0]"), id);
  th_response_free(&r);
  e = stored("kpis", "UC/KPI 4");
  ck_assert_double_eq(th_jnum(e, "value"), 90);
  ck_assert_str_eq(th_jstr(e, "rating"), "G");
  json_decref(e);
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld/months", id);
  th_req(&S, "GET", path, NULL, S.admin, NULL, 200, &r);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 3);
  ck_assert_str_eq(th_jstr(r.json, "items[0].month"), "2018-07");
  ck_assert_double_eq(th_jnum(r.json, "items[0].value"), 89.5);
  ck_assert_str_eq(th_jstr(r.json, "items[0].comment"), "July");
  ck_assert_str_eq(th_jstr(r.json, "items[1].month"), "2018-08");
  ck_assert_double_eq(th_jnum(r.json, "items[2].value"), 92);
  th_response_free(&r);
  th_req(&S, "GET", "/api/v1/audit?action=month.put", NULL, S.admin, NULL, 200, &r);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 3);
  th_response_free(&r);
  th_request_bytes(&S, "POST", SUBMIT, body, strlen(body), rmbc, "text/csv", &r);
  ck_assert_int_eq(th_jint(r.json, "months.written"), 0);
  ck_assert_int_eq(th_jint(r.json, "months.unchanged"), 3);
  th_response_free(&r);
  /* JSON returns carry them the same way */
  th_req(&S, "POST", SUBMIT,
         "{\"kpis\":[{\"code\":\"UC/KPI 4\",\"month\":\"2018-07\",\"value\":88}]}", rmbc, NULL, 200,
         &r);
  ck_assert_int_eq(th_jint(r.json, "months.written"), 1);
  th_response_free(&r);
}
END_TEST

/* Months typed into Excel become dates (a serial number with a date
 * format): read as the day they show, so "Jul 2018" is 2018-07. */
START_TEST(monthly_values_from_excel_dates)
{
  struct th_response r;
  char out[400], cmd[1000], path[128];
  long long id = kpi_id("UC%2FKPI%204");
  size_t len;
  char *body;

  snprintf(path, sizeof(path), "/api/v1/kpis/%lld", id);
  th_expect_status(&S, "PATCH", path, "{\"frequency\":\"monthly\"}", S.admin, NULL, 200);
  snprintf(out, sizeof(out), "%s/monthly.xlsx", S.dir);
  snprintf(cmd, sizeof(cmd), "%s %s/tests/returns/monthly_workbook.py %s 2>&1", python(),
           RAGBOARD_SOURCE_ROOT, out);
  run(cmd);
  body = slurp(out, &len);
  th_request_bytes(&S, "POST", SUBMIT, body, len, rmbc, XLSX_TYPE, &r);
  free(body);
  ck_assert_msg(r.status == 200, "%s", r.body);
  ck_assert_int_eq(th_jint(r.json, "months.written"), 3);
  th_response_free(&r);
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld/months", id);
  th_req(&S, "GET", path, NULL, S.admin, NULL, 200, &r);
  ck_assert_str_eq(th_jstr(r.json, "items[0].month"), "2018-07");
  ck_assert_double_eq(th_jnum(r.json, "items[0].value"), 89.5);
  ck_assert_str_eq(th_jstr(r.json, "items[1].month"), "2018-08");
  ck_assert_str_eq(th_jstr(r.json, "items[2].month"), "2018-09");
  th_response_free(&r);
}
END_TEST

/* Months that cannot be: each refused on its line, naming why; nothing
 * written. */
START_TEST(monthly_values_refused)
{
  static const char body[] = "kind,code,status,value,month\r\n"
                             "kpi,UC/KPI 4,,1,2018-10\r\n"    /* 2: Q3's */
                             "kpi,UC/KPI 6,,1,2018-07\r\n"    /* 3: a quarterly KPI */
                             "milestone,CH6.4,G,,2018-07\r\n" /* 4: a milestone */
                             "kpi,UC/KPI 4,,1,43282\r\n"      /* 5: Excel's date serial */
                             "kpi,UC/KPI 4,A,1,2018-08\r\n"   /* 6: a rating */
                             "kpi,UC/KPI 4,,1,Jul 2018\r\n"   /* 7 */
                             "kpi,UC/KPI 4,,2,2018-07\r\n"    /* 8: repeats 7 */
                             "kpi,UC/KPI 4,,2,July\r\n";      /* 9: no year */
  static const struct {
    const char *field, *message;
  } want[] = {
    {"line[2].month", "2018-10 is in 2018-19-Q3, not in 2018-19-Q2"},
    {"line[3].month", "UC/KPI 6 is reported quarterly, not monthly"},
    {"line[4].month", "milestones have no monthly values"},
    {"line[5].month", "looks like a date a spreadsheet turned into a number"},
    {"line[6].status", "a monthly value has no rating"},
    {"line[8].code", "repeats line 7 (the same KPI, UC/KPI 4 in 2018-07)"},
    {"line[9].month", "\"July\" is not a month: write it as YYYY-MM"},
  };
  struct th_response r;
  char path[128];
  json_t *errors;

  snprintf(path, sizeof(path), "/api/v1/kpis/%lld", kpi_id("UC%2FKPI%204"));
  th_expect_status(&S, "PATCH", path, "{\"frequency\":\"monthly\"}", S.admin, NULL, 200);
  th_request_bytes(&S, "POST", SUBMIT, body, strlen(body), rmbc, "text/csv", &r);
  ck_assert_msg(r.status == 422, "%s", r.body);
  errors = json_object_get(r.json, "errors");
  ck_assert_msg(json_array_size(errors) == sizeof(want) / sizeof(want[0]), "%s", r.body);
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    json_t *e = json_array_get(errors, i);

    ck_assert_str_eq(th_jstr(e, "field"), want[i].field);
    ck_assert_msg(strstr(th_jstr(e, "message"), want[i].message) != NULL, "%zu: %s", i,
                  th_jstr(e, "message"));
  }
  th_response_free(&r);
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld/months", kpi_id("UC%2FKPI%204"));
  th_req(&S, "GET", path, NULL, S.admin, NULL, 200, &r);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 0);
  th_response_free(&r);
}
END_TEST

/* ---- workbooks -------------------------------------------------------------------------- */

/* A workbook openpyxl wrote (tests/data/sheet): its percent cell, 0.955
 * shown as 95.5%, is refused for UC/KPI 1, a count, on the row and column
 * the partner sees. Sent as application/octet-stream: the zip is read as
 * XLSX whatever its label. */
START_TEST(openpyxl_workbook)
{
  struct th_response r;
  json_t *e;

  post_file("sheet/openpyxl_return.xlsx", "application/octet-stream", S.admin, 422, &r);
  e = th_assert_field_error(&r, "line[3].value");
  ck_assert_str_eq(th_jstr(e, "value"), "95.5%");
  ck_assert_msg(strstr(th_jstr(e, "message"), "not measured in percent") != NULL, "%s", r.body);
  th_response_free(&r);
}
END_TEST

const char *
python(void)
{
  const char *p = getenv("RAGBOARD_PYTHON");

  return p != NULL && p[0] != '\0' ? p : "python3";
}

void
save(const char *path, const char *data, size_t len)
{
  FILE *f = fopen(path, "wb");

  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(data, 1, len, f), len);
  ck_assert_int_eq(fclose(f), 0);
}

/* Run a helper script; it must succeed (its output in the failure). */
void
run(const char *cmd)
{
  FILE *p = popen(cmd, "r");
  char msg[2048];
  size_t n;

  ck_assert_ptr_nonnull(p);
  n = fread(msg, 1, sizeof(msg) - 1, p);
  msg[n] = '\0';
  ck_assert_msg(pclose(p) == 0, "%s: %s", cmd, msg);
}

/* The round trip: the template downloaded over HTTP (libxlsxwriter's
 * workbook), filled in with openpyxl as a partner would (95.5 typed in a
 * percent KPI's value cell, which the template formats as a percentage:
 * 0.955 stored, 95.5 read; 88.25% typed in another, the partner's own
 * 0.0% format; a count; a status from the drop-down), uploaded as a
 * browser form; then what was stored. */
START_TEST(template_round_trip)
{
  struct th_response r;
  char in[400], out[400], fill[400], cmd[1600];
  size_t len;
  char *filled;
  json_t *e;

  th_req(&S, "GET", "/api/v1/quarters/" Q2 "/template", NULL, rmbc, NULL, 200, &r);
  th_assert_ctype(&r, XLSX_TYPE);
  snprintf(in, sizeof(in), "%s/template.xlsx", S.dir);
  snprintf(out, sizeof(out), "%s/filled.xlsx", S.dir);
  snprintf(fill, sizeof(fill), "%s/fill.json", S.dir);
  save(in, r.body, r.len);
  th_response_free(&r);
  {
    static const char spec[] =
      "{\"UC1.1\": {\"status\": \"A\", \"comment\": \"Delayed \\u2013 see the minutes\"},"
      " \"UC1.2\": {\"status\": \"G\"}, \"UC1.3\": {\"status\": \"BR\"},"
      " \"CH6.4\": {\"status\": \"B\"},"
      " \"UC/KPI 4\": {\"status\": \"G\", \"value\": 0.955},"
      " \"UC/KPI 6\": {\"value\": 88.25, \"percent\": true, \"value_text\": \"88.25%\"},"
      " \"UC/KPI 1\": {\"value\": 2801, \"comment\": \"above target\"}}";

    save(fill, spec, strlen(spec));
  }
  snprintf(cmd, sizeof(cmd), "%s %s/tests/returns/fill_template.py %s %s %s 2>&1", python(),
           RAGBOARD_SOURCE_ROOT, in, out, fill);
  {
    FILE *p = popen(cmd, "r");
    char msg[2048];
    size_t n;

    ck_assert_ptr_nonnull(p);
    n = fread(msg, 1, sizeof(msg) - 1, p);
    msg[n] = '\0';
    ck_assert_msg(pclose(p) == 0, "%s: %s", cmd, msg);
  }
  filled = slurp(out, &len);
  {
    const struct th_part parts[] = {
      {"file", "return-Q2-RMBC.xlsx", filled, len, XLSX_TYPE},
      {"submit", NULL, "Upload", 6, NULL},
    };

    th_upload(&S, SUBMIT, rmbc, parts, 2, &r);
  }
  free(filled);
  ck_assert_msg(r.status == 200, "%s", r.body);
  ck_assert_str_eq(th_jstr(r.json, "file"), "return-Q2-RMBC.xlsx");
  ck_assert_int_eq(th_jint(r.json, "milestones.written"), 4);
  ck_assert_int_eq(th_jint(r.json, "kpis.written"), 3);
  th_response_free(&r);
  e = stored("milestones", "UC1.1");
  ck_assert_str_eq(th_jstr(e, "status"), "A");
  ck_assert_str_eq(th_jstr(e, "comment"), "Delayed \xe2\x80\x93 see the minutes");
  json_decref(e);
  e = stored("kpis", "UC/KPI 4");
  ck_assert_double_eq(th_jnum(e, "value"), 95.5);
  ck_assert_str_eq(th_jstr(e, "rating"), "G");
  json_decref(e);
  e = stored("kpis", "UC/KPI 6");
  ck_assert_double_eq(th_jnum(e, "value"), 88.25);
  ck_assert_str_eq(th_jstr(e, "value_text"), "88.25%");
  json_decref(e);
  e = stored("kpis", "UC/KPI 1");
  ck_assert_double_eq(th_jnum(e, "value"), 2801);
  json_decref(e);
}
END_TEST

/* The template as downloaded, not filled in: libxlsxwriter's workbook
 * reads back (title and instruction rows, context columns), and every row
 * is one left empty in status, value, value_text and comment, skipped
 * (what is stored for its item stays), so the return has nothing to
 * write: refused saying so, naming the header row the partner sees. The
 * CSV template the same. */
START_TEST(template_uploaded_unfilled)
{
  struct th_response r, u;

  for (int csv = 0; csv < 2; csv++) {
    th_req(&S, "GET",
           csv ? "/api/v1/quarters/" Q2 "/template?format=csv" : "/api/v1/quarters/" Q2 "/template",
           NULL, rmbc, NULL, 200, &r);
    th_request_bytes(&S, "POST", SUBMIT, r.body, r.len, rmbc, csv ? "text/csv" : XLSX_TYPE, &u);
    ck_assert_msg(u.status == 422, "%s", u.body);
    ck_assert_msg(strstr(th_jstr(u.json, "detail"), "nothing to write") != NULL, "%s", u.body);
    /* XLSX: a title and an instructions row come first */
    ck_assert_msg(strstr(th_jstr(u.json, "detail"), csv ? "(line 1)" : "(line 3)") != NULL, "%s",
                  u.body);
    ck_assert_uint_eq(json_array_size(json_object_get(u.json, "errors")), 0);
    th_response_free(&u);
    th_response_free(&r);
  }
}
END_TEST

/* ---- browser form uploads ---------------------------------------------------------------- */

START_TEST(multipart_uploads)
{
  static const char csv[] = "kind,code,status\r\nmilestone,UC1.1,G\r\n";
  const struct th_part one[] = {{"file", "return.csv", csv, sizeof(csv) - 1, "text/csv"}};
  const struct th_part two[] = {{"file", "a.csv", csv, sizeof(csv) - 1, NULL},
                                {"other", "b.csv", csv, sizeof(csv) - 1, NULL}};
  const struct th_part none[] = {{"quarter", NULL, Q2, strlen(Q2), NULL}};
  /* Windows browsers label a .csv file application/vnd.ms-excel */
  const struct th_part labelled[] = {
    {"file", "return.csv", csv, sizeof(csv) - 1, "application/vnd.ms-excel"}};
  struct th_response r;

  th_upload(&S, SUBMIT, rmbc, one, 1, &r);
  ck_assert_msg(r.status == 200, "%s", r.body);
  ck_assert_str_eq(th_jstr(r.json, "file"), "return.csv");
  ck_assert_msg(has_note(&r, "the uploaded file \"return.csv\" read as CSV"), "%s", r.body);
  th_response_free(&r);
  th_upload(&S, SUBMIT, rmbc, labelled, 1, &r);
  ck_assert_msg(r.status == 200, "%s", r.body);
  th_response_free(&r);
  th_upload(&S, SUBMIT, rmbc, two, 2, &r);
  th_assert_problem(&r, 400, "urn:ragboard:problem:bad-request");
  ck_assert_msg(strstr(th_jstr(r.json, "detail"), "more than one file") != NULL, "%s", r.body);
  th_response_free(&r);
  th_upload(&S, SUBMIT, rmbc, none, 1, &r);
  th_assert_problem(&r, 400, "urn:ragboard:problem:bad-request");
  ck_assert_msg(strstr(th_jstr(r.json, "detail"), "no file") != NULL, "%s", r.body);
  th_response_free(&r);
  /* the errors of an uploaded file name it */
  {
    static const char bad[] = "kind,code,status\nmilestone,UC1.1,Purple\n";
    const struct th_part p[] = {{"file", "my return.csv", bad, sizeof(bad) - 1, NULL}};

    th_upload(&S, SUBMIT, rmbc, p, 1, &r);
    th_assert_field_error(&r, "line[2].status");
    ck_assert_msg(strstr(th_jstr(r.json, "detail"), "\"my return.csv\"") != NULL, "%s", r.body);
    ck_assert_msg(has_note(&r, "my return.csv"), "%s", r.body);
    th_response_free(&r);
  }
  /* a form is a form on the returns route only */
  th_upload(&S, "/api/v1/owners", S.admin, one, 1, &r);
  th_assert_problem(&r, 415, NULL);
  th_response_free(&r);
  /* a viewer's form is refused at its head, as any write of theirs */
  th_upload(&S, SUBMIT, S.viewer, one, 1, &r);
  th_assert_problem(&r, 403, NULL);
  th_response_free(&r);
}
END_TEST

/* A form cut short, or without boundary: 400; one past the body limit:
 * 413 (the form's bytes count, not only the file's). */
START_TEST(multipart_hostile)
{
  static const char cut[] = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
                            "filename=\"a.csv\"\r\n\r\nkind,code,status\r\nmilestone,UC1.1,G\r\n";
  struct th_response r;
  size_t big = (size_t)1 << 20;
  char *body = malloc(big + 1);

  th_request_bytes(&S, "POST", SUBMIT, cut, strlen(cut), rmbc, "multipart/form-data; boundary=XyZ",
                   &r);
  th_assert_problem(&r, 400, NULL);
  ck_assert_msg(strstr(th_jstr(r.json, "detail"), "closing boundary") != NULL, "%s", r.body);
  th_response_free(&r);
  th_request_bytes(&S, "POST", SUBMIT, cut, strlen(cut), rmbc, "multipart/form-data", &r);
  th_assert_problem(&r, 400, NULL);
  th_response_free(&r);
  ck_assert_ptr_nonnull(body);
  memset(body, 'a', big);
  {
    const struct th_part p[] = {{"file", "big.csv", body, big, NULL}};

    th_upload(&S, SUBMIT, rmbc, p, 1, &r);
    th_assert_problem(&r, 413, NULL);
    th_response_free(&r);
  }
  free(body);
}
END_TEST

/* Hostile or odd forms, built by hand: each gets its 4xx naming what is
 * wrong, or is read (the file's name as the answer quotes it: its last
 * path segment, valid UTF-8, no control characters). */
START_TEST(multipart_table)
{
#define PART(disp, extra, data)                                                               \
  "--b0undary\r\nContent-Disposition: form-data; name=\"file\"" disp "\r\n" extra "\r\n" data \
  "\r\n--b0undary--\r\n"
#define CSV "kind,code,status\r\nmilestone,UC1.1,G\r\n"
  static const struct {
    const char *body, *ctype;
    long status;
    const char *said; /* in the detail (4xx) or the answer's "file" (200) */
  } cases[] = {
    {PART("; filename=\"a.csv\"", "Content-Transfer-Encoding: base64\r\n", "YWJj"), NULL, 400,
     "Content-Transfer-Encoding"},
    {PART("; filename=\"\"", "Content-Type: application/octet-stream\r\n", ""), NULL, 400,
     "no file"},
    {PART("; filename=\"a.csv\"", "", ""), NULL, 400, "the uploaded file is empty"},
    {PART("", "", CSV), NULL, 400, "no file"}, /* a plain field, not a file */
    {"garbage, no boundary in sight", NULL, 400, "no file"},
    {PART("; filename=\"a.csv\"", "", CSV) "--b0undary\r\nContent-Disposition: form-data; "
                                           "name=\"f2\"; filename=\"b.csv\"\r\n\r\nzzz\r\n"
                                           "--b0undary--\r\n",
     NULL, 400, "malformed"},
    {PART("; filename=\"a.csv\"", "", CSV), "multipart/form-data; boundary=\"b0undary\"", 200,
     "a.csv"},
    {PART("; filename=\"C:\\Users\\pat\\Q2\x01 r\xe9turn.csv\"", "", CSV), NULL, 200,
     "Q2? r?turn.csv"},
    {PART("; filename=\"a.csv\"", "", "{\"milestones\":[{\"code\":\"UC1.1\",\"status\":\"A\"}]}"),
     NULL, 200, "a.csv"}, /* JSON in a form is JSON */
    {PART("; filename=\"a.xlsx\"", "", "PK\3\4 not really a zip"), NULL, 400, "not a zip file"},
  };
#undef PART
#undef CSV
  struct th_response r;

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const char *ctype =
      cases[i].ctype != NULL ? cases[i].ctype : "multipart/form-data; boundary=b0undary";
    const char *said;

    th_request_bytes(&S, "POST", SUBMIT, cases[i].body, strlen(cases[i].body), rmbc, ctype, &r);
    ck_assert_msg(r.status == cases[i].status, "case %zu: %ld %s", i, r.status, r.body);
    said = th_jstr(r.json, r.status == 200 ? "file" : "detail");
    ck_assert_msg(strstr(said, cases[i].said) != NULL, "case %zu: %s", i, r.body);
    th_response_free(&r);
  }
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("returns");
  TCase *tc = th_tcase(s, "returns", setup, teardown, 120);

  tcase_add_test(tc, excel_uk_csv);
  tcase_add_test(tc, excel_semicolon_1252_csv);
  tcase_add_test(tc, mixed_decimals_refused);
  tcase_add_test(tc, text_plain_accepted);
  tcase_add_test(tc, errors_a_partner_can_act_on);
  tcase_add_test(tc, error_names_column_as_written);
  tcase_add_test(tc, codes_case_insensitive_noted);
  tcase_add_test(tc, unchanged_counted);
  tcase_add_test(tc, openpyxl_workbook);
  tcase_add_test(tc, template_round_trip);
  tcase_add_test(tc, template_uploaded_unfilled);
  tcase_add_test(tc, multipart_uploads);
  tcase_add_test(tc, multipart_hostile);
  tcase_add_test(tc, multipart_table);
  tcase_add_test(tc, monthly_values_in_a_return);
  tcase_add_test(tc, monthly_values_refused);
  tcase_add_test(tc, monthly_values_from_excel_dates);
  returns_blank_tests(s);
  return th_run(s);
}
