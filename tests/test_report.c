/* HTTP tests of the quarterly reporting API: milestone updates, KPI
 * readings, RAG summaries (with their ETags), exceptions, quarters and the
 * import of a second plan year. Each test starts the real server with a
 * fresh database holding the demo dataset for 2018-19. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <jansson.h>

#include "harness.h"

/* ---- helpers ------------------------------------------------------------- */

/* Follow a path like "groups[0].milestones.counts.G" from root; NULL when
 * any step is missing. Keys may not contain '.' or '['. */
static bool
jnull(json_t *root, const char *path)
{
  return json_is_null(th_jget(root, path));
}

#define ck_assert_jstr(root, path, want) ck_assert_str_eq(th_jstr((root), (path)), (want))
#define ck_assert_jint(root, path, want) ck_assert_int_eq(th_jint((root), (path)), (want))
#define ck_assert_jnum(root, path, want) \
  ck_assert_double_eq_tol(th_jnum((root), (path)), (want), 1e-9)
#define ck_assert_jnull(root, path) ck_assert_msg(jnull((root), (path)), "%s is not null", (path))

/* Id of the only item of `collection` with this code (and plan year). */
static long long
item_id(struct th_server *s, const char *collection, const char *code_escaped, const char *year)
{
  struct th_response r;
  char path[256];
  long long id;

  snprintf(path, sizeof(path), "/api/v1/%s?code=%s&year=%s", collection, code_escaped, year);
  th_req(s, "GET", path, NULL, s->admin, NULL, 200, &r);
  ck_assert_msg(json_array_size(json_object_get(r.json, "items")) == 1, "%s: %s", path, r.body);
  id = th_jint(r.json, "items[0].id");
  th_response_free(&r);
  return id;
}

static long long
milestone_id(struct th_server *s, const char *code)
{
  return item_id(s, "milestones", code, "2018-19");
}

static long long
kpi_id(struct th_server *s, const char *code_escaped)
{
  return item_id(s, "kpis", code_escaped, "2018-19");
}

/* The group object with this code in a summary answer. */
static json_t *
group_of(json_t *summary, const char *code)
{
  json_t *groups = json_object_get(summary, "groups"), *g;
  size_t i;

  json_array_foreach(groups, i, g) if (strcmp(th_jstr(g, "code"), code) == 0) return g;
  ck_abort_msg("no group %s in the summary", code);
  return NULL;
}

/* counts of kind ("milestones"/"kpis") of group g must be exactly these
 * (terminated by a NULL name); codes not named must count 0. */
static void
assert_counts(json_t *g, const char *kind, long long total, ...)
{
  static const char *const mcodes[] = {"BR", "B", "G", "A", "R", "TBC", NULL};
  static const char *const kcodes[] = {"G", "A", "R", "TBC", NULL};
  const char *const *codes = strcmp(kind, "kpis") == 0 ? kcodes : mcodes;
  json_t *o = json_object_get(g, kind), *counts = json_object_get(o, "counts");
  char what[64];

  snprintf(what, sizeof(what), "%s of %s", kind, json_string_value(json_object_get(g, "code")));
  ck_assert_msg(json_is_object(counts), "no counts for %s", what);
  ck_assert_msg(th_jint(o, "total") == total, "%s: total %lld, wanted %lld", what,
                th_jint(o, "total"), total);
  ck_assert_uint_eq(json_object_size(counts), strcmp(kind, "kpis") == 0 ? 4 : 6);
  for (const char *const *c = codes; *c != NULL; c++) {
    long long want = 0;
    va_list ap;
    const char *name;

    va_start(ap, total);
    while ((name = va_arg(ap, const char *)) != NULL) {
      long long n = va_arg(ap, long long);

      if (strcmp(name, *c) == 0)
        want = n;
    }
    va_end(ap);
    ck_assert_msg(json_integer_value(json_object_get(counts, *c)) == want,
                  "%s: %s is %lld, wanted %lld", what, *c,
                  (long long)json_integer_value(json_object_get(counts, *c)), want);
  }
}

static char *
fmt(const char *f, long long id, const char *rest)
{
  char *out = NULL;

  out = malloc(256);
  ck_assert_ptr_nonnull(out);
  snprintf(out, 256, f, id, rest);
  return out;
}

/* PUT a reading for kpi at quarter; answers the body's json (owned by r). */
static void
put_reading(struct th_server *s, long long kpi, const char *quarter, const char *body, long status,
            struct th_response *r)
{
  char *path = fmt("/api/v1/kpis/%lld/readings/%s", kpi, quarter);

  th_req(s, "PUT", path, body, s->admin, NULL, status, r);
  free(path);
}

static void
put_update(struct th_server *s, long long milestone, const char *quarter, const char *body,
           const char *token, long status, struct th_response *r)
{
  char *path = fmt("/api/v1/milestones/%lld/updates/%s", milestone, quarter);

  th_req(s, "PUT", path, body, token, NULL, status, r);
  free(path);
}

static size_t
update_count(struct th_server *s, long long milestone)
{
  struct th_response r;
  char *path = fmt("/api/v1/milestones/%lld/updates%s", milestone, "");
  size_t n;

  th_req(s, "GET", path, NULL, s->admin, NULL, 200, &r);
  n = json_array_size(json_object_get(r.json, "items"));
  th_response_free(&r);
  free(path);
  return n;
}

/* ---- milestone updates ----------------------------------------------------- */

START_TEST(updates_list_demo)
{
  struct th_server s;
  struct th_response r;
  long long id;
  char *path;

  th_start(&s, true, NULL);
  id = milestone_id(&s, "CH1.1");
  path = fmt("/api/v1/milestones/%lld/updates%s", id, "");
  th_req(&s, "GET", path, NULL, s.admin, NULL, 200, &r);
  th_assert_ctype(&r, "application/json");
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 2);
  ck_assert_jnull(r.json, "next");
  /* In quarter order, the earlier plan year first. */
  ck_assert_jstr(r.json, "items[0].quarter", "2017-18-Q4");
  ck_assert_jstr(r.json, "items[0].status", "G");
  ck_assert_jnull(r.json, "items[0].comment");
  ck_assert_jstr(r.json, "items[1].quarter", "2018-19-Q1");
  ck_assert_jstr(r.json, "items[1].status", "G");
  ck_assert_jstr(r.json, "items[1].milestone_code", "CH1.1");
  ck_assert_jint(r.json, "items[1].milestone_id", id);
  ck_assert_ptr_nonnull(strstr(th_jstr(r.json, "items[1].comment"), "Q4 completion"));
  th_response_free(&r);
  /* Unknown query parameters are refused; unknown milestones are 404. */
  path = realloc(path, strlen(path) + 16);
  strcat(path, "?foo=1");
  th_req(&s, "GET", path, NULL, s.admin, NULL, 400, &r);
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/milestones/999999/updates", NULL, s.admin, NULL, 404, &r);
  th_response_free(&r);
  free(path);
  th_stop(&s);
}
END_TEST

START_TEST(updates_put_create_then_replace)
{
  struct th_server s;
  struct th_response r;
  long long id;
  char first_created[64];

  th_start(&s, true, NULL);
  id = milestone_id(&s, "CH1.1");
  put_update(&s, id, "2018-19-Q2", "{\"status\":\"green\",\"comment\":\"x\"}", s.admin, 201, &r);
  th_assert_ctype(&r, "application/json");
  ck_assert_jstr(r.json, "status", "G");
  ck_assert_jstr(r.json, "comment", "x");
  ck_assert_jstr(r.json, "quarter", "2018-19-Q2");
  ck_assert_jint(r.json, "milestone_id", id);
  ck_assert_jstr(r.json, "milestone_code", "CH1.1");
  ck_assert_ptr_nonnull(strstr(th_jstr(r.json, "updated_by"), "admin"));
  ck_assert_uint_ge(strlen(th_jstr(r.json, "updated_at")), 20);
  snprintf(first_created, sizeof(first_created), "%s", th_jstr(r.json, "created_at"));
  th_response_free(&r);
  ck_assert_uint_eq(update_count(&s, id), 3);

  /* The same quarter again replaces it: 200, and the comment goes. */
  put_update(&s, id, "2018-19-Q2", "{\"status\":\"A\"}", s.admin, 200, &r);
  ck_assert_jstr(r.json, "status", "A");
  ck_assert_jnull(r.json, "comment");
  ck_assert_jstr(r.json, "created_at", first_created);
  th_response_free(&r);
  ck_assert_uint_eq(update_count(&s, id), 3);

  /* A quarter before the plan year is accepted, new (201) or replaced (200). */
  put_update(&s, id, "2017-18-Q3", "{\"status\":\"B\"}", s.admin, 201, &r);
  ck_assert_jstr(r.json, "quarter", "2017-18-Q3");
  th_response_free(&r);
  put_update(&s, id, "2017-18-Q4", "{\"status\":\"R\",\"comment\":null}", s.admin, 200, &r);
  ck_assert_jstr(r.json, "status", "R");
  th_response_free(&r);
  ck_assert_uint_eq(update_count(&s, id), 4);
  th_stop(&s);
}
END_TEST

