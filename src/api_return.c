/* A partner's return as sent: which reader its body needs (JSON
 * {"milestones": [...], "kpis": [...]}, CSV or XLSX), the JSON reader, and
 * the row errors every reader and check notes. The spreadsheet readers are
 * in api_return_sheet.c; what the rows refer to is checked by
 * api_return_check.c and written by api_submission.c. */
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

/* ---- JSON returns ---------------------------------------------------------------- */

static const struct jv_field milestone_row_fields[] = {
  {"code", JV_CODE, JV_REQUIRED, NULL},
  {"status", JV_CODE, JV_REQUIRED, NULL},
  {"comment", JV_TEXT, JV_NULLABLE, NULL},
};
static const struct jv_field kpi_row_fields[] = {
  {"code", JV_CODE, JV_REQUIRED, NULL},       {"value", JV_NUMBER, JV_NULLABLE, NULL},
  {"value_text", JV_TEXT, JV_NULLABLE, NULL}, {"rating", JV_CODE, JV_NULLABLE, NULL},
  {"comment", JV_TEXT, JV_NULLABLE, NULL},    {"month", JV_CODE, JV_NULLABLE, NULL},
};

/* JSON return: {"milestones": [...], "kpis": [...]} */
static enum rb_err
rows_from_json(struct api_ctx *c, json_t *doc, struct row **out, size_t *n)
{
  const char *key;
  json_t *v, *ms = json_object_get(doc, "milestones"), *ks = json_object_get(doc, "kpis");
  size_t total, k = 0;
  struct row *rows;

  json_object_foreach(doc, key, v)
  {
    if (strcmp(key, "milestones") != 0 && strcmp(key, "kpis") != 0)
      api_field_error(c, key, "is not a known field");
  }
  /* An unknown member does not stop the rows' checks: one answer names
   * every problem. Rows that are not in arrays cannot be checked. */
  if (ms != NULL && !json_is_array(ms))
    api_field_error(c, "milestones", "must be an array");
  if (ks != NULL && !json_is_array(ks))
    api_field_error(c, "kpis", "must be an array");
  if (api_field_failed(c, "milestones") || api_field_failed(c, "kpis"))
    return api_check_errors(c);
  total = json_array_size(ms) + json_array_size(ks);
  if (total == 0 && json_array_size(c->errors) > 0)
    return api_check_errors(c);
  if (total == 0)
    return api_fail(c, RB_ERR_INVALID, "the return holds no milestones and no KPIs");
  rows = calloc(total, sizeof(*rows));
  if (rows == NULL)
    return RB_ERR_NOMEM;
  for (int pass = 0; pass < 2; pass++) {
    json_t *arr = pass == 0 ? ms : ks, *item;
    size_t i;

    json_array_foreach(arr, i, item)
    {
      struct row *r = &rows[k++];
      json_t *errs = json_array();
      size_t j;
      json_t *e;

      r->kpi = pass == 1;
      r->kind_known = true;
      r->index = (long)i;
      r->line = -1;
      snprintf(r->where, sizeof(r->where), "%s[%zu]", r->kpi ? "kpis" : "milestones", i);
      if (!json_is_object(item)) {
        api_return_row_error(c, r, "$", "must be an object");
        json_decref(errs);
        continue;
      }
      jv_check(item, r->kpi ? kpi_row_fields : milestone_row_fields,
               r->kpi ? ARRAY_LEN(kpi_row_fields) : ARRAY_LEN(milestone_row_fields), "", errs);
      r->status = json_string_value(json_object_get(item, r->kpi ? "rating" : "status"));
      json_array_foreach(errs, j, e)
      {
        const char *field = json_string_value(json_object_get(e, "field"));

        api_return_row_error(c, r, field, json_string_value(json_object_get(e, "message")));
        /* A field already refused here is not checked (and reported) again. */
        if (strcmp(field, r->kpi ? "rating" : "status") == 0)
          r->status = NULL;
        if (strcmp(field, "code") == 0)
          r->code = NULL;
      }
      if (!jv_has_error(errs, "code"))
        r->code = json_string_value(json_object_get(item, "code"));
      if (!jv_has_error(errs, "month"))
        r->month = json_string_value(json_object_get(item, "month"));
      json_decref(errs);
      r->value = json_incref(
        json_is_number(json_object_get(item, "value")) ? json_object_get(item, "value") : NULL);
      r->value_text = json_string_value(json_object_get(item, "value_text"));
      r->comment = json_string_value(json_object_get(item, "comment"));
    }
  }
  *out = rows;
  *n = total;
  return RB_OK;
}

