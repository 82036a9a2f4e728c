#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_key.h"
#include "db.h"
#include "store.h"
#include "metrics.h"
#include "cache.h"
#include "writer.h"

int
app_default_threads(void)
{
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  long n = cores > 0 ? cores * 4 : 8;

  return n < 8 ? 8 : (int)n;
}

int
app_threads(const struct app_config *cfg)
{
  return cfg->threads > 0 ? cfg->threads : app_default_threads();
}

enum rb_err
app_open(const struct app_config *cfg, struct app **out, const char **why)
{
  struct app *app = calloc(1, sizeof(*app));
  struct db_options opt = {
    .synchronous_full = cfg->sync_full,
    .busy_timeout_ms = cfg->busy_timeout_ms,
    .readonly = false,
    .create = false,
  };
  int threads = app_threads(cfg);
  enum rb_err err;

  if (app == NULL)
    return RB_ERR_NOMEM;
  app->cfg = *cfg;
  /* One read connection per HTTP worker, so readers never wait on each
   * other; writes go through the single writer connection. */
  err = store_pool_open(cfg->db_path, &opt, threads, &app->pool);
  if (err == RB_ERR_SCHEMA) {
    *why = "the database schema does not match this binary: run `ragboard migrate`, or "
           "upgrade ragboard if the database is newer";
    goto fail;
  }
  if (err != RB_OK) {
    *why = "cannot open the database";
    goto fail;
  }
  /* Never an unkeyed entry: without the key that signs the trail, no start. */
  if (cfg->audit_keys == NULL) {
    *why = "no audit key: name the key file with --audit-key (RAGBOARD_AUDIT_KEY)";
    err = RB_ERR_SCHEMA;
    goto fail;
  }
  {
    struct store *w = store_pool_writer(app->pool);
    struct store_audit_keying k;

    err = store_audit_keying(w, &k);
    store_pool_release(app->pool, w);
    if (err != RB_OK) {
      *why = "cannot read the audit trail";
      goto fail;
    }
    if (!k.keyed && k.entries > 0) {
      *why = "the audit trail is not keyed yet: run `ragboard migrate`, which keys it";
      err = RB_ERR_SCHEMA;
      goto fail;
    }
    if (k.keyed && k.signer[0] == '\0') {
      *why = "the audit trail's last entry is not keyed although earlier ones are: the trail "
             "was altered (see `ragboard audit verify`)";
      err = RB_ERR_SCHEMA;
      goto fail;
    }
    if (k.keyed && audit_keyring_find(cfg->audit_keys, k.signer) == NULL) {
      *why = "the audit trail is signed with a key that is not in the audit key file (another "
             "database's key file, or a copy from before a rotation): use the key file that "
             "goes with this database";
      err = RB_ERR_SCHEMA;
      goto fail;
    }
  }
  store_pool_set_audit_keys(app->pool, cfg->audit_keys);
  err = cache_new(&app->responses);
  if (err == RB_OK)
    err = metrics_new(&app->metrics);
  if (err == RB_OK)
    err = writer_new(app->pool, app->metrics, &app->writer);
  if (err != RB_OK) {
    *why = "out of memory";
    goto fail;
  }
  *out = app;
  return RB_OK;
fail:
  app_close(app);
  return err;
}

void
app_close(struct app *app)
{
  if (app == NULL)
    return;
  writer_free(app->writer);
  if (app->pool != NULL) {
    /* Fold the WAL back into the database file so a stopped server leaves
     * one self-contained file behind. */
    struct store *w = store_pool_writer(app->pool);

    (void)store_checkpoint(w);
    store_pool_release(app->pool, w);
  }
  cache_free(app->responses);
  metrics_free(app->metrics);
  store_pool_close(app->pool);
  free(app);
}

