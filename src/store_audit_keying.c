/* Keying a trail (the entry that seals the unkeyed ones before it) and
 * rotating its key: each records the state baseline (store_audit_state.c)
 * under the key that signs from then on. */
#include "store_int.h"

#include <string.h>

static enum rb_err
has_data(struct store *st, bool *out)
{
  static const char sql[] =
    "SELECT EXISTS (SELECT 1 FROM milestone) OR EXISTS (SELECT 1 FROM kpi)"
    " OR EXISTS (SELECT 1 FROM milestone_update) OR EXISTS (SELECT 1 FROM kpi_reading)";
  sqlite3_stmt *s;
  int64_t v = 0;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err == RB_OK)
    err = store_int(st, s, &v);
  if (err == RB_OK)
    *out = v != 0;
  return err;
}

enum rb_err
store_audit_key_trail(struct store *st, const struct store_audit *who, bool *wrote)
{
  const struct audit_key *key = audit_keyring_newest(st->keys);
  struct store_audit_keying k;
  struct store_audit e = *who;
  json_t *after = NULL, *sums = NULL;
  bool data = false;
  enum rb_err err;

  *wrote = false;
  if (key == NULL)
    return RB_ERR_INTERNAL;
  if ((err = store_audit_keying(st, &k)) != RB_OK || k.keyed)
    return err; /* keyed already */
  if ((err = has_data(st, &data)) != RB_OK)
    return err;
  /* An empty trail over no data starts keyed with its first entry. */
  if (k.entries == 0 && !data)
    return RB_OK;
  if ((err = audit_state_sums(st, key, NULL, &sums)) != RB_OK)
    return err;
  after = json_pack("{s:s, s:I, s:o}", "key_id", key->id, "unkeyed_entries", (json_int_t)k.entries,
                    "state", sums);
  if (after == NULL)
    return RB_ERR_NOMEM;
  e.action = "audit.keyed";
  e.entity = "audit";
  e.entity_id = 0;
  e.code = key->id;
  e.quarter = NULL;
  e.before = NULL;
  e.after = after;
  e.after_text = NULL;
  err = store_audit_append_signed(st, &e, key);
  json_decref(after);
  if (err == RB_OK)
    *wrote = true;
  return err;
}

enum rb_err
store_audit_rotate(struct store *st, const struct store_audit *who)
{
  const struct audit_key *next = audit_keyring_newest(st->keys);
  struct store_audit_keying k;
  struct store_audit e = *who;
  json_t *before = NULL, *after = NULL, *sums = NULL;
  enum rb_err err;

  if (next == NULL)
    return RB_ERR_INTERNAL;
  if ((err = store_audit_keying(st, &k)) != RB_OK)
    return err;
  if (!k.keyed || strcmp(k.signer, next->id) == 0)
    return RB_ERR_CONFLICT; /* not keyed yet, or the newest key signs already */
  if (audit_keyring_find(st->keys, k.signer) == NULL)
    return RB_ERR_SCHEMA;
  if ((err = audit_state_sums(st, next, NULL, &sums)) != RB_OK)
    return err;
  before = json_pack("{s:s}", "key_id", k.signer);
  after =
    json_pack("{s:s, s:s, s:o}", "key_id", next->id, "previous_key_id", k.signer, "state", sums);
  if (before == NULL || after == NULL) {
    err = RB_ERR_NOMEM;
    goto out;
  }
  e.action = "audit.rotate-key";
  e.entity = "audit";
  e.entity_id = 0;
  e.code = next->id;
  e.quarter = NULL;
  e.before = before;
  e.after = after;
  e.after_text = NULL;
  err = store_audit_append_signed(st, &e, NULL); /* signed by the key it retires */
out:
  json_decref(before);
  json_decref(after);
  return err;
}
