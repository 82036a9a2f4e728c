/* Setting partners up and chasing their returns (issue 21), on the real
 * server with the demo dataset: item owners from the import format and
 * the demo, owners set in bulk (POST /api/v1/owners: all or nothing,
 * audited per item, admin only), what a token is (GET /api/v1/me), the
 * template's answers (type, file name, whose), and completeness per
 * organisation and as CSV. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <jansson.h>

#include "harness.h"

#define Q2 "2018-19-Q2"
#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

static struct th_server S;
static char rmbc[128], trft[128], var[128];

static void
setup(void)
{
  th_start(&S, true, NULL);
  th_token(&S, "submitter", "RMBC", rmbc, sizeof(rmbc));
  th_token(&S, "submitter", "TRFT", trft, sizeof(trft));
  th_token(&S, "submitter", "VAR", var, sizeof(var));
}

static void
teardown(void)
{
  th_stop(&S);
}

/* The owner of the item at path ("/api/v1/milestones?year=...&code=..."):
 * NULL for none; the string is copied into buf. */
static const char *
owner_of(const char *query, char *buf, size_t cap)
{
  struct th_response r;
  json_t *o;
  bool some;

  th_req(&S, "GET", query, NULL, S.admin, NULL, 200, &r);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 1);
  o = th_jget(r.json, "items[0].owner");
  some = json_is_string(o);
  if (some)
    snprintf(buf, cap, "%s", json_string_value(o));
  th_response_free(&r);
  return some ? buf : NULL;
}

/* The number of audit entries matching query. */
static size_t
audit_count(const char *query)
{
  struct th_response r;
  char path[256];
  size_t n;

  snprintf(path, sizeof(path), "/api/v1/audit?limit=500&%s", query);
  th_req(&S, "GET", path, NULL, S.admin, NULL, 200, &r);
  n = json_array_size(json_object_get(r.json, "items"));
  th_response_free(&r);
  return n;
}

/* ---- owners ---------------------------------------------------------------------------- */

/* The import format's owners are honoured: the demo's (data/README.md),
 * and a dataset's own. */
START_TEST(import_owners_honoured)
{
  char buf[64];

  ck_assert_str_eq(owner_of("/api/v1/milestones?year=2018-19&code=CH1.1", buf, sizeof(buf)),
                   "RDASH");
  ck_assert_str_eq(owner_of("/api/v1/kpis?year=2018-19&code=UC%2FKPI%202", buf, sizeof(buf)),
                   "TRFT");
  ck_assert_ptr_null(owner_of("/api/v1/milestones?year=2018-19&code=CH1.2", buf, sizeof(buf)));
  th_expect_status(
    &S, "POST", "/api/v1/import",
    "{\"format\":\"icp-performance-dataset/1\",\"financial_year\":\"2019-20\","
    "\"organisations\":[],\"groups\":[],\"priorities\":[{\"group\":\"CYP\",\"number\":1,"
    "\"title\":\"t\"}],\"milestones\":[{\"code\":\"N1.1\",\"group\":\"CYP\",\"priority\":1,"
    "\"description\":\"d\",\"owner\":\"VAR\",\"updates\":[]}],\"kpis\":[]}",
    S.admin, NULL, 200);
  ck_assert_str_eq(owner_of("/api/v1/milestones?year=2019-20&code=N1.1", buf, sizeof(buf)), "VAR");
}
END_TEST