enum rb_err
app_audit_keys(const char *db_path, const char *key_path, bool create, const char *actor,
               const char *now, struct audit_keyring **keys, bool *created, bool *keyed, char *why,
               size_t cap)
{
  struct db_options opt = {.synchronous_full = true, .busy_timeout_ms = 10000, .create = false};
  struct audit_keyring *kr = NULL;
  struct store_audit_keying k;
  struct store *st = NULL;
  char *path = key_path != NULL ? strdup(key_path) : audit_key_default_path(db_path);
  enum rb_err err;

  *created = *keyed = false;
  if (path == NULL) {
    snprintf(why, cap, "an in-memory database needs its audit key file named (--audit-key)");
    return RB_ERR_IO;
  }
  err = store_open(db_path, &opt, false, &st);
  if (err == RB_OK)
    err = store_audit_keying(st, &k);
  if (err != RB_OK) {
    snprintf(why, cap, "cannot read the audit trail of %s (%s)", db_path, rb_err_title(err));
    goto out;
  }
  err = audit_keyring_load(path, &kr, why, cap);
  if (err == RB_ERR_NOT_FOUND && k.keyed) {
    snprintf(why, cap,
             "the audit trail is keyed (signed with key %s), but its key file %s is missing: "
             "restore the key file from its backup (see deploy/README.md), or name it with "
             "--audit-key (RAGBOARD_AUDIT_KEY)",
             k.signer, path);
    goto out;
  }
  if (err == RB_ERR_NOT_FOUND && !create) {
    snprintf(why, cap,
             "the audit key file %s is missing: run `ragboard migrate --db %s`, which creates "
             "it, or name it with --audit-key (RAGBOARD_AUDIT_KEY)",
             path, db_path);
    goto out;
  }
  if (err == RB_ERR_NOT_FOUND) {
    err = audit_keyring_create(path, &kr, why, cap);
    *created = err == RB_OK;
  }
  if (err != RB_OK)
    goto out;
  /* (a trail whose last entry is unkeyed names no signer: verify tells
   * why; writing refuses) */
  if (k.keyed && k.signer[0] != '\0' && audit_keyring_find(kr, k.signer) == NULL) {
    snprintf(why, cap,
             "the audit trail is signed with key %s, which is not in the audit key file %s (the "
             "key file of another database, or a copy from before a key rotation)",
             k.signer, path);
    err = RB_ERR_SCHEMA;
    goto out;
  }
  if (!k.keyed && k.entries > 0 && !create) {
    snprintf(why, cap, "the audit trail of %s is not keyed yet: run `ragboard migrate --db %s`",
             db_path, db_path);
    err = RB_ERR_SCHEMA;
    goto out;
  }
  if (!k.keyed && create) {
    struct store_audit who = {.at = now, .actor_name = actor, .actor_role = "admin"};

    store_set_audit_keys(st, kr);
    err = store_begin(st, true);
    if (err == RB_OK)
      err = store_audit_key_trail(st, &who, keyed);
    if (err == RB_OK)
      err = store_commit(st);
    else
      store_rollback(st);
    if (err != RB_OK) {
      snprintf(why, cap, "cannot key the audit trail of %s (%s)", db_path, rb_err_title(err));
      *keyed = false;
      goto out;
    }
  }
out:
  store_close(st);
  free(path);
  if (err != RB_OK) {
    audit_keyring_free(kr);
    return err;
  }
  *keys = kr;
  return RB_OK;
}

enum rb_err
app_audit_ready(struct app *app, struct store *st, char *why, size_t cap)
{
  struct audit_keyring *kr = NULL;
  struct store_audit_keying k;
  json_t *missing = NULL;
  char load_why[256];
  enum rb_err err = store_audit_guards(st, &missing);

  if (err != RB_OK) {
    snprintf(why, cap, "cannot read the audit trail's triggers");
    return err;
  }
  if (json_array_size(missing) > 0) {
    snprintf(why, cap,
             "the audit trail's append-only trigger %s is missing or changed: entries can be "
             "changed or deleted without an error (restore it: see deploy/README.md)",
             json_string_value(json_array_get(missing, 0)));
    json_decref(missing);
    return RB_ERR_SCHEMA;
  }
  json_decref(missing);
  if (app->cfg.audit_key_path == NULL)
    return RB_OK;
  /* The key in memory still signs; but a key file that is gone or
   * unreadable means the next start fails, and a backup may miss it. */
  err = audit_keyring_load(app->cfg.audit_key_path, &kr, load_why, sizeof(load_why));
  if (err == RB_ERR_NOT_FOUND)
    snprintf(why, cap, "the audit key file %s is gone: restore it from its backup",
             app->cfg.audit_key_path);
  else if (err != RB_OK)
    snprintf(why, cap, "%s", load_why);
  if (err != RB_OK)
    return RB_ERR_SCHEMA;
  err = store_audit_keying(st, &k);
  if (err == RB_OK && k.keyed && k.signer[0] == '\0') {
    snprintf(why, cap,
             "the audit trail's last entry is not keyed although earlier ones are: the "
             "trail was altered (see /api/v1/audit/verify)");
    err = RB_ERR_SCHEMA;
  } else if (err == RB_OK && k.keyed && audit_keyring_find(kr, k.signer) == NULL) {
    snprintf(why, cap, "the audit key file %s no longer holds key %s, which signs the trail",
             app->cfg.audit_key_path, k.signer);
    err = RB_ERR_SCHEMA;
  } else if (err != RB_OK) {
    snprintf(why, cap, "cannot read the audit trail");
  }
  audit_keyring_free(kr);
  return err;
}
