/* The board report's tables as one CSV: the first column names the table,
 * the header is the union of every table's columns, and each table fills
 * its own (doc/report-model.md lists them). Long rather than wide where a
 * table has a column per quarter (milestone_statuses, kpi_values), so the
 * header is the same for every quarter's report. Written with csv.c, which
 * quotes as RFC 4180 says and neutralises formula cells. */
#include <stdio.h>
#include <string.h>

#include "csv.h"
#include "render.h"
#include "render_int.h"
#include "report_model.h"

enum col {
  C_TABLE,
  C_GROUP,
  C_TYPE,
  C_PRIORITY,
  C_CODE,
  C_LABEL,
  C_DESCRIPTION,
  C_MEASURE,
  C_TOTAL,
  C_BR,
  C_B,
  C_G,
  C_A,
  C_R,
  C_TBC,
  C_QUARTER,
  C_DIRECTION,
  C_TARGET,
  C_VALUE,
  C_VALUE_TEXT,
  C_RATING,
  C_REPORTED,
  C_COMPUTED,
  C_TRAVEL,
  C_PERCENT,
  C_CURRENT,
  C_CHANGE,
  C_TEXT,
  C_COMMENT,
  C_NOTE,
  C__COUNT
};

static const char *const header[C__COUNT] = {"table",
                                             "group",
                                             "type",
                                             "priority",
                                             "code",
                                             "label",
                                             "description",
                                             "measure",
                                             "total",
                                             "BR",
                                             "B",
                                             "G",
                                             "A",
                                             "R",
                                             "TBC",
                                             "quarter",
                                             "direction",
                                             "target",
                                             "value",
                                             "value_text",
                                             "rating",
                                             "reported_rating",
                                             "computed_rating",
                                             "direction_of_travel",
                                             "percent",
                                             "current_percent",
                                             "change",
                                             "text",
                                             "comment",
                                             "note"};

struct row {
  const char *v[C__COUNT];
  bool num[C__COUNT];
  char buf[C__COUNT][40]; /* the text of number cells */
};

static void
row_start(struct row *r, const char *table)
{
  memset(r, 0, sizeof(*r));
  r->v[C_TABLE] = table;
}

static void
set(struct row *r, enum col c, const char *v)
{
  r->v[c] = v;
  r->num[c] = false;
}

static void
set_int(struct row *r, enum col c, long long v)
{
  snprintf(r->buf[c], sizeof(r->buf[c]), "%lld", v);
  r->v[c] = r->buf[c];
  r->num[c] = true;
}

/* A JSON number or null (an empty cell). */
static void
set_json(struct row *r, enum col c, const json_t *v)
{
  if (json_is_integer(v)) {
    set_int(r, c, (long long)json_integer_value(v));
  } else if (json_is_real(v)) {
    snprintf(r->buf[c], sizeof(r->buf[c]), "%.15g", json_real_value(v));
    r->v[c] = r->buf[c];
    r->num[c] = true;
  } else {
    r->v[c] = NULL;
  }
}

static void
emit(struct csv_out *o, const struct row *r)
{
  for (int c = 0; c < C__COUNT; c++)
    (r->num[c] ? csv_number : csv_text)(o, r->v[c]);
  csv_end_row(o);
}

static void
report_rows(struct csv_out *o, const json_t *m)
{
  static const char *const keys[][2] = {
    {"title", "title"}, {"report_title", "report_title"}, {"quarter_words", "quarter"}};
  struct row r;
  json_t *n;
  size_t i;

  for (size_t k = 0; k < 3; k++) {
    row_start(&r, "report");
    set(&r, C_QUARTER, rm_str(m, "quarter"));
    set(&r, C_LABEL, keys[k][1]);
    set(&r, C_TEXT, rm_str(m, keys[k][0]));
    emit(o, &r);
  }
  row_start(&r, "report");
  set(&r, C_QUARTER, rm_str(m, "quarter"));
  set(&r, C_LABEL, "approval_history");
  set(&r, C_TEXT, rm_str(rm_obj(m, "cover"), "approval_history"));
  emit(o, &r);
  set(&r, C_LABEL, "provenance");
  set(&r, C_TEXT, rm_str(rm_obj(m, "provenance"), "line"));
  emit(o, &r);
  set(&r, C_LABEL, "method");
  set(&r, C_TEXT, rm_str(rm_obj(m, "cover"), "method"));
  emit(o, &r);
  json_array_foreach(rm_arr(m, "notices"), i, n)
  {
    set(&r, C_LABEL, "notice");
    set(&r, C_TEXT, json_string_value(n));
    emit(o, &r);
  }
}

