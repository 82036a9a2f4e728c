/* RAG summaries per transformation group, and the cache that lets
 * dashboards poll them cheaply. The computation is pure: it takes the
 * items of one plan year with their ratings for a quarter and builds the
 * JSON answer, with no I/O, clock or globals. */
#ifndef RAGBOARD_SUMMARY_H
#define RAGBOARD_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"
#include "rag.h"

struct summary_group {
  const char *code;
  const char *name;
  bool active; /* has priorities or items in the plan year: listed in /summary */
};

struct summary_priority {
  size_t group; /* index into groups */
  int64_t number;
  const char *title;
};

struct summary_item {
  bool is_kpi;
  int64_t id;
  size_t group;              /* index into groups */
  const int64_t *priorities; /* priority numbers within the group */
  size_t npriorities;
  const char *code;
  const char *description;
  enum rag_status status; /* milestone status or KPI effective rating */
  bool disagreement;      /* KPI: reported rating differs from computed */
  const char *value_text; /* NULL when none */
  const char *comment;    /* NULL when none */
  bool rated;             /* has an update or reading for the quarter */
};

/* Everything one quarter's summary needs. Groups in code order,
 * priorities in (group, number) order. All strings borrowed. */
struct summary_input {
  const char *quarter;
  const char *year;
  const struct summary_group *groups;
  size_t ngroups;
  const struct summary_priority *priorities;
  size_t npriorities;
  const struct summary_item *items;
  size_t nitems;
};

/* Headline figures of another quarter, for comparisons. */
struct summary_headline {
  bool present; /* false when that quarter's year has no items */
  char quarter[16];
  int64_t milestones_tenths;           /* on track or complete, tenths of a percent; -1 = null */
  int64_t kpis_tenths;                 /* KPIs on track; -1 = null */
  size_t rated_milestones, rated_kpis; /* items with an update or reading */
};

/* One group's object (milestones, kpis, exceptions). New reference. */
json_t *summary_group_json(const struct summary_input *in, size_t group);
/* The whole answer of GET /api/v1/summary. New reference. */
json_t *summary_json(const struct summary_input *in, const struct summary_headline *previous,
                     const struct summary_headline *last_year);
/* Headline percentages of an input (for use as a comparison). */
void summary_headline_of(const struct summary_input *in, struct summary_headline *out);
/* Red items of every group: [{"group", ...exception}]. New reference. */
json_t *summary_exceptions_json(const struct summary_input *in);

/* percent = count * 100 / total rounded half up to one decimal, as tenths;
 * -1 when total is 0. */
int64_t summary_tenths(int64_t count, int64_t total);

/* ---- cache of serialised answers, keyed by name and data version ----
 * Bodies are shared, reference-counted buffers: a hit hands libmicrohttpd
 * the cached bytes themselves, with no copy. Each entry also remembers when
 * its version was last confirmed against the database, so a caller can
 * trust it for a while without asking the database again. */
struct summary_cache;
struct summary_blob;

enum rb_err summary_cache_new(struct summary_cache **out);
void summary_cache_free(struct summary_cache *c); /* NULL is a no-op */
/* A new reference to the body cached for key at version, or NULL. When
 * max_age > 0, an entry confirmed more than max_age seconds before `now`
 * does not count. */
struct summary_blob *summary_cache_get(struct summary_cache *c, const char *key, int64_t version,
                                       double now, double max_age);
/* Remember body (copied) for key at version, confirmed at now. */
void summary_cache_put(struct summary_cache *c, const char *key, int64_t version, const char *body,
                       size_t len, double now);
/* After a miss: when another request is already building key at version,
 * wait for it and answer its body (a new reference); otherwise claim the
 * build and answer NULL: the caller builds, then calls summary_cache_put
 * (or summary_cache_abandon if it does not), which wakes the waiters. So a
 * write followed by many polls costs one rebuild, not one per poll.
 * *claimed (optional) says whether this caller holds the claim: NULL is
 * also the answer after 2 s of waiting on someone else's build, or when
 * the table of claims is full, and then there is nothing to abandon. */
struct summary_blob *summary_cache_claim(struct summary_cache *c, const char *key, int64_t version,
                                         bool *claimed);
void summary_cache_abandon(struct summary_cache *c, const char *key, int64_t version);
/* The entry for key at version was confirmed current at now. */
void summary_cache_confirm(struct summary_cache *c, const char *key, int64_t version, double now);

const char *summary_blob_data(const struct summary_blob *b);
size_t summary_blob_len(const struct summary_blob *b);
/* Drop a reference (takes void * so it can be a free callback). */
void summary_blob_release(void *b);

#endif
