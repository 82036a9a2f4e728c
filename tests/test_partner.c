/* Partner organisations and their quarterly returns: every role against
 * every write route, read rules, the token API, submission windows, bulk
 * returns (JSON and CSV), completeness, and the append-only, hash-chained
 * audit trail. Each test starts the real server in-process with a fresh
 * database holding the demo dataset for 2018-19, in which a few items are
 * then given owners:
 *
 *   RMBC: milestones CH1.1, CH1.3; KPIs CH/KPI 1, CH/KPI 3
 *   TRFT: milestone CH1.2; KPI CH/KPI 2
 *
 * The last test case exercises csv_parse directly. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <jansson.h>
#include <sqlite3.h>

#include "csv.h"
#include "harness.h"
#include "router.h"

#define Q1 "2018-19-Q1"
#define Q2 "2018-19-Q2"
#define Q3 "2018-19-Q3"
#define KPI1 "CH%2FKPI%201"
#define KPI2 "CH%2FKPI%202"
#define KPI3 "CH%2FKPI%203"
#define WINDOW_TYPE "urn:ragboard:problem:quarter-not-open"
#define CSV_TYPE "Content-Type: text/csv; charset=utf-8"

/* ---- JSON helpers ---------------------------------------------------------------- */

/* Follow a path like "items[0].actor.role" from root; NULL when any step is
 * missing. Keys may not contain '.' or '['. */
#define ck_assert_jstr(root, path, want) ck_assert_str_eq(th_jstr((root), (path)), (want))
#define ck_assert_jint(root, path, want) ck_assert_int_eq(th_jint((root), (path)), (want))
#define ck_assert_jnull(root, path) \
  ck_assert_msg(json_is_null(th_jget((root), (path))), "%s is not null", (path))

/* ---- HTTP helpers ------------------------------------------------------------------ */

static void
assert_unauthorized(const struct th_response *r, const char *what)
{
  char www[256];

  ck_assert_msg(r->status == 401, "%s: status %ld, wanted 401: %.500s", what, r->status, r->body);
  th_assert_problem(r, 401, "urn:ragboard:problem:unauthorized");
  ck_assert_msg(th_header(r, "WWW-Authenticate", www, sizeof(www)),
                "%s: 401 without WWW-Authenticate", what);
  ck_assert_msg(strncmp(www, "Bearer", 6) == 0, "%s: WWW-Authenticate is %s", what, www);
}

/* Id of the only item of `collection` with this code in 2018-19. */
static long long
item_id(struct th_server *s, const char *collection, const char *code_escaped)
{
  struct th_response r;
  char path[256];
  long long id;

  snprintf(path, sizeof(path), "/api/v1/%s?code=%s&year=2018-19", collection, code_escaped);
  th_req(s, "GET", path, NULL, s->admin, NULL, 200, &r);
  ck_assert_msg(json_array_size(json_object_get(r.json, "items")) == 1, "%s: %.500s", path, r.body);
  id = th_jint(r.json, "items[0].id");
  th_response_free(&r);
  return id;
}

/* Number of items of a list answer at path (first page of up to 500). */
static size_t
list_size(struct th_server *s, const char *path)
{
  struct th_response r;
  size_t n;

  th_req(s, "GET", path, NULL, s->admin, NULL, 200, &r);
  ck_assert_msg(json_is_null(json_object_get(r.json, "next")), "%s has more pages", path);
  n = json_array_size(json_object_get(r.json, "items"));
  th_response_free(&r);
  return n;
}

/* Token id of a token "rb1_<id>_<secret>". */
static long long
token_id(const char *token)
{
  long long id = 0;

  ck_assert_int_eq(sscanf(token, "rb1_%lld_", &id), 1);
  return id;
}

/* The stored updates (or readings) of an item: a new array. */
static json_t *
history(struct th_server *s, bool kpi, long long id)
{
  struct th_response r;
  char path[128];
  json_t *items;

  snprintf(path, sizeof(path), "/api/v1/%s/%lld/%s", kpi ? "kpis" : "milestones", id,
           kpi ? "readings" : "updates");
  th_req(s, "GET", path, NULL, s->admin, NULL, 200, &r);
  items = json_incref(json_object_get(r.json, "items"));
  ck_assert_ptr_nonnull(items);
  th_response_free(&r);
  return items;
}

/* The entry of history items for quarter, or NULL. */
static json_t *
for_quarter(json_t *items, const char *quarter)
{
  json_t *e;
  size_t i;

  json_array_foreach(items, i, e) if (strcmp(th_jstr(e, "quarter"), quarter) == 0) return e;
  return NULL;
}

/* Every audit entry visible to token matching query ("" for all), following
 * the cursor: a new array. */
static json_t *
audit_get(struct th_server *s, const char *token, const char *query)
{
  json_t *all = json_array();
  char cursor[256] = "", path[1024];

  for (int pages = 0;; pages++) {
    struct th_response r;
    json_t *next;

    ck_assert_int_lt(pages, 100);
    snprintf(path, sizeof(path), "/api/v1/audit?limit=500%s%s%s%s", query[0] ? "&" : "", query,
             cursor[0] ? "&cursor=" : "", cursor);
    th_req(s, "GET", path, NULL, token, NULL, 200, &r);
    ck_assert_msg(json_is_array(json_object_get(r.json, "items")), "%s: %.500s", path, r.body);
    json_array_extend(all, json_object_get(r.json, "items"));
    next = json_object_get(r.json, "next");
    if (!json_is_string(next)) {
      th_response_free(&r);
      break;
    }
    snprintf(cursor, sizeof(cursor), "%s", json_string_value(next));
    th_response_free(&r);
  }
  return all;
}

static size_t
audit_count(struct th_server *s)
{
  json_t *all = audit_get(s, s->admin, "");
  size_t n = json_array_size(all);

  json_decref(all);
  return n;
}

/* The successful write answered by r added audit entries (more than
 * `before`); the newest carries r's X-Request-Id and this actor. Returns the
 * number of entries now. */
static size_t
assert_audited(struct th_server *s, const struct th_response *r, size_t before, const char *role,
               long long actor_token, const char *what)
{
  json_t *all = audit_get(s, s->admin, ""), *last;
  size_t n = json_array_size(all);
  char rid[64];

  ck_assert_msg(n > before, "%s: no audit entry added (%zu entries)", what, n);
  last = json_array_get(all, n - 1);
  ck_assert_msg(th_header(r, "X-Request-Id", rid, sizeof(rid)), "%s: no X-Request-Id", what);
  ck_assert_msg(strcmp(th_jstr(last, "request_id"), rid) == 0, "%s: request_id %s, header %s", what,
                th_jstr(last, "request_id"), rid);
  ck_assert_msg(strcmp(th_jstr(last, "actor.role"), role) == 0, "%s: actor role %s", what,
                th_jstr(last, "actor.role"));
  ck_assert_msg(th_jint(last, "actor.token_id") == actor_token, "%s: actor token %lld", what,
                th_jint(last, "actor.token_id"));
  json_decref(all);
  return n;
}

/* ---- fixture ---------------------------------------------------------------------- */

struct fx {
  struct th_server s;
  char rmbc[128], trft[128]; /* submitter tokens */
  long long rmbc_tok, trft_tok, admin_tok, viewer_tok;
  long long ch11, ch12, ch13, kpi1, kpi2, kpi3;
};

static void
set_owner(struct fx *f, const char *collection, long long id, const char *org)
{
  struct th_response r;
  char path[128], body[64];

  snprintf(path, sizeof(path), "/api/v1/%s/%lld", collection, id);
  snprintf(body, sizeof(body), "{\"owner\":\"%s\"}", org);
  th_req(&f->s, "PATCH", path, body, f->s.admin, NULL, 200, &r);
  ck_assert_jstr(r.json, "owner", org);
  th_response_free(&r);
}

/* The performance team opens a quarter for submitters (the demo dataset
 * opens 2018-19-Q2 only; an imported quarter is otherwise closed). */
static void
open_quarter(struct fx *f, const char *quarter)
{
  struct th_response r;
  char path[64];

  snprintf(path, sizeof(path), "/api/v1/quarters/%s", quarter);
  th_req(&f->s, "PUT", path, "{\"state\":\"open\"}", f->s.admin, NULL, 200, &r);
  ck_assert_jstr(r.json, "state", "open");
  th_response_free(&r);
}

static void
fx_start(struct fx *f, void (*cfg_edit)(struct app_config *cfg))
{
  memset(f, 0, sizeof(*f));
  th_start(&f->s, true, cfg_edit);
  th_token(&f->s, "submitter", "RMBC", f->rmbc, sizeof(f->rmbc));
  th_token(&f->s, "submitter", "TRFT", f->trft, sizeof(f->trft));
  f->rmbc_tok = token_id(f->rmbc);
  f->trft_tok = token_id(f->trft);
  f->admin_tok = token_id(f->s.admin);
  f->viewer_tok = token_id(f->s.viewer);
  f->ch11 = item_id(&f->s, "milestones", "CH1.1");
  f->ch12 = item_id(&f->s, "milestones", "CH1.2");
  f->ch13 = item_id(&f->s, "milestones", "CH1.3");
  f->kpi1 = item_id(&f->s, "kpis", KPI1);
  f->kpi2 = item_id(&f->s, "kpis", KPI2);
  f->kpi3 = item_id(&f->s, "kpis", KPI3);
  set_owner(f, "milestones", f->ch11, "RMBC");
  set_owner(f, "milestones", f->ch13, "RMBC");
  set_owner(f, "kpis", f->kpi1, "RMBC");
  set_owner(f, "kpis", f->kpi3, "RMBC");
  set_owner(f, "milestones", f->ch12, "TRFT");
  set_owner(f, "kpis", f->kpi2, "TRFT");
}

static void verify(struct fx *f, bool ok, long long entries, long long broken);

static void
public_read(struct app_config *cfg)
{
  cfg->public_read = true;
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
  ck_assert_int_gt(n, 0);
  rewind(fp);
  buf = malloc((size_t)n + 1);
  ck_assert_ptr_nonnull(buf);
  ck_assert_uint_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
  buf[n] = '\0';
  fclose(fp);
  return buf;
}

/* ---- every role against every write route ------------------------------------------- */

struct var {
  const char *name;
  char value[32];
};

/* Replace {name} in tmpl by the variable's value. */
static void
expand(const char *tmpl, const struct var *vars, size_t nvars, char *out, size_t cap)
{
  size_t used = 0;

  for (const char *p = tmpl; *p != '\0';) {
    if (*p == '{') {
      const char *end = strchr(p, '}');
      const char *value = NULL;

      ck_assert_ptr_nonnull(end);
      for (size_t i = 0; i < nvars && value == NULL; i++)
        if (vars[i].name != NULL && strlen(vars[i].name) == (size_t)(end - p - 1) &&
            strncmp(vars[i].name, p + 1, (size_t)(end - p - 1)) == 0)
          value = vars[i].value;
      ck_assert_msg(value != NULL && value[0] != '\0', "no value for %s", tmpl);
      used += (size_t)snprintf(out + used, cap - used, "%s", value);
      p = end + 1;
    } else {
      ck_assert_uint_lt(used + 1, cap);
      out[used++] = *p++;
      out[used] = '\0';
    }
  }
  out[used] = '\0';
}

static void
set_var(struct var *vars, size_t nvars, const char *name, long long v)
{
  for (size_t i = 0; i < nvars; i++) {
    if (vars[i].name == NULL || strcmp(vars[i].name, name) == 0) {
      vars[i].name = name;
      snprintf(vars[i].value, sizeof(vars[i].value), "%lld", v);
      return;
    }
  }
  ck_abort_msg("too many variables");
}

struct write_case {
  const char *method;
  const char *pattern;     /* the route table's pattern */
  const char *path;        /* {ms} {kpi}: RMBC's CH1.1 and CH/KPI 1; others saved below */
  const char *body;        /* NULL for none; "@import" for the demo dataset */
  long own;                /* RMBC's submitter */
  long other;              /* TRFT's submitter */
  const char *other_field; /* the field named by other's 422 */
  const char *admin_path;  /* NULL: path */
  long admin;
  const char *save; /* remember the admin's answer's "id" under this name */
  /* NULL: body. A PUT identical to the submitter's would change nothing
   * (and leave no audit entry), so the admin's says something else. */
  const char *admin_body;
};

static const struct write_case write_cases[] = {
  {"POST", "/api/v1/organisations", "/api/v1/organisations",
   "{\"code\":\"NEWORG\",\"name\":\"New partner\"}", 403, 403, NULL, NULL, 201, NULL, NULL},
  {"PATCH", "/api/v1/organisations/{code}", "/api/v1/organisations/VAR",
   "{\"name\":\"Voluntary Action Rotherham CIO\"}", 403, 403, NULL, NULL, 200, NULL, NULL},
  {"DELETE", "/api/v1/organisations/{code}", "/api/v1/organisations/NEWORG", NULL, 403, 403, NULL,
   NULL, 204, NULL, NULL},
  {"POST", "/api/v1/groups", "/api/v1/groups", "{\"code\":\"NEWG\",\"name\":\"New group\"}", 403,
   403, NULL, NULL, 201, NULL, NULL},
  {"PATCH", "/api/v1/groups/{code}", "/api/v1/groups/NEWG", "{\"name\":\"Renamed group\"}", 403,
   403, NULL, NULL, 200, NULL, NULL},
  {"DELETE", "/api/v1/groups/{code}", "/api/v1/groups/NEWG", NULL, 403, 403, NULL, NULL, 204, NULL,
   NULL},
  {"POST", "/api/v1/priorities", "/api/v1/priorities",
   "{\"year\":\"2018-19\",\"group\":\"CYP\",\"number\":99,\"title\":\"New priority\"}", 403, 403,
   NULL, NULL, 201, "prio", NULL},
  {"PATCH", "/api/v1/priorities/{id}", "/api/v1/priorities/{prio}",
   "{\"title\":\"Renamed priority\"}", 403, 403, NULL, NULL, 200, NULL, NULL},
  {"DELETE", "/api/v1/priorities/{id}", "/api/v1/priorities/{prio}", NULL, 403, 403, NULL, NULL,
   204, NULL, NULL},
  {"POST", "/api/v1/milestones", "/api/v1/milestones",
   "{\"year\":\"2018-19\",\"code\":\"CH9.9\",\"group\":\"CYP\",\"priority\":1,"
   "\"description\":\"New milestone\"}",
   403, 403, NULL, NULL, 201, "newms", NULL},
  {"PATCH", "/api/v1/milestones/{id}", "/api/v1/milestones/{newms}",
   "{\"description\":\"Changed\"}", 403, 403, NULL, NULL, 200, NULL, NULL},
  {"DELETE", "/api/v1/milestones/{id}", "/api/v1/milestones/{newms}", NULL, 403, 403, NULL, NULL,
   204, NULL, NULL},
  {"POST", "/api/v1/kpis", "/api/v1/kpis",
   "{\"year\":\"2018-19\",\"code\":\"CH/KPI 99\",\"group\":\"CYP\",\"priorities\":[1],"
   "\"description\":\"New KPI\"}",
   403, 403, NULL, NULL, 201, "newkpi", NULL},
  {"PATCH", "/api/v1/kpis/{id}", "/api/v1/kpis/{newkpi}", "{\"description\":\"Changed\"}", 403, 403,
   NULL, NULL, 200, NULL, NULL},
  {"DELETE", "/api/v1/kpis/{id}", "/api/v1/kpis/{newkpi}", NULL, 403, 403, NULL, NULL, 204, NULL,
   NULL},
  {"PUT", "/api/v1/milestones/{id}/updates/{quarter}", "/api/v1/milestones/{ms}/updates/" Q2,
   "{\"status\":\"A\",\"comment\":\"late\"}", 201, 403, NULL, NULL, 200, NULL,
   "{\"status\":\"R\",\"comment\":\"later\"}"},
  {"DELETE", "/api/v1/milestones/{id}/updates/{quarter}", "/api/v1/milestones/{ms}/updates/" Q1,
   NULL, 204, 403, NULL, "/api/v1/milestones/{ms}/updates/2017-18-Q4", 204, NULL, NULL},
  {"PUT", "/api/v1/kpis/{id}/readings/{quarter}", "/api/v1/kpis/{kpi}/readings/" Q2,
   "{\"value\":97,\"rating\":\"G\"}", 201, 403, NULL, NULL, 200, NULL,
   "{\"value\":96,\"rating\":\"A\"}"},
  {"DELETE", "/api/v1/kpis/{id}/readings/{quarter}", "/api/v1/kpis/{kpi}/readings/" Q1, NULL, 204,
   403, NULL, "/api/v1/kpis/{kpi}/readings/" Q2, 204, NULL, NULL},
  {"PUT", "/api/v1/kpis/{id}/months/{month}", "/api/v1/kpis/{kpi}/months/2018-07",
   "{\"value\":5,\"comment\":\"July\"}", 201, 403, NULL, NULL, 200, NULL,
   "{\"value\":6,\"comment\":\"July, revised\"}"},
  {"DELETE", "/api/v1/kpis/{id}/months/{month}", "/api/v1/kpis/{kpi}/months/2018-07", NULL, 204,
   403, NULL, "/api/v1/kpis/{kpi}/months/2018-08", 204, NULL, NULL},
  {"PUT", "/api/v1/quarters/{quarter}", "/api/v1/quarters/2018-19-Q4",
   "{\"place_board_date\":\"2019-06-06\"}", 403, 403, NULL, NULL, 200, NULL, NULL},
  {"POST", "/api/v1/quarters/{quarter}/submissions", "/api/v1/quarters/" Q3 "/submissions",
   "{\"milestones\":[{\"code\":\"CH1.1\",\"status\":\"G\"}]}", 200, 422, "milestones[0].code", NULL,
   200, NULL, NULL},
  {"POST", "/api/v1/tokens", "/api/v1/tokens", "{\"name\":\"extra\",\"role\":\"viewer\"}", 403, 403,
   NULL, NULL, 201, "tok", NULL},
  {"DELETE", "/api/v1/tokens/{id}", "/api/v1/tokens/{tok}", NULL, 403, 403, NULL, NULL, 200, NULL,
   NULL},
  {"POST", "/api/v1/owners", "/api/v1/owners",
   "{\"items\":[{\"kind\":\"milestone\",\"year\":\"2018-19\",\"code\":\"CH6.1\","
   "\"owner\":\"VAR\"}]}",
   403, 403, NULL, NULL, 200, NULL, NULL},
  /* Last: re-importing the demo resets the owners given above. */
  {"POST", "/api/v1/import", "/api/v1/import", "@import", 403, 403, NULL, NULL, 200, NULL, NULL},
};

