/* The generic handlers behind the plan's items: one description per
 * resource drives list, get, create, patch and delete. For the handler
 * files of api_items.h. */
#ifndef RAGBOARD_API_RESOURCE_H
#define RAGBOARD_API_RESOURCE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "api_ctx.h"
#include "store.h"

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
  /* Optional, after validate: what needs the item's own id (0 when it is
   * being created), e.g. that a KPI's link makes no cycle. */
  size_t (*validate_item)(struct store *st, int64_t id, const json_t *obj, const char *prefix,
                          json_t *errors);
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
