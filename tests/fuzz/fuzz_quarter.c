/* Fuzz plan year, quarter and date parsing; whatever parses must format
 * back to the same text and parse again to the same value. */
#include <stdint.h>

#include "fuzz_common.h"
#include "quarter.h"

static void
check_quarter_text(const char *s)
{
  struct quarter q = {0, 0}, back = {0, 0}, prev, last;
  char out[QUARTER_LEN], text[QUARTER_LEN];
  const char *msg = quarter_parse(s, &q);

  if (msg != NULL) {
    FUZZ_CHECK(msg[0] != '\0');
    return;
  }
  FUZZ_CHECK(q.n >= 1 && q.n <= 4);
  FUZZ_CHECK(strlen(s) == QUARTER_LEN - 1);
  quarter_format(q, out);
  FUZZ_CHECK(strcmp(out, s) == 0);
  FUZZ_CHECK(quarter_parse(out, &back) == NULL);
  FUZZ_CHECK(back.start_year == q.start_year && back.n == q.n);
  FUZZ_CHECK(quarter_cmp(q, back) == 0);

  prev = quarter_previous(q);
  last = quarter_same_last_year(q);
  FUZZ_CHECK(quarter_cmp(prev, q) < 0 && quarter_cmp(q, prev) > 0);
  FUZZ_CHECK(quarter_cmp(last, q) < 0 && quarter_cmp(last, prev) <= 0);
  quarter_format(prev, text);
  if (prev.start_year == q.start_year) {
    FUZZ_CHECK(quarter_parse(text, &back) == NULL);
    FUZZ_CHECK(back.start_year == prev.start_year && back.n == prev.n);
  }
  /* The plan year prefix is a year on its own. */
  {
    char year[YEAR_LEN];
    int start = 0;

    memcpy(year, s, YEAR_LEN - 1);
    year[YEAR_LEN - 1] = '\0';
    FUZZ_CHECK(quarter_parse_year(year, &start) == NULL && start == q.start_year);
  }
}

static void
check_year_text(const char *s)
{
  int start = 0, back = 0;
  char out[YEAR_LEN];
  const char *msg = quarter_parse_year(s, &start);

  if (msg != NULL) {
    FUZZ_CHECK(msg[0] != '\0');
    return;
  }
  FUZZ_CHECK(strlen(s) == YEAR_LEN - 1);
  quarter_format_year(start, out);
  FUZZ_CHECK(strcmp(out, s) == 0);
  FUZZ_CHECK(quarter_parse_year(out, &back) == NULL && back == start);
  /* Every quarter of a valid year is valid. */
  for (int n = 1; n <= 4; n++) {
    char q[QUARTER_LEN];
    struct quarter parsed;

    quarter_format((struct quarter){start, n}, q);
    FUZZ_CHECK(quarter_parse(q, &parsed) == NULL && parsed.start_year == start && parsed.n == n);
  }
}

static void
check_date_text(const char *s)
{
  const char *msg = quarter_parse_date(s);

  if (msg != NULL) {
    FUZZ_CHECK(msg[0] != '\0');
    return;
  }
  FUZZ_CHECK(strlen(s) == 10 && s[4] == '-' && s[7] == '-');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s = malloc(size + 1), *line, *save = NULL;

  FUZZ_CHECK(s != NULL);
  memcpy(s, data, size);
  s[size] = '\0';
  check_quarter_text(s);
  check_year_text(s);
  check_date_text(s);
  /* Each line on its own as well, so one input tries several strings. */
  for (line = strtok_r(s, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
    check_quarter_text(line);
    check_year_text(line);
    check_date_text(line);
  }
  FUZZ_CHECK(quarter_parse(NULL, &(struct quarter){0, 0}) != NULL);
  FUZZ_CHECK(quarter_parse_year(NULL, &(int){0}) != NULL);
  FUZZ_CHECK(quarter_parse_date(NULL) != NULL);
  free(s);
  return 0;
}
