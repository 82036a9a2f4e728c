/* The board report as one self-contained HTML document: screen and print
 * (A4 landscape, each group on a new page, table headers repeated, a
 * footer with the quarter, provenance and page numbers). Every text of the
 * model goes through html_text / html_attr; the markup is ours. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "render_int.h"
#include "report_model.h"
#include "textbuf.h"

static const char css[] =
  ":root{color:#111;background:#fff;font-family:\"DejaVu Sans\",\"Liberation Sans\",Arial,"
  "sans-serif;font-size:10.5pt;line-height:1.35}\n"
  "body{margin:0 auto;max-width:80rem;padding:1rem}\n"
  "h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.3rem;margin:1.2rem 0 .4rem;"
  "border-bottom:2px solid #1d3f6e;color:#1d3f6e}h3{font-size:1.1rem;margin:1rem 0 .3rem}"
  "h4{font-size:1rem;margin:.8rem 0 .3rem}\n"
  ".partnership{font-size:1.2rem;font-weight:bold;margin:0}.sub{display:block;font-size:1.1rem;"
  "font-weight:normal}\n"
  ".notice{border:2px solid #b42318;padding:.5rem;margin:.5rem 0;font-weight:bold}\n"
  "table{border-collapse:collapse;width:100%;margin:.3rem 0 .8rem}caption{text-align:left;"
  "font-weight:bold;padding:.2rem 0}\n"
  "th,td{border:1px solid #767676;padding:.2rem .35rem;vertical-align:top;text-align:left}"
  "thead th{background:#1d3f6e;color:#fff}tfoot th,tfoot td{font-weight:bold;"
  "background:#f0f0f0}\n"
  "td.num,th.num{text-align:right}.comment{white-space:pre-line}th.code{white-space:nowrap}\n"
  ".rag{display:inline-block;min-width:2.2em;text-align:center;font-weight:bold;"
  "border-radius:.2em;padding:0 .2em}\n"
  ".rag-BR{color:#ffffff;background:#6b4226}.rag-B{color:#ffffff;background:#1d5fa8}"
  ".rag-G{color:#ffffff;background:#1b6e35}.rag-A{color:#000000;background:#f2b300}"
  ".rag-R{color:#ffffff;background:#b42318}.rag-TBC{color:#000000;background:#e3e3e3}\n"
  ".headline{font-size:1.05rem;font-weight:bold}dl.meta{display:grid;grid-template-columns:"
  "max-content auto;gap:.1rem 1rem}dl.meta dt{font-weight:bold}dl.meta dd{margin:0}\n"
  "figure{margin:.5rem 0}figure img{max-width:100%;height:auto}figcaption{font-size:.9rem}\n"
  ".provenance{font-size:.85rem;word-break:break-all}footer{margin-top:2rem;font-size:.85rem;"
  "border-top:1px solid #767676}\n"
  "thead{display:table-header-group}tfoot{display:table-row-group}tr{break-inside:avoid}"
  "h2,h3,h4,p.lead,caption{break-after:avoid}\n"
  "@media print{:root{font-size:9pt}body{max-width:none;padding:0}section.group,"
  "section.notes{break-before:page}footer{display:none}"
  "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

/* A CSS string (the quotes included): anything but plain ASCII letters,
 * digits and a few marks is written as a \HHHHHH escape, so no text can
 * close the string, the rule or the <style> element. */
static void
css_string(struct textbuf *b, const char *s)
{
  const unsigned char *u = (const unsigned char *)(s != NULL ? s : "");

  textbuf_lit(b, "\"");
  while (*u != '\0') {
    unsigned long cp = *u;
    size_t n = 1;

    if (cp >= 0xc0 && cp < 0xe0 && (u[1] & 0xc0) == 0x80) {
      cp = ((cp & 0x1f) << 6) | (u[1] & 0x3f);
      n = 2;
    } else if (cp >= 0xe0 && cp < 0xf0 && (u[1] & 0xc0) == 0x80 && (u[2] & 0xc0) == 0x80) {
      cp = ((cp & 0x0f) << 12) | ((unsigned long)(u[1] & 0x3f) << 6) | (u[2] & 0x3f);
      n = 3;
    } else if (cp >= 0xf0 && cp < 0xf5 && (u[1] & 0xc0) == 0x80 && (u[2] & 0xc0) == 0x80 &&
               (u[3] & 0xc0) == 0x80) {
      cp = ((cp & 0x07) << 18) | ((unsigned long)(u[1] & 0x3f) << 12) |
           ((unsigned long)(u[2] & 0x3f) << 6) | (u[3] & 0x3f);
      n = 4;
    } else if (cp >= 0x80) {
      cp = 0xfffd;
    }
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
        (cp != 0 && strchr(" .,:;-/()", (int)cp) != NULL && cp < 0x80))
      textbuf_printf(b, "%c", (int)cp);
    else
      textbuf_printf(b, "\\%06lx ", cp); /* the space ends the escape and is eaten */
    u += n;
  }
  textbuf_lit(b, "\"");
}

