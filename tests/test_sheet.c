/* Suite `sheet`: the table model's CSV reader (encodings, delimiters,
 * records), the header row of a return, and the rules for numbers in value
 * cells. Pure: tables of inputs and the files in tests/data/sheet/ (as
 * Excel writes them; tests/sheet/make_fixtures.py made them). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sheet.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#ifndef RAGBOARD_SOURCE_ROOT
#define RAGBOARD_SOURCE_ROOT "."
#endif

/* malloc that fails the test instead of returning NULL */
static void *
xmalloc(size_t n)
{
  void *p = malloc(n);

  ck_assert_ptr_nonnull(p);
  return p;
}

/* ---- helpers ------------------------------------------------------------------ */

/* The sheet as text: "LINE:cell|cell\n" per row. */
static char *
render(const struct sheet *s)
{
  size_t cap = 4096, len = 0;
  char *out = xmalloc(cap);

  ck_assert_ptr_nonnull(out);
  out[0] = '\0';
  for (size_t i = 0; i < s->nrows; i++) {
    const struct sheet_row *r = &s->rows[i];
    size_t need = 32;

    for (size_t c = 0; c < r->ncells; c++)
      need += strlen(r->cells[c]) + 1;
    while (len + need >= cap)
      out = realloc(out, cap *= 2);
    len += (size_t)sprintf(out + len, "%zu:", r->line);
    for (size_t c = 0; c < r->ncells; c++)
      len += (size_t)sprintf(out + len, "%s%s", c ? "|" : "", r->cells[c]);
    out[len++] = '\n';
    out[len] = '\0';
  }
  return out;
}

static char *
notes(const struct sheet *s)
{
  static char buf[2048];

  buf[0] = '\0';
  for (size_t i = 0; i < s->nnotes; i++)
    snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? "; " : "", s->notes[i]);
  return buf;
}

static char *
slurp(const char *name, size_t *len)
{
  char path[512];
  FILE *f;
  char *buf = xmalloc(1 << 20);

  snprintf(path, sizeof(path), "%s/tests/data/sheet/%s", RAGBOARD_SOURCE_ROOT, name);
  f = fopen(path, "rb");
  ck_assert_msg(f != NULL, "cannot open %s", path);
  *len = fread(buf, 1, 1 << 20, f);
  fclose(f);
  return buf;
}

static struct sheet *
read_csv_ok(const char *data, size_t len)
{
  struct sheet_limits lim = SHEET_LIMITS_DEFAULT;
  struct sheet_problem why = {0, ""};
  struct sheet *s = NULL;
  enum rb_err err = sheet_read_csv(data, len, &lim, &s, &why);

  ck_assert_msg(err == RB_OK, "read failed (%d): line %zu: %s", err, why.line, why.text);
  return s;
}

/* ---- CSV records -------------------------------------------------------------- */

struct csv_case {
  const char *name;
  const char *in;
  size_t len; /* 0: strlen(in) */
  const char *rows;
  char delim;
  const char *notes;
};

#define HDR "kind,code,status,value,value_text,comment"