START_TEST(updates_status_aliases)
{
  static const struct {
    const char *given, *stored;
  } cases[] = {{"Brown", "BR"}, {"blue", "B"},  {"AMBER", "A"}, {"r", "R"},
               {"tbc", "TBC"},  {"Green", "G"}, {"br", "BR"},   {"Red", "R"}};
  struct th_server s;
  struct th_response r;
  long long id;

  th_start(&s, true, NULL);
  id = milestone_id(&s, "CH1.2");
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char body[96], *path;

    snprintf(body, sizeof(body), "{\"status\":\"%s\"}", cases[i].given);
    put_update(&s, id, "2018-19-Q3", body, s.admin, i == 0 ? 201 : 200, &r);
    ck_assert_msg(strcmp(th_jstr(r.json, "status"), cases[i].stored) == 0, "%s stored as %s",
                  cases[i].given, th_jstr(r.json, "status"));
    th_response_free(&r);
    /* And that is what the list says too. */
    path = fmt("/api/v1/milestones/%lld/updates%s", id, "");
    th_req(&s, "GET", path, NULL, s.admin, NULL, 200, &r);
    ck_assert_jstr(r.json, "items[2].quarter", "2018-19-Q3");
    ck_assert_jstr(r.json, "items[2].status", cases[i].stored);
    th_response_free(&r);
    free(path);
  }
  th_stop(&s);
}
END_TEST

START_TEST(updates_invalid)
{
  static const char *const bad_status[] = {"purple", "GREEN ", "", "Grn", "BRR"};
  struct th_server s;
  struct th_response r;
  long long id;

  th_start(&s, true, NULL);
  id = milestone_id(&s, "CH1.1");
  for (size_t i = 0; i < sizeof(bad_status) / sizeof(bad_status[0]); i++) {
    char body[96];

    snprintf(body, sizeof(body), "{\"status\":\"%s\"}", bad_status[i]);
    put_update(&s, id, "2018-19-Q2", body, s.admin, 422, &r);
    th_assert_field_error(&r, "status");
    th_response_free(&r);
  }
  put_update(&s, id, "2018-19-Q2", "{\"status\":3}", s.admin, 422, &r);
  th_assert_field_error(&r, "status");
  th_response_free(&r);
  put_update(&s, id, "2018-19-Q2", "{\"comment\":\"no status\"}", s.admin, 422, &r);
  th_assert_field_error(&r, "status");
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "errors")), 1);
  th_response_free(&r);
  /* One answer names every bad field: a bad status beside a wrong type. */
  put_update(&s, id, "2018-19-Q2", "{\"status\":\"purple\",\"comment\":5}", s.admin, 422, &r);
  th_assert_field_error(&r, "status");
  th_assert_field_error(&r, "comment");
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "errors")), 2);
  th_response_free(&r);
  /* Unknown body field. */
  put_update(&s, id, "2018-19-Q2", "{\"status\":\"G\",\"colour\":\"green\"}", s.admin, 422, &r);
  th_assert_field_error(&r, "colour");
  th_response_free(&r);
  /* Bad quarters in the path. */
  put_update(&s, id, "2018-19-Q5", "{\"status\":\"G\"}", s.admin, 400, &r);
  th_assert_ctype(&r, "application/problem+json");
  ck_assert_ptr_nonnull(strstr(th_jstr(r.json, "detail"), "2018-19-Q5"));
  th_response_free(&r);
  put_update(&s, id, "2018-20-Q1", "{\"status\":\"G\"}", s.admin, 400, &r);
  th_response_free(&r);
  put_update(&s, id, "Q1", "{\"status\":\"G\"}", s.admin, 400, &r);
  th_response_free(&r);
  /* Unknown milestone. */
  put_update(&s, 999999, "2018-19-Q2", "{\"status\":\"G\"}", s.admin, 404, &r);
  th_assert_ctype(&r, "application/problem+json");
  th_response_free(&r);
  th_req(&s, "PUT", "/api/v1/milestones/abc/updates/2018-19-Q2", "{\"status\":\"G\"}", s.admin,
         NULL, 404, &r);
  th_response_free(&r);
  /* Not JSON, and JSON that is not an object. */
  put_update(&s, id, "2018-19-Q2", "{\"status\":", s.admin, 400, &r);
  th_response_free(&r);
  put_update(&s, id, "2018-19-Q2", "[\"G\"]", s.admin, 422, &r);
  th_response_free(&r);
  /* Nothing of that was stored. */
  ck_assert_uint_eq(update_count(&s, id), 2);
  th_stop(&s);
}
END_TEST

START_TEST(updates_delete)
{
  struct th_server s;
  struct th_response r;
  long long id;
  char *path;

  th_start(&s, true, NULL);
  id = milestone_id(&s, "CH1.1");
  put_update(&s, id, "2018-19-Q2", "{\"status\":\"G\"}", s.admin, 201, &r);
  th_response_free(&r);
  ck_assert_uint_eq(update_count(&s, id), 3);
  path = fmt("/api/v1/milestones/%lld/updates/%s", id, "2018-19-Q2");
  th_req(&s, "DELETE", path, NULL, s.admin, NULL, 204, &r);
  ck_assert_uint_eq(r.len, 0);
  th_response_free(&r);
  ck_assert_uint_eq(update_count(&s, id), 2);
  th_req(&s, "DELETE", path, NULL, s.admin, NULL, 404, &r);
  th_assert_ctype(&r, "application/problem+json");
  th_response_free(&r);
  free(path);
  /* A demo update can go too; bad quarters and unknown milestones cannot. */
  path = fmt("/api/v1/milestones/%lld/updates/%s", id, "2017-18-Q4");
  th_req(&s, "DELETE", path, NULL, s.admin, NULL, 204, &r);
  th_response_free(&r);
  free(path);
  ck_assert_uint_eq(update_count(&s, id), 1);
  path = fmt("/api/v1/milestones/%lld/updates/%s", id, "2018-19-Q0");
  th_req(&s, "DELETE", path, NULL, s.admin, NULL, 400, &r);
  th_response_free(&r);
  free(path);
  th_req(&s, "DELETE", "/api/v1/milestones/999999/updates/2018-19-Q1", NULL, s.admin, NULL, 404,
         &r);
  th_response_free(&r);
  th_stop(&s);
}
END_TEST

/* ---- KPI readings ---------------------------------------------------------------- */

START_TEST(readings_computed_rating)
{
  struct th_server s;
  struct th_response r;
  long long id;
  char *path;

  th_start(&s, true, NULL);
  id = kpi_id(&s, "CH%2FKPI%201"); /* increase, target 95, 2% relative tolerance */

  put_reading(&s, id, "2018-19-Q2", "{\"value\":96}", 201, &r);
  th_assert_ctype(&r, "application/json");
  ck_assert_jstr(r.json, "kpi_code", "CH/KPI 1");
  ck_assert_jstr(r.json, "quarter", "2018-19-Q2");
  ck_assert_jnum(r.json, "value", 96);
  ck_assert_jstr(r.json, "computed_rating", "G");
  ck_assert_jstr(r.json, "effective_rating", "G");
  ck_assert_jnull(r.json, "rating");
  ck_assert(json_is_false(th_jget(r.json, "rating_disagreement")));
  ck_assert_ptr_nonnull(strstr(th_jstr(r.json, "updated_by"), "admin"));
  th_response_free(&r);

  /* The target itself is green; 95 - 1.9 = 93.1 is still amber. */
  put_reading(&s, id, "2018-19-Q2", "{\"value\":95}", 200, &r);
  ck_assert_jstr(r.json, "computed_rating", "G");
  th_response_free(&r);
  put_reading(&s, id, "2018-19-Q2", "{\"value\":93.1}", 200, &r);
  ck_assert_jstr(r.json, "computed_rating", "A");
  ck_assert_jstr(r.json, "effective_rating", "A");
  th_response_free(&r);
  put_reading(&s, id, "2018-19-Q2", "{\"value\":93.09}", 200, &r);
  ck_assert_jstr(r.json, "computed_rating", "R");
  th_response_free(&r);

  /* A reported rating wins over the computed one, and the disagreement shows. */
  put_reading(&s, id, "2018-19-Q2", "{\"value\":90,\"rating\":\"A\",\"value_text\":\"90%\"}", 200,
              &r);
  ck_assert_jstr(r.json, "computed_rating", "R");
  ck_assert_jstr(r.json, "effective_rating", "A");
  ck_assert_jstr(r.json, "rating", "A");
  ck_assert_jstr(r.json, "value_text", "90%");
  ck_assert(json_is_true(th_jget(r.json, "rating_disagreement")));
  th_response_free(&r);

  /* Agreeing rating: no disagreement. */
  put_reading(&s, id, "2018-19-Q2", "{\"value\":90,\"rating\":\"r\"}", 200, &r);
  ck_assert_jstr(r.json, "rating", "R");
  ck_assert(json_is_false(th_jget(r.json, "rating_disagreement")));
  th_response_free(&r);

  /* No value and no rating: nothing to compute, TBC. */
  put_reading(&s, id, "2018-19-Q2", "{\"value\":null}", 200, &r);
  ck_assert_jnull(r.json, "computed_rating");
  ck_assert_jstr(r.json, "effective_rating", "TBC");
  ck_assert_jnull(r.json, "value");
  ck_assert(json_is_false(th_jget(r.json, "rating_disagreement")));
  th_response_free(&r);

  /* Ratings are accepted by name. */
  put_reading(&s, id, "2018-19-Q2", "{\"value\":99,\"rating\":\"Green\"}", 200, &r);
  ck_assert_jstr(r.json, "rating", "G");
  ck_assert_jstr(r.json, "computed_rating", "G");
  th_response_free(&r);

  /* The list carries the same annotations, in quarter order. */
  path = fmt("/api/v1/kpis/%lld/readings%s", id, "");
  th_req(&s, "GET", path, NULL, s.admin, NULL, 200, &r);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 2);
  ck_assert_jstr(r.json, "items[0].quarter", "2018-19-Q1");
  ck_assert_jnum(r.json, "items[0].value", 99);
  ck_assert_jstr(r.json, "items[0].computed_rating", "G");
  ck_assert_jstr(r.json, "items[1].quarter", "2018-19-Q2");
  ck_assert_jstr(r.json, "items[1].rating", "G");
  ck_assert_jstr(r.json, "items[1].effective_rating", "G");
  th_response_free(&r);
  free(path);
  th_stop(&s);
}
END_TEST

