#define _GNU_SOURCE /* strcasestr */
/* Hostile input, bad clients and concurrent edits: every answer is a 4xx
 * problem (never a 5xx or a crash), nothing is written, limits hold, slow
 * clients are cut off while others are served, and stale ETags are refused. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "router.h"
#include "util.h"
#include "web_files.h"

#define TIMEOUT_S 120

static struct th_server S;

static int
connect_local(unsigned port)
{
  struct sockaddr_in a;
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  ck_assert_int_ge(fd, 0);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  return fd;
}

/* Send raw bytes, read until the server closes or timeout_ms passes;
 * returns the HTTP status (0 when none arrived). */
static int
raw_request(const char *data, size_t len, int timeout_ms, char *out, size_t cap)
{
  int fd = connect_local(S.port), status = 0;
  size_t got = 0, sent = 0;
  double end = util_monotonic() + timeout_ms / 1000.0;

  while (sent < len) {
    ssize_t n = send(fd, data + sent, len - sent, MSG_NOSIGNAL);

    if (n <= 0)
      break; /* the server may answer and close before reading it all */
    sent += (size_t)n;
  }
  while (util_monotonic() < end && got + 1 < cap) {
    struct pollfd p = {fd, POLLIN, 0};
    ssize_t n;

    if (poll(&p, 1, 50) <= 0)
      continue;
    n = recv(fd, out + got, cap - got - 1, 0);
    if (n <= 0)
      break;
    got += (size_t)n;
    out[got] = '\0';
    if (strstr(out, "\r\n\r\n") != NULL && strstr(out, "Content-Length: 0") == NULL) {
      /* Enough for a status; keep reading briefly for the body. */
      const char *cl = strcasestr(out, "Content-Length:");
      const char *body = strstr(out, "\r\n\r\n") + 4;

      if (cl != NULL && (size_t)(out + got - body) >= strtoul(cl + 15, NULL, 10))
        break;
    }
  }
  out[got] = '\0';
  close(fd);
  if (got > 12 && strncmp(out, "HTTP/1.", 7) == 0)
    status = atoi(out + 9);
  return status;
}

