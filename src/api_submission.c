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
#include "period.h"
#include "quarter.h"

/* A monthly value's row: its month is one of the return's quarter and its
 * KPI takes monthly values (what a PATCH of the KPI can change). A storage
 * failure is returned. */
static enum rb_err
check_month_row(struct api_ctx *c, const struct row *r, const char *quarter)
{
  char q[QUARTER_LEN];
  const char *msg, *freq;
  json_t *item = NULL;
  enum rb_err err;
  int key;

  if (r->month[0] != '\0') { /* "": its problem was reported with its fields */
    msg = period_parse_month(r->month, &key);
    if (msg != NULL) {
      api_return_row_error(c, r, "month", msg);
    } else {
      quarter_format(period_month_quarter(key), q);
      if (strcmp(q, quarter) != 0) {
        char text[96];

        snprintf(text, sizeof(text), "is in %s, not in the return's quarter %s", q, quarter);
        api_return_row_error(c, r, "month", text);
      }
    }
  }
  err = store_kpi_brief(c->st, r->id, &item);
  if (err != RB_OK)
    return err;
  freq = json_string_value(json_object_get(item, "frequency"));
  if (freq == NULL || strcmp(freq, "monthly") != 0)
    api_return_row_error(c, r, "code",
                         "is a KPI reported quarterly: give it \"frequency\": \"monthly\" "
                         "before sending monthly values");
  json_decref(item);
  return RB_OK;
}

/* Resolve codes to items of plan year `year` and check their owners, what
 * a concurrent write can change (and, for monthly values, the KPI's
 * frequency and the month); with shapes, also repeats and statuses, what
 * it cannot. Every problem is noted; a storage failure is returned. */
static enum rb_err
check_rows(struct api_ctx *c, struct row *rows, size_t n, const char *quarter, const char *year,
           bool shapes)
{
  json_t *seen = shapes ? json_object() : NULL;
  struct domain_actor who;
  enum rb_err err = RB_OK;

  api_actor(c, &who);
  for (size_t i = 0; i < n && err == RB_OK; i++) {
    struct row *r = &rows[i];
    char key[96], owner[STORE_CODE_LEN];

    if (r->code == NULL)
      continue;
    if (shapes) {
      snprintf(key, sizeof(key), "%c%s\x1f%s",
               r->month != NULL ? 'n'
               : r->kpi         ? 'k'
                                : 'm',
               r->code, r->month != NULL ? r->month : "");
      if (json_object_get(seen, key) != NULL) {
        api_return_row_error(c, r, "code", "repeats an earlier row for the same item");
        continue;
      }
      json_object_set_new(seen, key, json_true());
    }
    err = store_item_owner(c->st, r->kpi, year, r->code, &r->id, owner);
    if (err == RB_ERR_NOT_FOUND) {
      char msg[160];

      snprintf(msg, sizeof(msg), "no %s with code %.64s in plan year %s",
               r->kpi ? "KPI" : "milestone", r->code, year);
      api_return_row_error(c, r, "code", msg);
      err = RB_OK;
      continue;
    }
    if (err != RB_OK)
      break;
    if (!domain_owns(&who, owner)) {
      char msg[160];

      snprintf(msg, sizeof(msg), "is owned by %s, not by %s",
               owner[0] != '\0' ? owner : "no organisation", c->actor.org);
      api_return_row_error(c, r, "code", msg);
    }
    if (r->month != NULL && (err = check_month_row(c, r, quarter)) != RB_OK)
      break;
    if (!shapes)
      continue;
    r->parsed = RAG_NONE;
    if (r->kpi) {
      if (r->status != NULL && !rag_parse_kpi_rating(r->status, &r->parsed))
        api_return_row_error(c, r,
                             r->line >= 0 ? "status" : "rating", /* the CSV column is "status" */
                             "must be one of G, A, R, TBC (or Green, Amber, Red)");
    } else if (r->status == NULL) {
      if (r->line >= 0) /* a JSON row's missing status was reported with its fields */
        api_return_row_error(c, r, "status", "is required");
    } else if (!rag_parse_milestone_status(r->status, &r->parsed)) {
      api_return_row_error(c, r, "status",
                           "must be one of BR, B, G, A, R, TBC (or Brown, Blue, Green, "
                           "Amber, Red)");
    }
  }
  json_decref(seen);
  return err;
}

/* Write every row, with an audit entry for each that changes what is
 * stored; rows are valid by now. A row already stored as given is left
 * alone (no write, no audit entry, updated_at stays) and counted in
 * unchanged[kpi]. */
