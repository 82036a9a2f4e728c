/* Milestone updates and KPI readings: one per item and quarter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "domain.h"
#include "domain_validate.h"
#include "quarter.h"
#include "rag.h"

/* Load the parent item's id, year, code and owner (404 when missing). With
 * rule (KPIs only), also the KPI's RAG rule for quarter, which must then be
 * a valid quarter id, in the same lookup. */
static enum rb_err
parent_rule(struct api_ctx *c, bool kpi, int64_t *id, json_t **item, const char *quarter,
            struct rag_rule *rule)
{
  enum rb_err err = api_path_id(c, 0, id);

  if (err != RB_OK)
    return api_fail(c, err, "no %s with id %.32s", kpi ? "KPI" : "milestone", c->path[0]);
  if (kpi && rule != NULL)
    err = store_kpi_brief_rule(c->st, *id, quarter, item, rule);
  else if (kpi)
    err = store_kpi_brief(c->st, *id, item);
  else
    err = store_milestone_brief(c->st, *id, item);
  if (err == RB_ERR_NOT_FOUND)
    return api_fail(c, err, "no %s with id %lld", kpi ? "KPI" : "milestone", (long long)*id);
  if (err != RB_OK)
    return api_store_fail(c, err, kpi ? "KPI" : "milestone");
  return RB_OK;
}

static enum rb_err
parent(struct api_ctx *c, bool kpi, int64_t *id, json_t **item)
{
  return parent_rule(c, kpi, id, item, NULL, NULL);
}

static enum rb_err
annotate(struct api_ctx *c, int64_t kpi_id, json_t *reading)
{
  enum rb_err err = domain_reading_annotate(c->st, kpi_id, reading);

  return err != RB_OK ? api_store_fail(c, err, "KPI") : RB_OK;
}

static enum rb_err
list(struct api_ctx *c, bool kpi)
{
  json_t *item = NULL, *items = NULL, *r;
  int64_t id;
  size_t i;
  enum rb_err err;

  if ((err = parent(c, kpi, &id, &item)) != RB_OK)
    return err;
  json_decref(item);
  err = kpi ? store_reading_list(c->st, id, &items) : store_update_list(c->st, id, &items);
  if (err != RB_OK)
    return api_store_fail(c, err, kpi ? "readings" : "updates");
  if (kpi) {
    json_array_foreach(items, i, r)
    {
      err = annotate(c, id, r);
      if (err != RB_OK) {
        json_decref(items);
        return err;
      }
    }
  }
  return api_reply_list(c, items, NULL);
}

enum rb_err
api_update_list(struct api_ctx *c)
{
  return list(c, false);
}

enum rb_err
api_reading_list(struct api_ctx *c)
{
  return list(c, true);
}

