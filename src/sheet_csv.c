/* CSV as spreadsheets write it: the encoding, the delimiter, the records
 * (rules in sheet.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sheet_int.h"

#define HEADER_SCAN_RECORDS 20

/* ---- encodings ---------------------------------------------------------------- */

/* Offset of the first byte that is not part of well-formed UTF-8 (no
 * overlongs, surrogates or code points past U+10FFFF), or len. */
static size_t
utf8_bad_at(const unsigned char *s, size_t len)
{
  size_t i = 0;

  while (i < len) {
    unsigned char c = s[i];
    size_t n;
    uint32_t cp;

    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF)
      n = 1, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
      n = 2, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
      n = 3, cp = c & 0x07;
    else
      return i;
    if (len - i <= n)
      return i;
    for (size_t k = 1; k <= n; k++) {
      if ((s[i + k] & 0xC0) != 0x80)
        return i;
      cp = cp << 6 | (s[i + k] & 0x3F);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
      return i;
    i += n + 1;
  }
  return len;
}

/* The 1-based line of offset off (LF, CRLF and a lone CR end a line). */
static size_t
line_at(const char *s, size_t off)
{
  size_t line = 1;

  for (size_t i = 0; i < off; i++)
    if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= off || s[i + 1] != '\n')))
      line++;
  return line;
}

/* Windows-1252's 0x80..0x9F; 0 where it has no character. */
static const uint16_t cp1252_high[32] = {
  0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
  0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
  0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

static size_t
put_utf8(char *o, uint32_t cp)
{
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | cp >> 6);
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | cp >> 12);
    o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | cp >> 18);
  o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
  o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

static enum rb_err
from_utf16(const unsigned char *d, size_t len, bool big, char **text, size_t *tlen,
           struct sheet_problem *why)
{
  char *o = malloc(len / 2 * 3 + 1);
  size_t k = 0, line = 1;

  if (o == NULL)
    return RB_ERR_NOMEM;
  for (size_t i = 2; i < len; i += 2) {
    uint32_t u, lo;

    if (i + 1 >= len)
      goto bad;
    u = big ? (uint32_t)(d[i] << 8 | d[i + 1]) : (uint32_t)(d[i + 1] << 8 | d[i]);
    if (u >= 0xDC00 && u <= 0xDFFF)
      goto bad;
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (i + 3 >= len)
        goto bad;
      lo = big ? (uint32_t)(d[i + 2] << 8 | d[i + 3]) : (uint32_t)(d[i + 3] << 8 | d[i + 2]);
      if (lo < 0xDC00 || lo > 0xDFFF)
        goto bad;
      u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
      i += 2;
    }
    if (u == 0) {
      free(o);
      sheet_fail(why, line, "line %zu holds a NUL character: this is not a text file", line);
      return RB_ERR_BAD_REQUEST;
    }
    if (u == '\n' || (u == '\r' && !(i + 3 < len && (big ? d[i + 2] == 0 && d[i + 3] == '\n'
                                                         : d[i + 3] == 0 && d[i + 2] == '\n'))))
      line++;
    k += put_utf8(o + k, u);
  }
  o[k] = '\0';
  *text = o;
  *tlen = k;
  return RB_OK;
bad:
  free(o);
  sheet_fail(why, line,
             "line %zu is not valid UTF-16, although the file starts with a UTF-16 byte order "
             "mark: save it again as \"CSV UTF-8\"",
             line);
  return RB_ERR_BAD_REQUEST;
}

/* The file as UTF-8 text: *text is data itself (*own NULL) or a new
 * buffer (*own, to free). */
static enum rb_err
decode(struct sheet *s, const char *data, size_t len, const char **text, size_t *tlen, char **own,
       struct sheet_problem *why)
{
  const unsigned char *d = (const unsigned char *)data;
  const char *nul;
  size_t bad, bad1252 = len, k = 0;
  char *o;

