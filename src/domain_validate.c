/* Validation of each resource, for every front end: a representation's
 * fields and formats, and that what it refers to exists. The handlers
 * check request bodies with these, the importer a dataset's items. */
#include "domain_validate.h"

#include <stdio.h>
#include <stdlib.h>

#include "jsonv.h"
#include "util.h"

static const struct jv_field org_fields[] = {
  {"code", JV_KEY, JV_REQUIRED, NULL},
  {"name", JV_TEXT, JV_REQUIRED | JV_NONEMPTY, NULL},
};

size_t
domain_validate_org(json_t *obj, const char *prefix, json_t *errors)
{
  return jv_check(obj, org_fields, ARRAY_LEN(org_fields), prefix, errors);
}

static const struct jv_field group_fields[] = {
  {"code", JV_KEY, JV_REQUIRED, NULL},
  {"name", JV_TEXT, JV_REQUIRED | JV_NONEMPTY, NULL},
  {"chairs", JV_TEXT_LIST, JV_NULLABLE, NULL},
};

size_t
domain_validate_group(json_t *obj, const char *prefix, json_t *errors)
{
  return jv_check(obj, group_fields, ARRAY_LEN(group_fields), prefix, errors);
}

static const struct jv_field priority_fields[] = {
  {"year", JV_YEAR, JV_REQUIRED, NULL},       {"group", JV_KEY, JV_REQUIRED, NULL},
  {"number", JV_INT, JV_REQUIRED, NULL},      {"title", JV_TEXT, JV_REQUIRED | JV_NONEMPTY, NULL},
  {"long_title", JV_TEXT, JV_NULLABLE, NULL},
};

size_t
domain_validate_priority(struct store *st, json_t *obj, const char *prefix, json_t *errors)
{
  size_t before = json_array_size(errors);
  const char *group = json_string_value(json_object_get(obj, "group"));
  int64_t id;

  /* The group is checked even when other fields are invalid, so that one
   * answer names every bad field. */
  jv_check(obj, priority_fields, ARRAY_LEN(priority_fields), prefix, errors);
  if (jv_check_value(json_object_get(obj, "group"), JV_KEY, 0, NULL) == NULL &&
      store_group_id(st, group, &id) != RB_OK)
    jv_error(errors, prefix, "group", "names no transformation group with code %s", group);
  return json_array_size(errors) - before;
}

static const struct jv_field milestone_fields[] = {
  {"year", JV_YEAR, JV_REQUIRED, NULL},
  {"code", JV_CODE, JV_REQUIRED, NULL},
  {"group", JV_KEY, JV_REQUIRED, NULL},
  {"priority", JV_INT, JV_REQUIRED, NULL},
  {"description", JV_TEXT, JV_REQUIRED | JV_NONEMPTY, NULL},
  {"target_quarter", JV_QUARTER, JV_NULLABLE, NULL},
  {"target_text", JV_TEXT, JV_NULLABLE, NULL},
  {"owner", JV_KEY, JV_NULLABLE, NULL},
};

static bool
well_formed(const json_t *obj, const char *name, enum jv_kind kind)
{
  return jv_check_value(json_object_get(obj, name), kind, 0, NULL) == NULL;
}

size_t
domain_validate_milestone(struct store *st, json_t *obj, const char *prefix, json_t *errors)
{
  size_t before = json_array_size(errors);
  const char *year = json_string_value(json_object_get(obj, "year"));
  const char *group = json_string_value(json_object_get(obj, "group"));
  const char *owner = json_string_value(json_object_get(obj, "owner"));
  json_int_t number;
  int64_t id;

  /* References are checked for every well-formed field even when others
   * are invalid, so that one answer names every bad field. */
  jv_check(obj, milestone_fields, ARRAY_LEN(milestone_fields), prefix, errors);
  number = json_integer_value(json_object_get(obj, "priority")); /* 3.0 is 3 from here */
  if (well_formed(obj, "group", JV_KEY)) {
    if (store_group_id(st, group, &id) != RB_OK)
      jv_error(errors, prefix, "group", "names no transformation group with code %s", group);
    else if (well_formed(obj, "year", JV_YEAR) && well_formed(obj, "priority", JV_INT) &&
             store_priority_find(st, year, group, number, &id) != RB_OK)
      jv_error(errors, prefix, "priority", "group %s has no priority %lld in plan year %s", group,
               (long long)number, year);
  }
  if (well_formed(obj, "owner", JV_KEY) && store_org_id(st, owner, &id) != RB_OK)
    jv_error(errors, prefix, "owner", "names no organisation with code %s", owner);
  return json_array_size(errors) - before;
}

