/* Prometheus metrics: request counts by route template, method and status,
 * a latency histogram, requests in flight, the last successful write, the
 * writer thread's batches (count, requests, time working and committing),
 * request log lines dropped. The counters are guarded by one mutex: an
 * update is a few adds. */
#ifndef RAGBOARD_METRICS_H
#define RAGBOARD_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct metrics;

enum rb_err metrics_new(struct metrics **out);
void metrics_free(struct metrics *m); /* NULL is a no-op */

void metrics_request_begin(struct metrics *m);
/* route: the matched pattern, or NULL for no route. */
void metrics_request_end(struct metrics *m, const char *route, const char *method, unsigned status,
                         double seconds);
/* A request ended without a response (the client went away). */
void metrics_request_abandon(struct metrics *m);
/* A write transaction committed at unix time `when` (seconds). */
void metrics_write_committed(struct metrics *m, double when);
/* The writer thread committed one batch of `requests` write requests after
 * running them for work_seconds; the commit took commit_seconds (wall). */
void metrics_write_batch(struct metrics *m, size_t requests, double work_seconds,
                         double commit_seconds);

/* The request log dropped `lines` lines (its buffer was full). */
void metrics_log_dropped(struct metrics *m, uint64_t lines);

/* What the exposition reports beside the counters: gauges read from
 * elsewhere when it is rendered. */
struct metrics_gauges {
  int64_t db_bytes;                  /* -1: unknown */
  size_t cache_entries, cache_bytes; /* the response cache (cache_usage) */
};

/* The exposition text (malloc'd), with the gauges appended. */
char *metrics_render(struct metrics *m, const struct metrics_gauges *g);

#endif