static const struct csv_case csv_ok[] = {
  {"LF", HDR "\nkpi,K1,G,5,,\n", 0, "1:kind|code|status|value|value_text|comment\n2:kpi|K1|G|5||\n",
   ',', ""},
  {"CRLF and BOM", "\xEF\xBB\xBF" HDR "\r\nkpi,K1,G,5,,\r\n", 0,
   "1:kind|code|status|value|value_text|comment\n2:kpi|K1|G|5||\n", ',', ""},
  {"lone CR (old Mac)", "kind,code\rkpi,K1\rmilestone,M1", 0,
   "1:kind|code\n2:kpi|K1\n3:milestone|M1\n", ',', ""},
  {"no final line break", "kind,code\nkpi,K1", 0, "1:kind|code\n2:kpi|K1\n", ',', ""},
  {"trailing empty rows and blank lines are left out, lines kept",
   "kind,code,comment\r\n\r\nkpi,K1,x\r\n,,\r\n , ,\u00a0\r\nkpi,K2,y\r\n,,,,,\r\n,,,,,\r\n", 0,
   "1:kind|code|comment\n3:kpi|K1|x\n6:kpi|K2|y\n", ',', ""},
  {"cells trimmed, inside spaces kept", "kind , code\n kpi ,\t UC1.1 \xC2\xA0\n", 0,
   "1:kind|code\n2:kpi|UC1.1\n", ',', ""},
  {"quoted: delimiters, doubled quotes, line breaks (CRLF in a cell is LF)",
   "kind,code,comment\r\nkpi,K1,\"a, b \"\"c\"\"\r\nnext line\"\r\nkpi,K2,\"\"\r\n", 0,
   "1:kind|code|comment\n2:kpi|K1|a, b \"c\"\nnext line\n4:kpi|K2|\n", ',', ""},
  {"spaces after a closing quote", "kind,code\n\"kpi\"  ,\"K1\" \n", 0, "1:kind|code\n2:kpi|K1\n",
   ',', ""},
  {"a quote inside an unquoted cell is a character", "kind,code,comment\nkpi,K1,5\" screen\n", 0,
   "1:kind|code|comment\n2:kpi|K1|5\" screen\n", ',', ""},
  {"semicolons", "kind;code;value\nkpi;K1;95,5\n", 0, "1:kind|code|value\n2:kpi|K1|95,5\n", ';',
   "delimiter ';' (semicolon)"},
  {"tabs", "kind\tcode\tcomment\nkpi\tK1\ta, b; c\n", 0, "1:kind|code|comment\n2:kpi|K1|a, b; c\n",
   '\t', "delimiter tab"},
  {"header below a title row; the header row decides the delimiter",
   "Quarterly return, Q1; RDASH\r\n\r\nKIND;Code;status\r\nkpi;K1;G\r\n", 0,
   "1:Quarterly return, Q1|RDASH\n3:KIND|Code|status\n4:kpi|K1|G\n", ';',
   "delimiter ';' (semicolon)"},
  {"a comma title before a semicolon header: the earliest header wins",
   "kind;code;comment\nkpi;K1;one, two\n", 0, "1:kind|code|comment\n2:kpi|K1|one, two\n", ';',
   "delimiter ';' (semicolon)"},
  {"Windows-1252",
   "kind,code,comment\nkpi,K1,caf\xE9 \x80"
   "5 \x93ok\x94\n",
   0,
   "1:kind|code|comment\n2:kpi|K1|caf\xC3\xA9 \xE2\x82\xAC"
   "5 \xE2\x80\x9Cok\xE2\x80\x9D\n",
   ',', "read as Windows-1252: the file is not UTF-8 (line 2 has byte 0xE9)"},
  {"UTF-16LE", "\xFF\xFEk\0i\0n\0d\0,\0c\0o\0d\0e\0\r\0\n\0k\0p\0i\0,\0\xE9\0", 34,
   "1:kind|code\n2:kpi|\xC3\xA9\n", ',', "read as UTF-16 (Excel's \"Unicode Text\")"},
  {"UTF-16BE with a surrogate pair",
   "\xFE\xFF\0k\0i\0n\0d\0\t\0c\0o\0d\0e\0\n\0x\0\t\xD8\x3D\xDE\x00", 30,
   "1:kind|code\n2:x|\xF0\x9F\x98\x80\n", '\t',
   "read as UTF-16 (Excel's \"Unicode Text\"); delimiter tab"},
};

START_TEST(test_csv_reads)
{
  const struct csv_case *c = &csv_ok[_i];
  struct sheet *s = read_csv_ok(c->in, c->len ? c->len : strlen(c->in));
  char *got = render(s);

  ck_assert_msg(strcmp(got, c->rows) == 0, "%s: rows\n%s\nwant\n%s", c->name, got, c->rows);
  ck_assert_msg(s->delimiter == c->delim, "%s: delimiter %d", c->name, s->delimiter);
  ck_assert_msg(strcmp(notes(s), c->notes) == 0, "%s: notes \"%s\"", c->name, notes(s));
  free(got);
  sheet_free(s);
}
END_TEST

struct csv_bad {
  const char *name;
  const char *in;
  size_t len;
  enum rb_err err;
  size_t line;
  const char *text;
};

