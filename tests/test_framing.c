#define _GNU_SOURCE /* strcasestr */
/* The request as sent: framing the server refuses instead of guessing
 * (request smuggling, a missing Host), its own framing errors as problem
 * documents, and routing on the path as the client wrote it (an encoded
 * NUL or slash never changes which resource is served). Raw sockets, so
 * that no client library tidies the request up first. */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "router.h"
#include "util.h"

#define TIMEOUT_S 120

static struct th_server S;

/* One raw exchange: what the server answered and whether it closed. */
struct raw {
  char data[65536]; /* everything received, NUL-terminated */
  size_t len;
  int status;   /* of the first answer; 0 when none */
  int answers;  /* status lines received */
  bool closed;  /* the server closed the connection */
  json_t *json; /* the first answer's body, when JSON */
};

/* Send data on a fresh connection and read for up to wait_ms (less when the
 * server closes). */
static void
raw_send(const char *data, size_t len, int wait_ms, struct raw *out)
{
  struct sockaddr_in a;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  size_t sent = 0;
  double end = util_monotonic() + wait_ms / 1000.0;

  memset(out, 0, sizeof(*out));
  ck_assert_int_ge(fd, 0);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)S.port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  while (sent < len) {
    ssize_t n = send(fd, data + sent, len - sent, MSG_NOSIGNAL);

    if (n <= 0)
      break; /* the server may answer and close before reading it all */
    sent += (size_t)n;
  }
  while (util_monotonic() < end && out->len + 1 < sizeof(out->data)) {
    struct pollfd p = {fd, POLLIN, 0};
    ssize_t n;

    if (poll(&p, 1, 20) <= 0)
      continue;
    n = recv(fd, out->data + out->len, sizeof(out->data) - out->len - 1, 0);
    if (n <= 0) {
      out->closed = true;
      break;
    }
    out->len += (size_t)n;
  }
  close(fd);
  out->data[out->len] = '\0';
  if (out->len > 12 && strncmp(out->data, "HTTP/1.", 7) == 0)
    out->status = atoi(out->data + 9);
  for (const char *p = out->data; (p = strstr(p, "HTTP/1.1 ")) != NULL; p++)
    out->answers += p == out->data || p[-1] == '\n'; /* a status line, not a detail */
  {
    const char *body = strstr(out->data, "\r\n\r\n");

    if (body != NULL)
      out->json = json_loadb(body + 4, strcspn(body + 4, "\n") + 1, JSON_DISABLE_EOF_CHECK, NULL);
  }
}

static void
raw_free(struct raw *r)
{
  json_decref(r->json);
  r->json = NULL;
}

/* The first answer is a problem document with this status. */
static void
assert_raw_problem(const struct raw *r, int status, const char *what)
{
  const char *head_end = strstr(r->data, "\r\n\r\n");

  ck_assert_msg(r->status == status, "%s: status %d, want %d:\n%.600s", what, r->status, status,
                r->data);
  ck_assert_msg(head_end != NULL &&
                  strcasestr(r->data, "Content-Type: application/problem+json") != NULL &&
                  strcasestr(r->data, "Content-Type: application/problem+json") < head_end,
                "%s: not application/problem+json:\n%.600s", what, r->data);
  ck_assert_msg(r->json != NULL && json_integer_value(json_object_get(r->json, "status")) == status,
                "%s: the body is not its problem:\n%.600s", what, r->data);
}

/* GET target with the admin token, on its own connection. */
static void
raw_get(const char *target, struct raw *out)
{
  char req[4096];
  int n = snprintf(req, sizeof(req),
                   "GET %s HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\n"
                   "Connection: close\r\n\r\n",
                   target, S.admin);

  raw_send(req, (size_t)n, 3000, out);
}

static void
setup_demo(void)
{
  th_start(&S, true, NULL);
}

static void
teardown(void)
{
  th_stop(&S);
}

/* ---- framing ------------------------------------------------------------------ */

/* Each head is refused with a 400 problem and the connection closed, so
 * that whatever follows (here an admin's GET smuggled in as "body") never
 * runs as a request of its own. */
