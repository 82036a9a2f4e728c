/* Group commit: concurrent requests share transactions, and every write
 * acknowledged with RB_OK is in the database while every undone one is not. */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include <sqlite3.h>
#include <time.h>

#include "harness.h"
#include "metrics.h"
#include "store.h"
#include "util.h"
#include "writer.h"

#define THREADS 16
#define WRITES 60

static struct store_pool *pool;
static struct writer *writer;
static char path[256];

struct worker {
  int n;
  int acked[WRITES]; /* 1: RB_OK once durable, 0: undone on purpose */
};

/* One write: an organisation's upsert, kept or (failing on purpose) undone. */
struct org_job {
  struct writer_job job;
  const char *code;
  bool keep;
  bool done;
};

static enum rb_err
org_run(struct writer_job *job, struct store *st)
{
  struct org_job *j = (struct org_job *)job;
  json_t *org = json_pack("{s:s, s:s}", "code", j->code, "name", "group commit test");
  enum rb_err err = store_org_upsert(st, org, "2026-01-01T00:00:00.000Z");

  json_decref(org);
  ck_assert_int_eq(err, RB_OK);
  return j->keep ? RB_OK : RB_ERR_CONFLICT; /* the handler failed after its work */
}

static void
org_done(struct writer_job *job)
{
  ((struct org_job *)job)->done = true;
}

static void *
work(void *arg)
{
  struct worker *w = arg;

  for (int i = 0; i < WRITES; i++) {
    char code[32];
    struct org_job j = {.keep = (i % 7) != 3}; /* every seventh request fails and is undone */

    snprintf(code, sizeof(code), "T%02d-%03d", w->n, i);
    j.code = code;
    j.job.key = (uint64_t)w->n;
    j.job.run = org_run;
    j.job.done = org_done;
    writer_call(writer, &j.job);
    ck_assert(j.done);
    ck_assert_int_eq(j.job.outcome, j.keep ? WRITER_KEPT : WRITER_UNDONE);
    if (j.keep)
      ck_assert_int_eq(j.job.err, RB_OK);
    w->acked[i] = j.keep;
  }
  return NULL;
}

