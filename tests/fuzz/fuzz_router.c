/* Fuzz the router and every handler behind it, as http.c would call them
 * (writes run at once, through a writer without threads).
 *
 * Input layout (chosen so seeds stay readable):
 *   byte 0         flags: 0x01 admin token in Authorization (else 0x20:
 *                  a submitter token for RMBC); 0x06 content type (0 none,
 *                  1 application/json, 2 text/csv, 3 json with charset);
 *                  0x08 --public-read for this request; 0x10 header lines
 *                  follow the request line
 *   "METHOD TARGET\n"   TARGET = path[?query], query split on '&' and '='
 *   ["x: value\n"... "\n"]  when 0x10: a=Authorization, t=Content-Type,
 *                  n=If-None-Match, m=If-Match, o=Origin
 *   body           the rest, byte for byte
 *
 * The database is a migrated temporary file ($TMPDIR) holding the demo
 * dataset, created once per process; writes that succeed stay (as on a
 * server), except that the harness's own two tokens are never revoked.
 * Invariants: a status from 100 to 599 and no 5xx but 503/507; JSON bodies
 * parse; problem details carry their status. FUZZ_VERBOSE=1 prints each
 * request's answer (to check what the seeds reach). */
#include <stdint.h>
#include <unistd.h>

#include "app.h"
#include "audit_key.h"
#include "auth.h"
#include "fuzz_common.h"
#include "router.h"

#define MAX_QUERY 32 /* http.c answers 400 itself beyond this */

static struct app *app;
static struct audit_keyring *keys;
static char admin_token[AUTH_TOKEN_MAX];
static char submitter_token[AUTH_TOKEN_MAX];
static int64_t own_token_ids[2];
static char admin_auth[AUTH_TOKEN_MAX + 8]; /* "Bearer <token>" */
static char submitter_auth[AUTH_TOKEN_MAX + 8];
static char dir[512];
static char db_path[sizeof(dir) + 16];

static void
cleanup(void)
{
  char p[sizeof(db_path) + 16];

  app_close(app);
  app = NULL;
  audit_keyring_free(keys);
  keys = NULL;
  unlink(db_path);
  snprintf(p, sizeof(p), "%s.audit-key", db_path);
  unlink(p);
  snprintf(p, sizeof(p), "%s-wal", db_path);
  unlink(p);
  snprintf(p, sizeof(p), "%s-shm", db_path);
  unlink(p);
  rmdir(dir);
}

static void
setup(void)
{
  struct app_config cfg;
  struct store *st;
  const char *why = "";
  char now[UTIL_TIME_LEN];
  enum rb_err err;

  fuzz_init_libs();
  snprintf(dir, sizeof(dir), "%s/ragboard-fuzz-router-XXXXXX",
           getenv("TMPDIR") != NULL && getenv("TMPDIR")[0] != '\0' ? getenv("TMPDIR") : "/tmp");
  if (mkdtemp(dir) == NULL) {
    perror("mkdtemp");
    abort();
  }
  snprintf(db_path, sizeof(db_path), "%s/fuzz.db", dir);
  st = fuzz_open_store(db_path);
  {
    /* the audit key, as `ragboard migrate` makes it, before any data */
    char why[512];
    bool created, keyed;

    util_now(now);
    if (app_audit_keys(db_path, NULL, true, "fuzz", now, &keys, &created, &keyed, why,
                       sizeof(why)) != RB_OK) {
      fprintf(stderr, "fuzz setup: %s\n", why);
      abort();
    }
    store_set_audit_keys(st, keys);
  }
  fuzz_seed_dataset(st);
  util_now(now);
  if ((err = store_begin(st, true)) != RB_OK)
    fuzz_die("store_begin", err);
  if ((err = auth_token_create(st, "fuzz admin", AUTH_ADMIN, NULL, now, admin_token, NULL)) !=
      RB_OK)
    fuzz_die("auth_token_create admin", err);
  if ((err = auth_token_create(st, "fuzz submitter", AUTH_SUBMITTER, "RMBC", now, submitter_token,
                               NULL)) != RB_OK)
    fuzz_die("auth_token_create submitter", err);
  if ((err = store_commit(st)) != RB_OK)
    fuzz_die("store_commit", err);
  store_close(st);
  own_token_ids[0] = strtoll(admin_token + 4, NULL, 10); /* "rb1_<id>_..." */
  own_token_ids[1] = strtoll(submitter_token + 4, NULL, 10);
  snprintf(admin_auth, sizeof(admin_auth), "Bearer %s", admin_token);
  snprintf(submitter_auth, sizeof(submitter_auth), "Bearer %s", submitter_token);

  app_config_defaults(&cfg);
  cfg.db_path = db_path;
  cfg.threads = 1;
  cfg.sync_full = false;
  cfg.log_level = LOG_ERROR;
  cfg.audit_keys = keys;
  if ((err = app_open(&cfg, &app, &why)) != RB_OK) {
    fprintf(stderr, "fuzz setup: app_open: %s\n", why);
    abort();
  }
  atexit(cleanup);
}

