/* Storage tests: migrations, connection settings, CRUD of the reference
 * data, the data version, the importer and the summary loader, each on a
 * fresh database (in memory unless the test needs a file). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include <sys/stat.h>

#include "audit_key.h"
#include "db.h"
#include "harness.h"
#include "import.h"
#include "rag.h"
#include "store.h"
#include "summary.h"
#include "util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define NOW1 "2024-01-01T00:00:00.000Z"
#define NOW2 "2024-02-02T00:00:00.000Z"
#define NOW3 "2024-03-03T00:00:00.000Z"
#define YEAR "2018-19"

/* ---- helpers ---------------------------------------------------------------- */

static const struct db_options mem_opt = {
  .synchronous_full = false, .busy_timeout_ms = 2000, .readonly = false, .create = true};

static struct store *
mem_store(void)
{
  struct store *st = NULL;

  ck_assert_int_eq(store_open(":memory:", &mem_opt, true, &st), RB_OK);
  ck_assert_ptr_nonnull(st);
  return st;
}

static json_t *
J(const char *text)
{
  json_error_t err;
  json_t *v = json_loads(text, JSON_REJECT_DUPLICATES, &err);

  ck_assert_msg(v != NULL, "bad test JSON %s: %s", text, err.text);
  return v;
}

static void
begin(struct store *st)
{
  ck_assert_int_eq(store_begin(st, true), RB_OK);
}

static void
commit(struct store *st)
{
  ck_assert_int_eq(store_commit(st), RB_OK);
}

