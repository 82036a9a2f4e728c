/* The audit trail's keys: HMAC-SHA-256 keys (libsodium's crypto_auth_hmacsha256)
 * kept in a file outside the database, so that whoever can edit the database
 * file cannot also re-sign the trail.
 *
 * The key file is text, mode 0600: comment lines (#), then one key a line,
 * "<id> <key>", the id being 16 hex digits of SHA-256 over the key (a
 * fingerprint the trail records; it says nothing useful about the key) and
 * the key 64 hex digits. Keys are in the order they were made: the last one
 * signs new entries once the trail has switched to it (a rotation entry,
 * signed by the key before, names the next key's id); the earlier ones stay to
 * verify what they signed. */
#ifndef RAGBOARD_AUDIT_KEY_H
#define RAGBOARD_AUDIT_KEY_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define AUDIT_KEY_BYTES 32
#define AUDIT_KEY_ID_LEN 16 /* hex digits */
#define AUDIT_KEYS_MAX 64

struct audit_key {
  char id[AUDIT_KEY_ID_LEN + 1];
  unsigned char key[AUDIT_KEY_BYTES];
};

struct audit_keyring {
  size_t n;                              /* 1..AUDIT_KEYS_MAX */
  struct audit_key keys[AUDIT_KEYS_MAX]; /* oldest first */
};

/* The key file that goes with a database when none is named: the database
 * file's path (a file: URI's path) with ".audit-key" added. New string; NULL
 * for an in-memory database or when out of memory. */
char *audit_key_default_path(const char *db_path);

/* Read the key file. RB_ERR_NOT_FOUND when it does not exist; any other
 * failure (unreadable, readable or writable by other users, malformed, an
 * id that does not match its key) is RB_ERR_IO with why (cap bytes) saying
 * what. *out (free with audit_keyring_free) is set only on RB_OK. */
enum rb_err audit_keyring_load(const char *path, struct audit_keyring **out, char *why, size_t cap);
/* Make a new key file holding one fresh key, mode 0600; refused (RB_ERR_CONFLICT)
 * when the file exists. */
enum rb_err audit_keyring_create(const char *path, struct audit_keyring **out, char *why,
                                 size_t cap);
/* Add a fresh key at the end of kr and rewrite the file with it (a new file
 * renamed over the old one, both synced): the old keys stay. */
enum rb_err audit_keyring_add(const char *path, struct audit_keyring *kr, char *why, size_t cap);
/* The key with this id, or NULL. */
const struct audit_key *audit_keyring_find(const struct audit_keyring *kr, const char *id);
/* The newest key (the one a rotation switches to). */
const struct audit_key *audit_keyring_newest(const struct audit_keyring *kr);
/* Wipe and free; NULL is a no-op. */
void audit_keyring_free(struct audit_keyring *kr);
/* A keyring of exactly the given key (for tests and for tools that hold a
 * key already); NULL when out of memory. */
struct audit_keyring *audit_keyring_of(const unsigned char key[AUDIT_KEY_BYTES]);

#endif
