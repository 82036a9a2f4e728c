/* The write path. Every write request, and every use of a token to be
 * recorded (last_used_at), runs on one writer: a thread that takes queued
 * jobs fairly between tokens (writeq.h) and runs a round of them in one
 * transaction, each in a savepoint of its own, then commits the round with
 * one fsync (group commit) and only then says each job is done: no client
 * hears of a write that is not on disk. A job whose route has a check of
 * its own (a bulk return's) runs that check first on a checker thread,
 * with a read connection, so that a request refused by it never holds the
 * writer.
 *
 * Whoever submits a job hears of it once, through its done callback, from
 * the writer's thread, the checker's, or (a writer without threads: not
 * started, or stopped and drained) the submitter's own before
 * writer_submit returns. */
#ifndef RAGBOARD_WRITER_H
#define RAGBOARD_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "writeq.h"

struct metrics;
struct store;
struct store_pool;
struct writer;

/* How a job ended, for its done callback. */
enum writer_outcome {
  WRITER_REFUSED, /* its check refused it: never run (the check made the answer) */
  WRITER_STOPPED, /* the writer is shutting down: never run, nothing written */
  WRITER_NOT_RUN, /* the writer could not start its work: err says why (busy, storage) */
  WRITER_UNDONE,  /* run failed (err, its error): its work was undone */
  WRITER_KEPT,    /* run succeeded: err is RB_OK when its work is durable (the round's
                     commit is done), else why nothing of it is on disk */
};

struct writer_job {
  /* Set by the submitter. */
  uint64_t key; /* whose job, for fairness: writer_key(credentials) */
  /* NULL, or what may refuse the job before it joins the writer's queue:
   * false refuses it (its answer is made, nothing is written). Runs on
   * the checker thread, one job at a time, never holding the writer. */
  bool (*check)(struct writer_job *job);
  /* The job's work, on the writer's thread, with the writer connection
   * inside the job's savepoint of the round's transaction: RB_OK keeps it,
   * anything else undoes it. It must not commit or roll back. */
  enum rb_err (*run)(struct writer_job *job, struct store *w);
  void (*done)(struct writer_job *job);
  /* Set by the writer before done. */
  enum writer_outcome outcome;
  enum rb_err err;
  /* The writer's own. */
  struct writeq_item qitem;
  uint64_t batch;                       /* the transaction its work joined */
  void *waiter;                         /* writer_call's */
  void (*then)(struct writer_job *job); /* writer_call's: the caller's done */
};

/* A writer over pool's writer connection; batch metrics go to metrics.
 * Without writer_start, jobs run on the submitter's thread, one per
 * transaction. */
enum rb_err writer_new(struct store_pool *pool, struct metrics *metrics, struct writer **out);
void writer_free(struct writer *w); /* NULL is a no-op; stopped first */
/* Start the writer and checker threads; false when they could not be
 * started (jobs then keep running on the submitter's thread). */
bool writer_start(struct writer *w);
/* Stop taking jobs: every job already queued is checked, run and done
 * first, and the token uses still pending are recorded (once, without
 * waiting for a lock). Jobs submitted after it start are done at once as
 * WRITER_STOPPED. */
void writer_stop(struct writer *w);

/* Hand job to the writer; done(job) follows exactly once. */
void writer_submit(struct writer *w, struct writer_job *job);
/* The same, waiting for it: done(job) has been called when it returns. */
void writer_call(struct writer *w, struct writer_job *job);

/* Record that token_id was used at now (minute resolution), best effort
 * and never waiting: by the writer thread (woken for it, unless defer: the
 * caller is a job of the round, whose commit records it), or without one
 * by the caller when the writer connection is free. A use that cannot be
 * recorded (the database is locked) is tried again a second later. */
void writer_touch(struct writer *w, int64_t token_id, const char *now, bool defer);

/* The fairness key of a request's credentials (an Authorization header;
 * NULL for none). */
uint64_t writer_key(const char *credentials);

#endif
