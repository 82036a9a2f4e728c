/* XLSX: the zip container (libzip) and the XML parts that say which
 * worksheet to read and how its numbers are formatted. Only the members
 * named by the workbook are read; each is streamed through expat under the
 * limits (sheet_xml.c), never held whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sheet_xlsx_int.h"

#define MAX_TARGET 256
#define MAX_XF 65536

/* ---- workbook, relationships, styles ------------------------------------------ */

struct workbook_state {
  size_t sheets;
  char first_name[128], first_rid[128]; /* the first visible sheet */
  bool first_visible_later;             /* a hidden sheet came before it */
};

static void
workbook_start(struct xml_run *r, const char *name, const char **atts)
{
  struct workbook_state *w = r->state;
  const char *state, *sheet_name, *rid;

  if (r->depth == 1 && strcmp(name, "workbook") != 0)
    xml_fail(r, RB_ERR_BAD_REQUEST, 0, "xl/workbook.xml is not a workbook (it holds <%.40s>)",
             name);
  if (strcmp(name, "sheet") != 0)
    return;
  w->sheets++;
  state = xml_attr(atts, "state");
  sheet_name = xml_attr(atts, "name");
  rid = xml_attr(atts, "id");
  if (w->first_rid[0] != '\0' || rid == NULL)
    return;
  if (state != NULL && (strcmp(state, "hidden") == 0 || strcmp(state, "veryHidden") == 0)) {
    w->first_visible_later = true;
    return;
  }
  snprintf(w->first_name, sizeof(w->first_name), "%s", sheet_name != NULL ? sheet_name : "");
  snprintf(w->first_rid, sizeof(w->first_rid), "%s", rid);
}

struct rels_state {
  const char *want_rid;
  char sheet[MAX_TARGET], strings[MAX_TARGET], styles[MAX_TARGET];
};

