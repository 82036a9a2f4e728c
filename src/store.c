#include "store_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- connections ---------------------------------------------------------- */

enum rb_err
store_open(const char *path, const struct db_options *opt, bool migrate, struct store **out)
{
  struct store *st = calloc(1, sizeof(*st));
  const char *why;
  enum rb_err err;

  if (st == NULL)
    return RB_ERR_NOMEM;
  err = db_open(path, opt, &st->db);
  if (err != RB_OK)
    goto fail;
  err = migrate ? db_migrate(st->db, NULL) : db_check_schema(st->db, &why);
  if (err != RB_OK)
    goto fail;
  *out = st;
  return RB_OK;
fail:
  store_close(st);
  return err;
}

void
store_close(struct store *st)
{
  if (st == NULL)
    return;
  for (size_t i = 0; i < STORE_STMT_SLOTS; i++)
    sqlite3_finalize(st->cache[i].stmt);
  sqlite3_close_v2(st->db);
  free(st);
}

const char *
store_errmsg(struct store *st)
{
  return sqlite3_errmsg(st->db);
}

enum rb_err
store_stmt(struct store *st, const char *sql, sqlite3_stmt **out)
{
  size_t h = ((uintptr_t)sql >> 3) % STORE_STMT_SLOTS;

  for (size_t i = 0; i < STORE_STMT_SLOTS; i++) {
    size_t slot = (h + i) % STORE_STMT_SLOTS;

    if (st->cache[slot].sql == sql) {
      sqlite3_reset(st->cache[slot].stmt);
      sqlite3_clear_bindings(st->cache[slot].stmt);
      *out = st->cache[slot].stmt;
      return RB_OK;
    }
    if (st->cache[slot].sql == NULL) {
      sqlite3_stmt *s = NULL;
      int rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);

      if (rc != SQLITE_OK)
        return db_error(rc) == RB_OK ? RB_ERR_DB : db_error(rc);
      st->cache[slot].sql = sql;
      st->cache[slot].stmt = s;
      *out = s;
      return RB_OK;
    }
  }
  return RB_ERR_INTERNAL; /* more distinct statements than slots */
}

int
store_bind_text(sqlite3_stmt *s, int idx, const char *text)
{
  if (text == NULL)
    return sqlite3_bind_null(s, idx);
  return sqlite3_bind_text(s, idx, text, -1, SQLITE_TRANSIENT);
}

int
store_bind(sqlite3_stmt *s, int idx, const json_t *v)
{
  char *text;
  int rc;

  switch (v == NULL ? JSON_NULL : json_typeof(v)) {
  case JSON_STRING:
    return sqlite3_bind_text(s, idx, json_string_value(v), (int)json_string_length(v),
                             SQLITE_TRANSIENT);
  case JSON_INTEGER:
    return sqlite3_bind_int64(s, idx, json_integer_value(v));
  case JSON_REAL:
    return sqlite3_bind_double(s, idx, json_real_value(v));
  case JSON_TRUE:
    return sqlite3_bind_int(s, idx, 1);
  case JSON_FALSE:
    return sqlite3_bind_int(s, idx, 0);
  case JSON_OBJECT:
  case JSON_ARRAY:
    text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    if (text == NULL)
      return SQLITE_NOMEM;
    rc = sqlite3_bind_text(s, idx, text, -1, free);
    return rc;
  case JSON_NULL:
  default:
    return sqlite3_bind_null(s, idx);
  }
}

const char *
store_str(const json_t *in, const char *name)
{
  return json_string_value(json_object_get(in, name));
}

json_t *
store_row(sqlite3_stmt *s)
{
  return store_row_n(s, sqlite3_column_count(s));
}

json_t *
store_row_n(sqlite3_stmt *s, int n)
{
  json_t *row = json_object();

  if (row == NULL)
    return NULL;
  for (int i = 0; i < n; i++) {
    const char *name = sqlite3_column_name(s, i);
    size_t len = strlen(name);
    json_t *v;

    if (len > 6 && strcmp(name + len - 6, "__json") == 0) {
      const char *text = (const char *)sqlite3_column_text(s, i);
      char key[64];

      v = text != NULL ? json_loads(text, JSON_DECODE_ANY, NULL) : json_null();
      if (len - 6 >= sizeof(key)) {
        json_decref(v);
        continue;
      }
      memcpy(key, name, len - 6);
      key[len - 6] = '\0';
      if (v == NULL || json_object_set_new(row, key, v) != 0)
        goto fail;
      continue;
    }
    switch (sqlite3_column_type(s, i)) {
    case SQLITE_INTEGER:
      v = json_integer(sqlite3_column_int64(s, i));
      break;
    case SQLITE_FLOAT:
      v = json_real(sqlite3_column_double(s, i));
      break;
    case SQLITE_TEXT:
      v = json_stringn((const char *)sqlite3_column_text(s, i), (size_t)sqlite3_column_bytes(s, i));
      break;
    case SQLITE_NULL:
    default:
      v = json_null();
      break;
    }
    if (v == NULL || json_object_set_new(row, name, v) != 0)
      goto fail;
  }
  return row;
fail:
  json_decref(row);
  return NULL;
}

