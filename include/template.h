/* A quarterly return's template for one organisation and quarter, as an
 * XLSX workbook (libxlsxwriter) or a CSV: one row per item the organisation
 * owns, with what it needs to know beside the cells it fills in.
 *
 * Columns, in this order (the names are those the returns endpoint reads,
 * so a filled template uploads as it is; sheet.h's header finder ignores
 * the context columns):
 *   kind, code            context (locked), and read back
 *   description, target, unit, last quarter, last comment
 *                         context (locked), ignored when read back
 *   status, value, value_text, comment
 *                         to fill in (unlocked where they apply: a
 *                         milestone has no value or value_text)
 * A KPI's reported rating goes in "status", as the returns endpoint reads it.
 *
 * The XLSX has one sheet named after the quarter and organisation, a
 * title row and a line of instructions above the header row (frozen with
 * the kind and code columns), sheet protection without a password (the
 * fill-in cells unlocked; columns and rows may be resized), a drop-down
 * list on status (BR, B, G, A, R, TBC for a milestone; G, A, R, TBC for a
 * KPI) whose input prompt gives each code's meaning from rag.h's legend
 * (BR: not due to start; B: complete; ...), decimal validation on a
 * KPI's value, and column widths that fit. A KPI measured in percent
 * has its value cell formatted as a percentage (0.0##%): what a partner
 * types there, 95.5 or 95.5%, a spreadsheet stores as 0.955 shown as
 * 95.5%, which sheet.h's reader takes as 95.5 (a percent cell's number
 * x 100), so the value uploaded is what the cell shows. Other KPIs' value
 * cells have the General format: a number reads as typed. */
#ifndef RAGBOARD_TEMPLATE_H
#define RAGBOARD_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "error.h"

struct template_row {
  bool kpi;
  const char *code;
  const char *description;
  const char *target;       /* as printed: "95%", "less than 8 weeks"; NULL for none */
  const char *unit;         /* "%", "weeks", ...; NULL for none */
  bool percent;             /* the KPI is measured in percent: "95.5%" is accepted */
  const char *last_quarter; /* last quarter's status or value as printed; NULL for none */
  const char *last_comment; /* NULL for none */
};

struct template_desc {
  const char *quarter;            /* "2018-19-Q1" */
  const char *quarter_words;      /* "Quarter 1 2018/19" */
  const char *last_quarter_words; /* "Quarter 4 2017/18", for the instructions; may be NULL */
  const char *org_code;           /* "RDASH" */
  const char *org_name;           /* "Rotherham Doncaster and South Humber NHS FT" */
  const struct template_row *rows;
  size_t nrows;
  time_t created; /* the workbook's creation time; 0 for now */
};

/* The XLSX workbook in a new buffer (*out, *len; the caller frees it).
 * libxlsxwriter 1.1.4 (Debian 12) cannot write to memory, so the workbook
 * is written to a private directory made with mkdtemp under tmpdir (NULL:
 * $TMPDIR, else /tmp), read back, and removed before returning, whatever
 * happens. RB_ERR_IO (with why) when that fails; RB_ERR_NOMEM. */
enum rb_err template_xlsx(const struct template_desc *t, const char *tmpdir, char **out,
                          size_t *len, char *why, size_t cap);

/* The same columns as CSV (comma separated, CRLF, UTF-8 with a byte order
 * mark so that Excel shows accents, cells a spreadsheet would run as a
 * formula neutralised by csv.c): the header row first, no title row. */
enum rb_err template_csv(const struct template_desc *t, char **out, size_t *len);

/* The sheet's name: "<quarter> <org_code>", characters a sheet name cannot
 * hold ([ ] : * ? / \) replaced by '-', cut to 31 characters. */
void template_sheet_name(const struct template_desc *t, char out[128]);

#endif
