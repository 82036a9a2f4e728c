/* A spreadsheet as a partner sends it, reduced to what a quarterly return
 * needs: rows of UTF-8 text cells, each row with the line (CSV) or row
 * number (XLSX) the partner sees, and notes saying how the file was read.
 * Readers turn a CSV or an XLSX body into this table; the header finder
 * and the number rules below work on it. Pure: no I/O, no globals (the
 * XLSX reader unpacks the zip in memory).
 *
 * Cells are trimmed of surrounding white space (space, tab, CR, LF and the
 * no-break space U+00A0); rows whose cells are all empty are left out (their
 * line numbers are not reused, so errors still name the line as the partner
 * sees it). A row's cells past its last one read as "" (sheet_cell).
 *
 * Errors: RB_ERR_BAD_REQUEST for a file that cannot be read (not CSV or
 * XLSX, damaged, encrypted, a DOCTYPE, an encoding that is neither UTF-8
 * nor Windows-1252), RB_ERR_TOO_LARGE past one of the limits,
 * RB_ERR_INVALID for a readable table that is not a return (no header row,
 * an unknown column, a value that is not a number), RB_ERR_NOMEM. With
 * each, a struct sheet_problem says what, where, and what to do. */
#ifndef RAGBOARD_SHEET_H
#define RAGBOARD_SHEET_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* ---- the table ------------------------------------------------------------ */

#define SHEET_MAX_NOTES 8

struct sheet_row {
  size_t line;        /* 1-based: the CSV line where the record starts, or the XLSX row */
  size_t ncells;      /* cells[0..ncells): column A is cells[0] */
  const char **cells; /* NUL-terminated UTF-8, trimmed; owned by the sheet */
};

struct sheet_arena;

struct sheet {
  struct sheet_row *rows; /* in file order, lines strictly increasing */
  size_t nrows;
  char delimiter; /* ',', ';' or '\t' for CSV; 0 for XLSX */
  /* How the file was read, for the answer: "read as Windows-1252 (the
   * file is not UTF-8)", "delimiter ';'", "decimal comma", ... */
  const char *notes[SHEET_MAX_NOTES];
  size_t nnotes;
  struct sheet_arena *arena; /* owns every string above */
};

void sheet_free(struct sheet *s); /* NULL is a no-op */
/* Cell col (0-based) of row r; "" past the row's last cell. */
const char *sheet_cell(const struct sheet_row *r, size_t col);
/* Column letters as a spreadsheet shows them: 0 -> "A", 27 -> "AB". */
void sheet_column_name(size_t col, char out[8]);

/* Why a file, a row or a cell was refused. line is 0 when the problem is
 * not about one line. text is one sentence a partner can act on, quoting
 * what they wrote. */
struct sheet_problem {
  size_t line;
  char text[384];
};

/* ---- limits --------------------------------------------------------------
 * Hostile files fail with RB_ERR_TOO_LARGE within these bounds; nothing is
 * allocated in proportion to what a file claims, only to what was read. */
struct sheet_limits {
  size_t max_input;        /* bytes of the file as received (the caller's body limit) */
  size_t max_member;       /* XLSX: uncompressed bytes of any one zip member read */
  size_t max_uncompressed; /* XLSX: uncompressed bytes of all members read together */
  size_t max_cells;        /* cells, counting the empty ones that fill gaps */
  size_t max_strings;      /* XLSX: entries in the shared strings table */
  unsigned max_depth;      /* XLSX: nesting of XML elements */
};

#define SHEET_MAX_COLUMNS 16384     /* Excel's last column, XFD */
#define SHEET_MAX_ROW 1048576       /* Excel's last row */
#define SHEET_MAX_CELL_BYTES 131072 /* Excel holds 32,767 characters in a cell */
#define SHEET_MAX_TEXT_BYTES \
  ((size_t)64 << 20) /* all cells' text, shared strings counted per use */
#define SHEET_MAX_ZIP_ENTRIES 10000

