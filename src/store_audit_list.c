/* Listing the trail: entries as stored, those ragboard would not have
 * written (a BLOB, a NUL byte, text that is not UTF-8 or not JSON) shown
 * with what is wrong with them. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonv.h"

/* s[0..n) as valid UTF-8 without NUL: each NUL byte, and each byte that
 * does not start a valid sequence, becomes U+FFFD (many JSON parsers refuse
 * \u0000). A new JSON string. */
json_t *
audit_lossy_string(const unsigned char *s, size_t n)
{
  char *out = malloc(n * 3 + 1);
  size_t o = 0;
  json_t *str;

  if (out == NULL)
    return NULL;
  for (size_t i = 0; i < n;) {
    size_t len = s[i] == 0               ? 0
                 : s[i] < 0x80           ? 1
                 : (s[i] & 0xe0) == 0xc0 ? 2
                 : (s[i] & 0xf0) == 0xe0 ? 3
                 : (s[i] & 0xf8) == 0xf0 ? 4
                                         : 0;

    if (len > 0 && i + len <= n && jv_utf8_valid((const char *)s + i, len)) {
      memcpy(out + o, s + i, len);
      o += len;
      i += len;
    } else {
      memcpy(out + o, "\xef\xbf\xbd", 3);
      o += 3;
      i++;
    }
  }
  str = json_stringn_nocheck(out, o);
  free(out);
  return str;
}

/* Column i as the listing shows it: text and integers as such, anything
 * else as text of what is stored, with the problem noted. */
static json_t *
list_value(sqlite3_stmt *s, int i, unsigned allowed, const char *name, json_t *problems)
{
  char why[160];
  int type = sqlite3_column_type(s, i);

  if (audit_column_problem(s, i, allowed, name, why, sizeof(why)))
    json_array_append_new(problems, json_string(why));
  if (type == SQLITE_NULL)
    return json_null();
  if (allowed & AUDIT_T_INT)
    return type == SQLITE_INTEGER ? json_integer(sqlite3_column_int64(s, i)) : json_null();
  if (type == SQLITE_BLOB) {
    const void *p = sqlite3_column_blob(s, i);

    return audit_lossy_string(p, (size_t)sqlite3_column_bytes(s, i));
  }
  return audit_lossy_string(sqlite3_column_text(s, i), (size_t)sqlite3_column_bytes(s, i));
}

/* before or after: its JSON, or its text (noted) when it is not JSON. */
static json_t *
list_json(sqlite3_stmt *s, int i, const char *name, json_t *problems)
{
  json_t *v = list_value(s, i, AUDIT_T_TEXT | AUDIT_T_NULL, name, problems), *parsed;

  if (!json_is_string(v))
    return v;
  parsed = json_loadb(json_string_value(v), json_string_length(v), JSON_DECODE_ANY, NULL);
  if (parsed == NULL || !(json_is_object(parsed) || json_is_null(parsed))) {
    char why[64];

    json_decref(parsed);
    snprintf(why, sizeof(why), "%s is not a JSON object", name);
    json_array_append_new(problems, json_string(why));
    return v;
  }
  json_decref(v);
  return parsed;
}

/* One listing row of "SELECT id, at, actor_id, actor_name, actor_role,
 * actor_org, action, entity, entity_id, code, quarter, before, after,
 * request_id, hash". An entry whose stored values are not what ragboard
 * writes is shown as stored, with "altered": true and what is wrong. */
