/* The writer's queues and threads: jobs wait, fairly between tokens, for
 * the checker and then the writer, which runs them in rounds
 * (writer_txn.c) and says when each is done. */
#include "writer_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "store.h"
#include "util.h"

/* The writer takes at most this many queued jobs into one transaction, */
#define WRITER_BATCH 128
/* and stops taking more once this long has passed since the first job of
 * the round that waits for its commit: those answers wait for the commit,
 * so one long job (a large return) does not hold the answers of everything
 * queued after it. (Refused jobs wait for nothing: a round of jobs refused
 * as busy still fails them all at once.) */
#define WRITER_ROUND_S 0.02

/* ---- the writer thread ------------------------------------------------------ */

static struct writer_job *
job_of(struct writeq_item *it)
{
  return it != NULL ? (struct writer_job *)((char *)it - offsetof(struct writer_job, qitem)) : NULL;
}

/* Run what is queued, and what arrives meanwhile, one at a time in the fair
 * order, up to WRITER_BATCH or WRITER_ROUND_S: one commit (one fsync) for
 * all of it, with no waiting on purpose. mu held on entry and return.
 * true: token uses are still pending. */
static bool
round_locked(struct writer *w)
{
  struct writer_job *jobs[WRITER_BATCH];
  double started = util_monotonic(), waiting = 0, work;
  struct store *st;
  size_t n = 0;
  bool pending;

  pthread_mutex_unlock(&w->mu);
  st = store_pool_writer(w->pool);
  pthread_mutex_lock(&w->mu);
  do {
    struct writer_job *job = job_of(writeq_pop(&w->queue));
    double t0;

    jobs[n++] = job;
    pthread_mutex_unlock(&w->mu);
    t0 = util_monotonic();
    writer_run_job(w, st, job);
    pthread_mutex_lock(&w->mu);
    writeq_charge(&w->queue, &job->qitem, util_monotonic() - t0);
    if (job->outcome == WRITER_KEPT && waiting == 0)
      waiting = util_monotonic();
  } while (w->queue.n > 0 && n < WRITER_BATCH &&
           (waiting == 0 || util_monotonic() - waiting < WRITER_ROUND_S));
  pthread_mutex_unlock(&w->mu);
  work = util_monotonic() - started;
  started = util_monotonic();
  pending = writer_commit_round(w, st);
  metrics_write_batch(w->metrics, n, work, util_monotonic() - started);
  for (size_t i = 0; i < n; i++)
    writer_settle(w, jobs[i]); /* the results are the borrower's to read */
  store_pool_release(w->pool, st);
  for (size_t i = 0; i < n; i++)
    jobs[i]->done(jobs[i]);
  pthread_mutex_lock(&w->mu);
  return pending;
}

