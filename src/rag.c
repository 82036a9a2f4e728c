#include "rag.h"

#include <math.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

static const char *const codes[RAG__COUNT] = {"BR", "B", "G", "A", "R", "TBC"};
static const char *const names[RAG__COUNT] = {"Brown", "Blue", "Green", "Amber", "Red", NULL};

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
  return codes[s];
}

static bool
parse(const char *s, enum rag_status lo, enum rag_status *out)
{
  if (s == NULL)
    return false;
  for (int i = lo; i < RAG__COUNT; i++) {
    if (strcasecmp(s, codes[i]) == 0 || (names[i] != NULL && strcasecmp(s, names[i]) == 0)) {
      *out = (enum rag_status)i;
      return true;
    }
  }
  return false;
}

bool
rag_parse_milestone_status(const char *s, enum rag_status *out)
{
  return parse(s, RAG_BR, out);
}

bool
rag_parse_kpi_rating(const char *s, enum rag_status *out)
{
  return parse(s, RAG_G, out);
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
