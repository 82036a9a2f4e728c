/* The monthly values of a monthly KPI in a dataset ("months" of a KPI):
 * each checked, upserted by its month, and audited when a stored one
 * changes ("month.import"), as readings are. */
#include <stdio.h>
#include <string.h>

#include "import_int.h"
#include "jsonv.h"
#include "period.h"
#include "util.h"

/* As data/dataset.schema.json: an absent member means none. */
static const struct jv_field month_fields[] = {
  {"month", JV_TEXT, JV_REQUIRED, NULL},
  {"value", JV_NUMBER, 0, NULL},
  {"value_text", JV_TEXT, 0, NULL},
  {"comment", JV_TEXT, 0, NULL},
};

bool
import_month_ok(json_t *errors, json_t *m, json_t *seen, const char *path, int *key)
{
  const char *msg;

  if (!json_is_object(m)) {
    jv_error(errors, "", path, "must be an object");
    return false;
  }
  if (jv_check(m, month_fields, ARRAY_LEN(month_fields), path, errors) > 0)
    return false;
  msg = period_parse_month(json_string_value(json_object_get(m, "month")), key);
  if (msg != NULL) {
    jv_error(errors, path, "month", "%s", msg);
    return false;
  }
  if (import_seen_before(seen, json_string_value(json_object_get(m, "month")))) {
    jv_error(errors, path, "month", "repeats an earlier value for this month");
    return false;
  }
  return true;
}

/* The monthly values stored for KPI id, by month (a new object). */
static enum rb_err
stored_months(struct store *st, int64_t id, json_t **out)
{
  json_t *items = NULL, *map, *row;
  size_t i;
  enum rb_err err = store_month_list(st, id, &items);

  if (err != RB_OK)
    return err;
  map = json_object();
  json_array_foreach(items, i, row)
    json_object_set(map, json_string_value(json_object_get(row, "month")), row);
  json_decref(items);
  *out = map;
  return map != NULL ? RB_OK : RB_ERR_NOMEM;
}

void
import_months(struct import_run *run, int64_t kpi_id, const char *code, bool monthly,
              json_t *months, bool existed, const char *path)
{
  json_t *seen = json_object(), *stored = NULL, *m;
  char mpath[96], ids[24], q[QUARTER_LEN];
  size_t i;
  int key;

  if (json_array_size(months) > 0 && !monthly) {
    jv_error(run->errors, path, "months",
             "are for monthly KPIs: this KPI is quarterly (give it \"frequency\": \"monthly\")");
    goto out;
  }
  if (existed && json_array_size(months) > 0 &&
      import_storage_failed(stored_months(run->st, kpi_id, &stored), path, run->errors))
    goto out;
  snprintf(ids, sizeof(ids), "%lld", (long long)kpi_id);
  json_array_foreach(months, i, m)
  {
    const char *month;
    json_t *before, *after = NULL;
    enum rb_err err;

    snprintf(mpath, sizeof(mpath), "%s.months[%zu]", path, i);
    if (!import_month_ok(run->errors, m, seen, mpath, &key))
      continue;
    month = json_string_value(json_object_get(m, "month"));
    quarter_format(period_month_quarter(key), q);
    before = json_object_get(stored, month);
    err = store_month_put(run->st, kpi_id, month, q, json_object_get(m, "value"),
                          json_string_value(json_object_get(m, "value_text")),
                          json_string_value(json_object_get(m, "comment")), run->by, run->now,
                          false, before != NULL || json_object_get(run->locks, q) ? &after : NULL);
    if (!import_storage_failed(err, mpath, run->errors) && after != NULL) {
      if (json_object_get(run->locks, q) != NULL)
        jv_error(run->errors, mpath, "month", "is in %s, which " LOCKED_MSG_TAIL, q);
      else if (before != NULL && !import_was_created(run, "kpi_month", ids, month)) {
        run->changed[3]++;
        if (run->audit != NULL)
          import_storage_failed(run->audit->fn(run->audit->ctx, "month.import", "kpi_month",
                                               json_integer_value(json_object_get(after, "id")),
                                               code, q, before, after),
                                mpath, run->errors);
      }
    }
    if (err == RB_OK && before == NULL && run->shared)
      import_mark_created(run, "kpi_month", ids, month);
    json_decref(after);
  }
out:
  json_decref(stored);
  json_decref(seen);
}
