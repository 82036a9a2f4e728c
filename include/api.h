/* Handlers and the helpers they share. A handler parses and validates its
 * input, calls the store, and builds the JSON answer; it never sees the
 * HTTP library or SQL. It returns RB_OK after api_reply(), or an error
 * code, with api_fail()/api_field_error() having said why: the router turns
 * that into a problem-details answer and rolls the transaction back. */
#ifndef RAGBOARD_API_H
#define RAGBOARD_API_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "app.h"
#include "auth.h"
#include "error.h"
#include "request.h"
#include "store.h"
#include "util.h"

#define API_MAX_PATH_PARAMS 4

struct api_ctx {
  struct app *app;
  const struct rb_request *req;
  struct rb_response *resp;
  struct store *st; /* in a transaction: write for write routes */
  struct auth_actor actor;
  const char *path[API_MAX_PATH_PARAMS]; /* path parameters, in pattern order */
  size_t npath;
  char now[UTIL_TIME_LEN]; /* one timestamp for every write of the request */
  char detail[512];
  json_t *errors; /* [{field, message}] for validation failures */
  /* What a route's precheck (router_precheck, on an HTTP worker) made of
   * the request, for its handler under the writer: the precheck sets both
   * (the router then owns it); the handler borrows it (prepared_free NULL).
   * NULL when no precheck ran. */
  void *prepared;
  void (*prepared_free)(void *);
};

typedef enum rb_err (*api_handler)(struct api_ctx *c);

