/* The audit-entry rule, for every front end: who changed what, from what
 * to what; a change that changed nothing leaves no entry. */
#include "domain.h"

#include <string.h>

enum rb_err
domain_audit(struct store *st, const struct domain_actor *who, const struct domain_entry *e)
{
  struct store_audit entry;

  /* What changed nothing is no entry (a second revoke, a PUT of the same). */
  if (e->before != NULL && e->after != NULL && json_equal((json_t *)e->before, (json_t *)e->after))
    return RB_OK;
  memset(&entry, 0, sizeof(entry));
  entry.at = who->now;
  entry.actor_id = who->token_id;
  entry.actor_name = who->name;
  entry.actor_role = auth_role_name(who->role);
  entry.actor_org = who->org;
  entry.action = e->action;
  entry.entity = e->entity;
  entry.entity_id = e->id;
  entry.code = e->code;
  entry.quarter = e->quarter;
  entry.before = e->before;
  entry.after = e->after;
  entry.after_text = e->after_text;
  entry.request_id = who->request_id;
  return store_audit_append(st, &entry);
}

enum rb_err
domain_audit_hook(void *auditor, const char *action, const char *entity, int64_t id,
                  const char *code, const char *quarter, const json_t *before, const json_t *after)
{
  const struct domain_auditor *a = auditor;
  const struct domain_entry e = {action, entity, id, code, quarter, before, after, NULL};

  return domain_audit(a->st, a->who, &e);
}

enum rb_err
domain_audit_import(struct store *st, const struct domain_actor *who, const json_t *counts)
{
  json_t *after = NULL;
  enum rb_err err = store_audit_import_after(st, who->now, counts, &after);

  if (err == RB_OK) {
    const struct domain_entry e = {
      "import", "dataset", 0,     json_string_value(json_object_get(counts, "financial_year")),
      NULL,     NULL,      after, NULL};

    err = domain_audit(st, who, &e);
  }
  json_decref(after);
  return err;
}
