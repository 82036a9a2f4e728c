/* The dataset importer (format icp-performance-dataset/1, see
 * data/dataset.schema.json): used by `ragboard import` and POST
 * /api/v1/import. */
#ifndef RAGBOARD_IMPORT_H
#define RAGBOARD_IMPORT_H

#include <jansson.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

/* How the importer audits what it changes: called, inside the import's
 * transaction, for every milestone update or KPI reading that was stored
 * before the import and that it changed, with action "update.import" or
 * "reading.import", entity "milestone_update" or "kpi_reading", the
 * milestone's or KPI's id and code, the quarter, and the row before and
 * after (borrowed; a reading annotated as GET answers it, its before under
 * the KPI's rule as it was before the import). Items of reference data it
 * changes (anything but updated_at) likewise, as "<entity>.import". What
 * the import creates is not audited one by one: the file holds it and the
 * import's own entry counts it, which keeps a first import of a large plan
 * year at full speed. Anything but RB_OK fails the import. */
struct import_audit {
  enum rb_err (*fn)(void *ctx, const char *action, const char *entity, int64_t id, const char *code,
                    const char *quarter, const json_t *before, const json_t *after);
  void *ctx;
  /* Optional, caller-owned, shared by every import_dataset call of one
   * transaction (the files of one command-line import): what they created.
   * A later file's change to it is part of its creation, not a change of
   * something stored: neither audited nor counted. NULL: this call only. */
  json_t *created;
};

/* Upsert everything `doc` holds by natural key, inside the caller's write
 * transaction; nothing the file does not mention is deleted. Every problem
 * is appended to errors as {"field": JSON path, "message"}, and then the
 * result is RB_ERR_INVALID: the caller must roll back. On RB_OK *counts
 * (new) says how many of each kind the file held, and under "changed" how
 * many stored updates, readings and items it changed (each audited through
 * `audit`). */
enum rb_err import_dataset(struct store *st, json_t *doc, const char *now, const char *updated_by,
                           const struct import_audit *audit, json_t *errors, json_t **counts);

#endif
