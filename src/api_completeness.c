/* Who has not yet reported: the completeness of a quarter's returns, by
 * organisation and by group. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_cache.h"
#include "api_ctx.h"
#include "api_input.h"
#include "api_quarter.h"
#include "api_reply.h"
#include "csv.h"
#include "quarter.h"

#define NO_OWNER "(no owner)"

static json_t *
bucket(json_t *map, const char *key)
{
  json_t *b = json_object_get(map, key);

  if (b == NULL) {
    b = json_pack("{s:s, s:i, s:i, s:i, s:[]}", "code", key, "total", 0, "provided", 0, "owes", 0,
                  "missing");
    json_object_set_new(map, key, b);
  }
  return b;
}

static void
add(json_t *b, const char *key, json_int_t n)
{
  json_object_set_new(b, key, json_integer(json_integer_value(json_object_get(b, key)) + n));
}

static void
count(json_t *b, json_t *item, bool provided)
{
  add(b, "total", 1);
  add(b, provided ? "provided" : "owes", 1);
  if (!provided)
    json_array_append_new(json_object_get(b, "missing"),
                          json_pack("{s:O, s:O, s:O, s:O}", "type", json_object_get(item, "type"),
                                    "id", json_object_get(item, "id"), "code",
                                    json_object_get(item, "code"), "description",
                                    json_object_get(item, "description")));
}

/* An organisation's bucket also says who it is and when it last sent
 * anything for the quarter (its latest update or reading). */
