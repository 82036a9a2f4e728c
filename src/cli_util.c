/* What the commands share: the database and its audit keys, and who runs
 * them. */
#include "cli.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "db.h"
#include "util.h"

struct cli_opt
cli_audit_key_opt(void)
{
  return cli_opt_of(app_option("--audit-key"));
}

int
cli_need_db(const char *db)
{
  if (db == NULL || db[0] == '\0') {
    fprintf(stderr, "ragboard: --db PATH is required\n");
    return 2;
  }
  return 0;
}

int
cli_open_store(const char *db, bool create, bool migrate, struct store **out)
{
  struct db_options opt = {.synchronous_full = true, .busy_timeout_ms = 10000, .create = create};
  enum rb_err err = store_open(db, &opt, migrate, out);

  if (err == RB_ERR_SCHEMA) {
    fprintf(stderr,
            "ragboard: %s: the schema does not match this binary (run `ragboard "
            "migrate --db %s`, or upgrade ragboard if the database is newer)\n",
            db, db);
    return 1;
  }
  if (err != RB_OK) {
    fprintf(stderr, "ragboard: cannot open database %s (%s)\n", db, rb_err_title(err));
    return 1;
  }
  return 0;
}

int
cli_load_keys(const char *db, const char *key_path, bool create, const char *actor,
              struct audit_keyring **keys)
{
  char why[640], now[UTIL_TIME_LEN];
  bool created = false, keyed = false;
  char *path = key_path != NULL ? strdup(key_path) : audit_key_default_path(db);

  util_now(now);
  if (app_audit_keys(db, key_path, create, actor, now, keys, &created, &keyed, why, sizeof(why)) !=
      RB_OK) {
    fprintf(stderr, "ragboard: %s\n", why);
    free(path);
    return 1;
  }
  if (created)
    fprintf(stderr,
            "ragboard: created the audit key file %s (mode 0600): back it up now, apart from "
            "the database (see deploy/README.md); without it the server does not start\n",
            path != NULL ? path : "");
  if (keyed)
    fprintf(stderr, "ragboard: keyed the audit trail: an audit.keyed entry seals the entries "
                    "before it\n");
  free(path);
  return 0;
}

/* Keep [A-Za-z0-9._-] of s in out, '?' for anything else: account names
 * go into audit entries, which must stay valid UTF-8. */
static void
safe_name(char *out, size_t cap, const char *s)
{
  size_t i = 0;

  for (; *s != '\0' && i + 1 < cap; s++)
    out[i++] =
      strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *s) ? *s : '?';
  out[i] = '\0';
}

void
cli_operator(char *buf, size_t cap)
{
  struct passwd pw, *found = NULL;
  char pwbuf[1024], account[64], from[64];
  const char *sudo = getenv("SUDO_USER");
  uid_t uid = geteuid();

  if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &found) == 0 && found != NULL)
    safe_name(account, sizeof(account), found->pw_name);
  else
    snprintf(account, sizeof(account), "uid %lu", (unsigned long)uid);
  if (sudo != NULL && sudo[0] != '\0') {
    safe_name(from, sizeof(from), sudo);
    if (strcmp(from, account) != 0) {
      snprintf(buf, cap, "command line (%s, sudo from %s)", account, from);
      return;
    }
  }
  snprintf(buf, cap, "command line (%s)", account);
}

void
cli_actor(struct domain_actor *who, const char *name, const char *now)
{
  memset(who, 0, sizeof(*who));
  who->name = name;
  who->role = AUTH_ADMIN;
  who->now = now;
}

int
cli_no_arguments(char **argv, const char *what)
{
  if (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0) {
    printf("Usage: ragboard %s\n\n%s\n", argv[1], what);
    return 0;
  }
  fprintf(stderr, "ragboard: %s takes no arguments (see ragboard %s --help)\n", argv[1], argv[1]);
  return 2;
}
