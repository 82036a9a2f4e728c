#include "api_reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cache.h"
#include "jsonv.h"
#include "problem.h"

/* The text of a reply as jansson dumps it, in one buffer that grows by
 * doubling: json_dumps would copy it once more (its own buffer into a
 * fresh string) and the trailing newline once again. */
struct dump_buf {
  char *text;
  size_t len, cap;
};

static int
dump_append(const char *bytes, size_t size, void *data)
{
  struct dump_buf *b = data;

  if (b->len + size + 2 > b->cap) { /* + the newline and the terminator */
    size_t cap = b->cap;
    char *grown;

    while (b->len + size + 2 > cap)
      cap *= 2;
    if ((grown = realloc(b->text, cap)) == NULL)
      return -1;
    b->text = grown;
    b->cap = cap;
  }
  memcpy(b->text + b->len, bytes, size);
  b->len += size;
  return 0;
}

static enum rb_err
set_body(struct rb_response *resp, unsigned status, const char *ctype, json_t *body)
{
  struct dump_buf b = {malloc(4096), 0, 4096};
  int rc = b.text != NULL
             ? json_dump_callback(body, dump_append, &b,
                                  JSON_COMPACT | JSON_REAL_PRECISION(15) | JSON_ENCODE_ANY)
             : -1;

  json_decref(body);
  if (rc != 0) {
    free(b.text);
    return RB_ERR_NOMEM;
  }
  /* A trailing newline keeps curl output readable; it costs one byte. */
  b.text[b.len++] = '\n';
  b.text[b.len] = '\0';
  rb_response_drop_body(resp);
  resp->body = b.text;
  resp->body_len = b.len;
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
api_reply_raw(struct api_ctx *c, unsigned status, const char *ctype, char *body, size_t len)
{
  if (body == NULL)
    return RB_ERR_NOMEM;
  rb_response_drop_body(c->resp);
  c->resp->body = body;
  c->resp->body_len = len;
  c->resp->status = status;
  c->resp->content_type = ctype;
  return RB_OK;
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
  text = problem_json_notes(err, c->detail, c->errors, c->notes, c->req->request_id, &len);
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
