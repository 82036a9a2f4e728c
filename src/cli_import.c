/* ragboard import: datasets (icp-performance-dataset/1), all the files in
 * one transaction, audited as the command line's changes. */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "cli.h"
#include "import.h"
#include "jsonv.h"
#include "util.h"

int
cli_import(int argc, char **argv)
{
  struct cli_opt opts[] = {
    {"--db", "RAGBOARD_DB", false, "PATH", "SQLite database file, required (migrated if needed)",
     NULL, false},
    {0}, /* --audit-key, set below */
  };
  const char *files[64];
  int nfiles, rc;
  bool help;
  struct store *st = NULL;
  struct audit_keyring *keys = NULL;
  char now[UTIL_TIME_LEN], actor[160];
  struct domain_actor who;
  struct domain_auditor auditor = {NULL, &who};
  /* one set for all the files: they are one transaction */
  struct import_audit audit = {domain_audit_hook, &auditor, NULL};
  enum rb_err err;

  opts[1] = cli_audit_key_opt();
  if (cli_parse(argc, argv, 2, opts, ARRAY_LEN(opts), files, &nfiles, 64, &help) != 0)
    return 2;
  if (help) {
    printf("Usage: ragboard import --db PATH FILE...\n\n"
           "Import datasets (format icp-performance-dataset/1). All files are one\n"
           "transaction: on any error nothing is written and every problem is listed.\n\n");
    cli_print_opts(stdout, opts, ARRAY_LEN(opts));
    return 0;
  }
  if ((rc = cli_need_db(opts[0].value)) != 0)
    return rc;
  if (nfiles == 0) {
    fprintf(stderr, "ragboard: import needs at least one FILE\n");
    return 2;
  }
  if ((rc = cli_open_store(opts[0].value, true, true, &st)) != 0)
    return rc;
  util_now(now);
  auditor.st = st;
  cli_operator(actor, sizeof(actor));
  cli_actor(&who, actor, now);
  if ((rc = cli_load_keys(opts[0].value, opts[1].value, true, actor, &keys)) != 0) {
    store_close(st);
    return rc;
  }
  store_set_audit_keys(st, keys);
  audit.created = nfiles > 1 ? json_object() : NULL; /* one file: nothing to share */
  err = store_begin(st, true);
  for (int i = 0; i < nfiles && err == RB_OK; i++) {
    json_error_t jerr;
    json_t *doc = json_load_file(files[i], JSON_REJECT_DUPLICATES, &jerr);
    json_t *errors = json_array(), *counts = NULL;

    jv_round_reals(doc); /* as the API does (jv_round15) */
    if (doc == NULL && jerr.line < 0) {
      /* not read at all (a missing file, say): jansson's text names the file */
      fprintf(stderr, "ragboard: %s\n", jerr.text);
      err = RB_ERR_BAD_JSON;
    } else if (doc == NULL) {
      fprintf(stderr, "ragboard: %s: line %d, column %d: %s\n", files[i], jerr.line, jerr.column,
              jerr.text);
      err = RB_ERR_BAD_JSON;
    } else {
      err = import_dataset(st, doc, now, "import (command line)", &audit, errors, &counts);
      if (err != RB_OK) {
        size_t k;
        json_t *e;

        json_array_foreach(errors, k, e) fprintf(stderr, "ragboard: %s: %s: %s\n", files[i],
                                                 json_string_value(json_object_get(e, "field")),
                                                 json_string_value(json_object_get(e, "message")));
        if (json_array_size(errors) == 0)
          fprintf(stderr, "ragboard: %s: %s (%s)\n", files[i], rb_err_title(err), store_errmsg(st));
      } else {
        char *text = json_dumps(counts, JSON_COMPACT);

        err = domain_audit_import(st, &who, counts);

        printf("%s: %s\n", files[i], text != NULL ? text : "");
        free(text);
      }
    }
    json_decref(counts);
    json_decref(errors);
    json_decref(doc);
  }
  if (err == RB_OK)
    err = store_commit(st);
  else
    store_rollback(st);
  store_close(st);
  audit_keyring_free(keys);
  json_decref(audit.created);
  if (err != RB_OK) {
    fprintf(stderr, "ragboard: import failed; nothing was written\n");
    return 1;
  }
  return 0;
}
