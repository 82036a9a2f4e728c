#include "app.h"

#include <stdlib.h>
#include <unistd.h>

#include "db.h"
#include "store.h"
#include "metrics.h"
#include "summary.h"

int
app_default_threads(void)
{
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  long n = cores > 0 ? cores * 4 : 8;

  return n < 8 ? 8 : (int)n;
}

int
app_threads(const struct app_config *cfg)
{
  return cfg->threads > 0 ? cfg->threads : app_default_threads();
}

void
app_config_defaults(struct app_config *cfg)
{
  cfg->db_path = NULL;
  cfg->listen = "127.0.0.1:8080";
  cfg->port_file = NULL;
  cfg->public_read = false;
  cfg->sync_full = true;
  cfg->threads = 0;
  cfg->busy_timeout_ms = 5000;
  cfg->max_body = (size_t)1 << 20;
  cfg->max_import_body = (size_t)32 << 20;
  cfg->max_json_depth = 32;
  cfg->connection_timeout_s = 30;
  cfg->max_connections = 1024;
  cfg->max_connections_per_ip = 256;
  cfg->cors_origins = NULL;
  cfg->request_timeout_s = 15;
  cfg->max_header_bytes = 16384;
  cfg->max_page_size = 500;
  cfg->log_level = LOG_INFO;
}

enum rb_err
app_open(const struct app_config *cfg, struct app **out, const char **why)
{
  struct app *app = calloc(1, sizeof(*app));
  struct db_options opt = {
    .synchronous_full = cfg->sync_full,
    .busy_timeout_ms = cfg->busy_timeout_ms,
    .readonly = false,
    .create = false,
  };
  int threads = app_threads(cfg);
  enum rb_err err;

  if (app == NULL)
    return RB_ERR_NOMEM;
  app->cfg = *cfg;
  /* One read connection per HTTP worker, so readers never wait on each
   * other; writes go through the single writer connection. */
  err = store_pool_open(cfg->db_path, &opt, threads, &app->pool);
  if (err == RB_ERR_SCHEMA) {
    *why = "the database schema does not match this binary: run `ragboard migrate`, or "
           "upgrade ragboard if the database is newer";
    goto fail;
  }
  if (err != RB_OK) {
    *why = "cannot open the database";
    goto fail;
  }
  err = summary_cache_new(&app->summaries);
  if (err == RB_OK)
    err = metrics_new(&app->metrics);
  if (err != RB_OK) {
    *why = "out of memory";
    goto fail;
  }
  *out = app;
  return RB_OK;
fail:
  app_close(app);
  return err;
}

void
app_close(struct app *app)
{
  if (app == NULL)
    return;
  if (app->pool != NULL) {
    /* Fold the WAL back into the database file so a stopped server leaves
     * one self-contained file behind. */
    struct store *w = store_pool_writer(app->pool);

    (void)store_checkpoint(w);
    store_pool_release(app->pool, w);
  }
  summary_cache_free(app->summaries);
  metrics_free(app->metrics);
  store_pool_close(app->pool);
  free(app);
}
