/* A return sent as a spreadsheet (CSV or XLSX, read by sheet.h) into rows:
 * the header row found wherever the template put it, each row's cells by
 * their column, and the shape of each row checked. A row's value waits for
 * its KPI (api_return_check.c): only a KPI measured in percent takes
 * "95.5%". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_return.h"
#include "jsonv.h"

/* A failure to read the file, or its header: the problem's detail, and
 * when it is about one line, an error entry naming it too, so that a page
 * showing errors beside the rows shows this one beside its line. */
static enum rb_err
file_problem(struct api_ctx *c, enum rb_err err, const struct sheet_problem *why)
{
  if (why->line > 0 && (err == RB_ERR_INVALID || err == RB_ERR_BAD_REQUEST)) {
    char field[48];
    json_t *e;

    snprintf(field, sizeof(field), "line[%zu].$", why->line);
    e = json_pack("{s:s, s:s, s:I}", "field", field, "message", why->text, "line",
                  (json_int_t)why->line);
    if (e != NULL) {
      if (c->errors == NULL)
        c->errors = json_array();
      json_array_append_new(c->errors, e);
    }
  }
  return api_fail(c, err, "%s", why->text);
}

/* A text cell's own checks (control characters, length), as a JSON
 * return's text members get them. */
static void
check_text(struct api_ctx *c, const struct parsed_return *pr, const struct row *r,
           enum sheet_field f, const char *v)
{
  json_t *s;
  const char *msg;

  if (v == NULL || (s = json_string(v)) == NULL)
    return;
  msg = jv_check_value(s, JV_TEXT, 0, NULL);
  if (msg != NULL)
    api_return_problem(c, pr, r, f, NULL, "text without control characters, at most 10,000 bytes",
                       NULL, "the text %s", msg);
  json_decref(s);
}

static const char *
cell(const struct sheet_row *sr, const struct sheet_header *h, enum sheet_field f)
{
  const char *v = h->column[f] >= 0 ? sheet_cell(sr, (size_t)h->column[f]) : "";

  return v[0] != '\0' ? v : NULL;
}

/* What a data row is: nothing at all in the columns the reader knows (a
 * row of context only), or a row to check. A row that names its item
 * (kind, code, month) with nothing in the return's columns (status,
 * value, value_text, comment: the template's rows as downloaded) is blank:
 * its kind, code, month and owner are checked like any row's, so a wrong
 * code or another organisation's item is still named, but nothing is
 * written for it and what is stored stays as it is. */
enum row_kind { ROW_EMPTY, ROW_READ };

static bool
return_columns_empty(const struct sheet_row *sr, const struct sheet_header *h)
{
  return cell(sr, h, SHEET_STATUS) == NULL && cell(sr, h, SHEET_VALUE) == NULL &&
         cell(sr, h, SHEET_VALUE_TEXT) == NULL && cell(sr, h, SHEET_COMMENT) == NULL;
}

/* One data row into r, when it is one to read. A blank row of a known
 * kind is counted in pr->skipped (a month's value when it has a month). */
static enum row_kind
row_from_sheet(struct api_ctx *c, struct parsed_return *pr, const struct sheet_header *h,
               const struct sheet_row *sr, struct row *r)
{
  const char *kind = cell(sr, h, SHEET_KIND);
  bool any = false;

  for (int f = 0; f < SHEET_FIELD__COUNT; f++)
    any |= cell(sr, h, (enum sheet_field)f) != NULL;
  if (!any)
    return ROW_EMPTY;
  r->blank = return_columns_empty(sr, h);
  if (r->blank && kind != NULL && strcasecmp(kind, "milestone") == 0)
    pr->skipped[0]++;
  else if (r->blank && kind != NULL && strcasecmp(kind, "kpi") == 0)
    pr->skipped[cell(sr, h, SHEET_MONTH) != NULL ? 2 : 1]++;
  r->line = (long)sr->line;
  r->index = -1;
  snprintf(r->where, sizeof(r->where), "line[%zu]", sr->line);
  r->kind_cell = kind;
  r->code = cell(sr, h, SHEET_CODE);
  r->status = cell(sr, h, SHEET_STATUS);
  r->value_cell = cell(sr, h, SHEET_VALUE);
  r->value_text = cell(sr, h, SHEET_VALUE_TEXT);
  r->comment = cell(sr, h, SHEET_COMMENT);
  r->month = cell(sr, h, SHEET_MONTH);
  if (kind != NULL && strcasecmp(kind, "kpi") == 0)
    r->kpi = r->kind_known = true;
  else if (kind != NULL && strcasecmp(kind, "milestone") == 0)
    r->kind_known = true;
  /* An unknown or empty kind is reported by the check, which can say
   * which kind the row's code is. */
  if (r->code == NULL)
    api_return_problem(c, pr, r, SHEET_CODE, NULL, "the item's code, as in the template", NULL,
                       "the code is empty: write the item's code, e.g. CH1.1");
  if (r->kind_known && !r->kpi && r->value_cell != NULL)
    api_return_problem(c, pr, r, SHEET_VALUE, r->value_cell, "an empty cell", NULL,
                       "milestones have no value (\"%.60s\"): give a milestone's position in "
                       "status, and clear this cell",
                       r->value_cell);
  if (r->kind_known && !r->kpi && r->value_text != NULL)
    api_return_problem(c, pr, r, SHEET_VALUE_TEXT, r->value_text, "an empty cell", NULL,
                       "milestones have no value_text (\"%.60s\"): clear this cell", r->value_text);
  else
    check_text(c, pr, r, SHEET_VALUE_TEXT, r->value_text);
  check_text(c, pr, r, SHEET_COMMENT, r->comment);
  return ROW_READ;
}