START_TEST(every_role_against_every_write_route)
{
  static const char forged[] = "rb1_1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  struct fx f;
  struct th_response r;
  struct var vars[16];
  char revoked[128], path[256], what[320];
  char *import = read_file(th_demo_path());
  long long revoked_id;
  size_t ncases = sizeof(write_cases) / sizeof(write_cases[0]);
  size_t covered = 0;

  memset(vars, 0, sizeof(vars));
  fx_start(&f, NULL);
  open_quarter(&f, Q1);
  open_quarter(&f, Q3);
  set_var(vars, 16, "ms", f.ch11);
  set_var(vars, 16, "kpi", f.kpi1);
  /* The KPI takes monthly values (issue 18), and has one the admin deletes. */
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld", f.kpi1);
  th_expect_status(&f.s, "PATCH", path, "{\"frequency\":\"monthly\"}", f.s.admin, NULL, 200);
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld/months/2018-08", f.kpi1);
  th_expect_status(&f.s, "PUT", path, "{\"value\":4}", f.s.admin, NULL, 201);

  /* A token that worked, then was revoked through the API. */
  th_req(&f.s, "POST", "/api/v1/tokens", "{\"name\":\"soon revoked\",\"role\":\"admin\"}",
         f.s.admin, NULL, 201, &r);
  snprintf(revoked, sizeof(revoked), "%s", th_jstr(r.json, "token"));
  revoked_id = th_jint(r.json, "id");
  th_response_free(&r);
  th_expect_status(&f.s, "GET", "/api/v1/organisations", NULL, revoked, NULL, 200);
  snprintf(path, sizeof(path), "/api/v1/tokens/%lld", revoked_id);
  th_req(&f.s, "DELETE", path, NULL, f.s.admin, NULL, 200, &r);
  ck_assert(json_is_string(json_object_get(r.json, "revoked_at")));
  th_response_free(&r);
  th_request(&f.s, "GET", "/api/v1/organisations", NULL, revoked, NULL, &r);
  assert_unauthorized(&r, "revoked token reading");
  th_response_free(&r);

  for (size_t i = 0; i < ncases; i++) {
    const struct write_case *c = &write_cases[i];
    const char *body = c->body != NULL && strcmp(c->body, "@import") == 0 ? import : c->body;
    const char *bad_tokens[] = {NULL, "not-a-token", "rb1_x", forged, revoked};
    char admin_path[256];
    size_t before;

    expand(c->path, vars, 16, path, sizeof(path));
    expand(c->admin_path != NULL ? c->admin_path : c->path, vars, 16, admin_path,
           sizeof(admin_path));
    before = audit_count(&f.s);

    for (size_t t = 0; t < sizeof(bad_tokens) / sizeof(bad_tokens[0]); t++) {
      snprintf(what, sizeof(what), "%s %s with token %s", c->method, path,
               bad_tokens[t] != NULL ? bad_tokens[t] : "(none)");
      th_request(&f.s, c->method, path, body, bad_tokens[t], NULL, &r);
      assert_unauthorized(&r, what);
      th_response_free(&r);
    }
    th_request(&f.s, c->method, path, body, f.s.viewer, NULL, &r);
    th_assert_problem(&r, 403, "urn:ragboard:problem:forbidden");
    th_response_free(&r);

    snprintf(what, sizeof(what), "%s %s by TRFT's submitter", c->method, path);
    th_request(&f.s, c->method, path, body, f.trft, NULL, &r);
    ck_assert_msg(r.status == c->other, "%s: %ld, wanted %ld: %.500s", what, r.status, c->other,
                  r.body);
    if (c->other == 403)
      th_assert_problem(&r, 403, "urn:ragboard:problem:forbidden");
    if (c->other_field != NULL) {
      th_assert_problem(&r, 422, "urn:ragboard:problem:validation");
      th_assert_field_error(&r, c->other_field);
    }
    th_response_free(&r);

    if (c->own == 403) {
      th_request(&f.s, c->method, path, body, f.rmbc, NULL, &r);
      th_assert_problem(&r, 403, "urn:ragboard:problem:forbidden");
      th_response_free(&r);
    }
    ck_assert_msg(audit_count(&f.s) == before, "%s %s: a refused request left an audit entry",
                  c->method, path);

    if (c->own != 403) {
      snprintf(what, sizeof(what), "%s %s by RMBC's submitter", c->method, path);
      th_request(&f.s, c->method, path, body, f.rmbc, NULL, &r);
      ck_assert_msg(r.status == c->own, "%s: %ld, wanted %ld: %.500s", what, r.status, c->own,
                    r.body);
      before = assert_audited(&f.s, &r, before, "submitter", f.rmbc_tok, what);
      th_response_free(&r);
    }

    snprintf(what, sizeof(what), "%s %s by admin", c->method, admin_path);
    th_request(&f.s, c->method, admin_path, c->admin_body != NULL ? c->admin_body : body, f.s.admin,
               NULL, &r);
    ck_assert_msg(r.status == c->admin, "%s: %ld, wanted %ld: %.500s", what, r.status, c->admin,
                  r.body);
    assert_audited(&f.s, &r, before, "admin", f.admin_tok, what);
    if (c->save != NULL)
      set_var(vars, 16, c->save, th_jint(r.json, "id"));
    th_response_free(&r);
    covered++;
  }
  ck_assert_uint_eq(covered, 27);
  /* Everything written above, the import included, chains up. */
  verify(&f, true, (long long)audit_count(&f.s), 0);
  free(import);
  th_stop(&f.s);
}
END_TEST

/* The table above names every write route of the router exactly once, and
 * submitters are let through by the router exactly where the table expects
 * a submitter to succeed. */
START_TEST(write_table_matches_routes)
{
  size_t nroutes, nwrites = 0, ncases = sizeof(write_cases) / sizeof(write_cases[0]);
  const struct route *routes = router_routes(&nroutes);
  bool seen[sizeof(write_cases) / sizeof(write_cases[0])] = {false};

  for (size_t i = 0; i < nroutes; i++) {
    bool found = false;

    if (!(routes[i].flags & ROUTE_WRITE)) {
      ck_assert_msg(strcmp(routes[i].method, "GET") == 0, "%s %s is not a write route?",
                    routes[i].method, routes[i].pattern);
      continue;
    }
    nwrites++;
    for (size_t j = 0; j < ncases; j++) {
      if (strcmp(write_cases[j].method, routes[i].method) != 0 ||
          strcmp(write_cases[j].pattern, routes[i].pattern) != 0)
        continue;
      found = true;
      seen[j] = true;
      ck_assert_msg(((routes[i].flags & ROUTE_SUBMIT) != 0) == (write_cases[j].own != 403),
                    "%s %s: submitter flag and table disagree", routes[i].method,
                    routes[i].pattern);
    }
    ck_assert_msg(found, "write route %s %s is not in the table", routes[i].method,
                  routes[i].pattern);
  }
  for (size_t j = 0; j < ncases; j++)
    ck_assert_msg(seen[j], "%s %s is not a write route", write_cases[j].method,
                  write_cases[j].pattern);
  ck_assert_uint_eq(nwrites, 27);
}
END_TEST

/* A submitter writes its own items and nothing of another organisation's,
 * nor items without an owner; the refused write leaves the data as it was. */
START_TEST(submitter_own_items_only)
{
  struct fx f;
  struct th_response r;
  char path[128];
  json_t *before, *after;

  fx_start(&f, NULL);
  /* TRFT's own item: allowed. */
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/" Q2, f.ch12);
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"G\"}", f.trft, NULL, 201);
  /* RMBC on TRFT's item: 403, and TRFT's update is untouched. */
  before = history(&f.s, false, f.ch12);
  th_req(&f.s, "PUT", path, "{\"status\":\"R\"}", f.rmbc, NULL, 403, &r);
  th_assert_problem(&r, 403, "urn:ragboard:problem:forbidden");
  ck_assert_ptr_nonnull(strstr(th_jstr(r.json, "detail"), "TRFT"));
  th_response_free(&r);
  th_expect_status(&f.s, "DELETE", path, NULL, f.rmbc, NULL, 403);
  after = history(&f.s, false, f.ch12);
  ck_assert(json_equal(before, after));
  json_decref(before);
  json_decref(after);
  /* An item without an owner: only admins. */
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/" Q2,
           (long long)item_id(&f.s, "milestones", "CH1.4"));
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"G\"}", f.rmbc, NULL, 403);
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"G\"}", f.s.admin, NULL, 201);
  /* KPI readings the same. */
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld/readings/" Q2, f.kpi2);
  th_expect_status(&f.s, "PUT", path, "{\"value\":3}", f.rmbc, NULL, 403);
  th_expect_status(&f.s, "PUT", path, "{\"value\":3}", f.trft, NULL, 201);
  /* A submitter still may not change the item itself. */
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld", f.ch11);
  th_expect_status(&f.s, "PATCH", path, "{\"owner\":\"TRFT\"}", f.rmbc, NULL, 403);
  th_stop(&f.s);
}
END_TEST

/* ---- reads --------------------------------------------------------------------------- */

START_TEST(reads_need_a_token)
{
  static const char *const reads[] = {
    "/api/v1/organisations",   "/api/v1/groups",
    "/api/v1/priorities",      "/api/v1/milestones",
    "/api/v1/kpis/1/readings", "/api/v1/summary?quarter=" Q1,
    "/api/v1/quarters",        "/api/v1/quarters/" Q1 "/completeness",
    "/api/v1/tokens",          "/api/v1/audit",
    "/api/v1/audit/verify",
  };
  struct fx f;
  struct th_response r;

  fx_start(&f, NULL);
  for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
    th_request(&f.s, "GET", reads[i], NULL, NULL, NULL, &r);
    assert_unauthorized(&r, reads[i]);
    th_response_free(&r);
    th_request(&f.s, "GET", reads[i], NULL, "rb1_9_bogus", NULL, &r);
    assert_unauthorized(&r, reads[i]);
    th_response_free(&r);
  }
  th_expect_status(&f.s, "GET", "/healthz", NULL, NULL, NULL, 200);
  th_expect_status(&f.s, "GET", "/api/v1/organisations", NULL, f.s.viewer, NULL, 200);
  th_expect_status(&f.s, "GET", "/api/v1/organisations", NULL, f.rmbc, NULL, 200);

  /* Tokens: admin only. */
  th_req(&f.s, "GET", "/api/v1/tokens", NULL, f.s.viewer, NULL, 403, &r);
  th_assert_problem(&r, 403, "urn:ragboard:problem:forbidden");
  th_response_free(&r);
  th_expect_status(&f.s, "GET", "/api/v1/tokens", NULL, f.rmbc, NULL, 403);
  th_expect_status(&f.s, "GET", "/api/v1/tokens", NULL, f.s.admin, NULL, 200);
  /* The audit trail: any token; verification: admin only. */
  th_expect_status(&f.s, "GET", "/api/v1/audit", NULL, f.s.viewer, NULL, 200);
  th_expect_status(&f.s, "GET", "/api/v1/audit", NULL, f.rmbc, NULL, 200);
  th_expect_status(&f.s, "GET", "/api/v1/audit/verify", NULL, f.s.viewer, NULL, 403);
  th_expect_status(&f.s, "GET", "/api/v1/audit/verify", NULL, f.rmbc, NULL, 403);
  th_expect_status(&f.s, "GET", "/api/v1/audit/verify", NULL, f.s.admin, NULL, 200);
  th_stop(&f.s);
}
END_TEST

START_TEST(public_read_keeps_tokens_and_audit_private)
{
  struct fx f;
  struct th_response r;
  char path[128];

  fx_start(&f, public_read);
  th_expect_status(&f.s, "GET", "/api/v1/organisations", NULL, NULL, NULL, 200);
  th_expect_status(&f.s, "GET", "/api/v1/summary?quarter=" Q1, NULL, NULL, NULL, 200);
  th_expect_status(&f.s, "GET", "/api/v1/quarters/" Q1 "/completeness", NULL, NULL, NULL, 200);
  th_request(&f.s, "GET", "/api/v1/tokens", NULL, NULL, NULL, &r);
  assert_unauthorized(&r, "anonymous GET /api/v1/tokens with public read");
  th_response_free(&r);
  th_request(&f.s, "GET", "/api/v1/audit", NULL, NULL, NULL, &r);
  assert_unauthorized(&r, "anonymous GET /api/v1/audit with public read");
  th_response_free(&r);
  th_request(&f.s, "GET", "/api/v1/audit?format=csv", NULL, NULL, NULL, &r);
  assert_unauthorized(&r, "anonymous GET /api/v1/audit?format=csv with public read");
  th_response_free(&r);
  th_request(&f.s, "GET", "/api/v1/audit/verify", NULL, NULL, NULL, &r);
  assert_unauthorized(&r, "anonymous GET /api/v1/audit/verify with public read");
  th_response_free(&r);
  th_expect_status(&f.s, "GET", "/api/v1/tokens", NULL, f.s.viewer, NULL, 403);
  th_expect_status(&f.s, "GET", "/api/v1/audit", NULL, f.s.viewer, NULL, 200);
  /* Public read is for reading: writes still need a token. */
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/" Q2, f.ch11);
  th_request(&f.s, "PUT", path, "{\"status\":\"G\"}", NULL, NULL, &r);
  assert_unauthorized(&r, "anonymous PUT with public read");
  th_response_free(&r);
  /* A bad token is refused, not treated as anonymous. */
  th_request(&f.s, "GET", "/api/v1/organisations", NULL, "rb1_1_nope", NULL, &r);
  assert_unauthorized(&r, "bad token with public read");
  th_response_free(&r);
  th_stop(&f.s);
}
END_TEST

/* ---- token API ------------------------------------------------------------------------- */

static sqlite3 *raw_db(struct fx *f);

/* Token names are bounded (they are copied into every actor and audit
 * entry): 129 bytes is refused, 128 with a multi-byte last character
 * works for writes and the audit list. A longer name stored before the
 * bound is cut at a character boundary, never inside one (it once failed
 * every write with 500 and broke the audit list for good). */
START_TEST(token_name_bounds)
{
  struct fx f;
  struct th_response r;
  char name[200], body[300], tok[160], path[128];
  sqlite3 *db;

  fx_start(&f, NULL);
  memset(name, 'a', 129);
  name[129] = '\0';
  snprintf(body, sizeof(body), "{\"name\":\"%s\",\"role\":\"viewer\"}", name);
  th_req(&f.s, "POST", "/api/v1/tokens", body, f.s.admin, NULL, 422, &r);
  th_assert_field_error(&r, "name");
  th_response_free(&r);
  /* every bad field in one answer: the name's length beside a bad role, an
   * unknown organisation beside a bad name; a bad field is named once */
  snprintf(body, sizeof(body), "{\"name\":\"%s\",\"role\":\"boss\"}", name);
  th_req(&f.s, "POST", "/api/v1/tokens", body, f.s.admin, NULL, 422, &r);
  th_assert_field_error(&r, "name");
  th_assert_field_error(&r, "role");
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "errors")), 2);
  th_response_free(&r);
  th_req(&f.s, "POST", "/api/v1/tokens",
         "{\"name\":7,\"role\":\"submitter\",\"organisation\":\"NOPE\"}", f.s.admin, NULL, 422, &r);
  th_assert_field_error(&r, "name");
  th_assert_field_error(&r, "organisation");
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "errors")), 2);
  th_response_free(&r);
  /* one bad field: the detail is the field and its message, as a sentence */
  th_req(&f.s, "POST", "/api/v1/tokens",
         "{\"name\":\"x\",\"role\":\"submitter\",\"organisation\":\"NOPE\"}", f.s.admin, NULL, 422,
         &r);
  ck_assert_str_eq(th_jstr(r.json, "detail"), "organisation names no organisation with code NOPE");
  th_response_free(&r);
  th_req(&f.s, "POST", "/api/v1/tokens", "{\"name\":7,\"role\":\"submitter\"}", f.s.admin, NULL,
         422, &r);
  th_assert_field_error(&r, "name");
  th_assert_field_error(&r, "organisation");
  th_response_free(&r);
  memcpy(name + 126, "\xc3\xa9", 3); /* 126 + 2 bytes: e-acute last */
  snprintf(body, sizeof(body), "{\"name\":\"%s\",\"role\":\"submitter\",\"organisation\":\"RMBC\"}",
           name);
  th_req(&f.s, "POST", "/api/v1/tokens", body, f.s.admin, NULL, 201, &r);
  snprintf(tok, sizeof(tok), "%s", th_jstr(r.json, "token"));
  th_response_free(&r);
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/" Q2, f.ch11);
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"G\"}", tok, NULL, 201);

  /* an over-long name from before the bound */
  db = raw_db(&f);
  ck_assert_int_eq(sqlite3_exec(db,
                                "UPDATE token SET name = printf('%.*c', 127, 'b') || char(233, 233)"
                                " WHERE id = (SELECT max(id) FROM token)",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"A\"}", tok, NULL, 200);
  th_req(&f.s, "GET", "/api/v1/audit?action=update.put", NULL, f.s.admin, NULL, 200, &r);
  ck_assert_uint_eq(strlen(th_jstr(r.json, "items[1].actor.name")), 127);
  th_response_free(&r);
  th_stop(&f.s);
}
END_TEST

