/* The command line: one function per command (src/cli_<command>.c), run
 * from main.c's command table with argv[1] the command's name and its
 * options from argv[2]; each returns the exit status (0 done, 1 failed,
 * 2 a usage error). And what the commands share. */
#ifndef RAGBOARD_CLI_H
#define RAGBOARD_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "audit_key.h"
#include "cli_opts.h"
#include "domain.h"
#include "store.h"

int cli_migrate(int argc, char **argv);
int cli_serve(int argc, char **argv);
int cli_import(int argc, char **argv);
int cli_token(int argc, char **argv);
int cli_audit(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_backup(int argc, char **argv);
int cli_restore(int argc, char **argv);
int cli_routes(int argc, char **argv);
int cli_ratings(int argc, char **argv);
int cli_version(int argc, char **argv);

/* ---- shared by the commands ---- */

/* The --audit-key option every command that writes or verifies takes (as
 * serve's option table says it). */
struct cli_opt cli_audit_key_opt(void);

/* 0 when db is given; 2 after saying it is required. */
int cli_need_db(const char *db);

/* Open db (migrated when `migrate`; created when `create`): 0, or 1 after
 * saying why. */
int cli_open_store(const char *db, bool create, bool migrate, struct store **out);

/* Read the audit keys of db (key_path NULL: the default file), for a
 * command that writes entries; with `create`, make the key file and key
 * the trail if need be (migrate, import), saying so. 0 or an exit code. */
int cli_load_keys(const char *db, const char *key_path, bool create, const char *actor,
                  struct audit_keyring **keys);

/* Who ran the command: the account it runs as, from the system (not $USER,
 * which anyone can set), and the account sudo was run from if another:
 * "command line (alice)". */
void cli_operator(char *buf, size_t cap);

/* The actor of the command's changes (cli_operator's name), acting as an
 * admin at now: the command line's changes are audited like any other. */
void cli_actor(struct domain_actor *who, const char *name, const char *now);

/* For the commands that take no arguments: --help describes the command
 * (`what`), anything else is refused. The exit status. */
int cli_no_arguments(char **argv, const char *what);

#endif
