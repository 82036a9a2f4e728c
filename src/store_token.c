#include "store_int.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

#define TOKEN_SELECT                                                                   \
  "SELECT t.id, t.name, t.role, o.code AS organisation, t.created_at, t.last_used_at," \
  " t.revoked_at FROM token t LEFT JOIN organisation o ON o.id = t.org_id"

enum rb_err
store_token_insert(struct store *st, const char *name, const char *role, const char *org,
                   const unsigned char hash[32], const char *now, json_t **out)
{
  static const char sql[] =
    "INSERT INTO token (name, role, org_id, hash, created_at)"
    " VALUES (?1, ?2, (SELECT id FROM organisation WHERE code = ?3), ?4, ?5)";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, name);
  store_bind_text(s, 2, role);
  store_bind_text(s, 3, org);
  sqlite3_bind_blob(s, 4, hash, 32, SQLITE_TRANSIENT);
  store_bind_text(s, 5, now);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  store_mark_changed(st);
  return store_token_get(st, sqlite3_last_insert_rowid(sqlite3_db_handle(s)), out);
}

enum rb_err
store_token_load(struct store *st, int64_t id, struct store_token *out)
{
  static const char sql[] =
    "SELECT t.id, t.role, t.name, coalesce(t.org_id, 0), coalesce(o.code, ''), t.hash,"
    " t.revoked_at IS NOT NULL, coalesce(t.last_used_at, '') FROM token t LEFT JOIN organisation o "
    "ON o.id = t.org_id"
    " WHERE t.id = ?1";
  struct store_token tok;
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, id);
  rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) {
    err = RB_ERR_NOT_FOUND;
    goto out;
  }
  if (rc != SQLITE_ROW) {
    err = store_fail(st, sqlite3_extended_errcode(st->db));
    goto out;
  }
  memset(&tok, 0, sizeof(tok));
  tok.id = sqlite3_column_int64(s, 0);
  snprintf(tok.role, sizeof(tok.role), "%s", (const char *)sqlite3_column_text(s, 1));
  /* Names longer than the buffer were accepted before AUTH_NAME_MAX: such
   * a name is cut at a character boundary, never inside one. */
  snprintf(tok.name, sizeof(tok.name), "%s", (const char *)sqlite3_column_text(s, 2));
  util_utf8_trim_cut(tok.name);
  tok.org_id = sqlite3_column_int64(s, 3);
  snprintf(tok.org, sizeof(tok.org), "%s", (const char *)sqlite3_column_text(s, 4));
  if (sqlite3_column_bytes(s, 5) != 32) {
    err = RB_ERR_DB;
    goto out;
  }
  memcpy(tok.hash, sqlite3_column_blob(s, 5), 32);
  tok.revoked = sqlite3_column_int(s, 6) != 0;
  snprintf(tok.last_used, sizeof(tok.last_used), "%s", (const char *)sqlite3_column_text(s, 7));
  *out = tok;
  err = RB_OK;
out:
  sqlite3_reset(s);
  return err;
}

enum rb_err
store_token_revoked(struct store *st, int64_t id, bool *revoked)
{
  static const char sql[] = "SELECT revoked_at IS NOT NULL FROM token WHERE id = ?1";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, id);
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    *revoked = rc == SQLITE_DONE || sqlite3_column_int(s, 0) != 0; /* gone counts as revoked */
  else
    err = store_fail(st, sqlite3_extended_errcode(st->db));
  sqlite3_reset(s);
  return err;
}

enum rb_err
store_token_list(struct store *st, const struct store_page *pg, json_t **items, char **next)
{
  static const char sql[] = TOKEN_SELECT " WHERE ?1 IS NULL OR t.id > ?1 ORDER BY t.id LIMIT ?2";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, pg->after);
  sqlite3_bind_int(s, 2, pg->limit + 1);
  return store_many(st, s, pg->limit, 0, items, next);
}

enum rb_err
store_token_get(struct store *st, int64_t id, json_t **out)
{
  static const char sql[] = TOKEN_SELECT " WHERE t.id = ?1";

  return store_one_id(st, sql, id, out);
}

enum rb_err
store_token_revoke(struct store *st, int64_t id, const char *now, json_t **out)
{
  static const char sql[] = "UPDATE token SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, id);
  store_bind_text(s, 2, now);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  store_mark_changed(st);
  return store_token_get(st, id, out);
}

enum rb_err
store_token_touch(struct store *st, int64_t id, const char *now)
{
  /* Minute resolution is plenty for "last used" and keeps reads from
   * turning into a write on every request. */
  static const char sql[] =
    "UPDATE token SET last_used_at = ?2 WHERE id = ?1"
    " AND (last_used_at IS NULL OR substr(last_used_at, 1, 16) < substr(?2, 1, 16))";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, id);
  store_bind_text(s, 2, now);
  return store_exec(st, s);
}
