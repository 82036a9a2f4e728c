/* The Markdown report's text writer (see render_md.c for the rules):
 * every text of the model goes through rmd_text, and paragraphs, table
 * cells and numbers through the helpers below. render_md.c and
 * render_md_parts.c both write with them; they call neither. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "render.h"
#include "render_int.h"
#include "report_model.h"
#include "textbuf.h"

void
rmd_text(struct textbuf *b, const char *s, bool block_start)
{
  const char *p = s != NULL ? s : "", *start = p;
  bool space = false;

  if (block_start) {
    size_t digits = strspn(p, "0123456789");

    if (digits > 0 && (p[digits] == '.' || p[digits] == ')')) {
      textbuf_add(b, p, digits);
      p += digits;
      textbuf_lit(b, "\\");
    } else if (*p != '\0' && strchr("-+=>", *p) != NULL) {
      textbuf_lit(b, "\\");
    }
  }
  for (; *p != '\0'; p++) {
    char c = *p;

    if (c == '\n' || c == '\r' || c == '\t') {
      space = true;
      continue;
    }
    if (space) {
      textbuf_lit(b, " ");
      space = false;
    }
    switch (c) {
    case '&':
      textbuf_lit(b, "&amp;");
      break;
    case '<':
      textbuf_lit(b, "&lt;");
      break;
    case '>':
      textbuf_lit(b, "&gt;");
      break;
    case '\\':
    case '`':
    case '*':
    case '_':
    case '[':
    case ']':
    case '|':
    case '#':
    case '~':
    case ':': /* no autolink (http://...) and no emoji (:name:) */
    case '@': /* no e-mail autolink */
      textbuf_printf(b, "\\%c", c);
      break;
    case '.': /* no autolink of www.example.org */
      if (p - start >= 3 && strncasecmp(p - 3, "www", 3) == 0)
        textbuf_lit(b, "\\");
      textbuf_lit(b, ".");
      break;
    default:
      textbuf_add(b, p, 1);
    }
  }
}

void
rmd_para(struct textbuf *b, const char *before, const char *s, const char *after)
{
  size_t n = strlen(before);

  /* The text starts a block after nothing, a line end, or a list or
   * quote marker: there a leading "1." or "-" would make a new one. */
  textbuf_lit(b, before);
  rmd_text(b, s,
           n == 0 || before[n - 1] == '\n' ||
             (n >= 2 && before[n - 1] == ' ' && strchr("->", before[n - 2]) != NULL));
  textbuf_lit(b, after);
}

/* A table row from cells already written: "| a | b |\n". */
void
rmd_cell(struct textbuf *b, const char *s)
{
  textbuf_lit(b, " ");
  rmd_text(b, s, false);
  textbuf_lit(b, " |");
}

void
rmd_num(struct textbuf *b, long long v)
{
  textbuf_printf(b, " %lld |", v);
}

void
rmd_pct(struct textbuf *b, const json_t *v)
{
  if (json_is_integer(v))
    textbuf_printf(b, " %lld%% |", (long long)json_integer_value(v));
  else
    textbuf_lit(b, " – |");
}
