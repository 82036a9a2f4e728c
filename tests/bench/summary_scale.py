#!/usr/bin/env python3
"""Scenario 7 of tests/bench/run.sh: how the summary's cost grows with the
plan year, and what a repeated summary costs.

For each plan year given (YEAR:QUARTER), on one keep-alive connection:
  warm: GET /api/v1/summary?quarter=Q WARM times with no write in between
        (served from memory: should not grow with the year's items);
  cold: COLD times, a PUT of one reading in that year (which invalidates the
        year's summary) and then the GET, which rebuilds it.
The build cost is the median cold GET minus the median warm GET, and per
item (milestones + KPIs of the year, from the summary itself). Prints one
JSON document. Plain Python 3 standard library.

    summary_scale.py --port 8080 --token ADMIN 2018-19:2018-19-Q2 2030-31:2030-31-Q2
"""
import argparse
import http.client
import json
import statistics
import sys
import time


class Client:
    def __init__(self, port, token):
        self.port, self.token = port, token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method, path, body=None, auth=False):
        headers = {}
        if auth:
            headers["Authorization"] = "Bearer " + self.token
        if body is not None:
            headers["Content-Type"] = "application/json"
        t0 = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        took = time.perf_counter() - t0
        return resp.status, data, took


def measure(c, year, quarter, warm_n, cold_n):
    path = f"/api/v1/summary?quarter={quarter}"
    status, data, _ = c.request("GET", path)
    if status != 200:
        raise SystemExit(f"GET {path}: HTTP {status}")
    overall = json.loads(data)["overall"]
    items = overall["milestones"]["total"] + overall["kpis"]["total"]
    size = len(data)
    status, data, _ = c.request("GET", f"/api/v1/kpis?year={year}&limit=1", auth=True)
    if status != 200 or not json.loads(data)["items"]:
        raise SystemExit(f"no KPI in {year}: HTTP {status}")
    kpi = json.loads(data)["items"][0]["id"]
    warm = []
    for _ in range(warm_n):
        status, _, took = c.request("GET", path)
        assert status == 200, status
        warm.append(took)
    cold, puts = [], []
    for i in range(cold_n):
        body = json.dumps({"value": 50 + i, "comment": f"scenario 7, build {i}"})
        status, _, took = c.request("PUT", f"/api/v1/kpis/{kpi}/readings/{quarter}", body, auth=True)
        if status not in (200, 201):
            raise SystemExit(f"PUT reading in {quarter}: HTTP {status}")
        puts.append(took)
        status, _, took = c.request("GET", path)
        assert status == 200, status
        cold.append(took)
    wm, cm = statistics.median(warm), statistics.median(cold)
    build = max(0.0, cm - wm)
    return {
        "year": year, "quarter": quarter, "items": items, "bytes": size,
        "warm_ms": {"median": round(wm * 1e3, 3), "min": round(min(warm) * 1e3, 3), "n": warm_n},
        "cold_ms": {"median": round(cm * 1e3, 3), "min": round(min(cold) * 1e3, 3), "n": cold_n},
        "build_ms": round(build * 1e3, 3),
        "build_us_per_item": round(build * 1e6 / items, 3) if items else None,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--token", required=True, help="an admin token (for the PUTs and the KPI lookup)")
    ap.add_argument("--warm", type=int, default=50)
    ap.add_argument("--cold", type=int, default=9)
    ap.add_argument("years", nargs="+", help="YEAR:QUARTER, e.g. 2030-31:2030-31-Q2")
    args = ap.parse_args()
    c = Client(args.port, args.token)
    rows = []
    for spec in args.years:
        year, quarter = spec.split(":")
        rows.append(measure(c, year, quarter, args.warm, args.cold))
        r = rows[-1]
        print(f"   {year}: {r['items']:,} items, warm {r['warm_ms']['median']} ms, "
              f"cold {r['cold_ms']['median']} ms: build {r['build_ms']} ms = "
              f"{r['build_us_per_item']} us/item", file=sys.stderr)
    json.dump({"years": rows}, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
