/* What one import run shares across its items: storage failures noted as
 * errors, natural keys seen in the file, what the transaction created, and
 * the audit of what it changed (through the caller's hook). */
#include <stdio.h>
#include <string.h>

#include "import_int.h"
#include "jsonv.h"

bool
import_storage_failed(enum rb_err err, const char *path, json_t *errors)
{
  if (err == RB_OK)
    return false;
  jv_error(errors, "", path, "could not be stored: %s", rb_err_title(err));
  return true;
}

/* Items may not repeat a natural key within one file. */
bool
import_seen_before(json_t *seen, const char *key)
{
  if (json_object_get(seen, key) != NULL)
    return true;
  json_object_set_new(seen, key, json_true());
  return false;
}

/* The key of a row or item in run->created: "kpi_reading/12/2018-19-Q1",
 * "group/CYP", "kpi/7". What this transaction created (an earlier file of
 * one command-line import) is not stored yet, so a later change to it is
 * part of its creation, neither audited nor counted as a change. */
static void
created_key(char *out, size_t cap, const char *entity, const char *id, const char *q)
{
  snprintf(out, cap, "%s/%s%s%s", entity, id, q != NULL ? "/" : "", q != NULL ? q : "");
}

void
import_mark_created(struct import_run *run, const char *entity, const char *id, const char *q)
{
  char key[192];

  created_key(key, sizeof(key), entity, id, q);
  json_object_set_new(run->created, key, json_true());
}

bool
import_was_created(const struct import_run *run, const char *entity, const char *id, const char *q)
{
  char key[192];

  created_key(key, sizeof(key), entity, id, q);
  return json_object_get(run->created, key) != NULL;
}

/* A stored figure the import changed: audited with its before and after. */
void
import_audit_change(struct import_run *run, bool kpi, int64_t id, const char *code, const char *q,
                    const json_t *before, const json_t *after, const char *path)
{
  char ids[24];

  snprintf(ids, sizeof(ids), "%lld", (long long)id);
  if (import_was_created(run, kpi ? "kpi_reading" : "milestone_update", ids, q))
    return;
  run->changed[kpi]++;
  if (run->audit != NULL)
    import_storage_failed(run->audit->fn(run->audit->ctx, kpi ? "reading.import" : "update.import",
                                         kpi ? "kpi_reading" : "milestone_update", id, code, q,
                                         before, after),
                          path, run->errors);
}

/* An item of reference data the import found stored (before) and then
 * stored again (after, both borrowed): audited as "<entity>.import" when
 * it changed, its updated_at aside. */
void
import_audit_item(struct import_run *run, const char *entity, const char *key, const char *code,
                  const char *q, const json_t *before, const json_t *after, const char *path)
{
  json_t *b, *a;
  bool same;
  char action[48];

  if (before == NULL) {
    if (run->shared || (strcmp(entity, "milestone") != 0 && strcmp(entity, "kpi") != 0))
      import_mark_created(run, entity, key, NULL);
    return;
  }
  if (after == NULL || import_was_created(run, entity, key, NULL))
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
    import_storage_failed(run->audit->fn(run->audit->ctx, action, entity,
                                         json_integer_value(json_object_get(after, "id")), code, q,
                                         before, after),
                          path, run->errors);
}

/* Copy of item without `drop`, with the plan year set. */
json_t *
import_with_year(json_t *item, const char *year, const char *drop)
{
  json_t *copy = json_copy(item);

  if (copy == NULL)
    return NULL;
  json_object_del(copy, drop);
  json_object_set_new(copy, "year", json_string(year));
  return copy;
}
