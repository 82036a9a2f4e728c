#!/usr/bin/env python3
"""Scenario 8 of tests/bench/run.sh: the board report's cost
(GET /api/v1/reports/{quarter}), against the summary's.

For each plan year given (YEAR:QUARTER), on one keep-alive connection:
  cached:  the summary and the report (HTML and JSON) GET WARM times each,
           interleaved, with no write in between: both are served from the
           response cache; the client's time per request (median) and the
           server's CPU per request (utime + stime of the server process
           over all of them, from /proc/PID/stat);
  rebuild: COLD times, a PUT of one reading in that year (which makes the
           year's cached answers stale) and then the report's GET, which
           rebuilds it: the client's time (median; the rebuild is that less
           the cached median) and the server's CPU for the GET.
Prints one JSON document. Plain Python 3 standard library.

    report_scale.py --port 8080 --token ADMIN --pid 1234 2018-19:2018-19-Q1 2044-45:2044-45-Q2
"""
import argparse
import http.client
import json
import os
import statistics
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    """The process's user + system CPU seconds so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


class Client:
    def __init__(self, port, token):
        self.port, self.token = port, token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

    def request(self, method, path, body=None, auth=False):
        headers = {"Authorization": "Bearer " + self.token} if auth else {}
        if body is not None:
            headers["Content-Type"] = "application/json"
        t0 = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        return resp.status, data, time.perf_counter() - t0


def cached(c, pid, paths, n):
    """{path: {median_us, bytes, server_cpu_us}} over n interleaved GETs each."""
    took = {p: [] for p in paths}
    size = {}
    cpu = {p: 0.0 for p in paths}
    for p in paths:  # warm every cache entry first
        status, data, _ = c.request("GET", p)
        if status != 200:
            raise SystemExit(f"GET {p}: HTTP {status}")
        size[p] = len(data)
    for p in paths:
        before = cpu_s(pid)
        for _ in range(n):
            status, _, t = c.request("GET", p)
            assert status == 200, status
            took[p].append(t)
        cpu[p] = cpu_s(pid) - before
    return {p: {"median_us": round(statistics.median(took[p]) * 1e6, 1),
                "requests_per_s": round(n / sum(took[p]), 1), "bytes": size[p],
                "server_cpu_us": round(cpu[p] * 1e6 / n, 1), "n": n} for p in paths}


def rebuild(c, pid, year, quarter, path, n):
    status, data, _ = c.request("GET", f"/api/v1/kpis?year={year}&limit=1", auth=True)
    if status != 200 or not json.loads(data)["items"]:
        raise SystemExit(f"no KPI in {year}: HTTP {status}")
    kpi = json.loads(data)["items"][0]["id"]
    times, cpus = [], []
    for i in range(n):
        body = json.dumps({"value": 40 + i, "comment": f"scenario 8, rebuild {i}"})
        status, _, _ = c.request("PUT", f"/api/v1/kpis/{kpi}/readings/{quarter}", body, auth=True)
        if status not in (200, 201):
            raise SystemExit(f"PUT reading in {quarter}: HTTP {status}")
        before = cpu_s(pid)
        status, _, t = c.request("GET", path)
        assert status == 200, status
        cpus.append(cpu_s(pid) - before)
        times.append(t)
    return {"median_ms": round(statistics.median(times) * 1e3, 1), "min_ms": round(min(times) * 1e3, 1),
            "max_ms": round(max(times) * 1e3, 1),
            "server_cpu_ms": round(statistics.median(cpus) * 1e3, 1), "n": n}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--token", required=True, help="an admin token (for the PUTs and the KPI lookup)")
    ap.add_argument("--pid", type=int, required=True, help="the server's process id (its CPU)")
    ap.add_argument("--warm", type=int, default=2000)
    ap.add_argument("--cold", type=int, default=7)
    ap.add_argument("years", nargs="+", help="YEAR:QUARTER, e.g. 2044-45:2044-45-Q2")
    args = ap.parse_args()
    c = Client(args.port, args.token)
    rows = []
    for spec in args.years:
        year, quarter = spec.split(":")
        summary = f"/api/v1/summary?quarter={quarter}"
        html = f"/api/v1/reports/{quarter}?format=html"
        js = f"/api/v1/reports/{quarter}?format=json"
        status, data, _ = c.request("GET", js)
        if status != 200:
            raise SystemExit(f"GET {js}: HTTP {status}")
        model = json.loads(data)
        items = model["overall"]["milestones"]["total"] + model["overall"]["kpis"]["total"]
        warm_n = args.warm if items < 5000 else max(20, args.warm // 100)
        warm = cached(c, args.pid, [summary, html, js], warm_n)
        row = {"year": year, "quarter": quarter, "items": items,
               "cached": {"summary": warm[summary], "report_html": warm[html], "report_json": warm[js]},
               "rebuild_html": rebuild(c, args.pid, year, quarter, html, args.cold),
               "rebuild_json": rebuild(c, args.pid, year, quarter, js, args.cold)}
        for k in ("rebuild_html", "rebuild_json"):
            base = row["cached"]["report_html" if k == "rebuild_html" else "report_json"]["median_us"]
            row[k]["build_ms"] = round(max(0.0, row[k]["median_ms"] - base / 1e3), 1)
        rows.append(row)
        w, r = row["cached"], row["rebuild_html"]
        print(f"   {quarter}: {items:,} items; cached summary {w['summary']['median_us']} µs "
              f"({w['summary']['server_cpu_us']} µs CPU), report HTML {w['report_html']['median_us']} µs "
              f"({w['report_html']['server_cpu_us']} µs CPU, {w['report_html']['bytes']:,} bytes); "
              f"rebuilt HTML in {r['build_ms']} ms ({r['server_cpu_ms']} ms CPU), JSON in "
              f"{row['rebuild_json']['build_ms']} ms", file=sys.stderr)
    json.dump({"years": rows}, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
