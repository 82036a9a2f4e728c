/* KPI readings: a KPI's value and reported rating for one quarter, with
 * the rating its rule computes (domain_reading_rate). */
#include <stdlib.h>

#include "api_ctx.h"
#include "api_figures.h"
#include "api_input.h"
#include "api_reply.h"
#include "domain.h"
#include "domain_validate.h"
#include "quarter.h"
#include "rag.h"

/* The KPI of the path (its id, year, code and owner): 404 when missing.
 * With rule, also its RAG rule for quarter (a valid quarter id) in the
 * same lookup. */
static enum rb_err
kpi(struct api_ctx *c, int64_t *id, json_t **item, const char *quarter, struct rag_rule *rule)
{
  enum rb_err err = api_path_id(c, 0, id);

  if (err != RB_OK)
    return api_fail(c, err, "no KPI with id %.32s", c->path[0]);
  if (rule != NULL)
    err = store_kpi_brief_rule(c->st, *id, quarter, item, rule);
  else
    err = store_kpi_brief(c->st, *id, item);
  if (err == RB_ERR_NOT_FOUND)
    return api_fail(c, err, "no KPI with id %lld", (long long)*id);
  if (err != RB_OK)
    return api_store_fail(c, err, "KPI");
  return RB_OK;
}

static enum rb_err
may_write(struct api_ctx *c, const json_t *item, const char *quarter)
{
  return api_may_write_quarter(c, json_string_value(json_object_get(item, "owner")),
                               json_string_value(json_object_get(item, "year")), quarter);
}

/* A stored reading as GET answers it: rated under the KPI's rule. */
static enum rb_err
annotate(struct api_ctx *c, int64_t kpi_id, json_t *reading)
{
  enum rb_err err = domain_reading_annotate(c->st, kpi_id, reading);

  return err != RB_OK ? api_store_fail(c, err, "KPI") : RB_OK;
}

enum rb_err
api_reading_list(struct api_ctx *c)
{
  json_t *item = NULL, *items = NULL, *r;
  int64_t id;
  size_t i;
  enum rb_err err;

  if ((err = kpi(c, &id, &item, NULL, NULL)) != RB_OK)
    return err;
  json_decref(item);
  err = store_reading_list(c->st, id, &items);
  if (err != RB_OK)
    return api_store_fail(c, err, "readings");
  json_array_foreach(items, i, r)
  {
    err = annotate(c, id, r);
    if (err != RB_OK) {
      json_decref(items);
      return err;
    }
  }
  err = domain_figures_travel(c->st, id, items, false);
  if (err != RB_OK) {
    json_decref(items);
    return api_store_fail(c, err, "readings");
  }
  return api_reply_list(c, items, NULL);
}

/* Answer a reading or a monthly value (monthly): its ETag is the stored
 * figure's (text: its canonical form, NULL to make it), the body adds its
 * direction of travel, which is derived from the series (domain_travel.c).
 * Steals figure. */
enum rb_err
api_reply_figure(struct api_ctx *c, unsigned status, int64_t kpi_id, json_t *figure,
                 const char *text, bool monthly)
{
  char *own = NULL;
  enum rb_err err;

  if (text == NULL && (text = own = api_canonical(figure)) == NULL) {
    json_decref(figure);
    return RB_ERR_NOMEM;
  }
  err = domain_figure_travel(c->st, kpi_id, figure, monthly);
  if (err != RB_OK) {
    json_decref(figure);
    free(own);
    return api_store_fail(c, err, monthly ? "monthly value" : "reading");
  }
  err = api_reply_item_text(c, status, figure, text);
  free(own);
  return err;
}

/* As api_update_get: the reading, rated, with the ETag If-Match takes. */
enum rb_err
api_reading_get(struct api_ctx *c)
{
  json_t *item = NULL, *reading = NULL;
  int64_t id;
  enum rb_err err;

  if ((err = kpi(c, &id, &item, NULL, NULL)) != RB_OK ||
      (err = api_path_quarter(c, 1, NULL)) != RB_OK)
    goto out;
  err = store_reading_get(c->st, id, c->path[1], &reading);
  if (err == RB_ERR_NOT_FOUND) {
    err = api_fail(c, err, "no reading for quarter %s", c->path[1]);
  } else if (err != RB_OK) {
    err = api_store_fail(c, err, "reading");
  } else if ((err = annotate(c, id, reading)) == RB_OK) {
    err = api_reply_figure(c, 200, id, reading, NULL, false);
    reading = NULL; /* api_reply_figure took it */
  }
out:
  json_decref(reading);
  json_decref(item);
  return err;
}

