/* The audit trail against someone who holds the database file: stored
 * types and bytes, keyed hashes, the append-only triggers, the stored data
 * against the trail (the state check), and the CSV export against formula
 * injection. Each test starts the real server in-process; the data comes
 * in through POST /api/v1/import, so that the trail accounts for it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "csv.h"
#include "harness.h"

#define Q1 "2018-19-Q1"
#define Q2 "2018-19-Q2"

/* ---- helpers ------------------------------------------------------------------ */

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

static sqlite3 *
raw_db(struct th_server *s)
{
  sqlite3 *db = NULL;

  ck_assert_int_eq(sqlite3_open_v2(s->db_path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  return db;
}

static void
exec_ok(sqlite3 *db, const char *sql)
{
  char *msg = NULL;

  ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql,
                msg != NULL ? msg : "?");
  sqlite3_free(msg);
}

static const char guard_update[] = "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit\n"
                                   "BEGIN\n"
                                   "  SELECT RAISE(ABORT, 'audit entries are append-only');\n"
                                   "END";
static const char guard_delete[] = "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit\n"
                                   "BEGIN\n"
                                   "  SELECT RAISE(ABORT, 'audit entries are append-only');\n"
                                   "END";

/* Change what the triggers guard and put them back as they were: only the
 * trail itself can then tell. */
static void
tamper(sqlite3 *db, const char *sql)
{
  exec_ok(db, "DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete");
  exec_ok(db, sql);
  ck_assert_msg(sqlite3_changes(db) >= 1, "%s changed nothing", sql);
  exec_ok(db, guard_update);
  exec_ok(db, guard_delete);
}

/* GET /api/v1/audit/verify?query as admin: the verdict (a new reference). */
static json_t *
verdict(struct th_server *s, const char *query)
{
  struct th_response r;
  char path[512]; /* the route and the longest query a test passes (an anchor) */
  json_t *v;

  snprintf(path, sizeof(path), "/api/v1/audit/verify%s", query);
  th_req(s, "GET", path, NULL, s->admin, NULL, 200, &r);
  v = json_incref(r.json);
  th_response_free(&r);
  return v;
}

static bool
has_problem(const json_t *v, const char *needle)
{
  size_t i;
  json_t *p;

  json_array_foreach(json_object_get(v, "problems"), i,
                     p) if (strstr(json_string_value(p), needle) != NULL) return true;
  return false;
}

/* The server with the demo imported through the API (an audited import),
 * an RMBC submitter token, and milestone 1 and KPI 1 owned by RMBC. */
static void
start(struct th_server *s, char *rmbc, size_t cap)
{
  char *doc = read_file(th_demo_path());

  th_start(s, false, NULL);
  th_expect_status(s, "POST", "/api/v1/import", doc, s->admin, NULL, 200);
  free(doc);
  th_token(s, "submitter", "RMBC", rmbc, cap);
  th_expect_status(s, "PATCH", "/api/v1/milestones/1", "{\"owner\":\"RMBC\"}", s->admin, NULL, 200);
  th_expect_status(s, "PATCH", "/api/v1/kpis/1", "{\"owner\":\"RMBC\"}", s->admin, NULL, 200);
  /* an imported quarter is closed until the team opens it (the demo opens Q2) */
  th_expect_status(s, "PUT", "/api/v1/quarters/" Q1, "{\"state\":\"open\"}", s->admin, NULL, 200);
}

/* ---- item 2: the stored values, not their text ------------------------------------ */

/* An entry's organisation, quarter or code turned into a BLOB, or given a
 * NUL byte at its end, reads as the same text: the old chain verified it
 * with the same head hash, and every page holding it answered 500. */
START_TEST(stored_types_and_bytes)
{
  static const char *const edits[] = {
    "UPDATE audit SET actor_org = CAST(actor_org AS BLOB) WHERE id = %lld",
    "UPDATE audit SET quarter = CAST(quarter AS BLOB) WHERE id = %lld",
    "UPDATE audit SET code = CAST(code AS BLOB) WHERE id = %lld",
    "UPDATE audit SET actor_org = CAST(CAST(actor_org AS BLOB) || x'00' AS TEXT) WHERE id = %lld",
    "UPDATE audit SET quarter = CAST(CAST(quarter AS BLOB) || x'00' AS TEXT) WHERE id = %lld",
    "UPDATE audit SET code = CAST(x'ff' || CAST(code AS BLOB) AS TEXT) WHERE id = %lld",
  };
  static const char *const undo[] = {
    "UPDATE audit SET actor_org = 'RMBC' WHERE id = %lld",
    "UPDATE audit SET quarter = '" Q2 "' WHERE id = %lld",
    "UPDATE audit SET code = 'CH1.1' WHERE id = %lld",
    "UPDATE audit SET actor_org = 'RMBC' WHERE id = %lld",
    "UPDATE audit SET quarter = '" Q2 "' WHERE id = %lld",
    "UPDATE audit SET code = 'CH1.1' WHERE id = %lld",
  };
  static const char *const column[] = {"actor_org", "quarter", "code",
                                       "actor_org", "quarter", "code"};
  struct th_server s;
  struct th_response r;
  char rmbc[128], sql[256], head[65];
  long long id, n;
  json_t *v;
  sqlite3 *db;

  start(&s, rmbc, sizeof(rmbc));
  th_expect_status(&s, "PUT", "/api/v1/milestones/1/updates/" Q2, "{\"status\":\"G\"}", rmbc, NULL,
                   201);
  th_expect_status(&s, "PUT", "/api/v1/milestones/1/updates/" Q1, "{\"status\":\"A\"}", rmbc, NULL,
                   200);
  v = verdict(&s, "");
  ck_assert_msg(json_is_true(json_object_get(v, "ok")), "%s", json_dumps(v, 0));
  n = th_jint(v, "entries");
  snprintf(head, sizeof(head), "%s", th_jstr(v, "head.hash"));
  json_decref(v);
  id = n - 1; /* the Q2 update: RMBC, quarter and code set */
  db = raw_db(&s);
  for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
    snprintf(sql, sizeof(sql), edits[i], id);
    tamper(db, sql);
    v = verdict(&s, "");
    ck_assert_msg(json_is_false(json_object_get(v, "ok")), "%s: verify said ok", sql);
    ck_assert_msg(th_jint(v, "broken.id") == id, "%s: %s", sql, json_dumps(v, 0));
    ck_assert_int_eq(th_jint(v, "entries"), id - 1);
    ck_assert_int_eq(th_jint(v, "altered_count"), 1);
    ck_assert_int_eq(th_jint(v, "altered[0].id"), id);
    ck_assert_msg(strstr(th_jstr(v, "altered[0].problems[0]"), column[i]) != NULL, "%s: %s", sql,
                  th_jstr(v, "altered[0].problems[0]"));
    json_decref(v);
    /* every page holding it answers, showing it as altered */
    th_req(&s, "GET", "/api/v1/audit?limit=500", NULL, s.admin, NULL, 200, &r);
    ck_assert_ptr_null(th_jget(r.json, "items[0].altered"));
    {
      json_t *e = json_array_get(json_object_get(r.json, "items"), (size_t)id - 1);

      ck_assert_msg(e != NULL, "%s: %zu items: %.300s", sql,
                    json_array_size(json_object_get(r.json, "items")), r.body);
      ck_assert_int_eq(th_jint(e, "id"), id);
      ck_assert_msg(json_is_true(json_object_get(e, "altered")), "%s: not marked", sql);
      ck_assert_msg(strstr(th_jstr(e, "problems[0]"), column[i]) != NULL, "%s", sql);
    }
    th_response_free(&r);
    th_req(&s, "GET", "/api/v1/audit?limit=500&format=csv", NULL, s.admin, NULL, 200, &r);
    ck_assert_msg(strstr(r.body, column[i]) != NULL, "%s: the CSV does not say so", sql);
    th_response_free(&r);
    th_req(&s, "GET", "/api/v1/audit?organisation=RMBC", NULL, rmbc, NULL, 200, &r);
    th_response_free(&r);
    snprintf(sql, sizeof(sql), undo[i], id);
    tamper(db, sql);
    v = verdict(&s, "");
    ck_assert_msg(json_is_true(json_object_get(v, "ok")), "after undo %zu: %s", i,
                  json_dumps(v, 0));
    ck_assert_str_eq(th_jstr(v, "head.hash"), head);
    json_decref(v);
  }
  sqlite3_close(db);
  th_stop(&s);
}
END_TEST

