/* The report model's detail objects: one per milestone and KPI, with the
 * statuses or values of every quarter the detail tables show. */
#include <stdlib.h>
#include <string.h>

#include "report_model_int.h"
#include "util.h"

const json_t *
rm_entry_for(const json_t *item, bool kpi, const char *quarter)
{
  json_t *arr = json_object_get(item, kpi ? "readings" : "updates"), *e;
  size_t i;

  json_array_foreach(arr, i, e)
  {
    const char *q = rm_str(e, "quarter");

    if (q != NULL && quarter != NULL && strcmp(q, quarter) == 0)
      return e;
  }
  return NULL;
}

void
rm_kpi_rule(struct rm_build *b, const json_t *kpi, const char *quarter, struct rag_rule *r)
{
  json_t *qt = json_object_get(json_object_get(kpi, "quarterly_targets"), quarter);
  json_t *t = json_object_get(kpi, "target"), *tol = json_object_get(kpi, "tolerance");
  const char *mode = rm_str(tol, "mode");

  memset(r, 0, sizeof(*r));
  if (rm_str(kpi, "direction") == NULL ||
      !rag_parse_direction(rm_str(kpi, "direction"), &r->direction))
    r->direction = RAG_DIR_NONE;
  /* The plan year's target holds in its own year only: a quarter of
   * another year is rated by a quarterly target given for it, or not at
   * all (as the store rates). */
  if (json_is_number(qt)) {
    r->has_target = true;
    r->target = json_number_value(qt);
  } else if (json_is_number(t) && strncmp(quarter, b->year, 7) == 0) {
    r->has_target = true;
    r->target = json_number_value(t);
  }
  r->mode = mode != NULL && strcmp(mode, "absolute") == 0 ? RAG_TOL_ABSOLUTE : RAG_TOL_RELATIVE;
  r->tolerance = json_is_number(json_object_get(tol, "value"))
                   ? json_number_value(json_object_get(tol, "value"))
                   : 2.0;
}

static json_t *
code_or_null(enum rag_status s)
{
  return s == RAG_NONE ? json_null() : json_string(rag_code(s));
}

static json_t *
text_or_null(const char *s)
{
  return s != NULL ? json_string(s) : json_null();
}

/* A text member of the input, shared with the model (strings are
 * immutable: a reference costs no copy), or null. */
static json_t *
text_of(const json_t *o, const char *key)
{
  json_t *v = json_object_get(o, key);

  return json_is_string(v) ? json_incref(v) : json_null();
}

static json_t *
column(const char *quarter)
{
  char label[REPORT_WORDS_LEN];

  report_quarter_short(quarter, label);
  return json_pack("{s:s, s:s}", "quarter", quarter, "label", label);
}

json_t *
rm_columns(struct rm_build *b)
{
  char id[QUARTER_LEN];

  b->mcols = json_array();
  b->kcols = json_array();
  if (b->mcols == NULL || b->kcols == NULL)
    return NULL;
  /* Milestones: the previous plan year's last quarter, then this year's
   * quarters up to the report's (the seed report's columns, without the
   * empty ones still to come). KPIs: this year's quarters. */
  quarter_format((struct quarter){b->q.start_year - 1, 4}, id);
  json_array_append_new(b->mcols, column(id));
  for (int n = 1; n <= b->q.n; n++) {
    quarter_format((struct quarter){b->q.start_year, n}, id);
    json_array_append_new(b->mcols, column(id));
    json_array_append_new(b->kcols, column(id));
  }
  if (json_array_size(b->mcols) != (size_t)b->q.n + 1 ||
      json_array_size(b->kcols) != (size_t)b->q.n)
    return NULL;
  return b->mcols;
}

/* A detail table's cell: {"quarter": the column's (shared), key: value}
 * (value stolen); NULL when out of memory. Tens of thousands of these in
 * a large plan year: built directly, not with json_pack. */
static json_t *
cell(const json_t *col, const char *key, json_t *value)
{
  json_t *c = json_object();

  if (c == NULL || json_object_set_new_nocheck(c, "quarter", text_of(col, "quarter")) != 0 ||
      json_object_set_new_nocheck(c, key, value) != 0) {
    json_decref(c);
    return NULL;
  }
  return c;
}

/* An object of n members, values stolen (in that order: the model's
 * member order); NULL when out of memory. Built directly, not with
 * json_pack: tens of thousands of these in a large plan year. */
static json_t *
object_of(const char *const *keys, json_t **values, size_t n)
{
  json_t *o = json_object();
  size_t i = 0;

  for (; o != NULL && i < n; i++)
    if (values[i] == NULL || json_object_set_new_nocheck(o, keys[i], values[i]) != 0) {
      i++;
      json_decref(o);
      o = NULL;
      break;
    }
  for (; i < n; i++)
    json_decref(values[i]);
  return o;
}

