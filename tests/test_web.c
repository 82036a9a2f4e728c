/* The dashboard's pages and assets (web/, src/api_web.c) on the real
 * server: what is served where, its security headers, caching by content
 * hash, 304s, --no-dashboard, and the build's table of files (every
 * reference a page or module makes resolves, every asset is named by its
 * hash). The pages themselves are driven in chromium by suite `browser`. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "harness.h"
#include "web_files.h"

#define TIMEOUT_S 60

static struct th_server S;

static void
public_cfg(struct app_config *cfg)
{
  cfg->public_read = true;
}

static void
no_dashboard_cfg(struct app_config *cfg)
{
  cfg->public_read = true;
  cfg->no_dashboard = true;
}

static void
setup_public(void)
{
  th_start(&S, true, public_cfg);
}

static void
setup_private(void)
{
  th_start(&S, true, NULL);
}

static void
setup_off(void)
{
  th_start(&S, true, no_dashboard_cfg);
}

static void
teardown(void)
{
  th_stop(&S);
}

static void
expect_header(const struct th_response *r, const char *name, const char *want)
{
  char v[1024];

  ck_assert_msg(th_header(r, name, v, sizeof(v)), "no %s header on %ld", name, r->status);
  ck_assert_msg(strcmp(v, want) == 0, "%s: %s, wanted %s", name, v, want);
}

/* The CSP's directives, each exactly as the issue asks (order aside). */
static void
expect_csp(const struct th_response *r)
{
  static const char *const directives[] = {"default-src 'none'", "script-src 'self'",
                                           "style-src 'self'",   "img-src 'self' data: blob:",
                                           "connect-src 'self'", "frame-ancestors 'none'",
                                           "base-uri 'none'",    "form-action 'self'"};
  char csp[1024];

  ck_assert_msg(th_header(r, "Content-Security-Policy", csp, sizeof(csp)), "no CSP");
  for (size_t i = 0; i < sizeof(directives) / sizeof(directives[0]); i++)
    ck_assert_msg(strstr(csp, directives[i]) != NULL, "CSP lacks %s: %s", directives[i], csp);
  ck_assert_msg(strstr(csp, "unsafe") == NULL, "CSP allows something unsafe: %s", csp);
}

static void
expect_page(const struct th_response *r)
{
  char etag[128];

  ck_assert_msg(r->status == 200, "status %ld: %s", r->status, r->body);
  th_assert_ctype(r, "text/html; charset=utf-8");
  expect_csp(r);
  expect_header(r, "X-Content-Type-Options", "nosniff");
  expect_header(r, "Referrer-Policy", "no-referrer");
  expect_header(r, "X-Frame-Options", "DENY");
  expect_header(r, "Cache-Control", "no-cache");
  ck_assert_msg(th_header(r, "ETag", etag, sizeof(etag)) && etag[0] == '"', "no strong ETag");
  ck_assert_msg(strstr(r->body, "<!doctype html>") == r->body, "not an HTML page");
  /* No inline script or style: the CSP would block them anyway. */
  ck_assert_msg(strstr(r->body, "<script>") == NULL, "inline script");
  ck_assert_msg(strstr(r->body, "<style") == NULL, "inline style");
  ck_assert_msg(strstr(r->body, " style=") == NULL, "style attribute");
  ck_assert_msg(strstr(r->body, "http://") == NULL && strstr(r->body, "https://") == NULL,
                "a page refers to another origin");
}

/* Every "/assets/..." the body names, into out (at most cap). */
static size_t
asset_refs(const char *body, char out[][128], size_t cap)
{
  size_t n = 0;

  for (const char *p = strstr(body, "/assets/"); p != NULL && n < cap;
       p = strstr(p + 1, "/assets/")) {
    size_t len = strcspn(p, "\"' >)");

    ck_assert_uint_lt(len, 128);
    memcpy(out[n], p, len);
    out[n][len] = '\0';
    n++;
  }
  return n;
}

START_TEST(page_served_with_security_headers)
{
  struct th_response r;

  th_request(&S, "GET", "/", NULL, NULL, NULL, &r);
  expect_page(&r);
  th_assert_request_id(&r);
  th_response_free(&r);
  th_request(&S, "GET", "/returns", NULL, NULL, NULL, &r);
  expect_page(&r);
  th_response_free(&r);
  /* The page's query is its script's: the same page whatever it holds;
   * a parameter no page reads is refused, as on every route. */
  th_request(&S, "GET", "/?quarter=2018-19-Q1&group=CYP&kpi=7&poll=1", NULL, NULL, NULL, &r);
  expect_page(&r);
  th_response_free(&r);
  th_request(&S, "GET", "/returns?quarter=2018-19-Q2", NULL, NULL, NULL, &r);
  expect_page(&r);
  th_response_free(&r);
  th_request(&S, "GET", "/?qaurter=2018-19-Q1", NULL, NULL, NULL, &r);
  th_assert_problem(&r, 400, NULL);
  th_response_free(&r);
  th_expect_status(&S, "GET", "/returns?group=CYP", NULL, NULL, NULL, 400);
}
END_TEST

