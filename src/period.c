/* Quarters and months on one time line (include/period.h). */
#include "period.h"

#include <stdio.h>
#include <string.h>

/* As quarter.c: years outside this range are typing mistakes. */
#define YEAR_MIN 1990
#define YEAR_MAX 2199

static bool
digits(const char *s, int n, int *out)
{
  int v = 0;

  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

const char *
period_parse_month(const char *s, int *key)
{
  int y, m;

  if (s == NULL)
    return "is required";
  if (strlen(s) != 7 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m))
    return "must be a month YYYY-MM, e.g. 2018-04";
  if (m < 1 || m > 12)
    return "must be a month YYYY-MM with MM from 01 to 12";
  if (y < YEAR_MIN || y > YEAR_MAX)
    return "year is out of range";
  *key = y * 12 + (m - 1);
  return NULL;
}

const char *
period_parse(const char *s, int *key, bool *monthly)
{
  struct quarter q;

  if (s != NULL && strlen(s) == 7 && s[4] == '-') {
    const char *msg = period_parse_month(s, key);

    if (msg == NULL)
      *monthly = true;
    return msg;
  }
  if (quarter_parse(s, &q) != NULL)
    return "must be a quarter YYYY-YY-Qn or a month YYYY-MM, e.g. 2019-20-Q1 or 2019-04";
  *key = period_quarter_key(q);
  *monthly = false;
  return NULL;
}

int
period_quarter_key(struct quarter q)
{
  return q.start_year * 12 + 3 + (q.n - 1) * 3;
}

struct quarter
period_month_quarter(int key)
{
  int y = key / 12, m = key % 12; /* m: 0 for January */
  struct quarter q;

  q.start_year = m >= 3 ? y : y - 1;
  q.n = (m + 9) % 12 / 3 + 1; /* April-June 1, ..., January-March 4 */
  return q;
}

void
period_format_month(int key, char out[MONTH_LEN])
{
  char buf[32];

  snprintf(buf, sizeof(buf), "%04d-%02d", key / 12, key % 12 + 1);
  memcpy(out, buf, MONTH_LEN - 1);
  out[MONTH_LEN - 1] = '\0';
}

int
period_year_last_month(int start_year)
{
  return (start_year + 1) * 12 + 2;
}
