#include "cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define CACHE_SLOTS 128

struct cache_blob {
  atomic_int refs;
  size_t len;
  char data[]; /* NUL-terminated */
};

struct cache_entry {
  char *key;
  char version[CACHE_VERSION_MAX];
  struct cache_blob *blob;
  double confirmed;   /* when the version was last checked against the database */
  unsigned long used; /* for eviction: least recently used goes */
};

#define INFLIGHT_SLOTS 16

struct response_cache {
  pthread_mutex_t mu;
  pthread_cond_t built;
  struct cache_entry e[CACHE_SLOTS];
  unsigned long clock;
  struct {
    char key[128];
    char version[CACHE_VERSION_MAX];
    bool used;
  } inflight[INFLIGHT_SLOTS];
};

const char *
cache_blob_data(const struct cache_blob *b)
{
  return b->data;
}

size_t
cache_blob_len(const struct cache_blob *b)
{
  return b->len;
}

void
cache_blob_release(void *p)
{
  struct cache_blob *b = p;

  if (b != NULL && atomic_fetch_sub(&b->refs, 1) == 1)
    free(b);
}

enum rb_err
cache_new(struct response_cache **out)
{
  struct response_cache *c = calloc(1, sizeof(*c));

  if (c == NULL)
    return RB_ERR_NOMEM;
  pthread_mutex_init(&c->mu, NULL);
  util_cond_init_monotonic(&c->built); /* timed waits: see util.h */
  *out = c;
  return RB_OK;
}

void
cache_free(struct response_cache *c)
{
  if (c == NULL)
    return;
  for (size_t i = 0; i < CACHE_SLOTS; i++) {
    free(c->e[i].key);
    cache_blob_release(c->e[i].blob);
  }
  pthread_mutex_destroy(&c->mu);
  pthread_cond_destroy(&c->built);
  free(c);
}

static struct cache_entry *find(struct response_cache *c, const char *key);

/* Index of the build in flight for key at version, or -1 (mu held). */
static int
inflight_find(struct response_cache *c, const char *key, const char *version)
{
  for (int i = 0; i < INFLIGHT_SLOTS; i++)
    if (c->inflight[i].used && strcmp(c->inflight[i].version, version) == 0 &&
        strcmp(c->inflight[i].key, key) == 0)
      return i;
  return -1;
}

static void
inflight_clear(struct response_cache *c, const char *key, const char *version)
{
  int i = inflight_find(c, key, version);

  if (i >= 0)
    c->inflight[i].used = false;
  pthread_cond_broadcast(&c->built);
}

struct cache_blob *
cache_claim(struct response_cache *c, const char *key, const char *version, bool *claimed)
{
  struct cache_blob *b = NULL;
  struct cache_entry *e;
  struct timespec deadline;
  bool mine = false;

  /* One deadline for the whole wait: every put or abandon, of any key,
   * wakes every waiter. */
  util_deadline_in(&deadline, 2000);
  pthread_mutex_lock(&c->mu);
  for (;;) {
    int i;

    e = find(c, key);
    if (e != NULL && strcmp(e->version, version) == 0) {
      b = e->blob;
      atomic_fetch_add(&b->refs, 1);
      break;
    }
    if (inflight_find(c, key, version) < 0) {
      /* Claim it (if the table is full, build without a claim). */
      for (i = 0; i < INFLIGHT_SLOTS && c->inflight[i].used; i++)
        ;
      if (i < INFLIGHT_SLOTS && strlen(key) < sizeof(c->inflight[i].key) &&
          strlen(version) < sizeof(c->inflight[i].version)) {
        strcpy(c->inflight[i].key, key);
        strcpy(c->inflight[i].version, version);
        c->inflight[i].used = true;
        mine = true;
      }
      break;
    }
    /* Someone is building it: wait, but never forever. */
    if (pthread_cond_timedwait(&c->built, &c->mu, &deadline) != 0)
      break; /* build it ourselves */
  }
  pthread_mutex_unlock(&c->mu);
  if (claimed != NULL)
    *claimed = mine;
  return b;
}

void
cache_abandon(struct response_cache *c, const char *key, const char *version)
{
  pthread_mutex_lock(&c->mu);
  inflight_clear(c, key, version);
  pthread_mutex_unlock(&c->mu);
}

static struct cache_entry *
find(struct response_cache *c, const char *key)
{
  for (size_t i = 0; i < CACHE_SLOTS; i++)
    if (c->e[i].key != NULL && strcmp(c->e[i].key, key) == 0)
      return &c->e[i];
  return NULL;
}

struct cache_blob *
cache_get(struct response_cache *c, const char *key, const char *version, double now,
          double max_age)
{
  struct cache_blob *b = NULL;
  struct cache_entry *e;

  pthread_mutex_lock(&c->mu);
  e = find(c, key);
  if (e != NULL && strcmp(e->version, version) == 0 &&
      (max_age <= 0 || now - e->confirmed <= max_age)) {
    b = e->blob;
    atomic_fetch_add(&b->refs, 1);
    e->used = ++c->clock;
  }
  pthread_mutex_unlock(&c->mu);
  return b;
}

void
cache_confirm(struct response_cache *c, const char *key, const char *version, double now)
{
  struct cache_entry *e;

  pthread_mutex_lock(&c->mu);
  e = find(c, key);
  if (e != NULL && strcmp(e->version, version) == 0 && now > e->confirmed)
    e->confirmed = now;
  pthread_mutex_unlock(&c->mu);
}

void
cache_put(struct response_cache *c, const char *key, const char *version, const char *body,
          size_t len, double now)
{
  struct cache_entry *victim = NULL;
  struct cache_blob *b;
  char *k;

  if (strlen(version) >= CACHE_VERSION_MAX)
    return; /* never claimed either (cache_claim): nothing to wake */
  b = malloc(sizeof(*b) + len + 1);
  k = strdup(key);
  if (k == NULL || b == NULL) {
    free(k);
    free(b);
    cache_abandon(c, key, version); /* the waiters build it themselves */
    return;
  }
  atomic_init(&b->refs, 1);
  b->len = len;
  memcpy(b->data, body, len);
  b->data[len] = '\0';
  pthread_mutex_lock(&c->mu);
  victim = find(c, key);
  for (size_t i = 0; victim == NULL && i < CACHE_SLOTS; i++)
    if (c->e[i].key == NULL)
      victim = &c->e[i];
  if (victim == NULL) {
    victim = &c->e[0];
    for (size_t i = 1; i < CACHE_SLOTS; i++)
      if (c->e[i].used < victim->used)
        victim = &c->e[i];
  }
  free(victim->key);
  cache_blob_release(victim->blob); /* readers holding it keep it alive */
  victim->key = k;
  victim->blob = b;
  strcpy(victim->version, version);
  victim->confirmed = now;
  victim->used = ++c->clock;
  inflight_clear(c, key, version);
  pthread_mutex_unlock(&c->mu);
}

void
cache_usage(struct response_cache *c, size_t *entries, size_t *bytes)
{
  size_t n = 0, total = 0;

  pthread_mutex_lock(&c->mu);
  for (size_t i = 0; i < CACHE_SLOTS; i++)
    if (c->e[i].key != NULL) {
      n++;
      total += c->e[i].blob->len;
    }
  pthread_mutex_unlock(&c->mu);
  *entries = n;
  *bytes = total;
}
