/* Bearer tokens and the identity they carry.
 *
 * A token reads "rb1_<id>_<secret>", where secret is 32 random bytes from
 * libsodium in URL-safe base64. Only SHA-256(secret bytes) is stored; a
 * presented token is looked up by id and its hash compared in constant
 * time, so neither the secret nor timing reveals anything. */
#ifndef RAGBOARD_AUTH_H
#define RAGBOARD_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"
#include "store.h"

enum auth_role {
  AUTH_ANONYMOUS = 0,
  AUTH_VIEWER,
  AUTH_SUBMITTER,
  AUTH_ADMIN,
};

/* Longest token name, in bytes: it is copied into every actor and audit
 * entry (struct auth_actor.name). */
#define AUTH_NAME_MAX 128

struct auth_actor {
  enum auth_role role;
  int64_t token_id; /* 0 for anonymous and for the command line */
  char name[AUTH_NAME_MAX + 1];
  int64_t org_id; /* 0 when the token has no organisation */
  char org[65];
  bool touch; /* last_used_at is older than this minute: record the use */
};

#define AUTH_TOKEN_MAX 96

const char *auth_role_name(enum auth_role role);
bool auth_role_parse(const char *s, enum auth_role *out);

/* Create a token inside the caller's write transaction. token_out receives
 * the secret to show once; *row (may be NULL) its stored description. */
enum rb_err auth_token_create(struct store *st, const char *name, enum auth_role role,
                              const char *org, const char *now, char token_out[AUTH_TOKEN_MAX],
                              json_t **row);

/* Resolve an Authorization header value. RB_ERR_UNAUTHORIZED for a missing,
 * malformed, unknown or revoked token; *out is set only on RB_OK. */
enum rb_err auth_authenticate(struct store *st, const char *authorization, struct auth_actor *out);

/* "admin token 3 (ops)" style label for logs and updated_by. */
void auth_actor_label(const struct auth_actor *a, char *buf, size_t cap);

#endif
