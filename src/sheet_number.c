/* Numbers in spreadsheet cells: how an XLSX number is shown, and what a
 * partner may write in a value cell (the rules are in sheet.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonv.h"
#include "sheet_int.h"

#define MAX_MAGNITUDE 1e15

/* %.15g is the whole rule: a decimal of at most 15 significant digits
 * (DBL_DIG) survives the trip to the nearest double and back through
 * %.15g, so when a cell's shortest round-trip decimal has 15 digits or
 * fewer %.15g prints exactly that (95.5, not 95.499999999999986); when it
 * needs 16 or 17 (0.1 + 0.2), Excel shows 15 and so does this. No loop of
 * trial precisions: one call per number cell, however many a file has. */
void
sheet_format_number(double v, char out[32])
{
  char buf[40];
  const char *e;

  if (!isfinite(v)) {
    out[0] = '\0';
    return;
  }
  if (v == 0) {
    strcpy(out, "0");
    return;
  }
  snprintf(buf, sizeof(buf), "%.15g", v);
  e = strchr(buf, 'e');
  if (e != NULL) {
    int exp10 = atoi(e + 1), digits = 0;

    for (const char *c = buf; c < e; c++)
      digits += *c >= '0' && *c <= '9';
    if (exp10 >= -9 && exp10 < 15) { /* 1e-05 as Excel shows it: 0.00001 */
      int decimals = digits - 1 - exp10;
      size_t n;

      snprintf(buf, sizeof(buf), "%.*f", decimals > 0 ? decimals : 0, v);
      n = strlen(buf);
      if (strchr(buf, '.') != NULL) {
        while (buf[n - 1] == '0')
          buf[--n] = '\0';
        if (buf[n - 1] == '.')
          buf[--n] = '\0';
      }
    }
  }
  snprintf(out, 32, "%s", buf);
}

/* ---- shapes of a value ---------------------------------------------------------- */

static bool
digit(char c)
{
  return c >= '0' && c <= '9';
}

/* sign? (digits (. digits*)? | . digits) ([eE] sign? digits)?, all of s */
static bool
decimal_grammar(const char *s, size_t len)
{
  size_t i = 0, before = 0, after = 0;

  if (i < len && (s[i] == '+' || s[i] == '-'))
    i++;
  while (i < len && digit(s[i]))
    i++, before++;
  if (i < len && s[i] == '.')
    for (i++; i < len && digit(s[i]); i++)
      after++;
  if (before == 0 && after == 0)
    return false;
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    size_t e = 0;

    i++;
    if (i < len && (s[i] == '+' || s[i] == '-'))
      i++;
    while (i < len && digit(s[i]))
      i++, e++;
    if (e == 0)
      return false;
  }
  return i == len;
}

/* The shape of a trimmed value, its final % set aside. */
struct shape {
  size_t commas;
  bool percent;
  bool comma_decimal; /* sign? digits , digits */
  bool thousands;     /* sign? d{1,3}(,ddd)+(.d*)?, not starting with 0 */
  bool point_decimal; /* a decimal with a point and no comma: 96.2, .5 */
};

static struct shape
shape_of(const char *s, size_t len)
{
  struct shape sh = {0, false, false, false, false};
  size_t i = 0, k, a = 0, b = 0, lead = 0;
  bool ok;

  if (len > 0 && s[len - 1] == '%') {
    sh.percent = true;
    len--;
  }
  for (k = 0; k < len; k++)
    sh.commas += s[k] == ',';
  if (len > 0 && (s[0] == '+' || s[0] == '-'))
    i++;
  for (k = i; k < len && digit(s[k]); k++)
    a++;
  if (k < len && s[k] == ',') {
    for (k++; k < len && digit(s[k]); k++)
      b++;
    sh.comma_decimal = a > 0 && b > 0 && k == len;
  }
  for (k = i; k < len && digit(s[k]); k++)
    lead++;
  ok = lead >= 1 && lead <= 3 && s[i] != '0' && k < len && s[k] == ',';
  while (ok && k < len && s[k] == ',') {
    size_t group = 0;

    for (k++; k < len && digit(s[k]); k++)
      group++;
    ok = group == 3;
  }
  if (ok && k < len && s[k] == '.')
    for (k++; k < len && digit(s[k]); k++)
      ;
  sh.thousands = ok && k == len;
  sh.point_decimal = sh.commas == 0 && memchr(s, '.', len) != NULL && decimal_grammar(s, len);
  return sh;
}

void
sheet_numbers_decide(struct sheet *s, const struct sheet_header *h, size_t column,
                     struct sheet_numbers *out)
{
  const char *point = NULL, *decimal = NULL;
  size_t point_line = 0, decimal_line = 0;
  bool ambiguous = false;
  char qp[48], qd[48];

