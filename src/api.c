#include "api.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "jsonv.h"
#include "problem.h"
#include "quarter.h"
#include "cache.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX 500

void
rb_response_header(struct rb_response *resp, const char *name, const char *value)
{
  char *copy;

  if (resp->nheaders >= RB_MAX_HEADERS)
    return;
  copy = strdup(value);
  if (copy == NULL)
    return;
  resp->headers[resp->nheaders].name = name;
  resp->headers[resp->nheaders].value = copy;
  resp->nheaders++;
}

void
rb_response_drop_body(struct rb_response *resp)
{
  if (resp->body_free != NULL)
    resp->body_free(resp->body_cls);
  else
    free(resp->body);
  resp->body = NULL;
  resp->body_len = 0;
  resp->body_free = NULL;
  resp->body_cls = NULL;
}

void
rb_response_clear(struct rb_response *resp)
{
  for (size_t i = 0; i < resp->nheaders; i++)
    free(resp->headers[i].value);
  rb_response_drop_body(resp);
  resp->nheaders = 0;
  resp->content_type = NULL;
  resp->status = 0;
}

enum rb_err
api_fail(struct api_ctx *c, enum rb_err err, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
  va_end(ap);
  return err;
}

void
api_field_error(struct api_ctx *c, const char *field, const char *fmt, ...)
{
  char msg[512];
  va_list ap;

  if (c->errors == NULL)
    c->errors = json_array();
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  jv_error(c->errors, "", field, "%s", msg);
}

bool
api_field_failed(const struct api_ctx *c, const char *field)
{
  return jv_has_error(c->errors, field);
}

enum rb_err
api_check_errors(struct api_ctx *c)
{
  size_t n = json_array_size(c->errors);

  if (n == 0)
    return RB_OK;
  if (n == 1)
    return api_fail(c, RB_ERR_INVALID, "%s %s",
                    json_string_value(json_object_get(json_array_get(c->errors, 0), "field")),
                    json_string_value(json_object_get(json_array_get(c->errors, 0), "message")));
  return api_fail(c, RB_ERR_INVALID, "%zu fields are invalid; see errors", n);
}

static enum rb_err
set_body(struct rb_response *resp, unsigned status, const char *ctype, json_t *body)
{
  char *text = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15) | JSON_ENCODE_ANY);
  size_t len;

  json_decref(body);
  if (text == NULL)
    return RB_ERR_NOMEM;
  len = strlen(text);
  /* A trailing newline keeps curl output readable; it costs one byte. */
  {
    char *grown = realloc(text, len + 2);

    if (grown == NULL) {
      free(text);
      return RB_ERR_NOMEM;
    }
    text = grown;
    text[len++] = '\n';
    text[len] = '\0';
  }
  rb_response_drop_body(resp);
  resp->body = text;
  resp->body_len = len;
  resp->status = status;
  resp->content_type = ctype;
  return RB_OK;
}

enum rb_err
api_reply(struct api_ctx *c, unsigned status, json_t *body)
{
  if (body == NULL)
    return RB_ERR_NOMEM;
  return set_body(c->resp, status, "application/json", body);
}

enum rb_err
api_reply_list(struct api_ctx *c, json_t *items, char *next)
{
  char *cursor = NULL;
  json_t *body;
  enum rb_err err;

  if (next != NULL) {
    err = util_cursor_encode(next, &cursor);
    free(next);
    if (err != RB_OK) {
      json_decref(items);
      return err;
    }
  }
  body = json_pack("{s:o, s:s?}", "items", items, "next", cursor);
  free(cursor);
  if (body == NULL)
    return RB_ERR_NOMEM;
  return api_reply(c, 200, body);
}

enum rb_err
api_reply_empty(struct api_ctx *c)
{
  rb_response_drop_body(c->resp);
  c->resp->body = NULL;
  c->resp->body_len = 0;
  c->resp->content_type = NULL;
  c->resp->status = 204;
  return RB_OK;
}

