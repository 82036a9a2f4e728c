/* The board report's renderers: the report model (report_model.h) in,
 * the bytes of one format out. Pure: no I/O, no clock, no globals; a
 * model missing members renders what it has and never crashes.
 * On RB_OK *out is a new NUL-terminated string the caller frees and *len
 * its length; RB_ERR_NOMEM otherwise (*out untouched). */
#ifndef RAGBOARD_RENDER_H
#define RAGBOARD_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "error.h"

#define RENDER_CSP_LEN 256

/* One self-contained HTML document (inline CSS, no script, charts as
 * data: images), print-ready for A4 landscape. When csp is not NULL it
 * receives the Content-Security-Policy the document needs (the same one
 * its <meta> states: its one <style> by hash, images from data: only), for
 * the HTTP layer to send as a header too. */
enum rb_err render_html(const json_t *model, char **out, size_t *len, char csp[RENDER_CSP_LEN]);

/* GitHub-flavoured Markdown, tables as pipe tables; stored text escaped so
 * that it can never make or break a table, a heading, a link or raw HTML
 * (doc/report-model.md says how). Converts with pandoc to .docx. */
enum rb_err render_md(const json_t *model, char **out, size_t *len);

/* The report's tables as one CSV with a "table" column (RFC 4180, UTF-8,
 * CRLF, a header row; doc/report-model.md lists the tables and columns),
 * written with csv.c's writer, which neutralises formula cells. */
enum rb_err render_csv(const json_t *model, char **out, size_t *len);

/* The rating colours of the HTML (text on background), for the contrast
 * test: code is BR, B, G, A, R or TBC. NULL for an unknown code. */
struct render_colours {
  const char *code;
  const char *fg; /* "#rrggbb" */
  const char *bg;
};
const struct render_colours *render_html_colours(const char *code);

/* ---- the formats a report is served in ----------------------------------- */

enum render_format { RENDER_HTML = 0, RENDER_MD, RENDER_CSV, RENDER_JSON, RENDER__FORMATS };

/* "html", "md", "csv", "json"; parse: false for anything else. */
const char *render_format_name(enum render_format f);
bool render_format_parse(const char *name, enum render_format *out);
/* The media type ("text/html", "text/markdown", "text/csv",
 * "application/json") and the Content-Type sent with it (UTF-8 text). */
const char *render_format_media(enum render_format f);
const char *render_format_content_type(enum render_format f);
/* The model in format f (JSON: the model itself, compact, with a final
 * newline): *out (free) of *len bytes; for HTML, csp (when not NULL)
 * receives the Content-Security-Policy the page needs. RB_ERR_NOMEM. */
enum rb_err render_as(const json_t *model, enum render_format f, char **out, size_t *len,
                      char csp[RENDER_CSP_LEN]);
/* The file a rendering is saved as: "ragboard-2018-19-Q1.csv", with the
 * group "ragboard-2018-19-Q1-CYP.csv" (in both, characters other than
 * letters, digits, '-' and '_' become '_'). */
void render_file_name(char *out, size_t cap, const char *quarter, const char *group,
                      enum render_format f);
/* The Content-Security-Policy an HTML rendering states in its <meta>
 * (what render_html answered in csp when it made it), read back from the
 * page, e.g. from a cached copy; false when there is none. */
bool render_html_csp_of(const char *html, size_t len, char csp[RENDER_CSP_LEN]);

#endif