static const struct csv_bad csv_errors[] = {
  {"no header row", "code;kind2\nK1;x\n", 0, RB_ERR_INVALID, 1,
   "no header row: expected a row with the column names kind, code, status, value, value_text, "
   "comment, separated by commas, semicolons or tabs, in the first 20 rows (line 1 reads "
   "\"code;kind2\")"},
  {"pipes are no delimiter", "\r\nkind|code\n", 0, RB_ERR_INVALID, 2,
   "no header row: expected a row with the column names kind, code, status, value, value_text, "
   "comment, separated by commas, semicolons or tabs, in the first 20 rows (line 2 reads "
   "\"kind|code\")"},
  {"empty file", "", 0, RB_ERR_INVALID, 1,
   "no header row: expected a row with the column names kind, code, status, value, value_text, "
   "comment, separated by commas, semicolons or tabs, in the first 20 rows (line 1 reads \"\")"},
  {"unclosed quote", "kind,code,comment\nkpi,K1,ok\nkpi,K2,\"never\nclosed\n", 0,
   RB_ERR_BAD_REQUEST, 3, "line 3: a quoted cell starts there but is never closed (a missing \"?)"},
  {"text after a closing quote", "kind,code,comment\nkpi,K1,\"a\"b\n", 0, RB_ERR_BAD_REQUEST, 2,
   "line 2: text follows the closing quote of a quoted cell (inside quotes, write a quote as "
   "two: \"\")"},
  {"not UTF-8 nor Windows-1252", "kind,code\nkpi,caf\xE9\nkpi,\x81\n", 0, RB_ERR_BAD_REQUEST, 2,
   "line 2 is not UTF-8 (byte 0xE9), and the file is not Windows-1252 either (byte 0x81 on line "
   "3 is no character there): save it as \"CSV UTF-8\""},
  {"0x8D", "kind,code\nkpi,\x8D\n", 0, RB_ERR_BAD_REQUEST, 2,
   "line 2 is not UTF-8 (byte 0x8D), and the file is not Windows-1252 either (byte 0x8D on line "
   "2 is no character there): save it as \"CSV UTF-8\""},
  {"bad UTF-8 after a UTF-8 byte order mark", "\xEF\xBB\xBFkind,code\r\nkpi,caf\xE9\r\n", 0,
   RB_ERR_BAD_REQUEST, 2,
   "line 2 is not valid UTF-8 (byte 0xE9), although the file starts with a UTF-8 byte order "
   "mark: save it again as \"CSV UTF-8\""},
  {"overlong UTF-8 is not UTF-8 (and C0 is Windows-1252's \xC3\x80)", "kind,code\n\xC0\xAF\x90\n",
   0, RB_ERR_BAD_REQUEST, 2,
   "line 2 is not UTF-8 (byte 0xC0), and the file is not Windows-1252 either (byte 0x90 on line "
   "2 is no character there): save it as \"CSV UTF-8\""},
  {"NUL byte", "kind,code\nkpi\0,K1\n", 15, RB_ERR_BAD_REQUEST, 2,
   "line 2 holds a NUL byte: this is not a text file"},
  {"an XLSX sent as CSV", "PK\3\4\0\0\0\0", 8, RB_ERR_BAD_REQUEST, 0,
   "this is a zip file (an XLSX workbook?), not a CSV: upload it as XLSX"},
  {"an .xls sent as CSV", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0", 9, RB_ERR_BAD_REQUEST, 0,
   "this is an Excel 97-2003 workbook (.xls), not a CSV: save it as \"CSV UTF-8\" or as .xlsx"},
  {"UTF-16 lone low surrogate", "\xFF\xFEk\0\n\0\x00\xDC", 8, RB_ERR_BAD_REQUEST, 2,
   "line 2 is not valid UTF-16, although the file starts with a UTF-16 byte order mark: save it "
   "again as \"CSV UTF-8\""},
  {"UTF-16 odd length", "\xFF\xFEk\0i", 5, RB_ERR_BAD_REQUEST, 1,
   "line 1 is not valid UTF-16, although the file starts with a UTF-16 byte order mark: save it "
   "again as \"CSV UTF-8\""},
  {"UTF-16 NUL", "\xFF\xFEk\0\0\0", 6, RB_ERR_BAD_REQUEST, 1,
   "line 1 holds a NUL character: this is not a text file"},
};

START_TEST(test_csv_errors)
{
  const struct csv_bad *c = &csv_errors[_i];
  struct sheet_limits lim = SHEET_LIMITS_DEFAULT;
  struct sheet_problem why = {0, ""};
  struct sheet *s = NULL;
  enum rb_err err = sheet_read_csv(c->in, c->len ? c->len : strlen(c->in), &lim, &s, &why);

  ck_assert_msg(err == c->err, "%s: err %d, want %d (%s)", c->name, err, c->err, why.text);
  ck_assert_ptr_null(s);
  ck_assert_msg(why.line == c->line, "%s: line %zu, want %zu", c->name, why.line, c->line);
  ck_assert_msg(strcmp(why.text, c->text) == 0, "%s:\n got  %s\n want %s", c->name, why.text,
                c->text);
}
END_TEST

START_TEST(test_csv_limits)
{
  struct sheet_limits lim = SHEET_LIMITS_DEFAULT;
  struct sheet_problem why = {0, ""};
  struct sheet *s = NULL;
  char *big;
  size_t n;

  lim.max_input = 10;
  ck_assert_int_eq(sheet_read_csv("kind,code\nx,y\n", 14, &lim, &s, &why), RB_ERR_TOO_LARGE);
  ck_assert_str_eq(why.text, "the file is larger than 10 bytes");

  lim = (struct sheet_limits)SHEET_LIMITS_DEFAULT;
  lim.max_cells = 5;
  ck_assert_int_eq(sheet_read_csv("kind,code\na,b\nc,d\n", 18, &lim, &s, &why), RB_ERR_TOO_LARGE);
  ck_assert_str_eq(why.text, "the sheet has more than 5 cells (at line 3)");
  ck_assert_uint_eq(why.line, 3);

  lim = (struct sheet_limits)SHEET_LIMITS_DEFAULT;
  n = 10 + SHEET_MAX_COLUMNS + 1;
  big = xmalloc(n + 1);
  memcpy(big, "kind,code\n", 10);
  memset(big + 10, ',', SHEET_MAX_COLUMNS + 1);
  big[n] = '\0';
  ck_assert_int_eq(sheet_read_csv(big, n, &lim, &s, &why), RB_ERR_TOO_LARGE);
  ck_assert_str_eq(why.text, "line 2 has more than 16384 columns");
  free(big);

  n = 10 + SHEET_MAX_CELL_BYTES + 1;
  big = xmalloc(n + 1);
  memcpy(big, "kind,code\n", 10);
  memset(big + 10, 'x', SHEET_MAX_CELL_BYTES + 1);
  lim.max_input = n;
  ck_assert_int_eq(sheet_read_csv(big, n, &lim, &s, &why), RB_ERR_TOO_LARGE);
  ck_assert_str_eq(why.text, "cell A2 holds more than 131072 bytes of text");
  free(big);
  ck_assert_ptr_null(s);
}
END_TEST

