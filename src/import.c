#include "import.h"

#include <stdio.h>
#include <string.h>

#include "domain.h"
#include "domain_validate.h"
#include "jsonv.h"
#include "quarter.h"
#include "rag.h"
#include "util.h"

#define FORMAT "icp-performance-dataset/1"

static const char *const top_fields[] = {"format",   "title",  "financial_year", "organisations",
                                         "quarters", "groups", "priorities",     "milestones",
                                         "kpis",     NULL};

/* A dataset may open or close a quarter for submitters, saying so
 * explicitly; without "state" a new quarter is closed and a stored one
 * keeps its state. Locking is the team's audited step, never an import's. */
static const char *const quarter_states[] = {"open", "closed", NULL};

static const struct jv_field quarter_fields[] = {
  {"id", JV_QUARTER, JV_REQUIRED, NULL},
  {"delivery_team_date", JV_DATE, 0, NULL},
  {"place_board_date", JV_DATE, 0, NULL},
  {"state", JV_ENUM, 0, quarter_states},
};

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

/* The array member `name` of doc, or an error when present and not an array. */
static json_t *
array_of(json_t *doc, const char *name, bool required, json_t *errors)
{
  json_t *a = json_object_get(doc, name);

  if (a == NULL) {
    if (required)
      jv_error(errors, "", name, "is required");
    return NULL;
  }
  if (!json_is_array(a)) {
    jv_error(errors, "", name, "must be an array");
    return NULL;
  }
  return a;
}

static bool
storage_failed(enum rb_err err, const char *path, json_t *errors)
{
  if (err == RB_OK)
    return false;
  jv_error(errors, "", path, "could not be stored: %s", rb_err_title(err));
  return true;
}

/* Items may not repeat a natural key within one file. */
static bool
seen_before(json_t *seen, const char *key)
{
  if (json_object_get(seen, key) != NULL)
    return true;
  json_object_set_new(seen, key, json_true());
  return false;
}

/* What one import carries down to its items. */
struct run {
  struct store *st;
  const char *now, *by;
  json_t *locks; /* quarter -> true for the locked quarters */
  const struct import_audit *audit;
  json_t *created; /* keys of what this transaction created (see created_key) */
  /* created is shared with other files of the transaction: rows and items
   * are marked too. Within one file they cannot repeat (each code and
   * quarter is checked once), so a lone file marks only the few kinds
   * that can (organisations, groups, quarters, priorities): 90,000 keys
   * are not built for nothing. */
  bool shared;
  json_t *errors;
  json_int_t changed[3]; /* stored updates, readings, other items the import changed */
};

/* The key of a row or item in run->created: "kpi_reading/12/2018-19-Q1",
 * "group/CYP", "kpi/7". What this transaction created (an earlier file of
 * one command-line import) is not stored yet, so a later change to it is
 * part of its creation, neither audited nor counted as a change. */
static void
created_key(char *out, size_t cap, const char *entity, const char *id, const char *q)
{
  snprintf(out, cap, "%s/%s%s%s", entity, id, q != NULL ? "/" : "", q != NULL ? q : "");
}

static void
mark_created(struct run *run, const char *entity, const char *id, const char *q)
{
  char key[192];

  created_key(key, sizeof(key), entity, id, q);
  json_object_set_new(run->created, key, json_true());
}

static bool
was_created(const struct run *run, const char *entity, const char *id, const char *q)
{
  char key[192];

  created_key(key, sizeof(key), entity, id, q);
  return json_object_get(run->created, key) != NULL;
}

/* A stored figure the import changed: audited with its before and after. */
static void
audit_change(struct run *run, bool kpi, int64_t id, const char *code, const char *q,
             const json_t *before, const json_t *after, const char *path)
{
  char ids[24];

  snprintf(ids, sizeof(ids), "%lld", (long long)id);
  if (was_created(run, kpi ? "kpi_reading" : "milestone_update", ids, q))
    return;
  run->changed[kpi]++;
  if (run->audit != NULL)
    storage_failed(run->audit->fn(run->audit->ctx, kpi ? "reading.import" : "update.import",
                                  kpi ? "kpi_reading" : "milestone_update", id, code, q, before,
                                  after),
                   path, run->errors);
}

