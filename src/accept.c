#include "accept.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#define OWS " \t"

/* A weight "0", "0.5", "1", "1.000": thousandths in *out; false when it
 * is not one (RFC 9110's qvalue). */
static bool
parse_q(const char *s, size_t n, int *out)
{
  int v = 0, digits = 0;
  size_t i = 1;

  if (n == 0 || (s[0] != '0' && s[0] != '1'))
    return false;
  if (n > 1 && s[1] != '.')
    return false;
  for (i = 2; i < n; i++) {
    if (s[i] < '0' || s[i] > '9' || ++digits > 3)
      return false;
    v = v * 10 + (s[i] - '0');
  }
  while (digits++ < 3)
    v *= 10;
  v += (s[0] - '0') * 1000;
  if (v > 1000)
    return false;
  *out = v;
  return true;
}

/* One media range: its type and subtype (not NUL-terminated) and weight. */
struct range {
  const char *type, *sub;
  size_t ntype, nsub;
  int q;
};

/* Parse [s, s + n) as a media range; false when it is not one. */
static bool
parse_range(const char *s, size_t n, struct range *r)
{
  const char *end = s + n, *slash, *semi;

  while (s < end && strchr(OWS, *s) != NULL)
    s++;
  semi = memchr(s, ';', (size_t)(end - s));
  if (semi == NULL)
    semi = end;
  slash = memchr(s, '/', (size_t)(semi - s));
  if (slash == NULL)
    return false;
  r->type = s;
  r->ntype = (size_t)(slash - s);
  r->sub = slash + 1;
  r->nsub = strcspn(r->sub, OWS ";,");
  if (r->sub + r->nsub > semi)
    r->nsub = (size_t)(semi - r->sub);
  if (r->ntype == 0 || r->nsub == 0 || (r->ntype == 1 && r->type[0] == '*' && r->sub[0] != '*'))
    return false;
  r->q = 1000;
  /* Parameters: only q matters; the others do not select among ours. */
  for (const char *p = semi; p < end;) {
    const char *next = memchr(p + 1, ';', (size_t)(end - p - 1));
    const char *stop = next != NULL ? next : end, *k = p + 1;
    size_t len;

    while (k < stop && strchr(OWS, *k) != NULL)
      k++;
    len = (size_t)(stop - k);
    while (len > 0 && strchr(OWS, k[len - 1]) != NULL)
      len--;
    if (len >= 2 && (k[0] == 'q' || k[0] == 'Q') && k[1] == '=' && !parse_q(k + 2, len - 2, &r->q))
      return false;
    p = stop;
  }
  return true;
}

static bool
part_is(const char *s, size_t n, const char *want, size_t wn)
{
  return n == wn && strncasecmp(s, want, n) == 0;
}

/* How specifically range r names media type t: 3 exactly, 2 by its type,
 * 1 as any type; 0 when it does not match. */
static int
specificity(const struct range *r, const char *t)
{
  const char *slash = strchr(t, '/');
  size_t ntype = (size_t)(slash - t);

  if (r->ntype == 1 && r->type[0] == '*')
    return 1;
  if (!part_is(r->type, r->ntype, t, ntype))
    return 0;
  if (r->nsub == 1 && r->sub[0] == '*')
    return 2;
  return part_is(r->sub, r->nsub, slash + 1, strlen(slash + 1)) ? 3 : 0;
}

int
accept_choose(const char *accept, const char *const *offered, size_t n)
{
  int best_spec[16] = {0}, weight[16] = {0}, best = -1;

  if (n == 0)
    return -1;
  if (accept == NULL || accept[strspn(accept, OWS ",")] == '\0')
    return 0;
  if (n > 16)
    n = 16;
  for (const char *p = accept; *p != '\0';) {
    size_t len = strcspn(p, ",");
    struct range r;

    if (parse_range(p, len, &r))
      for (size_t i = 0; i < n; i++) {
        int s = specificity(&r, offered[i]);

        if (s > best_spec[i]) {
          best_spec[i] = s;
          weight[i] = r.q;
        }
      }
    p += len;
    if (*p == ',')
      p++;
  }
  for (size_t i = 0; i < n; i++)
    if (weight[i] > 0 && (best < 0 || weight[i] > weight[best]))
      best = (int)i;
  return best;
}
