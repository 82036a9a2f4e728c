#include "jsonv.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarter.h"

/* Length of the well-formed UTF-8 sequence at s (as jansson checks it: no
 * overlong forms, surrogates or code points past U+10FFFF), 0 if none. */
static size_t
utf8_sequence(const unsigned char *s, size_t len)
{
  size_t n;
  unsigned cp;

  if (s[0] < 0x80)
    return 1;
  if (s[0] >= 0xc2 && s[0] <= 0xdf)
    n = 2, cp = s[0] & 0x1fu;
  else if (s[0] >= 0xe0 && s[0] <= 0xef)
    n = 3, cp = s[0] & 0x0fu;
  else if (s[0] >= 0xf0 && s[0] <= 0xf4)
    n = 4, cp = s[0] & 0x07u;
  else
    return 0;
  if (len < n)
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3fu);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
      (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return n;
}

bool
jv_utf8_valid(const char *s, size_t len)
{
  for (size_t i = 0, n; i < len; i += n)
    if ((n = utf8_sequence((const unsigned char *)s + i, len - i)) == 0)
      return false;
  return true;
}

void
jv_utf8_clean(char *s)
{
  size_t len = strlen(s);

  for (size_t i = 0, n; i < len; i += n)
    if ((n = utf8_sequence((unsigned char *)s + i, len - i)) == 0) {
      s[i] = '?';
      n = 1;
    }
}

void
jv_error(json_t *errors, const char *prefix, const char *field, const char *fmt, ...)
{
  char name[256], msg[512];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (prefix != NULL && prefix[0] != '\0')
    snprintf(name, sizeof(name), "%s%s%s", prefix, field[0] == '[' ? "" : ".", field);
  else
    snprintf(name, sizeof(name), "%s", field);
  /* Client bytes, or a cut in the middle of a character, must not make
   * json_pack fail and the error silently disappear. */
  jv_utf8_clean(name);
  jv_utf8_clean(msg);
  json_array_append_new(errors, json_pack("{s:s, s:s}", "field", name, "message", msg));
}

bool
jv_has_error(const json_t *errors, const char *field)
{
  size_t i;
  json_t *e;

  json_array_foreach((json_t *)errors, i, e)
  {
    const char *f = json_string_value(json_object_get(e, "field"));

    if (f != NULL && strcmp(f, field) == 0)
      return true;
  }
  return false;
}

static bool
has_control(const char *s, bool allow_newlines)
{
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == 0x7f)
      return true;
    if (*p < 0x20 && !(allow_newlines && (*p == '\n' || *p == '\r' || *p == '\t')))
      return true;
  }
  return false;
}

static bool
blank(const char *s)
{
  for (; *s; s++)
    if (!isspace((unsigned char)*s))
      return false;
  return true;
}

static const char *
check_text(const json_t *v, unsigned flags)
{
  const char *s;

  if (!json_is_string(v))
    return "must be a string";
  s = json_string_value(v);
  if (strlen(s) != json_string_length(v))
    return "must not contain NUL characters";
  if (json_string_length(v) > JV_MAX_TEXT)
    return "is longer than 10000 bytes";
  if (has_control(s, true))
    return "must not contain control characters";
  if ((flags & JV_NONEMPTY) && blank(s))
    return "must not be empty";
  return NULL;
}

const char *
jv_check_key(const char *s, size_t len)
{
  if (len == 0 || len > JV_MAX_CODE || strlen(s) != len)
    return "must be 1 to 64 characters";
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
      return "may contain only letters, digits, '_', '-' and '.'";
  return NULL;
}

const char *
jv_check_value(const json_t *v, enum jv_kind kind, unsigned flags, const char *const *choices)
{
  const char *s, *msg;
  size_t len, i;
  json_t *item;
  int start;
  struct quarter q;

  switch (kind) {
  case JV_KEY:
    if (!json_is_string(v))
      return "must be a string";
    return jv_check_key(json_string_value(v), json_string_length(v));
  case JV_CODE:
    if (!json_is_string(v))
      return "must be a string";
    s = json_string_value(v);
    len = json_string_length(v);
    if (len == 0 || len > JV_MAX_CODE || strlen(s) != len)
      return "must be 1 to 64 characters";
    if (has_control(s, false))
      return "must not contain control characters";
    if (isspace((unsigned char)s[0]) || isspace((unsigned char)s[len - 1]))
      return "must not start or end with white space";
    return NULL;
  case JV_TEXT:
    return check_text(v, flags);
  case JV_INT:
    /* a whole decimal left here is past 2^53: an integer, out of range */
    if (json_is_real(v) && isfinite(json_real_value(v)) &&
        json_real_value(v) == floor(json_real_value(v)))
      return "must be between 1 and 1000000";
    if (!json_is_integer(v))
      return "must be an integer";
    if (json_integer_value(v) < 1 || json_integer_value(v) > 1000000)
      return "must be between 1 and 1000000";
    return NULL;
  case JV_NUMBER:
    if (!json_is_number(v))
      return "must be a number";
    if (!isfinite(json_number_value(v)) || fabs(json_number_value(v)) > 1e15)
      return "must be a finite number no larger than 1e15 in magnitude";
    return NULL;
  case JV_TEXT_LIST:
    if (!json_is_array(v))
      return "must be an array of strings";
    if (json_array_size(v) > 100)
      return "must have at most 100 items";
    json_array_foreach(v, i, item)
    {
      msg = check_text(item, JV_NONEMPTY);
      if (msg != NULL)
        return "must be an array of non-empty strings";
    }
    return NULL;
  case JV_INT_LIST:
    if (!json_is_array(v) || json_array_size(v) == 0)
      return "must be a non-empty array of integers";
    if (json_array_size(v) > 100)
      return "must have at most 100 items";
    json_array_foreach(v, i, item)
    {
      if (!json_is_integer(item) || json_integer_value(item) < 1 ||
          json_integer_value(item) > 1000000)
        return "must be an array of integers from 1";
      for (size_t j = 0; j < i; j++)
        if (json_integer_value(json_array_get(v, j)) == json_integer_value(item))
          return "must not repeat a number";
    }
    return NULL;
  case JV_ENUM:
    if (!json_is_string(v))
      return "must be a string";
    for (const char *const *c = choices; c != NULL && *c != NULL; c++)
      if (strcmp(*c, json_string_value(v)) == 0)
        return NULL;
    return "is not one of the allowed values";
  case JV_YEAR:
    if (!json_is_string(v))
      return "must be a string";
    return quarter_parse_year(json_string_value(v), &start);
  case JV_QUARTER:
    if (!json_is_string(v))
      return "must be a string";
    return quarter_parse(json_string_value(v), &q);
  case JV_DATE:
    if (!json_is_string(v))
      return "must be a string";
    return quarter_parse_date(json_string_value(v));
  case JV_OBJECT:
    if (!json_is_object(v))
      return "must be an object";
    return NULL;
  }
  return "has an unknown kind";
}

