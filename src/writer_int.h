/* What writer.c (the queues and threads) and writer_txn.c (the
 * transactions) share; nothing outside the writer includes it. */
#ifndef RAGBOARD_WRITER_INT_H
#define RAGBOARD_WRITER_INT_H

#include <pthread.h>

#include "writer.h"

#define RESULTS 256    /* ring of recent transactions' results, by batch id */
#define TOUCHES_MAX 64 /* token uses waiting to be recorded; more are dropped */

struct touch {
  int64_t id;
  char at[32];
};

struct writer {
  struct store_pool *pool;
  struct metrics *metrics;

  pthread_mutex_t mu;
  /* Under mu. Jobs wait here, fairly between tokens: for the writer
   * (queue), or before that for the checker (checks). */
  pthread_cond_t queue_cv, check_cv;
  struct writeq queue, checks;
  bool threads;       /* the writer thread runs (set before it starts) */
  bool checker;       /* the checker thread runs */
  bool stopping;      /* writer_stop began */
  bool checker_stop;  /* the checker passes on what it has, then ends */
  bool writer_stop;   /* the writer runs what it has, then ends */
  bool touch_pending; /* a use waits for the writer thread */
  struct touch touches[TOUCHES_MAX];
  int ntouches;
  pthread_t writer_thread, checker_thread;

  /* Only the borrower of the writer connection (store_pool_writer: one
   * round, or one recording of token uses) reads or changes these. Between
   * borrows no transaction is open (batch is 0). */
  uint64_t batch;   /* the open transaction's id, 0 when none */
  uint64_t last_id; /* the last id handed out */
  enum rb_err results[RESULTS];
  /* A BEGIN of this round waited the whole busy timeout in vain: the rest
   * of the round fails at once instead of waiting in turn (a round of 128
   * would otherwise take 128 timeouts to answer). */
  bool round_busy;
};

/* Everything below is called by the borrower of the writer connection st
 * (store_pool_writer), which alone touches the transaction state. */

/* Run job in the open transaction (opening one if none is): its outcome
 * and err are set, but for a kept job not yet its commit's result. */
void writer_run_job(struct writer *w, struct store *st, struct writer_job *job);
/* Commit what the round left open, with the token uses pending; true when
 * uses are still pending (no transaction took them: it failed). */
bool writer_commit_round(struct writer *w, struct store *st);
/* After the commit: a kept job's final word, its transaction's result. */
void writer_settle(struct writer *w, struct writer_job *job);
/* Record the pending uses in a transaction of their own, never waiting
 * for a lock; true when some are still pending. */
bool writer_record_touches(struct writer *w, struct store *st);
bool writer_touches_pending(struct writer *w); /* takes w->mu */

#endif
