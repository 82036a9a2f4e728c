#include "summary.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

int64_t
summary_tenths(int64_t count, int64_t total)
{
  if (total <= 0)
    return -1;
  /* round(count * 1000 / total) half up, in integers: exact. */
  return (count * 2000 + total) / (2 * total);
}

static json_t *
pct(int64_t count, int64_t total)
{
  int64_t t = summary_tenths(count, total);

  return t < 0 ? json_null() : json_real((double)t / 10.0);
}

static json_t *
tenths_json(int64_t t)
{
  return t < 0 ? json_null() : json_real((double)t / 10.0);
}

/* Milestones use all six codes; KPIs G, A, R and TBC. */
static const enum rag_status milestone_keys[] = {RAG_BR, RAG_B, RAG_G, RAG_A, RAG_R, RAG_TBC};
static const enum rag_status kpi_keys[] = {RAG_G, RAG_A, RAG_R, RAG_TBC};

struct tally {
  int64_t total;
  int64_t counts[RAG__COUNT];
  int64_t disagreements;
  int64_t not_reported;
  struct trend_counts travel;
};

/* What the answers show: the summaries of the API add what issue 18 asks
 * for (trends); the report's model keeps the shape it was made for. */
struct shape {
  bool trends;
  const struct summary_compare *cmp; /* trends: the comparisons, or NULL */
};

static const struct shape plain = {false, NULL};

static void
tally_add(struct tally *t, const struct summary_input *in, size_t i)
{
  const struct summary_item *it = &in->items[i];
  enum rag_status s = it->status;

  if (s < 0 || s >= RAG__COUNT)
    s = RAG_TBC;
  t->total++;
  t->counts[s]++;
  if (it->disagreement)
    t->disagreements++;
  if (!it->rated)
    t->not_reported++;
  trend_count(&t->travel, in->trends != NULL ? in->trends[i].travel : TREND_NONE);
}

/* {"total", "counts", "percent"} plus the headline fields (and with
 * trends, "not_reported"). */
static json_t *
tally_json(const struct tally *t, bool kpi, bool headlines, bool trends)
{
  const enum rag_status *keys = kpi ? kpi_keys : milestone_keys;
  size_t nkeys = kpi ? ARRAY_LEN(kpi_keys) : ARRAY_LEN(milestone_keys);
  json_t *counts = json_object(), *percent = json_object();
  json_t *o;

  for (size_t i = 0; i < nkeys; i++) {
    json_object_set_new(counts, rag_code(keys[i]), json_integer(t->counts[keys[i]]));
    json_object_set_new(percent, rag_code(keys[i]), pct(t->counts[keys[i]], t->total));
  }
  o = json_pack("{s:I, s:o, s:o}", "total", (json_int_t)t->total, "counts", counts, "percent",
                percent);
  if (o != NULL && trends)
    json_object_set_new(o, "not_reported", json_integer(t->not_reported));
  if (o == NULL || !headlines)
    return o;
  if (kpi) {
    json_object_set_new(o, "on_track_percent", pct(t->counts[RAG_G], t->total));
  } else {
    json_object_set_new(o, "on_track_or_complete_percent",
                        pct(t->counts[RAG_G] + t->counts[RAG_B], t->total));
  }
  json_object_set_new(o, "red_percent", pct(t->counts[RAG_R], t->total));
  return o;
}

static bool
in_priority(const struct summary_item *it, int64_t number)
{
  for (size_t i = 0; i < it->npriorities; i++)
    if (it->priorities[i] == number)
      return true;
  return false;
}

/* One kind (milestones or KPIs) of one group: totals, headlines, by priority.
 * One pass over the items tallies the group's priorities together (a
 * pass per priority made a large plan year's summary quadratic). */
#define KIND_BATCH 64
static json_t *
kind_json(const struct summary_input *in, size_t group, bool kpi, const struct shape *sh)
{
  struct tally all = {0}, t[KIND_BATCH];
  size_t which[KIND_BATCH], n = 0, p = 0;
  json_t *o, *by = json_array();

  for (size_t i = 0; i < in->nitems; i++)
    if (in->items[i].is_kpi == kpi && in->items[i].group == group)
      tally_add(&all, in, i);
  o = tally_json(&all, kpi, true, sh->trends);
  /* The group's priorities, in their order, a batch at a time. */
  while (p < in->npriorities) {
    n = 0;
    for (; p < in->npriorities && n < KIND_BATCH; p++)
      if (in->priorities[p].group == group)
        which[n++] = p;
    if (n == 0)
      break;
    memset(t, 0, n * sizeof(*t));
    for (size_t i = 0; i < in->nitems; i++) {
      const struct summary_item *it = &in->items[i];

      if (it->is_kpi != kpi || it->group != group)
        continue;
      for (size_t k = 0; k < n; k++)
        if (in_priority(it, in->priorities[which[k]].number))
          tally_add(&t[k], in, i);
    }
    for (size_t k = 0; k < n; k++) {
      const struct summary_priority *pr = &in->priorities[which[k]];
      json_t *row = tally_json(&t[k], kpi, false, sh->trends);

      json_object_set_new(row, "priority", json_integer(pr->number));
      json_object_set_new(row, "title", json_string(pr->title));
      json_array_append_new(by, row);
    }
  }
  json_object_set_new(o, "by_priority", by);
  if (kpi)
    json_object_set_new(o, "rating_disagreements", json_integer(all.disagreements));
  if (sh->trends)
    json_object_set_new(o, "direction_of_travel", trend_counts_json(&all.travel));
  return o;
}

