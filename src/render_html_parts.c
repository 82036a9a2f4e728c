/* The HTML report's tables: summaries, exceptions, detail and data notes. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "render_int.h"
#include "report_model.h"

void
rh_el(struct textbuf *b, const char *open, const char *s, const char *close)
{
  textbuf_lit(b, open);
  html_text(b, s);
  textbuf_lit(b, close);
}

void
rh_rating(struct textbuf *b, const char *code)
{
  if (code == NULL) {
    textbuf_lit(b, "–");
    return;
  }
  if (render_html_colours(code) != NULL)
    textbuf_printf(b, "<span class=\"rag rag-%s\">%s</span>", code, code);
  else
    html_text(b, code);
}

void
rh_pct(struct textbuf *b, const json_t *v)
{
  if (json_is_integer(v))
    textbuf_printf(b, "%lld%%", (long long)json_integer_value(v));
  else
    textbuf_lit(b, "–");
}

static void
count_cell(struct textbuf *b, const json_t *tally, const char *code, bool with_pct)
{
  textbuf_printf(b, "<td class=\"num\">%lld", (long long)rm_int(rm_obj(tally, "counts"), code, 0));
  if (with_pct) {
    textbuf_lit(b, " (");
    rh_pct(b, json_object_get(rm_obj(tally, "percent_whole"), code));
    textbuf_lit(b, ")");
  }
  textbuf_lit(b, "</td>");
}

static void
code_headings(struct textbuf *b, bool kpi)
{
  size_t n = kpi ? 4 : 6;

  for (size_t i = 0; i < n; i++)
    rh_el(b, "<th scope=\"col\" class=\"num\">",
          render_code_heading(kpi ? render_kpi_codes[i] : render_milestone_codes[i]), "</th>");
}

void
rh_tally_table(struct textbuf *b, const json_t *m, const char *kind, const char *caption)
{
  bool kpi = strcmp(kind, "kpis") == 0;
  size_t n = kpi ? 4 : 6, i;
  json_t *g, *t;

  rh_el(b, "<table><caption>", caption, "</caption><thead><tr><th scope=\"col\">Group</th>");
  textbuf_lit(b, "<th scope=\"col\" class=\"num\">Total</th>");
  code_headings(b, kpi);
  textbuf_lit(b, "</tr></thead><tbody>\n");
  json_array_foreach(rm_arr(m, "groups"), i, g)
  {
    t = rm_obj(rm_obj(g, "summary"), kind);
    rh_el(b, "<tr><th scope=\"row\">", rm_str(g, "name"), "</th>");
    textbuf_printf(b, "<td class=\"num\">%lld</td>", (long long)rm_int(t, "total", 0));
    for (size_t c = 0; c < n; c++)
      count_cell(b, t, kpi ? render_kpi_codes[c] : render_milestone_codes[c], true);
    textbuf_lit(b, "</tr>\n");
  }
  t = rm_obj(rm_obj(m, "overall"), kind);
  textbuf_printf(b,
                 "</tbody><tfoot><tr><th scope=\"row\">All groups</th><td class=\"num\">%lld</td>",
                 (long long)rm_int(t, "total", 0));
  for (size_t c = 0; c < n; c++)
    count_cell(b, t, kpi ? render_kpi_codes[c] : render_milestone_codes[c], true);
  textbuf_lit(b, "</tr></tfoot></table>\n");
}

void
rh_priority_table(struct textbuf *b, const json_t *g)
{
  json_t *ms = rm_obj(rm_obj(g, "summary"), "milestones"), *row;
  size_t i;

  textbuf_lit(b, "<table><caption>Milestones by priority and status</caption><thead><tr>"
                 "<th scope=\"col\">Priority</th><th scope=\"col\" class=\"num\">Number of "
                 "milestones</th>");
  code_headings(b, false);
  textbuf_lit(b, "</tr></thead><tbody>\n");
  json_array_foreach(rm_arr(ms, "by_priority"), i, row)
  {
    textbuf_printf(b, "<tr><th scope=\"row\">%lld ", (long long)rm_int(row, "priority", 0));
    html_text(b, rm_str(row, "title"));
    textbuf_printf(b, "</th><td class=\"num\">%lld</td>", (long long)rm_int(row, "total", 0));
    if (rm_int(row, "total", 0) == 0) {
      textbuf_lit(b, "<td colspan=\"6\">No milestones</td></tr>\n");
      continue;
    }
    for (size_t c = 0; c < 6; c++)
      count_cell(b, row, render_milestone_codes[c], false);
    textbuf_lit(b, "</tr>\n");
  }
  textbuf_printf(b,
                 "</tbody><tfoot><tr><th scope=\"row\">No. of milestones</th>"
                 "<td class=\"num\">%lld</td>",
                 (long long)rm_int(ms, "total", 0));
  for (size_t c = 0; c < 6; c++)
    count_cell(b, ms, render_milestone_codes[c], false);
  textbuf_lit(b, "</tr><tr><th scope=\"row\">% against total</th><td></td>");
  for (size_t c = 0; c < 6; c++) {
    textbuf_lit(b, "<td class=\"num\">");
    rh_pct(b, json_object_get(rm_obj(ms, "percent_whole"), render_milestone_codes[c]));
    textbuf_lit(b, "</td>");
  }
  textbuf_lit(b, "</tr></tfoot></table>\n");
}

void
rh_kpi_tally(struct textbuf *b, const json_t *g)
{
  json_t *ks = rm_obj(rm_obj(g, "summary"), "kpis");

  textbuf_lit(b, "<table><caption>KPIs by rating</caption><thead><tr><th scope=\"col\">KPIs</th>"
                 "<th scope=\"col\" class=\"num\">Number of KPIs</th>");
  code_headings(b, true);
  textbuf_printf(b,
                 "</tr></thead><tbody><tr><th scope=\"row\">No. of KPIs</th>"
                 "<td class=\"num\">%lld</td>",
                 (long long)rm_int(ks, "total", 0));
  for (size_t c = 0; c < 4; c++)
    count_cell(b, ks, render_kpi_codes[c], false);
  textbuf_lit(b, "</tr><tr><th scope=\"row\">% against total</th><td></td>");
  for (size_t c = 0; c < 4; c++) {
    textbuf_lit(b, "<td class=\"num\">");
    rh_pct(b, json_object_get(rm_obj(ks, "percent_whole"), render_kpi_codes[c]));
    textbuf_lit(b, "</td>");
  }
  textbuf_lit(b, "</tr></tbody></table>\n");
}

void
rh_exceptions(struct textbuf *b, const json_t *g)
{
  static const char *const kinds[] = {"milestones", "kpis"};
  json_t *ex = rm_obj(g, "exceptions"), *e;
  size_t i;

  textbuf_lit(b, "<h3>Exceptions</h3>\n");
  for (int k = 0; k < 2; k++) {
    json_t *part = rm_obj(ex, kinds[k]);

    rh_el(b, "<p class=\"lead\">", rm_str(part, "sentence"), "</p>\n");
    if (json_array_size(rm_arr(part, "items")) == 0)
      continue;
    textbuf_lit(b, k == 0 ? "<table><caption>Red milestones</caption>"
                          : "<table><caption>Red KPIs</caption>");
    textbuf_lit(b, "<thead><tr><th scope=\"col\">No.</th><th scope=\"col\">Description</th>");
    if (k == 1)
      textbuf_lit(b, "<th scope=\"col\">Value</th>");
    textbuf_lit(b, "<th scope=\"col\">Rating</th><th scope=\"col\">Comment</th></tr></thead>"
                   "<tbody>\n");
    json_array_foreach(rm_arr(part, "items"), i, e)
    {
      rh_el(b, "<tr><th scope=\"row\" class=\"code\">", rm_str(e, "code"), "</th>");
      rh_el(b, "<td>", rm_str(e, "description"), "</td>");
      if (k == 1)
        rh_el(b, "<td>", rm_str(e, "value_text"), "</td>");
      textbuf_lit(b, "<td>");
      rh_rating(b, rm_str(e, k == 0 ? "status" : "rating"));
      rh_el(b, "</td><td class=\"comment\">", rm_str(e, "comment"), "</td></tr>\n");
    }
    textbuf_lit(b, "</tbody></table>\n");
  }
}

static void
milestone_rows(struct textbuf *b, const json_t *m, const json_t *ms)
{
  json_t *it, *cell;
  size_t i, j, ncols = json_array_size(rm_path(m, "columns.milestones"));

  json_array_foreach(ms, i, it)
  {
    rh_el(b, "<tr><th scope=\"row\" class=\"code\">", rm_str(it, "code"), "</th>");
    rh_el(b, "<td>", rm_str(it, "description"), "</td>");
    rh_el(b, "<td>", rm_str(it, "target_text"), "</td>");
    json_array_foreach(rm_arr(it, "cells"), j, cell)
    {
      textbuf_lit(b, "<td>");
      if (rm_str(cell, "status") == NULL && j + 1 == ncols)
        textbuf_lit(b, "No update provided");
      else
        rh_rating(b, rm_str(cell, "status"));
      textbuf_lit(b, "</td>");
    }
    rh_el(b, "<td class=\"comment\">", rm_str(it, "comment"), "</td></tr>\n");
  }
}

static void
detail_head(struct textbuf *b, const json_t *cols, const char *before, const char *after)
{
  json_t *c;
  size_t i;

  textbuf_lit(b, before);
  json_array_foreach(cols, i, c) rh_el(b, "<th scope=\"col\">", rm_str(c, "label"), "</th>");
  textbuf_lit(b, after);
}

static void
kpi_row(struct textbuf *b, const json_t *k)
{
  json_t *cell, *p;
  size_t j;

  rh_el(b, "<tr><th scope=\"row\" class=\"code\">", rm_str(k, "code"), "</th>");
  rh_el(b, "<td>", rm_str(k, "description"), "</td>");
  rh_el(b, "<td>", rm_str(k, "direction_words"), "</td>");
  rh_el(b, "<td>", rm_str(k, "target_text"), "</td><td>");
  json_array_foreach(rm_arr(k, "priorities"), j, p)
    textbuf_printf(b, "%s%lld", j > 0 ? ", " : "", (long long)json_integer_value(p));
  textbuf_lit(b, "</td>");
  json_array_foreach(rm_arr(k, "cells"), j, cell)
  {
    textbuf_lit(b, "<td>");
    if (rm_str(cell, "value_text") != NULL) {
      html_text(b, rm_str(cell, "value_text"));
      textbuf_lit(b, " ");
    }
    rh_rating(b, rm_str(cell, "rating"));
    textbuf_lit(b, "</td>");
  }
  textbuf_lit(b, "<td>");
  if (rm_bool(k, "no_update", false)) {
    textbuf_lit(b, "No update provided");
  } else {
    rh_rating(b, rm_str(k, "rating"));
    if (rm_bool(k, "rating_differs", false)) {
      textbuf_lit(b, " reported; the rule gives ");
      rh_rating(b, rm_str(k, "computed_rating"));
    } else if (rm_str(k, "cannot_rate") != NULL) {
      rh_el(b, " (the rule cannot rate it: ", rm_str(k, "cannot_rate"), ")");
    }
  }
  textbuf_lit(b, "</td>");
  rh_el(b, "<td>", rm_str(k, "travel") != NULL ? rm_str(k, "travel") : "–", "</td>");
  rh_el(b, "<td class=\"comment\">", rm_str(k, "comment"), "</td></tr>\n");
}

/* A chart from the model as an image, never as inline markup: an SVG
 * shown through <img> can run no script and load nothing, whatever it
 * holds, and the page stays script-free. */
