/* Shared by the sheet modules (src/sheet*.c): the string arena a sheet
 * owns, and the builder that turns a reader's cells into rows under the
 * limits. Not part of the public API. */
#ifndef RAGBOARD_SHEET_INT_H
#define RAGBOARD_SHEET_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "sheet.h"

/* Bump allocator: everything a sheet holds lives here and goes at once. */
void *arena_alloc(struct sheet_arena *a, size_t n);
/* A NUL-terminated copy of s[0..n). */
char *arena_strndup(struct sheet_arena *a, const char *s, size_t n);

/* A new, empty sheet with its arena; NULL when out of memory. */
struct sheet *sheet_new(void);
/* Add a note (formatted, copied); more than SHEET_MAX_NOTES are dropped. */
void sheet_note(struct sheet *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Set why (line and text); the text is cut at a character boundary. */
void sheet_fail(struct sheet_problem *why, size_t line, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
/* A partner's text for quoting in a message: at most max bytes, cut at a
 * character boundary with "..." after, line breaks shown as spaces. */
void sheet_quote(char *out, size_t cap, const char *s, size_t max);
/* s[0..*len) without surrounding white space (space, tab, CR, LF, VT, FF,
 * U+00A0): returns the new start, sets the new length. */
const char *sheet_trim(const char *s, size_t *len);
/* ASCII lower case. */
char sheet_lower(char c);
/* Case-insensitive ASCII equality of a[0..alen) and the string b. */
bool sheet_name_is(const char *a, size_t alen, const char *b);

/* Rows under construction. Cells go into the current row at a column;
 * columns skipped are filled with "". */
struct sheet_builder {
  struct sheet *s;
  const struct sheet_limits *lim;
  struct sheet_problem *why;
  size_t rows_cap;
  const char **cur; /* cells of the row being built */
  size_t ncur, cur_cap;
  bool cur_blank;    /* every cell so far is empty */
  size_t cells;      /* counted against lim->max_cells, gaps included */
  size_t text_bytes; /* counted against SHEET_MAX_TEXT_BYTES */
};

void builder_init(struct sheet_builder *b, struct sheet *s, const struct sheet_limits *lim,
                  struct sheet_problem *why);
void builder_done(struct sheet_builder *b); /* frees the scratch row */
/* Put text (trimmed here, copied into the arena) at column col of the row
 * that will be numbered line. col must be past the row's last cell. */
enum rb_err builder_cell(struct sheet_builder *b, size_t line, size_t col, const char *text,
                         size_t len);
/* The same for a string already in the arena and trimmed (a shared string):
 * not copied. */
enum rb_err builder_cell_shared(struct sheet_builder *b, size_t line, size_t col, const char *text,
                                size_t len);
/* End the row numbered line: kept unless all its cells are empty. */
enum rb_err builder_end_row(struct sheet_builder *b, size_t line);

#endif
