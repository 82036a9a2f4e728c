#include "audit_key.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "db.h"

#define FILE_HEADER                                                                    \
  "# ragboard audit-trail keys. SECRET: whoever holds this file can re-sign the\n"     \
  "# audit trail. Keep it out of the database's directory and back it up apart from\n" \
  "# the database's backups (see deploy/README.md). One key a line: its id, then\n"    \
  "# the key. The last key signs new entries once the trail has switched to it;\n"     \
  "# the earlier ones verify the entries they signed. Never edit by hand.\n"
#define LINE_MAX_BYTES 256

char *
audit_key_default_path(const char *db_path)
{
  char *file = db_file_of(db_path), *out;

  if (file == NULL)
    return NULL;
  out = malloc(strlen(file) + sizeof(".audit-key"));
  if (out != NULL)
    sprintf(out, "%s.audit-key", file);
  free(file);
  return out;
}

static void
key_id(const unsigned char key[AUDIT_KEY_BYTES], char id[AUDIT_KEY_ID_LEN + 1])
{
  unsigned char digest[crypto_hash_sha256_BYTES];

  crypto_hash_sha256(digest, key, AUDIT_KEY_BYTES);
  sodium_bin2hex(id, AUDIT_KEY_ID_LEN + 1, digest, AUDIT_KEY_ID_LEN / 2);
  sodium_memzero(digest, sizeof(digest));
}

static struct audit_keyring *
ring_new(void)
{
  struct audit_keyring *kr = calloc(1, sizeof(*kr));

  if (kr != NULL)
    (void)sodium_mlock(kr, sizeof(*kr)); /* best effort: keep the keys out of swap */
  return kr;
}

void
audit_keyring_free(struct audit_keyring *kr)
{
  if (kr == NULL)
    return;
  sodium_memzero(kr, sizeof(*kr));
  (void)sodium_munlock(kr, sizeof(*kr));
  free(kr);
}

struct audit_keyring *
audit_keyring_of(const unsigned char key[AUDIT_KEY_BYTES])
{
  struct audit_keyring *kr = ring_new();

  if (kr == NULL)
    return NULL;
  memcpy(kr->keys[0].key, key, AUDIT_KEY_BYTES);
  key_id(key, kr->keys[0].id);
  kr->n = 1;
  return kr;
}

const struct audit_key *
audit_keyring_find(const struct audit_keyring *kr, const char *id)
{
  if (kr == NULL || id == NULL)
    return NULL;
  for (size_t i = 0; i < kr->n; i++)
    if (strcmp(kr->keys[i].id, id) == 0)
      return &kr->keys[i];
  return NULL;
}

const struct audit_key *
audit_keyring_newest(const struct audit_keyring *kr)
{
  return kr != NULL && kr->n > 0 ? &kr->keys[kr->n - 1] : NULL;
}

/* One "<id> <key>" line into k; false when it is not one. */
static bool
parse_line(const char *line, struct audit_key *k)
{
  size_t bin_len = 0;
  const char *end = NULL;
  char id[AUDIT_KEY_ID_LEN + 1];

  if (strlen(line) != AUDIT_KEY_ID_LEN + 1 + AUDIT_KEY_BYTES * 2 || line[AUDIT_KEY_ID_LEN] != ' ')
    return false;
  if (sodium_hex2bin(k->key, AUDIT_KEY_BYTES, line + AUDIT_KEY_ID_LEN + 1, AUDIT_KEY_BYTES * 2,
                     NULL, &bin_len, &end) != 0 ||
      bin_len != AUDIT_KEY_BYTES)
    return false;
  key_id(k->key, id);
  if (memcmp(id, line, AUDIT_KEY_ID_LEN) != 0)
    return false;
  memcpy(k->id, id, sizeof(id));
  return true;
}

enum rb_err
audit_keyring_load(const char *path, struct audit_keyring **out, char *why, size_t cap)
{
  struct audit_keyring *kr;
  struct stat sb;
  char line[LINE_MAX_BYTES];
  size_t lineno = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  FILE *f;

  if (fd < 0) {
    if (errno == ENOENT)
      return RB_ERR_NOT_FOUND;
    snprintf(why, cap, "cannot read the audit key file %s: %s", path, strerror(errno));
    return RB_ERR_IO;
  }
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    snprintf(why, cap, "the audit key file %s is not a regular file", path);
    close(fd);
    return RB_ERR_IO;
  }
  /* As ssh does for private keys: a key others could read is not secret. */
  if ((sb.st_mode & 077) != 0) {
    snprintf(why, cap,
             "the audit key file %s is open to other users (mode %04o): chmod 600 it, and "
             "consider the key exposed",
             path, (unsigned)(sb.st_mode & 07777));
    close(fd);
    return RB_ERR_IO;
  }
  if ((f = fdopen(fd, "r")) == NULL) {
    close(fd);
    snprintf(why, cap, "cannot read the audit key file %s", path);
    return RB_ERR_IO;
  }
  if ((kr = ring_new()) == NULL) {
    fclose(f);
    return RB_ERR_NOMEM;
  }
  while (fgets(line, sizeof(line), f) != NULL) {
    size_t len = strlen(line);

    lineno++;
    if (len > 0 && line[len - 1] == '\n')
      line[--len] = '\0';
    if (len == 0 || line[0] == '#')
      continue;
    if (kr->n == AUDIT_KEYS_MAX || !parse_line(line, &kr->keys[kr->n])) {
      snprintf(why, cap, "the audit key file %s: line %zu is not a key (\"ID KEY\")%s", path,
               lineno, kr->n == AUDIT_KEYS_MAX ? ", or there are too many keys" : "");
      sodium_memzero(line, sizeof(line));
      fclose(f);
      audit_keyring_free(kr);
      return RB_ERR_IO;
    }
    kr->n++;
  }
  sodium_memzero(line, sizeof(line));
  if (ferror(f) || kr->n == 0) {
    snprintf(why, cap, "the audit key file %s %s", path,
             ferror(f) ? "cannot be read" : "holds no key");
    fclose(f);
    audit_keyring_free(kr);
    return RB_ERR_IO;
  }
  fclose(f);
  *out = kr;
  return RB_OK;
}

