/* XLSX: the shared strings table and the worksheet's cells, into the
 * sheet model. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sheet_xlsx_int.h"

/* Stop the parse with an error whose message is already in why. */
static void
stop(struct xml_run *r, enum rb_err err)
{
  if (r->err != RB_OK)
    return;
  r->err = err;
  XML_StopParser(r->p, XML_FALSE);
}

static void
text_failed(struct xml_run *r, const struct text_acc *t, const char *what)
{
  if (t->over)
    xml_fail(r, RB_ERR_TOO_LARGE, 0, "%s holds more than %d bytes of text", what,
             SHEET_MAX_CELL_BYTES);
  else
    xml_fail(r, RB_ERR_NOMEM, 0, "out of memory");
}

/* ---- shared strings ------------------------------------------------------------ */

struct sst_state {
  bool in_si, in_t;
  unsigned in_phonetic; /* inside <rPh>: a reading aid, not the text */
  struct text_acc t;
};

static void
sst_start(struct xml_run *r, const char *name, const char **atts)
{
  struct sst_state *st = r->state;

  (void)atts;
  if (r->depth == 1 && strcmp(name, "sst") != 0)
    xml_fail(r, RB_ERR_BAD_REQUEST, 0, "%s is not a shared strings table", r->member);
  else if (strcmp(name, "si") == 0)
    st->in_si = true, st->t.len = 0;
  else if (strcmp(name, "rPh") == 0)
    st->in_phonetic++;
  else if (strcmp(name, "t") == 0 && st->in_si && st->in_phonetic == 0)
    st->in_t = true;
}

static void
sst_end(struct xml_run *r, const char *name)
{
  struct sst_state *st = r->state;
  struct xlsx *x = r->x;
  const char *text;
  size_t len;
  char *copy;

  if (strcmp(name, "t") == 0) {
    st->in_t = false;
  } else if (strcmp(name, "rPh") == 0) {
    st->in_phonetic--;
  } else if (strcmp(name, "si") == 0 && st->in_si) {
    st->in_si = false;
    if (x->nsst >= x->lim->max_strings) {
      xml_fail(r, RB_ERR_TOO_LARGE, 0, "the workbook has more than %zu shared strings",
               x->lim->max_strings);
      return;
    }
    if (x->nsst == x->sst_cap) {
      size_t cap = x->sst_cap ? x->sst_cap * 2 : 256;
      const char **s = realloc(x->sst, cap * sizeof(*s));
      size_t *l;

      if (s != NULL)
        x->sst = s;
      l = s != NULL ? realloc(x->sst_len, cap * sizeof(*l)) : NULL;
      if (l == NULL) {
        xml_fail(r, RB_ERR_NOMEM, 0, "out of memory");
        return;
      }
      x->sst_len = l;
      x->sst_cap = cap;
    }
    text_decode_escapes(&st->t);
    len = st->t.len;
    text = sheet_trim(st->t.p != NULL ? st->t.p : "", &len);
    copy = len == 0 ? "" : arena_strndup(x->s->arena, text, len);
    if (copy == NULL) {
      xml_fail(r, RB_ERR_NOMEM, 0, "out of memory");
      return;
    }
    x->sst[x->nsst] = copy;
    x->sst_len[x->nsst++] = len;
  }
}

static void
sst_text(struct xml_run *r, const char *s, size_t len)
{
  struct sst_state *st = r->state;
  char what[64];

  if (st->in_t && !text_add(&st->t, s, len)) {
    snprintf(what, sizeof(what), "shared string %zu", r->x->nsst);
    text_failed(r, &st->t, what);
  }
}

enum rb_err
xlsx_read_shared_strings(struct xlsx *x, const char *member)
{
  struct sst_state st = {false, false, 0, {NULL, 0, 0, false}};
  struct xml_run r = {.start = sst_start, .end = sst_end, .text = sst_text, .state = &st};
  bool found;
  enum rb_err err = xml_parse_member(x, member, &r, &found);

  free(st.t.p);
  return err;
}

/* ---- the worksheet ------------------------------------------------------------- */

struct ws_state {
  struct sheet_builder b;
  bool in_data, row_open, in_cell, in_v, in_is, in_t;
  unsigned in_phonetic;
  size_t row, prev_row, next_col, col;
  char type[12];
  long style;
  bool has_v;
  struct text_acc t;
};

/* "AB12" -> column 27 (0-based), row 12. False when malformed. */
static bool
parse_ref(const char *ref, size_t *col, size_t *row)
{
  size_t c = 0, r = 0;
  const char *p = ref;

  while (*p >= 'A' && *p <= 'Z' && c <= SHEET_MAX_COLUMNS)
    c = c * 26 + (size_t)(*p++ - 'A' + 1);
  if (p == ref || c > SHEET_MAX_COLUMNS)
    return false;
  if (*p == '$')
    return false;
  while (*p >= '0' && *p <= '9' && r <= SHEET_MAX_ROW)
    r = r * 10 + (size_t)(*p++ - '0');
  if (*p != '\0' || r == 0 || r > SHEET_MAX_ROW)
    return false;
  *col = c - 1;
  *row = r;
  return true;
}