START_TEST(smuggling_refused_and_closed)
{
  static const struct {
    const char *what, *head;
  } cases[] = {
    {"two different Content-Length", "POST /api/v1/groups HTTP/1.1\r\nHost: t\r\n"
                                     "Content-Length: 0\r\nContent-Length: %zu\r\n\r\n"},
    {"two equal Content-Length", "POST /api/v1/groups HTTP/1.1\r\nHost: t\r\n"
                                 "Content-Length: %zu\r\nContent-Length: %zu\r\n\r\n"},
    {"Content-Length and chunked", "POST /api/v1/groups HTTP/1.1\r\nHost: t\r\n"
                                   "Content-Length: %zu\r\nTransfer-Encoding: chunked\r\n\r\n"},
    {"chunked and Content-Length", "GET /healthz HTTP/1.1\r\nHost: t\r\n"
                                   "Transfer-Encoding: chunked\r\nContent-Length: %zu\r\n\r\n"},
    {"two Transfer-Encoding", "POST /api/v1/groups HTTP/1.1\r\nHost: t\r\n"
                              "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"},
    {"gzip", "POST /api/v1/groups HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n"},
    {"gzip, chunked",
     "POST /api/v1/groups HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"},
    {"chunked in HTTP/1.0",
     "POST /api/v1/groups HTTP/1.0\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"},
    {"no Host", "GET /healthz HTTP/1.1\r\n\r\n"},
    {"two Hosts", "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"},
    {"a Host that is not one", "GET /healthz HTTP/1.1\r\nHost: a b/c\r\n\r\n"},
    {"a space in the target", "GET /healthz x HTTP/1.1\r\nHost: t\r\n\r\n"},
  };
  char smuggled[512], head[512], req[1024];
  size_t slen;

  slen = (size_t)snprintf(smuggled, sizeof(smuggled),
                          "0\r\n\r\nGET /api/v1/tokens HTTP/1.1\r\nHost: t\r\n"
                          "Authorization: Bearer %s\r\n\r\n",
                          S.admin);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct raw r;
    int hl = snprintf(head, sizeof(head), cases[i].head, slen, slen);
    int n = snprintf(req, sizeof(req), "%s%s", head, smuggled);

    ck_assert_int_gt(hl, 0);
    raw_send(req, (size_t)n, 2000, &r);
    assert_raw_problem(&r, 400, cases[i].what);
    ck_assert_msg(r.answers == 1, "%s: %d answers (a smuggled request ran):\n%s", cases[i].what,
                  r.answers, r.data);
    ck_assert_msg(r.closed, "%s: the connection stayed open", cases[i].what);
    ck_assert_msg(strcasestr(r.data, "Connection: close") != NULL, "%s: no Connection: close",
                  cases[i].what);
    raw_free(&r);
  }
}
END_TEST

/* What is not refused: HTTP/1.0 without Host, one Host with a port, an
 * IPv6 literal, a minor version above 1 read as HTTP/1.1 (RFC 9112 2.6). */
START_TEST(well_formed_heads_served)
{
  static const char *const heads[] = {
    "GET /healthz HTTP/1.0\r\n\r\n",
    "GET /healthz HTTP/1.1\r\nHost: ragboard.example.org:8443\r\n\r\n",
    "GET /healthz HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
    "GET /healthz HTTP/1.1\r\nHost:\r\n\r\n",
    "GET /healthz HTTP/1.2\r\nHost: t\r\n\r\n",
    "POST /healthz HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n",
  };

  for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
    struct raw r;

    raw_send(heads[i], strlen(heads[i]), 500, &r);
    ck_assert_msg(r.status == (i + 1 < sizeof(heads) / sizeof(heads[0]) ? 200 : 405), "%s: %.400s",
                  heads[i], r.data);
    raw_free(&r);
  }
}
END_TEST

/* A head over --max-header-bytes (16 KiB): 414 for the request line, 431
 * for the headers, as problem documents: up to 6 KiB over the limit (the
 * margin of libmicrohttpd's memory per connection, HTTP_HEAD_MARGIN). */
START_TEST(oversized_heads_are_problems)
{
  static const size_t sizes[] = {20000, 16384 + 6000};
  char *req = malloc(sizes[1] + 256);
  struct raw r;

  ck_assert_ptr_nonnull(req);
  for (size_t i = 0; i < ARRAY_LEN(sizes); i++) {
    size_t n = sizes[i];
    char what[64];

    strcpy(req, "GET /healthz?x=");
    memset(req + strlen(req), 'b', n);
    strcpy(req + 15 + n, " HTTP/1.1\r\nHost: t\r\n\r\n");
    raw_send(req, strlen(req), 3000, &r);
    snprintf(what, sizeof(what), "a %zu-byte target", n);
    assert_raw_problem(&r, 414, what);
    ck_assert(r.closed);
    raw_free(&r);
    strcpy(req, "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: ");
    memset(req + strlen(req), 'a', n);
    strcpy(req + 39 + n, "\r\n\r\n");
    raw_send(req, strlen(req), 3000, &r);
    snprintf(what, sizeof(what), "a %zu-byte header", n);
    assert_raw_problem(&r, 431, what);
    ck_assert(r.closed);
    raw_free(&r);
  }
  free(req);
}
END_TEST

