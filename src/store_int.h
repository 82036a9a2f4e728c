/* Internals shared by the store_*.c files; nothing outside the store
 * includes this header. */
#ifndef RAGBOARD_STORE_INT_H
#define RAGBOARD_STORE_INT_H

#include <sqlite3.h>

#include "audit_key.h"
#include "store.h"

#define STORE_STMT_SLOTS 256

struct store {
  sqlite3 *db;
  struct {
    const char *sql; /* identity of the statement: the address of its text */
    sqlite3_stmt *stmt;
  } cache[STORE_STMT_SLOTS];
  bool in_txn;
  bool write;
  bool changed;          /* any data changed: data_version moves */
  bool ref_changed;      /* reference data changed: reference_version moves too */
  int64_t version_after; /* data version the last changing commit made */
  int64_t ref_after;     /* reference version after the last commit that changed it */
  /* Plan years whose updates or readings the open transaction changed, and
   * their reporting versions after the last commit. */
  char rep_years[8][8];
  int64_t rep_after[8];
  int nrep;
  int busy_ms;                      /* the busy timeout, as opened */
  struct store *next_free;          /* pool bookkeeping */
  const struct audit_keyring *keys; /* the audit trail's keys (borrowed); NULL: none */
};

/* The prepared statement for `sql`, which must be a string with static
 * storage: statements are cached by address. Reset and unbound. */
enum rb_err store_stmt(struct store *st, const char *sql, sqlite3_stmt **out);

/* Bind a JSON value: string -> TEXT, integer -> INTEGER, real -> REAL,
 * boolean -> 0/1, object or array -> compact JSON TEXT, NULL or json null ->
 * NULL. */
int store_bind(sqlite3_stmt *s, int idx, const json_t *v);
int store_bind_text(sqlite3_stmt *s, int idx, const char *text); /* NULL -> NULL */

/* The current row as an object keyed by column names. A column whose name
 * ends in "__json" holds JSON text and is decoded under the name without the
 * suffix. NULL on allocation failure. */
json_t *store_row(sqlite3_stmt *s);
/* The same over the first n columns only (n <= the column count). */
json_t *store_row_n(sqlite3_stmt *s, int n);
/* The same over columns from .. from + n - 1, for a statement whose row
 * holds several records side by side. */
json_t *store_row_range(sqlite3_stmt *s, int from, int n);

/* Step a statement that returns no rows; maps failures; resets it. */
enum rb_err store_exec(struct store *st, sqlite3_stmt *s);
/* Step for one row: RB_OK with *out (new ref), or RB_ERR_NOT_FOUND. Resets. */
enum rb_err store_one(struct store *st, sqlite3_stmt *s, json_t **out);
/* store_one of the cached statement sql, whose only parameter ?1 is id. */
enum rb_err store_one_id(struct store *st, const char *sql, int64_t id, json_t **out);
/* Step for one integer in column 0: RB_ERR_NOT_FOUND when no row. Resets. */
enum rb_err store_int(struct store *st, sqlite3_stmt *s, int64_t *out);
/* Collect up to `limit` rows; when a further row exists, *next is the text
 * of column `key_col` of the last row returned. Resets. */
enum rb_err store_many(struct store *st, sqlite3_stmt *s, int limit, int key_col, json_t **items,
                       char **next);

/* Run a one-row DELETE whose ?1 is key (text when not NULL, else id):
 * RB_ERR_NOT_FOUND when nothing matched, RB_ERR_CONFLICT when still
 * referenced; marks the transaction changed. */
enum rb_err store_delete_one(struct store *st, const char *sql, const char *key, int64_t id);

/* Updates or readings of the milestone (kpi false) or KPI `id` changed. */
enum rb_err store_mark_item_reporting(struct store *st, bool kpi, int64_t id);
/* Figures of KPI id changed: the reporting versions of the plan years of
 * every KPI of its chain move (its series, and so their directions of
 * travel, changed). RB_ERR_NOT_FOUND: no such KPI. */
enum rb_err store_mark_kpi_chain(struct store *st, int64_t id);

/* The columns of a KPI (alias k) that make its RAG rule at quarter ?2, and
 * the rule read back from them, starting at column col. The annual target
 * is the plan year's: a quarter of another year (a position carried from
 * the year before) is rated by a quarterly target given for it, or not at
 * all. */