START_TEST(readings_invalid)
{
  struct th_server s;
  struct th_response r;
  long long id;
  char *path;

  th_start(&s, true, NULL);
  id = kpi_id(&s, "CH%2FKPI%201");
  put_reading(&s, id, "2018-19-Q2", "{\"value\":\"96\"}", 422, &r);
  th_assert_field_error(&r, "value");
  th_response_free(&r);
  put_reading(&s, id, "2018-19-Q2", "{\"value\":96,\"rating\":\"B\"}", 422, &r);
  th_assert_field_error(&r, "rating");
  th_response_free(&r);
  put_reading(&s, id, "2018-19-Q2", "{\"value\":96,\"rating\":\"Brown\"}", 422, &r);
  th_assert_field_error(&r, "rating");
  th_response_free(&r);
  put_reading(&s, id, "2018-19-Q2", "{\"value\":96,\"colour\":\"G\"}", 422, &r);
  th_assert_field_error(&r, "colour");
  th_response_free(&r);
  /* One answer names every bad field: a bad rating beside wrong types. */
  put_reading(&s, id, "2018-19-Q2", "{\"value\":\"x\",\"rating\":\"Z\",\"comment\":7}", 422, &r);
  th_assert_field_error(&r, "value");
  th_assert_field_error(&r, "rating");
  th_assert_field_error(&r, "comment");
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "errors")), 3);
  th_response_free(&r);
  put_reading(&s, id, "2018-19-Q2", "{\"rating\":7}", 422, &r); /* named once */
  th_assert_field_error(&r, "rating");
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "errors")), 1);
  th_response_free(&r);
  put_reading(&s, id, "2018-19-Q5", "{\"value\":96}", 400, &r);
  th_response_free(&r);
  put_reading(&s, 999999, "2018-19-Q2", "{\"value\":96}", 404, &r);
  th_response_free(&r);
  /* A missing KPI is a 404 whatever the quarter. */
  put_reading(&s, 999999, "2018-19-Q5", "{\"value\":96}", 404, &r);
  th_response_free(&r);
  /* None of it was stored. */
  path = fmt("/api/v1/kpis/%lld/readings%s", id, "");
  th_req(&s, "GET", path, NULL, s.admin, NULL, 200, &r);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 1);
  th_response_free(&r);
  free(path);
  /* Delete: 204, then 404. */
  put_reading(&s, id, "2018-19-Q2", "{\"value\":96}", 201, &r);
  th_response_free(&r);
  path = fmt("/api/v1/kpis/%lld/readings/%s", id, "2018-19-Q2");
  th_req(&s, "DELETE", path, NULL, s.admin, NULL, 204, &r);
  th_response_free(&r);
  th_req(&s, "DELETE", path, NULL, s.admin, NULL, 404, &r);
  th_response_free(&r);
  free(path);
  th_stop(&s);
}
END_TEST

START_TEST(readings_quarterly_targets)
{
  struct th_server s;
  struct th_response r;
  long long iapt, id;

  th_start(&s, true, NULL);
  /* MH/KPI 2 (IAPT access) has no annual target, only quarterly ones:
   * Q2 4.48, Q3 4.61. */
  iapt = kpi_id(&s, "MH%2FKPI%202");
  put_reading(&s, iapt, "2018-19-Q2", "{\"value\":4.5}", 201, &r);
  ck_assert_jstr(r.json, "computed_rating", "G");
  th_response_free(&r);
  put_reading(&s, iapt, "2018-19-Q3", "{\"value\":4.55}", 201, &r);
  ck_assert_jstr(r.json, "computed_rating", "A"); /* 4.61 - 2% = 4.5178 */
  th_response_free(&r);
  put_reading(&s, iapt, "2018-19-Q3", "{\"value\":4.5}", 200, &r);
  ck_assert_jstr(r.json, "computed_rating", "R");
  th_response_free(&r);

  /* A KPI of our own: target 10, but 50 in Q2. */
  th_req(&s, "POST", "/api/v1/kpis",
         "{\"year\":\"2018-19\",\"code\":\"T/KPI 1\",\"group\":\"CYP\",\"priorities\":[1],"
         "\"description\":\"Quarterly target test\",\"direction\":\"increase\",\"target\":10,"
         "\"quarterly_targets\":{\"2018-19-Q2\":50}}",
         s.admin, NULL, 201, &r);
  id = th_jint(r.json, "id");
  th_response_free(&r);
  put_reading(&s, id, "2018-19-Q2", "{\"value\":20}", 201, &r);
  ck_assert_jstr(r.json, "computed_rating", "R");
  th_response_free(&r);
  put_reading(&s, id, "2018-19-Q2", "{\"value\":49}", 200, &r);
  ck_assert_jstr(r.json, "computed_rating", "A"); /* 50 - 1 */
  th_response_free(&r);
  put_reading(&s, id, "2018-19-Q3", "{\"value\":20}", 201, &r);
  ck_assert_jstr(r.json, "computed_rating", "G"); /* the annual target */
  th_response_free(&r);
  put_reading(&s, id, "2018-19-Q1", "{\"value\":9.8}", 201, &r);
  ck_assert_jstr(r.json, "computed_rating", "A");
  th_response_free(&r);
  th_stop(&s);
}
END_TEST

/* ---- summaries ---------------------------------------------------------------------- */

