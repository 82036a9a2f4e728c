/* The state check: the stored data against the audit trail.
 *
 * Two checks, one pass over the trail and one over the data:
 *  - row by row: the after-image of the last entry about a milestone
 *    update, KPI reading, milestone or KPI (update.put, reading.import,
 *    kpi.update, milestone.delete, ...) is what is stored now, field by
 *    field; a delete's last entry means the row is absent. Between two
 *    entries about a row, the later one's before is the earlier one's after.
 *  - by sums: an import creates rows without an entry each (90,000 rows
 *    would be 90,000 entries), so its "import" entry records, per bucket
 *    (an entity and a quarter, or a plan year for items), the sum mod 2^256
 *    of the keyed hashes of the rows it created; the entry that keyed the
 *    trail (or rotated its key) records the sums of every row then. Those
 *    sums, plus the hash of each later after-image and minus that of each
 *    before-image, must equal the sums of the rows stored now. The hashes
 *    are keyed with the trail's key, so that nobody without it can pick
 *    edits whose hashes cancel out. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "util.h"

#define CANON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY)
#define DIFFERENCES_LISTED 1000

static const char *const update_fields[] = {"milestone_id", "quarter",    "status",     "comment",
                                            "created_at",   "updated_at", "updated_by", NULL};
static const char *const reading_fields[] = {"kpi_id",     "quarter", "value",      "value_text",
                                             "rating",     "comment", "created_at", "updated_at",
                                             "updated_by", NULL};
static const char *const milestone_fields[] = {
  "id",          "year",  "code",       "group",      "priority", "description", "target_quarter",
  "target_text", "owner", "created_at", "updated_at", NULL};
static const char *const kpi_fields[] = {
  "id",        "year",   "code",       "group",       "priorities",        "description",
  "direction", "unit",   "target",     "target_text", "quarterly_targets", "tolerance",
  "owner",     "source", "created_at", "updated_at",  "continues",         "frequency",
  "spc",       NULL};
/* Monthly values (migration 0006): keyed by their own id, in their quarter. */
static const char *const month_fields[] = {"id",         "quarter",    "kpi_id",  "month",
                                           "value",      "value_text", "comment", "created_at",
                                           "updated_at", "updated_by", NULL};

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

/* ?1: NULL for every row, or an import's time: the rows it created that no
 * entry of the same moment records one by one (a write batched with the
 * import in the same millisecond). */
#define CREATED_BY(table, entity, id_col, code_expr, quarter_expr)                        \
  " WHERE ?1 IS NULL OR (" table ".created_at = ?1 AND NOT EXISTS (SELECT 1 FROM audit a" \
  " WHERE a.entity = '" entity "' AND a.code = " code_expr " AND a.entity_id = " id_col   \
  " AND a.quarter IS " quarter_expr " AND a.at = ?1 AND a.before IS NULL))"

/* What is checked, per entity. A child's query has its fields first, in
 * order, then its item's code: its rows are hashed from the columns (an
 * import's 160,000 rows, without a JSON object each); an item's (fewer, with
 * JSON columns) from its JSON. Both hash alike (row_hash). */
