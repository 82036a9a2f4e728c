/* The state check's row hashes and their sums per bucket (how the check
 * works: store_audit_state.c), and what an import entry records: the sums
 * of the rows it created. */
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
static void
row_hash(const struct state_kind *k, const json_t *row, const struct state_rowkey *key,
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

/* The same hash as row_hash, from a child's columns (its fields in order):
 * numbers as doubles, text as its bytes; a BLOB (never written) as itself. */
static void
row_hash_columns(const struct state_kind *k, sqlite3_stmt *s, const struct state_rowkey *key,
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

/* "entity part" into out, cut to cap - 1 bytes as snprintf would cut it
 * (a bucket per row: snprintf cost as much as the rest of the bucket). */
static void
bucket_key(char *out, size_t cap, const char *entity, const char *part)
{
  size_t n = 0;

  for (; *entity != '\0' && n + 1 < cap; entity++)
    out[n++] = *entity;
  if (n + 1 < cap)
    out[n++] = ' ';
  for (; *part != '\0' && n + 1 < cap; part++)
    out[n++] = *part;
  out[n] = '\0';
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
static bool
columns_are_fields(const struct state_kind *k, sqlite3_stmt *s)
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
 * hashed as row_hash hashes that string: its bytes, when they are UTF-8
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

/* The hash row_hash makes of the image state_row_json(s) reads, taken from
 * the columns without building it (an import's 10,000 items, each an
 * object of 11 to 16 members, cost a third of the import's sums): a JSON
 * column's value is parsed as state_row_json parses it, and the others hash
 * as that image holds them. s's columns are k's fields (columns_are_fields).
 * part: the bucket's field (year) when it is a string, else "" and
 * *has_part false. False when out of memory. */
static bool
row_hash_item(const struct state_kind *k, sqlite3_stmt *s, const struct state_rowkey *key,
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

static void
sum_add(struct audit_sum *s, const unsigned char h[32], bool subtract)
{
  unsigned carry = subtract ? 1 : 0; /* a - b = a + ~b + 1 */

  for (int i = 0; i < 32; i++) {
    unsigned v = s->b[i] + (unsigned)(subtract ? (unsigned char)~h[i] : h[i]) + carry;

    s->b[i] = (unsigned char)(v & 0xff);
    carry = v >> 8;
  }
}

/* The bucket a row's hash is summed in: "kpi_reading 2018-19-Q1",
 * "milestone 2018-19"; NULL when the image lacks its quarter or year. */
bool
state_bucket_of(const struct state_kind *k, const json_t *row, char *out, size_t cap)
{
  const char *part = json_string_value(json_object_get(row, k->child ? "quarter" : "year"));

  if (part == NULL)
    return false;
  snprintf(out, cap, "%s %s", k->entity, part);
  return true;
}

bool
state_table_init(struct state_table *t, size_t size)
{
  memset(t, 0, sizeof(*t));
  t->size = size;
  t->index = json_object();
  return t->index != NULL;
}

void
state_table_free(struct state_table *t)
{
  json_decref(t->index);
  free(t->v);
}

void *
state_table_get(struct state_table *t, const char *key, bool make)
{
  json_t *at = json_object_get(t->index, key);

  if (at != NULL)
    return t->v + (size_t)json_integer_value(at) * t->size;
  if (!make)
    return NULL;
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 256;
    unsigned char *grown = realloc(t->v, cap * t->size);

    if (grown == NULL)
      return NULL;
    t->v = grown;
    t->cap = cap;
  }
  if (json_object_set_new(t->index, key, json_integer((json_int_t)t->n)) != 0)
    return NULL;
  memset(t->v + t->n * t->size, 0, t->size);
  return t->v + t->n++ * t->size;
}

void
state_sum_row(struct state_table *sums, const struct state_kind *k, const json_t *row,
              const struct state_rowkey *key, bool subtract)
{
  unsigned char h[32];
  char bucket[96];
  struct audit_sum *slot;

  if (row == NULL || !json_is_object(row) || !state_bucket_of(k, row, bucket, sizeof(bucket)))
    return;
  row_hash(k, row, key, h);
  if ((slot = state_table_get(sums, bucket, true)) != NULL)
    sum_add(slot, h, subtract);
}

/* Add the hash of the current row of k's query to sums; *json is the row
 * as JSON when it was made here (else NULL). */
bool
state_sum_stored(struct state_table *sums, const struct state_kind *k, sqlite3_stmt *s,
                 const struct state_rowkey *key, json_t **json)
{
  unsigned char h[32];
  char bucket[96];
  struct audit_sum *slot;

  *json = NULL;
  if (!k->child && !columns_are_fields(k, s)) { /* (never: the queries name their fields) */
    if ((*json = state_row_json(s)) == NULL)
      return false;
    state_sum_row(sums, k, *json, key, false);
    return true;
  }
  if (!k->child) {
    char part[sizeof(bucket)];
    bool has_part;

    if (!row_hash_item(k, s, key, h, part, sizeof(part), &has_part))
      return false;
    if (!has_part)
      return true; /* no plan year: no bucket (as state_bucket_of) */
    bucket_key(bucket, sizeof(bucket), k->entity, part);
  } else {
    json_t *made;
    const char *quarter;

    if (sqlite3_column_type(s, 1) != SQLITE_TEXT)
      return true; /* a quarter that is not text: no bucket (the row check says) */
    if ((quarter = state_column_text(s, 1, &made)) == NULL)
      return false;
    bucket_key(bucket, sizeof(bucket), k->entity, quarter);
    json_decref(made);
    row_hash_columns(k, s, key, h);
  }
  if ((slot = state_table_get(sums, bucket, true)) == NULL)
    return false;
  sum_add(slot, h, false);
  return true;
}

/* Add the hex sums of a recorded {"bucket": hex} to sums. */
void
state_sum_recorded(struct state_table *sums, const json_t *recorded)
{
  const char *bucket;
  json_t *hex;

  json_object_foreach((json_t *)recorded, bucket, hex)
  {
    unsigned char h[32];
    size_t n = 0;
    struct audit_sum *slot;

    if (json_string_value(hex) == NULL ||
        sodium_hex2bin(h, sizeof(h), json_string_value(hex), json_string_length(hex), NULL, &n,
                       NULL) != 0 ||
        n != sizeof(h) || (slot = state_table_get(sums, bucket, true)) == NULL)
      continue;
    sum_add(slot, h, false);
  }
}

static json_t *
sums_hex(struct state_table *sums)
{
  json_t *out = json_object(), *v;
  const char *bucket;

  json_object_foreach(sums->index, bucket, v)
  {
    char hex[65];

    sodium_bin2hex(hex, sizeof(hex), sums->v + (size_t)json_integer_value(v) * sums->size, 32);
    json_object_set_new(out, bucket, json_string(hex));
  }
  return out;
}

struct sum_ctx {
  struct state_table sums;
  struct state_rowkey key;
};

static bool
sum_one(void *ctx, const struct state_kind *k, sqlite3_stmt *s)
{
  struct sum_ctx *c = ctx;
  json_t *json = NULL;
  bool ok = state_sum_stored(&c->sums, k, s, &c->key, &json);

  json_decref(json);
  return ok;
}

enum rb_err
audit_state_sums(struct store *st, const struct audit_key *key, const char *created_at,
                 json_t **out)
{
  struct sum_ctx c;
  enum rb_err err = state_table_init(&c.sums, sizeof(struct audit_sum)) ? RB_OK : RB_ERR_NOMEM;

  state_rowkey_init(&c.key, key);
  for (size_t i = 0; i < STATE_NKINDS && err == RB_OK; i++)
    err = state_each_row(st, &state_kinds[i], created_at, sum_one, &c);
  if (err == RB_OK && (*out = sums_hex(&c.sums)) == NULL)
    err = RB_ERR_NOMEM;
  state_table_free(&c.sums);
  return err;
}

/* The key the trail signs with now (NULL: unkeyed). */
enum rb_err
state_current_key(struct store *st, const struct audit_key **key, bool *missing)
{
  struct store_audit_keying k;
  enum rb_err err = store_audit_keying(st, &k);

  *missing = false;
  *key = NULL;
  if (err != RB_OK)
    return err;
  if (!k.keyed && k.entries == 0)
    *key = audit_keyring_newest(st->keys); /* an empty trail starts keyed */
  else if (k.keyed && (*key = audit_keyring_find(st->keys, k.signer)) == NULL)
    *missing = true;
  return RB_OK;
}

enum rb_err
store_audit_import_after(struct store *st, const char *at, const json_t *counts, json_t **out)
{
  const struct audit_key *key;
  json_t *sums = NULL, *after;
  bool missing;
  enum rb_err err = state_current_key(st, &key, &missing);

  if (err != RB_OK)
    return err;
  if (missing)
    return RB_ERR_SCHEMA;
  if ((err = audit_state_sums(st, key, at, &sums)) != RB_OK)
    return err;
  after = json_deep_copy(counts);
  if (after == NULL || json_object_set_new(after, "created", sums) != 0) {
    json_decref(after);
    return RB_ERR_NOMEM;
  }
  *out = after;
  return RB_OK;
}
