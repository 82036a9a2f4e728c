/* Internals of the state check (GET /api/v1/audit/verify?state=true,
 * `ragboard audit verify`), shared by its five files:
 *   store_audit_state.c        what is checked: the entities, their fields
 *                              and queries, a stored row read as JSON;
 *   store_audit_state_hash.c   keyed row hashes, from a row's JSON image or
 *                              from its columns;
 *   store_audit_state_sums.c   the hashes' sums per bucket (also what an
 *                              import entry records);
 *   store_audit_state_recon.c  the reconciliation: the trail against the
 *                              rows stored now;
 *   store_audit_state_dataset.c  the plan years' titles against the import
 *                              entries that recorded them.
 * store_audit_state.c's head comment says how the check works. Nothing
 * outside these files includes this header but tests/test_audit_state.c,
 * which checks the row hashes white-box. */
#ifndef RAGBOARD_STORE_AUDIT_STATE_INT_H
#define RAGBOARD_STORE_AUDIT_STATE_INT_H

#include <sodium.h>

#include "store_int.h"

/* What is checked, per entity (the table is in store_audit_state.c). */
struct state_kind {
  const char *entity;
  const char *const *fields;
  bool child;           /* bucketed by quarter (else by plan year) */
  const char *id_field; /* the item's id */
  const char *code_field;
  int created_col; /* created_at's column in sql */
  const char *sql;
};
#define STATE_NKINDS 5
extern const struct state_kind state_kinds[]; /* STATE_NKINDS of them */

/* The kind named entity, or NULL. */
const struct state_kind *state_kind_of(const char *entity);

/* A stored row as JSON (see store_audit_state.c); NULL when out of memory. */
json_t *state_row_json(sqlite3_stmt *s);

/* Column i as text (SQLite's conversion), made lossy UTF-8 as a row's
 * image holds text (state_row_json), so that bytes edited into the file are
 * named in a difference, never taken for a failure. *made: NULL, or the
 * string that holds it when one had to be made (the caller's to decref).
 * NULL when the column is NULL, or out of memory (*made NULL either way). */
const char *state_column_text(sqlite3_stmt *s, int i, json_t **made);

/* Run kind k's query (created_at: NULL for every row, or an import's time:
 * the rows it created that no entry records one by one) and call fn on each
 * row; fn answers false when out of memory. */
enum rb_err state_each_row(struct store *st, const struct state_kind *k, const char *created_at,
                           bool (*fn)(void *, const struct state_kind *, sqlite3_stmt *),
                           void *ctx);

/* The key row hashes are made with: a subkey of the trail's key. */
struct state_rowkey {
  crypto_generichash_state base;
};
/* key NULL: an unkeyed trail's (plain BLAKE2b-256). */
void state_rowkey_init(struct state_rowkey *rk, const struct audit_key *key);

/* The hash of a row's image: the entity and its stored fields. */
void state_row_hash(const struct state_kind *k, const json_t *row, const struct state_rowkey *key,
                    unsigned char out[32]);
/* The same hash from a child's columns (its fields in order). */
void state_row_hash_columns(const struct state_kind *k, sqlite3_stmt *s,
                            const struct state_rowkey *key, unsigned char out[32]);
/* Whether the columns of s are k's fields, in order (a JSON column named
 * with "__json" after its field). */
bool state_columns_are_fields(const struct state_kind *k, sqlite3_stmt *s);
/* The same hash from an item's columns (state_columns_are_fields); part:
 * its plan year when a string (cut to cap), *has_part says. False when out
 * of memory. */
bool state_row_hash_item(const struct state_kind *k, sqlite3_stmt *s,
                         const struct state_rowkey *key, unsigned char out[32], char *part,
                         size_t cap, bool *has_part);

/* A map from text keys to fixed-size records (zeroed when made). A record's
 * address holds until the next one is made. */
struct state_table {
  json_t *index; /* key -> its record's number */
  unsigned char *v;
  size_t size, n, cap;
};
bool state_table_init(struct state_table *t, size_t size);
void state_table_free(struct state_table *t);
/* The record of key; made when absent and make (NULL: absent, or out of
 * memory). */
void *state_table_get(struct state_table *t, const char *key, bool make);

/* The bucket a row's hash is summed in: "kpi_reading 2018-19-Q1",
 * "milestone 2018-19"; false when the image lacks its quarter or year. */
bool state_bucket_of(const struct state_kind *k, const json_t *row, char *out, size_t cap);
/* Add (or subtract) the hash of the image row to its bucket in sums (a
 * bucket -> struct audit_sum table); nothing when row is NULL or has no
 * bucket. */
void state_sum_row(struct state_table *sums, const struct state_kind *k, const json_t *row,
                   const struct state_rowkey *key, bool subtract);
/* Add the hash of the current row of k's query to sums; *json is the row
 * as JSON when it was made here (else NULL). False when out of memory. */
bool state_sum_stored(struct state_table *sums, const struct state_kind *k, sqlite3_stmt *s,
                      const struct state_rowkey *key, json_t **json);
/* Add the hex sums of a recorded {"bucket": hex} to sums. */
void state_sum_recorded(struct state_table *sums, const json_t *recorded);

/* The plan years' titles (store_audit_state_dataset.c) against the import
 * entries: each difference is counted in *ndiffs and listed in diffs while
 * it holds fewer than max; *checked counts the rows. */
enum rb_err state_check_datasets(struct store *st, json_t *diffs, size_t max, int64_t *ndiffs,
                                 json_int_t *checked);

/* The key the trail signs with now (NULL: unkeyed); *missing when the trail
 * is keyed but its key is not in the key file. */
enum rb_err state_current_key(struct store *st, const struct audit_key **key, bool *missing);

#endif
