/* Internal to the renderers (render_*.c). */
#ifndef RAGBOARD_RENDER_INT_H
#define RAGBOARD_RENDER_INT_H

#include <stdbool.h>

#include <jansson.h>

#include "textbuf.h"

/* The codes a kind's tables show, in the report's order. */
extern const char *const render_milestone_codes[6];
extern const char *const render_kpi_codes[4];
/* "Brown (BR)", "Green (G)", "TBC". */
const char *render_code_heading(const char *code);

/* render_html_parts.c */
/* <tag>stored text</tag>: open and close are our markup, s is escaped. */
void rh_el(struct textbuf *b, const char *open, const char *s, const char *close);
/* A rating as text and colour: <span class="rag rag-G">G</span>; "–" for NULL. */
void rh_rating(struct textbuf *b, const char *code);
/* A whole percent ("56%") or "–" for anything but an integer. */
void rh_pct(struct textbuf *b, const json_t *v);
void rh_tally_table(struct textbuf *b, const json_t *m, const char *kind, const char *caption);
void rh_priority_table(struct textbuf *b, const json_t *g);
void rh_kpi_tally(struct textbuf *b, const json_t *g);
void rh_exceptions(struct textbuf *b, const json_t *g);
void rh_detail(struct textbuf *b, const json_t *m, const json_t *g);
void rh_notes(struct textbuf *b, const json_t *m);

/* render_md.c: Markdown text (see there for the escaping), a paragraph
 * (before + text + after; the text starts a block when before is ""),
 * table cells " text |", " 12 |", " 56% |" (" – |" for a non-integer). */
void rmd_text(struct textbuf *b, const char *s, bool block_start);
void rmd_para(struct textbuf *b, const char *before, const char *s, const char *after);
void rmd_cell(struct textbuf *b, const char *s);
void rmd_num(struct textbuf *b, long long v);
void rmd_pct(struct textbuf *b, const json_t *v);
/* render_md_parts.c */
void rmd_group(struct textbuf *b, const json_t *m, const json_t *g);
void rmd_notes(struct textbuf *b, const json_t *m);

#endif
