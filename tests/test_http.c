/* HTTP tests of the reference-data API: the real server, started in-process
 * on port 0 with a fresh database, driven through libcurl. */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "harness.h"
#include "util.h"

#define TIMEOUT_S 60

static struct th_server S;

static void
setup_empty(void)
{
  th_start(&S, false, NULL);
}

static void
setup_demo(void)
{
  th_start(&S, true, NULL);
}

static void
public_read_cfg(struct app_config *cfg)
{
  cfg->public_read = true;
}

static void
setup_public(void)
{
  th_start(&S, true, public_read_cfg);
}

static void
teardown(void)
{
  th_stop(&S);
}

/* ---- helpers ------------------------------------------------------------- */

static void
req(const char *method, const char *path, const char *body, const char *token,
    struct th_response *r)
{
  th_request(&S, method, path, body, token, NULL, r);
}

/* A 2xx JSON answer with the given status. */
static void
assert_json(const struct th_response *r, long status)
{
  ck_assert_msg(r->status == status, "status %ld, wanted %ld: %s", r->status, status, r->body);
  th_assert_request_id(r);
  th_assert_ctype(r, "application/json");
  ck_assert_ptr_nonnull(r->json);
}

/* True when the problem's errors array names field. */
static bool
names_field(const struct th_response *r, const char *field)
{
  json_t *errors = json_object_get(r->json, "errors");
  size_t i;
  json_t *e;

  json_array_foreach(errors, i, e)
  {
    if (json_is_string(json_object_get(e, "field")) &&
        json_is_string(json_object_get(e, "message")) &&
        strcmp(json_string_value(json_object_get(e, "field")), field) == 0)
      return true;
  }
  return false;
}

static void
assert_names(const struct th_response *r, const char *field)
{
  ck_assert_msg(names_field(r, field), "errors do not name %s: %s", field, r->body);
}

/* RFC 3339 UTC: YYYY-MM-DDTHH:MM:SS[.fff]Z */
static void
assert_time(const json_t *v)
{
  static const char shape[] = "dddd-dd-ddTdd:dd:dd";
  const char *t = json_string_value(v);
  size_t n, i;

  ck_assert_msg(t != NULL, "timestamp is not a string");
  n = strlen(t);
  ck_assert_msg(n >= 20 && t[n - 1] == 'Z', "%s does not end in Z", t);
  for (i = 0; i < sizeof(shape) - 1; i++) {
    if (shape[i] == 'd')
      ck_assert_msg(isdigit((unsigned char)t[i]), "%s is not RFC 3339", t);
    else
      ck_assert_msg(t[i] == shape[i], "%s is not RFC 3339", t);
  }
  if (t[i] == '.') {
    for (i++; i < n - 1; i++)
      ck_assert_msg(isdigit((unsigned char)t[i]), "%s is not RFC 3339", t);
  } else {
    ck_assert_msg(i == n - 1, "%s is not RFC 3339", t);
  }
}

static void
assert_timestamps(const json_t *obj)
{
  assert_time(json_object_get(obj, "created_at"));
  assert_time(json_object_get(obj, "updated_at"));
}

static const char *
str(const json_t *obj, const char *key)
{
  return json_string_value(json_object_get(obj, key));
}

static json_int_t
num(const json_t *obj, const char *key)
{
  return json_integer_value(json_object_get(obj, key));
}

/* Number of items of a list answer at path (one page of up to 500). */
static size_t
count(const char *path)
{
  struct th_response r;
  char url[512];
  size_t n;

  snprintf(url, sizeof(url), "%s%slimit=500", path, strchr(path, '?') ? "&" : "?");
  req("GET", url, NULL, S.admin, &r);
  assert_json(&r, 200);
  ck_assert_msg(json_is_array(json_object_get(r.json, "items")), "no items: %s", r.body);
  ck_assert_msg(json_is_null(json_object_get(r.json, "next")), "next not null: %s", r.body);
  n = json_array_size(json_object_get(r.json, "items"));
  th_response_free(&r);
  return n;
}

/* GET a list answer; the caller frees r. */
static json_t *
list(const char *path, struct th_response *r)
{
  req("GET", path, NULL, S.admin, r);
  assert_json(r, 200);
  ck_assert_msg(json_is_array(json_object_get(r->json, "items")), "no items: %s", r->body);
  return json_object_get(r->json, "items");
}

/* POST body to collection as admin, expecting 201; returns the new object's
 * id (or 0 for code-keyed resources). The caller frees r. */
static json_int_t
create(const char *collection, const char *body, struct th_response *r)
{
  char loc[256], want[256];

  req("POST", collection, body, S.admin, r);
  assert_json(r, 201);
  ck_assert_msg(th_header(r, "Location", loc, sizeof(loc)), "no Location");
  if (strstr(collection, "organisations") == NULL && strstr(collection, "groups") == NULL)
    snprintf(want, sizeof(want), "%s/%lld", collection, (long long)num(r->json, "id"));
  else
    snprintf(want, sizeof(want), "%s/%s", collection, str(r->json, "code"));
  ck_assert_str_eq(loc, want);
  ck_assert_msg(json_is_integer(json_object_get(r->json, "id")) && num(r->json, "id") > 0,
                "no id: %s", r->body);
  assert_timestamps(r->json);
  ck_assert_str_eq(str(r->json, "created_at"), str(r->json, "updated_at"));
  return num(r->json, "id");
}

/* GET path as admin and check it equals want. */
static void
assert_get_equals(const char *path, const json_t *want)
{
  struct th_response r;

  req("GET", path, NULL, S.admin, &r);
  assert_json(&r, 200);
  ck_assert_msg(json_equal(r.json, (json_t *)want), "GET %s: %s", path, r.body);
  th_response_free(&r);
}

static void
assert_gone(const char *path)
{
  struct th_response r;

  req("DELETE", path, NULL, S.admin, &r);
  ck_assert_msg(r.status == 204, "DELETE %s: %ld %s", path, r.status, r.body);
  ck_assert_uint_eq(r.len, 0);
  th_assert_request_id(&r);
  th_response_free(&r);
  req("GET", path, NULL, S.admin, &r);
  th_assert_problem(&r, 404, "urn:ragboard:problem:not-found");
  th_response_free(&r);
  req("DELETE", path, NULL, S.admin, &r);
  th_assert_problem(&r, 404, NULL);
  th_response_free(&r);
}

/* PATCH path with patch; the answer must equal `before` with `field` set to
 * `value` and only updated_at moved on. */
static void
assert_patch_changes_only(const char *path, const json_t *before, const char *patch,
                          const char *field, json_t *value)
{
  struct th_response r;
  json_t *want = json_deep_copy(before);

  th_sleep_ms(5); /* timestamps have millisecond resolution */
  req("PATCH", path, patch, S.admin, &r);
  assert_json(&r, 200);
  ck_assert_str_eq(str(r.json, "created_at"), str(before, "created_at"));
  ck_assert_msg(strcmp(str(r.json, "updated_at"), str(before, "updated_at")) > 0,
                "updated_at did not move: %s", r.body);
  assert_timestamps(r.json);
  json_object_set_new(want, field, value);
  json_object_set(want, "updated_at", json_object_get(r.json, "updated_at"));
  ck_assert_msg(json_equal(want, r.json), "PATCH %s changed more than %s: %s", path, field, r.body);
  assert_get_equals(path, r.json);
  json_decref(want);
  th_response_free(&r);
}

/* A PATCH refused with 422 naming field, leaving the object as it was. */
static void
assert_patch_refused(const char *path, const char *patch, const char *field)
{
  struct th_response r, g;

  req("GET", path, NULL, S.admin, &g);
  assert_json(&g, 200);
  req("PATCH", path, patch, S.admin, &r);
  th_assert_problem(&r, 422, "urn:ragboard:problem:validation");
  assert_names(&r, field);
  th_response_free(&r);
  assert_get_equals(path, g.json);
  th_response_free(&g);
}

/* ---- health -------------------------------------------------------------- */

START_TEST(healthz_needs_no_token)
{
  struct th_response r;

  req("GET", "/healthz", NULL, NULL, &r);
  assert_json(&r, 200);
  ck_assert_str_eq(str(r.json, "status"), "ok");
  ck_assert_uint_eq(json_object_size(r.json), 1);
  th_response_free(&r);
}
END_TEST

START_TEST(readyz_answers_ready)
{
  struct th_response r;

  req("GET", "/readyz", NULL, NULL, &r);
  assert_json(&r, 200);
  ck_assert_str_eq(str(r.json, "status"), "ready");
  th_response_free(&r);
}
END_TEST

/* A write that met a storage fault makes the server not ready, naming the
 * fault, until a write commits again (tests/ops/faults.sh injects the real
 * faults; here the writer's report of one is given directly). */
START_TEST(readyz_not_ready_until_a_write_commits)
{
  struct th_response r;

  store_pool_note_write(S.app->pool, RB_ERR_READONLY);
  req("GET", "/readyz", NULL, NULL, &r);
  th_assert_problem(&r, 503, "urn:ragboard:problem:not-ready");
  ck_assert_ptr_nonnull(strstr(str(r.json, "detail"), "urn:ragboard:problem:read-only"));
  th_response_free(&r);
  /* neither a busy database nor a refused write says anything about storage */
  store_pool_note_write(S.app->pool, RB_ERR_BUSY);
  req("POST", "/api/v1/organisations", "{\"code\":\"X\"}", S.admin, &r);
  ck_assert_int_eq(r.status, 422);
  th_response_free(&r);
  req("GET", "/readyz", NULL, NULL, &r);
  th_assert_problem(&r, 503, "urn:ragboard:problem:not-ready");
  th_response_free(&r);
  /* a write that commits does */
  req("POST", "/api/v1/organisations", "{\"code\":\"X\",\"name\":\"Ready again\"}", S.admin, &r);
  ck_assert_int_eq(r.status, 201);
  th_response_free(&r);
  req("GET", "/readyz", NULL, NULL, &r);
  assert_json(&r, 200);
  ck_assert_str_eq(str(r.json, "status"), "ready");
  th_response_free(&r);
}
END_TEST

