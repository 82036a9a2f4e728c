/* The request log: one JSON line per request, made and written off the
 * request path. A worker copies what the line needs (a few hundred bytes
 * at most) into a bounded buffer under a mutex held for that copy only; a
 * thread of the log's own formats the lines and writes them to stderr,
 * every 100 ms or sooner when the buffer fills. When a line does not fit
 * (the log's reader, or its disk, has fallen that far behind) it is
 * dropped and counted: the request never waits for the log. */
#include "http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "util.h"

#define LOG_BUFFER ((size_t)512 << 10) /* bytes queued at most (times two: one being written) */
#define LOG_FLUSH_MS 100
#define LOG_TARGET_MAX 256 /* bytes of the target logged, as sent */
#define LOG_METHOD_MAX 16

/* A queued line, before formatting; its strings follow it. */
struct log_record {
  uint32_t size; /* of the record and its strings, a multiple of 8 */
  uint8_t level;
  uint8_t method_len;
  uint16_t target_len, actor_len;
  unsigned status;
  struct timespec at; /* CLOCK_REALTIME, when the answer was queued */
  long us;            /* the request's time */
  const char *route;  /* static: the route table's pattern, or a literal; NULL for none */
  size_t bytes;
  char request_id[32];
};

struct http_log {
  const struct app *app;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  char *queue, *writing; /* the buffer lines are queued in; the one being written */
  size_t used;           /* of queue, under mu */
  bool woken;            /* under mu: the writer thread was signalled */
  bool stop;             /* under mu */
  uint64_t dropped;      /* under mu: lines dropped, not yet reported */
  pthread_t thread;
  bool started;
};

/* Append s as the body of a JSON string (no quotes), escaping what JSON
 * requires; bytes that are not printable ASCII are written as \u00XX so a
 * hostile path can never break the line. */
static size_t
json_escape(char *out, size_t cap, const char *s, size_t len)
{
  static const char hex[] = "0123456789abcdef";
  size_t n = 0;

  for (size_t i = 0; i < len && s[i] != '\0' && n + 7 < cap; i++) {
    unsigned char ch = (unsigned char)s[i];

    if (ch == '"' || ch == '\\') {
      out[n++] = '\\';
      out[n++] = (char)ch;
    } else if (ch < 0x20 || ch >= 0x7f) {
      memcpy(out + n, "\\u00", 4);
      out[n + 4] = hex[ch >> 4];
      out[n + 5] = hex[ch & 15];
      n += 6;
    } else {
      out[n++] = (char)ch;
    }
  }
  out[n] = '\0';
  return n;
}

static size_t
bounded_len(const char *s, size_t max)
{
  const char *end = memchr(s, '\0', max);

  return end != NULL ? (size_t)(end - s) : max;
}

void
http_log_request(struct http_log *log, const char *method, const char *target,
                 const struct rb_response *resp, const char *request_id, long us, size_t bytes)
{
  int level = resp->status >= 500 ? LOG_ERROR : resp->status >= 400 ? LOG_WARN : LOG_INFO;
  const char *actor = resp->actor[0] ? resp->actor : "-";
  size_t method_len, target_len, actor_len, size;
  struct log_record rec;
  char *at;

  if (log == NULL || level > log->app->cfg.log_level)
    return;
  method_len = bounded_len(method, LOG_METHOD_MAX);
  target_len = target != NULL ? bounded_len(target, LOG_TARGET_MAX) : 0;
  actor_len = bounded_len(actor, sizeof(resp->actor));
  size = (sizeof(rec) + method_len + target_len + actor_len + 7) & ~(size_t)7;
  rec.size = (uint32_t)size;
  rec.level = (uint8_t)level;
  rec.method_len = (uint8_t)method_len;
  rec.target_len = (uint16_t)target_len;
  rec.actor_len = (uint16_t)actor_len;
  rec.status = resp->status;
  clock_gettime(CLOCK_REALTIME, &rec.at);
  rec.us = us;
  rec.route = resp->route;
  rec.bytes = bytes;
  memcpy(rec.request_id, request_id, sizeof(rec.request_id));
  pthread_mutex_lock(&log->mu);
  if (log->used + size > LOG_BUFFER) {
    log->dropped++;
    pthread_mutex_unlock(&log->mu);
    metrics_log_dropped(log->app->metrics, 1);
    return;
  }
  at = log->queue + log->used;
  memcpy(at, &rec, sizeof(rec));
  at += sizeof(rec);
  memcpy(at, method, method_len);
  memcpy(at + method_len, target, target_len);
  memcpy(at + method_len + target_len, actor, actor_len);
  log->used += size;
  /* A quarter full: written now rather than at the next tick, so that a
   * burst finds room. */
  if (!log->woken && log->used >= LOG_BUFFER / 4) {
    log->woken = true;
    pthread_cond_signal(&log->cv);
  }
  pthread_mutex_unlock(&log->mu);
}

