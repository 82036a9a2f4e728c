/* Test harness: a fresh migrated database in a temporary directory, the real
 * server started in-process on port 0, and a libcurl client. */
#ifndef RAGBOARD_TEST_HARNESS_H
#define RAGBOARD_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

#include <check.h>
#include <jansson.h>

#include "app.h"
#include "http.h"
#include "store.h"

struct audit_keyring;

struct th_server {
  char dir[256];
  char db_path[300];
  char key_path[320];         /* the audit key file, made by th_start */
  struct audit_keyring *keys; /* its keys */
  struct app *app;
  struct http_server *http;
  unsigned port;
  char admin[128];  /* admin token */
  char viewer[128]; /* viewer token */
};

struct th_response {
  long status;
  char *body;
  size_t len;
  char *headers; /* raw header block */
  json_t *json;  /* parsed body, or NULL */
};

/* Create a database (imported with the demo dataset when `demo`), tokens,
 * and start the server. `cfg_edit` (may be NULL) adjusts the config first. */
void th_start(struct th_server *s, bool demo, void (*cfg_edit)(struct app_config *cfg));
/* The same without the HTTP server (s->http NULL, port 0): the app alone,
 * for driving the router in-process. */
void th_open(struct th_server *s, bool demo, void (*cfg_edit)(struct app_config *cfg));
void th_stop(struct th_server *s); /* after th_start or th_open */

/* Open the server's database directly (write mode, migrated, with the
 * audit keys once th_start made them). */
struct store *th_store(struct th_server *s);

/* Create a token with the CLI's code path; returns it in out. */
void th_token(struct th_server *s, const char *role, const char *org, char *out, size_t cap);

/* One request. body may be NULL; token NULL for anonymous; extra_header
 * (may be NULL) is one "Name: value" line; a Content-Type line there
 * replaces the default application/json of a body. */
void th_request(struct th_server *s, const char *method, const char *path, const char *body,
                const char *token, const char *extra_header, struct th_response *r);
/* One request with a binary body of len bytes sent as content type ctype
 * (NULL: no Content-Type at all). */
void th_request_bytes(struct th_server *s, const char *method, const char *path, const char *body,
                      size_t len, const char *token, const char *ctype, struct th_response *r);
/* A browser's form upload: POST multipart/form-data with these parts (a
 * part with a filename is a file; type NULL: curl's guess). */
struct th_part {
  const char *name;
  const char *filename; /* NULL: a plain field */
  const char *data;
  size_t len;
  const char *type;
};
void th_upload(struct th_server *s, const char *path, const char *token,
               const struct th_part *parts, size_t n, struct th_response *r);
void th_response_free(struct th_response *r);
/* Value of a response header (case-insensitive name), copied into buf. */
bool th_header(const struct th_response *r, const char *name, char *buf, size_t cap);

/* The value at a path like "groups[0].milestones.counts.G" in root, or
 * NULL; th_jint/th_jstr/th_jnum also assert its type. */
json_t *th_jget(json_t *root, const char *path);
long long th_jint(json_t *root, const char *path);
const char *th_jstr(json_t *root, const char *path);
double th_jnum(json_t *root, const char *path);

/* ---- assertions shared by the suites ---- */

/* One request whose status must be `status`; the answer is left in r. */
void th_req(struct th_server *s, const char *method, const char *path, const char *body,
            const char *token, const char *extra_header, long status, struct th_response *r);
/* The same, for requests whose answer is not needed. */
void th_expect_status(struct th_server *s, const char *method, const char *path, const char *body,
                      const char *token, const char *extra_header, long status);
/* Content-Type of r must start with want. */
void th_assert_ctype(const struct th_response *r, const char *want);
/* r carries a 32-hex-digit X-Request-Id. */
void th_assert_request_id(const struct th_response *r);
/* r is an RFC 9457 problem with this status (and type, unless NULL): its
 * type, title, detail and status, and an instance naming the request. */
void th_assert_problem(const struct th_response *r, long status, const char *type);
/* The errors entry of problem r whose field is `field`, or NULL. */
json_t *th_error_for(const struct th_response *r, const char *field);
/* r is a problem whose errors name field (with a message); the entry. */
json_t *th_assert_field_error(const struct th_response *r, const char *field);

/* The value at path in root is this integer, string, number or null. */
void th_expect_int(json_t *root, const char *path, long long want);
void th_expect_str(json_t *root, const char *path, const char *want);
void th_expect_num(json_t *root, const char *path, double want);
void th_expect_null(json_t *root, const char *path);

void th_sleep_ms(long ms);

/* ---- suites ---- */

/* A test case of suite s with a checked fixture (setup and teardown may be
 * NULL) and a timeout in seconds (0: Check's default). */
TCase *th_tcase(Suite *s, const char *name, void (*setup)(void), void (*teardown)(void),
                double timeout);
/* Run suite s (and free it): the process's exit status. */
int th_run(Suite *s);

/* Path of the repository's demo dataset. */
const char *th_demo_path(void);

#endif
