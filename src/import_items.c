/* The importer's milestones and KPIs, with their updates and readings:
 * each checked, upserted by its code in the plan year, and its figures
 * audited when a stored one changes. */
#include <stdio.h>
#include <string.h>

#include "domain.h"
#include "domain_validate.h"
#include "import_int.h"
#include "jsonv.h"
#include "util.h"

static const char *const statuses[] = {"BR", "B", "G", "A", "R", "TBC", NULL};
static const char *const ratings[] = {"G", "A", "R", "TBC", NULL};

static const struct jv_field update_fields[] = {
  {"quarter", JV_QUARTER, JV_REQUIRED, NULL},
  {"status", JV_ENUM, JV_REQUIRED, statuses},
  {"comment", JV_TEXT, 0, NULL},
};

/* As data/dataset.schema.json: an absent member means none; null is not a
 * value the format has for these (a file this importer accepts, any
 * validator of the published schema accepts). */
static const struct jv_field reading_fields[] = {
  {"quarter", JV_QUARTER, JV_REQUIRED, NULL},
  {"value", JV_NUMBER, 0, NULL},
  {"value_text", JV_TEXT, 0, NULL},
  {"rating", JV_ENUM, 0, ratings},
  {"comment", JV_TEXT, 0, NULL},
};

/* The shape checks of one update or reading (path names it): an object,
 * its fields, and a quarter not seen before among its siblings. Problems go
 * to errors; true when there are none. */
static bool
child_ok(json_t *errors, bool kpi, json_t *k, json_t *seen, const char *path)
{
  if (!json_is_object(k)) {
    jv_error(errors, "", path, "must be an object");
    return false;
  }
  if (jv_check(k, kpi ? reading_fields : update_fields,
               kpi ? ARRAY_LEN(reading_fields) : ARRAY_LEN(update_fields), path, errors) > 0)
    return false;
  if (import_seen_before(seen, json_string_value(json_object_get(k, "quarter")))) {
    jv_error(errors, path, "quarter", "repeats an earlier %s for this quarter",
             kpi ? "reading" : "update");
    return false;
  }
  return true;
}

/* stored (borrowed, NULL for a new item): quarter -> the update as it
 * was before this import touched the milestone. */
static void
import_updates(struct import_run *run, int64_t milestone_id, const char *code, json_t *updates,
               json_t *stored, const char *path)
{
  json_t *seen = json_object(), *u, *before, *after;
  char ids[24];
  const char *q;
  bool changed;
  char upath[96];
  size_t i;
  enum rb_err err;

  json_array_foreach(updates, i, u)
  {
    snprintf(upath, sizeof(upath), "%s.updates[%zu]", path, i);
    if (!child_ok(run->errors, false, u, seen, upath))
      continue;
    q = json_string_value(json_object_get(u, "quarter"));
    before = json_incref(json_object_get(stored, q));
    after = NULL;
    changed = false;
    err = store_update_put(
      run->st, milestone_id, q, json_string_value(json_object_get(u, "status")),
      json_string_value(json_object_get(u, "comment")), run->by, run->now, false, &changed);
    if (err == RB_OK && changed && before != NULL)
      err = store_update_get(run->st, milestone_id, q, &after);
    /* A change in a locked quarter fails the import (all of it is undone). */
    if (!import_storage_failed(err, upath, run->errors) && changed) {
      snprintf(ids, sizeof(ids), "%lld", (long long)milestone_id);
      if (json_object_get(run->locks, q) != NULL)
        jv_error(run->errors, upath, "quarter", LOCKED_MSG, q);
      else if (before != NULL)
        import_audit_change(run, false, milestone_id, code, q, before, after, upath);
      else if (run->shared)
        import_mark_created(run, "milestone_update", ids, q);
    }
    json_decref(before);
    json_decref(after);
  }
  json_decref(seen);
}

/* stored (borrowed, NULL for a new item): quarter -> the reading as it was
 * before this import touched the KPI, annotated under the rule it had. */
