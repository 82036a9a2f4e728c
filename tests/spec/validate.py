#!/usr/bin/python3
"""Check captured HTTP answers against the OpenAPI contract.

usage: validate.py OPENAPI_YAML CAPTURE_FILE...

Each capture file holds one JSON object per line, as tests/harness.c writes
them when RAGBOARD_TEST_CAPTURE is set:
  {"method", "path" (without query), "status", "content_type", "length", "body"}
where body is the parsed JSON answer or null.

Every answer must be documented: its path must match a path template of the
document, its method an operation there, its status a response of that
operation, its content type one of that response's media types (or no body
when the response has no content), and a JSON body must validate against the
media type's schema (JSON Schema draft 2020-12, $refs resolved within the
document). Three answers come from the router itself rather than from an
operation, and must be problem documents (components/schemas/Problem):
404 for a path no template matches, 405 for a method a known path does not
serve; and OPTIONS on a known path answers 204 with no body. HEAD is checked
as the GET it mirrors, without a body.
"""
import collections
import json
import re
import sys

import jsonschema
import yaml

BASE = "urn:ragboard:openapi"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def pointer(*parts):
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


class Contract:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = yaml.safe_load(f)
        self.templates = []
        for template in self.doc.get("paths", {}):
            regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            # Literal segments win over parameters when both could match.
            self.templates.append((template.count("{"), template, re.compile(regex)))
        self.templates.sort()
        cls = jsonschema.Draft202012Validator
        self.format_checker = getattr(cls, "FORMAT_CHECKER", None) or jsonschema.FormatChecker()
        self._validators = {}
        try:  # jsonschema >= 4.18
            from referencing import Registry, Resource
            from referencing.jsonschema import DRAFT202012

            registry = Registry().with_resource(
                BASE, Resource(contents=self.doc, specification=DRAFT202012))
            self._make = lambda ref: cls({"$ref": ref}, registry=registry,
                                         format_checker=self.format_checker)
        except ImportError:  # Debian 12's jsonschema 4.10
            resolver = jsonschema.RefResolver(base_uri=BASE, referrer=self.doc,
                                              store={BASE: self.doc})
            self._make = lambda ref: cls({"$ref": ref}, resolver=resolver,
                                         format_checker=self.format_checker)

    def validator(self, ptr):
        if ptr not in self._validators:
            self._validators[ptr] = self._make(BASE + ptr)
        return self._validators[ptr]

    def template_of(self, path):
        for _, template, regex in self.templates:
            if regex.match(path):
                return template
        return None

    def deref(self, obj):
        while isinstance(obj, dict) and "$ref" in obj:
            ref = obj["$ref"]
            if not ref.startswith("#/"):
                raise SystemExit(f"validate.py: only local $refs are supported, not {ref}")
            node = self.doc
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            obj = node
        return obj

    def response_ref(self, template, method, status):
        """(pointer to the response object, response object) or (None, None)."""
        responses = self.doc["paths"][template][method].get("responses", {})
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in responses:
                ptr = pointer("paths", template, method, "responses", key)
                obj = responses[key]
                if "$ref" in obj:
                    ptr = obj["$ref"]
                return ptr, self.deref(obj)
        return None, None


def media_type(ctype):
    return ctype.split(";")[0].strip().lower() if ctype else None


def is_json(mtype):
    return mtype is not None and (mtype == "application/json" or mtype.endswith("+json"))


def errors_of(validator, body):
    errs = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    out = []
    for e in errs[:5]:
        where = "/".join(str(p) for p in e.absolute_path) or "(root)"
        out.append(f"at {where}: {e.message[:300]}")
    return out


def check(contract, rec):
    """A list of problems with one captured answer, and what it exercised."""
    method = rec["method"].lower()
    path, status = rec["path"], rec["status"]
    mtype = media_type(rec.get("content_type"))
    body, length = rec.get("body"), rec.get("length", 0)
    template = contract.template_of(path)

    def problem_doc(expect_status):
        out = []
        if status != expect_status:
            out.append(f"the router should answer {expect_status}, not {status}")
        if method == "head":
            return out
        if mtype != "application/problem+json":
            out.append(f"content type {rec.get('content_type')!r} is not application/problem+json")
        elif body is None:
            out.append("the body is not JSON")
        else:
            out += errors_of(contract.validator(pointer("components", "schemas", "Problem")), body)
        return out

    if template is None:
        return problem_doc(404), ("(no such path)", method.upper(), status)
    operations = contract.doc["paths"][template]
    op_method = "get" if method == "head" else method
    if op_method not in operations:
        if method == "options":
            out = [] if status == 204 else [f"OPTIONS on a known path should answer 204, not {status}"]
            if length:
                out.append("OPTIONS answered a body")
            return out, (template, "OPTIONS", status)
        return problem_doc(405), (template, method.upper(), status)
    key = (template, method.upper(), status)
    ptr, response = contract.response_ref(template, op_method, status)
    if response is None:
        return [f"status {status} is not documented for {op_method.upper()} {template}"], key
    content = response.get("content") or {}
    if method == "head":
        return ([f"HEAD answered a body of {length} bytes"] if length else []), key
    if not content:
        if length:
            return [f"status {status} documents no body, but {length} bytes came "
                    f"({rec.get('content_type')})"], key
        return [], key
    if mtype is None:
        return [f"status {status} documents a body ({', '.join(content)}), but none came"], key
    media = None
    for name in content:
        if media_type(name) == mtype:
            media = name
    if media is None:
        return [f"content type {rec.get('content_type')!r} is not documented for status "
                f"{status} (documented: {', '.join(content)})"], key
    if not is_json(mtype):
        return [], key
    if body is None:
        return [f"the {mtype} body ({length} bytes) is not JSON"], key
    if "schema" not in content[media]:
        return [f"{media} has no schema for status {status}"], key
    if ptr.startswith("#/components/responses/"):
        schema_ptr = pointer(*ptr[2:].split("/"), "content", media, "schema")
    else:
        schema_ptr = pointer("paths", template, op_method, "responses",
                             ptr.rsplit("/", 1)[1], "content", media, "schema")
    return errors_of(contract.validator(schema_ptr), body), key


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    contract = Contract(argv[1])
    seen = collections.Counter()
    failures = collections.OrderedDict()
    failing = set()
    total = 0
    for name in argv[2:]:
        with open(name, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except ValueError as e:
                    failures.setdefault(f"{name}:{lineno}: unreadable capture line: {e}", [])
                    continue
                total += 1
                problems, key = check(contract, rec)
                seen[key] += 1
                if problems:
                    failing.add(key)
                    head = f"{rec['method']} {rec['path']} -> {rec['status']}"
                    if key[0] != "(no such path)":
                        head += f" ({key[1]} {key[0]})"
                    known = failures.setdefault(head, [])
                    known += [p for p in problems if p not in known]
    if total == 0:
        print("FAIL: no captured request to check (did the test binaries run?)")
        return 1
    documented = set()
    for template, item in contract.doc["paths"].items():
        for method in item:
            if method in METHODS:
                documented.add((template, method.upper()))
    exercised = {(t, m) for (t, m, _) in seen if (t, m) in documented}
    print(f"{total} captured answer(s); {len(seen)} distinct route/status pair(s); "
          f"{len(exercised)} of {len(documented)} documented operations exercised")
    for template, method in sorted(documented - exercised):
        print(f"  not exercised by the suites: {method} {template}")
    for head, problems in failures.items():
        print(f"FAIL: {head}")
        for p in problems:
            print(f"    {p}")
    # One result per distinct (route, method, status) answered.
    print(f"{len(seen) - len(failing)} passed, {len(failing)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
