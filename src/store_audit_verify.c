/* Verifying the audit trail: links, hashes, keys, stored types, triggers. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALTERED_LISTED 100 /* entries listed with their problems; all are counted */

/* Which storage classes each column may hold, in AUDIT_C_* order, then hash. */
static const struct {
  const char *name;
  unsigned allowed;
} columns[AUDIT_C_COUNT + 1] = {
  {"id", AUDIT_T_INT},
  {"at", AUDIT_T_TEXT},
  {"actor_id", AUDIT_T_INT | AUDIT_T_NULL},
  {"actor_name", AUDIT_T_TEXT},
  {"actor_role", AUDIT_T_TEXT},
  {"actor_org", AUDIT_T_TEXT | AUDIT_T_NULL},
  {"action", AUDIT_T_TEXT},
  {"entity", AUDIT_T_TEXT},
  {"entity_id", AUDIT_T_INT | AUDIT_T_NULL},
  {"code", AUDIT_T_TEXT | AUDIT_T_NULL},
  {"quarter", AUDIT_T_TEXT | AUDIT_T_NULL},
  {"before", AUDIT_T_TEXT | AUDIT_T_NULL},
  {"after", AUDIT_T_TEXT | AUDIT_T_NULL},
  {"request_id", AUDIT_T_TEXT | AUDIT_T_NULL},
  {"prev_hash", AUDIT_T_TEXT},
  {"key_id", AUDIT_T_TEXT | AUDIT_T_NULL},
  {"hash", AUDIT_T_TEXT},
};

static const char *
col(sqlite3_stmt *s, int i)
{
  return (const char *)sqlite3_column_text(s, i);
}

/* The walk's state. */
struct walk {
  const struct audit_keyring *keys;
  const struct store_audit_check *o;
  char prev[65];
  int64_t expect_id, entries, head_id, unkeyed, keyed_since, rows;
  char head_hash[65];
  char signer[AUDIT_KEY_ID_LEN + 1]; /* keyed: the key that signs the next entry */
  int64_t broken;
  char why[400];
  int64_t altered;
  json_t *altered_list;
};

/* An unkeyed entry's hash, from its stored text (as it was written). */
static const char *
check_unkeyed(struct walk *w, sqlite3_stmt *s, int64_t id, const char *first_problem)
{
  struct store_audit e = {
    .at = col(s, AUDIT_C_AT),
    .actor_id = sqlite3_column_int64(s, AUDIT_C_ACTOR_ID),
    .actor_name = col(s, AUDIT_C_ACTOR_NAME),
    .actor_role = col(s, AUDIT_C_ACTOR_ROLE),
    .actor_org = col(s, AUDIT_C_ACTOR_ORG),
    .action = col(s, AUDIT_C_ACTION),
    .entity = col(s, AUDIT_C_ENTITY),
    .entity_id = sqlite3_column_int64(s, AUDIT_C_ENTITY_ID),
    .code = col(s, AUDIT_C_CODE),
    .quarter = col(s, AUDIT_C_QUARTER),
    .request_id = col(s, AUDIT_C_REQUEST_ID),
  };
  char hash[65];

  if (w->keyed_since > 0)
    return "an unkeyed entry follows keyed ones: once keyed, every entry is signed";
  if (!store_audit_legacy_hash(w->prev, id, &e, col(s, AUDIT_C_BEFORE), col(s, AUDIT_C_AFTER),
                               hash))
    return "the entry could not be read";
  if (strcmp(col(s, AUDIT_C_COUNT), hash) != 0)
    return "hash does not match the entry's content";
  /* The canonical text is text: it cannot see these, so they are checked
   * apart (a keyed entry's MAC covers them). */
  if (first_problem != NULL)
    return first_problem;
  /* The canonical text writes a missing id as 0, so NULL -> 0 leaves the
   * hash as it was; but 0 is never stored (NULL is): such a row was
   * altered. */
  if ((sqlite3_column_type(s, AUDIT_C_ACTOR_ID) == SQLITE_INTEGER && e.actor_id <= 0) ||
      (sqlite3_column_type(s, AUDIT_C_ENTITY_ID) == SQLITE_INTEGER && e.entity_id <= 0))
    return "actor_id or entity_id is 0, which is never written (NULL is)";
  w->unkeyed++;
  return NULL;
}

