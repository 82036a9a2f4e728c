/* The storage layer: the only code that holds SQL.
 *
 * Representations cross this boundary as jansson objects whose keys are the
 * API's field names: the handlers validate input and hand the store an object
 * it binds field by field; the store answers rows already shaped for the API.
 * Functions that take `const json_t *in` borrow it; `json_t **out` receives a
 * new reference the caller must json_decref, set only on RB_OK.
 *
 * A struct store is one SQLite connection with its cached prepared
 * statements; it is not thread-safe, and a pool hands each request its own.
 * Writes happen inside store_begin(st, true) ... store_commit(st). */
#ifndef RAGBOARD_STORE_H
#define RAGBOARD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "db.h"
#include "error.h"

struct store;
struct store_pool;

/* ---- connections, pool, transactions --------------------------------- */

/* Open one connection. The schema must already be migrated unless
 * `migrate` is true, in which case pending migrations are applied. */
enum rb_err store_open(const char *path, const struct db_options *opt, bool migrate,
                       struct store **out);
void store_close(struct store *st); /* NULL is a no-op */

/* A pool of `readers` read connections and one writer, all on `path`. */
enum rb_err store_pool_open(const char *path, const struct db_options *opt, int readers,
                            struct store_pool **out);
void store_pool_close(struct store_pool *pool); /* NULL is a no-op */
/* Blocks until a reader is free. Give it back with store_pool_release. */
struct store *store_pool_reader(struct store_pool *pool);
/* The single writer connection, lent to one borrower at a time (the
 * writer thread for a round, maintenance at start and stop): blocks until
 * it is free. try_writer: NULL at once when it is lent out. Give it back
 * with store_pool_release. */
struct store *store_pool_writer(struct store_pool *pool);
struct store *store_pool_try_writer(struct store_pool *pool);
void store_pool_release(struct store_pool *pool, struct store *st);

/* The latest data version this process has seen: bumped by every commit
 * of the pool's writer at once, and by store_pool_saw_version when a reader
 * finds the database newer (a write from another process). */
int64_t store_pool_version(struct store_pool *pool);
void store_pool_saw_version(struct store_pool *pool, int64_t version);
/* The same for the reference-data counter. */
int64_t store_pool_reference_version(struct store_pool *pool);
void store_pool_saw_reference_version(struct store_pool *pool, int64_t version);
/* And per plan year for updates and readings: false when this process
 * has not learnt the year's version yet (ask the database). */
bool store_pool_reporting_version(struct store_pool *pool, const char *year, int64_t *out);
void store_pool_saw_reporting_version(struct store_pool *pool, const char *year, int64_t v);

/* Commit the writer's open transaction (w from store_pool_writer) and
 * publish what it moved: the versions above, and that storage works again
 * (store_pool_note_write). RB_ERR_DB when SQLite had rolled it back after
 * an error; a failed commit is rolled back and noted. When to commit, and
 * what shares a commit, is the writer's (writer.h). */
enum rb_err store_pool_commit_write(struct store_pool *pool, struct store *w);

/* Readiness tells the truth about writes: a storage fault (disk full,
 * read-only database, I/O error) that a write met is kept until a later
 * write commits. note_write(err): a write failed with err (anything but a
 * storage fault is ignored), or committed (RB_OK: the fault is cleared).
 * write_fault answers the fault kept, RB_OK when none, and (at, optional,
 * UTIL_TIME_LEN bytes) when it happened. The writer's commits note
 * themselves; callers note failures met before the commit. */
void store_pool_note_write(struct store_pool *pool, enum rb_err err);
enum rb_err store_pool_write_fault(struct store_pool *pool, char *at);

enum rb_err store_begin(struct store *st, bool write);
/* BEGIN IMMEDIATE; wait false: fail at once (RB_ERR_BUSY) when another
 * connection holds the write lock, instead of waiting the busy timeout. */
enum rb_err store_begin_write(struct store *st, bool wait);
/* Whether a transaction is open: false after SQLite rolled one back on an
 * error (a full disk, say), which takes every savepoint with it. */
