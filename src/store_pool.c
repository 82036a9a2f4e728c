#include "store_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

/* ---- pool ------------------------------------------------------------------ */

#define BATCH_MAX 128             /* requests in one group commit */
#define BATCH_MAX_AGE_NS 5000000L /* commit a batch at most 5 ms after it opened */
#define RESULTS 256               /* ring of recent batch results */

struct touch {
  int64_t id;
  char at[32];
};

struct store_pool {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  struct store *free_readers;
  struct store **all;
  int n;
  struct store *writer;
  pthread_mutex_t writer_mu;
  /* group commit state, under writer_mu */
  pthread_cond_t batch_cv;
  int entering;           /* threads in write_begin, not yet holding writer_mu */
  uint64_t batch;         /* open batch id, 0 when no transaction is open */
  uint64_t last_id;       /* last batch id handed out */
  uint64_t committed;     /* every batch <= this has its result in results[] */
  int members;            /* requests that joined the open batch */
  struct timespec opened; /* CLOCK_MONOTONIC */
  enum rb_err results[RESULTS];
  atomic_llong version;     /* latest data version known to this process */
  atomic_llong ref_version; /* latest reference version known to this process */
  struct touch touches[64]; /* token uses not yet recorded, under mu */
  int ntouches;
  /* Who records the uses instead of the caller (the HTTP writer thread),
   * under mu; NULL: the caller records them if the writer is free. */
  void (*touch_waker)(void *);
  void *touch_waker_ctx;
  /* A writer thread's round (the requests it runs before it commits) in
   * which a BEGIN waited the whole busy timeout in vain, under writer_mu:
   * the rest of the round fails at once instead of waiting in turn (a
   * round of 128 would otherwise take 128 timeouts to answer). Cleared by
   * store_pool_commit. Only with a writer thread (touch_waker set). */
  bool round_busy;
  int busy_ms; /* the writer's busy timeout, as opened */
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
  p->busy_ms = opt->busy_timeout_ms > 0 ? opt->busy_timeout_ms : 5000;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  pthread_mutex_init(&p->writer_mu, NULL);
  pthread_cond_init(&p->batch_cv, NULL);
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
  pthread_mutex_destroy(&p->writer_mu);
  pthread_cond_destroy(&p->batch_cv);
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
  pthread_mutex_lock(&p->writer_mu);
  return p->writer;
}

void
store_pool_release(struct store_pool *p, struct store *st)
{
  if (st == NULL)
    return;
  if (st->in_txn)
    store_rollback(st);
  if (st == p->writer) {
    pthread_mutex_unlock(&p->writer_mu);
    return;
  }
  pthread_mutex_lock(&p->mu);
  st->next_free = p->free_readers;
  p->free_readers = st;
  pthread_cond_signal(&p->cv);
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

/* ---- group commit ---------------------------------------------------------- */

static enum rb_err
savepoint(struct store *st, const char *sql_static)
{
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql_static, &s);

  return err != RB_OK ? err : store_exec(st, s);
}

static const char sp_begin[] = "SAVEPOINT request";
static const char sp_release[] = "RELEASE request";
static const char sp_undo[] = "ROLLBACK TO request";

/* Commit the open batch (writer_mu held) and publish its result. */
static void
finish_batch(struct store_pool *p, enum rb_err err)
{
  struct store *w = p->writer;
  uint64_t id = p->batch;

  if (err == RB_OK && sqlite3_get_autocommit(w->db))
    err = RB_ERR_DB; /* SQLite rolled the transaction back after an error */
  if (err == RB_OK) {
    bool changed = w->changed, ref_changed = w->ref_changed;

    err = store_commit(w);
    /* A changing commit wrote pages (the data version at least) to disk:
     * storage works again. */
    if (err == RB_OK && changed)
      store_pool_note_write(p, RB_OK);
    if (err == RB_OK && changed)
      store_pool_saw_version(p, w->version_after);
    if (err == RB_OK && ref_changed)
      store_pool_saw_reference_version(p, w->ref_after);
    for (int i = 0; err == RB_OK && changed && i < w->nrep; i++)
      store_pool_saw_reporting_version(p, w->rep_years[i], w->rep_after[i]);
  } else {
    store_rollback(w);
  }
  if (err != RB_OK)
    store_pool_note_write(p, err);
  p->results[id % RESULTS] = err;
  p->committed = id;
  p->batch = 0;
  p->members = 0;
  pthread_cond_broadcast(&p->batch_cv);
}

static bool
batch_due(const struct store_pool *p)
{
  struct timespec now;
  long age;

  if (p->entering == 0 || p->members >= BATCH_MAX)
    return true;
  clock_gettime(CLOCK_MONOTONIC, &now);
  age = (now.tv_sec - p->opened.tv_sec) * 1000000000L + (now.tv_nsec - p->opened.tv_nsec);
  return age >= BATCH_MAX_AGE_NS;
}