static const char *const directions[] = {"increase", "decrease", "maintain", NULL};

static const char *const tolerance_modes[] = {"relative", "absolute", NULL};

static const char *const frequencies[] = {"quarterly", "monthly", NULL};

static const struct jv_field kpi_fields[] = {
  {"year", JV_YEAR, JV_REQUIRED, NULL},
  {"code", JV_CODE, JV_REQUIRED, NULL},
  {"group", JV_KEY, JV_REQUIRED, NULL},
  {"priorities", JV_INT_LIST, JV_REQUIRED, NULL},
  {"description", JV_TEXT, JV_REQUIRED | JV_NONEMPTY, NULL},
  {"direction", JV_ENUM, JV_NULLABLE, directions},
  {"unit", JV_CODE, JV_NULLABLE, NULL},
  {"target", JV_NUMBER, JV_NULLABLE, NULL},
  {"target_text", JV_TEXT, JV_NULLABLE, NULL},
  {"quarterly_targets", JV_OBJECT, JV_NULLABLE, NULL},
  {"tolerance", JV_OBJECT, JV_NULLABLE, NULL},
  {"owner", JV_KEY, JV_NULLABLE, NULL},
  {"source", JV_TEXT, JV_NULLABLE, NULL},
  {"continues", JV_OBJECT, JV_NULLABLE, NULL},
  {"frequency", JV_ENUM, JV_NULLABLE, frequencies},
  {"spc", JV_OBJECT, JV_NULLABLE, NULL},
};

static const struct jv_field tolerance_fields[] = {
  {"mode", JV_ENUM, JV_REQUIRED, tolerance_modes},
  {"value", JV_NUMBER, JV_REQUIRED, NULL},
};

static int
cmp_int(const void *a, const void *b)
{
  json_int_t x = json_integer_value(*(json_t *const *)a);
  json_int_t y = json_integer_value(*(json_t *const *)b);

  return (x > y) - (x < y);
}

