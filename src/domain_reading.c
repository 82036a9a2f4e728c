/* A KPI reading's ratings: the one the partner reported, the one the KPI's
 * rule computes from the value, and which counts. */
#include "domain.h"

void
domain_reading_rate(const struct rag_rule *rule, json_t *reading)
{
  json_t *value = json_object_get(reading, "value");
  enum rag_status reported = RAG_NONE, computed;

  rag_parse_kpi_rating(json_string_value(json_object_get(reading, "rating")), &reported);
  computed = rag_rate_kpi(rule, json_is_number(value), json_number_value(value));
  json_object_set_new(reading, "computed_rating",
                      computed == RAG_NONE ? json_null() : json_string(rag_code(computed)));
  json_object_set_new(reading, "effective_rating",
                      json_string(rag_code(rag_effective(reported, computed))));
  json_object_set_new(reading, "rating_disagreement",
                      json_boolean(rag_disagrees(reported, computed)));
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