enum rb_err
store_fail(struct store *st, int rc)
{
  int sys = errno; /* first: that of the system call that failed, if any */
  enum rb_err err = db_error(rc);

  /* SQLite reports a write that fails for any reason but ENOSPC as
   * SQLITE_IOERR_* (and SQLite 3.40 leaves sqlite3_system_errno() unset
   * when COMMIT fails): the errno tells a full disk or quota from a
   * read-only file system (remounted after errors) or a failing device. */
  if ((rc & 0xff) == SQLITE_IOERR && rc != SQLITE_IOERR_NOMEM) {
    switch (sys != 0 ? sys : sqlite3_system_errno(st->db)) {
    case ENOSPC:
    case EDQUOT:
      err = RB_ERR_FULL;
      break;
    case EROFS:  /* the file system was remounted read-only */
    case EPERM:  /* the file was made immutable (chattr +i) */
    case EACCES: /* or its permissions were taken away */
      err = RB_ERR_READONLY;
      break;
    case EIO:
      err = RB_ERR_IO;
      break;
    default:
      break;
    }
  }
  return err == RB_OK ? RB_ERR_DB : err;
}

enum rb_err
store_delete_one(struct store *st, const char *sql, const char *key, int64_t id)
{
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  if (key != NULL)
    store_bind_text(s, 1, key);
  else
    sqlite3_bind_int64(s, 1, id);
  err = store_exec(st, s);
  if (err != RB_OK)
    return err;
  if (sqlite3_changes(st->db) == 0)
    return RB_ERR_NOT_FOUND;
  store_mark_changed(st);
  return RB_OK;
}

enum rb_err
store_exec(struct store *st, sqlite3_stmt *s)
{
  int rc = sqlite3_step(s);

  sqlite3_reset(s);
  if (rc != SQLITE_DONE)
    return store_fail(st, sqlite3_extended_errcode(st->db));
  return RB_OK;
}

enum rb_err
store_one(struct store *st, sqlite3_stmt *s, json_t **out)
{
  enum rb_err err;
  int rc = sqlite3_step(s);
  json_t *row;

  if (rc == SQLITE_DONE) {
    err = RB_ERR_NOT_FOUND;
    goto out;
  }
  if (rc != SQLITE_ROW) {
    err = store_fail(st, sqlite3_extended_errcode(st->db));
    goto out;
  }
  row = store_row(s);
  if (row == NULL) {
    err = RB_ERR_NOMEM;
    goto out;
  }
  *out = row;
  err = RB_OK;
out:
  sqlite3_reset(s);
  return err;
}

enum rb_err
store_one_id(struct store *st, const char *sql, int64_t id, json_t **out)
{
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, id);
  return store_one(st, s, out);
}

enum rb_err
store_int(struct store *st, sqlite3_stmt *s, int64_t *out)
{
  enum rb_err err;
  int rc = sqlite3_step(s);

  if (rc == SQLITE_ROW) {
    *out = sqlite3_column_int64(s, 0);
    err = RB_OK;
  } else if (rc == SQLITE_DONE) {
    err = RB_ERR_NOT_FOUND;
  } else {
    err = store_fail(st, sqlite3_extended_errcode(st->db));
  }
  sqlite3_reset(s);
  return err;
}