/* Sort the priorities array in place so stored links compare equal. */
static void
sort_priorities(json_t *obj)
{
  json_t *arr = json_object_get(obj, "priorities");
  size_t n = json_array_size(arr);
  json_t **items;

  if (n < 2)
    return;
  items = malloc(n * sizeof(*items));
  if (items == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    items[i] = json_incref(json_array_get(arr, i));
  qsort(items, n, sizeof(*items), cmp_int);
  json_array_clear(arr);
  for (size_t i = 0; i < n; i++)
    json_array_append_new(arr, items[i]);
  free(items);
}

size_t
domain_validate_kpi(struct store *st, json_t *obj, const char *prefix, json_t *errors)
{
  size_t before = json_array_size(errors);
  const char *year = json_string_value(json_object_get(obj, "year"));
  const char *group = json_string_value(json_object_get(obj, "group"));
  const char *owner = json_string_value(json_object_get(obj, "owner"));
  json_t *qt = json_object_get(obj, "quarterly_targets");
  json_t *tol = json_object_get(obj, "tolerance");
  char field[96];
  const char *key;
  json_t *v;
  size_t i;
  int64_t id;

  /* Nested values and references are checked for every well-formed field
   * even when others are invalid, so that one answer names every bad field. */
  jv_check(obj, kpi_fields, ARRAY_LEN(kpi_fields), prefix, errors);
  json_object_foreach(qt, key, v)
  {
    json_t *k = json_string(key);

    snprintf(field, sizeof(field), "quarterly_targets.%.60s", key);
    if (jv_check_value(k, JV_QUARTER, 0, NULL) != NULL)
      jv_error(errors, prefix, field, "is not a quarter YYYY-YY-Qn");
    else if (jv_check_value(v, JV_NUMBER, 0, NULL) != NULL)
      jv_error(errors, prefix, field, "%s", jv_check_value(v, JV_NUMBER, 0, NULL));
    json_decref(k);
  }
  if (tol != NULL && json_is_object(tol)) {
    char tprefix[128], tvalue[136];

    snprintf(tprefix, sizeof(tprefix), "%s%stolerance", prefix ? prefix : "",
             prefix && prefix[0] ? "." : "");
    jv_check(tol, tolerance_fields, ARRAY_LEN(tolerance_fields), tprefix, errors);
    /* the range whatever else is wrong with the tolerance, once */
    snprintf(tvalue, sizeof(tvalue), "%s.value", tprefix);
    if (json_is_number(json_object_get(tol, "value")) && !jv_has_error(errors, tvalue) &&
        json_number_value(json_object_get(tol, "value")) < 0)
      jv_error(errors, tprefix, "value", "must not be negative");
  }
  if (!well_formed(obj, "group", JV_KEY)) {
    /* already reported */
  } else if (store_group_id(st, group, &id) != RB_OK) {
    jv_error(errors, prefix, "group", "names no transformation group with code %s", group);
  } else if (well_formed(obj, "year", JV_YEAR) && well_formed(obj, "priorities", JV_INT_LIST)) {
    json_array_foreach(json_object_get(obj, "priorities"), i, v)
    {
      if (store_priority_find(st, year, group, json_integer_value(v), &id) != RB_OK) {
        snprintf(field, sizeof(field), "priorities[%zu]", i);
        jv_error(errors, prefix, field, "group %s has no priority %lld in plan year %s", group,
                 (long long)json_integer_value(v), year);
      }
    }
  }
  if (well_formed(obj, "owner", JV_KEY) && store_org_id(st, owner, &id) != RB_OK)
    jv_error(errors, prefix, "owner", "names no organisation with code %s", owner);
  domain_check_kpi_series(st, obj, prefix, errors);
  if (json_array_size(errors) == before)
    sort_priorities(obj);
  return json_array_size(errors) - before;
}

static const struct jv_field update_fields[] = {
  {"status", JV_CODE, JV_REQUIRED, NULL},
  {"comment", JV_TEXT, JV_NULLABLE, NULL},
};

size_t
domain_validate_update(json_t *obj, json_t *errors, enum rag_status *status)
{
  size_t before = json_array_size(errors);
  const char *text;

  jv_check(obj, update_fields, ARRAY_LEN(update_fields), "", errors);
  /* Every bad field is named at once: a status that is a string but not a
   * status is reported whatever else is wrong. */
  text = json_string_value(json_object_get(obj, "status"));
  if (text != NULL && !jv_has_error(errors, "status") && !rag_parse_milestone_status(text, status))
    jv_error(errors, "", "status",
             "must be one of BR, B, G, A, R, TBC (or Brown, Blue, Green, Amber, Red)");
  return json_array_size(errors) - before;
}

static const struct jv_field reading_fields[] = {
  {"value", JV_NUMBER, JV_NULLABLE, NULL},
  {"value_text", JV_TEXT, JV_NULLABLE, NULL},
  {"rating", JV_CODE, JV_NULLABLE, NULL},
  {"comment", JV_TEXT, JV_NULLABLE, NULL},
};

size_t
domain_validate_reading(json_t *obj, json_t *errors, enum rag_status *rating)
{
  size_t before = json_array_size(errors);
  const char *text;

  *rating = RAG_NONE;
  jv_check(obj, reading_fields, ARRAY_LEN(reading_fields), "", errors);
  text = json_string_value(json_object_get(obj, "rating"));
  if (text != NULL && !jv_has_error(errors, "rating") && !rag_parse_kpi_rating(text, rating))
    jv_error(errors, "", "rating", "must be one of G, A, R, TBC (or Green, Amber, Red)");
  return json_array_size(errors) - before;
}
