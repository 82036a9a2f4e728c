/* Reading a report model's JSON: each reader answers NULL or a default
 * for a missing member or one of another type, so the renderers never
 * crash on a model that lacks something. */
#include <string.h>

#include "report_model.h"

const char *
rm_str(const json_t *o, const char *key)
{
  return json_string_value(json_object_get(o, key));
}

json_t *
rm_obj(const json_t *o, const char *key)
{
  json_t *v = json_object_get(o, key);

  return json_is_object(v) ? v : NULL;
}

json_t *
rm_arr(const json_t *o, const char *key)
{
  json_t *v = json_object_get(o, key);

  return json_is_array(v) ? v : NULL;
}

int64_t
rm_int(const json_t *o, const char *key, int64_t dflt)
{
  json_t *v = json_object_get(o, key);

  return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

bool
rm_bool(const json_t *o, const char *key, bool dflt)
{
  json_t *v = json_object_get(o, key);

  return json_is_boolean(v) ? json_is_true(v) : dflt;
}

json_t *
rm_path(const json_t *o, const char *path)
{
  char key[64];
  json_t *v = (json_t *)o;

  while (v != NULL && *path != '\0') {
    size_t n = strcspn(path, ".");

    if (n >= sizeof(key))
      return NULL;
    memcpy(key, path, n);
    key[n] = '\0';
    v = json_object_get(v, key);
    path += n + (path[n] == '.');
  }
  return v;
}
