/* The template's columns (template_int.h) and its CSV form. */
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "template_int.h"

/* Header names: the fields sheet.h reads, and its context columns. */
const struct template_column template_columns[TEMPLATE_NCOLS] = {
  {"kind", 10, 10, false},        {"code", 8, 16, false},    {"description", 24, 60, true},
  {"target", 10, 30, true},       {"unit", 6, 12, false},    {"last quarter", 13, 24, true},
  {"last comment", 20, 50, true}, {"status", 9, 9, false},   {"value", 12, 14, false},
  {"value_text", 20, 20, true},   {"comment", 50, 50, true},
};

/* Characters in the longest line of s. */
static size_t
longest_line(const char *s)
{
  size_t best = 0, cur = 0;

  for (; s != NULL && *s != '\0'; s++) {
    if (*s == '\n') {
      cur = 0;
      continue;
    }
    if (((unsigned char)*s & 0xC0) != 0x80 && ++cur > best)
      best = cur;
  }
  return best;
}

double
template_column_width(const struct template_desc *t, size_t c)
{
  const struct template_column *col = &template_columns[c];
  size_t longest = strlen(col->header);
  double w;

  for (size_t i = 0; i < t->nrows; i++) {
    const struct template_row *r = &t->rows[i];
    const char *v = c == TEMPLATE_COL_CODE           ? r->code
                    : c == TEMPLATE_COL_DESCRIPTION  ? r->description
                    : c == TEMPLATE_COL_TARGET       ? r->target
                    : c == TEMPLATE_COL_UNIT         ? r->unit
                    : c == TEMPLATE_COL_LAST_QUARTER ? r->last_quarter
                    : c == TEMPLATE_COL_LAST_COMMENT ? r->last_comment
                                                     : NULL;
    size_t n = longest_line(v);

    if (n > longest)
      longest = n;
  }
  w = (double)longest + 2;
  return w < col->min_width ? col->min_width : w > col->max_width ? col->max_width : w;
}

enum rb_err
template_csv(const struct template_desc *t, char **out, size_t *len)
{
  struct csv_out o = {NULL, 0, 0, false, false};
  char *text, *with_bom;
  size_t n;

  for (size_t c = 0; c < TEMPLATE_NCOLS; c++)
    csv_text(&o, template_columns[c].header);
  csv_end_row(&o);
  for (size_t i = 0; i < t->nrows; i++) {
    const struct template_row *r = &t->rows[i];

    csv_text(&o, r->kpi ? "kpi" : "milestone");
    csv_text(&o, r->code);
    csv_text(&o, r->description);
    csv_text(&o, r->target);
    csv_text(&o, r->unit);
    csv_text(&o, r->last_quarter);
    csv_text(&o, r->last_comment);
    for (size_t c = TEMPLATE_COL_STATUS; c < TEMPLATE_NCOLS; c++)
      csv_text(&o, NULL);
    csv_end_row(&o);
  }
  text = csv_finish(&o, &n);
  if (text == NULL)
    return RB_ERR_NOMEM;
  with_bom = malloc(n + 4);
  if (with_bom == NULL) {
    free(text);
    return RB_ERR_NOMEM;
  }
  memcpy(with_bom, "\xEF\xBB\xBF", 3);
  memcpy(with_bom + 3, text, n + 1);
  free(text);
  *out = with_bom;
  *len = n + 3;
  return RB_OK;
}
