/* A partner's return parsed into rows (api_return.c: JSON and the choice
 * of reader; api_return_sheet.c: CSV and XLSX through sheet.h), the rows'
 * codes resolved and checked (api_return_check.c), shared by the
 * submission's precheck and handler (api_submission.c). Private to the
 * handlers. */
#ifndef RAGBOARD_API_RETURN_H
#define RAGBOARD_API_RETURN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "api_ctx.h"
#include "rag.h"
#include "sheet.h"

/* One row of a return, from JSON or a spreadsheet, normalised. Strings
 * borrowed from the parsed document or the sheet. */
struct row {
  bool kpi;
  bool kind_known;        /* kind was milestone or kpi (a JSON row's always is) */
  char where[48];         /* "milestones[3]" or "line[4]": the prefix of error field names */
  long index;             /* JSON: index in its array; -1 for a spreadsheet row */
  long line;              /* spreadsheet: the line or row the partner sees; -1 for JSON */
  const char *kind_cell;  /* spreadsheet: the kind as written; NULL when empty */
  const char *code;       /* as written (a spreadsheet's trimmed) */
  const char *status;     /* milestone status or KPI reported rating; NULL when empty */
  json_t *value;          /* owned: the number, or NULL */
  const char *value_cell; /* spreadsheet: the value as written, parsed once the KPI is
                             known (a percent KPI takes "95.5%"); NULL when empty */
  const char *value_text;
  const char *comment;
  const char *month; /* a monthly KPI's month as written; NULL: the quarter's reading */
  char month_key[8]; /* the month read, "YYYY-MM", once checked */
  bool resolved;     /* the code named an item (id, canon, owner, percent) */
  int64_t id;
  char canon[STORE_CODE_LEN]; /* the code as stored */
  char owner[STORE_CODE_LEN];
  bool percent;
  bool monthly; /* the KPI takes monthly values */
  bool blank;   /* spreadsheet: nothing in status, value, value_text and comment (a
                   template row as downloaded): its item is checked, nothing written */
  enum rag_status parsed;
};

/* A return parsed and checked by the precheck (api_submission_precheck,
 * on the writer's checker thread), for the handler under the writer. */
struct parsed_return {
  json_t *doc;                  /* the JSON body: rows borrow from it */
  struct sheet *sheet;          /* or the spreadsheet: rows borrow from it */
  struct sheet_numbers numbers; /* the spreadsheet's rules for commas in values */
  /* The spreadsheet's header cells as written, per field (NULL: no such
   * column): errors name the column as the partner sees it. */
  const char *column[SHEET_FIELD__COUNT];
  struct row *rows;
  size_t n;
  /* Spreadsheet rows with nothing in the return's columns (status, value,
   * value_text, comment) though they name an item: skipped, never checked
   * or written, counted per kind as written (0 milestones, 1 KPIs'
   * readings, 2 monthly values; a row of another kind in none). */
  size_t skipped[3];
  json_t *notes; /* how the return was read: the answer's "notes" (strings) */
  json_t *codes; /* the plan year's codes, loaded for the first "did you mean" */
};

/* The body's rows: JSON, CSV (comma, semicolon or tab; UTF-8, UTF-16 or
 * Windows-1252) or XLSX, by its content type and first bytes (a zip is an
 * XLSX whatever its type says). The shape of each row is checked: problems
 * are noted as row errors. 415 for a type that is none of those. */
enum rb_err api_return_parse(struct api_ctx *c, struct parsed_return *pr);
/* Free a parsed return (void * so it can be a precheck's free callback);
 * NULL is a no-op. */
void api_return_free(void *pr);

/* Note a problem with row r's field, for the problem's errors[]: field
 * "<where>.<field>", the line (or index) and kind, and for a spreadsheet
 * row the column's header as written and the value as written (value may
 * be NULL), what was expected (NULL: nothing to add) and a suggestion
 * (NULL: none). The message is one sentence naming all of it. */
void api_return_problem(struct api_ctx *c, const struct parsed_return *pr, const struct row *r,
                        enum sheet_field field, const char *value, const char *expected,
                        const char *suggestion, const char *fmt, ...)
  __attribute__((format(printf, 8, 9)));
/* The same for a JSON member that is no column of a spreadsheet ("$"). */
void api_return_row_error(struct api_ctx *c, const struct row *r, const char *field,
                          const char *msg);
/* Put c->errors in line (or index) order, keeping the order of a line's
 * own errors. */
void api_return_sort_errors(struct api_ctx *c);

/* The spreadsheet readers (api_return_sheet.c): the body as a CSV
 * (xlsx false) or XLSX into pr's rows. */
enum rb_err api_return_sheet(struct api_ctx *c, struct parsed_return *pr, bool xlsx);

/* api_return_check.c: resolve every row's code in plan year `year` and
 * check what a concurrent write can change (the item, its owner); with
 * shapes (the first check), also repeats, statuses and values, which it
 * cannot. Every problem is noted; a storage failure is returned. */
enum rb_err api_return_check_rows(struct api_ctx *c, struct parsed_return *pr, const char *year,
                                  bool shapes);

#endif
