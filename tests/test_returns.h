/* What the returns suite's two files share: test_returns.c's helpers, and
 * test_returns_blank.c's tests, which its suite runs. */
#ifndef RAGBOARD_TEST_RETURNS_H
#define RAGBOARD_TEST_RETURNS_H

#include <check.h>
#include <stddef.h>

/* The Python with openpyxl ($RAGBOARD_PYTHON, else python3). */
const char *python(void);
/* Write len bytes of data to path. */
void save(const char *path, const char *data, size_t len);
/* Run a helper script; it must succeed (its output in the failure). */
void run(const char *cmd);
/* The file's bytes, NUL-terminated (the caller frees them). */
char *slurp(const char *path, size_t *len);

void returns_blank_tests(Suite *suite); /* test_returns_blank.c */

#endif