json_t *
rm_milestone_detail(struct rm_build *b, struct rm_item *it)
{
  json_t *cells = json_array(), *col;
  enum rag_status s = RAG_NONE;
  size_t i;

  json_array_foreach(b->mcols, i, col)
  {
    const json_t *e = rm_entry_for(it->in, false, rm_str(col, "quarter"));
    enum rag_status cs = RAG_NONE;

    if (e != NULL)
      rag_parse_milestone_status(rm_str(e, "status"), &cs);
    json_array_append_new(cells, cell(col, "status", code_or_null(cs)));
  }
  if (it->update != NULL)
    rag_parse_milestone_status(rm_str(it->update, "status"), &s);
  {
    static const char *const keys[] = {"id",          "code",           "description", "priority",
                                       "target_text", "target_quarter", "owner",       "cells",
                                       "status",      "no_update",      "comment"};
    json_t *values[] = {json_is_integer(json_object_get(it->in, "id"))
                          ? json_integer(rm_int(it->in, "id", 0))
                          : json_null(),
                        text_of(it->in, "code"),
                        text_of(it->in, "description"),
                        json_integer(rm_int(it->in, "priority", 0)),
                        text_of(it->in, "target_text"),
                        text_of(it->in, "target_quarter"),
                        text_of(it->in, "owner"),
                        cells,
                        code_or_null(s),
                        json_boolean(it->update == NULL),
                        text_of(it->update, "comment")};

    return object_of(keys, values, ARRAY_LEN(keys));
  }
}

/* The rating a reading shows in its quarter: reported, else the rule's. */
static enum rag_status
cell_rating(struct rm_build *b, const json_t *kpi, const json_t *e, const char *quarter)
{
  enum rag_status reported = RAG_NONE;
  struct rag_rule rule;
  json_t *v = json_object_get(e, "value");

  if (rm_str(e, "rating") != NULL)
    rag_parse_kpi_rating(rm_str(e, "rating"), &reported);
  rm_kpi_rule(b, kpi, quarter, &rule);
  return rag_effective(reported, rag_rate_kpi(&rule, json_is_number(v), json_number_value(v)));
}

static json_t *
chart_of(const json_t *kpi)
{
  json_t *c = json_object_get(kpi, "chart");

  if (!json_is_string(json_object_get(c, "svg")))
    return json_null();
  return json_pack("{s:o, s:o}", "svg", text_of(c, "svg"), "description",
                   text_of(c, "description"));
}

static const char *
direction_words(const char *d)
{
  if (d == NULL)
    return NULL;
  return strcmp(d, "increase") == 0   ? "Increase"
         : strcmp(d, "decrease") == 0 ? "Decrease"
         : strcmp(d, "maintain") == 0 ? "Maintain"
                                      : NULL;
}

json_t *
rm_kpi_detail(struct rm_build *b, struct rm_item *it)
{
  json_t *cells = json_array(), *col, *o, *v = json_object_get(it->update, "value");
  struct rag_rule rule;
  enum rag_status effective = RAG_NONE;
  const char *arrow = report_travel_arrow(it->travel);
  size_t i;

  json_array_foreach(b->kcols, i, col)
  {
    const char *q = rm_str(col, "quarter");
    const json_t *e = rm_entry_for(it->in, true, q);
    json_t *cv = json_object_get(e, "value");

    json_t *c =
      cell(col, "value", json_is_number(cv) ? json_real(json_number_value(cv)) : json_null());

    if (c != NULL &&
        (json_object_set_new_nocheck(c, "value_text", text_of(e, "value_text")) != 0 ||
         json_object_set_new_nocheck(c, "rating",
                                     e != NULL ? code_or_null(cell_rating(b, it->in, e, q))
                                               : json_null()) != 0)) {
      json_decref(c);
      c = NULL;
    }
    json_array_append_new(cells, c);
  }
  rm_kpi_rule(b, it->in, b->quarter, &rule);
  if (it->update != NULL)
    effective = rag_effective(it->reported, it->computed);
  {
    static const char *const keys[] = {"id",
                                       "code",
                                       "description",
                                       "priorities",
                                       "direction",
                                       "direction_words",
                                       "unit",
                                       "target",
                                       "target_text",
                                       "target_in_force",
                                       "tolerance",
                                       "cells",
                                       "value",
                                       "value_text",
                                       "reported_rating",
                                       "computed_rating",
                                       "rating",
                                       "rating_differs",
                                       "cannot_rate",
                                       "direction_of_travel",
                                       "travel",
                                       "comment",
                                       "no_update",
                                       "chart"};
    static const char *const tol_keys[] = {"mode", "value"};
    json_t *tol_values[] = {json_string(rule.mode == RAG_TOL_ABSOLUTE ? "absolute" : "relative"),
                            json_real(rule.tolerance)};
    json_t *values[] = {
      json_is_integer(json_object_get(it->in, "id")) ? json_integer(rm_int(it->in, "id", 0))
                                                     : json_null(),
      text_of(it->in, "code"),
      text_of(it->in, "description"),
      json_incref(json_object_get(it->in, "priorities")),
      text_of(it->in, "direction"),
      text_or_null(direction_words(rm_str(it->in, "direction"))),
      text_of(it->in, "unit"),
      json_is_number(json_object_get(it->in, "target"))
        ? json_real(json_number_value(json_object_get(it->in, "target")))
        : json_null(),
      text_of(it->in, "target_text"),
      rule.has_target ? json_real(rule.target) : json_null(),
      object_of(tol_keys, tol_values, ARRAY_LEN(tol_keys)),
      cells,
      json_is_number(v) ? json_real(json_number_value(v)) : json_null(),
      text_of(it->update, "value_text"),
      code_or_null(it->reported),
      code_or_null(it->computed),
      code_or_null(effective),
      json_boolean(rag_disagrees(it->reported, it->computed)),
      text_or_null(it->update != NULL ? it->cannot_rate : NULL),
      text_or_null(arrow != NULL ? it->travel : NULL),
      arrow != NULL ? rm_take(util_asprintf("%s %s", arrow, it->travel)) : json_null(),
      text_of(it->update, "comment"),
      json_boolean(it->update == NULL),
      chart_of(it->in)};

    o = object_of(keys, values, ARRAY_LEN(keys));
  }
  return o;
}