START_TEST(request_ids_differ)
{
  struct th_response a, b;
  char ida[64], idb[64];

  req("GET", "/healthz", NULL, NULL, &a);
  req("GET", "/healthz", NULL, NULL, &b);
  ck_assert(th_header(&a, "X-Request-Id", ida, sizeof(ida)));
  ck_assert(th_header(&b, "X-Request-Id", idb, sizeof(idb)));
  ck_assert_str_ne(ida, idb);
  th_response_free(&a);
  th_response_free(&b);
}
END_TEST

/* ---- demo lists and pagination --------------------------------------------- */

START_TEST(demo_counts)
{
  ck_assert_uint_eq(count("/api/v1/organisations"), 6);
  ck_assert_uint_eq(count("/api/v1/groups"), 3);
  ck_assert_uint_eq(count("/api/v1/priorities"), 22);
  ck_assert_uint_eq(count("/api/v1/milestones"), 76);
  ck_assert_uint_eq(count("/api/v1/kpis"), 50);
}
END_TEST

START_TEST(groups_list_shape)
{
  struct th_response r;
  json_t *items = list("/api/v1/groups", &r);

  ck_assert_uint_eq(json_array_size(items), 3);
  ck_assert_msg(json_is_null(json_object_get(r.json, "next")), "next: %s", r.body);
  /* ordered by code */
  ck_assert_str_eq(str(json_array_get(items, 0), "code"), "CYP");
  ck_assert_str_eq(str(json_array_get(items, 1), "code"), "MHLD");
  ck_assert_str_eq(str(json_array_get(items, 2), "code"), "UCC");
  ck_assert_str_eq(str(json_array_get(items, 0), "name"), "Children and Young People");
  ck_assert_uint_eq(json_array_size(json_object_get(json_array_get(items, 0), "chairs")), 2);
  assert_timestamps(json_array_get(items, 0));
  th_response_free(&r);
}
END_TEST

START_TEST(milestones_first_page)
{
  struct th_response r;
  json_t *items = list("/api/v1/milestones?limit=10", &r);

  ck_assert_uint_eq(json_array_size(items), 10);
  ck_assert_msg(json_is_string(json_object_get(r.json, "next")), "no next: %s", r.body);
  ck_assert_str_ne(str(r.json, "next"), "");
  ck_assert_str_eq(str(json_array_get(items, 0), "code"), "CH1.1");
  th_response_free(&r);
}
END_TEST

START_TEST(milestones_cursor_walk)
{
  bool seen[1024] = {false};
  char path[256], *cursor = NULL;
  size_t total = 0, pages = 0;

  for (;;) {
    struct th_response r;
    json_t *items, *it, *next;
    size_t i;

    if (cursor == NULL)
      snprintf(path, sizeof(path), "/api/v1/milestones?limit=10");
    else
      snprintf(path, sizeof(path), "/api/v1/milestones?limit=10&cursor=%s", cursor);
    items = list(path, &r);
    pages++;
    json_array_foreach(items, i, it)
    {
      json_int_t id = num(it, "id");

      ck_assert_msg(id > 0 && id < 1024, "unexpected id %lld", (long long)id);
      ck_assert_msg(!seen[id], "milestone %lld seen twice", (long long)id);
      seen[id] = true;
      total++;
    }
    next = json_object_get(r.json, "next");
    free(cursor);
    cursor = NULL;
    if (json_is_null(next)) {
      ck_assert_uint_eq(json_array_size(items), 6);
      th_response_free(&r);
      break;
    }
    ck_assert_msg(json_is_string(next), "next is neither string nor null: %s", r.body);
    ck_assert_uint_eq(json_array_size(items), 10);
    cursor = strdup(json_string_value(next));
    th_response_free(&r);
    ck_assert_uint_lt(pages, 20);
  }
  ck_assert_uint_eq(total, 76);
  ck_assert_uint_eq(pages, 8);
}
END_TEST

START_TEST(organisations_cursor_walk)
{
  struct th_response r;
  json_t *items = list("/api/v1/organisations?limit=4", &r);
  char path[256], first_last[65];

  ck_assert_uint_eq(json_array_size(items), 4);
  ck_assert(json_is_string(json_object_get(r.json, "next")));
  snprintf(first_last, sizeof(first_last), "%s", str(json_array_get(items, 3), "code"));
  snprintf(path, sizeof(path), "/api/v1/organisations?limit=4&cursor=%s", str(r.json, "next"));
  th_response_free(&r);
  items = list(path, &r);
  ck_assert_uint_eq(json_array_size(items), 2);
  ck_assert(json_is_null(json_object_get(r.json, "next")));
  ck_assert_int_gt(strcmp(str(json_array_get(items, 0), "code"), first_last), 0);
  th_response_free(&r);
}
END_TEST

START_TEST(bad_limits)
{
  static const char *const paths[] = {
    "/api/v1/milestones?limit=0",  "/api/v1/milestones?limit=501",   "/api/v1/milestones?limit=abc",
    "/api/v1/milestones?limit=-5", "/api/v1/milestones?limit=",      "/api/v1/groups?limit=0",
    "/api/v1/kpis?limit=501",      "/api/v1/organisations?limit=1x",
  };

  for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
    struct th_response r;

    req("GET", paths[i], NULL, S.admin, &r);
    th_assert_problem(&r, 400, "urn:ragboard:problem:bad-request");
    th_response_free(&r);
  }
}
END_TEST

START_TEST(limit_bounds_accepted)
{
  struct th_response r;

  ck_assert_uint_eq(json_array_size(list("/api/v1/milestones?limit=1", &r)), 1);
  th_response_free(&r);
  ck_assert_uint_eq(json_array_size(list("/api/v1/milestones?limit=500", &r)), 76);
  th_response_free(&r);
  /* the default page is 100 */
  ck_assert_uint_eq(json_array_size(list("/api/v1/milestones", &r)), 76);
  ck_assert(json_is_null(json_object_get(r.json, "next")));
  th_response_free(&r);
}
END_TEST

START_TEST(garbage_cursor)
{
  static const char *const paths[] = {
    "/api/v1/milestones?cursor=!!!not-a-cursor!!!",
    "/api/v1/milestones?cursor=",
    "/api/v1/groups?cursor=%25%25%25",
    "/api/v1/milestones?cursor=Z2FyYmFnZQ", /* base64 of "garbage": not an id */
    "/api/v1/kpis?cursor=Z2FyYmFnZQ",
  };

  for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
    struct th_response r;

    req("GET", paths[i], NULL, S.admin, &r);
    ck_assert_msg(r.status == 400, "%s: %ld %s", paths[i], r.status, r.body);
    th_assert_problem(&r, 400, NULL);
    th_response_free(&r);
  }
}
END_TEST

/* ---- filters ------------------------------------------------------------- */

START_TEST(filter_year_group)
{
  struct th_response r;
  json_t *items = list("/api/v1/milestones?year=2018-19&group=CYP&limit=500", &r), *it;
  size_t i;

  ck_assert_uint_eq(json_array_size(items), 25);
  json_array_foreach(items, i, it)
  {
    ck_assert_str_eq(str(it, "group"), "CYP");
    ck_assert_str_eq(str(it, "year"), "2018-19");
  }
  th_response_free(&r);
  ck_assert_uint_eq(count("/api/v1/milestones?group=UCC"), 28);
  ck_assert_uint_eq(count("/api/v1/milestones?year=2019-20"), 0);
}
END_TEST

START_TEST(filter_group_priority)
{
  struct th_response r;
  json_t *items = list("/api/v1/milestones?group=CYP&priority=1", &r), *it;
  size_t i;

  ck_assert_uint_eq(json_array_size(items), 5);
  json_array_foreach(items, i, it)
  {
    ck_assert_str_eq(str(it, "group"), "CYP");
    ck_assert_int_eq(num(it, "priority"), 1);
  }
  th_response_free(&r);
  ck_assert_uint_eq(count("/api/v1/priorities?group=MHLD"), 9);
}
END_TEST

START_TEST(filter_code)
{
  struct th_response r;
  json_t *items = list("/api/v1/milestones?code=CH1.1", &r);

  ck_assert_uint_eq(json_array_size(items), 1);
  ck_assert_str_eq(str(json_array_get(items, 0), "code"), "CH1.1");
  ck_assert_str_eq(str(json_array_get(items, 0), "group"), "CYP");
  ck_assert_int_eq(num(json_array_get(items, 0), "priority"), 1);
  ck_assert_str_eq(str(json_array_get(items, 0), "target_quarter"), "2018-19-Q4");
  th_response_free(&r);
  ck_assert_uint_eq(count("/api/v1/milestones?code=NOPE"), 0);
}
END_TEST

/* A decoded query value is not mistaken for another query in the list
 * cache: ?code=CH1.1%26limit%3D5 (no such code) leaves ?code=CH1.1&limit=5
 * its own answer. A query too long for the cache key is answered from
 * the database (the handler once ran without a connection: SIGSEGV). */
START_TEST(filter_kpi_priority)
{
  struct th_response r;
  json_t *items = list("/api/v1/kpis?group=UCC&priority=2&limit=500", &r), *it, *p;
  size_t i, j;
  bool multi = false;

  ck_assert_uint_eq(json_array_size(items), 12);
  json_array_foreach(items, i, it)
  {
    bool has2 = false;

    ck_assert_str_eq(str(it, "group"), "UCC");
    json_array_foreach(json_object_get(it, "priorities"), j, p) has2 =
      has2 || json_integer_value(p) == 2;
    ck_assert_msg(has2, "KPI %s lacks priority 2", str(it, "code"));
    multi = multi || json_array_size(json_object_get(it, "priorities")) > 1;
  }
  ck_assert(multi);
  th_response_free(&r);
  /* UC/KPI 4 serves priorities 1, 2, 4 and 5: found under each of them */
  ck_assert_uint_eq(count("/api/v1/kpis?priority=2"), 14);
  ck_assert_uint_eq(count("/api/v1/kpis?group=UCC&priority=5"), 8);
  ck_assert_uint_eq(count("/api/v1/kpis?group=UCC&priority=1"), 8);
}
END_TEST