/* ---- a token's role, judged at the head ------------------------------------------ */

static int
connect_local(void)
{
  struct sockaddr_in a;
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  ck_assert_int_ge(fd, 0);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)S.port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  return fd;
}

/* Read what arrives on fd for up to wait_ms; the first status, 0 if none. */
static int
read_status(int fd, int wait_ms, char *buf, size_t cap)
{
  size_t got = 0;
  double end = util_monotonic() + wait_ms / 1000.0;

  buf[0] = '\0';
  while (util_monotonic() < end && got + 1 < cap && strstr(buf, "\r\n\r\n") == NULL) {
    struct pollfd p = {fd, POLLIN, 0};
    ssize_t n;

    if (poll(&p, 1, 20) <= 0)
      continue;
    n = recv(fd, buf + got, cap - got - 1, 0);
    if (n <= 0)
      break;
    got += (size_t)n;
    buf[got] = '\0';
  }
  return got > 12 && strncmp(buf, "HTTP/1.", 7) == 0 ? atoi(buf + 9) : 0;
}

static void
revoke_token(const char *token)
{
  struct store *st = th_store(&S);
  char now[UTIL_TIME_LEN];
  json_t *row = NULL;

  util_now(now);
  ck_assert_int_eq(store_begin(st, true), RB_OK);
  ck_assert_int_eq(store_token_revoke(st, atoll(token + 4), now, &row), RB_OK);
  ck_assert_int_eq(store_commit(st), RB_OK);
  json_decref(row);
  store_close(st);
}

/* Fill a route's pattern with ids that exist in the demo. */
static void
route_path(const char *pattern, char *path, size_t cap)
{
  size_t used = 0;

  for (const char *p = pattern; *p != '\0' && used + 16 < cap;) {
    const char *value = NULL;

    if (strncmp(p, "{id}", 4) == 0)
      value = "1";
    else if (strncmp(p, "{code}", 6) == 0)
      value = "CYP";
    else if (strncmp(p, "{quarter}", 9) == 0)
      value = "2018-19-Q2";
    if (value != NULL) {
      used += (size_t)snprintf(path + used, cap - used, "%s", value);
      p = strchr(p, '}') + 1;
    } else {
      path[used++] = *p++;
    }
  }
  path[used] = '\0';
}

/* Every write route, every identity that may not use it: a head announcing
 * a 10 MiB body (Expect: 100-continue, as curl sends for large bodies) is
 * answered 401 or 403 at once, not "100 Continue": nothing is read. A
 * submitter on its own routes, and an admin but for an import, hear 413
 * (the body is larger than they may send); an admin's import is read. */
START_TEST(writes_refused_at_the_head)
{
  char submitter[128], revoked[128], head[1024], buf[4096], path[256];
  size_t n;
  const struct route *routes = router_routes(&n);

  th_token(&S, "submitter", "RMBC", submitter, sizeof(submitter));
  th_token(&S, "viewer", NULL, revoked, sizeof(revoked));
  revoke_token(revoked);
  for (size_t i = 0; i < n; i++) {
    const struct route *r = &routes[i];
    const struct {
      const char *who, *token;
      int want; /* 0: no answer yet (the body is wanted) */
    } ids[] = {
      {"no token", NULL, 401},
      {"a malformed token", "rb1_x", 401},
      {"a revoked token", revoked, 401},
      {"a viewer", S.viewer, 403},
      {"a submitter", submitter, (r->flags & ROUTE_SUBMIT) ? 413 : 403},
      {"an admin", S.admin, (r->flags & ROUTE_IMPORT) ? 0 : 413},
    };

    if (!(r->flags & ROUTE_WRITE))
      continue;
    route_path(r->pattern, path, sizeof(path));
    for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
      int fd = connect_local(), hl, status;
      double t0 = util_monotonic();

      hl = snprintf(head, sizeof(head),
                    "%s %s HTTP/1.1\r\nHost: t\r\n%s%s%sContent-Type: application/json\r\n"
                    "Content-Length: 10485760\r\nExpect: 100-continue\r\n\r\n",
                    r->method, path, ids[k].token ? "Authorization: Bearer " : "",
                    ids[k].token ? ids[k].token : "", ids[k].token ? "\r\n" : "");
      ck_assert_int_eq(send(fd, head, (size_t)hl, MSG_NOSIGNAL), hl);
      status = read_status(fd, ids[k].want ? 2000 : 300, buf, sizeof(buf));
      close(fd);
      if (ids[k].want == 0)
        ck_assert_msg(status == 0 || status == 100, "%s %s as %s: %d, want the body read:\n%s",
                      r->method, path, ids[k].who, status, buf);
      else
        ck_assert_msg(status == ids[k].want && util_monotonic() - t0 < 1.0,
                      "%s %s as %s: %d after %.2f s, want %d at once:\n%s", r->method, path,
                      ids[k].who, status, util_monotonic() - t0, ids[k].want, buf);
    }
  }
}
END_TEST

