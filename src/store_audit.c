#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "jsonv.h"
#include "util.h"

#define CANON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY)

/* ---- the canonical text of unkeyed entries -----------------------------------
 * An unkeyed entry (every entry written before the trail was keyed, and
 * entries of a store that has no key) stores SHA-256(previous hash ||
 * canonical text), the canonical text being every column but the hashes as
 * one JSON object with sorted keys, written exactly as jansson's
 * json_dumps(JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17)) writes
 * it (test_unit checks the two agree on hostile strings). Text, so it does
 * not see a value's type or bytes after a NUL: verify checks those apart. */

struct sbuf {
  char *p;
  size_t len, cap;
  bool failed;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
  if (b->failed)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 1024;
    char *grown;

    while (cap < b->len + n + 1)
      cap *= 2;
    grown = realloc(b->p, cap);
    if (grown == NULL) {
      b->failed = true;
      return;
    }
    b->p = grown;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void
sb_lit(struct sbuf *b, const char *s)
{
  sb_add(b, s, strlen(s));
}

/* A JSON string as jansson writes it without JSON_ENSURE_ASCII or
 * JSON_ESCAPE_SLASH: only quote, backslash and control characters escaped
 * (\uXXXX in upper case); other bytes (valid UTF-8) as they are. NULL: null. */
static void
sb_str(struct sbuf *b, const char *s)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t run = 0;

  if (s == NULL) {
    sb_lit(b, "null");
    return;
  }
  sb_add(b, "\"", 1);
  for (size_t i = 0;; i++) {
    unsigned char ch = (unsigned char)s[i];
    char esc[7];
    size_t n = 2;

    if (ch != '\0' && ch != '"' && ch != '\\' && ch >= 0x20)
      continue;
    sb_add(b, s + run, i - run);
    if (ch == '\0')
      break;
    esc[0] = '\\';
    switch (ch) {
    case '"':
      esc[1] = '"';
      break;
    case '\\':
      esc[1] = '\\';
      break;
    case '\b':
      esc[1] = 'b';
      break;
    case '\f':
      esc[1] = 'f';
      break;
    case '\n':
      esc[1] = 'n';
      break;
    case '\r':
      esc[1] = 'r';
      break;
    case '\t':
      esc[1] = 't';
      break;
    default:
      memcpy(esc + 1, "u00", 3);
      esc[4] = hex[ch >> 4];
      esc[5] = hex[ch & 15];
      n = 6;
    }
    sb_add(b, esc, n);
    run = i + 1;
  }
  sb_add(b, "\"", 1);
}

static void
sb_int(struct sbuf *b, int64_t v)
{
  char num[24];
  int n = snprintf(num, sizeof(num), "%lld", (long long)v);

  sb_add(b, num, (size_t)n);
}

static void
sb_json(struct sbuf *b, const char *text)
{
  sb_lit(b, text != NULL ? text : "null");
}

char *
store_audit_canonical(int64_t id, const struct store_audit *e, const char *before_text,
                      const char *after_text)
{
  struct sbuf b = {NULL, 0, 0, false};

  sb_lit(&b, "{\"action\":");
  sb_str(&b, e->action);
  sb_lit(&b, ",\"actor\":{\"id\":");
  sb_int(&b, e->actor_id);
  sb_lit(&b, ",\"name\":");
  sb_str(&b, e->actor_name);
  sb_lit(&b, ",\"organisation\":");
  sb_str(&b, e->actor_org);
  sb_lit(&b, ",\"role\":");
  sb_str(&b, e->actor_role);
  sb_lit(&b, "},\"after\":");
  sb_json(&b, after_text);
  sb_lit(&b, ",\"at\":");
  sb_str(&b, e->at);
  sb_lit(&b, ",\"before\":");
  sb_json(&b, before_text);
  sb_lit(&b, ",\"code\":");
  sb_str(&b, e->code);
  sb_lit(&b, ",\"entity\":");
  sb_str(&b, e->entity);
  sb_lit(&b, ",\"entity_id\":");
  sb_int(&b, e->entity_id);
  sb_lit(&b, ",\"id\":");
  sb_int(&b, id);
  sb_lit(&b, ",\"quarter\":");
  sb_str(&b, e->quarter);
  sb_lit(&b, ",\"request_id\":");
  sb_str(&b, e->request_id);
  sb_lit(&b, "}");
  if (b.failed) {
    free(b.p);
    return NULL;
  }
  return b.p;
}

