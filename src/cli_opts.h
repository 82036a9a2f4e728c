/* The command line's option parser: --name VALUE, --name=VALUE, flags,
 * positional arguments, and environment variables for what the command
 * line does not set. It says what is wrong on stderr and returns an error;
 * it never exits. */
#ifndef RAGBOARD_CLI_OPTS_H
#define RAGBOARD_CLI_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "app.h"

struct cli_opt {
  const char *name; /* "--listen" */
  const char *env;  /* "RAGBOARD_LISTEN" or NULL */
  bool flag;        /* takes no value */
  const char *meta; /* "HOST:PORT" */
  const char *help;
  const char *value; /* the default before parsing (a flag: NULL, off); "1" for a flag given */
  bool seen;
};

/* The option as the server's table (app_options) describes it. */
struct cli_opt cli_opt_of(const struct app_option *o);

/* Parse argv[first..] into opts[0..n); positional arguments go to pos (at
 * most maxpos). Environment variables fill what the command line does not
 * set. *help: --help or -h was given (parsing stops there). 0, or -1 after
 * saying why on stderr. */
int cli_parse(int argc, char **argv, int first, struct cli_opt *opts, size_t n, const char **pos,
              int *npos, int maxpos, bool *help);
/* The options' lines of a --help, with their defaults and variables. */
void cli_print_opts(FILE *f, const struct cli_opt *opts, size_t n);
/* The value of option name (NULL: not set and no default). */
const char *cli_opt_get(const struct cli_opt *opts, size_t n, const char *name);

#endif
