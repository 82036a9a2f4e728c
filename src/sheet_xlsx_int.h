/* Shared by sheet_xlsx.c (the container, workbook, relationships and
 * styles), sheet_xml.c (parsing one member) and sheet_xlsx_cells.c (shared
 * strings and the worksheet). */
#ifndef RAGBOARD_SHEET_XLSX_INT_H
#define RAGBOARD_SHEET_XLSX_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <expat.h>
#include <zip.h>

#include "sheet_int.h"

struct xlsx {
  zip_t *za;
  const struct sheet_limits *lim;
  struct sheet_problem *why;
  struct sheet *s;
  size_t uncompressed; /* bytes of every member read so far */
  /* shared strings, trimmed, in the sheet's arena */
  const char **sst;
  size_t *sst_len;
  size_t nsst, sst_cap;
  /* styles: whether cell format i shows a percentage */
  bool *xf_percent;
  bool *xf_date; /* whether cell format i shows a date */
  size_t nxf;
};

/* One XML part being parsed. The handlers below receive element and
 * attribute names without their namespace. */
struct xml_run {
  struct xlsx *x;
  XML_Parser p;
  const char *member;
  unsigned depth;
  bool root_seen;
  enum rb_err err;
  void (*start)(struct xml_run *r, const char *name, const char **atts);
  void (*end)(struct xml_run *r, const char *name);
  void (*text)(struct xml_run *r, const char *s, size_t len);
  void *state;
};

/* Stop the parse with err and a message (the first one stays). */
void xml_fail(struct xml_run *r, enum rb_err err, size_t line, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));
/* The value of attribute name (namespace ignored), or NULL. */
const char *xml_attr(const char **atts, const char *name);
/* Parse zip member `member` with r's handlers, streaming it through expat
 * under the limits. *found is false (and RB_OK returned) when the member is
 * not there. */
enum rb_err xml_parse_member(struct xlsx *x, const char *member, struct xml_run *r, bool *found);

/* libzip's words for one of its error codes. */
void xlsx_zip_words(int code, char *out, size_t cap);

/* Text collected from character data, capped at SHEET_MAX_CELL_BYTES. */
struct text_acc {
  char *p;
  size_t len, cap;
  bool over;
};
bool text_add(struct text_acc *t, const char *s, size_t len);
/* OOXML's escapes for characters XML cannot hold: _xHHHH_ is U+HHHH
 * (_x005F_ a literal underscore), decoded in place. */
void text_decode_escapes(struct text_acc *t);

enum rb_err xlsx_read_shared_strings(struct xlsx *x, const char *member);
enum rb_err xlsx_read_worksheet(struct xlsx *x, const char *member);

#endif
