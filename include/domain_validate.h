/* Validation of each resource, shared by the handlers and the importer.
 * Each checks a whole representation `obj` (fields, formats, and that what
 * it refers to exists), appending {"field", "message"} problems to errors
 * with names prefixed by prefix. Returns the number of problems added. */
#ifndef RAGBOARD_DOMAIN_VALIDATE_H
#define RAGBOARD_DOMAIN_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "rag.h"
#include "store.h"

size_t domain_validate_org(json_t *obj, const char *prefix, json_t *errors);
size_t domain_validate_group(json_t *obj, const char *prefix, json_t *errors);
size_t domain_validate_priority(struct store *st, json_t *obj, const char *prefix, json_t *errors);
size_t domain_validate_milestone(struct store *st, json_t *obj, const char *prefix, json_t *errors);
/* Also sorts obj["priorities"] in place when valid, so stored links
 * compare equal. */
size_t domain_validate_kpi(struct store *st, json_t *obj, const char *prefix, json_t *errors);

/* A KPI's series fields (domain_series.c), checked by
 * domain_validate_kpi: "continues" ({"year", "code"} of an existing KPI of
 * an earlier plan year), "spc" (series.h's settings). */
size_t domain_check_kpi_series(struct store *st, json_t *obj, const char *prefix, json_t *errors);
/* What needs the KPI's own id (0 for a new one), after
 * domain_validate_kpi: that "continues" makes no cycle (the KPI would
 * continue itself through the chain) and names a KPI no other KPI
 * continues already (a series is a chain). */
size_t domain_validate_kpi_chain(struct store *st, int64_t self, const json_t *obj,
                                 const char *prefix, json_t *errors);

/* A monthly value's body (value, value_text, comment). */
size_t domain_validate_month(json_t *obj, json_t *errors);

/* A milestone update's body (status, comment): *status receives the
 * parsed status when it is valid. */
size_t domain_validate_update(json_t *obj, json_t *errors, enum rag_status *status);
/* A KPI reading's body (value, value_text, rating, comment): *rating
 * receives the parsed rating (RAG_NONE when none is given). */
size_t domain_validate_reading(json_t *obj, json_t *errors, enum rag_status *rating);

#endif
