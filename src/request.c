#include "request.h"

#include <stdlib.h>
#include <string.h>

void
rb_response_header(struct rb_response *resp, const char *name, const char *value)
{
  char *copy;

  if (resp->nheaders >= RB_MAX_HEADERS)
    return;
  copy = strdup(value);
  if (copy == NULL)
    return;
  resp->headers[resp->nheaders].name = name;
  resp->headers[resp->nheaders].value = copy;
  resp->nheaders++;
}

void
rb_response_drop_body(struct rb_response *resp)
{
  if (resp->body_free != NULL)
    resp->body_free(resp->body_cls);
  else
    free(resp->body);
  resp->body = NULL;
  resp->body_len = 0;
  resp->body_free = NULL;
  resp->body_cls = NULL;
}

void
rb_response_clear(struct rb_response *resp)
{
  for (size_t i = 0; i < resp->nheaders; i++)
    free(resp->headers[i].value);
  rb_response_drop_body(resp);
  resp->nheaders = 0;
  resp->content_type = NULL;
  resp->status = 0;
}