bool store_txn_open(struct store *st);
/* One request's (or one token use's) work within the open write
 * transaction: a savepoint, released to keep the work, or undone. */
enum rb_err store_savepoint(struct store *st);
enum rb_err store_savepoint_release(struct store *st);
void store_savepoint_undo(struct store *st); /* rolled back and released */
/* Commit, bumping the data version first when the transaction wrote. */
enum rb_err store_commit(struct store *st);
void store_rollback(struct store *st);
/* Mark the open write transaction as having changed reference data
 * (everything but updates and readings): both counters move at commit. */
void store_mark_changed(struct store *st);
/* Mark it as having changed updates or readings only, of items of the
 * plan year `year`: that year's reporting version moves at commit. */
void store_mark_reporting(struct store *st, const char *year);
/* Reporting version of a plan year: bumped by commits that change its
 * items' updates or readings (0 when never). */
enum rb_err store_reporting_version(struct store *st, const char *year, int64_t *out);
/* Counter bumped by commits that change reference data. */
enum rb_err store_reference_version(struct store *st, int64_t *out);
/* Monotonic counter bumped by every committed change. */
enum rb_err store_data_version(struct store *st, int64_t *out);
/* RB_OK when the database answers and its schema is this binary's. */
enum rb_err store_ready(struct store *st, const char **why);
/* Bytes the database uses: page_count * page_size. */
enum rb_err store_db_size(struct store *st, int64_t *bytes);
/* Checkpoint the WAL into the database file and truncate it. */
enum rb_err store_checkpoint(struct store *st);
/* The most recent SQLite error message of this connection. */
const char *store_errmsg(struct store *st);

/* ---- lists ------------------------------------------------------------- */

struct store_page {
  int limit;         /* 1..500 */
  const char *after; /* key decoded from the cursor, or NULL for page one */
};

/* Filters for priorities, milestones and KPIs: NULL / has_priority false
 * means "any". */
struct store_filter {
  const char *year;
  const char *group;
  bool has_priority;
  int64_t priority;
  const char *owner;
  const char *code;
};

/* Every list call answers *items (new array) and *next (malloc'd key to
 * encode into the next cursor, or NULL on the last page). */

/* ---- organisations ----------------------------------------------------- */
enum rb_err store_org_list(struct store *st, const struct store_page *pg, json_t **items,
                           char **next);
enum rb_err store_org_get(struct store *st, const char *code, json_t **out);
enum rb_err store_org_id(struct store *st, const char *code, int64_t *id);
enum rb_err store_org_insert(struct store *st, const json_t *in, const char *now, json_t **out);
enum rb_err store_org_update(struct store *st, const char *code, const json_t *in, const char *now,
                             json_t **out);
enum rb_err store_org_delete(struct store *st, const char *code);
/* Insert or update by code; an identical row is left untouched. */
enum rb_err store_org_upsert(struct store *st, const json_t *in, const char *now);

/* ---- transformation groups --------------------------------------------- */
enum rb_err store_group_list(struct store *st, const struct store_page *pg, json_t **items,
                             char **next);
enum rb_err store_group_get(struct store *st, const char *code, json_t **out);
enum rb_err store_group_id(struct store *st, const char *code, int64_t *id);
enum rb_err store_group_insert(struct store *st, const json_t *in, const char *now, json_t **out);
enum rb_err store_group_update(struct store *st, const char *code, const json_t *in,
                               const char *now, json_t **out);
enum rb_err store_group_delete(struct store *st, const char *code);
enum rb_err store_group_upsert(struct store *st, const json_t *in, const char *now);

/* ---- the plan year's dataset (store_dataset.c) -------------------------- */
/* Store the title of plan year `year`'s dataset file, imported at `now` by
 * `by`, replacing the one stored; the same title again changes nothing. */
enum rb_err store_dataset_put_title(struct store *st, const char *year, const char *title,
                                    const char *now, const char *by);
/* {"year", "title", "imported_at", "imported_by"} of plan year `year`;
 * RB_ERR_NOT_FOUND when no imported file of that year gave a title. */
