/* The router and the handlers behind it, driven in-process (no socket),
 * as the HTTP layer calls them: who may use which route, what the query
 * and the path may hold, which methods a path answers, and what a body
 * must be. Every refusal is a problem document with its status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "auth.h"
#include "harness.h"
#include "router.h"
#include "util.h"

#define TIMEOUT_S 60
#define Q1 "2018-19-Q1"

static struct th_server S;
static char submitter[128]; /* a submitter token for RMBC */

static void
setup(void)
{
  th_open(&S, true, NULL);
  th_token(&S, "submitter", "RMBC", submitter, sizeof(submitter));
}

static void
teardown(void)
{
  th_stop(&S);
}

/* One answer of the router, its body parsed when it is JSON. */
struct answer {
  struct rb_response resp;
  json_t *json;
};

static void
answer_free(struct answer *a)
{
  rb_response_clear(&a->resp);
  json_decref(a->json);
  memset(a, 0, sizeof(*a));
}

/* Dispatch method target (path[?query], the query split on & and =) as
 * token (NULL: none) with body (NULL: none) and an If-None-Match (NULL:
 * none). Problems are checked for their form here. */
static void
call(const char *method, const char *target, const char *token, const char *body,
     const char *if_none_match, struct answer *a)
{
  struct rb_param query[16];
  struct rb_request req;
  char copy[1024], auth[160], *q;

  memset(a, 0, sizeof(*a));
  memset(&req, 0, sizeof(req));
  ck_assert_uint_lt(strlen(target), sizeof(copy));
  snprintf(copy, sizeof(copy), "%s", target);
  q = strchr(copy, '?');
  if (q != NULL)
    *q++ = '\0';
  while (q != NULL && *q != '\0') {
    char *amp = strchr(q, '&'), *eq;

    if (amp != NULL)
      *amp++ = '\0';
    eq = strchr(q, '=');
    if (eq != NULL)
      *eq++ = '\0';
    ck_assert_uint_lt(req.nquery, ARRAY_LEN(query));
    query[req.nquery].key = q;
    query[req.nquery].value = eq;
    req.nquery++;
    q = amp;
  }
  req.method = method;
  req.path = copy;
  req.query = query;
  if (token != NULL) {
    snprintf(auth, sizeof(auth), "Bearer %s", token);
    req.authorization = auth;
  }
  if (body != NULL) {
    req.content_type = "application/json";
    req.body = body;
    req.body_len = strlen(body);
  } else {
    req.body = "";
  }
  req.if_none_match = if_none_match;
  req.request_id = "00112233445566778899aabbccddeeff";
  router_dispatch(S.app, &req, &a->resp);
  if (a->resp.body_len > 0)
    a->json = json_loadb(a->resp.body, a->resp.body_len, 0, NULL);
  if (a->resp.content_type != NULL &&
      strcmp(a->resp.content_type, "application/problem+json") == 0) {
    ck_assert_msg(json_is_object(a->json), "%s %s: problem is not JSON: %s", method, target,
                  a->resp.body);
    ck_assert_int_eq(json_integer_value(json_object_get(a->json, "status")), a->resp.status);
    ck_assert(json_is_string(json_object_get(a->json, "type")));
    ck_assert(json_is_string(json_object_get(a->json, "detail")));
    ck_assert_str_eq(json_string_value(json_object_get(a->json, "instance")),
                     "urn:ragboard:request:00112233445566778899aabbccddeeff");
  }
}

/* The value of header name in the answer, or NULL. */
static const char *
header(const struct answer *a, const char *name)
{
  for (size_t i = 0; i < a->resp.nheaders; i++)
    if (strcmp(a->resp.headers[i].name, name) == 0)
      return a->resp.headers[i].value;
  return NULL;
}

/* A call whose answer must be a problem of this status and type (NULL:
 * any), left in a. */
