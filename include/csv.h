/* RFC 4180 CSV: parsing partners' quarterly returns, and the one writer of
 * every CSV ragboard answers. Pure: no I/O.
 * Parsing: quoted fields may hold commas, doubled quotes and line breaks;
 * records end with CRLF or LF; a UTF-8 byte order mark at the start is
 * skipped; blank lines (such as a trailing empty line) are ignored. */
#ifndef RAGBOARD_CSV_H
#define RAGBOARD_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "error.h"

#define CSV_MAX_FIELDS 64
#define CSV_MAX_ROWS 100000

/* On RB_OK *rows (new) is [{"line": N, "fields": ["..", ..]}, ...], N being
 * the 1-based line where the record starts. On RB_ERR_INVALID, why holds
 * the problem and *bad_line its line. */
enum rb_err csv_parse(const char *text, size_t len, json_t **rows, char *why, size_t cap,
                      size_t *bad_line);

/* ---- writing ----------------------------------------------------------------
 * Records end with CRLF; a cell is quoted when it holds a comma, a quote or a
 * line break. A text cell that begins with =, +, -, @, a tab or a carriage
 * return is written with a single quote in front (OWASP's rule against
 * formula injection: a spreadsheet then shows the text instead of running
 * it), whatever column it is in. A number cell is written as it is, so -2.5
 * stays a number, but only when its text is a JSON number: anything else
 * given as a number is written as text, and so neutralised. */
struct csv_out {
  char *buf; /* NUL-terminated; NULL until the first cell */
  size_t len, cap;
  bool failed;   /* out of memory: the rest is ignored, csv_finish fails */
  bool row_open; /* a cell was written on the current record */
};

/* A text cell; NULL is an empty cell. */
void csv_text(struct csv_out *out, const char *v);
/* A number cell: v is a number's text ("12", "-2.5", "1e-07"); NULL is an
 * empty cell. */
void csv_number(struct csv_out *out, const char *v);
/* End the current record. */
void csv_end_row(struct csv_out *out);
/* The text written (the caller frees it) and its length; NULL when out of
 * memory (everything is freed then). */
char *csv_finish(struct csv_out *out, size_t *len);
/* The text csv_text writes for v as one new string (for tests). */
char *csv_cell(const char *v, bool number);

#endif