/* ---- which reader ------------------------------------------------------------------ */

#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define ACCEPTED                                             \
  "application/json, text/csv, text/plain (CSV), " XLSX_TYPE \
  " (an .xlsx workbook), or multipart/form-data with one file field holding any of them"

static bool
type_is(const char *ctype, const char *want)
{
  size_t n = strlen(want);

  while (*ctype == ' ')
    ctype++;
  return strncasecmp(ctype, want, n) == 0 &&
         (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ');
}

/* Whether the body's first character (past white space and a UTF-8 byte
 * order mark) opens a JSON object. */
static bool
looks_like_json(const char *body, size_t len)
{
  size_t i = len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;

  while (i < len && strchr(" \t\r\n", body[i]) != NULL)
    i++;
  return i < len && body[i] == '{';
}

enum reader { READ_JSON, READ_CSV, READ_XLSX, READ_NONE };

static enum reader
reader_for(const struct rb_request *req)
{
  const char *t = req->content_type;
  const char *b = req->body;
  size_t len = req->body_len;

  /* A workbook is a workbook whatever it is labelled (curl --data-binary
   * sends application/x-www-form-urlencoded), and an Excel 97-2003 file
   * is refused by the XLSX reader with what to do instead. */
  if (len >= 4 && (memcmp(b, "PK\3\4", 4) == 0 || memcmp(b, "\xD0\xCF\x11\xE0", 4) == 0))
    return READ_XLSX;
  if (t == NULL || type_is(t, "application/json"))
    return READ_JSON;
  if (type_is(t, XLSX_TYPE))
    return READ_XLSX;
  /* Browsers label .csv files text/csv, or application/vnd.ms-excel on
   * Windows; a .txt saved from Excel is text/plain (tab separated). */
  if (type_is(t, "text/plain"))
    return looks_like_json(b, len) ? READ_JSON : READ_CSV;
  if (type_is(t, "text/csv") || type_is(t, "application/csv") ||
      type_is(t, "text/tab-separated-values") || type_is(t, "application/vnd.ms-excel"))
    return READ_CSV;
  return READ_NONE;
}

void
api_return_free(void *p)
{
  struct parsed_return *pr = p;

  if (pr == NULL)
    return;
  for (size_t i = 0; pr->rows != NULL && i < pr->n; i++)
    json_decref(pr->rows[i].value);
  free(pr->rows);
  json_decref(pr->doc);
  sheet_free(pr->sheet);
  json_decref(pr->notes);
  json_decref(pr->codes);
  free(pr);
}

enum rb_err
api_return_parse(struct api_ctx *c, struct parsed_return *pr)
{
  enum rb_err err;

  if (pr->notes == NULL && (pr->notes = json_array()) == NULL)
    return RB_ERR_NOMEM;
  switch (reader_for(c->req)) {
  case READ_XLSX:
    return api_return_sheet(c, pr, true);
  case READ_CSV:
    return api_return_sheet(c, pr, false);
  case READ_NONE:
    return api_fail(c, RB_ERR_UNSUPPORTED_MEDIA,
                    "a return must be sent as " ACCEPTED ", not %.100s", c->req->content_type);
  case READ_JSON:
    break;
  }
  /* JSON's own checks (415 never: the type is JSON's by now) */
  {
    struct rb_request plain = *c->req;
    const struct rb_request *orig = c->req;

    plain.content_type = NULL;
    c->req = &plain;
    err = api_body(c, &pr->doc);
    c->req = orig;
  }
  if (err == RB_OK) {
    if (c->errors == NULL)
      c->errors = json_array();
    err = rows_from_json(c, pr->doc, &pr->rows, &pr->n);
  }
  return err;
}
