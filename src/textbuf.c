#include "textbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
reserve(struct textbuf *b, size_t n)
{
  size_t cap;
  char *grown;

  if (b->failed)
    return false;
  if (b->len + n + 1 <= b->cap)
    return true;
  cap = b->cap ? b->cap : 256;
  while (cap < b->len + n + 1) {
    if (cap > ((size_t)-1) / 2) {
      textbuf_reset(b);
      b->failed = true;
      return false;
    }
    cap *= 2;
  }
  grown = realloc(b->p, cap);
  if (grown == NULL) {
    textbuf_reset(b);
    b->failed = true;
    return false;
  }
  b->p = grown;
  b->cap = cap;
  return true;
}

void
textbuf_add(struct textbuf *b, const char *s, size_t n)
{
  if (!reserve(b, n))
    return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void
textbuf_lit(struct textbuf *b, const char *s)
{
  textbuf_add(b, s, strlen(s));
}

void
textbuf_printf(struct textbuf *b, const char *fmt, ...)
{
  va_list ap;
  int n;

  if (b->failed)
    return;
  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || !reserve(b, (size_t)n))
    return;
  va_start(ap, fmt);
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

char *
textbuf_finish(struct textbuf *b, size_t *len)
{
  char *out;

  if (b->failed)
    return NULL;
  if (b->p == NULL) {
    if (!reserve(b, 0))
      return NULL;
    b->p[0] = '\0';
  }
  out = b->p;
  if (len != NULL)
    *len = b->len;
  b->p = NULL;
  b->len = b->cap = 0;
  return out;
}

void
textbuf_reset(struct textbuf *b)
{
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when the bytes there
 * are not one (overlong forms, surrogates and values past U+10FFFF
 * included). */
static size_t
utf8_len(const unsigned char *s)
{
  if (s[0] < 0x80)
    return 1;
  if (s[0] >= 0xc2 && s[0] <= 0xdf)
    return (s[1] & 0xc0) == 0x80 ? 2 : 0;
  if (s[0] >= 0xe0 && s[0] <= 0xef) {
    if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
      return 0;
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))
      return 0;
    return 3;
  }
  if (s[0] >= 0xf0 && s[0] <= 0xf4) {
    if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
      return 0;
    if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
      return 0;
    return 4;
  }
  return 0;
}

static void
escape(struct textbuf *b, const char *s, bool attr)
{
  const unsigned char *u = (const unsigned char *)s;
  size_t run = 0, i = 0;

  if (s == NULL)
    return;
  while (u[i] != '\0') {
    const char *rep = NULL;
    size_t n = 1;

    switch (u[i]) {
    case '&':
      rep = "&amp;";
      break;
    case '<':
      rep = "&lt;";
      break;
    case '>':
      rep = "&gt;";
      break;
    case '"':
      rep = "&quot;";
      break;
    case '\'':
      rep = "&#39;";
      break;
    case '\t':
      rep = attr ? "&#9;" : NULL;
      break;
    case '\n':
      rep = attr ? "&#10;" : NULL;
      break;
    case '\r':
      rep = attr ? "&#13;" : NULL;
      break;
    default:
      if (u[i] < 0x20 || u[i] == 0x7f) {
        rep = "\xef\xbf\xbd"; /* U+FFFD */
      } else {
        n = utf8_len(u + i);
        /* U+FFFE and U+FFFF are valid UTF-8 but not XML 1.0 characters */
        if (n == 3 && u[i] == 0xef && u[i + 1] == 0xbf && u[i + 2] >= 0xbe)
          n = 0;
        if (n == 0) {
          rep = "\xef\xbf\xbd";
          n = 1;
        }
      }
    }
    if (rep != NULL) {
      textbuf_add(b, s + run, i - run);
      textbuf_lit(b, rep);
      i += n;
      run = i;
    } else {
      i += n;
    }
  }
  textbuf_add(b, s + run, i - run);
}

void
html_text(struct textbuf *b, const char *s)
{
  escape(b, s, false);
}

void
html_attr(struct textbuf *b, const char *s)
{
  escape(b, s, true);
}
