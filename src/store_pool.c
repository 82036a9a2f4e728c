/* The pool: a read connection per HTTP worker and the one writer
 * connection, lent out one request (or one writer round) at a time; and
 * what every connection of the process shares: the latest data versions
 * seen, and the storage fault the last failed write met. */
#include "store_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct store_pool {
  pthread_mutex_t mu;
  pthread_cond_t cv; /* a reader was given back */
  struct store *free_readers;
  struct store **all;
  int n;
  struct store *writer;
  bool writer_out;          /* under mu: lent out (store_pool_writer) */
  pthread_cond_t writer_cv; /* the writer was given back */
  atomic_llong version;     /* latest data version known to this process */
  atomic_llong ref_version; /* latest reference version known to this process */
  /* The storage fault (disk full, read-only, I/O) the last failed write
   * met and when, until a write commits again (readiness says so), under
   * mu; RB_OK when none. */
  enum rb_err fault;
  char fault_at[UTIL_TIME_LEN];
  pthread_mutex_t years_mu; /* reporting versions per plan year */
  struct {
    char year[8];
    int64_t version;
  } years[64];
  int nyears;
};

enum rb_err
store_pool_open(const char *path, const struct db_options *opt, int readers,
                struct store_pool **out)
{
  struct store_pool *p = calloc(1, sizeof(*p));
  struct db_options ro = *opt;
  enum rb_err err;

  if (p == NULL)
    return RB_ERR_NOMEM;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  pthread_cond_init(&p->writer_cv, NULL);
  pthread_mutex_init(&p->years_mu, NULL);
  if (readers < 1)
    readers = 1;
  p->all = calloc((size_t)readers, sizeof(*p->all));
  if (p->all == NULL) {
    err = RB_ERR_NOMEM;
    goto fail;
  }
  err = store_open(path, opt, false, &p->writer);
  if (err != RB_OK)
    goto fail;
  {
    int64_t v = 0;

    err = store_data_version(p->writer, &v);
    if (err != RB_OK)
      goto fail;
    atomic_init(&p->version, v);
    err = store_reference_version(p->writer, &v);
    if (err != RB_OK)
      goto fail;
    atomic_init(&p->ref_version, v);
  }
  ro.create = false;
  for (int i = 0; i < readers; i++) {
    err = store_open(path, &ro, false, &p->all[i]);
    if (err != RB_OK)
      goto fail;
    p->n++;
    p->all[i]->next_free = p->free_readers;
    p->free_readers = p->all[i];
  }
  *out = p;
  return RB_OK;
fail:
  store_pool_close(p);
  return err;
}

void
store_pool_set_audit_keys(struct store_pool *p, const struct audit_keyring *keys)
{
  store_set_audit_keys(p->writer, keys);
  for (int i = 0; i < p->n; i++)
    store_set_audit_keys(p->all[i], keys);
}

void
store_pool_close(struct store_pool *p)
{
  if (p == NULL)
    return;
  for (int i = 0; i < p->n; i++)
    store_close(p->all[i]);
  free(p->all);
  store_close(p->writer);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv);
  pthread_cond_destroy(&p->writer_cv);
  pthread_mutex_destroy(&p->years_mu);
  free(p);
}

struct store *
store_pool_reader(struct store_pool *p)
{
  struct store *st;

  pthread_mutex_lock(&p->mu);
  while (p->free_readers == NULL)
    pthread_cond_wait(&p->cv, &p->mu);
  st = p->free_readers;
  p->free_readers = st->next_free;
  pthread_mutex_unlock(&p->mu);
  return st;
}

struct store *
store_pool_writer(struct store_pool *p)
{
  pthread_mutex_lock(&p->mu);
  while (p->writer_out)
    pthread_cond_wait(&p->writer_cv, &p->mu);
  p->writer_out = true;
  pthread_mutex_unlock(&p->mu);
  return p->writer;
}

struct store *
store_pool_try_writer(struct store_pool *p)
{
  struct store *w = NULL;

  pthread_mutex_lock(&p->mu);
  if (!p->writer_out) {
    p->writer_out = true;
    w = p->writer;
  }
  pthread_mutex_unlock(&p->mu);
  return w;
}

