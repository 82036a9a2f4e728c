/* ragboard audit: verify the trail (and the data against it), rotate its
 * key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "db.h"
#include "util.h"

/* The verdict of store_audit_verify, for people. */
static void
print_verdict(const json_t *v)
{
  const json_t *key = json_object_get(v, "key"), *state = json_object_get(v, "state"), *x;
  size_t i;

  printf("entries: %lld verified", (long long)json_integer_value(json_object_get(v, "entries")));
  if (json_is_object(json_object_get(v, "head")))
    printf("; head %lld %s (keep it: --anchor-id, --anchor-hash)",
           (long long)json_integer_value(json_object_get(json_object_get(v, "head"), "id")),
           json_string_value(json_object_get(json_object_get(v, "head"), "hash")));
  printf("\n");
  if (json_is_true(json_object_get(key, "keyed")))
    printf("key: signed with key %s since entry %lld (%lld unkeyed entries before)\n",
           json_string_value(json_object_get(key, "key_id")),
           (long long)json_integer_value(json_object_get(key, "keyed_since")),
           (long long)json_integer_value(json_object_get(key, "unkeyed_entries")));
  else
    printf("key: no entry is keyed\n");
  printf("append-only triggers: %s\n",
         json_is_true(json_object_get(json_object_get(v, "append_only"), "ok"))
           ? "in place"
           : "MISSING OR CHANGED");
  if (state != NULL && json_object_get(state, "checked") != NULL) {
    const json_t *c = json_object_get(state, "checked");

    printf("state: %lld milestone updates, %lld KPI readings, %lld milestones, %lld KPIs, %lld "
           "monthly values, %lld plan-year titles checked in %lld ms: %s\n",
           (long long)json_integer_value(json_object_get(c, "milestone_updates")),
           (long long)json_integer_value(json_object_get(c, "kpi_readings")),
           (long long)json_integer_value(json_object_get(c, "milestones")),
           (long long)json_integer_value(json_object_get(c, "kpis")),
           (long long)json_integer_value(json_object_get(c, "kpi_months")),
           (long long)json_integer_value(json_object_get(c, "datasets")),
           (long long)json_integer_value(json_object_get(state, "elapsed_ms")),
           json_is_true(json_object_get(state, "ok")) ? "as the trail says" : "DIFFERENT");
  }
  json_array_foreach(json_object_get(v, "problems"), i, x)
    printf("PROBLEM: %s\n", json_string_value(x));
  json_array_foreach(json_object_get(v, "altered"), i, x)
  {
    size_t k;
    json_t *p;

    json_array_foreach(json_object_get(x, "problems"), k, p)
      printf("  altered entry %lld: %s\n", (long long)json_integer_value(json_object_get(x, "id")),
             json_string_value(p));
  }
  json_array_foreach(json_object_get(state, "differences"), i, x)
  {
    char *audited = json_dumps(json_object_get(x, "audited"), JSON_ENCODE_ANY | JSON_COMPACT);
    char *stored = json_dumps(json_object_get(x, "stored"), JSON_ENCODE_ANY | JSON_COMPACT);
    const char *field = json_string_value(json_object_get(x, "field"));

    printf("  %s", json_string_value(json_object_get(x, "entity")));
    if (json_is_integer(json_object_get(x, "id")))
      printf(" %lld", (long long)json_integer_value(json_object_get(x, "id")));
    if (json_is_string(json_object_get(x, "code")))
      printf(" %s", json_string_value(json_object_get(x, "code")));
    if (json_is_string(json_object_get(x, "quarter")))
      printf(" %s", json_string_value(json_object_get(x, "quarter")));
    if (field != NULL)
      printf(" %s: audited %s, stored %s", field, audited, stored);
    if (json_integer_value(json_object_get(x, "entry")) > 0)
      printf(" (entry %lld)", (long long)json_integer_value(json_object_get(x, "entry")));
    printf(": %s\n", json_string_value(json_object_get(x, "problem")));
    free(audited);
    free(stored);
  }
  printf("%s\n", json_is_true(json_object_get(v, "ok")) ? "ok" : "NOT OK");
}

