/* A partner's whole quarterly return in one request, all or nothing; and
 * who has not yet reported. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "csv.h"
#include "domain.h"
#include "jsonv.h"
#include "quarter.h"
#include "rag.h"
#include "cache.h"

/* One row of a return, from JSON or CSV, normalised. Strings borrowed
 * from the parsed document. */
struct row {
  bool kpi;
  char where[48]; /* "milestones[3]" or "line[4]" for error field names */
  long index;     /* array index, or -1 */
  long line;      /* CSV line, or -1 */
  const char *code;
  const char *status; /* milestone status or KPI reported rating; may be NULL */
  json_t *value;      /* owned: number or NULL */
  const char *value_text;
  const char *comment;
  int64_t id;
  enum rag_status parsed;
};

static void
row_error(struct api_ctx *c, const struct row *r, const char *field, const char *msg)
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
  json_object_set_new(e, "kind", json_string(r->kpi ? "kpi" : "milestone"));
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

static const char *
empty_null(json_t *s)
{
  const char *v = json_string_value(s);

  return v != NULL && v[0] != '\0' ? v : NULL;
}

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
      r->index = (long)i;
      r->line = -1;
      snprintf(r->where, sizeof(r->where), "%s[%zu]", r->kpi ? "kpis" : "milestones", i);
      if (!json_is_object(item)) {
        row_error(c, r, "$", "must be an object");
        json_decref(errs);
        continue;
      }
      jv_check(item, r->kpi ? kpi_row_fields : milestone_row_fields, r->kpi ? 5 : 3, "", errs);
      r->status = json_string_value(json_object_get(item, r->kpi ? "rating" : "status"));
      json_array_foreach(errs, j, e)
      {
        row_error(c, r, json_string_value(json_object_get(e, "field")),
                  json_string_value(json_object_get(e, "message")));
        /* A status already refused here is not checked (and reported) again. */
        if (strcmp(json_string_value(json_object_get(e, "field")), r->kpi ? "rating" : "status") ==
            0)
          r->status = NULL;
      }
      json_decref(errs);
      r->code = json_string_value(json_object_get(item, "code"));
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

