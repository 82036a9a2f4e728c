/* The audit trail: appending an entry (linked, hashed or signed), which key
 * signs, the append-only triggers, and a database file's signer. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonv.h"
#include "util.h"

#define CANON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY)

/* ---- stored values as ragboard writes them ----------------------------------- */

static const char *
class_name(int type)
{
  switch (type) {
  case SQLITE_INTEGER:
    return "an integer";
  case SQLITE_FLOAT:
    return "a real number";
  case SQLITE_TEXT:
    return "text";
  case SQLITE_BLOB:
    return "a BLOB";
  default:
    return "NULL";
  }
}

bool
audit_column_problem(sqlite3_stmt *s, int i, unsigned allowed, const char *name, char *buf,
                     size_t cap)
{
  int type = sqlite3_column_type(s, i);
  unsigned have = type == SQLITE_NULL      ? AUDIT_T_NULL
                  : type == SQLITE_INTEGER ? AUDIT_T_INT
                  : type == SQLITE_TEXT    ? AUDIT_T_TEXT
                                           : 0;

  if ((have & allowed) == 0) {
    snprintf(buf, cap, "%s is stored as %s, not %s", name, class_name(type),
             (allowed & AUDIT_T_INT) ? "an integer" : "text");
    return true;
  }
  if (type == SQLITE_TEXT) {
    const char *text = (const char *)sqlite3_column_text(s, i);
    size_t n = (size_t)sqlite3_column_bytes(s, i);

    if (strlen(text) != n) {
      snprintf(buf, cap, "%s holds a NUL byte (%zu bytes stored, %zu before the NUL)", name, n,
               strlen(text));
      return true;
    }
    if (!jv_utf8_valid(text, n)) {
      snprintf(buf, cap, "%s is not valid UTF-8", name);
      return true;
    }
  }
  return false;
}

/* ---- appending --------------------------------------------------------------- */

static void
tv_text(struct audit_tv *v, const char *s)
{
  memset(v, 0, sizeof(*v));
  v->type = s != NULL ? SQLITE_TEXT : SQLITE_NULL;
  v->p = s;
  v->n = s != NULL ? strlen(s) : 0;
}

static void
tv_id(struct audit_tv *v, int64_t id)
{
  memset(v, 0, sizeof(*v));
  v->type = id != 0 ? SQLITE_INTEGER : SQLITE_NULL; /* 0: none, stored as NULL */
  v->i = id;
}

/* The trail's head: the id and hash a new entry links to, and the key that
 * signs it (NULL: an unkeyed entry). force: sign with this key whatever the
 * trail says (keying an unkeyed trail). */