/* ---- item 3: a chain the file's holder cannot re-forge ------------------------------- */

/* The attacker's tool: the SHA-256 chain hash of an entry, as the trail
 * used to compute every entry's hash. */
static void
plain_hash(sqlite3 *db, long long id, char out[65])
{
  sqlite3_stmt *st;
  struct store_audit e;
  char *text;
  unsigned char digest[32];
  crypto_hash_sha256_state h;

  ck_assert_int_eq(sqlite3_prepare_v2(db,
                                      "SELECT at, coalesce(actor_id, 0), actor_name, actor_role,"
                                      " actor_org, action, entity, coalesce(entity_id, 0), code,"
                                      " quarter, before, after, request_id, prev_hash"
                                      " FROM audit WHERE id = ?1",
                                      -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_int64(st, 1, id);
  ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
  memset(&e, 0, sizeof(e));
  e.at = (const char *)sqlite3_column_text(st, 0);
  e.actor_id = sqlite3_column_int64(st, 1);
  e.actor_name = (const char *)sqlite3_column_text(st, 2);
  e.actor_role = (const char *)sqlite3_column_text(st, 3);
  e.actor_org = (const char *)sqlite3_column_text(st, 4);
  e.action = (const char *)sqlite3_column_text(st, 5);
  e.entity = (const char *)sqlite3_column_text(st, 6);
  e.entity_id = sqlite3_column_int64(st, 7);
  e.code = (const char *)sqlite3_column_text(st, 8);
  e.quarter = (const char *)sqlite3_column_text(st, 9);
  e.request_id = (const char *)sqlite3_column_text(st, 12);
  text = store_audit_canonical(id, &e, (const char *)sqlite3_column_text(st, 10),
                               (const char *)sqlite3_column_text(st, 11));
  crypto_hash_sha256_init(&h);
  crypto_hash_sha256_update(&h, sqlite3_column_text(st, 13), (size_t)sqlite3_column_bytes(st, 13));
  crypto_hash_sha256_update(&h, (const unsigned char *)text, strlen(text));
  crypto_hash_sha256_final(&h, digest);
  sodium_bin2hex(out, 65, digest, sizeof(digest));
  free(text);
  sqlite3_finalize(st);
}

/* Someone with the database file appends an entry with a correct plain
 * SHA-256 link and hash (a figure nobody wrote), or rewrites an entry and
 * every hash after it: the old chain verified both, even with an anchor
 * taken before. Keyed, neither verifies. */
START_TEST(forged_entries_do_not_verify)
{
  struct th_server s;
  char rmbc[128], hash[65], sql[1024], anchor[256];
  long long n;
  json_t *v;
  sqlite3 *db;

  start(&s, rmbc, sizeof(rmbc));
  th_expect_status(&s, "PUT", "/api/v1/kpis/1/readings/" Q2, "{\"value\":5,\"rating\":\"R\"}", rmbc,
                   NULL, 201);
  v = verdict(&s, "");
  ck_assert(json_is_true(json_object_get(v, "ok")));
  n = th_jint(v, "entries");
  snprintf(anchor, sizeof(anchor), "?anchor_id=%lld&anchor_hash=%s", n, th_jstr(v, "head.hash"));
  json_decref(v);
  db = raw_db(&s);
  /* 1. append: a copy of the last entry, as another figure, re-hashed */
  exec_ok(db, "INSERT INTO audit (id, at, actor_id, actor_name, actor_role, actor_org, action,"
              " entity, entity_id, code, quarter, before, after, request_id, prev_hash, hash)"
              " SELECT id + 1, at, actor_id, actor_name, actor_role, actor_org, action, entity,"
              " entity_id, code, quarter, after, replace(after, '\"value\":5.0', '\"value\":50.0'),"
              " request_id, hash, '' FROM audit ORDER BY id DESC LIMIT 1");
  plain_hash(db, n + 1, hash);
  snprintf(sql, sizeof(sql), "UPDATE audit SET hash = '%s' WHERE id = %lld", hash, n + 1);
  tamper(db, sql);
  v = verdict(&s, anchor);
  ck_assert_msg(json_is_false(json_object_get(v, "ok")), "a forged entry verified: %s",
                json_dumps(v, 0));
  ck_assert_int_eq(th_jint(v, "broken.id"), n + 1);
  ck_assert_int_eq(th_jint(v, "entries"), n);
  json_decref(v);
  /* 2. it claims the key's id: its hash is no MAC under the key */
  snprintf(sql, sizeof(sql),
           "UPDATE audit SET key_id = (SELECT key_id FROM audit WHERE id = 1) WHERE id = %lld",
           n + 1);
  tamper(db, sql);
  v = verdict(&s, anchor);
  ck_assert(json_is_false(json_object_get(v, "ok")));
  ck_assert_int_eq(th_jint(v, "broken.id"), n + 1);
  ck_assert_ptr_nonnull(strstr(th_jstr(v, "broken.reason"), "MAC"));
  json_decref(v);
  tamper(db, "DELETE FROM audit WHERE id = (SELECT max(id) FROM audit)");
  v = verdict(&s, anchor);
  ck_assert(json_is_true(json_object_get(v, "ok")));
  json_decref(v);
  /* 3. the whole trail rewritten as unkeyed entries, every hash recomputed */
  tamper(db, "UPDATE audit SET key_id = NULL");
  for (long long id = 1; id <= n; id++) {
    if (id > 1) {
      snprintf(sql, sizeof(sql),
               "UPDATE audit SET prev_hash = (SELECT hash FROM audit WHERE id = %lld)"
               " WHERE id = %lld",
               id - 1, id);
      tamper(db, sql);
    }
    plain_hash(db, id, hash);
    snprintf(sql, sizeof(sql), "UPDATE audit SET hash = '%s' WHERE id = %lld", hash, id);
    tamper(db, sql);
  }
  v = verdict(&s, "");
  ck_assert_msg(json_is_false(json_object_get(v, "ok")), "a rewritten trail verified: %s",
                json_dumps(v, 0));
  ck_assert(has_problem(v, "no entry is keyed"));
  json_decref(v);
  sqlite3_close(db);
  th_stop(&s);
}
END_TEST

/* The append-only triggers gone or emptied: verify says so, and /readyz
 * is not ready, with the reason; so is a key file that is gone. */
START_TEST(triggers_and_key_file_watched)
{
  struct th_server s;
  struct th_response r;
  json_t *v;
  sqlite3 *db;
  char moved[400];

  th_start(&s, true, NULL);
  th_expect_status(&s, "GET", "/readyz", NULL, NULL, NULL, 200);
  db = raw_db(&s);
  exec_ok(db, "DROP TRIGGER audit_no_delete");
  v = verdict(&s, "");
  ck_assert(json_is_false(json_object_get(v, "ok")));
  ck_assert(json_is_false(th_jget(v, "append_only.ok")));
  ck_assert_str_eq(th_jstr(v, "append_only.missing[0]"), "audit_no_delete");
  ck_assert(has_problem(v, "audit_no_delete"));
  ck_assert_ptr_null(json_object_get(v, "broken"));
  json_decref(v);
  th_req(&s, "GET", "/readyz", NULL, NULL, NULL, 503, &r);
  ck_assert_ptr_nonnull(strstr(th_jstr(r.json, "detail"), "audit_no_delete"));
  th_response_free(&r);
  /* a trigger of that name that guards nothing is no better */
  exec_ok(db, "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT 1; END");
  v = verdict(&s, "");
  ck_assert(json_is_false(json_object_get(v, "ok")));
  json_decref(v);
  th_expect_status(&s, "GET", "/readyz", NULL, NULL, NULL, 503);
  exec_ok(db, "DROP TRIGGER audit_no_delete");
  exec_ok(db, guard_delete);
  v = verdict(&s, "");
  ck_assert_msg(json_is_true(json_object_get(v, "ok")), "%s", json_dumps(v, 0));
  json_decref(v);
  th_expect_status(&s, "GET", "/readyz", NULL, NULL, NULL, 200);
  sqlite3_close(db);
  /* the key file gone: the server signs with the key it read, but the
   * next start would fail and a backup would miss it */
  snprintf(moved, sizeof(moved), "%s.moved", s.key_path);
  ck_assert_int_eq(rename(s.key_path, moved), 0);
  th_req(&s, "GET", "/readyz", NULL, NULL, NULL, 503, &r);
  ck_assert_ptr_nonnull(strstr(th_jstr(r.json, "detail"), "audit key file"));
  th_response_free(&r);
  ck_assert_int_eq(rename(moved, s.key_path), 0);
  th_expect_status(&s, "GET", "/readyz", NULL, NULL, NULL, 200);
  th_stop(&s);
}
END_TEST

/* ---- item 4: the stored data matches the trail ----------------------------------------- */

/* The state member of verify?state=true. */
static json_t *
state(struct th_server *s)
{
  json_t *v = verdict(s, "?state=true"), *st = json_incref(json_object_get(v, "state"));

  ck_assert_ptr_nonnull(st);
  /* the verdict is ok only when the state is */
  ck_assert(!json_is_true(json_object_get(v, "ok")) || json_is_true(json_object_get(st, "ok")));
  json_decref(v);
  return st;
}

/* The differences of st with this entity and field (NULL: any). */
static json_t *
difference(json_t *st, const char *entity, const char *field, size_t nth)
{
  size_t i, seen = 0;
  json_t *d;

  json_array_foreach(json_object_get(st, "differences"), i, d)
  {
    const char *f = json_string_value(json_object_get(d, "field"));

    if (strcmp(th_jstr(d, "entity"), entity) != 0 ||
        (field != NULL && (f == NULL || strcmp(f, field) != 0)) || (field == NULL && f != NULL))
      continue;
    if (seen++ == nth)
      return d;
  }
  return NULL;
}

/* text with its first `from` made `to` (the caller frees it). */
static char *
replaced(const char *text, const char *from, const char *to)
{
  const char *at = strstr(text, from);
  size_t head, n;
  char *out;

  ck_assert_ptr_nonnull(at);
  head = (size_t)(at - text);
  n = strlen(text) - strlen(from) + strlen(to);
  out = malloc(n + 1);
  ck_assert_ptr_nonnull(out);
  memcpy(out, text, head);
  memcpy(out + head, to, strlen(to));
  strcpy(out + head + strlen(to), at + strlen(from));
  return out;
}

/* The plan year's title (the board report's cover) is checked like a
 * figure: against the title the import entries recorded, and the time of
 * the import that brought it. */
START_TEST(state_checks_titles)
{
  static const char title[] = "Rotherham ICP Performance Report, Quarter 1 2018/19";
  struct th_server s;
  char rmbc[128], *doc = read_file(th_demo_path()), *renamed;
  json_t *st, *d;
  sqlite3 *db;

  start(&s, rmbc, sizeof(rmbc));
  st = state(&s);
  ck_assert_msg(json_is_true(json_object_get(st, "ok")), "%s", json_dumps(st, 0));
  ck_assert_int_eq(th_jint(st, "checked.datasets"), 1);
  json_decref(st);

  db = raw_db(&s);
  exec_ok(db, "UPDATE dataset SET title = 'Forged Partnership' WHERE year = '2018-19'");
  st = state(&s);
  ck_assert(json_is_false(json_object_get(st, "ok")));
  d = difference(st, "dataset", "title", 0);
  ck_assert_msg(d != NULL, "%s", json_dumps(st, 0));
  ck_assert_str_eq(th_jstr(d, "code"), "2018-19");
  ck_assert_str_eq(th_jstr(d, "audited"), title);
  ck_assert_str_eq(th_jstr(d, "stored"), "Forged Partnership");
  ck_assert(th_jint(d, "entry") > 0);
  ck_assert_int_eq(th_jint(st, "difference_count"), 1);
  json_decref(st);
  exec_ok(db, "UPDATE dataset SET title = (SELECT json_extract(after, '$.title') FROM audit"
              " WHERE entity = 'dataset' AND action = 'import' ORDER BY id DESC LIMIT 1)");
  exec_ok(db, "UPDATE dataset SET imported_at = '2001-01-01T00:00:00.000Z'");
  st = state(&s);
  d = difference(st, "dataset", "imported_at", 0);
  ck_assert_msg(d != NULL && th_jint(st, "difference_count") == 1, "%s", json_dumps(st, 0));
  ck_assert_str_eq(th_jstr(d, "stored"), "2001-01-01T00:00:00.000Z");
  json_decref(st);
  /* a row no import gave, and the year's row gone */
  exec_ok(db, "DELETE FROM dataset");
  exec_ok(db,
          "INSERT INTO dataset VALUES ('2019-20', 'Slipped in', '2020-01-01T00:00:00.000Z', 'x')");
  st = state(&s);
  ck_assert_int_eq(th_jint(st, "difference_count"), 2);
  d = difference(st, "dataset", NULL, 0);
  ck_assert_msg(d != NULL && strcmp(th_jstr(d, "code"), "2018-19") == 0 &&
                  strncmp(th_jstr(d, "problem"), "gone", 4) == 0,
                "%s", json_dumps(st, 0));
  d = difference(st, "dataset", "title", 0);
  ck_assert_msg(d != NULL && strcmp(th_jstr(d, "code"), "2019-20") == 0 &&
                  json_is_null(json_object_get(d, "audited")),
                "%s", json_dumps(st, 0));
  json_decref(st);
  exec_ok(db, "DELETE FROM dataset");
  sqlite3_close(db);

  /* imports write it again: the same file brings the title back (the
   * row was gone), a renamed one replaces it, and both are audited */
  th_expect_status(&s, "POST", "/api/v1/import", doc, s.admin, NULL, 200);
  st = state(&s);
  ck_assert_msg(json_is_true(json_object_get(st, "ok")), "%s", json_dumps(st, 0));
  json_decref(st);
  renamed = replaced(doc, title, "Rotherham Place Performance Report");
  th_expect_status(&s, "POST", "/api/v1/import", renamed, s.admin, NULL, 200);
  th_expect_status(&s, "POST", "/api/v1/import", renamed, s.admin, NULL, 200);
  st = state(&s);
  ck_assert_msg(json_is_true(json_object_get(st, "ok")), "%s", json_dumps(st, 0));
  json_decref(st);
  free(renamed);
  free(doc);
  th_stop(&s);
}
END_TEST

START_TEST(state_matches_the_trail)
{
  struct th_server s;
  char rmbc[128];
  json_t *st, *d;
  sqlite3 *db;

  start(&s, rmbc, sizeof(rmbc));
  th_expect_status(&s, "PUT", "/api/v1/kpis/1/readings/" Q2, "{\"value\":5,\"rating\":\"R\"}", rmbc,
                   NULL, 201);
  th_expect_status(&s, "PUT", "/api/v1/kpis/1/readings/" Q1, "{\"value\":7,\"rating\":\"A\"}", rmbc,
                   NULL, 200);
  th_expect_status(&s, "PUT", "/api/v1/milestones/1/updates/" Q2, "{\"status\":\"G\"}", rmbc, NULL,
                   201);
  th_expect_status(&s, "DELETE", "/api/v1/milestones/1/updates/" Q2, NULL, s.admin, NULL, 204);
  th_expect_status(&s, "PATCH", "/api/v1/milestones/2", "{\"description\":\"audited text\"}",
                   s.admin, NULL, 200);
  /* without state=true, no state check; a bad value is refused */
  {
    json_t *v = verdict(&s, "");

    ck_assert_ptr_null(json_object_get(v, "state"));
    json_decref(v);
  }
  th_expect_status(&s, "GET", "/api/v1/audit/verify?state=yes", NULL, s.admin, NULL, 400);
  st = state(&s);
  ck_assert_msg(json_is_true(json_object_get(st, "ok")), "%s", json_dumps(st, 0));
  ck_assert_int_eq(th_jint(st, "checked.kpi_readings"), 51);
  ck_assert_int_eq(th_jint(st, "checked.milestones"), 76);
  ck_assert_int_eq(th_jint(st, "difference_count"), 0);
  json_decref(st);

  db = raw_db(&s);
  /* the issue's edit, on a reading with an audited write: each field */
  exec_ok(db, "UPDATE kpi_reading SET value = 30, rating = 'G' WHERE kpi_id = 1 AND quarter = '" Q2
              "'");
  st = state(&s);
  ck_assert(json_is_false(json_object_get(st, "ok")));
  d = difference(st, "kpi_reading", "value", 0);
  ck_assert_msg(d != NULL, "%s", json_dumps(st, 0));
  ck_assert_int_eq(th_jint(d, "id"), 1);
  ck_assert_str_eq(th_jstr(d, "quarter"), Q2);
  ck_assert_str_eq(th_jstr(d, "code"), "CH/KPI 1");
  ck_assert(th_jnum(d, "audited") == 5.0 && th_jnum(d, "stored") == 30.0);
  ck_assert(th_jint(d, "entry") > 0);
  d = difference(st, "kpi_reading", "rating", 0);
  ck_assert_msg(d != NULL && strcmp(th_jstr(d, "audited"), "R") == 0 &&
                  strcmp(th_jstr(d, "stored"), "G") == 0,
                "%s", json_dumps(st, 0));
  ck_assert_int_eq(th_jint(st, "difference_count"), 2);
  json_decref(st);
  exec_ok(db,
          "UPDATE kpi_reading SET value = 5, rating = 'R' WHERE kpi_id = 1 AND quarter = '" Q2 "'");
  st = state(&s);
  ck_assert_msg(json_is_true(json_object_get(st, "ok")), "%s", json_dumps(st, 0));
  json_decref(st);

  /* the same edit on a reading the import created (no entry of its own):
   * found by the import's sums, for its quarter */
  exec_ok(db, "UPDATE kpi_reading SET value = 30, rating = 'G' WHERE kpi_id = 2 AND quarter = '" Q1
              "'");
  st = state(&s);
  ck_assert(json_is_false(json_object_get(st, "ok")));
  d = difference(st, "kpi_reading", NULL, 0);
  ck_assert_msg(d != NULL && strcmp(th_jstr(d, "quarter"), Q1) == 0, "%s", json_dumps(st, 0));
  ck_assert_int_eq(th_jint(st, "difference_count"), 1);
  json_decref(st);
  sqlite3_close(db);
  th_stop(&s);
}
END_TEST

/* Rows that appear, vanish or come back outside any audited write; an
 * item edited in the file. */
START_TEST(state_rows_and_items)
{
  struct th_server s;
  char rmbc[128];
  json_t *st, *d;
  sqlite3 *db;

  start(&s, rmbc, sizeof(rmbc));
  th_expect_status(&s, "PUT", "/api/v1/milestones/1/updates/" Q2, "{\"status\":\"G\"}", rmbc, NULL,
                   201);
  th_expect_status(&s, "PUT", "/api/v1/kpis/1/readings/" Q2, "{\"value\":5}", rmbc, NULL, 201);
  th_expect_status(&s, "DELETE", "/api/v1/kpis/1/readings/" Q2, NULL, s.admin, NULL, 204);
  th_expect_status(&s, "PATCH", "/api/v1/milestones/2", "{\"description\":\"audited text\"}",
                   s.admin, NULL, 200);
  st = state(&s);
  ck_assert_msg(json_is_true(json_object_get(st, "ok")), "%s", json_dumps(st, 0));
  json_decref(st);
  db = raw_db(&s);
  /* an audited update removed in the file */
  exec_ok(db, "DELETE FROM milestone_update WHERE milestone_id = 1 AND quarter = '" Q2 "'");
  /* a deleted reading back in the file */
  exec_ok(db, "INSERT INTO kpi_reading (kpi_id, quarter, value, created_at, updated_at,"
              " updated_by) VALUES (1, '" Q2 "', 5, '2030-01-01T00:00:00.000Z',"
              " '2030-01-01T00:00:00.000Z', 'nobody')");
  /* a figure nobody ever wrote */
  exec_ok(db, "INSERT INTO kpi_reading (kpi_id, quarter, value, created_at, updated_at,"
              " updated_by) VALUES (3, '2018-19-Q4', 1, '2030-01-01T00:00:00.000Z',"
              " '2030-01-01T00:00:00.000Z', 'nobody')");
  /* an item's audited text changed */
  exec_ok(db, "UPDATE milestone SET description = 'not what was written' WHERE id = 2");
  st = state(&s);
  ck_assert(json_is_false(json_object_get(st, "ok")));
  d = difference(st, "milestone_update", NULL, 0);
  ck_assert_msg(d != NULL && th_jint(d, "id") == 1 && strstr(th_jstr(d, "problem"), "gone"), "%s",
                json_dumps(st, 0));
  d = difference(st, "kpi_reading", NULL, 0);
  ck_assert_msg(d != NULL, "%s", json_dumps(st, 0));
  ck_assert_msg(difference(st, "kpi_reading", NULL, 1) != NULL, "%s", json_dumps(st, 0));
  d = difference(st, "milestone", "description", 0);
  ck_assert_msg(d != NULL && strcmp(th_jstr(d, "audited"), "audited text") == 0 &&
                  strcmp(th_jstr(d, "stored"), "not what was written") == 0,
                "%s", json_dumps(st, 0));
  json_decref(st);
  sqlite3_close(db);
  th_stop(&s);
}
END_TEST

/* ---- item 14: formula injection in the CSV export ------------------------------------- */

START_TEST(csv_cells_neutralised)
{
  static const char *const names[] = {"=HYPERLINK(\\\"http://evil.example/\\\",\\\"report\\\")",
                                      "+SUM(1,2)", "-2+3+cmd|' /C calc'!A0",
                                      "@SUM(1+1)*cmd|' /C calc'!A0"};
  static const char *const cells[] = {"'=HYPERLINK(\"http://evil.example/\",\"report\")",
                                      "'+SUM(1,2)", "'-2+3+cmd|' /C calc'!A0",
                                      "'@SUM(1+1)*cmd|' /C calc'!A0"};
  struct th_server s;
  struct th_response r;
  json_t *rows = NULL, *row;
  char why[128], body[256];
  size_t bad = 0, i, found[4] = {0, 0, 0, 0};
  bool code_found = false;

  th_start(&s, true, NULL);
  for (i = 0; i < 4; i++) {
    char token[160];

    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"role\":\"admin\"}", names[i]);
    th_req(&s, "POST", "/api/v1/tokens", body, s.admin, NULL, 201, &r);
    snprintf(token, sizeof(token), "%s", th_jstr(r.json, "token"));
    th_response_free(&r);
    /* a write by it: its name starts the actor_name cell */
    snprintf(body, sizeof(body), "{\"status\":\"%s\"}", i % 2 ? "G" : "A");
    th_expect_status(&s, "PUT", "/api/v1/milestones/1/updates/" Q2, body, token, NULL,
                     i == 0 ? 201 : 200);
  }
  /* an item code starts the code cell */
  th_expect_status(&s, "PATCH", "/api/v1/milestones/2", "{\"code\":\"=1+2\"}", s.admin, NULL, 200);
  th_req(&s, "GET", "/api/v1/audit?format=csv&limit=500", NULL, s.admin, NULL, 200, &r);
  ck_assert_int_eq(csv_parse(r.body, r.len, &rows, why, sizeof(why), &bad), RB_OK);
  json_array_foreach(rows, i, row)
  {
    const char *name = json_string_value(json_array_get(json_object_get(row, "fields"), 3));
    const char *code = json_string_value(json_array_get(json_object_get(row, "fields"), 9));

    if (i == 0)
      continue;
    for (size_t k = 0; k < 4; k++)
      found[k] += strcmp(name, cells[k]) == 0;
    code_found = code_found || strcmp(code, "'=1+2") == 0;
    /* no cell of any row starts a formula */
    for (size_t k = 0; k < json_array_size(json_object_get(row, "fields")); k++) {
      const char *cell = json_string_value(json_array_get(json_object_get(row, "fields"), k));

      ck_assert_msg(strchr("=+@\t\r", cell[0]) == NULL || cell[0] == '\0', "row %zu cell %zu: %s",
                    i, k, cell);
      ck_assert_msg(cell[0] != '-', "row %zu cell %zu: %s", i, k, cell);
    }
  }
  for (size_t k = 0; k < 4; k++)
    ck_assert_msg(found[k] == 1, "%s: not neutralised once (%zu)", cells[k], found[k]);
  ck_assert_msg(code_found, "the code =1+2 is not neutralised");
  json_decref(rows);
  th_response_free(&r);
  th_stop(&s);
}
END_TEST

static Suite *
audit_suite(void)
{
  Suite *s = suite_create("audit");
  TCase *tc = tcase_create("trail");

  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, stored_types_and_bytes);
  tcase_add_test(tc, forged_entries_do_not_verify);
  tcase_add_test(tc, triggers_and_key_file_watched);
  tcase_add_test(tc, state_matches_the_trail);
  tcase_add_test(tc, state_checks_titles);
  tcase_add_test(tc, state_rows_and_items);
  tcase_add_test(tc, csv_cells_neutralised);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  return th_run(audit_suite());
}