START_TEST(page_etag_answers_304)
{
  struct th_response r;
  char etag[128], inm[160], weak[160];

  th_request(&S, "GET", "/", NULL, NULL, NULL, &r);
  ck_assert(th_header(&r, "ETag", etag, sizeof(etag)));
  th_response_free(&r);
  snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
  th_request(&S, "GET", "/", NULL, NULL, inm, &r);
  ck_assert_int_eq(r.status, 304);
  ck_assert_uint_eq(r.len, 0);
  expect_header(&r, "ETag", etag);
  expect_header(&r, "Cache-Control", "no-cache");
  th_response_free(&r);
  /* As a gzip-ing proxy passes it on (nginx makes the ETag weak). */
  snprintf(weak, sizeof(weak), "If-None-Match: W/%s", etag);
  th_request(&S, "GET", "/", NULL, NULL, weak, &r);
  ck_assert_int_eq(r.status, 304);
  th_response_free(&r);
  th_request(&S, "GET", "/", NULL, NULL, "If-None-Match: \"something else\"", &r);
  ck_assert_int_eq(r.status, 200);
  th_response_free(&r);
  th_request(&S, "HEAD", "/", NULL, NULL, NULL, &r);
  ck_assert_int_eq(r.status, 200);
  ck_assert_uint_eq(r.len, 0);
  expect_csp(&r);
  th_response_free(&r);
}
END_TEST

START_TEST(assets_cached_by_hash)
{
  struct th_response page, r;
  char refs[16][128];
  size_t n;

  th_request(&S, "GET", "/", NULL, NULL, NULL, &page);
  n = asset_refs(page.body, refs, 16);
  ck_assert_msg(n >= 3, "the page names %zu assets (a style sheet, a script, an icon)", n);
  for (size_t i = 0; i < n; i++) {
    char etag[128], inm[160];

    th_request(&S, "GET", refs[i], NULL, NULL, NULL, &r);
    ck_assert_msg(r.status == 200, "%s: %ld", refs[i], r.status);
    expect_header(&r, "Cache-Control", "public, max-age=31536000, immutable");
    expect_header(&r, "X-Content-Type-Options", "nosniff");
    ck_assert(th_header(&r, "ETag", etag, sizeof(etag)));
    /* The name carries the first digits of the hash the ETag is. */
    ck_assert_msg(strchr(refs[i] + 8, '.') != NULL &&
                    strncmp(strchr(refs[i] + 8, '.') + 1, etag + 1, 12) == 0,
                  "%s is not named by its hash %s", refs[i], etag);
    th_response_free(&r);
    snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
    th_request(&S, "GET", refs[i], NULL, NULL, inm, &r);
    ck_assert_int_eq(r.status, 304);
    expect_header(&r, "Cache-Control", "public, max-age=31536000, immutable");
    th_response_free(&r);
  }
  th_response_free(&page);
  /* The API's answers are still revalidated every time. */
  th_request(&S, "GET", "/api/v1/groups", NULL, NULL, NULL, &r);
  expect_header(&r, "Cache-Control", "no-cache");
  th_response_free(&r);
}
END_TEST

START_TEST(content_types_of_assets)
{
  static const struct {
    const char *ext, *type;
  } types[] = {{".js", "text/javascript; charset=utf-8"},
               {".css", "text/css; charset=utf-8"},
               {".svg", "image/svg+xml"}};
  size_t seen = 0;

  for (size_t i = 0; i < web_files_count; i++) {
    const struct web_file *f = &web_files[i];
    const char *ext = strrchr(f->path, '.');
    struct th_response r;

    if (!f->immutable)
      continue;
    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
      if (ext == NULL || strcmp(ext, types[t].ext) != 0)
        continue;
      th_request(&S, "GET", f->path, NULL, NULL, NULL, &r);
      ck_assert_int_eq(r.status, 200);
      th_assert_ctype(&r, types[t].type);
      ck_assert_uint_eq(r.len, f->len);
      ck_assert(memcmp(r.body, f->data, f->len) == 0);
      th_response_free(&r);
      seen++;
    }
  }
  ck_assert_uint_ge(seen, 4);
}
END_TEST