static enum rb_err
next_link(struct store *st, const struct audit_key *force, int64_t *id, char prev[65],
          const struct audit_key **key)
{
  static const char sql[] = "SELECT id, hash, key_id,"
                            " CASE WHEN action = 'audit.rotate-key' THEN after END"
                            " FROM audit ORDER BY id DESC LIMIT 1";
  sqlite3_stmt *s;
  char signer[AUDIT_KEY_ID_LEN + 1] = "";
  bool keyed = false;
  enum rb_err err = store_stmt(st, sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  *id = 1;
  prev[0] = '\0';
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    const char *rotated = (const char *)sqlite3_column_text(s, 3);
    const char *head_key = (const char *)sqlite3_column_text(s, 2);

    *id = sqlite3_column_int64(s, 0) + 1;
    snprintf(prev, 65, "%s", (const char *)sqlite3_column_text(s, 1));
    keyed = head_key != NULL;
    if (rotated != NULL) {
      /* a rotation names the key that signs from the next entry on */
      json_t *after = json_loads(rotated, 0, NULL);
      const char *next = json_string_value(json_object_get(after, "key_id"));

      snprintf(signer, sizeof(signer), "%s", next != NULL ? next : "");
      json_decref(after);
    } else if (head_key != NULL) {
      snprintf(signer, sizeof(signer), "%s", head_key);
    }
  }
  sqlite3_reset(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return store_fail(st, sqlite3_extended_errcode(st->db));
  if (force != NULL) {
    *key = force;
    return RB_OK;
  }
  if (rc == SQLITE_DONE) {
    /* an empty trail: keyed from its first entry when there is a key */
    *key = audit_keyring_newest(st->keys);
    return RB_OK;
  }
  if (!keyed) {
    /* Keying an unkeyed trail takes its own entry (store_audit_key_trail,
     * run by `ragboard migrate`); a key alone does not start signing. */
    *key = NULL;
    return st->keys == NULL ? RB_OK : RB_ERR_SCHEMA;
  }
  /* Once keyed, never an unkeyed entry: without the signer's key, refuse. */
  *key = audit_keyring_find(st->keys, signer);
  return *key != NULL ? RB_OK : RB_ERR_SCHEMA;
}

enum rb_err
store_audit_append_signed(struct store *st, const struct store_audit *e,
                          const struct audit_key *force)
{
  static const char insert_sql[] =
    "INSERT INTO audit (" AUDIT_COLUMNS ", hash)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";
  struct audit_tv v[AUDIT_C_COUNT];
  const struct audit_key *key = NULL;
  char prev[65], hash[65];
  int64_t id;
  sqlite3_stmt *s;
  char *before_text = NULL, *after_text = NULL;
  const char *after;
  enum rb_err err = next_link(st, force, &id, prev, &key);

  if (err != RB_OK)
    return err;
  if (e->before != NULL && (before_text = json_dumps(e->before, CANON_FLAGS)) == NULL)
    return RB_ERR_NOMEM;
  if (e->after != NULL && e->after_text == NULL &&
      (after_text = json_dumps(e->after, CANON_FLAGS)) == NULL) {
    free(before_text);
    return RB_ERR_NOMEM;
  }
  after = e->after_text != NULL ? e->after_text : after_text;
  memset(v, 0, sizeof(v));
  v[AUDIT_C_ID].type = SQLITE_INTEGER;
  v[AUDIT_C_ID].i = id;
  tv_text(&v[AUDIT_C_AT], e->at);
  tv_id(&v[AUDIT_C_ACTOR_ID], e->actor_id);
  tv_text(&v[AUDIT_C_ACTOR_NAME], e->actor_name);
  tv_text(&v[AUDIT_C_ACTOR_ROLE], e->actor_role);
  tv_text(&v[AUDIT_C_ACTOR_ORG], e->actor_org);
  tv_text(&v[AUDIT_C_ACTION], e->action);
  tv_text(&v[AUDIT_C_ENTITY], e->entity);
  tv_id(&v[AUDIT_C_ENTITY_ID], e->entity_id);
  tv_text(&v[AUDIT_C_CODE], e->code);
  tv_text(&v[AUDIT_C_QUARTER], e->quarter);
  tv_text(&v[AUDIT_C_BEFORE], before_text);
  tv_text(&v[AUDIT_C_AFTER], after);
  tv_text(&v[AUDIT_C_REQUEST_ID], e->request_id);
  tv_text(&v[AUDIT_C_PREV_HASH], prev);
  tv_text(&v[AUDIT_C_KEY_ID], key != NULL ? key->id : NULL);
  if (key != NULL)
    store_audit_mac(key, v, AUDIT_C_COUNT, hash);
  else if (!store_audit_legacy_hash(prev, id, e, before_text, after, hash)) {
    err = RB_ERR_NOMEM;
    goto out;
  }
  err = store_stmt(st, insert_sql, &s);
  if (err != RB_OK)
    goto out;
  /* bound from the very values the MAC covers */
  for (int i = 0; i < AUDIT_C_COUNT; i++) {
    if (v[i].type == SQLITE_INTEGER)
      sqlite3_bind_int64(s, i + 1, v[i].i);
    else if (v[i].type == SQLITE_TEXT)
      sqlite3_bind_text(s, i + 1, v[i].p, (int)v[i].n, SQLITE_TRANSIENT);
  }
  store_bind_text(s, AUDIT_C_COUNT + 1, hash);
  err = store_exec(st, s);
out:
  free(before_text);
  free(after_text);
  return err;
}

enum rb_err
store_audit_append(struct store *st, const struct store_audit *e)
{
  return store_audit_append_signed(st, e, NULL);
}

/* ---- keys: which one signs ------------------------------------------------------ */

void
store_set_audit_keys(struct store *st, const struct audit_keyring *keys)
{
  st->keys = keys;
}

enum rb_err
store_audit_keying(struct store *st, struct store_audit_keying *out)
{
  /* The head alone, for what is asked often (/readyz): which key signs
   * next. Only an unkeyed head (a trail not keyed yet, or tampered with)
   * takes a look further back. */
  static const char head_sql[] = "SELECT id, key_id, CASE WHEN action = 'audit.rotate-key' THEN"
                                 " json_extract(after, '$.key_id') END"
                                 " FROM audit ORDER BY id DESC LIMIT 1";
  static const char any_sql[] = "SELECT EXISTS (SELECT 1 FROM audit WHERE key_id IS NOT NULL)";
  struct store_audit_keying k;
  sqlite3_stmt *s;
  int64_t any = 0;
  enum rb_err err = store_stmt(st, head_sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  memset(&k, 0, sizeof(k));
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    const char *head = (const char *)sqlite3_column_text(s, 1);
    const char *rotated = (const char *)sqlite3_column_text(s, 2);

    k.entries = sqlite3_column_int64(s, 0);
    k.keyed = head != NULL;
    snprintf(k.signer, sizeof(k.signer), "%s", rotated != NULL ? rotated : head ? head : "");
  }
  sqlite3_reset(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return store_fail(st, sqlite3_extended_errcode(st->db));
  if (rc == SQLITE_ROW && !k.keyed) {
    if ((err = store_stmt(st, any_sql, &s)) != RB_OK || (err = store_int(st, s, &any)) != RB_OK)
      return err;
    k.keyed = any != 0; /* then signer stays "": no key may sign after this head */
  }
  *out = k;
  return RB_OK;
}

/* ---- the triggers ---------------------------------------------------------------- */

/* The append-only triggers exactly as 0003_audit.sql made them. */
static const struct {
  const char *name, *sql;
} guards[] = {
  {"audit_no_update", "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit\n"
                      "BEGIN\n"
                      "  SELECT RAISE(ABORT, 'audit entries are append-only');\n"
                      "END"},
  {"audit_no_delete", "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit\n"
                      "BEGIN\n"
                      "  SELECT RAISE(ABORT, 'audit entries are append-only');\n"
                      "END"},
};

enum rb_err
store_audit_guards(struct store *st, json_t **missing)
{
  static const char sql[] = "SELECT sql FROM sqlite_schema WHERE type = 'trigger'"
                            " AND name = ?1 AND tbl_name = 'audit'";
  json_t *out = json_array();
  enum rb_err err = RB_OK;

  if (out == NULL)
    return RB_ERR_NOMEM;
  for (size_t i = 0; i < ARRAY_LEN(guards) && err == RB_OK; i++) {
    sqlite3_stmt *s;
    int rc;
    bool ok = false;

    if ((err = store_stmt(st, sql, &s)) != RB_OK)
      break;
    store_bind_text(s, 1, guards[i].name);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
      ok = sqlite3_column_text(s, 0) != NULL &&
           strcmp((const char *)sqlite3_column_text(s, 0), guards[i].sql) == 0;
    else if (rc != SQLITE_DONE)
      err = store_fail(st, sqlite3_extended_errcode(st->db));
    sqlite3_reset(s);
    if (err == RB_OK && !ok)
      json_array_append_new(out, json_string(guards[i].name));
  }
  if (err != RB_OK) {
    json_decref(out);
    return err;
  }
  *missing = out;
  return RB_OK;
}

enum rb_err
store_audit_file_signer(const char *path, char signer[17], bool *keyed)
{
  static const char has_col[] = "SELECT count(*) FROM pragma_table_info('audit')"
                                " WHERE name = 'key_id'";
  static const char head[] = "SELECT key_id, CASE WHEN action = 'audit.rotate-key' THEN"
                             " json_extract(after, '$.key_id') END FROM audit"
                             " WHERE key_id IS NOT NULL ORDER BY id DESC LIMIT 1";
  sqlite3 *db = NULL;
  sqlite3_stmt *s = NULL;
  enum rb_err err = RB_ERR_IO;

  *keyed = false;
  signer[0] = '\0';
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK)
    goto out;
  if (sqlite3_prepare_v2(db, has_col, -1, &s, NULL) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW)
    goto out;
  err = RB_OK;
  if (sqlite3_column_int(s, 0) == 0)
    goto out; /* from before keyed trails */
  sqlite3_finalize(s);
  s = NULL;
  if (sqlite3_prepare_v2(db, head, -1, &s, NULL) != SQLITE_OK) {
    err = RB_ERR_IO;
    goto out;
  }
  if (sqlite3_step(s) == SQLITE_ROW) {
    const char *rotated = (const char *)sqlite3_column_text(s, 1);

    snprintf(signer, 17, "%s", rotated != NULL ? rotated : (const char *)sqlite3_column_text(s, 0));
    *keyed = true;
  }
out:
  sqlite3_finalize(s);
  sqlite3_close_v2(db);
  return err;
}
