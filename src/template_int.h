/* The template's columns, shared by its XLSX and CSV writers. */
#ifndef RAGBOARD_TEMPLATE_INT_H
#define RAGBOARD_TEMPLATE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "template.h"

enum template_col {
  TEMPLATE_COL_KIND,
  TEMPLATE_COL_CODE,
  TEMPLATE_COL_DESCRIPTION,
  TEMPLATE_COL_TARGET,
  TEMPLATE_COL_UNIT,
  TEMPLATE_COL_LAST_QUARTER,
  TEMPLATE_COL_LAST_COMMENT,
  TEMPLATE_COL_STATUS,
  TEMPLATE_COL_VALUE,
  TEMPLATE_COL_VALUE_TEXT,
  TEMPLATE_COL_COMMENT,
  TEMPLATE_NCOLS
};

struct template_column {
  const char *header;
  double min_width, max_width; /* in characters, as spreadsheets measure columns */
  bool wrap;
};

extern const struct template_column template_columns[TEMPLATE_NCOLS];

/* Width of column c: its longest line of text (header included) plus a
 * margin, within the column's bounds. */
double template_column_width(const struct template_desc *t, size_t c);

#endif