/* A client that does not ask first sends its body with the head: a refused
 * body is dropped as it arrives and the refusal follows it, so the client
 * hears it (an answer sent before would be lost with the connection). */
START_TEST(refused_body_dropped_then_answered)
{
  size_t len = (size_t)8 << 20, sent = 0; /* more than the socket buffers hold */
  char *body = malloc(len), head[512], buf[4096];
  int fd = connect_local(), hl, status;

  ck_assert_ptr_nonnull(body);
  memset(body, ' ', len);
  body[0] = '{';
  body[len - 1] = '}';
  hl = snprintf(head, sizeof(head),
                "POST /api/v1/import HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\n"
                "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                S.viewer, len);
  ck_assert_int_eq(send(fd, head, (size_t)hl, MSG_NOSIGNAL), hl);
  while (sent < len) {
    ssize_t w = send(fd, body + sent, len - sent, MSG_NOSIGNAL);

    ck_assert_msg(w > 0, "the server stopped reading the body after %zu bytes", sent);
    sent += (size_t)w;
  }
  free(body);
  status = read_status(fd, 3000, buf, sizeof(buf));
  ck_assert_msg(status == 403, "a viewer's import: %d\n%s", status, buf);
  close(fd);
}
END_TEST

/* The identity judged at the head is reused by dispatch, which still sees
 * a revocation committed while the body was on its way. */
START_TEST(revoked_while_the_body_arrives)
{
  static const char body[] = "{\"value\": 42, \"comment\": \"revoked meanwhile\"}";
  char admin2[128], head[512], buf[4096];
  struct th_response r;
  int fd = connect_local(), hl, status;

  th_token(&S, "admin", NULL, admin2, sizeof(admin2));
  hl = snprintf(head, sizeof(head),
                "PUT /api/v1/kpis/1/readings/2018-19-Q2 HTTP/1.1\r\nHost: t\r\n"
                "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                "Content-Length: %zu\r\n\r\n",
                admin2, strlen(body));
  ck_assert_int_eq(send(fd, head, (size_t)hl, MSG_NOSIGNAL), hl);
  usleep(200 * 1000); /* the head has been judged */
  revoke_token(admin2);
  ck_assert_int_eq(send(fd, body, strlen(body), MSG_NOSIGNAL), (ssize_t)strlen(body));
  status = read_status(fd, 3000, buf, sizeof(buf));
  close(fd);
  ck_assert_msg(status == 401, "a write whose token was revoked meanwhile: %d\n%s", status, buf);
  th_request(&S, "GET", "/api/v1/kpis/1/readings", NULL, S.admin, NULL, &r);
  ck_assert_ptr_null(strstr(r.body, "revoked meanwhile"));
  th_response_free(&r);
}
END_TEST

/* ---- the path as sent ------------------------------------------------------- */

/* A decoded NUL used to cut the path (/api/v1/tokens%00.css served the
 * token list) or a query value (?group=CYP%00junk filtered on CYP). */
START_TEST(nul_in_path_or_query_is_400)
{
  static const char *const targets[] = {
    "/api/v1/tokens%00.css",
    "/api/v1/tokens%00",
    "/api/v1/groups/CYP%00junk",
    "/api/v1/milestones?group=CYP%00junk",
    "/api/v1/milestones?group=CYP%00",
    "/api/v1/milestones?gr%00oup=CYP",
    "/api/v1/milestones?limit=5&group%00",
  };

  for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
    struct raw r;

    raw_get(targets[i], &r);
    assert_raw_problem(&r, 400, targets[i]);
    ck_assert_str_eq(json_string_value(json_object_get(r.json, "type")),
                     "urn:ragboard:problem:bad-request");
    raw_free(&r);
  }
}
END_TEST

