/* A partner's whole quarterly return in one request (POST
 * /api/v1/quarters/{quarter}/submissions), all or nothing: every row
 * checked before any is written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_ctx.h"
#include "api_input.h"
#include "api_quarter.h"
#include "api_reply.h"
#include "api_return.h"
#include "domain.h"
#include "quarter.h"

/* A monthly KPI's value for one month of the quarter, audited as a PUT
 * of it is (month.put). *changed false: stored as given already. */
static enum rb_err
write_month(struct api_ctx *c, const struct row *r, const char *quarter, const char *by,
            bool *changed)
{
  json_t *before = NULL, *after = NULL;
  enum rb_err err = store_month_get(c->st, r->id, r->month_key, &before);

  if (err == RB_OK || err == RB_ERR_NOT_FOUND)
    err = store_month_put(c->st, r->id, r->month_key, quarter, r->value, r->value_text, r->comment,
                          by, c->now, false, &after);
  if (err == RB_OK)
    *changed = after != NULL;
  if (err == RB_OK && after != NULL)
    err = api_audit(c, "month.put", "kpi_month", json_integer_value(json_object_get(after, "id")),
                    r->canon, quarter, before, after);
  json_decref(before);
  json_decref(after);
  return err;
}

/* Write every row, with an audit entry for each that changes what is
 * stored; rows are valid by now. A row already stored as given is left
 * alone (no write, no audit entry, updated_at stays) and counted in
 * unchanged[0] (milestones), [1] (KPIs' readings) or [2] (monthly
 * values); ids go to mids, kids or months (the KPI's id). */
static enum rb_err
write_rows(struct api_ctx *c, struct row *rows, size_t n, const char *quarter, json_t *mids,
           json_t *kids, json_t *months, size_t unchanged[3])
{
  char by[160];

  auth_actor_label(&c->actor, by, sizeof(by));
  for (size_t i = 0; i < n; i++) {
    struct row *r = &rows[i];
    json_t *before = NULL, *after = NULL;
    const char *code = rag_code(r->parsed);
    bool changed = true;
    enum rb_err err;

    if (r->blank) /* checked, counted as skipped, not written */
      continue;
    if (r->month != NULL) {
      err = write_month(c, r, quarter, by, &changed);
      if (err != RB_OK)
        return c->detail[0] ? err : api_store_fail(c, err, "the return");
      unchanged[2] += !changed;
      json_array_append_new(months, json_integer(r->id));
      continue;
    }
    if (r->kpi) {
      err = store_reading_get(c->st, r->id, quarter, &before);
      if (err == RB_OK || err == RB_ERR_NOT_FOUND)
        err = store_reading_put(c->st, r->id, quarter, r->value, r->value_text, code, r->comment,
                                by, c->now, false, &after);
      if (err == RB_OK)
        changed = after != NULL;
      /* annotated as a single PUT's entry is, so entries compare alike */
      if (err == RB_OK && changed && before != NULL)
        err = domain_reading_annotate(c->st, r->id, before);
      if (err == RB_OK && changed)
        err = domain_reading_annotate(c->st, r->id, after);
    } else {
      err = store_update_get(c->st, r->id, quarter, &before);
      if (err == RB_OK || err == RB_ERR_NOT_FOUND)
        err =
          store_update_put(c->st, r->id, quarter, code, r->comment, by, c->now, false, &changed);
      if (err == RB_OK && changed)
        err = store_update_get(c->st, r->id, quarter, &after);
    }
    if (err == RB_OK && changed)
      err = api_audit(c, r->kpi ? "reading.put" : "update.put",
                      r->kpi ? "kpi_reading" : "milestone_update", r->id, r->canon, quarter, before,
                      after);
    json_decref(before);
    json_decref(after);
    if (err != RB_OK)
      return c->detail[0] ? err : api_store_fail(c, err, "the return");
    if (!changed)
      unchanged[r->kpi]++;
    json_array_append_new(r->kpi ? kids : mids, json_integer(r->id));
  }
  return RB_OK;
}

/* One kind's part of the answer: rows written, rows already stored as
 * given, rows skipped (nothing in the return's columns), the ids of the
 * first two. NULL (json_pack's refusal) when out of memory. */
static json_t *
counts(json_t *ids, size_t unchanged, size_t skipped)
{
  return json_pack("{s:I, s:I, s:I, s:O}", "written",
                   (json_int_t)(json_array_size(ids) - unchanged), "unchanged",
                   (json_int_t)unchanged, "skipped", (json_int_t)skipped, "ids", ids);
}

/* Whatever the return can be refused for but its body's syntax: the window
 * (for the whole return), then every row's code, owner and, with shapes,
 * repeats, status and value. A refusal carries the notes on how the file
 * was read, and its errors in line order. */
