/* Helpers shared by the libFuzzer harnesses (header-only so that each
 * harness stays one .c file). Everything here runs once per process. */
#ifndef RAGBOARD_FUZZ_COMMON_H
#define RAGBOARD_FUZZ_COMMON_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "import.h"
#include "store.h"
#include "util.h"

#ifndef RAGBOARD_SOURCE_ROOT
#define RAGBOARD_SOURCE_ROOT "."
#endif

#define FUZZ_DATASET RAGBOARD_SOURCE_ROOT "/data/rotherham-icp-2018-19.json"

/* Invariant violated: report it the way libFuzzer notices (abort). */
#define FUZZ_CHECK(cond)                                                           \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      abort();                                                                     \
    }                                                                              \
  } while (0)

static inline void
fuzz_die(const char *what, enum rb_err err)
{
  fprintf(stderr, "fuzz setup: %s failed (%s)\n", what, rb_err_title(err));
  abort();
}

static inline void
fuzz_init_libs(void)
{
  if (sodium_init() < 0)
    fuzz_die("sodium_init", RB_ERR_INTERNAL);
}

/* Open `path` (":memory:" or a file) with migrations applied. */
static inline struct store *
fuzz_open_store(const char *path)
{
  struct db_options opt = {
    .synchronous_full = false,
    .busy_timeout_ms = 5000,
    .readonly = false,
    .create = true,
  };
  struct store *st = NULL;
  enum rb_err err = store_open(path, &opt, true, &st);

  if (err != RB_OK)
    fuzz_die("store_open", err);
  return st;
}

/* Import the 2018/19 demo dataset into st and commit it, so validators and
 * handlers find real groups, priorities, organisations and items. */
static inline void
fuzz_seed_dataset(struct store *st)
{
  json_error_t jerr;
  json_t *doc = json_load_file(FUZZ_DATASET, JSON_REJECT_DUPLICATES, &jerr);
  json_t *errors = json_array(), *counts = NULL;
  char now[UTIL_TIME_LEN];
  enum rb_err err;

  if (doc == NULL) {
    fprintf(stderr, "fuzz setup: cannot read %s: %s\n", FUZZ_DATASET, jerr.text);
    abort();
  }
  /* Give a third of the items an owner, so submitters have something of
   * their own (the demo data has no owners). */
  {
    const char *const lists[] = {"milestones", "kpis"};
    const char *const owners[] = {"RMBC", "RCCG", "TRFT"};

    for (size_t l = 0; l < 2; l++) {
      json_t *arr = json_object_get(doc, lists[l]), *item;
      size_t i;

      json_array_foreach(arr, i, item) if (i % 3 == 0)
        json_object_set_new(item, "owner", json_string(owners[(i / 3) % 3]));
    }
  }
  util_now(now);
  err = store_begin(st, true);
  if (err != RB_OK)
    fuzz_die("store_begin", err);
  err = import_dataset(st, doc, now, "fuzz setup", NULL, errors, &counts);
  if (err != RB_OK) {
    char *text = json_dumps(errors, JSON_INDENT(1));

    fprintf(stderr, "fuzz setup: import failed: %s\n", text != NULL ? text : "?");
    free(text);
    fuzz_die("import_dataset", err);
  }
  err = store_commit(st);
  if (err != RB_OK)
    fuzz_die("store_commit", err);
  json_decref(counts);
  json_decref(errors);
  json_decref(doc);
}

/* Every entry of an errors array is {"field": string, "message": string}. */
static inline void
fuzz_check_errors(const json_t *errors)
{
  size_t i;
  json_t *e;

  FUZZ_CHECK(json_is_array(errors));
  json_array_foreach(errors, i, e)
  {
    FUZZ_CHECK(json_is_object(e));
    FUZZ_CHECK(json_is_string(json_object_get(e, "field")));
    FUZZ_CHECK(json_is_string(json_object_get(e, "message")));
  }
}

#endif