static const struct kind {
  const char *entity;
  const char *const *fields;
  bool child;           /* bucketed by quarter (else by plan year) */
  const char *id_field; /* the item's id */
  const char *code_field;
  int created_col; /* created_at's column in sql */
  const char *sql;
} kinds[] = {
  {"milestone_update", update_fields, true, "milestone_id", "milestone_code", 4,
   "SELECT u.milestone_id, u.quarter, u.status, u.comment, u.created_at, u.updated_at,"
   " u.updated_by, m.code AS milestone_code FROM milestone_update u"
   " JOIN milestone m ON m.id = u.milestone_id" CREATED_BY(
     "u", "milestone_update", "u.milestone_id", "m.code", "u.quarter")},
  {"kpi_reading", reading_fields, true, "kpi_id", "kpi_code", 6,
   "SELECT r.kpi_id, r.quarter, r.value, r.value_text, r.rating, r.comment, r.created_at,"
   " r.updated_at, r.updated_by, k.code AS kpi_code FROM kpi_reading r"
   " JOIN kpi k ON k.id = r.kpi_id" CREATED_BY("r", "kpi_reading", "r.kpi_id", "k.code",
                                               "r.quarter")},
  {"milestone", milestone_fields, false, "id", "code", 9,
   "SELECT m.id, m.year, m.code, g.code AS \"group\", m.priority_number AS priority,"
   " m.description, m.target_quarter, m.target_text, o.code AS owner, m.created_at,"
   " m.updated_at FROM milestone m JOIN tgroup g ON g.id = m.group_id"
   " LEFT JOIN organisation o ON o.id = m.owner_id" CREATED_BY("m", "milestone", "m.id", "m.code",
                                                               "NULL")},
  {"kpi", kpi_fields, false, "id", "code", 14,
   "SELECT k.id, k.year, k.code, g.code AS \"group\","
   " (SELECT json_group_array(number) FROM (SELECT number FROM kpi_priority"
   "   WHERE kpi_id = k.id ORDER BY number)) AS priorities__json,"
   " k.description, k.direction, k.unit, k.target, k.target_text,"
   " k.quarterly_targets AS quarterly_targets__json,"
   " json_object('mode', k.tolerance_mode, 'value', k.tolerance_value) AS tolerance__json,"
   " o.code AS owner, k.source, k.created_at, k.updated_at,"
   " CASE WHEN pk.id IS NULL THEN 'null'"
   "  ELSE json_object('year', pk.year, 'code', pk.code) END AS continues__json,"
   " k.frequency, coalesce(k.spc, 'null') AS spc__json"
   " FROM kpi k JOIN tgroup g ON g.id = k.group_id"
   " LEFT JOIN organisation o ON o.id = k.owner_id"
   " LEFT JOIN kpi pk ON pk.id = k.continues_id" CREATED_BY("k", "kpi", "k.id", "k.code", "NULL")},
  {"kpi_month", month_fields, true, "id", "kpi_code", 7,
   "SELECT mo.id, mo.quarter, mo.kpi_id, mo.month, mo.value, mo.value_text, mo.comment,"
   " mo.created_at, mo.updated_at, mo.updated_by, k.code AS kpi_code FROM kpi_month mo"
   " JOIN kpi k ON k.id = mo.kpi_id" CREATED_BY("mo", "kpi_month", "mo.id", "k.code",
                                                "mo.quarter")},
};
#define NKINDS ARRAY_LEN(kinds)

static const struct kind *
kind_of(const char *entity)
{
  for (size_t i = 0; entity != NULL && i < NKINDS; i++)
    if (strcmp(kinds[i].entity, entity) == 0)
      return &kinds[i];
  return NULL;
}

/* ---- row hashes and their sums ---------------------------------------------------- */

/* The row hash: keyed BLAKE2b-256 (libsodium's crypto_generichash, several
 * times faster than its SHA-256: 180,000 rows are hashed per import and per
 * check) under a subkey of the trail's key, HMAC-SHA-256(key, tag), so the
 * audit key itself keys nothing but the chain. The state after the key is
 * made once; a row's hash then costs its own bytes only. */
struct rowkey {
  crypto_generichash_state base;
};

static void
rowkey_init(struct rowkey *rk, const struct audit_key *key)
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
h_init(struct hasher *h, const struct rowkey *rk)
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

/* Whether field of kind k holds the value it had before it existed. */
static bool
at_later_default(const struct kind *k, const char *field, const json_t *v)
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

/* The image of a row: the entity and its stored fields, each with its JSON
 * type (numbers as doubles: an integer and a real of the same value, as
 * SQLite hands a REAL column's whole numbers either way, hash alike). */
static void
row_hash(const struct kind *k, const json_t *row, const struct rowkey *key, unsigned char out[32])
{
  struct hasher h;

  h_init(&h, key);
  h_value(&h, 'e', k->entity, strlen(k->entity));
  for (size_t i = 0; k->fields[i] != NULL; i++) {
    const json_t *v = json_object_get(row, k->fields[i]);

    if (v == NULL || at_later_default(k, k->fields[i], v)) {
      h_value(&h, 'm', NULL, 0);
    } else if (json_is_number(v)) {
      double d = json_number_value(v);

      h_value(&h, 'r', &d, sizeof(d));
    } else if (json_is_string(v)) {
      h_value(&h, 's', json_string_value(v), json_string_length(v));
    } else if (json_is_object(v) || json_is_array(v)) {
      char *text = json_dumps(v, CANON_FLAGS);

      h_value(&h, 'j', text, text != NULL ? strlen(text) : 0);
      free(text);
    } else {
      h_value(&h, json_is_true(v) ? 'T' : json_is_false(v) ? 'F' : 'n', NULL, 0);
    }
  }
  h_final(&h, out);
}

