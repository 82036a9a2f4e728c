/* API tokens: the rules of a new token, and creating and revoking one with
 * its audit entry, for the HTTP handlers and the command line alike. */
#ifndef RAGBOARD_DOMAIN_TOKEN_H
#define RAGBOARD_DOMAIN_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "auth.h"
#include "domain.h"
#include "error.h"
#include "store.h"

/* A token's name is copied into every actor and audit entry: 1 to
 * AUTH_NAME_MAX bytes. */
bool domain_token_name_ok(const char *name);
/* Submitters act for an organisation: their tokens need one. */
bool domain_token_needs_org(enum auth_role role);

/* Create a token (the caller checked the rules above) and its
 * "token.create" entry, in the caller's write transaction. token receives
 * the secret to show once (never stored or logged); *row (new) the
 * token's description. On failure *what names what failed for messages:
 * "token" or "the audit trail". */
enum rb_err domain_token_create(struct store *st, const struct domain_actor *who, const char *name,
                                enum auth_role role, const char *org, char token[AUTH_TOKEN_MAX],
                                json_t **row, const char **what);

/* Revoke token id and record "token.revoke" (before and after; a second
 * revoke changes nothing and records nothing), in the caller's write
 * transaction. RB_ERR_NOT_FOUND for no such token. *row (new): the token
 * as revoked. On failure *what as for domain_token_create. */
enum rb_err domain_token_revoke(struct store *st, const struct domain_actor *who, int64_t id,
                                json_t **row, const char **what);

#endif