static void
refused(const char *method, const char *target, const char *token, const char *body,
        unsigned status, const char *type, struct answer *a)
{
  call(method, target, token, body, NULL, a);
  ck_assert_msg(a->resp.status == status, "%s %s: %u, wanted %u: %.400s", method, target,
                a->resp.status, status, a->resp.body != NULL ? a->resp.body : "");
  ck_assert_str_eq(a->resp.content_type, "application/problem+json");
  if (type != NULL)
    ck_assert_str_eq(json_string_value(json_object_get(a->json, "type")), type);
}

/* Whether problem a names field among its errors. */
static bool
names(const struct answer *a, const char *field)
{
  json_t *e;
  size_t i;

  json_array_foreach(json_object_get(a->json, "errors"), i, e)
  {
    if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0)
      return true;
  }
  return false;
}

/* A route pattern with its parameters filled in: an organisation, a
 * group, item 1 and Q1. */
static void
route_path(const char *pattern, char *out, size_t cap)
{
  size_t used = 0;

  for (const char *p = pattern; *p != '\0' && used + 1 < cap;) {
    const char *fill = NULL;

    if (strncmp(p, "{id}", 4) == 0)
      fill = "1";
    else if (strncmp(p, "{quarter}", 9) == 0)
      fill = Q1;
    else if (strncmp(p, "{code}", 6) == 0)
      fill = strncmp(pattern, "/api/v1/organisations", 21) == 0 ? "RMBC" : "CYP";
    if (fill == NULL) {
      out[used++] = *p++;
      continue;
    }
    used += (size_t)snprintf(out + used, cap - used, "%s", fill);
    p = strchr(p, '}') + 1;
  }
  out[used < cap ? used : cap - 1] = '\0';
}

/* Entries in the audit trail now. */
static size_t
trail_length(void)
{
  struct answer a;
  size_t n;

  call("GET", "/api/v1/audit?limit=500", S.admin, NULL, NULL, &a);
  ck_assert_uint_eq(a.resp.status, 200);
  n = json_array_size(json_object_get(a.json, "items"));
  answer_free(&a);
  return n;
}

/* Every write route refuses, before its handler runs and writing
 * nothing: no token or a bad one (401, with WWW-Authenticate), a viewer
 * (403), a submitter where the route is an admin's (403). */
START_TEST(write_routes_refuse_by_role)
{
  static const char *const bad_tokens[] = {"rb1_1_nonsense", "not-a-token", "rb1_99999_x"};
  size_t n, checked = 0, trail = trail_length();
  const struct route *routes = router_routes(&n);
  char path[256];
  struct answer a;

  for (size_t i = 0; i < n; i++) {
    const struct route *r = &routes[i];

    if (!(r->flags & ROUTE_WRITE))
      continue;
    route_path(r->pattern, path, sizeof(path));
    refused(r->method, path, NULL, "{}", 401, "urn:ragboard:problem:unauthorized", &a);
    ck_assert_msg(header(&a, "WWW-Authenticate") != NULL, "%s %s: no WWW-Authenticate", r->method,
                  path);
    answer_free(&a);
    for (size_t k = 0; k < ARRAY_LEN(bad_tokens); k++) {
      refused(r->method, path, bad_tokens[k], "{}", 401, "urn:ragboard:problem:unauthorized", &a);
      answer_free(&a);
    }
    refused(r->method, path, S.viewer, "{}", 403, "urn:ragboard:problem:forbidden", &a);
    ck_assert_str_eq(json_string_value(json_object_get(a.json, "detail")),
                     "a viewer token may not make this change");
    answer_free(&a);
    if (!(r->flags & ROUTE_SUBMIT)) {
      refused(r->method, path, submitter, "{}", 403, "urn:ragboard:problem:forbidden", &a);
      ck_assert_str_eq(json_string_value(json_object_get(a.json, "detail")),
                       "a submitter token may not make this change");
      answer_free(&a);
    }
    checked++;
  }
  ck_assert_uint_ge(checked, 20);
  ck_assert_uint_eq(trail_length(), trail);
}
END_TEST