/* Assert two JSON values are equal, naming the first place they differ. */
static void
expect_same(json_t *a, json_t *b, const char *where)
{
  if (json_equal(a, b))
    return;
  if (json_is_object(a) && json_is_object(b)) {
    const char *key;
    json_t *v;
    char sub[512];

    json_object_foreach(a, key, v)
    {
      snprintf(sub, sizeof(sub), "%s.%s", where, key);
      expect_same(v, json_object_get(b, key), sub);
    }
    json_object_foreach(b, key, v)
    {
      snprintf(sub, sizeof(sub), "%s.%s", where, key);
      ck_assert_msg(json_object_get(a, key) != NULL, "%s: only in the second", sub);
    }
  } else if (json_is_array(a) && json_is_array(b) && json_array_size(a) == json_array_size(b)) {
    char sub[512];

    for (size_t i = 0; i < json_array_size(a); i++) {
      snprintf(sub, sizeof(sub), "%s[%zu]", where, i);
      expect_same(json_array_get(a, i), json_array_get(b, i), sub);
    }
  }
  {
    char *x = a ? json_dumps(a, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    char *y = b ? json_dumps(b, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;

    ck_abort_msg("%s differs: %.300s vs %.300s", where, x ? x : "(absent)", y ? y : "(absent)");
    free(x);
    free(y);
  }
}

typedef enum rb_err (*filtered_list)(struct store *, const struct store_filter *,
                                     const struct store_page *, json_t **, char **);
typedef enum rb_err (*plain_list)(struct store *, const struct store_page *, json_t **, char **);

/* Every item of a list, walking pages of `limit`; *pages counts them. */
static json_t *
walk(struct store *st, filtered_list fl, plain_list pl, const struct store_filter *f, int limit,
     int *pages)
{
  json_t *all = json_array();
  char *after = NULL;
  int n = 0;

  for (;;) {
    struct store_page pg = {.limit = limit, .after = after};
    json_t *items = NULL;
    char *next = NULL;
    enum rb_err err = fl != NULL ? fl(st, f, &pg, &items, &next) : pl(st, &pg, &items, &next);

    ck_assert_int_eq(err, RB_OK);
    ck_assert_ptr_nonnull(items);
    ck_assert_uint_le(json_array_size(items), (size_t)limit);
    n++;
    json_array_extend(all, items);
    if (next != NULL)
      ck_assert_uint_eq(json_array_size(items), (size_t)limit);
    json_decref(items);
    free(after);
    after = next;
    if (next == NULL)
      break;
    ck_assert_int_lt(n, 10000);
  }
  if (pages != NULL)
    *pages = n;
  return all;
}

static json_t *
all_of(struct store *st, filtered_list fl, const struct store_filter *f)
{
  return walk(st, fl, NULL, f, 500, NULL);
}

static size_t
count_of(struct store *st, filtered_list fl, const struct store_filter *f)
{
  json_t *a = all_of(st, fl, f);
  size_t n = json_array_size(a);

  json_decref(a);
  return n;
}

/* The codes (or another string member) of a list, space separated. */
static void
column(json_t *items, const char *member, char *buf, size_t cap)
{
  size_t i, used = 0;
  json_t *it;

  buf[0] = '\0';
  json_array_foreach(items, i, it)
  {
    json_t *v = json_object_get(it, member);

    if (json_is_integer(v))
      used += (size_t)snprintf(buf + used, cap - used, "%s%lld", i ? " " : "",
                               (long long)json_integer_value(v));
    else
      used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? " " : "",
                               json_string_value(v) ? json_string_value(v) : "null");
    ck_assert_uint_lt(used, cap);
  }
}

static int64_t
id_of(json_t *row)
{
  json_t *v = json_object_get(row, "id");

  ck_assert_msg(json_is_integer(v), "row has no id");
  return json_integer_value(v);
}

static bool
has_error(json_t *errors, const char *field)
{
  size_t i;
  json_t *e;

  json_array_foreach(errors, i, e)
  {
    const char *f = json_string_value(json_object_get(e, "field"));

    if (f != NULL && strcmp(f, field) == 0)
      return true;
  }
  return false;
}

static int64_t
data_version(struct store *st)
{
  int64_t v = -1;

  ck_assert_int_eq(store_data_version(st, &v), RB_OK);
  return v;
}

/* Everything stored, as JSON: every list plus every update and reading. */
static json_t *
snapshot(struct store *st)
{
  struct store_filter any = {0};
  json_t *snap = json_object(), *ms, *ks, *quarters = NULL, *it;
  size_t i;

  json_object_set_new(snap, "organisations", walk(st, NULL, store_org_list, NULL, 500, NULL));
  json_object_set_new(snap, "groups", walk(st, NULL, store_group_list, NULL, 500, NULL));
  json_object_set_new(snap, "priorities", all_of(st, store_priority_list, &any));
  ms = all_of(st, store_milestone_list, &any);
  ks = all_of(st, store_kpi_list, &any);
  json_array_foreach(ms, i, it)
  {
    json_t *u = NULL;

    ck_assert_int_eq(store_update_list(st, id_of(it), &u), RB_OK);
    json_object_set_new(it, "updates", u);
  }
  json_array_foreach(ks, i, it)
  {
    json_t *r = NULL;

    ck_assert_int_eq(store_reading_list(st, id_of(it), &r), RB_OK);
    json_object_set_new(it, "readings", r);
  }
  json_object_set_new(snap, "milestones", ms);
  json_object_set_new(snap, "kpis", ks);
  ck_assert_int_eq(store_quarter_list(st, &quarters), RB_OK);
  json_object_set_new(snap, "quarters", quarters);
  return snap;
}

static json_t *
load_demo(void)
{
  json_error_t jerr;
  json_t *doc = json_load_file(th_demo_path(), JSON_REJECT_DUPLICATES, &jerr);

  ck_assert_msg(doc != NULL, "cannot read %s: %s", th_demo_path(), jerr.text);
  return doc;
}

/* Import doc in its own transaction and commit; the answer's counts. */
static json_t *
import_ok(struct store *st, json_t *doc, const char *now)
{
  json_t *errors = json_array(), *counts = NULL;
  enum rb_err err;

  begin(st);
  err = import_dataset(st, doc, now, "test", NULL, errors, &counts);
  if (err != RB_OK) {
    char *e = json_dumps(errors, JSON_COMPACT);

    ck_abort_msg("import failed (%d): %.1000s", err, e);
    free(e);
  }
  ck_assert_uint_eq(json_array_size(errors), 0);
  commit(st);
  json_decref(errors);
  ck_assert_ptr_nonnull(counts);
  return counts;
}

static struct store *
demo_store(void)
{
  struct store *st = mem_store();
  json_t *doc = load_demo();

  json_decref(import_ok(st, doc, NOW1));
  json_decref(doc);
  return st;
}

/* A small reference set: organisations ORG1, ORG2; groups CYP, MHLD;
 * priorities 2018-19 CYP 1 and 2, MHLD 1. */
static void
seed(struct store *st)
{
  static const char *const rows[] = {
    "{\"code\": \"ORG1\", \"name\": \"Org one\"}",
    "{\"code\": \"ORG2\", \"name\": \"Org two\"}",
  };
  static const char *const groups[] = {
    "{\"code\": \"CYP\", \"name\": \"Children\", \"chairs\": [\"A\", \"B\"]}",
    "{\"code\": \"MHLD\", \"name\": \"Mental health\"}",
  };
  static const char *const prios[] = {
    "{\"year\": \"2018-19\", \"group\": \"CYP\", \"number\": 1, \"title\": \"CYP one\"}",
    "{\"year\": \"2018-19\", \"group\": \"CYP\", \"number\": 2, \"title\": \"CYP two\"}",
    "{\"year\": \"2018-19\", \"group\": \"MHLD\", \"number\": 1, \"title\": \"MHLD one\"}",
  };

  begin(st);
  for (size_t i = 0; i < N(rows); i++) {
    json_t *in = J(rows[i]), *out = NULL;

    ck_assert_int_eq(store_org_insert(st, in, NOW1, &out), RB_OK);
    json_decref(in);
    json_decref(out);
  }
  for (size_t i = 0; i < N(groups); i++) {
    json_t *in = J(groups[i]), *out = NULL;

    ck_assert_int_eq(store_group_insert(st, in, NOW1, &out), RB_OK);
    json_decref(in);
    json_decref(out);
  }
  for (size_t i = 0; i < N(prios); i++) {
    json_t *in = J(prios[i]), *out = NULL;

    ck_assert_int_eq(store_priority_insert(st, in, NOW1, &out), RB_OK);
    json_decref(in);
    json_decref(out);
  }
  commit(st);
}

static int64_t
add_milestone(struct store *st, const char *json)
{
  json_t *in = J(json), *out = NULL;
  int64_t id;

  ck_assert_int_eq(store_milestone_insert(st, in, NOW1, &out), RB_OK);
  id = id_of(out);
  json_decref(in);
  json_decref(out);
  return id;
}

static int64_t
add_kpi(struct store *st, const char *json)
{
  json_t *in = J(json), *out = NULL;
  int64_t id;

  ck_assert_int_eq(store_kpi_insert(st, in, NOW1, &out), RB_OK);
  id = id_of(out);
  json_decref(in);
  json_decref(out);
  return id;
}

/* ---- migrations and connection settings ------------------------------------ */

START_TEST(test_migrations_table)
{
  ck_assert_int_ge(db_migration_count, 2);
  for (int i = 0; i < db_migration_count; i++) {
    ck_assert_int_eq(db_migrations[i].version, i + 1);
    ck_assert_ptr_nonnull(db_migrations[i].name);
    ck_assert_ptr_nonnull(db_migrations[i].sql);
    ck_assert_uint_gt(strlen(db_migrations[i].sql), 0);
  }
  ck_assert_str_eq(db_migrations[0].name, "0001_init.sql");
}
END_TEST

START_TEST(test_migrate)
{
  sqlite3 *db = NULL;
  const char *why = NULL;
  int version = -1, applied = -1;
  char sql[160];

  ck_assert_int_eq(db_open(":memory:", &mem_opt, &db), RB_OK);
  ck_assert_int_eq(db_schema_version(db, &version), RB_OK);
  ck_assert_int_eq(version, 0);
  /* fresh: pending migrations */
  ck_assert_int_eq(db_check_schema(db, &why), RB_ERR_SCHEMA);
  ck_assert_ptr_nonnull(why);
  ck_assert_ptr_nonnull(strstr(why, "migrat"));

  ck_assert_int_eq(db_migrate(db, &applied), RB_OK);
  ck_assert_int_eq(applied, db_migration_count);
  ck_assert_int_eq(db_schema_version(db, &version), RB_OK);
  ck_assert_int_eq(version, db_migration_count);
  why = NULL;
  ck_assert_int_eq(db_check_schema(db, &why), RB_OK);
  /* again: nothing to do */
  applied = -1;
  ck_assert_int_eq(db_migrate(db, &applied), RB_OK);
  ck_assert_int_eq(applied, 0);
  ck_assert_int_eq(db_migrate(db, NULL), RB_OK);
  ck_assert_int_eq(db_schema_version(db, &version), RB_OK);
  ck_assert_int_eq(version, db_migration_count);

  /* a database from a newer binary is refused */
  snprintf(sql, sizeof(sql),
           "INSERT INTO schema_migrations (version, name, applied_at)"
           " VALUES (%d, '9999_future.sql', 'x')",
           db_migration_count + 1);
  ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  ck_assert_int_eq(db_schema_version(db, &version), RB_OK);
  ck_assert_int_eq(version, db_migration_count + 1);
  ck_assert_int_eq(db_migrate(db, &applied), RB_ERR_SCHEMA);
  why = NULL;
  ck_assert_int_eq(db_check_schema(db, &why), RB_ERR_SCHEMA);
  ck_assert_ptr_nonnull(why);
  ck_assert_ptr_nonnull(strstr(why, "newer"));
  sqlite3_close_v2(db);
}
END_TEST

START_TEST(test_store_open_unmigrated)
{
  struct store *st = NULL;
  const char *why = NULL;

  /* without migrate, a fresh database is refused */
  ck_assert_int_eq(store_open(":memory:", &mem_opt, false, &st), RB_ERR_SCHEMA);
  ck_assert_ptr_null(st);
  st = mem_store();
  ck_assert_int_eq(store_ready(st, &why), RB_OK);
  store_close(st);
  store_close(NULL);
}
END_TEST

struct tmpdb {
  char dir[64];
  char path[128];
};

static void
tmpdb_make(struct tmpdb *t)
{
  snprintf(t->dir, sizeof(t->dir), "/tmp/ragboard-store-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(t->dir));
  snprintf(t->path, sizeof(t->path), "%s/test.db", t->dir);
}

static void
tmpdb_remove(struct tmpdb *t)
{
  static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
  char p[160];

  for (size_t i = 0; i < N(suffixes); i++) {
    snprintf(p, sizeof(p), "%s%s", t->path, suffixes[i]);
    unlink(p);
  }
  rmdir(t->dir);
}

static void
pragma_text(sqlite3 *db, const char *sql, char *out, size_t cap)
{
  sqlite3_stmt *s = NULL;

  ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
  snprintf(out, cap, "%s", (const char *)sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
}

static int
pragma_int(sqlite3 *db, const char *sql)
{
  sqlite3_stmt *s = NULL;
  int v;

  ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
  v = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  return v;
}

START_TEST(test_pragmas)
{
  struct db_options full = {.synchronous_full = true, .busy_timeout_ms = 1000, .create = true};
  struct db_options normal = {.synchronous_full = false, .busy_timeout_ms = 1000, .create = false};
  struct tmpdb t;
  sqlite3 *db = NULL, *other = NULL;
  char buf[32];

  tmpdb_make(&t);
  ck_assert_int_eq(db_open(t.path, &full, &db), RB_OK);
  pragma_text(db, "PRAGMA journal_mode", buf, sizeof(buf));
  ck_assert_str_eq(buf, "wal");
  ck_assert_int_eq(pragma_int(db, "PRAGMA foreign_keys"), 1);
  ck_assert_int_eq(pragma_int(db, "PRAGMA synchronous"), 2); /* FULL */
  ck_assert_int_eq(db_migrate(db, NULL), RB_OK);

  /* WAL is a property of the file: a plain connection sees it */
  ck_assert_int_eq(sqlite3_open(t.path, &other), SQLITE_OK);
  pragma_text(other, "PRAGMA journal_mode", buf, sizeof(buf));
  ck_assert_str_eq(buf, "wal");
  sqlite3_close(other);
  sqlite3_close_v2(db);

  /* synchronous NORMAL unless asked for FULL */
  db = NULL;
  ck_assert_int_eq(db_open(t.path, &normal, &db), RB_OK);
  ck_assert_int_eq(pragma_int(db, "PRAGMA synchronous"), 1);
  ck_assert_int_eq(pragma_int(db, "PRAGMA foreign_keys"), 1);
  sqlite3_close_v2(db);

  /* in memory: no WAL, still foreign keys */
  db = NULL;
  ck_assert_int_eq(db_open(":memory:", &full, &db), RB_OK);
  pragma_text(db, "PRAGMA journal_mode", buf, sizeof(buf));
  ck_assert_str_eq(buf, "memory");
  ck_assert_int_eq(pragma_int(db, "PRAGMA foreign_keys"), 1);
  sqlite3_close_v2(db);

  /* a missing file without create is not created */
  tmpdb_remove(&t);
  tmpdb_make(&t);
  db = NULL;
  ck_assert_int_ne(db_open(t.path, &normal, &db), RB_OK);
  ck_assert_ptr_null(db);
  ck_assert_int_ne(access(t.path, F_OK), 0);
  tmpdb_remove(&t);
}
END_TEST

START_TEST(test_file_schema_newer)
{
  struct db_options opt = {.busy_timeout_ms = 1000, .create = true};
  struct tmpdb t;
  struct store *st = NULL;
  sqlite3 *db = NULL;
  char sql[160];

  tmpdb_make(&t);
  ck_assert_int_eq(store_open(t.path, &opt, true, &st), RB_OK);
  store_close(st);
  /* reopening a migrated file without migrate works */
  st = NULL;
  ck_assert_int_eq(store_open(t.path, &opt, false, &st), RB_OK);
  store_close(st);

  ck_assert_int_eq(sqlite3_open(t.path, &db), SQLITE_OK);
  snprintf(sql, sizeof(sql),
           "INSERT INTO schema_migrations (version, name, applied_at) VALUES (%d, 'f', 'x')",
           db_migration_count + 1);
  ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);

  st = NULL;
  ck_assert_int_eq(store_open(t.path, &opt, false, &st), RB_ERR_SCHEMA);
  ck_assert_int_eq(store_open(t.path, &opt, true, &st), RB_ERR_SCHEMA);
  ck_assert_ptr_null(st);
  tmpdb_remove(&t);
}
END_TEST

/* ---- CRUD -------------------------------------------------------------------- */

START_TEST(test_org_crud)
{
  struct store *st = mem_store();
  json_t *in = J("{\"code\": \"ORG1\", \"name\": \"Org one\"}"), *out = NULL, *got = NULL;
  json_t *ren = J("{\"name\": \"Renamed\"}");
  int64_t id = 0;

  begin(st);
  ck_assert_int_eq(store_org_insert(st, in, NOW1, &out), RB_OK);
  th_expect_str(out, "code", "ORG1");
  th_expect_str(out, "name", "Org one");
  th_expect_str(out, "created_at", NOW1);
  th_expect_str(out, "updated_at", NOW1);
  ck_assert_int_gt(id_of(out), 0);
  /* duplicate code */
  ck_assert_int_eq(store_org_insert(st, in, NOW2, &got), RB_ERR_CONFLICT);
  commit(st);

  ck_assert_int_eq(store_org_get(st, "ORG1", &got), RB_OK);
  ck_assert(json_equal(got, out));
  json_decref(got);
  ck_assert_int_eq(store_org_get(st, "NOPE", &got), RB_ERR_NOT_FOUND);
  ck_assert_int_eq(store_org_id(st, "ORG1", &id), RB_OK);
  ck_assert_int_eq(id, id_of(out));
  ck_assert_int_eq(store_org_id(st, "NOPE", &id), RB_ERR_NOT_FOUND);

  begin(st);
  ck_assert_int_eq(store_org_update(st, "ORG1", ren, NOW2, &got), RB_OK);
  th_expect_str(got, "name", "Renamed");
  th_expect_str(got, "created_at", NOW1);
  th_expect_str(got, "updated_at", NOW2);
  json_decref(got);
  /* an identical update leaves updated_at alone */
  ck_assert_int_eq(store_org_update(st, "ORG1", ren, NOW3, &got), RB_OK);
  th_expect_str(got, "updated_at", NOW2);
  json_decref(got);
  ck_assert_int_eq(store_org_update(st, "NOPE", ren, NOW3, &got), RB_ERR_NOT_FOUND);
  /* upsert: identical untouched, different updated */
  {
    json_t *same = J("{\"code\": \"ORG1\", \"name\": \"Renamed\"}");

    ck_assert_int_eq(store_org_upsert(st, same, NOW3), RB_OK);
    json_decref(same);
  }
  ck_assert_int_eq(store_org_get(st, "ORG1", &got), RB_OK);
  th_expect_str(got, "updated_at", NOW2);
  json_decref(got);
  ck_assert_int_eq(store_org_upsert(st, in, NOW3), RB_OK);
  commit(st);
  ck_assert_int_eq(store_org_get(st, "ORG1", &got), RB_OK);
  th_expect_str(got, "name", "Org one");
  th_expect_str(got, "updated_at", NOW3);
  ck_assert_int_eq(id_of(got), id_of(out));
  json_decref(got);

  begin(st);
  ck_assert_int_eq(store_org_delete(st, "NOPE"), RB_ERR_NOT_FOUND);
  ck_assert_int_eq(store_org_delete(st, "ORG1"), RB_OK);
  ck_assert_int_eq(store_org_delete(st, "ORG1"), RB_ERR_NOT_FOUND);
  commit(st);
  ck_assert_int_eq(store_org_get(st, "ORG1", &got), RB_ERR_NOT_FOUND);
  json_decref(in);
  json_decref(ren);
  json_decref(out);
  store_close(st);
}
END_TEST

START_TEST(test_org_list_pages)
{
  static const char *const codes[] = {"E5", "A1", "C3", "B2", "D4"};
  struct store *st = mem_store();
  json_t *all, *items = NULL;
  struct store_page pg = {.limit = 2, .after = NULL};
  char *next = NULL;
  char buf[256];
  int pages = 0;

  begin(st);
  for (size_t i = 0; i < N(codes); i++) {
    json_t *in = json_pack("{s:s, s:s}", "code", codes[i], "name", "x"), *out = NULL;

    ck_assert_int_eq(store_org_insert(st, in, NOW1, &out), RB_OK);
    json_decref(in);
    json_decref(out);
  }
  commit(st);
  /* first page: two items, next is the last code returned */
  ck_assert_int_eq(store_org_list(st, &pg, &items, &next), RB_OK);
  column(items, "code", buf, sizeof(buf));
  ck_assert_str_eq(buf, "A1 B2");
  ck_assert_ptr_nonnull(next);
  ck_assert_str_eq(next, "B2");
  json_decref(items);
  free(next);
  /* walking every page */
  all = walk(st, NULL, store_org_list, NULL, 2, &pages);
  column(all, "code", buf, sizeof(buf));
  ck_assert_str_eq(buf, "A1 B2 C3 D4 E5");
  ck_assert_int_eq(pages, 3);
  json_decref(all);
  /* a page exactly filled has no next */
  all = walk(st, NULL, store_org_list, NULL, 5, &pages);
  ck_assert_int_eq(pages, 1);
  ck_assert_uint_eq(json_array_size(all), 5);
  json_decref(all);
  pg.limit = 10;
  pg.after = "C3";
  ck_assert_int_eq(store_org_list(st, &pg, &items, &next), RB_OK);
  column(items, "code", buf, sizeof(buf));
  ck_assert_str_eq(buf, "D4 E5");
  ck_assert_ptr_null(next);
  json_decref(items);
  store_close(st);
}
END_TEST

START_TEST(test_group_crud)
{
  struct store *st = mem_store();
  json_t *in = J("{\"code\": \"CYP\", \"name\": \"Children\", \"chairs\": [\"A\", \"B\"]}");
  json_t *out = NULL, *got = NULL, *upd, *all;
  int64_t id = 0;
  char buf[128];

  begin(st);
  ck_assert_int_eq(store_group_insert(st, in, NOW1, &out), RB_OK);
  th_expect_str(out, "code", "CYP");
  th_expect_str(out, "name", "Children");
  ck_assert_uint_eq(json_array_size(th_jget(out, "chairs")), 2);
  th_expect_str(out, "chairs[1]", "B");
  th_expect_str(out, "created_at", NOW1);
  ck_assert_int_eq(store_group_insert(st, in, NOW1, &got), RB_ERR_CONFLICT);
  json_decref(in);
  /* chairs default to an empty list */
  in = J("{\"code\": \"MHLD\", \"name\": \"Mental health\"}");
  ck_assert_int_eq(store_group_insert(st, in, NOW1, &got), RB_OK);
  ck_assert(json_is_array(th_jget(got, "chairs")));
  ck_assert_uint_eq(json_array_size(th_jget(got, "chairs")), 0);
  json_decref(got);
  commit(st);

  ck_assert_int_eq(store_group_get(st, "CYP", &got), RB_OK);
  ck_assert(json_equal(got, out));
  json_decref(got);
  ck_assert_int_eq(store_group_get(st, "UCC", &got), RB_ERR_NOT_FOUND);
  ck_assert_int_eq(store_group_id(st, "CYP", &id), RB_OK);
  ck_assert_int_eq(id, id_of(out));
  ck_assert_int_eq(store_group_id(st, "UCC", &id), RB_ERR_NOT_FOUND);

  begin(st);
  upd = J("{\"name\": \"Children and Young People\", \"chairs\": [\"C\"]}");
  ck_assert_int_eq(store_group_update(st, "CYP", upd, NOW2, &got), RB_OK);
  th_expect_str(got, "name", "Children and Young People");
  ck_assert_uint_eq(json_array_size(th_jget(got, "chairs")), 1);
  th_expect_str(got, "updated_at", NOW2);
  json_decref(got);
  ck_assert_int_eq(store_group_update(st, "CYP", upd, NOW3, &got), RB_OK);
  th_expect_str(got, "updated_at", NOW2);
  json_decref(got);
  ck_assert_int_eq(store_group_update(st, "UCC", upd, NOW3, &got), RB_ERR_NOT_FOUND);
  json_decref(upd);
  commit(st);

  all = walk(st, NULL, store_group_list, NULL, 1, NULL);
  column(all, "code", buf, sizeof(buf));
  ck_assert_str_eq(buf, "CYP MHLD");
  json_decref(all);

  /* a group with priorities cannot go */
  begin(st);
  upd = J("{\"year\": \"2018-19\", \"group\": \"CYP\", \"number\": 1, \"title\": \"t\"}");
  ck_assert_int_eq(store_priority_insert(st, upd, NOW1, &got), RB_OK);
  json_decref(upd);
  json_decref(got);
  ck_assert_int_eq(store_group_delete(st, "CYP"), RB_ERR_CONFLICT);
  ck_assert_int_eq(store_group_delete(st, "UCC"), RB_ERR_NOT_FOUND);
  ck_assert_int_eq(store_group_delete(st, "MHLD"), RB_OK);
  commit(st);
  ck_assert_int_eq(store_group_get(st, "CYP", &got), RB_OK);
  json_decref(got);
  ck_assert_int_eq(store_group_get(st, "MHLD", &got), RB_ERR_NOT_FOUND);
  json_decref(in);
  json_decref(out);
  store_close(st);
}
END_TEST

START_TEST(test_priority_crud)
{
  struct store *st = mem_store();
  struct store_filter f = {0};
  json_t *in, *out = NULL, *got = NULL, *all;
  int64_t id = 0, cyp1;
  char buf[256];
  int pages = 0;

  seed(st);
  ck_assert_int_eq(store_priority_find(st, YEAR, "CYP", 1, &cyp1), RB_OK);
  ck_assert_int_eq(store_priority_get(st, cyp1, &got), RB_OK);
  th_expect_str(got, "year", YEAR);
  th_expect_str(got, "group", "CYP");
  th_expect_int(got, "number", 1);
  th_expect_str(got, "title", "CYP one");
  th_expect_null(got, "long_title");
  th_expect_str(got, "created_at", NOW1);
  json_decref(got);
  ck_assert_int_eq(store_priority_find(st, YEAR, "CYP", 9, &id), RB_ERR_NOT_FOUND);
  ck_assert_int_eq(store_priority_find(st, "2019-20", "CYP", 1, &id), RB_ERR_NOT_FOUND);
  ck_assert_int_eq(store_priority_get(st, 999999, &got), RB_ERR_NOT_FOUND);

  begin(st);
  /* (year, group, number) is unique */
  in = J("{\"year\": \"2018-19\", \"group\": \"CYP\", \"number\": 1, \"title\": \"again\"}");
  ck_assert_int_eq(store_priority_insert(st, in, NOW1, &got), RB_ERR_CONFLICT);
  json_decref(in);
  /* the same number in another year is another priority */
  in = J("{\"year\": \"2019-20\", \"group\": \"CYP\", \"number\": 1, \"title\": \"next\","
         " \"long_title\": \"Next year\"}");
  ck_assert_int_eq(store_priority_insert(st, in, NOW1, &out), RB_OK);
  th_expect_str(out, "long_title", "Next year");
  json_decref(in);
  /* an unknown group is refused by the schema */
  in = J("{\"year\": \"2018-19\", \"group\": \"NOPE\", \"number\": 1, \"title\": \"x\"}");
  ck_assert_int_eq(store_priority_insert(st, in, NOW1, &got), RB_ERR_CONFLICT);
  json_decref(in);
  commit(st);

  begin(st);
  in = J("{\"title\": \"CYP first\", \"long_title\": \"Long\"}");
  ck_assert_int_eq(store_priority_update(st, cyp1, in, NOW2, &got), RB_OK);
  th_expect_str(got, "title", "CYP first");
  th_expect_str(got, "long_title", "Long");
  th_expect_str(got, "updated_at", NOW2);
  th_expect_str(got, "created_at", NOW1);
  json_decref(got);
  ck_assert_int_eq(store_priority_update(st, cyp1, in, NOW3, &got), RB_OK);
  th_expect_str(got, "updated_at", NOW2);
  json_decref(got);
  ck_assert_int_eq(store_priority_update(st, 999999, in, NOW3, &got), RB_ERR_NOT_FOUND);
  json_decref(in);
  commit(st);

  /* filters */
  all = all_of(st, store_priority_list, &f);
  ck_assert_uint_eq(json_array_size(all), 4);
  json_decref(all);
  f.year = YEAR;
  all = all_of(st, store_priority_list, &f);
  column(all, "title", buf, sizeof(buf));
  ck_assert_str_eq(buf, "CYP first CYP two MHLD one");
  json_decref(all);
  f.group = "CYP";
  ck_assert_uint_eq(count_of(st, store_priority_list, &f), 2);
  f.has_priority = true;
  f.priority = 2;
  all = all_of(st, store_priority_list, &f);
  column(all, "title", buf, sizeof(buf));
  ck_assert_str_eq(buf, "CYP two");
  json_decref(all);
  f = (struct store_filter){.group = "MHLD"};
  ck_assert_uint_eq(count_of(st, store_priority_list, &f), 1);
  f = (struct store_filter){.has_priority = true, .priority = 1};
  ck_assert_uint_eq(count_of(st, store_priority_list, &f), 3);
  f = (struct store_filter){.year = "2017-18"};
  ck_assert_uint_eq(count_of(st, store_priority_list, &f), 0);
  /* pages of one, keyed by id */
  f = (struct store_filter){0};
  all = walk(st, store_priority_list, NULL, &f, 1, &pages);
  ck_assert_int_eq(pages, 4);
  column(all, "title", buf, sizeof(buf));
  ck_assert_str_eq(buf, "CYP first CYP two MHLD one next");
  json_decref(all);

  /* deleting: referenced by a milestone or a KPI link, missing, free */
  begin(st);
  add_milestone(st, "{\"year\": \"2018-19\", \"code\": \"M1\", \"group\": \"CYP\", \"priority\": 1,"
                    " \"description\": \"d\"}");
  add_kpi(st, "{\"year\": \"2018-19\", \"code\": \"K1\", \"group\": \"CYP\", \"priorities\": [2],"
              " \"description\": \"k\"}");
  ck_assert_int_eq(store_priority_delete(st, cyp1), RB_ERR_CONFLICT);
  ck_assert_int_eq(store_priority_find(st, YEAR, "CYP", 2, &id), RB_OK);
  ck_assert_int_eq(store_priority_delete(st, id), RB_ERR_CONFLICT);
  ck_assert_int_eq(store_priority_delete(st, 999999), RB_ERR_NOT_FOUND);
  ck_assert_int_eq(store_priority_delete(st, id_of(out)), RB_OK);
  ck_assert_int_eq(store_priority_delete(st, id_of(out)), RB_ERR_NOT_FOUND);
  commit(st);
  ck_assert_int_eq(store_priority_get(st, cyp1, &got), RB_OK);
  json_decref(got);
  ck_assert_int_eq(store_priority_get(st, id_of(out), &got), RB_ERR_NOT_FOUND);
  json_decref(out);
  store_close(st);
}
END_TEST

START_TEST(test_milestone_crud)
{
  struct store *st = mem_store();
  struct store_filter f = {0};
  json_t *in, *out = NULL, *got = NULL, *all;
  int64_t id, m2, found = 0;
  char buf[256];

  seed(st);
  begin(st);
  in = J("{\"year\": \"2018-19\", \"code\": \"CH1.1\", \"group\": \"CYP\", \"priority\": 1,"
         " \"description\": \"Review the pathway\", \"target_quarter\": \"2018-19-Q4\","
         " \"target_text\": \"Q4 18/19\", \"owner\": \"ORG1\"}");
  ck_assert_int_eq(store_milestone_insert(st, in, NOW1, &out), RB_OK);
  id = id_of(out);
  th_expect_str(out, "year", YEAR);
  th_expect_str(out, "code", "CH1.1");
  th_expect_str(out, "group", "CYP");
  th_expect_int(out, "priority", 1);
  th_expect_str(out, "description", "Review the pathway");
  th_expect_str(out, "target_quarter", "2018-19-Q4");
  th_expect_str(out, "target_text", "Q4 18/19");
  th_expect_str(out, "owner", "ORG1");
  th_expect_str(out, "created_at", NOW1);
  th_expect_str(out, "updated_at", NOW1);
  /* (year, code) is unique */
  ck_assert_int_eq(store_milestone_insert(st, in, NOW1, &got), RB_ERR_CONFLICT);
  json_decref(in);
  /* the priority must exist in the group and year (foreign keys are on) */
  in = J("{\"year\": \"2018-19\", \"code\": \"X\", \"group\": \"CYP\", \"priority\": 9,"
         " \"description\": \"d\"}");
  ck_assert_int_eq(store_milestone_insert(st, in, NOW1, &got), RB_ERR_CONFLICT);
  json_decref(in);
  in = J("{\"year\": \"2018-19\", \"code\": \"X\", \"group\": \"MHLD\", \"priority\": 2,"
         " \"description\": \"d\"}");
  ck_assert_int_eq(store_milestone_insert(st, in, NOW1, &got), RB_ERR_CONFLICT);
  json_decref(in);
  m2 = add_milestone(st, "{\"year\": \"2018-19\", \"code\": \"MH1.1\", \"group\": \"MHLD\","
                         " \"priority\": 1, \"description\": \"d\", \"owner\": \"ORG2\"}");
  add_milestone(st, "{\"year\": \"2018-19\", \"code\": \"CH2.1\", \"group\": \"CYP\","
                    " \"priority\": 2, \"description\": \"d\", \"owner\": \"ORG1\"}");
  commit(st);

  ck_assert_int_eq(store_milestone_get(st, id, &got), RB_OK);
  ck_assert(json_equal(got, out));
  json_decref(got);
  ck_assert_int_eq(store_milestone_get(st, 999999, &got), RB_ERR_NOT_FOUND);
  ck_assert_int_eq(store_milestone_find(st, YEAR, "CH1.1", &found), RB_OK);
  ck_assert_int_eq(found, id);
  ck_assert_int_eq(store_milestone_find(st, "2019-20", "CH1.1", &found), RB_ERR_NOT_FOUND);

  begin(st);
  in = J("{\"year\": \"2018-19\", \"code\": \"CH1.1\", \"group\": \"CYP\", \"priority\": 2,"
         " \"description\": \"Reviewed\", \"target_quarter\": null, \"owner\": null}");
  ck_assert_int_eq(store_milestone_update(st, id, in, NOW2, &got), RB_OK);
  th_expect_int(got, "priority", 2);
  th_expect_str(got, "description", "Reviewed");
  th_expect_null(got, "target_quarter");
  th_expect_null(got, "target_text");
  th_expect_null(got, "owner");
  th_expect_str(got, "updated_at", NOW2);
  th_expect_str(got, "created_at", NOW1);
  json_decref(got);
  ck_assert_int_eq(store_milestone_update(st, id, in, NOW3, &got), RB_OK);
  th_expect_str(got, "updated_at", NOW2);
  json_decref(got);
  ck_assert_int_eq(store_milestone_update(st, 999999, in, NOW3, &got), RB_ERR_NOT_FOUND);
  json_decref(in);
  commit(st);

  /* filters */
  ck_assert_uint_eq(count_of(st, store_milestone_list, &f), 3);
  f.group = "CYP";
  all = all_of(st, store_milestone_list, &f);
  column(all, "code", buf, sizeof(buf));
  ck_assert_str_eq(buf, "CH1.1 CH2.1");
  json_decref(all);
  f = (struct store_filter){.owner = "ORG1"};
  all = all_of(st, store_milestone_list, &f);
  column(all, "code", buf, sizeof(buf));
  ck_assert_str_eq(buf, "CH2.1");
  json_decref(all);
  f = (struct store_filter){.has_priority = true, .priority = 1};
  all = all_of(st, store_milestone_list, &f);
  column(all, "code", buf, sizeof(buf));
  ck_assert_str_eq(buf, "MH1.1");
  json_decref(all);
  f = (struct store_filter){.group = "CYP", .has_priority = true, .priority = 2, .code = "CH1.1"};
  ck_assert_uint_eq(count_of(st, store_milestone_list, &f), 1);
  f = (struct store_filter){.year = "2019-20"};
  ck_assert_uint_eq(count_of(st, store_milestone_list, &f), 0);
  f = (struct store_filter){.year = YEAR};
  all = walk(st, store_milestone_list, NULL, &f, 2, NULL);
  column(all, "code", buf, sizeof(buf));
  ck_assert_str_eq(buf, "CH1.1 MH1.1 CH2.1");
  json_decref(all);

  /* an identical update is not a write: the row keeps its last real
   * change and the year's reporting version (the summaries' cache key)
   * does not move */
  {
    bool changed = false;
    int64_t v0 = -1, v1 = -1;

    begin(st);
    ck_assert_int_eq(
      store_update_put(st, m2, "2018-19-Q2", "G", "fine", "first", NOW1, false, &changed), RB_OK);
    ck_assert(changed);
    commit(st);
    ck_assert_int_eq(store_reporting_version(st, YEAR, &v0), RB_OK);
    begin(st);
    ck_assert_int_eq(
      store_update_put(st, m2, "2018-19-Q2", "G", "fine", "second", NOW2, false, &changed), RB_OK);
    ck_assert(!changed);
    commit(st);
    ck_assert_int_eq(store_reporting_version(st, YEAR, &v1), RB_OK);
    ck_assert_int_eq(v1, v0);
    ck_assert_int_eq(store_update_get(st, m2, "2018-19-Q2", &got), RB_OK);
    th_expect_str(got, "updated_by", "first");
    th_expect_str(got, "updated_at", NOW1);
    json_decref(got);
    begin(st);
    ck_assert_int_eq(
      store_update_put(st, m2, "2018-19-Q2", "G", "finer", "second", NOW2, false, &changed), RB_OK);
    ck_assert(changed);
    commit(st);
    ck_assert_int_eq(store_reporting_version(st, YEAR, &v1), RB_OK);
    ck_assert_int_gt(v1, v0);
    begin(st);
    ck_assert_int_eq(store_update_delete(st, m2, "2018-19-Q2"), RB_OK);
    commit(st);
  }

  /* a milestone with quarterly updates cannot go until they do */
  begin(st);
  ck_assert_int_eq(store_update_put(st, m2, "2018-19-Q1", "A", "late", "test", NOW1, true, NULL),
                   RB_OK);
  ck_assert_int_eq(store_milestone_delete(st, m2), RB_ERR_CONFLICT);
  ck_assert_int_eq(store_update_delete(st, m2, "2018-19-Q1"), RB_OK);
  ck_assert_int_eq(store_update_delete(st, m2, "2018-19-Q1"), RB_ERR_NOT_FOUND);
  ck_assert_int_eq(store_milestone_delete(st, m2), RB_OK);
  ck_assert_int_eq(store_milestone_delete(st, m2), RB_ERR_NOT_FOUND);
  ck_assert_int_eq(store_milestone_delete(st, 999999), RB_ERR_NOT_FOUND);
  /* an organisation owning a milestone cannot go */
  ck_assert_int_eq(store_org_delete(st, "ORG1"), RB_ERR_CONFLICT);
  ck_assert_int_eq(store_org_delete(st, "ORG2"), RB_OK);
  commit(st);
  ck_assert_int_eq(store_milestone_get(st, m2, &got), RB_ERR_NOT_FOUND);
  ck_assert_int_eq(store_org_get(st, "ORG1", &got), RB_OK);
  json_decref(got);
  json_decref(out);
  store_close(st);
}
END_TEST

START_TEST(test_kpi_crud)
{
  struct store *st = mem_store();
  struct store_filter f = {0};
  struct rag_rule rule;
  json_t *in, *out = NULL, *got = NULL, *all, *value;
  int64_t k1, k2, found = 0, cyp1 = 0;
  char buf[256];

  seed(st);
  begin(st);
  in =
    J("{\"year\": \"2018-19\", \"code\": \"CH/KPI 1\", \"group\": \"CYP\", \"priorities\": [1, 2],"
      " \"description\": \"Referrals assessed\", \"direction\": \"increase\","
      " \"unit\": \"percent\", \"target\": 95, \"target_text\": \"95%\","
      " \"quarterly_targets\": {\"2018-19-Q2\": 90.5},"
      " \"tolerance\": {\"mode\": \"absolute\", \"value\": 1.5}, \"owner\": \"ORG2\","
      " \"source\": \"SystmOne\"}");
  ck_assert_int_eq(store_kpi_insert(st, in, NOW1, &out), RB_OK);
  k1 = id_of(out);
  th_expect_str(out, "year", YEAR);
  th_expect_str(out, "code", "CH/KPI 1");
  th_expect_str(out, "group", "CYP");
  ck_assert_uint_eq(json_array_size(th_jget(out, "priorities")), 2);
  th_expect_int(out, "priorities[0]", 1);
  th_expect_int(out, "priorities[1]", 2);
  th_expect_str(out, "direction", "increase");
  th_expect_str(out, "unit", "percent");
  th_expect_num(out, "target", 95);
  th_expect_str(out, "target_text", "95%");
  th_expect_num(out, "quarterly_targets.2018-19-Q2", 90.5);
  th_expect_str(out, "tolerance.mode", "absolute");
  th_expect_num(out, "tolerance.value", 1.5);
  th_expect_str(out, "owner", "ORG2");
  th_expect_str(out, "source", "SystmOne");
  th_expect_str(out, "updated_at", NOW1);
  ck_assert_int_eq(store_kpi_insert(st, in, NOW1, &got), RB_ERR_CONFLICT);
  json_decref(in);
  /* defaults */
  in = J("{\"year\": \"2018-19\", \"code\": \"CH/KPI 2\", \"group\": \"CYP\", \"priorities\": [2],"
         " \"description\": \"Second\"}");
  ck_assert_int_eq(store_kpi_insert(st, in, NOW1, &got), RB_OK);
  k2 = id_of(got);
  th_expect_str(got, "tolerance.mode", "relative");
  th_expect_num(got, "tolerance.value", 2);
  ck_assert(json_is_object(th_jget(got, "quarterly_targets")));
  ck_assert_uint_eq(json_object_size(th_jget(got, "quarterly_targets")), 0);
  th_expect_null(got, "direction");
  th_expect_null(got, "target");
  th_expect_null(got, "owner");
  json_decref(got);
  json_decref(in);
  commit(st);

  /* linking a priority the group does not have fails (and the caller rolls back) */
  begin(st);
  in = J("{\"year\": \"2018-19\", \"code\": \"CH/KPI 3\", \"group\": \"CYP\", \"priorities\": [9],"
         " \"description\": \"Third\"}");
  ck_assert_int_eq(store_kpi_insert(st, in, NOW1, &got), RB_ERR_CONFLICT);
  json_decref(in);
  store_rollback(st);
  ck_assert_int_eq(store_kpi_find(st, YEAR, "CH/KPI 3", &found), RB_ERR_NOT_FOUND);

  ck_assert_int_eq(store_kpi_get(st, k1, &got), RB_OK);
  ck_assert(json_equal(got, out));
  json_decref(got);
  ck_assert_int_eq(store_kpi_get(st, 999999, &got), RB_ERR_NOT_FOUND);
  ck_assert_int_eq(store_kpi_find(st, YEAR, "CH/KPI 2", &found), RB_OK);
  ck_assert_int_eq(found, k2);

  /* the rule: the quarter's target when it has one */
  ck_assert_int_eq(store_kpi_rule(st, k1, "2018-19-Q2", &rule), RB_OK);
  ck_assert_int_eq(rule.direction, RAG_DIR_INCREASE);
  ck_assert(rule.has_target);
  ck_assert_double_eq_tol(rule.target, 90.5, 1e-9);
  ck_assert_int_eq(rule.mode, RAG_TOL_ABSOLUTE);
  ck_assert_double_eq_tol(rule.tolerance, 1.5, 1e-9);
  ck_assert_int_eq(store_kpi_rule(st, k1, "2018-19-Q1", &rule), RB_OK);
  ck_assert_double_eq_tol(rule.target, 95, 1e-9);
  ck_assert_int_eq(store_kpi_rule(st, k2, "2018-19-Q1", &rule), RB_OK);
  ck_assert(!rule.has_target);
  ck_assert_int_eq(rule.direction, RAG_DIR_NONE);
  ck_assert_int_eq(rule.mode, RAG_TOL_RELATIVE);
  ck_assert_double_eq_tol(rule.tolerance, 2, 1e-9);
  ck_assert_int_eq(store_kpi_rule(st, 999999, "2018-19-Q1", &rule), RB_ERR_NOT_FOUND);
  /* the brief and the rule in one lookup agree with the two separate ones */
  {
    struct rag_rule both;
    json_t *brief = NULL, *brief2 = NULL;

    ck_assert_int_eq(store_kpi_brief_rule(st, k1, "2018-19-Q2", &brief, &both), RB_OK);
    ck_assert_int_eq(store_kpi_brief(st, k1, &brief2), RB_OK);
    ck_assert(json_equal(brief, brief2));
    ck_assert_int_eq(store_kpi_rule(st, k1, "2018-19-Q2", &rule), RB_OK);
    ck_assert_int_eq(both.direction, rule.direction);
    ck_assert(both.has_target);
    ck_assert_double_eq_tol(both.target, 90.5, 1e-9);
    ck_assert_int_eq(both.mode, rule.mode);
    ck_assert_double_eq_tol(both.tolerance, rule.tolerance, 1e-9);
    json_decref(brief);
    json_decref(brief2);
    brief = NULL;
    ck_assert_int_eq(store_kpi_brief_rule(st, 999999, "2018-19-Q1", &brief, &both),
                     RB_ERR_NOT_FOUND);
    ck_assert_ptr_null(brief);
  }

  /* filters: priority matches any linked priority */
  ck_assert_uint_eq(count_of(st, store_kpi_list, &f), 2);
  f.has_priority = true;
  f.priority = 1;
  all = all_of(st, store_kpi_list, &f);
  column(all, "code", buf, sizeof(buf));
  ck_assert_str_eq(buf, "CH/KPI 1");
  json_decref(all);
  f.priority = 2;
  ck_assert_uint_eq(count_of(st, store_kpi_list, &f), 2);
  f = (struct store_filter){.owner = "ORG2"};
  ck_assert_uint_eq(count_of(st, store_kpi_list, &f), 1);
  f = (struct store_filter){.code = "CH/KPI 2", .group = "CYP", .year = YEAR};
  ck_assert_uint_eq(count_of(st, store_kpi_list, &f), 1);
  f = (struct store_filter){.group = "MHLD"};
  ck_assert_uint_eq(count_of(st, store_kpi_list, &f), 0);

  /* update: relink to priority 2 only */
  begin(st);
  in = json_deep_copy(out);
  json_object_set_new(in, "priorities", json_pack("[i]", 2));
  json_object_set_new(in, "target", json_real(96));
  ck_assert_int_eq(store_kpi_update(st, k1, in, NOW2, &got), RB_OK);
  ck_assert_uint_eq(json_array_size(th_jget(got, "priorities")), 1);
  th_expect_int(got, "priorities[0]", 2);
  th_expect_num(got, "target", 96);
  th_expect_str(got, "updated_at", NOW2);
  json_decref(got);
  /* identical: updated_at stays */
  ck_assert_int_eq(store_kpi_update(st, k1, in, NOW3, &got), RB_OK);
  th_expect_str(got, "updated_at", NOW2);
  json_decref(got);
  /* only the links change: updated_at moves */
  json_object_set_new(in, "priorities", json_pack("[i, i]", 1, 2));
  ck_assert_int_eq(store_kpi_update(st, k1, in, NOW3, &got), RB_OK);
  th_expect_str(got, "updated_at", NOW3);
  ck_assert_uint_eq(json_array_size(th_jget(got, "priorities")), 2);
  json_decref(got);
  ck_assert_int_eq(store_kpi_update(st, 999999, in, NOW3, &got), RB_ERR_NOT_FOUND);
  json_decref(in);
  commit(st);

  /* a linked priority cannot go; a KPI with readings cannot go */
  ck_assert_int_eq(store_priority_find(st, YEAR, "CYP", 1, &cyp1), RB_OK);
  begin(st);
  ck_assert_int_eq(store_priority_delete(st, cyp1), RB_ERR_CONFLICT);
  value = json_real(97.5);
  ck_assert_int_eq(
    store_reading_put(st, k1, "2018-19-Q1", value, "97.5%", "G", NULL, "test", NOW1, true, NULL),
    RB_OK);
  json_decref(value);
  /* out is the stored reading exactly as a read answers it: a whole number
   * stays a real (the ETag is computed from it), null stays null */
  {
    json_t *put = NULL, *read = NULL, *whole = json_real(12.0);

    ck_assert_int_eq(
      store_reading_put(st, k1, "2018-19-Q3", whole, NULL, NULL, "c", "test", NOW1, true, &put),
      RB_OK);
    ck_assert_int_eq(store_reading_get(st, k1, "2018-19-Q3", &read), RB_OK);
    ck_assert(json_is_real(json_object_get(put, "value")));
    ck_assert(json_equal(put, read));
    json_decref(put);
    json_decref(read);
    put = read = NULL;
    ck_assert_int_eq(
      store_reading_put(st, k1, "2018-19-Q3", NULL, "n/a", NULL, NULL, "test", NOW2, true, &put),
      RB_OK);
    ck_assert_int_eq(store_reading_get(st, k1, "2018-19-Q3", &read), RB_OK);
    ck_assert(json_is_null(json_object_get(put, "value")));
    ck_assert(json_equal(put, read));
    json_decref(read);
    json_decref(put);
    /* unchanged and not touched: nothing written, nothing answered (out
     * is set to NULL, not left holding what it held) */
    put = whole;
    ck_assert_int_eq(
      store_reading_put(st, k1, "2018-19-Q3", NULL, "n/a", NULL, NULL, "test", NOW3, false, &put),
      RB_OK);
    ck_assert_ptr_null(put);
    ck_assert_int_eq(store_reading_get(st, k1, "2018-19-Q3", &read), RB_OK);
    th_expect_str(read, "updated_at", NOW2);
    json_decref(read);
    ck_assert_int_eq(store_reading_delete(st, k1, "2018-19-Q3"), RB_OK);
    json_decref(whole);
  }
  ck_assert_int_eq(store_kpi_delete(st, k1), RB_ERR_CONFLICT);
  ck_assert_int_eq(store_reading_get(st, k1, "2018-19-Q1", &got), RB_OK);
  th_expect_num(got, "value", 97.5);
  th_expect_str(got, "rating", "G");
  json_decref(got);
  ck_assert_int_eq(store_reading_delete(st, k1, "2018-19-Q1"), RB_OK);
  /* the links go with the KPI, then the priority is free */
  ck_assert_int_eq(store_kpi_delete(st, k1), RB_OK);
  ck_assert_int_eq(store_kpi_delete(st, k1), RB_ERR_NOT_FOUND);
  ck_assert_int_eq(store_priority_delete(st, cyp1), RB_OK);
  commit(st);
  ck_assert_int_eq(store_kpi_get(st, k1, &got), RB_ERR_NOT_FOUND);
  ck_assert_uint_eq(count_of(st, store_kpi_list, &(struct store_filter){0}), 1);
  json_decref(out);
  store_close(st);
}
END_TEST

START_TEST(test_data_version)
{
  struct store *st = mem_store();
  json_t *a = J("{\"code\": \"A\", \"name\": \"a\"}"), *b = J("{\"code\": \"B\", \"name\": \"b\"}");
  json_t *out = NULL;
  int64_t v0, v1;

  v0 = data_version(st);
  /* reads and empty write transactions change nothing */
  ck_assert_int_eq(store_begin(st, false), RB_OK);
  ck_assert_int_eq(store_org_get(st, "A", &out), RB_ERR_NOT_FOUND);
  commit(st);
  begin(st);
  commit(st);
  ck_assert_int_eq(data_version(st), v0);

  begin(st);
  ck_assert_int_eq(store_org_insert(st, a, NOW1, &out), RB_OK);
  json_decref(out);
  commit(st);
  v1 = data_version(st);
  ck_assert_int_gt(v1, v0);

  /* a rolled back change leaves no trace, not even in the version */
  begin(st);
  ck_assert_int_eq(store_org_insert(st, b, NOW1, &out), RB_OK);
  json_decref(out);
  store_rollback(st);
  ck_assert_int_eq(data_version(st), v1);
  ck_assert_int_eq(store_org_get(st, "B", &out), RB_ERR_NOT_FOUND);

  /* every committed change moves it on */
  begin(st);
  ck_assert_int_eq(store_org_delete(st, "A"), RB_OK);
  commit(st);
  ck_assert_int_gt(data_version(st), v1);
  json_decref(a);
  json_decref(b);
  store_close(st);
}
END_TEST

/* ---- import ----------------------------------------------------------------- */

START_TEST(test_import_demo)
{
  struct store *st = mem_store();
  json_t *doc = load_demo(), *counts, *snap, *q = NULL;
  struct store_filter f = {.year = YEAR};
  size_t updates = 0, readings = 0, i;
  json_t *it;
  int64_t id = 0;

  json_array_foreach(json_object_get(doc, "milestones"), i, it) updates +=
    json_array_size(json_object_get(it, "updates"));
  json_array_foreach(json_object_get(doc, "kpis"), i, it) readings +=
    json_array_size(json_object_get(it, "readings"));

  counts = import_ok(st, doc, NOW1);
  th_expect_str(counts, "financial_year", YEAR);
  th_expect_int(counts, "organisations", 6);
  th_expect_int(counts, "quarters", 4);
  th_expect_int(counts, "groups", 3);
  th_expect_int(counts, "priorities", 22);
  th_expect_int(counts, "milestones", 76);
  th_expect_int(counts, "kpis", 50);
  th_expect_int(counts, "updates", (long long)updates);
  th_expect_int(counts, "readings", (long long)readings);
  json_decref(counts);

  /* what is stored matches */
  snap = snapshot(st);
  ck_assert_uint_eq(json_array_size(th_jget(snap, "organisations")), 6);
  ck_assert_uint_eq(json_array_size(th_jget(snap, "groups")), 3);
  ck_assert_uint_eq(json_array_size(th_jget(snap, "quarters")), 4);
  ck_assert_uint_eq(count_of(st, store_priority_list, &f), 22);
  ck_assert_uint_eq(count_of(st, store_milestone_list, &f), 76);
  ck_assert_uint_eq(count_of(st, store_kpi_list, &f), 50);
  {
    size_t nu = 0, nr = 0;

    json_array_foreach(th_jget(snap, "milestones"), i, it) nu +=
      json_array_size(json_object_get(it, "updates"));
    json_array_foreach(th_jget(snap, "kpis"), i, it) nr +=
      json_array_size(json_object_get(it, "readings"));
    ck_assert_uint_eq(nu, updates);
    ck_assert_uint_eq(nr, readings);
  }
  /* a few values made it through */
  ck_assert_int_eq(store_milestone_find(st, YEAR, "CH1.1", &id), RB_OK);
  ck_assert_int_eq(store_update_get(st, id, "2018-19-Q1", &it), RB_OK);
  th_expect_str(it, "status", "G");
  th_expect_str(it, "updated_by", "test");
  json_decref(it);
  ck_assert_int_eq(store_kpi_find(st, YEAR, "CH/KPI 1", &id), RB_OK);
  ck_assert_int_eq(store_reading_get(st, id, "2018-19-Q1", &it), RB_OK);
  th_expect_num(it, "value", 99);
  th_expect_str(it, "value_text", "99%");
  th_expect_str(it, "rating", "G");
  json_decref(it);
  ck_assert_int_eq(store_quarter_get(st, "2018-19-Q1", &q), RB_OK);
  th_expect_str(q, "delivery_team_date", "2018-08-22");
  th_expect_str(q, "place_board_date", "2018-09-05");
  json_decref(q);
  {
    char state[STORE_STATE_LEN];
    json_t *in = J("{\"state\": \"locked\"}");

    /* a quarter never stored is closed (to submitters); a stored one
     * answers its state */
    ck_assert_int_eq(store_quarter_state(st, "2031-32-Q4", state), RB_OK);
    ck_assert_str_eq(state, "closed");
    begin(st);
    ck_assert_int_eq(store_quarter_put(st, "2018-19-Q1", in, NOW2, NULL), RB_OK);
    commit(st);
    ck_assert_int_eq(store_quarter_state(st, "2018-19-Q1", state), RB_OK);
    ck_assert_str_eq(state, "locked");
    json_decref(in);
  }
  json_decref(snap);
  json_decref(doc);
  store_close(st);
}
END_TEST

START_TEST(test_import_twice_identical)
{
  struct store *st = demo_store();
  json_t *before = snapshot(st), *after, *doc = load_demo();

  json_decref(import_ok(st, doc, NOW2));
  after = snapshot(st);
  expect_same(before, after, "$");
  json_decref(before);
  json_decref(after);
  json_decref(doc);
  store_close(st);
}
END_TEST

/* The importer's audit hook: every call, as {action, entity, id, code,
 * quarter, before, after}; fails with RB_ERR_DB when fail is set. */
struct audit_log {
  json_t *calls;
  bool fail;
};

static enum rb_err
record_audit(void *ctx, const char *action, const char *entity, int64_t id, const char *code,
             const char *quarter, const json_t *before, const json_t *after)
{
  struct audit_log *log = ctx;
  json_t *call;

  if (log->fail)
    return RB_ERR_DB;
  call =
    json_pack("{s:s, s:s, s:I, s:s?, s:s?, s:O?, s:O?}", "action", action, "entity", entity, "id",
              (json_int_t)id, "code", code, "quarter", quarter, "before", before, "after", after);
  ck_assert_ptr_nonnull(call);
  json_array_append_new(log->calls, call);
  return RB_OK;
}

/* Import doc with the audit hook in a transaction; commits on success. */
static enum rb_err
import_audited(struct store *st, json_t *doc, struct audit_log *log, json_t **counts)
{
  const struct import_audit audit = {record_audit, log, NULL};
  json_t *errors = json_array();
  enum rb_err err;

  begin(st);
  err = import_dataset(st, doc, NOW2, "test", &audit, errors, counts);
  if (err == RB_OK)
    commit(st);
  else
    store_rollback(st);
  json_decref(errors);
  return err;
}

/* A stored figure the import changes is audited with its before and
 * after; a figure it creates, or finds as stored, is not; a failing audit
 * fails the import. */
START_TEST(test_import_audits_changed_figures)
{
  struct store *st = demo_store();
  json_t *doc = load_demo(), *counts = NULL, *call, *got = NULL;
  struct audit_log log = {json_array(), false};

  /* the same file: nothing changed, nothing audited */
  ck_assert_int_eq(import_audited(st, doc, &log, &counts), RB_OK);
  ck_assert_uint_eq(json_array_size(log.calls), 0);
  ck_assert_int_eq(th_jint(counts, "changed.readings"), 0);
  ck_assert_int_eq(th_jint(counts, "changed.updates"), 0);
  json_decref(counts);

  /* one reading and one update changed, one reading new */
  json_object_set_new(th_jget(doc, "kpis[0].readings[0]"), "value", json_integer(97));
  json_object_set_new(th_jget(doc, "milestones[0].updates[1]"), "status", json_string("A"));
  json_array_append_new(json_object_get(th_jget(doc, "kpis[1]"), "readings"),
                        json_pack("{s:s, s:i}", "quarter", "2018-19-Q2", "value", 50));
  ck_assert_int_eq(import_audited(st, doc, &log, &counts), RB_OK);
  ck_assert_int_eq(th_jint(counts, "changed.readings"), 1);
  ck_assert_int_eq(th_jint(counts, "changed.updates"), 1);
  json_decref(counts);
  ck_assert_uint_eq(json_array_size(log.calls), 2);
  call = json_array_get(log.calls, 0); /* milestones come first */
  ck_assert_str_eq(th_jstr(call, "action"), "update.import");
  ck_assert_str_eq(th_jstr(call, "entity"), "milestone_update");
  ck_assert_str_eq(th_jstr(call, "code"), "CH1.1");
  ck_assert_str_eq(th_jstr(call, "quarter"), "2018-19-Q1");
  ck_assert_str_eq(th_jstr(call, "before.status"), "G");
  ck_assert_str_eq(th_jstr(call, "after.status"), "A");
  call = json_array_get(log.calls, 1);
  ck_assert_str_eq(th_jstr(call, "action"), "reading.import");
  ck_assert_str_eq(th_jstr(call, "entity"), "kpi_reading");
  ck_assert_str_eq(th_jstr(call, "code"), "CH/KPI 1");
  ck_assert_str_eq(th_jstr(call, "quarter"), "2018-19-Q1");
  ck_assert(json_number_value(th_jget(call, "before.value")) == 99);
  ck_assert(json_number_value(th_jget(call, "after.value")) == 97);
  ck_assert_str_eq(th_jstr(call, "after.updated_by"), "test");
  /* the new reading is stored, without an entry of its own */
  ck_assert_int_eq(store_reading_get(st, th_jint(call, "id") + 1, "2018-19-Q2", &got), RB_OK);
  json_decref(got);

  /* an audit that cannot be written undoes the import */
  json_object_set_new(th_jget(doc, "kpis[0].readings[0]"), "value", json_integer(96));
  log.fail = true;
  counts = NULL;
  ck_assert_int_eq(import_audited(st, doc, &log, &counts), RB_ERR_INVALID);
  ck_assert_ptr_null(counts);
  ck_assert_int_eq(store_reading_get(st, th_jint(call, "id"), "2018-19-Q1", &got), RB_OK);
  ck_assert(json_number_value(json_object_get(got, "value")) == 97);
  json_decref(got);

  json_decref(log.calls);
  json_decref(doc);
  store_close(st);
}
END_TEST

/* Reference data the import changes is audited item by item too, in the
 * file's order, with before and after; a new item is not. */
START_TEST(test_import_audits_changed_items)
{
  static const struct {
    const char *action, *field, *before, *after;
  } want[] = {
    {"organisation.import", "name", NULL, "Renamed council"},
    {"group.import", "name", "Children and Young People", "Children, Young People"},
    {"quarter.import", "delivery_team_date", "2018-08-22", "2018-08-29"},
    {"priority.import", "title", "CAMHS Transformation Plan", "CAMHS plan"},
    {"milestone.import", "description", NULL, "Reworded"},
    {"kpi.import", "target", NULL, NULL},
  };
  struct store *st = demo_store();
  json_t *doc = load_demo(), *counts = NULL, *call;
  struct audit_log log = {json_array(), false};

  json_object_set_new(th_jget(doc, "organisations[0]"), "name", json_string("Renamed council"));
  json_object_set_new(th_jget(doc, "groups[0]"), "name", json_string("Children, Young People"));
  json_array_append_new(json_object_get(doc, "groups"),
                        json_pack("{s:s, s:s}", "code", "NEWG", "name", "New group"));
  json_object_set_new(th_jget(doc, "quarters[0]"), "delivery_team_date", json_string("2018-08-29"));
  json_object_set_new(th_jget(doc, "priorities[0]"), "title", json_string("CAMHS plan"));
  json_object_set_new(th_jget(doc, "milestones[0]"), "description", json_string("Reworded"));
  json_object_set_new(th_jget(doc, "kpis[0]"), "target", json_integer(90));
  ck_assert_int_eq(import_audited(st, doc, &log, &counts), RB_OK);
  ck_assert_int_eq(th_jint(counts, "changed.items"), (long long)N(want));
  json_decref(counts);
  ck_assert_uint_eq(json_array_size(log.calls), N(want));
  for (size_t i = 0; i < N(want); i++) {
    char path[64];

    call = json_array_get(log.calls, i);
    ck_assert_str_eq(th_jstr(call, "action"), want[i].action);
    snprintf(path, sizeof(path), "before.%s", want[i].field);
    if (want[i].before != NULL)
      ck_assert_str_eq(th_jstr(call, path), want[i].before);
    snprintf(path, sizeof(path), "after.%s", want[i].field);
    if (want[i].after != NULL)
      ck_assert_str_eq(th_jstr(call, path), want[i].after);
  }
  call = json_array_get(log.calls, 5);
  ck_assert_str_eq(th_jstr(call, "code"), "CH/KPI 1");
  ck_assert(json_number_value(th_jget(call, "before.target")) == 95);
  ck_assert(json_number_value(th_jget(call, "after.target")) == 90);
  ck_assert_str_eq(th_jstr(json_array_get(log.calls, 2), "quarter"), "2018-19-Q1");

  /* the same file again: nothing */
  json_array_clear(log.calls);
  ck_assert_int_eq(import_audited(st, doc, &log, &counts), RB_OK);
  ck_assert_int_eq(th_jint(counts, "changed.items"), 0);
  ck_assert_uint_eq(json_array_size(log.calls), 0);
  json_decref(counts);
  json_decref(log.calls);
  json_decref(doc);
  store_close(st);
}
END_TEST

/* A reading's before is rated under the KPI's rule as it was, even when
 * the same file changes the rule; after under the new one. */
START_TEST(test_import_audit_before_under_old_rule)
{
  struct store *st = demo_store();
  json_t *doc = load_demo(), *counts = NULL, *call = NULL, *c;
  struct audit_log log = {json_array(), false};
  size_t i;

  json_object_set_new(th_jget(doc, "kpis[0]"), "target", json_integer(200));
  json_object_set_new(th_jget(doc, "kpis[0].readings[0]"), "value", json_integer(100));
  json_object_del(th_jget(doc, "kpis[0].readings[0]"), "rating"); /* the rule decides */
  ck_assert_int_eq(import_audited(st, doc, &log, &counts), RB_OK);
  json_decref(counts);
  json_array_foreach(log.calls, i, c) if (strcmp(th_jstr(c, "action"), "reading.import") == 0)
    call = c;
  ck_assert_ptr_nonnull(call);
  ck_assert_str_eq(th_jstr(call, "code"), "CH/KPI 1");
  ck_assert(json_number_value(th_jget(call, "before.value")) == 99);
  ck_assert_str_eq(th_jstr(call, "before.computed_rating"), "G"); /* 99 against 95 */
  ck_assert(json_number_value(th_jget(call, "after.value")) == 100);
  ck_assert_str_eq(th_jstr(call, "after.computed_rating"), "R"); /* 100 against 200 */
  json_decref(log.calls);
  json_decref(doc);
  store_close(st);
}
END_TEST

/* What the API manages besides the plan-year file (owners given out with
 * POST /owners, a monthly frequency, SPC settings, a source, a chain) is
 * kept when the file leaves the member out; given, null included, it is
 * set. Re-importing the demo (whose KPIs name no owner) must not undo an
 * admin's work. */
START_TEST(test_import_keeps_managed_members)
{
  struct store *st = demo_store();
  json_t *doc = load_demo(), *kpi = NULL, *ms = NULL, *got = NULL;
  int64_t kid = 0, mid = 0;
  size_t i;
  json_t *item;

  ck_assert_int_eq(store_kpi_find(st, "2018-19", "CH/KPI 1", &kid), RB_OK);
  ck_assert_int_eq(store_milestone_find(st, "2018-19", "UC1.1", &mid), RB_OK);
  ck_assert_int_eq(store_kpi_get(st, kid, &kpi), RB_OK);
  ck_assert_int_eq(store_milestone_get(st, mid, &ms), RB_OK);
  json_object_set_new(kpi, "owner", json_string("RMBC"));
  json_object_set_new(kpi, "frequency", json_string("monthly"));
  json_object_set_new(kpi, "spc", json_pack("{s:i}", "shift_points", 7));
  json_object_set_new(kpi, "source", json_string("SystmOne extract"));
  json_object_set_new(ms, "owner", json_string("RMBC"));
  begin(st);
  ck_assert_int_eq(store_kpi_update(st, kid, kpi, NOW2, &got), RB_OK);
  json_decref(got);
  ck_assert_int_eq(store_milestone_update(st, mid, ms, NOW2, &got), RB_OK);
  json_decref(got);
  commit(st);
  json_decref(kpi);
  json_decref(ms);

  json_decref(import_ok(st, doc, NOW3));
  ck_assert_int_eq(store_kpi_get(st, kid, &got), RB_OK);
  th_expect_str(got, "owner", "RMBC");
  th_expect_str(got, "frequency", "monthly");
  ck_assert_int_eq(th_jint(got, "spc.shift_points"), 7);
  th_expect_str(got, "source", "SystmOne extract");
  th_expect_str(got, "updated_at", NOW2); /* no change at all */
  json_decref(got);
  ck_assert_int_eq(store_milestone_get(st, mid, &got), RB_OK);
  th_expect_str(got, "owner", "RMBC");
  json_decref(got);
  /* the KPI is monthly as stored, so the file's monthly values are taken
   * without the file repeating its frequency */
  json_array_foreach(json_object_get(doc, "kpis"), i, item)
  {
    if (strcmp(json_string_value(json_object_get(item, "code")), "CH/KPI 1") == 0)
      json_object_set_new(item, "months",
                          json_pack("[{s:s, s:i}]", "month", "2018-04", "value", 5));
  }
  json_decref(import_ok(st, doc, NOW3));
  json_array_foreach(json_object_get(doc, "kpis"), i, item) json_object_del(item, "months");

  /* given, they are set: null takes the owner away */
  json_array_foreach(json_object_get(doc, "milestones"), i, item)
  {
    if (strcmp(json_string_value(json_object_get(item, "code")), "UC1.1") == 0)
      json_object_set_new(item, "owner", json_null());
  }
  json_array_foreach(json_object_get(doc, "kpis"), i, item)
  {
    if (strcmp(json_string_value(json_object_get(item, "code")), "CH/KPI 1") == 0) {
      json_object_set_new(item, "frequency", json_string("quarterly"));
      json_object_set_new(item, "spc", json_null());
    }
  }
  json_decref(import_ok(st, doc, NOW3));
  ck_assert_int_eq(store_kpi_get(st, kid, &got), RB_OK);
  th_expect_str(got, "owner", "RMBC");
  th_expect_str(got, "frequency", "quarterly");
  ck_assert(json_is_null(json_object_get(got, "spc")));
  json_decref(got);
  ck_assert_int_eq(store_milestone_get(st, mid, &got), RB_OK);
  ck_assert(json_is_null(json_object_get(got, "owner")));
  json_decref(got);
  json_decref(doc);
  store_close(st);
}
END_TEST

/* Groups outlive plan years: a file that leaves a group's chairs out keeps
 * the stored ones (and is no change to audit); null or [] empties them. */
START_TEST(test_import_keeps_chairs_left_out)
{
  struct store *st = demo_store();
  json_t *doc = load_demo(), *errors = json_array(), *counts = NULL, *got = NULL;
  struct audit_log log = {json_array(), false};
  struct import_audit audit = {record_audit, &log, NULL};

  ck_assert_int_eq(json_object_del(th_jget(doc, "groups[0]"), "chairs"), 0);
  json_object_set_new(th_jget(doc, "groups[1]"), "chairs", json_null());
  json_object_set_new(th_jget(doc, "groups[2]"), "chairs", json_array());
  begin(st);
  ck_assert_int_eq(import_dataset(st, doc, NOW2, "test", &audit, errors, &counts), RB_OK);
  commit(st);
  ck_assert_uint_eq(json_array_size(errors), 0);
  ck_assert_int_eq(store_group_get(st, "CYP", &got), RB_OK);
  ck_assert_uint_eq(json_array_size(th_jget(got, "chairs")), 2);
  th_expect_str(got, "chairs[1]", "Dr Jason Page, CCG");
  th_expect_str(got, "updated_at", NOW1);
  json_decref(got);
  ck_assert_int_eq(store_group_get(st, "MHLD", &got), RB_OK);
  ck_assert_uint_eq(json_array_size(th_jget(got, "chairs")), 0);
  json_decref(got);
  ck_assert_int_eq(store_group_get(st, "UCC", &got), RB_OK);
  ck_assert_uint_eq(json_array_size(th_jget(got, "chairs")), 0);
  json_decref(got);
  /* two groups changed, and only they are audited */
  ck_assert_uint_eq(json_array_size(log.calls), 2);
  th_expect_str(log.calls, "[0].code", "MHLD");
  th_expect_str(log.calls, "[1].code", "UCC");
  json_decref(counts);
  json_decref(log.calls);
  json_decref(errors);
  json_decref(doc);
  store_close(st);
}
END_TEST

/* The files of one command-line import are one transaction: what a first
 * file creates and a second changes was never stored, so the second's
 * change is neither audited nor counted (with the shared set). */
START_TEST(test_import_files_share_created)
{
  struct store *st = demo_store();
  json_t *a = load_demo(), *b, *errors = json_array(), *counts = NULL;
  struct audit_log log = {json_array(), false};
  struct import_audit audit = {record_audit, &log, json_object()};

  json_array_append_new(json_object_get(a, "groups"),
                        json_pack("{s:s, s:s}", "code", "ZED", "name", "Zed"));
  json_array_append_new(json_object_get(th_jget(a, "kpis[1]"), "readings"),
                        json_pack("{s:s, s:i}", "quarter", "2018-19-Q2", "value", 50));
  b = json_deep_copy(a);
  json_object_set_new(th_jget(b, "groups[3]"), "name", json_string("Zed two"));
  ck_assert_str_eq(th_jstr(b, "groups[3].code"), "ZED");
  json_object_set_new(th_jget(b, "kpis[1].readings[1]"), "value", json_integer(60));
  begin(st);
  ck_assert_int_eq(import_dataset(st, a, NOW2, "test", &audit, errors, &counts), RB_OK);
  json_decref(counts);
  ck_assert_int_eq(import_dataset(st, b, NOW2, "test", &audit, errors, &counts), RB_OK);
  commit(st);
  ck_assert_int_eq(th_jint(counts, "changed.items"), 0);
  ck_assert_int_eq(th_jint(counts, "changed.readings"), 0);
  ck_assert_uint_eq(json_array_size(log.calls), 0);
  json_decref(counts);
  json_decref(audit.created);
  json_decref(log.calls);
  json_decref(errors);
  json_decref(a);
  json_decref(b);
  store_close(st);
}
END_TEST

START_TEST(test_import_invalid_rolls_back)
{
  static const char *const want[] = {
    "kpis[1].readings[0].value",
    "milestones[0].updates[1].status",
    "milestones[2].group",
  };
  struct store *st = demo_store();
  json_t *before = snapshot(st), *after, *doc = load_demo(), *errors = json_array();
  json_t *counts = NULL, *got = NULL, *m0;
  int64_t v = data_version(st);
  enum rb_err err;
  size_t i;
  json_t *e;

  /* valid changes that must not land ... */
  json_array_append_new(json_object_get(doc, "groups"),
                        json_pack("{s:s, s:s}", "code", "NEWG", "name", "New group"));
  m0 = json_array_get(json_object_get(doc, "milestones"), 0);
  json_object_set_new(m0, "description", json_string("CHANGED"));
  /* ... next to three bad elements */
  json_object_set_new(th_jget(doc, "milestones[0].updates[1]"), "status", json_string("Purple"));
  json_object_set_new(th_jget(doc, "milestones[2]"), "group", json_string("NOPE"));
  json_object_set_new(th_jget(doc, "kpis[1].readings[0]"), "value", json_string("98%"));

  begin(st);
  err = import_dataset(st, doc, NOW2, "test", NULL, errors, &counts);
  ck_assert_int_eq(err, RB_ERR_INVALID);
  store_rollback(st);
  ck_assert_ptr_null(counts);
  ck_assert_uint_eq(json_array_size(errors), N(want));
  for (i = 0; i < N(want); i++)
    ck_assert_msg(has_error(errors, want[i]), "no error on %s", want[i]);
  json_array_foreach(errors, i, e)
  {
    ck_assert(json_is_string(json_object_get(e, "message")));
    ck_assert_uint_gt(json_string_length(json_object_get(e, "message")), 0);
  }

  after = snapshot(st);
  expect_same(before, after, "$");
  ck_assert_int_eq(store_group_get(st, "NEWG", &got), RB_ERR_NOT_FOUND);
  ck_assert_int_eq(data_version(st), v);
  json_decref(before);
  json_decref(after);
  json_decref(errors);
  json_decref(doc);
  store_close(st);
}
END_TEST

START_TEST(test_import_structure_errors)
{
  struct store *st = mem_store();
  json_t *doc = J("{\"format\": \"other/1\", \"financial_year\": \"2018-20\", \"extra\": 1,"
                  " \"groups\": {}, \"priorities\": []}");
  json_t *errors = json_array(), *counts = NULL, *snap;
  static const char *const want[] = {"format", "financial_year", "extra",
                                     "groups", "milestones",     "kpis"};

  begin(st);
  ck_assert_int_eq(import_dataset(st, doc, NOW1, "test", NULL, errors, &counts), RB_ERR_INVALID);
  store_rollback(st);
  ck_assert_ptr_null(counts);
  for (size_t i = 0; i < N(want); i++)
    ck_assert_msg(has_error(errors, want[i]), "no error on %s", want[i]);
  ck_assert(!has_error(errors, "priorities"));
  snap = snapshot(st);
  ck_assert_uint_eq(json_array_size(th_jget(snap, "groups")), 0);
  json_decref(snap);
  json_decref(errors);
  json_decref(doc);
  /* not even an object */
  doc = json_array();
  errors = json_array();
  begin(st);
  ck_assert_int_eq(import_dataset(st, doc, NOW1, "test", NULL, errors, &counts), RB_ERR_INVALID);
  store_rollback(st);
  ck_assert_uint_eq(json_array_size(errors), 1);
  json_decref(errors);
  json_decref(doc);
  store_close(st);
}
END_TEST

START_TEST(test_import_keeps_unmentioned)
{
  struct store *st = demo_store();
  json_t *before = snapshot(st), *after, *doc, *counts, *got = NULL, *ups = NULL;
  struct store_filter f = {.year = YEAR};
  int64_t id = 0;
  size_t i;
  json_t *it;

  /* a second file with one new group and one changed milestone */
  doc = J("{\"format\": \"icp-performance-dataset/1\", \"financial_year\": \"2018-19\","
          " \"groups\": [{\"code\": \"NEWG\", \"name\": \"New group\"}], \"priorities\": [],"
          " \"milestones\": [{\"code\": \"CH1.1\", \"group\": \"CYP\", \"priority\": 1,"
          "   \"description\": \"Changed\","
          "   \"updates\": [{\"quarter\": \"2018-19-Q2\", \"status\": \"A\"}]}],"
          " \"kpis\": []}");
  counts = import_ok(st, doc, NOW3);
  th_expect_int(counts, "groups", 1);
  th_expect_int(counts, "milestones", 1);
  th_expect_int(counts, "kpis", 0);
  json_decref(counts);
  json_decref(doc);

  after = snapshot(st);
  ck_assert_uint_eq(json_array_size(th_jget(after, "groups")), 4);
  ck_assert_uint_eq(json_array_size(th_jget(after, "organisations")), 6);
  ck_assert_uint_eq(count_of(st, store_priority_list, &f), 22);
  ck_assert_uint_eq(count_of(st, store_milestone_list, &f), 76);
  ck_assert_uint_eq(count_of(st, store_kpi_list, &f), 50);
  expect_same(th_jget(before, "kpis"), th_jget(after, "kpis"), "kpis");
  expect_same(th_jget(before, "priorities"), th_jget(after, "priorities"), "priorities");
  expect_same(th_jget(before, "quarters"), th_jget(after, "quarters"), "quarters");
  expect_same(th_jget(before, "organisations"), th_jget(after, "organisations"), "organisations");

  ck_assert_int_eq(store_milestone_find(st, YEAR, "CH1.1", &id), RB_OK);
  ck_assert_int_eq(store_milestone_get(st, id, &got), RB_OK);
  th_expect_str(got, "description", "Changed");
  th_expect_str(got, "updated_at", NOW3);
  json_decref(got);
  /* the updates the second file did not mention are still there */
  ck_assert_int_eq(store_update_list(st, id, &ups), RB_OK);
  ck_assert_uint_eq(json_array_size(ups), 3);
  th_expect_str(ups, "[0].quarter", "2017-18-Q4");
  th_expect_str(ups, "[1].quarter", "2018-19-Q1");
  th_expect_str(ups, "[2].quarter", "2018-19-Q2");
  th_expect_str(ups, "[2].status", "A");
  json_decref(ups);
  /* every other milestone is as it was */
  json_array_foreach(th_jget(before, "milestones"), i, it)
  {
    if (id_of(it) != id)
      expect_same(it, json_array_get(th_jget(after, "milestones"), i), "milestones[]");
  }

  /* another plan year leaves this one alone */
  doc =
    J("{\"format\": \"icp-performance-dataset/1\", \"financial_year\": \"2019-20\","
      " \"groups\": [], \"priorities\": [{\"group\": \"CYP\", \"number\": 1, \"title\": \"t\"}],"
      " \"milestones\": [{\"code\": \"CH1.1\", \"group\": \"CYP\", \"priority\": 1,"
      "   \"description\": \"Next year\"}], \"kpis\": []}");
  json_decref(import_ok(st, doc, NOW3));
  json_decref(doc);
  ck_assert_uint_eq(count_of(st, store_milestone_list, &f), 76);
  f.year = "2019-20";
  ck_assert_uint_eq(count_of(st, store_milestone_list, &f), 1);
  ck_assert_int_eq(store_milestone_get(st, id, &got), RB_OK);
  th_expect_str(got, "description", "Changed");
  json_decref(got);
  json_decref(before);
  json_decref(after);
  store_close(st);
}
END_TEST

/* ---- summaries ---------------------------------------------------------------- */

struct group_counts {
  const char *code;
  int milestones, kpis;
  int m[RAG__COUNT]; /* BR B G A R TBC */
  int k[RAG__COUNT];
};

START_TEST(test_summary_demo)
{
  /* the published Q1 2018-19 report */
  static const struct group_counts want[] = {
    {"CYP", 25, 17, {1, 0, 14, 5, 1, 4}, {0, 0, 9, 3, 0, 5}},
    {"MHLD", 23, 16, {0, 2, 12, 8, 0, 1}, {0, 0, 6, 3, 3, 4}},
    {"UCC", 28, 17, {11, 3, 12, 2, 0, 0}, {0, 0, 7, 1, 0, 9}},
  };
  struct store *st = demo_store();
  struct store_summary *sum = NULL;
  const struct summary_input *in;
  json_t *j;
  char path[128];

  ck_assert_int_eq(store_summary_load(st, "2018-19-Q1", &sum), RB_OK);
  in = store_summary_input(sum);
  ck_assert_str_eq(in->quarter, "2018-19-Q1");
  ck_assert_str_eq(in->year, YEAR);
  ck_assert_uint_eq(in->ngroups, 3);
  ck_assert_uint_eq(in->npriorities, 22);
  ck_assert_uint_eq(in->nitems, 76 + 50);
  ck_assert_int_eq(store_summary_group(sum, "CYP"), 0);
  ck_assert_int_eq(store_summary_group(sum, "MHLD"), 1);
  ck_assert_int_eq(store_summary_group(sum, "UCC"), 2);
  ck_assert_int_eq(store_summary_group(sum, "NOPE"), -1);

  j = summary_json(in, NULL, NULL);
  ck_assert_ptr_nonnull(j);
  ck_assert_uint_eq(json_array_size(th_jget(j, "groups")), N(want));
  for (size_t g = 0; g < N(want); g++) {
    snprintf(path, sizeof(path), "groups[%zu].code", g);
    th_expect_str(j, path, want[g].code);
    snprintf(path, sizeof(path), "groups[%zu].milestones.total", g);
    th_expect_int(j, path, want[g].milestones);
    snprintf(path, sizeof(path), "groups[%zu].kpis.total", g);
    th_expect_int(j, path, want[g].kpis);
    for (int s = 0; s < RAG__COUNT; s++) {
      snprintf(path, sizeof(path), "groups[%zu].milestones.counts.%s", g,
               rag_code((enum rag_status)s));
      th_expect_int(j, path, want[g].m[s]);
      if (s == RAG_BR || s == RAG_B)
        continue;
      snprintf(path, sizeof(path), "groups[%zu].kpis.counts.%s", g, rag_code((enum rag_status)s));
      th_expect_int(j, path, want[g].k[s]);
    }
  }
  th_expect_int(j, "overall.milestones.total", 76);
  th_expect_int(j, "overall.kpis.total", 50);
  th_expect_num(j, "overall.milestones.on_track_or_complete_percent", 56.6);
  th_expect_num(j, "overall.kpis.on_track_percent", 44.0);
  th_expect_num(j, "overall.kpis.red_percent", 6.0);
  th_expect_null(j, "comparison.previous_quarter");
  /* reported ratings that the RAG rule would not give (CYP: KPI 5, 12;
   * MHLD: LD/KPI 14; UCC: KPI 1, 2, 16, 17) */
  th_expect_int(j, "overall.kpis.rating_disagreements", 7);
  th_expect_int(j, "groups[0].kpis.rating_disagreements", 2);
  th_expect_int(j, "groups[1].kpis.rating_disagreements", 1);
  th_expect_int(j, "groups[2].kpis.rating_disagreements", 4);
  /* a KPI serving several priorities counts once in its group and once in
   * each of its priorities */
  {
    json_t *doc = load_demo(), *k, *row;
    json_int_t links[3] = {0, 0, 0}, rows[3] = {0, 0, 0};
    size_t i;

    json_array_foreach(json_object_get(doc, "kpis"), i, k)
    {
      long g = store_summary_group(sum, json_string_value(json_object_get(k, "group")));

      ck_assert_int_ge(g, 0);
      links[g] += (json_int_t)json_array_size(json_object_get(k, "priorities"));
    }
    for (size_t g = 0; g < 3; g++) {
      snprintf(path, sizeof(path), "groups[%zu].kpis.by_priority", g);
      json_array_foreach(th_jget(j, path), i, row) rows[g] +=
        json_integer_value(json_object_get(row, "total"));
      ck_assert_int_eq(rows[g], links[g]);
    }
    ck_assert_int_gt(links[0] + links[1] + links[2], 50); /* some KPIs do serve several */
    json_decref(doc);
  }
  json_decref(j);
  store_summary_free(sum);

  /* a year with nothing in it */
  sum = NULL;
  ck_assert_int_eq(store_summary_load(st, "2019-20-Q1", &sum), RB_OK);
  in = store_summary_input(sum);
  ck_assert_uint_eq(in->nitems, 0);
  j = summary_json(in, NULL, NULL);
  ck_assert_uint_eq(json_array_size(th_jget(j, "groups")), 0);
  th_expect_int(j, "overall.milestones.total", 0);
  th_expect_null(j, "overall.milestones.on_track_or_complete_percent");
  th_expect_null(j, "overall.kpis.on_track_percent");
  json_decref(j);
  store_summary_free(sum);
  store_summary_free(NULL);
  store_close(st);
}
END_TEST

START_TEST(test_summary_not_yet_reported)
{
  /* Q2 has no updates or readings in the demo: everything is TBC */
  struct store *st = demo_store();
  struct store_summary *sum = NULL;
  json_t *j;

  ck_assert_int_eq(store_summary_load(st, "2018-19-Q2", &sum), RB_OK);
  j = summary_json(store_summary_input(sum), NULL, NULL);
  th_expect_int(j, "overall.milestones.counts.TBC", 76);
  th_expect_int(j, "overall.kpis.counts.TBC", 50);
  th_expect_num(j, "overall.milestones.on_track_or_complete_percent", 0.0);
  th_expect_int(j, "overall.kpis.rating_disagreements", 0);
  json_decref(j);
  store_summary_free(sum);
  store_close(st);
}
END_TEST

/* ---- the audit trail's keys ------------------------------------------------------- */

/* A file database in a fresh directory, and a raw connection to it. */
struct keyed_db {
  char dir[64], path[96], key_path[112];
  struct store *st;
  sqlite3 *raw;
};

static void
keyed_db_open(struct keyed_db *k)
{
  struct db_options opt = mem_opt;

  snprintf(k->dir, sizeof(k->dir), "/tmp/ragboard-keys-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(k->dir));
  snprintf(k->path, sizeof(k->path), "%s/t.db", k->dir);
  snprintf(k->key_path, sizeof(k->key_path), "%s/t.db.audit-key", k->dir);
  ck_assert_int_eq(store_open(k->path, &opt, true, &k->st), RB_OK);
  ck_assert_int_eq(sqlite3_open(k->path, &k->raw), SQLITE_OK);
  sqlite3_busy_timeout(k->raw, 2000);
}

static void
keyed_db_close(struct keyed_db *k)
{
  char cmd[128];

  sqlite3_close(k->raw);
  store_close(k->st);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", k->dir);
  ck_assert_int_eq(system(cmd), 0);
}

static void
raw_exec(sqlite3 *db, const char *sql)
{
  char *msg = NULL;

  ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql,
                msg != NULL ? msg : "?");
  sqlite3_free(msg);
}

static enum rb_err
append_entry(struct store *st, const char *action, long long n)
{
  json_t *after = json_pack("{s:I, s:s}", "n", (json_int_t)n, "text", "caf\xc3\xa9");
  struct store_audit e = {.at = NOW1,
                          .actor_name = "test",
                          .actor_role = "admin",
                          .action = action,
                          .entity = "token",
                          .entity_id = n,
                          .after = after};
  enum rb_err err;

  begin(st);
  err = store_audit_append(st, &e);
  if (err == RB_OK)
    ck_assert_int_eq(store_commit(st), RB_OK);
  else
    store_rollback(st);
  json_decref(after);
  return err;
}

static json_t *
verify_store(struct store *st)
{
  struct store_audit_check chk = {0, NULL, false};
  json_t *v = NULL;

  ck_assert_int_eq(store_audit_verify(st, &chk, &v), RB_OK);
  return v;
}

static void
assert_verdict(json_t *v, bool ok, long long entries, long long broken)
{
  ck_assert_msg(json_is_true(json_object_get(v, "ok")) == ok, "%s", json_dumps(v, 0));
  ck_assert_msg(json_integer_value(json_object_get(v, "entries")) == entries, "%s",
                json_dumps(v, 0));
  if (broken > 0)
    ck_assert_msg(th_jint(v, "broken.id") == broken, "%s", json_dumps(v, 0));
  json_decref(v);
}

/* An existing trail of plain SHA-256 entries, then keyed: the audit.keyed
 * entry seals the entries before it, after it every entry is keyed, and
 * none can be written without the key. */
START_TEST(test_audit_upgrade_to_keyed)
{
  static const unsigned char key[32] = "0123456789abcdef0123456789abcde";
  struct keyed_db k;
  struct audit_keyring *kr = audit_keyring_of(key);
  struct store_audit who = {.at = NOW2, .actor_name = "migrate", .actor_role = "admin"};
  struct store_audit_keying ky;
  bool wrote = false;
  json_t *v;

  keyed_db_open(&k);
  for (int i = 1; i <= 3; i++)
    ck_assert_int_eq(append_entry(k.st, "token.create", i), RB_OK);
  v = verify_store(k.st);
  ck_assert_int_eq(th_jint(v, "key.unkeyed_entries"), 3);
  ck_assert(json_is_false(th_jget(v, "key.keyed")));
  assert_verdict(v, true, 3, 0);
  /* a BLOB in an unkeyed entry: its text hash cannot see it, verify does */
  raw_exec(k.raw, "DROP TRIGGER audit_no_update");
  raw_exec(k.raw, "UPDATE audit SET entity = CAST(entity AS BLOB) WHERE id = 2");
  v = verify_store(k.st);
  ck_assert_int_eq(th_jint(v, "altered[0].id"), 2);
  assert_verdict(v, false, 1, 2);
  raw_exec(k.raw, "UPDATE audit SET entity = 'token' WHERE id = 2");
  raw_exec(k.raw, "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit\n"
                  "BEGIN\n"
                  "  SELECT RAISE(ABORT, 'audit entries are append-only');\n"
                  "END");

  /* with a key, but the trail not keyed yet: no entry, keyed or not */
  store_set_audit_keys(k.st, kr);
  ck_assert_int_eq(append_entry(k.st, "token.create", 4), RB_ERR_SCHEMA);
  begin(k.st);
  ck_assert_int_eq(store_audit_key_trail(k.st, &who, &wrote), RB_OK);
  ck_assert_int_eq(store_commit(k.st), RB_OK);
  ck_assert(wrote);
  ck_assert_int_eq(store_audit_keying(k.st, &ky), RB_OK);
  ck_assert(ky.keyed);
  ck_assert_int_eq(ky.entries, 4);
  ck_assert_str_eq(ky.signer, kr->keys[0].id);
  ck_assert_int_eq(append_entry(k.st, "token.create", 5), RB_OK);
  v = verify_store(k.st);
  ck_assert_int_eq(th_jint(v, "key.keyed_since"), 4);
  ck_assert_int_eq(th_jint(v, "key.unkeyed_entries"), 3);
  assert_verdict(v, true, 5, 0);

  /* the sealed entries: whatever rewrites them (with correct plain hashes)
   * must change the link the keyed entry after them holds */
  raw_exec(k.raw, "DROP TRIGGER audit_no_update");
  raw_exec(k.raw, "UPDATE audit SET prev_hash = 'x' || prev_hash WHERE id = 4");
  assert_verdict(verify_store(k.st), false, 3, 4);
  raw_exec(k.raw, "UPDATE audit SET prev_hash = substr(prev_hash, 2) WHERE id = 4");
  raw_exec(k.raw, "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit\n"
                  "BEGIN\n"
                  "  SELECT RAISE(ABORT, 'audit entries are append-only');\n"
                  "END");
  assert_verdict(verify_store(k.st), true, 5, 0);

  /* without the key: never an unkeyed entry after keyed ones */
  store_set_audit_keys(k.st, NULL);
  ck_assert_int_eq(append_entry(k.st, "token.create", 6), RB_ERR_SCHEMA);
  v = verify_store(k.st);
  ck_assert_ptr_nonnull(strstr(th_jstr(v, "broken.reason"), "audit key file is needed"));
  assert_verdict(v, false, 3, 4);
  keyed_db_close(&k);
  audit_keyring_free(kr);
}
END_TEST

/* A rotation: the old key signs the entry that names the new one, the new
 * one signs every entry after; verify walks across both with the key file. */
START_TEST(test_audit_rotation)
{
  struct keyed_db k;
  struct audit_keyring *kr = NULL, *old = NULL, *extra = NULL;
  struct store_audit who = {.at = NOW3, .actor_name = "rotate", .actor_role = "admin"};
  struct store_audit_keying ky;
  char why[256], copy[160];
  json_t *v;

  keyed_db_open(&k);
  ck_assert_int_eq(audit_keyring_create(k.key_path, &kr, why, sizeof(why)), RB_OK);
  ck_assert_int_eq(audit_keyring_load(k.key_path, &old, why, sizeof(why)), RB_OK);
  store_set_audit_keys(k.st, kr);
  /* an empty trail starts keyed with its first entry */
  ck_assert_int_eq(append_entry(k.st, "token.create", 1), RB_OK);
  ck_assert_int_eq(append_entry(k.st, "token.create", 2), RB_OK);
  begin(k.st);
  ck_assert_int_eq(store_audit_rotate(k.st, &who), RB_ERR_CONFLICT); /* no new key yet */
  store_rollback(k.st);
  ck_assert_int_eq(audit_keyring_add(k.key_path, kr, why, sizeof(why)), RB_OK);
  ck_assert_uint_eq(kr->n, 2);
  begin(k.st);
  ck_assert_int_eq(store_audit_rotate(k.st, &who), RB_OK);
  ck_assert_int_eq(store_commit(k.st), RB_OK);
  ck_assert_int_eq(store_audit_keying(k.st, &ky), RB_OK);
  ck_assert_str_eq(ky.signer, kr->keys[1].id);
  ck_assert_int_eq(append_entry(k.st, "token.create", 4), RB_OK);
  v = verify_store(k.st);
  ck_assert_str_eq(th_jstr(v, "key.key_id"), kr->keys[1].id);
  assert_verdict(v, true, 4, 0);
  {
    sqlite3_stmt *s;

    ck_assert_int_eq(
      sqlite3_prepare_v2(k.raw, "SELECT group_concat(key_id) FROM audit", -1, &s, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    snprintf(copy, sizeof(copy), "%s,%s,%s,%s", kr->keys[0].id, kr->keys[0].id, kr->keys[0].id,
             kr->keys[1].id);
    ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), copy);
    sqlite3_finalize(s);
  }
  /* the key file of before the rotation cannot verify what came after */
  store_set_audit_keys(k.st, old);
  v = verify_store(k.st);
  ck_assert_ptr_nonnull(strstr(th_jstr(v, "broken.reason"), "not in the audit key file"));
  assert_verdict(v, false, 3, 4);
  /* someone with the old key cuts the trail back to before the rotation:
   * the key file's newest key then signs nothing */
  store_set_audit_keys(k.st, kr);
  raw_exec(k.raw, "DROP TRIGGER audit_no_delete");
  raw_exec(k.raw, "DELETE FROM audit WHERE id >= 3");
  raw_exec(k.raw, "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit\n"
                  "BEGIN\n"
                  "  SELECT RAISE(ABORT, 'audit entries are append-only');\n"
                  "END");
  v = verify_store(k.st);
  ck_assert_msg(strstr(json_string_value(json_array_get(json_object_get(v, "problems"), 0)),
                       "newest key") != NULL,
                "%s", json_dumps(v, 0));
  assert_verdict(v, false, 2, 0);
  /* a key file that is not the database's */
  ck_assert_int_eq(
    audit_keyring_create("/tmp/ragboard-other.key", &extra, why, sizeof(why)) == RB_OK ||
      audit_keyring_load("/tmp/ragboard-other.key", &extra, why, sizeof(why)) == RB_OK,
    1);
  unlink("/tmp/ragboard-other.key");
  store_set_audit_keys(k.st, extra);
  assert_verdict(verify_store(k.st), false, 0, 1);
  keyed_db_close(&k);
  audit_keyring_free(kr);
  audit_keyring_free(old);
  audit_keyring_free(extra);
}
END_TEST

/* The key file: made 0600, refused when others may read it, when a line is
 * not a key or its id does not match; the default path beside the file. */
START_TEST(test_audit_key_file)
{
  struct audit_keyring *kr = NULL, *again = NULL;
  char dir[64], path[96], why[256], *p;
  FILE *f;
  struct stat sb;

  snprintf(dir, sizeof(dir), "/tmp/ragboard-keyfile-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(path, sizeof(path), "%s/k", dir);
  ck_assert_int_eq(audit_keyring_load(path, &kr, why, sizeof(why)), RB_ERR_NOT_FOUND);
  ck_assert_int_eq(audit_keyring_create(path, &kr, why, sizeof(why)), RB_OK);
  ck_assert_int_eq(stat(path, &sb), 0);
  ck_assert_int_eq(sb.st_mode & 0777, 0600);
  ck_assert_int_eq(audit_keyring_create(path, &again, why, sizeof(why)), RB_ERR_CONFLICT);
  ck_assert_int_eq(audit_keyring_load(path, &again, why, sizeof(why)), RB_OK);
  ck_assert_str_eq(again->keys[0].id, kr->keys[0].id);
  ck_assert(memcmp(again->keys[0].key, kr->keys[0].key, 32) == 0);
  audit_keyring_free(again);
  ck_assert_int_eq(chmod(path, 0644), 0);
  ck_assert_int_eq(audit_keyring_load(path, &again, why, sizeof(why)), RB_ERR_IO);
  ck_assert_ptr_nonnull(strstr(why, "chmod 600"));
  ck_assert_int_eq(chmod(path, 0600), 0);
  f = fopen(path, "a");
  fprintf(f, "0000000000000000 %064d\n", 0); /* an id that is not its key's */
  fclose(f);
  ck_assert_int_eq(audit_keyring_load(path, &again, why, sizeof(why)), RB_ERR_IO);
  ck_assert_ptr_nonnull(strstr(why, "line 7"));
  p = audit_key_default_path("file:/var/lib/x/ragboard.db?mode=rw");
  ck_assert_str_eq(p, "/var/lib/x/ragboard.db.audit-key");
  free(p);
  ck_assert_ptr_null(audit_key_default_path(":memory:"));
  audit_keyring_free(kr);
  unlink(path);
  rmdir(dir);
}
END_TEST

static Suite *
store_suite(void)
{
  Suite *s = suite_create("store");
  TCase *tc;

  tc = tcase_create("schema");
  tcase_add_test(tc, test_migrations_table);
  tcase_add_test(tc, test_migrate);
  tcase_add_test(tc, test_store_open_unmigrated);
  tcase_add_test(tc, test_pragmas);
  tcase_add_test(tc, test_file_schema_newer);
  suite_add_tcase(s, tc);

  tc = tcase_create("crud");
  tcase_add_test(tc, test_org_crud);
  tcase_add_test(tc, test_org_list_pages);
  tcase_add_test(tc, test_group_crud);
  tcase_add_test(tc, test_priority_crud);
  tcase_add_test(tc, test_milestone_crud);
  tcase_add_test(tc, test_kpi_crud);
  tcase_add_test(tc, test_data_version);
  suite_add_tcase(s, tc);

  tc = tcase_create("import");
  tcase_add_test(tc, test_import_demo);
  tcase_add_test(tc, test_import_twice_identical);
  tcase_add_test(tc, test_import_invalid_rolls_back);
  tcase_add_test(tc, test_import_audits_changed_figures);
  tcase_add_test(tc, test_import_audits_changed_items);
  tcase_add_test(tc, test_import_audit_before_under_old_rule);
  tcase_add_test(tc, test_import_files_share_created);
  tcase_add_test(tc, test_import_keeps_chairs_left_out);
  tcase_add_test(tc, test_import_keeps_managed_members);
  tcase_add_test(tc, test_import_structure_errors);
  tcase_add_test(tc, test_import_keeps_unmentioned);
  suite_add_tcase(s, tc);

  tc = tcase_create("audit keys");
  tcase_add_test(tc, test_audit_upgrade_to_keyed);
  tcase_add_test(tc, test_audit_rotation);
  tcase_add_test(tc, test_audit_key_file);
  suite_add_tcase(s, tc);

  tc = tcase_create("summary");
  tcase_add_test(tc, test_summary_demo);
  tcase_add_test(tc, test_summary_not_yet_reported);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  return th_run(store_suite());
}
