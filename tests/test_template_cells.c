/* Suite `template`, with test_template.c: what the XLSX template's cells
 * carry, read out of its XML parts with libzip (the status prompts, the
 * value cells' number formats), and how a partner's own workbook's percent
 * cells read (written with libxlsxwriter, as a spreadsheet stores what is
 * typed). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>
#include <zip.h>

#include "sheet.h"
#include "template.h"
#include "test_template.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A milestone, a KPI measured in percent and two counts. */
static const struct template_row rows[] = {
  {false, "UC1.1", "Open the urgent care centre", "By Q2", NULL, false, "G", NULL},
  {false, "UC1.2", "Agree the model", NULL, NULL, false, NULL, NULL},
  {true, "UC/KPI 1", "Patients seen within 4 hours", "95%", "%", true, "94.1% (A)", NULL},
  {true, "UC/KPI 2", "Referrals", "1,000", "referrals", false, "1012 (G)", NULL},
  {true, "UC/KPI 3", "Ratio", NULL, NULL, false, NULL, NULL},
};

static const struct template_desc desc = {
  .quarter = "2018-19-Q1",
  .quarter_words = "Quarter 1 2018/19",
  .last_quarter_words = "Quarter 4 2017/18",
  .org_code = "RDASH",
  .org_name = NULL,
  .rows = rows,
  .nrows = N(rows),
  .created = 1530403200,
};

/* ---- helpers ------------------------------------------------------------------ */

/* Member name of the zip in data, as a new NUL-terminated string. */
static char *
member(const char *data, size_t len, const char *name)
{
  zip_error_t ze;
  zip_source_t *src;
  zip_t *za;
  zip_file_t *f;
  zip_stat_t st;
  char *out;

  zip_error_init(&ze);
  src = zip_source_buffer_create(data, len, 0, &ze);
  ck_assert_ptr_nonnull(src);
  za = zip_open_from_source(src, ZIP_RDONLY, &ze);
  ck_assert_ptr_nonnull(za);
  ck_assert_msg(zip_stat(za, name, 0, &st) == 0, "no %s in the workbook", name);
  f = zip_fopen(za, name, 0);
  ck_assert_ptr_nonnull(f);
  out = xmalloc(st.size + 1);
  ck_assert_int_eq(zip_fread(f, out, st.size), (zip_int64_t)st.size);
  out[st.size] = '\0';
  zip_fclose(f);
  zip_discard(za);
  zip_error_fini(&ze);
  return out;
}

/* Attribute name of the element starting at elem ('<'), in a new string;
 * NULL when it has none. */
static char *
attr_of(const char *elem, const char *name)
{
  const char *end = strchr(elem, '>'), *a;
  char key[64];

  snprintf(key, sizeof(key), " %s=\"", name);
  a = strstr(elem, key);
  if (a == NULL || end == NULL || a > end)
    return NULL;
  a += strlen(key);
  return strndup(a, (size_t)(strchr(a, '"') - a));
}

/* Attribute name of the first element of xml that holds `holding` (an
 * attribute such as promptTitle="KPI rating"); NULL when there is none. */
static char *
attr_near(const char *xml, const char *holding, const char *name)
{
  const char *at = strstr(xml, holding);

  if (at == NULL)
    return NULL;
  while (at > xml && *at != '<')
    at--;
  return attr_of(at, name);
}

/* The number format of cell ref (e.g. "I6") in a workbook libxlsxwriter
 * wrote: its style index (s) in the sheet, that cell format (xf) in
 * styles.xml's cellXfs, its numFmtId, and a custom format's code or a
 * built-in one's (0 General, 9 0%, 10 0.00%), in a new string. */
static char *
cell_format(const char *zip, size_t len, const char *ref)
{
  char *ws = member(zip, len, "xl/worksheets/sheet1.xml");
  char *styles = member(zip, len, "xl/styles.xml"), key[64], *s, *id, *code = NULL;
  const char *c, *xf;
  long style = 0, fmt;

  snprintf(key, sizeof(key), "<c r=\"%s\"", ref);
  c = strstr(ws, key);
  ck_assert_msg(c != NULL, "no cell %s", ref);
  if ((s = attr_of(c, "s")) != NULL)
    style = strtol(s, NULL, 10);
  free(s);
  xf = strstr(styles, "<cellXfs");
  ck_assert_ptr_nonnull(xf);
  for (long i = 0; i <= style; i++) {
    xf = strstr(xf + 1, "<xf ");
    ck_assert_ptr_nonnull(xf);
  }
  id = attr_of(xf, "numFmtId");
  fmt = id != NULL ? strtol(id, NULL, 10) : 0;
  if (fmt >= 164) {
    snprintf(key, sizeof(key), "numFmtId=\"%ld\" formatCode=", fmt);
    code = attr_near(styles, key, "formatCode");
  } else {
    code = strdup(fmt == 0 ? "General" : fmt == 9 ? "0%" : fmt == 10 ? "0.00%" : "built-in");
  }
  ck_assert_ptr_nonnull(code);
  free(id);
  free(ws);
  free(styles);
  return code;
}

/* ---- tests -------------------------------------------------------------------- */

/* The status cells' input prompts give each code's meaning as the board
 * report does (rag.c): BR is a milestone not due to start, B a complete
 * one (once the other way round: partners would have marked finished
 * milestones as not started). Excel shows at most 255 characters. */
