#!/usr/bin/python3
"""The contract lists exactly the server's routes.

usage: routes.py RAGBOARD_BINARY OPENAPI_YAML

Fails when `ragboard routes` prints a route (method + path template) that the
OpenAPI document lacks, or the document has a path + method the router does not
serve. HEAD (answered for every GET) and OPTIONS (answered for every known path)
are the router's own and must not appear in the document.
"""
import subprocess
import sys

import yaml

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def router_routes(binary):
    out = subprocess.run([binary, "routes"], check=True, capture_output=True, text=True).stdout
    routes = set()
    for line in out.splitlines():
        fields = line.split()
        if not fields:
            continue
        if len(fields) < 2 or not fields[1].startswith("/"):
            raise SystemExit(f"routes.py: cannot read this line of `ragboard routes`: {line!r}")
        routes.add((fields[0].upper(), fields[1]))
    if not routes:
        raise SystemExit("routes.py: `ragboard routes` printed no route")
    return routes


def spec_routes(path):
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    routes = set()
    for template, item in (doc.get("paths") or {}).items():
        for method in item:
            if method in METHODS:
                routes.add((method.upper(), template))
    return routes


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    served = router_routes(argv[1])
    documented = spec_routes(argv[2])
    failed = False
    for method, template in sorted(served - documented, key=lambda r: (r[1], r[0])):
        print(f"FAIL: the router serves {method} {template}, which {argv[2]} does not document")
        failed = True
    for method, template in sorted(documented - served, key=lambda r: (r[1], r[0])):
        print(f"FAIL: {argv[2]} documents {method} {template}, which the router does not serve")
        failed = True
    both = len(served & documented)
    print(f"{both} route(s) in both the router and the contract")
    print(f"{0 if failed else 1} passed, {1 if failed else 0} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
