#include "problem.h"

#include <stdlib.h>
#include <string.h>

char *
problem_json(enum rb_err err, const char *detail, const json_t *errors, const char *request_id,
             size_t *len)
{
  return problem_json_notes(err, detail, errors, NULL, request_id, len);
}

char *
problem_json_notes(enum rb_err err, const char *detail, const json_t *errors, const json_t *notes,
                   const char *request_id, size_t *len)
{
  unsigned status = rb_err_status(err);
  json_t *body = json_pack("{s:s, s:s, s:i, s:s}", "type", rb_err_type(err), "title",
                           rb_err_title(err), "status", (int)status, "detail",
                           detail != NULL && detail[0] != '\0' ? detail : rb_err_title(err));
  char *text, *grown;
  size_t n;

  if (body == NULL)
    return NULL;
  if ((status == 400 || status == 422) && json_array_size(errors) > 0)
    json_object_set(body, "errors", (json_t *)errors);
  if (json_array_size(notes) > 0)
    json_object_set(body, "notes", (json_t *)notes);
  if (request_id != NULL)
    json_object_set_new(body, "instance", json_sprintf("urn:ragboard:request:%s", request_id));
  text = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15) | JSON_ENCODE_ANY);
  json_decref(body);
  if (text == NULL)
    return NULL;
  /* A trailing newline keeps curl output readable, as every answer has. */
  n = strlen(text);
  grown = realloc(text, n + 2);
  if (grown == NULL) {
    free(text);
    return NULL;
  }
  grown[n++] = '\n';
  grown[n] = '\0';
  *len = n;
  return grown;
}