static size_t
nfields(const struct kind *k)
{
  size_t n = 0;

  while (k->fields[n] != NULL)
    n++;
  return n;
}

/* The same hash as row_hash, from a child's columns (its fields in order):
 * numbers as doubles, text as its bytes; a BLOB (never written) as itself. */
static void
row_hash_columns(const struct kind *k, sqlite3_stmt *s, const struct rowkey *key,
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

/* A stored row as JSON, whatever was put in the file: text that is not
 * UTF-8 and BLOBs as lossy text, a JSON column that is not JSON as its
 * text. */
static json_t *
row_json(sqlite3_stmt *s)
{
  json_t *row = json_object();
  int n = sqlite3_column_count(s);

  for (int i = 0; row != NULL && i < n; i++) {
    const char *name = sqlite3_column_name(s, i);
    size_t len = strlen(name);
    int type = sqlite3_column_type(s, i);
    const unsigned char *p =
      type == SQLITE_BLOB ? sqlite3_column_blob(s, i) : sqlite3_column_text(s, i);
    size_t bytes = (size_t)sqlite3_column_bytes(s, i);
    char key[64];
    json_t *v = NULL;

    if (len > 6 && strcmp(name + len - 6, "__json") == 0 && len - 6 < sizeof(key)) {
      memcpy(key, name, len - 6);
      key[len - 6] = '\0';
      name = key;
      if (type == SQLITE_TEXT)
        v = json_loadb((const char *)p, bytes, JSON_DECODE_ANY, NULL);
    }
    if (v == NULL) {
      if (type == SQLITE_INTEGER)
        v = json_integer(sqlite3_column_int64(s, i));
      else if (type == SQLITE_FLOAT)
        v = json_real(sqlite3_column_double(s, i));
      else if (type == SQLITE_TEXT || type == SQLITE_BLOB)
        v = audit_lossy_string(p, bytes);
      else
        v = json_null();
    }
    if (v == NULL || json_object_set_new(row, name, v) != 0) {
      json_decref(row);
      return NULL;
    }
  }
  return row;
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
static bool
bucket_of(const struct kind *k, const json_t *row, char *out, size_t cap)
{
  const char *part = json_string_value(json_object_get(row, k->child ? "quarter" : "year"));

  if (part == NULL)
    return false;
  snprintf(out, cap, "%s %s", k->entity, part);
  return true;
}

/* A map from text keys to fixed-size records (zeroed when made). A record's
 * address holds until the next one is made. */
struct table {
  json_t *index; /* key -> its record's number */
  unsigned char *v;
  size_t size, n, cap;
};

static bool
table_init(struct table *t, size_t size)
{
  memset(t, 0, sizeof(*t));
  t->size = size;
  t->index = json_object();
  return t->index != NULL;
}

static void
table_free(struct table *t)
{
  json_decref(t->index);
  free(t->v);
}

static void *
table_get(struct table *t, const char *key, bool make)
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

static void
sum_row(struct table *sums, const struct kind *k, const json_t *row, const struct rowkey *key,
        bool subtract)
{
  unsigned char h[32];
  char bucket[96];
  struct audit_sum *slot;

  if (row == NULL || !json_is_object(row) || !bucket_of(k, row, bucket, sizeof(bucket)))
    return;
  row_hash(k, row, key, h);
  if ((slot = table_get(sums, bucket, true)) != NULL)
    sum_add(slot, h, subtract);
}

/* Add the hash of the current row of k's query to sums; *json (made here
 * for an item, else NULL) is the row as JSON when it was needed. */
static bool
sum_stored(struct table *sums, const struct kind *k, sqlite3_stmt *s, const struct rowkey *key,
           json_t **json)
{
  unsigned char h[32];
  char bucket[96];
  struct audit_sum *slot;

  *json = NULL;
  if (!k->child) {
    if ((*json = row_json(s)) == NULL)
      return false;
    sum_row(sums, k, *json, key, false);
    return true;
  }
  if (sqlite3_column_type(s, 1) != SQLITE_TEXT)
    return true; /* a quarter that is not text: no bucket (the row check says) */
  snprintf(bucket, sizeof(bucket), "%s %s", k->entity, (const char *)sqlite3_column_text(s, 1));
  row_hash_columns(k, s, key, h);
  if ((slot = table_get(sums, bucket, true)) == NULL)
    return false;
  sum_add(slot, h, false);
  return true;
}

/* Add the hex sums of a recorded {"bucket": hex} to sums. */
static void
sum_recorded(struct table *sums, const json_t *recorded)
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
        n != sizeof(h) || (slot = table_get(sums, bucket, true)) == NULL)
      continue;
    sum_add(slot, h, false);
  }
}

