#include "error.h"

#include <stddef.h>

struct err_info {
  unsigned status;
  const char *type;
  const char *title;
};

/* The one mapping from error to HTTP status and problem type. Types are URNs:
 * stable identifiers clients can switch on, not links to fetch. */
static const struct err_info err_table[RB_ERR__COUNT] = {
  [RB_OK] = {200, "about:blank", "OK"},
  [RB_ERR_NOMEM] = {500, "urn:ragboard:problem:out-of-memory", "Out of memory"},
  [RB_ERR_BAD_REQUEST] = {400, "urn:ragboard:problem:bad-request", "Bad request"},
  [RB_ERR_BAD_JSON] = {400, "urn:ragboard:problem:malformed-json", "Malformed JSON"},
  [RB_ERR_INVALID] = {422, "urn:ragboard:problem:validation", "Validation failed"},
  [RB_ERR_UNAUTHORIZED] = {401, "urn:ragboard:problem:unauthorized", "Authentication required"},
  [RB_ERR_FORBIDDEN] = {403, "urn:ragboard:problem:forbidden", "Forbidden"},
  [RB_ERR_NOT_FOUND] = {404, "urn:ragboard:problem:not-found", "Not found"},
  [RB_ERR_METHOD] = {405, "urn:ragboard:problem:method-not-allowed", "Method not allowed"},
  [RB_ERR_CONFLICT] = {409, "urn:ragboard:problem:conflict", "Conflict"},
  [RB_ERR_WINDOW] = {409, "urn:ragboard:problem:quarter-not-open",
                     "Quarter not open for this write"},
  [RB_ERR_PRECONDITION] = {412, "urn:ragboard:problem:precondition-failed", "Precondition failed"},
  [RB_ERR_TOO_LARGE] = {413, "urn:ragboard:problem:too-large", "Request too large"},
  [RB_ERR_URI_TOO_LONG] = {414, "urn:ragboard:problem:uri-too-long", "Request target too long"},
  [RB_ERR_HEADERS_TOO_LARGE] = {431, "urn:ragboard:problem:headers-too-large",
                                "Request headers too large"},
  [RB_ERR_UNSUPPORTED_MEDIA] = {415, "urn:ragboard:problem:unsupported-media-type",
                                "Unsupported media type"},
  [RB_ERR_NOT_ACCEPTABLE] = {406, "urn:ragboard:problem:not-acceptable", "Not acceptable"},
  [RB_ERR_BUSY] = {503, "urn:ragboard:problem:busy", "Service busy"},
  [RB_ERR_FULL] = {507, "urn:ragboard:problem:storage-full", "Insufficient storage"},
  [RB_ERR_READONLY] = {503, "urn:ragboard:problem:read-only", "Storage is read-only"},
  [RB_ERR_SCHEMA] = {503, "urn:ragboard:problem:schema", "Database schema mismatch"},
  [RB_ERR_NOT_READY] = {503, "urn:ragboard:problem:not-ready", "Not ready"},
  [RB_ERR_DB] = {500, "urn:ragboard:problem:database", "Database error"},
  [RB_ERR_IO] = {500, "urn:ragboard:problem:io", "I/O error"},
  [RB_ERR_INTERNAL] = {500, "urn:ragboard:problem:internal", "Internal error"},
};

static const struct err_info *
err_lookup(enum rb_err err)
{
  if ((unsigned)err >= RB_ERR__COUNT || err_table[err].type == NULL)
    return &err_table[RB_ERR_INTERNAL];
  return &err_table[err];
}

unsigned
rb_err_status(enum rb_err err)
{
  return err_lookup(err)->status;
}

const char *
rb_err_type(enum rb_err err)
{
  return err_lookup(err)->type;
}

const char *
rb_err_title(enum rb_err err)
{
  return err_lookup(err)->title;
}