static bool
writer_thread(struct store_pool *p)
{
  bool yes;

  pthread_mutex_lock(&p->mu);
  yes = p->touch_waker != NULL;
  pthread_mutex_unlock(&p->mu);
  return yes;
}

static bool
touches_pending(struct store_pool *p)
{
  bool pending;

  pthread_mutex_lock(&p->mu);
  pending = p->ntouches > 0;
  pthread_mutex_unlock(&p->mu);
  return pending;
}

/* Record the pending token uses, each in its own savepoint: a use that
 * cannot be recorded is dropped, never a reason to fail a batch, unless
 * SQLite rolled the whole transaction back: then the batch is finished as
 * failed here (p->batch is 0 after). writer_mu held, a batch open. */
static void
apply_touches(struct store_pool *p)
{
  static const char sp_touch[] = "SAVEPOINT touch", sp_touch_release[] = "RELEASE touch",
                    sp_touch_undo[] = "ROLLBACK TO touch";
  struct touch todo[64];
  int n;

  pthread_mutex_lock(&p->mu);
  n = p->ntouches;
  memcpy(todo, p->touches, (size_t)n * sizeof(todo[0]));
  p->ntouches = 0;
  pthread_mutex_unlock(&p->mu);
  for (int i = 0; i < n; i++) {
    if (savepoint(p->writer, sp_touch) != RB_OK)
      return;
    if (store_token_touch(p->writer, todo[i].id, todo[i].at) != RB_OK) {
      if (sqlite3_get_autocommit(p->writer->db)) {
        finish_batch(p, RB_ERR_DB); /* the batch went with it */
        return;
      }
      (void)savepoint(p->writer, sp_touch_undo);
    }
    (void)savepoint(p->writer, sp_touch_release);
  }
}

/* Begin the writer's transaction as a new batch; writer_mu held, no batch
 * open. wait: up to the busy timeout for another process's lock, else not
 * at all (RB_ERR_BUSY at once). */
static enum rb_err
open_batch(struct store_pool *p, bool wait)
{
  enum rb_err e;

  if (!wait)
    sqlite3_busy_timeout(p->writer->db, 0);
  e = store_begin(p->writer, true);
  if (!wait)
    sqlite3_busy_timeout(p->writer->db, p->busy_ms);
  if (e != RB_OK)
    return e;
  p->batch = ++p->last_id;
  clock_gettime(CLOCK_MONOTONIC, &p->opened);
  return RB_OK;
}

/* Join (or open) the batch; writer_mu held. NULL and *err on failure,
 * writer_mu then released. */
static struct store *
enter_locked(struct store_pool *p, enum rb_err *err)
{
  enum rb_err e;

  if (p->batch == 0) {
    if (p->round_busy) {
      pthread_mutex_unlock(&p->writer_mu);
      *err = RB_ERR_BUSY;
      return NULL;
    }
    e = open_batch(p, true);
    if (e != RB_OK) {
      if (e == RB_ERR_BUSY && writer_thread(p))
        p->round_busy = true;
      pthread_mutex_unlock(&p->writer_mu);
      *err = e;
      return NULL;
    }
  }
  if (touches_pending(p)) {
    apply_touches(p);
    if (p->batch == 0) { /* lost with a use that could not be recorded */
      pthread_mutex_unlock(&p->writer_mu);
      *err = RB_ERR_DB;
      return NULL;
    }
  }
  e = savepoint(p->writer, sp_begin);
  if (e != RB_OK) {
    /* Leave as a request that did nothing: the batch still gets committed. */
    store_pool_write_end(p, p->writer, false, false);
    *err = e;
    return NULL;
  }
  p->members++;
  return p->writer;
}

struct store *
store_pool_write_begin(struct store_pool *p, enum rb_err *err)
{
  pthread_mutex_lock(&p->mu);
  p->entering++;
  pthread_mutex_unlock(&p->mu);
  pthread_mutex_lock(&p->writer_mu);
  pthread_mutex_lock(&p->mu);
  p->entering--;
  pthread_mutex_unlock(&p->mu);
  return enter_locked(p, err);
}

void
store_pool_touch_token(struct store_pool *p, int64_t token_id, const char *now, bool defer)
{
  void (*waker)(void *);
  void *waker_ctx;
  enum rb_err err;
  int i;

  pthread_mutex_lock(&p->mu);
  for (i = 0; i < p->ntouches && p->touches[i].id != token_id; i++)
    ;
  if (i < 64) {
    p->touches[i].id = token_id;
    snprintf(p->touches[i].at, sizeof(p->touches[i].at), "%s", now);
    if (i == p->ntouches)
      p->ntouches++;
  }
  waker = p->touch_waker;
  waker_ctx = p->touch_waker_ctx;
  pthread_mutex_unlock(&p->mu);
  /* A writer thread records it, never the caller (an HTTP worker must not
   * wait on a lock or an fsync); else the caller if the writer is free,
   * or the writer's next request. Never wait for it. */
  if (waker != NULL) {
    if (!defer)
      waker(waker_ctx);
    return;
  }
  if (defer || pthread_mutex_trylock(&p->writer_mu) != 0)
    return;
  if (enter_locked(p, &err) != NULL)
    (void)store_pool_write_end(p, p->writer, true, false);
}