static bool
ends_with(const char *s, const char *suffix)
{
  size_t n = strlen(s), m = strlen(suffix);

  return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A relationship's target as a member name: relative to xl/, or absolute. */
static void
resolve_target(char out[MAX_TARGET], const char *target)
{
  if (strstr(target, "..") != NULL || strlen(target) + 4 >= MAX_TARGET)
    return; /* not a member ragboard reads; the fallback name is kept */
  if (target[0] == '/')
    snprintf(out, MAX_TARGET, "%s", target + 1);
  else
    snprintf(out, MAX_TARGET, "xl/%s", strncmp(target, "./", 2) == 0 ? target + 2 : target);
}

static void
rels_start(struct xml_run *r, const char *name, const char **atts)
{
  struct rels_state *rs = r->state;
  const char *id = xml_attr(atts, "Id"), *type = xml_attr(atts, "Type"),
             *target = xml_attr(atts, "Target"), *mode = xml_attr(atts, "TargetMode");

  if (strcmp(name, "Relationship") != 0 || type == NULL || target == NULL ||
      (mode != NULL && strcmp(mode, "External") == 0))
    return;
  if (id != NULL && rs->want_rid != NULL && strcmp(id, rs->want_rid) == 0)
    resolve_target(rs->sheet, target);
  else if (ends_with(type, "/sharedStrings"))
    resolve_target(rs->strings, target);
  else if (ends_with(type, "/styles"))
    resolve_target(rs->styles, target);
}

struct styles_state {
  bool in_cell_xfs;
  unsigned *percent_fmts; /* custom number formats showing a percentage */
  size_t npercent;
  unsigned *date_fmts; /* custom number formats showing a date */
  size_t ndate;
  unsigned *xf_fmt; /* number format of each cell format */
  size_t nxf;
};

/* Whether an Excel format code shows one of these characters (a % for a
 * percentage; d or y for a date) outside quoted text, [colour] sections
 * and \-escapes. */
static bool
format_shows(const char *code, const char *chars)
{
  bool quoted = false;

  for (const char *c = code; *c != '\0'; c++) {
    if (*c == '"')
      quoted = !quoted;
    else if (!quoted && *c == '\\' && c[1] != '\0')
      c++;
    else if (!quoted && *c == '[' && strchr(c, ']') != NULL)
      c = strchr(c, ']');
    else if (!quoted && strchr(chars, *c) != NULL)
      return true;
  }
  return false;
}

/* Note a custom format's id in list (*list made on first use). */
static void
keep_format(struct xml_run *r, unsigned **list, size_t *n, const char *id)
{
  if (*n >= MAX_XF) {
    xml_fail(r, RB_ERR_TOO_LARGE, 0, "%s defines more than %d number formats", r->member, MAX_XF);
    return;
  }
  if (*list == NULL && (*list = malloc(MAX_XF * sizeof(unsigned))) == NULL) {
    xml_fail(r, RB_ERR_NOMEM, 0, "out of memory");
    return;
  }
  (*list)[(*n)++] = (unsigned)strtoul(id, NULL, 10);
}

static void
styles_start(struct xml_run *r, const char *name, const char **atts)
{
  struct styles_state *st = r->state;
  const char *id = xml_attr(atts, "numFmtId");

  if (strcmp(name, "cellXfs") == 0) {
    st->in_cell_xfs = true;
  } else if (strcmp(name, "numFmt") == 0 && id != NULL) {
    const char *code = xml_attr(atts, "formatCode");

    if (code != NULL && format_shows(code, "%"))
      keep_format(r, &st->percent_fmts, &st->npercent, id);
    else if (code != NULL && format_shows(code, "dDyY"))
      keep_format(r, &st->date_fmts, &st->ndate, id);
  } else if (strcmp(name, "xf") == 0 && st->in_cell_xfs) {
    if (st->nxf >= MAX_XF) {
      xml_fail(r, RB_ERR_TOO_LARGE, 0, "%s defines more than %d cell formats", r->member, MAX_XF);
      return;
    }
    if (st->xf_fmt == NULL && (st->xf_fmt = malloc(MAX_XF * sizeof(unsigned))) == NULL) {
      xml_fail(r, RB_ERR_NOMEM, 0, "out of memory");
      return;
    }
    st->xf_fmt[st->nxf++] = id != NULL ? (unsigned)strtoul(id, NULL, 10) : 0;
  }
}

static void
styles_end(struct xml_run *r, const char *name)
{
  if (strcmp(name, "cellXfs") == 0)
    ((struct styles_state *)r->state)->in_cell_xfs = false;
}

static enum rb_err
read_styles(struct xlsx *x, const char *member)
{
  struct styles_state st = {false, NULL, 0, NULL, 0, NULL, 0};
  struct xml_run r = {.start = styles_start, .end = styles_end, .state = &st};
  bool found;
  enum rb_err err = xml_parse_member(x, member, &r, &found);

  if (err == RB_OK && st.nxf > 0) {
    x->xf_percent = calloc(st.nxf, sizeof(bool));
    x->xf_date = calloc(st.nxf, sizeof(bool));
    if (x->xf_percent == NULL || x->xf_date == NULL)
      err = RB_ERR_NOMEM;
    for (size_t i = 0; err == RB_OK && i < st.nxf; i++) {
      unsigned f = st.xf_fmt[i];

      x->xf_percent[i] = f == 9 || f == 10; /* built in: 0% and 0.00% */
      for (size_t k = 0; k < st.npercent && !x->xf_percent[i]; k++)
        x->xf_percent[i] = st.percent_fmts[k] == f;
      /* built in: 14-17 and 22 show dates (m/d/yyyy, d-mmm-yy, d-mmm, mmm-yy) */
      x->xf_date[i] = (f >= 14 && f <= 17) || f == 22;
      for (size_t k = 0; k < st.ndate && !x->xf_date[i]; k++)
        x->xf_date[i] = st.date_fmts[k] == f;
    }
    x->nxf = err == RB_OK ? st.nxf : 0;
  }
  free(st.percent_fmts);
  free(st.date_fmts);
  free(st.xf_fmt);
  return err;
}

/* ---- the reader --------------------------------------------------------------- */

static enum rb_err
not_xlsx(struct xlsx *x)
{
  bool found = false;

  if (zip_name_locate(x->za, "content.xml", 0) >= 0 && zip_name_locate(x->za, "mimetype", 0) >= 0)
    found = true;
  sheet_fail(x->why, 0,
             found ? "this is an OpenDocument spreadsheet (.ods), not an XLSX workbook: save it "
                     "as .xlsx (Excel 2007-365) or as CSV UTF-8"
                   : "this zip file is not an XLSX workbook (it has no xl/workbook.xml)");
  return RB_ERR_BAD_REQUEST;
}

static enum rb_err
open_zip(struct xlsx *x, const char *data, size_t len)
{
  zip_error_t ze;
  zip_source_t *src;
  zip_int64_t entries;
  int code;

  if (len >= 8 && memcmp(data, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0) {
    sheet_fail(x->why, 0,
               "this is a password-protected workbook or an Excel 97-2003 .xls file: save it "
               "as .xlsx without a password, or as CSV UTF-8");
    return RB_ERR_BAD_REQUEST;
  }
  zip_error_init(&ze);
  src = zip_source_buffer_create(data, len, 0, &ze);
  if (src == NULL) {
    zip_error_fini(&ze);
    return RB_ERR_NOMEM;
  }
  x->za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
  code = zip_error_code_zip(&ze);
  zip_error_fini(&ze);
  if (x->za == NULL) {
    zip_source_free(src);
    if (code == ZIP_ER_MEMORY)
      return RB_ERR_NOMEM;
    if (code == ZIP_ER_NOZIP || len < 4 || memcmp(data, "PK", 2) != 0)
      sheet_fail(x->why, 0, "this is not an XLSX workbook (not a zip file)");
    else {
      char words[128];

      xlsx_zip_words(code, words, sizeof(words));
      sheet_fail(x->why, 0, "the workbook is damaged: its zip container cannot be read (%s)",
                 words);
    }
    return RB_ERR_BAD_REQUEST;
  }
  entries = zip_get_num_entries(x->za, 0);
  if (entries > SHEET_MAX_ZIP_ENTRIES) {
    sheet_fail(x->why, 0, "the workbook holds more than %d files", SHEET_MAX_ZIP_ENTRIES);
    return RB_ERR_TOO_LARGE;
  }
  return RB_OK;
}

enum rb_err
sheet_read_xlsx(const char *data, size_t len, const struct sheet_limits *lim, struct sheet **out,
                struct sheet_problem *why)
{
  struct xlsx x = {.lim = lim, .why = why};
  struct workbook_state wb = {0};
  struct rels_state rels = {NULL, "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml",
                            "xl/styles.xml"};
  struct xml_run r = {.start = workbook_start, .state = &wb};
  enum rb_err err;
  bool found;

  if (len > lim->max_input) {
    sheet_fail(why, 0, "the file is larger than %zu bytes", lim->max_input);
    return RB_ERR_TOO_LARGE;
  }
  if ((x.s = sheet_new()) == NULL)
    return RB_ERR_NOMEM;
  if ((err = open_zip(&x, data, len)) != RB_OK)
    goto out;
  if ((err = xml_parse_member(&x, "xl/workbook.xml", &r, &found)) != RB_OK)
    goto out;
  if (!found) {
    err = not_xlsx(&x);
    goto out;
  }
  if (wb.first_rid[0] == '\0') {
    sheet_fail(why, 0, "the workbook has no visible worksheet");
    err = RB_ERR_INVALID;
    goto out;
  }
  rels.want_rid = wb.first_rid;
  rels.sheet[0] = '\0';
  r = (struct xml_run){.start = rels_start, .state = &rels};
  if ((err = xml_parse_member(&x, "xl/_rels/workbook.xml.rels", &r, &found)) != RB_OK)
    goto out;
  if (!found) { /* no relationships: the names every writer uses */
    snprintf(rels.sheet, sizeof(rels.sheet), "xl/worksheets/sheet1.xml");
  } else if (rels.sheet[0] == '\0') {
    sheet_fail(why, 0, "xl/_rels/workbook.xml.rels does not say where the sheet \"%s\" is",
               wb.first_name);
    err = RB_ERR_BAD_REQUEST;
    goto out;
  }
  if ((err = read_styles(&x, rels.styles)) != RB_OK)
    goto out;
  if ((err = xlsx_read_shared_strings(&x, rels.strings)) != RB_OK)
    goto out;
  if (wb.sheets > 1)
    sheet_note(x.s, "read the %s sheet, \"%s\" (the workbook has %zu sheets)",
               wb.first_visible_later ? "first visible" : "first", wb.first_name, wb.sheets);
  err = xlsx_read_worksheet(&x, rels.sheet);
out:
  if (x.za != NULL)
    zip_discard(x.za);
  free(x.sst);
  free(x.sst_len);
  free(x.xf_percent);
  free(x.xf_date);
  if (err != RB_OK) {
    sheet_free(x.s);
    return err;
  }
  *out = x.s;
  return RB_OK;
}
