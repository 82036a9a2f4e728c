/* Periods of a KPI series: quarters ("2018-19-Q1") and months ("2018-04"),
 * placed on one time line so that a quarterly and a monthly series, and a
 * setting that names either (SPC's recalculate_from), compare.
 *
 * A period's key is the number of its first month since January of year
 * 0: April 2018 and 2018-19-Q1 both have key 2018 * 12 + 3. Months are
 * calendar months; a month belongs to the quarter of the financial year
 * (April to March) that holds it: 2019-01 is in 2018-19-Q4. Pure: no I/O. */
#ifndef RAGBOARD_PERIOD_H
#define RAGBOARD_PERIOD_H

#include <stdbool.h>

#include "quarter.h"

#define MONTH_LEN 8   /* "2018-04" plus NUL */
#define PERIOD_LEN 11 /* the longer of a quarter and a month, plus NUL */

/* Parse a month "YYYY-MM" (years as quarter.h takes them, 1990 to 2199).
 * NULL on success (*key set), else a message saying what is wrong. */
const char *period_parse_month(const char *s, int *key);
/* Parse a quarter or a month; *monthly says which. NULL on success. */
const char *period_parse(const char *s, int *key, bool *monthly);

int period_quarter_key(struct quarter q);
/* The quarter of the financial year that holds month key. */
struct quarter period_month_quarter(int key);
void period_format_month(int key, char out[MONTH_LEN]);
/* The last month of plan year start_year (March of start_year + 1). */
int period_year_last_month(int start_year);

#endif
