/* Suite `template`: the return templates. The CSV byte for byte; the XLSX
 * read back by ragboard's own reader, checked by openpyxl (protection,
 * drop-down lists, number validation, frozen header, widths), and the
 * round trip a partner makes: download, fill in (tests/sheet/fill.py, with
 * openpyxl, as a spreadsheet program stores what is typed), upload. The
 * cells' prompts and number formats, and a partner's own percent cells, are
 * in test_template_cells.c. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sheet.h"
#include "template.h"
#include "test_template.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#ifndef RAGBOARD_SOURCE_ROOT
#define RAGBOARD_SOURCE_ROOT "."
#endif

/* malloc that fails the test instead of returning NULL */
void *
xmalloc(size_t n)
{
  void *p = malloc(n);

  ck_assert_ptr_nonnull(p);
  return p;
}

static const struct template_row rows[] = {
  {false, "UC1.1", "Open the urgent care centre, with its caf\xC3\xA9", "By Q2", NULL, false, "G",
   "On track"},
  {false, "UC1.2", "=HYPERLINK(\"http://example.com\")", NULL, NULL, false, NULL, NULL},
  {true, "UC/KPI 1", "Patients seen within 4 hours", "95%", "%", true, "94.1% (A)",
   "Winter pressures,\nescalated"},
  {true, "UC/KPI 2", "Referrals", "1,000", "referrals", false, "1012 (G)", NULL},
  {true, "UC/KPI 3", "Ratio", NULL, NULL, false, NULL, NULL},
};

static const struct template_desc desc = {
  "2018-19-Q1",
  "Quarter 1 2018/19",
  "Quarter 4 2017/18",
  "RDASH",
  "Rotherham Doncaster and South Humber NHS FT",
  rows,
  N(rows),
  1530403200,
};

/* ---- helpers ------------------------------------------------------------------ */

static const char *
python(void)
{
  const char *p = getenv("RAGBOARD_PYTHON");

  return p != NULL && p[0] != '\0' ? p : "python3";
}

/* Run a command; fail the test with its output unless it exits 0. */
static void
run(const char *cmd)
{
  char out[4096];
  size_t n = 0;
  FILE *p = popen(cmd, "r");
  int status;

  ck_assert_ptr_nonnull(p);
  n = fread(out, 1, sizeof(out) - 1, p);
  out[n] = '\0';
  status = pclose(p);
  ck_assert_msg(status == 0, "%s\nexited %d:\n%s", cmd, status, out);
}

char *
new_dir(void)
{
  const char *base = getenv("TMPDIR");
  char *dir = xmalloc(512);

  snprintf(dir, 512, "%s/ragboard-test.XXXXXX", base != NULL && base[0] ? base : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(dir));
  return dir;
}

static size_t
entries(const char *dir)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  size_t n = 0;

  ck_assert_ptr_nonnull(d);
  while ((e = readdir(d)) != NULL)
    n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
  closedir(d);
  return n;
}

static void
write_file(const char *path, const char *data, size_t len)
{
  FILE *f = fopen(path, "wb");

  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(data, 1, len, f), len);
  fclose(f);
}

char *
read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  char *buf = xmalloc(1 << 20);

  ck_assert_msg(f != NULL, "cannot open %s", path);
  *len = fread(buf, 1, 1 << 20, f);
  fclose(f);
  return buf;
}

char *
xlsx(const struct template_desc *t, size_t *len)
{
  char why[256] = "", *out = NULL;
  enum rb_err err = template_xlsx(t, NULL, &out, len, why, sizeof(why));

  ck_assert_msg(err == RB_OK, "template_xlsx: %d %s", err, why);
  return out;
}

struct sheet *
read_xlsx(const char *data, size_t len, struct sheet_header *h)
{
  struct sheet_limits lim = SHEET_LIMITS_DEFAULT;
  struct sheet_problem why = {0, ""};
  struct sheet *s = NULL;

  ck_assert_msg(sheet_read_xlsx(data, len, &lim, &s, &why) == RB_OK, "%s", why.text);
  ck_assert_msg(sheet_find_header(s, h, &why) == RB_OK, "%s", why.text);
  return s;
}

