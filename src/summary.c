#include "summary.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

int64_t
summary_tenths(int64_t count, int64_t total)
{
  if (total <= 0)
    return -1;
  /* round(count * 1000 / total) half up, in integers: exact. */
  return (count * 2000 + total) / (2 * total);
}

static json_t *
pct(int64_t count, int64_t total)
{
  int64_t t = summary_tenths(count, total);

  return t < 0 ? json_null() : json_real((double)t / 10.0);
}

static json_t *
tenths_json(int64_t t)
{
  return t < 0 ? json_null() : json_real((double)t / 10.0);
}

/* Milestones use all six codes; KPIs G, A, R and TBC. */
static const enum rag_status milestone_keys[] = {RAG_BR, RAG_B, RAG_G, RAG_A, RAG_R, RAG_TBC};
static const enum rag_status kpi_keys[] = {RAG_G, RAG_A, RAG_R, RAG_TBC};

struct tally {
  int64_t total;
  int64_t counts[RAG__COUNT];
  int64_t disagreements;
};

static void
tally_add(struct tally *t, const struct summary_item *it)
{
  enum rag_status s = it->status;

  if (s < 0 || s >= RAG__COUNT)
    s = RAG_TBC;
  t->total++;
  t->counts[s]++;
  if (it->disagreement)
    t->disagreements++;
}

/* {"total", "counts", "percent"} plus the headline fields. */
static json_t *
tally_json(const struct tally *t, bool kpi, bool headlines)
{
  const enum rag_status *keys = kpi ? kpi_keys : milestone_keys;
  size_t nkeys = kpi ? 4 : 6;
  json_t *counts = json_object(), *percent = json_object();
  json_t *o;

  for (size_t i = 0; i < nkeys; i++) {
    json_object_set_new(counts, rag_code(keys[i]), json_integer(t->counts[keys[i]]));
    json_object_set_new(percent, rag_code(keys[i]), pct(t->counts[keys[i]], t->total));
  }
  o = json_pack("{s:I, s:o, s:o}", "total", (json_int_t)t->total, "counts", counts, "percent",
                percent);
  if (o == NULL || !headlines)
    return o;
  if (kpi) {
    json_object_set_new(o, "on_track_percent", pct(t->counts[RAG_G], t->total));
  } else {
    json_object_set_new(o, "on_track_or_complete_percent",
                        pct(t->counts[RAG_G] + t->counts[RAG_B], t->total));
  }
  json_object_set_new(o, "red_percent", pct(t->counts[RAG_R], t->total));
  return o;
}

static bool
in_priority(const struct summary_item *it, int64_t number)
{
  for (size_t i = 0; i < it->npriorities; i++)
    if (it->priorities[i] == number)
      return true;
  return false;
}

/* One kind (milestones or KPIs) of one group: totals, headlines, by priority. */
static json_t *
kind_json(const struct summary_input *in, size_t group, bool kpi)
{
  struct tally all = {0};
  json_t *o, *by = json_array();

  for (size_t i = 0; i < in->nitems; i++)
    if (in->items[i].is_kpi == kpi && in->items[i].group == group)
      tally_add(&all, &in->items[i]);
  o = tally_json(&all, kpi, true);
  for (size_t p = 0; p < in->npriorities; p++) {
    const struct summary_priority *pr = &in->priorities[p];
    struct tally t = {0};
    json_t *row;

    if (pr->group != group)
      continue;
    for (size_t i = 0; i < in->nitems; i++) {
      const struct summary_item *it = &in->items[i];

      if (it->is_kpi == kpi && it->group == group && in_priority(it, pr->number))
        tally_add(&t, it);
    }
    row = tally_json(&t, kpi, false);
    json_object_set_new(row, "priority", json_integer(pr->number));
    json_object_set_new(row, "title", json_string(pr->title));
    json_array_append_new(by, row);
  }
  json_object_set_new(o, "by_priority", by);
  if (kpi)
    json_object_set_new(o, "rating_disagreements", json_integer(all.disagreements));
  return o;
}

static json_t *
exception_json(const struct summary_item *it)
{
  return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s?, s:s?}", "type",
                   it->is_kpi ? "kpi" : "milestone", "id", (json_int_t)it->id, "code", it->code,
                   "description", it->description, it->is_kpi ? "rating" : "status",
                   rag_code(it->status), "value_text", it->value_text, "comment", it->comment);
}

static json_t *
group_exceptions(const struct summary_input *in, size_t group)
{
  json_t *arr = json_array();

  /* Milestones first, then KPIs, each in the order the store gave (by id). */
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < in->nitems; i++) {
      const struct summary_item *it = &in->items[i];

      if (it->group == group && it->is_kpi == (pass == 1) && it->status == RAG_R)
        json_array_append_new(arr, exception_json(it));
    }
  return arr;
}