/* A revoked token is refused on every route that needs one. */
START_TEST(revoked_token_refused)
{
  struct store *st = th_store(&S);
  char token[128], now[UTIL_TIME_LEN];
  json_t *row = NULL;
  struct answer a;

  th_token(&S, "admin", NULL, token, sizeof(token));
  call("GET", "/api/v1/tokens", token, NULL, NULL, &a);
  ck_assert_uint_eq(a.resp.status, 200);
  answer_free(&a);
  util_now(now);
  ck_assert_int_eq(store_begin(st, true), RB_OK);
  ck_assert_int_eq(store_token_revoke(st, strtoll(token + 4, NULL, 10), now, &row), RB_OK);
  json_decref(row);
  ck_assert_int_eq(store_commit(st), RB_OK);
  store_close(st);
  refused("GET", "/api/v1/tokens", token, NULL, 401, "urn:ragboard:problem:unauthorized", &a);
  answer_free(&a);
  refused("POST", "/api/v1/groups", token, "{\"code\":\"R\",\"name\":\"r\"}", 401,
          "urn:ragboard:problem:unauthorized", &a);
  answer_free(&a);
}
END_TEST

/* Admin reads are an admin's; the audit trail needs a token even when
 * reads are public; other reads do not. */
START_TEST(read_routes_by_role)
{
  size_t n;
  const struct route *routes = router_routes(&n);
  char path[256];
  struct answer a;

  S.app->cfg.public_read = true;
  for (size_t i = 0; i < n; i++) {
    const struct route *r = &routes[i];

    if (r->flags & (ROUTE_WRITE | ROUTE_PUBLIC))
      continue;
    route_path(r->pattern, path, sizeof(path));
    if (r->flags & ROUTE_ADMIN) {
      refused(r->method, path, S.viewer, NULL, 403, "urn:ragboard:problem:forbidden", &a);
      answer_free(&a);
      refused(r->method, path, submitter, NULL, 403, "urn:ragboard:problem:forbidden", &a);
      answer_free(&a);
    }
    call(r->method, path, NULL, NULL, NULL, &a);
    if (r->flags & (ROUTE_ADMIN | ROUTE_TOKEN))
      ck_assert_msg(a.resp.status == 401, "%s %s anonymous: %u", r->method, path, a.resp.status);
    else
      ck_assert_msg(a.resp.status != 401 && a.resp.status != 403, "%s %s anonymous: %u", r->method,
                    path, a.resp.status);
    answer_free(&a);
  }
  /* without --public-read, every read needs a token */
  S.app->cfg.public_read = false;
  refused("GET", "/api/v1/groups", NULL, NULL, 401, "urn:ragboard:problem:unauthorized", &a);
  answer_free(&a);
  call("GET", "/healthz", NULL, NULL, NULL, &a);
  ck_assert_uint_eq(a.resp.status, 200);
  answer_free(&a);
}
END_TEST

/* Query parameters a route does not take, or values it cannot use, are a
 * 400 naming them all, never ignored. */
