/* A request's input as handlers read it: the JSON body, query parameters
 * (pages, filters, quarters: parsed once, returned as values), path
 * parameters, and JSON merge patches. Every refusal is answered through
 * the context (api_fail, api_field_error). */
#ifndef RAGBOARD_API_INPUT_H
#define RAGBOARD_API_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "api_ctx.h"
#include "quarter.h"
#include "store.h"

/* Parse the body as a JSON object: 415 for a non-JSON content type, 400
 * for malformed JSON or duplicate keys, 422 when not an object. */
enum rb_err api_body(struct api_ctx *c, json_t **out);

/* Value of a query parameter, or NULL. */
const char *api_query(struct api_ctx *c, const char *name);
/* 400 for a query parameter not in allowed (NULL-terminated) or repeated. */
enum rb_err api_query_allow(struct api_ctx *c, const char *const *allowed);
/* Parse limit and cursor. keybuf receives the decoded cursor key. Answers
 * 400 naming every bad query parameter found so far, its own and those
 * api_filter (called first) recorded. */
enum rb_err api_page(struct api_ctx *c, struct store_page *pg, char *keybuf, size_t cap);
/* Parse the list filters year, group, priority, owner, code. Bad ones are
 * recorded as field errors (RB_ERR_BAD_REQUEST) for api_page to answer. */
enum rb_err api_filter(struct api_ctx *c, struct store_filter *f);
/* Path parameter i as a positive id; 404 otherwise. */
enum rb_err api_path_id(struct api_ctx *c, size_t i, int64_t *id);
/* Path parameter i as a quarter id, parsed into *q (may be NULL); 400
 * with a clear message otherwise. */
enum rb_err api_path_quarter(struct api_ctx *c, size_t i, struct quarter *q);
/* Query parameter "quarter", required and valid: its text in *text, parsed
 * into *q (may be NULL); 400 otherwise. */
enum rb_err api_query_quarter(struct api_ctx *c, const char **text, struct quarter *q);

/* Query parameter `param` naming an organisation: *org (new) its stored
 * representation ({"code", "name", ...}), NULL when absent and not
 * required; 400 naming every organisation's code when it is missing
 * (required) or names none. */
enum rb_err api_query_org(struct api_ctx *c, const char *param, bool required, json_t **org);

/* Apply a JSON merge patch to the stored representation `current`: members
 * not among `fields` are refused, members in `fixed` must keep their value.
 * *out (new) holds exactly the fields, ready for validation (fixed ones as
 * stored). Problems go to c->errors and do not fail the call, so that the
 * caller's validation adds its own and api_check_errors names them all. */
enum rb_err api_merge_patch(struct api_ctx *c, const json_t *current, const json_t *patch,
                            const char *const *fields, const char *const *fixed, json_t **out);

#endif