START_TEST(owners_bulk)
{
  static const char body[] =
    "{\"items\":[{\"kind\":\"milestone\",\"year\":\"2018-19\",\"code\":\"CH1.2\",\"owner\":\"VAR\"}"
    ","
    "{\"kind\":\"kpi\",\"year\":\"2018-19\",\"code\":\"CH/KPI 2\",\"owner\":\"VAR\"},"
    "{\"kind\":\"milestone\",\"year\":\"2018-19\",\"code\":\"CH1.1\",\"owner\":\"RDASH\"},"
    "{\"kind\":\"kpi\",\"year\":\"2018-19\",\"code\":\"UC/KPI 2\",\"owner\":null}]}";
  struct th_response r;
  size_t before = audit_count("action=milestone.update"),
         kbefore = audit_count("action=kpi.update");
  char buf[64];

  /* admins only */
  th_expect_status(&S, "POST", "/api/v1/owners", body, rmbc, NULL, 403);
  th_expect_status(&S, "POST", "/api/v1/owners", body, S.viewer, NULL, 403);
  th_expect_status(&S, "POST", "/api/v1/owners", body, NULL, NULL, 401);
  th_req(&S, "POST", "/api/v1/owners", body, S.admin, NULL, 200, &r);
  ck_assert_int_eq(th_jint(r.json, "written"), 3);
  ck_assert_int_eq(th_jint(r.json, "unchanged"), 1); /* CH1.1 is RDASH's already */
  ck_assert_str_eq(th_jstr(r.json, "items[0].owner"), "VAR");
  ck_assert(json_is_null(th_jget(r.json, "items[0].previous_owner")));
  ck_assert_str_eq(th_jstr(r.json, "items[3].previous_owner"), "TRFT");
  ck_assert(json_is_false(th_jget(r.json, "items[2].changed")));
  th_response_free(&r);
  ck_assert_str_eq(owner_of("/api/v1/milestones?year=2018-19&code=CH1.2", buf, sizeof(buf)), "VAR");
  ck_assert_ptr_null(owner_of("/api/v1/kpis?year=2018-19&code=UC%2FKPI%202", buf, sizeof(buf)));
  /* one audit entry per item changed, as a PATCH of the owner leaves */
  ck_assert_uint_eq(audit_count("action=milestone.update"), before + 1);
  ck_assert_uint_eq(audit_count("action=kpi.update"), kbefore + 2);
  ck_assert_uint_eq(audit_count("action=milestone.update&code=CH1.2"), 1);
  /* VAR's submitter can now return CH1.2 */
  th_expect_status(&S, "POST", "/api/v1/quarters/" Q2 "/submissions",
                   "{\"milestones\":[{\"code\":\"CH1.2\",\"status\":\"G\"}]}", var, NULL, 200);
}
END_TEST

/* All or nothing: one bad item and nothing changes; every problem named
 * items[i].field, with the nearest code where the case differs. */
START_TEST(owners_bulk_refused)
{
  static const char body[] =
    "{\"items\":[{\"kind\":\"milestone\",\"year\":\"2018-19\",\"code\":\"CH1.2\",\"owner\":\"VAR\"}"
    ","
    "{\"kind\":\"milestone\",\"year\":\"2018-19\",\"code\":\"ch1.3\",\"owner\":\"VAR\"},"
    "{\"kind\":\"widget\",\"year\":\"2018-19\",\"code\":\"CH1.4\",\"owner\":\"VAR\"},"
    "{\"kind\":\"milestone\",\"year\":\"2018-19\",\"code\":\"CH1.5\",\"owner\":\"NOBODY\"},"
    "{\"kind\":\"milestone\",\"year\":\"2018-19\",\"code\":\"CH1.2\",\"owner\":\"TRFT\"},"
    "{\"kind\":\"milestone\",\"year\":\"2018-19\",\"code\":\"CH1.5\"}],\"extra\":1}";
  struct th_response r;
  size_t before = audit_count("");
  char buf[64];

  th_req(&S, "POST", "/api/v1/owners", body, S.admin, NULL, 422, &r);
  th_assert_problem(&r, 422, "urn:ragboard:problem:validation");
  ck_assert_msg(strstr(th_jstr(th_assert_field_error(&r, "items[1].code"), "message"),
                       "did you mean CH1.3?") != NULL,
                "%s", r.body);
  th_assert_field_error(&r, "items[2].kind");
  ck_assert_msg(strstr(th_jstr(th_assert_field_error(&r, "items[3].owner"), "message"),
                       "no organisation NOBODY") != NULL,
                "%s", r.body);
  ck_assert_msg(strstr(th_jstr(th_assert_field_error(&r, "items[4].code"), "message"),
                       "the same milestone as items[0]") != NULL,
                "%s", r.body);
  th_assert_field_error(&r, "items[5].owner");
  th_assert_field_error(&r, "extra");
  ck_assert_ptr_null(th_error_for(&r, "items[0].code"));
  th_response_free(&r);
  ck_assert_ptr_null(owner_of("/api/v1/milestones?year=2018-19&code=CH1.2", buf, sizeof(buf)));
  ck_assert_uint_eq(audit_count(""), before);
  th_expect_status(&S, "POST", "/api/v1/owners", "{\"items\":[]}", S.admin, NULL, 422);
  th_expect_status(&S, "POST", "/api/v1/owners", "{\"items\":", S.admin, NULL, 400);
}
END_TEST