#define text html_text
#define el rh_el

#define pct rh_pct

static void
sentences(struct textbuf *b, const json_t *arr, const char *cls)
{
  json_t *s;
  size_t i;

  json_array_foreach(arr, i, s)
  {
    textbuf_printf(b, "<p class=\"%s\">", cls);
    text(b, json_string_value(s));
    textbuf_lit(b, "</p>\n");
  }
}

static void
cover(struct textbuf *b, const json_t *m)
{
  json_t *c = rm_obj(m, "cover"), *row;
  size_t i;

  textbuf_lit(b, "<header>\n");
  el(b, "<p class=\"partnership\">", rm_str(m, "title"), "</p>\n");
  el(b, "<h1>", rm_str(m, "report_title"), "");
  el(b, "<span class=\"sub\">", rm_str(m, "quarter_words"), "</span></h1>\n");
  json_array_foreach(rm_arr(m, "notices"), i, row)
  {
    el(b, "<p class=\"notice\" role=\"note\">", json_string_value(row), "</p>\n");
  }
  textbuf_lit(b, "<dl class=\"meta\">\n");
  el(b, "<dt>", rm_str(rm_obj(c, "delivery_team"), "name"), "</dt>");
  el(b, "<dd>", rm_str(rm_obj(c, "delivery_team"), "date_words"), "</dd>\n");
  el(b, "<dt>", rm_str(rm_obj(c, "place_board"), "name"), "</dt>");
  el(b, "<dd>", rm_str(rm_obj(c, "place_board"), "date_words"), "</dd>\n");
  el(b, "<dt>Approval history</dt><dd>", rm_str(c, "approval_history"), "</dd>\n");
  el(b, "<dt>Provenance</dt><dd class=\"provenance\">", rm_str(rm_obj(m, "provenance"), "line"),
     "</dd>\n</dl>\n</header>\n");
  textbuf_lit(b, "<nav aria-label=\"Contents\"><h2 id=\"contents\">Contents</h2><ol>"
                 "<li><a href=\"#key\">Key to ratings</a></li>"
                 "<li><a href=\"#priorities\">Priorities</a></li>"
                 "<li><a href=\"#overall\">Overall position</a></li>");
  json_array_foreach(rm_arr(m, "groups"), i, row)
  {
    textbuf_printf(b, "<li><a href=\"#group-%zu\">", i + 1);
    text(b, rm_str(row, "name"));
    textbuf_lit(b, "</a></li>");
  }
  textbuf_lit(b, "<li><a href=\"#notes\">Data notes</a></li></ol></nav>\n");
}

static void
key(struct textbuf *b, const json_t *m)
{
  json_t *k = rm_path(m, "cover.rating_key"), *row, *kr;
  size_t i, j;

  textbuf_lit(b,
              "<section aria-labelledby=\"key\"><h2 id=\"key\">Key to ratings</h2>\n"
              "<table><caption>What each rating means</caption><thead><tr>"
              "<th scope=\"col\">Rating</th><th scope=\"col\">Colour</th>"
              "<th scope=\"col\">Milestones</th><th scope=\"col\">KPIs</th></tr></thead><tbody>\n");
  json_array_foreach(rm_arr(k, "milestones"), i, row)
  {
    const char *kpi = NULL;

    json_array_foreach(rm_arr(k, "kpis"), j,
                       kr) if (rm_str(kr, "code") && rm_str(row, "code") &&
                               strcmp(rm_str(kr, "code"), rm_str(row, "code")) == 0) kpi =
      rm_str(kr, "meaning");
    textbuf_lit(b, "<tr><th scope=\"row\">");
    rh_rating(b, rm_str(row, "code"));
    textbuf_lit(b, "</th>");
    el(b, "<td>", rm_str(row, "colour") ? rm_str(row, "colour") : "none", "</td>");
    el(b, "<td>", rm_str(row, "meaning"), "</td>");
    el(b, "<td>", kpi != NULL ? kpi : "not used for KPIs", "</td></tr>\n");
  }
  textbuf_lit(b, "</tbody></table>\n<p>Tolerance: ");
  text(b, rm_str(k, "tolerance_rule"));
  textbuf_lit(b, ". A KPI's reported rating is the one counted; where the rule gives another, "
                 "both are shown.</p>\n");
  el(b, "<p class=\"method\">", rm_str(rm_obj(m, "cover"), "method"), "</p>\n");
  textbuf_lit(b, "<table><caption>Reporting schedule</caption><thead><tr><th scope=\"col\">Quarter"
                 "</th>");
  el(b, "<th scope=\"col\">", rm_str(rm_path(m, "cover.delivery_team"), "name"), "</th>");
  el(b, "<th scope=\"col\">", rm_str(rm_path(m, "cover.place_board"), "name"),
     "</th></tr></thead><tbody>\n");
  json_array_foreach(rm_arr(rm_obj(m, "cover"), "schedule"), i, row)
  {
    el(b, "<tr><th scope=\"row\">", rm_str(row, "quarter_short"), "</th>");
    el(b, "<td>", rm_str(row, "delivery_team_date_words"), "</td>");
    el(b, "<td>", rm_str(row, "place_board_date_words"), "</td></tr>\n");
  }
  textbuf_lit(b, "</tbody></table></section>\n");
}