/* An item of reference data the import found stored (before) and then
 * stored again (after, both borrowed): audited as "<entity>.import" when
 * it changed, its updated_at aside. */
static void
audit_item(struct run *run, const char *entity, const char *key, const char *code, const char *q,
           const json_t *before, const json_t *after, const char *path)
{
  json_t *b, *a;
  bool same;
  char action[48];

  if (before == NULL) {
    if (run->shared || (strcmp(entity, "milestone") != 0 && strcmp(entity, "kpi") != 0))
      mark_created(run, entity, key, NULL);
    return;
  }
  if (after == NULL || was_created(run, entity, key, NULL))
    return;
  b = json_deep_copy(before);
  a = json_deep_copy(after);
  json_object_del(b, "updated_at");
  json_object_del(a, "updated_at");
  same = json_equal(a, b);
  json_decref(a);
  json_decref(b);
  if (same)
    return;
  run->changed[2]++;
  snprintf(action, sizeof(action), "%s.import", entity);
  if (run->audit != NULL)
    storage_failed(run->audit->fn(run->audit->ctx, action, entity,
                                  json_integer_value(json_object_get(after, "id")), code, q, before,
                                  after),
                   path, run->errors);
}

static enum rb_err
import_simple(struct run *run, json_t *arr, const char *name, const char *entity,
              size_t (*validate)(json_t *, const char *, json_t *),
              enum rb_err (*get)(struct store *, const char *, json_t **),
              enum rb_err (*upsert)(struct store *, const json_t *, const char *))
{
  json_t *seen = json_object(), *item, *before, *after;
  const char *code;
  size_t i;
  char path[64];
  enum rb_err err;

  json_array_foreach(arr, i, item)
  {
    snprintf(path, sizeof(path), "%s[%zu]", name, i);
    if (!json_is_object(item)) {
      jv_error(run->errors, "", path, "must be an object");
      continue;
    }
    if (validate(item, path, run->errors) > 0)
      continue;
    code = json_string_value(json_object_get(item, "code"));
    if (seen_before(seen, code)) {
      jv_error(run->errors, path, "code", "repeats an earlier code in this file");
      continue;
    }
    before = after = NULL;
    err = get(run->st, code, &before);
    if (err == RB_ERR_NOT_FOUND)
      err = RB_OK;
    if (err == RB_OK)
      err = upsert(run->st, item, run->now);
    if (err == RB_OK && before != NULL)
      err = get(run->st, code, &after);
    if (!storage_failed(err, path, run->errors))
      audit_item(run, entity, code, code, NULL, before, after, path);
    json_decref(before);
    json_decref(after);
  }
  json_decref(seen);
  return RB_OK;
}

/* Copy of item without `drop`, with the plan year set. */
static json_t *
with_year(json_t *item, const char *year, const char *drop)
{
  json_t *copy = json_copy(item);

  if (copy == NULL)
    return NULL;
  json_object_del(copy, drop);
  json_object_set_new(copy, "year", json_string(year));
  return copy;
}

/* A locked quarter's report is approved: its figures and meeting dates
 * change only after an audited unlock (PUT /quarters/{q} with "unlock"),
 * by import as by any other write. The import can lock nothing, so the
 * locked quarters are read once, at its start: a set (quarter -> true). */
static enum rb_err
locked_quarters(struct store *st, json_t **out)
{
  json_t *items = NULL, *q, *set;
  size_t i;
  enum rb_err err = store_quarter_list(st, &items);

  if (err != RB_OK)
    return err;
  set = json_object();
  json_array_foreach(items, i, q)
  {
    if (strcmp(json_string_value(json_object_get(q, "state")), "locked") == 0)
      json_object_set_new(set, json_string_value(json_object_get(q, "id")), json_true());
  }
  json_decref(items);
  *out = set;
  return set != NULL ? RB_OK : RB_ERR_NOMEM;
}

