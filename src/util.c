#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

double
util_monotonic(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
util_cond_init_monotonic(pthread_cond_t *cv)
{
  pthread_condattr_t attr;
  int rc = pthread_condattr_init(&attr);

  if (rc != 0)
    return rc;
  rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  if (rc == 0)
    rc = pthread_cond_init(cv, &attr);
  pthread_condattr_destroy(&attr);
  return rc;
}

void
util_deadline_in(struct timespec *at, long ms)
{
  clock_gettime(CLOCK_MONOTONIC, at);
  at->tv_sec += ms / 1000;
  at->tv_nsec += (ms % 1000) * 1000000L;
  if (at->tv_nsec >= 1000000000L) {
    at->tv_sec++;
    at->tv_nsec -= 1000000000L;
  }
}

void
util_now(char out[UTIL_TIME_LEN])
{
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  util_time_text(&ts, out);
}

void
util_time_text(const struct timespec *ts, char out[UTIL_TIME_LEN])
{
  struct tm tm;
  char buf[96];

  gmtime_r(&ts->tv_sec, &tm);
  snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts->tv_nsec / 1000000L);
  memcpy(out, buf, UTIL_TIME_LEN - 1);
  out[UTIL_TIME_LEN - 1] = '\0';
}

bool
util_parse_int64(const char *s, int64_t *out)
{
  const char *p = s;
  char *end;
  long long v;

  if (s == NULL || *s == '\0')
    return false;
  if (*p == '-')
    p++;
  if (*p == '\0')
    return false;
  for (; *p; p++)
    if (*p < '0' || *p > '9')
      return false;
  errno = 0;
  v = strtoll(s, &end, 10);
  if (errno != 0 || *end != '\0')
    return false;
  *out = (int64_t)v;
  return true;
}

enum rb_err
util_cursor_encode(const char *key, char **out)
{
  size_t len = strlen(key);
  size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  char *buf = malloc(cap);

  if (buf == NULL)
    return RB_ERR_NOMEM;
  sodium_bin2base64(buf, cap, (const unsigned char *)key, len,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  *out = buf;
  return RB_OK;
}

bool
util_cursor_decode(const char *cursor, char *buf, size_t cap)
{
  size_t len = 0;

  if (cap < 2 || cursor == NULL || *cursor == '\0')
    return false;
  if (sodium_base642bin((unsigned char *)buf, cap - 1, cursor, strlen(cursor), NULL, &len, NULL,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    return false;
  buf[len] = '\0';
  return len > 0 && strlen(buf) == len;
}

char *
util_asprintf(const char *fmt, ...)
{
  va_list ap;
  int n;
  char *s;

  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    return NULL;
  s = malloc((size_t)n + 1);
  if (s == NULL)
    return NULL;
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return s;
}

void
util_utf8_trim_cut(char *s)
{
  size_t len = strlen(s), i = len, need;
  unsigned char lead;

  while (i > 0 && len - i < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
    i--;
  if (i == 0)
    return;
  lead = (unsigned char)s[i - 1];
  if (lead < 0x80)
    return;
  need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
  if (len - (i - 1) < need)
    s[i - 1] = '\0';
}

/* n decimal digits at s, or -1. */
static int
digits(const char *s, int n)
{
  int v = 0;

  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

bool
util_parse_time(const char *s, char out[UTIL_TIME_LEN])
{
  struct tm tm, back;
  int ms = 0, y, mo, d, h = 0, mi = 0, sec = 0;
  const char *p = s + 10;
  char buf[64];
  time_t t;

  /* Each field is read only once the text before it has been seen, so a
   * short string is never read past its end. */
  y = digits(s, 4);
  mo = y >= 0 && s[4] == '-' ? digits(s + 5, 2) : -1;
  d = mo >= 0 && s[7] == '-' ? digits(s + 8, 2) : -1;
  if (y < 0 || mo < 1 || mo > 12 || d < 1)
    return false;
  if (*p == 'T') {
    h = digits(p + 1, 2);
    mi = h >= 0 && p[3] == ':' ? digits(p + 4, 2) : -1;
    sec = mi >= 0 && p[6] == ':' ? digits(p + 7, 2) : -1;
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
      return false;
    p += 9;
    if (*p == '.') {
      int n = 0;
      bool finer = false;

      for (p++; *p >= '0' && *p <= '9'; p++, n++) {
        if (n < 3)
          ms = ms * 10 + (*p - '0');
        else if (*p != '0')
          finer = true;
      }
      if (n == 0 || n > 9)
        return false;
      for (; n < 3; n++)
        ms *= 10;
      ms += finer;
    }
    if (*p++ != 'Z')
      return false;
  }
  if (*p != '\0')
    return false;
  memset(&tm, 0, sizeof(tm));
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  t = timegm(&tm);
  /* timegm moves 2018-02-30 to March: such a date was never valid. */
  if (gmtime_r(&t, &back) == NULL || back.tm_mday != d || back.tm_mon != mo - 1)
    return false;
  if (ms == 1000) { /* rounded up into the next second */
    t++;
    ms = 0;
    gmtime_r(&t, &back);
  }
  snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", back.tm_year + 1900,
           back.tm_mon + 1, back.tm_mday, back.tm_hour, back.tm_min, back.tm_sec, ms);
  if (strlen(buf) != UTIL_TIME_LEN - 1)
    return false;
  memcpy(out, buf, UTIL_TIME_LEN);
  return true;
}
