/* ragboard: the command line. One table of commands drives both dispatch
 * and `ragboard --help`; each command is a file of its own (cli_*.c). */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "db.h"
#include "util.h"

struct command {
  const char *name;
  const char *alias;   /* another name that runs it, or NULL */
  const char *summary; /* its line in `ragboard --help` */
  int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
  {"migrate", NULL, "apply pending schema migrations to a database", cli_migrate},
  {"serve", NULL, "serve the JSON API over HTTP", cli_serve},
  {"import", NULL, "import datasets (icp-performance-dataset/1)", cli_import},
  {"token", NULL, "create, list or revoke API tokens", cli_token},
  {"audit", NULL, "verify the audit trail and the data against it; rotate its key", cli_audit},
  {"backup", NULL, "copy the database consistently while the server runs", cli_backup},
  {"restore", NULL, "bring a backup back", cli_restore},
  {"routes", NULL, "list the HTTP routes", cli_routes},
  {"ratings", NULL, "print what each rating code means (JSON)", cli_ratings},
  {"version", "--version", "print the version", cli_version},
};

static void
usage(FILE *f)
{
  fprintf(f, "Usage: ragboard COMMAND [options]\n\n"
             "The system of record for an integrated care partnership's performance\n"
             "framework: priorities, milestones, KPIs and their RAG summaries.\n\n"
             "Commands:\n");
  for (size_t i = 0; i < ARRAY_LEN(commands); i++)
    fprintf(f, "  %-10s%s\n", commands[i].name, commands[i].summary);
  fprintf(f, "\n`ragboard COMMAND --help` describes each command.\n");
}

int
main(int argc, char **argv)
{
  db_library_init(); /* first: before any command touches SQLite */
  if (sodium_init() < 0) {
    fprintf(stderr, "ragboard: libsodium failed to initialise\n");
    return 1;
  }
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return 0;
  }
  for (size_t i = 0; i < ARRAY_LEN(commands); i++)
    if (strcmp(argv[1], commands[i].name) == 0 ||
        (commands[i].alias != NULL && strcmp(argv[1], commands[i].alias) == 0))
      return commands[i].run(argc, argv);
  fprintf(stderr, "ragboard: unknown command %s\n\n", argv[1]);
  usage(stderr);
  return 2;
}
