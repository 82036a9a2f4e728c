/* The state check's row hashes (how the check works: store_audit_state.c):
 * keyed BLAKE2b-256 over a row's image, taken from the row as JSON or
 * straight from its columns, the same bytes either way. Their sums per
 * bucket are in store_audit_state_sums.c. */
#include "store_audit_state_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonv.h"
#include "util.h"

#define CANON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY)

/* The row hash: keyed BLAKE2b-256 (libsodium's crypto_generichash, several
 * times faster than its SHA-256: 180,000 rows are hashed per import and per
 * check) under a subkey of the trail's key, HMAC-SHA-256(key, tag), so the
 * audit key itself keys nothing but the chain. The state after the key is
 * made once; a row's hash then costs its own bytes only. */
void
state_rowkey_init(struct state_rowkey *rk, const struct audit_key *key)
{
  static const char tag[] = "ragboard-audit-row-key-v1";
  unsigned char sub[crypto_auth_hmacsha256_BYTES];

  if (key != NULL) {
    crypto_auth_hmacsha256(sub, (const unsigned char *)tag, sizeof(tag), key->key);
    crypto_generichash_init(&rk->base, sub, sizeof(sub), 32);
    sodium_memzero(sub, sizeof(sub));
  } else {
    crypto_generichash_init(&rk->base, NULL, 0, 32);
  }
}

/* A row's bytes are gathered and hashed at once (a row's ten fields would
 * otherwise be twenty small updates). */
struct hasher {
  crypto_generichash_state st;
  size_t n;
  unsigned char buf[1024];
};

static void
h_init(struct hasher *h, const struct state_rowkey *rk)
{
  h->n = 0;
  h->st = rk->base;
}

static void
h_flush(struct hasher *h)
{
  if (h->n > 0)
    crypto_generichash_update(&h->st, h->buf, h->n);
  h->n = 0;
}

static void
h_final(struct hasher *h, unsigned char out[32])
{
  h_flush(h);
  crypto_generichash_final(&h->st, out, 32);
}

static void
h_add(struct hasher *h, const void *p, size_t n)
{
  if (h->n + n > sizeof(h->buf)) {
    h_flush(h);
    if (n > sizeof(h->buf)) {
      crypto_generichash_update(&h->st, p, n);
      return;
    }
  }
  memcpy(h->buf + h->n, p, n);
  h->n += n;
}

static void
h_value(struct hasher *h, char tag, const void *p, size_t n)
{
  unsigned char head[9];
  uint64_t len = n;

  head[0] = (unsigned char)tag;
  for (int k = 8; k >= 1; k--, len >>= 8)
    head[k] = (unsigned char)(len & 0xff);
  h_add(h, head, 9);
  if (n > 0)
    h_add(h, p, n);
}

/* A field of a row's image as the row hash takes it, with its JSON type
 * (numbers as doubles: an integer and a real of the same value, as SQLite
 * hands a REAL column's whole numbers either way, hash alike); v NULL: the
 * image lacks the field. */
static void
h_json(struct hasher *h, const json_t *v)
{
  if (v == NULL) {
    h_value(h, 'm', NULL, 0);
  } else if (json_is_number(v)) {
    double d = json_number_value(v);

    h_value(h, 'r', &d, sizeof(d));
  } else if (json_is_string(v)) {
    h_value(h, 's', json_string_value(v), json_string_length(v));
  } else if (json_is_object(v) || json_is_array(v)) {
    char *text = json_dumps(v, CANON_FLAGS);

    h_value(h, 'j', text, text != NULL ? strlen(text) : 0);
    free(text);
  } else {
    h_value(h, json_is_true(v) ? 'T' : json_is_false(v) ? 'F' : 'n', NULL, 0);
  }
}

/* Fields added by migration 0006, at the value every row had before it:
 * hashed as if absent, so that what the trail recorded before them (the
 * baseline's sums, an import's) still adds up. Compared as any field. */
