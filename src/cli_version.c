/* ragboard version: this binary's version and the schema it migrates to. */
#include <stdio.h>

#include "cli.h"
#include "db.h"

int
cli_version(int argc, char **argv)
{
  if (argc > 2)
    return cli_no_arguments(argv,
                            "Print the version, and the schema version this binary migrates to.");
  printf("ragboard %s (schema %d)\n", RAGBOARD_VERSION, db_migration_count);
  return 0;
}