/* ---- files as Excel writes them ---------------------------------------------- */

struct file_case {
  const char *file;
  const char *rows;
  char delim;
  const char *notes;
};

static const struct file_case csv_files[] = {
  {"uk_excel_utf8.csv",
   "1:kind|code|status|value|value_text|comment\n2:milestone|UC1.1|G|||On track\n"
   "3:milestone|UC1.2|br|||Signed off.\nSee the minutes, item 4.\n"
   "5:kpi|UC/KPI 1|A|95.5%||Winter: \"escalated\"\n6:kpi|UC/KPI 2|G|1,234||\n"
   "7:kpi|UC/KPI 3||1,234,567.5|about 1.2m|Caf\xC3\xA9 \xC2\xA3"
   "5\n",
   ',', ""},
  {"semicolon_excel_1252.csv",
   "1:kind|code|status|value|value_text|comment\n2:milestone|UC1.1|G|||Livr\xC3\xA9 en mai\n"
   "3:kpi|UC/KPI 1|A|95,5||Hiver; pression\n4:kpi|UC/KPI 2|G|12||\n5:kpi|UC/KPI 3|R|0,5||\n",
   ';',
   "read as Windows-1252: the file is not UTF-8 (line 2 has byte 0xE9); delimiter ';' (semicolon)"},
  {"uk_excel_1252.csv",
   "1:kind|code|status|value|value_text|comment\n"
   "2:milestone|UC1.1|G|||Partner\xE2\x80\x99s caf\xC3\xA9 re-opened\n3:kpi|UC/KPI 1|A|95.5||\n",
   ',', "read as Windows-1252: the file is not UTF-8 (line 2 has byte 0x92)"},
  {"unicode_text.txt",
   "1:kind|code|status|value|value_text|comment\n"
   "2:milestone|UC1.1|G|||D\xC3\xA9livr\xC3\xA9 \xE2\x9C\x93\n3:kpi|UC/KPI 1|A|95.5||\n",
   '\t', "read as UTF-16 (Excel's \"Unicode Text\"); delimiter tab"},
};

START_TEST(test_csv_files)
{
  const struct file_case *c = &csv_files[_i];
  size_t len;
  char *data = slurp(c->file, &len), *got;
  struct sheet *s = read_csv_ok(data, len);
  struct sheet_header h;
  struct sheet_problem why;

  got = render(s);
  ck_assert_msg(strcmp(got, c->rows) == 0, "%s: rows\n%s\nwant\n%s", c->file, got, c->rows);
  ck_assert_int_eq(s->delimiter, c->delim);
  ck_assert_msg(strcmp(notes(s), c->notes) == 0, "%s: notes \"%s\"", c->file, notes(s));
  ck_assert_int_eq(sheet_find_header(s, &h, &why), RB_OK);
  ck_assert_uint_eq(h.row, 0);
  for (int f = 0; f < SHEET_MONTH; f++)
    ck_assert_int_eq(h.column[f], f);
  ck_assert_int_eq(h.column[SHEET_MONTH], -1); /* optional: monthly values only */
  free(got);
  free(data);
  sheet_free(s);
}
END_TEST

/* The numbers of the two Excel files, with the file's own convention. */
START_TEST(test_csv_file_numbers)
{
  size_t len;
  char *uk = slurp("uk_excel_utf8.csv", &len);
  struct sheet *s = read_csv_ok(uk, len);
  struct sheet_header h;
  struct sheet_numbers conv;
  struct sheet_problem why;
  double v;

  ck_assert_int_eq(sheet_find_header(s, &h, &why), RB_OK);
  sheet_numbers_decide(s, &h, (size_t)h.column[SHEET_VALUE], &conv);
  ck_assert(!conv.decimal_comma);
  ck_assert(conv.thousands_comma);
  ck_assert(sheet_parse_number(&conv, sheet_cell(&s->rows[3], 3), true, &v, &why));
  ck_assert_double_eq(v, 95.5);
  ck_assert(sheet_parse_number(&conv, sheet_cell(&s->rows[4], 3), false, &v, &why));
  ck_assert_double_eq(v, 1234);
  ck_assert(sheet_parse_number(&conv, sheet_cell(&s->rows[5], 3), false, &v, &why));
  ck_assert_double_eq(v, 1234567.5);
  sheet_free(s);
  free(uk);

  uk = slurp("semicolon_excel_1252.csv", &len);
  s = read_csv_ok(uk, len);
  ck_assert_int_eq(sheet_find_header(s, &h, &why), RB_OK);
  sheet_numbers_decide(s, &h, (size_t)h.column[SHEET_VALUE], &conv);
  ck_assert(conv.decimal_comma);
  ck_assert_str_eq(s->notes[2], "decimal comma: numbers such as \"95,5\" (line 3) have a comma "
                                "before the decimals");
  ck_assert(sheet_parse_number(&conv, sheet_cell(&s->rows[2], 3), false, &v, &why));
  ck_assert_double_eq(v, 95.5);
  ck_assert(sheet_parse_number(&conv, sheet_cell(&s->rows[4], 3), false, &v, &why));
  ck_assert_double_eq(v, 0.5);
  sheet_free(s);
  free(uk);
}
END_TEST

