/* The state check's reconciliation: the trail, walked once in order,
 * against the rows stored now, row by row and by sums per bucket (how and
 * why: store_audit_state.c). */
#include "store_audit_state_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DIFFERENCES_LISTED 1000

struct last {
  int64_t id;    /* the entry */
  json_t *after; /* its after-image; NULL: a delete */
  bool seen;     /* the row is stored now */
};

struct recon {
  struct state_rowkey key;
  struct state_table sums;   /* bucket -> what the trail accounts for */
  struct state_table stored; /* bucket -> what is stored */
  struct state_table last;   /* row key -> struct last */
  json_t *imports;   /* at -> [entry id, its "created" sums] (the last entry of that moment) */
  json_t *diffs;     /* the differences listed */
  json_t *explained; /* buckets with a row reported */
  int64_t ndiffs, baseline_id;
  const char *baseline_at;
  json_int_t checked[STATE_NKINDS];
};

static void
row_key(const struct state_kind *k, int64_t id, const char *quarter, char *out, size_t cap)
{
  snprintf(out, cap, "%s/%lld%s%s", k->entity, (long long)id, k->child ? "/" : "",
           k->child && quarter != NULL ? quarter : "");
}

static bool
same_value(const json_t *a, const json_t *b)
{
  if (json_is_number(a) && json_is_number(b))
    return json_number_value(a) == json_number_value(b);
  return json_equal((json_t *)a, (json_t *)b);
}

/* One difference: field may be NULL (the whole row); audited and stored
 * borrowed (NULL: none). */
static void
differ(struct recon *r, const struct state_kind *k, const json_t *row, int64_t id,
       const char *quarter, const char *field, const json_t *audited, const json_t *stored,
       int64_t entry, const char *problem)
{
  char bucket[96];
  const char *code = json_string_value(json_object_get(row, k->code_field));

  r->ndiffs++;
  if (state_bucket_of(k, row, bucket, sizeof(bucket)))
    json_object_set_new(r->explained, bucket, json_true());
  if (json_array_size(r->diffs) >= DIFFERENCES_LISTED)
    return;
  json_array_append_new(r->diffs,
                        json_pack("{s:s, s:I, s:s?, s:s?, s:s?, s:O?, s:O?, s:I, s:s}", "entity",
                                  k->entity, "id", (json_int_t)id, "code", code, "quarter", quarter,
                                  "field", field, "audited", audited, "stored", stored, "entry",
                                  (json_int_t)entry, "problem", problem));
}

/* Compare the audited image with the row found: a difference per field the
 * image records. Returns whether any differed. */
static bool
compare(struct recon *r, const struct state_kind *k, const json_t *audited, const json_t *found,
        int64_t id, const char *quarter, int64_t entry, const char *problem)
{
  bool any = false;

  for (size_t i = 0; k->fields[i] != NULL; i++) {
    const json_t *a = json_object_get(audited, k->fields[i]);
    const json_t *b = json_object_get(found, k->fields[i]);

    if (a == NULL || same_value(a, b))
      continue;
    differ(r, k, found, id, quarter, k->fields[i], a, b != NULL ? b : json_null(), entry, problem);
    any = true;
  }
  return any;
}

/* Whether an import at `at` (an entry after `after_id` and before
 * `before_id`, 0: no bound) created rows. */
static bool
imported_at(const struct recon *r, const char *at, int64_t after_id, int64_t before_id)
{
  json_t *imp = at != NULL ? json_object_get(r->imports, at) : NULL;
  int64_t id = json_integer_value(json_array_get(imp, 0));

  return imp != NULL && id > after_id && (before_id == 0 || id < before_id);
}

/* A row found with this created_at where no entry (after entry after_id,
 * 0: any; before entry before_id, 0: now) records its creation: created by
 * an import, or there when the trail was keyed (the baseline). */
static bool
accounted(const struct recon *r, const char *created_at, int64_t after_id, int64_t before_id)
{
  if (created_at == NULL)
    return false;
  if (imported_at(r, created_at, after_id, before_id))
    return true;
  if (after_id > 0)
    return false; /* re-created after a delete: only an import may */
  return r->baseline_at != NULL && strcmp(created_at, r->baseline_at) <= 0;
}

