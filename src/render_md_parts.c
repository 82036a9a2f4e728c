/* The Markdown report's group sections (exceptions, detail) and notes. */
#include <stdio.h>
#include <string.h>

#include "render_int.h"
#include "report_model.h"

static const char *
dash(const char *s)
{
  return s != NULL ? s : "–";
}

static void
rating(struct textbuf *b, const char *code)
{
  rmd_cell(b, code != NULL ? code : "–");
}

static void
exceptions(struct textbuf *b, const json_t *g)
{
  static const char *const kinds[] = {"milestones", "kpis"};
  json_t *ex = rm_obj(g, "exceptions"), *e;
  size_t i;

  textbuf_lit(b, "\n### Exceptions\n");
  for (int k = 0; k < 2; k++) {
    json_t *part = rm_obj(ex, kinds[k]);

    rmd_para(b, "\n", rm_str(part, "sentence"), "\n");
    if (json_array_size(rm_arr(part, "items")) == 0)
      continue;
    textbuf_lit(b, k == 0
                     ? "\n| No. | Description | Rating | Comment |\n| --- | --- | --- | --- |\n"
                     : "\n| No. | Description | Value | Rating | Comment |\n"
                       "| --- | --- | --- | --- | --- |\n");
    json_array_foreach(rm_arr(part, "items"), i, e)
    {
      textbuf_lit(b, "|");
      rmd_cell(b, rm_str(e, "code"));
      rmd_cell(b, rm_str(e, "description"));
      if (k == 1)
        rmd_cell(b, rm_str(e, "value_text"));
      rating(b, rm_str(e, k == 0 ? "status" : "rating"));
      rmd_cell(b, rm_str(e, "comment"));
      textbuf_lit(b, "\n");
    }
  }
}

static void
cols(struct textbuf *b, const json_t *columns)
{
  json_t *c;
  size_t i;

  json_array_foreach(columns, i, c) rmd_cell(b, rm_str(c, "label"));
}

static void
delims(struct textbuf *b, size_t n)
{
  textbuf_lit(b, "\n|");
  for (size_t i = 0; i < n; i++)
    textbuf_lit(b, " --- |");
  textbuf_lit(b, "\n");
}

static void
milestones(struct textbuf *b, const json_t *m, const json_t *p)
{
  json_t *mcols = rm_path(m, "columns.milestones"), *it, *cell;
  size_t i, j, ncols = json_array_size(mcols);

  textbuf_printf(b, "\n#### Priority %lld: ", (long long)rm_int(p, "number", 0));
  rmd_text(b, rm_str(p, "title"), false);
  textbuf_lit(b, "\n");
  if (json_array_size(rm_arr(p, "milestones")) == 0) {
    textbuf_lit(b, "\nNo milestones.\n");
    return;
  }
  textbuf_lit(b, "\n| No. | Description | Target |");
  cols(b, mcols);
  textbuf_lit(b, " Comments |");
  delims(b, ncols + 4);
  json_array_foreach(rm_arr(p, "milestones"), i, it)
  {
    textbuf_lit(b, "|");
    rmd_cell(b, rm_str(it, "code"));
    rmd_cell(b, rm_str(it, "description"));
    rmd_cell(b, rm_str(it, "target_text"));
    json_array_foreach(rm_arr(it, "cells"), j, cell)
    {
      if (rm_str(cell, "status") == NULL && j + 1 == ncols)
        rmd_cell(b, "No update provided");
      else
        rating(b, rm_str(cell, "status"));
    }
    rmd_cell(b, rm_str(it, "comment"));
    textbuf_lit(b, "\n");
  }
}

