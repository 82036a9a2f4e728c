/* A KPI reading's ratings: the one the partner reported, the one the KPI's
 * rule computes from the value, and which counts. */
#include "domain.h"

struct domain_rating
domain_rating_of(const struct rag_rule *rule, bool has_value, double value, const char *rating)
{
  struct domain_rating r = {RAG_NONE, RAG_NONE, false};
  enum rag_status reported = RAG_NONE;

  rag_parse_kpi_rating(rating, &reported);
  r.computed = rag_rate_kpi(rule, has_value, value);
  r.effective = rag_effective(reported, r.computed);
  r.disagreement = rag_disagrees(reported, r.computed);
  return r;
}

void
domain_reading_rate(const struct rag_rule *rule, json_t *reading)
{
  json_t *value = json_object_get(reading, "value");
  struct domain_rating r = domain_rating_of(rule, json_is_number(value), json_number_value(value),
                                            json_string_value(json_object_get(reading, "rating")));

  json_object_set_new(reading, "computed_rating",
                      r.computed == RAG_NONE ? json_null() : json_string(rag_code(r.computed)));
  json_object_set_new(reading, "effective_rating", json_string(rag_code(r.effective)));
  json_object_set_new(reading, "rating_disagreement", json_boolean(r.disagreement));
}

enum rb_err
domain_reading_annotate(struct store *st, int64_t kpi_id, json_t *reading)
{
  struct rag_rule rule;
  const char *quarter = json_string_value(json_object_get(reading, "quarter"));
  enum rb_err err = store_kpi_rule(st, kpi_id, quarter, &rule);

  if (err == RB_OK)
    domain_reading_rate(&rule, reading);
  return err;
}