/* Record why the request fails; returns err for `return api_fail(...)`. */
enum rb_err api_fail(struct api_ctx *c, enum rb_err err, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
/* Note one invalid field; see api_check_errors. */
void api_field_error(struct api_ctx *c, const char *field, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
/* RB_ERR_INVALID (with a detail) when any field error was noted. */
enum rb_err api_check_errors(struct api_ctx *c);
/* Whether field already has an error noted, so that a later check of its
 * value (a status code, say) does not report it twice. */
bool api_field_failed(const struct api_ctx *c, const char *field);

/* Answer `status` with body serialised as JSON. Steals body. */
enum rb_err api_reply(struct api_ctx *c, unsigned status, json_t *body);
/* Answer a list page {"items": items, "next": cursor|null}. Steals items;
 * frees next. */
enum rb_err api_reply_list(struct api_ctx *c, json_t *items, char *next);
/* 204 No Content. */
enum rb_err api_reply_empty(struct api_ctx *c);
/* Build the problem-details answer for err from c->detail and c->errors. */
void api_problem(struct api_ctx *c, enum rb_err err);

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

/* Add computed_rating, effective_rating and rating_disagreement to a
 * stored reading (as GET answers it), under the KPI's rule for its quarter.
 * Every audit entry of a reading carries them, however it was written. */
enum rb_err api_reading_annotate(struct store *st, int64_t kpi_id, json_t *reading);

/* The request's store: for routes the router left lazy (summaries), a read
 * connection in a transaction is taken on first use. NULL when none can be
 * had. */
struct store *api_store(struct api_ctx *c);

/* True when the actor may write anything (admin). */
bool api_is_admin(const struct api_ctx *c);

/* Generic answers for store errors on a named thing. */
enum rb_err api_store_fail(struct api_ctx *c, enum rb_err err, const char *what);

/* ---- handlers (router.c holds the table) ---- */
enum rb_err api_healthz(struct api_ctx *c);
enum rb_err api_readyz(struct api_ctx *c);
enum rb_err api_metrics(struct api_ctx *c);
enum rb_err api_openapi(struct api_ctx *c);

enum rb_err api_org_list(struct api_ctx *c);
enum rb_err api_org_create(struct api_ctx *c);
enum rb_err api_org_get(struct api_ctx *c);
enum rb_err api_org_patch(struct api_ctx *c);
enum rb_err api_org_delete(struct api_ctx *c);

enum rb_err api_group_list(struct api_ctx *c);
enum rb_err api_group_create(struct api_ctx *c);
enum rb_err api_group_get(struct api_ctx *c);
enum rb_err api_group_patch(struct api_ctx *c);
enum rb_err api_group_delete(struct api_ctx *c);

enum rb_err api_priority_list(struct api_ctx *c);
enum rb_err api_priority_create(struct api_ctx *c);
enum rb_err api_priority_get(struct api_ctx *c);
enum rb_err api_priority_patch(struct api_ctx *c);
enum rb_err api_priority_delete(struct api_ctx *c);

enum rb_err api_milestone_list(struct api_ctx *c);
enum rb_err api_milestone_create(struct api_ctx *c);
enum rb_err api_milestone_get(struct api_ctx *c);
enum rb_err api_milestone_patch(struct api_ctx *c);
enum rb_err api_milestone_delete(struct api_ctx *c);

enum rb_err api_kpi_list(struct api_ctx *c);
enum rb_err api_kpi_create(struct api_ctx *c);
enum rb_err api_kpi_get(struct api_ctx *c);
enum rb_err api_kpi_patch(struct api_ctx *c);
enum rb_err api_kpi_delete(struct api_ctx *c);

#endif

/* ---- shared validation (handlers and the importer) ----
 * Each checks a whole representation `obj` (fields, formats, and that what
 * it refers to exists), appending problems to errors with names prefixed
 * by prefix. Returns the number of problems added. The KPI check also sorts
 * obj["priorities"] in place. */
size_t api_validate_org(json_t *obj, const char *prefix, json_t *errors);
size_t api_validate_group(json_t *obj, const char *prefix, json_t *errors);
size_t api_validate_priority(struct store *st, json_t *obj, const char *prefix, json_t *errors);
size_t api_validate_milestone(struct store *st, json_t *obj, const char *prefix, json_t *errors);
size_t api_validate_kpi(struct store *st, json_t *obj, const char *prefix, json_t *errors);

/* Apply a JSON merge patch to the stored representation `current`: members
 * not among `fields` are refused, members in `fixed` must keep their value.
 * *out (new) holds exactly the fields, ready for validation (fixed ones as
 * stored). Problems go to c->errors and do not fail the call, so that the
 * caller's validation adds its own and api_check_errors names them all. */
enum rb_err api_merge_patch(struct api_ctx *c, const json_t *current, const json_t *patch,
                            const char *const *fields, const char *const *fixed, json_t **out);

/* ---- resources addressed by integer id (priorities, milestones, KPIs) ----
 * One description per resource drives list/get/create/patch/delete. */
struct api_resource {
  const char *name;               /* "milestone", for messages */
  const char *entity;             /* "milestone", for the audit trail */
  const char *collection;         /* "/api/v1/milestones" */
  const char *const *list_params; /* allowed query parameters */
  const char *const *fields;      /* writable fields */
  const char *const *fixed;       /* fields a PATCH may not change */
  size_t (*validate)(struct store *st, json_t *obj, const char *prefix, json_t *errors);
  enum rb_err (*list)(struct store *st, const struct store_filter *f, const struct store_page *pg,
                      json_t **items, char **next);
  enum rb_err (*get)(struct store *st, int64_t id, json_t **out);
  enum rb_err (*insert)(struct store *st, const json_t *in, const char *now, json_t **out);
  enum rb_err (*update)(struct store *st, int64_t id, const json_t *in, const char *now,
                        json_t **out);
  enum rb_err (*remove)(struct store *st, int64_t id);
  const char *duplicate;        /* detail for a duplicate natural key */
  const char *still_referenced; /* detail for a delete refused by references */
};

enum rb_err api_resource_list(struct api_ctx *c, const struct api_resource *r);
enum rb_err api_resource_get(struct api_ctx *c, const struct api_resource *r);
enum rb_err api_resource_create(struct api_ctx *c, const struct api_resource *r);
enum rb_err api_resource_patch(struct api_ctx *c, const struct api_resource *r);
enum rb_err api_resource_delete(struct api_ctx *c, const struct api_resource *r);

struct cache_blob;
/* Answer 200 with a cached body, shared (no copy): the reference is stolen
 * and dropped once libmicrohttpd has sent it. */
enum rb_err api_reply_blob(struct api_ctx *c, struct cache_blob *blob);
/* 304 Not Modified (no body). */
enum rb_err api_reply_not_modified(struct api_ctx *c);
/* True when the request's If-None-Match lists etag (or is "*"). */
bool api_etag_matches(const char *if_none_match, const char *etag);
/* Path parameter i as a quarter id; 400 with a clear message otherwise. */
enum rb_err api_path_quarter(struct api_ctx *c, size_t i);
/* Query parameter "quarter", required and valid; 400 otherwise. */
enum rb_err api_query_quarter(struct api_ctx *c, const char **out);

enum rb_err api_update_list(struct api_ctx *c);
enum rb_err api_update_put(struct api_ctx *c);
enum rb_err api_update_delete(struct api_ctx *c);
enum rb_err api_reading_list(struct api_ctx *c);
enum rb_err api_reading_put(struct api_ctx *c);
enum rb_err api_reading_delete(struct api_ctx *c);

enum rb_err api_summary(struct api_ctx *c);
enum rb_err api_group_summary(struct api_ctx *c);
enum rb_err api_exceptions(struct api_ctx *c);

enum rb_err api_quarter_list(struct api_ctx *c);
enum rb_err api_quarter_get(struct api_ctx *c);
/* The meeting dates (delivery_team_date, place_board_date) that `in` sets
 * to something other than `stored` holds: their names in changed, and how
 * many. A locked quarter keeps them (its report is approved). */
size_t api_quarter_dates_changed(const json_t *stored, const json_t *in, const char *changed[2]);
enum rb_err api_quarter_put(struct api_ctx *c);

enum rb_err api_import(struct api_ctx *c);

/* Append an audit entry for a successful change made by this request (in
 * its transaction, so a later failure rolls it back too). before/after are
 * borrowed and may be NULL. Nothing is written when both are equal. */
enum rb_err api_audit(struct api_ctx *c, const char *action, const char *entity, int64_t id,
                      const char *code, const char *quarter, const json_t *before,
                      const json_t *after);
/* The same, with after's canonical text (api_canonical) already made. */
enum rb_err api_audit_text(struct api_ctx *c, const char *action, const char *entity, int64_t id,
                           const char *code, const char *quarter, const json_t *before,
                           const json_t *after, const char *after_text);

enum rb_err api_token_list(struct api_ctx *c);
enum rb_err api_token_create(struct api_ctx *c);
enum rb_err api_token_get(struct api_ctx *c);
enum rb_err api_token_revoke(struct api_ctx *c);
enum rb_err api_audit_list(struct api_ctx *c);
enum rb_err api_audit_verify(struct api_ctx *c);
enum rb_err api_submission(struct api_ctx *c);
/* A return's checks before it joins the writer's queue (see router.h). */
enum rb_err api_submission_precheck(struct api_ctx *c);
enum rb_err api_completeness(struct api_ctx *c);

/* Whether the actor may write `quarter` for an item of plan year `year`
 * owned by `owner` (an organisation code or NULL): 403 for another
 * organisation's item; 409 for a quarter outside the item's plan year
 * (submitters; year NULL: not checked) and for a closed (submitters) or
 * locked (everyone) quarter. */
enum rb_err api_may_write_quarter(struct api_ctx *c, const char *owner, const char *year,
                                  const char *quarter);

/* ETags of single items: a hash of the item's canonical JSON, so any change
 * to what a client sees changes it. */
#define API_ETAG_LEN 36 /* quoted 32 hex digits plus NUL */
void api_etag(const json_t *obj, char out[API_ETAG_LEN]);
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

/* ---- resources addressed by code (organisations, groups) ---- */
struct api_keyed {
  const char *name;          /* "organisation": messages and the audit trail */
  const char *collection;    /* "/api/v1/organisations" */
  const char *const *fields; /* writable fields */
  const char *const *fixed;  /* fields a PATCH may not change */
  size_t (*validate)(json_t *obj, const char *prefix, json_t *errors);
  enum rb_err (*list)(struct store *st, const struct store_page *pg, json_t **items, char **next);
  enum rb_err (*get)(struct store *st, const char *code, json_t **out);
  enum rb_err (*insert)(struct store *st, const json_t *in, const char *now, json_t **out);
  enum rb_err (*update)(struct store *st, const char *code, const json_t *in, const char *now,
                        json_t **out);
  enum rb_err (*remove)(struct store *st, const char *code);
  const char *still_referenced; /* detail when a delete is refused; %s is the code */
};

enum rb_err api_keyed_list(struct api_ctx *c, const struct api_keyed *k);
enum rb_err api_keyed_get(struct api_ctx *c, const struct api_keyed *k);
enum rb_err api_keyed_create(struct api_ctx *c, const struct api_keyed *k);
enum rb_err api_keyed_patch(struct api_ctx *c, const struct api_keyed *k);
enum rb_err api_keyed_delete(struct api_ctx *c, const struct api_keyed *k);
