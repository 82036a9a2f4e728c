/* The report model's parts: cover, tallies with their printed percentages,
 * headlines, comparisons, direction of travel, exceptions, data notes and
 * provenance. */
#include <stdlib.h>
#include <string.h>

#include "report_model_int.h"
#include "util.h"

static bool
scoped(struct rm_build *b, size_t g)
{
  return b->groups[g].active &&
         (b->only_group == NULL || strcmp(b->groups[g].code, b->only_group) == 0);
}

static json_t *
pct_json(int p)
{
  return p < 0 ? json_null() : json_integer(p);
}

static json_t *
date_words(const char *iso)
{
  char w[REPORT_WORDS_LEN];

  return iso != NULL && report_date_words(iso, w) ? json_string(w) : json_null();
}

/* The quarters[] entry of the input for a quarter, or NULL. */
static const json_t *
schedule_entry(const json_t *in, const char *quarter)
{
  json_t *e;
  size_t i;

  json_array_foreach(rm_arr(in, "quarters"), i, e)
  {
    const char *id = rm_str(e, "id");

    if (id != NULL && strcmp(id, quarter) == 0)
      return e;
  }
  return NULL;
}

static json_t *
rating_key(void)
{
  json_t *ms = json_array(), *ks = json_array();

  for (int s = 0; s < RAG__COUNT; s++) {
    const struct rag_meaning *m = rag_meaning((enum rag_status)s);

    json_array_append_new(ms, json_pack("{s:s, s:s?, s:s}", "code", m->code, "colour", m->colour,
                                        "meaning", m->milestone));
    if (m->kpi != NULL)
      json_array_append_new(
        ks, json_pack("{s:s, s:s?, s:s}", "code", m->code, "colour", m->colour, "meaning", m->kpi));
  }
  /* The framework's default tolerance: relative, 2% of the target. */
  return json_pack("{s:o, s:o, s:o}", "milestones", ms, "kpis", ks, "tolerance_rule",
                   rm_take(report_tolerance_rule(false, 2.0)));
}

json_t *
rm_cover(struct rm_build *b)
{
  json_t *bodies = rm_obj(b->in, "bodies"), *schedule = json_array(), *e;
  const json_t *mine = schedule_entry(b->in, b->quarter);
  const char *dt = rm_str(bodies, "delivery_team"), *pb = rm_str(bodies, "place_board");
  size_t i;

  dt = dt != NULL ? dt : "Delivery Team";
  pb = pb != NULL ? pb : "Place Board";
  json_array_foreach(rm_arr(b->in, "quarters"), i, e)
  {
    char qs[REPORT_WORDS_LEN];

    if (!report_quarter_short(rm_str(e, "id"), qs))
      continue;
    json_array_append_new(schedule,
                          json_pack("{s:s, s:s, s:s?, s:o, s:s?, s:o}", "quarter", rm_str(e, "id"),
                                    "quarter_short", qs, "delivery_team_date",
                                    rm_str(e, "delivery_team_date"), "delivery_team_date_words",
                                    date_words(rm_str(e, "delivery_team_date")), "place_board_date",
                                    rm_str(e, "place_board_date"), "place_board_date_words",
                                    date_words(rm_str(e, "place_board_date"))));
  }
  return json_pack("{s:{s:s, s:s?, s:o}, s:{s:s, s:s?, s:o}, s:o, s:o, s:o, s:o}", "delivery_team",
                   "name", dt, "date", rm_str(mine, "delivery_team_date"), "date_words",
                   date_words(rm_str(mine, "delivery_team_date")), "place_board", "name", pb,
                   "date", rm_str(mine, "place_board_date"), "date_words",
                   date_words(rm_str(mine, "place_board_date")), "approval_history",
                   rm_take(report_approval_history(dt, rm_str(mine, "delivery_team_date"), pb,
                                                   rm_str(mine, "place_board_date"))),
                   "schedule", schedule, "rating_key", rating_key(), "method",
                   rm_take(report_method_sentence(b->qshort)));
}

/* {code: whole percent or null} for the codes of counts. */
static json_t *
whole_percents(const json_t *counts, int64_t total)
{
  json_t *out = json_object(), *v;
  const char *code;

  json_object_foreach((json_t *)counts, code, v)
    json_object_set_new(out, code, pct_json(report_percent(json_integer_value(v), total)));
  return out;
}

static int64_t
count_of(const json_t *tally, const char *code)
{
  return rm_int(rm_obj(tally, "counts"), code, 0);
}

json_t *
rm_tally(json_t *kind, bool kpi)
{
  json_t *t = json_deep_copy(kind), *row;
  int64_t total = rm_int(kind, "total", 0);
  size_t i;

  if (t == NULL)
    return NULL;
  json_object_set_new(t, "percent_whole", whole_percents(rm_obj(kind, "counts"), total));
  if (kpi)
    json_object_set_new(t, "on_track_percent_whole",
                        pct_json(report_percent(count_of(kind, "G"), total)));
  else
    json_object_set_new(t, "on_track_or_complete_percent_whole",
                        pct_json(report_percent(count_of(kind, "G") + count_of(kind, "B"), total)));
  json_object_set_new(t, "red_percent_whole", pct_json(report_percent(count_of(kind, "R"), total)));
  json_array_foreach(rm_arr(t, "by_priority"), i, row) json_object_set_new(
    row, "percent_whole", whole_percents(rm_obj(row, "counts"), rm_int(row, "total", 0)));
  return t;
}