static void *
writer_main(void *arg)
{
  struct writer *w = arg;
  bool touch_retry = false;

  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (w->queue.n == 0 && !w->writer_stop && !w->touch_pending) {
      if (touch_retry) { /* uses left pending by a locked database: again in 1 s */
        struct timespec at;

        util_deadline_in(&at, 1000);
        if (pthread_cond_timedwait(&w->queue_cv, &w->mu, &at) != 0)
          w->touch_pending = true;
      } else {
        pthread_cond_wait(&w->queue_cv, &w->mu);
      }
    }
    if (w->queue.n == 0 && w->touch_pending) {
      /* A read's token use: recorded here, never on an HTTP worker. */
      struct store *st;

      w->touch_pending = false;
      pthread_mutex_unlock(&w->mu);
      st = store_pool_writer(w->pool);
      touch_retry = writer_record_touches(w, st);
      store_pool_release(w->pool, st);
      pthread_mutex_lock(&w->mu);
      continue;
    }
    if (w->queue.n == 0)
      break; /* stopping, and every queued job is done */
    /* a round that failed leaves its jobs' token uses to the retry */
    if (round_locked(w))
      touch_retry = true;
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

/* ---- the checker thread ------------------------------------------------------ */

static void *
checker_main(void *arg)
{
  struct writer *w = arg;

  pthread_mutex_lock(&w->mu);
  for (;;) {
    struct writer_job *job;
    double t0;
    bool pass;

    while (w->checks.n == 0 && !w->checker_stop)
      pthread_cond_wait(&w->check_cv, &w->mu);
    if (w->checks.n == 0)
      break; /* stopping, and everything queued has been passed on */
    job = job_of(writeq_pop(&w->checks));
    pthread_mutex_unlock(&w->mu);
    t0 = util_monotonic();
    pass = job->check(job);
    pthread_mutex_lock(&w->mu);
    writeq_charge(&w->checks, &job->qitem, util_monotonic() - t0);
    if (pass && !w->writer_stop) { /* on to the writer */
      writeq_push(&w->queue, &job->qitem, job->key);
      pthread_cond_signal(&w->queue_cv);
      continue;
    }
    pthread_mutex_unlock(&w->mu);
    job->outcome = pass ? WRITER_STOPPED : WRITER_REFUSED; /* the writer stopped meanwhile */
    job->done(job);
    pthread_mutex_lock(&w->mu);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

/* ---- submitting --------------------------------------------------------------- */

/* A writer without threads: the job runs here, in a transaction of its own. */
static void
run_here(struct writer *w, struct writer_job *job)
{
  struct store *st;

  if (job->check != NULL && !job->check(job)) {
    job->outcome = WRITER_REFUSED;
    job->done(job);
    return;
  }
  st = store_pool_writer(w->pool);
  writer_run_job(w, st, job);
  (void)writer_commit_round(w, st);
  writer_settle(w, job);
  store_pool_release(w->pool, st);
  job->done(job);
}

void
writer_submit(struct writer *w, struct writer_job *job)
{
  pthread_mutex_lock(&w->mu);
  if (!w->threads) {
    pthread_mutex_unlock(&w->mu);
    run_here(w, job);
    return;
  }
  if (w->writer_stop) {
    pthread_mutex_unlock(&w->mu);
    job->outcome = WRITER_STOPPED; /* not run here either: the stop could cut it off */
    job->done(job);
    return;
  }
  if (job->check != NULL && w->checker && !w->checker_stop) {
    writeq_push(&w->checks, &job->qitem, job->key);
    pthread_cond_signal(&w->check_cv);
    pthread_mutex_unlock(&w->mu);
    return;
  }
  if (job->check != NULL) { /* no checker thread: checked here */
    bool pass;

    pthread_mutex_unlock(&w->mu);
    pass = job->check(job);
    pthread_mutex_lock(&w->mu);
    if (!pass || w->writer_stop) {
      pthread_mutex_unlock(&w->mu);
      job->outcome = pass ? WRITER_STOPPED : WRITER_REFUSED;
      job->done(job);
      return;
    }
  }
  writeq_push(&w->queue, &job->qitem, job->key);
  pthread_cond_signal(&w->queue_cv);
  pthread_mutex_unlock(&w->mu);
}

struct waiter {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool done;
};

static void
call_done(struct writer_job *job)
{
  struct waiter *wt = job->waiter;

  job->then(job);
  pthread_mutex_lock(&wt->mu);
  wt->done = true;
  pthread_cond_signal(&wt->cv);
  pthread_mutex_unlock(&wt->mu);
}

void
writer_call(struct writer *w, struct writer_job *job)
{
  struct waiter wt = {.done = false};

  pthread_mutex_init(&wt.mu, NULL);
  pthread_cond_init(&wt.cv, NULL);
  job->waiter = &wt;
  job->then = job->done;
  job->done = call_done;
  writer_submit(w, job);
  pthread_mutex_lock(&wt.mu);
  while (!wt.done)
    pthread_cond_wait(&wt.cv, &wt.mu);
  pthread_mutex_unlock(&wt.mu);
  job->done = job->then;
  pthread_mutex_destroy(&wt.mu);
  pthread_cond_destroy(&wt.cv);
}

void
writer_touch(struct writer *w, int64_t token_id, const char *now, bool defer)
{
  struct store *st;
  bool threads;
  int i;

  pthread_mutex_lock(&w->mu);
  for (i = 0; i < w->ntouches && w->touches[i].id != token_id; i++)
    ;
  if (i < TOUCHES_MAX) {
    w->touches[i].id = token_id;
    snprintf(w->touches[i].at, sizeof(w->touches[i].at), "%s", now);
    if (i == w->ntouches)
      w->ntouches++;
  }
  threads = w->threads && !w->writer_stop;
  if (threads && !defer) {
    w->touch_pending = true;
    pthread_cond_signal(&w->queue_cv);
  }
  pthread_mutex_unlock(&w->mu);
  /* The writer thread records it, never the caller (an HTTP worker must
   * not wait on a lock or an fsync); without one, the caller does if the
   * writer connection is free, else the next job. Never waits. */
  if (threads || defer)
    return;
  st = store_pool_try_writer(w->pool);
  if (st == NULL)
    return;
  (void)writer_record_touches(w, st);
  store_pool_release(w->pool, st);
}

uint64_t
writer_key(const char *credentials)
{
  return writeq_key(credentials);
}

/* ---- life ----------------------------------------------------------------------- */

enum rb_err
writer_new(struct store_pool *pool, struct metrics *metrics, struct writer **out)
{
  struct writer *w = calloc(1, sizeof(*w));

  if (w == NULL)
    return RB_ERR_NOMEM;
  w->pool = pool;
  w->metrics = metrics;
  pthread_mutex_init(&w->mu, NULL);
  util_cond_init_monotonic(&w->queue_cv); /* timed waits: see util.h */
  util_cond_init_monotonic(&w->check_cv);
  writeq_init(&w->queue);
  writeq_init(&w->checks);
  *out = w;
  return RB_OK;
}

bool
writer_start(struct writer *w)
{
  pthread_mutex_lock(&w->mu);
  /* Without a writer thread jobs run on the submitter's thread (slower,
   * but correct); the checker hands on to the writer: without one, checks
   * run on the submitter's thread too. */
  w->threads = pthread_create(&w->writer_thread, NULL, writer_main, w) == 0;
  w->checker = w->threads && pthread_create(&w->checker_thread, NULL, checker_main, w) == 0;
  pthread_mutex_unlock(&w->mu);
  return w->threads;
}

void
writer_stop(struct writer *w)
{
  struct store *st;

  pthread_mutex_lock(&w->mu);
  if (!w->threads || w->stopping) {
    pthread_mutex_unlock(&w->mu);
    return;
  }
  w->stopping = true;
  /* The checker passes every queued job on (or answers it), then the
   * writer runs every queued job, before they end. */
  w->checker_stop = true;
  pthread_cond_signal(&w->check_cv);
  pthread_mutex_unlock(&w->mu);
  if (w->checker)
    pthread_join(w->checker_thread, NULL);
  pthread_mutex_lock(&w->mu);
  w->writer_stop = true;
  pthread_cond_signal(&w->queue_cv);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->writer_thread, NULL);
  st = store_pool_writer(w->pool);
  (void)writer_record_touches(w, st); /* uses still pending */
  store_pool_release(w->pool, st);
}

void
writer_free(struct writer *w)
{
  if (w == NULL)
    return;
  writer_stop(w);
  pthread_mutex_destroy(&w->mu);
  pthread_cond_destroy(&w->queue_cv);
  pthread_cond_destroy(&w->check_cv);
  free(w);
}