/* The lines of the rows skipped, for the note: the first few, and how
 * many. */
#define SKIPPED_SHOWN 10
struct skipped_lines {
  size_t n;
  size_t line[SKIPPED_SHOWN];
};

static void
skipped_line(struct skipped_lines *sk, size_t line)
{
  if (sk->n < SKIPPED_SHOWN)
    sk->line[sk->n] = line;
  sk->n++;
}

/* "3 rows (lines 5, 6 and 7) ... skipped": what a partner needs to know
 * about the rows left as the template gave them. */
static void
note_skipped(struct parsed_return *pr, const struct skipped_lines *sk)
{
  char lines[160] = "";
  size_t shown = sk->n < SKIPPED_SHOWN ? sk->n : SKIPPED_SHOWN, used = 0;

  if (sk->n == 0)
    return;
  for (size_t i = 0; i < shown && used < sizeof(lines); i++)
    used += (size_t)snprintf(lines + used, sizeof(lines) - used, "%s%zu",
                             i == 0                             ? ""
                             : i + 1 == shown && shown == sk->n ? " and "
                                                                : ", ",
                             sk->line[i]);
  json_array_append_new(
    pr->notes, json_sprintf("%zu row%s (line%s %s%s) left empty in status, value, value_text and "
                            "comment: skipped, what is stored for %s is unchanged",
                            sk->n, sk->n == 1 ? "" : "s", sk->n == 1 ? "" : "s", lines,
                            sk->n > shown ? ", ..." : "", sk->n == 1 ? "its item" : "their items"));
}

static void
take_notes(struct parsed_return *pr, const struct sheet *s)
{
  for (size_t i = 0; i < s->nnotes; i++)
    json_array_append_new(pr->notes, json_string(s->notes[i]));
}

enum rb_err
api_return_sheet(struct api_ctx *c, struct parsed_return *pr, bool xlsx)
{
  struct sheet_limits lim = SHEET_LIMITS_DEFAULT;
  struct sheet_problem why = {0, ""};
  struct sheet_header h;
  struct sheet *s = NULL;
  struct skipped_lines sk = {0, {0}};
  size_t k = 0, filled = 0;
  enum rb_err err;

  /* The body has been read within the route's limit already. */
  if (c->app != NULL && c->app->cfg.max_body > lim.max_input)
    lim.max_input = c->app->cfg.max_body;
  if (c->req->body_len > lim.max_input)
    lim.max_input = c->req->body_len;
  if (c->req->upload_name != NULL)
    json_array_append_new(pr->notes, json_sprintf("the uploaded file \"%.200s\" read as %s",
                                                  c->req->upload_name, xlsx ? "XLSX" : "CSV"));
  err = xlsx ? sheet_read_xlsx(c->req->body, c->req->body_len, &lim, &s, &why)
             : sheet_read_csv(c->req->body, c->req->body_len, &lim, &s, &why);
  if (err == RB_ERR_NOMEM)
    return err;
  if (err != RB_OK)
    return file_problem(c, err, &why);
  pr->sheet = s;
  if ((err = sheet_find_header(s, &h, &why)) != RB_OK) {
    take_notes(pr, s);
    return file_problem(c, err, &why);
  }
  for (int f = 0; f < SHEET_FIELD__COUNT; f++)
    pr->column[f] = h.column[f] >= 0 ? s->rows[h.row].cells[h.column[f]] : NULL;
  if (h.column[SHEET_VALUE] >= 0)
    sheet_numbers_decide(s, &h, (size_t)h.column[SHEET_VALUE], &pr->numbers);
  else
    pr->numbers.thousands_comma = true;
  take_notes(pr, s);
  if (h.row + 1 >= s->nrows)
    return api_fail(c, RB_ERR_INVALID,
                    "the return holds no rows: fill in the rows below the header row (line %zu)",
                    s->rows[h.row].line);
  pr->rows = calloc(s->nrows - h.row - 1, sizeof(*pr->rows));
  if (pr->rows == NULL)
    return RB_ERR_NOMEM;
  if (c->errors == NULL)
    c->errors = json_array();
  for (size_t i = h.row + 1; i < s->nrows; i++) {
    if (row_from_sheet(c, pr, &h, &s->rows[i], &pr->rows[k]) != ROW_READ)
      continue;
    if (pr->rows[k].blank)
      skipped_line(&sk, s->rows[i].line);
    else
      filled++;
    k++;
  }
  pr->n = k;
  if (filled == 0)
    return api_fail(c, RB_ERR_INVALID,
                    "the return holds nothing to write: every row below the header row (line %zu) "
                    "is empty in the columns status, value, value_text and comment; fill in what "
                    "you report for the quarter",
                    s->rows[h.row].line);
  note_skipped(pr, &sk);
  return RB_OK;
}
