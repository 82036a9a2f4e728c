/* Suite `xlsx`: the XLSX reader. Workbooks written by openpyxl
 * (tests/data/sheet/, see tests/sheet/make_fixtures.py), workbooks built
 * here part by part with libzip (every cell type, namespaces, styles), and
 * hostile ones: zip bombs, billion laughs, deep XML, too many cells or
 * strings, encrypted or damaged members. Each refusal's message is
 * asserted. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

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

/* ---- building workbooks ------------------------------------------------------- */

#define NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""
#define RNS "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
#define REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
#define WORKBOOK                                                                         \
  "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<workbook " NS " " RNS \
  "><sheets><sheet name=\"Return\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
#define RELS                                                                               \
  "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">" \
  "<Relationship Id=\"rId1\" Type=\"" REL "worksheet\" Target=\"worksheets/sheet1.xml\"/>" \
  "<Relationship Id=\"rId2\" Type=\"" REL "sharedStrings\" Target=\"sharedStrings.xml\"/>" \
  "<Relationship Id=\"rId3\" Type=\"" REL "styles\" Target=\"styles.xml\"/></Relationships>"
#define WS(rows) "<worksheet " NS "><sheetData>" rows "</sheetData></worksheet>"
#define IS(ref, text) "<c r=\"" ref "\" t=\"inlineStr\"><is><t>" text "</t></is></c>"
#define HEAD_ROW "<row r=\"1\">" IS("A1", "kind") IS("B1", "code") "</row>"

struct part {
  const char *name;
  const char *data;
  size_t len; /* 0: strlen(data) */
};

