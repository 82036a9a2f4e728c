/* Problem details (RFC 9457): the one writer of application/problem+json
 * text, for the handlers' answers (api_problem) and for the HTTP layer's
 * own (framing, body limits, shutdown). Pure: no I/O, no clock, no
 * globals. */
#ifndef RAGBOARD_PROBLEM_H
#define RAGBOARD_PROBLEM_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"

/* The problem document for err, compact JSON and a trailing newline:
 * {"type", "title", "status" (from the one error table), "detail" (detail,
 * or the title when detail is NULL or empty), "errors" (field errors, only
 * on a 400 or a 422 and when there are any: a 409 for a closed quarter,
 * say, does not carry problems noted before it was found), "instance"
 * (urn:ragboard:request:<request_id>, when request_id is not NULL)}.
 * detail must be valid UTF-8. A new string (free) with its length in *len,
 * or NULL when out of memory. errors is borrowed. */
char *problem_json(enum rb_err err, const char *detail, const json_t *errors,
                   const char *request_id, size_t *len);
/* The same with "notes" (strings saying how the input was read, borrowed)
 * when notes is a non-empty array. */
char *problem_json_notes(enum rb_err err, const char *detail, const json_t *errors,
                         const json_t *notes, const char *request_id, size_t *len);

#endif