void
api_problem(struct api_ctx *c, enum rb_err err)
{
  size_t len = 0;
  char *text;

  jv_utf8_clean(c->detail); /* it may quote a client's bytes (a path, a code) */
  text = problem_json(err, c->detail, c->errors, c->req->request_id, &len);
  rb_response_drop_body(c->resp);
  if (text == NULL) {
    static const char fallback[] =
      "{\"type\":\"urn:ragboard:problem:out-of-memory\",\"title\":\"Out of memory\","
      "\"status\":500}\n";

    c->resp->body = strdup(fallback);
    c->resp->body_len = c->resp->body != NULL ? strlen(fallback) : 0;
    c->resp->status = 500;
  } else {
    c->resp->body = text;
    c->resp->body_len = len;
    c->resp->status = rb_err_status(err);
  }
  c->resp->content_type = "application/problem+json";
  if (rb_err_status(err) == 401)
    rb_response_header(c->resp, "WWW-Authenticate", "Bearer realm=\"ragboard\"");
  if (err == RB_ERR_BUSY) /* a lock held elsewhere: worth retrying soon */
    rb_response_header(c->resp, "Retry-After", "1");
}

static bool
content_type_is(const char *ctype, const char *want)
{
  size_t n = strlen(want);

  if (ctype == NULL)
    return false;
  while (*ctype == ' ')
    ctype++;
  return strncasecmp(ctype, want, n) == 0 &&
         (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ');
}

/* Name every string under v (at path) that holds a NUL character: such a
 * body is well-formed JSON, but no field takes one (C strings would cut it
 * short), so it is a field error like any other value a field refuses. */
static void
nul_fields(const json_t *v, const char *path, json_t *errors)
{
  char sub[256];
  const char *key;
  json_t *m;
  size_t i;

  if (json_is_string(v) && strlen(json_string_value(v)) != json_string_length(v)) {
    jv_error(errors, "", path[0] != '\0' ? path : "$", "must not contain NUL (\\u0000)");
  } else if (json_is_object(v)) {
    json_object_foreach((json_t *)v, key, m)
    {
      snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] != '\0' ? "." : "", key);
      nul_fields(m, sub, errors);
    }
  } else if (json_is_array(v)) {
    json_array_foreach(v, i, m)
    {
      snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
      nul_fields(m, sub, errors);
    }
  }
}

