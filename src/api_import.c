/* POST /api/v1/import: a whole dataset (icp-performance-dataset/1) in one
 * request, all or nothing, through the same importer as `ragboard import`. */
#include "api_ctx.h"
#include "api_import.h"
#include "api_input.h"
#include "api_reply.h"
#include "domain.h"
#include "import.h"

enum rb_err
api_import(struct api_ctx *c)
{
  struct domain_actor who;
  struct domain_auditor auditor = {c->st, &who};
  const struct import_audit audit = {domain_audit_hook, &auditor, NULL};
  json_t *doc = NULL, *counts = NULL;
  char by[160];
  enum rb_err err;

  if ((err = api_body(c, &doc)) != RB_OK)
    return err;
  api_actor(c, &who);
  c->errors = json_array();
  auth_actor_label(&c->actor, by, sizeof(by));
  err = import_dataset(c->st, doc, c->now, by, &audit, c->errors, &counts);
  json_decref(doc);
  if (err == RB_ERR_INVALID)
    return api_check_errors(c);
  if (err != RB_OK)
    return api_store_fail(c, err, "the import");
  err = domain_audit_import(c->st, &who, counts);
  if (err != RB_OK) {
    json_decref(counts);
    return api_store_fail(c, err, "the audit trail");
  }
  return api_reply(c, 200, counts);
}