/* ---- the header row ----------------------------------------------------------- */

struct header_case {
  const char *name;
  const char *csv;
  enum rb_err err;
  size_t row; /* index of the header row */
  long column[SHEET_FIELD__COUNT];
  size_t line;
  const char *text;
};

#define IGNORED                                                                                   \
  "(the columns read are kind, code, status, value, value_text, comment and month; description, " \
  "target, unit, last quarter and last comment are ignored)"

static const struct header_case headers[] = {
  {"all six", HDR "\n", RB_OK, 0, {0, 1, 2, 3, 4, 5, -1}, 0, ""},
  {"a month column (monthly values)",
   "Month,kind,code,value\n",
   RB_OK,
   0,
   {1, 2, -1, 3, -1, -1, 0},
   0,
   ""},
  {"any case and order, context columns ignored, absent ones -1",
   "Title\nintro text\nCode,Description,KIND,Last Quarter, last comment ,Status,unit,target\n",
   RB_OK,
   2,
   {2, 0, 5, -1, -1, -1, -1},
   0,
   ""},
  {"a misspelt column",
   "kind,code,status,comments\nkpi,K1,G,x\n",
   RB_ERR_INVALID,
   0,
   {0},
   1,
   "column D \"comments\" is not a column of a return: did you mean \"comment\"? " IGNORED},
  {"Value Text",
   "kind,code,Value Text\n",
   RB_ERR_INVALID,
   0,
   {0},
   1,
   "column C \"Value Text\" is not a column of a return: did you mean \"value_text\"? " IGNORED},
  {"an unknown column",
   "kind,code,rating\n",
   RB_ERR_INVALID,
   0,
   {0},
   1,
   "column C \"rating\" is not a column of a return: rename or delete it " IGNORED},
  {"a field twice",
   "kind,code,comment,status,Comment\n",
   RB_ERR_INVALID,
   0,
   {0},
   1,
   "columns C and E are both \"comment\": keep one of them"},
  {"a headerless column with data",
   "kind,code,,status\nkpi,K1,,G\nkpi,K2,oops,G\n",
   RB_ERR_INVALID,
   0,
   {0},
   3,
   "column C has no header, but line 3 has \"oops\" in it: give the column one of the names of a "
   "return, or clear it"},
  {"data past the header's last column",
   "kind,code\nkpi,K1\nkpi,K2,,stray\n",
   RB_ERR_INVALID,
   0,
   {0},
   3,
   "column D has no header, but line 3 has \"stray\" in it: give the column one of the names of a "
   "return, or clear it"},
  {"a headerless empty column is fine",
   "kind,code,,status\nkpi,K1,,G\n,,,\n",
   RB_OK,
   0,
   {0, 1, 3, -1, -1, -1, -1},
   0,
   ""},
};

START_TEST(test_header)
{
  const struct header_case *c = &headers[_i];
  struct sheet *s = read_csv_ok(c->csv, strlen(c->csv));
  struct sheet_header h;
  struct sheet_problem why = {0, ""};
  enum rb_err err = sheet_find_header(s, &h, &why);

  ck_assert_msg(err == c->err, "%s: err %d (%s)", c->name, err, why.text);
  if (err == RB_OK) {
    ck_assert_uint_eq(h.row, c->row);
    for (int f = 0; f < SHEET_FIELD__COUNT; f++)
      ck_assert_msg(h.column[f] == c->column[f], "%s: %s in %ld, want %ld", c->name,
                    sheet_field_name(f), h.column[f], c->column[f]);
  } else {
    ck_assert_uint_eq(why.line, c->line);
    ck_assert_msg(strcmp(why.text, c->text) == 0, "%s:\n got  %s\n want %s", c->name, why.text,
                  c->text);
  }
  sheet_free(s);
}
END_TEST