json_t *
rm_headlines(const json_t *ms, const json_t *ks)
{
  json_t *arr = json_array();

  json_array_append_new(
    arr, rm_take(report_headline((int)rm_int(ms, "on_track_or_complete_percent_whole", -1),
                                 (int)rm_int(ks, "on_track_percent_whole", -1))));
  if (count_of(ms, "R") > 0)
    json_array_append_new(
      arr, rm_take(report_red_headline(false, (int)rm_int(ms, "red_percent_whole", 0))));
  if (count_of(ks, "R") > 0)
    json_array_append_new(
      arr, rm_take(report_red_headline(true, (int)rm_int(ks, "red_percent_whole", 0))));
  return arr;
}

/* One kind's figure then and now: {"count", "total", "percent_whole",
 * "current_percent_whole", "change", "arrow", "phrase"}. */
static json_t *
compare_kind(const json_t *then, int now, const char *qshort)
{
  int64_t count = rm_int(then, "count", -1), total = rm_int(then, "total", -1);
  int before = count >= 0 && count <= total ? report_percent(count, total) : -1;
  enum report_change c = report_change_of(before, now);
  bool both = before >= 0 && now >= 0;

  return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "count",
                   before >= 0 ? json_integer(count) : json_null(), "total",
                   before >= 0 ? json_integer(total) : json_null(), "percent_whole",
                   pct_json(before), "current_percent_whole", pct_json(now), "change",
                   both ? json_string(c == REPORT_UP     ? "up"
                                      : c == REPORT_DOWN ? "down"
                                                         : "same")
                        : json_null(),
                   "arrow", both ? json_string(report_change_arrow(c)) : json_null(), "phrase",
                   rm_take(report_change_phrase(before, now, qshort)));
}

static json_t *
compare_one(const json_t *then, struct quarter q, const json_t *ms, const json_t *ks)
{
  char id[QUARTER_LEN], qs[REPORT_WORDS_LEN];

  quarter_format(q, id);
  report_quarter_short(id, qs);
  return json_pack(
    "{s:s, s:s, s:o, s:o}", "quarter", id, "quarter_short", qs, "milestones",
    compare_kind(rm_obj(then, "milestones"),
                 (int)rm_int(ms, "on_track_or_complete_percent_whole", -1), qs),
    "kpis", compare_kind(rm_obj(then, "kpis"), (int)rm_int(ks, "on_track_percent_whole", -1), qs));
}

json_t *
rm_comparison(struct rm_build *b, const json_t *in, const json_t *ms, const json_t *ks)
{
  return json_pack(
    "{s:o, s:o}", "previous_quarter",
    compare_one(rm_obj(in, "previous_quarter"), quarter_previous(b->q), ms, ks),
    "same_quarter_last_year",
    compare_one(rm_obj(in, "same_quarter_last_year"), quarter_same_last_year(b->q), ms, ks));
}

json_t *
rm_travel(struct rm_build *b, size_t group)
{
  int64_t n[3] = {0, 0, 0}, none = 0;
  bool known = json_is_true(json_object_get(b->in, "travel"));

  for (size_t i = b->nmilestones; i < b->sin.nitems; i++) {
    const struct rm_item *it = &b->ri[i];
    const char *arrow = report_travel_arrow(it->travel);

    if (group != (size_t)-1 ? it->group != group : !scoped(b, it->group))
      continue;
    known |= it->travel_known;
    if (arrow == NULL)
      none++;
    else
      n[strcmp(it->travel, "improving") == 0 ? 0 : strcmp(it->travel, "same") == 0 ? 1 : 2]++;
  }
  /* Null when the input says nothing of travel. */
  if (!known)
    return json_null();
  return json_pack("{s:I, s:I, s:I, s:I, s:o}", "improving", (json_int_t)n[0], "same",
                   (json_int_t)n[1], "worsening", (json_int_t)n[2], "none", (json_int_t)none,
                   "sentence", rm_take(report_travel_sentence(n[0], n[1], n[2], none)));
}

static json_t *
exceptions_kind(const json_t *all, const json_t *tally, bool kpi)
{
  json_t *items = json_array(), *e;
  int64_t total = rm_int(tally, "total", 0), red = count_of(tally, "R");
  size_t i;

  json_array_foreach((json_t *)all, i, e)
  {
    const char *type = rm_str(e, "type");

    if (type != NULL && strcmp(type, kpi ? "kpi" : "milestone") == 0)
      json_array_append_new(items, json_deep_copy(e));
  }
  return json_pack("{s:I, s:I, s:o, s:o}", "total", (json_int_t)total, "red", (json_int_t)red,
                   "sentence", rm_take(report_count_sentence(kpi, total, red)), "items", items);
}