#define LOCKED_MSG_TAIL "is locked (its report is approved): unlock it first"
#define LOCKED_MSG "is %s, which " LOCKED_MSG_TAIL

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
  if (seen_before(seen, json_string_value(json_object_get(k, "quarter")))) {
    jv_error(errors, path, "quarter", "repeats an earlier %s for this quarter",
             kpi ? "reading" : "update");
    return false;
  }
  return true;
}

/* stored (borrowed, NULL for a new item): quarter -> the update as it
 * was before this import touched the milestone. */
static void
import_updates(struct run *run, int64_t milestone_id, const char *code, json_t *updates,
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
    if (!storage_failed(err, upath, run->errors) && changed) {
      snprintf(ids, sizeof(ids), "%lld", (long long)milestone_id);
      if (json_object_get(run->locks, q) != NULL)
        jv_error(run->errors, upath, "quarter", LOCKED_MSG, q);
      else if (before != NULL)
        audit_change(run, false, milestone_id, code, q, before, after, upath);
      else if (run->shared)
        mark_created(run, "milestone_update", ids, q);
    }
    json_decref(before);
    json_decref(after);
  }
  json_decref(seen);
}

/* stored (borrowed, NULL for a new item): quarter -> the reading as it was
 * before this import touched the KPI, annotated under the rule it had. */
static void
import_readings(struct run *run, int64_t kpi_id, const char *code, json_t *readings, json_t *stored,
                const char *path)
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
    if (!storage_failed(err, rpath, run->errors) && after != NULL) {
      if (json_object_get(run->locks, q) != NULL) {
        jv_error(run->errors, rpath, "quarter", LOCKED_MSG, q);
      } else {
        /* annotated as a single PUT's entry is: after under the rule as now
         * imported, before (in stored) under the rule it had */
        err = domain_reading_annotate(run->st, kpi_id, after);
        if (!storage_failed(err, rpath, run->errors))
          audit_change(run, true, kpi_id, code, q, before, after, rpath);
      }
    }
    if (err == RB_OK && before == NULL && run->shared) {
      snprintf(ids, sizeof(ids), "%lld", (long long)kpi_id);
      mark_created(run, "kpi_reading", ids, q);
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

/* The shape checks of an item's updates or readings alone, for an item that
 * is not imported (it failed its own checks): the answer names their
 * problems too, not only the item's. */
static void
check_children(json_t *errors, bool kpi, const json_t *kids, const char *path)
{
  const char *children = kpi ? "readings" : "updates";
  json_t *seen = json_object(), *k;
  char cpath[96];
  size_t i;

  json_array_foreach(kids, i, k)
  {
    snprintf(cpath, sizeof(cpath), "%s.%s[%zu]", path, children, i);
    child_ok(errors, kpi, k, seen, cpath);
  }
  json_decref(seen);
}

static void
import_items(struct run *run, json_t *arr, bool kpi, const char *year)
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
    json_t *obj, *kids;
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
    if (kids != NULL && !json_is_array(kids)) {
      jv_error(errors, path, children, "must be an array");
      continue;
    }
    obj = with_year(item, year, children);
    if (obj == NULL)
      continue;
    if ((kpi ? domain_validate_kpi(st, obj, path, errors)
             : domain_validate_milestone(st, obj, path, errors)) > 0) {
      check_children(errors, kpi, kids, path);
      json_decref(obj);
      continue;
    }
    if (seen_before(seen, json_string_value(json_object_get(obj, "code")))) {
      jv_error(errors, path, "code", "repeats an earlier code in this file");
      check_children(errors, kpi, kids, path);
      json_decref(obj);
      continue;
    }
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
      snprintf(ids, sizeof(ids), "%lld", (long long)id);
      if (!storage_failed(err, path, errors))
        audit_item(run, kpi ? "kpi" : "milestone", ids, code, NULL, before, after, path);
      json_decref(before);
      json_decref(after);
    }
    json_decref(obj);
    if (err == RB_OK && kpi)
      import_readings(run, id, json_string_value(json_object_get(item, "code")), kids, stored,
                      path);
    else if (err == RB_OK)
      import_updates(run, id, json_string_value(json_object_get(item, "code")), kids, stored, path);
    json_decref(stored);
  }
  json_decref(seen);
}

