/* The board report as GitHub-flavoured Markdown, for pasting into papers
 * and converting with pandoc to Word. Every text of the model goes through
 * rmd_text, which keeps it one run of inline text: line breaks and tabs
 * become spaces (a table row is one line), & < > become entities (no raw
 * HTML), and \ ` * _ [ ] | # ~ : @ (and the dot of "www.") are escaped
 * with a backslash (no emphasis, code, link, autolink, emoji,
 * strikethrough or cell boundary); at the start of a block,
 * a leading - + = > or a number followed by . or ) is escaped too (no list,
 * quote or heading underline). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "render.h"
#include "render_int.h"
#include "report_model.h"
#include "textbuf.h"

/* Header row and delimiter row; right aligns the columns whose name
 * starts with '>' (the '>' is not printed). */
static void
head(struct textbuf *b, const char *const *names, size_t n)
{
  textbuf_lit(b, "\n|");
  for (size_t i = 0; i < n; i++) {
    const char *name = names[i] != NULL ? names[i] : "";

    rmd_cell(b, name[0] == '>' ? name + 1 : name);
  }
  textbuf_lit(b, "\n|");
  for (size_t i = 0; i < n; i++)
    textbuf_lit(b, names[i] != NULL && names[i][0] == '>' ? " ---: |" : " --- |");
  textbuf_lit(b, "\n");
}

static void
sentences(struct textbuf *b, const json_t *arr, const char *wrap)
{
  json_t *s;
  size_t i;

  json_array_foreach(arr, i, s)
  {
    textbuf_printf(b, "\n%s", wrap);
    rmd_text(b, json_string_value(s), wrap[0] == '\0');
    textbuf_printf(b, "%s\n", wrap);
  }
}

static void
cover(struct textbuf *b, const json_t *m)
{
  json_t *c = rm_obj(m, "cover"), *n, *row;
  size_t i;
  static const char *const key_cols[] = {"Rating", "Colour", "Milestones", "KPIs"};

  rmd_para(b, "# ", rm_str(m, "title"), "\n\n");
  rmd_para(b, "## ", rm_str(m, "report_title"), "\n\n");
  rmd_para(b, "**", rm_str(m, "quarter_words"), "**\n");
  json_array_foreach(rm_arr(m, "notices"), i, n)
    rmd_para(b, "\n> **Note:** ", json_string_value(n), "\n");
  rmd_para(b, "\n- ", rm_str(rm_obj(c, "delivery_team"), "name"), ": ");
  rmd_text(b, rm_str(rm_obj(c, "delivery_team"), "date_words"), false);
  rmd_para(b, "\n- ", rm_str(rm_obj(c, "place_board"), "name"), ": ");
  rmd_text(b, rm_str(rm_obj(c, "place_board"), "date_words"), false);
  rmd_para(b, "\n- Approval history: ", rm_str(c, "approval_history"), "");
  rmd_para(b, "\n- Provenance: ", rm_str(rm_obj(m, "provenance"), "line"), "\n");

  textbuf_lit(b, "\n## Key to ratings\n");
  head(b, key_cols, 4);
  json_array_foreach(rm_arr(rm_obj(c, "rating_key"), "milestones"), i, row)
  {
    const char *code = rm_str(row, "code"), *kpi = "not used for KPIs";
    json_t *k;
    size_t j;

    json_array_foreach(rm_arr(rm_obj(c, "rating_key"), "kpis"), j,
                       k) if (code != NULL && rm_str(k, "code") != NULL &&
                              strcmp(code, rm_str(k, "code")) == 0) kpi = rm_str(k, "meaning");
    textbuf_lit(b, "|");
    rmd_cell(b, code);
    rmd_cell(b, rm_str(row, "colour") != NULL ? rm_str(row, "colour") : "none");
    rmd_cell(b, rm_str(row, "meaning"));
    rmd_cell(b, kpi);
    textbuf_lit(b, "\n");
  }
  rmd_para(b, "\nTolerance: ", rm_str(rm_obj(c, "rating_key"), "tolerance_rule"),
           ". A KPI's reported rating is the one counted; where the rule gives another, both are "
           "shown.\n");
  rmd_para(b, "\n", rm_str(c, "method"), "\n");
  {
    const char *sched_cols[3] = {"Quarter", rm_str(rm_obj(c, "delivery_team"), "name"),
                                 rm_str(rm_obj(c, "place_board"), "name")};

    head(b, sched_cols, 3);
  }
  json_array_foreach(rm_arr(c, "schedule"), i, row)
  {
    textbuf_lit(b, "|");
    rmd_cell(b, rm_str(row, "quarter_short"));
    rmd_cell(b, rm_str(row, "delivery_team_date_words"));
    rmd_cell(b, rm_str(row, "place_board_date_words"));
    textbuf_lit(b, "\n");
  }
}