START_TEST(filter_bad_values)
{
  static const char *const paths[] = {
    "/api/v1/milestones?year=2018",    "/api/v1/milestones?year=2018-20",
    "/api/v1/kpis?year=18-19",         "/api/v1/milestones?priority=0",
    "/api/v1/milestones?priority=abc", "/api/v1/priorities?priority=-1",
    "/api/v1/kpis?group=C%20YP",       "/api/v1/milestones?owner=RM%2FBC",
  };
  struct th_response r;

  for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
    req("GET", paths[i], NULL, S.admin, &r);
    th_assert_problem(&r, 400, "urn:ragboard:problem:bad-request");
    th_response_free(&r);
  }
  /* every bad parameter named, not only the first */
  req("GET", "/api/v1/milestones?limit=0&priority=x&year=2018&group=a%20b&cursor=%21", NULL,
      S.admin, &r);
  th_assert_problem(&r, 400, "urn:ragboard:problem:bad-request");
  assert_names(&r, "limit");
  assert_names(&r, "priority");
  assert_names(&r, "year");
  assert_names(&r, "group");
  assert_names(&r, "cursor");
  th_response_free(&r);
  req("GET", "/api/v1/organisations?limit=x&cursor=%21", NULL, S.admin, &r);
  th_assert_problem(&r, 400, "urn:ragboard:problem:bad-request");
  assert_names(&r, "limit");
  assert_names(&r, "cursor");
  th_response_free(&r);
}
END_TEST

START_TEST(filter_unknown_param)
{
  struct th_response r;

  req("GET", "/api/v1/milestones?colour=red", NULL, S.admin, &r);
  th_assert_problem(&r, 400, "urn:ragboard:problem:bad-request");
  assert_names(&r, "colour");
  th_response_free(&r);
  req("GET", "/api/v1/groups?group=CYP", NULL, S.admin, &r);
  th_assert_problem(&r, 400, NULL);
  assert_names(&r, "group");
  th_response_free(&r);
  req("GET", "/api/v1/milestones?group=CYP&group=UCC", NULL, S.admin, &r);
  th_assert_problem(&r, 400, NULL);
  assert_names(&r, "group");
  th_response_free(&r);
}
END_TEST

/* ---- CRUD ---------------------------------------------------------------- */

START_TEST(org_crud)
{
  struct th_response r;
  json_t *created;

  create("/api/v1/organisations", "{\"code\":\"ACME\",\"name\":\"Acme Trust\"}", &r);
  ck_assert_str_eq(str(r.json, "code"), "ACME");
  ck_assert_str_eq(str(r.json, "name"), "Acme Trust");
  created = json_incref(r.json);
  th_response_free(&r);
  assert_get_equals("/api/v1/organisations/ACME", created);
  assert_patch_changes_only("/api/v1/organisations/ACME", created, "{\"name\":\"Acme NHS\"}",
                            "name", json_string("Acme NHS"));
  assert_patch_refused("/api/v1/organisations/ACME", "{\"code\":\"ACME2\"}", "code");
  ck_assert_uint_eq(count("/api/v1/organisations"), 1);
  assert_gone("/api/v1/organisations/ACME");
  ck_assert_uint_eq(count("/api/v1/organisations"), 0);
  json_decref(created);
}
END_TEST

START_TEST(org_patch_same_value_keeps_updated_at)
{
  struct th_response r, p;

  create("/api/v1/organisations", "{\"code\":\"ACME\",\"name\":\"Acme Trust\"}", &r);
  th_sleep_ms(5);
  req("PATCH", "/api/v1/organisations/ACME", "{\"name\":\"Acme Trust\",\"code\":\"ACME\"}", S.admin,
      &p);
  assert_json(&p, 200);
  ck_assert_msg(json_equal(r.json, p.json), "a no-op PATCH changed the object: %s", p.body);
  th_response_free(&p);
  th_response_free(&r);
}
END_TEST

START_TEST(group_crud)
{
  struct th_response r;
  json_t *created, *chairs;

  create("/api/v1/groups", "{\"code\":\"PC\",\"name\":\"Primary care\"}", &r);
  ck_assert_str_eq(str(r.json, "code"), "PC");
  ck_assert_str_eq(str(r.json, "name"), "Primary care");
  ck_assert(json_is_array(json_object_get(r.json, "chairs")));
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "chairs")), 0);
  created = json_incref(r.json);
  th_response_free(&r);
  assert_get_equals("/api/v1/groups/PC", created);
  chairs = json_pack("[s]", "Dr Who");
  assert_patch_changes_only("/api/v1/groups/PC", created, "{\"chairs\":[\"Dr Who\"]}", "chairs",
                            chairs);
  assert_patch_refused("/api/v1/groups/PC", "{\"code\":\"PC2\"}", "code");
  assert_patch_refused("/api/v1/groups/PC", "{\"name\":\"   \"}", "name");
  assert_gone("/api/v1/groups/PC");
  json_decref(created);
}
END_TEST

START_TEST(priority_crud)
{
  struct th_response r;
  json_t *created;
  json_int_t id;
  char path[64];

  id = create("/api/v1/priorities",
              "{\"year\":\"2018-19\",\"group\":\"CYP\",\"number\":8,\"title\":\"New\"}", &r);
  ck_assert_str_eq(str(r.json, "year"), "2018-19");
  ck_assert_str_eq(str(r.json, "group"), "CYP");
  ck_assert_int_eq(num(r.json, "number"), 8);
  ck_assert_str_eq(str(r.json, "title"), "New");
  ck_assert(json_is_null(json_object_get(r.json, "long_title")));
  created = json_incref(r.json);
  th_response_free(&r);
  snprintf(path, sizeof(path), "/api/v1/priorities/%lld", (long long)id);
  assert_get_equals(path, created);
  ck_assert_uint_eq(count("/api/v1/priorities"), 23);
  assert_patch_changes_only(path, created, "{\"title\":\"Renamed\"}", "title",
                            json_string("Renamed"));
  assert_patch_refused(path, "{\"number\":9}", "number");
  assert_patch_refused(path, "{\"year\":\"2019-20\"}", "year");
  assert_patch_refused(path, "{\"group\":\"UCC\"}", "group");
  assert_gone(path);
  ck_assert_uint_eq(count("/api/v1/priorities"), 22);
  json_decref(created);
}
END_TEST