#define RULE_COLUMNS                                                      \
  "k.direction, json_extract(k.quarterly_targets, '$.\"' || ?2 || '\"')," \
  " CASE WHEN substr(?2, 1, 7) = k.year THEN k.target END,"               \
  " k.tolerance_mode, k.tolerance_value"
/* The rule of KPI k at the row's quarter column q (as RULE_COLUMNS). */
#define ROW_RULE(q)                                                          \
  "k.direction, json_extract(k.quarterly_targets, '$.\"' || " q " || '\"')," \
  " CASE WHEN substr(" q ", 1, 7) = k.year THEN k.target END, k.tolerance_mode, k.tolerance_value"
struct rag_rule;
void store_rule_from_row(sqlite3_stmt *s, int col, struct rag_rule *r);

/* Map a failed step and record that a change was attempted. */
enum rb_err store_fail(struct store *st, int rc);

/* The value of field `name` of `in` as text, or NULL when absent or null. */
const char *store_str(const json_t *in, const char *name);

/* ---- audit trail internals (store_audit*.c) ---- */

/* One stored value with its SQLite storage class: what a keyed entry's MAC
 * covers, so that a value changed to another type, or to other bytes that
 * read as the same text, no longer matches. */
struct audit_tv {
  int type; /* SQLITE_NULL, SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB */
  int64_t i;
  double r;
  const void *p; /* TEXT and BLOB: the bytes */
  size_t n;
};
/* The columns in the order a keyed entry's MAC covers them (all but hash). */
enum {
  AUDIT_C_ID,
  AUDIT_C_AT,
  AUDIT_C_ACTOR_ID,
  AUDIT_C_ACTOR_NAME,
  AUDIT_C_ACTOR_ROLE,
  AUDIT_C_ACTOR_ORG,
  AUDIT_C_ACTION,
  AUDIT_C_ENTITY,
  AUDIT_C_ENTITY_ID,
  AUDIT_C_CODE,
  AUDIT_C_QUARTER,
  AUDIT_C_BEFORE,
  AUDIT_C_AFTER,
  AUDIT_C_REQUEST_ID,
  AUDIT_C_PREV_HASH,
  AUDIT_C_KEY_ID,
  AUDIT_C_COUNT
};
#define AUDIT_COLUMNS                                                                     \
  "id, at, actor_id, actor_name, actor_role, actor_org, action, entity, entity_id, code," \
  " quarter, before, after, request_id, prev_hash, key_id"
/* Append an entry signed with force, or (NULL) with the key that signs
 * the trail now (store_audit_append). */
enum rb_err store_audit_append_signed(struct store *st, const struct store_audit *e,
                                      const struct audit_key *force);
/* The hex HMAC-SHA-256 of a keyed entry's values v[0..n) under key. */
void store_audit_mac(const struct audit_key *key, const struct audit_tv *v, size_t n, char out[65]);
/* The hex SHA-256 of an unkeyed entry (prev || its canonical text); false
 * when out of memory. */
bool store_audit_legacy_hash(const char *prev, int64_t id, const struct store_audit *e,
                             const char *before_text, const char *after_text, char out[65]);
/* Column i of the current row as stored. */
void audit_tv_column(sqlite3_stmt *s, int i, struct audit_tv *out);

/* Which storage classes a column may hold, and its name. */
enum { AUDIT_T_NULL = 1, AUDIT_T_INT = 2, AUDIT_T_TEXT = 4 };
/* What is wrong with column i of the current row (holding `allowed`
 * classes; text must be UTF-8 without NUL bytes) as one line in buf, or
 * false when nothing is. */
bool audit_column_problem(sqlite3_stmt *s, int i, unsigned allowed, const char *name, char *buf,
                          size_t cap);

/* s[0..n) as a JSON string of valid UTF-8, each NUL byte and each byte that
 * starts no valid sequence made U+FFFD; NULL when out of memory. */
json_t *audit_lossy_string(const unsigned char *s, size_t n);

/* A 256-bit sum of row hashes (little endian), for the state check. */
struct audit_sum {
  unsigned char b[32];
};
/* The state baseline: every update, reading, milestone and KPI stored now,
 * summed per bucket under key (NULL: unkeyed SHA-256): {"bucket": hex}. */
enum rb_err audit_state_sums(struct store *st, const struct audit_key *key, const char *created_at,
                             json_t **out);

#endif