/* 1 MiB in (the server's default body limit), 32 MiB out per member and
 * 64 MiB in all: a return of 10,000 rows is under 3 MiB of sheet XML. */
#define SHEET_LIMITS_DEFAULT                                                  \
  {                                                                           \
    (size_t)1 << 20, (size_t)32 << 20, (size_t)64 << 20, 1000000, 1000000, 64 \
  }

/* ---- readers ---------------------------------------------------------------
 * On RB_OK *out is a new sheet (sheet_free it); otherwise *why says what
 * is wrong and *out is untouched. */

/* CSV (or Excel's "Unicode Text"), decoded and split:
 * - Encoding: a UTF-16 byte order mark means UTF-16 (Excel's "Unicode
 *   Text"); a UTF-8 one is skipped and the rest must be UTF-8; otherwise
 *   UTF-8 when the whole file is valid UTF-8, else Windows-1252 when every
 *   byte maps to a character there (0x81, 0x8D, 0x8F, 0x90 and 0x9D do not),
 *   with a note; else an error naming the first line that is not UTF-8.
 * - Delimiter: the header row is the first of the first 20 records that,
 *   split at the delimiter, has cells "kind" and "code" (any case, trimmed);
 *   comma, semicolon and tab are tried and the one giving the earliest such
 *   row wins (a row cannot split into those cells at two delimiters). No
 *   such row: an error showing line 1 and the names expected.
 * - Records end at LF, CRLF or a lone CR (old Mac files); a quoted cell may
 *   hold delimiters, line breaks (CRLF in a cell becomes LF) and doubled
 *   quotes; a quote inside an unquoted cell is an ordinary character (as
 *   spreadsheets read it); text after a closing quote is an error. */
enum rb_err sheet_read_csv(const char *data, size_t len, const struct sheet_limits *lim,
                           struct sheet **out, struct sheet_problem *why);

/* XLSX (Office Open XML workbook): the first visible worksheet that
 * xl/workbook.xml lists (a note names it when there are several). Cells
 * placed by their references (A1, AB12), gaps filled with ""; shared
 * strings (rich text runs joined, phonetic runs left out), inline strings,
 * booleans (TRUE/FALSE), error values as shown (#N/A), formulas by their
 * cached value, numbers as Excel shows them (sheet_format_number), with
 * "%" when the cell's format is a percentage (built-in 9 and 10, or a custom
 * code with a % outside quotes and escapes: the number x 100, every digit
 * of it whatever the format shows, so 0.955 shown as 96% is read as
 * "95.5%"), and as YYYY-MM-DD when its format shows a date (the
 * return's month column: "Jul 2018" typed into Excel is stored as the
 * serial of 2018-07-01; the 1904 date system is not read). Refused: an .xls or encrypted workbook
 * (an OLE2 file), an OpenDocument spreadsheet, a damaged zip, encrypted members, compression other
 * than stored or deflated, a DOCTYPE in any XML part (no entity is ever expanded), XML nested
 * deeper than max_depth, and anything over the limits. */
enum rb_err sheet_read_xlsx(const char *data, size_t len, const struct sheet_limits *lim,
                            struct sheet **out, struct sheet_problem *why);

/* A number as Excel shows it in a General cell: the shortest decimal of
 * at most 15 significant digits that reads back as v, else v rounded to 15
 * digits (so 95.49999999999999 is "95.5", as on screen); plain decimals
 * from 1e-9 up to 1e15 ("0.00001", "1234"), exponent form beyond; -0 is
 * "0". NaN and infinities give "". */
void sheet_format_number(double v, char out[32]);

/* ---- the header row ------------------------------------------------------- */

/* The columns of a return, named as the returns endpoint reads them. KPI
 * rows carry their reported rating in "status". */