enum rb_err store_dataset_get(struct store *st, const char *year, json_t **out);

/* ---- priorities ---------------------------------------------------------- */
enum rb_err store_priority_list(struct store *st, const struct store_filter *f,
                                const struct store_page *pg, json_t **items, char **next);
enum rb_err store_priority_get(struct store *st, int64_t id, json_t **out);
/* Id of the priority (year, group code, number), RB_ERR_NOT_FOUND if none. */
enum rb_err store_priority_find(struct store *st, const char *year, const char *group,
                                int64_t number, int64_t *id);
enum rb_err store_priority_insert(struct store *st, const json_t *in, const char *now,
                                  json_t **out);
enum rb_err store_priority_update(struct store *st, int64_t id, const json_t *in, const char *now,
                                  json_t **out);
enum rb_err store_priority_delete(struct store *st, int64_t id);
enum rb_err store_priority_upsert(struct store *st, const json_t *in, const char *now);

/* ---- milestones ---------------------------------------------------------- */
enum rb_err store_milestone_list(struct store *st, const struct store_filter *f,
                                 const struct store_page *pg, json_t **items, char **next);
enum rb_err store_milestone_get(struct store *st, int64_t id, json_t **out);
enum rb_err store_milestone_find(struct store *st, const char *year, const char *code, int64_t *id);
enum rb_err store_milestone_insert(struct store *st, const json_t *in, const char *now,
                                   json_t **out);
enum rb_err store_milestone_update(struct store *st, int64_t id, const json_t *in, const char *now,
                                   json_t **out);
enum rb_err store_milestone_delete(struct store *st, int64_t id);
/* Upsert by (year, code); *id receives the row's id. */
enum rb_err store_milestone_upsert(struct store *st, const json_t *in, const char *now,
                                   int64_t *id);

/* ---- KPIs ---------------------------------------------------------------- */
enum rb_err store_kpi_list(struct store *st, const struct store_filter *f,
                           const struct store_page *pg, json_t **items, char **next);
enum rb_err store_kpi_get(struct store *st, int64_t id, json_t **out);
enum rb_err store_kpi_find(struct store *st, const char *year, const char *code, int64_t *id);
enum rb_err store_kpi_insert(struct store *st, const json_t *in, const char *now, json_t **out);
enum rb_err store_kpi_update(struct store *st, int64_t id, const json_t *in, const char *now,
                             json_t **out);
enum rb_err store_kpi_delete(struct store *st, int64_t id);
enum rb_err store_kpi_upsert(struct store *st, const json_t *in, const char *now, int64_t *id);

/* ---- tokens ---------------------------------------------------------------- */
struct store_token {
  int64_t id;
  char role[16];
  char name[129];
  int64_t org_id; /* 0 when none */
  char org[65];
  unsigned char hash[32];
  bool revoked;
  char last_used[32]; /* "" when never used */
};
/* Create a token row; the caller made the secret and passes its hash. */
enum rb_err store_token_insert(struct store *st, const char *name, const char *role,
                               const char *org, const unsigned char hash[32], const char *now,
                               json_t **out);
enum rb_err store_token_load(struct store *st, int64_t id, struct store_token *out);
/* Whether token id is revoked (or gone): the cheap check of a token
 * authenticated earlier. */
enum rb_err store_token_revoked(struct store *st, int64_t id, bool *revoked);
enum rb_err store_token_list(struct store *st, const struct store_page *pg, json_t **items,
                             char **next);
enum rb_err store_token_get(struct store *st, int64_t id, json_t **out);
enum rb_err store_token_revoke(struct store *st, int64_t id, const char *now, json_t **out);
enum rb_err store_token_touch(struct store *st, int64_t id, const char *now);

/* ---- quarterly reporting ------------------------------------------------------
 * A milestone update or KPI reading is one per (item, quarter). put creates
 * or replaces; with touch false an identical row is left as it was (the
 * importer's and the API's idempotence: nothing is written, updated_at and
 * updated_by keep the last real change), with touch true they move. */
