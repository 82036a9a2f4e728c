/* Fuzz the RFC 4180 parser used for partners' quarterly returns. On success
 * every record is checked, then written back out with every field quoted
 * and parsed again: the fields must come back the same. */
#include <stdint.h>

#include "csv.h"
#include "fuzz_common.h"

static char *
write_csv(const json_t *rows, size_t *len)
{
  size_t cap = 64, used = 0, i, j;
  char *out = malloc(cap);
  json_t *row, *f;

  FUZZ_CHECK(out != NULL);
  json_array_foreach(rows, i, row)
  {
    json_array_foreach(json_object_get(row, "fields"), j, f)
    {
      const char *s = json_string_value(f);
      size_t n = json_string_length(f);

      while (used + 2 * n + 8 > cap) {
        cap *= 2;
        out = realloc(out, cap);
        FUZZ_CHECK(out != NULL);
      }
      if (j > 0)
        out[used++] = ',';
      out[used++] = '"';
      for (size_t k = 0; k < n; k++) {
        if (s[k] == '"')
          out[used++] = '"';
        out[used++] = s[k];
      }
      out[used++] = '"';
    }
    out[used++] = '\r';
    out[used++] = '\n';
  }
  *len = used;
  return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  json_t *rows = NULL, *again = NULL, *row;
  char why[128] = "", *text;
  size_t bad = 0, i, len, last_line = 0;
  enum rb_err err;

  err = csv_parse((const char *)data, size, &rows, why, sizeof(why), &bad);
  /* A client's bytes are either a valid return or a 400; never a 500. */
  FUZZ_CHECK(err == RB_OK || err == RB_ERR_INVALID);
  if (err != RB_OK) {
    FUZZ_CHECK(why[0] != '\0');
    FUZZ_CHECK(bad >= 1 && bad <= size + 1);
    return 0;
  }
  FUZZ_CHECK(json_is_array(rows));
  json_array_foreach(rows, i, row)
  {
    json_t *fields = json_object_get(row, "fields");
    json_int_t line = json_integer_value(json_object_get(row, "line"));

    FUZZ_CHECK(line >= 1 && (size_t)line > last_line && (size_t)line <= size + 1);
    last_line = (size_t)line;
    FUZZ_CHECK(json_is_array(fields));
    FUZZ_CHECK(json_array_size(fields) >= 1 && json_array_size(fields) <= CSV_MAX_FIELDS);
    for (size_t j = 0; j < json_array_size(fields); j++)
      FUZZ_CHECK(json_is_string(json_array_get(fields, j)));
  }

  text = write_csv(rows, &len);
  err = csv_parse(text, len, &again, why, sizeof(why), &bad);
  FUZZ_CHECK(err == RB_OK);
  FUZZ_CHECK(json_array_size(again) == json_array_size(rows));
  for (i = 0; i < json_array_size(rows); i++)
    FUZZ_CHECK(json_equal(json_object_get(json_array_get(rows, i), "fields"),
                          json_object_get(json_array_get(again, i), "fields")));
  free(text);
  json_decref(again);
  json_decref(rows);
  return 0;
}
