/* The board report's model: one JSON document holding everything any
 * rendering of a quarter's report prints (doc/report-model.md describes
 * it; doc/report-model.schema.json is its schema). Pure: no I/O, no clock,
 * no globals.
 *
 * report_model_build takes the report's input, which is the plan year's
 * items in the import format's shape (groups, priorities, milestones with
 * their updates, KPIs with their readings) plus the quarter, the cover's
 * names and dates, the comparison figures and the provenance, and answers
 * the model: the counts and percentages come from summary.c (the code
 * behind /api/v1/summary, so a report and a summary cannot disagree), the
 * KPI ratings from rag.c, and every sentence from report_words.c. */
#ifndef RAGBOARD_REPORT_MODEL_H
#define RAGBOARD_REPORT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"

#define REPORT_MODEL_FORMAT "ragboard-report/1"

/* On RB_OK *model is a new reference. RB_ERR_INVALID: the input is not
 * one (why names the member, e.g. "milestones[3].updates[0].status: ...");
 * RB_ERR_NOT_FOUND: options.group names no group; RB_ERR_NOMEM. *model is
 * set only on RB_OK. The input is not changed. */
enum rb_err report_model_build(const json_t *input, json_t **model, char *why, size_t cap);

/* ---- reading a model (for the renderers) -------------------------------
 * Each answers NULL / the default when the member is missing or of
 * another type, so a renderer given any JSON prints what it can and never
 * crashes. */
const char *rm_str(const json_t *o, const char *key);
json_t *rm_obj(const json_t *o, const char *key);
json_t *rm_arr(const json_t *o, const char *key);
/* An integer member, or dflt. */
int64_t rm_int(const json_t *o, const char *key, int64_t dflt);
bool rm_bool(const json_t *o, const char *key, bool dflt);
/* Follow "a.b.c" through objects; NULL when a step is missing. */
json_t *rm_path(const json_t *o, const char *path);

#endif
