"""Shared by the render tests: run render_out on the fixture into a
temporary directory and hand back the paths of what it wrote."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURE = os.path.join(ROOT, "tests", "data", "report-input-2018-19-q1.json")
SCHEMA = os.path.join(ROOT, "doc", "report-model.schema.json")

failures = []


def check(cond, what):
    """Record a failed expectation (and go on, so one run shows them all)."""
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def finish(name):
    if failures:
        print(f"{name}: {len(failures)} failed", file=sys.stderr)
        sys.exit(1)
    print(f"{name}: ok")


def render(render_out, *args):
    """render_out FIXTURE DIR [QUARTER [GROUP]] -> DIR (a fresh temp dir)."""
    out = tempfile.mkdtemp(prefix="ragboard-report-")
    subprocess.run([render_out, FIXTURE, out, *args], check=True)
    return out


def read(d, name, mode="r"):
    with open(os.path.join(d, name), mode, **({"encoding": "utf-8", "newline": ""} if "b" not in mode else {})) as f:
        return f.read()
