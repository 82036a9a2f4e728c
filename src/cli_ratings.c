/* ragboard ratings: the rating codes and what each means, from src/rag.c's
 * one table: a legend for dashboards, and what the spec test holds the
 * contract's descriptions to. */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "cli.h"
#include "rag.h"

int
cli_ratings(int argc, char **argv)
{
  json_t *all;
  char *text;

  if (argc > 2)
    return cli_no_arguments(argv,
                            "Print the rating codes (BR B G A R TBC) and what each means for a "
                            "milestone and for a KPI, as JSON: the legend the API's statuses "
                            "and ratings use.");
  all = json_array();
  for (int i = 0; i < RAG__COUNT; i++) {
    const struct rag_meaning *m = rag_meaning((enum rag_status)i);

    json_array_append_new(all, json_pack("{s:s, s:s?, s:s?, s:s?}", "code", m->code, "colour",
                                         m->colour, "milestone", m->milestone, "kpi", m->kpi));
  }
  text = json_dumps(all, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(all);
  if (text == NULL) {
    fprintf(stderr, "ragboard: out of memory\n");
    return 1;
  }
  printf("%s\n", text);
  free(text);
  return 0;
}
