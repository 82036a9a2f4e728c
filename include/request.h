/* A request and its response as the router and handlers see them: plain
 * data that http.c fills from libmicrohttpd and turns back into a reply, so
 * nothing above http.c depends on the HTTP library. */
#ifndef RAGBOARD_REQUEST_H
#define RAGBOARD_REQUEST_H

#include <stddef.h>

struct rb_param {
  const char *key;
  const char *value; /* NULL for a key given without '=' */
};

/* Everything is borrowed from http.c for the duration of one dispatch. */
struct rb_request {
  const char *method;
  const char *path;
  const struct rb_param *query;
  size_t nquery;
  const char *authorization;
  const char *content_type;
  const char *if_none_match;
  const char *if_match;
  const char *origin;
  const char *body;
  size_t body_len;
  /* A file uploaded as multipart/form-data: its name as the browser gave
   * it (the body is then the file's bytes alone, content_type what they
   * are); NULL otherwise. */
  const char *upload_name;
  const char *request_id;
};

#define RB_MAX_HEADERS 8

struct rb_header {
  const char *name; /* static string */
  char *value;      /* owned */
};

struct rb_response {
  unsigned status;
  const char *content_type; /* static string; NULL for no body */
  char *body;               /* owned: malloc'd, or shared when body_free is set */
  size_t body_len;
  void (*body_free)(void *cls); /* NULL: body is free()d; else called with body_cls */
  void *body_cls;
  struct rb_header headers[RB_MAX_HEADERS];
  size_t nheaders;
  const char *route; /* matched route pattern, for logs and metrics */
  char actor[96];    /* who made the request, for logs */
};

/* Add a header; the value is copied. Silently drops beyond RB_MAX_HEADERS. */
void rb_response_header(struct rb_response *resp, const char *name, const char *value);
/* Free what the response owns and reset it to empty. */
void rb_response_clear(struct rb_response *resp);
/* Let go of the body only (before setting another). */
void rb_response_drop_body(struct rb_response *resp);

#endif