static json_t *
sums_hex(struct table *sums)
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

/* Run kind k's query (created_at: see CREATED_BY) and call fn on each row;
 * fn answers false when out of memory. */
static enum rb_err
each_row(struct store *st, const struct kind *k, const char *created_at,
         bool (*fn)(void *, const struct kind *, sqlite3_stmt *), void *ctx)
{
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, k->sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, created_at);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    if (!fn(ctx, k, s)) {
      sqlite3_reset(s);
      return RB_ERR_NOMEM;
    }
  }
  sqlite3_reset(s);
  return rc == SQLITE_DONE ? RB_OK : store_fail(st, sqlite3_extended_errcode(st->db));
}

struct sum_ctx {
  struct table sums;
  struct rowkey key;
};

static bool
sum_one(void *ctx, const struct kind *k, sqlite3_stmt *s)
{
  struct sum_ctx *c = ctx;
  json_t *json = NULL;
  bool ok = sum_stored(&c->sums, k, s, &c->key, &json);

  json_decref(json);
  return ok;
}

enum rb_err
audit_state_sums(struct store *st, const struct audit_key *key, const char *created_at,
                 json_t **out)
{
  struct sum_ctx c;
  enum rb_err err = table_init(&c.sums, sizeof(struct audit_sum)) ? RB_OK : RB_ERR_NOMEM;

  rowkey_init(&c.key, key);
  for (size_t i = 0; i < NKINDS && err == RB_OK; i++)
    err = each_row(st, &kinds[i], created_at, sum_one, &c);
  if (err == RB_OK && (*out = sums_hex(&c.sums)) == NULL)
    err = RB_ERR_NOMEM;
  table_free(&c.sums);
  return err;
}

/* The key the trail signs with now (NULL: unkeyed). */
static enum rb_err
current_key(struct store *st, const struct audit_key **key, bool *missing)
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
  enum rb_err err = current_key(st, &key, &missing);

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

/* ---- the reconciliation ------------------------------------------------------------- */

struct last {
  int64_t id;    /* the entry */
  json_t *after; /* its after-image; NULL: a delete */
  bool seen;     /* the row is stored now */
};

struct recon {
  struct rowkey key;
  struct table sums;   /* bucket -> what the trail accounts for */
  struct table stored; /* bucket -> what is stored */
  struct table last;   /* row key -> struct last */
  json_t *imports;     /* at -> [entry id, its "created" sums] (the last entry of that moment) */
  json_t *diffs;       /* the differences listed */
  json_t *explained;   /* buckets with a row reported */
  int64_t ndiffs, baseline_id;
  const char *baseline_at;
  json_int_t checked[NKINDS];
};

