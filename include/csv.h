/* RFC 4180 CSV parsing for partners' quarterly returns. Pure: no I/O.
 * Quoted fields may hold commas, doubled quotes and line breaks; records
 * end with CRLF or LF; a UTF-8 byte order mark at the start is skipped;
 * blank lines (such as a trailing empty line) are ignored. */
#ifndef RAGBOARD_CSV_H
#define RAGBOARD_CSV_H

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

#endif