START_TEST(token_api)
{
  struct fx f;
  struct th_response r;
  char token[128], path[160], location[128], secret[64];
  json_t *e;
  size_t i, n0;
  long long id, rccg_ms;
  bool found = false;

  fx_start(&f, NULL);
  n0 = audit_count(&f.s);
  th_req(&f.s, "POST", "/api/v1/tokens",
         "{\"name\":\"RCCG returns\",\"role\":\"submitter\",\"organisation\":\"RCCG\"}", f.s.admin,
         NULL, 201, &r);
  snprintf(token, sizeof(token), "%s", th_jstr(r.json, "token"));
  id = th_jint(r.json, "id");
  ck_assert_int_eq(token_id(token), id);
  ck_assert_jstr(r.json, "name", "RCCG returns");
  ck_assert_jstr(r.json, "role", "submitter");
  ck_assert_jstr(r.json, "organisation", "RCCG");
  ck_assert_jnull(r.json, "last_used_at");
  ck_assert_jnull(r.json, "revoked_at");
  ck_assert(th_header(&r, "Location", location, sizeof(location)));
  snprintf(path, sizeof(path), "/api/v1/tokens/%lld", id);
  ck_assert_str_eq(location, path);
  assert_audited(&f.s, &r, n0, "admin", f.admin_tok, "token create");
  th_response_free(&r);
  /* Location names the token: its metadata, without the secret */
  th_req(&f.s, "GET", location, NULL, f.s.admin, NULL, 200, &r);
  ck_assert_jint(r.json, "id", id);
  ck_assert_jstr(r.json, "name", "RCCG returns");
  ck_assert_jstr(r.json, "organisation", "RCCG");
  ck_assert_ptr_null(json_object_get(r.json, "token"));
  ck_assert_ptr_null(strstr(r.body, strchr(token + 4, '_') + 1));
  th_response_free(&r);
  th_expect_status(&f.s, "GET", location, NULL, f.s.viewer, NULL, 403);
  th_expect_status(&f.s, "GET", "/api/v1/tokens/999999", NULL, f.s.admin, NULL, 404);
  th_expect_status(&f.s, "GET", "/api/v1/tokens/x", NULL, f.s.admin, NULL, 404);
  snprintf(secret, sizeof(secret), "%s", strchr(token + 4, '_') + 1);
  ck_assert_uint_eq(strlen(secret), 43);

  /* The secret is never shown again: not in the list, not in the audit. */
  th_req(&f.s, "GET", "/api/v1/tokens", NULL, f.s.admin, NULL, 200, &r);
  json_array_foreach(json_object_get(r.json, "items"), i, e)
  {
    ck_assert_ptr_null(json_object_get(e, "token"));
    ck_assert_ptr_null(json_object_get(e, "hash"));
    if (th_jint(e, "id") == id) {
      found = true;
      ck_assert_jnull(e, "last_used_at"); /* not used yet */
    }
  }
  ck_assert(found);
  ck_assert_ptr_null(strstr(r.body, secret));
  th_response_free(&r);
  th_req(&f.s, "GET", "/api/v1/audit?format=csv", NULL, f.s.admin, NULL, 200, &r);
  ck_assert_ptr_null(strstr(r.body, secret));
  th_response_free(&r);

  /* The new token works, as a submitter of RCCG. */
  th_expect_status(&f.s, "GET", "/api/v1/organisations", NULL, token, NULL, 200);
  rccg_ms = item_id(&f.s, "milestones", "CH2.1");
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld", rccg_ms);
  th_expect_status(&f.s, "PATCH", path, "{\"owner\":\"RCCG\"}", f.s.admin, NULL, 200);
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/" Q2, rccg_ms);
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"G\"}", token, NULL, 201);
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/" Q2, f.ch11);
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"G\"}", token, NULL, 403);
  th_expect_status(&f.s, "POST", "/api/v1/tokens", "{\"name\":\"x\",\"role\":\"viewer\"}", token,
                   NULL, 403);

  /* last_used_at is now set. */
  found = false;
  th_req(&f.s, "GET", "/api/v1/tokens", NULL, f.s.admin, NULL, 200, &r);
  json_array_foreach(json_object_get(r.json, "items"), i, e)
  {
    if (th_jint(e, "id") == id) {
      found = true;
      ck_assert_msg(json_is_string(json_object_get(e, "last_used_at")),
                    "last_used_at not set after use: %.500s", r.body);
      ck_assert_uint_ge(strlen(th_jstr(e, "last_used_at")), 16);
    }
  }
  ck_assert(found);
  th_response_free(&r);

  /* Invalid requests: 422 naming the field, and nothing created. */
  n0 = audit_count(&f.s);
  {
    size_t tokens_before;

    th_req(&f.s, "GET", "/api/v1/tokens", NULL, f.s.admin, NULL, 200, &r);
    tokens_before = json_array_size(json_object_get(r.json, "items"));
    th_response_free(&r);

    th_req(&f.s, "POST", "/api/v1/tokens", "{\"name\":\"no org\",\"role\":\"submitter\"}",
           f.s.admin, NULL, 422, &r);
    th_assert_problem(&r, 422, "urn:ragboard:problem:validation");
    th_assert_field_error(&r, "organisation");
    th_response_free(&r);
    th_req(&f.s, "POST", "/api/v1/tokens",
           "{\"name\":\"null org\",\"role\":\"submitter\",\"organisation\":null}", f.s.admin, NULL,
           422, &r);
    th_assert_field_error(&r, "organisation");
    th_response_free(&r);
    th_req(&f.s, "POST", "/api/v1/tokens",
           "{\"name\":\"ghost\",\"role\":\"submitter\",\"organisation\":\"NOSUCH\"}", f.s.admin,
           NULL, 422, &r);
    th_assert_field_error(&r, "organisation");
    th_response_free(&r);
    th_req(&f.s, "POST", "/api/v1/tokens",
           "{\"name\":\"ghost\",\"role\":\"viewer\",\"organisation\":\"NOSUCH\"}", f.s.admin, NULL,
           422, &r);
    th_assert_field_error(&r, "organisation");
    th_response_free(&r);
    th_req(&f.s, "POST", "/api/v1/tokens", "{\"name\":\"x\",\"role\":\"root\"}", f.s.admin, NULL,
           422, &r);
    th_assert_field_error(&r, "role");
    th_response_free(&r);
    th_req(&f.s, "POST", "/api/v1/tokens", "{\"role\":\"viewer\"}", f.s.admin, NULL, 422, &r);
    th_assert_field_error(&r, "name");
    th_response_free(&r);

    th_req(&f.s, "GET", "/api/v1/tokens", NULL, f.s.admin, NULL, 200, &r);
    ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), tokens_before);
    th_response_free(&r);
  }
  ck_assert_uint_eq(audit_count(&f.s), n0);

  /* Revoking it: the token stops working at once. */
  snprintf(path, sizeof(path), "/api/v1/tokens/%lld", id);
  th_req(&f.s, "DELETE", path, NULL, f.s.admin, NULL, 200, &r);
  ck_assert(json_is_string(json_object_get(r.json, "revoked_at")));
  ck_assert_ptr_null(json_object_get(r.json, "token"));
  th_response_free(&r);
  th_request(&f.s, "GET", "/api/v1/organisations", NULL, token, NULL, &r);
  assert_unauthorized(&r, "revoked token");
  th_response_free(&r);
  th_expect_status(&f.s, "DELETE", "/api/v1/tokens/999999", NULL, f.s.admin, NULL, 404);
  th_stop(&f.s);
}
END_TEST

/* ---- submission windows ------------------------------------------------------------- */

START_TEST(quarter_windows)
{
  struct fx f;
  struct th_response r;
  char upd[128], rdg[128], upd3[128], path[128];
  json_t *entries;
  size_t n0;

  fx_start(&f, NULL);
  snprintf(upd, sizeof(upd), "/api/v1/milestones/%lld/updates/" Q2, f.ch11);
  snprintf(rdg, sizeof(rdg), "/api/v1/kpis/%lld/readings/" Q2, f.kpi1);
  snprintf(upd3, sizeof(upd3), "/api/v1/milestones/%lld/updates/" Q3, f.ch11);

  th_req(&f.s, "PUT", "/api/v1/quarters/" Q2, "{\"state\":\"closed\"}", f.s.admin, NULL, 200, &r);
  ck_assert_jstr(r.json, "state", "closed");
  th_response_free(&r);

  /* Closed: submitters get 409, whatever the write. */
  n0 = audit_count(&f.s);
  th_req(&f.s, "PUT", upd, "{\"status\":\"G\"}", f.rmbc, NULL, 409, &r);
  th_assert_problem(&r, 409, WINDOW_TYPE);
  ck_assert_ptr_nonnull(strstr(th_jstr(r.json, "detail"), Q2));
  th_response_free(&r);
  th_req(&f.s, "PUT", rdg, "{\"value\":1}", f.rmbc, NULL, 409, &r);
  th_assert_problem(&r, 409, WINDOW_TYPE);
  th_response_free(&r);
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions",
         "{\"milestones\":[{\"code\":\"CH1.1\",\"status\":\"G\"}]}", f.rmbc, NULL, 409, &r);
  th_assert_problem(&r, 409, WINDOW_TYPE);
  th_response_free(&r);
  /* field problems noted before the window was checked stay off the 409 */
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions",
         "{\"bogus\":1,\"milestones\":[{\"code\":\"CH1.1\",\"status\":\"Z\"}]}", f.rmbc, NULL, 409,
         &r);
  th_assert_problem(&r, 409, WINDOW_TYPE);
  ck_assert_ptr_null(json_object_get(r.json, "errors"));
  th_response_free(&r);
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions",
         "kind,code,status,value,value_text,comment\nmilestone,CH1.1,G,,,\n", f.rmbc, CSV_TYPE, 409,
         &r);
  th_assert_problem(&r, 409, WINDOW_TYPE);
  th_response_free(&r);
  th_req(&f.s, "DELETE", upd, NULL, f.rmbc, NULL, 409, &r);
  th_assert_problem(&r, 409, WINDOW_TYPE);
  th_response_free(&r);
  ck_assert_uint_eq(audit_count(&f.s), n0);
  entries = history(&f.s, false, f.ch11);
  ck_assert_ptr_null(for_quarter(entries, Q2));
  json_decref(entries);

  /* A quarter the team never set up is closed to submitters: the Q4
   * before the plan year, which the Q1 report compares with, included. */
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/2017-18-Q4", f.ch11);
  th_req(&f.s, "PUT", path, "{\"status\":\"R\"}", f.rmbc, NULL, 409, &r);
  th_assert_problem(&r, 409, WINDOW_TYPE);
  th_response_free(&r);
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld/readings/2030-31-Q1", f.kpi1);
  th_req(&f.s, "PUT", path, "{\"value\":1}", f.rmbc, NULL, 409, &r);
  th_assert_problem(&r, 409, WINDOW_TYPE);
  th_response_free(&r);
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/2017-18-Q4", f.ch11);
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"R\"}", f.s.admin, NULL,
                   200); /* carried, changed */

  /* An imported quarter the dataset does not open stays closed until the
   * team opens it. */
  th_req(&f.s, "PUT", upd3, "{\"status\":\"G\"}", f.rmbc, NULL, 409, &r);
  th_assert_problem(&r, 409, WINDOW_TYPE);
  th_response_free(&r);
  open_quarter(&f, Q3);
  th_expect_status(&f.s, "PUT", upd3, "{\"status\":\"G\"}", f.rmbc, NULL, 201);
  /* Admins can still write a closed quarter. */
  th_expect_status(&f.s, "PUT", upd, "{\"status\":\"A\",\"comment\":\"by the team\"}", f.s.admin,
                   NULL, 201);
  th_expect_status(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions",
                   "{\"kpis\":[{\"code\":\"CH/KPI 1\",\"value\":42}]}", f.s.admin, NULL, 200);
  /* an unknown member does not hide the rows' problems */
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions",
         "{\"extra\":1,\"kpis\":[{\"code\":\"CH/KPI 1\",\"rating\":\"Z\"}]}", f.s.admin, NULL, 422,
         &r);
  th_assert_field_error(&r, "extra");
  th_assert_field_error(&r, "kpis[0].rating");
  th_response_free(&r);

  /* Locked: nobody writes. */
  th_req(&f.s, "PUT", "/api/v1/quarters/" Q2, "{\"state\":\"locked\"}", f.s.admin, NULL, 200, &r);
  ck_assert_jstr(r.json, "state", "locked");
  th_response_free(&r);
  n0 = audit_count(&f.s);
  th_req(&f.s, "PUT", upd, "{\"status\":\"R\"}", f.s.admin, NULL, 409, &r);
  th_assert_problem(&r, 409, WINDOW_TYPE);
  th_response_free(&r);
  th_req(&f.s, "DELETE", upd, NULL, f.s.admin, NULL, 409, &r);
  th_assert_problem(&r, 409, WINDOW_TYPE);
  th_response_free(&r);
  th_req(&f.s, "PUT", rdg, "{\"value\":2}", f.s.admin, NULL, 409, &r);
  th_assert_problem(&r, 409, WINDOW_TYPE);
  th_response_free(&r);
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions",
         "{\"milestones\":[{\"code\":\"CH1.1\",\"status\":\"R\"}]}", f.s.admin, NULL, 409, &r);
  th_assert_problem(&r, 409, WINDOW_TYPE);
  th_response_free(&r);
  th_req(&f.s, "PUT", upd, "{\"status\":\"R\"}", f.rmbc, NULL, 409, &r);
  th_assert_problem(&r, 409, WINDOW_TYPE);
  th_response_free(&r);
  /* Nor are its meeting dates moved (the report says when it was approved). */
  th_req(&f.s, "PUT", "/api/v1/quarters/" Q2, "{\"place_board_date\":\"2019-01-09\"}", f.s.admin,
         NULL, 409, &r);
  th_assert_problem(&r, 409, WINDOW_TYPE);
  th_response_free(&r);

  /* Unlocking must be deliberate. */
  th_req(&f.s, "PUT", "/api/v1/quarters/" Q2, "{\"state\":\"open\"}", f.s.admin, NULL, 409, &r);
  th_assert_problem(&r, 409, WINDOW_TYPE);
  th_response_free(&r);
  th_req(&f.s, "PUT", "/api/v1/quarters/" Q2, "{\"state\":\"closed\"}", f.s.admin, NULL, 409, &r);
  th_response_free(&r);
  /* a wrong unlock is named, beside whatever else is wrong */
  th_req(&f.s, "PUT", "/api/v1/quarters/" Q2, "{\"state\":\"ajar\",\"unlock\":false}", f.s.admin,
         NULL, 422, &r);
  th_assert_field_error(&r, "unlock");
  th_assert_field_error(&r, "state");
  th_response_free(&r);
  th_expect_status(&f.s, "PUT", "/api/v1/quarters/" Q2, "{\"state\":\"open\",\"unlock\":false}",
                   f.s.admin, NULL, 422);
  ck_assert_uint_eq(audit_count(&f.s), n0);
  th_req(&f.s, "GET", "/api/v1/quarters/" Q2, NULL, f.s.viewer, NULL, 200, &r);
  ck_assert_jstr(r.json, "state", "locked");
  th_response_free(&r);
  {
    json_t *h = history(&f.s, false, f.ch11);

    ck_assert_jstr(for_quarter(h, Q2), "status", "A");
    json_decref(h);
  }

  th_req(&f.s, "PUT", "/api/v1/quarters/" Q2, "{\"state\":\"open\",\"unlock\":true}", f.s.admin,
         NULL, 200, &r);
  ck_assert_jstr(r.json, "state", "open");
  assert_audited(&f.s, &r, n0, "admin", f.admin_tok, "unlock");
  th_response_free(&r);
  entries = audit_get(&f.s, f.s.admin, "action=quarter.unlock");
  ck_assert_uint_eq(json_array_size(entries), 1);
  ck_assert_jstr(entries, "[0].quarter", Q2);
  ck_assert_jstr(entries, "[0].entity", "quarter");
  ck_assert_jstr(entries, "[0].before.state", "locked");
  ck_assert_jstr(entries, "[0].after.state", "open");
  json_decref(entries);
  /* The earlier state changes were quarter.update entries, not unlocks. */
  entries = audit_get(&f.s, f.s.admin, "action=quarter.update&quarter=" Q2);
  ck_assert_uint_eq(json_array_size(entries), 2);
  json_decref(entries);

  /* Open again: the submitter writes. */
  th_expect_status(&f.s, "PUT", upd, "{\"status\":\"G\"}", f.rmbc, NULL, 200);
  th_stop(&f.s);
}
END_TEST

/* A locked quarter is frozen for the importer too: a dataset that would
 * change one of its figures or meeting dates is refused (422 naming each
 * path, nothing written), while re-importing what is stored stays a no-op
 * that succeeds. The audited unlock may move the dates in the same request. */
/* A submitter writes an item's update or reading only for the quarters of
 * the item's own plan year: a 2017-18 milestone's update in the open
 * 2018-19-Q2 was once stored (201). Admins still load any quarter. */
START_TEST(plan_year_quarters_only)
{
  struct fx f;
  struct th_response r;
  char path[160];
  long long old_ms, old_kpi;
  size_t n0;

  fx_start(&f, NULL);
  th_expect_status(
    &f.s, "POST", "/api/v1/priorities",
    "{\"year\":\"2017-18\",\"group\":\"CYP\",\"number\":1,\"title\":\"Last year's\"}", f.s.admin,
    NULL, 201);
  th_req(&f.s, "POST", "/api/v1/milestones",
         "{\"year\":\"2017-18\",\"code\":\"CH1.1\",\"group\":\"CYP\",\"priority\":1,"
         "\"description\":\"Last year's CH1.1\",\"owner\":\"RMBC\"}",
         f.s.admin, NULL, 201, &r);
  old_ms = th_jint(r.json, "id");
  th_response_free(&r);
  th_req(&f.s, "POST", "/api/v1/kpis",
         "{\"year\":\"2017-18\",\"code\":\"CH/KPI 1\",\"group\":\"CYP\",\"priorities\":[1],"
         "\"description\":\"Last year's KPI\",\"owner\":\"RMBC\"}",
         f.s.admin, NULL, 201, &r);
  old_kpi = th_jint(r.json, "id");
  th_response_free(&r);
  n0 = audit_count(&f.s);

  /* 2018-19-Q2 is open, but not a quarter of these items' plan year. */
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/" Q2, old_ms);
  th_req(&f.s, "PUT", path, "{\"status\":\"G\"}", f.rmbc, NULL, 409, &r);
  th_assert_problem(&r, 409, WINDOW_TYPE);
  ck_assert_ptr_nonnull(strstr(th_jstr(r.json, "detail"), "plan year 2017-18"));
  th_response_free(&r);
  th_expect_status(&f.s, "DELETE", path, NULL, f.rmbc, NULL, 409);
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld/readings/" Q2, old_kpi);
  th_req(&f.s, "PUT", path, "{\"value\":1}", f.rmbc, NULL, 409, &r);
  th_assert_problem(&r, 409, WINDOW_TYPE);
  th_response_free(&r);
  th_expect_status(&f.s, "DELETE", path, NULL, f.rmbc, NULL, 409);
  ck_assert_uint_eq(audit_count(&f.s), n0);
  {
    json_t *h = history(&f.s, false, old_ms);

    ck_assert_uint_eq(json_array_size(h), 0);
    json_decref(h);
    h = history(&f.s, true, old_kpi);
    ck_assert_uint_eq(json_array_size(h), 0);
    json_decref(h);
  }
  /* A bulk return names items of the quarter's plan year only: the
   * 2017-18 codes resolve to this year's items, and last year's are out
   * of reach. */
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions",
         "{\"milestones\":[{\"code\":\"CH1.1\",\"status\":\"A\"}]}", f.rmbc, NULL, 200, &r);
  ck_assert_jint(r.json, "milestones.ids[0]", f.ch11);
  th_response_free(&r);

  /* Their own plan year's quarters, once open, take them. */
  th_expect_status(&f.s, "PUT", "/api/v1/quarters/2017-18-Q4", "{\"state\":\"open\"}", f.s.admin,
                   NULL, 200);
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/2017-18-Q4", old_ms);
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"G\"}", f.rmbc, NULL, 201);
  /* and an admin loads history into any quarter */
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/" Q3, old_ms);
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"B\"}", f.s.admin, NULL, 201);
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld/readings/" Q2, old_kpi);
  th_expect_status(&f.s, "PUT", path, "{\"value\":2}", f.s.admin, NULL, 201);
  /* which the submitter still may not touch */
  th_expect_status(&f.s, "DELETE", path, NULL, f.rmbc, NULL, 409);
  th_stop(&f.s);
}
END_TEST

