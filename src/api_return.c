/* A partner's return as sent: JSON {"milestones": [...], "kpis": [...],
 * "months": [...]} or CSV (kind,code,status,value,value_text,comment and
 * an optional month column for monthly values), parsed into rows
 * with the shape of each checked. What the rows refer to is checked and
 * written by api_submission.c. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_input.h"
#include "api_return.h"
#include "csv.h"
#include "jsonv.h"

void
api_return_row_error(struct api_ctx *c, const struct row *r, const char *field, const char *msg)
{
  char name[96], text[256];
  json_t *e;

  if (c->errors == NULL)
    c->errors = json_array();
  snprintf(name, sizeof(name), "%s.%s", r->where, field);
  snprintf(text, sizeof(text), "%s", msg);
  /* A message quoting a code cut mid-character must not be dropped. */
  jv_utf8_clean(name);
  jv_utf8_clean(text);
  e = json_pack("{s:s, s:s}", "field", name, "message", text);
  if (e == NULL)
    return;
  if (r->line >= 0)
    json_object_set_new(e, "line", json_integer(r->line));
  else
    json_object_set_new(e, "index", json_integer(r->index));
  json_object_set_new(e, "kind",
                      json_string(r->month != NULL ? "month"
                                  : r->kpi         ? "kpi"
                                                   : "milestone"));
  json_array_append_new(c->errors, e);
}

static const struct jv_field milestone_row_fields[] = {
  {"code", JV_CODE, JV_REQUIRED, NULL},
  {"status", JV_CODE, JV_REQUIRED, NULL},
  {"comment", JV_TEXT, JV_NULLABLE, NULL},
};
static const struct jv_field kpi_row_fields[] = {
  {"code", JV_CODE, JV_REQUIRED, NULL},       {"value", JV_NUMBER, JV_NULLABLE, NULL},
  {"value_text", JV_TEXT, JV_NULLABLE, NULL}, {"rating", JV_CODE, JV_NULLABLE, NULL},
  {"comment", JV_TEXT, JV_NULLABLE, NULL},
};
/* A monthly value of a monthly KPI (issue 18): as PUT
 * /api/v1/kpis/{id}/months/{month} takes it, with the KPI's code. */
static const struct jv_field month_row_fields[] = {
  {"code", JV_CODE, JV_REQUIRED, NULL},    {"month", JV_CODE, JV_REQUIRED, NULL},
  {"value", JV_NUMBER, JV_NULLABLE, NULL}, {"value_text", JV_TEXT, JV_NULLABLE, NULL},
  {"comment", JV_TEXT, JV_NULLABLE, NULL},
};
static const char *const row_arrays[] = {"milestones", "kpis", "months"};

static const char *
empty_null(json_t *s)
{
  const char *v = json_string_value(s);

  return v != NULL && v[0] != '\0' ? v : NULL;
}

