/* A handler's answer: JSON bodies, list pages, items with their ETags and
 * conditional requests, shared bodies from the response cache, and the
 * problem document of a failure. */
#ifndef RAGBOARD_API_REPLY_H
#define RAGBOARD_API_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "api_ctx.h"

struct cache_blob;

/* Answer `status` with body serialised as JSON. Steals body. */
enum rb_err api_reply(struct api_ctx *c, unsigned status, json_t *body);
/* Answer status with body (malloc'd, len bytes; stolen, freed even on
 * failure) of content type ctype (a static string): SVG, CSV. */
enum rb_err api_reply_raw(struct api_ctx *c, unsigned status, const char *ctype, char *body,
                          size_t len);
/* Answer a list page {"items": items, "next": cursor|null}. Steals items;
 * frees next. */
enum rb_err api_reply_list(struct api_ctx *c, json_t *items, char *next);
/* 204 No Content. */
enum rb_err api_reply_empty(struct api_ctx *c);
/* 304 Not Modified (no body). */
enum rb_err api_reply_not_modified(struct api_ctx *c);
/* Answer 200 with a cached body, shared (no copy): the reference is stolen
 * and dropped once libmicrohttpd has sent it. */
enum rb_err api_reply_blob(struct api_ctx *c, struct cache_blob *blob);
/* Build the problem-details answer for err from c->detail and c->errors
 * (problem.h writes it). */
void api_problem(struct api_ctx *c, enum rb_err err);

/* ETags of single items: a hash of the item's canonical JSON, so any change
 * to what a client sees changes it. */
#define API_ETAG_LEN 36 /* quoted 32 hex digits plus NUL */
void api_etag(const json_t *obj, char out[API_ETAG_LEN]);
/* True when the request's If-None-Match lists etag (or is "*"). */
bool api_etag_matches(const char *if_none_match, const char *etag);
/* The canonical JSON text of obj (compact, keys sorted): what ETags hash and
 * the audit trail stores. New string (free), NULL when out of memory. */
char *api_canonical(const json_t *obj);
/* Reply with one item and its ETag. Steals obj. */
enum rb_err api_reply_item(struct api_ctx *c, unsigned status, json_t *obj);
/* The same, with obj's canonical text already made (borrowed). */
enum rb_err api_reply_item_text(struct api_ctx *c, unsigned status, json_t *obj,
                                const char *canonical);
/* Honour If-Match against the item's current representation (NULL when it
 * does not exist): 412 when it does not match, so two partners never
 * silently overwrite each other. And If-None-Match: 412 when it matches
 * ("*": when the item exists, for a create-only PUT). */
enum rb_err api_if_match(struct api_ctx *c, const json_t *current);

#endif