/* A zip of the parts (stored when !deflate), in a new buffer. */
static char *
make_zip(const struct part *parts, size_t n, bool deflate, size_t *len)
{
  zip_error_t ze;
  zip_source_t *src;
  zip_t *za;
  zip_stat_t st;
  char *out;

  zip_error_init(&ze);
  src = zip_source_buffer_create(NULL, 0, 0, &ze);
  ck_assert_ptr_nonnull(src);
  za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
  ck_assert_ptr_nonnull(za);
  zip_source_keep(src);
  for (size_t i = 0; i < n; i++) {
    size_t l = parts[i].len ? parts[i].len : strlen(parts[i].data);
    zip_source_t *s = zip_source_buffer(za, parts[i].data, l, 0);
    zip_int64_t idx = zip_file_add(za, parts[i].name, s, ZIP_FL_ENC_UTF_8);

    ck_assert_msg(idx >= 0, "zip_file_add %s", parts[i].name);
    zip_set_file_compression(za, (zip_uint64_t)idx, deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
  }
  ck_assert_int_eq(zip_close(za), 0);
  ck_assert_int_eq(zip_source_stat(src, &st), 0);
  out = xmalloc(st.size);
  ck_assert_int_eq(zip_source_open(src), 0);
  ck_assert_int_eq(zip_source_read(src, out, st.size), (zip_int64_t)st.size);
  zip_source_close(src);
  zip_source_free(src);
  zip_error_fini(&ze);
  *len = st.size;
  return out;
}

/* A workbook: the default workbook and relationships unless given. */
static char *
make_xlsx(const char *sheet, const char *sst, const char *styles, size_t *len)
{
  struct part parts[6];
  size_t n = 0;

  parts[n++] = (struct part){"[Content_Types].xml", "<Types/>", 0};
  parts[n++] = (struct part){"xl/workbook.xml", WORKBOOK, 0};
  parts[n++] = (struct part){"xl/_rels/workbook.xml.rels", RELS, 0};
  if (sheet != NULL)
    parts[n++] = (struct part){"xl/worksheets/sheet1.xml", sheet, 0};
  if (sst != NULL)
    parts[n++] = (struct part){"xl/sharedStrings.xml", sst, 0};
  if (styles != NULL)
    parts[n++] = (struct part){"xl/styles.xml", styles, 0};
  return make_zip(parts, n, true, len);
}

static uint16_t
le16(const unsigned char *p)
{
  return (uint16_t)(p[0] | p[1] << 8);
}

/* Overwrite, in both the central directory and the local header of member
 * name, the general purpose flags (when flags >= 0) or the method. */
static void
patch_member(char *zip, size_t len, const char *name, int flags, int method)
{
  unsigned char *z = (unsigned char *)zip;
  bool done = false;

  for (size_t i = 0; i + 46 < len; i++) {
    size_t nlen, local;

    if (memcmp(z + i, "PK\1\2", 4) != 0)
      continue;
    nlen = le16(z + i + 28);
    if (nlen != strlen(name) || memcmp(z + i + 46, name, nlen) != 0)
      continue;
    local = (size_t)z[i + 42] | (size_t)z[i + 43] << 8 | (size_t)z[i + 44] << 16 |
            (size_t)z[i + 45] << 24;
    if (flags >= 0) {
      z[i + 8] = (unsigned char)(z[i + 8] | flags);
      z[local + 6] = (unsigned char)(z[local + 6] | flags);
    } else {
      z[i + 10] = (unsigned char)method;
      z[local + 8] = (unsigned char)method;
    }
    done = true;
  }
  ck_assert_msg(done, "no member %s", name);
}

/* Make member name claim to unpack to size bytes (central directory and
 * local header alike). */
static void
lie_about_size(char *zip, size_t len, const char *name, uint32_t size)
{
  unsigned char *z = (unsigned char *)zip;
  bool done = false;

  for (size_t i = 0; i + 46 < len; i++) {
    size_t nlen, local;

    if (memcmp(z + i, "PK\1\2", 4) != 0)
      continue;
    nlen = le16(z + i + 28);
    if (nlen != strlen(name) || memcmp(z + i + 46, name, nlen) != 0)
      continue;
    local = (size_t)z[i + 42] | (size_t)z[i + 43] << 8 | (size_t)z[i + 44] << 16 |
            (size_t)z[i + 45] << 24;
    for (int k = 0; k < 4; k++) {
      z[i + 24 + k] = (unsigned char)(size >> (8 * k));
      z[local + 22 + k] = (unsigned char)(size >> (8 * k));
    }
    done = true;
  }
  ck_assert_msg(done, "no member %s", name);
}

static char *
render(const struct sheet *s)
{
  size_t cap = 1 << 16, len = 0;
  char *out = xmalloc(cap);

  out[0] = '\0';
  for (size_t i = 0; i < s->nrows; i++) {
    const struct sheet_row *r = &s->rows[i];

    len += (size_t)snprintf(out + len, cap - len, "%zu:", r->line);
    for (size_t c = 0; c < r->ncells; c++)
      len += (size_t)snprintf(out + len, cap - len, "%s%s", c ? "|" : "", r->cells[c]);
    len += (size_t)snprintf(out + len, cap - len, "\n");
  }
  return out;
}

static struct sheet *
read_ok(const char *data, size_t len)
{
  struct sheet_limits lim = SHEET_LIMITS_DEFAULT;
  struct sheet_problem why = {0, ""};
  struct sheet *s = NULL;
  enum rb_err err = sheet_read_xlsx(data, len, &lim, &s, &why);

  ck_assert_msg(err == RB_OK, "read failed (%d): %s", err, why.text);
  return s;
}

static void
expect_rows(const char *data, size_t len, const char *rows, const char *note)
{
  struct sheet *s = read_ok(data, len);
  char *got = render(s);

  ck_assert_msg(strcmp(got, rows) == 0, "rows\n%s\nwant\n%s", got, rows);
  ck_assert_str_eq(s->nnotes ? s->notes[0] : "", note);
  free(got);
  sheet_free(s);
}

static void
expect_error(const char *data, size_t len, const struct sheet_limits *lim, enum rb_err want,
             const char *text)
{
  struct sheet_limits dflt = SHEET_LIMITS_DEFAULT;
  struct sheet_problem why = {0, ""};
  struct sheet *s = NULL;
  enum rb_err err = sheet_read_xlsx(data, len, lim != NULL ? lim : &dflt, &s, &why);

  ck_assert_msg(err == want, "err %d, want %d (%s)", err, want, why.text);
  ck_assert_ptr_null(s);
  ck_assert_msg(strcmp(why.text, text) == 0, "\n got  %s\n want %s", why.text, text);
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

/* ---- files written by openpyxl ---------------------------------------------- */

START_TEST(test_openpyxl_files)
{
  size_t len;
  char *data = slurp("openpyxl_return.xlsx", &len);

  /* a percent cell (0.955, "0.0%") shows 95.5%; 95.49999999999999 shows
   * 95.5; a bool TRUE; row 6 left empty; an italic cell never filled */
  expect_rows(data, len,
              "1:kind|code|status|value|value_text|comment\n2:milestone|UC1.1|G|||On track\n"
              "3:kpi|UC/KPI 1|A|95.5%||percent cell\n4:kpi|UC/KPI 2|G|1234\n"
              "5:kpi|UC/KPI 3|R|95.5|as Excel stores 95.5|TRUE\n7:kpi|UC/KPI 4||0.00001||spaced\n",
              "");
  free(data);
  data = slurp("openpyxl_hidden_first.xlsx", &len);
  expect_rows(data, len, "1:kind|code|status|value|value_text|comment\n2:milestone|UC1.1|A\n",
              "read the first visible sheet, \"Return\" (the workbook has 3 sheets)");
  free(data);
}
END_TEST

/* ---- cells ------------------------------------------------------------------- */

START_TEST(test_cell_types)
{
  static const char sst[] =
    "<sst " NS " count=\"9\" uniqueCount=\"5\"><si><t>kind</t></si><si><t>code</t></si>"
    "<si><r><rPr><b/></rPr><t>Rich </t></r><r><t xml:space=\"preserve\">text</t></r>"
    "<rPh sb=\"0\" eb=\"1\"><t>FURIGANA</t></rPh></si>"
    "<si><t>line_x000D_&#10;two _x005F_x0041_ _x00e9_ _xZZZZ_</t></si>"
    "<si><t>  UC1.1 &#160;</t></si></sst>";
  static const char sheet[] = WS(
    "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c></row>"
    "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>2</v></c><c r=\"C2\" t=\"s\"><v> 4 </v></c>"
    "<c r=\"E2\" t=\"s\"><v>3</v></c></row>"
    "<row r=\"4\"><c r=\"A4\" t=\"b\"><v>1</v></c><c t=\"b\"><v>0</v></c><c t=\"e\"><v>#N/A</v></c>"
    "<c t=\"str\"><f>UPPER(\"x\")</f><v>X</v></c><c><f>1+1</f><v>2</v></c><c><f>NOW()</f></c>"
    "<c s=\"0\"/><c t=\"inlineStr\"><is><r><t>in</t></r><r><t>line</t></r></is></c></row>"
    "<row r=\"5\"><c r=\"A5\" s=\"0\"/><c r=\"B5\" t=\"inlineStr\"><is><t> </t></is></c></row>"
    "<row><c r=\"AB6\"><v>95.499999999999986</v></c></row>"
    "<row r=\"9\"><c r=\"A9\"><v>1.0000000000000001E-5</v></c><c r=\"B9\"><v>-0</v></c>"
    "<c r=\"C9\"><v>1E+20</v></c><c r=\"D9\"><v>12abc</v></c></row>");
  size_t len;
  char *zip = make_xlsx(sheet, sst, NULL, &len);

  expect_rows(zip, len,
              "1:kind|code\n2:Rich text||UC1.1||line\r\ntwo _x0041_ \xC3\xA9 _xZZZZ_\n"
              "4:TRUE|FALSE|#N/A|X|2|||inline\n"
              "6:|||||||||||||||||||||||||||95.5\n9:0.00001|0|1e+20|12abc\n",
              "");
  free(zip);
}
END_TEST

START_TEST(test_percent_styles)
{
  /* cell formats: 0 General, 1 built-in 0%, 2 built-in 0.00%, 3 custom
   * 0.0%, 4 a quoted "%" (text, not a percentage), 5 an escaped \%, 6
   * [Red]0.0% */
  static const char styles[] =
    "<styleSheet " NS "><numFmts count=\"4\"><numFmt numFmtId=\"164\" formatCode=\"0.0%\"/>"
    "<numFmt numFmtId=\"165\" formatCode=\"0.0&quot;%&quot;\"/>"
    "<numFmt numFmtId=\"166\" formatCode=\"0\\%\"/>"
    "<numFmt numFmtId=\"167\" formatCode=\"[Red]0.0%\"/></numFmts>"
    "<cellXfs count=\"7\"><xf numFmtId=\"0\"/><xf numFmtId=\"9\"/><xf numFmtId=\"10\"/>"
    "<xf numFmtId=\"164\"/><xf numFmtId=\"165\"/><xf numFmtId=\"166\"/><xf numFmtId=\"167\"/>"
    "</cellXfs><cellStyleXfs><xf numFmtId=\"9\"/></cellStyleXfs></styleSheet>";
  static const char sheet[] =
    WS(HEAD_ROW "<row r=\"2\"><c r=\"A2\" s=\"0\"><v>0.955</v></c><c s=\"1\"><v>0.955</v></c>"
                "<c s=\"2\"><v>0.955</v></c><c s=\"3\"><v>0.955</v></c><c s=\"4\"><v>95.5</v></c>"
                "<c s=\"5\"><v>95.5</v></c><c s=\"6\"><v>-0.5</v></c><c s=\"99\"><v>0.5</v></c>"
                "<c s=\"1\" t=\"s\"><v>0</v></c></row>");
  static const char sst[] = "<sst " NS "><si><t>0.5</t></si></sst>";
  size_t len;
  char *zip = make_xlsx(sheet, sst, styles, &len);

  expect_rows(zip, len, "1:kind|code\n2:0.955|95.5%|95.5%|95.5%|95.5|95.5|-50%|0.5|0.5\n", "");
  free(zip);
}
END_TEST

START_TEST(test_namespaces_and_targets)
{
  /* a prefixed namespace (as some writers use), an absolute target, a
   * workbook without relationships (the usual names are read) */
  static const char sheet[] =
    "<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<x:sheetData><x:row r=\"1\"><x:c r=\"A1\" t=\"inlineStr\"><x:is><x:t>kind</x:t></x:is></x:c>"
    "<x:c r=\"B1\" t=\"inlineStr\"><x:is><x:t>code</x:t></x:is></x:c></x:row></x:sheetData>"
    "</x:worksheet>";
  static const char rels[] = "<Relationships><Relationship Id=\"rId7\" Type=\"" REL "worksheet\" "
                             "Target=\"/xl/worksheets/other.xml\"/></Relationships>";
  static const char book[] =
    "<workbook " NS " " RNS "><sheets><sheet name=\"A\" sheetId=\"1\" r:id=\"rId7\"/>"
    "<sheet name=\"B\" sheetId=\"2\" r:id=\"rId8\"/></sheets></workbook>";
  struct part parts[] = {
    {"xl/workbook.xml", book, 0},
    {"xl/_rels/workbook.xml.rels", rels, 0},
    {"xl/worksheets/other.xml", sheet, 0},
  };
  size_t len;
  char *zip = make_zip(parts, N(parts), true, &len);

  expect_rows(zip, len, "1:kind|code\n", "read the first sheet, \"A\" (the workbook has 2 sheets)");
  free(zip);
  parts[0].data = WORKBOOK;
  parts[1] = (struct part){"xl/worksheets/sheet1.xml", sheet, 0};
  zip = make_zip(parts, 2, false, &len);
  expect_rows(zip, len, "1:kind|code\n", "");
  free(zip);
}
END_TEST

/* ---- refusals ----------------------------------------------------------------- */

START_TEST(test_not_xlsx)
{
  struct sheet_limits lim = SHEET_LIMITS_DEFAULT;
  struct part ods[] = {{"mimetype", "application/vnd.oasis.opendocument.spreadsheet", 0},
                       {"content.xml", "<office:document-content/>", 0}};
  struct part other[] = {{"readme.txt", "hello", 0}};
  size_t len;
  char *zip;

  expect_error("kind,code\n", 10, NULL, RB_ERR_BAD_REQUEST,
               "this is not an XLSX workbook (not a zip file)");
  expect_error("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 rest of an OLE2 file", 30, NULL,
               RB_ERR_BAD_REQUEST,
               "this is a password-protected workbook or an Excel 97-2003 .xls file: save it as "
               ".xlsx without a password, or as CSV UTF-8");
  zip = make_zip(ods, N(ods), false, &len);
  expect_error(zip, len, NULL, RB_ERR_BAD_REQUEST,
               "this is an OpenDocument spreadsheet (.ods), not an XLSX workbook: save it as "
               ".xlsx (Excel 2007-365) or as CSV UTF-8");
  free(zip);
  zip = make_zip(other, N(other), false, &len);
  expect_error(zip, len, NULL, RB_ERR_BAD_REQUEST,
               "this zip file is not an XLSX workbook (it has no xl/workbook.xml)");
  {
    char want[64];

    lim.max_input = len - 1;
    snprintf(want, sizeof(want), "the file is larger than %zu bytes", len - 1);
    expect_error(zip, len, &lim, RB_ERR_TOO_LARGE, want);
  }
  free(zip);
}
END_TEST

START_TEST(test_damaged)
{
  size_t len;
  char *zip = make_xlsx(WS(HEAD_ROW), NULL, NULL, &len);
  struct sheet_problem why;
  struct sheet_limits lim = SHEET_LIMITS_DEFAULT;
  struct sheet *s = NULL;

  /* cut short: the central directory is gone */
  ck_assert_int_eq(sheet_read_xlsx(zip, len - 30, &lim, &s, &why), RB_ERR_BAD_REQUEST);
  ck_assert_msg(
    strcmp(why.text, "this is not an XLSX workbook (not a zip file)") == 0 ||
      strncmp(why.text, "the workbook is damaged: its zip container cannot be read (", 59) == 0,
    "%s", why.text);
  free(zip);

  /* a stored member's byte changed: its CRC no longer matches */
  {
    struct part parts[] = {{"xl/workbook.xml", WORKBOOK, 0},
                           {"xl/worksheets/sheet1.xml", WS(HEAD_ROW), 0}};
    char *hit;

    zip = make_zip(parts, N(parts), false, &len);
    hit = NULL;
    for (size_t i = 0; i + 4 <= len && hit == NULL; i++)
      if (memcmp(zip + i, "code", 4) == 0)
        hit = zip + i;
    ck_assert_ptr_nonnull(hit);
    hit[0] = 'C';
    expect_error(zip, len, NULL, RB_ERR_BAD_REQUEST,
                 "the workbook is damaged (xl/worksheets/sheet1.xml cannot be unpacked: CRC "
                 "error)");
    free(zip);
  }
  ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_encrypted_and_methods)
{
  size_t len;
  char *zip = make_xlsx(WS(HEAD_ROW), NULL, NULL, &len);

  patch_member(zip, len, "xl/worksheets/sheet1.xml", 1, 0);
  expect_error(zip, len, NULL, RB_ERR_BAD_REQUEST,
               "xl/worksheets/sheet1.xml is encrypted: save the workbook without a password");
  free(zip);
  zip = make_xlsx(WS(HEAD_ROW), NULL, NULL, &len);
  patch_member(zip, len, "xl/worksheets/sheet1.xml", -1, 14); /* LZMA */
  expect_error(zip, len, NULL, RB_ERR_BAD_REQUEST,
               "xl/worksheets/sheet1.xml is compressed with method 14; spreadsheet programs use "
               "deflate: save the workbook again");
  free(zip);
}
END_TEST

/* A zip bomb: 40 MiB of XML that deflates to a few kilobytes. */
START_TEST(test_zip_bomb)
{
  size_t big = (size_t)40 << 20, len;
  char *xml = xmalloc(big + 1);
  char *zip;
  struct sheet_limits lim = SHEET_LIMITS_DEFAULT;

  memcpy(xml, "<worksheet>", 11);
  memset(xml + 11, ' ', big - 23);
  memcpy(xml + big - 12, "</worksheet>", 12);
  xml[big] = '\0';
  zip = make_xlsx(xml, NULL, NULL, &len);
  ck_assert_uint_lt(len, (size_t)1 << 20); /* within the body limit */
  expect_error(zip, len, NULL, RB_ERR_TOO_LARGE,
               "xl/worksheets/sheet1.xml unpacks to more than 33554432 bytes");
  /* the size the zip declares is a claim: the bytes unpacked are counted */
  lim.max_member = (size_t)64 << 20;
  lim.max_uncompressed = (size_t)8 << 20;
  expect_error(zip, len, &lim, RB_ERR_TOO_LARGE, "the workbook unpacks to more than 8388608 bytes");
  free(zip);
  /* a member that claims 100 bytes: the bytes unpacked are counted */
  zip = make_xlsx(xml, NULL, NULL, &len);
  lie_about_size(zip, len, "xl/worksheets/sheet1.xml", 100);
  expect_error(zip, len, NULL, RB_ERR_TOO_LARGE,
               "xl/worksheets/sheet1.xml unpacks to more than 33554432 bytes");
  free(zip);
  free(xml);
}
END_TEST

START_TEST(test_total_uncompressed)
{
  size_t part = (size_t)600 << 10, len;
  char *sst = xmalloc(part + 1), *sheet = xmalloc(part + 1), *zip;
  struct sheet_limits lim = SHEET_LIMITS_DEFAULT;

  memcpy(sst, "<sst>", 5);
  memset(sst + 5, ' ', part - 11);
  memcpy(sst + part - 6, "</sst>", 6);
  sst[part] = '\0';
  memcpy(sheet, "<worksheet>", 11);
  memset(sheet + 11, ' ', part - 23);
  memcpy(sheet + part - 12, "</worksheet>", 12);
  sheet[part] = '\0';
  lim.max_member = (size_t)1 << 20;
  lim.max_uncompressed = (size_t)1 << 20;
  zip = make_xlsx(sheet, sst, NULL, &len); /* each under 1 MiB, both over */
  expect_error(zip, len, &lim, RB_ERR_TOO_LARGE, "the workbook unpacks to more than 1048576 bytes");
  free(zip);
  free(sst);
  free(sheet);
}
END_TEST

START_TEST(test_billion_laughs)
{
  static const char laughs[] =
    "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
    "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
    "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
    "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
    "<worksheet><sheetData><row r=\"1\"><c t=\"inlineStr\"><is><t>&lol3;</t></is></c></row>"
    "</sheetData></worksheet>";
  static const char external[] =
    "<!DOCTYPE sst SYSTEM \"file:///etc/passwd\"><sst><si><t>x</t></si></sst>";
  size_t len;
  char *zip = make_xlsx(laughs, NULL, NULL, &len);

  expect_error(zip, len, NULL, RB_ERR_BAD_REQUEST,
               "xl/worksheets/sheet1.xml has a DOCTYPE declaration, which spreadsheet programs "
               "never write: refused");
  free(zip);
  zip = make_xlsx(WS(HEAD_ROW), external, NULL, &len);
  expect_error(zip, len, NULL, RB_ERR_BAD_REQUEST,
               "xl/sharedStrings.xml has a DOCTYPE declaration, which spreadsheet programs never "
               "write: refused");
  free(zip);
}
END_TEST

START_TEST(test_deep_xml)
{
  size_t depth = 100000, len;
  char *xml = xmalloc(depth * 7 + 64), *p = xml, *zip;

  p += sprintf(p, "<worksheet><sheetData>");
  for (size_t i = 0; i < depth; i++)
    p += sprintf(p, "<a>");
  for (size_t i = 0; i < depth; i++)
    p += sprintf(p, "</a>");
  sprintf(p, "</sheetData></worksheet>");
  zip = make_xlsx(xml, NULL, NULL, &len);
  expect_error(zip, len, NULL, RB_ERR_TOO_LARGE,
               "xl/worksheets/sheet1.xml nests XML elements deeper than 64 levels");
  free(zip);
  free(xml);
}
END_TEST

START_TEST(test_cell_limits)
{
  struct sheet_limits lim = SHEET_LIMITS_DEFAULT;
  size_t len, big = SHEET_MAX_CELL_BYTES + 1;
  char *zip, *xml;

  /* gaps count: A1 and J1 are ten cells */
  lim.max_cells = 9;
  zip = make_xlsx(WS("<row r=\"1\"><c r=\"A1\"><v>1</v></c><c r=\"J1\"><v>2</v></c></row>"), NULL,
                  NULL, &len);
  expect_error(zip, len, &lim, RB_ERR_TOO_LARGE, "the sheet has more than 9 cells (at line 1)");
  free(zip);
  /* a million empty rows of one cell each, against the default limit */
  {
    size_t rows = 1000001;
    char *p = xml = xmalloc(rows * 28 + 64);

    p += sprintf(p, "<worksheet><sheetData>");
    for (size_t r = 1; r <= rows; r++)
      p += sprintf(p, "<row><c><v>1</v></c></row>");
    sprintf(p, "</sheetData></worksheet>");
    zip = make_xlsx(xml, NULL, NULL, &len);
    lim = (struct sheet_limits)SHEET_LIMITS_DEFAULT;
    lim.max_input = len;
    expect_error(zip, len, &lim, RB_ERR_TOO_LARGE,
                 "the sheet has more than 1000000 cells (at line 1000001)");
    free(zip);
    free(xml);
  }
  lim = (struct sheet_limits)SHEET_LIMITS_DEFAULT;
  lim.max_strings = 2;
  zip = make_xlsx(WS(HEAD_ROW), "<sst><si><t>a</t></si><si/><si><t>c</t></si></sst>", NULL, &len);
  expect_error(zip, len, &lim, RB_ERR_TOO_LARGE, "the workbook has more than 2 shared strings");
  free(zip);
  /* one enormous cell, inline and shared */
  xml = xmalloc(big + 128);
  sprintf(xml, "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>");
  memset(xml + strlen(xml), 'x', big);
  strcpy(xml + strlen("<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>") + big,
         "</t></is></c></row></sheetData></worksheet>");
  zip = make_xlsx(xml, NULL, NULL, &len);
  expect_error(zip, len, NULL, RB_ERR_TOO_LARGE, "cell A1 holds more than 131072 bytes of text");
  free(zip);
  sprintf(xml, "<sst><si><t>");
  memset(xml + 12, 'x', big);
  strcpy(xml + 12 + big, "</t></si></sst>");
  zip = make_xlsx(WS(HEAD_ROW), xml, NULL, &len);
  expect_error(zip, len, NULL, RB_ERR_TOO_LARGE,
               "shared string 0 holds more than 131072 bytes of text");
  free(zip);
  free(xml);
}
END_TEST

/* 64 MiB of text from one shared string used again and again: refused,
 * though the strings table itself is small. */
START_TEST(test_shared_string_amplification)
{
  size_t one = 100000, uses = 700, len;
  char *sst = xmalloc(one + 64), *xml = xmalloc(uses * 40 + 64), *p = xml, *zip;

  sprintf(sst, "<sst><si><t>");
  memset(sst + 12, 'x', one);
  strcpy(sst + 12 + one, "</t></si></sst>");
  p += sprintf(p, "<worksheet><sheetData>");
  for (size_t r = 1; r <= uses; r++)
    p += sprintf(p, "<row r=\"%zu\"><c t=\"s\"><v>0</v></c></row>", r);
  sprintf(p, "</sheetData></worksheet>");
  zip = make_xlsx(xml, sst, NULL, &len);
  expect_error(zip, len, NULL, RB_ERR_TOO_LARGE,
               "the sheet holds more than 64 MiB of text (at line 672)");
  free(zip);
  free(xml);
  free(sst);
}
END_TEST

START_TEST(test_too_many_members)
{
  struct part *parts = calloc(SHEET_MAX_ZIP_ENTRIES + 1, sizeof(*parts));
  char(*names)[16] = calloc(SHEET_MAX_ZIP_ENTRIES + 1, 16);
  struct sheet_limits lim = SHEET_LIMITS_DEFAULT;
  size_t len;
  char *zip;

  for (size_t i = 0; i <= SHEET_MAX_ZIP_ENTRIES; i++) {
    snprintf(names[i], 16, "f%zu", i);
    parts[i] = (struct part){names[i], "", 0};
    parts[i].len = 0;
    parts[i].data = "x";
  }
  zip = make_zip(parts, SHEET_MAX_ZIP_ENTRIES + 1, false, &len);
  lim.max_input = len;
  expect_error(zip, len, &lim, RB_ERR_TOO_LARGE, "the workbook holds more than 10000 files");
  free(zip);
  free(parts);
  free(names);
}
END_TEST

struct bad_sheet {
  const char *name;
  const char *sheet;
  const char *sst;
  enum rb_err err;
  const char *text;
};

static const struct bad_sheet bad_sheets[] = {
  {"malformed XML", "<worksheet><sheetData></worksheet>", NULL, RB_ERR_BAD_REQUEST,
   "xl/worksheets/sheet1.xml is not well-formed XML (line 1: mismatched tag)"},
  {"rows out of order", WS("<row r=\"5\"/><row r=\"3\"/>"), NULL, RB_ERR_BAD_REQUEST,
   "xl/worksheets/sheet1.xml has row 3 after row 5: the workbook is damaged"},
  {"a row number that is no number", WS("<row r=\"x1\"/>"), NULL, RB_ERR_BAD_REQUEST,
   "xl/worksheets/sheet1.xml has a row numbered \"x1\""},
  {"row past Excel's last", WS("<row r=\"1048577\"/>"), NULL, RB_ERR_BAD_REQUEST,
   "xl/worksheets/sheet1.xml has a row numbered \"1048577\""},
  {"cells out of order", WS("<row r=\"1\"><c r=\"B1\"><v>1</v></c><c r=\"A1\"><v>1</v></c></row>"),
   NULL, RB_ERR_BAD_REQUEST, "xl/worksheets/sheet1.xml has cell A1 twice or out of order"},
  {"a cell of another row", WS("<row r=\"1\"><c r=\"A2\"><v>1</v></c></row>"), NULL,
   RB_ERR_BAD_REQUEST, "xl/worksheets/sheet1.xml has a cell \"A2\" in row 1"},
  {"column past XFD", WS("<row r=\"1\"><c r=\"XFE1\"><v>1</v></c></row>"), NULL, RB_ERR_BAD_REQUEST,
   "xl/worksheets/sheet1.xml has a cell \"XFE1\" in row 1"},
  {"row 0", WS("<row r=\"1\"><c r=\"A0\"><v>1</v></c></row>"), NULL, RB_ERR_BAD_REQUEST,
   "xl/worksheets/sheet1.xml has a cell \"A0\" in row 1"},
  {"a shared string that is not there", WS("<row r=\"2\"><c r=\"B2\" t=\"s\"><v>7</v></c></row>"),
   "<sst><si><t>a</t></si><si><t>b</t></si></sst>", RB_ERR_BAD_REQUEST,
   "cell B2 refers to shared string \"7\", but the workbook has 2"},
  {"a negative shared string", WS("<row r=\"2\"><c r=\"B2\" t=\"s\"><v>-1</v></c></row>"),
   "<sst><si><t>a</t></si></sst>", RB_ERR_BAD_REQUEST,
   "cell B2 refers to shared string \"-1\", but the workbook has 1"},
  {"a row in a row", WS("<row r=\"1\"><c><v>1</v></c><row><c><v>2</v></c></row></row>"), NULL,
   RB_ERR_BAD_REQUEST, "xl/worksheets/sheet1.xml has a row inside row 1"},
  {"a cell in a cell", WS("<row r=\"2\"><c><c><v>2</v></c></c></row>"), NULL, RB_ERR_BAD_REQUEST,
   "xl/worksheets/sheet1.xml has a cell inside a cell in row 2"},
  {"a chart", "<chartsheet/>", NULL, RB_ERR_INVALID,
   "the first sheet of the workbook is a chart, not a table"},
  {"not a worksheet", "<html/>", NULL, RB_ERR_BAD_REQUEST,
   "xl/worksheets/sheet1.xml is not a worksheet"},
  {"strings not a table", WS(""), "<html/>", RB_ERR_BAD_REQUEST,
   "xl/sharedStrings.xml is not a shared strings table"},
  {"no sheet part", NULL, NULL, RB_ERR_BAD_REQUEST,
   "the workbook names xl/worksheets/sheet1.xml as its first sheet, but has no such part"},
};

START_TEST(test_bad_sheets)
{
  const struct bad_sheet *c = &bad_sheets[_i];
  size_t len;
  char *zip = make_xlsx(c->sheet, c->sst, NULL, &len);

  expect_error(zip, len, NULL, c->err, c->text);
  free(zip);
}
END_TEST

START_TEST(test_bad_workbooks)
{
  struct part parts[] = {{"xl/workbook.xml", NULL, 0},
                         {"xl/worksheets/sheet1.xml", WS(HEAD_ROW), 0}};
  size_t len;
  char *zip;

  parts[0].data = "<workbook " NS " " RNS "><sheets><sheet name=\"A\" r:id=\"rId1\" "
                  "state=\"hidden\"/><sheet name=\"B\" r:id=\"rId2\" state=\"veryHidden\"/>"
                  "</sheets></workbook>";
  zip = make_zip(parts, N(parts), true, &len);
  expect_error(zip, len, NULL, RB_ERR_INVALID, "the workbook has no visible worksheet");
  free(zip);
  parts[0].data = WORKBOOK;
  {
    struct part with_rels[] = {parts[0],
                               parts[1],
                               {"xl/_rels/workbook.xml.rels",
                                "<Relationships><Relationship Id=\"rId1\" Type=\"" REL
                                "worksheet\" "
                                "Target=\"../../etc/passwd\"/></Relationships>",
                                0}};

    zip = make_zip(with_rels, N(with_rels), true, &len);
    expect_error(zip, len, NULL, RB_ERR_BAD_REQUEST,
                 "xl/_rels/workbook.xml.rels does not say where the sheet \"Return\" is");
    free(zip);
  }
  parts[0].data = "<foo/>";
  zip = make_zip(parts, N(parts), true, &len);
  expect_error(zip, len, NULL, RB_ERR_BAD_REQUEST,
               "xl/workbook.xml is not a workbook (it holds <foo>)");
  free(zip);
  parts[0].data = "<!DOCTYPE x [<!ENTITY e SYSTEM \"http://example.com/\">]><workbook/>";
  zip = make_zip(parts, N(parts), true, &len);
  expect_error(zip, len, NULL, RB_ERR_BAD_REQUEST,
               "xl/workbook.xml has a DOCTYPE declaration, which spreadsheet programs never "
               "write: refused");
  free(zip);
}
END_TEST

static Suite *
xlsx_suite(void)
{
  Suite *s = suite_create("xlsx");
  TCase *tc = tcase_create("cells");

  tcase_add_test(tc, test_openpyxl_files);
  tcase_add_test(tc, test_cell_types);
  tcase_add_test(tc, test_percent_styles);
  tcase_add_test(tc, test_namespaces_and_targets);
  suite_add_tcase(s, tc);
  tc = tcase_create("refusals");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_not_xlsx);
  tcase_add_test(tc, test_damaged);
  tcase_add_test(tc, test_encrypted_and_methods);
  tcase_add_test(tc, test_zip_bomb);
  tcase_add_test(tc, test_total_uncompressed);
  tcase_add_test(tc, test_billion_laughs);
  tcase_add_test(tc, test_deep_xml);
  tcase_add_test(tc, test_cell_limits);
  tcase_add_test(tc, test_shared_string_amplification);
  tcase_add_test(tc, test_too_many_members);
  tcase_add_loop_test(tc, test_bad_sheets, 0, (int)N(bad_sheets));
  tcase_add_test(tc, test_bad_workbooks);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  SRunner *sr = srunner_create(xlsx_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
