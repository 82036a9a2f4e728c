#include "import.h"
#include "import_int.h"

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

static enum rb_err
import_simple(struct import_run *run, json_t *arr, const char *name, const char *entity,
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
    if (import_seen_before(seen, code)) {
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
    if (!import_storage_failed(err, path, run->errors))
      import_audit_item(run, entity, code, code, NULL, before, after, path);
    json_decref(before);
    json_decref(after);
  }
  json_decref(seen);
  return RB_OK;
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

/* Upsert one priority (validated, with its year), audited as an item. */
static void
import_priority(struct import_run *run, json_t *obj, const char *year, const char *path)
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
  if (!import_storage_failed(err, path, run->errors)) {
    char ids[24];

    snprintf(ids, sizeof(ids), "%lld", (long long)id);
    import_audit_item(run, "priority", ids, NULL, NULL, before, after, path);
  }
  json_decref(before);
  json_decref(after);
}

/* The quarters a dataset configures (meeting dates, open or closed). */
static void
import_quarters(struct import_run *run, json_t *quarters)
{
  char path[64];
  json_t *item;
  size_t i;

  json_array_foreach(quarters, i, item)
  {
    snprintf(path, sizeof(path), "quarters[%zu]", i);
    if (!json_is_object(item)) {
      jv_error(run->errors, "", path, "must be an object");
      continue;
    }
    if (jv_check(item, quarter_fields, ARRAY_LEN(quarter_fields), path, run->errors) > 0)
      continue;
    {
      const char *q = json_string_value(json_object_get(item, "id"));
      json_t *fields = json_copy(item), *stored = NULL, *after = NULL;
      const char *changed[2];
      enum rb_err err = store_quarter_get(run->st, q, &stored);

      json_object_del(fields, "id");
      if (err == RB_OK && json_is_null(json_object_get(stored, "created_at"))) {
        json_decref(stored); /* a quarter nobody has configured: its defaults */
        stored = NULL;
      }
      /* A locked quarter's meeting dates are part of its approved report,
       * and it is unlocked only by an audited unlock. */
      if (err == RB_OK && json_object_get(run->locks, q) != NULL) {
        for (size_t k = 0, n = domain_quarter_dates_changed(stored, fields, changed); k < n; k++)
          jv_error(run->errors, path, changed[k], "cannot change: quarter %s " LOCKED_MSG_TAIL, q);
        if (json_object_get(fields, "state") != NULL)
          jv_error(run->errors, path, "state", "cannot change: quarter %s " LOCKED_MSG_TAIL, q);
      }
      if (err == RB_OK)
        err = store_quarter_put(run->st, q, fields, run->now, NULL);
      if (err == RB_OK && stored != NULL)
        err = store_quarter_get(run->st, q, &after);
      if (!import_storage_failed(err, path, run->errors))
        import_audit_item(run, "quarter", q, q, q, stored, after, path);
      json_decref(after);
      json_decref(stored);
      json_decref(fields);
    }
  }
}

/* The plan year's priorities, each upserted by (group, number). */
static void
import_priorities(struct import_run *run, json_t *prios, const char *year)
{
  char path[64];
  json_t *item;
  size_t i;

  json_array_foreach(prios, i, item)
  {
    json_t *obj;

    snprintf(path, sizeof(path), "priorities[%zu]", i);
    if (!json_is_object(item)) {
      jv_error(run->errors, "", path, "must be an object");
      continue;
    }
    obj = import_with_year(item, year, "year");
    if (obj == NULL)
      continue;
    if (json_object_get(item, "year") != NULL)
      jv_error(run->errors, path, "year",
               "is not a known field (the file's financial_year applies)");
    else if (domain_validate_priority(run->st, obj, path, run->errors) == 0)
      import_priority(run, obj, year, path);
    json_decref(obj);
  }
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
  struct import_run run = {
    .st = st, .now = now, .by = updated_by, .audit = audit, .errors = errors};
  json_t *own_created = NULL;
  const char *year, *key, *msg;
  json_t *v, *orgs, *quarters, *groups, *prios, *milestones, *kpis, *locks = NULL;
  size_t before = json_array_size(errors);
  int start;

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

  if (import_storage_failed(locked_quarters(st, &locks), "quarters", errors))
    return RB_ERR_INVALID;
  run.locks = locks;
  run.shared = audit != NULL && audit->created != NULL;
  run.created = run.shared ? audit->created : (own_created = json_object());
  import_simple(&run, orgs, "organisations", "organisation", domain_validate_org, store_org_get,
                store_org_upsert);
  import_simple(&run, groups, "groups", "group", domain_validate_group, store_group_get,
                store_group_upsert);
  import_quarters(&run, quarters);
  /* The file's title names the plan year's report (a file without one
   * leaves the stored title alone). */
  if (json_string_value(json_object_get(doc, "title")) != NULL)
    import_storage_failed(store_dataset_put_title(st, year,
                                                  json_string_value(json_object_get(doc, "title")),
                                                  now, updated_by != NULL ? updated_by : "import"),
                          "title", errors);
  import_priorities(&run, prios, year);
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
  /* The title as stored, so the import's audit entry records it too. */
  if (*counts != NULL && json_string_value(json_object_get(doc, "title")) != NULL)
    json_object_set_new(*counts, "title",
                        json_string(json_string_value(json_object_get(doc, "title"))));
  /* Monthly values are counted when the file has any (a file without is
   * answered as before). */
  if (*counts != NULL && count_children(kpis, "months") > 0) {
    json_object_set_new(*counts, "months",
                        json_integer((json_int_t)count_children(kpis, "months")));
    json_object_set_new(json_object_get(*counts, "changed"), "months",
                        json_integer(run.changed[3]));
  }
  return *counts != NULL ? RB_OK : RB_ERR_NOMEM;
}
