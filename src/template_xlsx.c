/* The XLSX template of a quarterly return (layout in template.h), written
 * with libxlsxwriter. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "rag.h"
#include "template.h"
#include "template_int.h"

#define TITLE_ROW 0
#define INTRO_ROW 1
#define HEADER_ROW 2
#define FIRST_ROW 3

static const char *const milestone_statuses[] = {"BR", "B", "G", "A", "R", "TBC", NULL};
static const char *const kpi_ratings[] = {"G", "A", "R", "TBC", NULL};

void
template_sheet_name(const struct template_desc *t, char out[128])
{
  char name[128];
  size_t n = 0, chars = 0, k = 0;

  snprintf(name, sizeof(name), "%s %s", t->quarter != NULL ? t->quarter : "",
           t->org_code != NULL ? t->org_code : "");
  while (name[n] != '\0' && chars < 31) { /* 31 characters, not bytes */
    size_t w = 1;

    while ((name[n + w] & 0xC0) == 0x80)
      w++;
    if (w == 1 && strchr("[]:*?/\\", name[n]) != NULL) {
      out[k++] = '-';
    } else {
      memcpy(out + k, name + n, w);
      k += w;
    }
    n += w;
    chars++;
  }
  while (k > 0 && (out[k - 1] == ' ' || out[k - 1] == '\''))
    k--; /* a name cannot end with an apostrophe; a trailing space would read as one */
  out[k] = '\0';
  if (out[0] == '\'')
    out[0] = '-';
  if (k == 0)
    strcpy(out, "Return");
}

/* A percent KPI's value cell shows a percentage: what a partner types, 95.5
 * or 95.5%, is stored as 0.955 (Excel's and LibreOffice's percent entry)
 * and shown as 95.5%; the reader takes a percent cell's number x 100
 * (sheet.h), so the value is 95.5. Up to three decimals are shown; the
 * number is read whole whatever is shown. */
#define PERCENT_FORMAT "0.0##%"

struct formats {
  lxw_format *title, *intro, *header, *context, *context_wrap, *input, *input_wrap, *absent;
  lxw_format *input_percent;
};

static void
make_formats(lxw_workbook *wb, struct formats *f)
{
  f->title = workbook_add_format(wb);
  format_set_bold(f->title);
  format_set_font_size(f->title, 14);
  f->intro = workbook_add_format(wb);
  format_set_italic(f->intro);
  f->header = workbook_add_format(wb);
  format_set_bold(f->header);
  format_set_bg_color(f->header, 0xD9D9D9);
  format_set_bottom(f->header, LXW_BORDER_THIN);
  f->context = workbook_add_format(wb);
  format_set_bg_color(f->context, 0xF2F2F2);
  format_set_align(f->context, LXW_ALIGN_VERTICAL_TOP);
  f->context_wrap = workbook_add_format(wb);
  format_set_bg_color(f->context_wrap, 0xF2F2F2);
  format_set_align(f->context_wrap, LXW_ALIGN_VERTICAL_TOP);
  format_set_text_wrap(f->context_wrap);
  f->input = workbook_add_format(wb);
  format_set_unlocked(f->input);
  format_set_border(f->input, LXW_BORDER_THIN);
  format_set_align(f->input, LXW_ALIGN_VERTICAL_TOP);
  f->input_wrap = workbook_add_format(wb);
  format_set_unlocked(f->input_wrap);
  format_set_border(f->input_wrap, LXW_BORDER_THIN);
  format_set_align(f->input_wrap, LXW_ALIGN_VERTICAL_TOP);
  format_set_text_wrap(f->input_wrap);
  f->input_percent = workbook_add_format(wb);
  format_set_unlocked(f->input_percent);
  format_set_border(f->input_percent, LXW_BORDER_THIN);
  format_set_align(f->input_percent, LXW_ALIGN_VERTICAL_TOP);
  format_set_num_format(f->input_percent, PERCENT_FORMAT);
  f->absent = workbook_add_format(wb); /* a milestone's value: locked, shown as not applicable */
  format_set_bg_color(f->absent, 0xBFBFBF);
  format_set_align(f->absent, LXW_ALIGN_VERTICAL_TOP);
}