/* The quarter's state is `state`. */
static void
quarter_state_is(struct fx *f, const char *quarter, const char *state)
{
  struct th_response r;
  char path[64];

  snprintf(path, sizeof(path), "/api/v1/quarters/%s", quarter);
  th_req(&f->s, "GET", path, NULL, f->s.admin, NULL, 200, &r);
  ck_assert_msg(strcmp(th_jstr(r.json, "state"), state) == 0, "%s is %s, wanted %s", quarter,
                th_jstr(r.json, "state"), state);
  th_response_free(&r);
}

/* Importing a plan year opens none of its quarters: only the team (PUT
 * state=open) or a dataset saying "state": "open" for a quarter does. */
START_TEST(import_opens_no_quarter)
{
  struct fx f;
  struct th_response r;
  char *demo = read_file(th_demo_path()), *text, path[160];
  json_t *doc, *q;
  size_t i;

  fx_start(&f, NULL);
  /* The demo opens Q2 only, saying so. */
  quarter_state_is(&f, Q1, "closed");
  quarter_state_is(&f, Q2, "open");
  quarter_state_is(&f, Q3, "closed");
  quarter_state_is(&f, "2018-19-Q4", "closed");
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld/readings/2018-19-Q4", f.kpi1);
  th_req(&f.s, "PUT", path, "{\"value\":1}", f.rmbc, NULL, 409, &r);
  th_assert_problem(&r, 409, WINDOW_TYPE);
  th_response_free(&r);
  th_expect_status(&f.s, "POST", "/api/v1/quarters/2018-19-Q4/submissions",
                   "{\"kpis\":[{\"code\":\"CH/KPI 1\",\"value\":1}]}", f.rmbc, NULL, 409);

  /* A file without "state" leaves a stored quarter's state alone: the
   * team's opening and closing survive a re-import. */
  th_expect_status(&f.s, "PUT", "/api/v1/quarters/" Q2, "{\"state\":\"closed\"}", f.s.admin, NULL,
                   200);
  open_quarter(&f, Q3);
  doc = json_loads(demo, 0, NULL);
  ck_assert_ptr_nonnull(doc);
  json_array_foreach(json_object_get(doc, "quarters"), i, q) json_object_del(q, "state");
  text = json_dumps(doc, JSON_COMPACT);
  th_expect_status(&f.s, "POST", "/api/v1/import", text, f.s.admin, NULL, 200);
  free(text);
  quarter_state_is(&f, Q2, "closed");
  quarter_state_is(&f, Q3, "open");

  /* A new plan year's quarters arrive closed; one the file opens is open. */
  json_object_set_new(doc, "financial_year", json_string("2019-20"));
  json_array_foreach(json_object_get(doc, "quarters"), i, q)
  {
    char id[32];

    snprintf(id, sizeof(id), "2019-20-Q%d", (int)i + 1);
    json_object_set_new(q, "id", json_string(id));
    if (i == 3)
      json_object_set_new(q, "state", json_string("open"));
  }
  text = json_dumps(doc, JSON_COMPACT);
  th_expect_status(&f.s, "POST", "/api/v1/import", text, f.s.admin, NULL, 200);
  free(text);
  quarter_state_is(&f, "2019-20-Q1", "closed");
  quarter_state_is(&f, "2019-20-Q3", "closed");
  quarter_state_is(&f, "2019-20-Q4", "open");

  /* "state" takes open or closed; locking is the team's audited step, and
   * a locked quarter is not unlocked by a file. */
  json_object_set_new(th_jget(doc, "quarters[0]"), "state", json_string("locked"));
  text = json_dumps(doc, JSON_COMPACT);
  th_req(&f.s, "POST", "/api/v1/import", text, f.s.admin, NULL, 422, &r);
  th_assert_field_error(&r, "quarters[0].state");
  th_response_free(&r);
  free(text);
  th_expect_status(&f.s, "PUT", "/api/v1/quarters/2019-20-Q4", "{\"state\":\"locked\"}", f.s.admin,
                   NULL, 200);
  json_object_set_new(th_jget(doc, "quarters[0]"), "state", json_string("closed"));
  text = json_dumps(doc, JSON_COMPACT);
  th_req(&f.s, "POST", "/api/v1/import", text, f.s.admin, NULL, 422, &r);
  th_assert_field_error(&r, "quarters[3].state");
  th_response_free(&r);
  free(text);
  quarter_state_is(&f, "2019-20-Q4", "locked");
  quarter_state_is(&f, "2019-20-Q1", "closed");
  json_decref(doc);
  free(demo);
  th_stop(&f.s);
}
END_TEST

START_TEST(locked_quarter_frozen_for_import)
{
  struct fx f;
  struct th_response r;
  char *demo = read_file(th_demo_path()), *text, path[160], upath[160], when[16];
  json_t *doc, *k, *rd, *changed_reading = NULL, *changed_update = NULL;
  size_t i, j;

  fx_start(&f, NULL);
  th_req(&f.s, "GET", "/api/v1/quarters/" Q1, NULL, f.s.admin, NULL, 200, &r);
  snprintf(when, sizeof(when), "%s", th_jstr(r.json, "delivery_team_date"));
  th_response_free(&r);
  th_expect_status(&f.s, "PUT", "/api/v1/quarters/" Q1, "{\"state\":\"locked\"}", f.s.admin, NULL,
                   200);
  /* the same file again changes nothing: accepted */
  th_expect_status(&f.s, "POST", "/api/v1/import", demo, f.s.admin, NULL, 200);

  doc = json_loads(demo, 0, NULL);
  ck_assert_ptr_nonnull(doc);
  json_array_foreach(json_object_get(doc, "kpis"), i, k)
  {
    json_array_foreach(json_object_get(k, "readings"), j, rd)
    {
      if (changed_reading == NULL && json_is_number(json_object_get(rd, "value")) &&
          strcmp(json_string_value(json_object_get(rd, "quarter")), Q1) == 0) {
        json_object_set_new(rd, "value",
                            json_real(json_number_value(json_object_get(rd, "value")) + 1));
        changed_reading = rd;
        snprintf(path, sizeof(path), "kpis[%zu].readings[%zu]", i, j);
      }
    }
  }
  ck_assert_ptr_nonnull(changed_reading);
  /* and a milestone's Q1 update */
  json_array_foreach(json_object_get(doc, "milestones"), i, k)
  {
    json_array_foreach(json_object_get(k, "updates"), j, rd)
    {
      if (changed_update == NULL &&
          strcmp(json_string_value(json_object_get(rd, "quarter")), Q1) == 0) {
        json_object_set_new(rd, "comment", json_string("rewritten after approval"));
        changed_update = rd;
        snprintf(upath, sizeof(upath), "milestones[%zu].updates[%zu].quarter", i, j);
      }
    }
  }
  ck_assert_ptr_nonnull(changed_update);
  json_object_set_new(th_jget(doc, "quarters[0]"), "delivery_team_date", json_string("2018-08-23"));
  ck_assert_jstr(doc, "quarters[0].id", Q1);
  text = json_dumps(doc, JSON_COMPACT);
  th_req(&f.s, "POST", "/api/v1/import", text, f.s.admin, NULL, 422, &r);
  th_assert_field_error(&r, "quarters[0].delivery_team_date");
  strcat(path, ".quarter");
  th_assert_field_error(&r, path);
  th_assert_field_error(&r, upath);
  th_response_free(&r);
  th_req(&f.s, "GET", "/api/v1/quarters/" Q1, NULL, f.s.admin, NULL, 200, &r);
  ck_assert_jstr(r.json, "delivery_team_date", when);
  ck_assert_jstr(r.json, "state", "locked");
  th_response_free(&r);

  /* unlocked deliberately (and the date corrected on the way): accepted */
  th_expect_status(&f.s, "PUT", "/api/v1/quarters/" Q1,
                   "{\"state\":\"closed\",\"unlock\":true,\"delivery_team_date\":\"2018-08-23\"}",
                   f.s.admin, NULL, 200);
  th_expect_status(&f.s, "POST", "/api/v1/import", text, f.s.admin, NULL, 200);
  free(text);
  json_decref(doc);
  free(demo);
  th_stop(&f.s);
}
END_TEST

/* An import that overwrites a partner's figure leaves an audit entry per
 * figure changed, with before and after, the importing token as actor and
 * the import's request id; re-importing the same file adds none. */
START_TEST(import_overwrite_audited)
{
  struct fx f;
  struct th_response r;
  char *demo = read_file(th_demo_path()), *text, path[128], rid[64];
  json_t *doc, *k, *entries;
  size_t i, n;

  fx_start(&f, NULL);
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld/readings/" Q2, f.kpi1);
  th_expect_status(&f.s, "PUT", path, "{\"value\":97,\"rating\":\"G\"}", f.rmbc, NULL, 201);
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/" Q2, f.ch11);
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"A\"}", f.rmbc, NULL, 201);

  doc = json_loads(demo, 0, NULL);
  ck_assert_ptr_nonnull(doc);
  json_array_foreach(json_object_get(doc, "kpis"), i, k)
  {
    if (strcmp(th_jstr(k, "code"), "CH/KPI 1") == 0) {
      json_array_append_new(json_object_get(k, "readings"),
                            json_pack("{s:s, s:i}", "quarter", Q2, "value", 90));
      /* the file takes away the owner the fixture gave (left out, it
       * would be kept) */
      json_object_set_new(k, "owner", json_null());
    }
  }
  json_array_foreach(json_object_get(doc, "milestones"), i, k)
  {
    if (strcmp(th_jstr(k, "code"), "CH1.1") == 0)
      json_array_append_new(json_object_get(k, "updates"),
                            json_pack("{s:s, s:s}", "quarter", Q2, "status", "R"));
  }
  text = json_dumps(doc, JSON_COMPACT);
  n = audit_count(&f.s);
  th_req(&f.s, "POST", "/api/v1/import", text, f.s.admin, NULL, 200, &r);
  ck_assert_jint(r.json, "changed.readings", 1);
  ck_assert_jint(r.json, "changed.updates", 1);
  ck_assert_jint(r.json, "changed.items", 2);
  ck_assert(th_header(&r, "X-Request-Id", rid, sizeof(rid)));
  th_response_free(&r);
  /* the two figures, the two items whose owners the file changes (CH1.1
   * back to the file's RDASH, CH/KPI 1 to none; the fixture's other owners
   * are kept: the file leaves them out), then the import's own entry */
  ck_assert_uint_eq(audit_count(&f.s), n + 5);
  entries = audit_get(&f.s, f.s.admin, "action=kpi.import&code=CH%2FKPI%201");
  ck_assert_uint_eq(json_array_size(entries), 1);
  ck_assert_jstr(entries, "[0].entity", "kpi");
  ck_assert_jint(entries, "[0].entity_id", f.kpi1);
  ck_assert_jstr(entries, "[0].before.owner", "RMBC");
  ck_assert(json_is_null(th_jget(entries, "[0].after.owner")));
  json_decref(entries);

  entries = audit_get(&f.s, f.s.admin, "action=reading.import");
  ck_assert_uint_eq(json_array_size(entries), 1);
  ck_assert_jstr(entries, "[0].entity", "kpi_reading");
  ck_assert_jstr(entries, "[0].code", "CH/KPI 1");
  ck_assert_jstr(entries, "[0].quarter", Q2);
  ck_assert(json_number_value(th_jget(entries, "[0].before.value")) == 97);
  snprintf(path, sizeof(path), "submitter token %lld ", f.rmbc_tok);
  ck_assert(strncmp(th_jstr(entries, "[0].before.updated_by"), path, strlen(path)) == 0);
  ck_assert(json_number_value(th_jget(entries, "[0].after.value")) == 90);
  ck_assert_jstr(entries, "[0].before.effective_rating", "G"); /* annotated, as a PUT's */
  ck_assert(json_is_string(th_jget(entries, "[0].after.effective_rating")));
  ck_assert_jstr(entries, "[0].actor.role", "admin");
  ck_assert_jint(entries, "[0].actor.token_id", f.admin_tok);
  ck_assert_jstr(entries, "[0].request_id", rid);
  json_decref(entries);
  entries = audit_get(&f.s, f.s.admin, "action=update.import&code=CH1.1");
  ck_assert_uint_eq(json_array_size(entries), 1);
  ck_assert_jstr(entries, "[0].entity", "milestone_update");
  ck_assert_jstr(entries, "[0].before.status", "A");
  ck_assert_jstr(entries, "[0].after.status", "R");
  json_decref(entries);

  /* the same file again: no change, only the import's own entry */
  th_req(&f.s, "POST", "/api/v1/import", text, f.s.admin, NULL, 200, &r);
  ck_assert_jint(r.json, "changed.readings", 0);
  ck_assert_jint(r.json, "changed.updates", 0);
  ck_assert_jint(r.json, "changed.items", 0);
  th_response_free(&r);
  ck_assert_uint_eq(audit_count(&f.s), n + 6);
  verify(&f, true, (long long)(n + 6), 0);
  free(text);
  json_decref(doc);
  free(demo);
  th_stop(&f.s);
}
END_TEST

/* ---- bulk returns: JSON ------------------------------------------------------------- */

static const char good_return[] =
  "{\"milestones\":[{\"code\":\"CH1.1\",\"status\":\"A\",\"comment\":\"Slipped a month\"},"
  "{\"code\":\"CH1.3\",\"status\":\"Green\",\"comment\":null}],"
  "\"kpis\":[{\"code\":\"CH/KPI 1\",\"value\":97.5,\"value_text\":\"97.5%\",\"rating\":\"G\","
  "\"comment\":\"On target\"},{\"code\":\"CH/KPI 3\",\"value\":null,\"value_text\":\"n/a\"}]}";

START_TEST(submission_json)
{
  struct fx f;
  struct th_response r;
  json_t *u1, *u2, *k1, *k2, *e, *h;
  size_t n0;

  fx_start(&f, NULL);
  n0 = audit_count(&f.s);
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions", good_return, f.rmbc, NULL, 200, &r);
  ck_assert_jstr(r.json, "quarter", Q2);
  ck_assert_jstr(r.json, "organisation", "RMBC");
  ck_assert_jint(r.json, "milestones.written", 2);
  ck_assert_jint(r.json, "milestones.ids[0]", f.ch11);
  ck_assert_jint(r.json, "milestones.ids[1]", f.ch13);
  ck_assert_uint_eq(json_array_size(th_jget(r.json, "milestones.ids")), 2);
  ck_assert_jint(r.json, "kpis.written", 2);
  ck_assert_jint(r.json, "kpis.ids[0]", f.kpi1);
  ck_assert_jint(r.json, "kpis.ids[1]", f.kpi3);
  ck_assert_uint_eq(json_array_size(th_jget(r.json, "kpis.ids")), 2);
  ck_assert_jint(r.json, "milestones.unchanged", 0);
  ck_assert_jint(r.json, "kpis.unchanged", 0);
  /* One entry per row and one for the submission. */
  ck_assert_uint_eq(assert_audited(&f.s, &r, n0, "submitter", f.rmbc_tok, "return"), n0 + 5);
  th_response_free(&r);
  /* a reading's entry has the same shape however it was written: annotated
   * with the rule's rating, as a single PUT's is */
  e = audit_get(&f.s, f.s.admin, "action=reading.put&code=CH%2FKPI%201");
  ck_assert_uint_eq(json_array_size(e), 1);
  ck_assert_jstr(e, "[0].after.effective_rating", "G");
  ck_assert(json_is_boolean(th_jget(e, "[0].after.rating_disagreement")));
  ck_assert_ptr_nonnull(json_object_get(th_jget(e, "[0].after"), "computed_rating"));
  json_decref(e);

  u1 = history(&f.s, false, f.ch11);
  e = for_quarter(u1, Q2);
  ck_assert_ptr_nonnull(e);
  ck_assert_jstr(e, "status", "A");
  ck_assert_jstr(e, "comment", "Slipped a month");
  ck_assert_ptr_nonnull(strstr(th_jstr(e, "updated_by"), "submitter"));
  h = history(&f.s, false, f.ch13);
  e = for_quarter(h, Q2);
  ck_assert_jstr(e, "status", "G");
  ck_assert_jnull(e, "comment");
  json_decref(h);
  k1 = history(&f.s, true, f.kpi1);
  e = for_quarter(k1, Q2);
  ck_assert_ptr_nonnull(e);
  ck_assert_double_eq_tol(th_jnum(e, "value"), 97.5, 1e-9);
  ck_assert_jstr(e, "value_text", "97.5%");
  ck_assert_jstr(e, "rating", "G");
  ck_assert_jstr(e, "comment", "On target");
  h = history(&f.s, true, f.kpi3);
  e = for_quarter(h, Q2);
  ck_assert_jnull(e, "value");
  ck_assert_jstr(e, "value_text", "n/a");
  ck_assert_jnull(e, "rating");
  json_decref(h);

  /* The same return again is stored already: nothing changes, updated_at
   * included, and only the submission itself is audited. */
  th_sleep_ms(5);
  n0 = audit_count(&f.s);
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions", good_return, f.rmbc, NULL, 200, &r);
  /* unchanged rows are counted as such, not as written (issue 21) */
  ck_assert_jint(r.json, "milestones.written", 0);
  ck_assert_jint(r.json, "kpis.written", 0);
  ck_assert_jint(r.json, "milestones.unchanged", 2);
  ck_assert_jint(r.json, "kpis.unchanged", 2);
  ck_assert_uint_eq(json_array_size(th_jget(r.json, "milestones.ids")), 2);
  ck_assert_uint_eq(assert_audited(&f.s, &r, n0, "submitter", f.rmbc_tok, "same return"), n0 + 1);
  th_response_free(&r);
  u2 = history(&f.s, false, f.ch11);
  k2 = history(&f.s, true, f.kpi1);
  ck_assert(json_equal(u1, u2));
  ck_assert(json_equal(k1, k2));
  json_decref(u2);
  json_decref(k2);

  /* One row changed: that row alone is rewritten and audited. */
  n0 = audit_count(&f.s);
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions",
         "{\"milestones\":[{\"code\":\"CH1.1\",\"status\":\"A\",\"comment\":\"Slipped a month\"},"
         "{\"code\":\"CH1.3\",\"status\":\"R\"}]}",
         f.rmbc, NULL, 200, &r);
  ck_assert_jint(r.json, "milestones.written", 1);
  ck_assert_jint(r.json, "milestones.unchanged", 1);
  ck_assert_uint_eq(assert_audited(&f.s, &r, n0, "submitter", f.rmbc_tok, "one row"), n0 + 2);
  th_response_free(&r);
  u2 = history(&f.s, false, f.ch11);
  ck_assert(json_equal(u1, u2));
  json_decref(u2);
  h = history(&f.s, false, f.ch13);
  ck_assert_jstr(for_quarter(h, Q2), "status", "R");
  json_decref(h);
  json_decref(u1);
  json_decref(k1);

  /* Admins submit for any organisation; the answer names none. */
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions",
         "{\"milestones\":[{\"code\":\"CH1.2\",\"status\":\"B\"}]}", f.s.admin, NULL, 200, &r);
  ck_assert_jnull(r.json, "organisation");
  ck_assert_jint(r.json, "milestones.ids[0]", f.ch12);
  ck_assert_jint(r.json, "kpis.written", 0);
  th_response_free(&r);
  th_stop(&f.s);
}
END_TEST