static const char *
check_keyed(struct walk *w, sqlite3_stmt *s, int64_t id, const char *first_problem, char *buf,
            size_t cap)
{
  const char *kid = col(s, AUDIT_C_KEY_ID), *action = col(s, AUDIT_C_ACTION);
  const struct audit_key *key;
  struct audit_tv v[AUDIT_C_COUNT];
  char mac[65];

  if (w->keyed_since == 0) {
    /* the first keyed entry: a new trail's first, or the one that keyed it */
    if (id != 1 && strcmp(action, "audit.keyed") != 0)
      return "the first keyed entry is neither the trail's first nor an audit.keyed entry";
    snprintf(w->signer, sizeof(w->signer), "%s", kid);
  } else if (strcmp(kid, w->signer) != 0) {
    snprintf(buf, cap, "signed with key %.16s where key %s signs (no rotation names it)", kid,
             w->signer);
    return buf;
  }
  key = audit_keyring_find(w->keys, kid);
  if (key == NULL) {
    snprintf(buf, cap,
             w->keys == NULL ? "signed with key %.16s: the audit key file is needed to verify it"
                             : "signed with key %.16s, which is not in the audit key file",
             kid);
    return buf;
  }
  for (int i = 0; i < AUDIT_C_COUNT; i++)
    audit_tv_column(s, i, &v[i]);
  store_audit_mac(key, v, AUDIT_C_COUNT, mac);
  if (strcmp(col(s, AUDIT_C_COUNT), mac) != 0) {
    snprintf(buf, cap, "hash does not match the entry's content (its MAC under key %s)%s%s",
             key->id, first_problem != NULL ? ": " : "",
             first_problem != NULL ? first_problem : "");
    return buf;
  }
  if (strcmp(action, "audit.rotate-key") == 0) {
    json_t *after = json_loads(col(s, AUDIT_C_AFTER), 0, NULL);
    const char *next = json_string_value(json_object_get(after, "key_id"));

    if (next == NULL || strlen(next) != AUDIT_KEY_ID_LEN) {
      json_decref(after);
      return "a key rotation that names no key";
    }
    snprintf(w->signer, sizeof(w->signer), "%s", next);
    json_decref(after);
  }
  if (w->keyed_since == 0)
    w->keyed_since = id;
  return NULL;
}

/* The stored types and bytes of the current row: listed when wrong. The
 * first problem is returned (in buf) for the chain's reason. */
static const char *
check_types(struct walk *w, sqlite3_stmt *s, int64_t id, char *buf, size_t cap)
{
  json_t *problems = NULL;
  const char *first = NULL;
  char why[160];

  for (int i = 0; i <= AUDIT_C_COUNT; i++) {
    if (!audit_column_problem(s, i, columns[i].allowed, columns[i].name, why, sizeof(why)))
      continue;
    if (first == NULL) {
      snprintf(buf, cap, "%s", why);
      first = buf;
    }
    if (problems == NULL)
      problems = json_array();
    json_array_append_new(problems, json_string(why));
  }
  if (problems == NULL)
    return NULL;
  w->altered++;
  if (json_array_size(w->altered_list) < ALTERED_LISTED)
    json_array_append_new(w->altered_list,
                          json_pack("{s:I, s:o}", "id", (json_int_t)id, "problems", problems));
  else
    json_decref(problems);
  return first;
}

static void
step(struct walk *w, sqlite3_stmt *s)
{
  int64_t id = sqlite3_column_int64(s, AUDIT_C_ID);
  char tbuf[192], kbuf[384];
  const char *typed = check_types(w, s, id, tbuf, sizeof(tbuf));
  const char *problem = NULL;

  w->rows++;
  if (w->broken != 0)
    return; /* only the types are checked after the first break */
  if (sqlite3_column_type(s, AUDIT_C_PREV_HASH) != SQLITE_TEXT ||
      sqlite3_column_type(s, AUDIT_C_COUNT) != SQLITE_TEXT)
    problem = typed;
  else if (id != w->expect_id)
    problem = "an entry is missing before this one";
  else if (strcmp(col(s, AUDIT_C_PREV_HASH), w->prev) != 0)
    problem = "prev_hash does not match the previous entry's hash";
  else if (sqlite3_column_type(s, AUDIT_C_KEY_ID) == SQLITE_NULL)
    problem = check_unkeyed(w, s, id, typed);
  else if (sqlite3_column_type(s, AUDIT_C_KEY_ID) != SQLITE_TEXT ||
           sqlite3_column_bytes(s, AUDIT_C_KEY_ID) != AUDIT_KEY_ID_LEN)
    problem = typed != NULL ? typed : "key_id is not a key's id";
  else
    problem = check_keyed(w, s, id, typed, kbuf, sizeof(kbuf));
  if (problem == NULL && id == w->o->anchor_id && strcmp(col(s, AUDIT_C_COUNT), w->o->anchor_hash))
    problem = "the entry's hash is not the one recorded earlier (the anchor): the trail was "
              "rewritten from here or before";
  if (problem != NULL) {
    w->broken = id;
    snprintf(w->why, sizeof(w->why), "%s", problem);
    return;
  }
  snprintf(w->prev, sizeof(w->prev), "%s", col(s, AUDIT_C_COUNT));
  w->expect_id = id + 1;
  w->entries++;
  w->head_id = id;
  memcpy(w->head_hash, w->prev, sizeof(w->head_hash));
}