enum rb_err store_update_list(struct store *st, int64_t milestone_id, json_t **items);
enum rb_err store_update_get(struct store *st, int64_t milestone_id, const char *quarter,
                             json_t **out);
/* changed (optional): whether the row was inserted or altered. */
enum rb_err store_update_put(struct store *st, int64_t milestone_id, const char *quarter,
                             const char *status, const char *comment, const char *by,
                             const char *now, bool touch, bool *changed);
enum rb_err store_update_delete(struct store *st, int64_t milestone_id, const char *quarter);

/* value_json: a JSON number or NULL/json null. */
enum rb_err store_reading_list(struct store *st, int64_t kpi_id, json_t **items);
enum rb_err store_reading_get(struct store *st, int64_t kpi_id, const char *quarter, json_t **out);
/* Insert or update a reading; with touch false an unchanged reading is left
 * alone. out (optional): the stored reading as store_reading_get answers it
 * (new reference), or NULL when nothing changed. */
enum rb_err store_reading_put(struct store *st, int64_t kpi_id, const char *quarter,
                              const json_t *value, const char *value_text, const char *rating,
                              const char *comment, const char *by, const char *now, bool touch,
                              json_t **out);
enum rb_err store_reading_delete(struct store *st, int64_t kpi_id, const char *quarter);

/* ---- monthly values (KPIs with frequency "monthly") -----------------------------
 * One per (KPI, month "YYYY-MM"); quarter: the month's quarter (period.h).
 * As readings: put creates or replaces; with touch false an identical row
 * is left alone (out NULL); out (optional): the stored row as get answers
 * it ({"id", "kpi_id", "kpi_code", "month", "quarter", "value",
 * "value_text", "comment", "created_at", "updated_at", "updated_by"}). */
enum rb_err store_month_list(struct store *st, int64_t kpi_id, json_t **items);
enum rb_err store_month_get(struct store *st, int64_t kpi_id, const char *month, json_t **out);
enum rb_err store_month_put(struct store *st, int64_t kpi_id, const char *month,
                            const char *quarter, const json_t *value, const char *value_text,
                            const char *comment, const char *by, const char *now, bool touch,
                            json_t **out);
enum rb_err store_month_delete(struct store *st, int64_t kpi_id, const char *month);

/* ---- KPI series across plan years (series.h) ------------------------------------ */
struct series;
/* The KPI that KPI id continues and the KPI that continues it (0: none). */
enum rb_err store_kpi_links(struct store *st, int64_t id, int64_t *continues,
                            int64_t *continued_by);
/* "YYYY-YY CODE" of KPI id, for messages. */
enum rb_err store_kpi_label(struct store *st, int64_t id, char *out, size_t cap);
/* The chain of KPI id into s->members, oldest first; *self: id's index. */
enum rb_err store_kpi_chain(struct store *st, int64_t id, struct series *s, size_t *self);
/* The series of KPI id (s is the caller's, zeroed here; series_free it):
 * its chain, and the chain's quarterly readings or (monthly) monthly
 * values by the ownership rule of series.h, rated (series_rate). */
enum rb_err store_series_load(struct store *st, int64_t id, bool monthly, struct series *s);
/* The latest point of the series of KPI id before period (a quarter, or a
 * month when monthly) that has a value: the stored reading (as
 * store_reading_get answers it) or monthly value, from whichever KPI of
 * the chain owns it; *out NULL when there is none. */
enum rb_err store_series_previous(struct store *st, int64_t id, const char *period, bool monthly,
                                  json_t **out);

struct rag_rule;
/* The RAG rule of a KPI at a quarter: the quarter's target when it has
 * one, else the KPI's. */
enum rb_err store_kpi_rule(struct store *st, int64_t kpi_id, const char *quarter,
                           struct rag_rule *out);
/* store_kpi_brief and store_kpi_rule in one lookup, for a write that needs
 * both. quarter must be a valid quarter id. */
enum rb_err store_kpi_brief_rule(struct store *st, int64_t id, const char *quarter, json_t **out,
                                 struct rag_rule *rule);