static json_t *
list_row(sqlite3_stmt *s)
{
  json_t *problems = json_array();
  json_t *row = json_object(), *actor = json_object();

  if (problems == NULL || row == NULL || actor == NULL)
    goto fail;
  json_object_set_new(row, "id", list_value(s, 0, AUDIT_T_INT, "id", problems));
  json_object_set_new(row, "at", list_value(s, 1, AUDIT_T_TEXT, "at", problems));
  json_object_set_new(actor, "token_id",
                      list_value(s, 2, AUDIT_T_INT | AUDIT_T_NULL, "actor_id", problems));
  json_object_set_new(actor, "name", list_value(s, 3, AUDIT_T_TEXT, "actor_name", problems));
  json_object_set_new(actor, "role", list_value(s, 4, AUDIT_T_TEXT, "actor_role", problems));
  json_object_set_new(actor, "organisation",
                      list_value(s, 5, AUDIT_T_TEXT | AUDIT_T_NULL, "actor_org", problems));
  json_object_set_new(row, "actor", actor);
  actor = NULL;
  json_object_set_new(row, "action", list_value(s, 6, AUDIT_T_TEXT, "action", problems));
  json_object_set_new(row, "entity", list_value(s, 7, AUDIT_T_TEXT, "entity", problems));
  json_object_set_new(row, "entity_id",
                      list_value(s, 8, AUDIT_T_INT | AUDIT_T_NULL, "entity_id", problems));
  json_object_set_new(row, "code", list_value(s, 9, AUDIT_T_TEXT | AUDIT_T_NULL, "code", problems));
  json_object_set_new(row, "quarter",
                      list_value(s, 10, AUDIT_T_TEXT | AUDIT_T_NULL, "quarter", problems));
  json_object_set_new(row, "before", list_json(s, 11, "before", problems));
  json_object_set_new(row, "after", list_json(s, 12, "after", problems));
  json_object_set_new(row, "request_id",
                      list_value(s, 13, AUDIT_T_TEXT | AUDIT_T_NULL, "request_id", problems));
  json_object_set_new(row, "hash", list_value(s, 14, AUDIT_T_TEXT, "hash", problems));
  if (json_array_size(problems) > 0) {
    json_object_set_new(row, "altered", json_true());
    json_object_set_new(row, "problems", problems);
  } else {
    json_decref(problems);
  }
  return row;
fail:
  json_decref(problems);
  json_decref(row);
  json_decref(actor);
  return NULL;
}

enum rb_err
store_audit_list(struct store *st, const struct store_audit_filter *f, const struct store_page *pg,
                 json_t **items, char **next)
{
  static const char sql[] =
    "SELECT id, at, actor_id, actor_name, actor_role, actor_org, action, entity, entity_id,"
    " code, quarter, before, after, request_id, hash FROM audit"
    " WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at < ?2)"
    " AND (?3 IS NULL OR actor_id = ?3) AND (?4 IS NULL OR actor_org = ?4)"
    " AND (?5 IS NULL OR entity = ?5) AND (?6 IS NULL OR code = ?6)"
    " AND (?7 IS NULL OR quarter = ?7) AND (?8 IS NULL OR action = ?8)"
    " AND (?9 IS NULL OR id > ?9) ORDER BY id LIMIT ?10";
  json_t *arr = json_array();
  char *key = NULL;
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);
  int rc, n = 0;

  if (err != RB_OK || arr == NULL) {
    json_decref(arr);
    return err != RB_OK ? err : RB_ERR_NOMEM;
  }
  store_bind_text(s, 1, f->since);
  store_bind_text(s, 2, f->until);
  if (f->has_actor)
    sqlite3_bind_int64(s, 3, f->actor);
  store_bind_text(s, 4, f->organisation);
  store_bind_text(s, 5, f->entity);
  store_bind_text(s, 6, f->code);
  store_bind_text(s, 7, f->quarter);
  store_bind_text(s, 8, f->action);
  if (pg->after != NULL)
    sqlite3_bind_int64(s, 9, strtoll(pg->after, NULL, 10));
  sqlite3_bind_int(s, 10, pg->limit + 1);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    json_t *row;

    if (n == pg->limit) {
      char buf[32];

      /* a further row exists: the last one returned is the cursor */
      snprintf(buf, sizeof(buf), "%lld",
               (long long)json_integer_value(
                 json_object_get(json_array_get(arr, json_array_size(arr) - 1), "id")));
      key = strdup(buf);
      if (key == NULL)
        err = RB_ERR_NOMEM;
      break;
    }
    row = list_row(s);
    if (row == NULL || json_array_append_new(arr, row) != 0) {
      err = RB_ERR_NOMEM;
      break;
    }
    n++;
  }
  if (err == RB_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
    err = store_fail(st, sqlite3_extended_errcode(st->db));
  sqlite3_reset(s);
  if (err != RB_OK) {
    json_decref(arr);
    free(key);
    return err;
  }
  *items = arr;
  *next = key;
  return RB_OK;
}
