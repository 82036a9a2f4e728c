#include "csv.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonv.h"

struct field_buf {
  char *data;
  size_t len, cap;
};

static bool
push(struct field_buf *f, char c)
{
  if (f->len + 2 > f->cap) {
    size_t cap = f->cap ? f->cap * 2 : 64;
    char *grown = realloc(f->data, cap);

    if (grown == NULL)
      return false;
    f->data = grown;
    f->cap = cap;
  }
  f->data[f->len++] = c;
  f->data[f->len] = '\0';
  return true;
}

static bool
row_blank(json_t *fields)
{
  return json_array_size(fields) == 1 && json_string_length(json_array_get(fields, 0)) == 0;
}

enum rb_err
csv_parse(const char *text, size_t len, json_t **rows, char *why, size_t cap, size_t *bad_line)
{
  json_t *out = json_array(), *fields = json_array();
  struct field_buf f = {NULL, 0, 0};
  size_t i = 0, line = 1, row_line = 1;
  bool quoted = false, after_quote = false;
  enum rb_err err = RB_ERR_INVALID;

  if (out == NULL || fields == NULL)
    goto nomem;
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
    i = 3;
  push(&f, '\0');
  f.len = 0;
  for (; i <= len; i++) {
    char c = i < len ? text[i] : '\n'; /* a final record may lack its line end */
    bool end_of_input = i == len;

    if (c == '\0' && !end_of_input) {
      snprintf(why, cap, "contains a NUL byte");
      *bad_line = line;
      goto fail;
    }
    if (quoted) {
      if (end_of_input) {
        snprintf(why, cap, "a quoted field is not closed");
        *bad_line = row_line;
        goto fail;
      }
      if (c == '"') {
        if (i + 1 < len && text[i + 1] == '"') {
          if (!push(&f, '"'))
            goto nomem;
          i++;
        } else {
          quoted = false;
          after_quote = true;
        }
      } else {
        if (c == '\n')
          line++;
        if (!push(&f, c))
          goto nomem;
      }
      continue;
    }
    if (c == '"') {
      if (f.len != 0 || after_quote) {
        snprintf(why, cap, "a quote appears inside an unquoted field");
        *bad_line = line;
        goto fail;
      }
      quoted = true;
      continue;
    }
    if (c == ',' || c == '\n' || (c == '\r' && (i + 1 >= len || text[i + 1] == '\n'))) {
      if (c == '\r')
        continue; /* the LF that follows ends the record */
      if (json_array_size(fields) >= CSV_MAX_FIELDS) {
        snprintf(why, cap, "has more than %d fields", CSV_MAX_FIELDS);
        *bad_line = row_line;
        goto fail;
      }
      if (!jv_utf8_valid(f.data != NULL ? f.data : "", f.len)) {
        snprintf(why, cap, "is not valid UTF-8");
        *bad_line = line;
        goto fail;
      }
      if (json_array_append_new(fields, json_stringn(f.data != NULL ? f.data : "", f.len)) != 0)
        goto nomem;
      f.len = 0;
      after_quote = false;
      if (c == ',')
        continue;
      if (!row_blank(fields)) {
        if (json_array_size(out) >= CSV_MAX_ROWS) {
          snprintf(why, cap, "has more than %d records", CSV_MAX_ROWS);
          *bad_line = row_line;
          goto fail;
        }
        if (json_array_append_new(
              out, json_pack("{s:I, s:o}", "line", (json_int_t)row_line, "fields", fields)) != 0)
          goto nomem;
      } else {
        json_decref(fields);
      }
      fields = json_array();
      if (fields == NULL)
        goto nomem;
      line++;
      row_line = line;
      continue;
    }
    if (after_quote) {
      snprintf(why, cap, "text follows a closing quote");
      *bad_line = line;
      goto fail;
    }
    if (!push(&f, c))
      goto nomem;
  }
  free(f.data);
  json_decref(fields);
  *rows = out;
  return RB_OK;
nomem:
  err = RB_ERR_NOMEM;
fail:
  free(f.data);
  json_decref(fields);
  json_decref(out);
  return err;
}

/* ---- writing ------------------------------------------------------------------ */

static void
out_add(struct csv_out *o, const char *s, size_t n)
{
  if (o->failed)
    return;
  if (o->len + n + 1 > o->cap) {
    size_t cap = o->cap ? o->cap : 4096;
    char *grown;

    while (cap < o->len + n + 1)
      cap *= 2;
    grown = realloc(o->buf, cap);
    if (grown == NULL) {
      o->failed = true;
      return;
    }
    o->buf = grown;
    o->cap = cap;
  }
  memcpy(o->buf + o->len, s, n);
  o->len += n;
  o->buf[o->len] = '\0';
}

/* The JSON number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool
is_number(const char *s)
{
  const char *p = s;

  if (*p == '-')
    p++;
  if (*p == '0')
    p++;
  else if (*p >= '1' && *p <= '9')
    while (*p >= '0' && *p <= '9')
      p++;
  else
    return false;
  if (*p == '.') {
    if (!(*++p >= '0' && *p <= '9'))
      return false;
    while (*p >= '0' && *p <= '9')
      p++;
  }
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-')
      p++;
    if (!(*p >= '0' && *p <= '9'))
      return false;
    while (*p >= '0' && *p <= '9')
      p++;
  }
  return *p == '\0';
}

static void
cell(struct csv_out *o, const char *v, bool number)
{
  bool guard, quote;

  if (o->row_open)
    out_add(o, ",", 1);
  o->row_open = true;
  if (v == NULL)
    return;
  guard = !(number && is_number(v)) && v[0] != '\0' && strchr("=+-@\t\r", v[0]) != NULL;
  quote = v[strcspn(v, ",\"\r\n")] != '\0';
  if (quote)
    out_add(o, "\"", 1);
  if (guard)
    out_add(o, "'", 1);
  for (const char *p = v; *p != '\0';) {
    size_t run = quote ? strcspn(p, "\"") : strlen(p);

    out_add(o, p, run);
    p += run;
    if (*p == '"') {
      out_add(o, "\"\"", 2);
      p++;
    }
  }
  if (quote)
    out_add(o, "\"", 1);
}

void
csv_text(struct csv_out *out, const char *v)
{
  cell(out, v, false);
}

void
csv_number(struct csv_out *out, const char *v)
{
  cell(out, v, true);
}

void
csv_end_row(struct csv_out *out)
{
  out_add(out, "\r\n", 2);
  out->row_open = false;
}

char *
csv_finish(struct csv_out *out, size_t *len)
{
  char *text = out->buf;

  out->buf = NULL;
  if (out->failed) {
    free(text);
    return NULL;
  }
  if (text == NULL && (text = calloc(1, 1)) == NULL)
    return NULL;
  *len = out->len;
  return text;
}

char *
csv_cell(const char *v, bool number)
{
  struct csv_out o = {NULL, 0, 0, false, false};
  size_t len = 0;

  cell(&o, v, number);
  return csv_finish(&o, &len);
}