static void
kpi_row(struct textbuf *b, const json_t *k)
{
  json_t *cell, *p;
  size_t j;
  char buf[256];

  textbuf_lit(b, "|");
  rmd_cell(b, rm_str(k, "code"));
  rmd_cell(b, rm_str(k, "description"));
  rmd_cell(b, rm_str(k, "direction_words"));
  rmd_cell(b, rm_str(k, "target_text"));
  textbuf_lit(b, " ");
  json_array_foreach(rm_arr(k, "priorities"), j, p)
    textbuf_printf(b, "%s%lld", j > 0 ? ", " : "", (long long)json_integer_value(p));
  textbuf_lit(b, " |");
  json_array_foreach(rm_arr(k, "cells"), j, cell)
  {
    textbuf_lit(b, " ");
    if (rm_str(cell, "value_text") != NULL) {
      rmd_text(b, rm_str(cell, "value_text"), false);
      textbuf_lit(b, " ");
    }
    rmd_text(b, rm_str(cell, "rating") != NULL ? rm_str(cell, "rating") : "–", false);
    textbuf_lit(b, " |");
  }
  if (rm_bool(k, "no_update", false))
    snprintf(buf, sizeof(buf), "No update provided");
  else if (rm_bool(k, "rating_differs", false))
    snprintf(buf, sizeof(buf), "%s reported; the rule gives %s", dash(rm_str(k, "rating")),
             dash(rm_str(k, "computed_rating")));
  else if (rm_str(k, "cannot_rate") != NULL)
    snprintf(buf, sizeof(buf), "%s (the rule cannot rate it: %s)", dash(rm_str(k, "rating")),
             rm_str(k, "cannot_rate"));
  else
    snprintf(buf, sizeof(buf), "%s", dash(rm_str(k, "rating")));
  rmd_cell(b, buf);
  rmd_cell(b, rm_str(k, "travel") != NULL ? rm_str(k, "travel") : "–");
  rmd_cell(b, rm_str(k, "comment"));
  textbuf_lit(b, "\n");
}

void
rmd_group(struct textbuf *b, const json_t *m, const json_t *g)
{
  json_t *p, *k, *kcols = rm_path(m, "columns.kpis");
  size_t i;

  exceptions(b, g);
  if (!rm_bool(rm_obj(m, "options"), "detail", true))
    return;
  textbuf_lit(b, "\n### Milestones\n");
  json_array_foreach(rm_arr(g, "priorities"), i, p) milestones(b, m, p);
  textbuf_lit(b, "\n### Key performance indicators\n");
  if (json_array_size(rm_arr(g, "kpis")) == 0) {
    textbuf_lit(b, "\nNo KPIs.\n");
    return;
  }
  textbuf_lit(b, "\n| No. | Description | Trajectory | Target | Priority |");
  cols(b, kcols);
  textbuf_lit(b, " Rating | Direction of travel | Comments |");
  delims(b, json_array_size(kcols) + 8);
  json_array_foreach(rm_arr(g, "kpis"), i, k) kpi_row(b, k);
}

static void
notes_table(struct textbuf *b, const json_t *notes, const char *extra)
{
  json_t *n;
  size_t i;

  if (json_array_size(notes) == 0)
    return;
  textbuf_lit(b, extra != NULL
                   ? "\n| Group | Type | No. | Description | Note |\n"
                     "| --- | --- | --- | --- | --- |\n"
                   : "\n| Group | Type | No. | Description |\n| --- | --- | --- | --- |\n");
  json_array_foreach((json_t *)notes, i, n)
  {
    const char *type = rm_str(n, "type");

    textbuf_lit(b, "|");
    rmd_cell(b, rm_str(n, "group"));
    rmd_cell(b, type != NULL && strcmp(type, "kpi") == 0 ? "KPI" : "Milestone");
    rmd_cell(b, rm_str(n, "code"));
    rmd_cell(b, rm_str(n, "description"));
    if (extra != NULL)
      rmd_cell(b, rm_str(n, extra));
    textbuf_lit(b, "\n");
  }
}

void
rmd_notes(struct textbuf *b, const json_t *m)
{
  json_t *dn = rm_obj(m, "data_notes"), *prov = rm_obj(m, "provenance");
  json_t *head = rm_obj(prov, "audit_head");

  textbuf_lit(b, "\n## Data notes\n\n### No update provided\n");
  rmd_para(b, "\n", rm_str(dn, "no_update_sentence"), "\n");
  notes_table(b, rm_arr(dn, "no_update"), NULL);
  textbuf_lit(b, "\n### Reported ratings that differ from the rule\n");
  rmd_para(b, "\n", rm_str(dn, "rating_differences_sentence"), "\n");
  notes_table(b, rm_arr(dn, "rating_differences"), "note");
  textbuf_lit(b, "\n### KPIs the rule cannot rate\n");
  rmd_para(b, "\n", rm_str(dn, "cannot_rate_sentence"), "\n");
  notes_table(b, rm_arr(dn, "cannot_rate"), "reason");
  textbuf_lit(b, "\n## Provenance\n");
  rmd_para(b, "\n", rm_str(prov, "line"), ".\n");
  if (head != NULL && rm_str(head, "hash") != NULL) {
    textbuf_printf(b,
                   "\nTo prove which data this report showed, verify the audit trail with its "
                   "head as the anchor: GET /api/v1/audit/verify?anchor\\_id=%lld&amp;"
                   "anchor\\_hash=",
                   (long long)rm_int(head, "id", 0));
    rmd_text(b, rm_str(head, "hash"), false);
    textbuf_lit(b, "\n");
  }
}
