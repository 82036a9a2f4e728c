/* What the template suite's two files share: test_template.c's helpers,
 * and test_template_cells.c's tests, which its suite runs. */
#ifndef RAGBOARD_TEST_TEMPLATE_H
#define RAGBOARD_TEST_TEMPLATE_H

#include <check.h>
#include <stddef.h>

#include "sheet.h"
#include "template.h"

/* malloc that fails the test instead of returning NULL */
void *xmalloc(size_t n);
/* A new temporary directory (the caller removes and frees it). */
char *new_dir(void);
/* The file's bytes, up to 1 MiB (the caller frees them). */
char *read_file(const char *path, size_t *len);
/* The XLSX template of t (the caller frees it). */
char *xlsx(const struct template_desc *t, size_t *len);
/* An XLSX read by ragboard's reader, its header row found into h. */
struct sheet *read_xlsx(const char *data, size_t len, struct sheet_header *h);
/* Field f of data row data_row (0: the first under the header). */
const char *field(const struct sheet *s, const struct sheet_header *h, size_t data_row,
                  enum sheet_field f);

void template_cells_tests(TCase *tc); /* test_template_cells.c */

#endif