bool
store_audit_legacy_hash(const char *prev, int64_t id, const struct store_audit *e,
                        const char *before_text, const char *after_text, char out[65])
{
  crypto_hash_sha256_state h;
  unsigned char digest[crypto_hash_sha256_BYTES];
  char *text = store_audit_canonical(id, e, before_text, after_text);

  if (text == NULL)
    return false;
  crypto_hash_sha256_init(&h);
  crypto_hash_sha256_update(&h, (const unsigned char *)prev, strlen(prev));
  crypto_hash_sha256_update(&h, (const unsigned char *)text, strlen(text));
  crypto_hash_sha256_final(&h, digest);
  sodium_bin2hex(out, 65, digest, sizeof(digest));
  free(text);
  return true;
}

/* ---- the typed encoding of keyed entries -------------------------------------
 * A keyed entry stores HMAC-SHA-256(key, encoding), the encoding being a
 * version tag and then, for every column but hash in the order of
 * AUDIT_COLUMNS, one byte for its storage class and its value: 'n' (null),
 * 'i' + 8 bytes (integer, big endian), 'r' + 8 bytes (IEEE double, big
 * endian), 't' or 'b' + 8 bytes of length + the bytes (text, blob). Every
 * byte of every value and its type are covered, and no two entries encode
 * alike. */

static const char mac_tag[] = "ragboard-audit-entry-v2";

void
audit_tv_column(sqlite3_stmt *s, int i, struct audit_tv *out)
{
  memset(out, 0, sizeof(*out));
  out->type = sqlite3_column_type(s, i);
  switch (out->type) {
  case SQLITE_INTEGER:
    out->i = sqlite3_column_int64(s, i);
    break;
  case SQLITE_FLOAT:
    out->r = sqlite3_column_double(s, i);
    break;
  case SQLITE_TEXT:
    out->p = sqlite3_column_text(s, i);
    out->n = (size_t)sqlite3_column_bytes(s, i);
    break;
  case SQLITE_BLOB:
    out->p = sqlite3_column_blob(s, i);
    out->n = (size_t)sqlite3_column_bytes(s, i);
    break;
  default:
    out->type = SQLITE_NULL;
  }
}

static void
put_u64(unsigned char out[8], uint64_t v)
{
  for (int k = 7; k >= 0; k--, v >>= 8)
    out[k] = (unsigned char)(v & 0xff);
}

void
store_audit_mac(const struct audit_key *key, const struct audit_tv *v, size_t n, char out[65])
{
  crypto_auth_hmacsha256_state h;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];

  crypto_auth_hmacsha256_init(&h, key->key, AUDIT_KEY_BYTES);
  crypto_auth_hmacsha256_update(&h, (const unsigned char *)mac_tag, sizeof(mac_tag));
  for (size_t i = 0; i < n; i++) {
    unsigned char head[9];
    uint64_t bits;

    switch (v[i].type) {
    case SQLITE_INTEGER:
      head[0] = 'i';
      put_u64(head + 1, (uint64_t)v[i].i);
      crypto_auth_hmacsha256_update(&h, head, 9);
      break;
    case SQLITE_FLOAT:
      head[0] = 'r';
      memcpy(&bits, &v[i].r, sizeof(bits));
      put_u64(head + 1, bits);
      crypto_auth_hmacsha256_update(&h, head, 9);
      break;
    case SQLITE_TEXT:
    case SQLITE_BLOB:
      head[0] = v[i].type == SQLITE_TEXT ? 't' : 'b';
      put_u64(head + 1, (uint64_t)v[i].n);
      crypto_auth_hmacsha256_update(&h, head, 9);
      if (v[i].n > 0)
        crypto_auth_hmacsha256_update(&h, v[i].p, v[i].n);
      break;
    default:
      head[0] = 'n';
      crypto_auth_hmacsha256_update(&h, head, 1);
    }
  }
  crypto_auth_hmacsha256_final(&h, mac);
  sodium_bin2hex(out, 65, mac, sizeof(mac));
}

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