/* The items of the quarter's plan year and whether each has an update or
 * reading for it: [{"type", "id", "code", "group", "owner", "owner_name",
 * "description", "updated_at" (of the update or reading; null when none),
 * "provided"}], milestones then KPIs, in id order. */
enum rb_err store_completeness(struct store *st, const char *quarter, json_t **items);

/* The id and owner of the milestone (kpi false) or KPI with `code` in plan
 * year `year`, in one lookup: owner receives the owning organisation's code
 * ("" when none). RB_ERR_NOT_FOUND when there is no such item. */
#define STORE_CODE_LEN 65 /* codes are at most 64 bytes */
enum rb_err store_item_owner(struct store *st, bool kpi, const char *year, const char *code,
                             int64_t *id, char owner[STORE_CODE_LEN]);

/* ---- spreadsheet returns (store_returns.c) ---------------------------------- */

/* The item a return's row names. */
struct store_item_ref {
  int64_t id;
  char code[STORE_CODE_LEN];  /* as stored (the row's may differ in case) */
  char owner[STORE_CODE_LEN]; /* the owning organisation's code, "" when none */
  bool percent;               /* a KPI measured in percent (unit "percent" or "%") */
  bool monthly;               /* a KPI with frequency "monthly" (takes monthly values) */
};
/* The milestone (kpi false) or KPI of plan year `year` with `code`: the
 * exact code, else the one code that differs from it only in the case of
 * ASCII letters. RB_ERR_NOT_FOUND: none; RB_ERR_CONFLICT: two or more
 * differ only in case (never picked). */
enum rb_err store_item_find(struct store *st, bool kpi, const char *year, const char *code,
                            struct store_item_ref *out);
/* Every item code of plan year `year`: [{"kind": "milestone"|"kpi", "code"}]. */
enum rb_err store_item_codes(struct store *st, const char *year, json_t **out);
/* The items organisation `org` owns in plan year `year`, milestones then
 * KPIs in the plan's order, with their figures for quarter `last`:
 * [{"kind", "code", "description", "target" (text or number), "unit",
 * "percent" (0/1), "last_status", "last_value", "last_value_text",
 * "last_comment"}], nulls where there is nothing. */
enum rb_err store_template_items(struct store *st, const char *year, const char *org,
                                 const char *last, json_t **out);
/* How many items organisation `org` owns, per plan year:
 * [{"year", "milestones", "kpis"}] in year order. */
enum rb_err store_owned_counts(struct store *st, const char *org, json_t **out);

/* ---- quarters ------------------------------------------------------------------ */
enum rb_err store_quarter_list(struct store *st, json_t **items);
/* A quarter never stored answers its defaults: no dates, and closed (only
 * admins write it) until the performance team sets it up. Otherwise a
 * submitter could write, say, the Q4 before a plan year, which the Q1
 * report compares with, after that report was locked. */
enum rb_err store_quarter_get(struct store *st, const char *id, json_t **out);
/* Only the quarter's state ("closed" for a quarter never stored). */
#define STORE_STATE_LEN 16
enum rb_err store_quarter_state(struct store *st, const char *id, char state[STORE_STATE_LEN]);
/* Set the fields present in `in` (delivery_team_date, place_board_date,
 * state); absent ones keep their value. A quarter stored for the first
 * time without a state is closed: only an explicit "open" opens it. */
enum rb_err store_quarter_put(struct store *st, const char *id, const json_t *in, const char *now,
                              json_t **out);

/* ---- summaries ------------------------------------------------------------------ */
struct summary_input;
struct store_summary;
/* Load everything the summary of `quarter` needs: the items of its plan
 * year with their status for the quarter. Free with store_summary_free. */
enum rb_err store_summary_load(struct store *st, const char *quarter, struct store_summary **out);
/* The same for the items of plan year `year` (YYYY-YY) rated at `quarter`,
 * which may lie before it: a plan year's items carry their position at the
 * last quarter of the year before (the report's "Q4 17/18" column). For
 * comparisons: the items carry no texts (code, description, comment and
 * value_text are NULL) and KPIs no priority numbers, which counts and
 * headlines never read. */