static void
assert_demo_q1(json_t *sum)
{
  json_t *groups = json_object_get(sum, "groups"), *cyp, *mhld, *ucc, *e;
  static const char *const cyp_titles[] = {
    "CAMHS Transformation Plan", "Maternity and Better births", "0-19 Healthy Child Pathway",
    "Acute and Community Integration", "SEND"};

  ck_assert_jstr(sum, "quarter", "2018-19-Q1");
  ck_assert_jstr(sum, "year", "2018-19");
  ck_assert_uint_eq(json_array_size(groups), 3);
  ck_assert_jstr(sum, "groups[0].code", "CYP");
  ck_assert_jstr(sum, "groups[0].name", "Children and Young People");
  ck_assert_jstr(sum, "groups[1].code", "MHLD");
  ck_assert_jstr(sum, "groups[2].code", "UCC");
  cyp = group_of(sum, "CYP");
  mhld = group_of(sum, "MHLD");
  ucc = group_of(sum, "UCC");

  assert_counts(cyp, "milestones", 25, "BR", 1LL, "G", 14LL, "A", 5LL, "R", 1LL, "TBC", 4LL, NULL);
  assert_counts(cyp, "kpis", 17, "G", 9LL, "A", 3LL, "TBC", 5LL, NULL);
  assert_counts(mhld, "milestones", 23, "B", 2LL, "G", 12LL, "A", 8LL, "TBC", 1LL, NULL);
  assert_counts(mhld, "kpis", 16, "G", 6LL, "A", 3LL, "R", 3LL, "TBC", 4LL, NULL);
  assert_counts(ucc, "milestones", 28, "BR", 11LL, "B", 3LL, "G", 12LL, "A", 2LL, NULL);
  assert_counts(ucc, "kpis", 17, "G", 7LL, "A", 1LL, "TBC", 9LL, NULL);

  ck_assert_jint(sum, "overall.milestones.total", 76);
  ck_assert_jint(sum, "overall.kpis.total", 50);
  ck_assert_jnum(sum, "overall.milestones.on_track_or_complete_percent", 56.6);
  ck_assert_jnum(sum, "overall.kpis.on_track_percent", 44.0);
  ck_assert_jnum(sum, "overall.milestones.red_percent", 1.3);
  ck_assert_jnum(sum, "overall.kpis.red_percent", 6.0);
  ck_assert_jnum(mhld, "milestones.on_track_or_complete_percent", 60.9);
  ck_assert_jnum(cyp, "milestones.on_track_or_complete_percent", 56.0);
  ck_assert_jnum(ucc, "milestones.on_track_or_complete_percent", 53.6);
  ck_assert_jnum(cyp, "kpis.on_track_percent", 52.9);
  ck_assert_jnum(mhld, "kpis.red_percent", 18.8);
  ck_assert_jnum(cyp, "milestones.percent.G", 56.0);
  ck_assert_jnum(ucc, "milestones.percent.BR", 39.3);

  /* by_priority: every priority of the group in number order, with titles;
   * a priority with no milestones still appears with zeros. */
  ck_assert_uint_eq(json_array_size(th_jget(cyp, "milestones.by_priority")), 7);
  ck_assert_uint_eq(json_array_size(th_jget(mhld, "milestones.by_priority")), 9);
  ck_assert_uint_eq(json_array_size(th_jget(ucc, "kpis.by_priority")), 6);
  for (size_t i = 0; i < 5; i++) {
    char p[64];

    snprintf(p, sizeof(p), "milestones.by_priority[%zu].priority", i);
    ck_assert_int_eq(th_jint(cyp, p), (long long)i + 1);
    snprintf(p, sizeof(p), "milestones.by_priority[%zu].title", i);
    ck_assert_str_eq(th_jstr(cyp, p), cyp_titles[i]);
  }
  ck_assert_jint(cyp, "milestones.by_priority[0].total", 5);
  ck_assert_jint(cyp, "milestones.by_priority[1].total", 0);
  ck_assert_jint(cyp, "milestones.by_priority[1].counts.G", 0);
  ck_assert_jnull(cyp, "milestones.by_priority[1].percent.G");
  ck_assert_jint(mhld, "milestones.by_priority[0].total", 4);
  ck_assert_jstr(mhld, "milestones.by_priority[0].title", "IAPT");
  {
    /* by_priority of milestones adds up to the group total (one priority each). */
    long long sum_m = 0;
    size_t i;
    json_t *row;

    json_array_foreach(th_jget(ucc, "milestones.by_priority"), i, row) sum_m +=
      th_jint(row, "total");
    ck_assert_int_eq(sum_m, 28);
  }

  /* Exceptions: the red items, milestones then KPIs. */
  ck_assert_uint_eq(json_array_size(json_object_get(cyp, "exceptions")), 1);
  e = th_jget(cyp, "exceptions[0]");
  ck_assert_jstr(e, "type", "milestone");
  ck_assert_jstr(e, "code", "CH4.5");
  ck_assert_jstr(e, "status", "R");
  ck_assert_ptr_null(json_object_get(e, "rating"));
  ck_assert(json_is_integer(json_object_get(e, "id")));
  ck_assert_ptr_nonnull(strstr(th_jstr(e, "description"), "Preparation for Adulthood"));
  ck_assert_ptr_nonnull(strstr(th_jstr(e, "comment"), "escalated to senior management"));
  ck_assert_uint_eq(json_array_size(json_object_get(mhld, "exceptions")), 3);
  for (size_t i = 0; i < 3; i++) {
    json_t *k = json_array_get(json_object_get(mhld, "exceptions"), i);

    ck_assert_jstr(k, "type", "kpi");
    ck_assert_jstr(k, "rating", "R");
    ck_assert_ptr_null(json_object_get(k, "status"));
    ck_assert(json_is_string(json_object_get(k, "description")));
  }
  ck_assert_jstr(mhld, "exceptions[0].code", "MH/KPI 2");
  ck_assert_jstr(mhld, "exceptions[0].value_text", "3.84%");
  ck_assert_uint_eq(json_array_size(json_object_get(ucc, "exceptions")), 0);

  /* The previous quarter is the report's "Q4 17/18" column: the plan
   * year's own milestones carry their 2017-18-Q4 status (68 of 76: G 46,
   * BR 15, A 5, TBC 2), so 46 / 76 on track or complete; no KPI carries a
   * reading, so that is null, not 0%. 2017-18 has no items of its own:
   * nothing to compare the same quarter last year with. */
  ck_assert(json_is_object(json_object_get(sum, "comparison")));
  ck_assert_jstr(sum, "comparison.previous_quarter.quarter", "2017-18-Q4");
  ck_assert_jnum(sum, "comparison.previous_quarter.milestones_on_track_or_complete_percent", 60.5);
  ck_assert_jnull(sum, "comparison.previous_quarter.kpis_on_track_percent");
  ck_assert_jnull(sum, "comparison.same_quarter_last_year");
}

START_TEST(summary_reproduces_published_tables)
{
  struct th_server s;
  struct th_response r;
  char etag[128], etag2[128], *first;

  th_start(&s, true, NULL);
  th_req(&s, "GET", "/api/v1/summary?quarter=2018-19-Q1", NULL, s.admin, NULL, 200, &r);
  th_assert_ctype(&r, "application/json");
  ck_assert_ptr_nonnull(r.json);
  assert_demo_q1(r.json);
  ck_assert(th_header(&r, "ETag", etag, sizeof(etag)));
  first = strdup(r.body);
  th_response_free(&r);
  /* The cached second answer is the same. */
  th_req(&s, "GET", "/api/v1/summary?quarter=2018-19-Q1", NULL, s.admin, NULL, 200, &r);
  assert_demo_q1(r.json);
  ck_assert(th_header(&r, "ETag", etag2, sizeof(etag2)));
  ck_assert_str_eq(etag, etag2);
  ck_assert_str_eq(r.body, first);
  th_response_free(&r);
  free(first);
  th_stop(&s);
}
END_TEST

START_TEST(summary_etag_and_writes)
{
  struct th_server s;
  struct th_response r;
  char etag[128], etag2[128], inm[200];
  long long id;

  th_start(&s, true, NULL);
  th_req(&s, "GET", "/api/v1/summary?quarter=2018-19-Q1", NULL, s.admin, NULL, 200, &r);
  ck_assert(th_header(&r, "ETag", etag, sizeof(etag)));
  ck_assert_uint_gt(strlen(etag), 2);
  ck_assert_int_eq(etag[0], '"');
  ck_assert_jint(group_of(r.json, "CYP"), "kpis.counts.G", 9);
  th_response_free(&r);

  snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
  th_req(&s, "GET", "/api/v1/summary?quarter=2018-19-Q1", NULL, s.admin, inm, 304, &r);
  ck_assert_uint_eq(r.len, 0);
  ck_assert(th_header(&r, "ETag", etag2, sizeof(etag2)));
  ck_assert_str_eq(etag2, etag);
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/summary?quarter=2018-19-Q1", NULL, s.admin, "If-None-Match: *", 304,
         &r);
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/summary?quarter=2018-19-Q1", NULL, s.admin,
         "If-None-Match: \"nope\", W/\"other\"", 200, &r);
  th_response_free(&r);

  /* A write: CH/KPI 13 was TBC in Q1; a green rating moves it. */
  id = kpi_id(&s, "CH%2FKPI%2013");
  put_reading(&s, id, "2018-19-Q1", "{\"rating\":\"G\",\"comment\":\"now known\"}", 200, &r);
  ck_assert_jstr(r.json, "effective_rating", "G");
  th_response_free(&r);

  th_req(&s, "GET", "/api/v1/summary?quarter=2018-19-Q1", NULL, s.admin, inm, 200, &r);
  ck_assert(th_header(&r, "ETag", etag2, sizeof(etag2)));
  ck_assert_str_ne(etag, etag2);
  assert_counts(group_of(r.json, "CYP"), "kpis", 17, "G", 10LL, "A", 3LL, "TBC", 4LL, NULL);
  ck_assert_jnum(r.json, "overall.kpis.on_track_percent", 46.0);
  th_response_free(&r);
  snprintf(inm, sizeof(inm), "If-None-Match: %s", etag2);
  th_req(&s, "GET", "/api/v1/summary?quarter=2018-19-Q1", NULL, s.admin, inm, 304, &r);
  th_response_free(&r);

  /* A milestone update moves the summary and the ETag too. */
  put_update(&s, milestone_id(&s, "CH4.5"), "2018-19-Q1", "{\"status\":\"G\"}", s.admin, 200, &r);
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/summary?quarter=2018-19-Q1", NULL, s.admin, inm, 200, &r);
  ck_assert(th_header(&r, "ETag", etag, sizeof(etag)));
  ck_assert_str_ne(etag, etag2);
  assert_counts(group_of(r.json, "CYP"), "milestones", 25, "BR", 1LL, "G", 15LL, "A", 5LL, "TBC",
                4LL, NULL);
  ck_assert_uint_eq(json_array_size(th_jget(group_of(r.json, "CYP"), "exceptions")), 0);
  th_response_free(&r);
  th_stop(&s);
}
END_TEST

