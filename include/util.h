/* Small helpers with no better home: clock, integers, cursors. */
#ifndef RAGBOARD_UTIL_H
#define RAGBOARD_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"

/* The number of elements of an array (not a pointer). */
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define UTIL_TIME_LEN 25 /* "2026-11-22T14:07:06.123Z" plus NUL */

/* The number of elements of an array (not a pointer). */
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Current UTC time as RFC 3339 with milliseconds. */
void util_now(char out[UTIL_TIME_LEN]);
/* The same for a CLOCK_REALTIME time taken earlier. */
void util_time_text(const struct timespec *ts, char out[UTIL_TIME_LEN]);

/* Parse a date (2018-08-22, its midnight) or an RFC 3339 UTC time
 * (2018-08-22T10:30:00Z, with up to 9 digits of fraction) into util_now's
 * form, so that the text compares as the stored times do ("Z" sorts after
 * "."). A fraction finer than milliseconds is rounded up (stored times
 * have none). False for anything else, impossible dates included. */
bool util_parse_time(const char *s, char out[UTIL_TIME_LEN]);

/* Seconds on the monotonic clock: for intervals and freshness, never dates. */
double util_monotonic(void);

/* Timed waits count on the monotonic clock, so that a step of the wall
 * clock (NTP, an administrator) never stretches or cuts a timeout: every
 * condition variable waited on with a deadline is made with
 * util_cond_init_monotonic, and the deadline comes from util_deadline_in. */
int util_cond_init_monotonic(pthread_cond_t *cv);
/* The CLOCK_MONOTONIC time ms milliseconds from now. */
void util_deadline_in(struct timespec *at, long ms);

/* Strict decimal integer: optional '-', digits only, no overflow. */
bool util_parse_int64(const char *s, int64_t *out);

/* Drop a UTF-8 sequence left incomplete at the end of s (by a cut to a
 * fixed buffer), so that valid UTF-8 stays valid. */
void util_utf8_trim_cut(char *s);

/* Opaque pagination cursors: URL-safe base64 of the last key returned.
 * util_cursor_encode: *out is malloc'd, caller frees. util_cursor_decode
 * writes a NUL-terminated key into buf; false when the cursor is not one
 * of ours or does not fit. */
enum rb_err util_cursor_encode(const char *key, char **out);
bool util_cursor_decode(const char *cursor, char *buf, size_t cap);

/* printf into a fresh malloc'd string; NULL on failure. */
char *util_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