/* JSON Schema, the contract's language, counts 8.0 as an integer. */
START_TEST(whole_decimal_integers)
{
  struct th_response r;
  json_int_t id;
  char path[64];

  id = create("/api/v1/priorities",
              "{\"year\":\"2018-19\",\"group\":\"CYP\",\"number\":8.0,\"title\":\"New\"}", &r);
  ck_assert_msg(json_is_integer(json_object_get(r.json, "number")), "%s", r.body);
  ck_assert_int_eq(num(r.json, "number"), 8);
  th_response_free(&r);
  snprintf(path, sizeof(path), "/api/v1/priorities/%lld", (long long)id);
  /* the fixed number, written as 8.0, is no change */
  req("PATCH", path, "{\"number\":8.0,\"title\":\"Renamed\"}", S.admin, &r);
  assert_json(&r, 200);
  ck_assert_str_eq(str(r.json, "title"), "Renamed");
  th_response_free(&r);
  req("PATCH", path, "{\"number\":8.5}", S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  th_response_free(&r);
  /* an integer list item, and an integer reference */
  id = create("/api/v1/milestones",
              "{\"year\":\"2018-19\",\"code\":\"T9.8\",\"group\":\"CYP\",\"priority\":2.0,"
              "\"description\":\"Test milestone\",\"owner\":\"RMBC\"}",
              &r);
  ck_assert_msg(json_is_integer(json_object_get(r.json, "priority")), "%s", r.body);
  ck_assert_int_eq(num(r.json, "priority"), 2);
  th_response_free(&r);
  req("POST", "/api/v1/milestones",
      "{\"year\":\"2018-19\",\"code\":\"T9.7\",\"group\":\"CYP\",\"priority\":2.5,"
      "\"description\":\"Test milestone\",\"owner\":\"RMBC\"}",
      S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  th_response_free(&r);
  (void)id;
}
END_TEST

static const char milestone_body[] =
  "{\"year\":\"2018-19\",\"code\":\"T9.9\",\"group\":\"CYP\",\"priority\":2,"
  "\"description\":\"Test milestone\",\"target_quarter\":\"2018-19-Q3\",\"owner\":\"RMBC\"}";

START_TEST(milestone_crud)
{
  struct th_response r;
  json_t *created;
  json_int_t id;
  char path[64];

  id = create("/api/v1/milestones", milestone_body, &r);
  ck_assert_str_eq(str(r.json, "year"), "2018-19");
  ck_assert_str_eq(str(r.json, "code"), "T9.9");
  ck_assert_str_eq(str(r.json, "group"), "CYP");
  ck_assert_int_eq(num(r.json, "priority"), 2);
  ck_assert_str_eq(str(r.json, "description"), "Test milestone");
  ck_assert_str_eq(str(r.json, "target_quarter"), "2018-19-Q3");
  ck_assert_str_eq(str(r.json, "owner"), "RMBC");
  ck_assert(json_is_null(json_object_get(r.json, "target_text")));
  created = json_incref(r.json);
  th_response_free(&r);
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld", (long long)id);
  assert_get_equals(path, created);
  ck_assert_uint_eq(count("/api/v1/milestones"), 77);
  assert_patch_changes_only(path, created, "{\"description\":\"Changed\"}", "description",
                            json_string("Changed"));
  assert_patch_refused(path, "{\"year\":\"2019-20\"}", "year");
  assert_patch_refused(path, "{\"priority\":99}", "priority");
  assert_patch_refused(path, "{\"id\":5}", "id");
  assert_gone(path);
  ck_assert_uint_eq(count("/api/v1/milestones"), 76);
  json_decref(created);
}
END_TEST

static const char kpi_body[] =
  "{\"year\":\"2018-19\",\"code\":\"T/KPI 1\",\"group\":\"CYP\",\"priorities\":[2,1],"
  "\"description\":\"Test KPI\",\"direction\":\"increase\",\"unit\":\"percent\","
  "\"target\":95}";

START_TEST(kpi_crud)
{
  struct th_response r;
  json_t *created, *tol;
  json_int_t id;
  char path[64];

  id = create("/api/v1/kpis", kpi_body, &r);
  ck_assert_str_eq(str(r.json, "year"), "2018-19");
  ck_assert_str_eq(str(r.json, "code"), "T/KPI 1");
  ck_assert_str_eq(str(r.json, "group"), "CYP");
  ck_assert_str_eq(str(r.json, "direction"), "increase");
  ck_assert_double_eq(json_number_value(json_object_get(r.json, "target")), 95.0);
  tol = json_object_get(r.json, "tolerance");
  ck_assert_str_eq(str(tol, "mode"), "relative");
  ck_assert_double_eq(json_number_value(json_object_get(tol, "value")), 2.0);
  created = json_incref(r.json);
  th_response_free(&r);
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld", (long long)id);
  assert_get_equals(path, created);
  ck_assert_uint_eq(count("/api/v1/kpis"), 51);
  assert_patch_changes_only(path, created, "{\"description\":\"Changed KPI\"}", "description",
                            json_string("Changed KPI"));
  assert_patch_refused(path, "{\"year\":\"2019-20\"}", "year");
  assert_gone(path);
  ck_assert_uint_eq(count("/api/v1/kpis"), 50);
  json_decref(created);
}
END_TEST

START_TEST(get_bad_ids)
{
  static const char *const paths[] = {
    "/api/v1/milestones/abc",    "/api/v1/milestones/0",       "/api/v1/milestones/-1",
    "/api/v1/milestones/999999", "/api/v1/kpis/999999",        "/api/v1/priorities/1.5",
    "/api/v1/groups/NOPE",       "/api/v1/organisations/NOPE",
  };

  for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
    struct th_response r;

    req("GET", paths[i], NULL, S.admin, &r);
    th_assert_problem(&r, 404, "urn:ragboard:problem:not-found");
    th_response_free(&r);
  }
}
END_TEST

/* ---- errors ---------------------------------------------------------------- */

START_TEST(unknown_route)
{
  struct th_response r;

  req("GET", "/api/v1/nothing", NULL, S.admin, &r);
  th_assert_problem(&r, 404, "urn:ragboard:problem:not-found");
  th_response_free(&r);
  req("GET", "/api/v1/groups/CYP/nothing", NULL, S.admin, &r);
  th_assert_problem(&r, 404, NULL);
  th_response_free(&r);
  req("POST", "/api/v2/groups", "{}", S.admin, &r);
  th_assert_problem(&r, 404, NULL);
  th_response_free(&r);
}
END_TEST

START_TEST(wrong_method)
{
  struct th_response r;
  char allow[128];

  req("PUT", "/api/v1/groups", "{}", S.admin, &r);
  th_assert_problem(&r, 405, "urn:ragboard:problem:method-not-allowed");
  ck_assert_msg(th_header(&r, "Allow", allow, sizeof(allow)), "no Allow header");
  ck_assert_msg(strstr(allow, "GET") != NULL && strstr(allow, "POST") != NULL, "Allow: %s", allow);
  ck_assert_ptr_null(strstr(allow, "PUT"));
  th_response_free(&r);
  req("POST", "/api/v1/groups/CYP", "{}", S.admin, &r);
  th_assert_problem(&r, 405, NULL);
  ck_assert(th_header(&r, "Allow", allow, sizeof(allow)));
  ck_assert_ptr_nonnull(strstr(allow, "PATCH"));
  ck_assert_ptr_nonnull(strstr(allow, "DELETE"));
  ck_assert_ptr_null(strstr(allow, "POST"));
  th_response_free(&r);
}
END_TEST

START_TEST(malformed_json)
{
  struct th_response r;

  req("POST", "/api/v1/organisations", "{\"code\":\"X\",", S.admin, &r);
  th_assert_problem(&r, 400, "urn:ragboard:problem:malformed-json");
  th_response_free(&r);
  req("POST", "/api/v1/organisations", "", S.admin, &r);
  th_assert_problem(&r, 400, NULL);
  th_response_free(&r);
  req("PATCH", "/api/v1/milestones/1", "not json", S.admin, &r);
  th_assert_problem(&r, 400, NULL);
  th_response_free(&r);
  /* A NUL in a string is well-formed JSON that no field takes: a 422
   * naming each such field, not a 400 for malformed JSON. */
  req("POST", "/api/v1/organisations",
      "{\"code\":\"NUL\",\"name\":\"a\\u0000b\",\"x\":[\"\\u0000\"]}", S.admin, &r);
  th_assert_problem(&r, 422, "urn:ragboard:problem:validation");
  assert_names(&r, "name");
  assert_names(&r, "x[0]");
  th_response_free(&r);
  /* malformed further on: malformed, NUL or not */
  req("PATCH", "/api/v1/milestones/1", "{\"description\":\"a\\u0000b\"", S.admin, &r);
  th_assert_problem(&r, 400, "urn:ragboard:problem:malformed-json");
  th_response_free(&r);
  req("PATCH", "/api/v1/milestones/1", "{\"description\":\"a\\u0000b\",\"description\":\"x\"}",
      S.admin, &r);
  th_assert_problem(&r, 400, "urn:ragboard:problem:malformed-json");
  th_response_free(&r);
  ck_assert_uint_eq(count("/api/v1/organisations"), 6);
}
END_TEST

START_TEST(duplicate_keys)
{
  struct th_response r;

  req("POST", "/api/v1/organisations", "{\"code\":\"A1\",\"name\":\"x\",\"code\":\"B1\"}", S.admin,
      &r);
  th_assert_problem(&r, 400, "urn:ragboard:problem:malformed-json");
  th_response_free(&r);
  ck_assert_uint_eq(count("/api/v1/organisations"), 6);
}
END_TEST

START_TEST(array_body)
{
  struct th_response r;

  req("POST", "/api/v1/groups", "[{\"code\":\"X\",\"name\":\"y\"}]", S.admin, &r);
  th_assert_problem(&r, 422, "urn:ragboard:problem:validation");
  th_response_free(&r);
  req("POST", "/api/v1/groups", "\"just a string\"", S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  th_response_free(&r);
}
END_TEST

START_TEST(milestone_invalid_fields)
{
  struct th_response r;

  req("POST", "/api/v1/milestones",
      "{\"year\":\"2018-19\",\"code\":\"X1\",\"group\":\"NOPE\",\"priority\":1,"
      "\"target_quarter\":\"2019-Q4\"}",
      S.admin, &r);
  th_assert_problem(&r, 422, "urn:ragboard:problem:validation");
  assert_names(&r, "description");
  assert_names(&r, "target_quarter");
  assert_names(&r, "group");
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "errors")), 3);
  th_response_free(&r);
}
END_TEST

START_TEST(milestone_invalid_references)
{
  struct th_response r;

  req("POST", "/api/v1/milestones",
      "{\"year\":\"2018-19\",\"code\":\"X1\",\"group\":\"CYP\",\"priority\":99,"
      "\"description\":\"d\",\"owner\":\"NOBODY\"}",
      S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  assert_names(&r, "priority");
  assert_names(&r, "owner");
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "errors")), 2);
  th_response_free(&r);
  req("POST", "/api/v1/milestones",
      "{\"year\":\"2018\",\"code\":\"\",\"group\":\"CYP\",\"priority\":\"1\","
      "\"description\":\"d\",\"target_text\":5}",
      S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  assert_names(&r, "year");
  assert_names(&r, "code");
  assert_names(&r, "priority");
  assert_names(&r, "target_text");
  th_response_free(&r);
}
END_TEST

START_TEST(priority_and_kpi_invalid_fields)
{
  struct th_response r;

  req("POST", "/api/v1/priorities", "{\"year\":\"2018-19\",\"group\":\"NOPE\",\"number\":0}",
      S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  assert_names(&r, "group");
  assert_names(&r, "number");
  assert_names(&r, "title");
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "errors")), 3);
  th_response_free(&r);
  req("POST", "/api/v1/kpis",
      "{\"year\":\"2018-19\",\"code\":\"K\",\"group\":\"CYP\",\"priorities\":[1,42],"
      "\"direction\":\"sideways\",\"owner\":\"NOBODY\","
      "\"quarterly_targets\":{\"Q1\":1},\"tolerance\":{\"mode\":\"absolute\",\"value\":-1}}",
      S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  assert_names(&r, "description");
  assert_names(&r, "direction");
  assert_names(&r, "priorities[1]");
  assert_names(&r, "owner");
  assert_names(&r, "quarterly_targets.Q1");
  assert_names(&r, "tolerance.value");
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "errors")), 6);
  th_response_free(&r);
  ck_assert_uint_eq(count("/api/v1/priorities"), 22);
  ck_assert_uint_eq(count("/api/v1/kpis"), 50);
}
END_TEST

