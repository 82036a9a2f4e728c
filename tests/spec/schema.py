#!/usr/bin/python3
"""Check real answers against the OpenAPI contract (validate.py).

usage: schema.py OPENAPI_YAML RAGBOARD_BINARY TEST_BINARY...

1. Runs each HTTP test suite with RAGBOARD_TEST_CAPTURE naming a fresh file,
   so tests/harness.c records every answer it receives. A suite's own failures
   are its own meson test's business: they are reported here, and fail this
   test only when no answer at all was captured.
2. Starts `ragboard serve` on an empty database and asks what the suites do
   not: the public routes (/healthz, /readyz, /metrics, /openapi.yaml, which
   must be this very file), HEAD, OPTIONS, an unknown path and a refused
   method, recording the answers the same way.
3. Validates every recorded answer with validate.py.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import validate  # noqa: E402


def run_suites(binaries, tmp):
    captures = []
    for binary in binaries:
        name = os.path.basename(binary)
        capture = os.path.join(tmp, name + ".jsonl")
        env = dict(os.environ, RAGBOARD_TEST_CAPTURE=capture)
        env.setdefault("CK_DEFAULT_TIMEOUT", "120")
        proc = subprocess.run([binary], env=env, cwd=tmp, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, errors="replace")
        lines = 0
        if os.path.exists(capture):
            with open(capture, encoding="utf-8") as f:
                lines = sum(1 for _ in f)
            captures.append(capture)
        print(f"{name}: exit {proc.returncode}, {lines} answer(s) captured")
        if proc.returncode != 0:
            print("  (the suite itself failed; its own test reports why)")
            for line in proc.stdout.strip().splitlines()[-5:]:
                print(f"  | {line}")
    return captures


def request(port, method, path, body=None, headers=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers.get("Content-Type"), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read()


def served(ragboard, spec, tmp):
    """Ask a real server what the suites do not; returns (capture file, problems)."""
    db = os.path.join(tmp, "served.db")
    port_file = os.path.join(tmp, "served.port")
    capture = os.path.join(tmp, "served.jsonl")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAGBOARD_")}
    subprocess.run([ragboard, "migrate", "--db", db], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    server = subprocess.Popen([ragboard, "serve", "--db", db, "--listen", "127.0.0.1:0",
                               "--port-file", port_file, "--public-read", "--threads", "2",
                               "--synchronous", "normal", "--log-level", "error"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    problems = []
    try:
        deadline = time.monotonic() + 20
        port = None
        while port is None:
            if server.poll() is not None:
                raise SystemExit(f"ragboard serve exited with {server.returncode}")
            if time.monotonic() > deadline:
                raise SystemExit("ragboard serve did not write its port file in 20 s")
            try:
                with open(port_file, encoding="ascii") as f:
                    text = f.read().strip()
                port = int(text) if text else None
            except (OSError, ValueError):
                pass
            if port is None:
                time.sleep(0.05)
        asks = [
            ("GET", "/healthz", None, {}),
            ("GET", "/readyz", None, {}),
            ("GET", "/metrics", None, {}),
            ("GET", "/openapi.yaml", None, {}),
            ("HEAD", "/openapi.yaml", None, {}),
            ("GET", "/api/v1/groups", None, {}),
            ("HEAD", "/api/v1/groups", None, {}),
            ("OPTIONS", "/api/v1/groups", None, {}),
            ("POST", "/api/v1/groups", b'{"code":"CYP","name":"Children and Young People"}',
             {"Content-Type": "application/json"}),
            ("DELETE", "/healthz", None, {}),
            ("GET", "/api/v1/nothing-here", None, {}),
        ]
        with open(capture, "w", encoding="utf-8") as out:
            for method, path, body, headers in asks:
                status, ctype, data = request(port, method, path, body, headers)
                try:
                    parsed = json.loads(data) if data else None
                except ValueError:
                    parsed = None
                out.write(json.dumps({"method": method, "path": path, "status": status,
                                      "content_type": ctype, "length": len(data),
                                      "body": parsed}) + "\n")
                if method == "GET" and path == "/openapi.yaml":
                    with open(spec, "rb") as f:
                        if f.read() != data:
                            problems.append("GET /openapi.yaml does not serve openapi/openapi.yaml "
                                            "as it is now (rebuild: it is compiled in)")
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    print(f"ragboard serve: {len(asks)} answer(s) captured")
    return capture, problems


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    spec = os.path.abspath(argv[1])
    ragboard = os.path.abspath(argv[2])
    binaries = [os.path.abspath(b) for b in argv[3:]]
    with tempfile.TemporaryDirectory(prefix="ragboard-capture-") as tmp:
        captures = run_suites(binaries, tmp)
        if not captures:
            print("FAIL: no answer was captured from the test suites")
            return 1
        capture, problems = served(ragboard, spec, tmp)
        rc = validate.main(["validate.py", spec] + captures + [capture])
        for p in problems:
            print(f"FAIL: {p}")
        return 1 if problems else rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
