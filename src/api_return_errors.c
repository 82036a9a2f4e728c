/* A return's row errors, as every reader and check notes them: one entry
 * per problem naming the row's field (and for a spreadsheet its column as
 * written, the value, what was expected and a near code), then sorted in
 * the order the partner reads the file. Called by api_return.c,
 * api_return_sheet.c and api_return_check.c; calls none of them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_input.h"
#include "api_return.h"
#include "jsonv.h"

/* ---- row errors -------------------------------------------------------------- */

static json_t *
row_entry(const struct row *r, const char *field, const char *message)
{
  char name[96], text[768];
  json_t *e;

  snprintf(name, sizeof(name), "%s.%s", r->where, field);
  snprintf(text, sizeof(text), "%s", message);
  /* A message quoting a code cut mid-character must not be dropped. */
  jv_utf8_clean(name);
  jv_utf8_clean(text);
  e = json_pack("{s:s, s:s}", "field", name, "message", text);
  if (e == NULL)
    return NULL;
  if (r->line >= 0)
    json_object_set_new(e, "line", json_integer(r->line));
  else
    json_object_set_new(e, "index", json_integer(r->index));
  if (r->kind_known)
    json_object_set_new(e, "kind", json_string(r->kpi ? "kpi" : "milestone"));
  return e;
}

static void
append(struct api_ctx *c, json_t *e)
{
  if (e == NULL)
    return;
  if (c->errors == NULL)
    c->errors = json_array();
  json_array_append_new(c->errors, e);
}

void
api_return_row_error(struct api_ctx *c, const struct row *r, const char *field, const char *msg)
{
  append(c, row_entry(r, field, msg));
}

/* A string member of an error entry, valid UTF-8 whatever it quotes. */
static void
set_text(json_t *e, const char *key, const char *v, size_t max)
{
  char buf[512];

  if (v == NULL)
    return;
  snprintf(buf, sizeof(buf) < max + 1 ? sizeof(buf) : max + 1, "%s", v);
  jv_utf8_clean(buf);
  json_object_set_new(e, key, json_string(buf));
}

void
api_return_problem(struct api_ctx *c, const struct parsed_return *pr, const struct row *r,
                   enum sheet_field field, const char *value, const char *expected,
                   const char *suggestion, const char *fmt, ...)
{
  const char *name = sheet_field_name(field);
  char text[640], message[768];
  va_list ap;
  json_t *e;

  if (field == SHEET_STATUS && r->line < 0 && r->kpi)
    name = "rating"; /* a JSON KPI row's member; a spreadsheet's column is "status" */
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  if (r->line >= 0 && pr->column[field] != NULL)
    snprintf(message, sizeof(message), "line %ld, column \"%.60s\": %s", r->line, pr->column[field],
             text);
  else if (r->line >= 0)
    snprintf(message, sizeof(message), "line %ld: %s", r->line, text);
  else
    snprintf(message, sizeof(message), "%s", text);
  e = row_entry(r, name, message);
  if (e == NULL)
    return;
  if (r->line >= 0)
    set_text(e, "column", pr->column[field] != NULL ? pr->column[field] : name, 120);
  set_text(e, "value", value, 200);
  set_text(e, "expected", expected, 300);
  set_text(e, "suggestion", suggestion, 120);
  append(c, e);
}

/* Where an error sorts: its line (a spreadsheet's), or its row (JSON:
 * milestones, then KPIs, by index); a return-wide error first. */
static long
error_rank(const json_t *e)
{
  const json_t *line = json_object_get(e, "line"), *index = json_object_get(e, "index");
  const char *field = json_string_value(json_object_get(e, "field"));

  if (line != NULL)
    return (long)json_integer_value(line);
  if (index == NULL || field == NULL)
    return -1;
  return (strncmp(field, "kpis[", 5) == 0 ? 1L << 30 : 0) + (long)json_integer_value(index);
}

/* Within a row, errors go in the order of the columns they are about. */
static int
error_column(const json_t *e)
{
  static const char *const order[] = {"$",          "kind",    "code",  "status", "value",
                                      "value_text", "comment", "month", NULL};
  const char *field = json_string_value(json_object_get(e, "field"));
  const char *dot = field != NULL ? strrchr(field, '.') : NULL;

  for (int i = 0; dot != NULL && order[i] != NULL; i++)
    if (strcmp(dot + 1, order[i]) == 0 || (i == 3 && strcmp(dot + 1, "rating") == 0))
      return i;
  return 9;
}

struct ranked {
  long rank;
  int column;
  size_t seq;
  json_t *e;
};

static int
by_rank(const void *a, const void *b)
{
  const struct ranked *x = a, *y = b;

  if (x->rank != y->rank)
    return x->rank < y->rank ? -1 : 1;
  if (x->column != y->column)
    return x->column < y->column ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
api_return_sort_errors(struct api_ctx *c)
{
  size_t n = json_array_size(c->errors), i;
  struct ranked *v;
  json_t *sorted, *e;

  if (n < 2 || (v = malloc(n * sizeof(*v))) == NULL)
    return;
  json_array_foreach(c->errors, i, e) v[i] = (struct ranked){error_rank(e), error_column(e), i, e};
  qsort(v, n, sizeof(*v), by_rank);
  sorted = json_array();
  for (i = 0; sorted != NULL && i < n; i++)
    json_array_append(sorted, v[i].e);
  free(v);
  if (sorted == NULL || json_array_size(sorted) != n) {
    json_decref(sorted);
    return;
  }
  json_decref(c->errors);
  c->errors = sorted;
}