/* A 304 answered before the summary was ever built (a dashboard's
 * If-None-Match after a restart: the ETag holds only data versions, so
 * Q2's tag is Q1's too) gives up its claim to build it: the next poll is
 * answered at once, not after a 2 s wait for a build that never comes. */
START_TEST(summary_not_modified_before_built)
{
  struct th_server s;
  struct th_response r;
  char etag[128], inm[200];
  struct timespec t0, t1;
  double secs;

  th_start(&s, true, NULL);
  th_req(&s, "GET", "/api/v1/summary?quarter=2018-19-Q2", NULL, s.admin, NULL, 200, &r);
  ck_assert(th_header(&r, "ETag", etag, sizeof(etag)));
  th_response_free(&r);
  snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
  th_req(&s, "GET", "/api/v1/summary?quarter=2018-19-Q1", NULL, s.admin, inm, 304, &r);
  th_response_free(&r);
  for (int i = 0; i < 2; i++) {
    clock_gettime(CLOCK_MONOTONIC, &t0);
    th_req(&s, "GET", "/api/v1/summary?quarter=2018-19-Q1", NULL, s.admin, i ? NULL : inm,
           i ? 200 : 304, &r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    th_response_free(&r);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    ck_assert_msg(secs < 1.0, "poll %d took %.3f s", i, secs);
  }
  th_stop(&s);
}
END_TEST

START_TEST(summary_bad_requests)
{
  static const char *const bad[] = {
    "/api/v1/summary",
    "/api/v1/summary?quarter=2018-19-Q5",
    "/api/v1/summary?quarter=2018-20-Q1",
    "/api/v1/summary?quarter=Q1",
    "/api/v1/summary?quarter=",
    "/api/v1/summary?quarter=2018-19-Q1&foo=bar",
    "/api/v1/summary?quarter=2018-19-Q1&quarter=2018-19-Q2",
    "/api/v1/groups/CYP/summary",
    "/api/v1/groups/CYP/summary?quarter=2018-19-Q0",
    "/api/v1/exceptions",
    "/api/v1/exceptions?quarter=2018-19-Q1&group=CYP",
  };
  struct th_server s;
  struct th_response r;

  th_start(&s, true, NULL);
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    th_req(&s, "GET", bad[i], NULL, s.admin, NULL, 400, &r);
    th_assert_ctype(&r, "application/problem+json");
    ck_assert_int_eq(th_jint(r.json, "status"), 400);
    th_response_free(&r);
  }
  th_req(&s, "GET", "/api/v1/summary?quarter=2018-19-Q1&foo=bar", NULL, s.admin, NULL, 400, &r);
  th_assert_field_error(&r, "foo");
  th_response_free(&r);
  th_stop(&s);
}
END_TEST

START_TEST(group_summary_and_exceptions)
{
  struct th_server s;
  struct th_response r;
  char etag[128], inm[200];
  json_t *items, *e;
  size_t i;

  th_start(&s, true, NULL);
  th_req(&s, "GET", "/api/v1/groups/CYP/summary?quarter=2018-19-Q1", NULL, s.admin, NULL, 200, &r);
  th_assert_ctype(&r, "application/json");
  ck_assert_jstr(r.json, "code", "CYP");
  ck_assert_jstr(r.json, "name", "Children and Young People");
  ck_assert_jstr(r.json, "quarter", "2018-19-Q1");
  ck_assert_jstr(r.json, "year", "2018-19");
  ck_assert_ptr_null(json_object_get(r.json, "groups"));
  assert_counts(r.json, "milestones", 25, "BR", 1LL, "G", 14LL, "A", 5LL, "R", 1LL, "TBC", 4LL,
                NULL);
  assert_counts(r.json, "kpis", 17, "G", 9LL, "A", 3LL, "TBC", 5LL, NULL);
  ck_assert_jstr(r.json, "exceptions[0].code", "CH4.5");
  ck_assert(th_header(&r, "ETag", etag, sizeof(etag)));
  th_response_free(&r);

  th_req(&s, "GET", "/api/v1/groups/MHLD/summary?quarter=2018-19-Q1", NULL, s.admin, NULL, 200, &r);
  assert_counts(r.json, "kpis", 16, "G", 6LL, "A", 3LL, "R", 3LL, "TBC", 4LL, NULL);
  ck_assert_jnum(r.json, "milestones.on_track_or_complete_percent", 60.9);
  th_response_free(&r);

  th_req(&s, "GET", "/api/v1/groups/NOPE/summary?quarter=2018-19-Q1", NULL, s.admin, NULL, 404, &r);
  th_assert_ctype(&r, "application/problem+json");
  th_response_free(&r);
  /* Preconditions do not apply to a group that does not exist (RFC 9110
   * 13.2.1): If-None-Match, even "*", must not turn the 404 into a 304. */
  th_req(&s, "GET", "/api/v1/groups/NOPE/summary?quarter=2018-19-Q1", NULL, s.admin,
         "If-None-Match: *", 404, &r);
  th_response_free(&r);
  snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
  th_req(&s, "GET", "/api/v1/groups/NOPE/summary?quarter=2018-19-Q1", NULL, s.admin, inm, 404, &r);
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/groups/CYP/summary?quarter=2018-19-Q1", NULL, s.admin, inm, 304, &r);
  th_response_free(&r);

  th_req(&s, "GET", "/api/v1/exceptions?quarter=2018-19-Q1", NULL, s.admin, NULL, 200, &r);
  th_assert_ctype(&r, "application/json");
  ck_assert_jstr(r.json, "quarter", "2018-19-Q1");
  items = json_object_get(r.json, "items");
  ck_assert_uint_eq(json_array_size(items), 4);
  json_array_foreach(items, i, e)
  {
    ck_assert(json_is_string(json_object_get(e, "group")));
    ck_assert(json_is_string(json_object_get(e, "code")));
    ck_assert(json_is_string(json_object_get(e, "description")));
  }
  ck_assert_jstr(r.json, "items[0].group", "CYP");
  ck_assert_jstr(r.json, "items[0].type", "milestone");
  ck_assert_jstr(r.json, "items[0].code", "CH4.5");
  ck_assert_jstr(r.json, "items[0].status", "R");
  for (i = 1; i < 4; i++) {
    e = json_array_get(items, i);
    ck_assert_jstr(e, "group", "MHLD");
    ck_assert_jstr(e, "type", "kpi");
    ck_assert_jstr(e, "rating", "R");
  }
  th_response_free(&r);
  th_stop(&s);
}
END_TEST

START_TEST(summary_quarter_without_updates)
{
  struct th_server s;
  struct th_response r;
  json_t *g;

  th_start(&s, true, NULL);
  /* An update for a later quarter counts for that quarter only. */
  put_update(&s, milestone_id(&s, "CH1.1"), "2018-19-Q3", "{\"status\":\"B\"}", s.admin, 201, &r);
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/summary?quarter=2018-19-Q3", NULL, s.admin, NULL, 200, &r);
  assert_counts(group_of(r.json, "CYP"), "milestones", 25, "B", 1LL, "TBC", 24LL, NULL);
  /* Nothing was reported for Q2: the comparison is with nothing, not 0%. */
  ck_assert_jstr(r.json, "comparison.previous_quarter.quarter", "2018-19-Q2");
  ck_assert_jnull(r.json, "comparison.previous_quarter.milestones_on_track_or_complete_percent");
  ck_assert_jnull(r.json, "comparison.previous_quarter.kpis_on_track_percent");
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/summary?quarter=2018-19-Q1", NULL, s.admin, NULL, 200, &r);
  assert_demo_q1(r.json);
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/summary?quarter=2018-19-Q2", NULL, s.admin, NULL, 200, &r);
  ck_assert_jstr(r.json, "quarter", "2018-19-Q2");
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "groups")), 3);
  g = group_of(r.json, "CYP");
  assert_counts(g, "milestones", 25, "TBC", 25LL, NULL);
  assert_counts(g, "kpis", 17, "TBC", 17LL, NULL);
  assert_counts(group_of(r.json, "MHLD"), "milestones", 23, "TBC", 23LL, NULL);
  assert_counts(group_of(r.json, "UCC"), "kpis", 17, "TBC", 17LL, NULL);
  ck_assert_jnum(g, "milestones.percent.TBC", 100.0);
  ck_assert_jint(r.json, "overall.milestones.counts.TBC", 76);
  ck_assert_jint(r.json, "overall.kpis.counts.TBC", 50);
  ck_assert_jnum(r.json, "overall.milestones.on_track_or_complete_percent", 0.0);
  ck_assert_jnum(r.json, "overall.kpis.on_track_percent", 0.0);
  ck_assert_uint_eq(json_array_size(json_object_get(g, "exceptions")), 0);
  /* Q1 is the previous quarter now. */
  ck_assert_jstr(r.json, "comparison.previous_quarter.quarter", "2018-19-Q1");
  ck_assert_jnum(r.json, "comparison.previous_quarter.milestones_on_track_or_complete_percent",
                 56.6);
  ck_assert_jnum(r.json, "comparison.previous_quarter.kpis_on_track_percent", 44.0);
  ck_assert_jnull(r.json, "comparison.same_quarter_last_year");
  th_response_free(&r);
  /* A position carried into the year before is not rated against this
   * year's annual target (95 for CH/KPI 1): no computed rating, the
   * partner's stands. */
  put_reading(&s, kpi_id(&s, "CH%2FKPI%201"), "2017-18-Q4", "{\"value\":90,\"rating\":\"G\"}", 201,
              &r);
  ck_assert_jnull(r.json, "computed_rating");
  ck_assert_jstr(r.json, "effective_rating", "G");
  ck_assert(json_is_false(json_object_get(r.json, "rating_disagreement")));
  th_response_free(&r);
  put_reading(&s, kpi_id(&s, "CH%2FKPI%201"), "2018-19-Q3", "{\"value\":90}", 201, &r);
  ck_assert_jstr(r.json, "computed_rating", "R"); /* its own year: 90 against 95 */
  th_response_free(&r);
  th_stop(&s);
}
END_TEST