static void
chart(struct textbuf *b, const json_t *k)
{
  json_t *c = rm_obj(k, "chart");
  const char *svg = rm_str(c, "svg");
  size_t n, cap;
  char *b64;

  if (svg == NULL)
    return;
  n = strlen(svg);
  cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
  b64 = malloc(cap);
  if (b64 == NULL) {
    textbuf_reset(b); /* out of memory: the buffer fails, as textbuf's own do */
    b->failed = true;
    return;
  }
  sodium_bin2base64(b64, cap, (const unsigned char *)svg, n, sodium_base64_VARIANT_ORIGINAL);
  textbuf_lit(b, "<figure><img src=\"data:image/svg+xml;base64,");
  textbuf_lit(b, b64);
  free(b64);
  textbuf_lit(b, "\" alt=\"");
  html_attr(b, rm_str(c, "description") != NULL ? rm_str(c, "description") : rm_str(k, "code"));
  rh_el(b, "\"><figcaption>", rm_str(k, "code"), ": ");
  html_text(b, rm_str(k, "description"));
  textbuf_lit(b, "</figcaption></figure>\n");
}

void
rh_detail(struct textbuf *b, const json_t *m, const json_t *g)
{
  json_t *p, *k;
  size_t i;

  textbuf_lit(b, "<h3>Milestones</h3>\n");
  json_array_foreach(rm_arr(g, "priorities"), i, p)
  {
    textbuf_printf(b, "<h4>Priority %lld: ", (long long)rm_int(p, "number", 0));
    html_text(b, rm_str(p, "title"));
    textbuf_lit(b, "</h4>\n");
    if (json_array_size(rm_arr(p, "milestones")) == 0) {
      textbuf_lit(b, "<p>No milestones.</p>\n");
      continue;
    }
    textbuf_printf(b, "<table><caption>Milestones of priority %lld</caption>",
                   (long long)rm_int(p, "number", 0));
    detail_head(b, rm_path(m, "columns.milestones"),
                "<thead><tr><th scope=\"col\">No.</th><th scope=\"col\">Description</th>"
                "<th scope=\"col\">Target</th>",
                "<th scope=\"col\">Comments</th></tr></thead><tbody>\n");
    milestone_rows(b, m, rm_arr(p, "milestones"));
    textbuf_lit(b, "</tbody></table>\n");
  }
  textbuf_lit(b, "<h3>Key performance indicators</h3>\n");
  if (json_array_size(rm_arr(g, "kpis")) == 0) {
    textbuf_lit(b, "<p>No KPIs.</p>\n");
    return;
  }
  detail_head(b, rm_path(m, "columns.kpis"),
              "<table><caption>KPIs</caption><thead><tr><th scope=\"col\">No.</th>"
              "<th scope=\"col\">Description</th><th scope=\"col\">Trajectory</th>"
              "<th scope=\"col\">Target</th><th scope=\"col\">Priority</th>",
              "<th scope=\"col\">Rating</th><th scope=\"col\">Direction of travel</th>"
              "<th scope=\"col\">Comments</th></tr></thead><tbody>\n");
  json_array_foreach(rm_arr(g, "kpis"), i, k) kpi_row(b, k);
  textbuf_lit(b, "</tbody></table>\n");
  json_array_foreach(rm_arr(g, "kpis"), i, k) chart(b, k);
}