START_TEST(bad_query_parameters_400)
{
  static const struct {
    const char *target;
    const char *fields[2]; /* named in errors; NULL: the detail says it */
    const char *detail;    /* part of the detail, or NULL */
  } cases[] = {
    {"/api/v1/organisations/RMBC?x=1", {"x", NULL}, NULL},
    {"/api/v1/kpis/1/readings?quarter=" Q1, {"quarter", NULL}, NULL},
    {"/api/v1/organisations?limit=0", {"limit", NULL}, NULL},
    {"/api/v1/organisations?limit=9999", {"limit", NULL}, NULL},
    {"/api/v1/groups?cursor=zzz", {"cursor", NULL}, NULL},
    {"/api/v1/groups?limit=1&limit=2", {"limit", NULL}, NULL},
    {"/api/v1/milestones?year=2018", {"year", NULL}, NULL},
    {"/api/v1/milestones?priority=0", {"priority", NULL}, NULL},
    {"/api/v1/kpis?owner=a%20b", {"owner", NULL}, NULL},
    {"/api/v1/kpis?limit=0&year=x", {"year", "limit"}, "2 fields are invalid"},
    {"/api/v1/priorities?owner=RMBC", {"owner", NULL}, NULL},
    {"/api/v1/summary", {"quarter", NULL}, "the quarter query parameter is required"},
    {"/api/v1/summary?quarter=2018-19-Q5", {"quarter", NULL}, "quarter"},
    {"/api/v1/quarters/2018-19-Q9", {"quarter", NULL}, "quarter"},
    {"/api/v1/kpis/1/readings/2018-19-Q0", {"quarter", NULL}, "quarter"},
    {"/api/v1/summary?quarter=" Q1 "&group=CYP", {"group", NULL}, NULL},
    {"/api/v1/exceptions?quarter=" Q1 "&limit=5", {"limit", NULL}, NULL},
    {"/api/v1/audit?action=bogus", {"action", NULL}, "action bogus is not one ragboard records"},
    {"/api/v1/audit?since=yesterday", {"since", NULL}, "since and until must be dates"},
    {"/api/v1/audit?quarter=2018-19-Q7", {"quarter", NULL}, "quarter"},
    {"/api/v1/audit/verify?anchor_id=1", {NULL, NULL}, "go together"},
    {"/api/v1/tokens?limit=-1", {"limit", NULL}, NULL},
    {"/api/v1/quarters?year=2018-19", {"year", NULL}, NULL},
  };
  struct answer a;

  for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
    refused("GET", cases[i].target, S.admin, NULL, 400, "urn:ragboard:problem:bad-request", &a);
    for (size_t k = 0; k < 2 && cases[i].fields[k] != NULL; k++)
      ck_assert_msg(names(&a, cases[i].fields[k]), "%s: %s not named: %s", cases[i].target,
                    cases[i].fields[k], a.resp.body);
    if (cases[i].detail != NULL)
      ck_assert_msg(
        strstr(json_string_value(json_object_get(a.json, "detail")), cases[i].detail) != NULL,
        "%s: detail %s", cases[i].target, json_string_value(json_object_get(a.json, "detail")));
    answer_free(&a);
  }
}
END_TEST

/* What no route matches is 404; a path that is not a path is 400. */
START_TEST(unknown_paths_404)
{
  /* "/" is the dashboard's page now (suite web); a path beside it is not. */
  static const char *const missing[] = {
    "/nothing",
    "/api/v1/nothing",
    "/api/v1/kpis/1/nothing",
    "/api/v1/kpis/0",
    "/api/v1/kpis/abc",
    "/api/v1/kpis/99999",
    "/api/v1/groups/NOPE",
    "/api/v1/tokens/99999",
    "/api/v1/groups/NOPE/summary?quarter=" Q1,
    "/api/v1//groups",
  };
  static const char *const broken[] = {"/api/v1/groups/%zz", "/api/v1/groups/a%00b",
                                       "/api/v1/groups/%4"};
  struct answer a;

  for (size_t i = 0; i < ARRAY_LEN(missing); i++) {
    refused("GET", missing[i], S.admin, NULL, 404, "urn:ragboard:problem:not-found", &a);
    answer_free(&a);
  }
  for (size_t i = 0; i < ARRAY_LEN(broken); i++) {
    refused("GET", broken[i], S.admin, NULL, 400, "urn:ragboard:problem:bad-request", &a);
    answer_free(&a);
  }
  /* a missing group's summary is 404 whatever If-None-Match says */
  call("GET", "/api/v1/groups/NOPE/summary?quarter=" Q1, S.admin, NULL, "*", &a);
  ck_assert_uint_eq(a.resp.status, 404);
  answer_free(&a);
}
END_TEST

/* A path that exists answers other methods 405 with Allow, and OPTIONS
 * with Allow and no body. */
