/* Monthly values of a monthly KPI (frequency "monthly"): one per month,
 * written like readings (the owner's submitters in the open quarters of
 * the KPI's plan year that hold the month, admins in any quarter not
 * locked), audited as month.put and month.delete. The quarterly reading
 * stays the rated figure: months feed the monthly series, its SPC and
 * chart only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_ctx.h"
#include "api_figures.h"
#include "api_input.h"
#include "api_reply.h"
#include "domain.h"
#include "domain_validate.h"
#include "period.h"
#include "quarter.h"

/* The KPI of the path (id, year, code, owner, frequency): 404 when missing. */
static enum rb_err
kpi(struct api_ctx *c, int64_t *id, json_t **item)
{
  enum rb_err err = api_path_id(c, 0, id);

  if (err != RB_OK)
    return api_fail(c, err, "no KPI with id %.32s", c->path[0]);
  err = store_kpi_brief(c->st, *id, item);
  if (err == RB_ERR_NOT_FOUND)
    return api_fail(c, err, "no KPI with id %lld", (long long)*id);
  if (err != RB_OK)
    return api_store_fail(c, err, "KPI");
  return RB_OK;
}

/* The month of the path and its quarter: 400 naming the parameter. */
static enum rb_err
month(struct api_ctx *c, char q[QUARTER_LEN])
{
  int key;
  const char *msg = period_parse_month(c->path[1], &key);

  if (msg != NULL) {
    api_field_error(c, "month", "%s", msg);
    return api_fail(c, RB_ERR_BAD_REQUEST, "month %.20s %s", c->path[1], msg);
  }
  quarter_format(period_month_quarter(key), q);
  return RB_OK;
}

enum rb_err
api_month_list(struct api_ctx *c)
{
  json_t *item = NULL, *items = NULL;
  int64_t id;
  enum rb_err err;

  if ((err = kpi(c, &id, &item)) != RB_OK)
    return err;
  json_decref(item);
  err = store_month_list(c->st, id, &items);
  if (err == RB_OK && (err = domain_figures_travel(c->st, id, items, true)) != RB_OK)
    json_decref(items);
  if (err != RB_OK)
    return api_store_fail(c, err, "monthly values");
  return api_reply_list(c, items, NULL);
}

enum rb_err
api_month_get(struct api_ctx *c)
{
  json_t *item = NULL, *m = NULL;
  char q[QUARTER_LEN];
  int64_t id;
  enum rb_err err;

  if ((err = kpi(c, &id, &item)) != RB_OK || (err = month(c, q)) != RB_OK)
    goto out;
  err = store_month_get(c->st, id, c->path[1], &m);
  if (err == RB_ERR_NOT_FOUND)
    err = api_fail(c, err, "no monthly value for %s", c->path[1]);
  else if (err != RB_OK)
    err = api_store_fail(c, err, "monthly value");
  else
    err = api_reply_figure(c, 200, id, m, NULL, true);
out:
  json_decref(item);
  return err;
}

enum rb_err
api_month_put(struct api_ctx *c)
{
  json_t *body = NULL, *item = NULL, *out = NULL, *prior = NULL;
  const char *freq, *m = c->path[1];
  char by[160], q[QUARTER_LEN], *text = NULL;
  int64_t id;
  enum rb_err err;

  if ((err = kpi(c, &id, &item)) != RB_OK || (err = month(c, q)) != RB_OK ||
      (err = api_body(c, &body)) != RB_OK)
    goto out;
  if ((err = api_may_write_quarter(c, json_string_value(json_object_get(item, "owner")),
                                   json_string_value(json_object_get(item, "year")), q)) != RB_OK)
    goto out;
  freq = json_string_value(json_object_get(item, "frequency"));
  if (freq == NULL || strcmp(freq, "monthly") != 0) {
    err = api_fail(c, RB_ERR_CONFLICT,
                   "KPI %lld is reported quarterly: give it \"frequency\": \"monthly\" (PATCH) "
                   "before sending monthly values",
                   (long long)id);
    goto out;
  }
  c->errors = json_array();
  domain_validate_month(body, c->errors);
  if ((err = api_check_errors(c)) != RB_OK)
    goto out;
  err = store_month_get(c->st, id, m, &prior);
  if (err != RB_OK && err != RB_ERR_NOT_FOUND) {
    err = api_store_fail(c, err, "monthly value");
    goto out;
  }
  if ((err = api_if_match(c, prior)) != RB_OK)
    goto out;
  auth_actor_label(&c->actor, by, sizeof(by));
  err =
    store_month_put(c->st, id, m, q, json_object_get(body, "value"),
                    json_string_value(json_object_get(body, "value_text")),
                    json_string_value(json_object_get(body, "comment")), by, c->now, false, &out);
  if (err == RB_OK && out == NULL) { /* stored as given: no change, no entry */
    err = api_reply_figure(c, 200, id, prior, NULL, true);
    prior = NULL;
    goto out;
  }
  if (err != RB_OK) {
    err = api_store_fail(c, err, "monthly value");
    goto out;
  }
  if ((text = api_canonical(out)) == NULL)
    err = RB_ERR_NOMEM;
  if (err == RB_OK)
    err =
      api_audit_text(c, "month.put", "kpi_month", json_integer_value(json_object_get(out, "id")),
                     json_string_value(json_object_get(item, "code")), q, prior, out, text);
  if (err != RB_OK) {
    json_decref(out);
    goto out;
  }
  err = api_reply_figure(c, prior != NULL ? 200 : 201, id, out, text, true);
out:
  free(text);
  json_decref(body);
  json_decref(item);
  json_decref(prior);
  return err;
}

enum rb_err
api_month_delete(struct api_ctx *c)
{
  json_t *item = NULL, *prior = NULL;
  char q[QUARTER_LEN];
  int64_t id;
  enum rb_err err;

  if ((err = kpi(c, &id, &item)) != RB_OK || (err = month(c, q)) != RB_OK)
    goto out;
  if ((err = api_may_write_quarter(c, json_string_value(json_object_get(item, "owner")),
                                   json_string_value(json_object_get(item, "year")), q)) != RB_OK)
    goto out;
  err = store_month_get(c->st, id, c->path[1], &prior);
  if (err == RB_OK || (err == RB_ERR_NOT_FOUND && c->req->if_match != NULL))
    err = api_if_match(c, prior);
  if (err == RB_OK)
    err = store_month_delete(c->st, id, c->path[1]);
  if (err == RB_ERR_NOT_FOUND)
    err = api_fail(c, err, "no monthly value for %s", c->path[1]);
  else if (err != RB_OK)
    err = api_store_fail(c, err, "monthly value");
  else
    err =
      api_audit(c, "month.delete", "kpi_month", json_integer_value(json_object_get(prior, "id")),
                json_string_value(json_object_get(item, "code")), q, prior, NULL);
  if (err == RB_OK)
    err = api_reply_empty(c);
out:
  json_decref(prior);
  json_decref(item);
  return err;
}
