/* Matching a request to its route: once per request, at its head, with
 * every path segment percent-decoded as it is compared. */
#include <stdio.h>
#include <string.h>

#include "router_int.h"

static int
hex_digit(char ch)
{
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

/* Percent-decode one path segment (len bytes at s) into out, NUL-terminated;
 * false when it does not fit, an escape is broken, or it decodes to a NUL. A
 * decoded '/' is data within the segment, never a separator. */
static bool
segment_decode(const char *s, size_t len, char *out, size_t cap, size_t *outlen)
{
  size_t n = 0;

  for (size_t i = 0; i < len; i++) {
    int ch = (unsigned char)s[i];

    if (ch == '%') {
      int hi, lo;

      if (i + 2 >= len)
        return false;
      hi = hex_digit(s[i + 1]);
      lo = hex_digit(s[i + 2]);
      if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
        return false;
      ch = hi * 16 + lo;
      i += 2;
    }
    if (n + 1 >= cap)
      return false;
    out[n++] = (char)ch;
  }
  out[n] = '\0';
  *outlen = n;
  return true;
}

/* Match path (as the client sent it) against pattern, segment by segment,
 * each segment percent-decoded first; path parameters point into `scratch`,
 * which receives them decoded. */
static bool
match(const char *pattern, const char *path, char *scratch, size_t cap, const char **params,
      size_t *nparams)
{
  const char *p = pattern, *s = path;
  size_t n = 0, used = 0;

  while (*p != '\0' && *s != '\0') {
    size_t slen, dlen;

    if (*p != '/' || *s != '/')
      return false;
    p++;
    s++;
    slen = strcspn(s, "/");
    if (*p == '{') {
      if (slen == 0 || n >= API_MAX_PATH_PARAMS || used >= cap ||
          !segment_decode(s, slen, scratch + used, cap - used, &dlen))
        return false;
      params[n++] = scratch + used;
      used += dlen + 1;
      s += slen;
      p = strchr(p, '}');
      if (p == NULL)
        return false;
      p++;
    } else {
      size_t plen = strcspn(p, "/");

      if (memchr(s, '%', slen) == NULL) {
        if (plen != slen || strncmp(p, s, plen) != 0)
          return false;
      } else {
        char seg[64];

        if (!segment_decode(s, slen, seg, sizeof(seg), &dlen) || dlen != plen ||
            memcmp(seg, p, plen) != 0)
          return false;
      }
      p += plen;
      s += slen;
    }
  }
  *nparams = n;
  return *p == '\0' && *s == '\0';
}

/* Why path (as sent) is not a path at all, or NULL: every escape must be
 * two hex digits, and none may encode a NUL, which C strings would cut the
 * path at. *escaped: the path holds an escape. */
static const char *
path_fault(const char *path, bool *escaped)
{
  *escaped = false;
  for (const char *s = path; *s != '\0'; s++) {
    if (*s != '%')
      continue;
    *escaped = true;
    if (hex_digit(s[1]) < 0 || hex_digit(s[2]) < 0)
      return "the path holds a broken percent-escape (a % must start two hex digits)";
    if (s[1] == '0' && s[2] == '0')
      return "the path holds an encoded NUL (%00)";
    s += 2;
  }
  return NULL;
}

/* The table's method a request's method is served by (HEAD: GET's). */
static const char *
served_as(const char *method)
{
  return strcmp(method, "HEAD") == 0 ? "GET" : method;
}

/* Whether route method rm is want: the first byte rules most routes out
 * without a call. */
static bool
method_is(const char *rm, const char *want)
{
  return rm[0] == want[0] && strcmp(rm, want) == 0;
}

/* Whether the literal start of pattern (up to its first parameter) can be
 * path's: for a path without escapes, where a literal segment must be
 * byte for byte the path's, a cheap test that rules out most routes. */
static bool
prefix_may_match(const char *p, const char *s)
{
  while (*p != '\0' && *p != '{' && *p == *s) {
    p++;
    s++;
  }
  return *p == '{' || (*p == '\0' && *s == '\0');
}

void
router_match_in(const struct route *routes, size_t nroutes, const char *method, const char *path,
                struct router_match *m)
{
  bool escaped;

  m->route = NULL;
  m->path_known = false;
  m->nallow = 0;
  m->nparams = 0;
  m->fault = path_fault(path, &escaped);
  if (m->fault != NULL)
    return;
  /* The first route of the method whose pattern matches: the table's
   * order decides, as it always has. */
  method = served_as(method);
  for (size_t i = 0; i < nroutes; i++) {
    if (!method_is(routes[i].method, method) ||
        (!escaped && !prefix_may_match(routes[i].pattern, path)))
      continue;
    if (match(routes[i].pattern, path, m->scratch, sizeof(m->scratch), m->params, &m->nparams)) {
      m->route = &routes[i];
      return;
    }
  }
  /* None: which routes have this path at all (405 and Allow, or 404). */
  for (size_t i = 0; i < nroutes; i++) {
    const char *params[API_MAX_PATH_PARAMS];
    size_t n;

    if ((!escaped && !prefix_may_match(routes[i].pattern, path)) ||
        !match(routes[i].pattern, path, m->scratch, sizeof(m->scratch), params, &n))
      continue;
    m->path_known = true;
    if (m->nallow < ROUTER_ALLOW_MAX)
      m->allow[m->nallow++] = &routes[i];
  }
  m->nparams = 0;
}

size_t
router_body_limit(const struct app *app, const struct router_match *m)
{
  return m->route != NULL && (m->route->flags & ROUTE_IMPORT) ? app->cfg.max_import_body
                                                              : app->cfg.max_body;
}

size_t
router_allow(const struct router_match *m, char *allow, size_t cap)
{
  size_t used = 0;

  allow[0] = '\0';
  for (size_t i = 0; i < m->nallow; i++) {
    const char *method = m->allow[i]->method;

    used += (size_t)snprintf(allow + used, cap - used, "%s%s", used ? ", " : "", method);
    if (strcmp(method, "GET") == 0)
      used += (size_t)snprintf(allow + used, cap - used, ", HEAD");
    if (used >= cap) {
      used = cap - 1;
      break;
    }
  }
  return used;
}
