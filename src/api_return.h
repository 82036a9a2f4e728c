/* A partner's return parsed into rows (api_return.c), shared by the
 * submission's precheck and handler (api_submission.c). Private to the
 * handlers. */
#ifndef RAGBOARD_API_RETURN_H
#define RAGBOARD_API_RETURN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "api_ctx.h"
#include "rag.h"

/* One row of a return, from JSON or CSV, normalised. Strings borrowed
 * from the parsed document. */
struct row {
  bool kpi;          /* a KPI's reading, or (month set) a monthly value */
  const char *month; /* a monthly value's month "YYYY-MM"; NULL for other rows */
  char where[48];    /* "milestones[3]", "months[0]" or "line[4]" for error field names */
  long index;        /* array index, or -1 */
  long line;         /* CSV line, or -1 */
  const char *code;
  const char *status; /* milestone status or KPI reported rating; may be NULL */
  json_t *value;      /* owned: number or NULL */
  const char *value_text;
  const char *comment;
  int64_t id;
  enum rag_status parsed;
};

/* A return parsed and checked by the precheck (api_submission_precheck,
 * on an HTTP worker), for the handler under the writer. */
struct parsed_return {
  json_t *doc, *keep; /* the JSON body, or the CSV's records: rows borrow from them */
  struct row *rows;
  size_t n;
};

/* The body's rows (JSON or CSV by its content type), the shape of each
 * checked: problems are noted as field errors, with the row's line or
 * index and kind. */
enum rb_err api_return_parse(struct api_ctx *c, struct parsed_return *pr);
/* Free a parsed return (void * so it can be a precheck's free callback);
 * NULL is a no-op. */
void api_return_free(void *pr);
/* Note a problem with row r's field. */
void api_return_row_error(struct api_ctx *c, const struct row *r, const char *field,
                          const char *msg);

#endif
