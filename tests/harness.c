#include "harness.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include <check.h>
#include <curl/curl.h>
#include <sodium.h>

#include "audit_key.h"
#include "auth.h"
#include "db.h"
#include "import.h"
#include "util.h"

#ifndef RAGBOARD_SOURCE_ROOT
#error "RAGBOARD_SOURCE_ROOT must be defined by the build"
#endif

const char *
th_demo_path(void)
{
  return RAGBOARD_SOURCE_ROOT "/data/rotherham-icp-2018-19.json";
}

struct store *
th_store(struct th_server *s)
{
  struct db_options opt = {.synchronous_full = false, .busy_timeout_ms = 5000, .create = true};
  struct store *st = NULL;

  ck_assert_int_eq(store_open(s->db_path, &opt, true, &st), RB_OK);
  store_set_audit_keys(st, s->keys);
  return st;
}

void
th_token(struct th_server *s, const char *role, const char *org, char *out, size_t cap)
{
  struct store *st = th_store(s);
  enum auth_role r;
  char now[UTIL_TIME_LEN], tok[AUTH_TOKEN_MAX];

  ck_assert(auth_role_parse(role, &r));
  util_now(now);
  ck_assert_int_eq(store_begin(st, true), RB_OK);
  ck_assert_int_eq(auth_token_create(st, role, r, org, now, tok, NULL), RB_OK);
  ck_assert_int_eq(store_commit(st), RB_OK);
  store_close(st);
  snprintf(out, cap, "%s", tok);
}