static json_t *
exception_json(const struct summary_input *in, size_t i, const struct shape *sh)
{
  const struct summary_item *it = &in->items[i];
  const struct summary_trend *t = in->trends != NULL ? &in->trends[i] : NULL;
  json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s?, s:s?}", "type",
                        it->is_kpi ? "kpi" : "milestone", "id", (json_int_t)it->id, "code",
                        it->code, "description", it->description, it->is_kpi ? "rating" : "status",
                        rag_code(it->status), "value_text", it->value_text, "comment", it->comment);

  if (o == NULL || !sh->trends)
    return o;
  if (it->is_kpi)
    json_object_set_new(o, "direction_of_travel",
                        trend_travel_json(t != NULL ? t->travel : TREND_NONE));
  else
    json_object_set_new(
      o, "status_change",
      trend_status_change_json(t != NULL && t->has_previous ? t->previous : RAG_NONE,
                               it->rated ? it->status : RAG_NONE));
  return o;
}

static json_t *
group_exceptions(const struct summary_input *in, size_t group, const struct shape *sh)
{
  json_t *arr = json_array(), *kpis = json_array();

  /* Milestones first, then KPIs, each in the order the store gave (by id):
   * one pass, the KPIs gathered aside. */
  for (size_t i = 0; i < in->nitems; i++) {
    const struct summary_item *it = &in->items[i];

    if (it->group == group && it->status == RAG_R)
      json_array_append_new(it->is_kpi ? kpis : arr, exception_json(in, i, sh));
  }
  json_array_extend(arr, kpis);
  json_decref(kpis);
  return arr;
}

static json_t *comparison_json(const struct summary_compare *cmp, const char *group);

static json_t *
group_json(const struct summary_input *in, size_t group, const struct shape *sh)
{
  json_t *o =
    json_pack("{s:s, s:s, s:o, s:o, s:o}", "code", in->groups[group].code, "name",
              in->groups[group].name, "milestones", kind_json(in, group, false, sh), "kpis",
              kind_json(in, group, true, sh), "exceptions", group_exceptions(in, group, sh));

  if (o != NULL && sh->trends)
    json_object_set_new(o, "comparison", comparison_json(sh->cmp, in->groups[group].code));
  return o;
}

json_t *
summary_group_json(const struct summary_input *in, size_t group)
{
  return group_json(in, group, &plain);
}

json_t *
summary_group_json_trends(const struct summary_input *in, size_t group,
                          const struct summary_compare *cmp)
{
  const struct shape sh = {true, cmp};

  return group_json(in, group, &sh);
}

static json_t *
overall_kind(const struct summary_input *in, bool kpi, const struct shape *sh)
{
  struct tally t = {0};
  json_t *o;

  for (size_t i = 0; i < in->nitems; i++)
    if (in->items[i].is_kpi == kpi)
      tally_add(&t, in, i);
  o = tally_json(&t, kpi, true, sh->trends);
  if (kpi)
    json_object_set_new(o, "rating_disagreements", json_integer(t.disagreements));
  if (sh->trends)
    json_object_set_new(o, "direction_of_travel", trend_counts_json(&t.travel));
  return o;
}

json_t *
summary_overall_json(const struct summary_input *in)
{
  return json_pack("{s:o, s:o}", "milestones", overall_kind(in, false, &plain), "kpis",
                   overall_kind(in, true, &plain));
}

void
summary_counts_of(const struct summary_input *in, size_t group, struct summary_counts *out)
{
  struct tally m = {0}, k = {0};

  memset(out, 0, sizeof(*out));
  for (size_t i = 0; i < in->nitems; i++) {
    const struct summary_item *it = &in->items[i];

    if (group != SUMMARY_ALL_GROUPS && it->group != group)
      continue;
    tally_add(it->is_kpi ? &k : &m, in, i);
    if (it->rated)
      (*(it->is_kpi ? &out->rated_kpis : &out->rated_milestones))++;
  }
  out->milestones_on_track = m.counts[RAG_G] + m.counts[RAG_B];
  out->milestones = m.total;
  out->kpis_on_track = k.counts[RAG_G];
  out->kpis = k.total;
}