enum sheet_field {
  SHEET_KIND,
  SHEET_CODE,
  SHEET_STATUS,
  SHEET_VALUE,
  SHEET_VALUE_TEXT,
  SHEET_COMMENT,
  SHEET_MONTH, /* a monthly KPI's month (YYYY-MM): the row is that month's value */
  SHEET_FIELD__COUNT
};

/* "kind", "code", ... */
const char *sheet_field_name(enum sheet_field f);

/* Columns of the template that are there to read, not to fill in: a file
 * may keep them and nothing in them is read. Matched as the fields are
 * (any case, trimmed): description, target, unit, last quarter,
 * last comment. */
bool sheet_is_context_column(const char *header);

struct sheet_header {
  size_t row;                      /* index in sheet->rows; data rows follow it */
  long column[SHEET_FIELD__COUNT]; /* 0-based column of each field, -1 when absent */
};

/* The header row: the first of the first 20 rows with cells "kind" and
 * "code" (any case, trimmed). Every other non-empty header must be a field
 * or a context column: an unknown one is an error (with "did you mean"
 * when a field is one or two letters away), so a misspelt "comments"
 * column is never dropped in silence; so is a field named twice. A column
 * with no header is an error only if a row below has something in it.
 * kind and code are required; the rest may be absent. */
enum rb_err sheet_find_header(const struct sheet *s, struct sheet_header *out,
                              struct sheet_problem *why);

/* ---- numbers in value cells ------------------------------------------------
 * What a value cell may hold, trimmed:
 *   95.5   -3   1e-3   +2       plain decimals (point), exponents allowed
 *   1,234  1,234,567.5          thousands commas: groups of exactly three
 *   95.5%                       only for a KPI measured in percent (read as 95.5),
 *                               the % right after the number; an XLSX cell
 *                               with a percent format reads so (0.955 is
 *                               "95.5%"), so for another KPI it is refused
 *                               too: neither x 100 nor the stored number is
 *                               guessed
 *   95,5                        only in a file that uses decimal commas
 *                               throughout (see sheet_numbers_decide)
 * Nothing else: no currency signs, spaces inside, "(5)" negatives, "95.5 %".
 * Magnitude at most 1e15; the value is rounded to 15 significant digits. */
struct sheet_numbers {
  bool decimal_comma;   /* "95,5" is 95.5 */
  bool thousands_comma; /* "1,234" is 1234 */
  /* Why a comma that would be one of those is neither here (for the error
   * such a value gets); "" when no value of the file needed one. */
  char refused[320];
};

/* Decide, once per file, what commas in the value column (the rows after
 * header->row) mean.
 * - In a comma-separated CSV and in XLSX (which stores numbers as numbers),
 *   a comma only separates thousands; "95,5" is refused: write decimals with
 *   a point.
 * - In a CSV separated by semicolons or tabs (what Excel writes where the
 *   decimal separator is a comma), the values show which it is:
 *     decimal-comma evidence: digits,digits that cannot be thousands
 *       (95,5  0,125  1234,5  — not 1,234);
 *     point evidence: a number with a decimal point (96.2, 1,234.5) or
 *       more than one thousands comma (1,234,567).
 *   Only decimal-comma evidence: commas are decimal commas, and a note
 *   "decimal comma" says so. Only point evidence: commas separate thousands.
 *   Both: the file mixes styles, and every value with a comma is refused,
 *   quoting one example of each. Neither, but values like 1,234: nothing
 *   shows whether that is 1234 or 1.234, so they are refused (never a
 *   guess). */
void sheet_numbers_decide(struct sheet *s, const struct sheet_header *h, size_t column,
                          struct sheet_numbers *out);

/* Parse one trimmed value cell by those rules. percent: the KPI is
 * measured in percent, so "95.5%" is accepted. On false, why->text is e.g.
 * "\"95.5 %\" is not a number: expected e.g. 95.5 or 95.5%" (the caller
 * sets why->line). */
bool sheet_parse_number(const struct sheet_numbers *conv, const char *text, bool percent,
                        double *out, struct sheet_problem *why);

#endif
