/* The state check's sums of row hashes per bucket (how the check works:
 * store_audit_state.c; the hashes: store_audit_state_hash.c), and what an
 * import entry records: the sums of the rows it created. */
#include "store_audit_state_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  state_row_hash(k, row, key, h);
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
  if (!k->child && !state_columns_are_fields(k, s)) { /* (never: the queries name their fields) */
    if ((*json = state_row_json(s)) == NULL)
      return false;
    state_sum_row(sums, k, *json, key, false);
    return true;
  }
  if (!k->child) {
    char part[sizeof(bucket)];
    bool has_part;

    if (!state_row_hash_item(k, s, key, h, part, sizeof(part), &has_part))
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
    state_row_hash_columns(k, s, key, h);
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
