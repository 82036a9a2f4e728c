#!/usr/bin/python3
"""The contract says what each rating code means exactly as the code does.

usage: ratings.py RAGBOARD_BINARY OPENAPI_YAML

The code has one legend of the rating codes (src/rag.c's table, printed by
`ragboard ratings`): what BR, B, G, A, R and TBC mean for a milestone and for
a KPI, and each code's colour. The contract once said "BR: complete; B: ahead
or on track" (the other way round), and a dashboard built from it labelled
not-started milestones complete. This test fails when:

- an enum of rating codes in the contract has a value the legend lacks, or
  (MilestoneStatus, KpiRating) is not exactly the legend's codes of its kind;
- a `x-enumDescriptions` anywhere in the contract describes a rating code
  otherwise than the legend does (all of one kind, milestone or KPI), or
  leaves one of its enum's values undescribed, or describes an enum that
  has no definition in the code at all;
- a `description` of a rating enum says "`CODE` (Colour): meaning" with a
  meaning or colour that differs from the legend's;
- MilestoneStatus or KpiRating carries no such descriptions (so they cannot
  be dropped to pass);
- an object keyed by rating codes (the summaries' counts) has other keys
  than one kind's codes.
"""
import json
import re
import subprocess
import sys

import yaml

# "`BR` (Brown): not due to start;" or "BR: complete;": a code, maybe its
# colour, and a meaning up to the next ";" or the sentence's end.
PAIR = re.compile(r"(?<![\w`])`?([A-Z]{1,3})`?(?: \(([A-Za-z]+)\))?: (.+?)(?:;|\.(?:\s|$))", re.S)


def legend(binary):
    out = subprocess.run([binary, "ratings"], check=True, capture_output=True, text=True).stdout
    rows = json.loads(out)
    kinds = {"milestone": {}, "kpi": {}}
    colours = {}
    for row in rows:
        colours[row["code"]] = row["colour"]
        for kind in kinds:
            if row[kind] is not None:
                kinds[kind][row["code"]] = row[kind]
    if not kinds["milestone"] or not kinds["kpi"]:
        raise SystemExit("ratings.py: `ragboard ratings` printed no legend")
    return kinds, colours


def walk(node, path, found):
    if isinstance(node, dict):
        found.append((path, node))
        for key, value in node.items():
            walk(value, f"{path}/{key}", found)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            walk(value, f"{path}[{i}]", found)


def norm(text):
    return " ".join(str(text).split())


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    kinds, colours = legend(sys.argv[1])
    codes = set(colours)
    with open(sys.argv[2], encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    nodes = []
    walk(doc, "#", nodes)
    problems = []
    checked = 0

    def kind_of(described, where):
        """The kind whose meanings match every described code, or None."""
        for kind, meanings in kinds.items():
            if all(meanings.get(code) == norm(text) for code, text in described.items()):
                return kind
        problems.append(f"{where}: {described} is not the legend of milestones "
                        f"({kinds['milestone']}) nor of KPIs ({kinds['kpi']})")
        return None

    for path, node in nodes:
        enum = node.get("enum") if isinstance(node.get("enum"), list) else None
        values = [v for v in enum or [] if v is not None]
        rating_enum = bool(values) and set(values) <= codes
        extra = node.get("x-enumDescriptions")
        if extra is not None:
            checked += 1
            if not rating_enum:
                problems.append(f"{path}: x-enumDescriptions for an enum the code defines no "
                                f"legend for ({enum}): add its table to the code and to this test")
                continue
            described = {str(k): v for k, v in extra.items()}
            if set(described) != set(values):
                problems.append(f"{path}: x-enumDescriptions describe {sorted(described)}, "
                                f"the enum is {values}")
            kind_of(described, f"{path}/x-enumDescriptions")
        if rating_enum and isinstance(node.get("description"), str):
            pairs = PAIR.findall(node["description"])
            said = {code: norm(text) for code, _, text in pairs if code in codes}
            if said:
                checked += 1
                kind_of(said, f"{path}/description")
            for code, colour, _ in pairs:
                if code in codes and colour and colour != colours[code]:
                    problems.append(f"{path}/description: `{code}` is {colours[code]}, "
                                    f"not {colour}")
        if enum is not None and values and any(v in codes for v in values) and not rating_enum:
            problems.append(f"{path}: enum {enum} mixes rating codes with values the legend "
                            f"lacks")
        props = node.get("properties")
        if isinstance(props, dict) and len(props) >= 2 and set(props) <= codes:
            checked += 1
            if set(props) not in (set(kinds["milestone"]), set(kinds["kpi"])):
                problems.append(f"{path}: keyed by {sorted(props)}, not one kind's codes")

    schemas = doc.get("components", {}).get("schemas", {})
    for name, kind in (("MilestoneStatus", "milestone"), ("KpiRating", "kpi")):
        schema = schemas.get(name)
        if schema is None:
            problems.append(f"#/components/schemas/{name} is missing")
            continue
        if schema.get("enum") != list(kinds[kind]):
            problems.append(f"{name}: enum {schema.get('enum')}, the code's {kind} codes are "
                            f"{list(kinds[kind])}")
        extra = {str(k): norm(v) for k, v in (schema.get("x-enumDescriptions") or {}).items()}
        if extra != kinds[kind]:
            problems.append(f"{name}: x-enumDescriptions {extra}, the code says {kinds[kind]}")
        said = {c: norm(t) for c, _, t in PAIR.findall(schema.get("description") or "")}
        if said != kinds[kind]:
            problems.append(f"{name}: its description says {said}, the code says {kinds[kind]}")

    if problems:
        print("\n".join(problems))
        raise SystemExit(f"ratings.py: {len(problems)} problem(s)")
    print(f"ratings.py: {checked} descriptions of rating codes agree with `ragboard ratings`")


if __name__ == "__main__":
    main()