void
store_pool_release(struct store_pool *p, struct store *st)
{
  if (st == NULL)
    return;
  if (st->in_txn)
    store_rollback(st);
  pthread_mutex_lock(&p->mu);
  if (st == p->writer) {
    p->writer_out = false;
    pthread_cond_signal(&p->writer_cv);
  } else {
    st->next_free = p->free_readers;
    p->free_readers = st;
    pthread_cond_signal(&p->cv);
  }
  pthread_mutex_unlock(&p->mu);
}

int64_t
store_pool_version(struct store_pool *p)
{
  return atomic_load(&p->version);
}

void
store_pool_saw_version(struct store_pool *p, int64_t v)
{
  long long cur = atomic_load(&p->version);

  while (v > cur && !atomic_compare_exchange_weak(&p->version, &cur, v))
    ;
}

int64_t
store_pool_reference_version(struct store_pool *p)
{
  return atomic_load(&p->ref_version);
}

void
store_pool_saw_reference_version(struct store_pool *p, int64_t v)
{
  long long cur = atomic_load(&p->ref_version);

  while (v > cur && !atomic_compare_exchange_weak(&p->ref_version, &cur, v))
    ;
}

bool
store_pool_reporting_version(struct store_pool *p, const char *year, int64_t *out)
{
  bool known = false;

  pthread_mutex_lock(&p->years_mu);
  for (int i = 0; i < p->nyears && !known; i++) {
    if (strcmp(p->years[i].year, year) == 0) {
      *out = p->years[i].version;
      known = true;
    }
  }
  pthread_mutex_unlock(&p->years_mu);
  return known;
}

void
store_pool_saw_reporting_version(struct store_pool *p, const char *year, int64_t v)
{
  int i;

  if (strlen(year) >= sizeof(p->years[0].year))
    return;
  pthread_mutex_lock(&p->years_mu);
  for (i = 0; i < p->nyears && strcmp(p->years[i].year, year) != 0; i++)
    ;
  if (i == p->nyears && p->nyears < 64) {
    strcpy(p->years[i].year, year);
    p->years[i].version = v;
    p->nyears++;
  } else if (i < p->nyears && v > p->years[i].version) {
    p->years[i].version = v;
  }
  pthread_mutex_unlock(&p->years_mu);
}

/* Storage faults are what a probe cannot see: the database answers reads
 * while every write fails. Anything else (busy, a constraint) is the
 * request's own business. */
static bool
storage_fault(enum rb_err err)
{
  return err == RB_ERR_FULL || err == RB_ERR_READONLY || err == RB_ERR_IO;
}

void
store_pool_note_write(struct store_pool *p, enum rb_err err)
{
  char now[UTIL_TIME_LEN];

  if (err != RB_OK && !storage_fault(err))
    return;
  util_now(now);
  pthread_mutex_lock(&p->mu);
  p->fault = err;
  if (err != RB_OK)
    snprintf(p->fault_at, sizeof(p->fault_at), "%s", now);
  pthread_mutex_unlock(&p->mu);
}

enum rb_err
store_pool_write_fault(struct store_pool *p, char *at)
{
  enum rb_err err;

  pthread_mutex_lock(&p->mu);
  err = p->fault;
  if (err != RB_OK && at != NULL)
    snprintf(at, UTIL_TIME_LEN, "%s", p->fault_at);
  pthread_mutex_unlock(&p->mu);
  return err;
}

enum rb_err
store_pool_commit_write(struct store_pool *p, struct store *w)
{
  bool changed = w->changed, ref_changed = w->ref_changed;
  enum rb_err err;

  if (!store_txn_open(w)) {
    err = RB_ERR_DB; /* SQLite rolled the transaction back after an error */
    store_rollback(w);
  } else {
    err = store_commit(w);
  }
  /* A changing commit wrote pages (the data version at least) to disk:
   * storage works again. */
  if (err == RB_OK && changed) {
    store_pool_note_write(p, RB_OK);
    store_pool_saw_version(p, w->version_after);
    if (ref_changed)
      store_pool_saw_reference_version(p, w->ref_after);
    for (int i = 0; i < w->nrep; i++)
      store_pool_saw_reporting_version(p, w->rep_years[i], w->rep_after[i]);
  }
  if (err != RB_OK)
    store_pool_note_write(p, err);
  return err;
}
