/* RAG summaries per transformation group. Pure: it takes the items of one
 * plan year with their ratings for a quarter and builds the JSON answer,
 * with no I/O, clock or globals (answers are cached by cache.h). */
#ifndef RAGBOARD_SUMMARY_H
#define RAGBOARD_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "rag.h"
#include "trend.h"

struct summary_group {
  const char *code;
  const char *name;
  bool active; /* has priorities or items in the plan year: listed in /summary */
};

struct summary_priority {
  size_t group; /* index into groups */
  int64_t number;
  const char *title;
};

struct summary_item {
  bool is_kpi;
  int64_t id;
  size_t group;              /* index into groups */
  const int64_t *priorities; /* priority numbers within the group */
  size_t npriorities;
  const char *code;
  const char *description;
  enum rag_status status; /* milestone status or KPI effective rating */
  bool disagreement;      /* KPI: reported rating differs from computed */
  const char *value_text; /* NULL when none */
  const char *comment;    /* NULL when none */
  bool rated;             /* has an update or reading for the quarter */
};

/* An item's travel since the quarter before (issue 18), parallel to the
 * items: a KPI's direction of travel, a milestone's status change. */
struct summary_trend {
  enum trend_travel travel;
  bool has_previous;        /* milestone: an update for the previous quarter */
  enum rag_status previous; /* its status */
};

/* Everything one quarter's summary needs. Groups in code order,
 * priorities in (group, number) order. All strings borrowed. */
struct summary_input {
  const char *quarter;
  const char *year;
  const struct summary_group *groups;
  size_t ngroups;
  const struct summary_priority *priorities;
  size_t npriorities;
  const struct summary_item *items;
  size_t nitems;
  /* NULL, or one per item: what the *_trends answers count and show. */
  const struct summary_trend *trends;
};

/* Headline figures of another quarter, for comparisons. */
struct summary_headline {
  bool present; /* false when that quarter's year has no items */
  char quarter[16];
  int64_t milestones_tenths;           /* on track or complete, tenths of a percent; -1 = null */
  int64_t kpis_tenths;                 /* KPIs on track; -1 = null */
  size_t rated_milestones, rated_kpis; /* items with an update or reading */
};

/* One group's object (milestones, kpis, exceptions). New reference. */
json_t *summary_group_json(const struct summary_input *in, size_t group);
/* The whole answer of GET /api/v1/summary. New reference. */
json_t *summary_json(const struct summary_input *in, const struct summary_headline *previous,
                     const struct summary_headline *last_year);
/* The "overall" member of summary_json's answer ({"milestones", "kpis"})
 * alone, without building every group's. New reference. */
json_t *summary_overall_json(const struct summary_input *in);
/* Headline percentages of an input (for use as a comparison). */
void summary_headline_of(const struct summary_input *in, struct summary_headline *out);

/* The counts behind the headlines, for a comparison that prints its own
 * percentages (the board report): milestones on track or complete (G + B)
 * and KPIs on track (G), each of its total, and how many of each were
 * rated (had an update or reading). group: an index into in->groups, or
 * SUMMARY_ALL_GROUPS. */
#define SUMMARY_ALL_GROUPS ((size_t)-1)
struct summary_counts {
  int64_t milestones_on_track, milestones, kpis_on_track, kpis;
  size_t rated_milestones, rated_kpis;
};
void summary_counts_of(const struct summary_input *in, size_t group, struct summary_counts *out);
/* Red items of every group: [{"group", ...exception}]. New reference. */
json_t *summary_exceptions_json(const struct summary_input *in);

/* ---- the answers of the API (issue 18) ----
 * As above, plus: each kind's "not_reported" (items with no update or
 * reading for the quarter, which "counts" has under TBC) at every level,
 * "direction_of_travel" counts per group and overall (trend_counts_json,
 * from in->trends), each exception's "direction_of_travel" (KPIs) or
 * "status_change" (milestones), and each group's own "comparison" with
 * the previous quarter and the same quarter last year, as the overall
 * one. A comparison's input is NULL when there is none; a kind none of
 * whose items was reported then compares with nothing (null), not 0%. */
struct summary_compare {
  const struct summary_input *previous, *last_year;
};
json_t *summary_json_trends(const struct summary_input *in, const struct summary_compare *cmp);
json_t *summary_group_json_trends(const struct summary_input *in, size_t group,
                                  const struct summary_compare *cmp);
json_t *summary_exceptions_trends_json(const struct summary_input *in);
/* The headline of an input (of one group's items when group is not NULL)
 * with the rule above. */
void summary_headline_compare(const struct summary_input *in, const char *group,
                              struct summary_headline *out);

/* percent = count * 100 / total rounded half up to one decimal, as tenths;
 * -1 when total is 0. */
int64_t summary_tenths(int64_t count, int64_t total);

#endif