/* The status cell's prompt: each code with its meaning, from rag.c's one
 * legend ("BR: not due to start; B: complete; ..."), so that it cannot say
 * otherwise than the board report. Excel shows at most 255 characters. */
static void
status_prompt(bool kpi, char out[256])
{
  static const enum rag_status milestone[] = {RAG_BR, RAG_B, RAG_G, RAG_A, RAG_R, RAG_TBC};
  static const enum rag_status kpi_order[] = {RAG_G, RAG_A, RAG_R, RAG_TBC};
  const enum rag_status *order = kpi ? kpi_order : milestone;
  size_t n = kpi ? sizeof(kpi_order) / sizeof(kpi_order[0])
                 : sizeof(milestone) / sizeof(milestone[0]),
         len = 0;

  out[0] = '\0';
  for (size_t i = 0; i < n && len < 256; i++) {
    const struct rag_meaning *m = rag_meaning(order[i]);

    len += (size_t)snprintf(out + len, 256 - len, "%s%s: %s", i > 0 ? "; " : "", m->code,
                            kpi ? m->kpi : m->milestone);
  }
  /* a KPI's rating may be left empty; a milestone's row is skipped when
   * all its return cells are (api_return_sheet.c) */
  if (len < 256)
    snprintf(out + len, 256 - len, kpi ? ". Or leave it empty." : ". Or leave the row empty.");
}

/* The drop-down list on status, one per run of rows of one kind. */
static lxw_error
validate_status(lxw_worksheet *ws, bool kpi, lxw_row_t first, lxw_row_t last)
{
  lxw_data_validation status = {0};
  char prompt[256];

  status_prompt(kpi, prompt);
  status.validate = LXW_VALIDATION_TYPE_LIST;
  status.value_list = (char **)(kpi ? kpi_ratings : milestone_statuses);
  status.input_title = kpi ? "KPI rating" : "Milestone status";
  status.input_message = prompt;
  status.error_title = kpi ? "Not a KPI rating" : "Not a milestone status";
  status.error_message =
    kpi ? "A KPI is rated G, A, R or TBC." : "A milestone is BR, B, G, A, R or TBC.";
  return worksheet_data_validation_range(ws, first, TEMPLATE_COL_STATUS, last, TEMPLATE_COL_STATUS,
                                         &status);
}

/* The number check on value, one per run of KPI rows measured alike: a
 * percent cell holds the fraction (0.955 for 95.5%), so its bound is 100
 * times smaller, the value read being at most 1e15. */
static lxw_error
validate_value(lxw_worksheet *ws, bool percent, lxw_row_t first, lxw_row_t last)
{
  lxw_data_validation value = {0};

  value.validate = LXW_VALIDATION_TYPE_DECIMAL;
  value.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
  value.minimum_number = percent ? -1e13 : -1e15;
  value.maximum_number = percent ? 1e13 : 1e15;
  value.input_title = percent ? "Value in percent" : "Value";
  value.input_message =
    percent ? "A percentage: type 95.5 or 95.5% and the cell shows 95.5%, read as 95.5. Below "
              "1%, type the % sign (0.5%): a spreadsheet may read 0.5 as 50%."
            : "A number such as 1234 or 8.5 (this KPI is not measured in percent).";
  value.error_title = "Not a number";
  value.error_message = "The value must be a number; words go in value_text.";
  return worksheet_data_validation_range(ws, first, TEMPLATE_COL_VALUE, last, TEMPLATE_COL_VALUE,
                                         &value);
}

