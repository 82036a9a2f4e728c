#include "quarter.h"

#include <stdio.h>
#include <string.h>

/* Years outside this range are almost certainly typing mistakes. */
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

static const char *
parse_year_prefix(const char *s, int *start_year)
{
  int y, yy;

  if (s == NULL)
    return "is required";
  if (strlen(s) < 7 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &yy))
    return "must be a plan year YYYY-YY, e.g. 2019-20";
  if (y < YEAR_MIN || y > YEAR_MAX)
    return "year is out of range";
  if (yy != (y + 1) % 100)
    return "must name consecutive years, e.g. 2019-20";
  *start_year = y;
  return NULL;
}

const char *
quarter_parse_year(const char *s, int *start_year)
{
  int y;
  const char *msg = parse_year_prefix(s, &y);

  if (msg != NULL)
    return msg;
  if (s[7] != '\0')
    return "must be a plan year YYYY-YY, e.g. 2019-20";
  *start_year = y;
  return NULL;
}

const char *
quarter_parse(const char *s, struct quarter *out)
{
  int y;
  const char *msg;

  if (s == NULL)
    return "is required";
  msg = parse_year_prefix(s, &y);
  if (msg != NULL)
    return msg[0] == 'm' ? "must be a quarter YYYY-YY-Qn, e.g. 2019-20-Q1" : msg;
  if (strlen(s) != 10 || s[7] != '-' || s[8] != 'Q' || s[9] < '1' || s[9] > '4')
    return "must be a quarter YYYY-YY-Qn with n from 1 to 4, e.g. 2019-20-Q1";
  out->start_year = y;
  out->n = s[9] - '0';
  return NULL;
}

const char *
quarter_parse_date(const char *s)
{
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int y, m, d, max;

  if (s == NULL)
    return "is required";
  if (strlen(s) != 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
      !digits(s + 8, 2, &d))
    return "must be a date YYYY-MM-DD";
  if (y < YEAR_MIN || y > YEAR_MAX || m < 1 || m > 12)
    return "is not a valid date";
  max = mdays[m - 1];
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    max = 29;
  if (d < 1 || d > max)
    return "is not a valid date";
  return NULL;
}

void
quarter_format(struct quarter q, char out[QUARTER_LEN])
{
  char buf[48];

  snprintf(buf, sizeof(buf), "%04d-%02d-Q%d", q.start_year, (q.start_year + 1) % 100, q.n);
  memcpy(out, buf, QUARTER_LEN - 1);
  out[QUARTER_LEN - 1] = '\0';
}

void
quarter_format_year(int start_year, char out[YEAR_LEN])
{
  char buf[32];

  snprintf(buf, sizeof(buf), "%04d-%02d", start_year, (start_year + 1) % 100);
  memcpy(out, buf, YEAR_LEN - 1);
  out[YEAR_LEN - 1] = '\0';
}

struct quarter
quarter_previous(struct quarter q)
{
  if (q.n > 1)
    return (struct quarter){q.start_year, q.n - 1};
  return (struct quarter){q.start_year - 1, 4};
}

struct quarter
quarter_same_last_year(struct quarter q)
{
  return (struct quarter){q.start_year - 1, q.n};
}

int
quarter_cmp(struct quarter a, struct quarter b)
{
  if (a.start_year != b.start_year)
    return a.start_year < b.start_year ? -1 : 1;
  return (a.n > b.n) - (a.n < b.n);
}