  *own = NULL;
  if (len >= 2 && ((d[0] == 0xFF && d[1] == 0xFE) || (d[0] == 0xFE && d[1] == 0xFF))) {
    enum rb_err err = from_utf16(d, len, d[0] == 0xFE, own, tlen, why);

    if (err == RB_OK) {
      *text = *own;
      sheet_note(s, "read as UTF-16 (Excel's \"Unicode Text\")");
    }
    return err;
  }
  if ((nul = memchr(data, '\0', len)) != NULL) {
    if (len >= 4 && memcmp(data, "PK\3\4", 4) == 0)
      sheet_fail(why, 0, "this is a zip file (an XLSX workbook?), not a CSV: upload it as XLSX");
    else if (len >= 4 && memcmp(data, "\xD0\xCF\x11\xE0", 4) == 0)
      sheet_fail(why, 0,
                 "this is an Excel 97-2003 workbook (.xls), not a CSV: save it as \"CSV UTF-8\" "
                 "or as .xlsx");
    else
      sheet_fail(why, line_at(data, (size_t)(nul - data)),
                 "line %zu holds a NUL byte: this is not a text file",
                 line_at(data, (size_t)(nul - data)));
    return RB_ERR_BAD_REQUEST;
  }
  if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
    bad = 3 + utf8_bad_at(d + 3, len - 3);
    if (bad < len) {
      sheet_fail(why, line_at(data, bad),
                 "line %zu is not valid UTF-8 (byte 0x%02X), although the file starts with a "
                 "UTF-8 byte order mark: save it again as \"CSV UTF-8\"",
                 line_at(data, bad), d[bad]);
      return RB_ERR_BAD_REQUEST;
    }
    *text = data + 3;
    *tlen = len - 3;
    return RB_OK;
  }
  bad = utf8_bad_at(d, len);
  if (bad == len) {
    *text = data;
    *tlen = len;
    return RB_OK;
  }
  for (size_t i = 0; i < len && bad1252 == len; i++)
    if (d[i] >= 0x80 && d[i] <= 0x9F && cp1252_high[d[i] - 0x80] == 0)
      bad1252 = i;
  if (bad1252 < len) {
    sheet_fail(why, line_at(data, bad),
               "line %zu is not UTF-8 (byte 0x%02X), and the file is not Windows-1252 either "
               "(byte 0x%02X on line %zu is no character there): save it as \"CSV UTF-8\"",
               line_at(data, bad), d[bad], d[bad1252], line_at(data, bad1252));
    return RB_ERR_BAD_REQUEST;
  }
  if (len > (SIZE_MAX - 1) / 3 || (o = malloc(len * 3 + 1)) == NULL)
    return RB_ERR_NOMEM;
  for (size_t i = 0; i < len; i++)
    k += put_utf8(o + k, d[i] < 0x80 ? d[i] : d[i] < 0xA0 ? cp1252_high[d[i] - 0x80] : d[i]);
  o[k] = '\0';
  *own = o;
  *text = o;
  *tlen = k;
  sheet_note(s, "read as Windows-1252: the file is not UTF-8 (line %zu has byte 0x%02X)",
             line_at(data, bad), d[bad]);
  return RB_OK;
}

/* ---- records ------------------------------------------------------------------ */

struct lexer {
  const char *p;
  size_t len, pos, line;
  char delim;
  char *buf; /* the record's cells, one after another */
  size_t blen, bcap;
  size_t *ends; /* end of cell i in buf */
  size_t nends, ends_cap;
  size_t record_line;
};

static bool
lex_byte(struct lexer *lx, char c)
{
  if (lx->blen == lx->bcap) {
    size_t cap = lx->bcap ? lx->bcap * 2 : 256;
    char *grown = realloc(lx->buf, cap);

    if (grown == NULL)
      return false;
    lx->buf = grown;
    lx->bcap = cap;
  }
  lx->buf[lx->blen++] = c;
  return true;
}

static enum rb_err
lex_end_cell(struct lexer *lx, struct sheet_problem *why)
{
  if (lx->nends >= SHEET_MAX_COLUMNS) {
    sheet_fail(why, lx->record_line, "line %zu has more than %d columns", lx->record_line,
               SHEET_MAX_COLUMNS);
    return RB_ERR_TOO_LARGE;
  }
  if (lx->nends == lx->ends_cap) {
    size_t cap = lx->ends_cap ? lx->ends_cap * 2 : 16;
    size_t *grown = realloc(lx->ends, cap * sizeof(*grown));

    if (grown == NULL)
      return RB_ERR_NOMEM;
    lx->ends = grown;
    lx->ends_cap = cap;
  }
  lx->ends[lx->nends++] = lx->blen;
  return RB_OK;
}