START_TEST(unknown_field)
{
  struct th_response r;

  req("POST", "/api/v1/organisations", "{\"code\":\"X1\",\"name\":\"x\",\"colour\":\"red\"}",
      S.admin, &r);
  th_assert_problem(&r, 422, "urn:ragboard:problem:validation");
  assert_names(&r, "colour");
  th_response_free(&r);
  req("PATCH", "/api/v1/groups/CYP", "{\"colour\":\"red\"}", S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  assert_names(&r, "colour");
  th_response_free(&r);
}
END_TEST

START_TEST(duplicate_natural_keys)
{
  static const char *const posts[][2] = {
    {"/api/v1/organisations", "{\"code\":\"RMBC\",\"name\":\"Again\"}"},
    {"/api/v1/groups", "{\"code\":\"CYP\",\"name\":\"Again\"}"},
    {"/api/v1/priorities", "{\"year\":\"2018-19\",\"group\":\"CYP\",\"number\":1,\"title\":\"t\"}"},
    {"/api/v1/milestones", "{\"year\":\"2018-19\",\"code\":\"CH1.1\",\"group\":\"CYP\","
                           "\"priority\":1,\"description\":\"again\"}"},
    {"/api/v1/kpis", "{\"year\":\"2018-19\",\"code\":\"CH/KPI 1\",\"group\":\"CYP\","
                     "\"priorities\":[1],\"description\":\"again\"}"},
  };

  for (size_t i = 0; i < sizeof(posts) / sizeof(posts[0]); i++) {
    struct th_response r;

    req("POST", posts[i][0], posts[i][1], S.admin, &r);
    th_assert_problem(&r, 409, "urn:ragboard:problem:conflict");
    th_response_free(&r);
  }
  ck_assert_uint_eq(count("/api/v1/organisations"), 6);
  ck_assert_uint_eq(count("/api/v1/groups"), 3);
  ck_assert_uint_eq(count("/api/v1/priorities"), 22);
  ck_assert_uint_eq(count("/api/v1/milestones"), 76);
  ck_assert_uint_eq(count("/api/v1/kpis"), 50);
}
END_TEST

START_TEST(delete_referenced_group)
{
  struct th_response r, before;

  req("GET", "/api/v1/groups/CYP", NULL, S.admin, &before);
  assert_json(&before, 200);
  req("DELETE", "/api/v1/groups/CYP", NULL, S.admin, &r);
  th_assert_problem(&r, 409, "urn:ragboard:problem:conflict");
  th_response_free(&r);
  assert_get_equals("/api/v1/groups/CYP", before.json);
  th_response_free(&before);
  ck_assert_uint_eq(count("/api/v1/groups"), 3);
  ck_assert_uint_eq(count("/api/v1/priorities?group=CYP"), 7);
  ck_assert_uint_eq(count("/api/v1/milestones?group=CYP"), 25);
}
END_TEST

START_TEST(delete_group_with_priorities_only)
{
  struct th_response r;
  json_int_t id;
  char path[64];

  create("/api/v1/groups", "{\"code\":\"PC\",\"name\":\"Primary care\"}", &r);
  th_response_free(&r);
  id = create("/api/v1/priorities",
              "{\"year\":\"2018-19\",\"group\":\"PC\",\"number\":1,\"title\":\"One\"}", &r);
  th_response_free(&r);
  req("DELETE", "/api/v1/groups/PC", NULL, S.admin, &r);
  th_assert_problem(&r, 409, NULL);
  th_response_free(&r);
  snprintf(path, sizeof(path), "/api/v1/priorities/%lld", (long long)id);
  req("GET", path, NULL, S.admin, &r);
  assert_json(&r, 200);
  th_response_free(&r);
  ck_assert_uint_eq(count("/api/v1/groups"), 4);
}
END_TEST

START_TEST(delete_referenced_priority)
{
  struct th_response r;
  json_t *items = list("/api/v1/priorities?group=CYP&priority=1", &r);
  char path[64];

  ck_assert_uint_eq(json_array_size(items), 1);
  snprintf(path, sizeof(path), "/api/v1/priorities/%lld",
           (long long)num(json_array_get(items, 0), "id"));
  th_response_free(&r);
  req("DELETE", path, NULL, S.admin, &r);
  th_assert_problem(&r, 409, NULL);
  th_response_free(&r);
  ck_assert_uint_eq(count("/api/v1/priorities"), 22);
}
END_TEST

START_TEST(delete_org_owning_milestone)
{
  struct th_response r;

  create("/api/v1/milestones", milestone_body, &r);
  th_response_free(&r);
  req("DELETE", "/api/v1/organisations/RMBC", NULL, S.admin, &r);
  th_assert_problem(&r, 409, "urn:ragboard:problem:conflict");
  th_response_free(&r);
  req("GET", "/api/v1/organisations/RMBC", NULL, S.admin, &r);
  assert_json(&r, 200);
  th_response_free(&r);
  ck_assert_uint_eq(count("/api/v1/organisations"), 6);
  /* an organisation owning nothing can go */
  req("DELETE", "/api/v1/organisations/VAR", NULL, S.admin, &r);
  ck_assert_int_eq(r.status, 204);
  th_response_free(&r);
}
END_TEST

/* A body nested `depth` levels: {"a":[[...[]...]]}. */
static char *
nested(int depth)
{
  char *b = malloc((size_t)depth * 2 + 16), *p = b;

  p += sprintf(p, "{\"a\":");
  for (int i = 1; i < depth; i++)
    *p++ = '[';
  for (int i = 1; i < depth; i++)
    *p++ = ']';
  strcpy(p, "}");
  return b;
}

START_TEST(too_deep)
{
  struct th_response r;
  char *b = nested(33);

  req("POST", "/api/v1/organisations", b, S.admin, &r);
  th_assert_problem(&r, 400, "urn:ragboard:problem:malformed-json");
  ck_assert_ptr_nonnull(strstr(str(r.json, "detail"), "32"));
  th_response_free(&r);
  free(b);
  b = nested(1000);
  req("POST", "/api/v1/organisations", b, S.admin, &r);
  th_assert_problem(&r, 400, NULL);
  th_response_free(&r);
  free(b);
  /* 32 levels are parsed: the answer is about the fields */
  b = nested(32);
  req("POST", "/api/v1/organisations", b, S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  assert_names(&r, "a");
  th_response_free(&r);
  free(b);
}
END_TEST

START_TEST(too_large)
{
  struct th_response r;
  size_t n = ((size_t)1 << 20) + 100;
  char *b = malloc(n + 64);
  size_t head;

  strcpy(b, "{\"code\":\"BIG\",\"name\":\"");
  head = strlen(b);
  memset(b + head, 'x', n);
  strcpy(b + head + n, "\"}");
  /* With Expect: 100-continue the server refuses on the headers alone, so
   * the client never races the server's close while still sending. */
  th_request(&S, "POST", "/api/v1/organisations", b, S.admin, "Expect: 100-continue", &r);
  th_assert_problem(&r, 413, "urn:ragboard:problem:too-large");
  th_response_free(&r);
  /* Chunked, there is no length to refuse up front: the body is read to
   * its end and the 413 still reaches the client (it once got no answer). */
  th_request(&S, "POST", "/api/v1/organisations", b, S.admin, "Transfer-Encoding: chunked", &r);
  th_assert_problem(&r, 413, "urn:ragboard:problem:too-large");
  th_response_free(&r);
  free(b);
  ck_assert_uint_eq(count("/api/v1/organisations"), 6);
}
END_TEST

START_TEST(too_many_query_parameters)
{
  struct th_response r;
  char path[512];
  size_t used = (size_t)snprintf(path, sizeof(path), "/api/v1/milestones?");

  for (int i = 0; i < 40; i++)
    used += (size_t)snprintf(path + used, sizeof(path) - used, "%sp%d=1", i ? "&" : "", i);
  req("GET", path, NULL, S.admin, &r);
  th_assert_problem(&r, 400, "urn:ragboard:problem:bad-request");
  ck_assert_ptr_nonnull(strstr(th_jstr(r.json, "detail"), "too many query parameters"));
  th_response_free(&r);
}
END_TEST

START_TEST(wrong_content_type)
{
  struct th_response r;

  th_request(&S, "POST", "/api/v1/organisations", "{\"code\":\"TXT\",\"name\":\"t\"}", S.admin,
             "Content-Type: text/plain", &r);
  th_assert_problem(&r, 415, "urn:ragboard:problem:unsupported-media-type");
  th_response_free(&r);
  th_request(&S, "POST", "/api/v1/organisations", "{\"code\":\"TXT\",\"name\":\"t\"}", S.admin,
             "Content-Type: application/json; charset=utf-8", &r);
  assert_json(&r, 201);
  th_response_free(&r);
}
END_TEST

/* RFC 7396 names the media type of a merge patch: every PATCH takes it as
 * well as application/json; other methods take only application/json. */
START_TEST(merge_patch_media_type)
{
  static const struct {
    const char *path, *patch, *field;
  } patches[] = {
    {"/api/v1/organisations/MP", "{\"name\":\"Merged\"}", "name"},
    {"/api/v1/groups/CYP", "{\"name\":\"Merged\"}", "name"},
    {"/api/v1/priorities/1", "{\"title\":\"Merged\"}", "title"},
    {"/api/v1/milestones/1", "{\"description\":\"Merged\"}", "description"},
    {"/api/v1/kpis/1", "{\"description\":\"Merged\"}", "description"},
  };
  struct th_response r;

  create("/api/v1/organisations", "{\"code\":\"MP\",\"name\":\"Merge plc\"}", &r);
  th_response_free(&r);
  for (size_t i = 0; i < sizeof(patches) / sizeof(patches[0]); i++) {
    th_request(&S, "PATCH", patches[i].path, patches[i].patch, S.admin,
               i % 2 ? "Content-Type: application/merge-patch+json; charset=utf-8"
                     : "Content-Type: application/merge-patch+json",
               &r);
    ck_assert_msg(r.status == 200, "PATCH %s as merge-patch+json: %ld %s", patches[i].path,
                  r.status, r.body);
    ck_assert_str_eq(str(r.json, patches[i].field), "Merged");
    th_response_free(&r);
  }
  th_request(&S, "PATCH", "/api/v1/organisations/MP", "{\"name\":\"x\"}", S.admin,
             "Content-Type: text/plain", &r);
  th_assert_problem(&r, 415, "urn:ragboard:problem:unsupported-media-type");
  ck_assert_ptr_nonnull(strstr(th_jstr(r.json, "detail"), "application/merge-patch+json"));
  th_response_free(&r);
  th_request(&S, "POST", "/api/v1/organisations", "{\"code\":\"MQ\",\"name\":\"q\"}", S.admin,
             "Content-Type: application/merge-patch+json", &r);
  th_assert_problem(&r, 415, "urn:ragboard:problem:unsupported-media-type");
  th_response_free(&r);
}
END_TEST

/* ---- a failed request writes nothing ------------------------------------- */

START_TEST(failed_writes_leave_lists)
{
  struct th_response r;

  req("POST", "/api/v1/kpis",
      "{\"year\":\"2018-19\",\"code\":\"NEW\",\"group\":\"CYP\",\"priorities\":[1,99],"
      "\"description\":\"d\"}",
      S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  assert_names(&r, "priorities[1]");
  th_response_free(&r);
  req("POST", "/api/v1/milestones",
      "{\"year\":\"2018-19\",\"code\":\"CH1.1\",\"group\":\"CYP\",\"priority\":1,"
      "\"description\":\"dup\"}",
      S.admin, &r);
  th_assert_problem(&r, 409, NULL);
  th_response_free(&r);
  req("POST", "/api/v1/groups", "{\"code\":\"bad code\",\"name\":\"\"}", S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  assert_names(&r, "code");
  assert_names(&r, "name");
  th_response_free(&r);
  ck_assert_uint_eq(count("/api/v1/kpis"), 50);
  ck_assert_uint_eq(count("/api/v1/kpis?code=NEW"), 0);
  ck_assert_uint_eq(count("/api/v1/milestones"), 76);
  ck_assert_uint_eq(count("/api/v1/groups"), 3);
}
END_TEST

START_TEST(failed_patch_leaves_object)
{
  struct th_response r, before;
  json_t *items = list("/api/v1/milestones?code=CH1.1", &before);
  char path[64];

  snprintf(path, sizeof(path), "/api/v1/milestones/%lld",
           (long long)num(json_array_get(items, 0), "id"));
  req("PATCH", path, "{\"description\":\"new text\",\"target_quarter\":\"2019-Q4\"}", S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  assert_names(&r, "target_quarter");
  th_response_free(&r);
  /* an unknown or unchangeable member does not hide the values' problems */
  req("PATCH", path, "{\"description\":\"\",\"bogus\":1,\"year\":\"2019-20\"}", S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  assert_names(&r, "bogus");
  assert_names(&r, "year");
  assert_names(&r, "description");
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "errors")), 3);
  th_response_free(&r);
  req("PATCH", "/api/v1/organisations/RMBC", "{\"name\":7,\"code\":\"Q\"}", S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  assert_names(&r, "name");
  assert_names(&r, "code");
  th_response_free(&r);
  assert_get_equals(path, json_array_get(items, 0));
  th_response_free(&before);
}
END_TEST

/* ---- authentication and authorisation ------------------------------------- */

START_TEST(no_token_401)
{
  struct th_response r;
  char www[128];

  req("GET", "/api/v1/groups", NULL, NULL, &r);
  th_assert_problem(&r, 401, "urn:ragboard:problem:unauthorized");
  ck_assert_msg(th_header(&r, "WWW-Authenticate", www, sizeof(www)), "no WWW-Authenticate");
  ck_assert_msg(strncmp(www, "Bearer", 6) == 0, "WWW-Authenticate: %s", www);
  th_response_free(&r);
  req("POST", "/api/v1/groups", "{\"code\":\"X\",\"name\":\"y\"}", NULL, &r);
  th_assert_problem(&r, 401, NULL);
  ck_assert(th_header(&r, "WWW-Authenticate", www, sizeof(www)));
  th_response_free(&r);
  ck_assert_uint_eq(count("/api/v1/groups"), 3);
}
END_TEST

START_TEST(bad_tokens_401)
{
  char wrong_secret[128];
  static const char *const tokens[] = {
    "garbage",
    "rb1_1_short",
    "rb1_999999_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "rb2_1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    NULL, /* the admin token's id with another secret */
  };
  size_t n = sizeof(tokens) / sizeof(tokens[0]);

  /* same id as the admin token, different secret */
  snprintf(wrong_secret, sizeof(wrong_secret), "%s", S.admin);
  {
    char *last = wrong_secret + strlen(wrong_secret) - 2;

    *last = *last == 'A' ? 'B' : 'A';
  }
  for (size_t i = 0; i < n; i++) {
    struct th_response r;
    char www[128];

    req("GET", "/api/v1/groups", NULL, tokens[i] != NULL ? tokens[i] : wrong_secret, &r);
    th_assert_problem(&r, 401, NULL);
    ck_assert(th_header(&r, "WWW-Authenticate", www, sizeof(www)));
    th_response_free(&r);
  }
  {
    struct th_response r;
    char hdr[256];

    snprintf(hdr, sizeof(hdr), "Authorization: Basic %s", S.admin);
    th_request(&S, "GET", "/api/v1/groups", NULL, NULL, hdr, &r);
    th_assert_problem(&r, 401, NULL);
    th_response_free(&r);
  }
}
END_TEST

static void
revoke(const char *token)
{
  struct store *st = th_store(&S);
  long long id = 0;
  char now[UTIL_TIME_LEN];
  json_t *row = NULL;

  ck_assert_int_eq(sscanf(token, "rb1_%lld_", &id), 1);
  util_now(now);
  ck_assert_int_eq(store_begin(st, true), RB_OK);
  ck_assert_int_eq(store_token_revoke(st, id, now, &row), RB_OK);
  ck_assert_int_eq(store_commit(st), RB_OK);
  ck_assert(json_is_string(json_object_get(row, "revoked_at")));
  json_decref(row);
  store_close(st);
}

START_TEST(revoked_token_401)
{
  struct th_response r;
  char tok[128];

  th_token(&S, "viewer", NULL, tok, sizeof(tok));
  req("GET", "/api/v1/groups", NULL, tok, &r);
  assert_json(&r, 200);
  th_response_free(&r);
  revoke(tok);
  req("GET", "/api/v1/groups", NULL, tok, &r);
  th_assert_problem(&r, 401, NULL);
  th_response_free(&r);
  /* other tokens still work */
  req("GET", "/api/v1/groups", NULL, S.viewer, &r);
  assert_json(&r, 200);
  th_response_free(&r);
}
END_TEST

START_TEST(viewer_reads_only)
{
  struct th_response r;

  req("GET", "/api/v1/milestones?limit=5", NULL, S.viewer, &r);
  assert_json(&r, 200);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 5);
  th_response_free(&r);
  req("POST", "/api/v1/organisations", "{\"code\":\"V1\",\"name\":\"v\"}", S.viewer, &r);
  th_assert_problem(&r, 403, "urn:ragboard:problem:forbidden");
  th_response_free(&r);
  req("PATCH", "/api/v1/groups/CYP", "{\"name\":\"Renamed\"}", S.viewer, &r);
  th_assert_problem(&r, 403, NULL);
  th_response_free(&r);
  req("DELETE", "/api/v1/organisations/VAR", NULL, S.viewer, &r);
  th_assert_problem(&r, 403, NULL);
  th_response_free(&r);
  ck_assert_uint_eq(count("/api/v1/organisations"), 6);
  req("GET", "/api/v1/groups/CYP", NULL, S.viewer, &r);
  assert_json(&r, 200);
  ck_assert_str_eq(str(r.json, "name"), "Children and Young People");
  th_response_free(&r);
}
END_TEST

START_TEST(submitter_cannot_edit_reference_data)
{
  struct th_response r;
  char tok[128];

  th_token(&S, "submitter", "RMBC", tok, sizeof(tok));
  req("GET", "/api/v1/groups", NULL, tok, &r);
  assert_json(&r, 200);
  th_response_free(&r);
  req("POST", "/api/v1/organisations", "{\"code\":\"S1\",\"name\":\"s\"}", tok, &r);
  th_assert_problem(&r, 403, NULL);
  th_response_free(&r);
}
END_TEST

START_TEST(admin_writes)
{
  struct th_response r;

  req("POST", "/api/v1/organisations", "{\"code\":\"ADM\",\"name\":\"a\"}", S.admin, &r);
  assert_json(&r, 201);
  th_response_free(&r);
  req("GET", "/api/v1/organisations/ADM", NULL, S.viewer, &r);
  assert_json(&r, 200);
  ck_assert_str_eq(str(r.json, "name"), "a");
  th_response_free(&r);
}
END_TEST

START_TEST(list_cache_keys)
{
  static const struct {
    const char *path;
    size_t items;
  } cases[] = {
    {"/api/v1/milestones?code=CH1.1%26limit%3D5", 0},
    {"/api/v1/milestones?code=CH1.1&limit=5", 1},
    {"/api/v1/milestones?code=CH1.1%3Dlimit%3D5", 0},
    {"/api/v1/milestones?code=CH1.1&limit=5", 1},
  };
  struct th_response r;
  char path[700];

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    req("GET", cases[i].path, NULL, NULL, &r);
    assert_json(&r, 200);
    ck_assert_msg(json_array_size(json_object_get(r.json, "items")) == cases[i].items, "%s: %.300s",
                  cases[i].path, r.body);
    th_response_free(&r);
  }
  for (int i = 0; i < 2; i++) { /* anonymous: no connection taken for a token */
    /* a query too long for a cache key, answered from the database */
    snprintf(path, sizeof(path), "/api/v1/milestones?priority=%0600d&group=CYP", 1);
    req("GET", path, NULL, NULL, &r);
    assert_json(&r, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 5);
    th_response_free(&r);
    /* a code no item can have is a bad request, not an empty list */
    snprintf(path, sizeof(path), "/api/v1/milestones?code=%0600d", 0);
    req("GET", path, NULL, NULL, &r);
    th_assert_problem(&r, 400, NULL);
    ck_assert_str_eq(th_jstr(r.json, "errors[0].field"), "code");
    th_response_free(&r);
  }
  req("GET", "/api/v1/kpis?code=", NULL, NULL, &r);
  th_assert_problem(&r, 400, NULL);
  ck_assert_str_eq(th_jstr(r.json, "errors[0].field"), "code");
  th_response_free(&r);
  snprintf(path, sizeof(path), "/api/v1/kpis?code=%065d", 0);
  req("GET", path, NULL, NULL, &r);
  th_assert_problem(&r, 400, NULL);
  th_response_free(&r);
  snprintf(path, sizeof(path), "/api/v1/kpis?code=%064d", 0); /* 64 is allowed */
  req("GET", path, NULL, NULL, &r);
  assert_json(&r, 200);
  th_response_free(&r);
  req("GET", "/api/v1/milestones?code=CH1.1", NULL, NULL, &r);
  assert_json(&r, 200);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 1);
  th_response_free(&r);
  /* At the key's 512-byte edge: a priority of 1 padded with zeros puts the
   * last parameter's name, then its value, across the end of the key;
   * CYP's and UCC's lists must never share one (they once did, the value
   * dropped from the key). */
  for (int pad = 460; pad <= 490; pad++) {
    static const char *const groups[] = {"CYP", "UCC"};
    size_t want[2] = {5, 6};

    for (int g = 0; g < 2; g++) {
      int n = snprintf(path, sizeof(path), "/api/v1/milestones?priority=%0*d&group=%s", pad, 1,
                       groups[g]);

      ck_assert_int_lt(n, (int)sizeof(path));
      req("GET", path, NULL, NULL, &r);
      assert_json(&r, 200);
      ck_assert_msg(json_array_size(json_object_get(r.json, "items")) == want[g],
                    "pad %d, %s: %zu items", pad, groups[g],
                    json_array_size(json_object_get(r.json, "items")));
      th_response_free(&r);
    }
  }
}
END_TEST

START_TEST(public_read_anonymous)
{
  struct th_response r;

  req("GET", "/api/v1/groups", NULL, NULL, &r);
  assert_json(&r, 200);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 3);
  th_response_free(&r);
  req("GET", "/api/v1/milestones?code=CH1.1", NULL, NULL, &r);
  assert_json(&r, 200);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 1);
  th_response_free(&r);
  req("POST", "/api/v1/organisations", "{\"code\":\"ANON\",\"name\":\"a\"}", NULL, &r);
  th_assert_problem(&r, 401, NULL);
  th_response_free(&r);
  req("DELETE", "/api/v1/organisations/VAR", NULL, NULL, &r);
  th_assert_problem(&r, 401, NULL);
  th_response_free(&r);
  /* a presented token is still checked */
  req("GET", "/api/v1/groups", NULL, "garbage", &r);
  th_assert_problem(&r, 401, NULL);
  th_response_free(&r);
  req("GET", "/api/v1/organisations/ANON", NULL, NULL, &r);
  th_assert_problem(&r, 404, NULL);
  th_response_free(&r);
}
END_TEST