enum rb_err
store_many(struct store *st, sqlite3_stmt *s, int limit, int key_col, json_t **items, char **next)
{
  json_t *arr = json_array();
  char *key = NULL;
  enum rb_err err;
  int rc, n = 0;

  if (arr == NULL)
    return RB_ERR_NOMEM;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    json_t *row;

    if (n == limit)
      break; /* a further row exists: the last one returned is the cursor */
    row = store_row(s);
    if (row == NULL || json_array_append_new(arr, row) != 0) {
      err = RB_ERR_NOMEM;
      goto fail;
    }
    n++;
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    err = store_fail(st, sqlite3_extended_errcode(st->db));
    goto fail;
  }
  if (rc == SQLITE_ROW) {
    json_t *last = json_array_get(arr, json_array_size(arr) - 1);
    const char *name = sqlite3_column_name(s, key_col);
    json_t *kv = json_object_get(last, name);
    char buf[32];

    if (json_is_integer(kv)) {
      snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(kv));
      key = strdup(buf);
    } else {
      key = strdup(json_string_value(kv) != NULL ? json_string_value(kv) : "");
    }
    if (key == NULL) {
      err = RB_ERR_NOMEM;
      goto fail;
    }
  }
  sqlite3_reset(s);
  *items = arr;
  *next = key;
  return RB_OK;
fail:
  sqlite3_reset(s);
  json_decref(arr);
  free(key);
  return err;
}

/* ---- transactions ---------------------------------------------------------- */

static enum rb_err
exec_sql(struct store *st, const char *sql)
{
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  return store_exec(st, s);
}

enum rb_err
store_begin(struct store *st, bool write)
{
  enum rb_err err = exec_sql(st, write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");

  if (err != RB_OK)
    return err;
  st->in_txn = true;
  st->write = write;
  st->changed = st->ref_changed = false;
  st->nrep = 0;
  return RB_OK;
}

void
store_mark_changed(struct store *st)
{
  st->changed = st->ref_changed = true;
}

void
store_mark_reporting(struct store *st, const char *year)
{
  st->changed = true;
  for (int i = 0; i < st->nrep; i++)
    if (strcmp(st->rep_years[i], year) == 0)
      return;
  if (st->nrep == 8 || strlen(year) >= sizeof(st->rep_years[0])) {
    st->ref_changed = true; /* too many years at once: invalidate everything */
    return;
  }
  strcpy(st->rep_years[st->nrep++], year);
}

enum rb_err
store_mark_item_reporting(struct store *st, bool kpi, int64_t id)
{
  static const char milestone_sql[] = "SELECT year FROM milestone WHERE id = ?1";
  static const char kpi_sql[] = "SELECT year FROM kpi WHERE id = ?1";
  sqlite3_stmt *s;
  char year[8] = "";
  enum rb_err err = store_stmt(st, kpi ? kpi_sql : milestone_sql, &s);
  int rc;

  if (err != RB_OK)
    return err;
  sqlite3_bind_int64(s, 1, id);
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW)
    snprintf(year, sizeof(year), "%s", (const char *)sqlite3_column_text(s, 0));
  sqlite3_reset(s);
  if (rc != SQLITE_ROW)
    return rc == SQLITE_DONE ? RB_ERR_NOT_FOUND : store_fail(st, sqlite3_extended_errcode(st->db));
  store_mark_reporting(st, year);
  return RB_OK;
}

enum rb_err
store_reporting_version(struct store *st, const char *year, int64_t *out)
{
  static const char sql[] = "SELECT value FROM meta WHERE key = 'reporting_version:' || ?1";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  store_bind_text(s, 1, year);
  err = store_int(st, s, out);
  if (err == RB_ERR_NOT_FOUND) {
    *out = 0;
    err = RB_OK;
  }
  return err;
}

static enum rb_err
bump_reporting(struct store *st)
{
  static const char sql[] = "INSERT INTO meta (key, value) VALUES ('reporting_version:' || ?1, 1)"
                            " ON CONFLICT (key) DO UPDATE SET value = value + 1";
  enum rb_err err = RB_OK;

  for (int i = 0; i < st->nrep && err == RB_OK; i++) {
    sqlite3_stmt *s;

    err = store_stmt(st, sql, &s);
    if (err != RB_OK)
      break;
    store_bind_text(s, 1, st->rep_years[i]);
    err = store_exec(st, s);
    if (err == RB_OK)
      err = store_reporting_version(st, st->rep_years[i], &st->rep_after[i]);
  }
  return err;
}

enum rb_err
store_commit(struct store *st)
{
  enum rb_err err;

  if (st->changed) {
    err = exec_sql(st, "UPDATE meta SET value = value + 1 WHERE key = 'data_version'");
    if (err == RB_OK)
      err = store_data_version(st, &st->version_after);
    if (err == RB_OK && st->ref_changed)
      err = exec_sql(st, "UPDATE meta SET value = value + 1 WHERE key = 'reference_version'");
    if (err == RB_OK && st->ref_changed)
      err = store_reference_version(st, &st->ref_after);
    if (err == RB_OK)
      err = bump_reporting(st);
    if (err != RB_OK) {
      store_rollback(st);
      return err;
    }
  }
  err = exec_sql(st, "COMMIT");
  if (err != RB_OK) {
    store_rollback(st);
    return err;
  }
  st->in_txn = st->changed = st->ref_changed = st->write = false;
  return RB_OK;
}