const char *
field(const struct sheet *s, const struct sheet_header *h, size_t data_row, enum sheet_field f)
{
  ck_assert_int_ge(h->column[f], 0);
  return sheet_cell(&s->rows[h->row + 1 + data_row], (size_t)h->column[f]);
}

/* ---- tests -------------------------------------------------------------------- */

START_TEST(test_sheet_names)
{
  static const struct {
    const char *quarter, *org, *want;
  } cases[] = {
    {"2018-19-Q1", "RDASH", "2018-19-Q1 RDASH"},
    {"2018-19-Q1", "A[B]:C*D?E/F\\G", "2018-19-Q1 A-B--C-D-E-F-G"},
    {"2018-19-Q1", "VERYLONGORGANISATIONCODE", "2018-19-Q1 VERYLONGORGANISATION"},
    {"2018-19-Q1",
     "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
     "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
     "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9",
     "2018-19-Q1 \xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
     "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"},
    {"'2018", "X'", "-2018 X"},
    {"", "", "Return"},
  };
  char name[128];

  for (size_t i = 0; i < N(cases); i++) {
    struct template_desc t = desc;

    t.quarter = cases[i].quarter;
    t.org_code = cases[i].org;
    template_sheet_name(&t, name);
    ck_assert_msg(strcmp(name, cases[i].want) == 0, "\"%s\", want \"%s\"", name, cases[i].want);
  }
}
END_TEST

START_TEST(test_csv_template)
{
  static const char want[] =
    "\xEF\xBB\xBFkind,code,description,target,unit,last quarter,last comment,status,value,"
    "value_text,comment\r\n"
    "milestone,UC1.1,\"Open the urgent care centre, with its caf\xC3\xA9\",By Q2,,G,On "
    "track,,,,\r\n"
    "milestone,UC1.2,\"'=HYPERLINK(\"\"http://example.com\"\")\",,,,,,,,\r\n"
    "kpi,UC/KPI 1,Patients seen within 4 hours,95%,%,94.1% (A),\"Winter pressures,\nescalated\","
    ",,,\r\n"
    "kpi,UC/KPI 2,Referrals,\"1,000\",referrals,1012 (G),,,,,\r\n"
    "kpi,UC/KPI 3,Ratio,,,,,,,,\r\n";
  struct sheet_limits lim = SHEET_LIMITS_DEFAULT;
  struct sheet_problem why;
  struct sheet_header h;
  struct sheet *s = NULL;
  char *out = NULL;
  size_t len = 0;

  ck_assert_int_eq(template_csv(&desc, &out, &len), RB_OK);
  ck_assert_uint_eq(len, strlen(want));
  ck_assert_msg(memcmp(out, want, len) == 0, "got\n%s", out);
  /* read back as a return: every template column is a field or ignored */
  ck_assert_int_eq(sheet_read_csv(out, len, &lim, &s, &why), RB_OK);
  ck_assert_int_eq(sheet_find_header(s, &h, &why), RB_OK);
  ck_assert_uint_eq(h.row, 0);
  ck_assert_int_eq(h.column[SHEET_KIND], 0);
  ck_assert_int_eq(h.column[SHEET_CODE], 1);
  ck_assert_int_eq(h.column[SHEET_STATUS], 7);
  ck_assert_int_eq(h.column[SHEET_VALUE], 8);
  ck_assert_int_eq(h.column[SHEET_VALUE_TEXT], 9);
  ck_assert_int_eq(h.column[SHEET_COMMENT], 10);
  ck_assert_uint_eq(s->nrows, 6);
  sheet_free(s);
  free(out);
}
END_TEST