START_TEST(summary_year_without_items)
{
  struct th_server s;
  struct th_response r;

  th_start(&s, true, NULL);
  th_req(&s, "GET", "/api/v1/summary?quarter=2030-31-Q1", NULL, s.admin, NULL, 200, &r);
  ck_assert_jstr(r.json, "year", "2030-31");
  ck_assert(json_is_array(json_object_get(r.json, "groups")));
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "groups")), 0);
  ck_assert_jint(r.json, "overall.milestones.total", 0);
  ck_assert_jint(r.json, "overall.kpis.total", 0);
  ck_assert_jnull(r.json, "overall.milestones.on_track_or_complete_percent");
  ck_assert_jnull(r.json, "overall.milestones.red_percent");
  ck_assert_jnull(r.json, "overall.milestones.percent.G");
  ck_assert_jnull(r.json, "overall.kpis.on_track_percent");
  ck_assert_jnull(r.json, "overall.kpis.percent.TBC");
  ck_assert_jnull(r.json, "comparison.previous_quarter");
  ck_assert_jnull(r.json, "comparison.same_quarter_last_year");
  th_response_free(&r);
  /* Groups exist but are not active in that year: their summary is empty. */
  th_req(&s, "GET", "/api/v1/exceptions?quarter=2030-31-Q1", NULL, s.admin, NULL, 200, &r);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 0);
  th_response_free(&r);
  th_stop(&s);
}
END_TEST

/* ---- a second plan year ------------------------------------------------------------- */

static const char second_year[] =
  "{\"format\":\"icp-performance-dataset/1\",\"title\":\"Test plan 2019/20\","
  "\"financial_year\":\"2019-20\","
  "\"quarters\":[{\"id\":\"2019-20-Q1\",\"delivery_team_date\":\"2019-08-21\"}],"
  "\"groups\":["
  "{\"code\":\"CYP\",\"name\":\"Children and Young People\",\"chairs\":"
  "[\"Councillor Gordon Watson, RMBC\",\"Dr Jason Page, CCG\"]},"
  "{\"code\":\"MHLD\",\"name\":\"Mental Health and Learning Disability\",\"chairs\":"
  "[\"Ian Atkinson, RCCG\"]},"
  "{\"code\":\"UCC\",\"name\":\"Urgent and Community\",\"chairs\":"
  "[\"Chris Holt, TRFT\",\"Anne Marie Lubanski, RMBC\"]}],"
  "\"priorities\":["
  "{\"group\":\"CYP\",\"number\":1,\"title\":\"Early Help 2019\"},"
  "{\"group\":\"MHLD\",\"number\":1,\"title\":\"Crisis care 2019\"},"
  "{\"group\":\"UCC\",\"number\":1,\"title\":\"Discharge 2019\"}],"
  "\"milestones\":["
  "{\"code\":\"CH1.1\",\"group\":\"CYP\",\"priority\":1,"
  "\"description\":\"Open the new Early Help hub\",\"updates\":["
  "{\"quarter\":\"2019-20-Q1\",\"status\":\"G\",\"comment\":\"On track\"},"
  "{\"quarter\":\"2018-19-Q4\",\"status\":\"A\"}]},"
  "{\"code\":\"CH1.2\",\"group\":\"CYP\",\"priority\":1,"
  "\"description\":\"Recruit hub staff\"},"
  "{\"code\":\"MH1.1\",\"group\":\"MHLD\",\"priority\":1,"
  "\"description\":\"Crisis line live\",\"updates\":["
  "{\"quarter\":\"2019-20-Q1\",\"status\":\"R\",\"comment\":\"Delayed\"}]},"
  "{\"code\":\"UC1.1\",\"group\":\"UCC\",\"priority\":1,"
  "\"description\":\"Discharge to assess\",\"updates\":["
  "{\"quarter\":\"2019-20-Q1\",\"status\":\"B\"}]}],"
  "\"kpis\":["
  "{\"code\":\"CH/KPI 1\",\"group\":\"CYP\",\"priorities\":[1],"
  "\"description\":\"Families seen by the hub\",\"direction\":\"increase\",\"target\":90,"
  "\"readings\":[{\"quarter\":\"2019-20-Q1\",\"value\":91}]},"
  "{\"code\":\"MH/KPI 1\",\"group\":\"MHLD\",\"priorities\":[1],"
  "\"description\":\"Crisis calls answered\",\"readings\":["
  "{\"quarter\":\"2019-20-Q1\",\"rating\":\"R\",\"value_text\":\"n/a\"}]}]}";