json_t *
summary_group_json(const struct summary_input *in, size_t group)
{
  return json_pack("{s:s, s:s, s:o, s:o, s:o}", "code", in->groups[group].code, "name",
                   in->groups[group].name, "milestones", kind_json(in, group, false), "kpis",
                   kind_json(in, group, true), "exceptions", group_exceptions(in, group));
}

static json_t *
overall_kind(const struct summary_input *in, bool kpi)
{
  struct tally t = {0};
  json_t *o;

  for (size_t i = 0; i < in->nitems; i++)
    if (in->items[i].is_kpi == kpi)
      tally_add(&t, &in->items[i]);
  o = tally_json(&t, kpi, true);
  if (kpi)
    json_object_set_new(o, "rating_disagreements", json_integer(t.disagreements));
  return o;
}

void
summary_headline_of(const struct summary_input *in, struct summary_headline *out)
{
  struct tally m = {0}, k = {0};

  out->rated_milestones = out->rated_kpis = 0;
  for (size_t i = 0; i < in->nitems; i++) {
    tally_add(in->items[i].is_kpi ? &k : &m, &in->items[i]);
    if (in->items[i].rated)
      (*(in->items[i].is_kpi ? &out->rated_kpis : &out->rated_milestones))++;
  }
  out->present = in->nitems > 0;
  strncpy(out->quarter, in->quarter, sizeof(out->quarter) - 1);
  out->quarter[sizeof(out->quarter) - 1] = '\0';
  out->milestones_tenths = summary_tenths(m.counts[RAG_G] + m.counts[RAG_B], m.total);
  out->kpis_tenths = summary_tenths(k.counts[RAG_G], k.total);
}

static json_t *
headline_json(const struct summary_headline *h)
{
  if (h == NULL || !h->present)
    return json_null();
  return json_pack("{s:s, s:o, s:o}", "quarter", h->quarter,
                   "milestones_on_track_or_complete_percent", tenths_json(h->milestones_tenths),
                   "kpis_on_track_percent", tenths_json(h->kpis_tenths));
}

json_t *
summary_json(const struct summary_input *in, const struct summary_headline *previous,
             const struct summary_headline *last_year)
{
  json_t *groups = json_array();

  for (size_t g = 0; g < in->ngroups; g++)
    if (in->groups[g].active)
      json_array_append_new(groups, summary_group_json(in, g));
  return json_pack("{s:s, s:s, s:o, s:{s:o, s:o}, s:{s:o, s:o}}", "quarter", in->quarter, "year",
                   in->year, "groups", groups, "overall", "milestones", overall_kind(in, false),
                   "kpis", overall_kind(in, true), "comparison", "previous_quarter",
                   headline_json(previous), "same_quarter_last_year", headline_json(last_year));
}

json_t *
summary_exceptions_json(const struct summary_input *in)
{
  json_t *arr = json_array();

  for (size_t g = 0; g < in->ngroups; g++) {
    json_t *ex = group_exceptions(in, g);
    size_t i;
    json_t *e;

    json_array_foreach(ex, i, e)
    {
      json_object_set_new(e, "group", json_string(in->groups[g].code));
      json_array_append(arr, e);
    }
    json_decref(ex);
  }
  return arr;
}

/* ---- cache ----------------------------------------------------------------- */

#define CACHE_SLOTS 128

struct summary_blob {
  atomic_int refs;
  size_t len;
  char data[]; /* NUL-terminated */
};

struct cache_entry {
  char *key;
  int64_t version;
  struct summary_blob *blob;
  double confirmed;   /* when the version was last checked against the database */
  unsigned long used; /* for eviction: least recently used goes */
};

#define INFLIGHT_SLOTS 16

struct summary_cache {
  pthread_mutex_t mu;
  pthread_cond_t built;
  struct cache_entry e[CACHE_SLOTS];
  unsigned long clock;
  struct {
    char key[128];
    int64_t version;
    bool used;
  } inflight[INFLIGHT_SLOTS];
};

const char *
summary_blob_data(const struct summary_blob *b)
{
  return b->data;
}

size_t
summary_blob_len(const struct summary_blob *b)
{
  return b->len;
}

void
summary_blob_release(void *p)
{
  struct summary_blob *b = p;

  if (b != NULL && atomic_fetch_sub(&b->refs, 1) == 1)
    free(b);
}