  memset(out, 0, sizeof(*out));
  if (s->delimiter != ';' && s->delimiter != '\t') {
    out->thousands_comma = true;
    snprintf(out->refused, sizeof(out->refused), "write decimals with a point%s",
             s->delimiter == 0 ? " (or enter the value as a number)" : "");
    return;
  }
  for (size_t i = h->row + 1; i < s->nrows; i++) {
    const char *v = sheet_cell(&s->rows[i], column);
    struct shape sh = shape_of(v, strlen(v));

    if (sh.point_decimal || (sh.thousands && (sh.commas > 1 || strchr(v, '.') != NULL))) {
      if (point == NULL)
        point = v, point_line = s->rows[i].line;
    } else if (sh.comma_decimal && !sh.thousands) {
      if (decimal == NULL)
        decimal = v, decimal_line = s->rows[i].line;
    } else if (sh.comma_decimal) {
      ambiguous = true;
    }
  }
  if (decimal != NULL && point == NULL) {
    sheet_quote(qd, sizeof(qd), decimal, 40);
    out->decimal_comma = true;
    sheet_note(s,
               "decimal comma: numbers such as \"%s\" (line %zu) have a comma before the decimals",
               qd, decimal_line);
  } else if (decimal != NULL) {
    sheet_quote(qd, sizeof(qd), decimal, 40);
    sheet_quote(qp, sizeof(qp), point, 40);
    snprintf(out->refused, sizeof(out->refused),
             "the file mixes decimal commas (line %zu \"%s\") with decimal points or thousands "
             "commas (line %zu \"%s\"): write every number the same way",
             decimal_line, qd, point_line, qp);
  } else if (point != NULL) {
    out->thousands_comma = true;
  } else if (ambiguous) {
    snprintf(out->refused, sizeof(out->refused),
             "in a file separated by %s, nothing else shows whether this comma is a decimal comma "
             "or separates thousands: write the number without it",
             s->delimiter == ';' ? "semicolons" : "tabs");
  }
}

bool
sheet_parse_number(const struct sheet_numbers *conv, const char *text, bool percent, double *out,
                   struct sheet_problem *why)
{
  size_t len = strlen(text), n, k = 0;
  const char *t = sheet_trim(text, &len);
  char quoted[96], buf[64];
  struct shape sh = shape_of(t, len);
  double v;

  sheet_quote(quoted, sizeof(quoted), text, 60);
  if (len == 0) {
    sheet_fail(why, 0, "the value is empty: expected a number such as 95.5");
    return false;
  }
  n = sh.percent ? len - 1 : len;
  if (sh.commas > 0) {
    bool fine = conv->decimal_comma ? sh.comma_decimal : conv->thousands_comma && sh.thousands;

    if (!fine && conv->refused[0] != '\0' && (sh.comma_decimal || sh.thousands)) {
      sheet_fail(why, 0, "\"%s\" is not a number: %s", quoted, conv->refused);
      return false;
    }
    if (!fine)
      goto not_a_number;
  }
  /* What is left must be a plain decimal: commas gone, or the decimal comma
   * made a point. */
  for (size_t i = 0; i < n; i++) {
    char c = t[i];

    if (c == ',' && !conv->decimal_comma)
      continue;
    if (k + 1 >= sizeof(buf))
      goto not_a_number;
    buf[k++] = c == ',' ? '.' : c;
  }
  buf[k] = '\0';
  if (!decimal_grammar(buf, k) ||
      (conv->decimal_comma && strpbrk(t, ".eE") != NULL)) /* no points, no exponents there */
    goto not_a_number;
  if (sh.percent && !percent) {
    sheet_fail(why, 0,
               "\"%s\" is a percentage, but this KPI is not measured in percent: write the "
               "number alone, e.g. %.*s (in a spreadsheet, format the cell as a number, not a "
               "percentage)",
               quoted, (int)(n < 40 ? n : 40), t);
    return false;
  }
  v = strtod(buf, NULL);
  if (!isfinite(v) || fabs(v) > MAX_MAGNITUDE) {
    sheet_fail(why, 0, "\"%s\" is too large: a value is at most 1e15 in magnitude", quoted);
    return false;
  }
  *out = jv_round15(v) + 0.0; /* + 0.0: -0 is 0 */
  return true;
not_a_number:
  if (conv->decimal_comma)
    sheet_fail(why, 0,
               "\"%s\" is not a number: expected e.g. 95,5%s (this file writes decimals with a "
               "comma)",
               quoted, percent ? " or 95,5%" : "");
  else
    sheet_fail(why, 0, "\"%s\" is not a number: expected e.g. 95.5 or %s", quoted,
               percent ? "95.5%" : "1,234.5");
  return false;
}