START_TEST(test_xlsx_template_prompts)
{
  size_t len;
  char *out = xlsx(&desc, &len), *ws = member(out, len, "xl/worksheets/sheet1.xml");
  char *ms = attr_near(ws, "promptTitle=\"Milestone status\"", "prompt");
  char *kpi = attr_near(ws, "promptTitle=\"KPI rating\"", "prompt");

  ck_assert_msg(ms != NULL && kpi != NULL, "no status prompts in\n%s", ws);
  ck_assert_str_eq(ms,
                   "BR: not due to start; B: complete; G: on track; A: started but not on "
                   "track; R: significant issues; TBC: not yet known, or no update provided. Or "
                   "leave the row empty.");
  ck_assert_ptr_nonnull(strstr(ms, "BR: not due to start"));
  ck_assert_ptr_nonnull(strstr(ms, "B: complete"));
  ck_assert_ptr_null(strstr(ms, "BR (complete)"));
  ck_assert_str_eq(kpi, "G: achieving target; A: almost achieving target (within the tolerance, 2% "
                        "of the target by default); R: not achieving target (beyond the "
                        "tolerance); TBC: no data yet, or no target agreed. Or leave it empty.");
  ck_assert_uint_le(strlen(ms), 255);
  ck_assert_uint_le(strlen(kpi), 255);
  free(ms);
  free(kpi);
  free(ws);
  free(out);
}
END_TEST

/* A percent KPI's value cell shows a percentage (what a partner types, 95.5
 * or 95.5%, is stored as 0.955 and read as 95.5); the other KPIs' value
 * cells have the General format (a number reads as typed). */
START_TEST(test_xlsx_template_percent_cells)
{
  size_t len;
  char *out = xlsx(&desc, &len), *f;

  f = cell_format(out, len, "I6"); /* UC/KPI 1, in percent */
  ck_assert_str_eq(f, "0.0##%");
  free(f);
  for (size_t i = 0; i < 2; i++) { /* UC/KPI 2 and 3, counts */
    f = cell_format(out, len, i == 0 ? "I7" : "I8");
    ck_assert_str_eq(f, "General");
    free(f);
  }
  free(out);
}
END_TEST

/* A partner's own workbook (libxlsxwriter, as a spreadsheet stores what is
 * typed): a percent cell's number is read x 100 whatever the format shows
 * (built-in 0% and 0.00%, a custom 0.0%), to exactly the decimal shown
 * (0.955 x 100 is 95.49999999999999 in binary: 95.5); a General cell reads
 * as typed (0.955 stays 0.955: nothing is guessed); a percent cell for a
 * KPI not measured in percent is refused. */
START_TEST(test_own_workbook_percent_cells)
{
  static const struct {
    double stored;
    const char *format; /* NULL: General */
    bool percent;       /* the KPI is measured in percent */
    const char *shown;
    double value; /* read; negative: refused */
  } cells[] = {
    {0.955, "0.00%", true, "95.5%", 95.5},   {0.955, "0%", true, "95.5%", 95.5},
    {0.8825, "0.0%", true, "88.25%", 88.25}, {95.5, NULL, true, "95.5", 95.5},
    {0.955, NULL, true, "0.955", 0.955},     {1234, NULL, false, "1234", 1234},
    {0.5, "0%", false, "50%", -1},
  };
  char *dir = new_dir(), path[600], *data;
  lxw_workbook *wb;
  lxw_worksheet *ws;
  struct sheet_header h;
  struct sheet *s;
  struct sheet_numbers conv;
  size_t len;

  snprintf(path, sizeof(path), "%s/own.xlsx", dir);
  wb = workbook_new(path);
  ws = workbook_add_worksheet(wb, NULL);
  worksheet_write_string(ws, 0, 0, "kind", NULL);
  worksheet_write_string(ws, 0, 1, "code", NULL);
  worksheet_write_string(ws, 0, 2, "value", NULL);
  for (size_t i = 0; i < N(cells); i++) {
    lxw_format *f = NULL;
    char code[16];

    if (cells[i].format != NULL) {
      f = workbook_add_format(wb);
      format_set_num_format(f, cells[i].format);
    }
    snprintf(code, sizeof(code), "K%zu", i);
    worksheet_write_string(ws, (lxw_row_t)(1 + i), 0, "kpi", NULL);
    worksheet_write_string(ws, (lxw_row_t)(1 + i), 1, code, NULL);
    worksheet_write_number(ws, (lxw_row_t)(1 + i), 2, cells[i].stored, f);
  }
  ck_assert_int_eq(workbook_close(wb), LXW_NO_ERROR);
  data = read_file(path, &len);
  s = read_xlsx(data, len, &h);
  sheet_numbers_decide(s, &h, (size_t)h.column[SHEET_VALUE], &conv);
  for (size_t i = 0; i < N(cells); i++) {
    const char *v = field(s, &h, i, SHEET_VALUE);
    struct sheet_problem why = {0, ""};
    double got = 0;
    bool ok = sheet_parse_number(&conv, v, cells[i].percent, &got, &why);

    ck_assert_msg(strcmp(v, cells[i].shown) == 0, "%zu: read \"%s\", want \"%s\"", i, v,
                  cells[i].shown);
    if (cells[i].value >= 0) {
      ck_assert_msg(ok, "%zu: %s", i, why.text);
      ck_assert_msg(got == cells[i].value, "%zu: %.17g, want %.17g", i, got, cells[i].value);
    } else {
      ck_assert(!ok);
      ck_assert_str_eq(why.text, "\"50%\" is a percentage, but this KPI is not measured in "
                                 "percent: write the number alone, e.g. 50 (in a spreadsheet, "
                                 "format the cell as a number, not a percentage)");
    }
  }
  sheet_free(s);
  free(data);
  unlink(path);
  rmdir(dir);
  free(dir);
}
END_TEST

void
template_cells_tests(TCase *tc)
{
  tcase_add_test(tc, test_xlsx_template_prompts);
  tcase_add_test(tc, test_xlsx_template_percent_cells);
  tcase_add_test(tc, test_own_workbook_percent_cells);
}