static void
priorities(struct textbuf *b, const json_t *m)
{
  json_t *g, *p;
  size_t i, j;

  textbuf_lit(b, "<section aria-labelledby=\"priorities\"><h2 id=\"priorities\">Priorities</h2>\n"
                 "<table><caption>The priorities of each transformation group</caption><thead>"
                 "<tr><th scope=\"col\">Group</th><th scope=\"col\" class=\"num\">No.</th>"
                 "<th scope=\"col\">Priority</th></tr></thead><tbody>\n");
  json_array_foreach(rm_arr(m, "groups"), i, g) json_array_foreach(rm_arr(g, "priorities"), j, p)
  {
    el(b, "<tr><td>", rm_str(g, "name"), "</td>");
    textbuf_printf(b, "<th scope=\"row\" class=\"num\">%lld</th>",
                   (long long)rm_int(p, "number", 0));
    el(b, "<td>", rm_str(p, "long_title") ? rm_str(p, "long_title") : rm_str(p, "title"),
       "</td></tr>\n");
  }
  textbuf_lit(b, "</tbody></table></section>\n");
}

static void
comparison(struct textbuf *b, const json_t *cmp, const char *qshort, const char *caption)
{
  static const char *const kinds[] = {"milestones", "kpis"};
  static const char *const names[] = {"Milestones on track or complete", "KPIs on track"};
  json_t *prev = rm_obj(cmp, "previous_quarter"), *ly = rm_obj(cmp, "same_quarter_last_year");

  textbuf_lit(b, "<table><caption>");
  text(b, caption);
  textbuf_lit(b, "</caption><thead><tr><th scope=\"col\">Measure</th>");
  el(b, "<th scope=\"col\" class=\"num\">", qshort, "</th>");
  el(b, "<th scope=\"col\">Against the previous quarter (", rm_str(prev, "quarter_short"),
     ")</th>");
  el(b, "<th scope=\"col\">Against the same quarter last year (", rm_str(ly, "quarter_short"),
     ")</th></tr></thead><tbody>\n");
  for (int k = 0; k < 2; k++) {
    el(b, "<tr><th scope=\"row\">", names[k], "</th><td class=\"num\">");
    pct(b, rm_path(prev, kinds[k])
             ? json_object_get(rm_obj(prev, kinds[k]), "current_percent_whole")
             : NULL);
    el(b, "</td><td>", rm_str(rm_obj(prev, kinds[k]), "phrase"), "</td>");
    el(b, "<td>", rm_str(rm_obj(ly, kinds[k]), "phrase"), "</td></tr>\n");
  }
  textbuf_lit(b, "</tbody></table>\n");
}

static void
overall(struct textbuf *b, const json_t *m)
{
  json_t *o = rm_obj(m, "overall");

  textbuf_lit(b, "<section aria-labelledby=\"overall\"><h2 id=\"overall\">Overall position</h2>\n");
  sentences(b, rm_arr(o, "position"), "headline");
  rh_tally_table(b, m, "milestones", "Milestones by status, every group");
  rh_tally_table(b, m, "kpis", "KPIs by rating, every group");
  comparison(b, rm_obj(o, "comparison"), rm_str(m, "quarter_short"),
             "Every group against earlier quarters");
  if (rm_obj(o, "direction_of_travel") != NULL)
    el(b, "<p>", rm_str(rm_obj(o, "direction_of_travel"), "sentence"), "</p>\n");
  textbuf_lit(b, "</section>\n");
}