/* JSON return: {"milestones": [...], "kpis": [...], "months": [...]} */
static enum rb_err
rows_from_json(struct api_ctx *c, json_t *doc, struct row **out, size_t *n)
{
  static const struct {
    const struct jv_field *fields;
    size_t n;
  } shapes[] = {{milestone_row_fields, ARRAY_LEN(milestone_row_fields)},
                {kpi_row_fields, ARRAY_LEN(kpi_row_fields)},
                {month_row_fields, ARRAY_LEN(month_row_fields)}};
  const char *key;
  json_t *v, *arrays[ARRAY_LEN(row_arrays)];
  size_t total = 0, k = 0, a;
  bool known, failed = false;
  struct row *rows;

  json_object_foreach(doc, key, v)
  {
    known = false;
    for (a = 0; a < ARRAY_LEN(row_arrays); a++)
      known = known || strcmp(key, row_arrays[a]) == 0;
    if (!known)
      api_field_error(c, key, "is not a known field");
  }
  /* An unknown member does not stop the rows' checks: one answer names
   * every problem. Rows that are not in arrays cannot be checked. */
  for (a = 0; a < ARRAY_LEN(row_arrays); a++) {
    arrays[a] = json_object_get(doc, row_arrays[a]);
    if (arrays[a] != NULL && !json_is_array(arrays[a])) {
      api_field_error(c, row_arrays[a], "must be an array");
      failed = true;
    }
    total += json_array_size(arrays[a]);
  }
  if (failed)
    return api_check_errors(c);
  if (total == 0 && json_array_size(c->errors) > 0)
    return api_check_errors(c);
  if (total == 0)
    return api_fail(c, RB_ERR_INVALID,
                    "the return holds no milestones, no KPIs and no monthly values");
  rows = calloc(total, sizeof(*rows));
  if (rows == NULL)
    return RB_ERR_NOMEM;
  for (a = 0; a < ARRAY_LEN(row_arrays); a++) {
    json_t *item;
    size_t i;

    json_array_foreach(arrays[a], i, item)
    {
      struct row *r = &rows[k++];
      const char *status_field = a == 1 ? "rating" : "status";
      json_t *errs = json_array();
      size_t j;
      json_t *e;

      r->kpi = a > 0;
      r->index = (long)i;
      r->line = -1;
      snprintf(r->where, sizeof(r->where), "%s[%zu]", row_arrays[a], i);
      if (a == 2) /* set before any error, so that each names the row's kind */
        r->month = "";
      if (!json_is_object(item)) {
        api_return_row_error(c, r, "$", "must be an object");
        json_decref(errs);
        continue;
      }
      jv_check(item, shapes[a].fields, shapes[a].n, "", errs);
      r->status = a < 2 ? json_string_value(json_object_get(item, status_field)) : NULL;
      json_array_foreach(errs, j, e)
      {
        api_return_row_error(c, r, json_string_value(json_object_get(e, "field")),
                             json_string_value(json_object_get(e, "message")));
        /* A status already refused here is not checked (and reported) again. */
        if (strcmp(json_string_value(json_object_get(e, "field")), status_field) == 0)
          r->status = NULL;
      }
      json_decref(errs);
      r->code = json_string_value(json_object_get(item, "code"));
      if (a == 2 && json_is_string(json_object_get(item, "month")))
        r->month = json_string_value(json_object_get(item, "month")); /* else "": reported */
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

static bool
parse_number(const char *s, double *out)
{
  char *end;
  double v;

  errno = 0;
  v = strtod(s, &end);
  if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
    return false;
  /* strtod accepts "inf", "nan" and hex; a return should hold plain decimals. */
  for (const char *p = s; *p; p++)
    if (!strchr("0123456789+-.eE", *p))
      return false;
  *out = jv_round15(v);
  return true;
}

/* CSV return: header kind,code,status,value,value_text,comment and
 * optionally month: a row of kind "month" is a monthly value of a monthly
 * KPI (its month in that column, its status empty); other rows leave the
 * month empty. */
static enum rb_err
rows_from_csv(struct api_ctx *c, json_t **keep, struct row **out, size_t *n)
{
  static const char *const header[] = {"kind",       "code",    "status", "value",
                                       "value_text", "comment", "month"};
  char why[128];
  size_t bad = 0, i, total, columns;
  json_t *rows_json = NULL, *rec, *head;
  struct row *rows;
  enum rb_err err;

  err = csv_parse(c->req->body, c->req->body_len, &rows_json, why, sizeof(why), &bad);
  if (err == RB_ERR_INVALID)
    return api_fail(c, RB_ERR_BAD_REQUEST, "CSV line %zu %s", bad, why);
  if (err != RB_OK)
    return err;
  *keep = rows_json;
  head = json_object_get(json_array_get(rows_json, 0), "fields");
  columns = json_array_size(head);
  if (columns != ARRAY_LEN(header) && columns != ARRAY_LEN(header) - 1)
    return api_fail(c, RB_ERR_INVALID,
                    "the CSV needs the header row kind,code,status,value,value_text,comment "
                    "(and month, for monthly values)");
  for (i = 0; i < columns; i++) {
    const char *h = json_string_value(json_array_get(head, i));

    if (strcasecmp(h, header[i]) != 0)
      return api_fail(c, RB_ERR_INVALID,
                      "the CSV header must be kind,code,status,value,value_text,comment "
                      "and optionally month (column %zu is \"%.40s\")",
                      i + 1, h);
  }
  total = json_array_size(rows_json) - 1;
  if (total == 0)
    return api_fail(c, RB_ERR_INVALID, "the return holds no rows");
  rows = calloc(total, sizeof(*rows));
  if (rows == NULL)
    return RB_ERR_NOMEM;
  for (i = 1; i <= total; i++) {
    struct row *r = &rows[i - 1];
    json_t *f;
    const char *kind, *value, *month;
    double d;

    rec = json_array_get(rows_json, i);
    f = json_object_get(rec, "fields");
    r->line = (long)json_integer_value(json_object_get(rec, "line"));
    r->index = -1;
    snprintf(r->where, sizeof(r->where), "line[%ld]", r->line);
    if (json_array_size(f) != columns) {
      api_return_row_error(c, r, "$",
                           columns == ARRAY_LEN(header)
                             ? "must have 7 fields: kind,code,status,value,value_text,comment,month"
                             : "must have 6 fields: kind,code,status,value,value_text,comment");
      continue;
    }
    kind = json_string_value(json_array_get(f, 0));
    month = columns == ARRAY_LEN(header) ? empty_null(json_array_get(f, 6)) : NULL;
    if (strcasecmp(kind, "month") == 0) {
      r->kpi = true;
      r->month = month != NULL ? month : ""; /* "": a problem already reported */
      if (columns != ARRAY_LEN(header))
        api_return_row_error(c, r, "kind", "month rows need the header's month column");
      else if (month == NULL)
        api_return_row_error(c, r, "month", "is required");
    } else {
      if (strcasecmp(kind, "kpi") == 0)
        r->kpi = true;
      else if (strcasecmp(kind, "milestone") != 0)
        api_return_row_error(c, r, "kind", "must be milestone, kpi or month");
      if (month != NULL)
        api_return_row_error(c, r, "month", "only month rows have a month");
    }
    r->code = empty_null(json_array_get(f, 1));
    if (r->code == NULL)
      api_return_row_error(c, r, "code", "is required");
    r->status = empty_null(json_array_get(f, 2));
    if (r->month != NULL && r->status != NULL) {
      api_return_row_error(c, r, "status", "monthly values have no rating");
      r->status = NULL;
    }
    value = empty_null(json_array_get(f, 3));
    if (value != NULL) {
      if (!r->kpi)
        api_return_row_error(c, r, "value", "milestones have no value");
      else if (!parse_number(value, &d) || fabs(d) > 1e15)
        api_return_row_error(c, r, "value", "must be a finite decimal number");
      else
        r->value = json_real(d);
    }
    r->value_text = empty_null(json_array_get(f, 4));
    r->comment = empty_null(json_array_get(f, 5));
    if (!r->kpi && r->value_text != NULL)
      api_return_row_error(c, r, "value_text", "milestones have no value_text");
    else if (r->value_text != NULL &&
             jv_check_value(json_array_get(f, 4), JV_TEXT, 0, NULL) != NULL)
      api_return_row_error(c, r, "value_text",
                           jv_check_value(json_array_get(f, 4), JV_TEXT, 0, NULL));
    if (r->comment != NULL && jv_check_value(json_array_get(f, 5), JV_TEXT, 0, NULL) != NULL)
      api_return_row_error(c, r, "comment", jv_check_value(json_array_get(f, 5), JV_TEXT, 0, NULL));
  }
  *out = rows;
  *n = total;
  return RB_OK;
}

static void
free_rows(struct row *rows, size_t n)
{
  for (size_t i = 0; rows != NULL && i < n; i++)
    json_decref(rows[i].value);
  free(rows);
}

static bool
is_csv(const char *ctype)
{
  return ctype != NULL && (strncasecmp(ctype, "text/csv", 8) == 0);
}

void
api_return_free(void *p)
{
  struct parsed_return *pr = p;

  if (pr == NULL)
    return;
  free_rows(pr->rows, pr->n);
  json_decref(pr->doc);
  json_decref(pr->keep);
  free(pr);
}

enum rb_err
api_return_parse(struct api_ctx *c, struct parsed_return *pr)
{
  enum rb_err err;

  if (is_csv(c->req->content_type))
    return rows_from_csv(c, &pr->keep, &pr->rows, &pr->n);
  err = api_body(c, &pr->doc);
  if (err == RB_OK) {
    c->errors = json_array();
    err = rows_from_json(c, pr->doc, &pr->rows, &pr->n);
  }
  return err;
}