static enum rb_err
append(struct store *st, const struct store_audit *e, const struct audit_key *force)
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
  return append(st, e, NULL);
}

/* ---- keys: keying a trail, rotating --------------------------------------------- */

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

static enum rb_err
has_data(struct store *st, bool *out)
{
  static const char sql[] =
    "SELECT EXISTS (SELECT 1 FROM milestone) OR EXISTS (SELECT 1 FROM kpi)"
    " OR EXISTS (SELECT 1 FROM milestone_update) OR EXISTS (SELECT 1 FROM kpi_reading)";
  sqlite3_stmt *s;
  int64_t v = 0;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err == RB_OK)
    err = store_int(st, s, &v);
  if (err == RB_OK)
    *out = v != 0;
  return err;
}

enum rb_err
store_audit_key_trail(struct store *st, const struct store_audit *who, bool *wrote)
{
  const struct audit_key *key = audit_keyring_newest(st->keys);
  struct store_audit_keying k;
  struct store_audit e = *who;
  json_t *after = NULL, *sums = NULL;
  bool data = false;
  enum rb_err err;

  *wrote = false;
  if (key == NULL)
    return RB_ERR_INTERNAL;
  if ((err = store_audit_keying(st, &k)) != RB_OK || k.keyed)
    return err; /* keyed already */
  if ((err = has_data(st, &data)) != RB_OK)
    return err;
  /* An empty trail over no data starts keyed with its first entry. */
  if (k.entries == 0 && !data)
    return RB_OK;
  if ((err = audit_state_sums(st, key, NULL, &sums)) != RB_OK)
    return err;
  after = json_pack("{s:s, s:I, s:o}", "key_id", key->id, "unkeyed_entries", (json_int_t)k.entries,
                    "state", sums);
  if (after == NULL)
    return RB_ERR_NOMEM;
  e.action = "audit.keyed";
  e.entity = "audit";
  e.entity_id = 0;
  e.code = key->id;
  e.quarter = NULL;
  e.before = NULL;
  e.after = after;
  e.after_text = NULL;
  err = append(st, &e, key);
  json_decref(after);
  if (err == RB_OK)
    *wrote = true;
  return err;
}