/* ---- who am I -------------------------------------------------------------------------- */

START_TEST(me)
{
  struct th_response r;

  th_req(&S, "GET", "/api/v1/me", NULL, rmbc, NULL, 200, &r);
  ck_assert_str_eq(th_jstr(r.json, "role"), "submitter");
  ck_assert_str_eq(th_jstr(r.json, "organisation"), "RMBC");
  ck_assert_str_eq(th_jstr(r.json, "organisation_name"), "Rotherham Metropolitan Borough Council");
  ck_assert(json_is_string(th_jget(r.json, "name")));
  ck_assert_int_eq(th_jint(r.json, "owns.milestones"), 1); /* CH6.4 */
  ck_assert_int_eq(th_jint(r.json, "owns.kpis"), 3);       /* UC/KPI 1, 4, 6 */
  ck_assert_str_eq(th_jstr(r.json, "owns.years[0].year"), "2018-19");
  /* the demo opens Q2 only */
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "quarters")), 1);
  ck_assert_str_eq(th_jstr(r.json, "quarters[0].id"), Q2);
  ck_assert_str_eq(th_jstr(r.json, "quarters[0].state"), "open");
  ck_assert_int_eq(th_jint(r.json, "quarters[0].items.kpis"), 3);
  th_response_free(&r);

  th_req(&S, "GET", "/api/v1/me", NULL, S.viewer, NULL, 200, &r);
  ck_assert_str_eq(th_jstr(r.json, "role"), "viewer");
  ck_assert(json_is_null(th_jget(r.json, "organisation")));
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "quarters")), 0);
  ck_assert_int_eq(th_jint(r.json, "owns.milestones"), 0);
  th_response_free(&r);

  /* an admin may write every quarter that is not locked */
  th_req(&S, "GET", "/api/v1/me", NULL, S.admin, NULL, 200, &r);
  ck_assert_str_eq(th_jstr(r.json, "role"), "admin");
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "quarters")), 4);
  th_response_free(&r);
  th_expect_status(&S, "PUT", "/api/v1/quarters/2018-19-Q1", "{\"state\":\"locked\"}", S.admin,
                   NULL, 200);
  th_req(&S, "GET", "/api/v1/me", NULL, S.admin, NULL, 200, &r);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "quarters")), 3);
  th_response_free(&r);

  th_req(&S, "GET", "/api/v1/me", NULL, NULL, NULL, 401, &r);
  th_assert_problem(&r, 401, "urn:ragboard:problem:unauthorized");
  th_response_free(&r);
}
END_TEST

static void
public_read(struct app_config *cfg)
{
  cfg->public_read = true;
}

/* --public-read opens the data, not a token's description: /me is 401. */
START_TEST(me_needs_a_token_with_public_read)
{
  struct th_server p;

  th_start(&p, true, public_read);
  th_expect_status(&p, "GET", "/api/v1/organisations", NULL, NULL, NULL, 200);
  th_expect_status(&p, "GET", "/api/v1/me", NULL, NULL, NULL, 401);
  th_stop(&p);
}
END_TEST

/* ---- the template's answers ------------------------------------------------------------ */