enum rb_err
api_update_put(struct api_ctx *c)
{
  json_t *body = NULL, *item = NULL, *out = NULL, *prior = NULL;
  const char *quarter = c->path[1];
  char by[160], *text = NULL;
  enum rag_status status;
  bool changed = true;
  int64_t id;
  enum rb_err err;

  if ((err = parent(c, false, &id, &item)) != RB_OK ||
      (err = api_path_quarter(c, 1, NULL)) != RB_OK)
    goto out;
  if ((err = api_body(c, &body)) != RB_OK)
    goto out;
  if ((err = api_may_write_quarter(c, json_string_value(json_object_get(item, "owner")),
                                   json_string_value(json_object_get(item, "year")), quarter)) !=
      RB_OK)
    goto out;
  c->errors = json_array();
  domain_validate_update(body, c->errors, &status);
  if ((err = api_check_errors(c)) != RB_OK)
    goto out;
  err = store_update_get(c->st, id, quarter, &prior);
  if (err != RB_OK && err != RB_ERR_NOT_FOUND) {
    err = api_store_fail(c, err, "update");
    goto out;
  }
  if ((err = api_if_match(c, prior)) != RB_OK)
    goto out;
  auth_actor_label(&c->actor, by, sizeof(by));
  err = store_update_put(c->st, id, quarter, rag_code(status),
                         json_string_value(json_object_get(body, "comment")), by, c->now, false,
                         &changed);
  if (err == RB_OK && !changed) {
    /* Already stored as given: not a change, so no write and no audit
     * entry; the answer is the stored item with the ETag it had. */
    err = api_reply_item(c, 200, prior);
    prior = NULL; /* api_reply_item took it */
    goto out;
  }
  if (err == RB_OK)
    err = store_update_get(c->st, id, quarter, &out);
  if (err != RB_OK) {
    err = api_store_fail(c, err, "update");
    goto out;
  }
  if ((text = api_canonical(out)) == NULL)
    err = RB_ERR_NOMEM;
  if (err == RB_OK)
    err =
      api_audit_text(c, "update.put", "milestone_update", id,
                     json_string_value(json_object_get(item, "code")), quarter, prior, out, text);
  if (err != RB_OK) {
    json_decref(out);
    goto out;
  }
  err = api_reply_item_text(c, prior != NULL ? 200 : 201, out, text);
out:
  free(text);
  json_decref(body);
  json_decref(item);
  json_decref(prior);
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
  if ((err = parent_rule(c, true, &id, &item, quarter, valid_quarter ? &rule : NULL)) != RB_OK ||
      (err = api_path_quarter(c, 1, NULL)) != RB_OK)
    goto out;
  if ((err = api_body(c, &body)) != RB_OK)
    goto out;
  if ((err = api_may_write_quarter(c, json_string_value(json_object_get(item, "owner")),
                                   json_string_value(json_object_get(item, "year")), quarter)) !=
      RB_OK)
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
    err = api_reply_item(c, 200, prior);
    prior = NULL; /* api_reply_item took it */
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
  err = api_reply_item_text(c, prior != NULL ? 200 : 201, out, text);
out:
  free(text);
  json_decref(body);
  json_decref(item);
  json_decref(prior);
  return err;
}

static enum rb_err
remove_one(struct api_ctx *c, bool kpi)
{
  json_t *item = NULL, *prior = NULL;
  int64_t id;
  enum rb_err err;

  if ((err = parent(c, kpi, &id, &item)) != RB_OK || (err = api_path_quarter(c, 1, NULL)) != RB_OK)
    goto out;
  if ((err = api_may_write_quarter(c, json_string_value(json_object_get(item, "owner")),
                                   json_string_value(json_object_get(item, "year")), c->path[1])) !=
      RB_OK)
    goto out;
  err = kpi ? store_reading_get(c->st, id, c->path[1], &prior)
            : store_update_get(c->st, id, c->path[1], &prior);
  if (err == RB_OK && kpi)
    err = annotate(c, id, prior);
  /* If-Match on nothing stored is a failed precondition, as for PUT. */
  if (err == RB_OK || (err == RB_ERR_NOT_FOUND && c->req->if_match != NULL))
    err = api_if_match(c, prior);
  if (err == RB_OK)
    err = kpi ? store_reading_delete(c->st, id, c->path[1])
              : store_update_delete(c->st, id, c->path[1]);
  if (err == RB_ERR_NOT_FOUND)
    err = api_fail(c, err, "no %s for quarter %s", kpi ? "reading" : "update", c->path[1]);
  else if (err != RB_OK)
    err = api_store_fail(c, err, kpi ? "reading" : "update");
  else
    err = api_audit(c, kpi ? "reading.delete" : "update.delete",
                    kpi ? "kpi_reading" : "milestone_update", id,
                    json_string_value(json_object_get(item, "code")), c->path[1], prior, NULL);
  if (err == RB_OK)
    err = api_reply_empty(c);
out:
  json_decref(prior);
  json_decref(item);
  return err;
}

enum rb_err
api_update_delete(struct api_ctx *c)
{
  return remove_one(c, false);
}

enum rb_err
api_reading_delete(struct api_ctx *c)
{
  return remove_one(c, true);
}
