#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define CANON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY)

/* ---- the canonical text ----------------------------------------------------
 * The hash of an entry covers its canonical text: every column but the
 * hashes, as one JSON object with sorted keys, written exactly as jansson's
 * json_dumps(JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17)) writes
 * it (the format of the first entries; test_unit checks the two agree on
 * hostile strings). Written by hand because it is on every write's path,
 * and so that before/after are hashed as the text stored, not re-encoded. */

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

static bool
chain_hash(const char *prev, int64_t id, const struct store_audit *e, const char *before_text,
           const char *after_text, char out[65])
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

enum rb_err
store_audit_append(struct store *st, const struct store_audit *e)
{
  static const char last_sql[] = "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1";
  static const char insert_sql[] =
    "INSERT INTO audit (id, at, actor_id, actor_name, actor_role, actor_org, action, entity,"
    " entity_id, code, quarter, before, after, request_id, prev_hash, hash)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
  char prev[65] = "", hash[65];
  int64_t id = 1;
  sqlite3_stmt *s;
  char *before_text = NULL, *after_text = NULL;
  const char *after;
  enum rb_err err;
  int rc;

  err = store_stmt(st, last_sql, &s);
  if (err != RB_OK)
    return err;
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    id = sqlite3_column_int64(s, 0) + 1;
    snprintf(prev, sizeof(prev), "%s", (const char *)sqlite3_column_text(s, 1));
  }
  sqlite3_reset(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return store_fail(st, sqlite3_extended_errcode(st->db));
  if (e->before != NULL && (before_text = json_dumps(e->before, CANON_FLAGS)) == NULL)
    return RB_ERR_NOMEM;
  if (e->after != NULL && e->after_text == NULL &&
      (after_text = json_dumps(e->after, CANON_FLAGS)) == NULL) {
    free(before_text);
    return RB_ERR_NOMEM;
  }
  after = e->after_text != NULL ? e->after_text : after_text;
  if (!chain_hash(prev, id, e, before_text, after, hash)) {
    err = RB_ERR_NOMEM;
    goto out;
  }
  err = store_stmt(st, insert_sql, &s);
  if (err != RB_OK)
    goto out;
  sqlite3_bind_int64(s, 1, id);
  store_bind_text(s, 2, e->at);
  if (e->actor_id != 0)
    sqlite3_bind_int64(s, 3, e->actor_id);
  store_bind_text(s, 4, e->actor_name);
  store_bind_text(s, 5, e->actor_role);
  store_bind_text(s, 6, e->actor_org);
  store_bind_text(s, 7, e->action);
  store_bind_text(s, 8, e->entity);
  if (e->entity_id != 0)
    sqlite3_bind_int64(s, 9, e->entity_id);
  store_bind_text(s, 10, e->code);
  store_bind_text(s, 11, e->quarter);
  store_bind_text(s, 12, before_text);
  store_bind_text(s, 13, after);
  store_bind_text(s, 14, e->request_id);
  store_bind_text(s, 15, prev);
  store_bind_text(s, 16, hash);
  err = store_exec(st, s);
out:
  free(before_text);
  free(after_text);
  return err;
}

#define AUDIT_SELECT                                                                         \
  "SELECT id, at, json_object('token_id', actor_id, 'name', actor_name, 'role', actor_role," \
  " 'organisation', actor_org) AS actor__json, action, entity, entity_id, code, quarter,"    \
  " before AS before__json, after AS after__json, request_id, hash FROM audit"

