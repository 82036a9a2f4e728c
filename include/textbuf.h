/* A growable text buffer, and the one escaping writer for HTML and SVG.
 *
 * Every byte of stored (untrusted) text that reaches an HTML page, an SVG
 * chart or any other markup goes through html_text or html_attr, never
 * through textbuf_printf: the renderers write their own markup with
 * textbuf_lit/textbuf_printf and everything else with the escapers (the
 * rule cgit's html.c follows). Pure: no I/O, no globals.
 *
 * A buffer that ran out of memory stays failed: every later call is a
 * no-op, and textbuf_finish answers NULL, so a renderer checks once at the
 * end. */
#ifndef RAGBOARD_TEXTBUF_H
#define RAGBOARD_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>

struct textbuf {
  char *p;    /* NUL-terminated once anything was written; NULL before */
  size_t len; /* bytes written, without the NUL */
  size_t cap;
  bool failed;
};

#define TEXTBUF_INIT  \
  {                   \
    NULL, 0, 0, false \
  }

/* Append n bytes of s as they are (trusted markup only). */
void textbuf_add(struct textbuf *b, const char *s, size_t n);
/* Append a NUL-terminated literal as it is (trusted markup only). */
void textbuf_lit(struct textbuf *b, const char *s);
/* Append formatted text as it is: for markup and numbers, never for
 * stored text (use html_text / html_attr for that). */
void textbuf_printf(struct textbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text (the caller frees it) and its length; NULL when the buffer
 * failed (everything is freed then). An empty buffer answers "". */
char *textbuf_finish(struct textbuf *b, size_t *len);
/* Free what b holds and reset it (for error paths). */
void textbuf_reset(struct textbuf *b);

/* Stored text as the content of an element: & < > " ' become entities;
 * control characters other than tab, line feed and carriage return (not
 * allowed in XML 1.0), the noncharacters U+FFFE and U+FFFF (valid UTF-8,
 * not XML characters either) and bytes that are not valid UTF-8 become
 * U+FFFD, so the output is well-formed HTML and XML whatever the input.
 * NULL writes nothing. */
void html_text(struct textbuf *b, const char *s);
/* The same for a quoted attribute value (the caller writes the quotes):
 * tab, line feed and carriage return are written as character references
 * too, so an attribute keeps them. */
void html_attr(struct textbuf *b, const char *s);

#endif
