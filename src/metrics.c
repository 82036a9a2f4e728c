#include "metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define SERIES_MAX 512

static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                0.1,    0.25,  0.5,    1.0,   2.5,  5.0};
#define NBOUNDS ARRAY_LEN(bounds)

struct series {
  const char *route; /* static strings from the route table, or "none" */
  char method[8];
  unsigned status;
  uint64_t count;
};

struct metrics {
  pthread_mutex_t mu;
  struct series s[SERIES_MAX];
  size_t n;
  uint64_t overflow;
  uint64_t buckets[NBOUNDS + 1];
  double sum;
  uint64_t total;
  int64_t in_flight;
  double last_write;
  uint64_t batches, batch_requests;
  double batch_work, batch_commit;
  atomic_ullong log_dropped; /* no lock: counted on a worker that must not wait */
};

enum rb_err
metrics_new(struct metrics **out)
{
  struct metrics *m = calloc(1, sizeof(*m));

  if (m == NULL)
    return RB_ERR_NOMEM;
  pthread_mutex_init(&m->mu, NULL);
  *out = m;
  return RB_OK;
}

void
metrics_free(struct metrics *m)
{
  if (m == NULL)
    return;
  pthread_mutex_destroy(&m->mu);
  free(m);
}

void
metrics_request_begin(struct metrics *m)
{
  pthread_mutex_lock(&m->mu);
  m->in_flight++;
  pthread_mutex_unlock(&m->mu);
}

void
metrics_request_end(struct metrics *m, const char *route, const char *method, unsigned status,
                    double seconds)
{
  size_t i, b;

  if (route == NULL)
    route = "none";
  /* Methods are the client's bytes: only the ones HTTP defines are labels
   * (anything else would let a client break the text format, or fill the
   * series table with made-up methods). */
  {
    static const char *const known[] = {"GET",    "HEAD",    "POST",  "PUT",     "PATCH",
                                        "DELETE", "OPTIONS", "TRACE", "CONNECT", NULL};
    size_t k;

    for (k = 0; known[k] != NULL && strcmp(known[k], method) != 0; k++)
      ;
    method = known[k] != NULL ? known[k] : "OTHER";
  }
  pthread_mutex_lock(&m->mu);
  m->in_flight--;
  for (i = 0; i < m->n; i++)
    if (m->s[i].status == status && strcmp(m->s[i].route, route) == 0 &&
        strcmp(m->s[i].method, method) == 0)
      break;
  if (i == m->n && m->n < SERIES_MAX) {
    m->s[i].route = route;
    snprintf(m->s[i].method, sizeof(m->s[i].method), "%s", method);
    m->s[i].status = status;
    m->n++;
  }
  if (i < m->n)
    m->s[i].count++;
  else
    m->overflow++;
  for (b = 0; b < NBOUNDS && seconds > bounds[b]; b++)
    ;
  m->buckets[b]++;
  m->sum += seconds;
  m->total++;
  pthread_mutex_unlock(&m->mu);
}

void
metrics_request_abandon(struct metrics *m)
{
  pthread_mutex_lock(&m->mu);
  m->in_flight--;
  pthread_mutex_unlock(&m->mu);
}

void
metrics_write_batch(struct metrics *m, size_t requests, double work_seconds, double commit_seconds)
{
  pthread_mutex_lock(&m->mu);
  m->batches++;
  m->batch_requests += requests;
  m->batch_work += work_seconds;
  m->batch_commit += commit_seconds;
  pthread_mutex_unlock(&m->mu);
}

void
metrics_log_dropped(struct metrics *m, uint64_t lines)
{
  atomic_fetch_add(&m->log_dropped, lines);
}

void
metrics_write_committed(struct metrics *m, double when)
{
  pthread_mutex_lock(&m->mu);
  m->last_write = when;
  pthread_mutex_unlock(&m->mu);
}

struct text {
  char *buf;
  size_t len, cap;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add(struct text *t, const char *fmt, ...)
{
  va_list ap;
  int n;

  for (;;) {
    va_start(ap, fmt);
    n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n < 0)
      return;
    if ((size_t)n < t->cap - t->len) {
      t->len += (size_t)n;
      return;
    }
    {
      size_t cap = (t->cap + (size_t)n + 1) * 2;
      char *grown = realloc(t->buf, cap);

      if (grown == NULL)
        return;
      t->buf = grown;
      t->cap = cap;
    }
  }
}