static void
priorities(struct textbuf *b, const json_t *m)
{
  static const char *const cols[] = {"Group", ">No.", "Priority"};
  json_t *g, *p;
  size_t i, j;

  textbuf_lit(b, "\n## Priorities\n");
  head(b, cols, 3);
  json_array_foreach(rm_arr(m, "groups"), i, g) json_array_foreach(rm_arr(g, "priorities"), j, p)
  {
    textbuf_lit(b, "|");
    rmd_cell(b, rm_str(g, "name"));
    rmd_num(b, (long long)rm_int(p, "number", 0));
    rmd_cell(b, rm_str(p, "long_title") != NULL ? rm_str(p, "long_title") : rm_str(p, "title"));
    textbuf_lit(b, "\n");
  }
}

static void
counts_row(struct textbuf *b, const char *label, const json_t *t, bool kpi, bool with_pct)
{
  textbuf_lit(b, "|");
  rmd_cell(b, label);
  rmd_num(b, (long long)rm_int(t, "total", 0));
  for (size_t c = 0; c < (kpi ? 4u : 6u); c++) {
    const char *code = kpi ? render_kpi_codes[c] : render_milestone_codes[c];
    json_t *p = json_object_get(rm_obj(t, "percent_whole"), code);

    if (with_pct && json_is_integer(p))
      textbuf_printf(b, " %lld (%lld%%) |", (long long)rm_int(rm_obj(t, "counts"), code, 0),
                     (long long)json_integer_value(p));
    else
      rmd_num(b, (long long)rm_int(rm_obj(t, "counts"), code, 0));
  }
  textbuf_lit(b, "\n");
}

static void
pct_row(struct textbuf *b, const json_t *t, bool kpi)
{
  textbuf_lit(b, "| % against total | |");
  for (size_t c = 0; c < (kpi ? 4u : 6u); c++)
    rmd_pct(b, json_object_get(rm_obj(t, "percent_whole"),
                               kpi ? render_kpi_codes[c] : render_milestone_codes[c]));
  textbuf_lit(b, "\n");
}

static void
tally_head(struct textbuf *b, const char *first, const char *second, bool kpi)
{
  const char *cols[8] = {first, second};
  size_t n = kpi ? 4 : 6;

  for (size_t c = 0; c < n; c++)
    cols[2 + c] = render_code_heading(kpi ? render_kpi_codes[c] : render_milestone_codes[c]);
  /* the first column is text, the others numbers: right-aligned */
  textbuf_lit(b, "\n|");
  for (size_t i = 0; i < n + 2; i++)
    rmd_cell(b, cols[i]);
  textbuf_lit(b, "\n| --- |");
  for (size_t i = 1; i < n + 2; i++)
    textbuf_lit(b, " ---: |");
  textbuf_lit(b, "\n");
}

static void
comparison(struct textbuf *b, const json_t *cmp, const char *qshort)
{
  static const char *const kinds[] = {"milestones", "kpis"};
  static const char *const names[] = {"Milestones on track or complete", "KPIs on track"};
  json_t *prev = rm_obj(cmp, "previous_quarter"), *ly = rm_obj(cmp, "same_quarter_last_year");

  textbuf_lit(b, "\n| Measure |");
  rmd_cell(b, qshort);
  textbuf_lit(b, " Against the previous quarter |");
  textbuf_lit(b, " Against the same quarter last year |\n| --- | ---: | --- | --- |\n");
  for (int k = 0; k < 2; k++) {
    textbuf_lit(b, "|");
    rmd_cell(b, names[k]);
    rmd_pct(b, json_object_get(rm_obj(prev, kinds[k]), "current_percent_whole"));
    rmd_cell(b, rm_str(rm_obj(prev, kinds[k]), "phrase"));
    rmd_cell(b, rm_str(rm_obj(ly, kinds[k]), "phrase"));
    textbuf_lit(b, "\n");
  }
}