enum rb_err store_summary_load_year(struct store *st, const char *year, const char *quarter,
                                    struct store_summary **out);
/* store_summary_load with each item's travel since the previous quarter
 * (summary_input.trends): a KPI's direction of travel in its series, a
 * milestone's status change. */
enum rb_err store_summary_load_trends(struct store *st, const char *quarter,
                                      struct store_summary **out);
/* The KPIs alone of quarter's plan year (no milestones, texts or priority
 * numbers) with their direction of travel: what the board report's detail
 * shows. */
enum rb_err store_summary_load_kpi_travel(struct store *st, const char *quarter,
                                          struct store_summary **out);
const struct summary_input *store_summary_input(const struct store_summary *s);
void store_summary_free(struct store_summary *s); /* NULL is a no-op */
/* Index of group `code` in the summary's groups, or -1. */
long store_summary_group(const struct store_summary *s, const char *code);

/* ---- the board report ------------------------------------------------------------ */
/* Plan year `year`'s framework as the board report's input takes it
 * (report_model.h: the import format's shape, with ids): {"groups": every
 * group, with its chairs; "priorities"; "quarters": the year's schedule
 * (meeting dates); "milestones" with their "updates" and "kpis" (with
 * "priorities", "quarterly_targets", "tolerance") with their "readings",
 * of the quarters the report shows only: the year before's Q4 to `upto`
 * (a quarter id: the report's)}. RB_ERR_NOT_FOUND when the year has no
 * priorities and no items (there is no such plan year to report on). */
enum rb_err store_report_year(struct store *st, const char *year, const char *upto, json_t **out);
/* Whether plan year `year` has anything to report (priorities or items). */
enum rb_err store_report_exists(struct store *st, const char *year, bool *exists);
/* The audit trail's last entry, its id and hash (64 hex digits), read
 * without walking the chain: a report's provenance, the anchor that
 * /api/v1/audit/verify checks later. RB_ERR_NOT_FOUND when the trail is
 * empty. */
enum rb_err store_audit_head(struct store *st, int64_t *id, char hash[65]);

/* ---- audit trail ---------------------------------------------------------------
 * Append-only (triggers refuse UPDATE and DELETE) and chained: each entry
 * stores prev_hash (the previous entry's hash) and its own hash. A keyed
 * entry's hash is HMAC-SHA-256, under a key kept outside the database
 * (audit_key.h), of a typed encoding of every column: whoever can edit the
 * database file cannot re-sign it. Entries written before the trail was
 * keyed (and by a store given no keys) hold SHA-256(previous hash ||
 * canonical JSON of the entry) instead; the first keyed entry seals them. */
/* Only id, year, code and owner of a KPI or milestone (and a KPI's
 * frequency): what the write paths of updates, readings and monthly values
 * need, without the full item's joins. */
enum rb_err store_kpi_brief(struct store *st, int64_t id, json_t **out);
enum rb_err store_milestone_brief(struct store *st, int64_t id, json_t **out);

struct audit_keyring;
/* The keys this connection signs and verifies with (borrowed, kept by the
 * caller while the store lives); NULL: none, the trail must not be keyed. */
void store_set_audit_keys(struct store *st, const struct audit_keyring *keys);
/* The same for every connection of a pool. */
void store_pool_set_audit_keys(struct store_pool *pool, const struct audit_keyring *keys);

struct store_audit {
  const char *at;
  int64_t actor_id; /* 0 for the command line */
  const char *actor_name;
  const char *actor_role;
  const char *actor_org; /* NULL when none */
  const char *action;
  const char *entity;
  int64_t entity_id; /* 0 when none */
  const char *code;
  const char *quarter;
  const json_t *before; /* borrowed; NULL when none */
  const json_t *after;
  /* Optional: after's canonical text (api_canonical), when the caller has
   * it already; NULL: made from after. */
  const char *after_text;
  const char *request_id;
};
/* Append an entry, signed with the key that signs the trail now. Refused
 * (RB_ERR_SCHEMA) when the trail is keyed and that key is not among the
 * store's keys, or when the store has keys and the trail is not keyed yet
 * (store_audit_key_trail): never an unkeyed entry after a keyed one. */