static lxw_error
write_sheet(lxw_workbook *wb, lxw_worksheet *ws, const struct template_desc *t)
{
  struct formats f;
  lxw_protection prot = {0};
  char text[1024], last[160] = "";
  double widths[TEMPLATE_NCOLS];
  lxw_error err = LXW_NO_ERROR;
  size_t run_start = 0, value_start = 0;

  make_formats(wb, &f);
  snprintf(text, sizeof(text), "Quarterly return: %s, %s %s%s%s", t->quarter_words, t->org_code,
           t->org_name != NULL ? "(" : "", t->org_name != NULL ? t->org_name : "",
           t->org_name != NULL ? ")" : "");
  worksheet_write_string(ws, TITLE_ROW, 0, text, f.title);
  if (t->last_quarter_words != NULL)
    snprintf(last, sizeof(last), " (\"last quarter\" is %s)", t->last_quarter_words);
  snprintf(text, sizeof(text),
           "Fill in the white cells: status (a milestone: BR, B, G, A, R or TBC; a KPI's rating: "
           "G, A, R or TBC), value (a number), value_text and comment. Grey cells are for "
           "reference%s. A row left empty keeps what is stored. Keep the header row as it is and "
           "upload the file as it is.",
           last);
  worksheet_write_string(ws, INTRO_ROW, 0, text, f.intro);
  for (size_t c = 0; c < TEMPLATE_NCOLS; c++) {
    worksheet_write_string(ws, HEADER_ROW, (lxw_col_t)c, template_columns[c].header, f.header);
    widths[c] = template_column_width(t, c);
  }
  for (size_t i = 0; i < t->nrows; i++) {
    const struct template_row *r = &t->rows[i];
    lxw_row_t row = (lxw_row_t)(FIRST_ROW + i);
    const char *ctx[TEMPLATE_COL_STATUS] = {
      r->kpi ? "kpi" : "milestone",
      r->code,
      r->description,
      r->target,
      r->unit,
      r->last_quarter,
      r->last_comment,
    };
    lxw_format *value_format = r->percent ? f.input_percent : f.input;

    for (size_t c = 0; c < TEMPLATE_COL_STATUS; c++)
      worksheet_write_string(ws, row, (lxw_col_t)c, ctx[c] != NULL ? ctx[c] : "",
                             template_columns[c].wrap ? f.context_wrap : f.context);
    worksheet_write_blank(ws, row, TEMPLATE_COL_STATUS, f.input);
    worksheet_write_blank(ws, row, TEMPLATE_COL_VALUE, r->kpi ? value_format : f.absent);
    worksheet_write_blank(ws, row, TEMPLATE_COL_VALUE_TEXT, r->kpi ? f.input_wrap : f.absent);
    worksheet_write_blank(ws, row, TEMPLATE_COL_COMMENT, f.input_wrap);
    if (i + 1 == t->nrows || t->rows[i + 1].kpi != r->kpi) {
      err = validate_status(ws, r->kpi, (lxw_row_t)(FIRST_ROW + run_start), row);
      if (err != LXW_NO_ERROR)
        return err;
      run_start = i + 1;
    }
    if (r->kpi &&
        (i + 1 == t->nrows || !t->rows[i + 1].kpi || t->rows[i + 1].percent != r->percent)) {
      err = validate_value(ws, r->percent, (lxw_row_t)(FIRST_ROW + value_start), row);
      if (err != LXW_NO_ERROR)
        return err;
      value_start = i + 1;
    } else if (!r->kpi) {
      value_start = i + 1;
    }
  }
  for (size_t c = 0; c < TEMPLATE_NCOLS && err == LXW_NO_ERROR; c++)
    err = worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, widths[c], NULL);
  worksheet_freeze_panes(ws, FIRST_ROW, TEMPLATE_COL_DESCRIPTION);
  prot.format_columns = 1; /* widen a column, heighten a row to read a long comment */
  prot.format_rows = 1;
  worksheet_protect(ws, NULL, &prot);
  return err;
}