START_TEST(method_not_allowed_405)
{
  static const struct {
    const char *method, *path, *allow;
  } cases[] = {
    {"PUT", "/api/v1/organisations", "GET, HEAD, POST"},
    {"DELETE", "/api/v1/summary", "GET, HEAD"},
    {"POST", "/api/v1/kpis/1", "GET, HEAD, PATCH, DELETE"},
    {"PATCH", "/api/v1/quarters/" Q1, "GET, HEAD, PUT"},
    {"GET", "/api/v1/import", "POST"},
    {"PUT", "/api/v1/milestones/1/updates", "GET, HEAD"},
    {"POST", "/api/v1/milestones/1/updates/" Q1, "GET, HEAD, PUT, DELETE"},
    {"POST", "/healthz", "GET, HEAD"},
  };
  struct answer a;

  for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
    refused(cases[i].method, cases[i].path, S.admin, NULL, 405,
            "urn:ragboard:problem:method-not-allowed", &a);
    ck_assert_msg(header(&a, "Allow") != NULL, "%s %s: no Allow", cases[i].method, cases[i].path);
    ck_assert_str_eq(header(&a, "Allow"), cases[i].allow);
    answer_free(&a);
  }
  call("OPTIONS", "/api/v1/kpis", NULL, NULL, NULL, &a);
  ck_assert_uint_eq(a.resp.status, 204);
  ck_assert_str_eq(header(&a, "Allow"), "GET, HEAD, POST");
  ck_assert_uint_eq(a.resp.body_len, 0);
  answer_free(&a);
}
END_TEST

/* Bodies the domain's validation refuses: 422 naming every bad field;
 * bodies that are not JSON objects: 400/422; nothing is written. */
START_TEST(validation_422)
{
  static const struct {
    const char *method, *path, *body;
    const char *fields[4];
  } cases[] = {
    {"POST", "/api/v1/organisations", "{}", {"code", "name", NULL, NULL}},
    {"POST",
     "/api/v1/groups",
     "{\"code\":\"bad code!\",\"name\":\"\"}",
     {"code", "name", NULL, NULL}},
    {"POST",
     "/api/v1/kpis",
     "{\"year\":\"2018\",\"code\":\"\",\"group\":\"CYP\",\"priorities\":[],\"description\":\"x\"}",
     {"year", "code", "priorities", NULL}},
    {"POST",
     "/api/v1/milestones",
     "{\"year\":\"2018-19\",\"code\":\"M\",\"group\":\"NOPE\",\"priority\":1,\"description\":\"x\","
     "\"owner\":\"NOBODY\"}",
     {"group", "owner", NULL, NULL}},
    {"POST",
     "/api/v1/priorities",
     "{\"year\":\"2018-19\",\"group\":\"CYP\",\"number\":0,\"title\":\"t\",\"extra\":1}",
     {"number", "extra", NULL, NULL}},
    {"PUT",
     "/api/v1/kpis/1/readings/" Q1,
     "{\"rating\":\"purple\",\"value\":\"x\"}",
     {"rating", "value", NULL, NULL}},
    {"PUT",
     "/api/v1/milestones/1/updates/" Q1,
     "{\"status\":\"Q\",\"comment\":7}",
     {"status", "comment", NULL, NULL}},
    {"POST",
     "/api/v1/tokens",
     "{\"name\":\"p\",\"role\":\"submitter\"}",
     {"organisation", NULL, NULL, NULL}},
    {"POST",
     "/api/v1/tokens",
     "{\"name\":\"p\",\"role\":\"root\",\"organisation\":\"NOPE\"}",
     {"role", "organisation", NULL, NULL}},
    {"PATCH", "/api/v1/organisations/RMBC", "{\"code\":\"X\"}", {"code", NULL, NULL, NULL}},
    {"PUT",
     "/api/v1/quarters/" Q1,
     "{\"state\":\"ajar\",\"unlock\":false}",
     {"state", "unlock", NULL, NULL}},
    {"POST", "/api/v1/organisations", "[1]", {NULL, NULL, NULL, NULL}},
  };
  size_t trail = trail_length();
  struct answer a;

  for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
    refused(cases[i].method, cases[i].path, S.admin, cases[i].body, 422,
            "urn:ragboard:problem:validation", &a);
    for (size_t k = 0; k < 4 && cases[i].fields[k] != NULL; k++)
      ck_assert_msg(names(&a, cases[i].fields[k]), "%s %s: %s not named: %s", cases[i].method,
                    cases[i].path, cases[i].fields[k], a.resp.body);
    answer_free(&a);
  }
  refused("POST", "/api/v1/organisations", S.admin, "{", 400, "urn:ragboard:problem:malformed-json",
          &a);
  answer_free(&a);
  refused("POST", "/api/v1/organisations", S.admin, "{\"code\":\"A\",\"code\":\"B\"}", 400,
          "urn:ragboard:problem:malformed-json", &a);
  answer_free(&a);
  refused("POST", "/api/v1/organisations", S.admin, "", 400, "urn:ragboard:problem:malformed-json",
          &a);
  answer_free(&a);
  ck_assert_uint_eq(trail_length(), trail);
}
END_TEST