/* Next line of [*p, end) as a NUL-terminated string (in place: the buffer
 * is a private copy); NULL at the end of the input. */
static char *
next_line(char **p, char *end)
{
  char *start = *p, *nl;

  if (start >= end)
    return NULL;
  nl = memchr(start, '\n', (size_t)(end - start));
  if (nl == NULL) {
    *p = end;
    return start; /* the copy has a NUL after the last byte */
  }
  *nl = '\0';
  *p = nl + 1;
  return start;
}

static void
check_response(const struct rb_request *req, const struct rb_response *resp)
{
  if (resp->status < 100 || resp->status > 599 ||
      (resp->status >= 500 && resp->status != 503 && resp->status != 507)) {
    fprintf(stderr, "router: %s %s answered %u: %.*s\n", req->method, req->path, resp->status,
            (int)(resp->body_len < 2000 ? resp->body_len : 2000),
            resp->body != NULL ? resp->body : "");
    abort();
  }
  FUZZ_CHECK(resp->nheaders <= RB_MAX_HEADERS);
  for (size_t i = 0; i < resp->nheaders; i++)
    FUZZ_CHECK(resp->headers[i].name != NULL && resp->headers[i].value != NULL);
  if (resp->status == 204 || resp->status == 304)
    FUZZ_CHECK(resp->body_len == 0);
  if (resp->body_len > 0) {
    FUZZ_CHECK(resp->body != NULL && resp->content_type != NULL);
    FUZZ_CHECK(strlen(resp->body) == resp->body_len);
  }
  if (resp->content_type != NULL && (strcmp(resp->content_type, "application/json") == 0 ||
                                     strcmp(resp->content_type, "application/problem+json") == 0)) {
    json_error_t jerr;
    json_t *v = json_loadb(resp->body, resp->body_len, JSON_DECODE_ANY, &jerr);

    if (v == NULL) {
      fprintf(stderr, "router: %s %s answered malformed JSON (%s): %.*s\n", req->method, req->path,
              jerr.text, (int)(resp->body_len < 2000 ? resp->body_len : 2000), resp->body);
      abort();
    }
    if (strcmp(resp->content_type, "application/problem+json") == 0) {
      FUZZ_CHECK(json_integer_value(json_object_get(v, "status")) == (json_int_t)resp->status);
      FUZZ_CHECK(json_is_string(json_object_get(v, "type")));
      FUZZ_CHECK(resp->status >= 400);
      /* A return's rows are checked before anything is written, and its
       * writes are upserts: a storage conflict means a check let a bad row
       * through (409 for a closed quarter has its own problem type). */
      if (resp->route != NULL && strstr(resp->route, "/submissions") != NULL &&
          strcmp(json_string_value(json_object_get(v, "type")), "urn:ragboard:problem:conflict") ==
            0) {
        fprintf(stderr, "router: %s %s: a return hit a storage conflict: %s\n", req->method,
                req->path, resp->body);
        abort();
      }
    }
    json_decref(v);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char *const ctypes[] = {NULL, "application/json", "text/csv",
                                       "application/json; charset=utf-8"};
  struct rb_param query[MAX_QUERY];
  struct router_match match;
  struct rb_request req;
  struct rb_response resp;
  char *copy, *p, *end, *line, *target, *sp, *q;
  unsigned flags;
  bool public_read;

  if (app == NULL)
    setup();
  if (size < 1)
    return 0;
  flags = data[0];
  copy = malloc(size + 1);
  FUZZ_CHECK(copy != NULL);
  memcpy(copy, data, size);
  copy[size] = '\0';
  p = copy + 1;
  end = copy + size;

  memset(&req, 0, sizeof(req));
  line = next_line(&p, end);
  if (line == NULL)
    line = copy + size; /* "" */
  sp = strchr(line, ' ');
  if (sp != NULL) {
    *sp = '\0';
    target = sp + 1;
  } else {
    target = "/";
  }
  req.method = line;
  q = strchr(target, '?');
  if (q != NULL)
    *q++ = '\0';
  req.path = target;
  req.query = query;
  while (q != NULL) {
    char *amp = strchr(q, '&'), *eq;

    if (amp != NULL)
      *amp++ = '\0';
    if (*q != '\0') {
      if (req.nquery == MAX_QUERY) {
        free(copy);
        return 0; /* http.c's 400 "too many query parameters" */
      }
      eq = strchr(q, '=');
      if (eq != NULL)
        *eq++ = '\0';
      query[req.nquery].key = q;
      query[req.nquery].value = eq;
      req.nquery++;
    }
    q = amp;
  }

  if (flags & 0x01)
    req.authorization = admin_auth;
  else if (flags & 0x20)
    req.authorization = submitter_auth;
  req.content_type = ctypes[(flags >> 1) & 3];
  public_read = (flags & 0x08) != 0;
  if (flags & 0x10) {
    while ((line = next_line(&p, end)) != NULL && line[0] != '\0') {
      const char *value = line[1] == ':' ? line + 2 + (line[2] == ' ') : line + 1;

      switch (line[0]) {
      case 'a':
        req.authorization = value;
        break;
      case 't':
        req.content_type = value;
        break;
      case 'n':
        req.if_none_match = value;
        break;
      case 'm':
        req.if_match = value;
        break;
      case 'o':
        req.origin = value;
        break;
      default:
        break;
      }
    }
  }
  req.body = p < end ? p : "";
  req.body_len = p < end ? (size_t)(end - p) : 0;
  req.request_id = "00112233445566778899aabbccddeeff";
  router_match(req.method, req.path, &match);
  if (req.body_len > router_body_limit(app, &match)) {
    free(copy);
    return 0; /* http.c's 413 */
  }

  /* Revoking the harness's own tokens would turn every later input into a
   * 401 and stop the fuzzer reaching anything behind authentication. */
  if (strcmp(req.method, "DELETE") == 0 && strncmp(req.path, "/api/v1/tokens/", 15) == 0) {
    int64_t id;

    if (util_parse_int64(req.path + 15, &id) &&
        (id == own_token_ids[0] || id == own_token_ids[1])) {
      free(copy);
      return 0;
    }
  }
  app->cfg.public_read = public_read;
  memset(&resp, 0, sizeof(resp));
  router_serve(app, &match, &req, &resp);
  check_response(&req, &resp);
  if (getenv("FUZZ_VERBOSE") != NULL) /* to see what the seeds reach */
    fprintf(stderr, "%s %s -> %u %.160s\n", req.method, req.path, resp.status,
            resp.body != NULL ? resp.body : "");
  rb_response_clear(&resp);
  free(copy);
  return 0;
}
