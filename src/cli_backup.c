/* ragboard backup and ragboard restore: a consistent copy of the live
 * database, and bringing one back (with the key that signs its trail). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup.h"
#include "cli.h"
#include "util.h"

/* A restored database whose trail is signed with a key not in its key file
 * could not be served: refused before anything is replaced. */
static int
restore_key_check(const char *db, const char *key_path, const char *backup)
{
  struct audit_keyring *kr = NULL;
  char signer[17], why[400];
  char *path;
  bool keyed = false, found;
  enum rb_err err;

  if (store_audit_file_signer(backup, signer, &keyed) != RB_OK || !keyed)
    return 0; /* not a keyed trail (restore's own checks say if it is no database) */
  path = key_path != NULL ? strdup(key_path) : audit_key_default_path(db);
  if (path == NULL)
    return 0;
  err = audit_keyring_load(path, &kr, why, sizeof(why));
  if (err == RB_ERR_NOT_FOUND)
    fprintf(stderr,
            "ragboard: the backup's audit trail is signed with key %s, and its key file %s is "
            "missing: restore the key file first (from its own backup), then the database\n",
            signer, path);
  else if (err != RB_OK)
    fprintf(stderr, "ragboard: %s\n", why);
  found = err == RB_OK && audit_keyring_find(kr, signer) != NULL;
  if (err == RB_OK && !found)
    fprintf(stderr,
            "ragboard: the backup's audit trail is signed with key %s, which is not in the audit "
            "key file %s: restore the key file that goes with the backup first\n",
            signer, path);
  audit_keyring_free(kr);
  free(path);
  return found ? 0 : 1;
}

static int
backup_or_restore(int argc, char **argv, bool restore)
{
  struct cli_opt opts[] = {
    {"--db", "RAGBOARD_DB", false, "PATH", "the live database file, required", NULL, false},
    {0}, /* --audit-key, set below */
  };
  const char *pos[1], *why = "";
  int npos, rc;
  bool help;
  enum rb_err err;

  opts[1] = cli_audit_key_opt();
  /* backup takes --db alone: the key file is never part of a backup */
  if (cli_parse(argc, argv, 2, opts, restore ? ARRAY_LEN(opts) : 1, pos, &npos, 1, &help) != 0)
    return 2;
  if (help) {
    if (restore)
      printf("Usage: ragboard restore --db PATH [--audit-key FILE] BACKUP\n\n"
             "Replace the database with a backup made by `ragboard backup`, after checking\n"
             "its integrity and schema, and that the audit key file holds the key that\n"
             "signs the backup's audit trail (restore the key file first). Refused while\n"
             "a server uses the database: stop it first.\n\n");
    else
      printf("Usage: ragboard backup --db PATH OUT\n\n"
             "Write a consistent copy of the database to OUT with SQLite's online backup\n"
             "API; safe while the server runs and writes. The audit key file is not in\n"
             "it: back that up apart, once and after each key rotation.\n\n");
    cli_print_opts(stdout, opts, restore ? ARRAY_LEN(opts) : 1);
    return 0;
  }
  if ((rc = cli_need_db(opts[0].value)) != 0)
    return rc;
  if (npos != 1) {
    fprintf(stderr, "ragboard: %s needs the %s file\n", restore ? "restore" : "backup",
            restore ? "BACKUP" : "OUT");
    return 2;
  }
  if (restore && (rc = restore_key_check(opts[0].value, opts[1].value, pos[0])) != 0)
    return rc;
  err = restore ? backup_restore(opts[0].value, pos[0], &why)
                : backup_create(opts[0].value, pos[0], &why);
  if (err != RB_OK) {
    fprintf(stderr, "ragboard: %s failed: %s\n", restore ? "restore" : "backup", why);
    return 1;
  }
  printf("%s %s\n", restore ? "restored from" : "backed up to", pos[0]);
  return 0;
}

int
cli_backup(int argc, char **argv)
{
  return backup_or_restore(argc, argv, false);
}

int
cli_restore(int argc, char **argv)
{
  return backup_or_restore(argc, argv, true);
}
