/* ragboard routes: the route table, one "METHOD PATTERN [query]" a line:
 * the spec test compares it with openapi/openapi.yaml. */
#include <stdio.h>

#include "cli.h"
#include "router.h"

int
cli_routes(int argc, char **argv)
{
  size_t n;
  const struct route *r = router_routes(&n);

  if (argc > 2)
    return cli_no_arguments(argv, "List the HTTP routes, one \"METHOD PATTERN [query]\" a line.");
  for (size_t i = 0; i < n; i++)
    printf("%s %s%s\n", r[i].method, r[i].pattern, r[i].flags & ROUTE_QUERY ? " query" : "");
  return 0;
}
