#include "rag.h"

#include <math.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

/* The one definition of the rating codes: what each means for a milestone
 * and for a KPI (the framework's own legend: the board report's key, and
 * docs/domain.md). The contract's descriptions are tested against this
 * table (`ragboard ratings`, tests/spec/ratings.py), so they cannot drift. */
static const struct rag_meaning meanings[RAG__COUNT] = {
  [RAG_BR] = {"BR", "Brown", "not due to start", NULL},
  [RAG_B] = {"B", "Blue", "complete", NULL},
  [RAG_G] = {"G", "Green", "on track", "achieving target"},
  [RAG_A] = {"A", "Amber", "started but not on track",
             "almost achieving target (within the tolerance, 2% of the target by default)"},
  [RAG_R] = {"R", "Red", "significant issues", "not achieving target (beyond the tolerance)"},
  [RAG_TBC] = {"TBC", NULL, "not yet known, or no update provided",
               "no data yet, or no target agreed"},
};

enum rag_status
rag_rate_kpi(const struct rag_rule *rule, bool has_value, double v)
{
  double t = rule->target, band, slack;

  if (!has_value || !rule->has_target || rule->direction == RAG_DIR_NONE || !isfinite(v) ||
      !isfinite(t))
    return RAG_NONE;
  band = rule->mode == RAG_TOL_ABSOLUTE ? rule->tolerance : fabs(t) * rule->tolerance / 100.0;
  slack = 1e-9 * fmax(1.0, fabs(t));
  if (rule->direction == RAG_DIR_DECREASE) {
    if (v <= t + slack)
      return RAG_G;
    if (v <= t + band + slack)
      return RAG_A;
    return RAG_R;
  }
  if (v >= t - slack)
    return RAG_G;
  if (v >= t - band - slack)
    return RAG_A;
  return RAG_R;
}

enum rag_status
rag_effective(enum rag_status reported, enum rag_status computed)
{
  if (reported != RAG_NONE)
    return reported;
  if (computed != RAG_NONE)
    return computed;
  return RAG_TBC;
}

bool
rag_disagrees(enum rag_status reported, enum rag_status computed)
{
  return reported != RAG_NONE && computed != RAG_NONE && reported != computed;
}

const char *
rag_code(enum rag_status s)
{
  if (s < 0 || s >= RAG__COUNT)
    return NULL;
  return meanings[s].code;
}

const struct rag_meaning *
rag_meaning(enum rag_status s)
{
  if (s < 0 || s >= RAG__COUNT)
    return NULL;
  return &meanings[s];
}

/* A code or colour name, any case, that means something for a KPI (kpi)
 * or a milestone. */
static bool
parse(const char *s, bool kpi, enum rag_status *out)
{
  if (s == NULL)
    return false;
  for (int i = 0; i < RAG__COUNT; i++) {
    if ((kpi ? meanings[i].kpi : meanings[i].milestone) == NULL)
      continue;
    if (strcasecmp(s, meanings[i].code) == 0 ||
        (meanings[i].colour != NULL && strcasecmp(s, meanings[i].colour) == 0)) {
      *out = (enum rag_status)i;
      return true;
    }
  }
  return false;
}

bool
rag_parse_milestone_status(const char *s, enum rag_status *out)
{
  return parse(s, false, out);
}

bool
rag_parse_kpi_rating(const char *s, enum rag_status *out)
{
  return parse(s, true, out);
}

bool
rag_parse_direction(const char *s, enum rag_direction *out)
{
  static const char *const dirs[] = {"increase", "decrease", "maintain"};

  for (int i = 0; i < 3; i++) {
    if (s != NULL && strcmp(s, dirs[i]) == 0) {
      *out = (enum rag_direction)(i + 1);
      return true;
    }
  }
  return false;
}
