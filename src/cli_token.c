/* ragboard token: create (the secret is printed once), list, revoke. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "auth.h"
#include "cli.h"
#include "domain_token.h"
#include "util.h"

int
cli_token(int argc, char **argv)
{
  struct cli_opt opts[] = {
    {"--db", "RAGBOARD_DB", false, "PATH", "SQLite database file, required", NULL, false},
    {"--role", NULL, false, "ROLE", "admin, submitter or viewer", NULL, false},
    {"--org", NULL, false, "CODE", "the organisation (required for submitters)", NULL, false},
    {"--name", NULL, false, "TEXT", "what the token is for (default: the role)", NULL, false},
    {0}, /* --audit-key, set below */
  };
  static const char *const token_usage[] = {
    "ragboard token create --db PATH --role admin|submitter|viewer [--org CODE] [--name TEXT]",
    "ragboard token list --db PATH",
    "ragboard token revoke --db PATH ID",
  };
  const char *pos[2];
  int npos, rc;
  size_t nopts;
  bool help;
  struct store *st = NULL;
  struct audit_keyring *keys = NULL;
  char now[UTIL_TIME_LEN], actor[160];
  struct domain_actor who;
  const char *what;
  enum rb_err err;
  const char *sub = argc > 2 ? argv[2] : NULL;

  opts[4] = cli_audit_key_opt();
  if (sub == NULL || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 ||
      (strcmp(sub, "create") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "revoke") != 0)) {
    bool asked = sub != NULL && (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0);
    FILE *f = asked ? stdout : stderr;

    if (sub != NULL && !asked)
      fprintf(stderr, "ragboard: unknown token command %s\n\n", sub);
    fprintf(f,
            "Usage: %s\n       %s\n       %s\n\n"
            "create prints the new token alone on the last line: it is shown only once.\n"
            "`ragboard token SUBCOMMAND --help` lists each one's options.\n",
            token_usage[0], token_usage[1], token_usage[2]);
    return asked ? 0 : 2;
  }
  /* list and revoke take --db (and --audit-key) alone: the create options
   * are refused there */
  if (strcmp(sub, "create") != 0)
    opts[1] = opts[ARRAY_LEN(opts) - 1];
  nopts = strcmp(sub, "create") == 0 ? ARRAY_LEN(opts) : 2;
  if (cli_parse(argc, argv, 3, opts, nopts, pos, &npos, strcmp(sub, "revoke") == 0, &help) != 0)
    return 2;
  if (help) {
    printf("Usage: %s\n\n", token_usage[strcmp(sub, "create") == 0 ? 0
                                        : strcmp(sub, "list") == 0 ? 1
                                                                   : 2]);
    cli_print_opts(stdout, opts, nopts);
    return 0;
  }
  if ((rc = cli_need_db(opts[0].value)) != 0)
    return rc;
  if ((rc = cli_open_store(opts[0].value, false, false, &st)) != 0)
    return rc;
  util_now(now);
  cli_operator(actor, sizeof(actor));
  cli_actor(&who, actor, now);
  /* create and revoke write audit entries: signed, or not at all */
  if (strcmp(sub, "list") != 0) {
    if ((rc = cli_load_keys(opts[0].value, opts[nopts - 1].value, false, actor, &keys)) != 0)
      goto out;
    store_set_audit_keys(st, keys);
  }
  if (strcmp(sub, "create") == 0) {
    enum auth_role role;
    char token[AUTH_TOKEN_MAX];
    json_t *row = NULL;
    const char *org = opts[2].value, *name = opts[3].value;

    if (!auth_role_parse(opts[1].value, &role)) {
      fprintf(stderr, "ragboard: --role must be admin, submitter or viewer\n");
      rc = 2;
      goto out;
    }
    if (domain_token_needs_org(role) && org == NULL) {
      fprintf(stderr, "ragboard: a submitter token needs --org CODE\n");
      rc = 2;
      goto out;
    }
    if (name != NULL) {
      /* The API takes names as JSON strings: UTF-8, 1 to AUTH_NAME_MAX bytes. */
      json_t *valid = json_string(name);

      json_decref(valid);
      if (valid == NULL || !domain_token_name_ok(name)) {
        fprintf(stderr, "ragboard: --name must be 1 to %d bytes of UTF-8\n", AUTH_NAME_MAX);
        rc = 2;
        goto out;
      }
    }
    if (org != NULL) {
      int64_t id;

      if (store_org_id(st, org, &id) != RB_OK) {
        fprintf(stderr, "ragboard: no organisation with code %s\n", org);
        rc = 1;
        goto out;
      }
    }
    err = store_begin(st, true);
    if (err == RB_OK)
      err = domain_token_create(st, &who, name != NULL ? name : auth_role_name(role), role, org,
                                token, &row, &what);
    if (err == RB_OK)
      err = store_commit(st);
    else
      store_rollback(st);
    if (err != RB_OK) {
      fprintf(stderr, "ragboard: cannot create token: %s\n", rb_err_title(err));
      rc = 1;
      goto out;
    }
    printf("created %s token %lld%s%s\n", auth_role_name(role),
           (long long)json_integer_value(json_object_get(row, "id")), org ? " for " : "",
           org ? org : "");
    printf("%s\n", token);
    sodium_memzero(token, sizeof(token));
    json_decref(row);
  } else if (strcmp(sub, "list") == 0) {
    struct store_page pg = {.limit = 500, .after = NULL};
    json_t *items = NULL;
    char *next = NULL;
    size_t i;
    json_t *t;

    do {
      err = store_token_list(st, &pg, &items, &next);
      if (err != RB_OK) {
        fprintf(stderr, "ragboard: cannot list tokens: %s\n", rb_err_title(err));
        rc = 1;
        goto out;
      }
      json_array_foreach(items, i, t)
      {
        char *line = json_dumps(t, JSON_COMPACT);

        printf("%s\n", line != NULL ? line : "");
        free(line);
      }
      json_decref(items);
      free((char *)pg.after);
      pg.after = next;
    } while (next != NULL);
  } else {
    int64_t id;
    json_t *row = NULL;

    if (npos != 1 || !util_parse_int64(pos[0], &id)) {
      fprintf(stderr, "ragboard: token revoke needs the token ID\n");
      rc = 2;
      goto out;
    }
    err = store_begin(st, true);
    if (err == RB_OK)
      err = domain_token_revoke(st, &who, id, &row, &what);
    if (err == RB_OK)
      err = store_commit(st);
    else
      store_rollback(st);
    if (err != RB_OK) {
      fprintf(stderr, "ragboard: cannot revoke token %s: %s\n", pos[0], rb_err_title(err));
      rc = 1;
      goto out;
    }
    printf("revoked token %lld at %s\n", (long long)id,
           json_string_value(json_object_get(row, "revoked_at")));
    json_decref(row);
  }
out:
  store_close(st);
  audit_keyring_free(keys);
  return rc;
}