/* A line break at pos: its length (1 or 2), or 0. */
static size_t
line_break(const struct lexer *lx, size_t pos)
{
  if (lx->p[pos] == '\n')
    return 1;
  if (lx->p[pos] == '\r')
    return pos + 1 < lx->len && lx->p[pos + 1] == '\n' ? 2 : 1;
  return 0;
}

/* The next record into lx->buf / lx->ends: RB_OK with *got, or an error.
 * *got is false at the end of the text. */
static enum rb_err
lex_record(struct lexer *lx, bool *got, struct sheet_problem *why)
{
  enum rb_err err;

  lx->blen = lx->nends = 0;
  lx->record_line = lx->line;
  if (lx->buf == NULL && (lx->buf = malloc(lx->bcap = 256)) == NULL) /* cells point into it */
    return RB_ERR_NOMEM;
  *got = lx->pos < lx->len;
  if (!*got)
    return RB_OK;
  for (;;) {
    size_t br;

    if (lx->pos < lx->len && lx->p[lx->pos] == '"') { /* a quoted cell */
      size_t start_line = lx->line;

      lx->pos++;
      for (;;) {
        if (lx->pos >= lx->len) {
          sheet_fail(why, start_line,
                     "line %zu: a quoted cell starts there but is never closed (a missing \"?)",
                     start_line);
          return RB_ERR_BAD_REQUEST;
        }
        if (lx->p[lx->pos] == '"') {
          if (lx->pos + 1 < lx->len && lx->p[lx->pos + 1] == '"') {
            if (!lex_byte(lx, '"'))
              return RB_ERR_NOMEM;
            lx->pos += 2;
            continue;
          }
          lx->pos++;
          break;
        }
        if ((br = line_break(lx, lx->pos)) != 0) {
          lx->line++;
          lx->pos += br;
          if (!lex_byte(lx, '\n')) /* CRLF in a cell is LF, as typed */
            return RB_ERR_NOMEM;
          continue;
        }
        if (!lex_byte(lx, lx->p[lx->pos++]))
          return RB_ERR_NOMEM;
      }
      /* white space may follow the closing quote; anything else may not */
      while (lx->pos < lx->len && (lx->p[lx->pos] == ' ' || lx->p[lx->pos] == '\t') &&
             lx->p[lx->pos] != lx->delim)
        lx->pos++;
      if (lx->pos < lx->len && lx->p[lx->pos] != lx->delim && line_break(lx, lx->pos) == 0) {
        sheet_fail(why, lx->line,
                   "line %zu: text follows the closing quote of a quoted cell (inside quotes, "
                   "write a quote as two: \"\")",
                   lx->line);
        return RB_ERR_BAD_REQUEST;
      }
    } else { /* an unquoted cell: a quote in it is an ordinary character */
      while (lx->pos < lx->len && lx->p[lx->pos] != lx->delim && line_break(lx, lx->pos) == 0)
        if (!lex_byte(lx, lx->p[lx->pos++]))
          return RB_ERR_NOMEM;
    }
    if ((err = lex_end_cell(lx, why)) != RB_OK)
      return err;
    if (lx->pos >= lx->len)
      return RB_OK;
    if (lx->p[lx->pos] == lx->delim) {
      lx->pos++;
      if (lx->pos >= lx->len) /* "a,b," at the very end: one more empty cell */
        return lex_end_cell(lx, why);
      continue;
    }
    br = line_break(lx, lx->pos);
    lx->pos += br;
    lx->line++;
    return RB_OK;
  }
}

static void
lex_free(struct lexer *lx)
{
  free(lx->buf);
  free(lx->ends);
}

static bool
record_is_header(const struct lexer *lx)
{
  bool kind = false, code = false;

  for (size_t i = 0; i < lx->nends; i++) {
    size_t start = i == 0 ? 0 : lx->ends[i - 1], len = lx->ends[i] - start;
    const char *c = sheet_trim(lx->buf + start, &len);

    kind |= sheet_name_is(c, len, "kind");
    code |= sheet_name_is(c, len, "code");
  }
  return kind && code;
}

