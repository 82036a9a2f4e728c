#!/usr/bin/env python3
"""The board report model's JSON Schema (doc/report-model.schema.json) as
OpenAPI components: the root becomes components/schemas/ReportModel and
each $defs entry ReportXxx ("milestone_tally" -> ReportMilestoneTally),
with every "#/$defs/name" reference rewritten to point there. OpenAPI 3.1
schemas are JSON Schema 2020-12, so nothing else changes.

    python3 tools/report_schema_openapi.py          # the YAML to paste under components/schemas
    import report_schema_openapi; components(doc)    # the same as a dict (tests/spec/report_schema.py)

Kept in step by the spec suite's report-schema test: edit the JSON Schema,
then regenerate and paste."""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(ROOT, "doc", "report-model.schema.json")


def name_of(defname):
    return "Report" + "".join(part[:1].upper() + part[1:] for part in defname.split("_"))


def rewrite(node):
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/"):
                out[k] = "#/components/schemas/" + name_of(v[len("#/$defs/"):])
            else:
                out[k] = rewrite(v)
        return out
    if isinstance(node, list):
        return [rewrite(v) for v in node]
    return node


def components(doc):
    root = {k: v for k, v in doc.items() if k not in ("$schema", "$id", "$defs")}
    out = {"ReportModel": rewrite(root)}
    for defname, schema in doc.get("$defs", {}).items():
        out[name_of(defname)] = rewrite(schema)
    return out


def main():
    import yaml

    with open(SOURCE, encoding="utf-8") as f:
        doc = json.load(f)
    text = yaml.safe_dump(components(doc), sort_keys=False, allow_unicode=True, width=100,
                          default_flow_style=False)
    sys.stdout.write("".join("    " + line if line.strip() else line
                             for line in text.splitlines(True)))


if __name__ == "__main__":
    main()
