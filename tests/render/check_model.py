#!/usr/bin/env python3
"""The report model (format=json) matches doc/report-model.schema.json, for
the demo quarter, a quarter nobody has reported on yet, and one group.
usage: check_model.py RENDER_OUT"""
import json
import sys

import jsonschema

from common import SCHEMA, check, finish, read, render

render_out = sys.argv[1]
schema = json.load(open(SCHEMA, encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

for args in ([], ["2018-19-Q2"], ["2018-19-Q1", "MHLD"], ["2018-19-Q4"]):
    d = render(render_out, *args)
    model = json.loads(read(d, "model.json"))
    errors = sorted(validator.iter_errors(model), key=lambda e: list(e.absolute_path))
    for e in errors[:20]:
        check(False, f"{args}: {'/'.join(map(str, e.absolute_path))}: {e.message[:300]}")
    check(model["quarter"] == (args[0] if args else "2018-19-Q1"), f"{args}: quarter")

# The schema is not a rubber stamp: a model with a wrong type fails it.
d = render(render_out)
model = json.loads(read(d, "model.json"))
model["groups"][0]["summary"]["milestones"]["percent_whole"]["G"] = "56%"
check(any(True for _ in validator.iter_errors(model)), "schema accepts a percent given as text")
finish("check_model")
