/* ragboard serve: the JSON API over HTTP, until SIGTERM or SIGINT. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#ifdef __GLIBC__ /* defined by the headers above */
#include <malloc.h>
#endif

#include "app.h"
#include "cli.h"
#include "db.h"
#include "http.h"
#include "util.h"

/* Enough file descriptors for --max-connections (http_files_needed): the
 * soft limit is raised towards the hard one, and not touched when it
 * suffices (the systemd unit sets it, and its filter refuses setrlimit).
 * Short of the hard limit, fewer connections, and a warning. */
static void
fit_connections(struct app_config *cfg)
{
  struct rlimit rl;
  unsigned asked = cfg->max_connections;
  char now[UTIL_TIME_LEN];

  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
      rl.rlim_cur >= http_files_needed(cfg))
    return;
  {
    struct rlimit want = rl;

    want.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= http_files_needed(cfg)
                      ? http_files_needed(cfg)
                      : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0)
      rl = want;
  }
  while (cfg->max_connections > 16 && http_files_needed(cfg) > rl.rlim_cur)
    cfg->max_connections--;
  if (cfg->max_connections == asked)
    return;
  util_now(now);
  fprintf(stderr,
          "{\"time\":\"%s\",\"level\":\"warn\",\"event\":\"max-connections\","
          "\"detail\":\"--max-connections %u lowered to %u: the open-file limit is %llu "
          "(raise it, e.g. LimitNOFILE in the systemd unit)\"}\n",
          now, asked, cfg->max_connections, (unsigned long long)rl.rlim_cur);
}

/* Keep the heap's working set mapped between answers. A rebuilt answer
 * (a quarter view: 125 KB, its buffer grown to 256 KB) is freed at the top
 * of its worker's arena; glibc's default then hands the pages back
 * (madvise) and the next rebuild faults them in again: 18 page faults, a
 * tenth of a millisecond, per rebuild on the benchmark. Up to 4 MB free
 * stays per arena (one per worker thread: 32 MB with 8 workers, at
 * worst); blocks of 1 MB and more (large uploads and reports) come from
 * mmap and go back to the system when freed. An operator's own malloc
 * settings (GLIBC_TUNABLES, MALLOC_*_ in the environment) are left alone. */
static void
tune_malloc(void)
{
#ifdef __GLIBC__
  const char *tunables = getenv("GLIBC_TUNABLES");

  if ((tunables != NULL && strstr(tunables, "glibc.malloc.") != NULL) ||
      getenv("MALLOC_TRIM_THRESHOLD_") != NULL || getenv("MALLOC_MMAP_THRESHOLD_") != NULL)
    return;
  (void)mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
  (void)mallopt(M_TRIM_THRESHOLD, 4 * 1024 * 1024);
#endif
}

int
cli_serve(int argc, char **argv)
{
  struct app_config cfg;
  struct cli_opt opts[32];
  const struct app_option *table;
  size_t nopts;
  const char *pos[1];
  int npos, rc, sig = 0, claim = -1;
  bool help;
  unsigned long long grace = 0;
  struct app *app = NULL;
  struct http_server *srv = NULL;
  struct audit_keyring *keys = NULL;
  char *key_path = NULL;
  const char *why = "";
  char bad[128];
  sigset_t set;
  enum rb_err err;
  char now[UTIL_TIME_LEN];

  /* The options, their help and their defaults are the server's one table. */
  table = app_options(&nopts);
  if (nopts > ARRAY_LEN(opts)) {
    fprintf(stderr, "ragboard: serve has more options than it can parse\n");
    return 1;
  }
  for (size_t i = 0; i < nopts; i++)
    opts[i] = cli_opt_of(&table[i]);
  if (cli_parse(argc, argv, 2, opts, nopts, pos, &npos, 0, &help) != 0)
    return 2;
  if (help) {
    printf("Usage: ragboard serve --db PATH [options]\n\n"
           "Serve the JSON API. Every option can also be set with the environment\n"
           "variable shown; the command line wins.\n\n");
    cli_print_opts(stdout, opts, nopts);
    return 0;
  }
  app_config_defaults(&cfg);
  if ((rc = cli_need_db(cli_opt_get(opts, nopts, "--db"))) != 0)
    return rc;
  for (size_t i = 0; i < nopts; i++) {
    if (app_config_set(&cfg, opts[i].name, opts[i].value, bad, sizeof(bad)) != RB_OK) {
      fprintf(stderr, "ragboard: %s\n", bad);
      return 2;
    }
  }
  /* How long a stop waits is this command's own, not the server's. */
  if (!app_parse_number(cli_opt_get(opts, nopts, "--shutdown-grace-ms"), &grace)) {
    fprintf(stderr, "ragboard: --shutdown-grace-ms must be a number\n");
    return 2;
  }
  /* The audit key first: without it, no start (never an unkeyed entry). */
  if (cfg.audit_key_path == NULL && (key_path = audit_key_default_path(cfg.db_path)) != NULL)
    cfg.audit_key_path = key_path;
  if ((rc = cli_load_keys(cfg.db_path, cfg.audit_key_path, false, NULL, &keys)) != 0) {
    free(key_path);
    return rc;
  }
  cfg.audit_keys = keys;

  /* Request logs go out in 64 KiB writes instead of one write per line; the
   * HTTP layer flushes them every 250 ms and at shutdown. */
  setvbuf(stderr, NULL, _IOFBF, (size_t)1 << 16);
  /* Block the stop signals before any thread starts, so only sigwait sees them. */
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);

  /* Kept while serving: `ragboard restore` refuses to run meanwhile. */
  err = db_claim(cfg.db_path, false, &claim);
  if (err != RB_OK) {
    fprintf(stderr, "ragboard: %s: %s\n", cfg.db_path,
            err == RB_ERR_BUSY ? "a restore is replacing the database: start again when it is done"
                               : "cannot open the database");
    rc = 1;
    goto done;
  }
  fit_connections(&cfg);
  tune_malloc();
  err = app_open(&cfg, &app, &why);
  if (err != RB_OK) {
    fprintf(stderr, "ragboard: %s: %s\n", cfg.db_path, why);
    db_release(claim);
    rc = 1;
    goto done;
  }
  err = http_start(app, &srv, &why);
  if (err != RB_OK) {
    fprintf(stderr, "ragboard: %s: %s\n", cfg.listen, why);
    app_close(app);
    db_release(claim);
    rc = 1;
    goto done;
  }
  util_now(now);
  fprintf(stderr,
          "{\"time\":\"%s\",\"level\":\"info\",\"event\":\"start\",\"listen\":\"%s\","
          "\"port\":%u,\"public_read\":%s}\n",
          now, cfg.listen, http_port(srv), cfg.public_read ? "true" : "false");
  sigwait(&set, &sig);
  util_now(now);
  fprintf(stderr, "{\"time\":\"%s\",\"level\":\"info\",\"event\":\"stopping\",\"signal\":%d}\n",
          now, sig);
  http_stop(srv, (unsigned)grace);
  app_close(app);
  db_release(claim); /* after the connections: see db_claim */
  util_now(now);
  fprintf(stderr, "{\"time\":\"%s\",\"level\":\"info\",\"event\":\"stopped\"}\n", now);
  rc = 0;
done:
  audit_keyring_free(keys);
  free(key_path);
  return rc;
}
