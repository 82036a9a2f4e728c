/* ragboard migrate: apply pending schema migrations, and key the audit
 * trail. */
#include <stdio.h>

#include <sqlite3.h>

#include "cli.h"
#include "db.h"
#include "util.h"

int
cli_migrate(int argc, char **argv)
{
  struct cli_opt opts[] = {
    {"--db", "RAGBOARD_DB", false, "PATH", "SQLite database file, required (created if missing)",
     NULL, false},
    {0}, /* --audit-key, set below */
  };
  const char *pos[1];
  int npos, rc, version = 0, applied = 0;
  bool help;
  struct db_options dbo = {.synchronous_full = true, .busy_timeout_ms = 10000, .create = true};
  sqlite3 *db = NULL;
  struct audit_keyring *keys = NULL;
  char actor[160];
  enum rb_err err;

  opts[1] = cli_audit_key_opt();
  if (cli_parse(argc, argv, 2, opts, ARRAY_LEN(opts), pos, &npos, 0, &help) != 0)
    return 2;
  if (help) {
    printf("Usage: ragboard migrate --db PATH [--audit-key FILE]\n\n"
           "Apply pending schema migrations, and key the audit trail: the first run\n"
           "creates the audit key file (mode 0600; back it up apart from the database),\n"
           "and an audit.keyed entry seals any entries written before.\n\n");
    cli_print_opts(stdout, opts, ARRAY_LEN(opts));
    return 0;
  }
  if ((rc = cli_need_db(opts[0].value)) != 0)
    return rc;
  err = db_open(opts[0].value, &dbo, &db);
  if (err == RB_OK)
    err = db_migrate(db, &applied);
  if (err == RB_OK)
    err = db_schema_version(db, &version);
  sqlite3_close_v2(db);
  if (err == RB_ERR_SCHEMA) {
    fprintf(stderr, "ragboard: %s has a newer schema than this binary knows (%d)\n", opts[0].value,
            db_migration_count);
    return 1;
  }
  if (err != RB_OK) {
    fprintf(stderr, "ragboard: migrate failed: %s\n", rb_err_title(err));
    return 1;
  }
  cli_operator(actor, sizeof(actor));
  if ((rc = cli_load_keys(opts[0].value, opts[1].value, true, actor, &keys)) != 0)
    return rc;
  audit_keyring_free(keys);
  printf("applied %d migration(s); schema version %d\n", applied, version);
  return 0;
}