/* Snapshot of every item a bad return mentions, to prove nothing changed. */
static json_t *
snapshot(struct fx *f)
{
  return json_pack("[o,o,o,o,o,o]", history(&f->s, false, f->ch11), history(&f->s, false, f->ch12),
                   history(&f->s, false, f->ch13), history(&f->s, true, f->kpi1),
                   history(&f->s, true, f->kpi2), history(&f->s, true, f->kpi3));
}

START_TEST(submission_json_invalid)
{
  static const char bad_return[] =
    "{\"milestones\":["
    "{\"code\":\"CH1.1\",\"status\":\"G\"},"      /* 0: fine */
    "{\"code\":\"NOPE.1\",\"status\":\"G\"},"     /* 1: unknown code */
    "{\"code\":\"CH1.3\",\"status\":\"Purple\"}," /* 2: bad status */
    "{\"code\":\"CH1.2\",\"status\":\"G\"},"      /* 3: TRFT's */
    "{\"code\":\"CH1.1\",\"status\":\"A\"}],"     /* 4: repeat */
    "\"kpis\":["
    "{\"code\":\"CH/KPI 1\",\"value\":\"97\"},"                /* 0: string value */
    "{\"code\":\"CH/KPI 3\",\"value\":1,\"rating\":\"Blue\"}," /* 1: bad rating */
    "{\"code\":\"CH/KPI 1\",\"value\":2}]}";                   /* 2: repeat */
  static const struct {
    const char *field;
    int index;
    const char *kind;
  } want[] = {
    {"milestones[1].code", 1, "milestone"},
    {"milestones[2].status", 2, "milestone"},
    {"milestones[3].code", 3, "milestone"},
    {"milestones[4].code", 4, "milestone"},
    {"kpis[0].value", 0, "kpi"},
    {"kpis[1].rating", 1, "kpi"},
    {"kpis[2].code", 2, "kpi"},
  };
  struct fx f;
  struct th_response r;
  json_t *before, *after, *e;
  size_t n0, i;

  fx_start(&f, NULL);
  n0 = audit_count(&f.s);
  before = snapshot(&f);
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions", bad_return, f.rmbc, NULL, 422, &r);
  th_assert_problem(&r, 422, "urn:ragboard:problem:validation");
  ck_assert_ptr_nonnull(strstr(th_jstr(r.json, "detail"), "nothing was written"));
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "errors")),
                    sizeof(want) / sizeof(want[0]));
  for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    e = th_assert_field_error(&r, want[i].field);
    ck_assert_int_eq(th_jint(e, "index"), want[i].index);
    ck_assert_str_eq(th_jstr(e, "kind"), want[i].kind);
    ck_assert_ptr_null(json_object_get(e, "line"));
  }
  ck_assert_ptr_nonnull(strstr(th_jstr(th_error_for(&r, "milestones[3].code"), "message"), "TRFT"));
  ck_assert_ptr_null(th_error_for(&r, "milestones[0].code"));
  ck_assert_ptr_null(th_error_for(&r, "milestones[0].status"));
  th_response_free(&r);

  /* An admin gets the same answer minus the ownership problem. */
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions", bad_return, f.s.admin, NULL, 422, &r);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "errors")),
                    sizeof(want) / sizeof(want[0]) - 1);
  ck_assert_ptr_null(th_error_for(&r, "milestones[3].code"));
  th_response_free(&r);

  /* Each problem is named once: a missing or mistyped status is not also
   * reported as an unknown one. */
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions",
         "{\"milestones\":[{\"code\":\"CH1.1\"},{\"code\":\"CH1.3\",\"status\":7}]}", f.rmbc, NULL,
         422, &r);
  th_assert_field_error(&r, "milestones[0].status");
  th_assert_field_error(&r, "milestones[1].status");
  ck_assert_msg(json_array_size(json_object_get(r.json, "errors")) == 2, "%.500s", r.body);
  th_response_free(&r);
  /* text/plain is a CSV (or JSON) now (issue 21); a type no return comes
   * as is refused, naming every type that is accepted */
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions", good_return, f.rmbc,
         "Content-Type: application/xml", 415, &r);
  for (i = 0; i < 5; i++) {
    static const char *const types[] = {
      "application/json", "text/csv", "text/plain",
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "multipart/form-data"};

    ck_assert_msg(strstr(th_jstr(r.json, "detail"), types[i]) != NULL, "%s", r.body);
  }
  th_response_free(&r);

  /* Shapes that are not a return at all. */
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions", "{}", f.rmbc, NULL, 422, &r);
  th_assert_problem(&r, 422, "urn:ragboard:problem:validation");
  th_response_free(&r);
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions", "{\"milestones\":{}}", f.rmbc, NULL,
         422, &r);
  th_assert_field_error(&r, "milestones");
  th_response_free(&r);
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions", "{\"milestones\":[],\"extra\":1}",
         f.rmbc, NULL, 422, &r);
  th_assert_field_error(&r, "extra");
  th_response_free(&r);
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions", "{\"milestones\":[7]}", f.rmbc, NULL,
         422, &r);
  th_assert_field_error(&r, "milestones[0].$");
  th_response_free(&r);
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions",
         "{\"milestones\":[{\"status\":\"G\"}]}", f.rmbc, NULL, 422, &r);
  th_assert_field_error(&r, "milestones[0].code");
  th_response_free(&r);
  /* A number beyond double range and an oversized finite one are both
   * out of range (422), the second with its path. */
  th_expect_status(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions",
                   "{\"kpis\":[{\"code\":\"CH/KPI 1\",\"value\":1e999}]}", f.rmbc, NULL, 422);
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions",
         "{\"kpis\":[{\"code\":\"CH/KPI 1\",\"value\":1e300}]}", f.rmbc, NULL, 422, &r);
  th_assert_field_error(&r, "kpis[0].value");
  th_response_free(&r);
  th_expect_status(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions", "{\"milestones\":[", f.rmbc,
                   NULL, 400);
  th_expect_status(&f.s, "POST", "/api/v1/quarters/2018-19-Q5/submissions", good_return, f.rmbc,
                   NULL, 400);
  /* A code of another plan year is unknown in this one. */
  th_req(&f.s, "POST", "/api/v1/quarters/2019-20-Q1/submissions", good_return, f.s.admin, NULL, 422,
         &r);
  th_assert_field_error(&r, "milestones[0].code");
  th_response_free(&r);

  after = snapshot(&f);
  ck_assert_msg(json_equal(before, after), "a refused return changed stored data");
  ck_assert_uint_eq(audit_count(&f.s), n0);
  json_decref(before);
  json_decref(after);
  th_stop(&f.s);
}
END_TEST

/* ---- bulk returns: CSV --------------------------------------------------------------- */

START_TEST(submission_csv)
{
  static const char body[] =
    "\xEF\xBB\xBF"
    "kind,code,status,value,value_text,comment\r\n"
    "milestone,CH1.1,A,,,\"Delayed, awaiting \"\"sign-off\"\"\nsecond line\"\r\n"
    "kpi,CH/KPI 1,G,96.5,96.5%,\"Met, again\r\nsee appendix\"\r\n"
    "MILESTONE,CH1.3,Green,,,\r\n"
    "kpi,CH/KPI 3,,-0.25,,\r\n"
    "\r\n";
  struct fx f;
  struct th_response r;
  json_t *h, *e;

  fx_start(&f, NULL);
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions", body, f.rmbc, CSV_TYPE, 200, &r);
  ck_assert_jstr(r.json, "organisation", "RMBC");
  ck_assert_jint(r.json, "milestones.written", 2);
  ck_assert_jint(r.json, "milestones.ids[0]", f.ch11);
  ck_assert_jint(r.json, "milestones.ids[1]", f.ch13);
  ck_assert_jint(r.json, "kpis.written", 2);
  ck_assert_jint(r.json, "kpis.ids[0]", f.kpi1);
  ck_assert_jint(r.json, "kpis.ids[1]", f.kpi3);
  th_response_free(&r);

  h = history(&f.s, false, f.ch11);
  e = for_quarter(h, Q2);
  ck_assert_jstr(e, "status", "A");
  ck_assert_jstr(e, "comment", "Delayed, awaiting \"sign-off\"\nsecond line");
  json_decref(h);
  h = history(&f.s, false, f.ch13);
  e = for_quarter(h, Q2);
  ck_assert_jstr(e, "status", "G");
  ck_assert_jnull(e, "comment");
  json_decref(h);
  h = history(&f.s, true, f.kpi1);
  e = for_quarter(h, Q2);
  ck_assert_double_eq_tol(th_jnum(e, "value"), 96.5, 1e-9);
  ck_assert_jstr(e, "value_text", "96.5%");
  ck_assert_jstr(e, "rating", "G");
  /* a line break in a quoted cell is a line break: CRLF reads as LF */
  ck_assert_jstr(e, "comment", "Met, again\nsee appendix");
  json_decref(h);
  h = history(&f.s, true, f.kpi3);
  e = for_quarter(h, Q2);
  ck_assert_double_eq_tol(th_jnum(e, "value"), -0.25, 1e-12);
  ck_assert_jnull(e, "rating");
  ck_assert_jnull(e, "value_text");
  json_decref(h);

  /* Plain text/csv with LF line ends and no final line end. */
  open_quarter(&f, Q3);
  th_expect_status(&f.s, "POST", "/api/v1/quarters/" Q3 "/submissions",
                   "Kind,Code,Status,Value,Value_Text,Comment\nmilestone,CH1.1,G,,,done", f.rmbc,
                   "Content-Type: text/csv", 200);
  h = history(&f.s, false, f.ch11);
  ck_assert_jstr(for_quarter(h, Q3), "comment", "done");
  json_decref(h);
  th_stop(&f.s);
}
END_TEST

START_TEST(submission_csv_invalid)
{
  static const char body[] = "kind,code,status,value,value_text,comment\n" /* 1 */
                             "milestone,CH1.1,G,,,\"spans\n"               /* 2 */
                             "two lines\"\n"                               /* 3 */
                             "kpi,CH/KPI 1,G,inf,,\n"                      /* 4: non-finite */
                             "milestone,CH1.3,Purple,,,\n"                 /* 5: bad status */
                             "kpi,CH/KPI 3,A,1e999,,\n"                    /* 6: out of range */
                             "widget,CH9.1,G,,,\n"                         /* 7: bad kind */
                             "milestone,CH1.2,G,,,\n"                      /* 8: TRFT's */
                             "milestone,CH1.1,R,,,\n"                      /* 9: repeat */
                             "milestone,,G,,,\n"                           /* 10: no code */
                             "milestone,CH1.1,B\n"                         /* 11: repeat */
                             "kpi,CH/KPI 4,,NaN,,\n"                       /* 12: not a number */
                             "kpi,CH/KPI 5,,12abc,,\n"                     /* 13: not a number */
                             "milestone,CH1.4,G,5,,\n"           /* 14: milestones have no value */
                             "kpi,CH/KPI 6,,,\"bad\x01text\",\n" /* 15: control character */
                             "kpi,CH/KPI 7,,,,\"x\x02y\"\n";     /* 16: control character */
  static const struct {
    long line;
    const char *field;
  } want[] = {
    {4, "line[4].value"},     {5, "line[5].status"},  {6, "line[6].value"},
    {7, "line[7].kind"},      {8, "line[8].code"},    {9, "line[9].code"},
    {10, "line[10].code"},    {11, "line[11].code"},  {12, "line[12].value"},
    {13, "line[13].value"},   {14, "line[14].value"}, {15, "line[15].value_text"},
    {16, "line[16].comment"},
  };
  struct fx f;
  struct th_response r;
  json_t *before, *after, *e;
  size_t n0, i;

  fx_start(&f, NULL);
  n0 = audit_count(&f.s);
  before = snapshot(&f);
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions", body, f.rmbc, CSV_TYPE, 422, &r);
  th_assert_problem(&r, 422, "urn:ragboard:problem:validation");
  for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    e = th_assert_field_error(&r, want[i].field);
    ck_assert_int_eq(th_jint(e, "line"), want[i].line);
    ck_assert_ptr_null(json_object_get(e, "index"));
  }
  /* Every error is on a bad line: the good row (line 2) is never named. */
  json_array_foreach(json_object_get(r.json, "errors"), i, e)
  {
    long long line = th_jint(e, "line");

    ck_assert_msg(line >= 4 && line <= 16, "error on line %lld: %.500s", line, r.body);
  }
  th_response_free(&r);

  /* Header problems: 422. */
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions", "milestone,CH1.1,G,,,\n", f.rmbc,
         CSV_TYPE, 422, &r);
  th_assert_problem(&r, 422, "urn:ragboard:problem:validation");
  th_response_free(&r);
  th_expect_status(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions",
                   "kind,code,status,status,comment\nmilestone,CH1.1,G,,\n", f.rmbc, CSV_TYPE, 422);
  th_expect_status(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions",
                   "kind,code,state,value,value_text,comment\nmilestone,CH1.1,G,,,\n", f.rmbc,
                   CSV_TYPE, 422);
  th_expect_status(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions",
                   "kind,code,status,value,value_text,comment\r\n\r\n", f.rmbc, CSV_TYPE, 422);
  th_expect_status(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions", "", f.rmbc, CSV_TYPE, 422);

  /* Malformed CSV: 400 naming the line. */
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions",
         "kind,code,status,value,value_text,comment\nmilestone,CH1.1,G,,,ok\n"
         "milestone,CH1.3,G,,,\"never closed\n",
         f.rmbc, CSV_TYPE, 400, &r);
  th_assert_problem(&r, 400, "urn:ragboard:problem:bad-request");
  ck_assert_msg(strstr(th_jstr(r.json, "detail"), "line 3") != NULL, "%s", r.body);
  th_response_free(&r);
  /* a quote inside an unquoted cell is an ordinary character, as
   * spreadsheets read it: the code is unknown, and the nearest is named */
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions",
         "kind,code,status,value,value_text,comment\nmilestone,CH\"1.1,G,,,\n", f.rmbc, CSV_TYPE,
         422, &r);
  ck_assert_int_eq(th_jint(th_assert_field_error(&r, "line[2].code"), "line"), 2);
  ck_assert_str_eq(th_jstr(th_assert_field_error(&r, "line[2].code"), "suggestion"), "CH1.1");
  th_response_free(&r);
  th_req(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions",
         "kind,code,status,value,value_text,comment\n\"a\nb\",x,,,,\nmilestone,\"CH1.1\"x,G,,,\n",
         f.rmbc, CSV_TYPE, 400, &r);
  ck_assert_msg(strstr(th_jstr(r.json, "detail"), "line 4") != NULL, "%s", r.body);
  th_response_free(&r);

  after = snapshot(&f);
  ck_assert_msg(json_equal(before, after), "a refused CSV return changed stored data");
  ck_assert_uint_eq(audit_count(&f.s), n0);
  json_decref(before);
  json_decref(after);
  th_stop(&f.s);
}
END_TEST

/* ---- completeness --------------------------------------------------------------------- */

static json_t *
bucket_of(json_t *list, const char *code)
{
  json_t *b;
  size_t i;

  json_array_foreach(list, i, b) if (strcmp(th_jstr(b, "code"), code) == 0) return b;
  ck_abort_msg("no bucket %s", code);
  return NULL;
}

/* The demo dataset gives a few items owners (data/README.md); these
 * tests count on the fixture's owners alone: the others are taken away
 * (POST /api/v1/owners, null). */
static void
only_fixture_owners(struct fx *f)
{
  char *demo = read_file(th_demo_path());
  json_t *doc = json_loads(demo, 0, NULL), *items = json_array(), *it, *body;
  static const char *const fixture[] = {"CH1.1",    "CH1.2",    "CH1.3",
                                        "CH/KPI 1", "CH/KPI 2", "CH/KPI 3"};
  char *text;
  size_t i;

  ck_assert_ptr_nonnull(doc);
  for (int pass = 0; pass < 2; pass++)
    json_array_foreach(json_object_get(doc, pass ? "kpis" : "milestones"), i, it)
    {
      const char *code = th_jstr(it, "code");
      bool mine = false;

      for (size_t k = 0; k < sizeof(fixture) / sizeof(fixture[0]); k++)
        mine |= strcmp(code, fixture[k]) == 0;
      if (json_is_string(json_object_get(it, "owner")) && !mine)
        json_array_append_new(items,
                              json_pack("{s:s, s:s, s:s, s:n}", "kind", pass ? "kpi" : "milestone",
                                        "year", "2018-19", "code", code, "owner"));
    }
  ck_assert_uint_gt(json_array_size(items), 0);
  body = json_pack("{s:o}", "items", items);
  text = json_dumps(body, JSON_COMPACT);
  th_expect_status(&f->s, "POST", "/api/v1/owners", text, f->s.admin, NULL, 200);
  free(text);
  json_decref(body);
  json_decref(doc);
  free(demo);
}

/* missing of bucket b lists exactly these (type, id) pairs. */
static void
assert_missing(json_t *b, size_t n, ...)
{
  json_t *missing = json_object_get(b, "missing");
  va_list ap;

  ck_assert_msg(json_array_size(missing) == n, "%s: %zu missing, wanted %zu", th_jstr(b, "code"),
                json_array_size(missing), n);
  va_start(ap, n);
  for (size_t k = 0; k < n; k++) {
    const char *type = va_arg(ap, const char *);
    long long id = va_arg(ap, long long);
    const char *code = va_arg(ap, const char *);
    bool found = false;
    json_t *m;
    size_t i;

    json_array_foreach(missing, i,
                       m) if (strcmp(th_jstr(m, "type"), type) == 0 && th_jint(m, "id") == id)
    {
      ck_assert_str_eq(th_jstr(m, "code"), code);
      found = true;
    }
    ck_assert_msg(found, "%s: %s %lld not listed as missing", th_jstr(b, "code"), type, id);
  }
  va_end(ap);
}

/* GET completeness as `token` with If-None-Match inm (NULL: none): the
 * answer's status must be `status`; its ETag goes to etag. */