void
th_open(struct th_server *s, bool demo, void (*cfg_edit)(struct app_config *cfg))
{
  struct app_config cfg;
  struct store *st;
  const char *why = "";

  memset(s, 0, sizeof(*s));
  ck_assert(sodium_init() >= 0);
  snprintf(s->dir, sizeof(s->dir), "/tmp/ragboard-test-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(s->dir));
  snprintf(s->db_path, sizeof(s->db_path), "%s/test.db", s->dir);
  snprintf(s->key_path, sizeof(s->key_path), "%s/test.db.audit-key", s->dir);
  st = th_store(s);
  /* As `ragboard migrate` does: the key file, before any data. */
  {
    char now[UTIL_TIME_LEN], why[512];
    bool created = false, keyed = false;

    util_now(now);
    ck_assert_msg(app_audit_keys(s->db_path, NULL, true, "test harness", now, &s->keys, &created,
                                 &keyed, why, sizeof(why)) == RB_OK,
                  "audit key: %s", why);
    ck_assert(created && !keyed);
    store_set_audit_keys(st, s->keys);
  }
  if (demo) {
    json_error_t jerr;
    json_t *doc = json_load_file(th_demo_path(), JSON_REJECT_DUPLICATES, &jerr);
    json_t *errors = json_array(), *counts = NULL;
    char now[UTIL_TIME_LEN];

    ck_assert_msg(doc != NULL, "cannot read %s: %s", th_demo_path(), jerr.text);
    util_now(now);
    ck_assert_int_eq(store_begin(st, true), RB_OK);
    ck_assert_int_eq(import_dataset(st, doc, now, "test", NULL, errors, &counts), RB_OK);
    ck_assert_int_eq(store_commit(st), RB_OK);
    json_decref(doc);
    json_decref(errors);
    json_decref(counts);
  }
  store_close(st);
  th_token(s, "admin", NULL, s->admin, sizeof(s->admin));
  th_token(s, "viewer", NULL, s->viewer, sizeof(s->viewer));
  app_config_defaults(&cfg);
  cfg.db_path = s->db_path;
  cfg.listen = "127.0.0.1:0";
  cfg.threads = 2;
  cfg.sync_full = false; /* tests do not need power-loss durability */
  cfg.audit_key_path = s->key_path;
  cfg.audit_keys = s->keys;
  if (cfg_edit != NULL)
    cfg_edit(&cfg);
  ck_assert_msg(app_open(&cfg, &s->app, &why) == RB_OK, "app_open: %s", why);
}

void
th_start(struct th_server *s, bool demo, void (*cfg_edit)(struct app_config *cfg))
{
  const char *why = "";

  th_open(s, demo, cfg_edit);
  ck_assert_msg(http_start(s->app, &s->http, &why) == RB_OK, "http_start: %s", why);
  s->port = http_port(s->http);
  ck_assert_uint_gt(s->port, 0);
}

void
th_stop(struct th_server *s)
{
  char cmd[512];

  if (s->http != NULL)
    http_stop(s->http, 2000);
  app_close(s->app);
  audit_keyring_free(s->keys);
  s->keys = NULL;
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", s->dir);
}

struct buf {
  char *data;
  size_t len;
};

static size_t
collect(char *ptr, size_t size, size_t n, void *ud)
{
  struct buf *b = ud;
  size_t add = size * n;
  char *grown = realloc(b->data, b->len + add + 1);

  if (grown == NULL)
    return 0;
  memcpy(grown + b->len, ptr, add);
  b->data = grown;
  b->len += add;
  b->data[b->len] = '\0';
  return add;
}

/* With RAGBOARD_TEST_CAPTURE naming a file, append one JSON line per request
 * ({"method", "path" (without query), "status", "content_type", "length",
 * "body" (parsed JSON or null)}) for tests/spec/validate.py to check every
 * answer against the OpenAPI contract. One write() per line with O_APPEND,
 * so the forked test processes do not interleave lines. */
static void
capture(const char *method, const char *path, long status, const char *ctype,
        const struct th_response *r)
{
  const char *file = getenv("RAGBOARD_TEST_CAPTURE");
  json_t *line;
  char *text;
  int fd;

  if (file == NULL || file[0] == '\0')
    return;
  line = json_pack("{s:s, s:s%, s:i, s:s?, s:I, s:O?}", "method", method, "path", path,
                   strcspn(path, "?"), "status", (int)status, "content_type", ctype, "length",
                   (json_int_t)r->len, "body", r->json);
  text = line != NULL ? json_dumps(line, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
  json_decref(line);
  ck_assert_msg(text != NULL, "RAGBOARD_TEST_CAPTURE: cannot encode %s %s", method, path);
  fd = open(file, O_WRONLY | O_APPEND | O_CREAT, 0644);
  ck_assert_msg(fd >= 0, "RAGBOARD_TEST_CAPTURE: cannot open %s", file);
  {
    size_t len = strlen(text);
    char *buf = malloc(len + 1);
    ssize_t wrote;

    ck_assert_ptr_nonnull(buf);
    memcpy(buf, text, len);
    buf[len] = '\n';
    wrote = write(fd, buf, len + 1);
    ck_assert_msg(wrote == (ssize_t)(len + 1), "RAGBOARD_TEST_CAPTURE: cannot write %s", file);
    free(buf);
  }
  close(fd);
  free(text);
}

void
th_request(struct th_server *s, const char *method, const char *path, const char *body,
           const char *token, const char *extra_header, struct th_response *r)
{
  CURL *curl = curl_easy_init();
  struct curl_slist *hdrs = NULL;
  struct buf b = {NULL, 0}, h = {NULL, 0};
  char url[2048], auth[256];
  char *ctype = NULL; /* owned by curl */
  CURLcode rc;

  ck_assert_ptr_nonnull(curl);
  memset(r, 0, sizeof(*r));
  snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", s->port, path);
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
  if (strcmp(method, "HEAD") == 0)
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (body != NULL) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    /* An extra Content-Type header replaces the default one. */
    if (extra_header == NULL || strncasecmp(extra_header, "Content-Type:", 13) != 0)
      hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
  }
  if (token != NULL) {
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
    hdrs = curl_slist_append(hdrs, auth);
  }
  if (extra_header != NULL)
    hdrs = curl_slist_append(hdrs, extra_header);
  hdrs = curl_slist_append(hdrs, "Expect:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &h);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  rc = curl_easy_perform(curl);
  ck_assert_msg(rc == CURLE_OK, "%s %s: %s", method, path, curl_easy_strerror(rc));
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
  curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ctype);
  r->body = b.data != NULL ? b.data : strdup("");
  r->len = b.len;
  r->headers = h.data != NULL ? h.data : strdup("");
  r->json = r->len > 0 ? json_loadb(r->body, r->len, 0, NULL) : NULL;
  capture(method, path, r->status, ctype, r);
  curl_slist_free_all(hdrs);
  curl_easy_cleanup(curl);
}

/* A request built by the caller (curl with its body set; hdrs its own
 * header lines): the token, the rest of th_request's settings, the answer
 * into r, captured as th_request's are. Frees curl and hdrs. */
static void
perform(struct th_server *s, CURL *curl, struct curl_slist *hdrs, const char *method,
        const char *path, const char *token, struct th_response *r)
{
  struct buf b = {NULL, 0}, h = {NULL, 0};
  char url[2048], auth[256];
  char *ctype = NULL; /* owned by curl */
  CURLcode rc;

  memset(r, 0, sizeof(*r));
  snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", s->port, path);
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
  if (token != NULL) {
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
    hdrs = curl_slist_append(hdrs, auth);
  }
  hdrs = curl_slist_append(hdrs, "Expect:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &h);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  rc = curl_easy_perform(curl);
  ck_assert_msg(rc == CURLE_OK, "%s %s: %s", method, path, curl_easy_strerror(rc));
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
  curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ctype);
  r->body = b.data != NULL ? b.data : strdup("");
  r->len = b.len;
  r->headers = h.data != NULL ? h.data : strdup("");
  r->json = r->len > 0 ? json_loadb(r->body, r->len, 0, NULL) : NULL;
  capture(method, path, r->status, ctype, r);
  curl_slist_free_all(hdrs);
  curl_easy_cleanup(curl);
}

void
th_request_bytes(struct th_server *s, const char *method, const char *path, const char *body,
                 size_t len, const char *token, const char *ctype, struct th_response *r)
{
  CURL *curl = curl_easy_init();
  struct curl_slist *hdrs = NULL;
  char line[256];

  ck_assert_ptr_nonnull(curl);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  snprintf(line, sizeof(line), "Content-Type:%s%s", ctype != NULL ? " " : "",
           ctype != NULL ? ctype : ""); /* "Content-Type:" alone: none sent */
  hdrs = curl_slist_append(hdrs, line);
  perform(s, curl, hdrs, method, path, token, r);
}

void
th_upload(struct th_server *s, const char *path, const char *token, const struct th_part *parts,
          size_t n, struct th_response *r)
{
  CURL *curl = curl_easy_init();
  curl_mime *mime;

  ck_assert_ptr_nonnull(curl);
  mime = curl_mime_init(curl);
  for (size_t i = 0; i < n; i++) {
    curl_mimepart *part = curl_mime_addpart(mime);

    curl_mime_name(part, parts[i].name);
    curl_mime_data(part, parts[i].data, parts[i].len);
    if (parts[i].filename != NULL)
      curl_mime_filename(part, parts[i].filename);
    if (parts[i].type != NULL)
      curl_mime_type(part, parts[i].type);
  }
  curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime);
  perform(s, curl, NULL, "POST", path, token, r);
  curl_mime_free(mime);
}