void
store_rollback(struct store *st)
{
  if (!sqlite3_get_autocommit(st->db))
    (void)exec_sql(st, "ROLLBACK");
  st->in_txn = st->changed = st->write = false;
}

enum rb_err
store_data_version(struct store *st, int64_t *out)
{
  static const char sql[] = "SELECT value FROM meta WHERE key = 'data_version'";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  return store_int(st, s, out);
}

enum rb_err
store_reference_version(struct store *st, int64_t *out)
{
  static const char sql[] = "SELECT value FROM meta WHERE key = 'reference_version'";
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql, &s);

  if (err != RB_OK)
    return err;
  return store_int(st, s, out);
}

enum rb_err
store_ready(struct store *st, const char **why)
{
  return db_check_schema(st->db, why);
}

/* ---- pool ------------------------------------------------------------------ */

#define BATCH_MAX 128             /* requests in one group commit */
#define BATCH_MAX_AGE_NS 5000000L /* commit a batch at most 5 ms after it opened */
#define RESULTS 256               /* ring of recent batch results */

struct touch {
  int64_t id;
  char at[32];
};

struct store_pool {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  struct store *free_readers;
  struct store **all;
  int n;
  struct store *writer;
  pthread_mutex_t writer_mu;
  /* group commit state, under writer_mu */
  pthread_cond_t batch_cv;
  int entering;           /* threads in write_begin, not yet holding writer_mu */
  uint64_t batch;         /* open batch id, 0 when no transaction is open */
  uint64_t last_id;       /* last batch id handed out */
  uint64_t committed;     /* every batch <= this has its result in results[] */
  int members;            /* requests that joined the open batch */
  struct timespec opened; /* CLOCK_MONOTONIC */
  enum rb_err results[RESULTS];
  atomic_llong version;     /* latest data version known to this process */
  atomic_llong ref_version; /* latest reference version known to this process */
  struct touch touches[64]; /* token uses not yet recorded, under mu */
  int ntouches;
  /* Who records the uses instead of the caller (the HTTP writer thread),
   * under mu; NULL: the caller records them if the writer is free. */
  void (*touch_waker)(void *);
  void *touch_waker_ctx;
  /* A writer thread's round (the requests it runs before it commits) in
   * which a BEGIN waited the whole busy timeout in vain, under writer_mu:
   * the rest of the round fails at once instead of waiting in turn (a
   * round of 128 would otherwise take 128 timeouts to answer). Cleared by
   * store_pool_commit. Only with a writer thread (touch_waker set). */
  bool round_busy;
  int busy_ms; /* the writer's busy timeout, as opened */
  /* The storage fault (disk full, read-only, I/O) the last failed write
   * met and when, until a write commits again (readiness says so), under
   * mu; RB_OK when none. */
  enum rb_err fault;
  char fault_at[UTIL_TIME_LEN];
  pthread_mutex_t years_mu; /* reporting versions per plan year */
  struct {
    char year[8];
    int64_t version;
  } years[64];
  int nyears;
};

enum rb_err
store_pool_open(const char *path, const struct db_options *opt, int readers,
                struct store_pool **out)
{
  struct store_pool *p = calloc(1, sizeof(*p));
  struct db_options ro = *opt;
  enum rb_err err;

  if (p == NULL)
    return RB_ERR_NOMEM;
  p->busy_ms = opt->busy_timeout_ms > 0 ? opt->busy_timeout_ms : 5000;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  pthread_mutex_init(&p->writer_mu, NULL);
  pthread_cond_init(&p->batch_cv, NULL);
  pthread_mutex_init(&p->years_mu, NULL);
  if (readers < 1)
    readers = 1;
  p->all = calloc((size_t)readers, sizeof(*p->all));
  if (p->all == NULL) {
    err = RB_ERR_NOMEM;
    goto fail;
  }
  err = store_open(path, opt, false, &p->writer);
  if (err != RB_OK)
    goto fail;
  {
    int64_t v = 0;

    err = store_data_version(p->writer, &v);
    if (err != RB_OK)
      goto fail;
    atomic_init(&p->version, v);
    err = store_reference_version(p->writer, &v);
    if (err != RB_OK)
      goto fail;
    atomic_init(&p->ref_version, v);
  }
  ro.create = false;
  for (int i = 0; i < readers; i++) {
    err = store_open(path, &ro, false, &p->all[i]);
    if (err != RB_OK)
      goto fail;
    p->n++;
    p->all[i]->next_free = p->free_readers;
    p->free_readers = p->all[i];
  }
  *out = p;
  return RB_OK;
fail:
  store_pool_close(p);
  return err;
}