static void
overall(struct textbuf *b, const json_t *m)
{
  json_t *o = rm_obj(m, "overall"), *g;
  size_t i;

  textbuf_lit(b, "\n## Overall position\n");
  sentences(b, rm_arr(o, "position"), "**");
  for (int kpi = 0; kpi < 2; kpi++) {
    const char *kind = kpi ? "kpis" : "milestones";

    textbuf_lit(b, kpi ? "\nKPIs by rating, every group:\n"
                       : "\nMilestones by status, every group:\n");
    tally_head(b, "Group", "Total", kpi);
    json_array_foreach(rm_arr(m, "groups"), i, g)
      counts_row(b, rm_str(g, "name"), rm_obj(rm_obj(g, "summary"), kind), kpi, true);
    counts_row(b, "All groups", rm_obj(o, kind), kpi, true);
  }
  comparison(b, rm_obj(o, "comparison"), rm_str(m, "quarter_short"));
  if (rm_obj(o, "direction_of_travel") != NULL)
    rmd_para(b, "\n", rm_str(rm_obj(o, "direction_of_travel"), "sentence"), "\n");
}

static void
group(struct textbuf *b, const json_t *m, const json_t *g)
{
  json_t *sum = rm_obj(g, "summary"), *chairs = rm_arr(g, "chairs"), *c, *row;
  size_t i;

  rmd_para(b, "\n## ", rm_str(g, "name"), "\n");
  textbuf_lit(b, json_array_size(chairs) == 1 ? "\n**Chair:** " : "\n**Chairs:** ");
  json_array_foreach(chairs, i, c)
  {
    if (i > 0)
      textbuf_lit(b, "; ");
    rmd_text(b, json_string_value(c), false);
  }
  if (json_array_size(chairs) == 0)
    textbuf_lit(b, "not recorded");
  textbuf_lit(b, "\n\n### Summary\n");
  sentences(b, rm_arr(sum, "headlines"), "**");
  textbuf_lit(b, "\nMilestones by priority and status:\n");
  tally_head(b, "Priority", "Number of milestones", false);
  json_array_foreach(rm_arr(rm_obj(sum, "milestones"), "by_priority"), i, row)
  {
    char label[32];
    struct textbuf t = TEXTBUF_INIT;
    char *s;

    snprintf(label, sizeof(label), "%lld ", (long long)rm_int(row, "priority", 0));
    textbuf_lit(&t, label);
    textbuf_lit(&t, rm_str(row, "title") != NULL ? rm_str(row, "title") : "");
    s = textbuf_finish(&t, NULL);
    counts_row(b, s != NULL ? s : label, row, false, false);
    textbuf_reset(&t);
    free(s);
  }
  counts_row(b, "No. of milestones", rm_obj(sum, "milestones"), false, false);
  pct_row(b, rm_obj(sum, "milestones"), false);
  textbuf_lit(b, "\nKPIs by rating:\n");
  tally_head(b, "KPIs", "Number of KPIs", true);
  counts_row(b, "No. of KPIs", rm_obj(sum, "kpis"), true, false);
  pct_row(b, rm_obj(sum, "kpis"), true);
  comparison(b, rm_obj(g, "comparison"), rm_str(m, "quarter_short"));
  if (rm_obj(g, "direction_of_travel") != NULL)
    rmd_para(b, "\n", rm_str(rm_obj(g, "direction_of_travel"), "sentence"), "\n");
  rmd_group(b, m, g);
}

enum rb_err
render_md(const json_t *m, char **out, size_t *len)
{
  struct textbuf b = TEXTBUF_INIT;
  json_t *g;
  size_t i;
  char *text;

  cover(&b, m);
  priorities(&b, m);
  overall(&b, m);
  json_array_foreach(rm_arr(m, "groups"), i, g) group(&b, m, g);
  rmd_notes(&b, m);
  text = textbuf_finish(&b, len);
  if (text == NULL)
    return RB_ERR_NOMEM;
  *out = text;
  return RB_OK;
}