static enum rb_err
check_return(struct api_ctx *c, struct parsed_return *pr, const char *year, bool shapes)
{
  enum rb_err err;

  err = api_may_write_quarter(c, c->actor.role == AUTH_SUBMITTER ? c->actor.org : NULL, year,
                              c->path[0]);
  if (err == RB_OK && (err = api_return_check_rows(c, pr, year, shapes)) != RB_OK)
    err = api_store_fail(c, err, "the return");
  if (err == RB_OK && (err = api_check_errors(c)) != RB_OK) {
    api_return_sort_errors(c);
    snprintf(c->detail, sizeof(c->detail),
             "%zu problem%s in the return%s%.200s%s; nothing was written (see errors)",
             json_array_size(c->errors), json_array_size(c->errors) == 1 ? "" : "s",
             c->req->upload_name != NULL ? " \"" : "",
             c->req->upload_name != NULL ? c->req->upload_name : "",
             c->req->upload_name != NULL ? "\"" : "");
  }
  return err;
}

/* The notes on how the return was read go with a refusal too. */
static enum rb_err
refused(struct api_ctx *c, struct parsed_return *pr, enum rb_err err)
{
  if (pr != NULL && json_array_size(pr->notes) > 0 && c->notes == NULL)
    c->notes = json_incref(pr->notes);
  if (err == RB_ERR_INVALID || err == RB_ERR_BAD_REQUEST)
    api_return_sort_errors(c);
  return err;
}

/* A refused return is refused here, on an HTTP worker with a read
 * connection, before it joins the writer's queue: a partner's 10,000 rows
 * owned by others once held the writer (and every other token's writes)
 * for as long as checking them took. */
enum rb_err
api_submission_precheck(struct api_ctx *c)
{
  struct parsed_return *pr;
  char year[YEAR_LEN];
  struct quarter q;
  enum rb_err err;

  if ((err = api_path_quarter(c, 0, &q)) != RB_OK)
    return err;
  pr = calloc(1, sizeof(*pr));
  if (pr == NULL)
    return RB_ERR_NOMEM;
  quarter_format_year(q.start_year, year);
  err = api_return_parse(c, pr);
  if (err == RB_OK)
    err = check_return(c, pr, year, true);
  if (err != RB_OK) {
    err = refused(c, pr, err);
    api_return_free(pr);
    return err;
  }
  c->prepared = pr;
  c->prepared_free = api_return_free;
  return RB_OK;
}

enum rb_err
api_submission(struct api_ctx *c)
{
  const char *quarter = c->path[0];
  struct parsed_return *pr = c->prepared, *own = NULL;
  json_t *mids = NULL, *kids = NULL, *months = NULL, *result = NULL;
  size_t unchanged[3] = {0, 0, 0};
  char year[YEAR_LEN];
  struct quarter q;
  enum rb_err err;

  if ((err = api_path_quarter(c, 0, &q)) != RB_OK)
    return err;
  quarter_format_year(q.start_year, year);
  if (pr == NULL) { /* no precheck ran: everything is checked here */
    own = pr = calloc(1, sizeof(*pr));
    if (pr == NULL)
      return RB_ERR_NOMEM;
    if ((err = api_return_parse(c, pr)) != RB_OK) {
      err = refused(c, pr, err);
      goto out;
    }
  }
  /* After a precheck, only what a write since can have changed: the
   * quarter's state, the codes and their owners. */
  if ((err = check_return(c, pr, year, own != NULL)) != RB_OK) {
    err = refused(c, pr, err);
    goto out;
  }
  mids = json_array();
  kids = json_array();
  months = json_array();
  err = write_rows(c, pr->rows, pr->n, quarter, mids, kids, months, unchanged);
  if (err != RB_OK)
    goto out;
  result = json_pack("{s:s, s:s?, s:o, s:o}", "quarter", quarter, "organisation",
                     c->actor.org[0] ? c->actor.org : NULL, "milestones",
                     counts(mids, unchanged[0], pr->skipped[0]), "kpis",
                     counts(kids, unchanged[1], pr->skipped[1]));
  if (result != NULL && (json_array_size(months) > 0 || pr->skipped[2] > 0))
    json_object_set_new(result, "months", counts(months, unchanged[2], pr->skipped[2]));
  err = api_audit(c, "submission", "submission", 0, c->actor.org[0] ? c->actor.org : NULL, quarter,
                  NULL, result);
  if (err != RB_OK) {
    json_decref(result);
    goto out;
  }
  /* What the partner needs to hear, not what the trail records. */
  json_object_set(result, "notes", pr->notes != NULL ? pr->notes : json_array());
  if (c->req->upload_name != NULL)
    json_object_set_new(result, "file", json_string(c->req->upload_name));
  err = api_reply(c, 200, result);
out:
  api_return_free(own);
  json_decref(mids);
  json_decref(kids);
  json_decref(months);
  return err;
}
