#!/usr/bin/env python3
"""Scenario 8 of tests/bench/run.sh: issue 18's trend paths at scale.

On one keep-alive connection, against a database holding the generated
framework with its multi-year KPI chains (gen_framework.py --chains):
  series/spc/chart: for the longest monthly chain (about 200 points) and the
        longest quarterly one, WARM repeated GETs of /series, /spc and
        /chart.svg (served from memory per data version: target < 1 ms), and
        COLD GETs each right after a PUT of a monthly value or reading of
        that KPI (the rebuild);
  quarter view: the biggest group's KPI and milestone lists with and without
        ?quarter= (first page of 100), WARM repeated and COLD (each right after
        a PATCH of a KPI of the year, which a list and a view both rebuild
        after; a reading's PUT rebuilds only the view; list and view in
        turn, 31 each), per item: the view should cost no more per item
        than the plain list (with --pid also the server's CPU per cold GET,
        which leaves out the client's parsing of the answer, and the same
        by blocks of write-then-GET cycles less a /healthz block: the
        steadier of the two; and by blocks of WARM GETs, as full answers
        and as 304s to If-None-Match, a dashboard's poll). A view item
        carries its update or reading and the previous one: about 2.5
        times a list item's bytes, which a full cached answer pays for;
        building it and revalidating it should cost no more per item;
  summary build: the year's summary, median of COLD GETs after a PUT minus
        the median WARM GET, per item, beside --baseline's figure for the
        same year (scenario 7 of a results file measured before issue 18:
        target within 20%; a figure from another run, so a hint only).
Prints one JSON document. Plain Python 3 standard library.

    trends.py --port 8080 --token ADMIN --year 2030-31 --quarter 2030-31-Q2 --group BG46 \\
        [--pid SERVER_PID] [--baseline tests/bench/results/latest.json]
"""
import argparse
import http.client
import json
import os
import statistics
import sys
import time


class Client:
    def __init__(self, port, token, pid=None):
        self.token = token
        self.pid = pid
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method, path, body=None, extra=None):
        headers = {"Authorization": "Bearer " + self.token}
        if body is not None:
            headers["Content-Type"] = "application/json"
        headers.update(extra or {})
        t0 = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        self.etag = resp.getheader("ETag")
        return resp.status, data, time.perf_counter() - t0

    def get_json(self, path):
        status, data, _ = self.request("GET", path)
        if status != 200:
            raise SystemExit(f"GET {path}: HTTP {status}")
        return json.loads(data)


def ms(values):
    values = sorted(values)
    return {"median": round(statistics.median(values) * 1e3, 3),
            "p90": round(values[min(len(values) - 1, int(len(values) * 0.9))] * 1e3, 3),
            "max": round(values[-1] * 1e3, 3), "n": len(values)}


def warm(c, path, n):
    c.request("GET", path)  # built once
    out = []
    for _ in range(n):
        status, _, took = c.request("GET", path)
        assert status == 200, (path, status)
        out.append(took)
    return out


def server_cpu_ns(pid):
    """Every thread's time on a CPU (ns) from /proc/PID/task/*/schedstat."""
    ns = 0
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{t}/schedstat", encoding="ascii") as f:
                ns += int(f.read().split()[0])
        except OSError:
            pass  # a thread that ended meanwhile
    return ns


def cold(c, path, n, write, cpu=None):
    """n GETs of path, each right after write(i); cpu (a list) receives the
    server's CPU seconds for each GET when the client knows its pid."""
    out = []
    for i in range(n):
        method, wpath, body = write(i)
        status, _, _ = c.request(method, wpath, body)
        if status not in (200, 201):
            raise SystemExit(f"{method} {wpath}: HTTP {status}")
        t0 = server_cpu_ns(c.pid) if cpu is not None else 0
        status, _, took = c.request("GET", path)
        if cpu is not None:
            cpu.append((server_cpu_ns(c.pid) - t0) / 1e9)
        assert status == 200, (path, status)
        out.append(took)
    return out


def chains(c, year):
    """The year's KPIs that continue another: (monthly, id) pairs."""
    found, cursor = [], None
    while True:
        page = c.get_json(f"/api/v1/kpis?year={year}&limit=500" + (f"&cursor={cursor}" if cursor else ""))
        found += [k for k in page["items"] if k.get("continues")]
        cursor = page.get("next")
        if not cursor:
            return found