static enum rb_err
write_rows(struct api_ctx *c, struct row *rows, size_t n, const char *quarter, json_t *ids[3],
           size_t unchanged[3])
{
  char by[160];

  auth_actor_label(&c->actor, by, sizeof(by));
  for (size_t i = 0; i < n; i++) {
    struct row *r = &rows[i];
    json_t *before = NULL, *after = NULL;
    const char *code = rag_code(r->parsed);
    bool changed = true;
    enum rb_err err;
    int kind = r->month != NULL ? 2 : r->kpi ? 1 : 0;

    if (kind == 2) { /* as PUT /api/v1/kpis/{id}/months/{month} writes it */
      err = store_month_get(c->st, r->id, r->month, &before);
      if (err == RB_OK || err == RB_ERR_NOT_FOUND)
        err = store_month_put(c->st, r->id, r->month, quarter, r->value, r->value_text, r->comment,
                              by, c->now, false, &after);
      if (err == RB_OK)
        changed = after != NULL;
      if (err == RB_OK && changed)
        err =
          api_audit(c, "month.put", "kpi_month", json_integer_value(json_object_get(after, "id")),
                    r->code, quarter, before, after);
      json_decref(before);
      json_decref(after);
      if (err != RB_OK)
        return c->detail[0] ? err : api_store_fail(c, err, "the return");
      if (!changed)
        unchanged[2]++;
      json_array_append_new(ids[2], json_integer(r->id));
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
                      r->kpi ? "kpi_reading" : "milestone_update", r->id, r->code, quarter, before,
                      after);
    json_decref(before);
    json_decref(after);
    if (err != RB_OK)
      return c->detail[0] ? err : api_store_fail(c, err, "the return");
    if (!changed)
      unchanged[kind]++;
    json_array_append_new(ids[kind], json_integer(r->id));
  }
  return RB_OK;
}

/* Whatever the return can be refused for but its body's syntax: the window
 * (for the whole return), then every row's code, owner and, with shapes,
 * repeats and status. */
static enum rb_err
check_return(struct api_ctx *c, struct parsed_return *pr, const char *quarter, const char *year,
             bool shapes)
{
  enum rb_err err;

  err = api_may_write_quarter(c, c->actor.role == AUTH_SUBMITTER ? c->actor.org : NULL, year,
                              c->path[0]);
  if (err != RB_OK)
    return err;
  err = check_rows(c, pr->rows, pr->n, quarter, year, shapes);
  if (err != RB_OK)
    return api_store_fail(c, err, "the return");
  if ((err = api_check_errors(c)) != RB_OK)
    snprintf(c->detail, sizeof(c->detail),
             "%zu problem(s) in the return; nothing was written (see errors)",
             json_array_size(c->errors));
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
    err = check_return(c, pr, c->path[0], year, true);
  if (err != RB_OK) {
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
  json_t *ids[3] = {NULL, NULL, NULL}, *result = NULL;
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
    if ((err = api_return_parse(c, pr)) != RB_OK)
      goto out;
  }
  /* After a precheck, only what a write since can have changed: the
   * quarter's state, the codes and their owners. */
  if ((err = check_return(c, pr, quarter, year, own != NULL)) != RB_OK)
    goto out;
  for (int k = 0; k < 3; k++)
    ids[k] = json_array();
  err = write_rows(c, pr->rows, pr->n, quarter, ids, unchanged);
  if (err != RB_OK)
    goto out;
  result = json_pack("{s:s, s:s?, s:{s:I, s:I, s:O}, s:{s:I, s:I, s:O}, s:{s:I, s:I, s:O}}",
                     "quarter", quarter, "organisation", c->actor.org[0] ? c->actor.org : NULL,
                     "milestones", "written", (json_int_t)json_array_size(ids[0]), "unchanged",
                     (json_int_t)unchanged[0], "ids", ids[0], "kpis", "written",
                     (json_int_t)json_array_size(ids[1]), "unchanged", (json_int_t)unchanged[1],
                     "ids", ids[1], "months", "written", (json_int_t)json_array_size(ids[2]),
                     "unchanged", (json_int_t)unchanged[2], "ids", ids[2]);
  err = api_audit(c, "submission", "submission", 0, c->actor.org[0] ? c->actor.org : NULL, quarter,
                  NULL, result);
  if (err != RB_OK) {
    json_decref(result);
    goto out;
  }
  err = api_reply(c, 200, result);
out:
  api_return_free(own);
  for (int k = 0; k < 3; k++)
    json_decref(ids[k]);
  return err;
}
