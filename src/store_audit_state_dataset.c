/* The state check's part for the plan years' titles (migration 0007): the
 * board report's cover names the partnership by the title the last
 * imported file of a plan year gave, so an edit to it in the database file
 * must show like an edit to a figure.
 *
 * No entry records a dataset row one by one: each import's entry (action
 * "import", entity "dataset", code the plan year) records the title of
 * its file, when it had one. Walking those entries in order gives, per
 * plan year, the title in force and the import that brought it (a later
 * import with the same title leaves imported_at alone, as the store does).
 * That must be what is stored: the title, and imported_at that import's
 * time (or a later import's with the same title: one that stored the row
 * again after it had gone). The row's imported_by is not compared: the
 * entry names its actor, the row the channel ("import (command line)"),
 * and neither is derived from the other. */
#include "store_audit_state_int.h"

#include <string.h>

struct title_in_force {
  json_t *title;    /* the audited title (a string, borrowed from entries) */
  json_t *since;    /* the time of the import that brought it */
  json_int_t entry; /* that import's entry */
  bool seen;        /* a dataset row is stored for the year */
};

/* One difference, in AuditState's shape (id null: a plan year has none). */
static void
add_difference(json_t *diffs, size_t max, int64_t *ndiffs, const char *year, const char *field,
               json_t *audited, json_t *stored, json_int_t entry, const char *problem)
{
  (*ndiffs)++;
  if (json_array_size(diffs) >= max)
    return;
  json_array_append_new(diffs, json_pack("{s:s, s:n, s:s, s:n, s:s?, s:O?, s:O?, s:I, s:s}",
                                         "entity", "dataset", "id", "code", year, "quarter",
                                         "field", field, "audited", audited, "stored", stored,
                                         "entry", entry, "problem", problem));
}

/* Per plan year, the title the import entries leave in force: year ->
 * [title, the times of the imports that gave it since it came (the first
 * brought it; a later one with the same title stores its own time when
 * the row was missing), the entry that brought it]. */
static enum rb_err
titles_in_force(struct store *st, json_t *in_force)
{
  static const char sql[] = "SELECT id, at, code, after FROM audit"
                            " WHERE entity = 'dataset' AND action = 'import' ORDER BY id";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  while (err == RB_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    const char *year = (const char *)sqlite3_column_text(s, 2);
    const char *after_text = (const char *)sqlite3_column_text(s, 3);
    json_t *after = after_text != NULL ? json_loads(after_text, 0, NULL) : NULL;
    json_t *title = json_object_get(after, "title"), *rec;

    const char *at = (const char *)sqlite3_column_text(s, 1);

    rec = year != NULL && json_is_string(title) ? json_object_get(in_force, year) : NULL;
    if (year != NULL && json_is_string(title) &&
        (rec == NULL || !json_equal(json_array_get(rec, 0), title))) {
      rec = json_pack("[O, [s?], I]", title, at, (json_int_t)sqlite3_column_int64(s, 0));
      if (rec == NULL || json_object_set_new(in_force, year, rec) != 0)
        err = RB_ERR_NOMEM;
    } else if (rec != NULL && at != NULL &&
               json_array_append_new(json_array_get(rec, 1), json_string(at)) != 0) {
      err = RB_ERR_NOMEM;
    }
    json_decref(after);
  }
  sqlite3_reset(s);
  if (err == RB_OK && rc != SQLITE_DONE)
    err = store_fail(st, sqlite3_extended_errcode(st->db));
  return err;
}

static bool
time_among(const json_t *times, const json_t *at)
{
  size_t i;
  json_t *t;

  json_array_foreach(times, i, t) if (json_equal(t, at)) return true;
  return false;
}

enum rb_err
state_check_datasets(struct store *st, json_t *diffs, size_t max, int64_t *ndiffs,
                     json_int_t *checked)
{
  static const char sql[] = "SELECT year, title, imported_at FROM dataset ORDER BY year";
  json_t *in_force = json_object(), *seen = json_object(), *rec;
  sqlite3_stmt *s = NULL;
  const char *year;
  enum rb_err err = in_force != NULL && seen != NULL ? RB_OK : RB_ERR_NOMEM;
  int rc = SQLITE_DONE;

  if (err == RB_OK)
    err = titles_in_force(st, in_force);
  if (err == RB_OK)
    err = store_stmt(st, sql, &s);
  while (err == RB_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    /* as text, made lossy UTF-8: bytes edited into the file are named */
    json_t *made_title = NULL, *made_at = NULL;
    const char *title_text = state_column_text(s, 1, &made_title);
    const char *at_text = state_column_text(s, 2, &made_at);
    json_t *title = title_text != NULL ? json_string(title_text) : NULL;
    json_t *at = at_text != NULL ? json_string(at_text) : NULL;

    year = (const char *)sqlite3_column_text(s, 0);
    (*checked)++;
    rec = year != NULL ? json_object_get(in_force, year) : NULL;
    if (year == NULL) {
      /* a NULL key was written into the file: named by the whole row */
      add_difference(diffs, max, ndiffs, NULL, NULL, NULL, title, 0,
                     "stored without a plan year: changed in the database file");
    } else if (rec == NULL) {
      add_difference(diffs, max, ndiffs, year, "title", NULL, title, 0,
                     "stored, but no audited import gave this plan year a title");
    } else {
      json_int_t entry = json_integer_value(json_array_get(rec, 2));

      json_object_set_new(seen, year, json_true());
      if (!json_equal(json_array_get(rec, 0), title))
        add_difference(diffs, max, ndiffs, year, "title", json_array_get(rec, 0), title, entry,
                       "not the title the last import that gave one (the entry named) "
                       "recorded: changed in the database file");
      if (!time_among(json_array_get(rec, 1), at))
        add_difference(diffs, max, ndiffs, year, "imported_at",
                       json_array_get(json_array_get(rec, 1), 0), at, entry,
                       "not the time of an import that gave this title (the entry named brought "
                       "it): changed in the database file");
    }
    json_decref(title);
    json_decref(at);
    json_decref(made_title);
    json_decref(made_at);
  }
  if (s != NULL) {
    sqlite3_reset(s);
    if (err == RB_OK && rc != SQLITE_DONE)
      err = store_fail(st, sqlite3_extended_errcode(st->db));
  }
  if (err == RB_OK) {
    json_object_foreach(in_force, year, rec)
    {
      if (json_object_get(seen, year) == NULL)
        add_difference(diffs, max, ndiffs, year, NULL, json_array_get(rec, 0), NULL,
                       json_integer_value(json_array_get(rec, 2)),
                       "gone: an audited import (the entry named) gave this plan year its "
                       "title, and no row holds it");
    }
  }
  json_decref(seen);
  json_decref(in_force);
  return err;
}