START_TEST(test_xlsx_template_reads_back)
{
  size_t len;
  char *out = xlsx(&desc, &len);
  struct sheet_header h;
  struct sheet *s = read_xlsx(out, len, &h);

  ck_assert_uint_eq(h.row, 2); /* title, instructions, header */
  ck_assert_uint_eq(s->rows[h.row].line, 3);
  ck_assert_str_eq(s->rows[0].cells[0], "Quarterly return: Quarter 1 2018/19, RDASH (Rotherham "
                                        "Doncaster and South Humber NHS FT)");
  ck_assert_str_eq(s->rows[1].cells[0],
                   "Fill in the white cells: status (a milestone: BR, B, G, A, R or TBC; a KPI's "
                   "rating: G, A, R or TBC), value (a number), value_text and comment. Grey cells "
                   "are for reference (\"last quarter\" is Quarter 4 2017/18). A row left empty "
                   "keeps what is stored. Keep the header row as it is and upload the file as it "
                   "is.");
  ck_assert_int_eq(h.column[SHEET_STATUS], 7);
  ck_assert_int_eq(h.column[SHEET_COMMENT], 10);
  ck_assert_uint_eq(s->nrows, 3 + N(rows));
  for (size_t i = 0; i < N(rows); i++) {
    const struct sheet_row *r = &s->rows[h.row + 1 + i];

    ck_assert_uint_eq(r->line, 4 + i);
    ck_assert_str_eq(field(s, &h, i, SHEET_KIND), rows[i].kpi ? "kpi" : "milestone");
    ck_assert_str_eq(field(s, &h, i, SHEET_CODE), rows[i].code);
    ck_assert_str_eq(sheet_cell(r, 2), rows[i].description); /* "=..." stays text */
    ck_assert_str_eq(sheet_cell(r, 5), rows[i].last_quarter ? rows[i].last_quarter : "");
    for (int f = SHEET_STATUS; f <= SHEET_COMMENT; f++) /* no month column: quarterly rows */
      ck_assert_str_eq(field(s, &h, i, (enum sheet_field)f), "");
  }
  sheet_free(s);
  free(out);
}
END_TEST

START_TEST(test_xlsx_template_openpyxl_sees)
{
  size_t len;
  char *out = xlsx(&desc, &len), *dir = new_dir(), path[600], cmd[2048];

  snprintf(path, sizeof(path), "%s/template.xlsx", dir);
  write_file(path, out, len);
  snprintf(cmd, sizeof(cmd),
           "%s %s/tests/sheet/check_template.py %s '2018-19-Q1 RDASH' 2 3 'UC/KPI 1' 2>&1",
           python(), RAGBOARD_SOURCE_ROOT, path);
  run(cmd);
  unlink(path);
  rmdir(dir);
  free(dir);
  free(out);
}
END_TEST