static void
group(struct textbuf *b, const json_t *m, const json_t *g, size_t n)
{
  json_t *chairs = rm_arr(g, "chairs"), *c, *sum = rm_obj(g, "summary");
  size_t i;

  textbuf_printf(b, "<section class=\"group\" aria-labelledby=\"group-%zu\"><h2 id=\"group-%zu\">",
                 n, n);
  text(b, rm_str(g, "name"));
  textbuf_lit(b, "</h2>\n<p class=\"chairs\"><strong>");
  textbuf_lit(b, json_array_size(chairs) == 1 ? "Chair" : "Chairs");
  textbuf_lit(b, ":</strong> ");
  json_array_foreach(chairs, i, c)
  {
    if (i > 0)
      textbuf_lit(b, "; ");
    text(b, json_string_value(c));
  }
  if (json_array_size(chairs) == 0)
    textbuf_lit(b, "not recorded");
  textbuf_lit(b, "</p>\n<h3>Summary</h3>\n");
  sentences(b, rm_arr(sum, "headlines"), "headline");
  rh_priority_table(b, g);
  rh_kpi_tally(b, g);
  comparison(b, rm_obj(g, "comparison"), rm_str(m, "quarter_short"), "Against earlier quarters");
  if (rm_obj(g, "direction_of_travel") != NULL)
    el(b, "<p>", rm_str(rm_obj(g, "direction_of_travel"), "sentence"), "</p>\n");
  rh_exceptions(b, g);
  if (rm_bool(rm_obj(m, "options"), "detail", true))
    rh_detail(b, m, g);
  textbuf_lit(b, "</section>\n");
}

static void
footer_css(struct textbuf *b, const json_t *m)
{
  textbuf_lit(b, "@page{size:A4 landscape;margin:12mm 10mm 16mm 10mm;@bottom-left{content:");
  css_string(b, rm_str(m, "quarter_short"));
  textbuf_lit(b, " \" \\0000b7  \" ");
  css_string(b, rm_str(rm_obj(m, "provenance"), "footer"));
  textbuf_lit(b, ";font-size:7pt;color:#333}@bottom-right{content:\"Page \" counter(page) \" of \" "
                 "counter(pages);font-size:7pt;color:#333}}\n");
}

enum rb_err
render_html(const json_t *m, char **out, size_t *len, char csp[RENDER_CSP_LEN])
{
  struct textbuf b = TEXTBUF_INIT, style = TEXTBUF_INIT;
  unsigned char hash[crypto_hash_sha256_BYTES];
  char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
  char policy[RENDER_CSP_LEN];
  char *style_text, *text_out;
  size_t style_len, i;
  json_t *g;

  if (sodium_init() < 0)
    return RB_ERR_INTERNAL;
  textbuf_lit(&style, css);
  footer_css(&style, m);
  style_text = textbuf_finish(&style, &style_len);
  if (style_text == NULL)
    return RB_ERR_NOMEM;
  /* The one <style> is allowed by its hash: nothing else may style,
   * script or load anything (images only as data: URLs). */
  crypto_hash_sha256(hash, (const unsigned char *)style_text, style_len);
  sodium_bin2base64(b64, sizeof(b64), hash, sizeof(hash), sodium_base64_VARIANT_ORIGINAL);
  snprintf(policy, sizeof(policy),
           "default-src 'none'; style-src 'sha256-%s'; img-src data:; base-uri 'none'; "
           "form-action 'none'",
           b64);
  textbuf_lit(&b, "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta http-equiv=\"Content-Security-Policy\" content=\"");
  html_attr(&b, policy);
  textbuf_lit(&b, "\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<meta name=\"generator\" content=\"ragboard\">\n<title>");
  text(&b, rm_str(m, "title"));
  textbuf_lit(&b, " – ");
  text(&b, rm_str(m, "report_title"));
  textbuf_lit(&b, "</title>\n<style>");
  textbuf_add(&b, style_text, style_len);
  free(style_text);
  textbuf_lit(&b, "</style>\n</head>\n<body>\n");
  cover(&b, m);
  textbuf_lit(&b, "<main>\n");
  key(&b, m);
  priorities(&b, m);
  overall(&b, m);
  json_array_foreach(rm_arr(m, "groups"), i, g) group(&b, m, g, i + 1);
  rh_notes(&b, m);
  textbuf_lit(&b, "</main>\n<footer><p>");
  text(&b, rm_str(m, "quarter_short"));
  textbuf_lit(&b, " · ");
  text(&b, rm_str(rm_obj(m, "provenance"), "line"));
  textbuf_lit(&b, "</p></footer>\n</body>\n</html>\n");
  text_out = textbuf_finish(&b, len);
  if (text_out == NULL)
    return RB_ERR_NOMEM;
  if (csp != NULL)
    memcpy(csp, policy, strlen(policy) + 1);
  *out = text_out;
  return RB_OK;
}