json_t *
rm_exceptions(const json_t *summary_group, const json_t *ms, const json_t *ks)
{
  json_t *all = json_object_get(summary_group, "exceptions");

  return json_pack("{s:o, s:o}", "milestones", exceptions_kind(all, ms, false), "kpis",
                   exceptions_kind(all, ks, true));
}

static json_t *
note(struct rm_build *b, const struct rm_item *it, bool kpi)
{
  return json_pack("{s:s, s:s, s:s, s:s}", "group", b->groups[it->group].code, "type",
                   kpi ? "kpi" : "milestone", "code", rm_str(it->in, "code"), "description",
                   rm_str(it->in, "description"));
}

static const char *
colour(enum rag_status s)
{
  const struct rag_meaning *m = rag_meaning(s);

  return m != NULL && m->colour != NULL ? m->colour : rag_code(s);
}

json_t *
rm_data_notes(struct rm_build *b)
{
  json_t *none = json_array(), *diff = json_array(), *cannot = json_array(), *o;
  int64_t nm = 0, nk = 0;
  char *m, *k;

  for (size_t i = 0; i < b->sin.nitems; i++) {
    const struct rm_item *it = &b->ri[i];
    bool kpi = i >= b->nmilestones;

    if (!scoped(b, it->group))
      continue;
    if (it->update == NULL) {
      json_array_append_new(none, note(b, it, kpi));
      (*(kpi ? &nk : &nm))++;
      continue;
    }
    if (kpi && rag_disagrees(it->reported, it->computed)) {
      o = note(b, it, kpi);
      json_object_set_new(o, "reported_rating", json_string(rag_code(it->reported)));
      json_object_set_new(o, "computed_rating", json_string(rag_code(it->computed)));
      json_object_set_new(o, "note",
                          rm_take(util_asprintf("reported %s; the rule gives %s",
                                                colour(it->reported), colour(it->computed))));
      json_array_append_new(diff, o);
    }
    if (kpi && it->computed == RAG_NONE) {
      o = note(b, it, kpi);
      json_object_set_new(o, "reason", json_string(it->cannot_rate));
      json_array_append_new(cannot, o);
    }
  }
  m = report_count_words(nm, "milestone", "milestones");
  k = report_count_words(nk, "KPI", "KPIs");
  o = json_pack(
    "{s:o, s:o, s:o, s:o, s:o, s:o}", "no_update", none, "no_update_sentence",
    nm + nk == 0
      ? rm_take(util_asprintf("Every milestone and KPI has an update for %s.", b->qshort))
      : rm_take(util_asprintf("No update provided for %s: %s and %s.", b->qshort, m, k)),
    "rating_differences", diff, "rating_differences_sentence",
    json_array_size(diff) == 0 ? json_string("Every reported KPI rating agrees with the rule.")
    : json_array_size(diff) == 1
      ? json_string("The reported rating of 1 KPI differs from the rule's (the reported rating is "
                    "the one counted):")
      : rm_take(util_asprintf("The reported ratings of %zu KPIs differ from the rule's (the "
                              "reported ratings are the ones counted):",
                              json_array_size(diff))),
    "cannot_rate", cannot, "cannot_rate_sentence",
    json_array_size(cannot) == 0
      ? json_string("The rule rates every KPI that has a reading.")
      : rm_take(util_asprintf("The rule cannot rate %zu KPI%s with a reading:",
                              json_array_size(cannot), json_array_size(cannot) == 1 ? "" : "s")));
  free(m);
  free(k);
  return o;
}

json_t *
rm_provenance(const json_t *in)
{
  json_t *p = rm_obj(in, "provenance"), *head = rm_obj(p, "audit_head");
  const char *built = rm_str(p, "built_at"), *version = rm_str(p, "data_version");
  const char *hash = rm_str(head, "hash");
  int64_t id = rm_int(head, "id", -1);
  char *line, *footer;

  built = built != NULL ? built : "(time not recorded)";
  version = version != NULL ? version : "(not recorded)";
  if (head != NULL && hash != NULL && id >= 0) {
    line = util_asprintf("Built %s from data version %s; audit trail head: entry %lld, hash %s",
                         built, version, (long long)id, hash);
    footer = util_asprintf("Built %s · data version %s · audit entry %lld %.12s", built, version,
                           (long long)id, hash);
  } else {
    line = util_asprintf("Built %s from data version %s; the audit trail is empty", built, version);
    footer = util_asprintf("Built %s · data version %s", built, version);
  }
  return json_pack("{s:s?, s:s?, s:o, s:s?, s:o, s:o}", "built_at", rm_str(p, "built_at"),
                   "data_version", rm_str(p, "data_version"), "audit_head",
                   head != NULL && hash != NULL && id >= 0
                     ? json_pack("{s:I, s:s}", "id", (json_int_t)id, "hash", hash)
                     : json_null(),
                   "ragboard_version", rm_str(p, "ragboard_version"), "line", rm_take(line),
                   "footer", rm_take(footer));
}

json_t *
rm_take(char *s)
{
  json_t *v = s != NULL ? json_string(s) : NULL;

  free(s);
  return v;
}
