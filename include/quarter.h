/* Plan years and quarters of the financial year (April to March).
 *
 * A plan year is "YYYY-YY" where YY is the last two digits of YYYY + 1
 * ("2018-19"). A quarter is "YYYY-YY-Qn", n in 1..4; Q1 is April to June
 * of YYYY, Q4 is January to March of YYYY + 1. Pure functions: no I/O. */
#ifndef RAGBOARD_QUARTER_H
#define RAGBOARD_QUARTER_H

#include <stdbool.h>

#define QUARTER_LEN 11 /* "2018-19-Q1" plus NUL */
#define YEAR_LEN 8     /* "2018-19" plus NUL */

struct quarter {
  int start_year; /* 2018 for "2018-19-Q1" */
  int n;          /* 1..4 */
};

/* Parse a plan year. Returns NULL on success (setting *start_year) or a
 * message saying what is wrong. */
const char *quarter_parse_year(const char *s, int *start_year);
/* Parse a quarter id. Returns NULL on success or a message. */
const char *quarter_parse(const char *s, struct quarter *out);
/* Check a calendar date "YYYY-MM-DD". Returns NULL when valid. */
const char *quarter_parse_date(const char *s);

void quarter_format(struct quarter q, char out[QUARTER_LEN]);
void quarter_format_year(int start_year, char out[YEAR_LEN]);
struct quarter quarter_previous(struct quarter q);
struct quarter quarter_same_last_year(struct quarter q);
/* Compare two quarters chronologically: <0, 0, >0. */
int quarter_cmp(struct quarter a, struct quarter b);

#endif