def series_paths(c, kpi, quarter, n_warm, n_cold):
    monthly = kpi["frequency"] == "monthly"
    base = f"/api/v1/kpis/{kpi['id']}"
    points = len(c.get_json(base + "/series")["points"])
    months = [m for m in ("%s-%02d" % (int(quarter[:4]), 4 + 3 * (int(quarter[-1]) - 1) + k)
                          for k in range(3))]

    def write(i):
        if monthly:
            return "PUT", f"{base}/months/{months[i % 3]}", json.dumps({"value": 50 + i})
        return "PUT", f"{base}/readings/{quarter}", json.dumps({"value": 50 + i})

    out = {"kpi_id": kpi["id"], "code": kpi["code"], "frequency": kpi["frequency"], "points": points}
    for name in ("series", "spc", "chart.svg"):
        path = f"{base}/{name}"
        w = ms(warm(c, path, n_warm))
        out[name] = {"warm_ms": w, "cold_ms": ms(cold(c, path, n_cold, write)),
                     "warm_under_1_ms": w["median"] < 1.0}
    return out


def interleaved_cold(c, paths, n, write):
    """n COLD GETs of each path, taken in turn (a write before each), so
    that every path sees the same moments of a shared machine: per path,
    (wall seconds, server CPU seconds or [])."""
    out = {p: ([], []) for p in paths}
    for i in range(n):
        for j, path in enumerate(paths):
            wall, cpu = out[path]
            wall += cold(c, path, 1, lambda _: write(i * len(paths) + j),
                         cpu if c.pid else None)
    return out


def blocks(c, paths, write, rounds, size):
    """The server's CPU per GET of each path, by blocks: `size` cycles of
    write then GET, the whole block timed from /proc (so a thread that
    finishes the write after its answer is counted once per cycle, not in
    whichever GET follows), minus the same block with GET /healthz; paths
    taken in turn, the order reversed every round. Per path, the median
    over rounds (seconds). Steadier than per-GET medians on a shared
    machine, where one GET's window catches other threads' work."""
    order = ["/healthz"] + list(paths)
    got = {p: [] for p in order}
    k = 0
    for r in range(rounds):
        for path in (order if r % 2 == 0 else order[::-1]):
            t0 = server_cpu_ns(c.pid)
            for _ in range(size):
                method, wpath, body = write(k)
                k += 1
                status, _, _ = c.request(method, wpath, body)
                if status not in (200, 201):
                    raise SystemExit(f"{method} {wpath}: HTTP {status}")
                status, _, _ = c.request("GET", path)
                assert status == 200, (path, status)
            got[path].append((server_cpu_ns(c.pid) - t0) / 1e9 / size)
    base = statistics.median(got["/healthz"])
    return {p: statistics.median(got[p]) - base for p in paths}


def warm_blocks(c, paths, rounds, size):
    """The server's CPU per WARM GET of each path (served from the cache),
    by blocks as blocks() takes them, minus a /healthz block: as a full 200
    and as a dashboard's poll, a 304 to If-None-Match. Per path, a pair of
    medians (seconds)."""
    tags = {}
    for path in paths:
        c.request("GET", path)
        tags[path] = c.etag
    order = [("/healthz", None)] + [(p, None) for p in paths] + [(p, tags[p]) for p in paths]
    got = {o: [] for o in order}
    for r in range(rounds):
        for path, tag in (order if r % 2 == 0 else order[::-1]):
            extra = {"If-None-Match": tag} if tag else None
            t0 = server_cpu_ns(c.pid)
            for _ in range(size):
                status, _, _ = c.request("GET", path, extra=extra)
                assert status == (304 if tag else 200), (path, status)
            got[(path, tag)].append((server_cpu_ns(c.pid) - t0) / 1e9 / size)
    base = statistics.median(got[("/healthz", None)])
    return {p: (statistics.median(got[(p, None)]) - base, statistics.median(got[(p, tags[p])]) - base)
            for p in paths}


