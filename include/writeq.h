/* The writer's queue: write requests waiting for the single writer, taken
 * so that its time is shared fairly between tokens (start-time fair
 * queuing). Each token has a lane; the next request taken is the oldest of
 * the lane that has had the least of the writer's time, so one token's
 * flood of writes delays another token's write by about one request, not
 * by the whole flood. Pure: no I/O, no clock, no locking (the caller holds
 * its own lock and measures the work). */
#ifndef RAGBOARD_WRITEQ_H
#define RAGBOARD_WRITEQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WRITEQ_LANES 64 /* tokens told apart at once; more share lanes */

/* Embedded in the caller's request. */
struct writeq_item {
  struct writeq_item *next;
  uint64_t key; /* the token's (a hash of its credentials) */
  uint64_t seq; /* arrival order, for ties */
};

struct writeq {
  struct {
    uint64_t key;
    bool used;     /* has a key */
    double vtime;  /* the writer's time this lane has had, in virtual time */
    size_t queued; /* items waiting */
    struct writeq_item *head, *tail;
  } lanes[WRITEQ_LANES];
  double vclock; /* virtual start time of the work taken last */
  uint64_t seq;
  size_t n; /* items waiting, all lanes */
};

void writeq_init(struct writeq *q);
/* Queue it behind key's earlier items. A lane that was idle starts at the
 * current virtual time: idle time is no credit for a later burst. */
void writeq_push(struct writeq *q, struct writeq_item *it, uint64_t key);
/* The next item, NULL when none: the oldest of the lane with the least
 * virtual time (ties: the oldest item). */
struct writeq_item *writeq_pop(struct writeq *q);
/* The writer spent seconds on it (popped): its lane's account. */
void writeq_charge(struct writeq *q, const struct writeq_item *it, double seconds);
/* A key for credentials (an Authorization header; NULL for none). */
uint64_t writeq_key(const char *credentials);

#endif