/* A row of counts (measure "count") or whole percentages ("percent"). */
static void
tally_row(struct csv_out *o, const char *table, const char *group, const json_t *priority,
          const char *label, const json_t *t, bool kpi, bool percent)
{
  static const enum col cols[] = {C_BR, C_B, C_G, C_A, C_R, C_TBC};
  struct row r;

  row_start(&r, table);
  set(&r, C_GROUP, group);
  set_json(&r, C_PRIORITY, priority);
  set(&r, C_LABEL, label);
  set(&r, C_MEASURE, percent ? "percent" : "count");
  set_int(&r, C_TOTAL, (long long)rm_int(t, "total", 0));
  for (size_t c = 0; c < 6; c++) {
    const char *code = render_milestone_codes[c];

    if (kpi && (c == 0 || c == 1))
      continue;
    if (percent)
      set_json(&r, cols[c], json_object_get(rm_obj(t, "percent_whole"), code));
    else
      set_int(&r, cols[c], (long long)rm_int(rm_obj(t, "counts"), code, 0));
  }
  emit(o, &r);
}

static void
sentence_rows(struct csv_out *o, const char *group, const char *label, const json_t *arr)
{
  struct row r;
  json_t *s;
  size_t i;

  json_array_foreach(arr, i, s)
  {
    row_start(&r, "headlines");
    set(&r, C_GROUP, group);
    set(&r, C_LABEL, label);
    set(&r, C_TEXT, json_string_value(s));
    emit(o, &r);
  }
}

static void
comparison_rows(struct csv_out *o, const char *group, const json_t *cmp)
{
  static const char *const whens[] = {"previous_quarter", "same_quarter_last_year"};
  static const char *const kinds[] = {"milestones", "kpis"};
  static const char *const labels[] = {"milestones on track or complete", "KPIs on track"};
  struct row r;

  for (int w = 0; w < 2; w++)
    for (int k = 0; k < 2; k++) {
      json_t *then = rm_obj(cmp, whens[w]), *f = rm_obj(then, kinds[k]);

      row_start(&r, "comparison");
      set(&r, C_GROUP, group);
      set(&r, C_TYPE, whens[w]);
      set(&r, C_LABEL, labels[k]);
      set(&r, C_QUARTER, rm_str(then, "quarter"));
      set_json(&r, C_PERCENT, json_object_get(f, "percent_whole"));
      set_json(&r, C_CURRENT, json_object_get(f, "current_percent_whole"));
      set(&r, C_CHANGE, rm_str(f, "change"));
      set(&r, C_TEXT, rm_str(f, "phrase"));
      emit(o, &r);
    }
}

static void
exception_rows(struct csv_out *o, const char *group, const json_t *ex)
{
  static const char *const kinds[] = {"milestones", "kpis"};
  struct row r;
  json_t *e;
  size_t i;

  for (int k = 0; k < 2; k++)
    json_array_foreach(rm_arr(rm_obj(ex, kinds[k]), "items"), i, e)
    {
      row_start(&r, "exceptions");
      set(&r, C_GROUP, group);
      set(&r, C_TYPE, k == 0 ? "milestone" : "kpi");
      set(&r, C_CODE, rm_str(e, "code"));
      set(&r, C_DESCRIPTION, rm_str(e, "description"));
      set(&r, C_VALUE_TEXT, rm_str(e, "value_text"));
      set(&r, C_RATING, rm_str(e, k == 0 ? "status" : "rating"));
      set(&r, C_COMMENT, rm_str(e, "comment"));
      emit(o, &r);
    }
}