enum rb_err
api_body(struct api_ctx *c, json_t **out)
{
  json_error_t jerr;
  json_t *v;
  int max_depth = c->app != NULL ? c->app->cfg.max_json_depth : 32;
  /* A PATCH body is a JSON merge patch (RFC 7396), whose own media type
   * says so; plain application/json is taken too. */
  bool patch = c->req->method != NULL && strcmp(c->req->method, "PATCH") == 0;

  if (c->req->content_type != NULL && !content_type_is(c->req->content_type, "application/json") &&
      !(patch && content_type_is(c->req->content_type, "application/merge-patch+json")))
    return api_fail(c, RB_ERR_UNSUPPORTED_MEDIA, "the body must be %s, not %.100s",
                    patch ? "application/merge-patch+json or application/json" : "application/json",
                    c->req->content_type);
  if (c->req->body_len == 0)
    return api_fail(c, RB_ERR_BAD_JSON, "a JSON body is required");
  if (jv_depth(c->req->body, c->req->body_len, max_depth) > max_depth)
    return api_fail(c, RB_ERR_BAD_JSON, "JSON nested deeper than %d levels", max_depth);
  /* DECODE_ANY: a scalar is well-formed JSON, refused below as not an object. */
  v = json_loadb(c->req->body, c->req->body_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
  /* A number too large for a double (1e400) is well-formed JSON, like the
   * 1e16 the validators refuse with 422: the same answer. */
  if (v == NULL && json_error_code(&jerr) == json_error_numeric_overflow)
    return api_fail(c, RB_ERR_INVALID,
                    "the number at line %d, column %d is too large: numbers are at most 1e15 in "
                    "magnitude",
                    jerr.line, jerr.column);
  if (v == NULL && json_error_code(&jerr) == json_error_null_character) {
    /* Parsed again, NULs allowed, to name their fields; a body that is
     * malformed further on is answered as malformed, below. */
    v = json_loadb(c->req->body, c->req->body_len,
                   JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (v != NULL) {
      if (c->errors == NULL)
        c->errors = json_array();
      nul_fields(v, "", c->errors);
      json_decref(v);
      if (json_array_size(c->errors) == 0) /* not expected: jansson refused a NUL */
        return api_fail(c, RB_ERR_INVALID, "strings must not contain NUL (\\u0000)");
      return api_check_errors(c);
    }
  }
  if (v == NULL)
    return api_fail(c, RB_ERR_BAD_JSON, "malformed JSON at line %d, column %d: %s", jerr.line,
                    jerr.column, jerr.text);
  if (!json_is_object(v)) {
    json_decref(v);
    return api_fail(c, RB_ERR_INVALID, "the body must be a JSON object");
  }
  jv_round_reals(v);
  *out = v;
  return RB_OK;
}

const char *
api_query(struct api_ctx *c, const char *name)
{
  for (size_t i = 0; i < c->req->nquery; i++)
    if (strcmp(c->req->query[i].key, name) == 0)
      return c->req->query[i].value != NULL ? c->req->query[i].value : "";
  return NULL;
}

enum rb_err
api_query_allow(struct api_ctx *c, const char *const *allowed)
{
  for (size_t i = 0; i < c->req->nquery; i++) {
    const char *key = c->req->query[i].key;
    bool ok = false;

    for (const char *const *a = allowed; *a != NULL && !ok; a++)
      ok = strcmp(*a, key) == 0;
    if (!ok) {
      api_field_error(c, key, "is not a query parameter of this resource");
      continue;
    }
    for (size_t j = 0; j < i; j++) {
      if (strcmp(c->req->query[j].key, key) == 0) {
        api_field_error(c, key, "is given more than once");
        break;
      }
    }
  }
  if (json_array_size(c->errors) > 0) {
    api_check_errors(c);
    return RB_ERR_BAD_REQUEST;
  }
  return RB_OK;
}

enum rb_err
api_page(struct api_ctx *c, struct store_page *pg, char *keybuf, size_t cap)
{
  const char *limit = api_query(c, "limit");
  const char *cursor = api_query(c, "cursor");
  int64_t n = PAGE_DEFAULT;

  int max = c->app != NULL && c->app->cfg.max_page_size > 0 ? c->app->cfg.max_page_size : PAGE_MAX;

  if (limit != NULL && (!util_parse_int64(limit, &n) || n < 1 || n > max))
    api_field_error(c, "limit", "must be an integer from 1 to %d", max);
  if (n > max || n < 1)
    n = max;
  pg->limit = (int)n;
  pg->after = NULL;
  if (cursor != NULL) {
    if (util_cursor_decode(cursor, keybuf, cap))
      pg->after = keybuf;
    else
      api_field_error(c, "cursor", "is not one this server issued");
  }
  /* Every query error found so far (api_filter's too) in one answer. */
  if (json_array_size(c->errors) > 0) {
    api_check_errors(c);
    return RB_ERR_BAD_REQUEST;
  }
  return RB_OK;
}

enum rb_err
api_filter(struct api_ctx *c, struct store_filter *f)
{
  const char *year = api_query(c, "year");
  const char *priority = api_query(c, "priority");
  int start;

  size_t before = json_array_size(c->errors);

  memset(f, 0, sizeof(*f));
  if (year != NULL && quarter_parse_year(year, &start) != NULL)
    api_field_error(c, "year", "%s", quarter_parse_year(year, &start));
  f->year = year;
  f->group = api_query(c, "group");
  f->owner = api_query(c, "owner");
  f->code = api_query(c, "code");
  /* A malformed code matches nothing: say so rather than answer an empty list. */
  if (f->group != NULL && jv_check_key(f->group, strlen(f->group)) != NULL)
    api_field_error(c, "group", "must be a group code (1 to 64 of A-Z a-z 0-9 _ . -)");
  if (f->owner != NULL && jv_check_key(f->owner, strlen(f->owner)) != NULL)
    api_field_error(c, "owner", "must be an organisation code (1 to 64 of A-Z a-z 0-9 _ . -)");
  if (f->code != NULL) { /* an item code, as items take it */
    json_t *v = json_string(f->code);
    const char *msg = v != NULL ? jv_check_value(v, JV_CODE, 0, NULL) : "must be UTF-8 text";

    if (msg != NULL)
      api_field_error(c, "code", "%s", msg);
    json_decref(v);
  }
  if (priority != NULL) {
    if (!util_parse_int64(priority, &f->priority) || f->priority < 1)
      api_field_error(c, "priority", "must be a positive integer");
    f->has_priority = true;
  }
  return json_array_size(c->errors) > before ? RB_ERR_BAD_REQUEST : RB_OK;
}

enum rb_err
api_path_id(struct api_ctx *c, size_t i, int64_t *id)
{
  int64_t v;

  if (i >= c->npath || !util_parse_int64(c->path[i], &v) || v < 1)
    return api_fail(c, RB_ERR_NOT_FOUND, "no such item: ids are positive integers");
  *id = v;
  return RB_OK;
}

struct store *
api_store(struct api_ctx *c)
{
  if (c->st == NULL) {
    struct store *st = store_pool_reader(c->app->pool);

    if (store_begin(st, false) != RB_OK) {
      store_pool_release(c->app->pool, st);
      return NULL;
    }
    c->st = st;
  }
  return c->st;
}

bool
api_is_admin(const struct api_ctx *c)
{
  return c->actor.role == AUTH_ADMIN;
}

enum rb_err
api_store_fail(struct api_ctx *c, enum rb_err err, const char *what)
{
  if (c->detail[0] != '\0')
    return err; /* already explained, e.g. by api_if_match */
  switch (err) {
  case RB_ERR_NOT_FOUND:
    return api_fail(c, err, "no such %s", what);
  case RB_ERR_CONFLICT:
    return api_fail(c, err, "%s conflicts with existing data", what);
  case RB_ERR_BUSY:
    return api_fail(c, err, "the database is busy; retry shortly");
  case RB_ERR_FULL:
    return api_fail(c, err, "the database disk is full");
  case RB_ERR_READONLY:
    return api_fail(c, err,
                    "the database cannot be written (read-only file system, or immutable or "
                    "inaccessible database files): nothing was written");
  default:
    return api_fail(c, err, "storage failed while handling %s", what);
  }
}

/* json_equal, except that numbers are equal by value: a fixed "number": 3
 * patched with 3.0 is not a change (JSON Schema counts 3.0 as 3). */
static bool
same_value(const json_t *a, const json_t *b)
{
  if (json_is_number(a) && json_is_number(b))
    return json_number_value(a) == json_number_value(b);
  return json_equal((json_t *)a, (json_t *)b);
}

static bool
in_list(const char *const *list, const char *s)
{
  for (; list != NULL && *list != NULL; list++)
    if (strcmp(*list, s) == 0)
      return true;
  return false;
}

/* RFC 7396 for an object member: the patch's members replace the target's,
 * null removes one, objects merge recursively. New reference. */
static json_t *
merge_objects(const json_t *target, const json_t *patch)
{
  json_t *out = json_is_object(target) ? json_deep_copy(target) : json_object();
  const char *key;
  json_t *v;

  if (out == NULL)
    return NULL;
  json_object_foreach((json_t *)patch, key, v)
  {
    if (json_is_null(v))
      json_object_del(out, key);
    else if (json_is_object(v))
      json_object_set_new(out, key, merge_objects(json_object_get(out, key), v));
    else
      json_object_set(out, key, v);
  }
  return out;
}

enum rb_err
api_merge_patch(struct api_ctx *c, const json_t *current, const json_t *patch,
                const char *const *fields, const char *const *fixed, json_t **out)
{
  json_t *merged = json_object();
  const char *key;
  json_t *v;

  if (merged == NULL)
    return RB_ERR_NOMEM;
  json_object_foreach((json_t *)patch, key, v)
  {
    if (!in_list(fields, key))
      api_field_error(c, key, "is not a field that can be changed");
    else if (in_list(fixed, key) && !same_value(v, json_object_get(current, key)))
      api_field_error(c, key, "cannot be changed");
  }
  for (const char *const *f = fields; *f != NULL; f++) {
    json_t *pv = json_object_get(patch, *f);
    json_t *cv = json_object_get(current, *f);

    if (in_list(fixed, *f)) /* a change was noted above: validate the rest as stored */
      pv = NULL;
    if (json_is_object(pv))
      json_object_set_new(merged, *f, merge_objects(cv, pv));
    else if (pv != NULL)
      json_object_set(merged, *f, pv);
    else if (cv != NULL && !json_is_null(cv))
      json_object_set(merged, *f, cv);
  }
  /* Field-name problems do not stop here: the caller validates the merged
   * values too and reports everything in one answer. */
  *out = merged;
  return RB_OK;
}

enum rb_err
api_reply_blob(struct api_ctx *c, struct cache_blob *blob)
{
  rb_response_drop_body(c->resp);
  c->resp->body = (char *)cache_blob_data(blob);
  c->resp->body_len = cache_blob_len(blob);
  c->resp->body_free = cache_blob_release;
  c->resp->body_cls = blob;
  c->resp->status = 200;
  c->resp->content_type = "application/json";
  return RB_OK;
}

enum rb_err
api_reply_not_modified(struct api_ctx *c)
{
  api_reply_empty(c);
  c->resp->status = 304;
  return RB_OK;
}

bool
api_etag_matches(const char *inm, const char *etag)
{
  size_t n = strlen(etag);

  if (inm == NULL)
    return false;
  while (*inm != '\0') {
    while (*inm == ' ' || *inm == ',')
      inm++;
    if (*inm == '*')
      return true;
    if (strncmp(inm, "W/", 2) == 0)
      inm += 2; /* weak comparison, as RFC 9110 asks for If-None-Match */
    if (strncmp(inm, etag, n) == 0 && (inm[n] == '\0' || inm[n] == ',' || inm[n] == ' '))
      return true;
    inm += strcspn(inm, ",");
  }
  return false;
}

enum rb_err
api_path_quarter(struct api_ctx *c, size_t i)
{
  struct quarter q;
  const char *msg = i < c->npath ? quarter_parse(c->path[i], &q) : "is required";

  if (msg != NULL)
    return api_fail(c, RB_ERR_BAD_REQUEST, "quarter %.20s %s", i < c->npath ? c->path[i] : "", msg);
  return RB_OK;
}

enum rb_err
api_query_quarter(struct api_ctx *c, const char **out)
{
  const char *q = api_query(c, "quarter");
  struct quarter parsed;
  const char *msg;

  if (q == NULL)
    return api_fail(c, RB_ERR_BAD_REQUEST,
                    "the quarter query parameter is required, e.g. "
                    "?quarter=2018-19-Q1");
  msg = quarter_parse(q, &parsed);
  if (msg != NULL)
    return api_fail(c, RB_ERR_BAD_REQUEST, "quarter %s", msg);
  *out = q;
  return RB_OK;
}

enum rb_err
api_audit(struct api_ctx *c, const char *action, const char *entity, int64_t id, const char *code,
          const char *quarter, const json_t *before, const json_t *after)
{
  return api_audit_text(c, action, entity, id, code, quarter, before, after, NULL);
}

enum rb_err
api_audit_text(struct api_ctx *c, const char *action, const char *entity, int64_t id,
               const char *code, const char *quarter, const json_t *before, const json_t *after,
               const char *after_text)
{
  struct store_audit e;
  enum rb_err err;

  if (before != NULL && after != NULL && json_equal((json_t *)before, (json_t *)after))
    return RB_OK;
  memset(&e, 0, sizeof(e));
  e.at = c->now;
  e.actor_id = c->actor.token_id;
  e.actor_name = c->actor.name[0] ? c->actor.name : "anonymous";
  e.actor_role = auth_role_name(c->actor.role);
  e.actor_org = c->actor.org[0] ? c->actor.org : NULL;
  e.action = action;
  e.entity = entity;
  e.entity_id = id;
  e.code = code;
  e.quarter = quarter;
  e.before = before;
  e.after = after;
  e.after_text = after_text;
  e.request_id = c->req->request_id;
  err = store_audit_append(c->st, &e);
  if (err != RB_OK)
    return api_store_fail(c, err, "the audit trail");
  return RB_OK;
}

enum rb_err
api_may_write_quarter(struct api_ctx *c, const char *owner, const char *year, const char *quarter)
{
  char state[STORE_STATE_LEN];
  enum rb_err err;

  if (c->actor.role == AUTH_SUBMITTER && (owner == NULL || strcmp(owner, c->actor.org) != 0))
    return api_fail(c, RB_ERR_FORBIDDEN,
                    "this item is owned by %s, not by %s: submitters write only their own "
                    "organisation's items",
                    owner != NULL ? owner : "no organisation", c->actor.org);
  /* A partner reports on this year's plan; an earlier year's item written
   * into this year's quarter would show in no report of either year.
   * Admins load history (an item's position before its plan year) freely. */
  if (c->actor.role == AUTH_SUBMITTER && year != NULL &&
      (strlen(year) != YEAR_LEN - 1 || strncmp(quarter, year, YEAR_LEN - 1) != 0))
    return api_fail(c, RB_ERR_WINDOW,
                    "quarter %s is not in this item's plan year %s: submitters write only the "
                    "quarters of an item's own plan year",
                    quarter, year);
  err = store_quarter_state(c->st, quarter, state);
  if (err != RB_OK)
    return api_store_fail(c, err, "quarter");
  if (strcmp(state, "locked") == 0)
    err = api_fail(c, RB_ERR_WINDOW,
                   "quarter %s is locked: the Place Board has approved its report; an admin "
                   "must unlock it first",
                   quarter);
  else if (strcmp(state, "closed") == 0 && c->actor.role != AUTH_ADMIN)
    err = api_fail(c, RB_ERR_WINDOW,
                   "quarter %s is closed for submissions; ask the performance team", quarter);
  else
    err = RB_OK;
  return err;
}

char *
api_canonical(const json_t *obj)
{
  /* The audit trail's CANON_FLAGS: the same text for objects. */
  return json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY);
}

static void
etag_of_text(const char *text, char out[API_ETAG_LEN])
{
  unsigned char digest[16];
  char hex[33];

  crypto_generichash(digest, sizeof(digest), (const unsigned char *)(text ? text : ""),
                     text ? strlen(text) : 0, NULL, 0);
  sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
  snprintf(out, API_ETAG_LEN, "\"%s\"", hex);
}

void
api_etag(const json_t *obj, char out[API_ETAG_LEN])
{
  char *text = api_canonical(obj);

  etag_of_text(text, out);
  free(text);
}

enum rb_err
api_reply_item_text(struct api_ctx *c, unsigned status, json_t *obj, const char *canonical)
{
  char etag[API_ETAG_LEN];

  if (obj == NULL)
    return RB_ERR_NOMEM;
  if (canonical != NULL)
    etag_of_text(canonical, etag);
  else
    api_etag(obj, etag);
  rb_response_header(c->resp, "ETag", etag);
  /* A conditional GET of an item the client holds already: 304, no body. */
  if (status == 200 && c->req->if_none_match != NULL &&
      (strcmp(c->req->method, "GET") == 0 || strcmp(c->req->method, "HEAD") == 0) &&
      api_etag_matches(c->req->if_none_match, etag)) {
    json_decref(obj);
    return api_reply_not_modified(c);
  }
  return api_reply(c, status, obj);
}

enum rb_err
api_reply_item(struct api_ctx *c, unsigned status, json_t *obj)
{
  return api_reply_item_text(c, status, obj, NULL);
}

enum rb_err
api_if_match(struct api_ctx *c, const json_t *current)
{
  const char *im = c->req->if_match;
  char etag[API_ETAG_LEN] = "";
  size_t n;

  if (current != NULL && (im != NULL || c->req->if_none_match != NULL))
    api_etag(current, etag);
  /* If-None-Match on a write (RFC 9110 13.1.2): "*" creates only, a tag
   * refuses to overwrite that version. */
  if (current != NULL && api_etag_matches(c->req->if_none_match, etag))
    return api_fail(c, RB_ERR_PRECONDITION,
                    "If-None-Match %s matches the item as it is (%s): not written",
                    c->req->if_none_match, etag);
  if (im == NULL)
    return RB_OK;
  if (current == NULL)
    return api_fail(c, RB_ERR_PRECONDITION, "If-Match was given but the item does not exist (yet)");
  n = strlen(etag);
  while (*im != '\0') {
    while (*im == ' ' || *im == ',')
      im++;
    if (*im == '*')
      return RB_OK;
    /* If-Match uses strong comparison: weak tags never match. */
    if (strncmp(im, etag, n) == 0 && (im[n] == '\0' || im[n] == ',' || im[n] == ' '))
      return RB_OK;
    im += strcspn(im, ",");
  }
  return api_fail(c, RB_ERR_PRECONDITION,
                  "the item changed since you read it (If-Match %s does not match %s): "
                  "fetch it again and reapply your change",
                  c->req->if_match, etag);
}