static void
row_start(struct xml_run *r, struct ws_state *ws, const char **atts)
{
  const char *attr = xml_attr(atts, "r");
  size_t n = ws->prev_row + 1;

  if (attr != NULL) {
    char *end;
    unsigned long v = strtoul(attr, &end, 10);

    if (*end != '\0' || end == attr || v == 0 || v > SHEET_MAX_ROW) {
      xml_fail(r, RB_ERR_BAD_REQUEST, 0, "%s has a row numbered \"%.20s\"", r->member, attr);
      return;
    }
    n = (size_t)v;
  }
  if (n <= ws->prev_row || n > SHEET_MAX_ROW) {
    xml_fail(r, RB_ERR_BAD_REQUEST, n, "%s has row %zu after row %zu: the workbook is damaged",
             r->member, n, ws->prev_row);
    return;
  }
  ws->row = n;
  ws->row_open = true;
  ws->next_col = 0;
}

static void
cell_start(struct xml_run *r, struct ws_state *ws, const char **atts)
{
  const char *ref = xml_attr(atts, "r"), *t = xml_attr(atts, "t"), *s = xml_attr(atts, "s");
  size_t col = ws->next_col, row = ws->row;

  if (ref != NULL && (!parse_ref(ref, &col, &row) || row != ws->row)) {
    xml_fail(r, RB_ERR_BAD_REQUEST, ws->row, "%s has a cell \"%.20s\" in row %zu", r->member, ref,
             ws->row);
    return;
  }
  if (col < ws->next_col) {
    xml_fail(r, RB_ERR_BAD_REQUEST, ws->row, "%s has cell %.20s twice or out of order", r->member,
             ref != NULL ? ref : "?");
    return;
  }
  if (col >= SHEET_MAX_COLUMNS) {
    xml_fail(r, RB_ERR_TOO_LARGE, ws->row, "row %zu has more than %d columns", ws->row,
             SHEET_MAX_COLUMNS);
    return;
  }
  ws->col = col;
  ws->next_col = col + 1;
  snprintf(ws->type, sizeof(ws->type), "%s", t != NULL ? t : "n");
  ws->style = s != NULL ? strtol(s, NULL, 10) : 0;
  ws->in_cell = true;
  ws->has_v = false;
  ws->t.len = 0;
}

static void
ws_start(struct xml_run *r, const char *name, const char **atts)
{
  struct ws_state *ws = r->state;

  if (r->depth == 1 && strcmp(name, "chartsheet") == 0) {
    xml_fail(r, RB_ERR_INVALID, 0, "the first sheet of the workbook is a chart, not a table");
  } else if (r->depth == 1 && strcmp(name, "worksheet") != 0) {
    xml_fail(r, RB_ERR_BAD_REQUEST, 0, "%s is not a worksheet", r->member);
  } else if (strcmp(name, "sheetData") == 0) {
    ws->in_data = true;
  } else if (ws->in_data && strcmp(name, "row") == 0) {
    if (ws->row_open)
      xml_fail(r, RB_ERR_BAD_REQUEST, ws->row, "%s has a row inside row %zu", r->member, ws->row);
    else
      row_start(r, ws, atts);
  } else if (ws->row_open && strcmp(name, "c") == 0) {
    if (ws->in_cell)
      xml_fail(r, RB_ERR_BAD_REQUEST, ws->row, "%s has a cell inside a cell in row %zu", r->member,
               ws->row);
    else
      cell_start(r, ws, atts);
  } else if (ws->in_cell && strcmp(name, "v") == 0) {
    ws->in_v = ws->has_v = true;
  } else if (ws->in_cell && strcmp(name, "is") == 0) {
    ws->in_is = ws->has_v = true;
  } else if (ws->in_is && strcmp(name, "rPh") == 0) {
    ws->in_phonetic++;
  } else if (ws->in_is && ws->in_phonetic == 0 && strcmp(name, "t") == 0) {
    ws->in_t = true;
  }
}

/* Excel's date serial (1900 system: day 1 is 1900-01-01, and day 60 the
 * 29 February 1900 it believes in) as YYYY-MM-DD; the time of day is
 * dropped. false for serials outside 1900-03-01 .. 9999-12-31. */