static void
completeness_get(struct fx *f, const char *token, const char *inm, long status, char *etag,
                 size_t cap, struct th_response *r)
{
  char hdr[128];

  snprintf(hdr, sizeof(hdr), "If-None-Match: %s", inm != NULL ? inm : "");
  th_req(&f->s, "GET", "/api/v1/quarters/" Q2 "/completeness", NULL, token,
         inm != NULL ? hdr : NULL, status, r);
  ck_assert_msg(th_header(r, "ETag", etag, cap), "completeness answered without an ETag");
}

/* Completeness is built once per data version and served with an ETag
 * (If-None-Match: 304), like summaries: a write to the plan year's
 * returns or its items changes it, a write elsewhere does not. */
START_TEST(completeness_cached)
{
  struct fx f;
  struct th_response r;
  char e1[64], e2[64], e3[64], path[128];
  char *body;

  fx_start(&f, public_read);
  only_fixture_owners(&f);
  completeness_get(&f, f.s.viewer, NULL, 200, e1, sizeof(e1), &r);
  ck_assert_jint(r.json, "provided", 0);
  body = strdup(r.body);
  th_response_free(&r);
  /* the same answer again, anonymous too, and 304 for a client holding it */
  completeness_get(&f, NULL, NULL, 200, e2, sizeof(e2), &r);
  ck_assert_str_eq(e2, e1);
  ck_assert_str_eq(r.body, body);
  th_response_free(&r);
  completeness_get(&f, f.s.viewer, e1, 304, e2, sizeof(e2), &r);
  ck_assert_str_eq(e2, e1);
  ck_assert_uint_eq(r.len, 0);
  th_response_free(&r);

  /* another plan year's reading leaves it as it is */
  th_expect_status(
    &f.s, "POST", "/api/v1/priorities",
    "{\"year\":\"2019-20\",\"group\":\"CYP\",\"number\":1,\"title\":\"Next year's\"}", f.s.admin,
    NULL, 201);
  th_req(&f.s, "POST", "/api/v1/kpis",
         "{\"year\":\"2019-20\",\"code\":\"CH/KPI 1\",\"group\":\"CYP\",\"priorities\":[1],"
         "\"description\":\"Next year's KPI\"}",
         f.s.admin, NULL, 201, &r);
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld/readings/2019-20-Q2", th_jint(r.json, "id"));
  th_response_free(&r);
  completeness_get(&f, f.s.viewer, e1, 200, e2, sizeof(e2), &r); /* reference data moved */
  ck_assert_str_ne(e2, e1);
  th_response_free(&r);
  th_expect_status(&f.s, "PUT", path, "{\"value\":5}", f.s.admin, NULL, 201);
  completeness_get(&f, f.s.viewer, e2, 304, e3, sizeof(e3), &r);
  ck_assert_str_eq(e3, e2);
  th_response_free(&r);

  /* a return in the quarter changes it at once */
  th_expect_status(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions",
                   "{\"kpis\":[{\"code\":\"CH/KPI 1\",\"value\":90}]}", f.rmbc, NULL, 200);
  completeness_get(&f, f.s.viewer, e2, 200, e3, sizeof(e3), &r);
  ck_assert_str_ne(e3, e2);
  ck_assert_jint(r.json, "provided", 1);
  th_response_free(&r);
  /* and so does an item's new owner */
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld", f.kpi3);
  th_expect_status(&f.s, "PATCH", path, "{\"owner\":\"TRFT\"}", f.s.admin, NULL, 200);
  completeness_get(&f, f.s.viewer, e3, 200, e2, sizeof(e2), &r);
  ck_assert_str_ne(e2, e3);
  ck_assert_jint(bucket_of(json_object_get(r.json, "organisations"), "TRFT"), "total", 3);
  th_response_free(&r);
  free(body);
  th_stop(&f.s);
}
END_TEST

START_TEST(completeness)
{
  static const char *const groups[] = {"CYP", "MHLD", "UCC"};
  struct fx f;
  struct th_response r;
  json_t *b, *g;
  size_t nms, nkpi, i, sum = 0;

  fx_start(&f, NULL);
  only_fixture_owners(&f);
  nms = list_size(&f.s, "/api/v1/milestones?year=2018-19&limit=500");
  nkpi = list_size(&f.s, "/api/v1/kpis?year=2018-19&limit=500");
  ck_assert_uint_eq(nms, 76);
  ck_assert_uint_eq(nkpi, 50);

  /* Q1 of the demo: everything reported. */
  th_req(&f.s, "GET", "/api/v1/quarters/" Q1 "/completeness", NULL, f.s.viewer, NULL, 200, &r);
  ck_assert_jstr(r.json, "quarter", Q1);
  ck_assert_jint(r.json, "total", 126);
  ck_assert_jint(r.json, "provided", 126);
  json_array_foreach(json_object_get(r.json, "organisations"), i, b)
    ck_assert_uint_eq(json_array_size(json_object_get(b, "missing")), 0);
  th_response_free(&r);

  /* Q2: RMBC returns half of its items. */
  th_expect_status(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions",
                   "{\"milestones\":[{\"code\":\"CH1.1\",\"status\":\"G\"}],"
                   "\"kpis\":[{\"code\":\"CH/KPI 1\",\"value\":90}]}",
                   f.rmbc, NULL, 200);
  th_req(&f.s, "GET", "/api/v1/quarters/" Q2 "/completeness", NULL, f.rmbc, NULL, 200, &r);
  ck_assert_jint(r.json, "total", 126);
  ck_assert_jint(r.json, "provided", 2);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "organisations")), 3);
  ck_assert_jstr(r.json, "organisations[0].code", "(no owner)");
  ck_assert_jstr(r.json, "organisations[1].code", "RMBC");
  ck_assert_jstr(r.json, "organisations[2].code", "TRFT");
  b = bucket_of(json_object_get(r.json, "organisations"), "RMBC");
  ck_assert_jint(b, "total", 4);
  ck_assert_jint(b, "provided", 2);
  ck_assert_double_eq_tol(th_jnum(b, "percent"), 50.0, 1e-9);
  assert_missing(b, 2, "milestone", f.ch13, "CH1.3", "kpi", f.kpi3, "CH/KPI 3");
  b = bucket_of(json_object_get(r.json, "organisations"), "TRFT");
  ck_assert_jint(b, "total", 2);
  ck_assert_jint(b, "provided", 0);
  ck_assert_double_eq_tol(th_jnum(b, "percent"), 0.0, 1e-9);
  assert_missing(b, 2, "milestone", f.ch12, "CH1.2", "kpi", f.kpi2, "CH/KPI 2");
  b = bucket_of(json_object_get(r.json, "organisations"), "(no owner)");
  ck_assert_jint(b, "total", 120);
  ck_assert_jint(b, "provided", 0);
  ck_assert_uint_eq(json_array_size(json_object_get(b, "missing")), 120);

  g = json_object_get(r.json, "groups");
  ck_assert_uint_eq(json_array_size(g), 3);
  for (i = 0; i < 3; i++) {
    char path[128];
    size_t total;

    snprintf(path, sizeof(path), "/api/v1/milestones?year=2018-19&group=%s&limit=500", groups[i]);
    total = list_size(&f.s, path);
    snprintf(path, sizeof(path), "/api/v1/kpis?year=2018-19&group=%s&limit=500", groups[i]);
    total += list_size(&f.s, path);
    b = bucket_of(g, groups[i]);
    ck_assert_jstr(g, i == 0 ? "[0].code" : i == 1 ? "[1].code" : "[2].code", groups[i]);
    ck_assert_int_eq(th_jint(b, "total"), (long long)total);
    ck_assert_int_eq(th_jint(b, "provided"), strcmp(groups[i], "CYP") == 0 ? 2 : 0);
    ck_assert_uint_eq(json_array_size(json_object_get(b, "missing")),
                      total - (strcmp(groups[i], "CYP") == 0 ? 2 : 0));
    sum += total;
  }
  ck_assert_uint_eq(sum, 126);
  th_response_free(&r);

  /* A deleted update is missing again. */
  {
    char path[128];

    snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/" Q2, f.ch11);
    th_expect_status(&f.s, "DELETE", path, NULL, f.rmbc, NULL, 204);
  }
  th_req(&f.s, "GET", "/api/v1/quarters/" Q2 "/completeness", NULL, f.s.viewer, NULL, 200, &r);
  ck_assert_jint(r.json, "provided", 1);
  assert_missing(bucket_of(json_object_get(r.json, "organisations"), "RMBC"), 3, "milestone",
                 f.ch11, "CH1.1", "milestone", f.ch13, "CH1.3", "kpi", f.kpi3, "CH/KPI 3");
  th_response_free(&r);

  /* A year without items; bad requests. */
  th_req(&f.s, "GET", "/api/v1/quarters/2030-31-Q1/completeness", NULL, f.s.viewer, NULL, 200, &r);
  ck_assert_jint(r.json, "total", 0);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "organisations")), 0);
  th_response_free(&r);
  th_expect_status(&f.s, "GET", "/api/v1/quarters/2018-19-Q9/completeness", NULL, f.s.viewer, NULL,
                   400);
  th_expect_status(&f.s, "GET", "/api/v1/quarters/" Q2 "/completeness?x=1", NULL, f.s.viewer, NULL,
                   400);
  th_stop(&f.s);
}
END_TEST

/* ---- audit trail ----------------------------------------------------------------------- */

START_TEST(audit_entry_contents)
{
  struct fx f;
  struct th_response r;
  char path[128], rid[64];
  json_t *all, *last;
  size_t n0, n;

  fx_start(&f, NULL);
  n0 = audit_count(&f.s);
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/" Q2, f.ch11);
  th_req(&f.s, "PUT", path, "{\"status\":\"G\",\"comment\":\"first\"}", f.rmbc, NULL, 201, &r);
  ck_assert(th_header(&r, "X-Request-Id", rid, sizeof(rid)));
  ck_assert_uint_ge(strlen(rid), 16);
  th_response_free(&r);
  all = audit_get(&f.s, f.s.admin, "");
  ck_assert_uint_eq(json_array_size(all), n0 + 1);
  last = json_array_get(all, n0);
  ck_assert_jint(last, "id", (long long)n0 + 1);
  ck_assert_uint_ge(strlen(th_jstr(last, "at")), 20);
  ck_assert_jint(last, "actor.token_id", f.rmbc_tok);
  ck_assert_jstr(last, "actor.name", "submitter");
  ck_assert_jstr(last, "actor.role", "submitter");
  ck_assert_jstr(last, "actor.organisation", "RMBC");
  ck_assert_jstr(last, "action", "update.put");
  ck_assert_jstr(last, "entity", "milestone_update");
  ck_assert_jint(last, "entity_id", f.ch11);
  ck_assert_jstr(last, "code", "CH1.1");
  ck_assert_jstr(last, "quarter", Q2);
  ck_assert_jnull(last, "before");
  ck_assert_jstr(last, "after.status", "G");
  ck_assert_jstr(last, "after.comment", "first");
  ck_assert_jstr(last, "request_id", rid);
  ck_assert_uint_eq(strlen(th_jstr(last, "hash")), 64);
  json_decref(all);

  /* A replacement records before and after. */
  th_req(&f.s, "PUT", path, "{\"status\":\"R\",\"comment\":\"second\"}", f.rmbc, NULL, 200, &r);
  n = assert_audited(&f.s, &r, n0 + 1, "submitter", f.rmbc_tok, "replace");
  th_response_free(&r);
  ck_assert_uint_eq(n, n0 + 2);
  all = audit_get(&f.s, f.s.admin, "");
  last = json_array_get(all, n - 1);
  ck_assert_jstr(last, "before.status", "G");
  ck_assert_jstr(last, "before.comment", "first");
  ck_assert_jstr(last, "after.status", "R");
  json_decref(all);

  /* A delete records before and no after; an admin's entry has no
   * organisation. */
  th_req(&f.s, "DELETE", path, NULL, f.s.admin, NULL, 204, &r);
  n = assert_audited(&f.s, &r, n, "admin", f.admin_tok, "delete");
  th_response_free(&r);
  all = audit_get(&f.s, f.s.admin, "");
  last = json_array_get(all, n - 1);
  ck_assert_jstr(last, "action", "update.delete");
  ck_assert_jstr(last, "before.status", "R");
  ck_assert_jnull(last, "after");
  ck_assert_jnull(last, "actor.organisation");
  ck_assert_jstr(last, "actor.name", "admin");
  json_decref(all);

  /* Reference data: organisation.create with the code. */
  th_req(&f.s, "POST", "/api/v1/organisations", "{\"code\":\"NHSE\",\"name\":\"NHS England\"}",
         f.s.admin, NULL, 201, &r);
  n = assert_audited(&f.s, &r, n, "admin", f.admin_tok, "org create");
  th_response_free(&r);
  all = audit_get(&f.s, f.s.admin, "");
  last = json_array_get(all, n - 1);
  ck_assert_jstr(last, "action", "organisation.create");
  ck_assert_jstr(last, "entity", "organisation");
  ck_assert_jstr(last, "code", "NHSE");
  ck_assert_jstr(last, "after.name", "NHS England");
  json_decref(all);

  /* Failed requests add nothing: 400, 403, 404, 409, 422. */
  th_expect_status(&f.s, "PUT", path, "{\"status\":", f.rmbc, NULL, 400);
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"X\"}", f.rmbc, NULL, 422);
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"G\"}", f.trft, NULL, 403);
  th_expect_status(&f.s, "PUT", "/api/v1/milestones/99999/updates/" Q2, "{\"status\":\"G\"}",
                   f.s.admin, NULL, 404);
  th_expect_status(&f.s, "POST", "/api/v1/organisations", "{\"code\":\"NHSE\",\"name\":\"Again\"}",
                   f.s.admin, NULL, 409);
  th_expect_status(&f.s, "DELETE", "/api/v1/organisations/RMBC", NULL, f.s.admin, NULL, 409);
  th_expect_status(&f.s, "POST", "/api/v1/quarters/" Q2 "/submissions",
                   "{\"milestones\":[{\"code\":\"CH1.2\",\"status\":\"G\"}]}", f.rmbc, NULL, 422);
  ck_assert_uint_eq(audit_count(&f.s), n);
  open_quarter(&f, Q3);
  th_expect_status(&f.s, "PUT", "/api/v1/quarters/" Q3, "{\"state\":\"closed\"}", f.s.admin, NULL,
                   200);
  n += 2;
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/" Q3, f.ch11);
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"G\"}", f.rmbc, NULL, 409);
  ck_assert_uint_eq(audit_count(&f.s), n);
  /* An identical PATCH changes nothing and records nothing. */
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld", f.ch11);
  th_expect_status(&f.s, "PATCH", path, "{\"owner\":\"RMBC\"}", f.s.admin, NULL, 200);
  ck_assert_uint_eq(audit_count(&f.s), n);
  th_stop(&f.s);
}
END_TEST

/* A PUT of what is stored already is not a write: 200 with the stored item,
 * the same ETag and updated_at, no audit entry, and the year's summary
 * keeps its ETag (its cache stays valid). Spellings that mean the same
 * (97 and 97.0, "green" and "G") are the same. */
START_TEST(identical_put_is_not_a_write)
{
  struct fx f;
  struct th_response r;
  char path[128], etag1[64], etag2[64], sum1[64], sum2[64], at1[40];
  size_t n;

  fx_start(&f, NULL);
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld/readings/" Q2, f.kpi1);
  th_req(&f.s, "PUT", path, "{\"value\":97,\"rating\":\"G\",\"comment\":\"c\"}", f.rmbc, NULL, 201,
         &r);
  ck_assert(th_header(&r, "ETag", etag1, sizeof(etag1)));
  snprintf(at1, sizeof(at1), "%s", th_jstr(r.json, "updated_at"));
  th_response_free(&r);
  th_req(&f.s, "GET", "/api/v1/summary?quarter=" Q2, NULL, f.s.admin, NULL, 200, &r);
  ck_assert(th_header(&r, "ETag", sum1, sizeof(sum1)));
  th_response_free(&r);
  n = audit_count(&f.s);
  th_sleep_ms(5);

  /* by another actor too: nothing to record */
  th_req(&f.s, "PUT", path, "{\"value\":97.0,\"rating\":\"green\",\"comment\":\"c\"}", f.s.admin,
         NULL, 200, &r);
  ck_assert(th_header(&r, "ETag", etag2, sizeof(etag2)));
  ck_assert_str_eq(etag2, etag1);
  ck_assert_jstr(r.json, "updated_at", at1);
  ck_assert_ptr_nonnull(strstr(th_jstr(r.json, "updated_by"), "submitter"));
  ck_assert_jstr(r.json, "effective_rating", "G"); /* annotated like any reading */
  th_response_free(&r);
  ck_assert_uint_eq(audit_count(&f.s), n);
  th_req(&f.s, "GET", "/api/v1/summary?quarter=" Q2, NULL, f.s.admin, NULL, 200, &r);
  ck_assert(th_header(&r, "ETag", sum2, sizeof(sum2)));
  ck_assert_str_eq(sum2, sum1);
  th_response_free(&r);
  /* If-Match still applies to a PUT that changes nothing */
  th_expect_status(&f.s, "PUT", path, "{\"value\":97,\"rating\":\"G\",\"comment\":\"c\"}",
                   f.s.admin, "If-Match: \"nope\"", 412);

  /* a real change is a write */
  th_req(&f.s, "PUT", path, "{\"value\":97,\"rating\":\"G\",\"comment\":\"d\"}", f.s.admin, NULL,
         200, &r);
  ck_assert(th_header(&r, "ETag", etag2, sizeof(etag2)));
  ck_assert_str_ne(etag2, etag1);
  ck_assert_str_ne(th_jstr(r.json, "updated_at"), at1);
  n = assert_audited(&f.s, &r, n, "admin", f.admin_tok, "changed comment");
  th_response_free(&r);
  th_req(&f.s, "GET", "/api/v1/summary?quarter=" Q2, NULL, f.s.admin, NULL, 200, &r);
  ck_assert(th_header(&r, "ETag", sum2, sizeof(sum2)));
  ck_assert_str_ne(sum2, sum1);
  th_response_free(&r);

  /* milestone updates alike */
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/" Q2, f.ch11);
  th_req(&f.s, "PUT", path, "{\"status\":\"A\",\"comment\":null}", f.rmbc, NULL, 201, &r);
  ck_assert(th_header(&r, "ETag", etag1, sizeof(etag1)));
  snprintf(at1, sizeof(at1), "%s", th_jstr(r.json, "updated_at"));
  th_response_free(&r);
  n = audit_count(&f.s);
  th_sleep_ms(5);
  th_req(&f.s, "PUT", path, "{\"status\":\"Amber\"}", f.rmbc, NULL, 200, &r);
  ck_assert(th_header(&r, "ETag", etag2, sizeof(etag2)));
  ck_assert_str_eq(etag2, etag1);
  ck_assert_jstr(r.json, "updated_at", at1);
  th_response_free(&r);
  ck_assert_uint_eq(audit_count(&f.s), n);
  th_req(&f.s, "PUT", path, "{\"status\":\"R\"}", f.rmbc, NULL, 200, &r);
  ck_assert_jstr(r.json, "status", "R");
  assert_audited(&f.s, &r, n, "submitter", f.rmbc_tok, "changed status");
  th_response_free(&r);

  /* DELETE with If-Match of something not stored: 412, as for PUT (it
   * was a 404); without If-Match, 404 */
  open_quarter(&f, Q3);
  n = audit_count(&f.s);
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/" Q3, f.ch11);
  th_expect_status(&f.s, "DELETE", path, NULL, f.rmbc, "If-Match: \"nope\"", 412);
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld/readings/" Q3, f.kpi1);
  th_expect_status(&f.s, "DELETE", path, NULL, f.rmbc, "If-Match: *", 412);
  th_expect_status(&f.s, "DELETE", path, NULL, f.rmbc, NULL, 404);

  /* Numbers are kept to the 15 digits answers show: a client that PUTs
   * back the value it read changes nothing (0.30000000000000004 was
   * stored, shown as 0.3, and 0.3 was then a write). */
  th_req(&f.s, "PUT", path, "{\"value\":0.30000000000000004}", f.rmbc, NULL, 201, &r);
  ck_assert_ptr_nonnull(strstr(r.body, "\"value\":0.3,"));
  ck_assert(th_header(&r, "ETag", etag1, sizeof(etag1)));
  th_response_free(&r);
  n = audit_count(&f.s);
  th_req(&f.s, "PUT", path, "{\"value\":0.3}", f.rmbc, NULL, 200, &r);
  ck_assert(th_header(&r, "ETag", etag2, sizeof(etag2)));
  ck_assert_str_eq(etag2, etag1);
  th_response_free(&r);
  ck_assert_uint_eq(audit_count(&f.s), n);
  /* the same through a CSV return */
  th_expect_status(
    &f.s, "POST", "/api/v1/quarters/" Q3 "/submissions",
    "kind,code,status,value,value_text,comment\r\nkpi,CH/KPI 1,,0.30000000000000004,,\r\n", f.rmbc,
    CSV_TYPE, 200);
  ck_assert_uint_eq(audit_count(&f.s), n + 1); /* the submission only: no change */
  th_stop(&f.s);
}
END_TEST

