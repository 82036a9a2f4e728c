#include "api_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jsonv.h"
#include "quarter.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX 500

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

enum rb_err
api_path_quarter(struct api_ctx *c, size_t i, struct quarter *q)
{
  struct quarter parsed;
  const char *msg = i < c->npath ? quarter_parse(c->path[i], &parsed) : "is required";

  if (msg != NULL) {
    /* named in errors too, as a bad ?quarter= is */
    api_field_error(c, "quarter", "%s", msg);
    return api_fail(c, RB_ERR_BAD_REQUEST, "quarter %.20s %s", i < c->npath ? c->path[i] : "", msg);
  }
  if (q != NULL)
    *q = parsed;
  return RB_OK;
}

enum rb_err
api_query_quarter(struct api_ctx *c, const char **text, struct quarter *q)
{
  const char *v = api_query(c, "quarter");
  struct quarter parsed;
  const char *msg;

  if (v == NULL) {
    api_field_error(c, "quarter", "is required, e.g. ?quarter=2018-19-Q1");
    return api_fail(c, RB_ERR_BAD_REQUEST,
                    "the quarter query parameter is required, e.g. "
                    "?quarter=2018-19-Q1");
  }
  msg = quarter_parse(v, &parsed);
  if (msg != NULL) {
    api_field_error(c, "quarter", "%s", msg);
    return api_fail(c, RB_ERR_BAD_REQUEST, "quarter %s", msg);
  }
  *text = v;
  if (q != NULL)
    *q = parsed;
  return RB_OK;
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

/* The organisations' codes, "RMBC, TRFT, ...", for a message (at most cap
 * bytes). */
static void
org_codes(struct api_ctx *c, char *out, size_t cap)
{
  struct store_page pg = {500, NULL};
  json_t *items = NULL, *o;
  char *next = NULL;
  size_t used = 0, i;

  out[0] = '\0';
  if (store_org_list(c->st, &pg, &items, &next) != RB_OK)
    return;
  json_array_foreach(items, i, o)
  {
    int n = snprintf(out + used, cap - used, "%s%s", i > 0 ? ", " : "",
                     json_string_value(json_object_get(o, "code")));

    if (n < 0 || (size_t)n >= cap - used) {
      snprintf(out + (used < cap - 5 ? used : cap - 5), 5, "...");
      break;
    }
    used += (size_t)n;
  }
  json_decref(items);
  free(next);
}

enum rb_err
api_query_org(struct api_ctx *c, const char *param, bool required, json_t **org)
{
  const char *code = api_query(c, param);
  char codes[512];
  enum rb_err err;

  *org = NULL;
  if (code == NULL && !required)
    return RB_OK;
  if (api_store(c) == NULL)
    return api_store_fail(c, RB_ERR_BUSY, "organisations");
  org_codes(c, codes, sizeof(codes));
  if (code == NULL) {
    api_field_error(c, param, "is required: one of %s", codes);
    return api_fail(c, RB_ERR_BAD_REQUEST, "name the organisation: ?%s=CODE, one of %s", param,
                    codes);
  }
  err =
    jv_check_key(code, strlen(code)) == NULL ? store_org_get(c->st, code, org) : RB_ERR_NOT_FOUND;
  if (err == RB_ERR_NOT_FOUND) {
    api_field_error(c, param, "is no organisation's code: one of %s", codes);
    return api_fail(c, RB_ERR_BAD_REQUEST, "no organisation %.64s: %s is one of %s", code, param,
                    codes);
  }
  return err != RB_OK ? api_store_fail(c, err, "organisation") : RB_OK;
}