void
store_pool_set_audit_keys(struct store_pool *p, const struct audit_keyring *keys)
{
  store_set_audit_keys(p->writer, keys);
  for (int i = 0; i < p->n; i++)
    store_set_audit_keys(p->all[i], keys);
}

void
store_pool_close(struct store_pool *p)
{
  if (p == NULL)
    return;
  for (int i = 0; i < p->n; i++)
    store_close(p->all[i]);
  free(p->all);
  store_close(p->writer);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv);
  pthread_mutex_destroy(&p->writer_mu);
  pthread_cond_destroy(&p->batch_cv);
  pthread_mutex_destroy(&p->years_mu);
  free(p);
}

struct store *
store_pool_reader(struct store_pool *p)
{
  struct store *st;

  pthread_mutex_lock(&p->mu);
  while (p->free_readers == NULL)
    pthread_cond_wait(&p->cv, &p->mu);
  st = p->free_readers;
  p->free_readers = st->next_free;
  pthread_mutex_unlock(&p->mu);
  return st;
}

struct store *
store_pool_writer(struct store_pool *p)
{
  pthread_mutex_lock(&p->writer_mu);
  return p->writer;
}

void
store_pool_release(struct store_pool *p, struct store *st)
{
  if (st == NULL)
    return;
  if (st->in_txn)
    store_rollback(st);
  if (st == p->writer) {
    pthread_mutex_unlock(&p->writer_mu);
    return;
  }
  pthread_mutex_lock(&p->mu);
  st->next_free = p->free_readers;
  p->free_readers = st;
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
}

enum rb_err
store_db_size(struct store *st, int64_t *bytes)
{
  static const char count_sql[] = "PRAGMA page_count";
  static const char size_sql[] = "PRAGMA page_size";
  int64_t pages, size;
  sqlite3_stmt *s;
  enum rb_err err;

  if ((err = store_stmt(st, count_sql, &s)) != RB_OK || (err = store_int(st, s, &pages)) != RB_OK)
    return err;
  if ((err = store_stmt(st, size_sql, &s)) != RB_OK || (err = store_int(st, s, &size)) != RB_OK)
    return err;
  *bytes = pages * size;
  return RB_OK;
}

enum rb_err
store_checkpoint(struct store *st)
{
  int rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);

  return rc == SQLITE_OK ? RB_OK : store_fail(st, rc);
}

int64_t
store_pool_version(struct store_pool *p)
{
  return atomic_load(&p->version);
}

void
store_pool_saw_version(struct store_pool *p, int64_t v)
{
  long long cur = atomic_load(&p->version);

  while (v > cur && !atomic_compare_exchange_weak(&p->version, &cur, v))
    ;
}

int64_t
store_pool_reference_version(struct store_pool *p)
{
  return atomic_load(&p->ref_version);
}

void
store_pool_saw_reference_version(struct store_pool *p, int64_t v)
{
  long long cur = atomic_load(&p->ref_version);

  while (v > cur && !atomic_compare_exchange_weak(&p->ref_version, &cur, v))
    ;
}

bool
store_pool_reporting_version(struct store_pool *p, const char *year, int64_t *out)
{
  bool known = false;

  pthread_mutex_lock(&p->years_mu);
  for (int i = 0; i < p->nyears && !known; i++) {
    if (strcmp(p->years[i].year, year) == 0) {
      *out = p->years[i].version;
      known = true;
    }
  }
  pthread_mutex_unlock(&p->years_mu);
  return known;
}

void
store_pool_saw_reporting_version(struct store_pool *p, const char *year, int64_t v)
{
  int i;

  if (strlen(year) >= sizeof(p->years[0].year))
    return;
  pthread_mutex_lock(&p->years_mu);
  for (i = 0; i < p->nyears && strcmp(p->years[i].year, year) != 0; i++)
    ;
  if (i == p->nyears && p->nyears < 64) {
    strcpy(p->years[i].year, year);
    p->years[i].version = v;
    p->nyears++;
  } else if (i < p->nyears && v > p->years[i].version) {
    p->years[i].version = v;
  }
  pthread_mutex_unlock(&p->years_mu);
}