/* One entry about a row, in trail order. */
static enum rb_err
entry(struct recon *r, const struct state_kind *k, int64_t id, int64_t entity_id,
      const char *quarter, const char *before_text, const char *after_text)
{
  json_t *before = before_text != NULL ? json_loads(before_text, 0, NULL) : NULL;
  json_t *after = after_text != NULL ? json_loads(after_text, 0, NULL) : NULL;
  struct last *prev;
  char key[128];

  /* (an entry whose images are not JSON was altered: verify says so) */
  if ((before_text != NULL && before == NULL) || (after_text != NULL && after == NULL)) {
    json_decref(before);
    json_decref(after);
    return RB_OK;
  }
  row_key(k, entity_id, quarter, key, sizeof(key));
  prev = state_table_get(&r->last, key, false);
  if (prev != NULL && prev->after != NULL && before != NULL)
    compare(r, k, prev->after, before, entity_id, quarter, id,
            "changed without an audited write: the entry's before differs from the after of "
            "the entry before it");
  else if (prev != NULL && prev->after != NULL && before == NULL)
    differ(r, k, prev->after, entity_id, quarter, NULL, NULL, NULL, id,
           "removed without an audited write: the entry found no row where the entry before it "
           "left one");
  else if (before != NULL && !accounted(r, json_string_value(json_object_get(before, "created_at")),
                                        prev != NULL ? prev->id : 0, id))
    differ(r, k, before, entity_id, quarter, NULL, NULL, NULL, id,
           "stored without an audited write: the entry found a row no audited write created");
  if (id > r->baseline_id) {
    state_sum_row(&r->sums, k, before, &r->key, true);
    state_sum_row(&r->sums, k, after, &r->key, false);
  }
  if (prev == NULL && (prev = state_table_get(&r->last, key, true)) == NULL) {
    json_decref(before);
    json_decref(after);
    return RB_ERR_NOMEM;
  }
  json_decref(prev->after);
  prev->id = id;
  prev->after = after;
  json_decref(before);
  return RB_OK;
}

/* One stored row against the last entry about it. */
static bool
stored_row(void *ctx, const struct state_kind *k, sqlite3_stmt *s)
{
  struct recon *r = ctx;
  json_t *row = NULL, *made = NULL;
  int64_t id;
  const char *quarter = NULL, *created;
  char key[128];
  struct last *l;
  bool ok = state_sum_stored(&r->stored, k, s, &r->key, &row);

  if (!ok)
    return false;
  r->checked[k - state_kinds]++;
  /* the columns of the key: a child's first two, an item's id first */
  id = sqlite3_column_int64(s, 0);
  if (k->child && (quarter = state_column_text(s, 1, &made)) == NULL &&
      sqlite3_column_type(s, 1) != SQLITE_NULL) {
    json_decref(row);
    return false;
  }
  row_key(k, id, quarter, key, sizeof(key));
  l = state_table_get(&r->last, key, false);
  if (l != NULL)
    l->seen = true;
  if (l != NULL && l->after != NULL) {
    if (row == NULL && (row = state_row_json(s)) == NULL)
      return false;
    compare(r, k, l->after, row, id, quarter, l->id,
            "not as the last audited write left it (the entry named): changed in the database "
            "file");
  } else {
    created = (const char *)sqlite3_column_text(s, k->created_col);
    if (!accounted(r, created, l != NULL ? l->id : 0, 0)) {
      if (row == NULL && (row = state_row_json(s)) == NULL)
        return false;
      differ(r, k, row, id, quarter, NULL, NULL, NULL, l != NULL ? l->id : 0,
             l != NULL ? "stored, but the last audited write (the entry named) deleted it, and "
                         "no import created it again"
                       : "stored, but no audited write created it (its created_at is no "
                         "import's time)");
    }
  }
  json_decref(row);
  json_decref(made);
  return true;
}

