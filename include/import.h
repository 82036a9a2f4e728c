/* The dataset importer (format icp-performance-dataset/1, see
 * data/dataset.schema.json): used by `ragboard import` and POST
 * /api/v1/import. */
#ifndef RAGBOARD_IMPORT_H
#define RAGBOARD_IMPORT_H

#include <jansson.h>

#include "error.h"
#include "store.h"

/* Upsert everything `doc` holds by natural key, inside the caller's write
 * transaction; nothing the file does not mention is deleted. Every problem
 * is appended to errors as {"field": JSON path, "message"}, and then the
 * result is RB_ERR_INVALID: the caller must roll back. On RB_OK *counts
 * (new) says how many of each kind the file held. */
enum rb_err import_dataset(struct store *st, json_t *doc, const char *now, const char *updated_by,
                           json_t *errors, json_t **counts);

#endif