static void
milestone_rows(struct csv_out *o, const json_t *m, const char *group, const json_t *p)
{
  struct row r;
  json_t *it, *cell;
  size_t i, j;

  json_array_foreach(rm_arr(p, "milestones"), i, it)
  {
    row_start(&r, "milestones");
    set(&r, C_GROUP, group);
    set_json(&r, C_PRIORITY, json_object_get(p, "number"));
    set(&r, C_CODE, rm_str(it, "code"));
    set(&r, C_DESCRIPTION, rm_str(it, "description"));
    set(&r, C_TARGET, rm_str(it, "target_text"));
    set(&r, C_QUARTER, rm_str(m, "quarter"));
    set(&r, C_RATING, rm_str(it, "status"));
    set(&r, C_COMMENT, rm_str(it, "comment"));
    set(&r, C_NOTE, rm_bool(it, "no_update", false) ? "no update provided" : NULL);
    emit(o, &r);
    json_array_foreach(rm_arr(it, "cells"), j, cell)
    {
      row_start(&r, "milestone_statuses");
      set(&r, C_GROUP, group);
      set_json(&r, C_PRIORITY, json_object_get(p, "number"));
      set(&r, C_CODE, rm_str(it, "code"));
      set(&r, C_QUARTER, rm_str(cell, "quarter"));
      set(&r, C_RATING, rm_str(cell, "status"));
      emit(o, &r);
    }
  }
}

static void
kpi_rows(struct csv_out *o, const json_t *m, const char *group, const json_t *k)
{
  struct row r;
  json_t *cell, *p;
  size_t j;
  char prios[128] = "";

  json_array_foreach(rm_arr(k, "priorities"), j, p)
  {
    size_t n = strlen(prios);

    snprintf(prios + n, sizeof(prios) - n, "%s%lld", j > 0 ? ";" : "",
             (long long)json_integer_value(p));
  }
  row_start(&r, "kpis");
  set(&r, C_GROUP, group);
  set(&r, C_PRIORITY, prios);
  set(&r, C_CODE, rm_str(k, "code"));
  set(&r, C_DESCRIPTION, rm_str(k, "description"));
  set(&r, C_DIRECTION, rm_str(k, "direction"));
  set(&r, C_TARGET, rm_str(k, "target_text"));
  set(&r, C_QUARTER, rm_str(m, "quarter"));
  set_json(&r, C_VALUE, json_object_get(k, "value"));
  set(&r, C_VALUE_TEXT, rm_str(k, "value_text"));
  set(&r, C_RATING, rm_str(k, "rating"));
  set(&r, C_REPORTED, rm_str(k, "reported_rating"));
  set(&r, C_COMPUTED, rm_str(k, "computed_rating"));
  set(&r, C_TRAVEL, rm_str(k, "direction_of_travel"));
  set(&r, C_COMMENT, rm_str(k, "comment"));
  set(&r, C_NOTE,
      rm_bool(k, "no_update", false)        ? "no update provided"
      : rm_bool(k, "rating_differs", false) ? "reported rating differs from the rule's"
                                            : rm_str(k, "cannot_rate"));
  emit(o, &r);
  json_array_foreach(rm_arr(k, "cells"), j, cell)
  {
    row_start(&r, "kpi_values");
    set(&r, C_GROUP, group);
    set(&r, C_CODE, rm_str(k, "code"));
    set(&r, C_QUARTER, rm_str(cell, "quarter"));
    set_json(&r, C_VALUE, json_object_get(cell, "value"));
    set(&r, C_VALUE_TEXT, rm_str(cell, "value_text"));
    set(&r, C_RATING, rm_str(cell, "rating"));
    emit(o, &r);
  }
}

static void
rcsv_group_items(struct csv_out *o, const json_t *m, const json_t *g)
{
  const char *code = rm_str(g, "code");
  json_t *p;
  size_t i;

  exception_rows(o, code, rm_obj(g, "exceptions"));
  if (!rm_bool(rm_obj(m, "options"), "detail", true))
    return;
  json_array_foreach(rm_arr(g, "priorities"), i, p) milestone_rows(o, m, code, p);
  json_array_foreach(rm_arr(g, "kpis"), i, p) kpi_rows(o, m, code, p);
}

static void
rcsv_notes(struct csv_out *o, const json_t *m)
{
  static const char *const kinds[][2] = {{"no_update", "no update provided"},
                                         {"rating_differences", "rating difference"},
                                         {"cannot_rate", "cannot rate"}};
  json_t *dn = rm_obj(m, "data_notes"), *n;
  struct row r;
  size_t i;

  for (size_t k = 0; k < 3; k++)
    json_array_foreach(rm_arr(dn, kinds[k][0]), i, n)
    {
      row_start(&r, "data_notes");
      set(&r, C_GROUP, rm_str(n, "group"));
      set(&r, C_TYPE, rm_str(n, "type"));
      set(&r, C_CODE, rm_str(n, "code"));
      set(&r, C_DESCRIPTION, rm_str(n, "description"));
      set(&r, C_LABEL, kinds[k][1]);
      set(&r, C_REPORTED, rm_str(n, "reported_rating"));
      set(&r, C_COMPUTED, rm_str(n, "computed_rating"));
      set(&r, C_NOTE, rm_str(n, k == 2 ? "reason" : "note"));
      emit(o, &r);
    }
}