void
summary_headline_of(const struct summary_input *in, struct summary_headline *out)
{
  struct summary_counts c;

  summary_counts_of(in, SUMMARY_ALL_GROUPS, &c);
  out->rated_milestones = c.rated_milestones;
  out->rated_kpis = c.rated_kpis;
  out->present = in->nitems > 0;
  strncpy(out->quarter, in->quarter, sizeof(out->quarter) - 1);
  out->quarter[sizeof(out->quarter) - 1] = '\0';
  out->milestones_tenths = summary_tenths(c.milestones_on_track, c.milestones);
  out->kpis_tenths = summary_tenths(c.kpis_on_track, c.kpis);
}

static json_t *
headline_json(const struct summary_headline *h)
{
  if (h == NULL || !h->present)
    return json_null();
  return json_pack("{s:s, s:o, s:o}", "quarter", h->quarter,
                   "milestones_on_track_or_complete_percent", tenths_json(h->milestones_tenths),
                   "kpis_on_track_percent", tenths_json(h->kpis_tenths));
}

static json_t *
whole_json(const struct summary_input *in, const struct summary_headline *previous,
           const struct summary_headline *last_year, const struct shape *sh)
{
  json_t *groups = json_array();

  for (size_t g = 0; g < in->ngroups; g++)
    if (in->groups[g].active)
      json_array_append_new(groups, group_json(in, g, sh));
  return json_pack("{s:s, s:s, s:o, s:{s:o, s:o}, s:{s:o, s:o}}", "quarter", in->quarter, "year",
                   in->year, "groups", groups, "overall", "milestones", overall_kind(in, false, sh),
                   "kpis", overall_kind(in, true, sh), "comparison", "previous_quarter",
                   headline_json(previous), "same_quarter_last_year", headline_json(last_year));
}

json_t *
summary_json(const struct summary_input *in, const struct summary_headline *previous,
             const struct summary_headline *last_year)
{
  return whole_json(in, previous, last_year, &plain);
}

void
summary_headline_compare(const struct summary_input *in, const char *group,
                         struct summary_headline *out)
{
  struct summary_input only = *in;
  struct summary_item *items = NULL;

  memset(out, 0, sizeof(*out));
  if (group != NULL) {
    /* The group's items alone (groups are matched by code: another
     * quarter's input numbers them its own way). */
    items = malloc((in->nitems + 1) * sizeof(*items));
    if (items == NULL)
      return; /* not present: compared with nothing */
    only.items = items;
    only.nitems = 0;
    only.trends = NULL; /* a headline counts no travel */
    for (size_t i = 0; i < in->nitems; i++)
      if (strcmp(in->groups[in->items[i].group].code, group) == 0)
        items[only.nitems++] = in->items[i];
  }
  summary_headline_of(&only, out);
  if (out->rated_milestones == 0)
    out->milestones_tenths = -1;
  if (out->rated_kpis == 0)
    out->kpis_tenths = -1;
  free(items);
}

static json_t *
comparison_json(const struct summary_compare *cmp, const char *group)
{
  struct summary_headline prev = {0}, last = {0};

  if (cmp != NULL && cmp->previous != NULL)
    summary_headline_compare(cmp->previous, group, &prev);
  if (cmp != NULL && cmp->last_year != NULL)
    summary_headline_compare(cmp->last_year, group, &last);
  return json_pack("{s:o, s:o}", "previous_quarter", headline_json(&prev), "same_quarter_last_year",
                   headline_json(&last));
}

json_t *
summary_json_trends(const struct summary_input *in, const struct summary_compare *cmp)
{
  const struct shape sh = {true, cmp};
  struct summary_headline prev = {0}, last = {0};

  if (cmp != NULL && cmp->previous != NULL)
    summary_headline_compare(cmp->previous, NULL, &prev);
  if (cmp != NULL && cmp->last_year != NULL)
    summary_headline_compare(cmp->last_year, NULL, &last);
  return whole_json(in, &prev, &last, &sh);
}

static json_t *
exceptions_json(const struct summary_input *in, const struct shape *sh)
{
  json_t *arr = json_array();

  for (size_t g = 0; g < in->ngroups; g++) {
    json_t *ex = group_exceptions(in, g, sh);
    size_t i;
    json_t *e;

    json_array_foreach(ex, i, e)
    {
      json_object_set_new(e, "group", json_string(in->groups[g].code));
      json_array_append(arr, e);
    }
    json_decref(ex);
  }
  return arr;
}

json_t *
summary_exceptions_json(const struct summary_input *in)
{
  return exceptions_json(in, &plain);
}

json_t *
summary_exceptions_trends_json(const struct summary_input *in)
{
  const struct shape sh = {true, NULL};

  return exceptions_json(in, &sh);
}
