/* Tokens and the audit trail: admin business. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "jsonv.h"
#include "quarter.h"

static const char *const roles[] = {"admin", "submitter", "viewer", NULL};

static const struct jv_field token_fields[] = {
  {"name", JV_TEXT, JV_REQUIRED | JV_NONEMPTY, NULL},
  {"role", JV_ENUM, JV_REQUIRED, roles},
  {"organisation", JV_KEY, JV_NULLABLE, NULL},
};

enum rb_err
api_token_list(struct api_ctx *c)
{
  static const char *const allowed[] = {"limit", "cursor", NULL};
  struct store_page pg;
  char key[64];
  json_t *items;
  char *next;
  enum rb_err err;

  if ((err = api_query_allow(c, allowed)) != RB_OK ||
      (err = api_page(c, &pg, key, sizeof(key))) != RB_OK)
    return err;
  err = store_token_list(c->st, &pg, &items, &next);
  if (err != RB_OK)
    return api_store_fail(c, err, "token list");
  return api_reply_list(c, items, next);
}

enum rb_err
api_token_create(struct api_ctx *c)
{
  json_t *in = NULL, *row = NULL;
  const char *org, *name;
  char token[AUTH_TOKEN_MAX], location[64];
  enum auth_role role = AUTH_VIEWER;
  int64_t id;
  enum rb_err err;

  if ((err = api_body(c, &in)) != RB_OK)
    return err;
  c->errors = json_array();
  jv_check(in, token_fields, 3, "", c->errors);
  org = json_string_value(json_object_get(in, "organisation"));
  name = json_string_value(json_object_get(in, "name"));
  /* Each field's own rules apply whatever else is wrong, so that one answer
   * names every bad field; a field that failed its type check is not
   * checked again. */
  if (name != NULL && !api_field_failed(c, "name") && strlen(name) > AUTH_NAME_MAX)
    api_field_error(c, "name", "must be at most %d bytes", AUTH_NAME_MAX);
  if (!api_field_failed(c, "role") && !api_field_failed(c, "organisation")) {
    auth_role_parse(json_string_value(json_object_get(in, "role")), &role);
    if (role == AUTH_SUBMITTER && org == NULL)
      api_field_error(c, "organisation", "is required for a submitter token");
  }
  if (org != NULL && !api_field_failed(c, "organisation") && store_org_id(c->st, org, &id) != RB_OK)
    api_field_error(c, "organisation", "no organisation with code %s", org);
  if ((err = api_check_errors(c)) != RB_OK)
    goto out;
  err = auth_token_create(c->st, name, role, org, c->now, token, &row);
  if (err != RB_OK) {
    err = api_store_fail(c, err, "token");
    goto out;
  }
  id = json_integer_value(json_object_get(row, "id"));
  err = api_audit(c, "token.create", "token", id, NULL, NULL, NULL, row);
  if (err != RB_OK) {
    json_decref(row);
    goto out;
  }
  /* The secret is in this answer only; it is never stored or logged. */
  json_object_set_new(row, "token", json_string(token));
  snprintf(location, sizeof(location), "/api/v1/tokens/%lld", (long long)id);
  rb_response_header(c->resp, "Location", location);
  err = api_reply(c, 201, row);
out:
  json_decref(in);
  return err;
}

/* One token's metadata (never its secret): where POST /tokens's Location
 * points. */
enum rb_err
api_token_get(struct api_ctx *c)
{
  json_t *row = NULL;
  int64_t id;
  enum rb_err err;

  if (api_path_id(c, 0, &id) != RB_OK)
    return api_fail(c, RB_ERR_NOT_FOUND, "no token with id %.32s", c->path[0]);
  err = store_token_get(c->st, id, &row);
  if (err == RB_ERR_NOT_FOUND)
    return api_fail(c, err, "no token with id %lld", (long long)id);
  if (err != RB_OK)
    return api_store_fail(c, err, "token");
  return api_reply(c, 200, row);
}

enum rb_err
api_token_revoke(struct api_ctx *c)
{
  json_t *before = NULL, *after = NULL;
  int64_t id;
  enum rb_err err = api_path_id(c, 0, &id);

  if (err != RB_OK)
    return api_fail(c, err, "no token with id %.32s", c->path[0]);
  err = store_token_get(c->st, id, &before);
  if (err == RB_ERR_NOT_FOUND)
    return api_fail(c, err, "no token with id %lld", (long long)id);
  if (err == RB_OK)
    err = store_token_revoke(c->st, id, c->now, &after);
  if (err == RB_OK)
    err = api_audit(c, "token.revoke", "token", id, NULL, NULL, before, after);
  json_decref(before);
  if (err != RB_OK) {
    json_decref(after);
    return c->detail[0] ? err : api_store_fail(c, err, "token");
  }
  return api_reply(c, 200, after);
}