static void
count_org(json_t *orgs, json_t *item, bool provided)
{
  const char *owner = json_string_value(json_object_get(item, "owner"));
  const char *at = json_string_value(json_object_get(item, "updated_at"));
  json_t *b = bucket(orgs, owner != NULL ? owner : NO_OWNER);
  const char *last = json_string_value(json_object_get(b, "last_submitted_at"));

  if (json_object_get(b, "name") == NULL) {
    json_t *name = json_object_get(item, "owner_name");

    json_object_set_new(b, "name", name != NULL ? json_incref(name) : json_null());
  }
  if (json_object_get(b, "last_submitted_at") == NULL ||
      (at != NULL && (last == NULL || strcmp(at, last) > 0)))
    json_object_set_new(b, "last_submitted_at", at != NULL ? json_string(at) : json_null());
  count(b, item, provided);
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

/* What a completeness answer is asked for: its quarter, an organisation
 * (NULL: every one) and CSV or JSON. */
struct completeness_ask {
  const char *quarter;
  const char *org;
  bool csv;
};

/* One CSV line per item, by organisation (as the JSON lists them), then
 * kind and code: who owes what, with each organisation's totals beside. */
static enum rb_err
reply_csv(struct api_ctx *c, const char *quarter, json_t *orgs, json_t *items)
{
  static const char *const cols[] = {"quarter",
                                     "organisation",
                                     "organisation_name",
                                     "organisation_owes",
                                     "organisation_last_submitted_at",
                                     "kind",
                                     "code",
                                     "group",
                                     "description",
                                     "provided",
                                     "updated_at",
                                     NULL};
  struct csv_out out = {NULL, 0, 0, false, false};
  json_t *b, *item;
  size_t i, j, len = 0;
  char owes[32], *body;

  for (size_t k = 0; cols[k] != NULL; k++)
    csv_text(&out, cols[k]);
  csv_end_row(&out);
  json_array_foreach(orgs, i, b)
  {
    const char *code = json_string_value(json_object_get(b, "code"));

    snprintf(owes, sizeof(owes), "%lld", (long long)json_integer_value(json_object_get(b, "owes")));
    json_array_foreach(items, j, item)
    {
      const char *owner = json_string_value(json_object_get(item, "owner"));

      if (strcmp(owner != NULL ? owner : NO_OWNER, code) != 0)
        continue;
      csv_text(&out, quarter);
      csv_text(&out, owner);
      csv_text(&out, json_string_value(json_object_get(b, "name")));
      csv_number(&out, owes);
      csv_text(&out, json_string_value(json_object_get(b, "last_submitted_at")));
      csv_text(&out, json_string_value(json_object_get(item, "type")));
      csv_text(&out, json_string_value(json_object_get(item, "code")));
      csv_text(&out, json_string_value(json_object_get(item, "group")));
      csv_text(&out, json_string_value(json_object_get(item, "description")));
      csv_text(&out, json_integer_value(json_object_get(item, "provided")) ? "yes" : "no");
      csv_text(&out, json_string_value(json_object_get(item, "updated_at")));
      csv_end_row(&out);
    }
  }
  if ((body = csv_finish(&out, &len)) == NULL)
    return RB_ERR_NOMEM;
  rb_response_drop_body(c->resp);
  c->resp->body = body;
  c->resp->body_len = len;
  c->resp->status = 200;
  c->resp->content_type = "text/csv; charset=utf-8";
  return RB_OK;
}

/* The completeness of the returns asked for: built from the plan year's
 * items and whether each has its update or reading. */
static enum rb_err
build(struct api_ctx *c, const void *arg)
{
  const struct completeness_ask *ask = arg;
  json_t *items = NULL, *orgs = json_object(), *groups = json_object(), *item, *out;
  json_t *mine = json_array(), *org_list = NULL;
  size_t i, provided = 0;
  enum rb_err err;

  err = store_completeness(c->st, ask->quarter, &items);
  if (err != RB_OK) {
    err = api_store_fail(c, err, "completeness");
    goto out;
  }
  json_array_foreach(items, i, item)
  {
    bool has = json_integer_value(json_object_get(item, "provided")) != 0;
    const char *owner = json_string_value(json_object_get(item, "owner"));

    if (ask->org != NULL && (owner == NULL || strcmp(owner, ask->org) != 0))
      continue;
    json_array_append(mine, item);
    provided += has;
    count_org(orgs, item, has);
    count(bucket(groups, json_string_value(json_object_get(item, "group"))), item, has);
  }
  org_list = values_sorted(orgs);
  if (ask->csv) {
    err = reply_csv(c, ask->quarter, org_list, mine);
    goto out;
  }
  out = json_pack("{s:s, s:s?, s:I, s:I, s:I, s:O, s:o}", "quarter", ask->quarter, "organisation",
                  ask->org, "total", (json_int_t)json_array_size(mine), "provided",
                  (json_int_t)provided, "owes", (json_int_t)(json_array_size(mine) - provided),
                  "organisations", org_list, "groups", values_sorted(groups));
  err = out != NULL ? api_reply(c, 200, out) : RB_ERR_NOMEM;
out:
  json_decref(org_list);
  json_decref(mine);
  json_decref(items);
  json_decref(orgs);
  json_decref(groups);
  return err;
}

/* Completeness reads the plan year's items (reference data) and their
 * updates and readings (the year's reporting version): built once per pair
 * of versions (and organisation and format asked for) and served from the
 * response cache with an ETag, like summaries; a dashboard polling it
 * costs a lookup. */
enum rb_err
api_completeness(struct api_ctx *c)
{
  static const char *const params[] = {"organisation", "format", NULL};
  const char *format = api_query(c, "format");
  struct completeness_ask ask = {c->path[0], NULL, false};
  char year[YEAR_LEN], key[128];
  struct api_cached spec = {'c', -1, year, NULL, "completeness", NULL, build, &ask};
  json_t *org = NULL;
  struct quarter q;
  enum rb_err err;

  if ((err = api_query_allow(c, params)) != RB_OK || (err = api_path_quarter(c, 0, &q)) != RB_OK)
    return err;
  if (format != NULL && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0) {
    api_field_error(c, "format", "must be json or csv");
    return api_fail(c, RB_ERR_BAD_REQUEST, "format must be json (the default) or csv, not %.20s",
                    format);
  }
  if ((err = api_query_org(c, "organisation", false, &org)) != RB_OK)
    return err;
  ask.org = org != NULL ? json_string_value(json_object_get(org, "code")) : NULL;
  ask.csv = format != NULL && strcmp(format, "csv") == 0;
  if (ask.csv)
    spec.variant = 1; /* another representation of the same versions */
  quarter_format_year(q.start_year, year);
  snprintf(key, sizeof(key), "%s|%s|%s", ask.quarter, ask.org != NULL ? ask.org : "",
           ask.csv ? "csv" : "json");
  err = api_cached(c, key, &spec);
  /* The cache keeps bytes: served from it, the CSV is labelled here. */
  if (err == RB_OK && ask.csv && c->resp->status == 200)
    c->resp->content_type = "text/csv; charset=utf-8";
  json_decref(org);
  return err;
}