static void
import_readings(struct import_run *run, int64_t kpi_id, const char *code, json_t *readings,
                json_t *stored, const char *path)
{
  json_t *seen = json_object(), *r, *before, *after;
  char ids[24];
  const char *q;
  char rpath[96];
  size_t i;
  enum rb_err err;

  json_array_foreach(readings, i, r)
  {
    snprintf(rpath, sizeof(rpath), "%s.readings[%zu]", path, i);
    if (!child_ok(run->errors, true, r, seen, rpath))
      continue;
    q = json_string_value(json_object_get(r, "quarter"));
    before = json_incref(json_object_get(stored, q));
    after = NULL;
    /* The stored row comes back only when the reading changed, and only
     * when someone needs it: a locked quarter's check, or the audit of a
     * figure that was stored before. */
    err =
      store_reading_put(run->st, kpi_id, q, json_object_get(r, "value"),
                        json_string_value(json_object_get(r, "value_text")),
                        json_string_value(json_object_get(r, "rating")),
                        json_string_value(json_object_get(r, "comment")), run->by, run->now, false,
                        before != NULL || json_object_get(run->locks, q) != NULL ? &after : NULL);
    if (!import_storage_failed(err, rpath, run->errors) && after != NULL) {
      if (json_object_get(run->locks, q) != NULL) {
        jv_error(run->errors, rpath, "quarter", LOCKED_MSG, q);
      } else {
        /* annotated as a single PUT's entry is: after under the rule as now
         * imported, before (in stored) under the rule it had */
        err = domain_reading_annotate(run->st, kpi_id, after);
        if (!import_storage_failed(err, rpath, run->errors))
          import_audit_change(run, true, kpi_id, code, q, before, after, rpath);
      }
    }
    if (err == RB_OK && before == NULL && run->shared) {
      snprintf(ids, sizeof(ids), "%lld", (long long)kpi_id);
      import_mark_created(run, "kpi_reading", ids, q);
    }
    json_decref(before);
    json_decref(after);
  }
  json_decref(seen);
}

/* The updates or readings stored for item id, by quarter (a new object):
 * readings annotated under the KPI's rule as it is now, before the import
 * changes it, as their audit entries' before. */
static enum rb_err
stored_children(struct store *st, bool kpi, int64_t id, json_t **out)
{
  json_t *items = NULL, *map, *row;
  size_t i;
  enum rb_err err = kpi ? store_reading_list(st, id, &items) : store_update_list(st, id, &items);

  if (err != RB_OK)
    return err;
  map = json_object();
  json_array_foreach(items, i, row)
  {
    if (kpi && (err = domain_reading_annotate(st, id, row)) != RB_OK)
      break;
    json_object_set(map, json_string_value(json_object_get(row, "quarter")), row);
  }
  json_decref(items);
  if (err != RB_OK) {
    json_decref(map);
    return err;
  }
  *out = map;
  return RB_OK;
}

/* The shape checks of an item's updates or readings (and a KPI's monthly
 * values) alone, for an item that is not imported (it failed its own
 * checks): the answer names their problems too, not only the item's. */
static void
check_children(json_t *errors, bool kpi, const json_t *item, const char *path)
{
  const char *children = kpi ? "readings" : "updates";
  json_t *seen = json_object(), *mseen = json_object(), *k;
  char cpath[96];
  size_t i;
  int key;

  json_array_foreach(json_object_get(item, children), i, k)
  {
    snprintf(cpath, sizeof(cpath), "%s.%s[%zu]", path, children, i);
    child_ok(errors, kpi, k, seen, cpath);
  }
  json_array_foreach(kpi ? json_object_get(item, "months") : NULL, i, k)
  {
    snprintf(cpath, sizeof(cpath), "%s.months[%zu]", path, i);
    import_month_ok(errors, k, mseen, cpath, &key);
  }
  json_decref(seen);
  json_decref(mseen);
}

/* A KPI's link to the KPI it continues, with what needs its own id: the
 * chain's rules (domain_validate_kpi_chain). */
static size_t
check_chain(struct store *st, json_t *obj, const char *path, json_t *errors)
{
  int64_t id = 0;
  enum rb_err err = store_kpi_find(st, json_string_value(json_object_get(obj, "year")),
                                   json_string_value(json_object_get(obj, "code")), &id);

  if (err != RB_OK && err != RB_ERR_NOT_FOUND)
    return import_storage_failed(err, path, errors) ? 1 : 0;
  return domain_validate_kpi_chain(st, err == RB_OK ? id : 0, obj, path, errors);
}