/* Every module a script imports ('./name.hash.js') is an asset served,
 * so the build's rewriting reached every import. */
START_TEST(module_imports_resolve)
{
  size_t imports = 0;

  for (size_t i = 0; i < web_files_count; i++) {
    const struct web_file *f = &web_files[i];
    const char *text = (const char *)f->data;

    if (strcmp(f->content_type, "text/javascript; charset=utf-8") != 0)
      continue;
    for (const char *p = strstr(text, "from './"); p != NULL; p = strstr(p + 1, "from './")) {
      char path[160];
      size_t len = strcspn(p + 8, "'");
      bool found = false;

      ck_assert_uint_lt(len, 100);
      snprintf(path, sizeof(path), "/assets/%.*s", (int)len, p + 8);
      for (size_t j = 0; j < web_files_count; j++)
        found = found || strcmp(web_files[j].path, path) == 0;
      ck_assert_msg(found, "%s imports %s, which is not served", f->path, path);
      imports++;
    }
  }
  ck_assert_uint_ge(imports, 3);
}
END_TEST

/* Each asset's ETag is the SHA-256 of the bytes served, as built. */
START_TEST(etags_are_content_hashes)
{
  ck_assert_int_ge(sodium_init(), 0);
  for (size_t i = 0; i < web_files_count; i++) {
    const struct web_file *f = &web_files[i];
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];

    crypto_hash_sha256(digest, f->data, f->len);
    sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
    ck_assert_msg(strncmp(f->etag + 1, hex, 32) == 0, "%s: ETag %s, content %s", f->path, f->etag,
                  hex);
    ck_assert(f->data[f->len] == '\0');
  }
}
END_TEST

START_TEST(unknown_assets_are_404)
{
  th_expect_status(&S, "GET", "/assets/app.js", NULL, NULL, NULL, 404);
  th_expect_status(&S, "GET", "/assets/app.000000000000.js", NULL, NULL, NULL, 404);
  th_expect_status(&S, "GET", "/assets/..%2Fapi.js", NULL, NULL, NULL, 404);
  th_expect_status(&S, "GET", "/assets/", NULL, NULL, NULL, 404);
  th_expect_status(&S, "GET", "/index.html", NULL, NULL, NULL, 404);
  th_expect_status(&S, "POST", "/", "{}", S.admin, NULL, 405);
  /* An asset takes no query (its name is its version). */
  {
    char path[256];

    snprintf(path, sizeof(path), "%s?v=2", web_files[web_files_count - 1].path);
    th_expect_status(&S, "GET", path, NULL, NULL, NULL, 400);
  }
}
END_TEST

/* The pages hold no data, so they need no token even without
 * --public-read; the API they call does. */
START_TEST(pages_public_without_public_read)
{
  struct th_response r;

  th_request(&S, "GET", "/", NULL, NULL, NULL, &r);
  expect_page(&r);
  th_response_free(&r);
  th_expect_status(&S, "GET", "/api/v1/summary?quarter=2018-19-Q1", NULL, NULL, NULL, 401);
}
END_TEST

START_TEST(no_dashboard_is_404)
{
  struct th_response r;

  th_request(&S, "GET", "/", NULL, NULL, NULL, &r);
  th_assert_problem(&r, 404, "urn:ragboard:problem:not-found");
  ck_assert_msg(strstr(r.body, "--no-dashboard") != NULL, "the 404 does not say why: %s", r.body);
  th_response_free(&r);
  th_expect_status(&S, "GET", "/returns", NULL, NULL, NULL, 404);
  for (size_t i = 0; i < web_files_count; i++)
    th_expect_status(&S, "GET", web_files[i].path, NULL, NULL, NULL, 404);
  th_expect_status(&S, "GET", "/api/v1/groups", NULL, NULL, NULL, 200);
}
END_TEST

int
main(void)
{
  Suite *s = suite_create("web");
  TCase *tc = th_tcase(s, "public", setup_public, teardown, TIMEOUT_S);

  tcase_add_test(tc, page_served_with_security_headers);
  tcase_add_test(tc, page_etag_answers_304);
  tcase_add_test(tc, assets_cached_by_hash);
  tcase_add_test(tc, content_types_of_assets);
  tcase_add_test(tc, module_imports_resolve);
  tcase_add_test(tc, etags_are_content_hashes);
  tcase_add_test(tc, unknown_assets_are_404);
  tc = th_tcase(s, "private", setup_private, teardown, TIMEOUT_S);
  tcase_add_test(tc, pages_public_without_public_read);
  tc = th_tcase(s, "off", setup_off, teardown, TIMEOUT_S);
  tcase_add_test(tc, no_dashboard_is_404);
  return th_run(s);
}
