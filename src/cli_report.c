/* ragboard report: a quarter's board report from the database, in the
 * format asked for, for scripts and committee services. The same report
 * GET /api/v1/reports/{quarter} serves (domain_report.h builds both). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "domain_report.h"
#include "quarter.h"
#include "render.h"
#include "util.h"

enum { O_DB, O_QUARTER, O_FORMAT, O_GROUP, O_NO_DETAIL, O_OUT, O_TITLE, O_DT, O_PB, O__N };

static void
help(const struct cli_opt *opts, size_t n)
{
  printf("Usage: ragboard report --db PATH --quarter Q [--format html|md|csv|json] [--group CODE]\n"
         "                       [--no-detail] [--out FILE] [--title TEXT]\n\n"
         "Write a quarter's board report: the cover, each group's priorities, summary,\n"
         "comparisons and exceptions, the overall position, the detail of every milestone\n"
         "and KPI, the data notes and the provenance (data version and audit trail head).\n"
         "html prints to PDF from a browser; md converts to Word with pandoc; csv is every\n"
         "table of the report in one file with a \"table\" column; json is the report model.\n"
         "The database is only read. Exit status 0, 1 on failure (nothing is written to\n"
         "--out then), 2 on a usage error.\n\n");
  cli_print_opts(stdout, opts, n);
}

/* Write text to path through a temporary file renamed over it, so that a
 * failure never leaves half a report; "-" or NULL: standard output. */
static int
write_out(const char *path, const char *text, size_t len)
{
  char tmp[4096];
  FILE *f;

  if (path == NULL || strcmp(path, "-") == 0) {
    if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
      fprintf(stderr, "ragboard: writing the report: %s\n", strerror(errno));
      return 1;
    }
    return 0;
  }
  if (snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
    fprintf(stderr, "ragboard: --out %s: the path is too long\n", path);
    return 2;
  }
  f = fopen(tmp, "wb");
  if (f == NULL || fwrite(text, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0 ||
      fclose(f) != 0 || rename(tmp, path) != 0) {
    fprintf(stderr, "ragboard: writing %s: %s\n", path, strerror(errno));
    if (f != NULL)
      unlink(tmp);
    return 1;
  }
  return 0;
}

/* The options' values, checked: 0, or 2 after saying what is wrong. */
static int
check_opts(const struct cli_opt *o, enum render_format *format)
{
  struct quarter q;
  const char *msg;

  if (o[O_QUARTER].value == NULL) {
    fprintf(stderr, "ragboard: --quarter Q is required, e.g. --quarter 2018-19-Q1\n");
    return 2;
  }
  if ((msg = quarter_parse(o[O_QUARTER].value, &q)) != NULL) {
    fprintf(stderr, "ragboard: --quarter %s: %s\n", o[O_QUARTER].value, msg);
    return 2;
  }
  if (!render_format_parse(o[O_FORMAT].value, format)) {
    fprintf(stderr, "ragboard: --format %s: must be html, md, csv or json\n", o[O_FORMAT].value);
    return 2;
  }
  for (int i = O_TITLE; i <= O_PB; i++)
    if (o[i].value != NULL && !app_report_text_ok(o[i].value)) {
      fprintf(stderr,
              "ragboard: %s must be UTF-8 text of 1 to 200 bytes, without control "
              "characters\n",
              o[i].name);
      return 2;
    }
  if (o[O_GROUP].value != NULL && o[O_GROUP].value[0] == '\0') {
    fprintf(stderr, "ragboard: --group needs a group's code\n");
    return 2;
  }
  return 0;
}

int
cli_report(int argc, char **argv)
{
  struct cli_opt opts[O__N] = {
    [O_DB] = {"--db", "RAGBOARD_DB", false, "PATH", "SQLite database file, required", NULL, false},
    [O_QUARTER] = {"--quarter", NULL, false, "Q", "the report's quarter, e.g. 2018-19-Q1", NULL,
                   false},
    [O_FORMAT] = {"--format", NULL, false, "FORMAT", "html, md, csv or json", "html", false},
    [O_GROUP] = {"--group", NULL, false, "CODE", "one transformation group only (default: all)",
                 NULL, false},
    [O_NO_DETAIL] = {"--no-detail", NULL, true, NULL,
                     "the summary pages only, without each milestone and KPI", NULL, false},
    [O_OUT] = {"--out", NULL, false, "FILE", "write the report here (default: standard output)",
               NULL, false},
    [O_TITLE] = {"--title", "RAGBOARD_REPORT_TITLE", false, "TEXT",
                 "the partnership's title on the cover (default: the plan year's imported "
                 "dataset title without a trailing quarter phrase such as \", Quarter 1 "
                 "2018/19\" or \" - Q1 2018/19\"; without one, \"" DOMAIN_REPORT_TITLE "\")",
                 NULL, false},
    [O_DT] = {"--delivery-team", "RAGBOARD_REPORT_DELIVERY_TEAM", false, "NAME",
              "the first body in the approval history (default: \"Delivery Team\")", NULL, false},
    [O_PB] = {"--place-board", "RAGBOARD_REPORT_PLACE_BOARD", false, "NAME",
              "the second body in the approval history (default: \"Place Board\")", NULL, false},
  };
  const char *pos[1];
  int npos, rc;
  bool help_asked;
  enum render_format format;
  char now[UTIL_TIME_LEN], why[512], *text = NULL;
  size_t len = 0;
  struct store *st = NULL;
  json_t *model = NULL;
  enum rb_err err;

  if (cli_parse(argc, argv, 2, opts, O__N, pos, &npos, 0, &help_asked) != 0)
    return 2;
  if (help_asked) {
    help(opts, O__N);
    return 0;
  }
  if ((rc = cli_need_db(opts[O_DB].value)) != 0 || (rc = check_opts(opts, &format)) != 0)
    return rc;
  if ((rc = cli_open_store(opts[O_DB].value, false, false, &st)) != 0)
    return rc;
  util_now(now);
  {
    struct domain_report_ask ask = {.quarter = opts[O_QUARTER].value,
                                    .group = opts[O_GROUP].value,
                                    .detail = opts[O_NO_DETAIL].value == NULL,
                                    .title = opts[O_TITLE].value,
                                    .delivery_team = opts[O_DT].value,
                                    .place_board = opts[O_PB].value,
                                    .built_at = now};

    /* One read transaction: the data, its version and the audit head are
     * one snapshot, whatever a server writes meanwhile. */
    err = store_begin(st, false);
    if (err == RB_OK) {
      err = domain_report_model(st, &ask, &model, why, sizeof(why));
      store_rollback(st);
    } else {
      why[0] = '\0';
    }
  }
  store_close(st);
  if (err == RB_OK)
    err = render_as(model, format, &text, &len, NULL);
  json_decref(model);
  if (err != RB_OK) {
    fprintf(stderr, "ragboard: report %s: %s\n", opts[O_QUARTER].value,
            why[0] != '\0' ? why : rb_err_title(err));
    return 1;
  }
  rc = write_out(opts[O_OUT].value, text, len);
  free(text);
  return rc;
}