static json_int_t
count(const char *path)
{
  struct th_response r;
  json_int_t n;

  th_request(&S, "GET", path, NULL, S.admin, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  n = (json_int_t)json_array_size(json_object_get(r.json, "items"));
  th_response_free(&r);
  return n;
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

/* ---- bad JSON ---------------------------------------------------------------- */

struct bad_body {
  const char *what;
  const char *body;
  size_t len; /* 0: strlen */
};

static const struct bad_body bad_bodies[] = {
  {"empty", "", 0},
  {"truncated", "{\"code\":\"XX\",\"name\":\"x", 0},
  {"truncated object", "{\"code\":\"XX\",", 0},
  {"invalid UTF-8", "{\"code\":\"X\xff\xfe\",\"name\":\"x\"}", 0},
  {"overlong UTF-8", "{\"code\":\"X\xc0\xaf\",\"name\":\"x\"}", 0},
  {"lone surrogate", "{\"code\":\"XS\",\"name\":\"\\ud800\"}", 0},
  {"NUL escape", "{\"code\":\"XN\",\"name\":\"a\\u0000b\"}", 0},
  {"raw NUL", "{\"code\":\"XN\",\"name\":\"a\0b\"}", 27},
  {"overlong integer", "{\"code\":\"XI\",\"name\":123456789012345678901234567890123456789}", 0},
  {"1e400", "{\"code\":\"XE\",\"name\":1e400}", 0},
  {"NaN", "{\"code\":\"XN\",\"name\":NaN}", 0},
  {"Infinity", "{\"code\":\"XI\",\"name\":Infinity}", 0},
  {"-Infinity", "{\"code\":\"XI\",\"name\":-Infinity}", 0},
  {"duplicate keys", "{\"code\":\"XD\",\"name\":\"a\",\"name\":\"b\"}", 0},
  {"wrong types", "{\"code\":1,\"name\":[]}", 0},
  {"nulls everywhere", "{\"code\":null,\"name\":null}", 0},
  {"null", "null", 0},
  {"array", "[]", 0},
  {"string", "\"XX\"", 0},
  {"number", "42", 0},
  {"object of nothing", "{}", 0},
  {"unknown field", "{\"code\":\"XU\",\"name\":\"x\",\"colour\":\"red\"}", 0},
  {"control character", "{\"code\":\"X\\u0007\",\"name\":\"x\"}", 0},
  {"trailing garbage", "{\"code\":\"XT\",\"name\":\"x\"} {}", 0},
  {"single quotes", "{'code':'XQ','name':'x'}", 0},
  {"comment", "{\"code\":\"XC\",/* hi */\"name\":\"x\"}", 0},
};

static char *
nested(int depth)
{
  char *s = malloc((size_t)depth * 2 + 64);
  size_t n = 0;

  n += (size_t)sprintf(s, "{\"code\":\"XZ\",\"name\":\"x\",\"chairs\":");
  for (int i = 0; i < depth; i++)
    s[n++] = '[';
  for (int i = 0; i < depth; i++)
    s[n++] = ']';
  s[n++] = '}';
  s[n] = '\0';
  return s;
}

/* POST the body to a write route; 4xx problem, never 5xx. */
static void
post_bad(const char *path, const char *body, size_t len, const char *what)
{
  char head[512], *req, resp[8192];
  size_t hl;
  int status;

  hl = (size_t)snprintf(head, sizeof(head),
                        "POST %s HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\n"
                        "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                        "Connection: close\r\n\r\n",
                        path, S.admin, len);
  req = malloc(hl + len);
  memcpy(req, head, hl);
  memcpy(req + hl, body, len);
  status = raw_request(req, hl + len, 5000, resp, sizeof(resp));
  free(req);
  ck_assert_msg(status >= 400 && status < 500, "%s on %s: status %d\n%s", what, path, status, resp);
  ck_assert_msg(strstr(resp, "application/problem+json") != NULL, "%s: not a problem: %s", what,
                resp);
}

START_TEST(bad_json_never_5xx_and_writes_nothing)
{
  static const char *const paths[] = {"/api/v1/organisations",
                                      "/api/v1/groups",
                                      "/api/v1/milestones",
                                      "/api/v1/kpis",
                                      "/api/v1/quarters/2018-19-Q1/submissions",
                                      "/api/v1/import",
                                      NULL};
  struct th_response before, after;
  char *deep;

  th_request(&S, "GET", "/api/v1/audit?limit=500", NULL, S.admin, NULL, &before);
  for (const char *const *p = paths; *p != NULL; p++) {
    for (size_t i = 0; i < sizeof(bad_bodies) / sizeof(bad_bodies[0]); i++) {
      const struct bad_body *b = &bad_bodies[i];

      post_bad(*p, b->body, b->len ? b->len : strlen(b->body), b->what);
    }
    deep = nested(33);
    post_bad(*p, deep, strlen(deep), "depth 33");
    free(deep);
    deep = nested(100000);
    post_bad(*p, deep, strlen(deep), "depth 100000");
    free(deep);
  }
  /* Huge arrays and long strings are refused too. */
  {
    size_t n = 200000, len = 0;
    char *big = malloc(n * 4 + 64);

    ck_assert_ptr_nonnull(big);
    len += (size_t)sprintf(big, "{\"code\":\"XH\",\"name\":\"x\",\"chairs\":[");
    for (size_t i = 0; i < n; i++)
      len += (size_t)sprintf(big + len, "%s1", i ? "," : "");
    len += (size_t)sprintf(big + len, "]}");
    post_bad("/api/v1/groups", big, len, "huge array");
    memset(big, 'a', 20000);
    len = (size_t)sprintf(big, "{\"code\":\"XL\",\"name\":\"");
    memset(big + len, 'a', 10001);
    len += 10001;
    len += (size_t)sprintf(big + len, "\"}");
    post_bad("/api/v1/groups", big, len, "10001-byte string");
    free(big);
  }
  ck_assert_int_eq(count("/api/v1/organisations"), 6);
  ck_assert_int_eq(count("/api/v1/groups"), 3);
  th_request(&S, "GET", "/api/v1/audit?limit=500", NULL, S.admin, NULL, &after);
  ck_assert_msg(json_equal(before.json, after.json), "the audit trail changed");
  th_response_free(&before);
  th_response_free(&after);
}
END_TEST

/* ---- limits ------------------------------------------------------------------ */

START_TEST(oversized_headers_and_url)
{
  size_t n = 40000;
  char *req = malloc(n + 512), resp[8192];
  int status;

  /* A header larger than the 16 KiB default. */
  strcpy(req, "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: ");
  memset(req + strlen(req), 'a', 20000);
  strcpy(req + strlen("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: ") + 20000,
         "\r\nConnection: close\r\n\r\n");
  status = raw_request(req, strlen(req), 5000, resp, sizeof(resp));
  ck_assert_msg(status == 431 || status == 413 || status == 400, "big header: %d", status);
  /* A URL larger than the limit. */
  strcpy(req, "GET /api/v1/groups?x=");
  memset(req + strlen(req), 'b', 30000);
  strcpy(req + strlen("GET /api/v1/groups?x=") + 30000,
         " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  status = raw_request(req, strlen(req), 5000, resp, sizeof(resp));
  ck_assert_msg(status == 414 || status == 431 || status == 413 || status == 400, "big URL: %d",
                status);
  free(req);
  /* The server still answers. */
  ck_assert_int_eq(count("/api/v1/groups"), 3);
}
END_TEST

static void
small_limits(struct app_config *cfg)
{
  cfg->max_page_size = 50;
  cfg->max_body = 4096;
  cfg->max_connections_per_ip = 4;
  cfg->connection_timeout_s = 1;
  cfg->request_timeout_s = 2;
  cfg->max_json_depth = 8;
}

static void
setup_small(void)
{
  th_start(&S, true, small_limits);
}

static void
slow_limits(struct app_config *cfg)
{
  cfg->request_timeout_s = 2;
}

static void
setup_slow(void)
{
  th_start(&S, true, slow_limits);
}

START_TEST(configured_limits)
{
  struct th_response r;
  char body[8192];

  th_request(&S, "GET", "/api/v1/milestones?limit=51", NULL, S.admin, NULL, &r);
  ck_assert_int_eq(r.status, 400);
  th_response_free(&r);
  th_request(&S, "GET", "/api/v1/milestones?limit=50", NULL, S.admin, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 50);
  th_response_free(&r);
  /* Body limit 4 KiB: 413 without reading the rest. */
  memset(body, ' ', sizeof(body) - 1);
  body[sizeof(body) - 1] = '\0';
  body[0] = '{';
  body[sizeof(body) - 2] = '}';
  th_request(&S, "POST", "/api/v1/organisations", body, S.admin, "Expect: 100-continue", &r);
  ck_assert_int_eq(r.status, 413);
  th_response_free(&r);
  /* Depth 8. */
  th_request(&S, "POST", "/api/v1/groups",
             "{\"code\":\"D\",\"name\":\"d\",\"chairs\":[[[[[[[[[\"x\"]]]]]]]]]}", S.admin, NULL,
             &r);
  ck_assert_int_eq(r.status, 400);
  th_response_free(&r);
}
END_TEST

START_TEST(connections_per_ip_and_idle_timeout)
{
  static const char get[] = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
  int fds[4], extra;
  char buf[512];
  struct pollfd p;
  double t0;
  ssize_t n;

  for (int i = 0; i < 4; i++) {
    fds[i] = connect_local(S.port);
    usleep(50000); /* in this order: fds[0] has been idle longest */
  }
  usleep(200000);
  /* A fifth connection from this address is served: the connection idle
   * the longest (the first) is shed to make room, the others are kept. */
  extra = connect_local(S.port);
  ck_assert_int_eq(send(extra, get, strlen(get), MSG_NOSIGNAL), (ssize_t)strlen(get));
  p.fd = extra;
  p.events = POLLIN;
  ck_assert_int_eq(poll(&p, 1, 2000), 1);
  n = recv(extra, buf, sizeof(buf) - 1, 0);
  ck_assert_int_gt(n, 12);
  ck_assert_int_eq(strncmp(buf, "HTTP/1.1 200", 12), 0);
  p.fd = fds[0];
  ck_assert_int_eq(poll(&p, 1, 1000), 1);
  ck_assert_int_le(recv(fds[0], buf, sizeof(buf), 0), 0);
  close(fds[0]);
  for (int i = 1; i < 4; i++) {
    p.fd = fds[i];
    ck_assert_msg(poll(&p, 1, 0) == 0, "connection %d was shed too", i);
  }
  /* A connection whose request is under way is never shed: with all four
   * slots busy (heads sent, bodies pending), a new one is refused. */
  for (int i = 1; i < 4; i++) {
    static const char head[] = "POST /api/v1/groups HTTP/1.1\r\nHost: t\r\n"
                               "Content-Length: 100\r\n\r\n";

    ck_assert_int_eq(send(fds[i], head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
  }
  {
    static const char head[] = "POST /api/v1/groups HTTP/1.1\r\nHost: t\r\n"
                               "Authorization: Bearer x\r\nContent-Length: 100\r\n\r\n";
    int busy = extra;

    ck_assert_int_eq(send(busy, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
  }
  usleep(200000);
  {
    int refused = connect_local(S.port);

    p.fd = refused;
    ck_assert_int_eq(poll(&p, 1, 2000), 1);
    ck_assert_int_le(recv(refused, buf, sizeof(buf), 0), 0);
    close(refused);
  }
  close(extra);
  /* Idle connections are closed by the timeouts (1 s idle, 2 s per request). */
  t0 = util_monotonic();
  for (int i = 1; i < 4; i++) {
    p.fd = fds[i];
    ck_assert_int_eq(poll(&p, 1, 5000), 1);
    while (recv(fds[i], buf, sizeof(buf), 0) > 0)
      ;
    close(fds[i]);
  }
  ck_assert_double_lt(util_monotonic() - t0, 4.0);
  /* Room again. */
  ck_assert_int_eq(count("/api/v1/groups"), 3);
}
END_TEST

/* ---- slow clients ------------------------------------------------------------ */

struct slow {
  int fd;
  double cut_after; /* seconds until the server closed; -1 if never */
};

static void *
slowloris(void *arg)
{
  struct slow *s = arg;
  const char *msg = "POST /api/v1/organisations HTTP/1.1\r\nHost: t\r\nX-Slow: "
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  double t0 = util_monotonic();

  s->cut_after = -1;
  for (const char *p = msg; *p; p++) {
    struct pollfd pf = {s->fd, POLLIN, 0};
    char c;

    if (send(s->fd, p, 1, MSG_NOSIGNAL) != 1 ||
        (poll(&pf, 1, 150) == 1 && recv(s->fd, &c, 1, 0) <= 0)) {
      s->cut_after = util_monotonic() - t0;
      return NULL;
    }
  }
  return NULL;
}

START_TEST(slow_clients_cut_off_others_served)
{
  struct slow s[4];
  pthread_t t[4];

  for (int i = 0; i < 4; i++) {
    s[i].fd = connect_local(S.port);
    pthread_create(&t[i], NULL, slowloris, &s[i]);
  }
  usleep(500000);
  for (int k = 0; k < 5; k++) {
    struct th_response r;
    double t0 = util_monotonic();

    th_request(&S, "GET", "/api/v1/groups", NULL, S.admin, NULL, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_double_lt(util_monotonic() - t0, 0.5);
    th_response_free(&r);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(t[i], NULL);
    close(s[i].fd);
    ck_assert_msg(s[i].cut_after > 0 && s[i].cut_after < 4.0,
                  "slow client %d not cut off in time (%.2f s)", i, s[i].cut_after);
  }
}
END_TEST

/* ---- concurrent edits ---------------------------------------------------------- */

static void
etag_of(const struct th_response *r, char *out, size_t cap)
{
  ck_assert_msg(th_header(r, "ETag", out, cap), "no ETag on a %ld", r->status);
  ck_assert_int_eq(out[0], '"');
}

/* GET path with If-None-Match: etag answers 304, no body, the same ETag. */
static void
assert_not_modified(const char *path, const char *etag)
{
  struct th_response r;
  char hdr[96], got[64];

  snprintf(hdr, sizeof(hdr), "If-None-Match: %s", etag);
  th_request(&S, "GET", path, NULL, S.admin, hdr, &r);
  ck_assert_msg(r.status == 304, "status %ld: %.200s", r.status, r.body);
  ck_assert_uint_eq(r.len, 0);
  etag_of(&r, got, sizeof(got));
  ck_assert_str_eq(got, etag);
  th_response_free(&r);
}

START_TEST(stale_etag_412)
{
  struct th_response r;
  char e1[64], e2[64], hdr[96];

  th_request(&S, "GET", "/api/v1/milestones/1", NULL, S.admin, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  etag_of(&r, e1, sizeof(e1));
  th_response_free(&r);
  /* Partner A edits with the ETag it read. */
  snprintf(hdr, sizeof(hdr), "If-Match: %s", e1);
  th_request(&S, "PATCH", "/api/v1/milestones/1", "{\"description\":\"A's text\"}", S.admin, hdr,
             &r);
  ck_assert_int_eq(r.status, 200);
  etag_of(&r, e2, sizeof(e2));
  ck_assert_str_ne(e1, e2);
  th_response_free(&r);
  /* Partner B, holding the old ETag, is refused, and A's text stays. */
  th_request(&S, "PATCH", "/api/v1/milestones/1", "{\"description\":\"B's text\"}", S.admin, hdr,
             &r);
  ck_assert_int_eq(r.status, 412);
  ck_assert_str_eq(json_string_value(json_object_get(r.json, "type")),
                   "urn:ragboard:problem:precondition-failed");
  th_response_free(&r);
  th_request(&S, "DELETE", "/api/v1/milestones/1", NULL, S.admin, hdr, &r);
  ck_assert_int_eq(r.status, 412);
  th_response_free(&r);
  th_request(&S, "GET", "/api/v1/milestones/1", NULL, S.admin, NULL, &r);
  ck_assert_str_eq(json_string_value(json_object_get(r.json, "description")), "A's text");
  th_response_free(&r);
  /* Weak tags never match If-Match; "*" does. */
  snprintf(hdr, sizeof(hdr), "If-Match: W/%s", e2);
  th_request(&S, "PATCH", "/api/v1/milestones/1", "{\"description\":\"C\"}", S.admin, hdr, &r);
  ck_assert_int_eq(r.status, 412);
  th_response_free(&r);
  th_request(&S, "PATCH", "/api/v1/milestones/1", "{\"description\":\"C\"}", S.admin, "If-Match: *",
             &r);
  ck_assert_int_eq(r.status, 200);
  th_response_free(&r);
}
END_TEST

/* A client holding an item's ETag revalidates it for free: 304 without a
 * body while the item is unchanged, 200 with the new ETag once it changed. */
START_TEST(item_conditional_get_304)
{
  struct th_response r;
  char e1[64], e2[64], hdr[96];

  th_request(&S, "GET", "/api/v1/kpis/1", NULL, S.admin, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  etag_of(&r, e1, sizeof(e1));
  th_response_free(&r);
  assert_not_modified("/api/v1/kpis/1", e1);
  snprintf(hdr, sizeof(hdr), "If-None-Match: %s", e1);
  th_request(&S, "HEAD", "/api/v1/kpis/1", NULL, S.admin, hdr, &r);
  ck_assert_int_eq(r.status, 304);
  th_response_free(&r);
  /* another item's tag does not match */
  th_request(&S, "GET", "/api/v1/kpis/2", NULL, S.admin, hdr, &r);
  ck_assert_int_eq(r.status, 200);
  th_response_free(&r);
  /* a write never answers 304: If-None-Match matching the item refuses it
   * (412, RFC 9110 13.1.2), one that does not match lets it through */
  th_request(&S, "PATCH", "/api/v1/kpis/1", "{\"description\":\"Revalidated\"}", S.admin, hdr, &r);
  ck_assert_int_eq(r.status, 412);
  th_response_free(&r);
  th_request(&S, "PATCH", "/api/v1/kpis/1", "{\"description\":\"Revalidated\"}", S.admin,
             "If-None-Match: \"00000000000000000000000000000000\"", &r);
  ck_assert_int_eq(r.status, 200);
  etag_of(&r, e2, sizeof(e2));
  ck_assert_str_ne(e2, e1);
  th_response_free(&r);
  th_request(&S, "GET", "/api/v1/kpis/1", NULL, S.admin, hdr, &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert_str_eq(json_string_value(json_object_get(r.json, "description")), "Revalidated");
  th_response_free(&r);
}
END_TEST

/* A list's ETag is the data version: a client holding it gets 304 even
 * after the list dropped out of the response cache (which holds 128). */
START_TEST(list_conditional_get_304_after_eviction)
{
  struct th_response r;
  char e1[64], hdr[96], path[64];

  th_request(&S, "GET", "/api/v1/groups", NULL, S.admin, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  etag_of(&r, e1, sizeof(e1));
  th_response_free(&r);
  for (int i = 1; i <= 200; i++) { /* other lists push it out */
    snprintf(path, sizeof(path), "/api/v1/milestones?limit=%d", i);
    th_request(&S, "GET", path, NULL, S.admin, NULL, &r);
    ck_assert_int_eq(r.status, 200);
    th_response_free(&r);
  }
  assert_not_modified("/api/v1/groups", e1);
  snprintf(hdr, sizeof(hdr), "If-None-Match: %s", e1);
  /* a bad query is still a 400, whatever the client holds */
  th_request(&S, "GET", "/api/v1/groups?bogus=1", NULL, S.admin, hdr, &r);
  ck_assert_int_eq(r.status, 400);
  th_response_free(&r);
}
END_TEST

START_TEST(readings_and_updates_carry_etags)
{
  struct th_response r;
  char e1[64], hdr[96];

  /* If-None-Match: * creates only: the second PUT finds the reading and
   * leaves it alone. */
  th_request(&S, "PUT", "/api/v1/kpis/2/readings/2018-19-Q2", "{\"value\":5}", S.admin,
             "If-None-Match: *", &r);
  ck_assert_int_eq(r.status, 201);
  th_response_free(&r);
  th_request(&S, "PUT", "/api/v1/kpis/2/readings/2018-19-Q2", "{\"value\":6}", S.admin,
             "If-None-Match: *", &r);
  ck_assert_int_eq(r.status, 412);
  th_response_free(&r);
  th_request(&S, "GET", "/api/v1/kpis/2/readings", NULL, S.admin, NULL, &r);
  ck_assert_ptr_nonnull(strstr(r.body, "\"value\":5.0"));
  ck_assert_ptr_null(strstr(r.body, "\"value\":6.0"));
  th_response_free(&r);

  /* If-Match on something that does not exist yet is refused. */
  th_request(&S, "PUT", "/api/v1/kpis/1/readings/2018-19-Q2", "{\"value\":1}", S.admin,
             "If-Match: \"00000000000000000000000000000000\"", &r);
  ck_assert_int_eq(r.status, 412);
  th_response_free(&r);
  th_request(&S, "PUT", "/api/v1/kpis/1/readings/2018-19-Q2", "{\"value\":1}", S.admin, NULL, &r);
  ck_assert_int_eq(r.status, 201);
  etag_of(&r, e1, sizeof(e1));
  th_response_free(&r);
  snprintf(hdr, sizeof(hdr), "If-Match: %s", e1);
  th_request(&S, "PUT", "/api/v1/kpis/1/readings/2018-19-Q2", "{\"value\":2}", S.admin, hdr, &r);
  ck_assert_int_eq(r.status, 200);
  th_response_free(&r);
  th_request(&S, "PUT", "/api/v1/kpis/1/readings/2018-19-Q2", "{\"value\":3}", S.admin, hdr, &r);
  ck_assert_int_eq(r.status, 412);
  th_response_free(&r);
  th_request(&S, "PUT", "/api/v1/milestones/1/updates/2018-19-Q1", "{\"status\":\"R\"}", S.admin,
             hdr, &r);
  ck_assert_int_eq(r.status, 412);
  th_response_free(&r);
  th_request(&S, "GET", "/api/v1/kpis/1/readings", NULL, S.admin, NULL, &r);
  ck_assert(json_real_value(json_object_get(json_array_get(json_object_get(r.json, "items"), 0),
                                            "value")) == 2.0 ||
            json_number_value(json_object_get(json_array_get(json_object_get(r.json, "items"), 1),
                                              "value")) == 2.0);
  th_response_free(&r);
}
END_TEST

/* One update or reading can be read with its ETag, so a client that did
 * not write it last can still make its write conditional (If-Match). */
START_TEST(figures_read_one_for_if_match)
{
  static const struct {
    const char *path, *put, *changed;
  } rows[] = {
    {"/api/v1/kpis/4/readings/2018-19-Q2", "{\"value\":7}", "{\"value\":8}"},
    {"/api/v1/milestones/4/updates/2018-19-Q2", "{\"status\":\"G\"}", "{\"status\":\"A\"}"},
  };
  struct th_response r;
  char e1[64], hdr[96];

  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    th_request(&S, "PUT", rows[i].path, rows[i].put, S.admin, NULL, &r);
    ck_assert_msg(r.status == 200 || r.status == 201, "%s: %ld", rows[i].path, r.status);
    th_response_free(&r);
    /* another client reads it */
    th_request(&S, "GET", rows[i].path, NULL, S.viewer, NULL, &r);
    ck_assert_msg(r.status == 200, "%s: %ld %s", rows[i].path, r.status, r.body);
    etag_of(&r, e1, sizeof(e1));
    ck_assert(json_is_object(r.json));
    ck_assert_ptr_nonnull(json_object_get(r.json, i == 0 ? "effective_rating" : "status_change"));
    th_response_free(&r);
    snprintf(hdr, sizeof(hdr), "If-None-Match: %s", e1);
    th_request(&S, "GET", rows[i].path, NULL, S.viewer, hdr, &r);
    ck_assert_int_eq(r.status, 304);
    th_response_free(&r);
    /* its ETag is the one If-Match takes */
    snprintf(hdr, sizeof(hdr), "If-Match: %s", e1);
    th_request(&S, "PUT", rows[i].path, rows[i].changed, S.admin, hdr, &r);
    ck_assert_msg(r.status == 200, "%s: %ld %s", rows[i].path, r.status, r.body);
    th_response_free(&r);
    th_request(&S, "PUT", rows[i].path, rows[i].put, S.admin, hdr, &r);
    ck_assert_int_eq(r.status, 412);
    th_response_free(&r);
  }
  th_request(&S, "GET", "/api/v1/kpis/4/readings/2018-19-Q4", NULL, S.viewer, NULL, &r);
  ck_assert_int_eq(r.status, 404);
  th_response_free(&r);
  th_request(&S, "GET", "/api/v1/milestones/4/updates/2018-19-Q9", NULL, S.viewer, NULL, &r);
  ck_assert_int_eq(r.status, 400);
  th_response_free(&r);
  th_request(&S, "GET", "/api/v1/kpis/99999/readings/2018-19-Q2", NULL, S.viewer, NULL, &r);
  ck_assert_int_eq(r.status, 404);
  th_response_free(&r);
}
END_TEST

/* Lists are served from the response cache per data version: repeated
 * polls get 304 with the ETag, and a write shows at once. */
START_TEST(list_cache_follows_writes)
{
  struct th_response r;
  char e1[64], e2[64], hdr[96];

  th_request(&S, "GET", "/api/v1/groups", NULL, S.admin, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  etag_of(&r, e1, sizeof(e1));
  th_response_free(&r);
  snprintf(hdr, sizeof(hdr), "If-None-Match: %s", e1);
  th_request(&S, "GET", "/api/v1/groups", NULL, S.viewer, hdr, &r);
  ck_assert_int_eq(r.status, 304);
  th_response_free(&r);
  th_request(&S, "POST", "/api/v1/groups", "{\"code\":\"NEW\",\"name\":\"New group\"}", S.admin,
             NULL, &r);
  ck_assert_int_eq(r.status, 201);
  th_response_free(&r);
  th_request(&S, "GET", "/api/v1/groups", NULL, S.admin, hdr, &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 4);
  etag_of(&r, e2, sizeof(e2));
  ck_assert_str_ne(e1, e2);
  th_response_free(&r);
  /* Readings and updates do not change lists: the list stays cached. */
  snprintf(hdr, sizeof(hdr), "If-None-Match: %s", e2);
  th_request(&S, "PUT", "/api/v1/kpis/1/readings/2018-19-Q3", "{\"value\":5}", S.admin, NULL, &r);
  ck_assert_int_eq(r.status, 201);
  th_response_free(&r);
  th_request(&S, "GET", "/api/v1/groups", NULL, S.admin, hdr, &r);
  ck_assert_int_eq(r.status, 304);
  th_response_free(&r);
  /* A different query is a different entry. */
  th_request(&S, "GET", "/api/v1/groups?limit=2", NULL, S.admin, NULL, &r);
  ck_assert_uint_eq(json_array_size(json_object_get(r.json, "items")), 2);
  th_response_free(&r);
}
END_TEST

/* A summary depends on its plan year's (and the previous year's) updates
 * and readings only: a reading for another plan year leaves it cached. */
START_TEST(summary_cache_per_plan_year)
{
  struct th_response r;
  char e1[96], e2[96], hdr[128], path[96];
  json_int_t kpi;

  th_request(&S, "POST", "/api/v1/priorities",
             "{\"year\":\"2019-20\",\"group\":\"CYP\",\"number\":1,\"title\":\"t\"}", S.admin, NULL,
             &r);
  ck_assert_int_eq(r.status, 201);
  th_response_free(&r);
  th_request(&S, "POST", "/api/v1/kpis",
             "{\"year\":\"2019-20\",\"code\":\"N1\",\"group\":\"CYP\",\"priorities\":[1],"
             "\"description\":\"next year\"}",
             S.admin, NULL, &r);
  ck_assert_int_eq(r.status, 201);
  kpi = json_integer_value(json_object_get(r.json, "id"));
  th_response_free(&r);
  th_request(&S, "GET", "/api/v1/summary?quarter=2018-19-Q1", NULL, S.admin, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  etag_of(&r, e1, sizeof(e1));
  th_response_free(&r);
  snprintf(path, sizeof(path), "/api/v1/kpis/%lld/readings/2019-20-Q1", (long long)kpi);
  th_request(&S, "PUT", path, "{\"value\":1}", S.admin, NULL, &r);
  ck_assert_int_eq(r.status, 201);
  th_response_free(&r);
  snprintf(hdr, sizeof(hdr), "If-None-Match: %s", e1);
  th_request(&S, "GET", "/api/v1/summary?quarter=2018-19-Q1", NULL, S.admin, hdr, &r);
  ck_assert_int_eq(r.status, 304);
  th_response_free(&r);
  /* A reading for 2018-19 does change it. */
  th_request(&S, "PUT", "/api/v1/kpis/1/readings/2018-19-Q1", "{\"value\":1}", S.admin, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  th_response_free(&r);
  th_request(&S, "GET", "/api/v1/summary?quarter=2018-19-Q1", NULL, S.admin, hdr, &r);
  ck_assert_int_eq(r.status, 200);
  etag_of(&r, e2, sizeof(e2));
  ck_assert_str_ne(e1, e2);
  th_response_free(&r);
  /* And the 2019-20 summary sees its own reading at once. */
  th_request(&S, "GET", "/api/v1/summary?quarter=2019-20-Q1", NULL, S.admin, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert_int_eq(json_integer_value(json_object_get(
                     json_object_get(json_object_get(r.json, "overall"), "kpis"), "total")),
                   1);
  th_response_free(&r);
}
END_TEST

/* ---- authorization: every read route, every identity ---------------------------- */

struct read_rule {
  const char *pattern;
  const char *path; /* concrete path to request */
  int anon, viewer, submitter, admin;
};

/* Expected statuses of GET routes without --public-read. */
static const struct read_rule read_rules[] = {
  {"/healthz", "/healthz", 200, 200, 200, 200},
  {"/readyz", "/readyz", 200, 200, 200, 200},
  {"/metrics", "/metrics", 200, 200, 200, 200},
  {"/openapi.yaml", "/openapi.yaml", 200, 200, 200, 200},
  {"/api/v1/organisations", "/api/v1/organisations", 401, 200, 200, 200},
  {"/api/v1/organisations/{code}", "/api/v1/organisations/RMBC", 401, 200, 200, 200},
  {"/api/v1/groups", "/api/v1/groups", 401, 200, 200, 200},
  {"/api/v1/groups/{code}", "/api/v1/groups/CYP", 401, 200, 200, 200},
  {"/api/v1/priorities", "/api/v1/priorities", 401, 200, 200, 200},
  {"/api/v1/priorities/{id}", "/api/v1/priorities/1", 401, 200, 200, 200},
  {"/api/v1/milestones", "/api/v1/milestones", 401, 200, 200, 200},
  {"/api/v1/milestones/{id}", "/api/v1/milestones/1", 401, 200, 200, 200},
  {"/api/v1/kpis", "/api/v1/kpis", 401, 200, 200, 200},
  {"/api/v1/kpis/{id}", "/api/v1/kpis/1", 401, 200, 200, 200},
  {"/api/v1/milestones/{id}/updates", "/api/v1/milestones/1/updates", 401, 200, 200, 200},
  {"/api/v1/milestones/{id}/updates/{quarter}", "/api/v1/milestones/1/updates/2018-19-Q1", 401, 200,
   200, 200},
  {"/api/v1/kpis/{id}/readings", "/api/v1/kpis/1/readings", 401, 200, 200, 200},
  {"/api/v1/kpis/{id}/readings/{quarter}", "/api/v1/kpis/1/readings/2018-19-Q1", 401, 200, 200,
   200},
  {"/api/v1/kpis/{id}/months", "/api/v1/kpis/1/months", 401, 200, 200, 200},
  {"/api/v1/kpis/{id}/months/{month}", "/api/v1/kpis/1/months/2018-04", 401, 404, 404, 404},
  {"/api/v1/kpis/{id}/series", "/api/v1/kpis/1/series", 401, 200, 200, 200},
  {"/api/v1/kpis/{id}/spc", "/api/v1/kpis/1/spc", 401, 200, 200, 200},
  {"/api/v1/kpis/{id}/chart.svg", "/api/v1/kpis/1/chart.svg", 401, 200, 200, 200},
  {"/api/v1/summary", "/api/v1/summary?quarter=2018-19-Q1", 401, 200, 200, 200},
  {"/api/v1/groups/{code}/summary", "/api/v1/groups/CYP/summary?quarter=2018-19-Q1", 401, 200, 200,
   200},
  {"/api/v1/exceptions", "/api/v1/exceptions?quarter=2018-19-Q1", 401, 200, 200, 200},
  {"/api/v1/reports/{quarter}", "/api/v1/reports/2018-19-Q1?format=json", 401, 200, 200, 200},
  {"/api/v1/quarters", "/api/v1/quarters", 401, 200, 200, 200},
  {"/api/v1/quarters/{quarter}", "/api/v1/quarters/2018-19-Q1", 401, 200, 200, 200},
  {"/api/v1/quarters/{quarter}/completeness", "/api/v1/quarters/2018-19-Q1/completeness", 401, 200,
   200, 200},
  /* another organisation's template: a submitter gets its own only */
  {"/api/v1/quarters/{quarter}/template",
   "/api/v1/quarters/2018-19-Q1/template?organisation=RDASH&format=csv", 401, 200, 403, 200},
  {"/api/v1/me", "/api/v1/me", 401, 200, 200, 200},
  {"/api/v1/tokens", "/api/v1/tokens", 401, 403, 403, 200},
  {"/api/v1/tokens/{id}", "/api/v1/tokens/1", 401, 403, 403, 200},
  {"/api/v1/audit", "/api/v1/audit", 401, 200, 200, 200},
  {"/api/v1/audit/verify", "/api/v1/audit/verify", 401, 403, 403, 200},
  /* The dashboard's pages hold no data: public (their scripts' API calls
   * are not). NULL path: the first asset the build named. */
  {"/", "/", 200, 200, 200, 200},
  {"/returns", "/returns", 200, 200, 200, 200},
  {"/assets/{file}", NULL, 200, 200, 200, 200},
};

static const char *
first_asset(void)
{
  for (size_t i = 0; i < web_files_count; i++)
    if (web_files[i].immutable)
      return web_files[i].path;
  ck_abort_msg("the build embedded no asset");
  return NULL;
}

START_TEST(every_read_route_every_identity)
{
  char submitter[128], other[128], revoked[128];
  size_t n;
  const struct route *routes = router_routes(&n);
  struct th_response r;
  struct store *st;

  th_token(&S, "submitter", "RMBC", submitter, sizeof(submitter));
  th_token(&S, "submitter", "TRFT", other, sizeof(other));
  th_token(&S, "viewer", NULL, revoked, sizeof(revoked));
  {
    char now[32];
    json_t *row = NULL;
    int64_t id = atoll(revoked + 4);

    util_now(now);
    st = th_store(&S);
    ck_assert_int_eq(store_begin(st, true), RB_OK);
    ck_assert_int_eq(store_token_revoke(st, id, now, &row), RB_OK);
    ck_assert_int_eq(store_commit(st), RB_OK);
    json_decref(row);
    store_close(st);
  }
  /* Every GET route has a rule. */
  for (size_t i = 0; i < n; i++) {
    bool found = false;

    if (strcmp(routes[i].method, "GET") != 0)
      continue;
    for (size_t k = 0; k < sizeof(read_rules) / sizeof(read_rules[0]) && !found; k++)
      found = strcmp(read_rules[k].pattern, routes[i].pattern) == 0;
    ck_assert_msg(found, "no authorization rule for GET %s", routes[i].pattern);
  }
  for (size_t k = 0; k < sizeof(read_rules) / sizeof(read_rules[0]); k++) {
    const struct read_rule *rr = &read_rules[k];
    struct {
      const char *who;
      const char *token;
      int want;
    } ids[] = {
      {"no token", NULL, rr->anon},
      {"revoked", revoked, rr->anon == 200 ? 200 : 401},
      {"viewer", S.viewer, rr->viewer},
      {"submitter (own)", submitter, rr->submitter},
      {"submitter (other)", other, rr->submitter},
      {"admin", S.admin, rr->admin},
    };

    const char *path = rr->path != NULL ? rr->path : first_asset();

    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
      th_request(&S, "GET", path, NULL, ids[i].token, NULL, &r);
      ck_assert_msg(r.status == ids[i].want, "GET %s as %s: %ld, want %d", path, ids[i].who,
                    r.status, ids[i].want);
      th_response_free(&r);
    }
  }
}
END_TEST

/* Every route refuses a query parameter it does not take (400 naming it),
 * before doing anything: a misspelt filter must not silently widen a list,
 * and a write with one writes nothing. */
START_TEST(unknown_query_parameter_refused_everywhere)
{
  size_t n;
  const struct route *routes = router_routes(&n);
  struct th_response r;
  long long entries;

  th_request(&S, "GET", "/api/v1/audit/verify", NULL, S.admin, NULL, &r);
  entries = json_integer_value(json_object_get(r.json, "entries"));
  th_response_free(&r);
  for (size_t i = 0; i < n; i++) {
    char path[256];
    size_t used = 0;
    bool named = false;
    json_t *e;
    size_t k;

    for (const char *p = routes[i].pattern; *p != '\0' && used < sizeof(path) - 32;) {
      const char *value = NULL;

      if (strncmp(p, "{id}", 4) == 0)
        value = "1";
      else if (strncmp(p, "{code}", 6) == 0)
        value = "CYP";
      else if (strncmp(p, "{quarter}", 9) == 0)
        value = "2018-19-Q1";
      if (value != NULL) {
        used += (size_t)snprintf(path + used, sizeof(path) - used, "%s", value);
        p = strchr(p, '}') + 1;
      } else {
        path[used++] = *p++;
      }
    }
    snprintf(path + used, sizeof(path) - used, "?limt=10");
    th_request(&S, routes[i].method, path, strcmp(routes[i].method, "GET") ? "{}" : NULL, S.admin,
               NULL, &r);
    ck_assert_msg(r.status == 400, "%s %s: %ld, want 400: %.300s", routes[i].method, path, r.status,
                  r.body);
    json_array_foreach(json_object_get(r.json, "errors"), k, e) named |=
      strcmp(json_string_value(json_object_get(e, "field")), "limt") == 0;
    ck_assert_msg(named, "%s %s: the answer does not name limt: %.300s", routes[i].method, path,
                  r.body);
    th_response_free(&r);
  }
  th_request(&S, "GET", "/api/v1/audit/verify", NULL, S.admin, NULL, &r);
  ck_assert_int_eq(json_integer_value(json_object_get(r.json, "entries")), entries);
  th_response_free(&r);
}
END_TEST

static Suite *
hostile_suite(void)
{
  Suite *s = suite_create("hostile");
  TCase *tc;

  tc = th_tcase(s, "bad_json", setup_demo, teardown, TIMEOUT_S);
  tcase_add_test(tc, bad_json_never_5xx_and_writes_nothing);
  tcase_add_test(tc, oversized_headers_and_url);

  tc = th_tcase(s, "limits", setup_small, teardown, TIMEOUT_S);
  tcase_add_test(tc, configured_limits);
  tcase_add_test(tc, connections_per_ip_and_idle_timeout);

  tc = th_tcase(s, "slow_clients", setup_slow, teardown, TIMEOUT_S);
  tcase_add_test(tc, slow_clients_cut_off_others_served);

  tc = th_tcase(s, "etags", setup_demo, teardown, TIMEOUT_S);
  tcase_add_test(tc, stale_etag_412);
  tcase_add_test(tc, item_conditional_get_304);
  tcase_add_test(tc, list_conditional_get_304_after_eviction);
  tcase_add_test(tc, readings_and_updates_carry_etags);
  tcase_add_test(tc, figures_read_one_for_if_match);
  tcase_add_test(tc, list_cache_follows_writes);
  tcase_add_test(tc, summary_cache_per_plan_year);

  tc = th_tcase(s, "authorization", setup_demo, teardown, TIMEOUT_S);
  tcase_add_test(tc, every_read_route_every_identity);
  tcase_add_test(tc, unknown_query_parameter_refused_everywhere);
  return s;
}

int
main(void)
{
  return th_run(hostile_suite());
}