static void
row_key(const struct kind *k, int64_t id, const char *quarter, char *out, size_t cap)
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
differ(struct recon *r, const struct kind *k, const json_t *row, int64_t id, const char *quarter,
       const char *field, const json_t *audited, const json_t *stored, int64_t entry,
       const char *problem)
{
  char bucket[96];
  const char *code = json_string_value(json_object_get(row, k->code_field));

  r->ndiffs++;
  if (bucket_of(k, row, bucket, sizeof(bucket)))
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
compare(struct recon *r, const struct kind *k, const json_t *audited, const json_t *found,
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
entry(struct recon *r, const struct kind *k, int64_t id, int64_t entity_id, const char *quarter,
      const char *before_text, const char *after_text)
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
  prev = table_get(&r->last, key, false);
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
    sum_row(&r->sums, k, before, &r->key, true);
    sum_row(&r->sums, k, after, &r->key, false);
  }
  if (prev == NULL && (prev = table_get(&r->last, key, true)) == NULL) {
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
stored_row(void *ctx, const struct kind *k, sqlite3_stmt *s)
{
  struct recon *r = ctx;
  json_t *row = NULL;
  int64_t id;
  const char *quarter, *created;
  char key[128];
  struct last *l;
  bool ok = sum_stored(&r->stored, k, s, &r->key, &row);

  if (!ok)
    return false;
  r->checked[k - kinds]++;
  /* the columns of the key: a child's first two, an item's id first */
  id = sqlite3_column_int64(s, 0);
  quarter = k->child ? (const char *)sqlite3_column_text(s, 1) : NULL;
  row_key(k, id, quarter, key, sizeof(key));
  l = table_get(&r->last, key, false);
  if (l != NULL)
    l->seen = true;
  if (l != NULL && l->after != NULL) {
    if (row == NULL && (row = row_json(s)) == NULL)
      return false;
    compare(r, k, l->after, row, id, quarter, l->id,
            "not as the last audited write left it (the entry named): changed in the database "
            "file");
  } else {
    created = (const char *)sqlite3_column_text(s, k->created_col);
    if (!accounted(r, created, l != NULL ? l->id : 0, 0)) {
      if (row == NULL && (row = row_json(s)) == NULL)
        return false;
      differ(r, k, row, id, quarter, NULL, NULL, NULL, l != NULL ? l->id : 0,
             l != NULL ? "stored, but the last audited write (the entry named) deleted it, and "
                         "no import created it again"
                       : "stored, but no audited write created it (its created_at is no "
                         "import's time)");
    }
  }
  json_decref(row);
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
    const struct kind *k = kind_of(entity);

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
    const struct kind *k = NULL;

    if (l->seen || l->after == NULL)
      continue;
    for (size_t i = 0; i < NKINDS && k == NULL; i++)
      if (strncmp(key, kinds[i].entity, strlen(kinds[i].entity)) == 0 &&
          key[strlen(kinds[i].entity)] == '/')
        k = &kinds[i];
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
    const struct audit_sum *a = table_get(&r->sums, bucket, false);
    const struct audit_sum *b = table_get(&r->stored, bucket, false);
    const char *space = strchr(bucket, ' ');
    char entity[32], problem[320];
    const struct kind *k;

    (void)v;
    if (memcmp(a != NULL ? a : &zero, b != NULL ? b : &zero, sizeof(zero)) == 0 ||
        json_object_get(r->explained, bucket) != NULL || space == NULL ||
        (size_t)(space - bucket) >= sizeof(entity))
      continue;
    memcpy(entity, bucket, (size_t)(space - bucket));
    entity[space - bucket] = '\0';
    if ((k = kind_of(entity)) == NULL)
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
  bool missing = false, ok;
  enum rb_err err;

  clock_gettime(CLOCK_MONOTONIC, &t0);
  memset(&r, 0, sizeof(r));
  ok = table_init(&r.sums, sizeof(struct audit_sum));
  ok = table_init(&r.stored, sizeof(struct audit_sum)) && ok;
  ok = table_init(&r.last, sizeof(struct last)) && ok;
  r.imports = json_object();
  r.diffs = json_array();
  r.explained = json_object();
  if (!ok || !r.imports || !r.diffs || !r.explained) {
    err = RB_ERR_NOMEM;
    goto out;
  }
  if ((err = current_key(st, &key, &missing)) != RB_OK)
    goto out;
  rowkey_init(&r.key, key);
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
    sum_recorded(&r.sums, base);
  if ((err = walk_trail(&r, st)) != RB_OK)
    goto out;
  json_object_foreach(r.imports, at, imp)
  {
    if (json_integer_value(json_array_get(imp, 0)) > r.baseline_id)
      sum_recorded(&r.sums, json_array_get(imp, 1));
  }
  for (size_t i = 0; i < NKINDS && err == RB_OK; i++)
    err = each_row(st, &kinds[i], NULL, stored_row, &r);
  if (err != RB_OK)
    goto out;
  gone(&r);
  compare_sums(&r);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  v = json_pack("{s:b, s:{s:I, s:I, s:I, s:I, s:I}, s:o, s:O, s:I, s:I}", "ok", r.ndiffs == 0,
                "checked", "milestone_updates", r.checked[0], "kpi_readings", r.checked[1],
                "milestones", r.checked[2], "kpis", r.checked[3], "kpi_months", r.checked[4],
                "baseline_entry", r.baseline_id > 0 ? json_integer(r.baseline_id) : json_null(),
                "differences", r.diffs, "difference_count", (json_int_t)r.ndiffs, "elapsed_ms",
                (json_int_t)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
  if (v == NULL) {
    err = RB_ERR_NOMEM;
    goto out;
  }
  *out = v;
out:
  for (size_t i = 0; i < r.last.n; i++)
    json_decref(((struct last *)(r.last.v + i * r.last.size))->after);
  table_free(&r.sums);
  table_free(&r.stored);
  table_free(&r.last);
  json_decref(r.imports);
  json_decref(r.diffs);
  json_decref(r.explained);
  json_decref(base);
  free(base_at);
  return err;
}