static enum rb_err
write_workbook(const char *path, const char *dir, const struct template_desc *t, char *why,
               size_t cap)
{
  lxw_workbook_options opt = {
    .constant_memory = LXW_FALSE, .tmpdir = (char *)dir, .use_zip64 = LXW_FALSE};
  lxw_doc_properties props = {0};
  lxw_workbook *wb = workbook_new_opt(path, &opt);
  lxw_worksheet *ws;
  char name[128], title[256];
  lxw_error err;

  if (wb == NULL) {
    snprintf(why, cap, "libxlsxwriter cannot start a workbook in %s", dir);
    return RB_ERR_IO;
  }
  template_sheet_name(t, name);
  snprintf(title, sizeof(title), "Quarterly return %s %s", t->quarter, t->org_code);
  props.title = title;
  props.author = "ragboard";
  props.created = t->created;
  err = workbook_set_properties(wb, &props);
  if (err == LXW_NO_ERROR)
    err = workbook_set_custom_property_string(wb, "ragboard quarter", (char *)t->quarter);
  if (err == LXW_NO_ERROR)
    err = workbook_set_custom_property_string(wb, "ragboard organisation", (char *)t->org_code);
  ws = err == LXW_NO_ERROR ? workbook_add_worksheet(wb, name) : NULL;
  if (ws != NULL)
    err = write_sheet(wb, ws, t);
  else if (err == LXW_NO_ERROR)
    err = LXW_ERROR_SHEETNAME_ALREADY_USED; /* whatever refused the sheet */
  if (err != LXW_NO_ERROR) {
    snprintf(why, cap, "libxlsxwriter: %s", lxw_strerror(err));
    workbook_close(wb); /* frees it; the partial file is removed by the caller */
    return RB_ERR_INTERNAL;
  }
  err = workbook_close(wb);
  if (err != LXW_NO_ERROR) {
    snprintf(why, cap, "libxlsxwriter cannot write the workbook: %s", lxw_strerror(err));
    return RB_ERR_IO;
  }
  return RB_OK;
}

static enum rb_err
read_back(const char *path, char **out, size_t *len, char *why, size_t cap)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  char *buf = NULL;
  size_t got = 0;

  if (fd < 0 || fstat(fd, &st) != 0 || st.st_size <= 0) {
    snprintf(why, cap, "cannot read the workbook back: %s", strerror(errno));
    if (fd >= 0)
      close(fd);
    return RB_ERR_IO;
  }
  buf = malloc((size_t)st.st_size);
  if (buf == NULL) {
    close(fd);
    return RB_ERR_NOMEM;
  }
  while (got < (size_t)st.st_size) {
    ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      snprintf(why, cap, "cannot read the workbook back: %s", n < 0 ? strerror(errno) : "short");
      free(buf);
      close(fd);
      return RB_ERR_IO;
    }
    got += (size_t)n;
  }
  close(fd);
  *out = buf;
  *len = got;
  return RB_OK;
}

enum rb_err
template_xlsx(const struct template_desc *t, const char *tmpdir, char **out, size_t *len, char *why,
              size_t cap)
{
  char dir[512], path[600], *buf = NULL;
  const char *base = tmpdir != NULL ? tmpdir : getenv("TMPDIR");
  size_t n = 0;
  enum rb_err err;

  why[0] = '\0';
  if (base == NULL || base[0] == '\0')
    base = "/tmp";
  if ((size_t)snprintf(dir, sizeof(dir), "%s/ragboard-template.XXXXXX", base) >= sizeof(dir)) {
    snprintf(why, cap, "the temporary directory's name is too long");
    return RB_ERR_IO;
  }
  if (mkdtemp(dir) == NULL) { /* 0700: no one else sees the workbook */
    snprintf(why, cap, "cannot make a directory in %s: %s", base, strerror(errno));
    return RB_ERR_IO;
  }
  snprintf(path, sizeof(path), "%s/template.xlsx", dir);
  err = write_workbook(path, dir, t, why, cap);
  if (err == RB_OK)
    err = read_back(path, &buf, &n, why, cap);
  if (unlink(path) != 0 && errno != ENOENT && err == RB_OK) {
    snprintf(why, cap, "cannot remove %s: %s", path, strerror(errno));
    err = RB_ERR_IO;
  }
  if (rmdir(dir) != 0 && err == RB_OK) {
    snprintf(why, cap, "cannot remove %s: %s", dir, strerror(errno));
    err = RB_ERR_IO;
  }
  if (err != RB_OK) {
    free(buf);
    return err;
  }
  *out = buf;
  *len = n;
  return RB_OK;
}