enum rb_err
store_audit_rotate(struct store *st, const struct store_audit *who)
{
  const struct audit_key *next = audit_keyring_newest(st->keys);
  struct store_audit_keying k;
  struct store_audit e = *who;
  json_t *before = NULL, *after = NULL, *sums = NULL;
  enum rb_err err;

  if (next == NULL)
    return RB_ERR_INTERNAL;
  if ((err = store_audit_keying(st, &k)) != RB_OK)
    return err;
  if (!k.keyed || strcmp(k.signer, next->id) == 0)
    return RB_ERR_CONFLICT; /* not keyed yet, or the newest key signs already */
  if (audit_keyring_find(st->keys, k.signer) == NULL)
    return RB_ERR_SCHEMA;
  if ((err = audit_state_sums(st, next, NULL, &sums)) != RB_OK)
    return err;
  before = json_pack("{s:s}", "key_id", k.signer);
  after =
    json_pack("{s:s, s:s, s:o}", "key_id", next->id, "previous_key_id", k.signer, "state", sums);
  if (before == NULL || after == NULL) {
    err = RB_ERR_NOMEM;
    goto out;
  }
  e.action = "audit.rotate-key";
  e.entity = "audit";
  e.entity_id = 0;
  e.code = next->id;
  e.quarter = NULL;
  e.before = before;
  e.after = after;
  e.after_text = NULL;
  err = append(st, &e, NULL); /* signed by the key it retires */
out:
  json_decref(before);
  json_decref(after);
  return err;
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

/* ---- listing ------------------------------------------------------------------ */

/* s[0..n) as valid UTF-8 without NUL: each NUL byte, and each byte that
 * does not start a valid sequence, becomes U+FFFD (many JSON parsers refuse
 * \u0000). A new JSON string. */
json_t *
audit_lossy_string(const unsigned char *s, size_t n)
{
  char *out = malloc(n * 3 + 1);
  size_t o = 0;
  json_t *str;

  if (out == NULL)
    return NULL;
  for (size_t i = 0; i < n;) {
    size_t len = s[i] == 0               ? 0
                 : s[i] < 0x80           ? 1
                 : (s[i] & 0xe0) == 0xc0 ? 2
                 : (s[i] & 0xf0) == 0xe0 ? 3
                 : (s[i] & 0xf8) == 0xf0 ? 4
                                         : 0;

    if (len > 0 && i + len <= n && jv_utf8_valid((const char *)s + i, len)) {
      memcpy(out + o, s + i, len);
      o += len;
      i += len;
    } else {
      memcpy(out + o, "\xef\xbf\xbd", 3);
      o += 3;
      i++;
    }
  }
  str = json_stringn_nocheck(out, o);
  free(out);
  return str;
}

/* Column i as the listing shows it: text and integers as such, anything
 * else as text of what is stored, with the problem noted. */
static json_t *
list_value(sqlite3_stmt *s, int i, unsigned allowed, const char *name, json_t *problems)
{
  char why[160];
  int type = sqlite3_column_type(s, i);

  if (audit_column_problem(s, i, allowed, name, why, sizeof(why)))
    json_array_append_new(problems, json_string(why));
  if (type == SQLITE_NULL)
    return json_null();
  if (allowed & AUDIT_T_INT)
    return type == SQLITE_INTEGER ? json_integer(sqlite3_column_int64(s, i)) : json_null();
  if (type == SQLITE_BLOB) {
    const void *p = sqlite3_column_blob(s, i);

    return audit_lossy_string(p, (size_t)sqlite3_column_bytes(s, i));
  }
  return audit_lossy_string(sqlite3_column_text(s, i), (size_t)sqlite3_column_bytes(s, i));
}

/* before or after: its JSON, or its text (noted) when it is not JSON. */
static json_t *
list_json(sqlite3_stmt *s, int i, const char *name, json_t *problems)
{
  json_t *v = list_value(s, i, AUDIT_T_TEXT | AUDIT_T_NULL, name, problems), *parsed;

  if (!json_is_string(v))
    return v;
  parsed = json_loadb(json_string_value(v), json_string_length(v), JSON_DECODE_ANY, NULL);
  if (parsed == NULL || !(json_is_object(parsed) || json_is_null(parsed))) {
    char why[64];

    json_decref(parsed);
    snprintf(why, sizeof(why), "%s is not a JSON object", name);
    json_array_append_new(problems, json_string(why));
    return v;
  }
  json_decref(v);
  return parsed;
}

/* One listing row of "SELECT id, at, actor_id, actor_name, actor_role,
 * actor_org, action, entity, entity_id, code, quarter, before, after,
 * request_id, hash". An entry whose stored values are not what ragboard
 * writes is shown as stored, with "altered": true and what is wrong. */
static json_t *
list_row(sqlite3_stmt *s)
{
  json_t *problems = json_array();
  json_t *row = json_object(), *actor = json_object();

  if (problems == NULL || row == NULL || actor == NULL)
    goto fail;
  json_object_set_new(row, "id", list_value(s, 0, AUDIT_T_INT, "id", problems));
  json_object_set_new(row, "at", list_value(s, 1, AUDIT_T_TEXT, "at", problems));
  json_object_set_new(actor, "token_id",
                      list_value(s, 2, AUDIT_T_INT | AUDIT_T_NULL, "actor_id", problems));
  json_object_set_new(actor, "name", list_value(s, 3, AUDIT_T_TEXT, "actor_name", problems));
  json_object_set_new(actor, "role", list_value(s, 4, AUDIT_T_TEXT, "actor_role", problems));
  json_object_set_new(actor, "organisation",
                      list_value(s, 5, AUDIT_T_TEXT | AUDIT_T_NULL, "actor_org", problems));
  json_object_set_new(row, "actor", actor);
  actor = NULL;
  json_object_set_new(row, "action", list_value(s, 6, AUDIT_T_TEXT, "action", problems));
  json_object_set_new(row, "entity", list_value(s, 7, AUDIT_T_TEXT, "entity", problems));
  json_object_set_new(row, "entity_id",
                      list_value(s, 8, AUDIT_T_INT | AUDIT_T_NULL, "entity_id", problems));
  json_object_set_new(row, "code", list_value(s, 9, AUDIT_T_TEXT | AUDIT_T_NULL, "code", problems));
  json_object_set_new(row, "quarter",
                      list_value(s, 10, AUDIT_T_TEXT | AUDIT_T_NULL, "quarter", problems));
  json_object_set_new(row, "before", list_json(s, 11, "before", problems));
  json_object_set_new(row, "after", list_json(s, 12, "after", problems));
  json_object_set_new(row, "request_id",
                      list_value(s, 13, AUDIT_T_TEXT | AUDIT_T_NULL, "request_id", problems));
  json_object_set_new(row, "hash", list_value(s, 14, AUDIT_T_TEXT, "hash", problems));
  if (json_array_size(problems) > 0) {
    json_object_set_new(row, "altered", json_true());
    json_object_set_new(row, "problems", problems);
  } else {
    json_decref(problems);
  }
  return row;
fail:
  json_decref(problems);
  json_decref(row);
  json_decref(actor);
  return NULL;
}

enum rb_err
store_audit_list(struct store *st, const struct store_audit_filter *f, const struct store_page *pg,
                 json_t **items, char **next)
{
  static const char sql[] =
    "SELECT id, at, actor_id, actor_name, actor_role, actor_org, action, entity, entity_id,"
    " code, quarter, before, after, request_id, hash FROM audit"
    " WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at < ?2)"
    " AND (?3 IS NULL OR actor_id = ?3) AND (?4 IS NULL OR actor_org = ?4)"
    " AND (?5 IS NULL OR entity = ?5) AND (?6 IS NULL OR code = ?6)"
    " AND (?7 IS NULL OR quarter = ?7) AND (?8 IS NULL OR action = ?8)"
    " AND (?9 IS NULL OR id > ?9) ORDER BY id LIMIT ?10";
  json_t *arr = json_array();
  char *key = NULL;
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);
  int rc, n = 0;

  if (err != RB_OK || arr == NULL) {
    json_decref(arr);
    return err != RB_OK ? err : RB_ERR_NOMEM;
  }
  store_bind_text(s, 1, f->since);
  store_bind_text(s, 2, f->until);
  if (f->has_actor)
    sqlite3_bind_int64(s, 3, f->actor);
  store_bind_text(s, 4, f->organisation);
  store_bind_text(s, 5, f->entity);
  store_bind_text(s, 6, f->code);
  store_bind_text(s, 7, f->quarter);
  store_bind_text(s, 8, f->action);
  if (pg->after != NULL)
    sqlite3_bind_int64(s, 9, strtoll(pg->after, NULL, 10));
  sqlite3_bind_int(s, 10, pg->limit + 1);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    json_t *row;

    if (n == pg->limit) {
      char buf[32];

      /* a further row exists: the last one returned is the cursor */
      snprintf(buf, sizeof(buf), "%lld",
               (long long)json_integer_value(
                 json_object_get(json_array_get(arr, json_array_size(arr) - 1), "id")));
      key = strdup(buf);
      if (key == NULL)
        err = RB_ERR_NOMEM;
      break;
    }
    row = list_row(s);
    if (row == NULL || json_array_append_new(arr, row) != 0) {
      err = RB_ERR_NOMEM;
      break;
    }
    n++;
  }
  if (err == RB_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
    err = store_fail(st, sqlite3_extended_errcode(st->db));
  sqlite3_reset(s);
  if (err != RB_OK) {
    json_decref(arr);
    free(key);
    return err;
  }
  *items = arr;
  *next = key;
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