int
cli_audit(int argc, char **argv)
{
  struct cli_opt opts[] = {
    {"--db", "RAGBOARD_DB", false, "PATH", "SQLite database file, required", NULL, false},
    {0}, /* --audit-key, set below */
    {"--anchor-id", NULL, false, "N", "verify: a head id kept from an earlier verification", NULL,
     false},
    {"--anchor-hash", NULL, false, "HASH", "verify: that head's hash", NULL, false},
    {"--no-state", NULL, true, NULL, "verify: the trail only, not the data against it", NULL,
     false},
    {"--json", NULL, true, NULL, "verify: the verdict as GET /api/v1/audit/verify answers it", NULL,
     false},
    {"--force", NULL, true, NULL, "rotate-key: even when the trail does not verify", NULL, false},
  };
  static const char *const audit_usage[] = {
    "ragboard audit verify --db PATH [--audit-key FILE] [--anchor-id N --anchor-hash HASH]\n"
    "                      [--no-state] [--json]",
    "ragboard audit rotate-key --db PATH [--audit-key FILE] [--force]",
  };
  const char *sub = argc > 2 ? argv[2] : NULL, *pos[1];
  struct db_options dbo = {.synchronous_full = true, .busy_timeout_ms = 10000, .create = false};
  struct store_audit_check chk = {0, NULL, true};
  struct audit_keyring *keys = NULL;
  struct store *st = NULL;
  json_t *verdict = NULL;
  char actor[160], now[UTIL_TIME_LEN], why[400];
  int npos, rc, claim = -1;
  bool help, rotate;
  char *path = NULL;
  enum rb_err err;

  opts[1] = cli_audit_key_opt();
  if (sub == NULL || (strcmp(sub, "verify") != 0 && strcmp(sub, "rotate-key") != 0)) {
    bool asked = sub != NULL && (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0);

    if (sub != NULL && !asked)
      fprintf(stderr, "ragboard: unknown audit command %s\n\n", sub);
    fprintf(asked ? stdout : stderr,
            "Usage: %s\n       %s\n\n"
            "verify checks the audit trail (links, keyed hashes, stored types, the\n"
            "append-only triggers) and that the stored updates, readings and items are\n"
            "what the trail says; exit 0 when all holds, 1 otherwise.\n"
            "rotate-key adds a new key to the key file and switches the trail to it\n"
            "with an entry signed by the old key (stop the server first).\n",
            audit_usage[0], audit_usage[1]);
    return asked ? 0 : 2;
  }
  rotate = strcmp(sub, "rotate-key") == 0;
  if (cli_parse(argc, argv, 3, opts, ARRAY_LEN(opts), pos, &npos, 0, &help) != 0)
    return 2;
  if (help) {
    printf("Usage: %s\n\n", audit_usage[rotate]);
    cli_print_opts(stdout, opts, ARRAY_LEN(opts));
    return 0;
  }
  if ((rc = cli_need_db(opts[0].value)) != 0)
    return rc;
  if ((opts[2].value == NULL) != (opts[3].value == NULL) ||
      (opts[2].value != NULL && (!util_parse_int64(opts[2].value, &chk.anchor_id) ||
                                 chk.anchor_id < 1 || strlen(opts[3].value) != 64))) {
    fprintf(stderr, "ragboard: --anchor-id N and --anchor-hash HASH go together (an entry id "
                    "and its 64-digit hash)\n");
    return 2;
  }
  chk.anchor_hash = opts[3].value;
  chk.state = opts[4].value == NULL;
  cli_operator(actor, sizeof(actor));
  util_now(now);
  /* A rotation under a running server would leave it signing with the old
   * key: as for restore, the server must be stopped. */
  if (rotate && (err = db_claim(opts[0].value, true, &claim)) != RB_OK) {
    fprintf(stderr, "ragboard: %s\n",
            err == RB_ERR_BUSY ? "a ragboard server is using the database: stop it first (it "
                                 "signs with the key it read at start)"
                               : "cannot open the database");
    return 1;
  }
  rc = 1;
  if (cli_load_keys(opts[0].value, opts[1].value, false, actor, &keys) != 0)
    goto out;
  if (store_open(opts[0].value, &dbo, false, &st) != RB_OK) {
    fprintf(stderr, "ragboard: cannot open database %s\n", opts[0].value);
    goto out;
  }
  store_set_audit_keys(st, keys);
  if (!rotate || opts[6].value == NULL) {
    if ((err = store_audit_verify(st, &chk, &verdict)) != RB_OK) {
      fprintf(stderr, "ragboard: cannot verify the audit trail: %s\n", rb_err_title(err));
      goto out;
    }
    if (!rotate && opts[5].value != NULL) {
      char *text = json_dumps(verdict, JSON_INDENT(2));

      printf("%s\n", text != NULL ? text : "");
      free(text);
    } else if (!rotate || !json_is_true(json_object_get(verdict, "ok"))) {
      print_verdict(verdict);
    }
    if (!json_is_true(json_object_get(verdict, "ok"))) {
      if (rotate)
        fprintf(stderr, "ragboard: the trail does not verify: a rotation now would sign a new "
                        "baseline over what is wrong. Find out first; --force rotates anyway\n");
      goto out;
    }
    if (!rotate) {
      rc = 0;
      goto out;
    }
  }
  path = opts[1].value != NULL ? strdup(opts[1].value) : audit_key_default_path(opts[0].value);
  if (path == NULL || audit_keyring_add(path, keys, why, sizeof(why)) != RB_OK) {
    fprintf(stderr, "ragboard: %s\n", path != NULL ? why : "no audit key file");
    goto out;
  }
  {
    struct store_audit who = {.at = now, .actor_name = actor, .actor_role = "admin"};
    struct store_audit_keying k;
    char old[17] = "";

    if (store_audit_keying(st, &k) == RB_OK)
      memcpy(old, k.signer, sizeof(old));
    err = store_begin(st, true);
    if (err == RB_OK)
      err = store_audit_rotate(st, &who);
    if (err == RB_OK)
      err = store_commit(st);
    else
      store_rollback(st);
    if (err != RB_OK || store_audit_keying(st, &k) != RB_OK) {
      fprintf(stderr,
              "ragboard: the rotation entry could not be written (%s): the key file %s now holds "
              "a key the trail does not use; run `ragboard audit rotate-key` again\n",
              rb_err_title(err), path);
      goto out;
    }
    printf("rotated the audit key: entry %lld, signed with key %s, switches the trail to key "
           "%s.\nThe key file %s holds both keys now: back it up again, apart from the "
           "database.\n",
           (long long)k.entries, old, k.signer, path);
  }
  rc = 0;
out:
  json_decref(verdict);
  store_close(st);
  audit_keyring_free(keys);
  free(path);
  db_release(claim);
  return rc;
}