static void
csv_field(char **buf, size_t *len, size_t *cap, const char *v, bool last)
{
  size_t need = (v ? strlen(v) * 2 : 0) + 4;

  if (*len + need + 1 > *cap) {
    size_t ncap = (*cap + need) * 2;
    char *grown = realloc(*buf, ncap);

    if (grown == NULL)
      return;
    *buf = grown;
    *cap = ncap;
  }
  if (v != NULL && v[strcspn(v, ",\"\r\n")] != '\0') {
    (*buf)[(*len)++] = '"';
    for (const char *p = v; *p; p++) {
      if (*p == '"')
        (*buf)[(*len)++] = '"';
      (*buf)[(*len)++] = *p;
    }
    (*buf)[(*len)++] = '"';
  } else if (v != NULL) {
    memcpy(*buf + *len, v, strlen(v));
    *len += strlen(v);
  }
  if (last) {
    (*buf)[(*len)++] = '\r';
    (*buf)[(*len)++] = '\n';
  } else {
    (*buf)[(*len)++] = ',';
  }
  (*buf)[*len] = '\0';
}

/* One CSV line per entry, RFC 4180, before/after as JSON text. */
static enum rb_err
reply_csv(struct api_ctx *c, json_t *items, char *next)
{
  static const char *const cols[] = {
    "id",     "at",         "actor_token_id", "actor_name", "actor_role", "actor_organisation",
    "action", "entity",     "entity_id",      "code",       "quarter",    "before",
    "after",  "request_id", "hash",           NULL};
  char *buf = NULL, num[32];
  size_t len = 0, cap = 0, i;
  json_t *e;

  for (size_t k = 0; cols[k] != NULL; k++)
    csv_field(&buf, &len, &cap, cols[k], cols[k + 1] == NULL);
  json_array_foreach(items, i, e)
  {
    json_t *actor = json_object_get(e, "actor");
    char *before = json_is_null(json_object_get(e, "before"))
                     ? NULL
                     : json_dumps(json_object_get(e, "before"), JSON_COMPACT | JSON_ENCODE_ANY);
    char *after = json_is_null(json_object_get(e, "after"))
                    ? NULL
                    : json_dumps(json_object_get(e, "after"), JSON_COMPACT | JSON_ENCODE_ANY);
    char tid[32] = "", eid[32] = "";

    snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(json_object_get(e, "id")));
    if (json_is_integer(json_object_get(actor, "token_id")))
      snprintf(tid, sizeof(tid), "%lld",
               (long long)json_integer_value(json_object_get(actor, "token_id")));
    if (json_is_integer(json_object_get(e, "entity_id")))
      snprintf(eid, sizeof(eid), "%lld",
               (long long)json_integer_value(json_object_get(e, "entity_id")));
    csv_field(&buf, &len, &cap, num, false);
    csv_field(&buf, &len, &cap, json_string_value(json_object_get(e, "at")), false);
    csv_field(&buf, &len, &cap, tid, false);
    csv_field(&buf, &len, &cap, json_string_value(json_object_get(actor, "name")), false);
    csv_field(&buf, &len, &cap, json_string_value(json_object_get(actor, "role")), false);
    csv_field(&buf, &len, &cap, json_string_value(json_object_get(actor, "organisation")), false);
    csv_field(&buf, &len, &cap, json_string_value(json_object_get(e, "action")), false);
    csv_field(&buf, &len, &cap, json_string_value(json_object_get(e, "entity")), false);
    csv_field(&buf, &len, &cap, eid, false);
    csv_field(&buf, &len, &cap, json_string_value(json_object_get(e, "code")), false);
    csv_field(&buf, &len, &cap, json_string_value(json_object_get(e, "quarter")), false);
    csv_field(&buf, &len, &cap, before, false);
    csv_field(&buf, &len, &cap, after, false);
    csv_field(&buf, &len, &cap, json_string_value(json_object_get(e, "request_id")), false);
    csv_field(&buf, &len, &cap, json_string_value(json_object_get(e, "hash")), true);
    free(before);
    free(after);
  }
  json_decref(items);
  if (next != NULL) {
    char *cursor = NULL;

    if (util_cursor_encode(next, &cursor) == RB_OK) {
      char link[256];

      snprintf(link, sizeof(link), "%s", cursor);
      rb_response_header(c->resp, "X-Next-Cursor", link);
    }
    free(cursor);
    free(next);
  }
  if (buf == NULL)
    return RB_ERR_NOMEM;
  rb_response_drop_body(c->resp);
  c->resp->body = buf;
  c->resp->body_len = len;
  c->resp->status = 200;
  c->resp->content_type = "text/csv; charset=utf-8";
  return RB_OK;
}