static void add_problem(json_t *problems, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

static void
add_problem(json_t *problems, const char *fmt, ...)
{
  char buf[512];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  json_array_append_new(problems, json_string(buf));
}

enum rb_err
store_audit_verify(struct store *st, const struct store_audit_check *o, json_t **out)
{
  static const char sql[] = "SELECT " AUDIT_COLUMNS ", hash FROM audit ORDER BY id";
  struct walk w;
  json_t *v = NULL, *problems = json_array(), *missing = NULL, *state = NULL, *key;
  const struct audit_key *newest = audit_keyring_newest(st->keys);
  const char *key_problem = NULL;
  char key_buf[384];
  sqlite3_stmt *s;
  enum rb_err err;
  int rc;

  memset(&w, 0, sizeof(w));
  w.keys = st->keys;
  w.o = o;
  w.expect_id = 1;
  w.altered_list = json_array();
  if (problems == NULL || w.altered_list == NULL) {
    err = RB_ERR_NOMEM;
    goto out;
  }
  if ((err = store_stmt(st, sql, &s)) != RB_OK)
    goto out;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW)
    step(&w, s);
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) {
    err = store_fail(st, sqlite3_extended_errcode(st->db));
    goto out;
  }
  if (w.broken == 0 && o->anchor_id > w.head_id) {
    w.broken = o->anchor_id;
    snprintf(w.why, sizeof(w.why),
             "the trail ends at entry %lld, before the anchor entry: entries were removed "
             "from its end",
             (long long)w.head_id);
  }
  /* What the walk cannot see entry by entry: a key that should sign and
   * does not. */
  if (w.broken == 0 && w.keys != NULL && w.rows > 0 && w.keyed_since == 0)
    key_problem = "there is an audit key, yet no entry is keyed: the trail was rewritten without "
                  "the key (or the key file belongs to another database)";
  else if (w.broken == 0 && newest != NULL && w.keyed_since > 0 &&
           strcmp(w.signer, newest->id) != 0) {
    snprintf(key_buf, sizeof(key_buf),
             "the trail is signed with key %s, but the key file's newest key is %s: entries may "
             "have been cut back to before a key rotation (or a rotation did not finish: run "
             "`ragboard audit rotate-key` again)",
             w.signer, newest->id);
    key_problem = key_buf;
  }
  if ((err = store_audit_guards(st, &missing)) != RB_OK)
    goto out;
  if (o->state && (err = store_audit_reconcile(st, &state)) != RB_OK)
    goto out;

  if (w.broken != 0)
    add_problem(problems, "entry %lld: %s", (long long)w.broken, w.why);
  if (w.altered > 0)
    add_problem(problems,
                "%lld entr%s hold%s values ragboard never writes (another type, a NUL byte, not "
                "UTF-8): they were altered in the database file",
                (long long)w.altered, w.altered == 1 ? "y" : "ies", w.altered == 1 ? "s" : "");
  if (key_problem != NULL)
    add_problem(problems, "%s", key_problem);
  if (json_array_size(missing) > 0)
    add_problem(problems,
                "the append-only trigger%s %s %s missing or changed: anyone with the database "
                "file can now change or delete entries without an error (restore them: see "
                "deploy/README.md)",
                json_array_size(missing) > 1 ? "s" : "",
                json_array_size(missing) > 1 ? "audit_no_update and audit_no_delete"
                                             : json_string_value(json_array_get(missing, 0)),
                json_array_size(missing) > 1 ? "are" : "is");
  if (state != NULL && !json_is_true(json_object_get(state, "ok")))
    add_problem(problems, "the stored data differs from the trail: see state.differences");

  key = json_pack("{s:b, s:s?, s:s?, s:I}", "keyed", w.keyed_since > 0, "key_id",
                  w.keyed_since > 0 ? w.signer : NULL, "newest_key_id",
                  newest != NULL ? newest->id : NULL, "unkeyed_entries", (json_int_t)w.unkeyed);
  if (key != NULL)
    json_object_set_new(key, "keyed_since",
                        w.keyed_since > 0 ? json_integer(w.keyed_since) : json_null());
  v = json_pack(
    "{s:b, s:I, s:o, s:o, s:I, s:o, s:{s:b, s:O}, s:O}", "ok", json_array_size(problems) == 0,
    "entries", (json_int_t)w.entries, "head",
    w.head_id > 0 ? json_pack("{s:I, s:s}", "id", (json_int_t)w.head_id, "hash", w.head_hash)
                  : json_null(),
    "altered", w.altered_list, "altered_count", (json_int_t)w.altered, "key", key, "append_only",
    "ok", json_array_size(missing) == 0, "missing", missing, "problems", problems);
  w.altered_list = NULL;
  if (v == NULL) {
    err = RB_ERR_NOMEM;
    goto out;
  }
  if (w.broken != 0)
    json_object_set_new(v, "broken",
                        json_pack("{s:I, s:s}", "id", (json_int_t)w.broken, "reason", w.why));
  if (state != NULL) {
    json_object_set_new(v, "state", state);
    state = NULL;
  }
  *out = v;
out:
  json_decref(w.altered_list);
  json_decref(problems);
  json_decref(missing);
  json_decref(state);
  return err;
}
