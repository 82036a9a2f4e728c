#include "cli_opts.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct cli_opt
cli_opt_of(const struct app_option *o)
{
  struct cli_opt opt = {o->name, o->env, o->flag, o->meta, o->help, o->def, false};

  return opt;
}

void
cli_print_opts(FILE *f, const struct cli_opt *opts, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    char left[64];

    snprintf(left, sizeof(left), "%s%s%s", opts[i].name, opts[i].meta ? " " : "",
             opts[i].meta ? opts[i].meta : "");
    fprintf(f, "  %-26s %s", left, opts[i].help);
    if (opts[i].flag)
      fputs(" (default: off)", f);
    else if (opts[i].value != NULL)
      fprintf(f, " (default: %s)", opts[i].value);
    if (opts[i].env != NULL)
      fprintf(f, " [env %s]", opts[i].env);
    fputc('\n', f);
  }
}

/* A switch from the environment: 1 true yes on, or 0 false no off. */
static int
env_flag(const struct cli_opt *o, const char *e)
{
  if (strcasecmp(e, "1") == 0 || strcasecmp(e, "true") == 0 || strcasecmp(e, "yes") == 0 ||
      strcasecmp(e, "on") == 0)
    return 1;
  if (strcasecmp(e, "0") == 0 || strcasecmp(e, "false") == 0 || strcasecmp(e, "no") == 0 ||
      strcasecmp(e, "off") == 0)
    return 0;
  /* A switch read wrongly could open the data to anonymous readers. */
  fprintf(stderr, "ragboard: %s=%s: must be 1, true, yes, on, 0, false, no or off\n", o->env, e);
  return -1;
}

int
cli_parse(int argc, char **argv, int first, struct cli_opt *opts, size_t n, const char **pos,
          int *npos, int maxpos, bool *help)
{
  *npos = 0;
  *help = false;
  for (int i = first; i < argc; i++) {
    const char *a = argv[i];
    size_t j;

    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      *help = true;
      return 0;
    }
    if (strncmp(a, "--", 2) != 0) {
      if (*npos >= maxpos) {
        fprintf(stderr, "ragboard: unexpected argument %s\n", a);
        return -1;
      }
      pos[(*npos)++] = a;
      continue;
    }
    for (j = 0; j < n; j++) {
      size_t len = strlen(opts[j].name);

      if (strncmp(a, opts[j].name, len) != 0 || (a[len] != '\0' && a[len] != '='))
        continue;
      if (opts[j].flag) {
        if (a[len] == '=') {
          fprintf(stderr, "ragboard: %s takes no value\n", opts[j].name);
          return -1;
        }
        opts[j].value = "1";
      } else if (a[len] == '=') {
        opts[j].value = a + len + 1;
      } else if (i + 1 < argc) {
        opts[j].value = argv[++i];
      } else {
        fprintf(stderr, "ragboard: %s needs a value\n", opts[j].name);
        return -1;
      }
      opts[j].seen = true;
      break;
    }
    if (j == n) {
      fprintf(stderr, "ragboard: unknown option %s (see --help)\n", a);
      return -1;
    }
  }
  for (size_t j = 0; j < n; j++) {
    const char *e = opts[j].env != NULL ? getenv(opts[j].env) : NULL;
    int on;

    if (opts[j].seen || e == NULL || e[0] == '\0')
      continue;
    if (!opts[j].flag) {
      opts[j].value = e;
      continue;
    }
    if ((on = env_flag(&opts[j], e)) < 0)
      return -1;
    opts[j].value = on ? "1" : NULL;
  }
  return 0;
}

const char *
cli_opt_get(const struct cli_opt *opts, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(opts[i].name, name) == 0)
      return opts[i].value;
  return NULL;
}