START_TEST(audit_visibility)
{
  struct fx f;
  struct th_response r;
  char path[128];
  json_t *all, *mine, *e;
  size_t i, n;

  fx_start(&f, NULL);
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/" Q2, f.ch11);
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"G\"}", f.rmbc, NULL, 201);
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld/readings/" Q2, f.kpi1);
  th_expect_status(&f.s, "PUT", path, "{\"value\":5}", f.rmbc, NULL, 201);
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/" Q2, f.ch12);
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"A\"}", f.trft, NULL, 201);
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/" Q3, f.ch12);
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"A\"}", f.s.admin, NULL, 201);

  all = audit_get(&f.s, f.s.admin, "");
  n = json_array_size(all);
  ck_assert_uint_eq(n, 6 + 4); /* six owner changes, four writes */

  mine = audit_get(&f.s, f.rmbc, "");
  ck_assert_uint_eq(json_array_size(mine), 2);
  json_array_foreach(mine, i, e)
  {
    ck_assert_jstr(e, "actor.organisation", "RMBC");
    ck_assert_jint(e, "actor.token_id", f.rmbc_tok);
  }
  json_decref(mine);
  /* Asking for another organisation's entries does not widen the view:
   * the filter narrows it to nothing, as it would for anyone. Their own
   * organisation's filter is the whole view. */
  mine = audit_get(&f.s, f.rmbc, "organisation=TRFT");
  ck_assert_uint_eq(json_array_size(mine), 0);
  json_decref(mine);
  mine = audit_get(&f.s, f.rmbc, "organisation=RMBC");
  ck_assert_uint_eq(json_array_size(mine), 2);
  json_array_foreach(mine, i, e) ck_assert_jstr(e, "actor.organisation", "RMBC");
  json_decref(mine);
  mine = audit_get(&f.s, f.trft, "");
  ck_assert_uint_eq(json_array_size(mine), 1);
  ck_assert_jstr(mine, "[0].actor.organisation", "TRFT");
  ck_assert_jstr(mine, "[0].code", "CH1.2");
  json_decref(mine);
  th_req(&f.s, "GET", "/api/v1/audit?format=csv", NULL, f.trft, NULL, 200, &r);
  ck_assert_ptr_null(strstr(r.body, "RMBC"));
  ck_assert_ptr_nonnull(strstr(r.body, "TRFT"));
  th_response_free(&r);

  /* Viewers and admins see everything. */
  mine = audit_get(&f.s, f.s.viewer, "");
  ck_assert(json_equal(mine, all));
  json_decref(mine);
  mine = audit_get(&f.s, f.s.viewer, "organisation=TRFT");
  ck_assert_uint_eq(json_array_size(mine), 1);
  json_decref(mine);
  json_decref(all);
  th_stop(&f.s);
}
END_TEST

/* ids of the entries of all for which keep(entry, arg) holds. */
static json_t *
ids_where(json_t *all, bool (*keep)(json_t *e, const char *arg), const char *arg)
{
  json_t *ids = json_array(), *e;
  size_t i;

  json_array_foreach(all, i, e) if (keep(e, arg))
    json_array_append_new(ids, json_integer(th_jint(e, "id")));
  return ids;
}

static json_t *
ids_of(json_t *entries)
{
  json_t *ids = json_array(), *e;
  size_t i;

  json_array_foreach(entries, i, e) json_array_append_new(ids, json_integer(th_jint(e, "id")));
  return ids;
}

static bool
str_is(json_t *e, const char *path, const char *want)
{
  json_t *v = th_jget(e, path);

  return json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

static bool
by_org(json_t *e, const char *arg)
{
  return str_is(e, "actor.organisation", arg);
}

static bool
by_quarter(json_t *e, const char *arg)
{
  return str_is(e, "quarter", arg);
}

static bool
by_action(json_t *e, const char *arg)
{
  return str_is(e, "action", arg);
}

static bool
by_code(json_t *e, const char *arg)
{
  return str_is(e, "code", arg);
}

static bool
since(json_t *e, const char *arg)
{
  return strcmp(th_jstr(e, "at"), arg) >= 0;
}

static bool
until(json_t *e, const char *arg)
{
  return strcmp(th_jstr(e, "at"), arg) < 0;
}

static bool
rmbc_q2(json_t *e, const char *arg)
{
  (void)arg;
  return by_org(e, "RMBC") && by_quarter(e, Q2);
}

/* GET /api/v1/audit?query answers exactly the entries keep selects, and
 * that is `count` of them. */
static void
assert_filter(struct fx *f, json_t *all, const char *query,
              bool (*keep)(json_t *e, const char *arg), const char *arg, size_t count)
{
  json_t *got = audit_get(&f->s, f->s.admin, query);
  json_t *got_ids = ids_of(got), *want = ids_where(all, keep, arg);

  ck_assert_msg(json_array_size(want) == count, "%s: expected %zu by hand, %zu by filter", query,
                count, json_array_size(want));
  ck_assert_msg(json_equal(got_ids, want), "%s: wrong entries (%zu, wanted %zu)", query,
                json_array_size(got_ids), json_array_size(want));
  json_decref(got);
  json_decref(got_ids);
  json_decref(want);
}

START_TEST(audit_filters_and_pages)
{
  struct fx f;
  struct th_response r;
  char path[160], query[128], mid_at[64], cursor[256] = "";
  json_t *all, *got;
  size_t n, pages = 0, i;

  fx_start(&f, NULL);
  open_quarter(&f, Q3); /* entry 7: the team opens Q3 for submitters */
  th_sleep_ms(5);
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/" Q2, f.ch11);
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"G\"}", f.rmbc, NULL, 201);
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld/readings/" Q2, f.kpi1);
  th_expect_status(&f.s, "PUT", path, "{\"value\":5}", f.rmbc, NULL, 201);
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/" Q2, f.ch12);
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"A\"}", f.trft, NULL, 201);
  th_sleep_ms(5);
  th_expect_status(&f.s, "PUT", "/api/v1/quarters/2018-19-Q4",
                   "{\"place_board_date\":\"2019-06-07\"}", f.s.admin, NULL, 200);
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/" Q3, f.ch11);
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"B\"}", f.rmbc, NULL, 201);

  all = audit_get(&f.s, f.s.admin, "");
  n = json_array_size(all);
  ck_assert_uint_eq(n, 12);
  for (i = 0; i < n; i++)
    ck_assert_jint(json_array_get(all, i), "id", (long long)i + 1);

  assert_filter(&f, all, "organisation=RMBC", by_org, "RMBC", 3);
  assert_filter(&f, all, "organisation=TRFT", by_org, "TRFT", 1);
  assert_filter(&f, all, "quarter=" Q2, by_quarter, Q2, 3);
  assert_filter(&f, all, "action=update.put", by_action, "update.put", 3);
  assert_filter(&f, all, "action=milestone.update", by_action, "milestone.update", 3);
  assert_filter(&f, all, "action=kpi.update", by_action, "kpi.update", 3);
  assert_filter(&f, all, "action=quarter.update", by_action, "quarter.update", 2);
  assert_filter(&f, all, "code=CH1.1", by_code, "CH1.1", 3); /* owner change and 2 updates */
  assert_filter(&f, all, "code=CH%2FKPI%201", by_code, "CH/KPI 1", 2);
  assert_filter(&f, all, "organisation=RMBC&quarter=" Q2, rmbc_q2, NULL, 2);
  /* An action, entity or actor the trail cannot hold is a typo, not "no
   * such changes": 400, naming what there is (an empty page, once). */
  th_req(&f.s, "GET", "/api/v1/audit?action=no.such", NULL, f.s.admin, NULL, 400, &r);
  ck_assert_ptr_nonnull(strstr(th_jstr(r.json, "detail"), "action no.such"));
  ck_assert_ptr_nonnull(strstr(th_jstr(r.json, "detail"), "reading.put"));
  th_response_free(&r);
  th_req(&f.s, "GET", "/api/v1/audit?entity=readings", NULL, f.s.admin, NULL, 400, &r);
  ck_assert_ptr_nonnull(strstr(th_jstr(r.json, "detail"), "kpi_reading"));
  th_response_free(&r);
  th_req(&f.s, "GET", "/api/v1/audit?actor=999", NULL, f.s.admin, NULL, 400, &r);
  ck_assert_msg(strstr(th_jstr(r.json, "detail"), "no token has id 999") != NULL &&
                  strstr(th_jstr(r.json, "detail"), "token ids: 1-") != NULL,
                "%s", th_jstr(r.json, "detail"));
  th_response_free(&r);
  /* a submitter is told the id is unknown, not which ids exist */
  th_req(&f.s, "GET", "/api/v1/audit?actor=999", NULL, f.rmbc, NULL, 400, &r);
  ck_assert_ptr_null(strstr(th_jstr(r.json, "detail"), "token ids"));
  th_response_free(&r);
  snprintf(query, sizeof(query), "actor=%lld", f.trft_tok);
  assert_filter(&f, all, query, by_org, "TRFT", 1);

  /* since/until: at or after, strictly before. */
  snprintf(mid_at, sizeof(mid_at), "%s", th_jstr(json_array_get(all, 10), "at")); /* the Q4 PUT */
  ck_assert_int_gt(strcmp(mid_at, th_jstr(json_array_get(all, 9), "at")), 0);
  snprintf(query, sizeof(query), "since=%s", mid_at);
  assert_filter(&f, all, query, since, mid_at, 2);
  snprintf(query, sizeof(query), "until=%s", mid_at);
  assert_filter(&f, all, query, until, mid_at, 10);
  assert_filter(&f, all, "since=2000-01-01", since, "2000-01-01", n);
  assert_filter(&f, all, "until=2000-01-01", until, "2000-01-01", 0);
  snprintf(query, sizeof(query), "since=%s&until=%s", th_jstr(json_array_get(all, 7), "at"),
           mid_at);
  got = audit_get(&f.s, f.s.admin, query);
  ck_assert_uint_eq(json_array_size(got), 3);
  ck_assert_jint(got, "[0].id", 8);
  json_decref(got);
  /* A time to the second means its first millisecond: stored times have a
   * fraction, and "Z" sorts after "." (the Q4 PUT was once left out). */
  {
    char floor[32], norm[32];
    size_t want = 0, k;
    json_t *e;

    snprintf(floor, sizeof(floor), "%.19sZ", mid_at);
    snprintf(norm, sizeof(norm), "%.19s.000Z", mid_at);
    json_array_foreach(all, k, e) want += strcmp(th_jstr(e, "at"), norm) >= 0;
    ck_assert_uint_ge(want, 2);
    snprintf(query, sizeof(query), "since=%s", floor);
    got = audit_get(&f.s, f.s.admin, query);
    ck_assert_uint_eq(json_array_size(got), want);
    json_decref(got);
    snprintf(query, sizeof(query), "until=%s", floor);
    got = audit_get(&f.s, f.s.admin, query);
    ck_assert_uint_eq(json_array_size(got), n - want);
    json_decref(got);
  }
  th_expect_status(&f.s, "GET", "/api/v1/audit?since=2018-13-45T99", NULL, f.s.admin, NULL, 400);
  th_expect_status(&f.s, "GET", "/api/v1/audit?since=2018-02-30", NULL, f.s.admin, NULL, 400);
  th_expect_status(&f.s, "GET", "/api/v1/audit?until=2018-09-05T00:00:00", NULL, f.s.admin, NULL,
                   400);
  th_expect_status(&f.s, "GET", "/api/v1/audit?quarter=2018-19-q1", NULL, f.s.admin, NULL, 400);
  th_expect_status(&f.s, "GET", "/api/v1/audit?since=yesterday", NULL, f.s.admin, NULL, 400);
  th_expect_status(&f.s, "GET", "/api/v1/audit?actor=x", NULL, f.s.admin, NULL, 400);
  th_expect_status(&f.s, "GET", "/api/v1/audit?format=xml", NULL, f.s.admin, NULL, 400);
  th_expect_status(&f.s, "GET", "/api/v1/audit?who=me", NULL, f.s.admin, NULL, 400);
  th_expect_status(&f.s, "GET", "/api/v1/audit?limit=0", NULL, f.s.admin, NULL, 400);
  th_expect_status(&f.s, "GET", "/api/v1/audit?cursor=%21%21", NULL, f.s.admin, NULL, 400);

  /* Pages of 3 cover the trail exactly once, in order. */
  got = json_array();
  for (;;) {
    json_t *items, *next;

    snprintf(path, sizeof(path), "/api/v1/audit?limit=3%s%s", cursor[0] ? "&cursor=" : "", cursor);
    th_req(&f.s, "GET", path, NULL, f.s.admin, NULL, 200, &r);
    items = json_object_get(r.json, "items");
    ck_assert_uint_le(json_array_size(items), 3);
    ck_assert_uint_gt(json_array_size(items), 0);
    json_array_extend(got, items);
    pages++;
    next = json_object_get(r.json, "next");
    if (json_is_null(next) || next == NULL) {
      th_response_free(&r);
      break;
    }
    ck_assert_uint_eq(json_array_size(items), 3);
    snprintf(cursor, sizeof(cursor), "%s", th_jstr(r.json, "next"));
    th_response_free(&r);
    ck_assert_uint_lt(pages, 10);
  }
  ck_assert_uint_eq(pages, 4);
  ck_assert(json_equal(got, all));
  json_decref(got);

  /* Pages of one through a filter: the cursor keeps the filter's entries. */
  {
    json_t *ids = json_array(), *want = ids_where(all, by_org, "RMBC");

    cursor[0] = '\0';
    for (pages = 0;; pages++) {
      json_t *next;

      ck_assert_uint_lt(pages, 10);
      snprintf(path, sizeof(path), "/api/v1/audit?organisation=RMBC&limit=1%s%s",
               cursor[0] ? "&cursor=" : "", cursor);
      th_req(&f.s, "GET", path, NULL, f.s.admin, NULL, 200, &r);
      if (json_array_size(json_object_get(r.json, "items")) == 1)
        json_array_append_new(ids, json_integer(th_jint(r.json, "items[0].id")));
      next = json_object_get(r.json, "next");
      if (!json_is_string(next)) {
        th_response_free(&r);
        break;
      }
      snprintf(cursor, sizeof(cursor), "%s", json_string_value(next));
      th_response_free(&r);
    }
    ck_assert_msg(json_equal(ids, want), "filtered pages: %zu ids", json_array_size(ids));
    json_decref(ids);
    json_decref(want);
  }

  /* CSV: a header line, then one record per entry. */
  th_req(&f.s, "GET", "/api/v1/audit?format=csv", NULL, f.s.admin, NULL, 200, &r);
  th_assert_ctype(&r, "text/csv");
  ck_assert_msg(strncmp(r.body,
                        "id,at,actor_token_id,actor_name,actor_role,actor_organisation,action,"
                        "entity,entity_id,code,quarter,before,after,request_id,hash,altered\r\n",
                        strlen("id,at,actor_token_id,actor_name,actor_role,actor_organisation,"
                               "action,entity,entity_id,code,quarter,before,after,request_id,"
                               "hash,altered\r\n")) == 0,
                "CSV header: %.200s", r.body);
  {
    json_t *rows = NULL;
    char why[128];
    size_t bad = 0;

    ck_assert_int_eq(csv_parse(r.body, r.len, &rows, why, sizeof(why), &bad), RB_OK);
    ck_assert_uint_eq(json_array_size(rows), n + 1);
    for (i = 1; i <= n; i++) {
      json_t *fields = th_jget(json_array_get(rows, i), "fields");
      json_t *entry = json_array_get(all, i - 1), *after;
      char id[32];

      ck_assert_uint_eq(json_array_size(fields), 16);
      ck_assert_str_eq(json_string_value(json_array_get(fields, 15)), ""); /* not altered */
      snprintf(id, sizeof(id), "%lld", th_jint(entry, "id"));
      ck_assert_str_eq(json_string_value(json_array_get(fields, 0)), id);
      ck_assert_str_eq(json_string_value(json_array_get(fields, 6)), th_jstr(entry, "action"));
      ck_assert_str_eq(json_string_value(json_array_get(fields, 13)), th_jstr(entry, "request_id"));
      ck_assert_str_eq(json_string_value(json_array_get(fields, 14)), th_jstr(entry, "hash"));
      after = json_loads(json_string_value(json_array_get(fields, 12)), JSON_DECODE_ANY, NULL);
      ck_assert_msg(json_equal(after, json_object_get(entry, "after")), "CSV after of %s", id);
      json_decref(after);
    }
    json_decref(rows);
  }
  th_response_free(&r);
  th_req(&f.s, "GET", "/api/v1/audit?format=csv&organisation=RMBC", NULL, f.s.admin, NULL, 200, &r);
  {
    size_t lines = 0;

    for (const char *p = r.body; *p; p++)
      lines += *p == '\n';
    ck_assert_uint_eq(lines, 4);
  }
  th_response_free(&r);
  th_req(&f.s, "GET", "/api/v1/audit?format=csv&limit=2", NULL, f.s.admin, NULL, 200, &r);
  ck_assert(th_header(&r, "X-Next-Cursor", cursor, sizeof(cursor)));
  th_response_free(&r);
  snprintf(path, sizeof(path), "/api/v1/audit?limit=2&cursor=%s", cursor);
  th_req(&f.s, "GET", path, NULL, f.s.admin, NULL, 200, &r);
  ck_assert_jint(r.json, "items[0].id", 3);
  th_response_free(&r);
  json_decref(all);
  th_stop(&f.s);
}
END_TEST

