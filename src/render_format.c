/* The formats a report is served in: names, media types, file names, and
 * the one switch from a format to its renderer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

static const struct {
  const char *name, *media, *content_type;
} formats[RENDER__FORMATS] = {
  [RENDER_HTML] = {"html", "text/html", "text/html; charset=utf-8"},
  [RENDER_MD] = {"md", "text/markdown", "text/markdown; charset=utf-8"},
  [RENDER_CSV] = {"csv", "text/csv", "text/csv; charset=utf-8"},
  [RENDER_JSON] = {"json", "application/json", "application/json"},
};

const char *
render_format_name(enum render_format f)
{
  return f < RENDER__FORMATS ? formats[f].name : NULL;
}

bool
render_format_parse(const char *name, enum render_format *out)
{
  for (int f = 0; name != NULL && f < RENDER__FORMATS; f++)
    if (strcmp(name, formats[f].name) == 0) {
      *out = (enum render_format)f;
      return true;
    }
  return false;
}

const char *
render_format_media(enum render_format f)
{
  return f < RENDER__FORMATS ? formats[f].media : NULL;
}

const char *
render_format_content_type(enum render_format f)
{
  return f < RENDER__FORMATS ? formats[f].content_type : NULL;
}

static enum rb_err
render_json(const json_t *model, char **out, size_t *len)
{
  char *text = json_dumps(model, JSON_COMPACT | JSON_REAL_PRECISION(15));
  size_t n;
  char *grown;

  if (text == NULL)
    return RB_ERR_NOMEM;
  n = strlen(text);
  grown = realloc(text, n + 2);
  if (grown == NULL) {
    free(text);
    return RB_ERR_NOMEM;
  }
  grown[n++] = '\n';
  grown[n] = '\0';
  *out = grown;
  *len = n;
  return RB_OK;
}

enum rb_err
render_as(const json_t *model, enum render_format f, char **out, size_t *len,
          char csp[RENDER_CSP_LEN])
{
  switch (f) {
  case RENDER_HTML:
    return render_html(model, out, len, csp);
  case RENDER_MD:
    return render_md(model, out, len);
  case RENDER_CSV:
    return render_csv(model, out, len);
  case RENDER_JSON:
    return render_json(model, out, len);
  default:
    return RB_ERR_INTERNAL;
  }
}

static void
put_safe(char *out, size_t cap, size_t *used, const char *s)
{
  for (; s != NULL && *s != '\0' && *used + 1 < cap; s++) {
    char ch = *s;

    out[(*used)++] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                         (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'
                       ? ch
                       : '_';
  }
  out[*used] = '\0';
}

void
render_file_name(char *out, size_t cap, const char *quarter, const char *group,
                 enum render_format f)
{
  size_t used = 0;

  if (cap == 0)
    return;
  out[0] = '\0';
  put_safe(out, cap, &used, "ragboard-");
  put_safe(out, cap, &used, quarter);
  if (group != NULL) {
    put_safe(out, cap, &used, "-");
    put_safe(out, cap, &used, group);
  }
  if (used + 1 < cap)
    out[used++] = '.';
  out[used] = '\0';
  put_safe(out, cap, &used, render_format_name(f));
}

bool
render_html_csp_of(const char *html, size_t len, char csp[RENDER_CSP_LEN])
{
  static const char meta[] = "<meta http-equiv=\"Content-Security-Policy\" content=\"";
  /* The <meta> is in the head, within the first few hundred bytes. */
  size_t limit = len < 1024 ? len : 1024, n = 0;
  const char *p = NULL, *end;

  for (size_t i = 0; i + sizeof(meta) - 1 <= limit; i++)
    if (memcmp(html + i, meta, sizeof(meta) - 1) == 0) {
      p = html + i + sizeof(meta) - 1;
      break;
    }
  if (p == NULL)
    return false;
  end = memchr(p, '"', len - (size_t)(p - html));
  if (end == NULL)
    return false;
  /* html_attr wrote it: its policy has only ' to unescape (&#39;). */
  while (p < end && n + 1 < RENDER_CSP_LEN) {
    if (strncmp(p, "&#39;", 5) == 0) {
      csp[n++] = '\'';
      p += 5;
    } else if (*p == '&') {
      return false;
    } else {
      csp[n++] = *p++;
    }
  }
  csp[n] = '\0';
  return p == end;
}
