/* Group commit: concurrent requests share transactions, and every write
 * acknowledged with RB_OK is in the database while every undone one is not. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "store.h"

#define THREADS 16
#define WRITES 60

static struct store_pool *pool;
static char path[256];

struct worker {
  int n;
  int acked[WRITES];   /* 1: RB_OK after wait, 0: undone on purpose */
};

static void *
work(void *arg)
{
  struct worker *w = arg;

  for (int i = 0; i < WRITES; i++) {
    enum rb_err err;
    struct store *st = store_pool_write_begin(pool, &err);
    char code[32];
    json_t *org;
    bool keep = (i % 7) != 3; /* every seventh request fails and is undone */

    ck_assert_ptr_nonnull(st);
    snprintf(code, sizeof(code), "T%02d-%03d", w->n, i);
    org = json_pack("{s:s, s:s}", "code", code, "name", "group commit test");
    ck_assert_int_eq(store_org_upsert(st, org, "2026-01-01T00:00:00.000Z"), RB_OK);
    json_decref(org);
    err = store_pool_write_end(pool, st, keep, keep);
    ck_assert_int_eq(err, RB_OK);
    w->acked[i] = keep;
  }
  return NULL;
}

START_TEST(concurrent_writes_all_durable)
{
  struct db_options opt = {.synchronous_full = true, .busy_timeout_ms = 5000, .create = true};
  struct worker workers[THREADS];
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
  for (int i = 0; i < THREADS; i++) {
    workers[i].n = i;
    pthread_create(&t[i], NULL, work, &workers[i]);
  }
  for (int i = 0; i < THREADS; i++)
    pthread_join(t[i], NULL);
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

int
main(void)
{
  Suite *s = suite_create("commit");
  TCase *tc = tcase_create("group_commit");
  SRunner *sr;
  int failed;

  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, concurrent_writes_all_durable);
  suite_add_tcase(s, tc);
  sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
