/* The context of one request as its handler sees it, and the helpers every
 * handler uses to reach the store, say why a request fails and record what
 * it changed. A handler parses its input (api_input.h), calls the domain
 * rules and the store, and builds the answer (api_reply.h); it never sees
 * the HTTP library or SQL. It returns RB_OK after answering, or an error
 * code, with api_fail()/api_field_error() having said why: the router
 * turns that into a problem-details answer and rolls the transaction
 * back. */
#ifndef RAGBOARD_API_CTX_H
#define RAGBOARD_API_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "app.h"
#include "auth.h"
#include "domain.h"
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
  /* How the input was read (a spreadsheet's encoding, delimiter, ...):
   * strings, answered as "notes" with a problem as with a success; owned,
   * freed with errors. NULL: none. */
  json_t *notes;
  /* What a route's precheck (router_precheck, on an HTTP worker) made of
   * the request, for its handler under the writer: the precheck sets both
   * (the router then owns it); the handler borrows it (prepared_free NULL).
   * NULL when no precheck ran. */
  void *prepared;
  void (*prepared_free)(void *);
};

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

/* The request's store: for routes the router left lazy (summaries), a read
 * connection in a transaction is taken on first use. NULL when none can be
 * had. */
struct store *api_store(struct api_ctx *c);

/* Whether writes are failing (disk full, read-only, I/O): the error of the
 * last failed write and since when (at), until a write commits; RB_OK when
 * they are not. */
enum rb_err api_write_fault(struct api_ctx *c, char at[UTIL_TIME_LEN]);

/* True when the actor may write anything (admin). */
bool api_is_admin(const struct api_ctx *c);

/* Generic answers for store errors on a named thing. */
enum rb_err api_store_fail(struct api_ctx *c, enum rb_err err, const char *what);

/* The request's actor as the domain rules take it (borrowing from c). */
void api_actor(const struct api_ctx *c, struct domain_actor *who);

/* Append an audit entry for a successful change made by this request (in
 * its transaction, so a later failure rolls it back too). before/after are
 * borrowed and may be NULL. Nothing is written when both are equal (the
 * domain's rule: domain_audit). */
enum rb_err api_audit(struct api_ctx *c, const char *action, const char *entity, int64_t id,
                      const char *code, const char *quarter, const json_t *before,
                      const json_t *after);
/* The same, with after's canonical text (api_canonical) already made. */
enum rb_err api_audit_text(struct api_ctx *c, const char *action, const char *entity, int64_t id,
                           const char *code, const char *quarter, const json_t *before,
                           const json_t *after, const char *after_text);

/* Whether the actor may write `quarter` for an item of plan year `year`
 * owned by `owner` (an organisation code or NULL): 403 for another
 * organisation's item; 409 for a quarter outside the item's plan year
 * (submitters; year NULL: not checked) and for a closed (submitters) or
 * locked (everyone) quarter. */
enum rb_err api_may_write_quarter(struct api_ctx *c, const char *owner, const char *year,
                                  const char *quarter);

#endif
