/* Direction of travel (issue 18, section 2).
 *
 * KPI reading, against the previous value in its series (trend_previous:
 * the latest earlier reading that has a value):
 *   - null when the KPI has no direction, the reading has no value, or
 *     there is no earlier value;
 *   - increase: higher is improving, lower worsening, equal same;
 *     decrease: the reverse;
 *   - maintain: the distance to the target in force for the current
 *     reading (the one target both values are judged against: "how close
 *     to where we want to be now"): closer is improving, further
 *     worsening, equally far same; no target: null.
 * "Same" is exact equality of the values as stored: a reading entered as
 * 45.2 twice is the same, 45.2 then 45.21 is not (the values come from
 * decimal text, so equal text gives equal doubles; there is no tolerance to
 * explain to a board). The distances of "maintain" are computed, not
 * stored, so they are equal within a slack of 1e-9 * max(1, |target|) (the
 * slack src/rag.c uses): 96.1 and 93.9 are equally far from 95.
 *
 * Milestone update, against the previous quarter's status: the text
 * "PREV→CUR" (U+2192), null when either is absent; the verdict by the
 * order R < A < G < B, null when either side is BR (not due to start: no
 * delivery to compare) or TBC (unknown), or absent. */
#include "trend.h"

#include <math.h>
#include <stdio.h>

const struct trend_value *
trend_previous(const struct trend_value *series, size_t i)
{
  while (i > 0) {
    i--;
    if (series[i].has_value)
      return &series[i];
  }
  return NULL;
}

static enum trend_travel
compare(double better_if_greater, double other)
{
  if (better_if_greater > other)
    return TREND_IMPROVING;
  if (better_if_greater < other)
    return TREND_WORSENING;
  return TREND_SAME;
}

enum trend_travel
trend_kpi_travel(enum rag_direction direction, bool has_target, double target,
                 const struct trend_value *previous, const struct trend_value *current)
{
  double prev, cur, d_prev, d_cur;

  if (previous == NULL || current == NULL || !previous->has_value || !current->has_value)
    return TREND_NONE;
  prev = previous->value;
  cur = current->value;
  if (!isfinite(prev) || !isfinite(cur))
    return TREND_NONE;
  switch (direction) {
  case RAG_DIR_INCREASE:
    return compare(cur, prev);
  case RAG_DIR_DECREASE:
    return compare(prev, cur);
  case RAG_DIR_MAINTAIN:
    if (!has_target || !isfinite(target))
      return TREND_NONE;
    d_prev = fabs(prev - target);
    d_cur = fabs(cur - target);
    if (fabs(d_cur - d_prev) <= 1e-9 * fmax(1.0, fabs(target)))
      return TREND_SAME;
    return compare(d_prev, d_cur);
  case RAG_DIR_NONE:
  default:
    return TREND_NONE;
  }
}

/* R < A < G < B; -1: not on the scale (BR, TBC, none). */
static int
rank(enum rag_status s)
{
  switch (s) {
  case RAG_R:
    return 0;
  case RAG_A:
    return 1;
  case RAG_G:
    return 2;
  case RAG_B:
    return 3;
  default:
    return -1;
  }
}

bool
trend_status_change(enum rag_status previous, enum rag_status current, char out[TREND_CHANGE_LEN],
                    enum trend_travel *travel)
{
  const char *from = rag_code(previous), *to = rag_code(current);
  int a = rank(previous), b = rank(current);

  *travel = TREND_NONE;
  if (a >= 0 && b >= 0)
    *travel = b > a ? TREND_IMPROVING : b < a ? TREND_WORSENING : TREND_SAME;
  if (from == NULL || to == NULL)
    return false;
  snprintf(out, TREND_CHANGE_LEN, "%s\xe2\x86\x92%s", from, to);
  return true;
}

json_t *
trend_status_change_json(enum rag_status previous, enum rag_status current)
{
  char text[TREND_CHANGE_LEN];
  enum trend_travel t;

  if (!trend_status_change(previous, current, text, &t))
    return json_null();
  return json_pack("{s:s, s:s, s:s, s:o}", "from", rag_code(previous), "to", rag_code(current),
                   "text", text, "travel", trend_travel_json(t));
}

const char *
trend_travel_name(enum trend_travel t)
{
  switch (t) {
  case TREND_IMPROVING:
    return "improving";
  case TREND_SAME:
    return "same";
  case TREND_WORSENING:
    return "worsening";
  case TREND_NONE:
  default:
    return NULL;
  }
}

json_t *
trend_travel_json(enum trend_travel t)
{
  const char *name = trend_travel_name(t);

  return name != NULL ? json_string(name) : json_null();
}

void
trend_count(struct trend_counts *c, enum trend_travel t)
{
  switch (t) {
  case TREND_IMPROVING:
    c->improving++;
    break;
  case TREND_SAME:
    c->same++;
    break;
  case TREND_WORSENING:
    c->worsening++;
    break;
  case TREND_NONE:
  default:
    c->none++;
  }
}

void
trend_counts_add(struct trend_counts *into, const struct trend_counts *from)
{
  into->improving += from->improving;
  into->same += from->same;
  into->worsening += from->worsening;
  into->none += from->none;
}

json_t *
trend_counts_json(const struct trend_counts *c)
{
  return json_pack("{s:I, s:I, s:I, s:I}", "improving", (json_int_t)c->improving, "same",
                   (json_int_t)c->same, "worsening", (json_int_t)c->worsening, "no_comparison",
                   (json_int_t)c->none);
}