enum rb_err
store_audit_list(struct store *st, const struct store_audit_filter *f, const struct store_page *pg,
                 json_t **items, char **next)
{
  static const char sql[] =
    AUDIT_SELECT " WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at < ?2)"
                 " AND (?3 IS NULL OR actor_id = ?3) AND (?4 IS NULL OR actor_org = ?4)"
                 " AND (?5 IS NULL OR entity = ?5) AND (?6 IS NULL OR code = ?6)"
                 " AND (?7 IS NULL OR quarter = ?7) AND (?8 IS NULL OR action = ?8)"
                 " AND (?9 IS NULL OR id > ?9) ORDER BY id LIMIT ?10";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, f->since);
  store_bind_text(s, 2, f->until);
  if (f->has_actor)
    sqlite3_bind_int64(s, 3, f->actor);
  store_bind_text(s, 4, f->organisation);
  store_bind_text(s, 5, f->entity);
  store_bind_text(s, 6, f->code);
  store_bind_text(s, 7, f->quarter);
  store_bind_text(s, 8, f->action);
  store_bind_text(s, 9, pg->after);
  sqlite3_bind_int(s, 10, pg->limit + 1);
  return store_many(st, s, pg->limit, 0, items, next);
}

static const char *
col(sqlite3_stmt *s, int i)
{
  return (const char *)sqlite3_column_text(s, i);
}

enum rb_err
store_audit_verify(struct store *st, int64_t anchor_id, const char *anchor_hash,
                   struct store_audit_verdict *out)
{
  static const char sql[] =
    "SELECT id, at, coalesce(actor_id, 0), actor_name, actor_role, actor_org, action, entity,"
    " coalesce(entity_id, 0), code, quarter, before, after, request_id, prev_hash, hash,"
    " actor_id <= 0 OR entity_id <= 0"
    " FROM audit ORDER BY id";
  struct store_audit_verdict v = {.ok = true};
  char prev[65] = "", hash[65];
  int64_t expect_id = 1;
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    struct store_audit e = {
      .at = col(s, 1),
      .actor_id = sqlite3_column_int64(s, 2),
      .actor_name = col(s, 3),
      .actor_role = col(s, 4),
      .actor_org = col(s, 5),
      .action = col(s, 6),
      .entity = col(s, 7),
      .entity_id = sqlite3_column_int64(s, 8),
      .code = col(s, 9),
      .quarter = col(s, 10),
      .request_id = col(s, 13),
    };
    int64_t id = sqlite3_column_int64(s, 0);
    /* before/after are hashed as stored: any change to their text shows. */
    bool good = chain_hash(prev, id, &e, col(s, 11), col(s, 12), hash);
    const char *problem = NULL;

    if (!good)
      problem = "the entry could not be read";
    else if (id != expect_id)
      problem = "an entry is missing before this one";
    else if (strcmp(col(s, 14), prev) != 0)
      problem = "prev_hash does not match the previous entry's hash";
    else if (strcmp(col(s, 15), hash) != 0)
      problem = "hash does not match the entry's content";
    /* The canonical text writes a missing id as 0, so NULL -> 0 leaves the
     * hash as it was; but 0 is never stored (NULL is): such a row was
     * altered. */
    else if (sqlite3_column_int(s, 16) != 0)
      problem = "actor_id or entity_id is 0, which is never written (NULL is)";
    else if (id == anchor_id && strcmp(hash, anchor_hash) != 0)
      problem = "the entry's hash is not the one recorded earlier (the anchor): the trail was "
                "rewritten from here or before";
    if (problem != NULL) {
      v.ok = false;
      v.broken = id;
      snprintf(v.why, sizeof(v.why), "%s", problem);
      break;
    }
    snprintf(prev, sizeof(prev), "%s", col(s, 15));
    expect_id = id + 1;
    v.entries++;
    v.head_id = id;
    memcpy(v.head_hash, prev, sizeof(v.head_hash));
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    sqlite3_reset(s);
    return store_fail(st, sqlite3_extended_errcode(st->db));
  }
  sqlite3_reset(s);
  if (v.ok && anchor_id > v.head_id) {
    v.ok = false;
    v.broken = anchor_id;
    snprintf(v.why, sizeof(v.why),
             "the trail ends at entry %lld, before the anchor entry: entries were removed "
             "from its end",
             (long long)v.head_id);
  }
  *out = v;
  return RB_OK;
}