/* ---- KPIs ------------------------------------------------------------------- */

START_TEST(kpi_priorities_sorted_and_defaults)
{
  struct th_response r;
  json_t *p, *tol, *qt;
  char path[64];

  create("/api/v1/kpis",
         "{\"year\":\"2018-19\",\"code\":\"T/KPI 2\",\"group\":\"CYP\",\"priorities\":[2,1],"
         "\"description\":\"Sorted\"}",
         &r);
  p = json_object_get(r.json, "priorities");
  ck_assert_uint_eq(json_array_size(p), 2);
  ck_assert_int_eq(json_integer_value(json_array_get(p, 0)), 1);
  ck_assert_int_eq(json_integer_value(json_array_get(p, 1)), 2);
  tol = json_object_get(r.json, "tolerance");
  ck_assert_uint_eq(json_object_size(tol), 2);
  ck_assert_str_eq(str(tol, "mode"), "relative");
  ck_assert(json_is_number(json_object_get(tol, "value")));
  ck_assert_double_eq(json_number_value(json_object_get(tol, "value")), 2.0);
  qt = json_object_get(r.json, "quarterly_targets");
  ck_assert(json_is_object(qt));
  ck_assert_uint_eq(json_object_size(qt), 0);
  ck_assert(json_is_null(json_object_get(r.json, "direction")));
  ck_assert(json_is_null(json_object_get(r.json, "owner")));
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld", (long long)num(r.json, "id"));
  th_response_free(&r);
  req("PATCH", path, "{\"priorities\":[3,1,2]}", S.admin, &r);
  assert_json(&r, 200);
  p = json_object_get(r.json, "priorities");
  ck_assert_uint_eq(json_array_size(p), 3);
  for (size_t i = 0; i < 3; i++)
    ck_assert_int_eq(json_integer_value(json_array_get(p, i)), (json_int_t)i + 1);
  th_response_free(&r);
  ck_assert_uint_eq(count("/api/v1/kpis?group=CYP&priority=3&code=T/KPI%202"), 1);
}
END_TEST