static void
enum_message(char *buf, size_t cap, const char *const *choices)
{
  size_t used = (size_t)snprintf(buf, cap, "must be one of");

  for (const char *const *c = choices; c != NULL && *c != NULL && used < cap; c++)
    used += (size_t)snprintf(buf + used, cap - used, "%s %s", c == choices ? "" : ",", *c);
}

/* A whole number written with a fraction or exponent (3.0, 3e0) as the
 * integer it is, or NULL: JSON Schema, which the contract is written in,
 * counts 3.0 as an integer, and some clients (Python floats, spreadsheets)
 * write integers that way. Past 2^53 a double no longer says which integer
 * was meant, so those stay decimals (and are refused). */
static json_t *
whole_number(const json_t *v)
{
  double d;

  if (!json_is_real(v))
    return NULL;
  d = json_real_value(v);
  if (!(fabs(d) <= 9007199254740992.0) || d != floor(d))
    return NULL;
  return json_integer((json_int_t)d);
}

/* Integer members and integer list items written as whole decimals become
 * integers, in place, before they are checked and read. */
static void
integers_in_place(json_t *obj, const struct jv_field *f)
{
  json_t *v = json_object_get(obj, f->name), *item, *whole;
  size_t i;

  if (f->kind == JV_INT && (whole = whole_number(v)) != NULL) {
    json_object_set_new(obj, f->name, whole);
  } else if (f->kind == JV_INT_LIST && json_is_array(v)) {
    json_array_foreach(v, i, item)
    {
      if ((whole = whole_number(item)) != NULL)
        json_array_set_new(v, i, whole);
    }
  }
}

size_t
jv_check(json_t *obj, const struct jv_field *fields, size_t n, const char *prefix, json_t *errors)
{
  size_t before = json_array_size(errors);
  const char *key;
  json_t *v;

  json_object_foreach(obj, key, v)
  {
    bool known = false;

    for (size_t i = 0; i < n && !known; i++)
      known = strcmp(fields[i].name, key) == 0;
    if (!known)
      jv_error(errors, prefix, key, "is not a known field");
  }
  for (size_t i = 0; i < n; i++) {
    const struct jv_field *f = &fields[i];
    const char *msg;

    integers_in_place(obj, f);
    v = json_object_get(obj, f->name);
    if (v == NULL || json_is_null(v)) {
      if (f->flags & JV_REQUIRED)
        jv_error(errors, prefix, f->name, "is required");
      else if (v != NULL && !(f->flags & JV_NULLABLE))
        jv_error(errors, prefix, f->name, "must not be null");
      continue;
    }
    msg = jv_check_value(v, f->kind, f->flags, f->choices);
    if (msg != NULL) {
      char buf[256];

      if (f->kind == JV_ENUM && strcmp(msg, "is not one of the allowed values") == 0) {
        enum_message(buf, sizeof(buf), f->choices);
        msg = buf;
      }
      jv_error(errors, prefix, f->name, "%s", msg);
    }
  }
  return json_array_size(errors) - before;
}

int
jv_depth(const char *text, size_t len, int stop)
{
  int depth = 0, max = 0;
  bool in_string = false, escaped = false;

  for (size_t i = 0; i < len; i++) {
    char c = text[i];

    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max) {
        max = depth;
        if (max > stop)
          return max;
      }
    } else if (c == ']' || c == '}') {
      depth--;
    }
  }
  return max;
}

double
jv_round15(double v)
{
  char buf[40];

  if (!isfinite(v))
    return v;
  snprintf(buf, sizeof(buf), "%.15g", v);
  return strtod(buf, NULL);
}

void
jv_round_reals(json_t *v)
{
  const char *key;
  json_t *child;
  size_t i;

  if (json_is_real(v)) {
    json_real_set(v, jv_round15(json_real_value(v)));
  } else if (json_is_object(v)) {
    json_object_foreach(v, key, child) jv_round_reals(child);
  } else if (json_is_array(v)) {
    json_array_foreach(v, i, child) jv_round_reals(child);
  }
}