/* Upsert one priority (validated, with its year), audited as an item. */
static void
import_priority(struct run *run, json_t *obj, const char *year, const char *path)
{
  json_t *before = NULL, *after = NULL;
  int64_t id = 0;
  enum rb_err err =
    store_priority_find(run->st, year, json_string_value(json_object_get(obj, "group")),
                        json_integer_value(json_object_get(obj, "number")), &id);

  if (err == RB_OK)
    err = store_priority_get(run->st, id, &before);
  else if (err == RB_ERR_NOT_FOUND)
    err = RB_OK;
  if (err == RB_OK)
    err = store_priority_upsert(run->st, obj, run->now);
  if (err == RB_OK && before != NULL)
    err = store_priority_get(run->st, id, &after);
  if (err == RB_OK && before == NULL)
    err = store_priority_find(run->st, year, json_string_value(json_object_get(obj, "group")),
                              json_integer_value(json_object_get(obj, "number")), &id);
  if (!storage_failed(err, path, run->errors)) {
    char ids[24];

    snprintf(ids, sizeof(ids), "%lld", (long long)id);
    audit_item(run, "priority", ids, NULL, NULL, before, after, path);
  }
  json_decref(before);
  json_decref(after);
}

static size_t
count_children(json_t *arr, const char *member)
{
  size_t n = 0, i;
  json_t *item;

  json_array_foreach(arr, i, item) n += json_array_size(json_object_get(item, member));
  return n;
}