void
store_pool_set_touch_waker(struct store_pool *p, void (*waker)(void *), void *ctx)
{
  pthread_mutex_lock(&p->mu);
  p->touch_waker = waker;
  p->touch_waker_ctx = ctx;
  pthread_mutex_unlock(&p->mu);
}

bool
store_pool_record_touches(struct store_pool *p)
{
  bool pending;

  pthread_mutex_lock(&p->writer_mu);
  /* Never waits for a lock: a use that cannot be recorded now stays
   * pending and the caller tries again later, so a locked database holds
   * neither the writer (and the writes behind it) nor a shutdown. */
  if (p->batch == 0 && touches_pending(p))
    (void)open_batch(p, false);
  if (p->batch != 0 && touches_pending(p))
    apply_touches(p);
  if (p->batch != 0)
    finish_batch(p, RB_OK);
  pending = touches_pending(p);
  pthread_mutex_unlock(&p->writer_mu);
  return pending;
}

/* Release (keep) or undo the request's savepoint. When SQLite has rolled
 * the whole transaction back after an error, the batch is lost and is
 * finished here with a failure every member will hear. writer_mu held. */
static enum rb_err
leave_savepoint(struct store_pool *p, struct store *st, bool keep)
{
  enum rb_err err = RB_OK;

  if (!sqlite3_get_autocommit(st->db)) {
    if (keep) {
      err = savepoint(st, sp_release);
    } else {
      (void)savepoint(st, sp_undo);
      (void)savepoint(st, sp_release);
    }
  }
  if (sqlite3_get_autocommit(st->db) && p->batch != 0) {
    finish_batch(p, err != RB_OK ? err : RB_ERR_DB);
    return err != RB_OK ? err : RB_ERR_DB;
  }
  if (err != RB_OK) {
    (void)savepoint(st, sp_undo);
    (void)savepoint(st, sp_release);
  }
  return err;
}

enum rb_err
store_pool_write_end(struct store_pool *p, struct store *st, bool keep, bool wait)
{
  enum rb_err err;
  uint64_t mine = p->batch;
  bool due;

  err = leave_savepoint(p, st, keep);
  if (p->batch == 0) { /* the batch was lost: results[] says so */
    err = wait ? p->results[mine % RESULTS] : RB_OK;
    pthread_mutex_unlock(&p->writer_mu);
    return err;
  }
  pthread_mutex_lock(&p->mu);
  due = batch_due(p);
  pthread_mutex_unlock(&p->mu);
  if (due) {
    finish_batch(p, RB_OK);
    if (err == RB_OK && wait)
      err = p->results[mine % RESULTS];
    pthread_mutex_unlock(&p->writer_mu);
    return err;
  }
  if (!wait || err != RB_OK) {
    pthread_mutex_unlock(&p->writer_mu);
    return err;
  }
  /* Someone is queued behind us and will commit this batch (or a later
   * member will): wait for it. pthread_cond_wait releases writer_mu. */
  while (p->committed < mine)
    pthread_cond_wait(&p->batch_cv, &p->writer_mu);
  err = p->results[mine % RESULTS];
  pthread_mutex_unlock(&p->writer_mu);
  return err;
}

enum rb_err
store_pool_write_leave(struct store_pool *p, struct store *st, bool keep, uint64_t *batch)
{
  uint64_t mine = p->batch;
  enum rb_err err = leave_savepoint(p, st, keep);

  pthread_mutex_unlock(&p->writer_mu);
  if (err == RB_OK)
    *batch = mine;
  return err;
}

bool
store_pool_commit(struct store_pool *p)
{
  bool pending;

  pthread_mutex_lock(&p->writer_mu);
  if (p->batch != 0 && touches_pending(p))
    apply_touches(p);
  if (p->batch != 0)
    finish_batch(p, RB_OK);
  p->round_busy = false; /* the next round tries again */
  pending = touches_pending(p);
  pthread_mutex_unlock(&p->writer_mu);
  return pending;
}

enum rb_err
store_pool_batch_result(struct store_pool *p, uint64_t batch)
{
  enum rb_err err;

  pthread_mutex_lock(&p->writer_mu);
  /* A batch still open, or so old its result has been overwritten, cannot
   * be vouched for. */
  if (batch == 0 || p->committed < batch || p->last_id - batch >= RESULTS ||
      (p->batch != 0 && p->batch <= batch))
    err = RB_ERR_DB;
  else
    err = p->results[batch % RESULTS];
  pthread_mutex_unlock(&p->writer_mu);
  return err;
}
