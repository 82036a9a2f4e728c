/* Fuzz the dataset importer: the bytes as a JSON document, imported inside
 * a write transaction that is always rolled back, on an in-memory store
 * that already holds the demo dataset (so upserts both insert and update). */
#include <stdint.h>

#include "fuzz_common.h"
#include "jsonv.h"

static struct store *st;

static void
check_no_server_error(const json_t *errors)
{
  size_t i;
  json_t *e;

  json_array_foreach(errors, i, e)
  {
    const char *msg = json_string_value(json_object_get(e, "message"));

    /* A file that passed validation but failed in the store means a check
     * is missing: the client would see a database error. */
    if (strstr(msg, "could not be stored") != NULL &&
        (strstr(msg, "Database error") != NULL || strstr(msg, "Internal error") != NULL ||
         strstr(msg, "Out of memory") != NULL || strstr(msg, "I/O error") != NULL)) {
      fprintf(stderr, "import: %s: %s\n", json_string_value(json_object_get(e, "field")), msg);
      abort();
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  json_error_t jerr;
  json_t *doc, *errors, *counts = NULL;
  char now[UTIL_TIME_LEN] = "2019-01-01T00:00:00.000Z";
  enum rb_err err;

  if (st == NULL) {
    fuzz_init_libs();
    st = fuzz_open_store(":memory:");
    fuzz_seed_dataset(st);
  }
  /* POST /api/v1/import refuses deeper documents before parsing. */
  if (jv_depth((const char *)data, size, 32) > 32)
    return 0;
  doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
  if (doc == NULL)
    return 0;
  errors = json_array();
  FUZZ_CHECK(store_begin(st, true) == RB_OK);
  err = import_dataset(st, doc, now, "fuzz", NULL, errors, &counts);
  FUZZ_CHECK(err == RB_OK || err == RB_ERR_INVALID);
  fuzz_check_errors(errors);
  check_no_server_error(errors);
  if (err == RB_OK) {
    FUZZ_CHECK(json_array_size(errors) == 0);
    FUZZ_CHECK(json_is_object(counts));
    json_decref(counts);
    counts = NULL;
    /* Importing the same file again changes nothing and succeeds. */
    err = import_dataset(st, doc, now, "fuzz", NULL, errors, &counts);
    if (err != RB_OK) {
      char *text = json_dumps(errors, JSON_COMPACT);

      fprintf(stderr, "second import failed: %s\n", text != NULL ? text : "?");
      free(text);
      abort();
    }
    json_decref(counts);
  } else {
    FUZZ_CHECK(json_array_size(errors) > 0);
  }
  store_rollback(st);
  json_decref(errors);
  json_decref(doc);
  return 0;
}