START_TEST(kpi_tolerance_and_targets_kept)
{
  struct th_response r;
  json_t *tol, *qt;

  create("/api/v1/kpis",
         "{\"year\":\"2018-19\",\"code\":\"T/KPI 3\",\"group\":\"CYP\",\"priorities\":[1],"
         "\"description\":\"d\",\"tolerance\":{\"mode\":\"absolute\",\"value\":0.5},"
         "\"quarterly_targets\":{\"2018-19-Q1\":10,\"2018-19-Q2\":12.5}}",
         &r);
  tol = json_object_get(r.json, "tolerance");
  ck_assert_str_eq(str(tol, "mode"), "absolute");
  ck_assert_double_eq(json_number_value(json_object_get(tol, "value")), 0.5);
  qt = json_object_get(r.json, "quarterly_targets");
  ck_assert_uint_eq(json_object_size(qt), 2);
  ck_assert_double_eq(json_number_value(json_object_get(qt, "2018-19-Q1")), 10.0);
  ck_assert_double_eq(json_number_value(json_object_get(qt, "2018-19-Q2")), 12.5);
  th_response_free(&r);
}
END_TEST

START_TEST(kpi_noop_patch_keeps_updated_at)
{
  struct th_response r, p;
  char path[64];

  create("/api/v1/kpis",
         "{\"year\":\"2018-19\",\"code\":\"T/KPI 8\",\"group\":\"CYP\",\"priorities\":[2,1],"
         "\"description\":\"d\",\"target\":95,\"quarterly_targets\":{\"2018-19-Q1\":1.5}}",
         &r);
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld", (long long)num(r.json, "id"));
  th_sleep_ms(5);
  req("PATCH", path, "{\"description\":\"d\",\"priorities\":[1,2],\"target\":95}", S.admin, &p);
  assert_json(&p, 200);
  ck_assert_msg(json_equal(r.json, p.json), "a no-op PATCH changed the KPI: %s", p.body);
  th_response_free(&p);
  th_response_free(&r);
}
END_TEST

/* PATCH is a JSON merge patch (RFC 7396): objects merge member by member. */
START_TEST(kpi_patch_merges_nested_objects)
{
  struct th_response r;
  json_t *tol, *qt;
  char path[64];

  create("/api/v1/kpis",
         "{\"year\":\"2018-19\",\"code\":\"T/KPI 9\",\"group\":\"CYP\",\"priorities\":[1],"
         "\"description\":\"d\",\"tolerance\":{\"mode\":\"absolute\",\"value\":1},"
         "\"quarterly_targets\":{\"2018-19-Q1\":10,\"2018-19-Q2\":20}}",
         &r);
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld", (long long)num(r.json, "id"));
  th_response_free(&r);
  req("PATCH", path,
      "{\"tolerance\":{\"value\":5},"
      "\"quarterly_targets\":{\"2018-19-Q1\":null,\"2018-19-Q3\":30}}",
      S.admin, &r);
  assert_json(&r, 200);
  tol = json_object_get(r.json, "tolerance");
  ck_assert_str_eq(str(tol, "mode"), "absolute");
  ck_assert_double_eq(json_number_value(json_object_get(tol, "value")), 5.0);
  qt = json_object_get(r.json, "quarterly_targets");
  ck_assert_uint_eq(json_object_size(qt), 2);
  ck_assert_ptr_null(json_object_get(qt, "2018-19-Q1"));
  ck_assert_double_eq(json_number_value(json_object_get(qt, "2018-19-Q2")), 20.0);
  ck_assert_double_eq(json_number_value(json_object_get(qt, "2018-19-Q3")), 30.0);
  th_response_free(&r);
  /* null removes a whole optional member: the defaults come back */
  req("PATCH", path, "{\"tolerance\":null,\"quarterly_targets\":null}", S.admin, &r);
  assert_json(&r, 200);
  tol = json_object_get(r.json, "tolerance");
  ck_assert_str_eq(str(tol, "mode"), "relative");
  ck_assert_double_eq(json_number_value(json_object_get(tol, "value")), 2.0);
  ck_assert_uint_eq(json_object_size(json_object_get(r.json, "quarterly_targets")), 0);
  th_response_free(&r);
}
END_TEST