/* Storage faults are what a probe cannot see: the database answers reads
 * while every write fails. Anything else (busy, a constraint) is the
 * request's own business. */
static bool
storage_fault(enum rb_err err)
{
  return err == RB_ERR_FULL || err == RB_ERR_READONLY || err == RB_ERR_IO;
}

void
store_pool_note_write(struct store_pool *p, enum rb_err err)
{
  char now[UTIL_TIME_LEN];

  if (err != RB_OK && !storage_fault(err))
    return;
  util_now(now);
  pthread_mutex_lock(&p->mu);
  p->fault = err;
  if (err != RB_OK)
    snprintf(p->fault_at, sizeof(p->fault_at), "%s", now);
  pthread_mutex_unlock(&p->mu);
}

enum rb_err
store_pool_write_fault(struct store_pool *p, char *at)
{
  enum rb_err err;

  pthread_mutex_lock(&p->mu);
  err = p->fault;
  if (err != RB_OK && at != NULL)
    snprintf(at, UTIL_TIME_LEN, "%s", p->fault_at);
  pthread_mutex_unlock(&p->mu);
  return err;
}

/* ---- group commit ---------------------------------------------------------- */

static enum rb_err
savepoint(struct store *st, const char *sql_static)
{
  sqlite3_stmt *s;
  enum rb_err err = store_stmt(st, sql_static, &s);

  return err != RB_OK ? err : store_exec(st, s);
}

static const char sp_begin[] = "SAVEPOINT request";
static const char sp_release[] = "RELEASE request";
static const char sp_undo[] = "ROLLBACK TO request";

/* Commit the open batch (writer_mu held) and publish its result. */
static void
finish_batch(struct store_pool *p, enum rb_err err)
{
  struct store *w = p->writer;
  uint64_t id = p->batch;

  if (err == RB_OK && sqlite3_get_autocommit(w->db))
    err = RB_ERR_DB; /* SQLite rolled the transaction back after an error */
  if (err == RB_OK) {
    bool changed = w->changed, ref_changed = w->ref_changed;

    err = store_commit(w);
    /* A changing commit wrote pages (the data version at least) to disk:
     * storage works again. */
    if (err == RB_OK && changed)
      store_pool_note_write(p, RB_OK);
    if (err == RB_OK && changed)
      store_pool_saw_version(p, w->version_after);
    if (err == RB_OK && ref_changed)
      store_pool_saw_reference_version(p, w->ref_after);
    for (int i = 0; err == RB_OK && changed && i < w->nrep; i++)
      store_pool_saw_reporting_version(p, w->rep_years[i], w->rep_after[i]);
  } else {
    store_rollback(w);
  }
  if (err != RB_OK)
    store_pool_note_write(p, err);
  p->results[id % RESULTS] = err;
  p->committed = id;
  p->batch = 0;
  p->members = 0;
  pthread_cond_broadcast(&p->batch_cv);
}

static bool
batch_due(const struct store_pool *p)
{
  struct timespec now;
  long age;

  if (p->entering == 0 || p->members >= BATCH_MAX)
    return true;
  clock_gettime(CLOCK_MONOTONIC, &now);
  age = (now.tv_sec - p->opened.tv_sec) * 1000000000L + (now.tv_nsec - p->opened.tv_nsec);
  return age >= BATCH_MAX_AGE_NS;
}

static bool
writer_thread(struct store_pool *p)
{
  bool yes;

  pthread_mutex_lock(&p->mu);
  yes = p->touch_waker != NULL;
  pthread_mutex_unlock(&p->mu);
  return yes;
}

static bool
touches_pending(struct store_pool *p)
{
  bool pending;

  pthread_mutex_lock(&p->mu);
  pending = p->ntouches > 0;
  pthread_mutex_unlock(&p->mu);
  return pending;
}

/* Record the pending token uses, each in its own savepoint: a use that
 * cannot be recorded is dropped, never a reason to fail a batch, unless
 * SQLite rolled the whole transaction back: then the batch is finished as
 * failed here (p->batch is 0 after). writer_mu held, a batch open. */
