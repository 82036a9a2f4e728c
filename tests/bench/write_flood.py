#!/usr/bin/env python3
"""One submitter's bulk returns against everyone else's writes (issue 16, item 8).

    python3 tests/bench/write_flood.py build/ragboard [--clients 4] [--puts 150] [--accepted]

Makes a database in a temporary directory with the 2018/19 demo and a generated
10,000-item plan year (gen_framework.py: 5,000 milestones, 5,000 KPIs), serves
it, and measures an admin's single PUT (a reading, one every 10 ms) first
alone, then while --clients processes keep posting a 10,000-row return to
2030-31-Q2 as BORG-ACUTE's submitter: refused, since 7,018 of the rows are
other organisations' (or, with --accepted, only BORG-ACUTE's 2,982 rows,
which are written). Prints the PUTs' median, p99 and max in each phase and how
the returns were answered. The flood runs in processes of its own, so the
client's GIL does not time the server. Measures and prints; asserts nothing.
"""
import argparse
import http.client
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
QUARTER = "2030-31-Q2"


def run(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def puts(port, token, kpi, n):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    took = []
    for i in range(n):
        body = json.dumps({"value": i % 97, "comment": f"put {i}"})
        t0 = time.perf_counter()
        c.request("PUT", f"/api/v1/kpis/{kpi}/readings/2030-31-Q3", body=body,
                  headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        if r.status not in (200, 201):
            sys.exit(f"write_flood: the admin's PUT answered {r.status}")
        took.append((time.perf_counter() - t0) * 1000)
        time.sleep(0.01)
    return sorted(took)


def flood(port, token, body, stop, out):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    statuses, took = {}, []
    while not stop.is_set():
        t0 = time.perf_counter()
        c.request("POST", f"/api/v1/quarters/{QUARTER}/submissions", body=body,
                  headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        statuses[r.status] = statuses.get(r.status, 0) + 1
        took.append((time.perf_counter() - t0) * 1000)
    out.put((statuses, took))


def report(name, ms):
    print(f"{name}: {len(ms)} PUTs, median {statistics.median(ms):.2f} ms, "
          f"p99 {ms[max(0, int(len(ms) * 0.99) - 1)]:.2f} ms, max {ms[-1]:.2f} ms")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ragboard")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--puts", type=int, default=150)
    ap.add_argument("--accepted", action="store_true",
                    help="post the submitter's own rows only (written, not refused)")
    args = ap.parse_args()
    rb = os.path.abspath(args.ragboard)
    with tempfile.TemporaryDirectory(prefix="ragboard-flood-") as d:
        db, large = os.path.join(d, "flood.db"), os.path.join(d, "large.json")
        run(sys.executable, os.path.join(HERE, "gen_framework.py"), "--out", large)
        run(rb, "migrate", "--db", db)
        run(rb, "import", "--db", db, os.path.join(ROOT, "data", "rotherham-icp-2018-19.json"),
            large)
        admin = run(rb, "token", "create", "--db", db, "--role", "admin",
                    "--name", "flood-admin").split()[-1]
        sub = run(rb, "token", "create", "--db", db, "--role", "submitter", "--org", "BORG-ACUTE",
                  "--name", "flood-submitter").split()[-1]
        with open(large, encoding="utf-8") as f:
            doc = json.load(f)
        mine = (lambda i: i.get("owner") == "BORG-ACUTE") if args.accepted else (lambda i: True)
        body = json.dumps({
            "milestones": [{"code": m["code"], "status": "G", "comment": "flood"}
                           for m in doc["milestones"] if mine(m)],
            "kpis": [{"code": k["code"], "value": 1, "comment": "flood"}
                     for k in doc["kpis"] if mine(k)]}).encode()
        kpi = run("sqlite3", db, "SELECT min(id) FROM kpi WHERE year = '2030-31'").strip()
        port_file = os.path.join(d, "port")
        server = subprocess.Popen([rb, "serve", "--db", db, "--listen", "127.0.0.1:0",
                                   "--port-file", port_file, "--log-level", "warn"],
                                  stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                if os.path.exists(port_file) and os.path.getsize(port_file) > 0:
                    break
                time.sleep(0.05)
            with open(port_file, encoding="utf-8") as f:
                port = int(f.read())
            report("alone", puts(port, admin, kpi, args.puts))
            stop, out = multiprocessing.Event(), multiprocessing.Queue()
            procs = [multiprocessing.Process(target=flood, args=(port, sub, body, stop, out))
                     for _ in range(args.clients)]
            for p in procs:
                p.start()
            time.sleep(1.0)
            rows = sum(len(v) for v in json.loads(body).values())
            report(f"with {args.clients} clients posting {rows}-row returns",
                   puts(port, admin, kpi, args.puts))
            stop.set()
            got = [out.get() for _ in procs]
            for p in procs:
                p.join()
            took = sorted(t for _, ts in got for t in ts)
            print("returns answered:", [s for s, _ in got],
                  f"median {statistics.median(took):.0f} ms each")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
