/* Declarative checks of JSON objects received from clients: every member
 * must be known, of the right type and format; each problem is appended to
 * an errors array as {"field", "message"} so one answer names every bad
 * field. Pure: no I/O. */
#ifndef RAGBOARD_JSONV_H
#define RAGBOARD_JSONV_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define JV_MAX_TEXT 10000 /* bytes of free text in one field */
#define JV_MAX_CODE 64

enum jv_kind {
  JV_KEY,       /* identifier used in URLs: 1..64 of [A-Za-z0-9_.-] */
  JV_CODE,      /* milestone / KPI code: 1..64 printable chars, trimmed */
  JV_TEXT,      /* free text up to JV_MAX_TEXT bytes */
  JV_INT,       /* integer from 1 to 1000000 */
  JV_NUMBER,    /* finite number no larger than 1e15 in magnitude */
  JV_TEXT_LIST, /* array of free text */
  JV_INT_LIST,  /* non-empty array of distinct integers >= 1 */
  JV_ENUM,      /* one of `choices` */
  JV_YEAR,      /* plan year YYYY-YY */
  JV_QUARTER,   /* quarter YYYY-YY-Qn */
  JV_DATE,      /* YYYY-MM-DD */
  JV_OBJECT,    /* any object; the caller checks inside */
};

#define JV_REQUIRED 1u /* must be present and not null */
#define JV_NULLABLE 2u /* null accepted (and means "none") */
#define JV_NONEMPTY 4u /* text must not be empty or blank */

struct jv_field {
  const char *name;
  enum jv_kind kind;
  unsigned flags;
  const char *const *choices; /* NULL-terminated, for JV_ENUM */
};

/* Check obj (which must be an object) against fields[0..n). Problems go to
 * `errors` with field names prefixed by `prefix` ("" or e.g. "kpis[3]").
 * Returns the number of problems added. Changes obj in one way: a JV_INT
 * member or JV_INT_LIST item written as a whole decimal (3.0) is replaced
 * by the integer, as JSON Schema reads it, so callers read integers. */
size_t jv_check(json_t *obj, const struct jv_field *fields, size_t n, const char *prefix,
                json_t *errors);

/* Numbers are kept to 15 significant digits, the precision answers are
 * written with: what a client reads back is what is stored, and a PUT of
 * the value it read is no change. jv_round15 rounds one number;
 * jv_round_reals every real in a parsed document, in place. */
double jv_round15(double v);
void jv_round_reals(json_t *v);

/* Append {"field": prefix + field, "message": ...} to errors. */
void jv_error(json_t *errors, const char *prefix, const char *field, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));
/* Whether errors (as jv_error fills it) already holds an entry for field. */
bool jv_has_error(const json_t *errors, const char *field);

/* Whether s[0..len) is well-formed UTF-8 (what jansson accepts in a string). */
bool jv_utf8_valid(const char *s, size_t len);
/* Replace, in place, each byte that is not part of well-formed UTF-8 by '?',
 * so text quoting client bytes (or cut mid-character) can go into JSON. */
void jv_utf8_clean(char *s);

/* Check one value against one kind (as jv_check does for a member). NULL when
 * valid, else a message. */
/* A JV_KEY as text (len bytes, NUL-terminated): NULL when well formed,
 * else the problem. For keys that arrive outside JSON (query parameters). */
const char *jv_check_key(const char *s, size_t len);
const char *jv_check_value(const json_t *v, enum jv_kind kind, unsigned flags,
                           const char *const *choices);

/* Largest nesting depth of arrays and objects in a JSON text, scanning
 * bytes without parsing (so a hostile body is refused before jansson
 * recurses into it). Stops counting past `stop`. */
int jv_depth(const char *text, size_t len, int stop);

#endif