def per_item(c, path, n_warm, cold_s):
    _, body, _ = c.request("GET", path)
    items = len(json.loads(body)["items"])
    wall, cpu = cold_s
    w, k = ms(warm(c, path, n_warm)), ms(wall)
    out = {"path": path, "items": items, "bytes_per_item": round(len(body) / items) if items else None,
           "warm_ms": w, "cold_ms": k,
           "warm_us_per_item": round(w["median"] * 1e3 / items, 3) if items else None,
           "cold_us_per_item": round(k["median"] * 1e3 / items, 3) if items else None}
    if cpu and items:
        out["cold_server_cpu_us_per_item"] = round(statistics.median(cpu) * 1e6 / items, 3)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--year", required=True)
    ap.add_argument("--quarter", required=True)
    ap.add_argument("--group", required=True)
    ap.add_argument("--warm", type=int, default=200)
    ap.add_argument("--cold", type=int, default=9)
    ap.add_argument("--cold-views", type=int, default=31,
                    help="COLD GETs of each list and view, taken in turn (default 31)")
    ap.add_argument("--block-rounds", type=int, default=8,
                    help="rounds of the block measure of list and view (with --pid; default 8)")
    ap.add_argument("--block-size", type=int, default=50,
                    help="write-then-GET cycles per block (default 50)")
    ap.add_argument("--pid", type=int,
                    help="the server's pid: its CPU per cold GET is measured too (Linux /proc)")
    ap.add_argument("--baseline", help="a results JSON with scenario 7 measured before issue 18")
    args = ap.parse_args()
    c = Client(args.port, args.token, args.pid)

    found = chains(c, args.year)
    if not found:
        raise SystemExit(f"no KPI of {args.year} continues another: generate with --chains")
    out = {"year": args.year, "quarter": args.quarter, "chains": len(found), "series": []}
    for freq in ("monthly", "quarterly"):
        pick = [k for k in found if k["frequency"] == freq]
        if pick:
            out["series"].append(series_paths(c, pick[0], args.quarter, args.warm, args.cold))

    # Any PUT in the year invalidates the year's lists, views and summary.
    some = found[0]

    def put_reading(i):
        return ("PUT", f"/api/v1/kpis/{some['id']}/readings/{args.quarter}",
                json.dumps({"value": 60 + i}))

    def patch_kpi(i):
        return "PATCH", f"/api/v1/kpis/{some['id']}", json.dumps({"source": f"bench {i}"})

    views = {}
    for kind in ("kpis", "milestones"):
        plain = f"/api/v1/{kind}?year={args.year}&group={args.group}&limit=100"
        quarter = plain + f"&quarter={args.quarter}"
        colds = interleaved_cold(c, [plain, quarter], args.cold_views, patch_kpi)
        lst = per_item(c, plain, args.warm, colds[plain])
        view = per_item(c, quarter, args.warm, colds[quarter])
        views[kind] = {"list": lst, "quarter_view": view,
                       "cold_ratio_view_to_list": round(view["cold_us_per_item"] / lst["cold_us_per_item"], 3)
                       if lst["cold_us_per_item"] else None,
                       "warm_ratio_view_to_list": round(view["warm_us_per_item"] / lst["warm_us_per_item"], 3)
                       if lst["warm_us_per_item"] else None}
        if lst.get("cold_server_cpu_us_per_item"):
            views[kind]["cold_server_cpu_ratio_view_to_list"] = round(
                view["cold_server_cpu_us_per_item"] / lst["cold_server_cpu_us_per_item"], 3)
        if args.pid and lst["items"] and view["items"]:
            b = blocks(c, [plain, quarter], patch_kpi, args.block_rounds, args.block_size)
            lb, vb = b[plain] * 1e6 / lst["items"], b[quarter] * 1e6 / view["items"]
            views[kind]["blocks"] = {"rounds": args.block_rounds, "size": args.block_size,
                                     "list_server_cpu_us_per_item": round(lb, 3),
                                     "view_server_cpu_us_per_item": round(vb, 3),
                                     "ratio_view_to_list": round(vb / lb, 3) if lb > 0 else None}
            wb = warm_blocks(c, [plain, quarter], args.block_rounds, 4 * args.block_size)
            per = {k: [x * 1e6 / n for x in wb[p]]
                   for k, p, n in (("list", plain, lst["items"]), ("view", quarter, view["items"]))}
            views[kind]["warm_blocks"] = {
                "rounds": args.block_rounds, "size": 4 * args.block_size,
                "list_server_cpu_us_per_item": round(per["list"][0], 3),
                "view_server_cpu_us_per_item": round(per["view"][0], 3),
                "ratio_view_to_list": round(per["view"][0] / per["list"][0], 3) if per["list"][0] > 0 else None,
                "list_304_server_cpu_us_per_item": round(per["list"][1], 3),
                "view_304_server_cpu_us_per_item": round(per["view"][1], 3),
                "ratio_304_view_to_list": round(per["view"][1] / per["list"][1], 3) if per["list"][1] > 0 else None}
    out["quarter_views"] = views

    spath = f"/api/v1/summary?quarter={args.quarter}"
    overall = c.get_json(spath)["overall"]
    items = overall["milestones"]["total"] + overall["kpis"]["total"]
    w, k = warm(c, spath, 50), cold(c, spath, args.cold, put_reading)
    build = max(0.0, statistics.median(k) - statistics.median(w))
    summary = {"items": items, "warm_ms": ms(w), "cold_ms": ms(k), "build_ms": round(build * 1e3, 3),
               "build_us_per_item": round(build * 1e6 / items, 3)}
    if args.baseline:
        try:
            with open(args.baseline, encoding="utf-8") as f:
                base = json.load(f)
            years = (base.get("scenarios") or {}).get("7_summary_scale") or []
            before = next((y["build_us_per_item"] for y in years if y.get("year") == args.year), None)
        except (OSError, ValueError):
            before = None
        if before:
            summary["baseline_us_per_item"] = before
            summary["ratio_to_baseline"] = round(summary["build_us_per_item"] / before, 3)
    out["summary_build"] = summary
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