enum rb_err
api_audit_list(struct api_ctx *c)
{
  static const char *const allowed[] = {"since",  "until", "actor",   "organisation",
                                        "entity", "code",  "quarter", "action",
                                        "format", "limit", "cursor",  NULL};
  struct store_audit_filter f;
  struct store_page pg;
  const char *format = api_query(c, "format"), *actor = api_query(c, "actor");
  char key[64], since[UTIL_TIME_LEN], until[UTIL_TIME_LEN];
  json_t *items;
  char *next;
  enum rb_err err;

  if ((err = api_query_allow(c, allowed)) != RB_OK ||
      (err = api_page(c, &pg, key, sizeof(key))) != RB_OK)
    return err;
  memset(&f, 0, sizeof(f));
  f.since = api_query(c, "since");
  f.until = api_query(c, "until");
  /* Compared as text with the stored times, so first put in their form. */
  if ((f.since != NULL && !util_parse_time(f.since, since)) ||
      (f.until != NULL && !util_parse_time(f.until, until)))
    return api_fail(c, RB_ERR_BAD_REQUEST,
                    "since and until must be dates (2018-08-22) or RFC 3339 UTC times"
                    " (2018-08-22T10:30:00Z)");
  f.since = f.since != NULL ? since : NULL;
  f.until = f.until != NULL ? until : NULL;
  f.organisation = api_query(c, "organisation");
  f.entity = api_query(c, "entity");
  f.code = api_query(c, "code");
  f.quarter = api_query(c, "quarter");
  f.action = api_query(c, "action");
  if (f.quarter != NULL) {
    /* A typo must not read as "no changes in that quarter". */
    struct quarter parsed;
    const char *msg = quarter_parse(f.quarter, &parsed);

    if (msg != NULL)
      return api_fail(c, RB_ERR_BAD_REQUEST, "quarter %s", msg);
  }
  if (actor != NULL) {
    if (!util_parse_int64(actor, &f.actor))
      return api_fail(c, RB_ERR_BAD_REQUEST, "actor must be a token id");
    f.has_actor = true;
  }
  if (format != NULL && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0)
    return api_fail(c, RB_ERR_BAD_REQUEST, "format must be json or csv");
  /* Submitters see their own organisation's entries only: another
   * organisation's filter leaves nothing, it does not widen the view. */
  if (c->actor.role == AUTH_SUBMITTER && f.organisation != NULL &&
      strcmp(f.organisation, c->actor.org) != 0) {
    items = json_array();
    next = NULL;
  } else {
    if (c->actor.role == AUTH_SUBMITTER)
      f.organisation = c->actor.org;
    err = store_audit_list(c->st, &f, &pg, &items, &next);
    if (err != RB_OK)
      return api_store_fail(c, err, "audit trail");
  }
  if (format != NULL && strcmp(format, "csv") == 0)
    return reply_csv(c, items, next);
  return api_reply_list(c, items, next);
}

/* A head hash as the server prints it: 64 lowercase hex digits. */
static bool
is_hash(const char *s)
{
  size_t n = 0;

  for (; s[n] != '\0'; n++)
    if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
      return false;
  return n == 64;
}

/* anchor_id + anchor_hash: a head an earlier verification answered. A
 * hash chain cannot show entries cut from its end by itself; the auditor's
 * copy of an earlier head can. */
enum rb_err
api_audit_verify(struct api_ctx *c)
{
  static const char *const allowed[] = {"anchor_id", "anchor_hash", NULL};
  const char *aid = api_query(c, "anchor_id"), *ahash = api_query(c, "anchor_hash");
  struct store_audit_verdict v;
  int64_t anchor = 0;
  json_t *out;
  enum rb_err err;

  if ((err = api_query_allow(c, allowed)) != RB_OK)
    return err;
  if ((aid == NULL) != (ahash == NULL))
    return api_fail(c, RB_ERR_BAD_REQUEST, "anchor_id and anchor_hash go together");
  if (aid != NULL && (!util_parse_int64(aid, &anchor) || anchor < 1))
    return api_fail(c, RB_ERR_BAD_REQUEST, "anchor_id must be an entry id (1 or more)");
  if (ahash != NULL && !is_hash(ahash))
    return api_fail(c, RB_ERR_BAD_REQUEST,
                    "anchor_hash must be an entry's hash (64 lowercase hex digits)");
  err = store_audit_verify(c->st, anchor, ahash, &v);
  if (err != RB_OK)
    return api_store_fail(c, err, "audit trail");
  out = json_pack("{s:b, s:I, s:o}", "ok", v.ok, "entries", (json_int_t)v.entries, "head",
                  v.head_id > 0
                    ? json_pack("{s:I, s:s}", "id", (json_int_t)v.head_id, "hash", v.head_hash)
                    : json_null());
  if (out != NULL && !v.ok)
    json_object_set_new(out, "broken",
                        json_pack("{s:I, s:s}", "id", (json_int_t)v.broken, "reason", v.why));
  return api_reply(c, 200, out);
}
