#include "auth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "util.h"

#define SECRET_BYTES 32
#define SECRET_B64_LEN 43 /* unpadded URL-safe base64 of 32 bytes */

static const char *const role_names[] = {
  [AUTH_ANONYMOUS] = "anonymous",
  [AUTH_VIEWER] = "viewer",
  [AUTH_SUBMITTER] = "submitter",
  [AUTH_ADMIN] = "admin",
};

const char *
auth_role_name(enum auth_role role)
{
  if ((unsigned)role > AUTH_ADMIN)
    return "unknown";
  return role_names[role];
}

bool
auth_role_parse(const char *s, enum auth_role *out)
{
  for (int r = AUTH_VIEWER; r <= AUTH_ADMIN; r++) {
    if (s != NULL && strcmp(s, role_names[r]) == 0) {
      *out = (enum auth_role)r;
      return true;
    }
  }
  return false;
}

enum rb_err
auth_token_create(struct store *st, const char *name, enum auth_role role, const char *org,
                  const char *now, char token_out[AUTH_TOKEN_MAX], json_t **row)
{
  unsigned char secret[SECRET_BYTES], hash[crypto_hash_sha256_BYTES];
  char b64[SECRET_B64_LEN + 1];
  json_t *out = NULL;
  enum rb_err err;

  if (strlen(name) > AUTH_NAME_MAX)
    return RB_ERR_INVALID;
  randombytes_buf(secret, sizeof(secret));
  crypto_hash_sha256(hash, secret, sizeof(secret));
  sodium_bin2base64(b64, sizeof(b64), secret, sizeof(secret),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(secret, sizeof(secret));
  err = store_token_insert(st, name, auth_role_name(role), org, hash, now, &out);
  if (err != RB_OK)
    goto done;
  snprintf(token_out, AUTH_TOKEN_MAX, "rb1_%lld_%s",
           (long long)json_integer_value(json_object_get(out, "id")), b64);
  if (row != NULL) {
    *row = out;
    out = NULL;
  }
done:
  sodium_memzero(b64, sizeof(b64));
  json_decref(out);
  return err;
}

/* Split "rb1_<id>_<secret>" and decode the secret. */
static bool
parse_token(const char *tok, int64_t *id, unsigned char secret[SECRET_BYTES])
{
  const char *p;
  size_t len = 0;
  int64_t v = 0;

  if (strncmp(tok, "rb1_", 4) != 0)
    return false;
  p = tok + 4;
  if (*p < '1' || *p > '9')
    return false;
  for (; *p >= '0' && *p <= '9'; p++) {
    if (v > (INT64_MAX - 9) / 10)
      return false;
    v = v * 10 + (*p - '0');
  }
  if (*p++ != '_' || strlen(p) != SECRET_B64_LEN)
    return false;
  if (sodium_base642bin(secret, SECRET_BYTES, p, SECRET_B64_LEN, NULL, &len, NULL,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      len != SECRET_BYTES)
    return false;
  *id = v;
  return true;
}

enum rb_err
auth_authenticate(struct store *st, const char *authorization, struct auth_actor *out)
{
  unsigned char secret[SECRET_BYTES], hash[crypto_hash_sha256_BYTES];
  struct store_token tok;
  struct auth_actor a;
  const char *p = authorization;
  enum rb_err err;
  int64_t id;

  if (p == NULL || strncasecmp(p, "Bearer ", 7) != 0)
    return RB_ERR_UNAUTHORIZED;
  p += 7;
  while (*p == ' ')
    p++;
  if (!parse_token(p, &id, secret))
    return RB_ERR_UNAUTHORIZED;
  crypto_hash_sha256(hash, secret, sizeof(secret));
  sodium_memzero(secret, sizeof(secret));
  err = store_token_load(st, id, &tok);
  if (err == RB_ERR_NOT_FOUND)
    return RB_ERR_UNAUTHORIZED;
  if (err != RB_OK)
    return err;
  if (sodium_memcmp(hash, tok.hash, sizeof(hash)) != 0 || tok.revoked)
    return RB_ERR_UNAUTHORIZED;
  memset(&a, 0, sizeof(a));
  if (!auth_role_parse(tok.role, &a.role))
    return RB_ERR_UNAUTHORIZED;
  a.token_id = tok.id;
  {
    char now[UTIL_TIME_LEN];

    util_now(now);
    a.touch = strncmp(now, tok.last_used, 16) != 0; /* minute resolution */
  }
  snprintf(a.name, sizeof(a.name), "%s", tok.name);
  a.org_id = tok.org_id;
  snprintf(a.org, sizeof(a.org), "%s", tok.org);
  *out = a;
  return RB_OK;
}

void
auth_actor_label(const struct auth_actor *a, char *buf, size_t cap)
{
  if (a->token_id == 0)
    snprintf(buf, cap, "%s", a->name[0] ? a->name : auth_role_name(a->role));
  else
    snprintf(buf, cap, "%s token %lld (%s)", auth_role_name(a->role), (long long)a->token_id,
             a->name);
}
