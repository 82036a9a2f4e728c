/* The table model shared by the CSV and XLSX readers: its arena, its
 * text helpers, and the builder that fills it under the limits. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonv.h"
#include "sheet_int.h"

/* ---- arena -------------------------------------------------------------------- */

struct arena_block {
  struct arena_block *next;
  size_t used, cap;
  max_align_t data[]; /* aligned for the pointer arrays kept here too */
};

struct sheet_arena {
  struct arena_block *head;
};

#define ARENA_BLOCK ((size_t)64 << 10)

void *
arena_alloc(struct sheet_arena *a, size_t n)
{
  struct arena_block *b = a->head;
  size_t aligned = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);

  if (aligned < n)
    return NULL;
  if (b == NULL || b->cap - b->used < aligned) {
    size_t cap = aligned > ARENA_BLOCK ? aligned : ARENA_BLOCK;

    if (cap > SIZE_MAX - sizeof(*b))
      return NULL;
    b = malloc(sizeof(*b) + cap);
    if (b == NULL)
      return NULL;
    b->used = 0;
    b->cap = cap;
    /* A block made for one big request goes behind the current one, so the
     * current block's free room is not abandoned. */
    if (a->head != NULL && cap > ARENA_BLOCK) {
      b->next = a->head->next;
      a->head->next = b;
      b->used = aligned;
      return (char *)b->data;
    }
    b->next = a->head;
    a->head = b;
  }
  b->used += aligned;
  return (char *)b->data + b->used - aligned;
}

char *
arena_strndup(struct sheet_arena *a, const char *s, size_t n)
{
  char *p = n < SIZE_MAX ? arena_alloc(a, n + 1) : NULL;

  if (p == NULL)
    return NULL;
  if (n > 0)
    memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

struct sheet *
sheet_new(void)
{
  struct sheet *s = calloc(1, sizeof(*s));

  if (s == NULL)
    return NULL;
  s->arena = calloc(1, sizeof(*s->arena));
  if (s->arena == NULL) {
    free(s);
    return NULL;
  }
  return s;
}

void
sheet_free(struct sheet *s)
{
  if (s == NULL)
    return;
  for (struct arena_block *b = s->arena->head, *next; b != NULL; b = next) {
    next = b->next;
    free(b);
  }
  free(s->arena);
  free(s->rows);
  free(s);
}

void
sheet_note(struct sheet *s, const char *fmt, ...)
{
  char text[256];
  va_list ap;
  int n;

  if (s->nnotes >= SHEET_MAX_NOTES)
    return;
  va_start(ap, fmt);
  n = vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  jv_utf8_clean(text);
  s->notes[s->nnotes] = arena_strndup(s->arena, text, strlen(text));
  if (s->notes[s->nnotes] != NULL)
    s->nnotes++;
}

/* ---- text helpers ------------------------------------------------------------- */

/* Length of s cut to at most max bytes without splitting a UTF-8 sequence. */
static size_t
utf8_cut(const char *s, size_t len, size_t max)
{
  if (len <= max)
    return len;
  while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
    max--;
  return max;
}

void
sheet_fail(struct sheet_problem *why, size_t line, const char *fmt, ...)
{
  va_list ap;

  why->line = line;
  va_start(ap, fmt);
  vsnprintf(why->text, sizeof(why->text), fmt, ap);
  va_end(ap);
  why->text[utf8_cut(why->text, strlen(why->text), sizeof(why->text) - 1)] = '\0';
  jv_utf8_clean(why->text); /* a %.20s of a partner's text may cut a character */
}

void
sheet_quote(char *out, size_t cap, const char *s, size_t max)
{
  size_t len = strlen(s), n, k = 0;

  if (cap == 0)
    return;
  if (max + 4 > cap)
    max = cap > 4 ? cap - 4 : 0;
  n = utf8_cut(s, len, max);
  for (size_t i = 0; i < n; i++)
    out[k++] = s[i] == '\n' || s[i] == '\r' || s[i] == '\t' ? ' ' : s[i];
  if (n < len) {
    memcpy(out + k, "...", 3);
    k += 3;
  }
  out[k] = '\0';
}

static bool
space_at(const char *s, size_t len, size_t i, size_t *width)
{
  unsigned char c = (unsigned char)s[i];

  if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') {
    *width = 1;
    return true;
  }
  if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] == 0xA0) {
    *width = 2;
    return true;
  }
  return false;
}

const char *
sheet_trim(const char *s, size_t *len)
{
  size_t n = *len, w;

  while (n > 0 && space_at(s, n, 0, &w)) {
    s += w;
    n -= w;
  }
  for (;;) {
    if (n >= 1 && space_at(s, n, n - 1, &w))
      n -= 1;
    else if (n >= 2 && space_at(s, n, n - 2, &w) && w == 2)
      n -= 2;
    else
      break;
  }
  *len = n;
  return s;
}

