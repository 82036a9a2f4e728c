#!/usr/bin/python3
"""The contract lists exactly the server's routes.

usage: routes.py RAGBOARD_BINARY OPENAPI_YAML

Fails when `ragboard routes` prints a route (method + path template) that the
OpenAPI document lacks, or the document has a path + method the router does not
serve. HEAD (answered for every GET) and OPTIONS (answered for every known path)
are the router's own and must not appear in the document.

Also fails when a route takes query parameters (`ragboard routes` marks it
"query"; the router refuses any query parameter on the others) and the document
lists none for it, or the other way round.
"""
import subprocess
import sys

import yaml

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def router_routes(binary):
    """{(METHOD, template): takes query parameters}"""
    out = subprocess.run([binary, "routes"], check=True, capture_output=True, text=True).stdout
    routes = {}
    for line in out.splitlines():
        fields = line.split()
        if not fields:
            continue
        if len(fields) not in (2, 3) or not fields[1].startswith("/") or fields[2:] not in ([], ["query"]):
            raise SystemExit(f"routes.py: cannot read this line of `ragboard routes`: {line!r}")
        routes[(fields[0].upper(), fields[1])] = len(fields) == 3
    if not routes:
        raise SystemExit("routes.py: `ragboard routes` printed no route")
    return routes


def spec_routes(path):
    """{(METHOD, template): documents query parameters}"""
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)

    def resolve(p):
        while "$ref" in p:
            node = doc
            for part in p["$ref"].lstrip("#/").split("/"):
                node = node[part]
            p = node
        return p

    routes = {}
    for template, item in (doc.get("paths") or {}).items():
        shared = [resolve(p) for p in item.get("parameters") or []]
        for method, op in item.items():
            if method in METHODS:
                params = shared + [resolve(p) for p in op.get("parameters") or []]
                routes[(method.upper(), template)] = any(p.get("in") == "query" for p in params)
    return routes


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    served = router_routes(argv[1])
    documented = spec_routes(argv[2])
    failed = False
    for method, template in sorted(served.keys() - documented.keys(), key=lambda r: (r[1], r[0])):
        print(f"FAIL: the router serves {method} {template}, which {argv[2]} does not document")
        failed = True
    for method, template in sorted(documented.keys() - served.keys(), key=lambda r: (r[1], r[0])):
        print(f"FAIL: {argv[2]} documents {method} {template}, which the router does not serve")
        failed = True
    for route in sorted(served.keys() & documented.keys(), key=lambda r: (r[1], r[0])):
        if served[route] != documented[route]:
            method, template = route
            print(f"FAIL: {method} {template} " + ("takes query parameters, but the contract lists none"
                  if served[route] else "lists query parameters in the contract, but the router refuses them"))
            failed = True
    both = len(served.keys() & documented.keys())
    print(f"{both} route(s) in both the router and the contract")
    print(f"{0 if failed else 1} passed, {1 if failed else 0} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