/* Download, fill in as a spreadsheet program stores it, upload. */
START_TEST(test_round_trip)
{
  size_t len;
  char *out = xlsx(&desc, &len), *dir = new_dir(), in[600], filled[600], cmd[2048];
  struct sheet_header h;
  struct sheet *s;
  struct sheet_numbers conv;
  struct sheet_problem why = {0, ""};
  double v;

  snprintf(in, sizeof(in), "%s/template.xlsx", dir);
  snprintf(filled, sizeof(filled), "%s/filled.xlsx", dir);
  write_file(in, out, len);
  free(out);
  snprintf(cmd, sizeof(cmd), "%s %s/tests/sheet/fill.py %s %s 2>&1", python(), RAGBOARD_SOURCE_ROOT,
           in, filled);
  run(cmd);
  out = read_file(filled, &len);
  s = read_xlsx(out, len, &h);
  ck_assert_str_eq(field(s, &h, 0, SHEET_STATUS), "g");
  ck_assert_str_eq(field(s, &h, 0, SHEET_COMMENT),
                   "Delivered;\nsign-off in May, caf\xC3\xA9 opened");
  ck_assert_str_eq(field(s, &h, 1, SHEET_STATUS), "BR");
  ck_assert_str_eq(field(s, &h, 1, SHEET_COMMENT), "");
  ck_assert_str_eq(field(s, &h, 2, SHEET_STATUS), "A");
  ck_assert_str_eq(field(s, &h, 2, SHEET_VALUE), "95.5%"); /* 0.955 in the template's % cell */
  ck_assert_str_eq(field(s, &h, 2, SHEET_COMMENT), "Winter pressures");
  ck_assert_str_eq(field(s, &h, 3, SHEET_STATUS), "TBC");
  ck_assert_str_eq(field(s, &h, 3, SHEET_VALUE), "1234");
  ck_assert_str_eq(field(s, &h, 3, SHEET_VALUE_TEXT), "provisional");
  ck_assert_str_eq(field(s, &h, 4, SHEET_VALUE), "0.3"); /* 0.30000000000000004 stored */
  /* and the values as numbers, each KPI with its unit */
  sheet_numbers_decide(s, &h, (size_t)h.column[SHEET_VALUE], &conv);
  ck_assert(sheet_parse_number(&conv, field(s, &h, 2, SHEET_VALUE), rows[2].percent, &v, &why));
  ck_assert_double_eq(v, 95.5);
  ck_assert(sheet_parse_number(&conv, field(s, &h, 4, SHEET_VALUE), rows[4].percent, &v, &why));
  ck_assert_double_eq(v, 0.3);
  ck_assert(!sheet_parse_number(&conv, "95.5%", rows[3].percent, &v, &why));
  ck_assert_str_eq(why.text, "\"95.5%\" is a percentage, but this KPI is not measured in percent: "
                             "write the number alone, e.g. 95.5 (in a spreadsheet, format the "
                             "cell as a number, not a percentage)");
  sheet_free(s);
  free(out);
  unlink(in);
  unlink(filled);
  rmdir(dir);
  free(dir);
}
END_TEST

/* The workbook goes through a private directory that is gone afterwards;
 * a directory that cannot be made is an I/O error that says where. */
START_TEST(test_temp_files)
{
  char *dir = new_dir(), why[256] = "", *out = NULL;
  size_t len = 0;
  struct template_desc none = desc;

  ck_assert_int_eq(template_xlsx(&desc, dir, &out, &len, why, sizeof(why)), RB_OK);
  ck_assert_uint_gt(len, 1000);
  ck_assert_msg(memcmp(out, "PK\3\4", 4) == 0, "not a zip");
  ck_assert_uint_eq(entries(dir), 0);
  free(out);
  out = NULL;
  ck_assert_int_eq(template_xlsx(&desc, "/nonexistent/dir", &out, &len, why, sizeof(why)),
                   RB_ERR_IO);
  ck_assert_str_eq(why, "cannot make a directory in /nonexistent/dir: No such file or directory");
  ck_assert_ptr_null(out);
  /* no rows: a template with its header, still a return */
  none.rows = NULL;
  none.nrows = 0;
  ck_assert_int_eq(template_xlsx(&none, dir, &out, &len, why, sizeof(why)), RB_OK);
  ck_assert_uint_eq(entries(dir), 0);
  {
    struct sheet_header h;
    struct sheet *s = read_xlsx(out, len, &h);

    ck_assert_uint_eq(h.row + 1, s->nrows);
    sheet_free(s);
  }
  free(out);
  rmdir(dir);
  free(dir);
}
END_TEST

static Suite *
template_suite(void)
{
  Suite *s = suite_create("template");
  TCase *tc = tcase_create("template");

  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_sheet_names);
  tcase_add_test(tc, test_csv_template);
  tcase_add_test(tc, test_xlsx_template_reads_back);
  tcase_add_test(tc, test_xlsx_template_openpyxl_sees);
  tcase_add_test(tc, test_round_trip);
  tcase_add_test(tc, test_temp_files);
  template_cells_tests(tc);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  SRunner *sr = srunner_create(template_suite());
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
