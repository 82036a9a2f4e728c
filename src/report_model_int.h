/* Internal to report_model*.c: the build's working state. */
#ifndef RAGBOARD_REPORT_MODEL_INT_H
#define RAGBOARD_REPORT_MODEL_INT_H

#include <stdarg.h>

#include "quarter.h"
#include "rag.h"
#include "report_model.h"
#include "report_words.h"
#include "summary.h"

/* One milestone or KPI of the input, as the report sees it in its quarter. */
struct rm_item {
  const json_t *in;         /* the input object */
  json_t *out;              /* the model's detail object (owned by the model) */
  size_t group;             /* index into rm_build.groups */
  enum rag_status reported; /* KPI: the partner's rating for the quarter */
  enum rag_status computed; /* KPI: the rule's rating for the quarter */
  const char *cannot_rate;  /* KPI: why the rule gives none (NULL when it does) */
  const json_t *update;     /* the quarter's update or reading, or NULL */
  const char *travel;       /* KPI: direction of travel in the quarter, or NULL */
  bool travel_known;        /* the reading carries direction_of_travel at all */
};

struct rm_build {
  const json_t *in;
  char *why;
  size_t cap;
  const char *quarter;
  struct quarter q;
  char year[YEAR_LEN];
  char qshort[REPORT_WORDS_LEN];
  const char *only_group; /* options.group, or NULL */

  /* summary.c's input, over the input's items */
  struct summary_input sin;
  struct summary_group *groups;
  struct summary_priority *prios;
  struct summary_item *items;
  int64_t *numbers; /* storage for the items' priority numbers */
  struct rm_item *ri;
  size_t nmilestones;    /* items[0..nmilestones) are milestones, the rest KPIs */
  json_t *mcols, *kcols; /* quarter ids of the detail tables' columns */
};

/* Set why to "path: message" and answer RB_ERR_INVALID. */
enum rb_err rm_invalid(struct rm_build *b, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

/* json_string(s), freeing s; NULL when s is NULL (out of memory). */
json_t *rm_take(char *s);

/* report_model_parts.c: the model's parts, from a checked build. */
json_t *rm_cover(struct rm_build *b);
json_t *rm_columns(struct rm_build *b);
json_t *rm_tally(json_t *summary_kind, bool kpi);
json_t *rm_headlines(const json_t *milestones, const json_t *kpis);
json_t *rm_comparison(struct rm_build *b, const json_t *in, const json_t *milestones,
                      const json_t *kpis);
json_t *rm_travel(struct rm_build *b, size_t group); /* group (size_t)-1: all */
json_t *rm_exceptions(const json_t *summary_group, const json_t *milestones, const json_t *kpis);
json_t *rm_data_notes(struct rm_build *b);
json_t *rm_provenance(const json_t *in);

/* report_model_items.c: the detail objects of the items. */
json_t *rm_milestone_detail(struct rm_build *b, struct rm_item *it);
json_t *rm_kpi_detail(struct rm_build *b, struct rm_item *it);
/* The rule for a KPI in a quarter (quarterly target, else the plan year's
 * target in its own year, as the store rates). */
void rm_kpi_rule(struct rm_build *b, const json_t *kpi, const char *quarter, struct rag_rule *r);
/* The update (milestones) or reading (KPIs) of an item for a quarter. */
const json_t *rm_entry_for(const json_t *item, bool kpi, const char *quarter);

#endif
