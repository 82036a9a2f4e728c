#!/usr/bin/python3
"""The contract's report schemas are the report model's JSON Schema.

usage: report_schema.py OPENAPI_YAML REPORT_MODEL_SCHEMA_JSON

doc/report-model.schema.json is the model's schema (the render suite
validates models against it); the OpenAPI contract carries the same schema
as components (ReportModel and one ReportXxx per $defs entry, made by
tools/report_schema_openapi.py), which the spec suite's schema test
validates the served JSON reports against. This fails when the two drift:
regenerate with the tool and paste."""
import json
import os
import sys

import yaml

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import report_schema_openapi  # noqa: E402


def main(argv):
    with open(argv[1], encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    with open(argv[2], encoding="utf-8") as f:
        doc = json.load(f)
    want = report_schema_openapi.components(doc)
    have = spec.get("components", {}).get("schemas", {})
    problems = [name for name, schema in want.items() if have.get(name) != schema]
    extra = [n for n in have if n.startswith("Report") and n not in want]
    for name in problems:
        print(f"FAIL: components/schemas/{name} differs from doc/report-model.schema.json "
              f"(or is missing): run tools/report_schema_openapi.py and paste its output")
    for name in extra:
        print(f"FAIL: components/schemas/{name} is not in doc/report-model.schema.json")
    ref = (spec["paths"].get("/api/v1/reports/{quarter}", {}).get("get", {}).get("responses", {})
           .get("200", {}).get("content", {}).get("application/json", {}).get("schema"))
    if ref != {"$ref": "#/components/schemas/ReportModel"}:
        print("FAIL: GET /api/v1/reports/{quarter}'s JSON answer is not the ReportModel schema")
        problems.append("ref")
    if problems or extra:
        return 1
    print(f"report-schema: {len(want)} schemas match doc/report-model.schema.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