/* A cached list is served with its data version as ETag (304 for a
 * client holding it), but a request the list refuses is refused before
 * the cache is asked: never a 304 for a bad query. */
START_TEST(cached_list_validates_first)
{
  struct answer a;
  char etag[64];

  call("GET", "/api/v1/groups", S.viewer, NULL, NULL, &a);
  ck_assert_uint_eq(a.resp.status, 200);
  ck_assert_ptr_nonnull(header(&a, "ETag"));
  snprintf(etag, sizeof(etag), "%s", header(&a, "ETag"));
  ck_assert_msg(etag[0] == '"' && etag[1] == 'l', "list ETag %s", etag);
  answer_free(&a);
  call("GET", "/api/v1/groups", S.viewer, NULL, etag, &a);
  ck_assert_uint_eq(a.resp.status, 304);
  ck_assert_uint_eq(a.resp.body_len, 0);
  ck_assert_str_eq(header(&a, "ETag"), etag);
  answer_free(&a);
  call("GET", "/api/v1/groups?limit=0", S.viewer, NULL, etag, &a);
  ck_assert_uint_eq(a.resp.status, 400);
  answer_free(&a);
  call("GET", "/api/v1/groups?bogus=1", S.viewer, NULL, "*", &a);
  ck_assert_uint_eq(a.resp.status, 400);
  answer_free(&a);
  /* and so for summaries and completeness */
  call("GET", "/api/v1/summary?quarter=2018-19-Q9", S.viewer, NULL, "*", &a);
  ck_assert_uint_eq(a.resp.status, 400);
  answer_free(&a);
  call("GET", "/api/v1/quarters/2018-19-Q9/completeness", S.viewer, NULL, "*", &a);
  ck_assert_uint_eq(a.resp.status, 400);
  answer_free(&a);
}
END_TEST

static Suite *
router_suite(void)
{
  Suite *s = suite_create("router");
  TCase *tc;

  tc = th_tcase(s, "authorisation", setup, teardown, TIMEOUT_S);
  tcase_add_test(tc, write_routes_refuse_by_role);
  tcase_add_test(tc, revoked_token_refused);
  tcase_add_test(tc, read_routes_by_role);

  tc = th_tcase(s, "requests", setup, teardown, TIMEOUT_S);
  tcase_add_test(tc, bad_query_parameters_400);
  tcase_add_test(tc, unknown_paths_404);
  tcase_add_test(tc, method_not_allowed_405);
  tcase_add_test(tc, validation_422);
  tcase_add_test(tc, cached_list_validates_first);
  return s;
}

int
main(void)
{
  return th_run(router_suite());
}