/* Write every key of kr to fd, with the header. */
static bool
write_ring(int fd, const struct audit_keyring *kr)
{
  char line[AUDIT_KEY_ID_LEN + 1 + AUDIT_KEY_BYTES * 2 + 2];
  bool ok = write(fd, FILE_HEADER, strlen(FILE_HEADER)) == (ssize_t)strlen(FILE_HEADER);

  for (size_t i = 0; ok && i < kr->n; i++) {
    memcpy(line, kr->keys[i].id, AUDIT_KEY_ID_LEN);
    line[AUDIT_KEY_ID_LEN] = ' ';
    sodium_bin2hex(line + AUDIT_KEY_ID_LEN + 1, AUDIT_KEY_BYTES * 2 + 1, kr->keys[i].key,
                   AUDIT_KEY_BYTES);
    line[sizeof(line) - 2] = '\n';
    ok = write(fd, line, sizeof(line) - 1) == (ssize_t)(sizeof(line) - 1);
  }
  sodium_memzero(line, sizeof(line));
  return ok && fsync(fd) == 0;
}

/* fsync the directory holding path, so that a new name in it lasts. */
static bool
sync_dir(const char *path)
{
  char *copy = strdup(path);
  int fd;
  bool ok;

  if (copy == NULL)
    return false;
  fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  free(copy);
  if (fd < 0)
    return false;
  ok = fsync(fd) == 0;
  close(fd);
  return ok;
}

static void
fresh_key(struct audit_key *k)
{
  randombytes_buf(k->key, AUDIT_KEY_BYTES);
  key_id(k->key, k->id);
}

enum rb_err
audit_keyring_create(const char *path, struct audit_keyring **out, char *why, size_t cap)
{
  struct audit_keyring *kr = ring_new();
  bool ok;
  int fd;

  if (kr == NULL)
    return RB_ERR_NOMEM;
  fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    int e = errno;

    audit_keyring_free(kr);
    snprintf(why, cap, "cannot create the audit key file %s: %s", path, strerror(e));
    return e == EEXIST ? RB_ERR_CONFLICT : RB_ERR_IO;
  }
  fresh_key(&kr->keys[0]);
  kr->n = 1;
  ok = fchmod(fd, 0600) == 0 && write_ring(fd, kr);
  ok = close(fd) == 0 && ok;
  if (!ok || !sync_dir(path)) {
    snprintf(why, cap, "cannot write the audit key file %s: %s", path, strerror(errno));
    unlink(path);
    audit_keyring_free(kr);
    return RB_ERR_IO;
  }
  *out = kr;
  return RB_OK;
}

enum rb_err
audit_keyring_add(const char *path, struct audit_keyring *kr, char *why, size_t cap)
{
  char *tmp;
  bool ok;
  int fd;

  if (kr->n == AUDIT_KEYS_MAX) {
    snprintf(why, cap, "the audit key file %s holds %d keys already", path, AUDIT_KEYS_MAX);
    return RB_ERR_CONFLICT;
  }
  if ((tmp = malloc(strlen(path) + sizeof(".new-XXXXXX"))) == NULL)
    return RB_ERR_NOMEM;
  sprintf(tmp, "%s.new-XXXXXX", path);
  fd = mkstemp(tmp); /* mode 0600 */
  if (fd < 0) {
    snprintf(why, cap, "cannot write next to the audit key file %s: %s", path, strerror(errno));
    free(tmp);
    return RB_ERR_IO;
  }
  fresh_key(&kr->keys[kr->n]);
  kr->n++;
  ok = write_ring(fd, kr);
  ok = close(fd) == 0 && ok;
  if (!ok || rename(tmp, path) != 0 || !sync_dir(path)) {
    snprintf(why, cap, "cannot rewrite the audit key file %s: %s", path, strerror(errno));
    unlink(tmp);
    free(tmp);
    kr->n--;
    sodium_memzero(&kr->keys[kr->n], sizeof(kr->keys[kr->n]));
    return RB_ERR_IO;
  }
  free(tmp);
  return RB_OK;
}
