/* Error codes shared by every layer, and the one table that maps them to
 * HTTP statuses and RFC 9457 problem types. */
#ifndef RAGBOARD_ERROR_H
#define RAGBOARD_ERROR_H

enum rb_err {
  RB_OK = 0,
  RB_ERR_NOMEM,        /* allocation failed */
  RB_ERR_BAD_REQUEST,  /* malformed request: bad query parameter, bad cursor */
  RB_ERR_BAD_JSON,     /* body is not JSON, or has duplicate keys */
  RB_ERR_INVALID,      /* well-formed but fails validation (422) */
  RB_ERR_UNAUTHORIZED, /* no, unknown or revoked token */
  RB_ERR_FORBIDDEN,    /* valid token without the right */
  RB_ERR_NOT_FOUND,
  RB_ERR_METHOD,            /* known route, wrong method */
  RB_ERR_CONFLICT,          /* duplicate natural key, or still referenced */
  RB_ERR_WINDOW,            /* quarter closed or locked for this writer */
  RB_ERR_PRECONDITION,      /* If-Match did not match */
  RB_ERR_TOO_LARGE,         /* request body over the limit */
  RB_ERR_URI_TOO_LONG,      /* request line over the header limit */
  RB_ERR_HEADERS_TOO_LARGE, /* request line and headers over the limit */
  RB_ERR_UNSUPPORTED_MEDIA,
  RB_ERR_NOT_ACCEPTABLE, /* no representation the request's Accept takes (406) */
  RB_ERR_BUSY,           /* database locked or busy: try again */
  RB_ERR_FULL,           /* disk full */
  RB_ERR_READONLY,       /* database cannot be written */
  RB_ERR_SCHEMA,         /* database schema newer than this binary, or not migrated */
  RB_ERR_NOT_READY,      /* readiness: writes are failing (disk full, read-only, I/O) */
  RB_ERR_DB,             /* any other database failure */
  RB_ERR_IO,             /* file or socket failure outside the database */
  RB_ERR_INTERNAL,
  RB_ERR__COUNT
};

/* HTTP status for an error (500 for unknown values). */
unsigned rb_err_status(enum rb_err err);
/* Stable problem type URI, e.g. "urn:ragboard:problem:not-found". */
const char *rb_err_type(enum rb_err err);
/* Short human title, the same for every occurrence of the type. */
const char *rb_err_title(enum rb_err err);

#endif