START_TEST(import_second_plan_year)
{
  struct th_server s;
  struct th_response r;
  char *q1_before, *q1_after, *list1, *list2, *sum1, *sum2;
  json_t *cyp;

  th_start(&s, true, NULL);
  th_req(&s, "GET", "/api/v1/summary?quarter=2018-19-Q1", NULL, s.admin, NULL, 200, &r);
  q1_before = json_dumps(r.json, JSON_SORT_KEYS);
  th_response_free(&r);

  th_req(&s, "POST", "/api/v1/import", second_year, s.admin, NULL, 200, &r);
  th_assert_ctype(&r, "application/json");
  ck_assert_jstr(r.json, "financial_year", "2019-20");
  ck_assert_jint(r.json, "groups", 3);
  ck_assert_jint(r.json, "priorities", 3);
  ck_assert_jint(r.json, "milestones", 4);
  ck_assert_jint(r.json, "kpis", 2);
  ck_assert_jint(r.json, "updates", 4);
  ck_assert_jint(r.json, "readings", 2);
  ck_assert_jint(r.json, "quarters", 1);
  ck_assert_jint(r.json, "organisations", 0);
  th_response_free(&r);

  /* CH1.1 now exists in both plan years, with different meanings. */
  th_req(&s, "GET", "/api/v1/milestones?code=CH1.1", NULL, s.admin, NULL, 200, &r);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 2);
  th_response_free(&r);
  {
    long long old_id = milestone_id(&s, "CH1.1");
    long long new_id = item_id(&s, "milestones", "CH1.1", "2019-20");
    char *path = fmt("/api/v1/milestones/%lld%s", new_id, "");

    ck_assert_int_ne(old_id, new_id);
    th_req(&s, "GET", path, NULL, s.admin, NULL, 200, &r);
    ck_assert_jstr(r.json, "description", "Open the new Early Help hub");
    th_response_free(&r);
    free(path);
    ck_assert_uint_eq(update_count(&s, old_id), 2);
    ck_assert_uint_eq(update_count(&s, new_id), 2);
  }

  /* 2019-20-Q1: only the new year's items. */
  th_req(&s, "GET", "/api/v1/summary?quarter=2019-20-Q1", NULL, s.admin, NULL, 200, &r);
  ck_assert_jstr(r.json, "year", "2019-20");
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "groups")), 3);
  cyp = group_of(r.json, "CYP");
  assert_counts(cyp, "milestones", 2, "G", 1LL, "TBC", 1LL, NULL);
  assert_counts(cyp, "kpis", 1, "G", 1LL, NULL);
  ck_assert_uint_eq(json_array_size(th_jget(cyp, "milestones.by_priority")), 1);
  ck_assert_jstr(cyp, "milestones.by_priority[0].title", "Early Help 2019");
  assert_counts(group_of(r.json, "MHLD"), "milestones", 1, "R", 1LL, NULL);
  assert_counts(group_of(r.json, "MHLD"), "kpis", 1, "R", 1LL, NULL);
  assert_counts(group_of(r.json, "UCC"), "milestones", 1, "B", 1LL, NULL);
  assert_counts(group_of(r.json, "UCC"), "kpis", 0, NULL);
  ck_assert_jnull(group_of(r.json, "UCC"), "kpis.on_track_percent");
  ck_assert_jint(r.json, "overall.milestones.total", 4);
  ck_assert_jint(r.json, "overall.kpis.total", 2);
  ck_assert_jnum(r.json, "overall.milestones.on_track_or_complete_percent", 50.0);
  ck_assert_jnum(r.json, "overall.kpis.on_track_percent", 50.0);
  ck_assert_uint_eq(json_array_size(th_jget(group_of(r.json, "MHLD"), "exceptions")), 2);
  ck_assert_jstr(group_of(r.json, "MHLD"), "exceptions[0].code", "MH1.1");
  ck_assert_jstr(group_of(r.json, "MHLD"), "exceptions[1].code", "MH/KPI 1");
  ck_assert_jstr(r.json, "comparison.same_quarter_last_year.quarter", "2018-19-Q1");
  ck_assert_jnum(r.json,
                 "comparison.same_quarter_last_year.milestones_on_track_or_complete_percent", 56.6);
  ck_assert_jnum(r.json, "comparison.same_quarter_last_year.kpis_on_track_percent", 44.0);
  ck_assert_uint_eq(json_object_size(th_jget(r.json, "comparison.same_quarter_last_year")), 3);
  /* The previous quarter is 2018-19-Q4, as the 2019-20 items carry it:
   * CH1.1 was A there and the other three carry nothing (none of the four
   * on track); no KPI carries a reading (null). */
  ck_assert_jstr(r.json, "comparison.previous_quarter.quarter", "2018-19-Q4");
  ck_assert_jnum(r.json, "comparison.previous_quarter.milestones_on_track_or_complete_percent",
                 0.0);
  ck_assert_jnull(r.json, "comparison.previous_quarter.kpis_on_track_percent");
  th_response_free(&r);

  /* The 2018-19 summaries are untouched, even by the new item's 2018-19-Q4 update. */
  th_req(&s, "GET", "/api/v1/summary?quarter=2018-19-Q1", NULL, s.admin, NULL, 200, &r);
  assert_demo_q1(r.json);
  q1_after = json_dumps(r.json, JSON_SORT_KEYS);
  ck_assert_str_eq(q1_before, q1_after);
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/summary?quarter=2018-19-Q4", NULL, s.admin, NULL, 200, &r);
  ck_assert_jint(r.json, "overall.milestones.total", 76);
  ck_assert_jint(r.json, "overall.milestones.counts.TBC", 76);
  ck_assert_jint(r.json, "overall.milestones.counts.A", 0);
  th_response_free(&r);

  /* Importing the same file again changes nothing. */
  th_req(&s, "GET", "/api/v1/milestones?year=2019-20", NULL, s.admin, NULL, 200, &r);
  list1 = strdup(r.body);
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/summary?quarter=2019-20-Q1", NULL, s.admin, NULL, 200, &r);
  sum1 = json_dumps(r.json, JSON_SORT_KEYS);
  th_response_free(&r);
  th_req(&s, "POST", "/api/v1/import", second_year, s.admin, NULL, 200, &r);
  ck_assert_jint(r.json, "milestones", 4);
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/milestones?year=2019-20", NULL, s.admin, NULL, 200, &r);
  list2 = strdup(r.body);
  th_response_free(&r);
  ck_assert_str_eq(list1, list2);
  th_req(&s, "GET", "/api/v1/summary?quarter=2019-20-Q1", NULL, s.admin, NULL, 200, &r);
  sum2 = json_dumps(r.json, JSON_SORT_KEYS);
  th_response_free(&r);
  ck_assert_str_eq(sum1, sum2);
  th_req(&s, "GET", "/api/v1/kpis?year=2019-20", NULL, s.admin, NULL, 200, &r);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 2);
  th_response_free(&r);
  {
    long long new_id = item_id(&s, "milestones", "CH1.1", "2019-20");

    ck_assert_uint_eq(update_count(&s, new_id), 2);
  }
  free(q1_before);
  free(q1_after);
  free(list1);
  free(list2);
  free(sum1);
  free(sum2);
  th_stop(&s);
}
END_TEST

START_TEST(import_invalid_writes_nothing)
{
  struct th_server s;
  struct th_response r;
  char *bad, *p, *groups_before;
  json_t *doc;

  th_start(&s, true, NULL);
  th_req(&s, "GET", "/api/v1/groups", NULL, s.admin, NULL, 200, &r);
  groups_before = strdup(r.body);
  th_response_free(&r);

  /* The valid file with bad elements: an unknown status, a bad rating, a
   * milestone of a priority that does not exist. */
  doc = json_loads(second_year, 0, NULL);
  ck_assert_ptr_nonnull(doc);
  json_object_set_new(th_jget(doc, "milestones[0].updates[0]"), "status", json_string("purple"));
  json_object_set_new(th_jget(doc, "kpis[1].readings[0]"), "rating", json_string("B"));
  json_object_set_new(th_jget(doc, "milestones[2]"), "priority", json_integer(7));
  json_object_set_new(th_jget(doc, "groups[0]"), "name", json_string("Renamed"));
  /* an item's own problem does not hide its updates' or readings' */
  json_object_set_new(th_jget(doc, "milestones[0]"), "description", json_string(""));
  json_object_set_new(th_jget(doc, "kpis[0]"), "description", json_string(""));
  json_object_set_new(th_jget(doc, "kpis[0].readings[0]"), "rating", json_string("Z"));
  bad = json_dumps(doc, JSON_COMPACT);
  json_decref(doc);

  th_req(&s, "POST", "/api/v1/import", bad, s.admin, NULL, 422, &r);
  th_assert_field_error(&r, "milestones[0].updates[0].status");
  th_assert_field_error(&r, "kpis[1].readings[0].rating");
  th_assert_field_error(&r, "milestones[2].priority");
  th_assert_field_error(&r, "milestones[0].description");
  th_assert_field_error(&r, "kpis[0].description");
  th_assert_field_error(&r, "kpis[0].readings[0].rating");
  th_response_free(&r);
  free(bad);

  /* null where the format's schema has no null (it means nothing there:
   * the member is left out instead) */
  doc = json_loads(second_year, 0, NULL);
  json_object_set_new(th_jget(doc, "quarters[0]"), "delivery_team_date", json_null());
  json_object_set_new(th_jget(doc, "milestones[0].updates[0]"), "comment", json_null());
  json_object_set_new(th_jget(doc, "kpis[1].readings[0]"), "value", json_null());
  json_object_set_new(th_jget(doc, "kpis[1].readings[0]"), "rating", json_null());
  bad = json_dumps(doc, JSON_COMPACT);
  json_decref(doc);
  th_req(&s, "POST", "/api/v1/import", bad, s.admin, NULL, 422, &r);
  th_assert_field_error(&r, "quarters[0].delivery_team_date");
  th_assert_field_error(&r, "milestones[0].updates[0].comment");
  th_assert_field_error(&r, "kpis[1].readings[0].value");
  th_assert_field_error(&r, "kpis[1].readings[0].rating");
  th_response_free(&r);
  free(bad);

  /* Nothing of it was written, not even the valid parts. */
  th_req(&s, "GET", "/api/v1/milestones?year=2019-20", NULL, s.admin, NULL, 200, &r);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 0);
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/kpis?year=2019-20", NULL, s.admin, NULL, 200, &r);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 0);
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/priorities?year=2019-20", NULL, s.admin, NULL, 200, &r);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 0);
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/groups", NULL, s.admin, NULL, 200, &r);
  ck_assert_str_eq(r.body, groups_before);
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/quarters", NULL, s.admin, NULL, 200, &r);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 4);
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/summary?quarter=2019-20-Q1", NULL, s.admin, NULL, 200, &r);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "groups")), 0);
  th_response_free(&r);

  /* Structural problems: wrong format, unknown top-level field, a year on an item. */
  p = strdup(second_year);
  memcpy(strstr(p, "dataset/1"), "dataset/9", 9);
  th_req(&s, "POST", "/api/v1/import", p, s.admin, NULL, 422, &r);
  th_assert_field_error(&r, "format");
  th_response_free(&r);
  free(p);
  th_req(&s, "POST", "/api/v1/import",
         "{\"format\":\"icp-performance-dataset/1\",\"financial_year\":\"2019-21\","
         "\"groups\":[],\"priorities\":[],\"milestones\":[],\"kpis\":[],\"extra\":1}",
         s.admin, NULL, 422, &r);
  th_assert_field_error(&r, "financial_year");
  th_assert_field_error(&r, "extra");
  th_response_free(&r);
  th_req(&s, "POST", "/api/v1/import",
         "{\"format\":\"icp-performance-dataset/1\",\"financial_year\":\"2019-20\","
         "\"groups\":[],\"priorities\":[],\"kpis\":[],\"milestones\":[{\"code\":\"X1\","
         "\"group\":\"CYP\",\"priority\":1,\"description\":\"d\",\"year\":\"2019-20\"}]}",
         s.admin, NULL, 422, &r);
  th_assert_field_error(&r, "milestones[0].year");
  th_response_free(&r);
  /* Only admins import. */
  th_req(&s, "POST", "/api/v1/import", second_year, s.viewer, NULL, 403, &r);
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/milestones?year=2019-20", NULL, s.admin, NULL, 200, &r);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 0);
  th_response_free(&r);
  free(groups_before);
  th_stop(&s);
}
END_TEST