static void
note_table(struct textbuf *b, const json_t *notes, const char *caption, const char *extra)
{
  json_t *n;
  size_t i;

  if (json_array_size(notes) == 0)
    return;
  rh_el(b, "<table><caption>", caption,
        "</caption><thead><tr><th scope=\"col\">Group</th>"
        "<th scope=\"col\">Type</th><th scope=\"col\">No.</th>"
        "<th scope=\"col\">Description</th>");
  if (extra != NULL)
    rh_el(b, "<th scope=\"col\">", strcmp(extra, "note") == 0 ? "Ratings" : "Why", "</th>");
  textbuf_lit(b, "</tr></thead><tbody>\n");
  json_array_foreach((json_t *)notes, i, n)
  {
    rh_el(b, "<tr><td>", rm_str(n, "group"), "</td>");
    rh_el(b, "<td>",
          rm_str(n, "type") && strcmp(rm_str(n, "type"), "kpi") == 0 ? "KPI" : "Milestone",
          "</td>");
    rh_el(b, "<th scope=\"row\">", rm_str(n, "code"), "</th>");
    rh_el(b, "<td>", rm_str(n, "description"), "</td>");
    if (extra != NULL)
      rh_el(b, "<td>", rm_str(n, extra), "</td>");
    textbuf_lit(b, "</tr>\n");
  }
  textbuf_lit(b, "</tbody></table>\n");
}