static bool
record_blank(const struct lexer *lx)
{
  for (size_t i = 0; i < lx->nends; i++) {
    size_t start = i == 0 ? 0 : lx->ends[i - 1], len = lx->ends[i] - start;

    sheet_trim(lx->buf + start, &len);
    if (len > 0)
      return false;
  }
  return true;
}

/* The line of the header row with delimiter d among the first records, or 0. */
static size_t
header_line(const char *text, size_t len, char d)
{
  struct lexer lx = {text, len, 0, 1, d, NULL, 0, 0, NULL, 0, 0, 0};
  struct sheet_problem ignored;
  size_t seen = 0, found = 0;
  bool got;

  while (found == 0 && seen < HEADER_SCAN_RECORDS && lex_record(&lx, &got, &ignored) == RB_OK &&
         got) {
    if (record_blank(&lx))
      continue;
    seen++;
    if (record_is_header(&lx))
      found = lx.record_line;
  }
  lex_free(&lx);
  return found;
}

static enum rb_err
no_header(const char *text, size_t len, struct sheet_problem *why)
{
  size_t n = 0, off = 0;
  char first[128], quoted[160];

  while (off < len && (text[off] == '\r' || text[off] == '\n'))
    off++;
  while (off + n < len && n < sizeof(first) - 1 && text[off + n] != '\r' && text[off + n] != '\n')
    n++;
  memcpy(first, text + off, n);
  first[n] = '\0';
  sheet_quote(quoted, sizeof(quoted), first, 80);
  for (char *q = quoted; *q; q++) /* a tab shows as a space in a message */
    if (*q == '\t')
      *q = ' ';
  sheet_fail(why, line_at(text, off),
             "no header row: expected a row with the column names kind, code, status, value, "
             "value_text, comment, separated by commas, semicolons or tabs, in the first %d rows "
             "(line %zu reads \"%s\")",
             HEADER_SCAN_RECORDS, line_at(text, off), quoted);
  return RB_ERR_INVALID;
}

enum rb_err
sheet_read_csv(const char *data, size_t len, const struct sheet_limits *lim, struct sheet **out,
               struct sheet_problem *why)
{
  static const char delims[] = {',', ';', '\t'};
  struct sheet *s = NULL;
  struct sheet_builder b;
  struct lexer lx = {0};
  const char *text;
  char *own = NULL;
  size_t tlen, best = 0;
  char delim = 0;
  enum rb_err err;
  bool got;

  if (len > lim->max_input) {
    sheet_fail(why, 0, "the file is larger than %zu bytes", lim->max_input);
    return RB_ERR_TOO_LARGE;
  }
  if ((s = sheet_new()) == NULL)
    return RB_ERR_NOMEM;
  builder_init(&b, s, lim, why);
  if ((err = decode(s, data, len, &text, &tlen, &own, why)) != RB_OK)
    goto fail;
  for (size_t i = 0; i < sizeof(delims); i++) {
    size_t line = header_line(text, tlen, delims[i]);

    if (line != 0 && (best == 0 || line < best))
      best = line, delim = delims[i];
  }
  if (delim == 0) {
    err = no_header(text, tlen, why);
    goto fail;
  }
  s->delimiter = delim;
  if (delim != ',')
    sheet_note(s, "delimiter %s", delim == ';' ? "';' (semicolon)" : "tab");
  lx.p = text;
  lx.len = tlen;
  lx.line = 1;
  lx.delim = delim;
  while ((err = lex_record(&lx, &got, why)) == RB_OK && got) {
    for (size_t i = 0; i < lx.nends && err == RB_OK; i++) {
      size_t start = i == 0 ? 0 : lx.ends[i - 1];

      err = builder_cell(&b, lx.record_line, i, lx.buf + start, lx.ends[i] - start);
    }
    if (err == RB_OK)
      err = builder_end_row(&b, lx.record_line);
    if (err != RB_OK)
      break;
  }
  if (err != RB_OK)
    goto fail;
  lex_free(&lx);
  builder_done(&b);
  free(own);
  *out = s;
  return RB_OK;
fail:
  lex_free(&lx);
  builder_done(&b);
  free(own);
  sheet_free(s);
  return err;
}