enum rb_err
summary_cache_new(struct summary_cache **out)
{
  struct summary_cache *c = calloc(1, sizeof(*c));

  if (c == NULL)
    return RB_ERR_NOMEM;
  pthread_mutex_init(&c->mu, NULL);
  util_cond_init_monotonic(&c->built); /* timed waits: see util.h */
  *out = c;
  return RB_OK;
}

void
summary_cache_free(struct summary_cache *c)
{
  if (c == NULL)
    return;
  for (size_t i = 0; i < CACHE_SLOTS; i++) {
    free(c->e[i].key);
    summary_blob_release(c->e[i].blob);
  }
  pthread_mutex_destroy(&c->mu);
  pthread_cond_destroy(&c->built);
  free(c);
}

static struct cache_entry *find(struct summary_cache *c, const char *key);

/* Index of the build in flight for key at version, or -1 (mu held). */
static int
inflight_find(struct summary_cache *c, const char *key, int64_t version)
{
  for (int i = 0; i < INFLIGHT_SLOTS; i++)
    if (c->inflight[i].used && c->inflight[i].version == version &&
        strcmp(c->inflight[i].key, key) == 0)
      return i;
  return -1;
}

static void
inflight_clear(struct summary_cache *c, const char *key, int64_t version)
{
  int i = inflight_find(c, key, version);

  if (i >= 0)
    c->inflight[i].used = false;
  pthread_cond_broadcast(&c->built);
}

struct summary_blob *
summary_cache_claim(struct summary_cache *c, const char *key, int64_t version, bool *claimed)
{
  struct summary_blob *b = NULL;
  struct cache_entry *e;
  bool mine = false;

  pthread_mutex_lock(&c->mu);
  for (;;) {
    struct timespec deadline;
    int i;

    e = find(c, key);
    if (e != NULL && e->version == version) {
      b = e->blob;
      atomic_fetch_add(&b->refs, 1);
      break;
    }
    if (inflight_find(c, key, version) < 0) {
      /* Claim it (if the table is full, build without a claim). */
      for (i = 0; i < INFLIGHT_SLOTS && c->inflight[i].used; i++)
        ;
      if (i < INFLIGHT_SLOTS && strlen(key) < sizeof(c->inflight[i].key)) {
        strcpy(c->inflight[i].key, key);
        c->inflight[i].version = version;
        c->inflight[i].used = true;
        mine = true;
      }
      break;
    }
    /* Someone is building it: wait, but never forever. */
    util_deadline_in(&deadline, 2000);
    if (pthread_cond_timedwait(&c->built, &c->mu, &deadline) != 0)
      break; /* build it ourselves */
  }
  pthread_mutex_unlock(&c->mu);
  if (claimed != NULL)
    *claimed = mine;
  return b;
}

void
summary_cache_abandon(struct summary_cache *c, const char *key, int64_t version)
{
  pthread_mutex_lock(&c->mu);
  inflight_clear(c, key, version);
  pthread_mutex_unlock(&c->mu);
}

static struct cache_entry *
find(struct summary_cache *c, const char *key)
{
  for (size_t i = 0; i < CACHE_SLOTS; i++)
    if (c->e[i].key != NULL && strcmp(c->e[i].key, key) == 0)
      return &c->e[i];
  return NULL;
}

struct summary_blob *
summary_cache_get(struct summary_cache *c, const char *key, int64_t version, double now,
                  double max_age)
{
  struct summary_blob *b = NULL;
  struct cache_entry *e;

  pthread_mutex_lock(&c->mu);
  e = find(c, key);
  if (e != NULL && e->version == version && (max_age <= 0 || now - e->confirmed <= max_age)) {
    b = e->blob;
    atomic_fetch_add(&b->refs, 1);
    e->used = ++c->clock;
  }
  pthread_mutex_unlock(&c->mu);
  return b;
}

void
summary_cache_confirm(struct summary_cache *c, const char *key, int64_t version, double now)
{
  struct cache_entry *e;

  pthread_mutex_lock(&c->mu);
  e = find(c, key);
  if (e != NULL && e->version == version && now > e->confirmed)
    e->confirmed = now;
  pthread_mutex_unlock(&c->mu);
}

void
summary_cache_put(struct summary_cache *c, const char *key, int64_t version, const char *body,
                  size_t len, double now)
{
  struct cache_entry *victim = NULL;
  struct summary_blob *b = malloc(sizeof(*b) + len + 1);
  char *k = strdup(key);

  if (k == NULL || b == NULL) {
    free(k);
    free(b);
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
  summary_blob_release(victim->blob); /* readers holding it keep it alive */
  victim->key = k;
  victim->blob = b;
  victim->version = version;
  victim->confirmed = now;
  victim->used = ++c->clock;
  inflight_clear(c, key, version);
  pthread_mutex_unlock(&c->mu);
}
