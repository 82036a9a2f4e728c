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
#include "quarter.h"

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

/* The completeness of the returns for quarter `arg` (its id): built from
 * the plan year's items and whether each has its update or reading. */
static enum rb_err
build(struct api_ctx *c, const void *arg)
{
  const char *quarter = arg;
  json_t *items = NULL, *orgs = json_object(), *groups = json_object(), *item, *out;
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
  out = json_pack("{s:s, s:I, s:I, s:o, s:o}", "quarter", quarter, "total",
                  (json_int_t)json_array_size(items), "provided", (json_int_t)provided,
                  "organisations", values_sorted(orgs), "groups", values_sorted(groups));
  err = out != NULL ? api_reply(c, 200, out) : RB_ERR_NOMEM;
out:
  json_decref(items);
  json_decref(orgs);
  json_decref(groups);
  return err;
}

/* Completeness reads the plan year's items (reference data) and their
 * updates and readings (the year's reporting version): built once per pair
 * of versions and served from the response cache with an ETag, like
 * summaries; a dashboard polling it costs a lookup. */
enum rb_err
api_completeness(struct api_ctx *c)
{
  const char *quarter = c->path[0];
  char year[YEAR_LEN];
  const struct api_cached spec = {'c', -1, year, NULL, "completeness", NULL, build, quarter};
  struct quarter q;
  enum rb_err err;

  if ((err = api_path_quarter(c, 0, &q)) != RB_OK)
    return err;
  quarter_format_year(q.start_year, year);
  return api_cached(c, quarter, &spec);
}