/* CSV return: header kind,code,status,value,value_text,comment */
static enum rb_err
rows_from_csv(struct api_ctx *c, json_t **keep, struct row **out, size_t *n)
{
  static const char *const header[] = {"kind", "code", "status", "value", "value_text", "comment"};
  char why[128];
  size_t bad = 0, i, total;
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
  if (json_array_size(head) != 6)
    return api_fail(c, RB_ERR_INVALID,
                    "the CSV needs the header row kind,code,status,value,value_text,comment");
  for (i = 0; i < 6; i++) {
    const char *h = json_string_value(json_array_get(head, i));

    if (strcasecmp(h, header[i]) != 0)
      return api_fail(c, RB_ERR_INVALID,
                      "the CSV header must be kind,code,status,value,value_text,comment "
                      "(column %zu is \"%.40s\")",
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
    const char *kind, *value;
    double d;

    rec = json_array_get(rows_json, i);
    f = json_object_get(rec, "fields");
    r->line = (long)json_integer_value(json_object_get(rec, "line"));
    r->index = -1;
    snprintf(r->where, sizeof(r->where), "line[%ld]", r->line);
    if (json_array_size(f) != 6) {
      row_error(c, r, "$", "must have 6 fields: kind,code,status,value,value_text,comment");
      continue;
    }
    kind = json_string_value(json_array_get(f, 0));
    if (strcasecmp(kind, "kpi") == 0)
      r->kpi = true;
    else if (strcasecmp(kind, "milestone") != 0)
      row_error(c, r, "kind", "must be milestone or kpi");
    r->code = empty_null(json_array_get(f, 1));
    if (r->code == NULL)
      row_error(c, r, "code", "is required");
    r->status = empty_null(json_array_get(f, 2));
    value = empty_null(json_array_get(f, 3));
    if (value != NULL) {
      if (!r->kpi)
        row_error(c, r, "value", "milestones have no value");
      else if (!parse_number(value, &d) || fabs(d) > 1e15)
        row_error(c, r, "value", "must be a finite decimal number");
      else
        r->value = json_real(d);
    }
    r->value_text = empty_null(json_array_get(f, 4));
    r->comment = empty_null(json_array_get(f, 5));
    if (!r->kpi && r->value_text != NULL)
      row_error(c, r, "value_text", "milestones have no value_text");
    else if (r->value_text != NULL &&
             jv_check_value(json_array_get(f, 4), JV_TEXT, 0, NULL) != NULL)
      row_error(c, r, "value_text", jv_check_value(json_array_get(f, 4), JV_TEXT, 0, NULL));
    if (r->comment != NULL && jv_check_value(json_array_get(f, 5), JV_TEXT, 0, NULL) != NULL)
      row_error(c, r, "comment", jv_check_value(json_array_get(f, 5), JV_TEXT, 0, NULL));
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

/* Resolve codes to items of plan year `year` and check their owners, what
 * a concurrent write can change; with shapes, also repeats and statuses,
 * what it cannot. Every problem is noted; a storage failure is returned. */
static enum rb_err
check_rows(struct api_ctx *c, struct row *rows, size_t n, const char *year, bool shapes)
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
      snprintf(key, sizeof(key), "%c%s", r->kpi ? 'k' : 'm', r->code);
      if (json_object_get(seen, key) != NULL) {
        row_error(c, r, "code", "repeats an earlier row for the same item");
        continue;
      }
      json_object_set_new(seen, key, json_true());
    }
    err = store_item_owner(c->st, r->kpi, year, r->code, &r->id, owner);
    if (err == RB_ERR_NOT_FOUND) {
      char msg[160];

      snprintf(msg, sizeof(msg), "no %s with code %.64s in plan year %s",
               r->kpi ? "KPI" : "milestone", r->code, year);
      row_error(c, r, "code", msg);
      err = RB_OK;
      continue;
    }
    if (err != RB_OK)
      break;
    if (!domain_owns(&who, owner)) {
      char msg[160];

      snprintf(msg, sizeof(msg), "is owned by %s, not by %s",
               owner[0] != '\0' ? owner : "no organisation", c->actor.org);
      row_error(c, r, "code", msg);
    }
    if (!shapes)
      continue;
    r->parsed = RAG_NONE;
    if (r->kpi) {
      if (r->status != NULL && !rag_parse_kpi_rating(r->status, &r->parsed))
        row_error(c, r, r->line >= 0 ? "status" : "rating", /* the CSV column is "status" */
                  "must be one of G, A, R, TBC (or Green, Amber, Red)");
    } else if (r->status == NULL) {
      if (r->line >= 0) /* a JSON row's missing status was reported with its fields */
        row_error(c, r, "status", "is required");
    } else if (!rag_parse_milestone_status(r->status, &r->parsed)) {
      row_error(c, r, "status",
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
write_rows(struct api_ctx *c, struct row *rows, size_t n, const char *quarter, json_t *mids,
           json_t *kids, size_t unchanged[2])
{
  char by[160];

  auth_actor_label(&c->actor, by, sizeof(by));
  for (size_t i = 0; i < n; i++) {
    struct row *r = &rows[i];
    json_t *before = NULL, *after = NULL;
    const char *code = rag_code(r->parsed);
    bool changed = true;
    enum rb_err err;

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
      unchanged[r->kpi]++;
    json_array_append_new(r->kpi ? kids : mids, json_integer(r->id));
  }
  return RB_OK;
}

static bool
is_csv(const char *ctype)
{
  return ctype != NULL && (strncasecmp(ctype, "text/csv", 8) == 0);
}

/* A return parsed and checked by the precheck (api_submission_precheck,
 * on an HTTP worker), for the handler under the writer. */
struct parsed_return {
  json_t *doc, *keep; /* the JSON body, or the CSV's records: rows borrow from them */
  struct row *rows;
  size_t n;
};

static void
parsed_return_free(void *p)
{
  struct parsed_return *pr = p;

  if (pr == NULL)
    return;
  free_rows(pr->rows, pr->n);
  json_decref(pr->doc);
  json_decref(pr->keep);
  free(pr);
}

/* The body's rows, the shape of each checked (problems noted). */
static enum rb_err
parse_return(struct api_ctx *c, struct parsed_return *pr)
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

/* Whatever the return can be refused for but its body's syntax: the window
 * (for the whole return), then every row's code, owner and, with shapes,
 * repeats and status. */
static enum rb_err
check_return(struct api_ctx *c, struct parsed_return *pr, const char *year, bool shapes)
{
  enum rb_err err;

  err = api_may_write_quarter(c, c->actor.role == AUTH_SUBMITTER ? c->actor.org : NULL, year,
                              c->path[0]);
  if (err != RB_OK)
    return err;
  err = check_rows(c, pr->rows, pr->n, year, shapes);
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
  enum rb_err err;

  if ((err = api_path_quarter(c, 0, NULL)) != RB_OK)
    return err;
  pr = calloc(1, sizeof(*pr));
  if (pr == NULL)
    return RB_ERR_NOMEM;
  memcpy(year, c->path[0], YEAR_LEN - 1);
  year[YEAR_LEN - 1] = '\0';
  err = parse_return(c, pr);
  if (err == RB_OK)
    err = check_return(c, pr, year, true);
  if (err != RB_OK) {
    parsed_return_free(pr);
    return err;
  }
  c->prepared = pr;
  c->prepared_free = parsed_return_free;
  return RB_OK;
}

enum rb_err
api_submission(struct api_ctx *c)
{
  const char *quarter = c->path[0];
  struct parsed_return *pr = c->prepared, *own = NULL;
  json_t *mids = NULL, *kids = NULL, *result = NULL;
  size_t unchanged[2] = {0, 0};
  char year[YEAR_LEN];
  enum rb_err err;

  if ((err = api_path_quarter(c, 0, NULL)) != RB_OK)
    return err;
  memcpy(year, quarter, YEAR_LEN - 1);
  year[YEAR_LEN - 1] = '\0';
  if (pr == NULL) { /* no precheck ran: everything is checked here */
    own = pr = calloc(1, sizeof(*pr));
    if (pr == NULL)
      return RB_ERR_NOMEM;
    if ((err = parse_return(c, pr)) != RB_OK)
      goto out;
  }
  /* After a precheck, only what a write since can have changed: the
   * quarter's state, the codes and their owners. */
  if ((err = check_return(c, pr, year, own != NULL)) != RB_OK)
    goto out;
  mids = json_array();
  kids = json_array();
  err = write_rows(c, pr->rows, pr->n, quarter, mids, kids, unchanged);
  if (err != RB_OK)
    goto out;
  result = json_pack("{s:s, s:s?, s:{s:I, s:I, s:O}, s:{s:I, s:I, s:O}}", "quarter", quarter,
                     "organisation", c->actor.org[0] ? c->actor.org : NULL, "milestones", "written",
                     (json_int_t)json_array_size(mids), "unchanged", (json_int_t)unchanged[0],
                     "ids", mids, "kpis", "written", (json_int_t)json_array_size(kids), "unchanged",
                     (json_int_t)unchanged[1], "ids", kids);
  err = api_audit(c, "submission", "submission", 0, c->actor.org[0] ? c->actor.org : NULL, quarter,
                  NULL, result);
  if (err != RB_OK) {
    json_decref(result);
    goto out;
  }
  err = api_reply(c, 200, result);
out:
  parsed_return_free(own);
  json_decref(mids);
  json_decref(kids);
  return err;
}

static json_t *
bucket(json_t *map, const char *key)
{
  json_t *b = json_object_get(map, key);

  if (b == NULL) {
    b = json_pack("{s:s, s:i, s:i, s:[]}", "code", key, "total", 0, "provided", 0, "missing");
    json_object_set_new(map, key, b);
  }
  return b;
}

static void
count(json_t *b, json_t *item, bool provided)
{
  json_object_set_new(b, "total",
                      json_integer(json_integer_value(json_object_get(b, "total")) + 1));
  if (provided)
    json_object_set_new(b, "provided",
                        json_integer(json_integer_value(json_object_get(b, "provided")) + 1));
  else
    json_array_append_new(json_object_get(b, "missing"),
                          json_pack("{s:O, s:O, s:O}", "type", json_object_get(item, "type"), "id",
                                    json_object_get(item, "id"), "code",
                                    json_object_get(item, "code")));
}

static json_t *
values_sorted(json_t *map)
{
  json_t *arr = json_array();
  const char **keys = malloc((json_object_size(map) + 1) * sizeof(*keys));
  const char *key;
  json_t *v;
  size_t n = 0;

  if (keys == NULL)
    return arr;
  json_object_foreach(map, key, v) keys[n++] = key;
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
      const char *t = keys[j];

      keys[j] = keys[j - 1];
      keys[j - 1] = t;
    }
  for (size_t i = 0; i < n; i++) {
    json_t *b = json_object_get(map, keys[i]);

    json_object_set_new(
      b, "percent",
      json_real((double)((json_integer_value(json_object_get(b, "provided")) * 2000 +
                          json_integer_value(json_object_get(b, "total"))) /
                         (2 * json_integer_value(json_object_get(b, "total")))) /
                10.0));
    json_array_append(arr, b);
  }
  free(keys);
  return arr;
}

/* The completeness of quarter's returns: a new reference in *out. */
static enum rb_err
build_completeness(struct api_ctx *c, const char *quarter, json_t **out)
{
  json_t *items = NULL, *orgs = json_object(), *groups = json_object(), *item;
  size_t i, provided = 0;
  enum rb_err err;

  err = store_completeness(c->st, quarter, &items);
  if (err != RB_OK) {
    err = api_store_fail(c, err, "completeness");
    goto out;
  }
  json_array_foreach(items, i, item)
  {
    bool has = json_integer_value(json_object_get(item, "provided")) != 0;
    const char *owner = json_string_value(json_object_get(item, "owner"));

    provided += has;
    count(bucket(orgs, owner != NULL ? owner : "(no owner)"), item, has);
    count(bucket(groups, json_string_value(json_object_get(item, "group"))), item, has);
  }
  *out = json_pack("{s:s, s:I, s:I, s:o, s:o}", "quarter", quarter, "total",
                   (json_int_t)json_array_size(items), "provided", (json_int_t)provided,
                   "organisations", values_sorted(orgs), "groups", values_sorted(groups));
  err = *out != NULL ? RB_OK : RB_ERR_NOMEM;
out:
  json_decref(items);
  json_decref(orgs);
  json_decref(groups);
  return err;
}

/* How long a cached answer is trusted on this process's own versions before
 * the database is asked again (a write from another process), as for
 * summaries. */
#define COMPLETENESS_FRESH_S 1.0

/* Completeness reads the plan year's items (reference data) and their
 * updates and readings (the year's reporting version): built once per pair
 * of versions and served from the response cache with an ETag, like
 * summaries; a dashboard polling it costs a lookup. */
enum rb_err
api_completeness(struct api_ctx *c)
{
  const char *quarter = c->path[0];
  char year[YEAR_LEN], key[64], etag[64];
  double now = util_monotonic();
  int64_t ref = store_pool_reference_version(c->app->pool), rep;
  struct cache_blob *blob = NULL;
  bool claimed = false;
  json_t *out = NULL;
  enum rb_err err;

  if ((err = api_path_quarter(c, 0, NULL)) != RB_OK)
    return err;
  memcpy(year, quarter, YEAR_LEN - 1);
  year[YEAR_LEN - 1] = '\0';
  if (store_pool_reporting_version(c->app->pool, year, &rep)) {
    snprintf(key, sizeof(key), "C|%s|r%lld", quarter, (long long)ref);
    blob = cache_get(c->app->responses, key, rep, now, COMPLETENESS_FRESH_S);
  }
  if (blob == NULL) {
    if (api_store(c) == NULL)
      return api_store_fail(c, RB_ERR_BUSY, "completeness");
    err = store_reference_version(c->st, &ref);
    if (err == RB_OK)
      err = store_reporting_version(c->st, year, &rep);
    if (err != RB_OK)
      return api_store_fail(c, err, "completeness");
    store_pool_saw_reference_version(c->app->pool, ref);
    store_pool_saw_reporting_version(c->app->pool, year, rep);
    snprintf(key, sizeof(key), "C|%s|r%lld", quarter, (long long)ref);
    blob = cache_claim(c->app->responses, key, rep, &claimed);
    if (blob != NULL)
      cache_confirm(c->app->responses, key, rep, now);
  }
  snprintf(etag, sizeof(etag), "\"c%lld.%lld\"", (long long)ref, (long long)rep);
  rb_response_header(c->resp, "ETag", etag);
  if (api_etag_matches(c->req->if_none_match, etag)) {
    if (claimed) /* or the requests waiting on this build wait in vain */
      cache_abandon(c->app->responses, key, rep);
    cache_blob_release(blob);
    return api_reply_not_modified(c);
  }
  if (blob != NULL)
    return api_reply_blob(c, blob);
  err = build_completeness(c, quarter, &out);
  if (err == RB_OK)
    err = api_reply(c, 200, out);
  if (err == RB_OK)
    cache_put(c->app->responses, key, rep, c->resp->body, c->resp->body_len, now);
  else if (claimed)
    cache_abandon(c->app->responses, key, rep);
  return err;
}
