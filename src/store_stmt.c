/* The statement cache and the helpers every store_*.c file builds its
 * queries with: bind, step, rows as JSON, error mapping. */
#include "store_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum rb_err
store_stmt(struct store *st, const char *sql, sqlite3_stmt **out)
{
  size_t h = ((uintptr_t)sql >> 3) % STORE_STMT_SLOTS;

  for (size_t i = 0; i < STORE_STMT_SLOTS; i++) {
    size_t slot = (h + i) % STORE_STMT_SLOTS;

    if (st->cache[slot].sql == sql) {
      sqlite3_reset(st->cache[slot].stmt);
      sqlite3_clear_bindings(st->cache[slot].stmt);
      *out = st->cache[slot].stmt;
      return RB_OK;
    }
    if (st->cache[slot].sql == NULL) {
      sqlite3_stmt *s = NULL;
      int rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);

      if (rc != SQLITE_OK)
        return db_error(rc) == RB_OK ? RB_ERR_DB : db_error(rc);
      st->cache[slot].sql = sql;
      st->cache[slot].stmt = s;
      *out = s;
      return RB_OK;
    }
  }
  return RB_ERR_INTERNAL; /* more distinct statements than slots */
}

int
store_bind_text(sqlite3_stmt *s, int idx, const char *text)
{
  if (text == NULL)
    return sqlite3_bind_null(s, idx);
  return sqlite3_bind_text(s, idx, text, -1, SQLITE_TRANSIENT);
}

int
store_bind(sqlite3_stmt *s, int idx, const json_t *v)
{
  char *text;
  int rc;

  switch (v == NULL ? JSON_NULL : json_typeof(v)) {
  case JSON_STRING:
    return sqlite3_bind_text(s, idx, json_string_value(v), (int)json_string_length(v),
                             SQLITE_TRANSIENT);
  case JSON_INTEGER:
    return sqlite3_bind_int64(s, idx, json_integer_value(v));
  case JSON_REAL:
    return sqlite3_bind_double(s, idx, json_real_value(v));
  case JSON_TRUE:
    return sqlite3_bind_int(s, idx, 1);
  case JSON_FALSE:
    return sqlite3_bind_int(s, idx, 0);
  case JSON_OBJECT:
  case JSON_ARRAY:
    text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    if (text == NULL)
      return SQLITE_NOMEM;
    rc = sqlite3_bind_text(s, idx, text, -1, free);
    return rc;
  case JSON_NULL:
  default:
    return sqlite3_bind_null(s, idx);
  }
}

const char *
store_str(const json_t *in, const char *name)
{
  return json_string_value(json_object_get(in, name));
}

/* A JSON column's value. The common empty values (a KPI's "{}" quarterly
 * targets, "null" settings, "[]") skip the parser, whose setup costs more
 * than they do: a list page holds several per row. */
static json_t *
json_text(const char *text)
{
  if (text == NULL || strcmp(text, "null") == 0)
    return json_null();
  if (strcmp(text, "{}") == 0)
    return json_object();
  if (strcmp(text, "[]") == 0)
    return json_array();
  return json_loads(text, JSON_DECODE_ANY, NULL);
}

json_t *
store_row(sqlite3_stmt *s)
{
  return store_row_n(s, sqlite3_column_count(s));
}

json_t *
store_row_n(sqlite3_stmt *s, int n)
{
  return store_row_range(s, 0, n);
}

json_t *
store_row_range(sqlite3_stmt *s, int from, int n)
{
  json_t *row = json_object();

  /* Keys are the column names of the store's own SQL, ASCII: jansson's
   * UTF-8 check of each (set_new) is skipped; values are still checked. */
  if (row == NULL)
    return NULL;
  for (int i = from; i < from + n; i++) {
    const char *name = sqlite3_column_name(s, i);
    size_t len = strlen(name);
    json_t *v;

    if (len > 6 && strcmp(name + len - 6, "__json") == 0) {
      const char *text = (const char *)sqlite3_column_text(s, i);
      char key[64];

      v = json_text(text);
      if (len - 6 >= sizeof(key)) {
        json_decref(v);
        continue;
      }
      memcpy(key, name, len - 6);
      key[len - 6] = '\0';
      if (v == NULL || json_object_set_new_nocheck(row, key, v) != 0)
        goto fail;
      continue;
    }
    switch (sqlite3_column_type(s, i)) {
    case SQLITE_INTEGER:
      v = json_integer(sqlite3_column_int64(s, i));
      break;
    case SQLITE_FLOAT:
      v = json_real(sqlite3_column_double(s, i));
      break;
    case SQLITE_TEXT:
      v = json_stringn((const char *)sqlite3_column_text(s, i), (size_t)sqlite3_column_bytes(s, i));
      break;
    case SQLITE_NULL:
    default:
      v = json_null();
      break;
    }
    if (v == NULL || json_object_set_new_nocheck(row, name, v) != 0)
      goto fail;
  }
  return row;
fail:
  json_decref(row);
  return NULL;
}

