/* Fuzz the request validators: jv_depth on the raw bytes, then, when the
 * bytes are a JSON object, jv_check / jv_check_value with every kind and
 * the public validators for organisations, groups, priorities, milestones
 * and KPIs (the last three against a seeded in-memory store). */
#include <stdint.h>

#include "domain_validate.h"
#include "fuzz_common.h"
#include "jsonv.h"
#include "quarter.h"

static const char *const colours[] = {"BR", "B", "G", "A", "R", "TBC", NULL};

/* One field of every kind, with every flag, so jv_check sees them all. */
static const struct jv_field all_kinds[] = {
  {"key", JV_KEY, JV_REQUIRED, NULL},
  {"code", JV_CODE, JV_NULLABLE, NULL},
  {"text", JV_TEXT, JV_NONEMPTY, NULL},
  {"int", JV_INT, 0, NULL},
  {"number", JV_NUMBER, JV_NULLABLE, NULL},
  {"texts", JV_TEXT_LIST, 0, NULL},
  {"ints", JV_INT_LIST, 0, NULL},
  {"status", JV_ENUM, JV_NULLABLE, colours},
  {"year", JV_YEAR, 0, NULL},
  {"quarter", JV_QUARTER, 0, NULL},
  {"date", JV_DATE, 0, NULL},
  {"object", JV_OBJECT, JV_NULLABLE, NULL},
};

static struct store *st;

static int
real_depth(const json_t *v)
{
  int max = 0;
  size_t i;
  const char *key;
  json_t *m;

  if (json_is_array(v)) {
    json_array_foreach(v, i, m)
    {
      int d = real_depth(m);

      max = d > max ? d : max;
    }
    return max + 1;
  }
  if (json_is_object(v)) {
    json_object_foreach((json_t *)v, key, m)
    {
      int d = real_depth(m);

      max = d > max ? d : max;
    }
    return max + 1;
  }
  return 0;
}

static bool
only_keys(const json_t *obj, const char *const *names)
{
  const char *key;
  json_t *v;

  json_object_foreach((json_t *)obj, key, v)
  {
    bool known = false;

    for (const char *const *n = names; *n != NULL && !known; n++)
      known = strcmp(*n, key) == 0;
    if (!known)
      return false;
  }
  return true;
}

/* errors grew by exactly `added`, each entry well formed, and a member
 * outside `names` is always reported. */
static void
check_result(const json_t *obj, const json_t *errors, size_t before, size_t added,
             const char *const *names)
{
  FUZZ_CHECK(json_array_size(errors) == before + added);
  fuzz_check_errors(errors);
  if (names != NULL && !only_keys(obj, names))
    FUZZ_CHECK(added > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* The members each representation may have (src/api_*.c). */
  static const char *const org_names[] = {"code", "name", NULL};
  static const char *const group_names[] = {"code", "name", "chairs", NULL};
  static const char *const priority_names[] = {"year",  "group",      "number",
                                               "title", "long_title", NULL};
  static const char *const milestone_names[] = {"year",        "code",        "group",
                                                "priority",    "description", "target_quarter",
                                                "target_text", "owner",       NULL};
  static const char *const kpi_names[] = {
    "year",      "code",  "group",  "priorities",  "description",
    "direction", "unit",  "target", "target_text", "quarterly_targets",
    "tolerance", "owner", "source", NULL};
  static const char *const prefixes[] = {"", "kpis[3]", "milestones[12].updates[0]"};
  const char *prefix = prefixes[size % 3];
  json_error_t jerr;
  json_t *v, *errors, *copy;
  size_t before, n;
  int depth;

  if (st == NULL) {
    fuzz_init_libs();
    st = fuzz_open_store(":memory:");
    fuzz_seed_dataset(st);
  }

  depth = jv_depth((const char *)data, size, 32);
  FUZZ_CHECK(depth >= 0 && depth <= 33);
  FUZZ_CHECK(jv_depth((const char *)data, size, 1000000) >= depth);

  v = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
  if (v == NULL)
    return 0;
  /* The byte scan that guards the parser sees exactly the parsed depth. */
  FUZZ_CHECK(jv_depth((const char *)data, size, 1000000) == real_depth(v));
  errors = json_array();
  FUZZ_CHECK(errors != NULL);

  /* Every kind on the whole value, and on each member. */
  for (int kind = JV_KEY; kind <= JV_OBJECT; kind++) {
    (void)jv_check_value(v, (enum jv_kind)kind, JV_NONEMPTY, colours);
    if (json_is_object(v)) {
      const char *key;
      json_t *m;

      json_object_foreach(v, key, m)(void)
        jv_check_value(m, (enum jv_kind)kind, JV_NONEMPTY, colours);
    }
  }
  if (!json_is_object(v)) {
    json_decref(errors);
    json_decref(v);
    return 0;
  }

  before = json_array_size(errors);
  n = jv_check(v, all_kinds, sizeof(all_kinds) / sizeof(all_kinds[0]), prefix, errors);
  check_result(v, errors, before, n, NULL);

  before = json_array_size(errors);
  n = domain_validate_org(v, prefix, errors);
  check_result(v, errors, before, n, org_names);

  before = json_array_size(errors);
  n = domain_validate_group(v, prefix, errors);
  check_result(v, errors, before, n, group_names);

  before = json_array_size(errors);
  n = domain_validate_priority(st, v, prefix, errors);
  check_result(v, errors, before, n, priority_names);

  before = json_array_size(errors);
  n = domain_validate_milestone(st, v, prefix, errors);
  check_result(v, errors, before, n, milestone_names);

  /* The KPI check sorts "priorities" in place: give it a copy, and check
   * that a KPI it accepts has them in ascending order. */
  copy = json_deep_copy(v);
  FUZZ_CHECK(copy != NULL);
  before = json_array_size(errors);
  n = domain_validate_kpi(st, copy, prefix, errors);
  check_result(copy, errors, before, n, kpi_names);
  if (n == 0) {
    json_t *prios = json_object_get(copy, "priorities"), *qt, *target;
    const char *key;
    struct quarter q;

    for (size_t i = 1; i < json_array_size(prios); i++)
      FUZZ_CHECK(json_integer_value(json_array_get(prios, i - 1)) <
                 json_integer_value(json_array_get(prios, i)));
    /* An accepted KPI's quarterly targets are quarters with numbers. */
    qt = json_object_get(copy, "quarterly_targets");
    json_object_foreach(qt, key, target)
    {
      FUZZ_CHECK(quarter_parse(key, &q) == NULL);
      FUZZ_CHECK(json_is_number(target));
    }
  }
  json_decref(copy);

  /* The problem-details answer serialises the errors array. */
  {
    char *text = json_dumps(errors, JSON_COMPACT);

    FUZZ_CHECK(text != NULL);
    free(text);
  }
  json_decref(errors);
  json_decref(v);
  return 0;
}