static const struct {
  const char *entity, *field;
  const char *text; /* the default's text; NULL: null */
} later_defaults[] = {
  {"kpi", "continues", NULL},
  {"kpi", "frequency", "quarterly"},
  {"kpi", "spc", NULL},
};

/* Whether field of kind k holds the value it had before it existed. */
static bool
at_later_default(const struct state_kind *k, const char *field, const json_t *v)
{
  for (size_t i = 0; i < ARRAY_LEN(later_defaults); i++) {
    if (strcmp(later_defaults[i].entity, k->entity) != 0 ||
        strcmp(later_defaults[i].field, field) != 0)
      continue;
    return later_defaults[i].text == NULL
             ? json_is_null(v)
             : json_is_string(v) && strcmp(json_string_value(v), later_defaults[i].text) == 0;
  }
  return false;
}

/* Whether column c (field) of s holds its text default (as above). */
static bool
column_at_later_default(const struct state_kind *k, const char *field, sqlite3_stmt *s, int c)
{
  for (size_t i = 0; i < ARRAY_LEN(later_defaults); i++)
    if (later_defaults[i].text != NULL && strcmp(later_defaults[i].entity, k->entity) == 0 &&
        strcmp(later_defaults[i].field, field) == 0)
      return sqlite3_column_type(s, c) == SQLITE_TEXT &&
             strcmp((const char *)sqlite3_column_text(s, c), later_defaults[i].text) == 0;
  return false;
}

/* The image of a row: the entity and its stored fields. */
void
state_row_hash(const struct state_kind *k, const json_t *row, const struct state_rowkey *key,
               unsigned char out[32])
{
  struct hasher h;

  h_init(&h, key);
  h_value(&h, 'e', k->entity, strlen(k->entity));
  for (size_t i = 0; k->fields[i] != NULL; i++) {
    const json_t *v = json_object_get(row, k->fields[i]);

    h_json(&h, v != NULL && at_later_default(k, k->fields[i], v) ? NULL : v);
  }
  h_final(&h, out);
}

static size_t
nfields(const struct state_kind *k)
{
  size_t n = 0;

  while (k->fields[n] != NULL)
    n++;
  return n;
}

/* The same hash as state_row_hash, from a child's columns (its fields in order):
 * numbers as doubles, text as its bytes; a BLOB (never written) as itself. */
void
state_row_hash_columns(const struct state_kind *k, sqlite3_stmt *s, const struct state_rowkey *key,
                       unsigned char out[32])
{
  struct hasher h;
  size_t n = nfields(k);

  h_init(&h, key);
  h_value(&h, 'e', k->entity, strlen(k->entity));
  for (size_t i = 0; i < n; i++) {
    double d;

    switch (sqlite3_column_type(s, (int)i)) {
    case SQLITE_INTEGER:
    case SQLITE_FLOAT:
      d = sqlite3_column_double(s, (int)i);
      h_value(&h, 'r', &d, sizeof(d));
      break;
    case SQLITE_TEXT:
      h_value(&h, 's', sqlite3_column_text(s, (int)i), (size_t)sqlite3_column_bytes(s, (int)i));
      break;
    case SQLITE_BLOB:
      h_value(&h, 'b', sqlite3_column_blob(s, (int)i), (size_t)sqlite3_column_bytes(s, (int)i));
      break;
    default:
      h_value(&h, 'n', NULL, 0);
    }
  }
  h_final(&h, out);
}

/* s[0..n) into out (cap bytes), cut to fit. */
static void
copy_cut(char *out, size_t cap, const char *s, size_t n)
{
  if (n >= cap)
    n = cap - 1;
  if (n > 0)
    memcpy(out, s, n);
  out[n] = '\0';
}

/* Whether the columns of s are k's fields, in order, a JSON column named
 * with "__json" after its field (as state_row_json reads them). */