static void
group_rows(struct csv_out *o, const json_t *m, const json_t *g)
{
  const char *code = rm_str(g, "code");
  json_t *sum = rm_obj(g, "summary"), *row, *travel = rm_obj(g, "direction_of_travel");
  size_t i;

  json_array_foreach(rm_arr(rm_obj(sum, "milestones"), "by_priority"), i, row)
    tally_row(o, "milestone_counts", code, json_object_get(row, "priority"), rm_str(row, "title"),
              row, false, false);
  tally_row(o, "milestone_counts", code, NULL, "No. of milestones", rm_obj(sum, "milestones"),
            false, false);
  tally_row(o, "milestone_counts", code, NULL, "% against total", rm_obj(sum, "milestones"), false,
            true);
  tally_row(o, "kpi_counts", code, NULL, "No. of KPIs", rm_obj(sum, "kpis"), true, false);
  tally_row(o, "kpi_counts", code, NULL, "% against total", rm_obj(sum, "kpis"), true, true);
  sentence_rows(o, code, "headline", rm_arr(sum, "headlines"));
  if (travel != NULL) {
    json_t *one = json_pack("[s?]", rm_str(travel, "sentence"));

    sentence_rows(o, code, "direction_of_travel", one);
    json_decref(one);
  }
  comparison_rows(o, code, rm_obj(g, "comparison"));
  rcsv_group_items(o, m, g);
}

enum rb_err
render_csv(const json_t *m, char **out, size_t *len)
{
  struct csv_out o = {NULL, 0, 0, false, false};
  json_t *g, *p, *ov = rm_obj(m, "overall");
  struct row r;
  size_t i, j;
  char *text;

  for (int c = 0; c < C__COUNT; c++)
    csv_text(&o, header[c]);
  csv_end_row(&o);
  report_rows(&o, m);
  json_array_foreach(rm_arr(m, "groups"), i, g)
  {
    row_start(&r, "groups");
    set(&r, C_GROUP, rm_str(g, "code"));
    set(&r, C_LABEL, rm_str(g, "name"));
    emit(&o, &r);
    json_array_foreach(rm_arr(g, "chairs"), j, p)
    {
      row_start(&r, "chairs");
      set(&r, C_GROUP, rm_str(g, "code"));
      set(&r, C_LABEL, json_string_value(p));
      emit(&o, &r);
    }
    json_array_foreach(rm_arr(g, "priorities"), j, p)
    {
      row_start(&r, "priorities");
      set(&r, C_GROUP, rm_str(g, "code"));
      set_json(&r, C_PRIORITY, json_object_get(p, "number"));
      set(&r, C_LABEL, rm_str(p, "title"));
      set(&r, C_DESCRIPTION, rm_str(p, "long_title"));
      emit(&o, &r);
    }
  }
  tally_row(&o, "milestone_counts", NULL, NULL, "All groups", rm_obj(ov, "milestones"), false,
            false);
  tally_row(&o, "milestone_counts", NULL, NULL, "All groups %", rm_obj(ov, "milestones"), false,
            true);
  tally_row(&o, "kpi_counts", NULL, NULL, "All groups", rm_obj(ov, "kpis"), true, false);
  tally_row(&o, "kpi_counts", NULL, NULL, "All groups %", rm_obj(ov, "kpis"), true, true);
  sentence_rows(&o, NULL, "headline", rm_arr(ov, "headlines"));
  sentence_rows(&o, NULL, "position", rm_arr(ov, "position"));
  comparison_rows(&o, NULL, rm_obj(ov, "comparison"));
  json_array_foreach(rm_arr(m, "groups"), i, g) group_rows(&o, m, g);
  rcsv_notes(&o, m);
  text = csv_finish(&o, len);
  if (text == NULL)
    return RB_ERR_NOMEM;
  *out = text;
  return RB_OK;
}
