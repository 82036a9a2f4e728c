/* What every renderer shares: the rating codes in the report's order. */
#include <string.h>

#include "render_int.h"

const char *const render_milestone_codes[6] = {"BR", "B", "G", "A", "R", "TBC"};
const char *const render_kpi_codes[4] = {"G", "A", "R", "TBC"};

const char *
render_code_heading(const char *code)
{
  static const char *const headings[][2] = {{"BR", "Brown (BR)"}, {"B", "Blue (B)"},
                                            {"G", "Green (G)"},   {"A", "Amber (A)"},
                                            {"R", "Red (R)"},     {"TBC", "TBC"}};

  for (size_t i = 0; i < sizeof(headings) / sizeof(headings[0]); i++)
    if (strcmp(headings[i][0], code) == 0)
      return headings[i][1];
  return code;
}
