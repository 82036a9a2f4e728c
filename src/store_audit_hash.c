/* What an entry's hash covers: the canonical text of an unkeyed entry
 * (SHA-256), and the typed encoding of a keyed one (HMAC-SHA-256). */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

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