START_TEST(kpi_bad_quarterly_targets)
{
  struct th_response r;

  req("POST", "/api/v1/kpis",
      "{\"year\":\"2018-19\",\"code\":\"T/KPI 4\",\"group\":\"CYP\",\"priorities\":[1],"
      "\"description\":\"d\",\"quarterly_targets\":{\"2018-Q1\":5,\"2018-19-Q2\":\"x\"}}",
      S.admin, &r);
  th_assert_problem(&r, 422, "urn:ragboard:problem:validation");
  assert_names(&r, "quarterly_targets.2018-Q1");
  assert_names(&r, "quarterly_targets.2018-19-Q2");
  th_response_free(&r);
  req("POST", "/api/v1/kpis",
      "{\"year\":\"2018-19\",\"code\":\"T/KPI 4\",\"group\":\"CYP\",\"priorities\":[1],"
      "\"description\":\"d\",\"quarterly_targets\":[1,2]}",
      S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  assert_names(&r, "quarterly_targets");
  th_response_free(&r);
  ck_assert_uint_eq(count("/api/v1/kpis"), 50);
}
END_TEST

START_TEST(kpi_bad_tolerance)
{
  struct th_response r;

  req("POST", "/api/v1/kpis",
      "{\"year\":\"2018-19\",\"code\":\"T/KPI 5\",\"group\":\"CYP\",\"priorities\":[1],"
      "\"description\":\"d\",\"tolerance\":{\"mode\":\"absolute\",\"value\":-1}}",
      S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  assert_names(&r, "tolerance.value");
  th_response_free(&r);
  req("POST", "/api/v1/kpis",
      "{\"year\":\"2018-19\",\"code\":\"T/KPI 5\",\"group\":\"CYP\",\"priorities\":[1],"
      "\"description\":\"d\",\"tolerance\":{\"mode\":\"fuzzy\"}}",
      S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  assert_names(&r, "tolerance.mode");
  assert_names(&r, "tolerance.value");
  th_response_free(&r);
  /* a value refused for its size is not also refused for its sign */
  req("POST", "/api/v1/kpis",
      "{\"year\":\"2018-19\",\"code\":\"T/KPI 5\",\"group\":\"CYP\",\"priorities\":[1],"
      "\"description\":\"d\",\"tolerance\":{\"mode\":\"relative\",\"value\":-1e16}}",
      S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "errors")), 1);
  assert_names(&r, "tolerance.value");
  th_response_free(&r);
  /* a bad mode does not hide a negative value */
  req("POST", "/api/v1/kpis",
      "{\"year\":\"2018-19\",\"code\":\"T/KPI 5\",\"group\":\"CYP\",\"priorities\":[1],"
      "\"description\":\"d\",\"tolerance\":{\"mode\":\"x\",\"value\":-1}}",
      S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  assert_names(&r, "tolerance.mode");
  assert_names(&r, "tolerance.value");
  th_response_free(&r);
}
END_TEST

START_TEST(kpi_huge_numbers)
{
  struct th_response r;

  req("POST", "/api/v1/kpis",
      "{\"year\":\"2018-19\",\"code\":\"T/KPI 6\",\"group\":\"CYP\",\"priorities\":[1],"
      "\"description\":\"d\",\"target\":1e16}",
      S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  assert_names(&r, "target");
  th_response_free(&r);
  req("POST", "/api/v1/kpis",
      "{\"year\":\"2018-19\",\"code\":\"T/KPI 6\",\"group\":\"CYP\",\"priorities\":[1],"
      "\"description\":\"d\",\"target\":1e999}",
      S.admin, &r);
  th_assert_problem(&r, 422, NULL); /* well-formed JSON, as 1e16 is (it was a 400) */
  ck_assert_ptr_nonnull(strstr(r.body, "too large"));
  th_response_free(&r);
  req("POST", "/api/v1/kpis",
      "{\"year\":\"2018-19\",\"code\":\"T/KPI 6\",\"group\":\"CYP\",\"priorities\":[1],"
      "\"description\":\"d\",\"target\":99999999999999999999}",
      S.admin, &r);
  ck_assert_msg(r.status == 422, "2^66 as an integer: %ld %s", r.status, r.body);
  th_response_free(&r);
  req("POST", "/api/v1/kpis",
      "{\"year\":\"2018-19\",\"code\":\"T/KPI 6\",\"group\":\"CYP\",\"priorities\":[1],"
      "\"description\":\"d\",\"target\":NaN}",
      S.admin, &r);
  th_assert_problem(&r, 400, NULL);
  th_response_free(&r);
  ck_assert_uint_eq(count("/api/v1/kpis"), 50);
}
END_TEST

START_TEST(kpi_bad_priorities)
{
  struct th_response r;

  req("POST", "/api/v1/kpis",
      "{\"year\":\"2018-19\",\"code\":\"T/KPI 7\",\"group\":\"CYP\",\"priorities\":[],"
      "\"description\":\"d\"}",
      S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  assert_names(&r, "priorities");
  th_response_free(&r);
  req("POST", "/api/v1/kpis",
      "{\"year\":\"2018-19\",\"code\":\"T/KPI 7\",\"group\":\"CYP\",\"priorities\":[1,1],"
      "\"description\":\"d\"}",
      S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  assert_names(&r, "priorities");
  th_response_free(&r);
  req("POST", "/api/v1/kpis",
      "{\"year\":\"2018-19\",\"code\":\"T/KPI 7\",\"group\":\"CYP\",\"priorities\":[1,42],"
      "\"description\":\"d\"}",
      S.admin, &r);
  th_assert_problem(&r, 422, NULL);
  assert_names(&r, "priorities[1]");
  th_response_free(&r);
}
END_TEST

/* ---- suite ---------------------------------------------------------------- */

static Suite *
http_suite(void)
{
  Suite *s = suite_create("http");
  TCase *tc;

  tc = th_tcase(s, "health", setup_empty, teardown, TIMEOUT_S);
  tcase_add_test(tc, healthz_needs_no_token);
  tcase_add_test(tc, readyz_answers_ready);
  tcase_add_test(tc, readyz_not_ready_until_a_write_commits);
  tcase_add_test(tc, request_ids_differ);

  tc = th_tcase(s, "lists", setup_demo, teardown, TIMEOUT_S);
  tcase_add_test(tc, demo_counts);
  tcase_add_test(tc, groups_list_shape);
  tcase_add_test(tc, milestones_first_page);
  tcase_add_test(tc, milestones_cursor_walk);
  tcase_add_test(tc, organisations_cursor_walk);
  tcase_add_test(tc, bad_limits);
  tcase_add_test(tc, limit_bounds_accepted);
  tcase_add_test(tc, garbage_cursor);

  tc = th_tcase(s, "filters", setup_demo, teardown, TIMEOUT_S);
  tcase_add_test(tc, filter_year_group);
  tcase_add_test(tc, filter_group_priority);
  tcase_add_test(tc, filter_code);
  tcase_add_test(tc, filter_kpi_priority);
  tcase_add_test(tc, filter_bad_values);
  tcase_add_test(tc, filter_unknown_param);

  tc = th_tcase(s, "crud-empty", setup_empty, teardown, TIMEOUT_S);
  tcase_add_test(tc, org_crud);
  tcase_add_test(tc, org_patch_same_value_keeps_updated_at);

  tc = th_tcase(s, "crud", setup_demo, teardown, TIMEOUT_S);
  tcase_add_test(tc, group_crud);
  tcase_add_test(tc, priority_crud);
  tcase_add_test(tc, whole_decimal_integers);
  tcase_add_test(tc, milestone_crud);
  tcase_add_test(tc, kpi_crud);
  tcase_add_test(tc, get_bad_ids);

  tc = th_tcase(s, "errors", setup_demo, teardown, TIMEOUT_S);
  tcase_add_test(tc, unknown_route);
  tcase_add_test(tc, wrong_method);
  tcase_add_test(tc, malformed_json);
  tcase_add_test(tc, duplicate_keys);
  tcase_add_test(tc, array_body);
  tcase_add_test(tc, milestone_invalid_fields);
  tcase_add_test(tc, milestone_invalid_references);
  tcase_add_test(tc, priority_and_kpi_invalid_fields);
  tcase_add_test(tc, unknown_field);
  tcase_add_test(tc, duplicate_natural_keys);
  tcase_add_test(tc, delete_referenced_group);
  tcase_add_test(tc, delete_group_with_priorities_only);
  tcase_add_test(tc, delete_referenced_priority);
  tcase_add_test(tc, delete_org_owning_milestone);
  tcase_add_test(tc, too_deep);
  tcase_add_test(tc, too_large);
  tcase_add_test(tc, too_many_query_parameters);
  tcase_add_test(tc, wrong_content_type);
  tcase_add_test(tc, merge_patch_media_type);

  tc = th_tcase(s, "atomicity", setup_demo, teardown, TIMEOUT_S);
  tcase_add_test(tc, failed_writes_leave_lists);
  tcase_add_test(tc, failed_patch_leaves_object);

  tc = th_tcase(s, "auth", setup_demo, teardown, TIMEOUT_S);
  tcase_add_test(tc, no_token_401);
  tcase_add_test(tc, bad_tokens_401);
  tcase_add_test(tc, revoked_token_401);
  tcase_add_test(tc, viewer_reads_only);
  tcase_add_test(tc, submitter_cannot_edit_reference_data);
  tcase_add_test(tc, admin_writes);

  tc = th_tcase(s, "public-read", setup_public, teardown, TIMEOUT_S);
  tcase_add_test(tc, public_read_anonymous);
  tcase_add_test(tc, list_cache_keys);

  tc = th_tcase(s, "kpis", setup_demo, teardown, TIMEOUT_S);
  tcase_add_test(tc, kpi_priorities_sorted_and_defaults);
  tcase_add_test(tc, kpi_tolerance_and_targets_kept);
  tcase_add_test(tc, kpi_noop_patch_keeps_updated_at);
  tcase_add_test(tc, kpi_patch_merges_nested_objects);
  tcase_add_test(tc, kpi_bad_quarterly_targets);
  tcase_add_test(tc, kpi_bad_tolerance);
  tcase_add_test(tc, kpi_huge_numbers);
  tcase_add_test(tc, kpi_bad_priorities);
  return s;
}

int
main(void)
{
  return th_run(http_suite());
}