static enum rb_err
walk_trail(struct recon *r, struct store *st)
{
  static const char sql[] =
    "SELECT id, at, action, entity, entity_id, quarter, before, after FROM audit"
    " WHERE entity IN ('milestone_update', 'kpi_reading', 'milestone', 'kpi', 'kpi_month',"
    " 'dataset')"
    " ORDER BY id";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  while (err == RB_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(s, 0);
    const char *entity = (const char *)sqlite3_column_text(s, 3);
    const char *action = (const char *)sqlite3_column_text(s, 2);
    const struct state_kind *k = state_kind_of(entity);

    if (k != NULL && sqlite3_column_type(s, 4) == SQLITE_INTEGER) {
      err = entry(r, k, id, sqlite3_column_int64(s, 4), (const char *)sqlite3_column_text(s, 5),
                  (const char *)sqlite3_column_text(s, 6), (const char *)sqlite3_column_text(s, 7));
    } else if (k == NULL && action != NULL && strcmp(action, "import") == 0 &&
               sqlite3_column_text(s, 1) != NULL) {
      json_t *after = json_loads((const char *)sqlite3_column_text(s, 7), 0, NULL);

      /* the last import entry of a moment covers every file of that import */
      json_object_set_new(r->imports, (const char *)sqlite3_column_text(s, 1),
                          json_pack("[I, O?]", (json_int_t)id, json_object_get(after, "created")));
      json_decref(after);
    }
  }
  sqlite3_reset(s);
  if (err == RB_OK && rc != SQLITE_DONE)
    err = store_fail(st, sqlite3_extended_errcode(st->db));
  return err;
}

/* The baseline: the last entry that keyed the trail or rotated its key. */
static enum rb_err
baseline(struct recon *r, struct store *st, json_t **state_out, char **at_out)
{
  static const char sql[] = "SELECT id, at, after FROM audit WHERE entity = 'audit'"
                            " AND action IN ('audit.keyed', 'audit.rotate-key')"
                            " ORDER BY id DESC LIMIT 1";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);
  int rc;

  *state_out = NULL;
  *at_out = NULL;
  if (err != RB_OK)
    return err;
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    json_t *after = json_loads((const char *)sqlite3_column_text(s, 2), 0, NULL);

    r->baseline_id = sqlite3_column_int64(s, 0);
    *at_out = strdup((const char *)sqlite3_column_text(s, 1));
    *state_out = json_incref(json_object_get(after, "state"));
    json_decref(after);
  }
  sqlite3_reset(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return store_fail(st, sqlite3_extended_errcode(st->db));
  return RB_OK;
}

static void
gone(struct recon *r)
{
  const char *key;
  json_t *at;

  json_object_foreach(r->last.index, key, at)
  {
    const struct last *l =
      (const struct last *)(r->last.v + (size_t)json_integer_value(at) * r->last.size);
    const struct state_kind *k = NULL;

    if (l->seen || l->after == NULL)
      continue;
    for (size_t i = 0; i < STATE_NKINDS && k == NULL; i++)
      if (strncmp(key, state_kinds[i].entity, strlen(state_kinds[i].entity)) == 0 &&
          key[strlen(state_kinds[i].entity)] == '/')
        k = &state_kinds[i];
    if (k != NULL)
      differ(r, k, l->after, json_integer_value(json_object_get(l->after, k->id_field)),
             k->child ? json_string_value(json_object_get(l->after, "quarter")) : NULL, NULL, NULL,
             NULL, l->id,
             "gone: the last audited write (the entry named) left it stored, and no audited "
             "write deleted it");
  }
}

/* Buckets whose sums differ, where no row was reported already. */
static void
compare_sums(struct recon *r)
{
  const char *bucket;
  json_t *v;
  json_t *all = json_object();

  json_object_update(all, r->sums.index);
  json_object_update(all, r->stored.index);
  json_object_foreach(all, bucket, v)
  {
    static const struct audit_sum zero;
    const struct audit_sum *a = state_table_get(&r->sums, bucket, false);
    const struct audit_sum *b = state_table_get(&r->stored, bucket, false);
    const char *space = strchr(bucket, ' ');
    char entity[32], problem[320];
    const struct state_kind *k;

    (void)v;
    if (memcmp(a != NULL ? a : &zero, b != NULL ? b : &zero, sizeof(zero)) == 0 ||
        json_object_get(r->explained, bucket) != NULL || space == NULL ||
        (size_t)(space - bucket) >= sizeof(entity))
      continue;
    memcpy(entity, bucket, (size_t)(space - bucket));
    entity[space - bucket] = '\0';
    if ((k = state_kind_of(entity)) == NULL)
      continue;
    r->ndiffs++;
    if (json_array_size(r->diffs) >= DIFFERENCES_LISTED)
      continue;
    snprintf(problem, sizeof(problem),
             "the stored %ss of %s are not what the trail accounts for: one that an import "
             "created (or that was there when the trail was keyed) and no entry records one "
             "by one was changed, added or removed in the database file",
             k->entity, space + 1);
    json_array_append_new(r->diffs,
                          json_pack("{s:s, s:n, s:n, s:s?, s:n, s:n, s:n, s:n, s:s}", "entity",
                                    k->entity, "id", "code", "quarter", k->child ? space + 1 : NULL,
                                    "field", "audited", "stored", "entry", "problem", problem));
  }
  json_decref(all);
}

