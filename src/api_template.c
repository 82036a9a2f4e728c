/* A partner's return template for a quarter (GET
 * /api/v1/quarters/{quarter}/template): one row per item the organisation
 * owns in the quarter's plan year, with last quarter's figures beside the
 * cells to fill in, as an XLSX workbook or a CSV (template.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_input.h"
#include "api_quarter.h"
#include "api_reply.h"
#include "quarter.h"
#include "sheet.h"
#include "template.h"

#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/* "Quarter 2 2018/19" */
static void
quarter_words(struct quarter q, char *out, size_t cap)
{
  snprintf(out, cap, "Quarter %d %d/%02d", q.n, q.start_year, (q.start_year + 1) % 100);
}

/* Text of a number or string member; "" for none. */
static const char *
text_of(const json_t *v, char buf[32])
{
  if (json_is_string(v))
    return json_string_value(v);
  if (json_is_number(v)) {
    sheet_format_number(json_number_value(v), buf);
    return buf;
  }
  return NULL;
}

/* The template's rows from the store's items; strings borrowed from items,
 * or kept in keep (the "last quarter" of a KPI: value and rating). */
static enum rb_err
rows_of(json_t *items, json_t *keep, struct template_row **out)
{
  struct template_row *rows = calloc(json_array_size(items) + 1, sizeof(*rows));
  json_t *it;
  size_t i;

  if (rows == NULL)
    return RB_ERR_NOMEM;
  json_array_foreach(items, i, it)
  {
    struct template_row *r = &rows[i];
    const char *status = json_string_value(json_object_get(it, "last_status"));
    char num[32], tnum[32];
    const char *value;

    r->kpi = strcmp(json_string_value(json_object_get(it, "kind")), "kpi") == 0;
    r->code = json_string_value(json_object_get(it, "code"));
    r->description = json_string_value(json_object_get(it, "description"));
    r->target = text_of(json_object_get(it, "target"), tnum);
    if (r->target == tnum) { /* a number: kept, the buffer goes */
      json_array_append_new(keep, json_string(tnum));
      r->target = json_string_value(json_array_get(keep, json_array_size(keep) - 1));
    }
    r->unit = json_string_value(json_object_get(it, "unit"));
    r->percent = json_integer_value(json_object_get(it, "percent")) != 0;
    r->last_comment = json_string_value(json_object_get(it, "last_comment"));
    value = json_string_value(json_object_get(it, "last_value_text"));
    if (value == NULL)
      value = text_of(json_object_get(it, "last_value"), num);
    if (!r->kpi || value == NULL) {
      r->last_quarter = status;
    } else {
      json_array_append_new(keep, status != NULL ? json_sprintf("%s (%s)", value, status)
                                                 : json_string(value));
      r->last_quarter = json_string_value(json_array_get(keep, json_array_size(keep) - 1));
    }
  }
  *out = rows;
  return RB_OK;
}

/* Whose template: a submitter's own organisation (and no other's); anyone
 * else names one. */
static enum rb_err
which_org(struct api_ctx *c, json_t **org)
{
  const char *asked = api_query(c, "organisation");

  if (c->actor.role != AUTH_SUBMITTER)
    return api_query_org(c, "organisation", true, org);
  if (asked != NULL && strcasecmp(asked, c->actor.org) != 0)
    return api_fail(c, RB_ERR_FORBIDDEN,
                    "a submitter's token gets its own organisation's template (%s), not %.64s's",
                    c->actor.org, asked);
  if (store_org_get(c->st, c->actor.org, org) != RB_OK)
    return api_fail(c, RB_ERR_INTERNAL, "the token's organisation %s is not stored", c->actor.org);
  return RB_OK;
}

enum rb_err
api_template(struct api_ctx *c)
{
  static const char *const params[] = {"organisation", "format", NULL};
  const char *format = api_query(c, "format");
  char year[YEAR_LEN], last[QUARTER_LEN], words[32], last_words[32], why[256], name[128];
  json_t *org = NULL, *items = NULL, *keep = json_array();
  struct template_row *rows = NULL;
  struct template_desc t;
  struct quarter q;
  char *body = NULL;
  size_t len = 0;
  bool xlsx;
  enum rb_err err;

  if ((err = api_query_allow(c, params)) != RB_OK || (err = api_path_quarter(c, 0, &q)) != RB_OK)
    goto out;
  if (format != NULL && strcmp(format, "xlsx") != 0 && strcmp(format, "csv") != 0) {
    api_field_error(c, "format", "must be xlsx or csv");
    err = api_fail(c, RB_ERR_BAD_REQUEST, "format must be xlsx (the default) or csv, not %.20s",
                   format);
    goto out;
  }
  xlsx = format == NULL || strcmp(format, "xlsx") == 0;
  if ((err = which_org(c, &org)) != RB_OK)
    goto out;
  quarter_format_year(q.start_year, year);
  quarter_format(quarter_previous(q), last);
  err = store_template_items(c->st, year, json_string_value(json_object_get(org, "code")), last,
                             &items);
  if (err != RB_OK) {
    err = api_store_fail(c, err, "the template");
    goto out;
  }
  if (json_array_size(items) == 0) {
    err = api_fail(c, RB_ERR_NOT_FOUND,
                   "%s owns no milestones or KPIs in plan year %s, so it has nothing to return: "
                   "the performance team gives organisations their items (POST /api/v1/owners)",
                   json_string_value(json_object_get(org, "code")), year);
    goto out;
  }
  if ((err = rows_of(items, keep, &rows)) != RB_OK)
    goto out;
  quarter_words(q, words, sizeof(words));
  quarter_words(quarter_previous(q), last_words, sizeof(last_words));
  t = (struct template_desc){c->path[0],
                             words,
                             last_words,
                             json_string_value(json_object_get(org, "code")),
                             json_string_value(json_object_get(org, "name")),
                             rows,
                             json_array_size(items),
                             0};
  err =
    xlsx ? template_xlsx(&t, NULL, &body, &len, why, sizeof(why)) : template_csv(&t, &body, &len);
  if (err == RB_ERR_IO)
    err = api_fail(c, RB_ERR_INTERNAL, "the workbook could not be made: %s", why);
  if (err != RB_OK)
    goto out;
  snprintf(name, sizeof(name), "attachment; filename=\"return-%s-%s.%s\"", c->path[0], t.org_code,
           xlsx ? "xlsx" : "csv");
  rb_response_drop_body(c->resp);
  c->resp->body = body;
  c->resp->body_len = len;
  c->resp->status = 200;
  c->resp->content_type = xlsx ? XLSX_TYPE : "text/csv; charset=utf-8";
  rb_response_header(c->resp, "Content-Disposition", name);
  body = NULL;
out:
  free(body);
  free(rows);
  json_decref(items);
  json_decref(keep);
  json_decref(org);
  return err;
}
