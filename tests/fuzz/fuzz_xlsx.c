/* Fuzz the XLSX reader (libzip + expat + the cell model) and what reads
 * its table: the header row and the number rules.
 *
 * The first byte chooses how the rest is used. Even (a zip's own "PK"
 * starts with an even byte, so real workbooks in the corpus are used as
 * they are): the input is the upload. Odd: the rest is the text of the
 * workbook's parts, separated by NUL bytes (sheet, shared strings, styles,
 * workbook, relationships), stored in a zip built here with libzip; parts
 * not given are a plain workbook's, so mutations reach the XML and the
 * cell model instead of dying on CRCs.
 *
 * Every input must be read or refused with a 4xx (never a crash, a leak,
 * undefined behaviour or more memory than libFuzzer's -rss_limit_mb); a
 * refusal says why in valid UTF-8; a table obeys its invariants. */
#include <math.h>
#include <stdint.h>
#include <zip.h>

#include "fuzz_common.h"
#include "jsonv.h"
#include "sheet.h"

#define WORKBOOK                                                                     \
  "<workbook xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/"       \
  "relationships\"><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets>" \
  "</workbook>"
#define RELS                                                                              \
  "<Relationships><Relationship Id=\"rId1\" Type=\"x/worksheet\" "                        \
  "Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"x/sharedStrings\" " \
  "Target=\"sharedStrings.xml\"/><Relationship Id=\"rId3\" Type=\"x/styles\" "            \
  "Target=\"styles.xml\"/></Relationships>"

static char *
build_zip(const uint8_t *data, size_t size, size_t *len)
{
  static const char *const names[] = {"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml",
                                      "xl/styles.xml", "xl/workbook.xml",
                                      "xl/_rels/workbook.xml.rels"};
  const char *part[5] = {NULL, NULL, NULL, WORKBOOK, RELS};
  size_t part_len[5] = {0, 0, 0, strlen(WORKBOOK), strlen(RELS)};
  zip_source_t *src;
  zip_t *za;
  zip_stat_t st;
  char *out;
  size_t k = 0, start = 0;

  for (size_t i = 0; i <= size && k < 5; i++)
    if (i == size || data[i] == 0) {
      part[k] = (const char *)data + start;
      part_len[k++] = i - start;
      start = i + 1;
    }
  src = zip_source_buffer_create(NULL, 0, 0, NULL);
  FUZZ_CHECK(src != NULL);
  za = zip_open_from_source(src, ZIP_TRUNCATE, NULL);
  FUZZ_CHECK(za != NULL);
  zip_source_keep(src);
  for (size_t i = 0; i < 5; i++) {
    zip_source_t *s;
    zip_int64_t idx;

    if (part[i] == NULL)
      continue;
    s = zip_source_buffer(za, part[i], part_len[i], 0);
    idx = zip_file_add(za, names[i], s, 0);
    FUZZ_CHECK(idx >= 0);
    zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
  }
  FUZZ_CHECK(zip_close(za) == 0);
  FUZZ_CHECK(zip_source_stat(src, &st) == 0);
  out = malloc(st.size ? st.size : 1);
  FUZZ_CHECK(out != NULL);
  FUZZ_CHECK(zip_source_open(src) == 0);
  FUZZ_CHECK(zip_source_read(src, out, st.size) == (zip_int64_t)st.size);
  zip_source_close(src);
  zip_source_free(src);
  *len = st.size;
  return out;
}

static void
check_table(struct sheet *s, const struct sheet_limits *lim)
{
  size_t cells = 0, last = 0;
  struct sheet_header h;
  struct sheet_problem why = {0, ""};
  enum rb_err err;

  FUZZ_CHECK(s->nnotes <= SHEET_MAX_NOTES);
  for (size_t i = 0; i < s->nnotes; i++)
    FUZZ_CHECK(jv_utf8_valid(s->notes[i], strlen(s->notes[i])));
  for (size_t i = 0; i < s->nrows; i++) {
    const struct sheet_row *r = &s->rows[i];
    bool blank = true;

    FUZZ_CHECK(r->line > last && r->line <= SHEET_MAX_ROW);
    last = r->line;
    FUZZ_CHECK(r->ncells >= 1 && r->ncells <= SHEET_MAX_COLUMNS);
    cells += r->ncells;
    for (size_t c = 0; c < r->ncells; c++) {
      const char *v = r->cells[c];
      size_t n = strlen(v);

      FUZZ_CHECK(jv_utf8_valid(v, n));
      FUZZ_CHECK(n <= SHEET_MAX_CELL_BYTES);
      FUZZ_CHECK(n == 0 || (v[0] != ' ' && v[n - 1] != ' ' && v[n - 1] != '\n'));
      blank &= n == 0;
    }
    FUZZ_CHECK(!blank);
  }
  FUZZ_CHECK(cells <= lim->max_cells);
  err = sheet_find_header(s, &h, &why);
  FUZZ_CHECK(err == RB_OK || err == RB_ERR_INVALID);
  if (err != RB_OK) {
    FUZZ_CHECK(why.text[0] != '\0' && jv_utf8_valid(why.text, strlen(why.text)));
    return;
  }
  FUZZ_CHECK(h.row < s->nrows && h.column[SHEET_KIND] >= 0 && h.column[SHEET_CODE] >= 0);
  if (h.column[SHEET_VALUE] >= 0) {
    struct sheet_numbers conv;

    sheet_numbers_decide(s, &h, (size_t)h.column[SHEET_VALUE], &conv);
    FUZZ_CHECK(!(conv.decimal_comma && conv.thousands_comma));
    for (size_t i = h.row + 1; i < s->nrows; i++) {
      double v;

      for (int percent = 0; percent < 2; percent++) {
        if (sheet_parse_number(&conv, sheet_cell(&s->rows[i], (size_t)h.column[SHEET_VALUE]),
                               percent, &v, &why))
          FUZZ_CHECK(isfinite(v) && fabs(v) <= 1e15);
        else
          FUZZ_CHECK(why.text[0] != '\0' && jv_utf8_valid(why.text, strlen(why.text)));
      }
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* The defaults but for the per-member and total sizes, smaller so that
   * each run stays quick; the caps themselves are what is exercised. */
  struct sheet_limits lim = SHEET_LIMITS_DEFAULT;
  struct sheet_problem why = {0, ""};
  struct sheet *s = NULL;
  char *zip = NULL;
  size_t len = 0;
  enum rb_err err;

  if (size == 0)
    return 0;
  lim.max_member = (size_t)8 << 20;
  lim.max_uncompressed = (size_t)12 << 20;
  if (data[0] & 1) {
    zip = build_zip(data + 1, size - 1, &len);
    lim.max_input = len;
    err = sheet_read_xlsx(zip, len, &lim, &s, &why);
  } else {
    err = sheet_read_xlsx((const char *)data, size, &lim, &s, &why);
  }
  FUZZ_CHECK(err == RB_OK || err == RB_ERR_BAD_REQUEST || err == RB_ERR_TOO_LARGE ||
             err == RB_ERR_INVALID);
  if (err == RB_OK) {
    check_table(s, &lim);
    sheet_free(s);
  } else {
    FUZZ_CHECK(s == NULL);
    FUZZ_CHECK(why.text[0] != '\0' && jv_utf8_valid(why.text, strlen(why.text)));
  }
  free(zip);
  return 0;
}