/* A header row below the first 20 rows is not looked for. */
START_TEST(test_header_scan_depth)
{
  char csv[512] = "";
  struct sheet *s;
  struct sheet_header h;
  struct sheet_problem why;

  for (int i = 0; i < 20; i++)
    strcat(csv, "a title line\n");
  strcat(csv, "kind;code\n");
  s = read_csv_ok("x\nkind,code\n", 12);
  ck_assert_int_eq(sheet_find_header(s, &h, &why), RB_OK);
  sheet_free(s);
  {
    struct sheet_limits lim = SHEET_LIMITS_DEFAULT;

    s = NULL;
    ck_assert_int_eq(sheet_read_csv(csv, strlen(csv), &lim, &s, &why), RB_ERR_INVALID);
    ck_assert_uint_eq(why.line, 1);
  }
  ck_assert_str_eq(sheet_field_name(SHEET_VALUE_TEXT), "value_text");
  ck_assert(sheet_is_context_column(" Last Quarter "));
  ck_assert(!sheet_is_context_column("last quarters"));
}
END_TEST

START_TEST(test_column_names)
{
  char name[8];
  static const struct {
    size_t col;
    const char *name;
  } cases[] = {{0, "A"},    {25, "Z"},    {26, "AA"},    {27, "AB"},
               {701, "ZZ"}, {702, "AAA"}, {16383, "XFD"}};

  for (size_t i = 0; i < N(cases); i++) {
    sheet_column_name(cases[i].col, name);
    ck_assert_str_eq(name, cases[i].name);
  }
}
END_TEST

/* ---- numbers ------------------------------------------------------------------ */

enum style { POINT_CSV, POINT_XLSX, DECIMAL_COMMA, SEMI_THOUSANDS };

struct number_case {
  const char *text;
  bool percent;
  enum style style;
  bool ok;
  double value;
  const char *message;
};

static const struct number_case numbers[] = {
  {"95.5", false, POINT_CSV, true, 95.5, NULL},
  {"  95.5\t", false, POINT_CSV, true, 95.5, NULL},
  {"-3", false, POINT_CSV, true, -3, NULL},
  {"+2", false, POINT_CSV, true, 2, NULL},
  {".5", false, POINT_CSV, true, 0.5, NULL},
  {"5.", false, POINT_CSV, true, 5, NULL},
  {"1e-3", false, POINT_CSV, true, 0.001, NULL},
  {"-0", false, POINT_CSV, true, 0, NULL},
  {"1,234", false, POINT_CSV, true, 1234, NULL},
  {"1,234,567.5", false, POINT_CSV, true, 1234567.5, NULL},
  {"-12,345.25", false, POINT_CSV, true, -12345.25, NULL},
  {"95.5%", true, POINT_CSV, true, 95.5, NULL},
  {"1,000%", true, POINT_CSV, true, 1000, NULL},
  {"0.1", false, POINT_CSV, true, 0.1, NULL},
  {"1e15", false, POINT_CSV, true, 1e15, NULL},
  {"95.5%", false, POINT_CSV, false, 0,
   "\"95.5%\" is a percentage, but this KPI is not measured in percent: write the number alone, "
   "e.g. 95.5 (in a spreadsheet, format the cell as a number, not a percentage)"},
  {"95.5 %", true, POINT_CSV, false, 0, "\"95.5 %\" is not a number: expected e.g. 95.5 or 95.5%"},
  {"abc", false, POINT_CSV, false, 0, "\"abc\" is not a number: expected e.g. 95.5 or 1,234.5"},
  {"12,34", false, POINT_CSV, false, 0, "\"12,34\" is not a number: write decimals with a point"},
  {"95,5", true, POINT_XLSX, false, 0,
   "\"95,5\" is not a number: write decimals with a point (or enter the value as a number)"},
  {"1,23,456", false, POINT_CSV, false, 0,
   "\"1,23,456\" is not a number: expected e.g. 95.5 or 1,234.5"},
  {"0,123", false, POINT_CSV, false, 0, "\"0,123\" is not a number: write decimals with a point"},
  {"1 234", false, POINT_CSV, false, 0, "\"1 234\" is not a number: expected e.g. 95.5 or 1,234.5"},
  {"\xC2\xA3"
   "5",
   false, POINT_CSV, false, 0,
   "\"\xC2\xA3"
   "5\" is not a number: expected e.g. 95.5 or 1,234.5"},
  {"(5)", false, POINT_CSV, false, 0, "\"(5)\" is not a number: expected e.g. 95.5 or 1,234.5"},
  {"inf", false, POINT_CSV, false, 0, "\"inf\" is not a number: expected e.g. 95.5 or 1,234.5"},
  {"nan", false, POINT_CSV, false, 0, "\"nan\" is not a number: expected e.g. 95.5 or 1,234.5"},
  {"0x10", false, POINT_CSV, false, 0, "\"0x10\" is not a number: expected e.g. 95.5 or 1,234.5"},
  {"1e", false, POINT_CSV, false, 0, "\"1e\" is not a number: expected e.g. 95.5 or 1,234.5"},
  {"#N/A", false, POINT_XLSX, false, 0, "\"#N/A\" is not a number: expected e.g. 95.5 or 1,234.5"},
  {"TRUE", false, POINT_XLSX, false, 0, "\"TRUE\" is not a number: expected e.g. 95.5 or 1,234.5"},
  {"2e15", false, POINT_CSV, false, 0,
   "\"2e15\" is too large: a value is at most 1e15 in magnitude"},
  {"1e999", false, POINT_CSV, false, 0,
   "\"1e999\" is too large: a value is at most 1e15 in magnitude"},
  {"", false, POINT_CSV, false, 0, "the value is empty: expected a number such as 95.5"},
  {"95,5", false, DECIMAL_COMMA, true, 95.5, NULL},
  {"95,5%", true, DECIMAL_COMMA, true, 95.5, NULL},
  {"1,234", false, DECIMAL_COMMA, true, 1.234, NULL},
  {"-0,25", false, DECIMAL_COMMA, true, -0.25, NULL},
  {"12", false, DECIMAL_COMMA, true, 12, NULL},
  {"95.5", false, DECIMAL_COMMA, false, 0,
   "\"95.5\" is not a number: expected e.g. 95,5 (this file writes decimals with a comma)"},
  {"1,234,5", true, DECIMAL_COMMA, false, 0,
   "\"1,234,5\" is not a number: expected e.g. 95,5 or 95,5% (this file writes decimals with a "
   "comma)"},
  {"1e3", false, DECIMAL_COMMA, false, 0,
   "\"1e3\" is not a number: expected e.g. 95,5 (this file writes decimals with a comma)"},
  {"1,234", false, SEMI_THOUSANDS, true, 1234, NULL},
  {"a very long value that goes on and on and on well past what a message quotes", false, POINT_CSV,
   false, 0,
   "\"a very long value that goes on and on and on well past what ...\" is not a number: "
   "expected e.g. 95.5 or 1,234.5"},
};