void
import_items(struct import_run *run, json_t *arr, bool kpi, const char *year)
{
  struct store *st = run->st;
  json_t *errors = run->errors;
  const char *now = run->now;
  const char *name = kpi ? "kpis" : "milestones";
  const char *children = kpi ? "readings" : "updates";
  json_t *seen = json_object(), *item, *stored;
  char path[64];
  size_t i;

  json_array_foreach(arr, i, item)
  {
    json_t *obj, *kids, *months;
    const char *frequency;
    bool monthly, existed = false;
    int64_t id = 0;
    enum rb_err err;

    snprintf(path, sizeof(path), "%s[%zu]", name, i);
    if (!json_is_object(item)) {
      jv_error(errors, "", path, "must be an object");
      continue;
    }
    if (json_object_get(item, "year") != NULL) {
      jv_error(errors, path, "year", "is not a known field (the file's financial_year applies)");
      continue;
    }
    kids = json_object_get(item, children);
    months = kpi ? json_object_get(item, "months") : NULL;
    if (kids != NULL && !json_is_array(kids)) {
      jv_error(errors, path, children, "must be an array");
      continue;
    }
    if (months != NULL && !json_is_array(months)) {
      jv_error(errors, path, "months", "must be an array");
      continue;
    }
    obj = import_with_year(item, year, children);
    if (obj == NULL)
      continue;
    json_object_del(obj, "months");
    if ((kpi ? domain_validate_kpi(st, obj, path, errors)
             : domain_validate_milestone(st, obj, path, errors)) > 0 ||
        (kpi && check_chain(st, obj, path, errors) > 0)) {
      check_children(errors, kpi, item, path);
      json_decref(obj);
      continue;
    }
    if (import_seen_before(seen, json_string_value(json_object_get(obj, "code")))) {
      jv_error(errors, path, "code", "repeats an earlier code in this file");
      check_children(errors, kpi, item, path);
      json_decref(obj);
      continue;
    }
    frequency = json_string_value(json_object_get(obj, "frequency"));
    monthly = frequency != NULL && strcmp(frequency, "monthly") == 0;
    {
      const char *code = json_string_value(json_object_get(obj, "code"));
      json_t *before = NULL, *after = NULL;
      char ids[24];

      stored = NULL;
      err = kpi ? store_kpi_find(st, year, code, &id) : store_milestone_find(st, year, code, &id);
      if (err == RB_OK)
        err = kpi ? store_kpi_get(st, id, &before) : store_milestone_get(st, id, &before);
      else if (err == RB_ERR_NOT_FOUND)
        err = RB_OK;
      /* its figures as stored, before the item (a KPI's rule) changes */
      if (err == RB_OK && before != NULL)
        err = stored_children(st, kpi, id, &stored);
      if (err == RB_OK)
        err = kpi ? store_kpi_upsert(st, obj, now, &id) : store_milestone_upsert(st, obj, now, &id);
      if (err == RB_OK && before != NULL)
        err = kpi ? store_kpi_get(st, id, &after) : store_milestone_get(st, id, &after);
      /* a frequency the file leaves out is the stored one (store_kpi_upsert) */
      if (kpi && frequency == NULL && after != NULL) {
        const char *stored = json_string_value(json_object_get(after, "frequency"));

        monthly = stored != NULL && strcmp(stored, "monthly") == 0;
      }
      snprintf(ids, sizeof(ids), "%lld", (long long)id);
      if (!import_storage_failed(err, path, errors))
        import_audit_item(run, kpi ? "kpi" : "milestone", ids, code, NULL, before, after, path);
      existed = before != NULL;
      json_decref(before);
      json_decref(after);
    }
    json_decref(obj);
    if (err == RB_OK && kpi) {
      import_readings(run, id, json_string_value(json_object_get(item, "code")), kids, stored,
                      path);
      import_months(run, id, json_string_value(json_object_get(item, "code")), monthly, months,
                    existed, path);
    } else if (err == RB_OK)
      import_updates(run, id, json_string_value(json_object_get(item, "code")), kids, stored, path);
    json_decref(stored);
  }
  json_decref(seen);
}
