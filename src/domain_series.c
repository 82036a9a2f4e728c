/* The rules of a KPI's series fields, for every front end: "continues"
 * (a link to the KPI of an earlier plan year whose series this one
 * continues), "spc" (its SPC settings), and a monthly value's body. */
#include "domain_validate.h"

#include <stdio.h>
#include <string.h>

#include "jsonv.h"
#include "series.h"
#include "util.h"

static const struct jv_field continues_fields[] = {
  {"year", JV_YEAR, JV_REQUIRED, NULL},
  {"code", JV_CODE, JV_REQUIRED, NULL},
};

static void
join(char *out, size_t cap, const char *prefix, const char *field)
{
  snprintf(out, cap, "%s%s%s", prefix != NULL ? prefix : "",
           prefix != NULL && prefix[0] != '\0' ? "." : "", field);
}

size_t
domain_check_kpi_series(struct store *st, json_t *obj, const char *prefix, json_t *errors)
{
  size_t before = json_array_size(errors);
  json_t *cont = json_object_get(obj, "continues");
  char cprefix[160];
  int64_t id;

  series_check_spc(json_object_get(obj, "spc"), prefix, errors);
  if (!json_is_object(cont))
    return json_array_size(errors) - before; /* absent, null, or jv_check said what */
  join(cprefix, sizeof(cprefix), prefix, "continues");
  if (jv_check(cont, continues_fields, ARRAY_LEN(continues_fields), cprefix, errors) > 0)
    return json_array_size(errors) - before;
  {
    const char *cyear = json_string_value(json_object_get(cont, "year"));
    const char *ccode = json_string_value(json_object_get(cont, "code"));
    enum rb_err err = store_kpi_find(st, cyear, ccode, &id);

    if (err == RB_ERR_NOT_FOUND)
      jv_error(errors, prefix, "continues", "names no KPI %s in plan year %s", ccode, cyear);
    else if (err != RB_OK)
      jv_error(errors, prefix, "continues", "could not be checked: %s", rb_err_title(err));
  }
  return json_array_size(errors) - before;
}

size_t
domain_validate_kpi_chain(struct store *st, int64_t self, const json_t *obj, const char *prefix,
                          json_t *errors)
{
  const json_t *cont = json_object_get(obj, "continues");
  const char *cyear = json_string_value(json_object_get(cont, "year"));
  const char *ccode = json_string_value(json_object_get(cont, "code"));
  const char *year = json_string_value(json_object_get(obj, "year"));
  char field[160], path[512], label[96];
  int64_t target, at, up, by;
  size_t used, hops = 0;
  enum rb_err err;

  join(field, sizeof(field), prefix, "continues");
  if (cyear == NULL || ccode == NULL || jv_has_error(errors, field) ||
      store_kpi_find(st, cyear, ccode, &target) != RB_OK)
    return 0; /* none, or domain_validate_kpi said what is wrong */
  /* A cycle: walking back from the KPI it would continue reaches itself. */
  used = (size_t)snprintf(path, sizeof(path), "%s %s", cyear, ccode);
  for (at = target; self != 0 && at != 0 && hops < SERIES_MAX_MEMBERS; hops++) {
    if (at == self) {
      if (hops == 0)
        jv_error(errors, prefix, "continues", "a KPI cannot continue itself");
      else
        jv_error(errors, prefix, "continues",
                 "would make a cycle: the KPI it names continues this one already (%s)", path);
      return 1;
    }
    if ((err = store_kpi_links(st, at, &up, &by)) != RB_OK)
      break;
    if (up != 0 && store_kpi_label(st, up, label, sizeof(label)) == RB_OK && used < sizeof(path))
      used += (size_t)snprintf(path + used, sizeof(path) - used, " → %s", label);
    at = up;
  }
  /* A series runs forward in time (so, with the check above, no link made
   * by any path can close a cycle). */
  if (year != NULL && strcmp(cyear, year) >= 0) {
    jv_error(errors, prefix, "continues",
             "must name a KPI of an earlier plan year than this KPI's %s (a series runs "
             "forward in time)",
             year);
    return 1;
  }
  /* A chain: no other KPI may continue the same one. */
  if (store_kpi_links(st, target, &up, &by) == RB_OK && by != 0 && by != self) {
    if (store_kpi_label(st, by, label, sizeof(label)) != RB_OK)
      snprintf(label, sizeof(label), "KPI %lld", (long long)by);
    jv_error(errors, prefix, "continues",
             "%s %s is continued by %s already: a KPI is continued by one KPI at most", cyear,
             ccode, label);
    return 1;
  }
  return 0;
}

static const struct jv_field month_fields[] = {
  {"value", JV_NUMBER, JV_NULLABLE, NULL},
  {"value_text", JV_TEXT, JV_NULLABLE, NULL},
  {"comment", JV_TEXT, JV_NULLABLE, NULL},
};

size_t
domain_validate_month(json_t *obj, json_t *errors)
{
  return jv_check(obj, month_fields, ARRAY_LEN(month_fields), "", errors);
}
