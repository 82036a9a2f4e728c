/* The importer's own (import.c, import_items.c): what one import carries
 * down to its items, and the helpers both files use. Private to them. */
#ifndef RAGBOARD_IMPORT_INT_H
#define RAGBOARD_IMPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"
#include "import.h"
#include "store.h"

/* What one import carries down to its items. */
struct import_run {
  struct store *st;
  const char *now, *by;
  json_t *locks; /* quarter -> true for the locked quarters */
  const struct import_audit *audit;
  json_t *created; /* keys of what this transaction created (see created_key) */
  /* created is shared with other files of the transaction: rows and items
   * are marked too. Within one file they cannot repeat (each code and
   * quarter is checked once), so a lone file marks only the few kinds
   * that can (organisations, groups, quarters, priorities): 90,000 keys
   * are not built for nothing. */
  bool shared;
  json_t *errors;
  json_int_t changed[4]; /* stored updates, readings, other items, monthly values changed */
};

#define LOCKED_MSG_TAIL "is locked (its report is approved): unlock it first"
#define LOCKED_MSG "is %s, which " LOCKED_MSG_TAIL

/* A storage failure at path, noted among the errors; false for RB_OK. */
bool import_storage_failed(enum rb_err err, const char *path, json_t *errors);
/* Whether key was seen before in this file (and now it is). */
bool import_seen_before(json_t *seen, const char *key);
/* What this transaction created, by entity, id and quarter (NULL: none). */
void import_mark_created(struct import_run *run, const char *entity, const char *id, const char *q);
bool import_was_created(const struct import_run *run, const char *entity, const char *id,
                        const char *q);
/* Audit a stored update (kpi false) or reading the import changed. */
void import_audit_change(struct import_run *run, bool kpi, int64_t id, const char *code,
                         const char *q, const json_t *before, const json_t *after,
                         const char *path);
/* Audit an item of reference data the import found stored and stored again. */
void import_audit_item(struct import_run *run, const char *entity, const char *key,
                       const char *code, const char *q, const json_t *before, const json_t *after,
                       const char *path);
/* A copy of item without `drop`, with the plan year set (new). */
json_t *import_with_year(json_t *item, const char *year, const char *drop);

/* One monthly value's shape (path names it): an object, its fields, a
 * month not seen before among its siblings; *key its month. */
bool import_month_ok(json_t *errors, json_t *m, json_t *seen, const char *path, int *key);
/* The monthly values of KPI id (import_months.c): monthly false refuses
 * any; existed: the KPI was stored before this import. */
void import_months(struct import_run *run, int64_t kpi_id, const char *code, bool monthly,
                   json_t *months, bool existed, const char *path);

/* The milestones (kpi false) or KPIs of array arr, with their updates or
 * readings, for plan year `year` (import_items.c). */
void import_items(struct import_run *run, json_t *arr, bool kpi, const char *year);

#endif