START_TEST(template_answers)
{
  struct th_response r;
  char cd[256];

  th_req(&S, "GET", "/api/v1/quarters/" Q2 "/template", NULL, rmbc, NULL, 200, &r);
  th_assert_ctype(&r, XLSX_TYPE);
  ck_assert(th_header(&r, "Content-Disposition", cd, sizeof(cd)));
  ck_assert_str_eq(cd, "attachment; filename=\"return-2018-19-Q2-RMBC.xlsx\"");
  ck_assert(r.len > 4 && memcmp(r.body, "PK\3\4", 4) == 0);
  th_response_free(&r);

  th_req(&S, "GET", "/api/v1/quarters/" Q2 "/template?format=csv&organisation=RMBC", NULL, rmbc,
         NULL, 200, &r);
  th_assert_ctype(&r, "text/csv");
  ck_assert(th_header(&r, "Content-Disposition", cd, sizeof(cd)));
  ck_assert_str_eq(cd, "attachment; filename=\"return-2018-19-Q2-RMBC.csv\"");
  ck_assert_msg(strstr(r.body, "kind,code,description,target,unit,last quarter,last comment,"
                               "status,value,value_text,comment\r\n") != NULL,
                "%s", r.body);
  /* one row per item RMBC owns, with last quarter's figures */
  ck_assert_msg(strstr(r.body, "\r\nmilestone,CH6.4,") != NULL, "%s", r.body);
  ck_assert_msg(strstr(r.body, "\r\nkpi,UC/KPI 4,") != NULL, "%s", r.body);
  ck_assert_msg(strstr(r.body, "UC/KPI 2") == NULL, "TRFT's KPI in RMBC's template: %s", r.body);
  th_response_free(&r);

  /* another organisation's: a submitter may not; a viewer must name one */
  th_req(&S, "GET", "/api/v1/quarters/" Q2 "/template?organisation=TRFT", NULL, rmbc, NULL, 403,
         &r);
  th_assert_problem(&r, 403, NULL);
  th_response_free(&r);
  th_req(&S, "GET", "/api/v1/quarters/" Q2 "/template", NULL, S.viewer, NULL, 400, &r);
  ck_assert_msg(strstr(th_jstr(r.json, "detail"), "RDASH, RMBC, TRFT") != NULL, "%s", r.body);
  th_assert_field_error(&r, "organisation");
  th_response_free(&r);
  th_expect_status(&S, "GET", "/api/v1/quarters/" Q2 "/template?organisation=TRFT", NULL, S.viewer,
                   NULL, 200);
  th_expect_status(&S, "GET", "/api/v1/quarters/" Q2 "/template?organisation=NOPE", NULL, S.admin,
                   NULL, 400);
  th_expect_status(&S, "GET", "/api/v1/quarters/" Q2 "/template?format=pdf", NULL, rmbc, NULL, 400);
  th_expect_status(&S, "GET", "/api/v1/quarters/" Q2 "/template?x=1", NULL, rmbc, NULL, 400);
  th_expect_status(&S, "GET", "/api/v1/quarters/2018-19-Q7/template", NULL, rmbc, NULL, 400);
  th_expect_status(&S, "GET", "/api/v1/quarters/" Q2 "/template", NULL, NULL, NULL, 401);
  /* an organisation that owns nothing is told how owners are given */
  th_req(&S, "GET", "/api/v1/quarters/" Q2 "/template", NULL, var, NULL, 404, &r);
  ck_assert_msg(strstr(th_jstr(r.json, "detail"), "/api/v1/owners") != NULL, "%s", r.body);
  th_response_free(&r);
}
END_TEST

/* ---- completeness ---------------------------------------------------------------------- */

START_TEST(completeness_by_organisation)
{
  struct th_response r;
  json_t *b;

  th_expect_status(&S, "POST", "/api/v1/quarters/" Q2 "/submissions",
                   "{\"kpis\":[{\"code\":\"UC/KPI 4\",\"value\":90}]}", rmbc, NULL, 200);
  th_req(&S, "GET", "/api/v1/quarters/" Q2 "/completeness?organisation=RMBC", NULL, S.viewer, NULL,
         200, &r);
  ck_assert_str_eq(th_jstr(r.json, "organisation"), "RMBC");
  ck_assert_int_eq(th_jint(r.json, "total"), 4);
  ck_assert_int_eq(th_jint(r.json, "provided"), 1);
  ck_assert_int_eq(th_jint(r.json, "owes"), 3);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "organisations")), 1);
  b = th_jget(r.json, "organisations[0]");
  ck_assert_str_eq(th_jstr(b, "code"), "RMBC");
  ck_assert_str_eq(th_jstr(b, "name"), "Rotherham Metropolitan Borough Council");
  ck_assert_int_eq(th_jint(b, "owes"), 3);
  ck_assert(json_is_string(th_jget(b, "last_submitted_at")));
  ck_assert(json_is_string(th_jget(b, "missing[0].description")));
  th_response_free(&r);
  /* everyone's: TRFT has sent nothing */
  th_req(&S, "GET", "/api/v1/quarters/" Q2 "/completeness", NULL, S.viewer, NULL, 200, &r);
  ck_assert_int_eq(th_jint(r.json, "owes"), 125);
  {
    size_t i;

    json_array_foreach(json_object_get(r.json, "organisations"), i,
                       b) if (strcmp(th_jstr(b, "code"), "TRFT") == 0)
      ck_assert(json_is_null(th_jget(b, "last_submitted_at")));
  }
  th_response_free(&r);
  th_expect_status(&S, "GET", "/api/v1/quarters/" Q2 "/completeness?organisation=NOPE", NULL,
                   S.viewer, NULL, 400);
  th_expect_status(&S, "GET", "/api/v1/quarters/" Q2 "/completeness?format=xml", NULL, S.viewer,
                   NULL, 400);
}
END_TEST

