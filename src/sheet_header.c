/* The header row of a return: which column holds which field. */
#include <stdio.h>
#include <string.h>

#include "sheet_int.h"

/* ---- the header row ----------------------------------------------------------- */

static const char *const field_names[SHEET_FIELD__COUNT] = {
  "kind", "code", "status", "value", "value_text", "comment", "month",
};
static const char *const context_names[] = {
  "description", "target", "unit", "last quarter", "last comment",
};

#define HEADER_SCAN_ROWS 20

const char *
sheet_field_name(enum sheet_field f)
{
  return (unsigned)f < SHEET_FIELD__COUNT ? field_names[f] : "";
}

bool
sheet_is_context_column(const char *header)
{
  size_t len = strlen(header);
  const char *h = sheet_trim(header, &len);

  for (size_t i = 0; i < sizeof(context_names) / sizeof(context_names[0]); i++)
    if (sheet_name_is(h, len, context_names[i]))
      return true;
  return false;
}

static int
field_of(const char *cell)
{
  size_t len = strlen(cell);

  for (int f = 0; f < SHEET_FIELD__COUNT; f++)
    if (sheet_name_is(cell, len, field_names[f]))
      return f;
  return -1;
}

/* Case-insensitive edit distance, stopping early past 2 (all we ask). */
static unsigned
distance(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  unsigned row[32];

  if (la > 30 || lb > 30 || (la > lb ? la - lb : lb - la) > 2)
    return 3;
  for (size_t j = 0; j <= lb; j++)
    row[j] = (unsigned)j;
  for (size_t i = 1; i <= la; i++) {
    unsigned diag = row[0], best;

    row[0] = (unsigned)i;
    best = row[0];
    for (size_t j = 1; j <= lb; j++) {
      unsigned up = row[j], cost = sheet_lower(a[i - 1]) == sheet_lower(b[j - 1]) ? 0 : 1;
      unsigned v = diag + cost;

      if (up + 1 < v)
        v = up + 1;
      if (row[j - 1] + 1 < v)
        v = row[j - 1] + 1;
      diag = up;
      row[j] = v;
      if (v < best)
        best = v;
    }
    if (best > 2)
      return 3;
  }
  return row[lb];
}

static bool
is_header_row(const struct sheet_row *r)
{
  bool kind = false, code = false;

  for (size_t c = 0; c < r->ncells; c++) {
    kind |= field_of(r->cells[c]) == SHEET_KIND;
    code |= field_of(r->cells[c]) == SHEET_CODE;
  }
  return kind && code;
}

#define READ_AND_IGNORED                                                             \
  "(the columns read are kind, code, status, value, value_text, comment and month; " \
  "description, target, unit, last quarter and last comment are ignored)"

static enum rb_err
unknown_column(const struct sheet_row *head, size_t col, struct sheet_problem *why)
{
  const char *h = head->cells[col], *best = NULL;
  char name[8], quoted[96];

  sheet_column_name(col, name);
  sheet_quote(quoted, sizeof(quoted), h, 60);
  for (int f = 0; f < SHEET_FIELD__COUNT && best == NULL; f++)
    if (distance(h, field_names[f]) <= 2)
      best = field_names[f];
  if (best != NULL)
    sheet_fail(why, head->line,
               "column %s \"%s\" is not a column of a return: did you mean \"%s\"? %s", name,
               quoted, best, READ_AND_IGNORED);
  else
    sheet_fail(why, head->line,
               "column %s \"%s\" is not a column of a return: rename or delete it %s", name, quoted,
               READ_AND_IGNORED);
  return RB_ERR_INVALID;
}

/* A column with no header must be empty below the header. */
static enum rb_err
check_headless(const struct sheet *s, size_t head, size_t col, struct sheet_problem *why)
{
  for (size_t i = head + 1; i < s->nrows; i++) {
    const char *v = sheet_cell(&s->rows[i], col);

    if (v[0] != '\0') {
      char name[8], quoted[96];

      sheet_column_name(col, name);
      sheet_quote(quoted, sizeof(quoted), v, 60);
      sheet_fail(why, s->rows[i].line,
                 "column %s has no header, but line %zu has \"%s\" in it: give the column one of "
                 "the names of a return, or clear it",
                 name, s->rows[i].line, quoted);
      return RB_ERR_INVALID;
    }
  }
  return RB_OK;
}

enum rb_err
sheet_find_header(const struct sheet *s, struct sheet_header *out, struct sheet_problem *why)
{
  struct sheet_header h;
  const struct sheet_row *head = NULL;
  enum rb_err err;

  for (size_t i = 0; i < s->nrows && i < HEADER_SCAN_ROWS && head == NULL; i++)
    if (is_header_row(&s->rows[i])) {
      h.row = i;
      head = &s->rows[i];
    }
  if (head == NULL) {
    char quoted[96];

    sheet_quote(quoted, sizeof(quoted), s->nrows > 0 ? s->rows[0].cells[0] : "", 60);
    sheet_fail(why, s->nrows > 0 ? s->rows[0].line : 0,
               "no header row: expected a row with the column names kind, code, status, value, "
               "value_text, comment in the first %d rows (the first row starts \"%s\")",
               HEADER_SCAN_ROWS, quoted);
    return RB_ERR_INVALID;
  }
  for (int f = 0; f < SHEET_FIELD__COUNT; f++)
    h.column[f] = -1;
  for (size_t c = 0; c < head->ncells; c++) {
    const char *cell = head->cells[c];
    int f = field_of(cell);

    if (cell[0] == '\0') {
      if ((err = check_headless(s, h.row, c, why)) != RB_OK)
        return err;
      continue;
    }
    if (f < 0 && sheet_is_context_column(cell))
      continue;
    if (f < 0)
      return unknown_column(head, c, why);
    if (h.column[f] >= 0) {
      char first[8], second[8];

      sheet_column_name((size_t)h.column[f], first);
      sheet_column_name(c, second);
      sheet_fail(why, head->line, "columns %s and %s are both \"%s\": keep one of them", first,
                 second, field_names[f]);
      return RB_ERR_INVALID;
    }
    h.column[f] = (long)c;
  }
  /* Cells past the header's last one, on any row, have no header either. */
  for (size_t i = h.row + 1; i < s->nrows; i++)
    for (size_t c = head->ncells; c < s->rows[i].ncells; c++)
      if (s->rows[i].cells[c][0] != '\0' && (err = check_headless(s, h.row, c, why)) != RB_OK)
        return err;
  *out = h;
  return RB_OK;
}