static sqlite3 *
raw_db(struct fx *f)
{
  sqlite3 *db = NULL;

  ck_assert_int_eq(sqlite3_open_v2(f->s.db_path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  return db;
}

/* exec sql and require it to fail with the append-only trigger. */
static void
assert_refused(sqlite3 *db, const char *sql)
{
  char *msg = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

  ck_assert_msg(rc != SQLITE_OK, "%s succeeded", sql);
  ck_assert_int_eq(rc & 0xff, SQLITE_CONSTRAINT);
  ck_assert_msg(msg != NULL && strstr(msg, "append-only") != NULL, "%s: %s", sql,
                msg != NULL ? msg : "(no message)");
  sqlite3_free(msg);
}

static void
exec_ok(sqlite3 *db, const char *sql)
{
  char *msg = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

  ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg != NULL ? msg : "?");
  sqlite3_free(msg);
}

/* Run sql as someone with the database file would: drop the append-only
 * triggers, change what they guard, and put the triggers back exactly as
 * they were (so that only the trail itself can tell). */
static void
tamper(sqlite3 *db, const char *sql)
{
  char *msg = NULL;
  int changes;

  exec_ok(db, "DROP TRIGGER IF EXISTS audit_no_update");
  exec_ok(db, "DROP TRIGGER IF EXISTS audit_no_delete");
  ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql,
                msg != NULL ? msg : "?");
  sqlite3_free(msg);
  changes = sqlite3_changes(db);
  exec_ok(db, "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit\n"
              "BEGIN\n"
              "  SELECT RAISE(ABORT, 'audit entries are append-only');\n"
              "END");
  exec_ok(db, "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit\n"
              "BEGIN\n"
              "  SELECT RAISE(ABORT, 'audit entries are append-only');\n"
              "END");
  ck_assert_msg(changes >= 1, "%s changed nothing", sql);
}

static void
verify(struct fx *f, bool ok, long long entries, long long broken)
{
  struct th_response r;

  th_req(&f->s, "GET", "/api/v1/audit/verify", NULL, f->s.admin, NULL, 200, &r);
  ck_assert_msg(json_is_boolean(json_object_get(r.json, "ok")) &&
                  json_is_true(json_object_get(r.json, "ok")) == ok,
                "verify: %.500s", r.body);
  ck_assert_jint(r.json, "entries", entries);
  if (ok) {
    ck_assert_ptr_null(json_object_get(r.json, "broken"));
  } else {
    ck_assert_jint(r.json, "broken.id", broken);
    ck_assert(json_is_string(th_jget(r.json, "broken.reason")));
  }
  th_response_free(&r);
}

/* A missing actor or entity id is hashed as 0, so NULL -> 0 leaves the
 * hash alone; but 0 is never stored, and verify says so. */
START_TEST(audit_null_ids_tampered)
{
  struct fx f;
  sqlite3 *db;
  long long n;

  fx_start(&f, NULL);
  /* a quarter's entry has no entity id */
  open_quarter(&f, Q3);
  n = (long long)audit_count(&f.s);
  verify(&f, true, n, 0);
  db = raw_db(&f);
  tamper(db, "UPDATE audit SET entity_id = 0 WHERE id = (SELECT max(id) FROM audit)"
             " AND entity_id IS NULL");
  verify(&f, false, n - 1, n);
  tamper(db, "UPDATE audit SET entity_id = NULL WHERE id = (SELECT max(id) FROM audit)");
  verify(&f, true, n, 0);
  tamper(db, "UPDATE audit SET actor_id = 0 WHERE id = 1");
  verify(&f, false, 0, 1);
  sqlite3_close(db);
  th_stop(&f.s);
}
END_TEST

START_TEST(audit_append_only_and_verified)
{
  struct fx f;
  char path[128];
  sqlite3 *db;
  size_t n;

  fx_start(&f, NULL);
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/" Q2, f.ch11);
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"G\",\"comment\":\"a\"}", f.rmbc, NULL, 201);
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"R\",\"comment\":\"b\"}", f.rmbc, NULL, 200);
  /* Reals, escapes and UTF-8 survive the canonical form. */
  {
    char rpath[128];

    snprintf(rpath, sizeof(rpath), "/api/v1/kpis/%lld/readings/" Q2, f.kpi1);
    th_expect_status(
      &f.s, "PUT", rpath,
      "{\"value\":0.1,\"value_text\":\"0.1 \\u2030\",\"comment\":\"caf\xc3\xa9 \\\"q\\\"\\n\\t"
      "\xe2\x9c\x93\"}",
      f.rmbc, NULL, 201);
    th_expect_status(&f.s, "PUT", rpath, "{\"value\":1e-7}", f.rmbc, NULL, 200);
  }
  n = audit_count(&f.s);
  ck_assert_uint_eq(n, 10);
  verify(&f, true, (long long)n, 0);

  db = raw_db(&f);
  assert_refused(db, "UPDATE audit SET action = 'nothing.happened' WHERE id = 7");
  assert_refused(db, "UPDATE audit SET after = NULL");
  assert_refused(db, "DELETE FROM audit WHERE id = 8");
  assert_refused(db, "DELETE FROM audit");
  ck_assert_uint_eq(audit_count(&f.s), n);
  verify(&f, true, (long long)n, 0);

  /* Whoever removes the trigger cannot hide the edit. */
  exec_ok(db, "DROP TRIGGER audit_no_update");
  exec_ok(db, "UPDATE audit SET after = '{\"status\":\"G\"}' WHERE id = 7");
  ck_assert_int_eq(sqlite3_changes(db), 1);
  verify(&f, false, 6, 7);
  /* New writes keep working; the first bad entry is still reported. */
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"A\"}", f.rmbc, NULL, 200);
  verify(&f, false, 6, 7);
  sqlite3_close(db);
  th_stop(&f.s);
}
END_TEST

START_TEST(audit_deleted_entry_detected)
{
  struct fx f;
  sqlite3 *db;

  fx_start(&f, NULL);
  verify(&f, true, 6, 0);
  db = raw_db(&f);
  exec_ok(db, "DROP TRIGGER audit_no_delete");
  exec_ok(db, "DELETE FROM audit WHERE id = 3");
  verify(&f, false, 2, 4);
  sqlite3_close(db);
  th_stop(&f.s);
}
END_TEST

/* Entries cut from the end leave a valid chain; the head an auditor kept
 * from an earlier verification shows the cut, and a head whose hash no
 * longer matches shows a rewrite. */
START_TEST(audit_anchor_detects_truncation)
{
  struct fx f;
  struct th_response r;
  char path[256], hash6[65], hash7[65];
  sqlite3 *db;

  fx_start(&f, NULL);
  th_req(&f.s, "GET", "/api/v1/audit/verify", NULL, f.s.admin, NULL, 200, &r);
  ck_assert(json_is_true(json_object_get(r.json, "ok")));
  ck_assert_jint(r.json, "head.id", 6);
  snprintf(hash6, sizeof(hash6), "%s", th_jstr(r.json, "head.hash"));
  ck_assert_uint_eq(strlen(hash6), 64);
  th_response_free(&r);
  snprintf(path, sizeof(path), "/api/v1/milestones/%lld/updates/" Q2, f.ch11);
  th_expect_status(&f.s, "PUT", path, "{\"status\":\"G\"}", f.s.admin, NULL, 201);
  /* an earlier head still holds after honest writes */
  snprintf(path, sizeof(path), "/api/v1/audit/verify?anchor_id=6&anchor_hash=%s", hash6);
  th_req(&f.s, "GET", path, NULL, f.s.admin, NULL, 200, &r);
  ck_assert_msg(json_is_true(json_object_get(r.json, "ok")), "%.500s", r.body);
  ck_assert_jint(r.json, "head.id", 7);
  snprintf(hash7, sizeof(hash7), "%s", th_jstr(r.json, "head.hash"));
  th_response_free(&r);
  /* a hash that is not entry 6's */
  snprintf(path, sizeof(path), "/api/v1/audit/verify?anchor_id=6&anchor_hash=%s", hash7);
  th_req(&f.s, "GET", path, NULL, f.s.admin, NULL, 200, &r);
  ck_assert(json_is_false(json_object_get(r.json, "ok")));
  ck_assert_jint(r.json, "broken.id", 6);
  ck_assert_jint(r.json, "entries", 5);
  th_response_free(&r);

  db = raw_db(&f);
  tamper(db, "DELETE FROM audit WHERE id = 7");
  sqlite3_close(db);
  verify(&f, true, 6, 0); /* the chain alone cannot tell */
  snprintf(path, sizeof(path), "/api/v1/audit/verify?anchor_id=7&anchor_hash=%s", hash7);
  th_req(&f.s, "GET", path, NULL, f.s.admin, NULL, 200, &r);
  ck_assert(json_is_false(json_object_get(r.json, "ok")));
  ck_assert_jint(r.json, "broken.id", 7);
  ck_assert_ptr_nonnull(strstr(th_jstr(r.json, "broken.reason"), "removed"));
  ck_assert_jint(r.json, "entries", 6);
  ck_assert_jint(r.json, "head.id", 6);
  th_response_free(&r);

  /* the anchor's two halves go together and are checked */
  th_expect_status(&f.s, "GET", "/api/v1/audit/verify?anchor_id=6", NULL, f.s.admin, NULL, 400);
  snprintf(path, sizeof(path), "/api/v1/audit/verify?anchor_hash=%s", hash6);
  th_expect_status(&f.s, "GET", path, NULL, f.s.admin, NULL, 400);
  snprintf(path, sizeof(path), "/api/v1/audit/verify?anchor_id=0&anchor_hash=%s", hash6);
  th_expect_status(&f.s, "GET", path, NULL, f.s.admin, NULL, 400);
  th_expect_status(&f.s, "GET", "/api/v1/audit/verify?anchor_id=6&anchor_hash=ABC", NULL, f.s.admin,
                   NULL, 400);
  snprintf(path, sizeof(path), "/api/v1/audit/verify?anchor_id=6&anchor_hash=%s", hash6);
  th_expect_status(&f.s, "GET", path, NULL, f.s.viewer, NULL, 403);
  th_stop(&f.s);
}
END_TEST

/* ---- csv_parse --------------------------------------------------------------------------- */

static json_t *
parse_ok(const char *text, size_t len)
{
  json_t *rows = NULL;
  char why[128] = "";
  size_t bad = 0;

  ck_assert_msg(csv_parse(text, len, &rows, why, sizeof(why), &bad) == RB_OK, "csv: %s at %zu", why,
                bad);
  ck_assert(json_is_array(rows));
  return rows;
}

static void
parse_bad(const char *text, size_t len, size_t line)
{
  json_t *rows = NULL;
  char why[128] = "";
  size_t bad = 0;

  ck_assert_int_eq(csv_parse(text, len, &rows, why, sizeof(why), &bad), RB_ERR_INVALID);
  ck_assert_ptr_null(rows);
  ck_assert_msg(bad == line, "bad line %zu, wanted %zu (%s)", bad, line, why);
  ck_assert_uint_gt(strlen(why), 0);
}

/* Row i has this line and exactly these fields (NULL-terminated). */
static void
assert_row(json_t *rows, size_t i, long long line, ...)
{
  json_t *row = json_array_get(rows, i), *fields = json_object_get(row, "fields");
  const char *want;
  size_t k = 0;
  va_list ap;

  ck_assert_msg(row != NULL, "no row %zu", i);
  ck_assert_int_eq(th_jint(row, "line"), line);
  va_start(ap, line);
  while ((want = va_arg(ap, const char *)) != NULL) {
    ck_assert_msg(k < json_array_size(fields), "row %zu has only %zu fields", i, k);
    ck_assert_str_eq(json_string_value(json_array_get(fields, k)), want);
    k++;
  }
  va_end(ap);
  ck_assert_uint_eq(json_array_size(fields), k);
}

#define S(lit) (lit), sizeof(lit) - 1

START_TEST(csv_basic)
{
  json_t *rows = parse_ok(S("a,b,c\n1,2,3\n"));

  ck_assert_uint_eq(json_array_size(rows), 2);
  assert_row(rows, 0, 1, "a", "b", "c", NULL);
  assert_row(rows, 1, 2, "1", "2", "3", NULL);
  json_decref(rows);
  /* No final line end; empty fields. */
  rows = parse_ok(S("x,,\n,y"));
  ck_assert_uint_eq(json_array_size(rows), 2);
  assert_row(rows, 0, 1, "x", "", "", NULL);
  assert_row(rows, 1, 2, "", "y", NULL);
  json_decref(rows);
  rows = parse_ok(S(""));
  ck_assert_uint_eq(json_array_size(rows), 0);
  json_decref(rows);
}
END_TEST

START_TEST(csv_bom_crlf_blank_lines)
{
  json_t *rows = parse_ok(S("\xEF\xBB\xBFkind,code\r\nkpi,K1\r\n\r\n\nmilestone,M1\r\n\r\n"));

  ck_assert_uint_eq(json_array_size(rows), 3);
  assert_row(rows, 0, 1, "kind", "code", NULL);
  assert_row(rows, 1, 2, "kpi", "K1", NULL);
  assert_row(rows, 2, 5, "milestone", "M1", NULL);
  json_decref(rows);
  rows = parse_ok(S("\xEF\xBB\xBF"));
  ck_assert_uint_eq(json_array_size(rows), 0);
  json_decref(rows);
  /* A BOM anywhere else is data. */
  rows = parse_ok(S("a,\xEF\xBB\xBF"
                    "b\n"));
  assert_row(rows, 0, 1, "a",
             "\xEF\xBB\xBF"
             "b",
             NULL);
  json_decref(rows);
}
END_TEST

START_TEST(csv_quoting)
{
  json_t *rows = parse_ok(S("\"x, y\",\"he said \"\"hi\"\"\",\"l1\nl2\"\n"
                            "\"\",\"a\r\nb\",plain\r\n"
                            "last,\"\"\"\"\n"));

  ck_assert_uint_eq(json_array_size(rows), 3);
  assert_row(rows, 0, 1, "x, y", "he said \"hi\"", "l1\nl2", NULL);
  assert_row(rows, 1, 3, "", "a\r\nb", "plain", NULL);
  assert_row(rows, 2, 5, "last", "\"", NULL);
  json_decref(rows);
  /* Line numbers count the line breaks inside quoted fields. */
  rows = parse_ok(S("h\n\"a\nb\nc\",x\nz\n"));
  assert_row(rows, 0, 1, "h", NULL);
  assert_row(rows, 1, 2, "a\nb\nc", "x", NULL);
  assert_row(rows, 2, 5, "z", NULL);
  json_decref(rows);
}
END_TEST

START_TEST(csv_errors)
{
  char many[CSV_MAX_FIELDS * 2 + 8];
  size_t n = 0;

  parse_bad(S("a,\"unclosed\n"), 1);
  parse_bad(S("h\nx,\"abc\ndef\n"), 2);     /* reported where the record starts */
  parse_bad(S("ok\nx\"y\n"), 2);            /* quote inside an unquoted field */
  parse_bad(S("\"a\"b\n"), 1);              /* text after the closing quote */
  parse_bad(S("h\n\"a\nb\",c\nd\"e\n"), 4); /* after a multi-line record */
  parse_bad(S("a\nb\0c\n"), 2);             /* NUL byte */
  parse_bad(S("ok\nkpi,caf\xe9\n"), 2);     /* not UTF-8 (Latin-1); was a 500 */
  parse_bad(S("a\rb,c\r\xf5\x9b,e\r"), 1);  /* found by fuzz_csv */
  for (int i = 0; i <= CSV_MAX_FIELDS; i++)
    n += (size_t)snprintf(many + n, sizeof(many) - n, "%s", i ? ",x" : "x");
  many[n++] = '\n';
  many[n] = '\0';
  parse_bad(many, n, 1);
  /* Exactly the maximum is fine. */
  many[n - 3] = '\n';
  {
    json_t *rows = parse_ok(many, n - 2);

    ck_assert_uint_eq(json_array_size(th_jget(rows, "[0].fields")), CSV_MAX_FIELDS);
    json_decref(rows);
  }
}
END_TEST

/* ---- suite ------------------------------------------------------------------------------ */

static Suite *
partner_suite(void)
{
  Suite *s = suite_create("partner");
  struct {
    const char *name;
    const TTest *tests[12];
  } cases[] = {
    {"roles",
     {every_role_against_every_write_route, write_table_matches_routes, submitter_own_items_only,
      NULL}},
    {"reads", {reads_need_a_token, public_read_keeps_tokens_and_audit_private, NULL}},
    {"tokens", {token_api, token_name_bounds, NULL}},
    {"windows",
     {quarter_windows, plan_year_quarters_only, import_opens_no_quarter,
      locked_quarter_frozen_for_import, import_overwrite_audited, NULL}},
    {"returns",
     {submission_json, submission_json_invalid, submission_csv, submission_csv_invalid,
      completeness, completeness_cached, NULL}},
    {"audit",
     {audit_entry_contents, identical_put_is_not_a_write, audit_visibility, audit_filters_and_pages,
      audit_append_only_and_verified, audit_null_ids_tampered, audit_deleted_entry_detected,
      audit_anchor_detects_truncation, NULL}},
    {"csv", {csv_basic, csv_bom_crlf_blank_lines, csv_quoting, csv_errors, NULL}},
  };

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    TCase *tc = tcase_create(cases[i].name);

    tcase_set_timeout(tc, 120);
    for (size_t j = 0; cases[i].tests[j] != NULL; j++)
      tcase_add_test(tc, cases[i].tests[j]);
    suite_add_tcase(s, tc);
  }
  return s;
}

int
main(void)
{
  return th_run(partner_suite());
}