void
rh_notes(struct textbuf *b, const json_t *m)
{
  json_t *dn = rm_obj(m, "data_notes"), *prov = rm_obj(m, "provenance");
  json_t *head = rm_obj(prov, "audit_head");

  textbuf_lit(b, "<section class=\"notes\" aria-labelledby=\"notes\"><h2 id=\"notes\">Data notes"
                 "</h2>\n<h3>No update provided</h3>\n");
  rh_el(b, "<p>", rm_str(dn, "no_update_sentence"), "</p>\n");
  note_table(b, rm_arr(dn, "no_update"), "Items with no update provided", NULL);
  textbuf_lit(b, "<h3>Reported ratings that differ from the rule</h3>\n");
  rh_el(b, "<p>", rm_str(dn, "rating_differences_sentence"), "</p>\n");
  note_table(b, rm_arr(dn, "rating_differences"), "KPIs whose reported rating differs", "note");
  textbuf_lit(b, "<h3>KPIs the rule cannot rate</h3>\n");
  rh_el(b, "<p>", rm_str(dn, "cannot_rate_sentence"), "</p>\n");
  note_table(b, rm_arr(dn, "cannot_rate"), "KPIs the rule cannot rate", "reason");
  textbuf_lit(b, "<h3>Provenance</h3>\n");
  rh_el(b, "<p class=\"provenance\">", rm_str(prov, "line"), ".</p>\n");
  if (head != NULL && rm_str(head, "hash") != NULL) {
    textbuf_printf(b,
                   "<p>To prove which data this report showed, verify the audit trail with its "
                   "head as the anchor: <code class=\"provenance\">GET /api/v1/audit/verify?"
                   "anchor_id=%lld&amp;anchor_hash=",
                   (long long)rm_int(head, "id", 0));
    html_text(b, rm_str(head, "hash"));
    textbuf_lit(b, "</code>.</p>\n");
  }
  textbuf_lit(b, "</section>\n");
}

/* Text on background, each pair at least 4.5:1 (WCAG 2.2 AA for normal
 * text; tests/test_render.c computes the ratios). */
static const struct render_colours colours[] = {
  {"BR", "#ffffff", "#6b4226"}, {"B", "#ffffff", "#1d5fa8"}, {"G", "#ffffff", "#1b6e35"},
  {"A", "#000000", "#f2b300"},  {"R", "#ffffff", "#b42318"}, {"TBC", "#000000", "#e3e3e3"},
};

const struct render_colours *
render_html_colours(const char *code)
{
  for (size_t i = 0; code != NULL && i < sizeof(colours) / sizeof(colours[0]); i++)
    if (strcmp(colours[i].code, code) == 0)
      return &colours[i];
  return NULL;
}