enum rb_err store_audit_append(struct store *st, const struct store_audit *e);
/* The text an unkeyed entry's hash covers (e->before/after ignored: their
 * texts are given, NULL for none). New string, NULL when out of memory. For
 * tests. */
char *store_audit_canonical(int64_t id, const struct store_audit *e, const char *before_text,
                            const char *after_text);

/* How the trail is signed. */
struct store_audit_keying {
  int64_t entries; /* in the trail (the last entry's id) */
  bool keyed;      /* some entry is keyed */
  char signer[17]; /* keyed: the id of the key that signs the next entry ("" when the last
                    * entry is not keyed: the trail was tampered with, none may sign) */
};
enum rb_err store_audit_keying(struct store *st, struct store_audit_keying *out);
/* Key the trail with the newest of the store's keys, in a write
 * transaction, if it is not keyed yet: an empty trail over no data starts
 * keyed with its first entry (nothing written); otherwise an "audit.keyed"
 * entry signed with the key seals the unkeyed entries before it and records
 * the state of updates, readings and items then (the baseline of the state
 * check). who: at, actor and request of that entry. *wrote: an entry was
 * written. */
enum rb_err store_audit_key_trail(struct store *st, const struct store_audit *who, bool *wrote);
/* Switch the trail to the newest of the store's keys: an "audit.rotate-key"
 * entry, signed with the key that signed so far, names it (and records the
 * state baseline under it); every later entry is signed with it.
 * RB_ERR_CONFLICT when the trail is not keyed or that key signs already. */
enum rb_err store_audit_rotate(struct store *st, const struct store_audit *who);
/* Which key signs the trail of the database file at path, whatever its
 * schema version (for `ragboard restore`, before it replaces anything):
 * *keyed false when no entry is keyed. */
enum rb_err store_audit_file_signer(const char *path, char signer[17], bool *keyed);
/* The append-only triggers that are missing or not as migrated: a new JSON
 * array of their names (empty when both are in place). */
enum rb_err store_audit_guards(struct store *st, json_t **missing);

struct store_audit_filter {
  const char *since; /* at >= since (RFC 3339 or a date) */
  const char *until; /* at < until */
  bool has_actor;
  int64_t actor;
  const char *organisation;
  const char *entity;
  const char *code;
  const char *quarter;
  const char *action;
};
/* One page of entries. An entry whose stored values are not what ragboard
 * writes (a BLOB, a NUL byte, text that is not UTF-8 or not JSON) is
 * listed as stored, with "altered": true and "problems". */
enum rb_err store_audit_list(struct store *st, const struct store_audit_filter *f,
                             const struct store_page *pg, json_t **items, char **next);

struct store_audit_check {
  int64_t anchor_id;       /* > 0: entry anchor_id must still have anchor_hash */
  const char *anchor_hash; /* 64 hex digits */
  bool state;              /* also reconcile the stored data with the trail */
};
/* Verify the trail from its first entry, with the store's keys: links,
 * hashes and MACs, which key signs where, the stored types and bytes of
 * every entry, the append-only triggers, the anchor, and with o->state the
 * state check (store_audit_reconcile). *out: the verdict, shaped as
 * GET /api/v1/audit/verify answers it. */
enum rb_err store_audit_verify(struct store *st, const struct store_audit_check *o, json_t **out);
/* The state check: the after-image of the last audited write of every
 * milestone update, KPI reading, milestone and KPI is what is stored now,
 * and what no entry records one by one (what imports created) sums to what
 * the trail's baseline and imports recorded. *out: the "state" member of
 * the verdict. */
enum rb_err store_audit_reconcile(struct store *st, json_t **out);
/* The after-image of an import's "import" entry: a copy of its counts with
 * "created": the sums of the rows the import created (created_at = at),
 * per bucket, under the key that signs the trail now: {"bucket": hex}. */
enum rb_err store_audit_import_after(struct store *st, const char *at, const json_t *counts,
                                     json_t **out);

#endif
