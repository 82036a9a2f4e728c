/* The writer's transactions: one per round, a savepoint per job, the
 * token uses recorded with them, and the ring of their results. */
#include "writer_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "metrics.h"
#include "store.h"

static enum rb_err
open_batch(struct writer *w, struct store *st, bool wait)
{
  enum rb_err err = store_begin_write(st, wait);

  if (err == RB_OK)
    w->batch = ++w->last_id;
  return err;
}

/* Commit the open transaction (err RB_OK) or give it up (err: why), and
 * keep its result for its jobs. */
static void
finish_batch(struct writer *w, struct store *st, enum rb_err err)
{
  if (err == RB_OK) {
    err = store_pool_commit_write(w->pool, st);
  } else {
    store_rollback(st);
    store_pool_note_write(w->pool, err);
  }
  w->results[w->batch % RESULTS] = err;
  w->batch = 0;
}

bool
writer_touches_pending(struct writer *w)
{
  bool pending;

  pthread_mutex_lock(&w->mu);
  pending = w->ntouches > 0;
  pthread_mutex_unlock(&w->mu);
  return pending;
}

/* Record the pending token uses in the open transaction, each in its own
 * savepoint: a use that cannot be recorded is dropped, never a reason to
 * fail the transaction, unless SQLite rolled the whole transaction back:
 * then it is finished as failed here (w->batch is 0 after). */
static void
apply_touches(struct writer *w, struct store *st)
{
  struct touch todo[TOUCHES_MAX];
  int n;

  pthread_mutex_lock(&w->mu);
  n = w->ntouches;
  memcpy(todo, w->touches, (size_t)n * sizeof(todo[0]));
  w->ntouches = 0;
  pthread_mutex_unlock(&w->mu);
  for (int i = 0; i < n; i++) {
    if (store_savepoint(st) != RB_OK)
      return;
    if (store_token_touch(st, todo[i].id, todo[i].at) != RB_OK) {
      if (!store_txn_open(st)) {
        finish_batch(w, st, RB_ERR_DB); /* the transaction went with it */
        return;
      }
      store_savepoint_undo(st);
      continue;
    }
    (void)store_savepoint_release(st);
  }
}

/* Keep (release) or undo the job's savepoint. When SQLite has rolled the
 * whole transaction back after an error, it is lost, and finished here
 * with a failure every job in it will hear. */
static enum rb_err
leave_savepoint(struct writer *w, struct store *st, bool keep)
{
  enum rb_err err = RB_OK;

  if (store_txn_open(st)) {
    if (keep)
      err = store_savepoint_release(st);
    else
      store_savepoint_undo(st);
  }
  if (!store_txn_open(st) && w->batch != 0) {
    err = err != RB_OK ? err : RB_ERR_DB;
    finish_batch(w, st, err);
    return err;
  }
  if (err != RB_OK)
    store_savepoint_undo(st);
  return err;
}

/* Run one job in the open transaction (opening one if none is). */
static void
run_job_once(struct writer *w, struct store *st, struct writer_job *job)
{
  enum rb_err err;

  job->batch = 0;
  if (w->batch == 0) {
    err = w->round_busy ? RB_ERR_BUSY : open_batch(w, st, true);
    if (err != RB_OK) {
      if (err == RB_ERR_BUSY)
        w->round_busy = true;
      job->outcome = WRITER_NOT_RUN;
      job->err = err;
      return;
    }
  }
  if (writer_touches_pending(w)) {
    apply_touches(w, st);
    if (w->batch == 0) { /* lost with a use that could not be recorded */
      job->outcome = WRITER_NOT_RUN;
      job->err = RB_ERR_DB;
      return;
    }
  }
  err = store_savepoint(st);
  if (err != RB_OK) { /* a job that did nothing: the transaction goes on */
    if (!store_txn_open(st))
      finish_batch(w, st, err);
    job->outcome = WRITER_NOT_RUN;
    job->err = err;
    return;
  }
  job->batch = w->batch;
  err = job->run(job, st);
  if (err != RB_OK) {
    (void)leave_savepoint(w, st, false);
    job->outcome = WRITER_UNDONE;
    job->err = err;
    return;
  }
  job->outcome = WRITER_KEPT;
  job->err = leave_savepoint(w, st, true);
}

void
writer_run_job(struct writer *w, struct store *st, struct writer_job *job)
{
  run_job_once(w, st, job);
  /* A storage fault (disk full, read-only, I/O) makes the server not
   * ready until a write commits; other failures are the job's business. */
  if (job->err != RB_OK)
    store_pool_note_write(w->pool, job->err);
}

/* Commit what the round left open, with the uses pending; true when uses
 * are still pending (no transaction took them: it failed). */
bool
writer_commit_round(struct writer *w, struct store *st)
{
  if (w->batch != 0 && writer_touches_pending(w))
    apply_touches(w, st);
  if (w->batch != 0)
    finish_batch(w, st, RB_OK);
  w->round_busy = false; /* the next round tries again */
  return writer_touches_pending(w);
}

/* A kept job's final word: its transaction's result. */
void
writer_settle(struct writer *w, struct writer_job *job)
{
  struct timespec ts;

  if (job->outcome != WRITER_KEPT || job->err != RB_OK)
    return;
  job->err = w->results[job->batch % RESULTS];
  if (job->err != RB_OK)
    return;
  clock_gettime(CLOCK_REALTIME, &ts);
  metrics_write_committed(w->metrics, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* Record the pending uses in a transaction of their own (or nothing, when
 * none are pending), never waiting for a lock: a use that cannot be
 * recorded now stays pending. true: some are still pending. */
bool
writer_record_touches(struct writer *w, struct store *st)
{
  if (writer_touches_pending(w) && open_batch(w, st, false) == RB_OK)
    apply_touches(w, st);
  if (w->batch != 0)
    finish_batch(w, st, RB_OK);
  return writer_touches_pending(w);
}