/* The record's line, as it always was: built here, not on the worker. */
static void
write_record(const struct log_record *rec)
{
  static const char *const names[] = {"error", "warn", "info", "debug"};
  const char *method = (const char *)(rec + 1), *target = method + rec->method_len,
             *actor = target + rec->target_len;
  char now[UTIL_TIME_LEN], path[1600], who[256], route[160], line[3072];
  int n;

  util_time_text(&rec->at, now);
  json_escape(path, sizeof(path), target, rec->target_len);
  json_escape(who, sizeof(who), actor, rec->actor_len);
  json_escape(route, sizeof(route), rec->route != NULL ? rec->route : "", 100);
  n = snprintf(line, sizeof(line),
               "{\"time\":\"%s\",\"level\":\"%s\",\"request_id\":\"%.32s\",\"method\":\"%.*s\","
               "\"target\":\"%s\",\"route\":%s%s%s,\"status\":%u,\"duration_ms\":%ld.%03ld,"
               "\"actor\":\"%s\",\"bytes\":%zu}\n",
               now, names[rec->level], rec->request_id, (int)rec->method_len, method, path,
               rec->route ? "\"" : "", rec->route ? route : "null", rec->route ? "\"" : "",
               rec->status, rec->us / 1000, rec->us % 1000, who, rec->bytes);
  if (n > 0)
    fwrite(line, 1, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1, stderr);
}

static void
write_dropped(const struct http_log *log, uint64_t dropped)
{
  char now[UTIL_TIME_LEN];

  if (log->app->cfg.log_level < LOG_WARN)
    return;
  util_now(now);
  fprintf(stderr,
          "{\"time\":\"%s\",\"level\":\"warn\",\"event\":\"log_dropped\",\"lines\":%llu,"
          "\"detail\":\"the request log's buffer was full: its reader or disk is too slow\"}\n",
          now, (unsigned long long)dropped);
}

static void *
log_main(void *arg)
{
  struct http_log *log = arg;
  bool stop = false;

  pthread_mutex_lock(&log->mu);
  while (!stop) {
    size_t used;
    uint64_t dropped;
    char *lines;

    if (log->used == 0 && !log->stop) {
      struct timespec at;

      util_deadline_in(&at, LOG_FLUSH_MS);
      pthread_cond_timedwait(&log->cv, &log->mu, &at);
    }
    stop = log->stop; /* what is queued now is written before the end */
    lines = log->queue;
    used = log->used;
    dropped = log->dropped;
    log->queue = log->writing;
    log->writing = lines;
    log->used = 0;
    log->dropped = 0;
    log->woken = false;
    pthread_mutex_unlock(&log->mu);
    for (size_t off = 0; off < used; off += ((const struct log_record *)(lines + off))->size)
      write_record((const struct log_record *)(lines + off));
    if (dropped > 0)
      write_dropped(log, dropped);
    /* stderr may be block-buffered (serve makes it so): out within 100 ms,
     * with whatever else was written to it meanwhile. */
    fflush(stderr);
    pthread_mutex_lock(&log->mu);
  }
  pthread_mutex_unlock(&log->mu);
  return NULL;
}

enum rb_err
http_log_start(struct app *app, struct http_log **out)
{
  struct http_log *log = calloc(1, sizeof(*log));

  if (log == NULL)
    return RB_ERR_NOMEM;
  log->app = app;
  log->queue = malloc(LOG_BUFFER);
  log->writing = malloc(LOG_BUFFER);
  if (log->queue == NULL || log->writing == NULL) {
    free(log->queue);
    free(log->writing);
    free(log);
    return RB_ERR_NOMEM;
  }
  pthread_mutex_init(&log->mu, NULL);
  util_cond_init_monotonic(&log->cv); /* timed waits: see util.h */
  log->started = pthread_create(&log->thread, NULL, log_main, log) == 0;
  if (!log->started) {
    http_log_stop(log);
    return RB_ERR_NOMEM;
  }
  *out = log;
  return RB_OK;
}

void
http_log_stop(struct http_log *log)
{
  if (log == NULL)
    return;
  if (log->started) {
    pthread_mutex_lock(&log->mu);
    log->stop = true;
    pthread_cond_signal(&log->cv);
    pthread_mutex_unlock(&log->mu);
    pthread_join(log->thread, NULL);
  }
  pthread_mutex_destroy(&log->mu);
  pthread_cond_destroy(&log->cv);
  free(log->queue);
  free(log->writing);
  free(log);
}