/* ---- quarters ---------------------------------------------------------------------- */

START_TEST(quarters_list_get_put)
{
  struct th_server s;
  struct th_response r;

  th_start(&s, true, NULL);
  th_req(&s, "GET", "/api/v1/quarters", NULL, s.admin, NULL, 200, &r);
  th_assert_ctype(&r, "application/json");
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 4);
  ck_assert_jstr(r.json, "items[0].id", "2018-19-Q1");
  ck_assert_jstr(r.json, "items[0].year", "2018-19");
  ck_assert_jstr(r.json, "items[0].delivery_team_date", "2018-08-22");
  ck_assert_jstr(r.json, "items[0].place_board_date", "2018-09-05");
  /* Imported quarters are closed unless the dataset opens them (Q2). */
  ck_assert_jstr(r.json, "items[0].state", "closed");
  ck_assert_jstr(r.json, "items[1].id", "2018-19-Q2");
  ck_assert_jstr(r.json, "items[1].state", "open");
  ck_assert_jstr(r.json, "items[2].state", "closed");
  ck_assert_jstr(r.json, "items[3].id", "2018-19-Q4");
  ck_assert(json_is_string(th_jget(r.json, "items[3].delivery_team_date")));
  th_response_free(&r);

  th_req(&s, "GET", "/api/v1/quarters/2018-19-Q1", NULL, s.admin, NULL, 200, &r);
  ck_assert_jstr(r.json, "place_board_date", "2018-09-05");
  th_response_free(&r);

  th_req(&s, "PUT", "/api/v1/quarters/2019-20-Q1", "{\"delivery_team_date\":\"2019-08-21\"}",
         s.admin, NULL, 200, &r);
  ck_assert_jstr(r.json, "id", "2019-20-Q1");
  ck_assert_jstr(r.json, "year", "2019-20");
  ck_assert_jstr(r.json, "delivery_team_date", "2019-08-21");
  ck_assert_jnull(r.json, "place_board_date");
  ck_assert_jstr(r.json, "state", "closed"); /* opened only by saying so */
  th_response_free(&r);
  /* A second PUT keeps the fields it does not name. */
  th_req(&s, "PUT", "/api/v1/quarters/2019-20-Q1",
         "{\"place_board_date\":\"2019-09-04\",\"state\":\"open\"}", s.admin, NULL, 200, &r);
  ck_assert_jstr(r.json, "delivery_team_date", "2019-08-21");
  ck_assert_jstr(r.json, "place_board_date", "2019-09-04");
  ck_assert_jstr(r.json, "state", "open");
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/quarters/2019-20-Q1", NULL, s.admin, NULL, 200, &r);
  ck_assert_jstr(r.json, "delivery_team_date", "2019-08-21");
  ck_assert_jstr(r.json, "state", "open");
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/quarters", NULL, s.admin, NULL, 200, &r);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 5);
  ck_assert_jstr(r.json, "items[4].id", "2019-20-Q1");
  th_response_free(&r);

  /* Bad input. */
  th_req(&s, "PUT", "/api/v1/quarters/2019-20-Q2", "{\"delivery_team_date\":\"2019-02-30\"}",
         s.admin, NULL, 422, &r);
  th_assert_field_error(&r, "delivery_team_date");
  th_response_free(&r);
  th_req(&s, "PUT", "/api/v1/quarters/2019-20-Q2", "{\"place_board_date\":\"21/08/2019\"}", s.admin,
         NULL, 422, &r);
  th_assert_field_error(&r, "place_board_date");
  th_response_free(&r);
  th_req(&s, "PUT", "/api/v1/quarters/2019-20-Q2", "{\"state\":\"frozen\"}", s.admin, NULL, 422,
         &r);
  th_assert_field_error(&r, "state");
  th_response_free(&r);
  th_req(&s, "PUT", "/api/v1/quarters/2019-20-Q2", "{\"colour\":\"red\"}", s.admin, NULL, 422, &r);
  th_assert_field_error(&r, "colour");
  th_response_free(&r);
  th_req(&s, "PUT", "/api/v1/quarters/2019-20-Q5", "{\"state\":\"open\"}", s.admin, NULL, 400, &r);
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/quarters/2019-21-Q1", NULL, s.admin, NULL, 400, &r);
  th_response_free(&r);
  th_req(&s, "PUT", "/api/v1/quarters/2019-20-Q2", "{\"state\":\"open\"}", s.viewer, NULL, 403, &r);
  th_response_free(&r);

  /* The failed PUTs stored nothing: a valid, unknown quarter answers defaults. */
  th_req(&s, "GET", "/api/v1/quarters/2019-20-Q2", NULL, s.admin, NULL, 200, &r);
  ck_assert_jstr(r.json, "id", "2019-20-Q2");
  ck_assert_jstr(r.json, "year", "2019-20");
  ck_assert_jstr(r.json, "state", "closed"); /* until the team sets it up */
  ck_assert_jnull(r.json, "delivery_team_date");
  ck_assert_jnull(r.json, "place_board_date");
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/quarters/2031-32-Q4", NULL, s.admin, NULL, 200, &r);
  ck_assert_jstr(r.json, "state", "closed");
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/quarters", NULL, s.admin, NULL, 200, &r);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 5);
  th_response_free(&r);
  th_stop(&s);
}
END_TEST

/* ---- roles --------------------------------------------------------------------------- */

START_TEST(viewer_reads_but_cannot_write)
{
  struct th_server s;
  struct th_response r;
  long long kpi, ms;
  char *path;

  th_start(&s, true, NULL);
  kpi = kpi_id(&s, "CH%2FKPI%201");
  ms = milestone_id(&s, "CH1.1");
  th_req(&s, "GET", "/api/v1/summary?quarter=2018-19-Q1", NULL, s.viewer, NULL, 200, &r);
  assert_demo_q1(r.json);
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/groups/UCC/summary?quarter=2018-19-Q1", NULL, s.viewer, NULL, 200, &r);
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/exceptions?quarter=2018-19-Q1", NULL, s.viewer, NULL, 200, &r);
  th_response_free(&r);
  path = fmt("/api/v1/kpis/%lld/readings%s", kpi, "");
  th_req(&s, "GET", path, NULL, s.viewer, NULL, 200, &r);
  th_response_free(&r);
  free(path);

  path = fmt("/api/v1/kpis/%lld/readings/%s", kpi, "2018-19-Q2");
  th_req(&s, "PUT", path, "{\"value\":96}", s.viewer, NULL, 403, &r);
  th_assert_ctype(&r, "application/problem+json");
  th_response_free(&r);
  th_req(&s, "DELETE", "/api/v1/kpis/1/readings/2018-19-Q1", NULL, s.viewer, NULL, 403, &r);
  th_response_free(&r);
  /* Without a token at all: 401. */
  th_req(&s, "PUT", path, "{\"value\":96}", NULL, NULL, 401, &r);
  th_response_free(&r);
  th_req(&s, "GET", "/api/v1/summary?quarter=2018-19-Q1", NULL, NULL, NULL, 401, &r);
  th_response_free(&r);
  free(path);
  put_update(&s, ms, "2018-19-Q2", "{\"status\":\"G\"}", s.viewer, 403, &r);
  th_response_free(&r);
  ck_assert_uint_eq(update_count(&s, ms), 2);
  path = fmt("/api/v1/kpis/%lld/readings%s", kpi, "");
  th_req(&s, "GET", path, NULL, s.viewer, NULL, 200, &r);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 1);
  th_response_free(&r);
  free(path);
  th_stop(&s);
}
END_TEST

static Suite *
report_suite(void)
{
  Suite *s = suite_create("report");
  struct {
    const char *name;
    const TTest *tests[8];
  } cases[] = {
    {"updates",
     {updates_list_demo, updates_put_create_then_replace, updates_status_aliases, updates_invalid,
      updates_delete, NULL}},
    {"readings", {readings_computed_rating, readings_invalid, readings_quarterly_targets, NULL}},
    {"summary",
     {summary_reproduces_published_tables, summary_etag_and_writes,
      summary_not_modified_before_built, summary_bad_requests, group_summary_and_exceptions,
      summary_quarter_without_updates, summary_year_without_items, NULL}},
    {"import", {import_second_plan_year, import_invalid_writes_nothing, NULL}},
    {"quarters", {quarters_list_get_put, viewer_reads_but_cannot_write, NULL}},
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    TCase *tc = tcase_create(cases[i].name);

    tcase_set_timeout(tc, 60);
    for (size_t j = 0; cases[i].tests[j] != NULL; j++)
      tcase_add_test(tc, cases[i].tests[j]);
    suite_add_tcase(s, tc);
  }
  return s;
}

int
main(void)
{
  return th_run(report_suite());
}
