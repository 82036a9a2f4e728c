/* Handlers and the helpers they share. A handler parses and validates its
 * input, calls the store, and builds the JSON answer; it never sees the
 * HTTP library or SQL. It returns RB_OK after api_reply(), or an error
 * code, with api_fail()/api_field_error() having said why: the router turns
 * that into a problem-details answer and rolls the transaction back. */
#ifndef RAGBOARD_API_H
#define RAGBOARD_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "api_ctx.h"
#include "api_input.h"
#include "api_reply.h"

typedef enum rb_err (*api_handler)(struct api_ctx *c);

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
enum rb_err api_quarter_put(struct api_ctx *c);

enum rb_err api_import(struct api_ctx *c);

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

#endif