/* As CSV, through the one CSV writer: a description a spreadsheet would
 * run as a formula is neutralised; cached and served with an ETag per data
 * version, like the JSON, and labelled CSV from the cache too. */
START_TEST(completeness_csv)
{
  struct th_response r;
  char etag[64], hdr[96], again[64];

  th_expect_status(&S, "PATCH", "/api/v1/milestones/1",
                   "{\"description\":\"=HYPERLINK(\\\"http://x\\\")\",\"owner\":\"RMBC\"}", S.admin,
                   NULL, 200);
  th_req(&S, "GET", "/api/v1/quarters/" Q2 "/completeness?organisation=RMBC&format=csv", NULL,
         S.viewer, NULL, 200, &r);
  th_assert_ctype(&r, "text/csv");
  ck_assert_msg(strncmp(r.body,
                        "quarter,organisation,organisation_name,organisation_owes,"
                        "organisation_last_submitted_at,kind,code,group,description,provided,"
                        "updated_at\r\n",
                        120) == 0,
                "%s", r.body);
  ck_assert_msg(strstr(r.body,
                       "\r\n2018-19-Q2,RMBC,Rotherham Metropolitan Borough Council,5,,"
                       "milestone,CH1.1,CYP,\"'=HYPERLINK(\"\"http://x\"\")\",no,\r\n") != NULL,
                "%s", r.body);
  ck_assert(th_header(&r, "ETag", etag, sizeof(etag)));
  th_response_free(&r);
  snprintf(hdr, sizeof(hdr), "If-None-Match: %s", etag);
  th_req(&S, "GET", "/api/v1/quarters/" Q2 "/completeness?organisation=RMBC&format=csv", NULL,
         S.viewer, hdr, 304, &r);
  th_response_free(&r);
  /* from the cache, still CSV */
  th_req(&S, "GET", "/api/v1/quarters/" Q2 "/completeness?organisation=RMBC&format=csv", NULL,
         S.admin, NULL, 200, &r);
  th_assert_ctype(&r, "text/csv");
  ck_assert(th_header(&r, "ETag", again, sizeof(again)));
  ck_assert_str_eq(again, etag);
  th_response_free(&r);
  /* the JSON of the same versions has another ETag */
  th_req(&S, "GET", "/api/v1/quarters/" Q2 "/completeness?organisation=RMBC", NULL, S.admin, hdr,
         200, &r);
  th_assert_ctype(&r, "application/json");
  th_response_free(&r);
  /* a return moves it */
  th_expect_status(&S, "POST", "/api/v1/quarters/" Q2 "/submissions",
                   "{\"kpis\":[{\"code\":\"UC/KPI 4\",\"value\":90}]}", rmbc, NULL, 200);
  th_req(&S, "GET", "/api/v1/quarters/" Q2 "/completeness?organisation=RMBC&format=csv", NULL,
         S.viewer, hdr, 200, &r);
  ck_assert_msg(strstr(r.body, ",kpi,UC/KPI 4,UCC,") != NULL, "%s", r.body);
  ck_assert_msg(strstr(r.body, "RMBC,Rotherham Metropolitan Borough Council,4,20") != NULL, "%s",
                r.body);
  th_response_free(&r);
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("owners");
  TCase *tc = th_tcase(s, "owners", setup, teardown, 120);

  tcase_add_test(tc, import_owners_honoured);
  tcase_add_test(tc, owners_bulk);
  tcase_add_test(tc, owners_bulk_refused);
  tcase_add_test(tc, me);
  tcase_add_test(tc, me_needs_a_token_with_public_read);
  tcase_add_test(tc, template_answers);
  tcase_add_test(tc, completeness_by_organisation);
  tcase_add_test(tc, completeness_csv);
  return th_run(s);
}