START_TEST(concurrent_writes_all_durable)
{
  struct db_options opt = {.synchronous_full = true, .busy_timeout_ms = 5000, .create = true};
  struct worker workers[THREADS];
  struct metrics *metrics;
  pthread_t t[THREADS];
  struct store *st;
  int64_t v0, v1, id;
  int acked = 0;

  snprintf(path, sizeof(path), "/tmp/ragboard-commit-%d.db", (int)getpid());
  unlink(path);
  ck_assert_int_eq(store_open(path, &opt, true, &st), RB_OK);
  ck_assert_int_eq(store_data_version(st, &v0), RB_OK);
  store_close(st);
  ck_assert_int_eq(store_pool_open(path, &opt, 2, &pool), RB_OK);
  ck_assert_int_eq(metrics_new(&metrics), RB_OK);
  ck_assert_int_eq(writer_new(pool, metrics, &writer), RB_OK);
  ck_assert(writer_start(writer));
  for (int i = 0; i < THREADS; i++) {
    workers[i].n = i;
    pthread_create(&t[i], NULL, work, &workers[i]);
  }
  for (int i = 0; i < THREADS; i++)
    pthread_join(t[i], NULL);
  writer_free(writer);
  metrics_free(metrics);
  store_pool_close(pool);

  /* A fresh connection sees exactly the acknowledged writes. */
  ck_assert_int_eq(store_open(path, &opt, false, &st), RB_OK);
  for (int i = 0; i < THREADS; i++) {
    for (int k = 0; k < WRITES; k++) {
      char code[32];
      enum rb_err err;

      snprintf(code, sizeof(code), "T%02d-%03d", i, k);
      err = store_org_id(st, code, &id);
      if (workers[i].acked[k]) {
        ck_assert_msg(err == RB_OK, "acknowledged write %s is missing", code);
        acked++;
      } else {
        ck_assert_msg(err == RB_ERR_NOT_FOUND, "undone write %s is present", code);
      }
    }
  }
  ck_assert_int_eq(store_data_version(st, &v1), RB_OK);
  /* One bump per committed batch: never more batches than writes. */
  ck_assert_int_gt(v1, v0);
  ck_assert_int_le(v1 - v0, acked);
  fprintf(stderr, "group commit: %d writes in %lld batches\n", acked, (long long)(v1 - v0));
  store_close(st);
  unlink(path);
  {
    char wal[300];

    snprintf(wal, sizeof(wal), "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof(wal), "%s-shm", path);
    unlink(wal);
  }
}
END_TEST

/* ---- the HTTP writer thread ------------------------------------------------ */

/* The value of the reading for quarter in a GET .../readings answer. */
static bool
reading_value(json_t *list, const char *quarter, double *value)
{
  json_t *item;
  size_t k;

  json_array_foreach(json_object_get(list, "items"), k, item)
  {
    if (strcmp(json_string_value(json_object_get(item, "quarter")), quarter) == 0) {
      *value = json_number_value(json_object_get(item, "value"));
      return true;
    }
  }
  return false;
}

static void
one_worker(struct app_config *cfg)
{
  cfg->threads = 1; /* every connection on the same HTTP worker */
}

struct put_job {
  struct th_server *s;
  const char *path, *body;
  long status;
  double took;
};

static void *
put_main(void *arg)
{
  struct put_job *j = arg;
  struct th_response r;
  double t0 = util_monotonic();

  th_request(j->s, "PUT", j->path, j->body, j->s->admin, NULL, &r);
  j->status = r.status;
  j->took = util_monotonic() - t0;
  th_response_free(&r);
  return NULL;
}

/* A write that cannot proceed (another process holds the database's write
 * lock) waits on the writer thread, its connection suspended: the only
 * HTTP worker goes on serving reads. Before the writer thread, this worker
 * sat in the write and the reads below waited for the lock too. */
START_TEST(stalled_write_leaves_reads_served)
{
  struct th_server s;
  struct put_job j;
  pthread_t t;
  sqlite3 *locker;
  double t0;

  th_start(&s, true, one_worker);
  ck_assert_int_eq(sqlite3_open(s.db_path, &locker), SQLITE_OK);
  ck_assert_int_eq(sqlite3_exec(locker, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
  j = (struct put_job){.s = &s,
                       .path = "/api/v1/kpis/1/readings/2018-19-Q2",
                       .body = "{\"value\": 42, \"rating\": \"G\"}"};
  ck_assert_int_eq(pthread_create(&t, NULL, put_main, &j), 0);
  usleep(200 * 1000); /* the PUT is in, waiting for the lock */
  for (int i = 0; i < 10; i++) {
    struct th_response r;

    t0 = util_monotonic();
    th_request(&s, "GET", i % 2 ? "/api/v1/summary?quarter=2018-19-Q1" : "/api/v1/kpis/1", NULL,
               s.viewer, NULL, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_msg(util_monotonic() - t0 < 0.5, "a read took %.3f s behind a stalled write",
                  util_monotonic() - t0);
    th_response_free(&r);
  }
  ck_assert_int_eq(j.status, 0); /* still waiting: the lock is held */
  sqlite3_exec(locker, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close(locker);
  pthread_join(t, NULL);
  ck_assert_msg(j.status == 200 || j.status == 201, "the PUT answered %ld", j.status);
  ck_assert_double_gt(j.took, 0.19); /* it waited for the lock */
  {
    struct th_response r;

    th_request(&s, "GET", "/api/v1/kpis/1/readings", NULL, s.viewer, NULL, &r);
    ck_assert_int_eq(r.status, 200);
    {
      double v;

      ck_assert(reading_value(r.json, "2018-19-Q2", &v));
      ck_assert_double_eq(v, 42);
    }
    th_response_free(&r);
  }
  th_stop(&s);
}
END_TEST

/* A read's token use is recorded by the writer thread, never on an HTTP
 * worker: with the database locked by another process, reads with a token
 * not yet used this minute answer at once (they once waited the whole
 * busy timeout, 5 s, on the worker), and the use is recorded once the lock
 * is gone. */
START_TEST(token_use_never_waits_on_a_worker)
{
  struct th_server s;
  struct th_response r;
  char tok[128], path[64];
  long long id = 0;
  sqlite3 *locker;
  double t0;
  bool recorded = false;

  th_start(&s, true, one_worker);
  th_token(&s, "viewer", NULL, tok, sizeof(tok));
  ck_assert_int_eq(sscanf(tok, "rb1_%lld_", &id), 1);
  ck_assert_int_eq(sqlite3_open(s.db_path, &locker), SQLITE_OK);
  ck_assert_int_eq(sqlite3_exec(locker, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
  for (int i = 0; i < 3; i++) {
    t0 = util_monotonic();
    th_request(&s, "GET", "/api/v1/groups", NULL, tok, NULL, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_msg(util_monotonic() - t0 < 0.5,
                  "a read with a new token took %.3f s, the database locked",
                  util_monotonic() - t0);
    th_response_free(&r);
  }
  sqlite3_exec(locker, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close(locker);
  snprintf(path, sizeof(path), "/api/v1/tokens/%lld", id);
  for (int i = 0; i < 80 && !recorded; i++) { /* the writer retries every second */
    usleep(100 * 1000);
    th_request(&s, "GET", path, NULL, s.admin, NULL, &r);
    ck_assert_int_eq(r.status, 200);
    recorded = json_is_string(json_object_get(r.json, "last_used_at"));
    th_response_free(&r);
  }
  ck_assert_msg(recorded, "the token's use was never recorded");
  th_stop(&s);
}
END_TEST

static void
one_worker_busy_1s(struct app_config *cfg)
{
  cfg->threads = 1;
  cfg->busy_timeout_ms = 1000;
}

/* Recording a token use never waits for a lock on the writer thread
 * either: a write queued behind one, with the database locked, hears its
 * 503 after its own busy timeout (1 s), not after the use's wait too. */
START_TEST(token_use_does_not_hold_the_writer)
{
  struct th_server s;
  struct th_response r;
  struct put_job j;
  pthread_t t;
  char tok[128];
  sqlite3 *locker;

  th_start(&s, true, one_worker_busy_1s);
  th_token(&s, "viewer", NULL, tok, sizeof(tok));
  ck_assert_int_eq(sqlite3_open(s.db_path, &locker), SQLITE_OK);
  ck_assert_int_eq(sqlite3_exec(locker, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
  th_request(&s, "GET", "/api/v1/groups", NULL, tok, NULL, &r); /* a use to record */
  ck_assert_int_eq(r.status, 200);
  th_response_free(&r);
  usleep(100 * 1000);
  j = (struct put_job){.s = &s,
                       .path = "/api/v1/kpis/1/readings/2018-19-Q2",
                       .body = "{\"value\": 43, \"rating\": \"G\"}"};
  ck_assert_int_eq(pthread_create(&t, NULL, put_main, &j), 0);
  pthread_join(t, NULL);
  ck_assert_int_eq(j.status, 503);
  ck_assert_msg(j.took < 1.5, "the PUT's 503 took %.3f s with a 1 s busy timeout", j.took);
  sqlite3_exec(locker, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close(locker);
  th_stop(&s);
}
END_TEST

struct return_job {
  struct th_server *s;
  const char *token;
  long status;
  char detail[512];
};

static void *
return_main(void *arg)
{
  struct return_job *j = arg;
  struct th_response r;

  th_request(j->s, "POST", "/api/v1/quarters/2018-19-Q2/submissions",
             "{\"kpis\": [{\"code\": \"CH/KPI 1\", \"value\": 5}]}", j->token, NULL, &r);
  j->status = r.status;
  snprintf(j->detail, sizeof(j->detail), "%s", r.body != NULL ? r.body : "");
  th_response_free(&r);
  return NULL;
}

/* Post RMBC's one-row return while another process holds the write lock,
 * so that it passes its checks and then waits for the writer; run `sql` in
 * that process meanwhile, release the lock, and answer the return's job. */
static void
return_across(struct th_server *s, const char *token, const char *sql, struct return_job *j)
{
  sqlite3 *locker;
  pthread_t t;

  ck_assert_int_eq(sqlite3_open(s->db_path, &locker), SQLITE_OK);
  ck_assert_int_eq(sqlite3_exec(locker, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
  *j = (struct return_job){.s = s, .token = token};
  ck_assert_int_eq(pthread_create(&t, NULL, return_main, j), 0);
  usleep(300 * 1000); /* checked, and waiting for the lock */
  ck_assert_msg(j->status == 0, "answered before the lock went: %ld %s", j->status, j->detail);
  ck_assert_int_eq(sqlite3_exec(locker, sql, NULL, NULL, NULL), SQLITE_OK);
  ck_assert_int_eq(sqlite3_exec(locker, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(locker);
  pthread_join(t, NULL);
}

/* A return is checked before it joins the writer's queue; what a write can
 * change meanwhile (an item's owner, the quarter's state) is checked again
 * under the writer. */
START_TEST(return_checked_again_under_the_writer)
{
  struct th_server s;
  struct return_job j;
  struct th_response r;
  char rmbc[128];

  th_start(&s, true, NULL);
  th_token(&s, "submitter", "RMBC", rmbc, sizeof(rmbc));
  th_request(&s, "PATCH", "/api/v1/kpis/1", "{\"owner\": \"RMBC\"}", s.admin, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  th_response_free(&r);

  return_across(&s, rmbc,
                "UPDATE kpi SET owner_id = (SELECT id FROM organisation WHERE code = 'TRFT')"
                " WHERE id = 1",
                &j);
  ck_assert_msg(j.status == 422, "a return whose item changed owner answered %ld: %s", j.status,
                j.detail);
  ck_assert_ptr_nonnull(strstr(j.detail, "is owned by TRFT"));

  th_request(&s, "PATCH", "/api/v1/kpis/1", "{\"owner\": \"RMBC\"}", s.admin, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  th_response_free(&r);
  return_across(&s, rmbc, "UPDATE quarter SET state = 'closed' WHERE id = '2018-19-Q2'", &j);
  ck_assert_msg(j.status == 409, "a return to a quarter closed meanwhile answered %ld: %s",
                j.status, j.detail);

  th_request(&s, "GET", "/api/v1/kpis/1/readings", NULL, s.viewer, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  {
    double v;

    ck_assert(!reading_value(r.json, "2018-19-Q2", &v)); /* nothing was written */
  }
  th_response_free(&r);
  th_stop(&s);
}
END_TEST

#define HTTP_WRITERS 8
#define HTTP_WRITES 25
#define AUDIT_Q3 "/api/v1/audit?action=reading.put&quarter=2018-19-Q3&limit=500"

/* Concurrent PUTs from many connections share the writer's transactions:
 * every one is answered 200/201, and each is in the database and in the
 * audit trail exactly as acknowledged. */
START_TEST(concurrent_http_writes_all_acknowledged_and_stored)
{
  struct th_server s;
  struct put_job jobs[HTTP_WRITERS];
  pthread_t t[HTTP_WRITERS];
  char paths[HTTP_WRITERS][96], bodies[HTTP_WRITERS][64];
  struct th_response r;
  long long audit_before, audit_after;

  th_start(&s, true, NULL);
  th_request(&s, "GET", AUDIT_Q3, NULL, s.admin, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  audit_before = (long long)json_array_size(json_object_get(r.json, "items"));
  th_response_free(&r);
  for (int round = 0; round < HTTP_WRITES; round++) {
    for (int i = 0; i < HTTP_WRITERS; i++) {
      snprintf(paths[i], sizeof(paths[i]), "/api/v1/kpis/%d/readings/2018-19-Q3", i + 1);
      snprintf(bodies[i], sizeof(bodies[i]), "{\"value\": %d}", round * 100 + i);
      jobs[i] = (struct put_job){.s = &s, .path = paths[i], .body = bodies[i]};
      ck_assert_int_eq(pthread_create(&t[i], NULL, put_main, &jobs[i]), 0);
    }
    for (int i = 0; i < HTTP_WRITERS; i++) {
      pthread_join(t[i], NULL);
      ck_assert_msg(jobs[i].status == (round == 0 ? 201 : 200), "PUT %s answered %ld", paths[i],
                    jobs[i].status);
    }
  }
  for (int i = 0; i < HTTP_WRITERS; i++) {
    double v;

    snprintf(paths[i], sizeof(paths[i]), "/api/v1/kpis/%d/readings", i + 1);
    th_request(&s, "GET", paths[i], NULL, s.viewer, NULL, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_msg(reading_value(r.json, "2018-19-Q3", &v), "no 2018-19-Q3 reading for KPI %d",
                  i + 1);
    ck_assert_double_eq(v, (HTTP_WRITES - 1) * 100 + i);
    th_response_free(&r);
  }
  th_request(&s, "GET", AUDIT_Q3, NULL, s.admin, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  audit_after = (long long)json_array_size(json_object_get(r.json, "items"));
  th_response_free(&r);
  ck_assert_int_eq(audit_after - audit_before, HTTP_WRITERS * HTTP_WRITES);
  th_request(&s, "GET", "/api/v1/audit/verify", NULL, s.admin, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert(json_is_true(json_object_get(r.json, "ok")));
  th_response_free(&r);
  th_stop(&s);
}
END_TEST

/* ---- one token's refused returns and everyone else's writes ------------------- */

#define FLOOD_ITEMS 8000 /* KPIs in the flood's plan year (the return: 10,000 rows) */
#define FLOOD_THREADS 4
#define FLOOD_PUTS 100
#define FLOOD_Q "2030-31-Q2"

/* Plan year 2030-31 with n KPIs, 3 in 10 owned by RMBC and the rest by
 * TRFT, and its Q2 open. */
static void
import_flood_year(struct th_server *s, int n)
{
  json_t *doc, *kpis;
  struct th_response r;
  char *text;

  doc =
    json_pack("{s:s, s:s, s:[{s:s, s:s}], s:[{s:s, s:s}], s:[{s:s, s:i, s:s}], s:[], s:[]}",
              "format", "icp-performance-dataset/1", "financial_year", "2030-31", "quarters", "id",
              FLOOD_Q, "state", "open", "groups", "code", "FLD", "name", "Flood", "priorities",
              "group", "FLD", "number", 1, "title", "Flood", "milestones", "kpis");
  ck_assert_ptr_nonnull(doc);
  kpis = json_object_get(doc, "kpis");
  for (int i = 0; i < n; i++) {
    char code[32];

    snprintf(code, sizeof(code), "F/KPI %d", i);
    json_array_append_new(kpis, json_pack("{s:s, s:s, s:[i], s:s, s:s}", "code", code, "group",
                                          "FLD", "priorities", 1, "description", "Flood KPI",
                                          "owner", i % 10 < 3 ? "RMBC" : "TRFT"));
  }
  text = json_dumps(doc, JSON_COMPACT);
  json_decref(doc);
  th_request(s, "POST", "/api/v1/import", text, s->admin, NULL, &r);
  ck_assert_msg(r.status == 200, "import: %ld %.300s", r.status, r.body);
  th_response_free(&r);
  free(text);
}

/* A return of a reading for every KPI of the flood's year: 7 in 10 rows
 * are another organisation's, so RMBC's submitter is refused (422). */
static char *
flood_return(int n)
{
  json_t *doc = json_pack("{s:[]}", "kpis"), *kpis = json_object_get(doc, "kpis");
  char *text;

  for (int i = 0; i < n; i++) {
    char code[32];

    snprintf(code, sizeof(code), "F/KPI %d", i);
    json_array_append_new(
      kpis, json_pack("{s:s, s:i, s:s}", "code", code, "value", i, "comment", "flood"));
  }
  text = json_dumps(doc, JSON_COMPACT);
  json_decref(doc);
  return text;
}

struct flood {
  struct th_server *s;
  const char *token, *body;
  atomic_bool *stop;
  atomic_int *refused; /* returns answered 422, all threads */
  long other;          /* any other answer: a failure */
  double took;         /* seconds spent on refused returns */
};

static void *
flood_main(void *arg)
{
  struct flood *f = arg;

  while (!atomic_load(f->stop)) {
    struct th_response r;
    double t0 = util_monotonic();

    th_request(f->s, "POST", "/api/v1/quarters/" FLOOD_Q "/submissions", f->body, f->token, NULL,
               &r);
    if (r.status == 422) {
      atomic_fetch_add(f->refused, 1);
      f->took += util_monotonic() - t0;
    } else {
      f->other = r.status;
    }
    th_response_free(&r);
  }
  return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y;
}

/* The admin's single PUTs (changed readings, 5 ms apart): the 99th
 * percentile of their times, in seconds. At least FLOOD_PUTS of them, and
 * with `refused` (may be NULL) for as long as it takes `need` more returns
 * to be refused (the flood goes on throughout); at most `budget` seconds
 * are spent: a stalled writer (the bug) is measured on what was sampled. */
static double
admin_put_p99(struct th_server *s, int first, double budget, atomic_int *refused, int need,
              int *sampled)
{
  static double took[10 * FLOOD_PUTS];
  double started = util_monotonic();
  int n = 0, refused0 = refused != NULL ? atomic_load(refused) : 0;

  while (n < 10 * FLOOD_PUTS && (n < 10 || util_monotonic() - started < budget) &&
         (n < FLOOD_PUTS || (refused != NULL && atomic_load(refused) - refused0 < need))) {
    struct th_response r;
    char body[64];
    double t0 = util_monotonic();

    snprintf(body, sizeof(body), "{\"value\": %d}", first + n);
    th_request(s, "PUT", "/api/v1/kpis/1/readings/2018-19-Q3", body, s->admin, NULL, &r);
    took[n] = util_monotonic() - t0;
    ck_assert_msg(r.status == 200 || r.status == 201, "the admin's PUT answered %ld: %.300s",
                  r.status, r.body);
    th_response_free(&r);
    n++;
    usleep(5 * 1000);
  }
  qsort(took, (size_t)n, sizeof(took[0]), cmp_double);
  *sampled = n;
  return took[(int)ceil(0.99 * n) - 1];
}

/* Four threads posting a large return that is refused (70% of its rows
 * are another organisation's) once took an admin's single PUT from 1.5 ms
 * to 652 ms median: each refused return was checked on the writer thread,
 * in front of every other token's writes. They are checked before they
 * join the writer's queue (on the checker thread, fairly between tokens),
 * so the admin's PUTs keep their pace: the target is a p99 under
 * 50 ms; here 50 ms above the same PUTs' p99 without the flood, so that a
 * loaded machine does not fail it (a stalled writer is hundreds of ms). */
/* The margin above the quiet p99. Under AddressSanitizer every check runs
 * about 8 times slower (a refused 8,000-row return: 4.3 s against 0.5 s),
 * so four flooding threads keep both cores busy and a PUT waits for a core,
 * not for the writer: 250 ms there. A stalled writer still fails either
 * way: it waits for whole returns, seconds each under the sanitizer. */
#if defined(__SANITIZE_ADDRESS__)
#define FLOOD_MARGIN 0.250
#else
#define FLOOD_MARGIN 0.050
#endif

START_TEST(refused_returns_do_not_stall_other_writes)
{
  struct th_server s;
  struct flood fl[FLOOD_THREADS];
  pthread_t t[FLOOD_THREADS];
  atomic_bool stop = false;
  atomic_int refused = 0;
  char rmbc[128], *body;
  double quiet, flooded, took = 0;
  int nquiet, nflood, during;
  struct th_response r;

  th_start(&s, true, NULL);
  import_flood_year(&s, FLOOD_ITEMS);
  th_token(&s, "submitter", "RMBC", rmbc, sizeof(rmbc));
  body = flood_return(FLOOD_ITEMS);
  th_request(&s, "POST", "/api/v1/quarters/" FLOOD_Q "/submissions", body, rmbc, NULL, &r);
  ck_assert_int_eq(r.status, 422);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "errors")), FLOOD_ITEMS / 10 * 7);
  th_response_free(&r);

  quiet = admin_put_p99(&s, 0, 10.0, NULL, 0, &nquiet);
  for (int i = 0; i < FLOOD_THREADS; i++) {
    fl[i] =
      (struct flood){.s = &s, .token = rmbc, .body = body, .stop = &stop, .refused = &refused};
    ck_assert_int_eq(pthread_create(&t[i], NULL, flood_main, &fl[i]), 0);
  }
  while (atomic_load(&refused) < FLOOD_THREADS) /* the flood is under way */
    usleep(10 * 1000);
  during = atomic_load(&refused);
  flooded = admin_put_p99(&s, 10000, 20.0, &refused, FLOOD_THREADS, &nflood);
  during = atomic_load(&refused) - during;
  atomic_store(&stop, true);
  for (int i = 0; i < FLOOD_THREADS; i++) {
    pthread_join(t[i], NULL);
    ck_assert_msg(fl[i].other == 0, "a flood return answered %ld", fl[i].other);
    took += fl[i].took;
  }
  fprintf(stderr,
          "refused_returns_do_not_stall_other_writes: admin PUT p99 %.1f ms quiet (%d), %.1f ms "
          "under %d threads of %d-row refused returns (%d PUTs; %d returns refused meanwhile, "
          "%.0f ms each)\n",
          quiet * 1e3, nquiet, flooded * 1e3, FLOOD_THREADS, FLOOD_ITEMS, nflood, during,
          took * 1e3 / atomic_load(&refused));
  ck_assert_msg(during >= FLOOD_THREADS, "only %d returns were refused while measuring", during);
  ck_assert_msg(flooded < FLOOD_MARGIN + quiet,
                "the admin's PUT p99 was %.1f ms under the flood, %.1f ms without it",
                flooded * 1e3, quiet * 1e3);
  /* nothing refused was written */
  th_request(&s, "GET", "/api/v1/quarters/" FLOOD_Q "/completeness", NULL, s.admin, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert_int_eq(json_integer_value(json_object_get(r.json, "provided")), 0);
  th_response_free(&r);
  free(body);
  th_stop(&s);
}
END_TEST

static Suite *
commit_suite(void)
{
  Suite *s = suite_create("commit");
  TCase *tc;

  tc = th_tcase(s, "group_commit", NULL, NULL, 120);
  tcase_add_test(tc, concurrent_writes_all_durable);

  tc = th_tcase(s, "writer_thread", NULL, NULL, 120);
  tcase_add_test(tc, stalled_write_leaves_reads_served);
  tcase_add_test(tc, token_use_never_waits_on_a_worker);
  tcase_add_test(tc, token_use_does_not_hold_the_writer);
  tcase_add_test(tc, concurrent_http_writes_all_acknowledged_and_stored);
  tcase_add_test(tc, return_checked_again_under_the_writer);

  tc = th_tcase(s, "fairness", NULL, NULL, 240);
  tcase_add_test(tc, refused_returns_do_not_stall_other_writes);
  return s;
}

int
main(void)
{
  return th_run(commit_suite());
}