static void
apply_touches(struct store_pool *p)
{
  static const char sp_touch[] = "SAVEPOINT touch", sp_touch_release[] = "RELEASE touch",
                    sp_touch_undo[] = "ROLLBACK TO touch";
  struct touch todo[64];
  int n;

  pthread_mutex_lock(&p->mu);
  n = p->ntouches;
  memcpy(todo, p->touches, (size_t)n * sizeof(todo[0]));
  p->ntouches = 0;
  pthread_mutex_unlock(&p->mu);
  for (int i = 0; i < n; i++) {
    if (savepoint(p->writer, sp_touch) != RB_OK)
      return;
    if (store_token_touch(p->writer, todo[i].id, todo[i].at) != RB_OK) {
      if (sqlite3_get_autocommit(p->writer->db)) {
        finish_batch(p, RB_ERR_DB); /* the batch went with it */
        return;
      }
      (void)savepoint(p->writer, sp_touch_undo);
    }
    (void)savepoint(p->writer, sp_touch_release);
  }
}

/* Begin the writer's transaction as a new batch; writer_mu held, no batch
 * open. wait: up to the busy timeout for another process's lock, else not
 * at all (RB_ERR_BUSY at once). */
static enum rb_err
open_batch(struct store_pool *p, bool wait)
{
  enum rb_err e;

  if (!wait)
    sqlite3_busy_timeout(p->writer->db, 0);
  e = store_begin(p->writer, true);
  if (!wait)
    sqlite3_busy_timeout(p->writer->db, p->busy_ms);
  if (e != RB_OK)
    return e;
  p->batch = ++p->last_id;
  clock_gettime(CLOCK_MONOTONIC, &p->opened);
  return RB_OK;
}

/* Join (or open) the batch; writer_mu held. NULL and *err on failure,
 * writer_mu then released. */
static struct store *
enter_locked(struct store_pool *p, enum rb_err *err)
{
  enum rb_err e;

  if (p->batch == 0) {
    if (p->round_busy) {
      pthread_mutex_unlock(&p->writer_mu);
      *err = RB_ERR_BUSY;
      return NULL;
    }
    e = open_batch(p, true);
    if (e != RB_OK) {
      if (e == RB_ERR_BUSY && writer_thread(p))
        p->round_busy = true;
      pthread_mutex_unlock(&p->writer_mu);
      *err = e;
      return NULL;
    }
  }
  if (touches_pending(p)) {
    apply_touches(p);
    if (p->batch == 0) { /* lost with a use that could not be recorded */
      pthread_mutex_unlock(&p->writer_mu);
      *err = RB_ERR_DB;
      return NULL;
    }
  }
  e = savepoint(p->writer, sp_begin);
  if (e != RB_OK) {
    /* Leave as a request that did nothing: the batch still gets committed. */
    store_pool_write_end(p, p->writer, false, false);
    *err = e;
    return NULL;
  }
  p->members++;
  return p->writer;
}

struct store *
store_pool_write_begin(struct store_pool *p, enum rb_err *err)
{
  pthread_mutex_lock(&p->mu);
  p->entering++;
  pthread_mutex_unlock(&p->mu);
  pthread_mutex_lock(&p->writer_mu);
  pthread_mutex_lock(&p->mu);
  p->entering--;
  pthread_mutex_unlock(&p->mu);
  return enter_locked(p, err);
}

void
store_pool_touch_token(struct store_pool *p, int64_t token_id, const char *now, bool defer)
{
  void (*waker)(void *);
  void *waker_ctx;
  enum rb_err err;
  int i;

  pthread_mutex_lock(&p->mu);
  for (i = 0; i < p->ntouches && p->touches[i].id != token_id; i++)
    ;
  if (i < 64) {
    p->touches[i].id = token_id;
    snprintf(p->touches[i].at, sizeof(p->touches[i].at), "%s", now);
    if (i == p->ntouches)
      p->ntouches++;
  }
  waker = p->touch_waker;
  waker_ctx = p->touch_waker_ctx;
  pthread_mutex_unlock(&p->mu);
  /* A writer thread records it, never the caller (an HTTP worker must not
   * wait on a lock or an fsync); else the caller if the writer is free,
   * or the writer's next request. Never wait for it. */
  if (waker != NULL) {
    if (!defer)
      waker(waker_ctx);
    return;
  }
  if (defer || pthread_mutex_trylock(&p->writer_mu) != 0)
    return;
  if (enter_locked(p, &err) != NULL)
    (void)store_pool_write_end(p, p->writer, true, false);
}