void
th_response_free(struct th_response *r)
{
  free(r->body);
  free(r->headers);
  json_decref(r->json);
  memset(r, 0, sizeof(*r));
}

bool
th_header(const struct th_response *r, const char *name, char *buf, size_t cap)
{
  size_t n = strlen(name);

  for (const char *line = r->headers; line != NULL && *line != '\0';) {
    const char *end = strstr(line, "\r\n");
    size_t len = end != NULL ? (size_t)(end - line) : strlen(line);

    if (len > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
      const char *v = line + n + 1;
      size_t vlen;

      while (*v == ' ')
        v++;
      vlen = len - (size_t)(v - line);
      if (vlen >= cap)
        vlen = cap - 1;
      memcpy(buf, v, vlen);
      buf[vlen] = '\0';
      return true;
    }
    line = end != NULL ? end + 2 : NULL;
  }
  return false;
}

json_t *
th_jget(json_t *root, const char *path)
{
  json_t *cur = root;
  const char *p = path;

  while (cur != NULL && *p != '\0') {
    if (*p == '.') {
      p++;
      continue;
    }
    if (*p == '[') {
      char *end;
      unsigned long i = strtoul(p + 1, &end, 10);

      ck_assert_msg(*end == ']', "bad path %s", path);
      cur = json_array_get(cur, (size_t)i);
      p = end + 1;
      continue;
    }
    {
      size_t n = strcspn(p, ".[");
      char key[128];

      ck_assert_uint_lt(n, sizeof(key));
      memcpy(key, p, n);
      key[n] = '\0';
      cur = json_object_get(cur, key);
      p += n;
    }
  }
  return cur;
}

long long
th_jint(json_t *root, const char *path)
{
  json_t *v = th_jget(root, path);

  ck_assert_msg(json_is_integer(v), "%s is not an integer", path);
  return (long long)json_integer_value(v);
}

const char *
th_jstr(json_t *root, const char *path)
{
  json_t *v = th_jget(root, path);

  ck_assert_msg(json_is_string(v), "%s is not a string", path);
  return json_string_value(v);
}

double
th_jnum(json_t *root, const char *path)
{
  json_t *v = th_jget(root, path);

  ck_assert_msg(json_is_number(v), "%s is not a number", path);
  return json_number_value(v);
}

/* ---- assertions shared by the suites ------------------------------------- */

void
th_req(struct th_server *s, const char *method, const char *path, const char *body,
       const char *token, const char *extra_header, long status, struct th_response *r)
{
  th_request(s, method, path, body, token, extra_header, r);
  ck_assert_msg(r->status == status, "%s %s: status %ld, wanted %ld; body %.800s", method, path,
                r->status, status, r->body);
}

void
th_expect_status(struct th_server *s, const char *method, const char *path, const char *body,
                 const char *token, const char *extra_header, long status)
{
  struct th_response r;

  th_req(s, method, path, body, token, extra_header, status, &r);
  th_response_free(&r);
}

void
th_assert_ctype(const struct th_response *r, const char *want)
{
  char ct[128];

  ck_assert_msg(th_header(r, "Content-Type", ct, sizeof(ct)), "no Content-Type");
  ck_assert_msg(strncmp(ct, want, strlen(want)) == 0, "Content-Type %s, wanted %s", ct, want);
}