enum rb_err
store_fail(struct store *st, int rc)
{
  int sys = errno; /* first: that of the system call that failed, if any */
  enum rb_err err = db_error(rc);

  /* SQLite reports a write that fails for any reason but ENOSPC as
   * SQLITE_IOERR_* (and SQLite 3.40 leaves sqlite3_system_errno() unset
   * when COMMIT fails): the errno tells a full disk or quota from a
   * read-only file system (remounted after errors) or a failing device. */
  if ((rc & 0xff) == SQLITE_IOERR && rc != SQLITE_IOERR_NOMEM) {
    switch (sys != 0 ? sys : sqlite3_system_errno(st->db)) {
    case ENOSPC:
    case EDQUOT:
      err = RB_ERR_FULL;
      break;
    case EROFS:  /* the file system was remounted read-only */
    case EPERM:  /* the file was made immutable (chattr +i) */
    case EACCES: /* or its permissions were taken away */
      err = RB_ERR_READONLY;
      break;
    case EIO:
      err = RB_ERR_IO;
      break;
    default:
      break;
    }
  }
  return err == RB_OK ? RB_ERR_DB : err;
}

enum rb_err
store_exec(struct store *st, sqlite3_stmt *s)
{
  int rc = sqlite3_step(s);

  sqlite3_reset(s);
  if (rc != SQLITE_DONE)
    return store_fail(st, sqlite3_extended_errcode(st->db));
  return RB_OK;
}

enum rb_err
store_one(struct store *st, sqlite3_stmt *s, json_t **out)
{
  enum rb_err err;
  int rc = sqlite3_step(s);
  json_t *row;

  if (rc == SQLITE_DONE) {
    err = RB_ERR_NOT_FOUND;
    goto out;
  }
  if (rc != SQLITE_ROW) {
    err = store_fail(st, sqlite3_extended_errcode(st->db));
    goto out;
  }
  row = store_row(s);
  if (row == NULL) {
    err = RB_ERR_NOMEM;
    goto out;
  }
  *out = row;
  err = RB_OK;
out:
  sqlite3_reset(s);
  return err;
}

enum rb_err
store_one_id(struct store *st, const char *sql, int64_t id, json_t **out)
{
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, id);
  return store_one(st, s, out);
}

enum rb_err
store_int(struct store *st, sqlite3_stmt *s, int64_t *out)
{
  enum rb_err err;
  int rc = sqlite3_step(s);

  if (rc == SQLITE_ROW) {
    *out = sqlite3_column_int64(s, 0);
    err = RB_OK;
  } else if (rc == SQLITE_DONE) {
    err = RB_ERR_NOT_FOUND;
  } else {
    err = store_fail(st, sqlite3_extended_errcode(st->db));
  }
  sqlite3_reset(s);
  return err;
}

enum rb_err
store_many(struct store *st, sqlite3_stmt *s, int limit, int key_col, json_t **items, char **next)
{
  json_t *arr = json_array();
  char *key = NULL;
  enum rb_err err;
  int rc, n = 0;

  if (arr == NULL)
    return RB_ERR_NOMEM;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    json_t *row;

    if (n == limit)
      break; /* a further row exists: the last one returned is the cursor */
    row = store_row(s);
    if (row == NULL || json_array_append_new(arr, row) != 0) {
      err = RB_ERR_NOMEM;
      goto fail;
    }
    n++;
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    err = store_fail(st, sqlite3_extended_errcode(st->db));
    goto fail;
  }
  if (rc == SQLITE_ROW) {
    json_t *last = json_array_get(arr, json_array_size(arr) - 1);
    const char *name = sqlite3_column_name(s, key_col);
    json_t *kv = json_object_get(last, name);
    char buf[32];

    if (json_is_integer(kv)) {
      snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(kv));
      key = strdup(buf);
    } else {
      key = strdup(json_string_value(kv) != NULL ? json_string_value(kv) : "");
    }
    if (key == NULL) {
      err = RB_ERR_NOMEM;
      goto fail;
    }
  }
  sqlite3_reset(s);
  *items = arr;
  *next = key;
  return RB_OK;
fail:
  sqlite3_reset(s);
  json_decref(arr);
  free(key);
  return err;
}
