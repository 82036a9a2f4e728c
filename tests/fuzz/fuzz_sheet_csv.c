/* Fuzz the spreadsheet CSV reader (encodings, delimiters, records), then
 * the header row and the number rules on what it read. Every input is read
 * or refused with a 4xx that says why in valid UTF-8; a table obeys its
 * invariants. */
#include <math.h>
#include <stdint.h>

#include "fuzz_common.h"
#include "jsonv.h"
#include "sheet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct sheet_limits lim = SHEET_LIMITS_DEFAULT;
  struct sheet_problem why = {0, ""};
  struct sheet_header h;
  struct sheet *s = NULL;
  size_t last = 0;
  enum rb_err err;

  lim.max_input = size;
  err = sheet_read_csv((const char *)data, size, &lim, &s, &why);
  FUZZ_CHECK(err == RB_OK || err == RB_ERR_BAD_REQUEST || err == RB_ERR_TOO_LARGE ||
             err == RB_ERR_INVALID);
  if (err != RB_OK) {
    FUZZ_CHECK(s == NULL);
    FUZZ_CHECK(why.text[0] != '\0' && jv_utf8_valid(why.text, strlen(why.text)));
    return 0;
  }
  FUZZ_CHECK(s->delimiter == ',' || s->delimiter == ';' || s->delimiter == '\t');
  FUZZ_CHECK(s->nrows >= 1); /* the header row at least */
  for (size_t i = 0; i < s->nrows; i++) {
    const struct sheet_row *r = &s->rows[i];

    FUZZ_CHECK(r->line > last && r->line <= size + 1);
    last = r->line;
    for (size_t c = 0; c < r->ncells; c++)
      FUZZ_CHECK(jv_utf8_valid(r->cells[c], strlen(r->cells[c])));
  }
  for (size_t i = 0; i < s->nnotes; i++)
    FUZZ_CHECK(jv_utf8_valid(s->notes[i], strlen(s->notes[i])));
  err = sheet_find_header(s, &h, &why);
  FUZZ_CHECK(err == RB_OK || err == RB_ERR_INVALID);
  if (err == RB_OK && h.column[SHEET_VALUE] >= 0) {
    struct sheet_numbers conv;

    sheet_numbers_decide(s, &h, (size_t)h.column[SHEET_VALUE], &conv);
    FUZZ_CHECK(!(conv.decimal_comma && conv.thousands_comma));
    for (size_t i = h.row + 1; i < s->nrows; i++) {
      double v;

      if (sheet_parse_number(&conv, sheet_cell(&s->rows[i], (size_t)h.column[SHEET_VALUE]), true,
                             &v, &why))
        FUZZ_CHECK(isfinite(v) && fabs(v) <= 1e15);
      else
        FUZZ_CHECK(why.text[0] != '\0' && jv_utf8_valid(why.text, strlen(why.text)));
    }
  } else if (err != RB_OK) {
    FUZZ_CHECK(why.text[0] != '\0' && jv_utf8_valid(why.text, strlen(why.text)));
  }
  sheet_free(s);
  return 0;
}