void
th_assert_request_id(const struct th_response *r)
{
  char id[128];

  ck_assert_msg(th_header(r, "X-Request-Id", id, sizeof(id)), "no X-Request-Id on a %ld",
                r->status);
  ck_assert_uint_eq(strlen(id), 32);
  for (const char *p = id; *p; p++)
    ck_assert_msg(isxdigit((unsigned char)*p), "X-Request-Id %s is not hex", id);
}

void
th_assert_problem(const struct th_response *r, long status, const char *type)
{
  json_t *p = r->json;
  char id[64], want[96];

  ck_assert_msg(r->status == status, "status %ld, wanted %ld: %.800s", r->status, status, r->body);
  th_assert_request_id(r);
  th_assert_ctype(r, "application/problem+json");
  ck_assert_msg(json_is_object(p), "problem body is not an object: %.800s", r->body);
  ck_assert_msg(json_is_string(json_object_get(p, "type")), "no type: %s", r->body);
  ck_assert_str_ne(json_string_value(json_object_get(p, "type")), "");
  if (type != NULL)
    ck_assert_str_eq(json_string_value(json_object_get(p, "type")), type);
  ck_assert_msg(json_is_string(json_object_get(p, "title")), "no title: %s", r->body);
  ck_assert_msg(json_is_string(json_object_get(p, "detail")), "no detail: %s", r->body);
  ck_assert_str_ne(json_string_value(json_object_get(p, "detail")), "");
  ck_assert_int_eq(json_integer_value(json_object_get(p, "status")), status);
  /* every problem names its request, as X-Request-Id does */
  ck_assert(th_header(r, "X-Request-Id", id, sizeof(id)));
  snprintf(want, sizeof(want), "urn:ragboard:request:%s", id);
  ck_assert_msg(json_is_string(json_object_get(p, "instance")), "no instance: %s", r->body);
  ck_assert_str_eq(json_string_value(json_object_get(p, "instance")), want);
}

json_t *
th_error_for(const struct th_response *r, const char *field)
{
  json_t *e;
  size_t i;

  json_array_foreach(json_object_get(r->json, "errors"), i, e)
  {
    const char *f = json_string_value(json_object_get(e, "field"));

    if (f != NULL && strcmp(f, field) == 0)
      return e;
  }
  return NULL;
}

json_t *
th_assert_field_error(const struct th_response *r, const char *field)
{
  json_t *e;

  th_assert_ctype(r, "application/problem+json");
  ck_assert_int_eq(th_jint(r->json, "status"), r->status);
  ck_assert_msg(json_is_array(json_object_get(r->json, "errors")), "no errors array in %.800s",
                r->body);
  e = th_error_for(r, field);
  ck_assert_msg(e != NULL, "no error for field %s in %.800s", field, r->body);
  ck_assert_msg(json_is_string(json_object_get(e, "message")), "no message for %s", field);
  return e;
}

void
th_expect_int(json_t *root, const char *path, long long want)
{
  json_t *v = th_jget(root, path);

  ck_assert_msg(json_is_integer(v), "%s: not an integer", path);
  ck_assert_msg(json_integer_value(v) == want, "%s: got %lld, want %lld", path,
                (long long)json_integer_value(v), want);
}

void
th_expect_num(json_t *root, const char *path, double want)
{
  json_t *v = th_jget(root, path);

  ck_assert_msg(json_is_number(v), "%s: not a number", path);
  ck_assert_msg(fabs(json_number_value(v) - want) < 1e-9, "%s: got %.17g, want %.17g", path,
                json_number_value(v), want);
}

void
th_expect_null(json_t *root, const char *path)
{
  json_t *v = th_jget(root, path);

  ck_assert_msg(v != NULL && json_is_null(v), "%s: want null", path);
}

void
th_expect_str(json_t *root, const char *path, const char *want)
{
  json_t *v = th_jget(root, path);

  ck_assert_msg(json_is_string(v), "%s: not a string", path);
  ck_assert_msg(strcmp(json_string_value(v), want) == 0, "%s: got \"%s\", want \"%s\"", path,
                json_string_value(v), want);
}

void
th_sleep_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

  nanosleep(&ts, NULL);
}

/* ---- suites --------------------------------------------------------------- */

TCase *
th_tcase(Suite *s, const char *name, void (*setup)(void), void (*teardown)(void), double timeout)
{
  TCase *tc = tcase_create(name);

  if (setup != NULL || teardown != NULL)
    tcase_add_checked_fixture(tc, setup, teardown);
  if (timeout > 0)
    tcase_set_timeout(tc, timeout);
  suite_add_tcase(s, tc);
  return tc;
}

int
th_run(Suite *s)
{
  SRunner *sr = srunner_create(s);
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