START_TEST(test_numbers)
{
  const struct number_case *c = &numbers[_i];
  struct sheet_numbers conv = {false, true, ""};
  struct sheet_problem why = {0, ""};
  double v = -1;
  bool ok;

  if (c->style == POINT_CSV)
    strcpy(conv.refused, "write decimals with a point");
  else if (c->style == POINT_XLSX)
    strcpy(conv.refused, "write decimals with a point (or enter the value as a number)");
  else if (c->style == DECIMAL_COMMA)
    conv.decimal_comma = true, conv.thousands_comma = false;
  ok = sheet_parse_number(&conv, c->text, c->percent, &v, &why);
  ck_assert_msg(ok == c->ok, "\"%s\": ok %d (%s)", c->text, ok, why.text);
  if (ok)
    ck_assert_msg(v == c->value, "\"%s\": %.17g, want %.17g", c->text, v, c->value);
  else
    ck_assert_msg(strcmp(why.text, c->message) == 0, "\"%s\":\n got  %s\n want %s", c->text,
                  why.text, c->message);
}
END_TEST

/* What commas mean, decided from the whole value column of a CSV. */
struct decide_case {
  const char *name;
  const char *csv;
  bool decimal_comma, thousands_comma;
  const char *refused;
  const char *note; /* the last note, or "" */
  const char *probe;
  const char *probe_message; /* NULL: the probe parses */
  double probe_value;
};

static const struct decide_case decides[] = {
  {"comma CSV: thousands", "kind,code,value\nkpi,K1,\"1,234\"\nkpi,K2,\"95,5\"\n", false, true,
   "write decimals with a point", "", "95,5",
   "\"95,5\" is not a number: write decimals with a point", 0},
  {"semicolons, decimal commas throughout",
   "kind;code;value\nkpi;K1;95,5\nkpi;K2;1,234\nkpi;K3;7\n", true, false, "",
   "decimal comma: numbers such as \"95,5\" (line 2) have a comma before the decimals", "1,234",
   NULL, 1.234},
  {"semicolons, a point elsewhere: mixed", "kind;code;value\nkpi;K1;95,5\nkpi;K2;96.2\n", false,
   false,
   "the file mixes decimal commas (line 2 \"95,5\") with decimal points or thousands commas (line "
   "3 \"96.2\"): write every number the same way",
   "delimiter ';' (semicolon)", "95,5",
   "\"95,5\" is not a number: the file mixes decimal commas (line 2 \"95,5\") with decimal points "
   "or thousands commas (line 3 \"96.2\"): write every number the same way",
   0},
  {"semicolons, 1,234,567 shows thousands", "kind;code;value\nkpi;K1;1,234,567\nkpi;K2;1,234\n",
   false, true, "", "delimiter ';' (semicolon)", "1,234", NULL, 1234},
  {"semicolons, points: thousands commas", "kind;code;value\nkpi;K1;96.2\nkpi;K2;1,234\n", false,
   true, "", "delimiter ';' (semicolon)", "1,234", NULL, 1234},
  {"semicolons, only 1,234: never a guess", "kind;code;value\nkpi;K1;1,234\nkpi;K2;2,500\n", false,
   false,
   "in a file separated by semicolons, nothing else shows whether this comma is a decimal comma "
   "or separates thousands: write the number without it",
   "delimiter ';' (semicolon)", "2,500",
   "\"2,500\" is not a number: in a file separated by semicolons, nothing else shows whether this "
   "comma is a decimal comma or separates thousands: write the number without it",
   0},
  {"tabs, 0,125 is a decimal comma (no thousands start with 0)",
   "kind\tcode\tvalue\nkpi\tK1\t0,125\n", true, false, "",
   "decimal comma: numbers such as \"0,125\" (line 2) have a comma before the decimals", "0,125",
   NULL, 0.125},
  {"semicolons, words in values are no evidence", "kind;code;value\nkpi;K1;95,5\nkpi;K2;n.a.\n",
   true, false, "",
   "decimal comma: numbers such as \"95,5\" (line 2) have a comma before the decimals", "n.a.",
   "\"n.a.\" is not a number: expected e.g. 95,5 (this file writes decimals with a comma)", 0},
  {"rows above the header are not values", "1.5;title\nkind;code;value\nkpi;K1;95,5\n", true, false,
   "", "decimal comma: numbers such as \"95,5\" (line 3) have a comma before the decimals", "95,5",
   NULL, 95.5},
};