void
store_pool_set_touch_waker(struct store_pool *p, void (*waker)(void *), void *ctx)
{
  pthread_mutex_lock(&p->mu);
  p->touch_waker = waker;
  p->touch_waker_ctx = ctx;
  pthread_mutex_unlock(&p->mu);
}

bool
store_pool_record_touches(struct store_pool *p)
{
  bool pending;

  pthread_mutex_lock(&p->writer_mu);
  /* Never waits for a lock: a use that cannot be recorded now stays
   * pending and the caller tries again later, so a locked database holds
   * neither the writer (and the writes behind it) nor a shutdown. */
  if (p->batch == 0 && touches_pending(p))
    (void)open_batch(p, false);
  if (p->batch != 0 && touches_pending(p))
    apply_touches(p);
  if (p->batch != 0)
    finish_batch(p, RB_OK);
  pending = touches_pending(p);
  pthread_mutex_unlock(&p->writer_mu);
  return pending;
}

/* Release (keep) or undo the request's savepoint. When SQLite has rolled
 * the whole transaction back after an error, the batch is lost and is
 * finished here with a failure every member will hear. writer_mu held. */
static enum rb_err
leave_savepoint(struct store_pool *p, struct store *st, bool keep)
{
  enum rb_err err = RB_OK;

  if (!sqlite3_get_autocommit(st->db)) {
    if (keep) {
      err = savepoint(st, sp_release);
    } else {
      (void)savepoint(st, sp_undo);
      (void)savepoint(st, sp_release);
    }
  }
  if (sqlite3_get_autocommit(st->db) && p->batch != 0) {
    finish_batch(p, err != RB_OK ? err : RB_ERR_DB);
    return err != RB_OK ? err : RB_ERR_DB;
  }
  if (err != RB_OK) {
    (void)savepoint(st, sp_undo);
    (void)savepoint(st, sp_release);
  }
  return err;
}

enum rb_err
store_pool_write_end(struct store_pool *p, struct store *st, bool keep, bool wait)
{
  enum rb_err err;
  uint64_t mine = p->batch;
  bool due;

  err = leave_savepoint(p, st, keep);
  if (p->batch == 0) { /* the batch was lost: results[] says so */
    err = wait ? p->results[mine % RESULTS] : RB_OK;
    pthread_mutex_unlock(&p->writer_mu);
    return err;
  }
  pthread_mutex_lock(&p->mu);
  due = batch_due(p);
  pthread_mutex_unlock(&p->mu);
  if (due) {
    finish_batch(p, RB_OK);
    if (err == RB_OK && wait)
      err = p->results[mine % RESULTS];
    pthread_mutex_unlock(&p->writer_mu);
    return err;
  }
  if (!wait || err != RB_OK) {
    pthread_mutex_unlock(&p->writer_mu);
    return err;
  }
  /* Someone is queued behind us and will commit this batch (or a later
   * member will): wait for it. pthread_cond_wait releases writer_mu. */
  while (p->committed < mine)
    pthread_cond_wait(&p->batch_cv, &p->writer_mu);
  err = p->results[mine % RESULTS];
  pthread_mutex_unlock(&p->writer_mu);
  return err;
}

enum rb_err
store_pool_write_leave(struct store_pool *p, struct store *st, bool keep, uint64_t *batch)
{
  uint64_t mine = p->batch;
  enum rb_err err = leave_savepoint(p, st, keep);

  pthread_mutex_unlock(&p->writer_mu);
  if (err == RB_OK)
    *batch = mine;
  return err;
}

bool
store_pool_commit(struct store_pool *p)
{
  bool pending;

  pthread_mutex_lock(&p->writer_mu);
  if (p->batch != 0 && touches_pending(p))
    apply_touches(p);
  if (p->batch != 0)
    finish_batch(p, RB_OK);
  p->round_busy = false; /* the next round tries again */
  pending = touches_pending(p);
  pthread_mutex_unlock(&p->writer_mu);
  return pending;
}

enum rb_err
store_pool_batch_result(struct store_pool *p, uint64_t batch)
{
  enum rb_err err;

  pthread_mutex_lock(&p->writer_mu);
  /* A batch still open, or so old its result has been overwritten, cannot
   * be vouched for. */
  if (batch == 0 || p->committed < batch || p->last_id - batch >= RESULTS ||
      (p->batch != 0 && p->batch <= batch))
    err = RB_ERR_DB;
  else
    err = p->results[batch % RESULTS];
  pthread_mutex_unlock(&p->writer_mu);
  return err;
}