enum rb_err
api_reading_put(struct api_ctx *c)
{
  json_t *body = NULL, *item = NULL, *out = NULL, *prior = NULL;
  const char *quarter = c->path[1];
  char by[160], *text = NULL;
  enum rag_status rating = RAG_NONE;
  struct rag_rule rule;
  struct quarter q;
  bool valid_quarter;
  int64_t id;
  enum rb_err err;

  /* The KPI, its owner and its rule for the quarter in one lookup; the
   * rule's lookup is for a valid quarter only, so a bad one is looked up
   * without (a missing KPI is still a 404 before the quarter's 400). */
  valid_quarter = quarter_parse(quarter, &q) == NULL;
  if ((err = kpi(c, &id, &item, quarter, valid_quarter ? &rule : NULL)) != RB_OK)
    goto out;
  if (!valid_quarter && (err = api_path_quarter(c, 1, NULL)) != RB_OK)
    goto out;
  if ((err = api_body(c, &body)) != RB_OK)
    goto out;
  if ((err = may_write(c, item, quarter)) != RB_OK)
    goto out;
  c->errors = json_array();
  domain_validate_reading(body, c->errors, &rating);
  if ((err = api_check_errors(c)) != RB_OK)
    goto out;
  err = store_reading_get(c->st, id, quarter, &prior);
  if (err != RB_OK && err != RB_ERR_NOT_FOUND) {
    err = api_store_fail(c, err, "reading");
    goto out;
  }
  /* The ETag clients hold is of the annotated reading. */
  if (prior != NULL)
    domain_reading_rate(&rule, prior);
  if ((err = api_if_match(c, prior)) != RB_OK)
    goto out;
  auth_actor_label(&c->actor, by, sizeof(by));
  /* out is NULL when the reading was already stored as given. */
  err =
    store_reading_put(c->st, id, quarter, json_object_get(body, "value"),
                      json_string_value(json_object_get(body, "value_text")),
                      rating == RAG_NONE ? NULL : rag_code(rating),
                      json_string_value(json_object_get(body, "comment")), by, c->now, false, &out);
  if (err == RB_OK && out == NULL) {
    /* Already stored as given: not a change, so no write and no audit
     * entry; the answer is the stored item with the ETag it had. */
    err = api_reply_figure(c, 200, id, prior, NULL, false);
    prior = NULL; /* api_reply_figure took it */
    goto out;
  }
  if (err != RB_OK) {
    err = api_store_fail(c, err, "reading");
    goto out;
  }
  domain_reading_rate(&rule, out);
  /* One canonical text for the audit entry and the ETag. */
  if ((text = api_canonical(out)) == NULL)
    err = RB_ERR_NOMEM;
  if (err == RB_OK)
    err =
      api_audit_text(c, "reading.put", "kpi_reading", id,
                     json_string_value(json_object_get(item, "code")), quarter, prior, out, text);
  if (err != RB_OK) {
    json_decref(out);
    goto out;
  }
  err = api_reply_figure(c, prior != NULL ? 200 : 201, id, out, text, false);
out:
  free(text);
  json_decref(body);
  json_decref(item);
  json_decref(prior);
  return err;
}

enum rb_err
api_reading_delete(struct api_ctx *c)
{
  json_t *item = NULL, *prior = NULL;
  const char *quarter = c->path[1];
  int64_t id;
  enum rb_err err;

  if ((err = kpi(c, &id, &item, NULL, NULL)) != RB_OK ||
      (err = api_path_quarter(c, 1, NULL)) != RB_OK)
    goto out;
  if ((err = may_write(c, item, quarter)) != RB_OK)
    goto out;
  err = store_reading_get(c->st, id, quarter, &prior);
  if (err == RB_OK)
    err = annotate(c, id, prior); /* the ETag clients hold is of the annotated reading */
  /* If-Match on nothing stored is a failed precondition, as for PUT. */
  if (err == RB_OK || (err == RB_ERR_NOT_FOUND && c->req->if_match != NULL))
    err = api_if_match(c, prior);
  if (err == RB_OK)
    err = store_reading_delete(c->st, id, quarter);
  if (err == RB_ERR_NOT_FOUND)
    err = api_fail(c, err, "no reading for quarter %s", quarter);
  else if (err != RB_OK)
    err = api_store_fail(c, err, "reading");
  else
    err = api_audit(c, "reading.delete", "kpi_reading", id,
                    json_string_value(json_object_get(item, "code")), quarter, prior, NULL);
  if (err == RB_OK)
    err = api_reply_empty(c);
out:
  json_decref(prior);
  json_decref(item);
  return err;
}