START_TEST(test_decide)
{
  const struct decide_case *c = &decides[_i];
  struct sheet *s = read_csv_ok(c->csv, strlen(c->csv));
  struct sheet_header h;
  struct sheet_numbers conv;
  struct sheet_problem why = {0, ""};
  double v = -1;
  bool ok;

  ck_assert_int_eq(sheet_find_header(s, &h, &why), RB_OK);
  sheet_numbers_decide(s, &h, (size_t)h.column[SHEET_VALUE], &conv);
  ck_assert_msg(conv.decimal_comma == c->decimal_comma, "%s: decimal_comma", c->name);
  ck_assert_msg(conv.thousands_comma == c->thousands_comma, "%s: thousands_comma", c->name);
  ck_assert_msg(strcmp(conv.refused, c->refused) == 0, "%s: refused\n got  %s\n want %s", c->name,
                conv.refused, c->refused);
  ck_assert_msg(strcmp(s->nnotes ? s->notes[s->nnotes - 1] : "", c->note) == 0, "%s: note %s",
                c->name, s->nnotes ? s->notes[s->nnotes - 1] : "");
  ok = sheet_parse_number(&conv, c->probe, false, &v, &why);
  ck_assert_msg(ok == (c->probe_message == NULL), "%s: probe %s (%s)", c->name, c->probe, why.text);
  if (ok)
    ck_assert_double_eq(v, c->probe_value);
  else
    ck_assert_msg(strcmp(why.text, c->probe_message) == 0, "%s:\n got  %s\n want %s", c->name,
                  why.text, c->probe_message);
  sheet_free(s);
}
END_TEST

static const struct {
  double v;
  const char *shown;
} formats[] = {
  {95.5, "95.5"},
  {1234, "1234"},
  {0.5, "0.5"},
  {95.49999999999999, "95.5"},    /* what Excel stores when 95.5 was computed */
  {0.1 + 0.2, "0.3"},             /* 0.30000000000000004 */
  {1.0 / 3, "0.333333333333333"}, /* 15 digits, as Excel shows */
  {1e-05, "0.00001"},
  {1.5e-10, "1.5e-10"},
  {123456789012345, "123456789012345"},
  {1e15, "1e+15"},
  {-2.25, "-2.25"},
  {-0.0, "0"},
  {0, "0"},
  {100, "100"},
  {0.955 * 100, "95.5"},
};

START_TEST(test_format_number)
{
  char out[32];

  for (size_t i = 0; i < N(formats); i++) {
    sheet_format_number(formats[i].v, out);
    ck_assert_msg(strcmp(out, formats[i].shown) == 0, "%.17g: \"%s\", want \"%s\"", formats[i].v,
                  out, formats[i].shown);
  }
  sheet_format_number(NAN, out);
  ck_assert_str_eq(out, "");
  sheet_format_number(INFINITY, out);
  ck_assert_str_eq(out, "");
}
END_TEST

static Suite *
sheet_suite(void)
{
  Suite *s = suite_create("sheet");
  TCase *tc = tcase_create("csv");

  tcase_add_loop_test(tc, test_csv_reads, 0, (int)N(csv_ok));
  tcase_add_loop_test(tc, test_csv_errors, 0, (int)N(csv_errors));
  tcase_add_test(tc, test_csv_limits);
  tcase_add_loop_test(tc, test_csv_files, 0, (int)N(csv_files));
  tcase_add_test(tc, test_csv_file_numbers);
  suite_add_tcase(s, tc);
  tc = tcase_create("header");
  tcase_add_loop_test(tc, test_header, 0, (int)N(headers));
  tcase_add_test(tc, test_header_scan_depth);
  tcase_add_test(tc, test_column_names);
  suite_add_tcase(s, tc);
  tc = tcase_create("numbers");
  tcase_add_loop_test(tc, test_numbers, 0, (int)N(numbers));
  tcase_add_loop_test(tc, test_decide, 0, (int)N(decides));
  tcase_add_test(tc, test_format_number);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  SRunner *sr = srunner_create(sheet_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