/* An encoded slash is data inside one path segment, never a separator. */
START_TEST(encoded_slash_is_data)
{
  static const char *const targets[] = {
    "/api/v1%2Ftokens",
    "/api/v1%2ftokens",
    "/api%2Fv1/groups",
    "/api/v1/groups/CYP%2Fsummary",
    "/api/v1/milestones/1%2Fupdates",
    "/api/v1/milestones/12%2F3",
  };
  struct raw r;

  for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
    raw_get(targets[i], &r);
    assert_raw_problem(&r, 404, targets[i]);
    raw_free(&r);
  }
  /* Escapes of ordinary characters are the characters (RFC 3986 6.2.2.2). */
  raw_get("/api/v1/%67roups/C%59P", &r);
  ck_assert_msg(r.status == 200, "an escaped ordinary character: %.600s", r.data);
  ck_assert_str_eq(json_string_value(json_object_get(r.json, "code")), "CYP");
  raw_free(&r);
  /* A path parameter is decoded too. */
  raw_get("/api/v1/groups/%43YP/summary?quarter=2018-19-Q1", &r);
  ck_assert_msg(r.status == 200, "an escaped path parameter: %.600s", r.data);
  raw_free(&r);
  /* A broken escape is not a path. */
  raw_get("/api/v1/groups/%zz", &r);
  assert_raw_problem(&r, 400, "a broken escape");
  raw_free(&r);
  raw_get("/api/v1/groups/CY%", &r);
  assert_raw_problem(&r, 400, "a cut escape");
  raw_free(&r);
}
END_TEST

/* The request log holds the target as the client sent it. */
START_TEST(log_records_raw_target)
{
  char file[] = "/tmp/ragboard-log-XXXXXX", text[65536];
  int fd = mkstemp(file), saved;
  ssize_t n;
  struct raw r;

  ck_assert_int_ge(fd, 0);
  fflush(stderr);
  saved = dup(2);
  ck_assert_int_ge(saved, 0);
  ck_assert_int_ge(dup2(fd, 2), 0);
  raw_get("/api/v1/milestones?group=C%59P&limit=1", &r);
  raw_free(&r);
  raw_get("/api/v1/tokens%00.css", &r);
  raw_free(&r);
  raw_get("/api/v1%2Ftokens", &r);
  raw_free(&r);
  usleep(300 * 1000);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  n = pread(fd, text, sizeof(text) - 1, 0);
  close(fd);
  unlink(file);
  ck_assert_int_gt(n, 0);
  text[n] = '\0';
  ck_assert_msg(strstr(text, "\"target\":\"/api/v1/milestones?group=C%59P&limit=1\"") != NULL,
                "the log does not hold the raw target:\n%s", text);
  ck_assert_msg(strstr(text, "\"target\":\"/api/v1/tokens%00.css\"") != NULL,
                "the log does not hold the raw target:\n%s", text);
  ck_assert_msg(strstr(text, "\"target\":\"/api/v1%2Ftokens\"") != NULL,
                "the log does not hold the raw target:\n%s", text);
}
END_TEST

static Suite *
framing_suite(void)
{
  Suite *s = suite_create("framing");
  TCase *tc;

  tc = th_tcase(s, "framing", setup_demo, teardown, TIMEOUT_S);
  tcase_add_test(tc, smuggling_refused_and_closed);
  tcase_add_test(tc, well_formed_heads_served);
  tcase_add_test(tc, oversized_heads_are_problems);

  tc = th_tcase(s, "head", setup_demo, teardown, TIMEOUT_S);
  tcase_add_test(tc, writes_refused_at_the_head);
  tcase_add_test(tc, refused_body_dropped_then_answered);
  tcase_add_test(tc, revoked_while_the_body_arrives);

  tc = th_tcase(s, "path", setup_demo, teardown, TIMEOUT_S);
  tcase_add_test(tc, nul_in_path_or_query_is_400);
  tcase_add_test(tc, encoded_slash_is_data);
  tcase_add_test(tc, log_records_raw_target);
  return s;
}

int
main(void)
{
  return th_run(framing_suite());
}