bool
state_columns_are_fields(const struct state_kind *k, sqlite3_stmt *s)
{
  size_t n = nfields(k);

  if ((size_t)sqlite3_column_count(s) != n)
    return false;
  for (size_t i = 0; i < n; i++) {
    const char *name = sqlite3_column_name(s, (int)i);
    size_t len = strlen(k->fields[i]);

    if (name == NULL || strncmp(name, k->fields[i], len) != 0 ||
        (name[len] != '\0' && strcmp(name + len, "__json") != 0))
      return false;
  }
  return true;
}

/* Text or a BLOB as state_row_json reads it (a string of lossy UTF-8),
 * hashed as state_row_hash hashes that string: its bytes, when they are UTF-8
 * without NUL (all that ragboard writes), else the lossy string's. The
 * string is copied to part (cap bytes, cut) when part is not NULL. False
 * when out of memory. */
static bool
h_text(struct hasher *h, const unsigned char *p, size_t n, char *part, size_t cap)
{
  json_t *lossy = NULL;
  const char *bytes = (const char *)p;

  if (n > 0 && (memchr(p, 0, n) != NULL || !jv_utf8_valid(bytes, n))) {
    if ((lossy = audit_lossy_string(p, n)) == NULL)
      return false;
    bytes = json_string_value(lossy);
    n = json_string_length(lossy);
  }
  h_value(h, 's', bytes, n);
  if (part != NULL)
    copy_cut(part, cap, bytes, n);
  json_decref(lossy);
  return true;
}

/* The hash state_row_hash makes of the image state_row_json(s) reads, taken from
 * the columns without building it (an import's 10,000 items, each an
 * object of 11 to 16 members, cost a third of the import's sums): a JSON
 * column's value is parsed as state_row_json parses it, and the others hash
 * as that image holds them. s's columns are k's fields (state_columns_are_fields).
 * part: the bucket's field (year) when it is a string, else "" and
 * *has_part false. False when out of memory. */
bool
state_row_hash_item(const struct state_kind *k, sqlite3_stmt *s, const struct state_rowkey *key,
                    unsigned char out[32], char *part, size_t cap, bool *has_part)
{
  struct hasher h;
  size_t n = nfields(k);

  *has_part = false;
  part[0] = '\0';
  h_init(&h, key);
  h_value(&h, 'e', k->entity, strlen(k->entity));
  for (size_t i = 0; i < n; i++) {
    int c = (int)i, type = sqlite3_column_type(s, c);
    const char *name = sqlite3_column_name(s, c);
    bool is_part = strcmp(k->fields[i], "year") == 0;
    json_t *v = NULL;
    double d;

    if (type == SQLITE_TEXT && strcmp(name + strlen(k->fields[i]), "__json") == 0) {
      const char *text = (const char *)sqlite3_column_text(s, c);

      v = json_loadb(text, (size_t)sqlite3_column_bytes(s, c), JSON_DECODE_ANY, NULL);
    }
    if (v != NULL) {
      h_json(&h, at_later_default(k, k->fields[i], v) ? NULL : v);
      if (is_part && json_is_string(v)) {
        copy_cut(part, cap, json_string_value(v), json_string_length(v));
        *has_part = true;
      }
      json_decref(v);
      continue;
    }
    if (column_at_later_default(k, k->fields[i], s, c)) {
      h_value(&h, 'm', NULL, 0);
      continue;
    }
    switch (type) {
    case SQLITE_INTEGER:
      d = (double)sqlite3_column_int64(s, c);
      h_value(&h, 'r', &d, sizeof(d));
      break;
    case SQLITE_FLOAT:
      d = sqlite3_column_double(s, c);
      h_value(&h, 'r', &d, sizeof(d));
      break;
    case SQLITE_TEXT:
    case SQLITE_BLOB: {
      const unsigned char *p =
        type == SQLITE_BLOB ? sqlite3_column_blob(s, c) : sqlite3_column_text(s, c);

      if (!h_text(&h, p, (size_t)sqlite3_column_bytes(s, c), is_part ? part : NULL, cap))
        return false;
      *has_part = *has_part || is_part;
      break;
    }
    default:
      h_value(&h, 'n', NULL, 0);
    }
  }
  h_final(&h, out);
  return true;
}
