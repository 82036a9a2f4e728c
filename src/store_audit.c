#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define CANON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY)

/* The entry as hashed: every column but the hashes themselves. */
static json_t *
canonical(int64_t id, const struct store_audit *e)
{
  json_t *actor = json_pack("{s:I, s:s, s:s, s:s?}", "id", (json_int_t)e->actor_id, "name",
                            e->actor_name, "role", e->actor_role, "organisation", e->actor_org);

  return json_pack("{s:I, s:s, s:o, s:s, s:s, s:I, s:s?, s:s?, s:O?, s:O?, s:s?}", "id",
                   (json_int_t)id, "at", e->at, "actor", actor, "action", e->action, "entity",
                   e->entity, "entity_id", (json_int_t)e->entity_id, "code", e->code, "quarter",
                   e->quarter, "before", e->before, "after", e->after, "request_id",
                   e->request_id);
}

static bool
chain_hash(const char *prev, const json_t *canon, char out[65])
{
  crypto_hash_sha256_state h;
  unsigned char digest[crypto_hash_sha256_BYTES];
  char *text = json_dumps(canon, CANON_FLAGS);

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

static int
bind_json_text(sqlite3_stmt *s, int idx, const json_t *v)
{
  char *text;

  if (v == NULL)
    return sqlite3_bind_null(s, idx);
  text = json_dumps(v, CANON_FLAGS);
  if (text == NULL)
    return SQLITE_NOMEM;
  return sqlite3_bind_text(s, idx, text, -1, free);
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
  json_t *canon;
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
  canon = canonical(id, e);
  if (canon == NULL || !chain_hash(prev, canon, hash)) {
    json_decref(canon);
    return RB_ERR_NOMEM;
  }
  json_decref(canon);
  err = store_stmt(st, insert_sql, &s);
  if (err != RB_OK)
    return err;
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
  bind_json_text(s, 12, e->before);
  bind_json_text(s, 13, e->after);
  store_bind_text(s, 14, e->request_id);
  store_bind_text(s, 15, prev);
  store_bind_text(s, 16, hash);
  return store_exec(st, s);
}

#define AUDIT_SELECT                                                                      \
  "SELECT id, at, json_object('token_id', actor_id, 'name', actor_name, 'role', actor_role," \
  " 'organisation', actor_org) AS actor__json, action, entity, entity_id, code, quarter,"  \
  " before AS before__json, after AS after__json, request_id, hash FROM audit"

enum rb_err
store_audit_list(struct store *st, const struct store_audit_filter *f,
                 const struct store_page *pg, json_t **items, char **next)
{
  static const char sql[] = AUDIT_SELECT
    " WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at < ?2)"
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
store_audit_verify(struct store *st, bool *ok, int64_t *entries, int64_t *broken, char *why,
                   size_t cap)
{
  static const char sql[] =
    "SELECT id, at, coalesce(actor_id, 0), actor_name, actor_role, actor_org, action, entity,"
    " coalesce(entity_id, 0), code, quarter, before, after, request_id, prev_hash, hash"
    " FROM audit ORDER BY id";
  char prev[65] = "", hash[65];
  int64_t n = 0, expect_id = 1;
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  *ok = true;
  *broken = 0;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    json_t *before = col(s, 11) ? json_loads(col(s, 11), JSON_DECODE_ANY, NULL) : NULL;
    json_t *after = col(s, 12) ? json_loads(col(s, 12), JSON_DECODE_ANY, NULL) : NULL;
    struct store_audit e = {
      .at = col(s, 1), .actor_id = sqlite3_column_int64(s, 2), .actor_name = col(s, 3),
      .actor_role = col(s, 4), .actor_org = col(s, 5), .action = col(s, 6),
      .entity = col(s, 7), .entity_id = sqlite3_column_int64(s, 8), .code = col(s, 9),
      .quarter = col(s, 10), .before = before, .after = after, .request_id = col(s, 13),
    };
    int64_t id = sqlite3_column_int64(s, 0);
    json_t *canon = canonical(id, &e);
    bool good = canon != NULL && chain_hash(prev, canon, hash);
    const char *problem = NULL;

    json_decref(canon);
    json_decref(before);
    json_decref(after);
    if (!good)
      problem = "the entry could not be read";
    else if (id != expect_id)
      problem = "an entry is missing before this one";
    else if (strcmp(col(s, 14), prev) != 0)
      problem = "prev_hash does not match the previous entry's hash";
    else if (strcmp(col(s, 15), hash) != 0)
      problem = "hash does not match the entry's content";
    if (problem != NULL) {
      *ok = false;
      *broken = id;
      snprintf(why, cap, "%s", problem);
      break;
    }
    snprintf(prev, sizeof(prev), "%s", col(s, 15));
    expect_id = id + 1;
    n++;
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    sqlite3_reset(s);
    return store_fail(st, sqlite3_extended_errcode(st->db));
  }
  sqlite3_reset(s);
  *entries = n;
  return RB_OK;
}