enum rb_err
import_dataset(struct store *st, json_t *doc, const char *now, const char *updated_by,
               const struct import_audit *audit, json_t *errors, json_t **counts)
{
  struct run run = {.st = st, .now = now, .by = updated_by, .audit = audit, .errors = errors};
  json_t *own_created = NULL;
  const char *year, *key, *msg;
  json_t *v, *orgs, *quarters, *groups, *prios, *milestones, *kpis, *item, *locks;
  size_t before = json_array_size(errors), i;
  int start;
  char path[64];

  if (!json_is_object(doc)) {
    jv_error(errors, "", "$", "must be a JSON object");
    return RB_ERR_INVALID;
  }
  json_object_foreach(doc, key, v)
  {
    bool known = false;

    for (const char *const *f = top_fields; *f != NULL && !known; f++)
      known = strcmp(*f, key) == 0;
    if (!known)
      jv_error(errors, "", key, "is not a known field");
  }
  if (json_string_value(json_object_get(doc, "format")) == NULL ||
      strcmp(json_string_value(json_object_get(doc, "format")), FORMAT) != 0)
    jv_error(errors, "", "format", "must be \"" FORMAT "\"");
  year = json_string_value(json_object_get(doc, "financial_year"));
  msg = quarter_parse_year(year, &start);
  if (msg != NULL)
    jv_error(errors, "", "financial_year", "%s", msg);
  if (json_object_get(doc, "title") != NULL &&
      jv_check_value(json_object_get(doc, "title"), JV_TEXT, 0, NULL) != NULL)
    jv_error(errors, "", "title", "must be text up to 10000 bytes");
  orgs = array_of(doc, "organisations", false, errors);
  quarters = array_of(doc, "quarters", false, errors);
  groups = array_of(doc, "groups", true, errors);
  prios = array_of(doc, "priorities", true, errors);
  milestones = array_of(doc, "milestones", true, errors);
  kpis = array_of(doc, "kpis", true, errors);
  if (json_array_size(errors) > before)
    return RB_ERR_INVALID;

  if (storage_failed(locked_quarters(st, &locks), "quarters", errors))
    return RB_ERR_INVALID;
  run.locks = locks;
  run.shared = audit != NULL && audit->created != NULL;
  run.created = run.shared ? audit->created : (own_created = json_object());
  import_simple(&run, orgs, "organisations", "organisation", domain_validate_org, store_org_get,
                store_org_upsert);
  import_simple(&run, groups, "groups", "group", domain_validate_group, store_group_get,
                store_group_upsert);
  json_array_foreach(quarters, i, item)
  {
    snprintf(path, sizeof(path), "quarters[%zu]", i);
    if (!json_is_object(item)) {
      jv_error(errors, "", path, "must be an object");
      continue;
    }
    if (jv_check(item, quarter_fields, ARRAY_LEN(quarter_fields), path, errors) > 0)
      continue;
    {
      const char *q = json_string_value(json_object_get(item, "id"));
      json_t *fields = json_copy(item), *stored = NULL, *after = NULL;
      const char *changed[2];
      enum rb_err err = store_quarter_get(st, q, &stored);

      json_object_del(fields, "id");
      if (err == RB_OK && json_is_null(json_object_get(stored, "created_at"))) {
        json_decref(stored); /* a quarter nobody has configured: its defaults */
        stored = NULL;
      }
      /* A locked quarter's meeting dates are part of its approved report,
       * and it is unlocked only by an audited unlock. */
      if (err == RB_OK && json_object_get(locks, q) != NULL) {
        for (size_t k = 0, n = domain_quarter_dates_changed(stored, fields, changed); k < n; k++)
          jv_error(errors, path, changed[k], "cannot change: quarter %s " LOCKED_MSG_TAIL, q);
        if (json_object_get(fields, "state") != NULL)
          jv_error(errors, path, "state", "cannot change: quarter %s " LOCKED_MSG_TAIL, q);
      }
      if (err == RB_OK)
        err = store_quarter_put(st, q, fields, now, NULL);
      if (err == RB_OK && stored != NULL)
        err = store_quarter_get(st, q, &after);
      if (!storage_failed(err, path, errors))
        audit_item(&run, "quarter", q, q, q, stored, after, path);
      json_decref(after);
      json_decref(stored);
      json_decref(fields);
    }
  }
  json_array_foreach(prios, i, item)
  {
    json_t *obj;

    snprintf(path, sizeof(path), "priorities[%zu]", i);
    if (!json_is_object(item)) {
      jv_error(errors, "", path, "must be an object");
      continue;
    }
    obj = with_year(item, year, "year");
    if (obj == NULL)
      continue;
    if (json_object_get(item, "year") != NULL)
      jv_error(errors, path, "year", "is not a known field (the file's financial_year applies)");
    else if (domain_validate_priority(st, obj, path, errors) == 0)
      import_priority(&run, obj, year, path);
    json_decref(obj);
  }
  import_items(&run, milestones, false, year);
  import_items(&run, kpis, true, year);
  json_decref(locks);
  json_decref(own_created);
  if (json_array_size(errors) > before)
    return RB_ERR_INVALID;
  *counts = json_pack(
    "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "financial_year", year, "organisations",
    (json_int_t)json_array_size(orgs), "quarters", (json_int_t)json_array_size(quarters), "groups",
    (json_int_t)json_array_size(groups), "priorities", (json_int_t)json_array_size(prios),
    "milestones", (json_int_t)json_array_size(milestones), "kpis",
    (json_int_t)json_array_size(kpis), "updates", (json_int_t)count_children(milestones, "updates"),
    "readings", (json_int_t)count_children(kpis, "readings"));
  if (*counts != NULL)
    json_object_set_new(*counts, "changed",
                        json_pack("{s:I, s:I, s:I}", "updates", run.changed[0], "readings",
                                  run.changed[1], "items", run.changed[2]));
  return *counts != NULL ? RB_OK : RB_ERR_NOMEM;
}