char *
metrics_render(struct metrics *m, const struct metrics_gauges *g)
{
  struct text t = {malloc(4096), 0, 4096};
  uint64_t cum = 0;

  if (t.buf == NULL)
    return NULL;
  t.buf[0] = '\0';
  pthread_mutex_lock(&m->mu);
  add(&t, "# HELP ragboard_http_requests_total HTTP requests by route template, method and "
          "status.\n# TYPE ragboard_http_requests_total counter\n");
  for (size_t i = 0; i < m->n; i++)
    add(&t, "ragboard_http_requests_total{route=\"%s\",method=\"%s\",status=\"%u\"} %llu\n",
        m->s[i].route, m->s[i].method, m->s[i].status, (unsigned long long)m->s[i].count);
  add(&t, "# HELP ragboard_http_request_duration_seconds Time from request to response.\n"
          "# TYPE ragboard_http_request_duration_seconds histogram\n");
  for (size_t b = 0; b < NBOUNDS; b++) {
    cum += m->buckets[b];
    add(&t, "ragboard_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", bounds[b],
        (unsigned long long)cum);
  }
  cum += m->buckets[NBOUNDS];
  add(&t, "ragboard_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
      (unsigned long long)cum);
  add(&t, "ragboard_http_request_duration_seconds_sum %.6f\n", m->sum);
  add(&t, "ragboard_http_request_duration_seconds_count %llu\n", (unsigned long long)m->total);
  add(&t,
      "# HELP ragboard_http_requests_in_flight Requests being handled now.\n"
      "# TYPE ragboard_http_requests_in_flight gauge\n"
      "ragboard_http_requests_in_flight %lld\n",
      (long long)m->in_flight);
  add(&t,
      "# HELP ragboard_http_series_dropped_total Requests not counted by label because "
      "the series table was full.\n# TYPE ragboard_http_series_dropped_total counter\n"
      "ragboard_http_series_dropped_total %llu\n",
      (unsigned long long)m->overflow);
  add(&t,
      "# HELP ragboard_last_write_timestamp_seconds Unix time of the last committed "
      "write (0: none since start).\n"
      "# TYPE ragboard_last_write_timestamp_seconds gauge\n"
      "ragboard_last_write_timestamp_seconds %.3f\n",
      m->last_write);
  add(&t,
      "# HELP ragboard_write_batches_total Transactions the writer thread committed, each "
      "holding one or more write requests (one fsync each).\n"
      "# TYPE ragboard_write_batches_total counter\n"
      "ragboard_write_batches_total %llu\n"
      "# HELP ragboard_write_batch_requests_total Write requests run in those batches "
      "(divided by ragboard_write_batches_total: the mean batch size).\n"
      "# TYPE ragboard_write_batch_requests_total counter\n"
      "ragboard_write_batch_requests_total %llu\n"
      "# HELP ragboard_write_work_seconds_total Wall time the writer thread spent running "
      "write requests, before their commit.\n"
      "# TYPE ragboard_write_work_seconds_total counter\n"
      "ragboard_write_work_seconds_total %.6f\n"
      "# HELP ragboard_write_commit_seconds_total Wall time the writer thread spent "
      "committing batches (WAL writes, fsync, checkpoints).\n"
      "# TYPE ragboard_write_commit_seconds_total counter\n"
      "ragboard_write_commit_seconds_total %.6f\n",
      (unsigned long long)m->batches, (unsigned long long)m->batch_requests, m->batch_work,
      m->batch_commit);
  add(&t,
      "# HELP ragboard_log_lines_dropped_total Request log lines dropped because the log's "
      "buffer was full (the log's reader, or its disk, fell behind; requests never wait "
      "for it).\n"
      "# TYPE ragboard_log_lines_dropped_total counter\n"
      "ragboard_log_lines_dropped_total %llu\n",
      (unsigned long long)atomic_load(&m->log_dropped));
  pthread_mutex_unlock(&m->mu);
  add(&t,
      "# HELP ragboard_database_size_bytes Size of the SQLite database (pages in use "
      "times page size).\n# TYPE ragboard_database_size_bytes gauge\n"
      "ragboard_database_size_bytes %lld\n",
      (long long)g->db_bytes);
  add(&t,
      "# HELP ragboard_response_cache_entries Answers held by the response cache (one "
      "per URL and representation at most).\n# TYPE ragboard_response_cache_entries gauge\n"
      "ragboard_response_cache_entries %zu\n"
      "# HELP ragboard_response_cache_bytes Bytes of the answers the response cache holds.\n"
      "# TYPE ragboard_response_cache_bytes gauge\n"
      "ragboard_response_cache_bytes %zu\n",
      g->cache_entries, g->cache_bytes);
  return t.buf;
}