enum rb_err
store_audit_reconcile(struct store *st, json_t **out)
{
  struct recon r;
  struct timespec t0, t1;
  json_t *base = NULL, *v = NULL, *imp;
  const struct audit_key *key = NULL;
  char *base_at = NULL;
  const char *at;
  json_int_t datasets = 0;
  bool missing = false, ok;
  enum rb_err err;

  clock_gettime(CLOCK_MONOTONIC, &t0);
  memset(&r, 0, sizeof(r));
  ok = state_table_init(&r.sums, sizeof(struct audit_sum));
  ok = state_table_init(&r.stored, sizeof(struct audit_sum)) && ok;
  ok = state_table_init(&r.last, sizeof(struct last)) && ok;
  r.imports = json_object();
  r.diffs = json_array();
  r.explained = json_object();
  if (!ok || !r.imports || !r.diffs || !r.explained) {
    err = RB_ERR_NOMEM;
    goto out;
  }
  if ((err = state_current_key(st, &key, &missing)) != RB_OK)
    goto out;
  state_rowkey_init(&r.key, key);
  if (missing) {
    *out = json_pack("{s:b, s:s}", "ok", 0, "problem",
                     "the key that signs the trail is not in the audit key file: the state "
                     "cannot be checked");
    err = *out != NULL ? RB_OK : RB_ERR_NOMEM;
    goto out;
  }
  if ((err = baseline(&r, st, &base, &base_at)) != RB_OK)
    goto out;
  r.baseline_at = base_at;
  if (base != NULL)
    state_sum_recorded(&r.sums, base);
  if ((err = walk_trail(&r, st)) != RB_OK)
    goto out;
  json_object_foreach(r.imports, at, imp)
  {
    if (json_integer_value(json_array_get(imp, 0)) > r.baseline_id)
      state_sum_recorded(&r.sums, json_array_get(imp, 1));
  }
  for (size_t i = 0; i < STATE_NKINDS && err == RB_OK; i++)
    err = state_each_row(st, &state_kinds[i], NULL, stored_row, &r);
  if (err != RB_OK)
    goto out;
  gone(&r);
  compare_sums(&r);
  if ((err = state_check_datasets(st, r.diffs, DIFFERENCES_LISTED, &r.ndiffs, &datasets)) != RB_OK)
    goto out;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  v = json_pack("{s:b, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:o, s:O, s:I, s:I}", "ok", r.ndiffs == 0,
                "checked", "milestone_updates", r.checked[0], "kpi_readings", r.checked[1],
                "milestones", r.checked[2], "kpis", r.checked[3], "kpi_months", r.checked[4],
                "datasets", datasets, "baseline_entry",
                r.baseline_id > 0 ? json_integer(r.baseline_id) : json_null(), "differences",
                r.diffs, "difference_count", (json_int_t)r.ndiffs, "elapsed_ms",
                (json_int_t)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
  if (v == NULL) {
    err = RB_ERR_NOMEM;
    goto out;
  }
  *out = v;
out:
  for (size_t i = 0; i < r.last.n; i++)
    json_decref(((struct last *)(r.last.v + i * r.last.size))->after);
  state_table_free(&r.sums);
  state_table_free(&r.stored);
  state_table_free(&r.last);
  json_decref(r.imports);
  json_decref(r.diffs);
  json_decref(r.explained);
  json_decref(base);
  free(base_at);
  return err;
}