char
sheet_lower(char c)
{
  return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool
sheet_name_is(const char *a, size_t alen, const char *b)
{
  size_t i;

  for (i = 0; i < alen && b[i] != '\0'; i++)
    if (sheet_lower(a[i]) != sheet_lower(b[i]))
      return false;
  return i == alen && b[i] == '\0';
}

const char *
sheet_cell(const struct sheet_row *r, size_t col)
{
  return col < r->ncells ? r->cells[col] : "";
}

void
sheet_column_name(size_t col, char out[8])
{
  char rev[8];
  size_t n = 0, k = 0;

  col++;
  while (col > 0 && n < 7) {
    rev[n++] = (char)('A' + (col - 1) % 26);
    col = (col - 1) / 26;
  }
  while (n > 0)
    out[k++] = rev[--n];
  out[k] = '\0';
}

/* ---- builder ------------------------------------------------------------------ */

void
builder_init(struct sheet_builder *b, struct sheet *s, const struct sheet_limits *lim,
             struct sheet_problem *why)
{
  memset(b, 0, sizeof(*b));
  b->s = s;
  b->lim = lim;
  b->why = why;
  b->cur_blank = true;
}

void
builder_done(struct sheet_builder *b)
{
  free(b->cur);
  b->cur = NULL;
}

static enum rb_err
put(struct sheet_builder *b, size_t line, size_t col, const char *text)
{
  if (col >= SHEET_MAX_COLUMNS) {
    sheet_fail(b->why, line, "line %zu has more than %d columns", line, SHEET_MAX_COLUMNS);
    return RB_ERR_TOO_LARGE;
  }
  if (col < b->ncur)
    return RB_ERR_INTERNAL; /* a reader's bug: cells must come left to right */
  if (col + 1 - b->ncur > b->lim->max_cells - b->cells || b->cells > b->lim->max_cells) {
    sheet_fail(b->why, line, "the sheet has more than %zu cells (at line %zu)", b->lim->max_cells,
               line);
    return RB_ERR_TOO_LARGE;
  }
  if (col >= b->cur_cap) {
    size_t cap = b->cur_cap ? b->cur_cap : 16;
    const char **grown;

    while (cap <= col)
      cap *= 2;
    grown = realloc(b->cur, cap * sizeof(*grown));
    if (grown == NULL)
      return RB_ERR_NOMEM;
    b->cur = grown;
    b->cur_cap = cap;
  }
  b->cells += col + 1 - b->ncur;
  while (b->ncur < col)
    b->cur[b->ncur++] = "";
  b->cur[b->ncur++] = text;
  if (text[0] != '\0')
    b->cur_blank = false;
  return RB_OK;
}

static enum rb_err
count_text(struct sheet_builder *b, size_t line, size_t col, size_t len)
{
  char name[8];

  if (len > SHEET_MAX_CELL_BYTES) {
    sheet_column_name(col, name);
    sheet_fail(b->why, line, "cell %s%zu holds more than %d bytes of text", name, line,
               SHEET_MAX_CELL_BYTES);
    return RB_ERR_TOO_LARGE;
  }
  if (len > SHEET_MAX_TEXT_BYTES - b->text_bytes) {
    sheet_fail(b->why, line, "the sheet holds more than %zu MiB of text (at line %zu)",
               SHEET_MAX_TEXT_BYTES >> 20, line);
    return RB_ERR_TOO_LARGE;
  }
  b->text_bytes += len;
  return RB_OK;
}

enum rb_err
builder_cell(struct sheet_builder *b, size_t line, size_t col, const char *text, size_t len)
{
  const char *t = sheet_trim(text, &len);
  const char *copy;
  enum rb_err err = count_text(b, line, col, len);

  if (err != RB_OK)
    return err;
  copy = len == 0 ? "" : arena_strndup(b->s->arena, t, len);
  if (copy == NULL)
    return RB_ERR_NOMEM;
  return put(b, line, col, copy);
}

enum rb_err
builder_cell_shared(struct sheet_builder *b, size_t line, size_t col, const char *text, size_t len)
{
  enum rb_err err = count_text(b, line, col, len);

  return err != RB_OK ? err : put(b, line, col, len == 0 ? "" : text);
}

enum rb_err
builder_end_row(struct sheet_builder *b, size_t line)
{
  struct sheet *s = b->s;
  struct sheet_row *r;

  if (b->cur_blank) {
    b->ncur = 0;
    return RB_OK;
  }
  if (s->nrows == b->rows_cap) {
    size_t cap = b->rows_cap ? b->rows_cap * 2 : 64;
    struct sheet_row *grown = realloc(s->rows, cap * sizeof(*grown));

    if (grown == NULL)
      return RB_ERR_NOMEM;
    s->rows = grown;
    b->rows_cap = cap;
  }
  r = &s->rows[s->nrows];
  r->line = line;
  r->ncells = b->ncur;
  r->cells = arena_alloc(s->arena, b->ncur * sizeof(*r->cells));
  if (r->cells == NULL)
    return RB_ERR_NOMEM;
  memcpy(r->cells, b->cur, b->ncur * sizeof(*r->cells));
  s->nrows++;
  b->ncur = 0;
  b->cur_blank = true;
  return RB_OK;
}