static bool
serial_date(double serial, char out[40])
{
  long days, era, doe, yoe, doy, mp, y, m, d;

  if (!(serial >= 61 && serial < 2958466))
    return false;
  /* days since 1970-01-01 (serial 25569), then the civil date (H. Hinnant) */
  days = (long)floor(serial) - 25569 + 719468;
  era = days / 146097;
  doe = days - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = yoe + era * 400 + (m <= 2);
  snprintf(out, 40, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
  return true;
}

/* A number cell's text as Excel shows it, with % for a percent format and
 * a date format's day as YYYY-MM-DD (a month typed as "Jul 2018" is
 * stored as a date). */
static void
number_text(const struct xlsx *x, const struct ws_state *ws, char out[40])
{
  const char *v = ws->t.p;
  char *end;
  double d;

  snprintf(out, 40, "%s", v);
  if (v[strspn(v, "0123456789+-.eE")] != '\0')
    return; /* not a number (strtod would take "inf" and hex): shown as written */
  d = strtod(v, &end);
  if (end == v || *end != '\0' || !isfinite(d))
    return;
  if (ws->style >= 0 && (size_t)ws->style < x->nxf && x->xf_date[ws->style] && serial_date(d, out))
    return;
  if (ws->style >= 0 && (size_t)ws->style < x->nxf && x->xf_percent[ws->style] &&
      isfinite(d * 100)) {
    sheet_format_number(d * 100, out);
    strcat(out, "%");
  } else {
    sheet_format_number(d, out);
  }
}

static void
cell_end(struct xml_run *r, struct ws_state *ws)
{
  struct xlsx *x = r->x;
  const char *text;
  char shown[40], name[8];
  size_t len;
  enum rb_err err;

  ws->in_cell = false;
  if (!ws->has_v)
    return;                       /* formatted but empty */
  if (!text_add(&ws->t, "", 0)) { /* makes t.p a string even when nothing came */
    text_failed(r, &ws->t, "a cell");
    return;
  }
  len = ws->t.len;
  text = sheet_trim(ws->t.p, &len);
  if (strcmp(ws->type, "s") == 0) {
    char *end;
    unsigned long i = strtoul(text, &end, 10);

    if (len == 0 || end != text + len || text[0] == '-' || i >= x->nsst) {
      sheet_column_name(ws->col, name);
      xml_fail(r, RB_ERR_BAD_REQUEST, ws->row,
               "cell %s%zu refers to shared string \"%.20s\", but the workbook has %zu", name,
               ws->row, ws->t.p, x->nsst);
      return;
    }
    err = builder_cell_shared(&ws->b, ws->row, ws->col, x->sst[i], x->sst_len[i]);
  } else if (strcmp(ws->type, "b") == 0 && len == 1 && (text[0] == '0' || text[0] == '1')) {
    err = builder_cell(&ws->b, ws->row, ws->col, text[0] == '1' ? "TRUE" : "FALSE",
                       text[0] == '1' ? 4 : 5);
  } else if (strcmp(ws->type, "n") == 0 && len > 0) {
    ((char *)text)[len] = '\0'; /* trimmed in place: t.p is ours */
    memmove(ws->t.p, text, len + 1);
    number_text(x, ws, shown);
    err = builder_cell(&ws->b, ws->row, ws->col, shown, strlen(shown));
  } else { /* inlineStr, str (a formula's text), e (#N/A), d (ISO date) */
    text_decode_escapes(&ws->t);
    err = builder_cell(&ws->b, ws->row, ws->col, ws->t.p, ws->t.len);
  }
  if (err != RB_OK)
    stop(r, err);
}

static void
ws_end(struct xml_run *r, const char *name)
{
  struct ws_state *ws = r->state;
  enum rb_err err;

  if (strcmp(name, "v") == 0) {
    ws->in_v = false;
  } else if (strcmp(name, "t") == 0) {
    ws->in_t = false;
  } else if (strcmp(name, "rPh") == 0 && ws->in_phonetic > 0) {
    ws->in_phonetic--;
  } else if (strcmp(name, "is") == 0) {
    ws->in_is = false;
  } else if (strcmp(name, "c") == 0 && ws->in_cell) {
    cell_end(r, ws);
  } else if (strcmp(name, "row") == 0 && ws->row_open) {
    ws->row_open = false;
    ws->prev_row = ws->row;
    if ((err = builder_end_row(&ws->b, ws->row)) != RB_OK)
      stop(r, err);
  } else if (strcmp(name, "sheetData") == 0) {
    ws->in_data = false;
  }
}

static void
ws_text(struct xml_run *r, const char *s, size_t len)
{
  struct ws_state *ws = r->state;
  char what[48], name[8];

  if ((ws->in_v || ws->in_t) && !text_add(&ws->t, s, len)) {
    sheet_column_name(ws->col, name);
    snprintf(what, sizeof(what), "cell %s%zu", name, ws->row);
    text_failed(r, &ws->t, what);
  }
}

enum rb_err
xlsx_read_worksheet(struct xlsx *x, const char *member)
{
  struct ws_state ws;
  struct xml_run r = {.start = ws_start, .end = ws_end, .text = ws_text, .state = &ws};
  bool found;
  enum rb_err err;

  memset(&ws, 0, sizeof(ws));
  builder_init(&ws.b, x->s, x->lim, x->why);
  err = xml_parse_member(x, member, &r, &found);
  if (err == RB_OK && !found) {
    sheet_fail(x->why, 0, "the workbook names %s as its first sheet, but has no such part", member);
    err = RB_ERR_BAD_REQUEST;
  }
  builder_done(&ws.b);
  free(ws.t.p);
  return err;
}
