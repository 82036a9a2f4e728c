#!/usr/bin/env python3
"""Turn the raw measurements of tests/bench/run.sh into the results: a table
on stdout, RESULTS/latest.json and RESULTS/latest.md. Targets are
informative: this never fails because one is missed."""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys

MIB = 1024.0


def load(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def run(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return (p.stdout.strip() + "\n" + p.stderr.strip()).strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine(work, first_snap):
    info = {"nproc": os.cpu_count(), "kernel": f"{platform.system()} {platform.release()}"}
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
            info["cpu_model"] = m.group(1) if m else None
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            m = re.search(r"^MemTotal:\s*(\d+)", f.read(), re.M)
            info["memory_mib"] = round(int(m.group(1)) / 1024) if m else None
    except OSError:
        pass
    try:
        with open("/etc/os-release") as f:
            m = re.search(r'^PRETTY_NAME="?(.*?)"?$', f.read(), re.M)
            info["os"] = m.group(1) if m else None
    except OSError:
        pass
    if shutil.which("systemd-detect-virt"):
        info["virtualization"] = run(["systemd-detect-virt"]) or None
    disk = {"dir": work}
    out = run(["findmnt", "-n", "-o", "SOURCE,FSTYPE,OPTIONS", "-T", work]).split()
    if len(out) >= 2:
        disk["device"], disk["fstype"] = out[0], out[1]
        disk["mount_options"] = out[2] if len(out) > 2 else None
        dev = os.path.basename(out[0])
        sysdev = f"/sys/class/block/{dev}"
        if os.path.exists(f"{sysdev}/partition"):
            sysdev = os.path.dirname(os.path.realpath(sysdev))
        try:
            with open(f"{sysdev}/queue/rotational") as f:
                disk["rotational"] = f.read().strip() == "1"
        except OSError:
            disk["rotational"] = None
        if os.path.basename(sysdev).startswith("vd"):
            # virtio disks report rotational=1 by default: the medium behind them is unknown.
            disk["type"] = "virtio block device (backing medium unknown)"
        elif disk["rotational"] is None:
            disk["type"] = "unknown"
        else:
            disk["type"] = "rotational (HDD)" if disk["rotational"] else "non-rotational (SSD/NVMe)"
    info["disk"] = disk
    if first_snap:
        info["loadavg_at_start"] = first_snap.get("loadavg")
    return info


def versions(root):
    v = {}
    v["wrk"] = run(["wrk", "-v"]).split("\n")[0].split(" Copyright")[0]
    v["nginx"] = run(["nginx", "-v"]).replace("nginx version: ", "")
    v["h2o"] = run(["h2o", "--version"]).split("\n")[0].replace("h2o version ", "")
    pkgs = run(["dpkg-query", "-W", "-f", "${Package} ${Version}\n", "libsqlite3-0", "libmicrohttpd12",
                "libjansson4", "gcc"])
    v["packages"] = [line for line in pkgs.split("\n") if line and "no packages" not in line]
    head = os.path.join(root, ".git", "HEAD")
    try:  # the commit, without running git
        with open(head) as f:
            ref = f.read().strip()
        if ref.startswith("ref: "):
            name = ref[5:]
            path = os.path.join(root, ".git", name)
            if os.path.exists(path):
                with open(path) as f:
                    ref = f.read().strip()
            else:
                with open(os.path.join(root, ".git", "packed-refs")) as f:
                    for line in f:
                        if line.strip().endswith(" " + name):
                            ref = line.split()[0]
        v["commit"] = ref
    except OSError:
        pass
    return v


def usage(before, after, client_time=None):
    """Server CPU (% of one core), RSS, machine CPU, from two snapshots."""
    hz = os.sysconf("SC_CLK_TCK")
    ncpu = os.cpu_count() or 1
    wall = (after["t_ns"] - before["t_ns"]) / 1e9
    u = {
        "wall_s": round(wall, 3),
        "server_cpu_pct": round(100.0 * (after["ticks"] - before["ticks"]) / hz / wall, 1),
        "server_rss_mib": round(after["rss_kib"] / MIB, 1),
        "server_peak_rss_mib": round(after["hwm_kib"] / MIB, 1),
    }
    total = after["cpu_total"] - before["cpu_total"]
    if total > 0:
        u["machine_cpu_pct"] = round(100.0 * ncpu * (after["cpu_busy"] - before["cpu_busy"]) / total, 1)
    if client_time:
        real, user, sys_ = client_time
        u["client_cpu_pct"] = round(100.0 * (user + sys_) / real, 1) if real > 0 else None
        if "machine_cpu_pct" in u and u["client_cpu_pct"] is not None:
            u["other_cpu_pct"] = round(max(0.0, u["machine_cpu_pct"] - u["server_cpu_pct"]
                                           - u["client_cpu_pct"]), 1)
    u["cpu_capacity_pct"] = 100 * ncpu
    u["loadavg_after"] = after.get("loadavg")
    return u


def wrk_raw(d):
    """One wrk process's own figures (its BENCH_JSON line), and its CPU time
    (real, user, sys) or None."""
    with open(os.path.join(d, "wrk.txt")) as f:
        text = f.read()
    m = re.search(r"^BENCH_JSON (.*)$", text, re.M)
    raw = json.loads(m.group(1))
    try:
        with open(os.path.join(d, "client_time.txt")) as f:
            client_time = [float(x) for x in f.read().split()[:3]]
    except (OSError, ValueError):
        client_time = None
    secs = raw["duration_us"] / 1e6
    lat = raw["latency_us"]
    errs = raw["errors"]
    r = {
        "requests": raw["requests"],
        "duration_s": round(secs, 3),
        "rps": round(raw["requests"] / secs, 1),
        "mb_per_s": round(raw["bytes"] / secs / 1e6, 2),
        "latency_ms": {
            "p50": lat["percentiles"]["50"] / 1000, "p75": lat["percentiles"]["75"] / 1000,
            "p90": lat["percentiles"]["90"] / 1000, "p99": lat["percentiles"]["99"] / 1000,
            "p99.9": lat["percentiles"]["99.9"] / 1000, "max": lat["max"] / 1000,
            "mean": round(lat["mean"] / 1000, 3),
        },
        "errors": {
            "status_non_2xx_3xx": errs["status"],
            "socket": errs["connect"] + errs["read"] + errs["write"] + errs["timeout"],
            "detail": errs,
        },
        "counters": raw.get("counters") or {},
    }
    return r, client_time


def server_side(r, d, client_time):
    """Add the server's CPU and memory (snapshots in d), the client's CPU and
    the writer's batches to the result r of the wrk run(s) measured there."""
    before, after = load(os.path.join(d, "before.json")), load(os.path.join(d, "after.json"))
    r.update(usage(before, after, client_time))
    w = writer_stats(d)
    if w:
        r["writer"] = w
    # Server CPU per request: unlike req/s, barely moved by other load on the machine.
    if r["requests"]:
        r["server_cpu_us_per_request"] = round(
            (after["ticks"] - before["ticks"]) / os.sysconf("SC_CLK_TCK") * 1e6 / r["requests"], 1)
    return r


def wrk_result(d):
    r, client_time = wrk_raw(d)
    return server_side(r, d, client_time)


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def rounds_of(s, peer):
    """Scenario 1's rounds of one server (directories s1_PEER.rN), in order."""
    found = []
    for name in os.listdir(s) if os.path.isdir(s) else []:
        m = re.fullmatch(rf"s1_{peer}\.r(\d+)", name)
        if m and os.path.exists(os.path.join(s, name, "wrk.txt")):
            found.append((int(m.group(1)), wrk_result(os.path.join(s, name))))
    return [r for _, r in sorted(found)]


def combine_rounds(rounds):
    """One server over scenario 1's rounds: the median of the rounds for req/s,
    each latency percentile and the CPU figures; the largest max latency and
    peak RSS; errors and requests summed. The rounds themselves are kept."""
    if not rounds:
        return None

    def med(f, digits=3):
        v = median([f(r) for r in rounds])
        return None if v is None else round(v, digits)

    lat = {k: med(lambda r, k=k: r["latency_ms"][k]) for k in ("p50", "p75", "p90", "p99", "p99.9", "mean")}
    lat["max"] = max(r["latency_ms"]["max"] for r in rounds)
    detail = {}
    for r in rounds:
        for k, v in r["errors"]["detail"].items():
            detail[k] = detail.get(k, 0) + v
    out = {
        "rounds_n": len(rounds),
        "requests": sum(r["requests"] for r in rounds),
        "duration_s": round(sum(r["duration_s"] for r in rounds), 3),
        "rps": med(lambda r: r["rps"], 1),
        "mb_per_s": med(lambda r: r["mb_per_s"], 2),
        "latency_ms": lat,
        "errors": {"status_non_2xx_3xx": sum(r["errors"]["status_non_2xx_3xx"] for r in rounds),
                   "socket": sum(r["errors"]["socket"] for r in rounds), "detail": detail},
        "counters": {},
        "wall_s": round(sum(r["wall_s"] for r in rounds), 3),
        "server_rss_mib": rounds[-1]["server_rss_mib"],
        "server_peak_rss_mib": max(r["server_peak_rss_mib"] for r in rounds),
        "cpu_capacity_pct": rounds[-1]["cpu_capacity_pct"],
        "loadavg_after": rounds[-1].get("loadavg_after"),
    }
    for k in ("server_cpu_pct", "machine_cpu_pct", "client_cpu_pct", "other_cpu_pct", "server_cpu_us_per_request"):
        out[k] = med(lambda r, k=k: r.get(k), 1)
    out["rounds"] = [{"round": i + 1, "rps": r["rps"], "p50_ms": r["latency_ms"]["p50"],
                      "p99_ms": r["latency_ms"]["p99"], "max_ms": r["latency_ms"]["max"],
                      "errors": r["errors"]["status_non_2xx_3xx"] + r["errors"]["socket"],
                      "server_cpu_pct": r["server_cpu_pct"], "client_cpu_pct": r.get("client_cpu_pct"),
                      "other_cpu_pct": r.get("other_cpu_pct"),
                      "server_cpu_us_per_request": r.get("server_cpu_us_per_request")}
                     for i, r in enumerate(rounds)]
    return out


def mixed_result(d):
    """Scenario 4: the reading wrk and the writing wrk, run side by side, each
    with its own exact latency distribution; the server's side over both."""
    if not all(os.path.exists(os.path.join(d, p, "wrk.txt")) for p in ("reads", "writes")):
        return None
    reads, rt = wrk_raw(os.path.join(d, "reads"))
    writes, wt = wrk_raw(os.path.join(d, "writes"))
    settings = load(os.path.join(d, "settings.json"), {}) or {}
    client_time = None
    if rt and wt:  # the two ran at once: their CPU adds up over the same wall time
        client_time = [max(rt[0], wt[0]), rt[1] + wt[1], rt[2] + wt[2]]
    r = {"requests": reads["requests"] + writes["requests"], "rps": round(reads["rps"] + writes["rps"], 1),
         "reads": reads, "writes": writes, "settings": settings}
    return server_side(r, d, client_time)


def prom(path):
    """The unlabelled samples of a Prometheus text file, or {} when absent."""
    out = {}
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and not line.startswith("#") and "{" not in parts[0]:
                    out[parts[0]] = float(parts[1])
    except OSError:
        pass
    return out


def writer_stats(d):
    """The writer thread's batches during the run, from ragboard's /metrics."""
    a, b = prom(os.path.join(d, "metrics_before.txt")), prom(os.path.join(d, "metrics_after.txt"))
    key = "ragboard_write_batches_total"
    if key not in a or key not in b or b[key] <= a[key]:
        return None
    delta = {k: b[k] - a.get(k, 0) for k in b if k.startswith("ragboard_write_")}
    n, reqs = delta["ragboard_write_batches_total"], delta["ragboard_write_batch_requests_total"]
    work, commit = delta["ragboard_write_work_seconds_total"], delta["ragboard_write_commit_seconds_total"]
    return {"batches": int(n), "requests": int(reqs), "mean_batch": round(reqs / n, 2),
            "work_ms_per_batch": round(1000 * work / n, 3), "commit_ms_per_batch": round(1000 * commit / n, 3),
            "work_s": round(work, 3), "commit_s": round(commit, 3)}


def fmt(x, digits=1):
    if x is None:
        return "-"
    if isinstance(x, float):
        if abs(x) >= 100:
            return f"{x:,.0f}"
        return f"{x:.{digits}f}" if abs(x) >= 10 else f"{x:.{digits + 1}f}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--root", default=".")
    ap.add_argument("--seconds", type=int, required=True)
    ap.add_argument("--connections", type=int, required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--log-level", default="info")
    ap.add_argument("--rounds", type=int, default=1, help="scenario 1's rounds")
    ap.add_argument("--round-seconds", type=int, default=None, help="scenario 1's seconds per round and server")
    ap.add_argument("--h2o-threads", type=int, default=2)
    args = ap.parse_args()
    work, s = args.work, os.path.join(args.work, "s")

    res = {}
    for name in ("s2_list", "s2_list_1conn", "s3_put"):
        if os.path.exists(os.path.join(s, name, "wrk.txt")):
            res[name] = wrk_result(os.path.join(s, name))
    s1_rounds = {peer: rounds_of(s, peer) for peer in ("summary", "nginx", "h2o")}
    for peer, rounds in s1_rounds.items():
        if rounds:
            res["s1_" + peer] = combine_rounds(rounds)
    s4 = mixed_result(os.path.join(s, "s4_mixed"))
    if s4:
        res["s4_mixed"] = s4

    imp = load(os.path.join(work, "import.json"), {})
    if imp:
        c = imp["counts"]
        rows = c["milestones"] + c["kpis"] + c["updates"] + c["readings"]
        imp["rows"] = rows
        imp["rows_per_s"] = round(rows / imp["wall_s"], 0)
        imp["wall_s"] = round(imp["wall_s"], 3)

    bulk = {}
    runs_path = os.path.join(s, "s5_bulk", "runs.jsonl")
    if os.path.exists(runs_path):
        with open(runs_path) as f:
            runs = [json.loads(line) for line in f if line.strip()]
        written = []
        for i in range(1, len(runs) + 1):
            a = load(os.path.join(s, "s5_bulk", f"answer{i}.json"), {}) or {}
            written.append((a.get("milestones") or {}).get("written", 0) + (a.get("kpis") or {}).get("written", 0))
        times = [r["time_total"] for r in runs]
        bulk = {"runs": runs, "rows_written": written, "times_s": times,
                "median_s": sorted(times)[len(times) // 2], "max_s": max(times),
                "body_bytes": runs[0]["size_upload"] if runs else None,
                "all_ok": all(r["status"] == 200 for r in runs) and all(w == 5000 for w in written)}
        bulk.update(usage(load(os.path.join(s, "s5_bulk", "before.json")),
                          load(os.path.join(s, "s5_bulk", "after.json"))))

    idle = load(os.path.join(s, "s6_idle", "idle.json"), {}) or {}
    scale = (load(os.path.join(s, "s7_scale", "scale.json"), {}) or {}).get("years") or []
    trends = load(os.path.join(s, "s8_trends", "trends.json"), {}) or {}
    board = (load(os.path.join(s, "s9_report", "report.json"), {}) or {}).get("years") or []
    fsync = load(os.path.join(work, "fsync.json"), {}) or {}
    server = load(os.path.join(work, "server.json"), {}) or {}
    gen = load(os.path.join(work, "gen.json"), {}) or {}
    first = load(os.path.join(s, "s1_summary.r1", "before.json"))
    try:
        server["log_bytes"] = os.path.getsize(os.path.join(work, "server.log"))
    except OSError:
        pass

    # ---- targets -------------------------------------------------------------------
    rows = []  # (id, scenario, metrics dict, target text, pass bool or None)
    s1, ng, h2 = res.get("s1_summary"), res.get("s1_nginx"), res.get("s1_h2o")

    def ratio_to(peer):  # ragboard/peer: of the medians, and round by round
        if not (s1 and peer and peer["rps"]):
            return None, []
        per_round = [round(a["rps"] / b["rps"], 3) for a, b in zip(s1["rounds"], peer["rounds"]) if b["rps"]]
        return round(s1["rps"] / peer["rps"], 3), per_round

    ratio, ratio_rounds = ratio_to(ng)
    ratio_h2o, ratio_h2o_rounds = ratio_to(h2)
    rounds_note = f", median of {s1['rounds_n']} rounds" if s1 and s1["rounds_n"] > 1 else ""
    if s1:
        errors = s1["errors"]["status_non_2xx_3xx"] + s1["errors"]["socket"]
        vs = []
        if ratio is not None:
            vs.append(f"is {ratio * 100:.0f}%")
        if ratio_h2o is not None:
            vs.append(f"ragboard/h2o {ratio_h2o * 100:.0f}%")
        rows.append(("1", f"GET summary (dashboard poll), anonymous{rounds_note}", s1,
                     f">= 50% of nginx ({'; '.join(vs)}), p99 < 5 ms, no errors" if ratio else "p99 < 5 ms",
                     bool(ratio is not None and ratio >= 0.5 and s1["latency_ms"]["p99"] < 5 and errors == 0)))
    if ng:
        rows.append(("1n", "nginx: same bytes, static file", ng, "reference", None))
    if h2:
        rows.append(("1h", f"h2o: same bytes, static file, {args.h2o_threads} threads", h2, "reference", None))
    s2 = res.get("s2_list")
    if s2:
        rows.append(("2", f"GET kpis?year&group={server.get('group', '?')} (100 of the large framework)", s2,
                     "p99 < 10 ms", s2["latency_ms"]["p99"] < 10))
    s2q = res.get("s2_list_1conn")
    if s2q:
        rows.append(("2q", "the same list, 1 connection (no queueing)", s2q, "reference", None))
    s3 = res.get("s3_put")
    if s3:
        limit = (fsync.get("overwrite") or {}).get("fsyncs_per_s")
        rows.append(("3", "PUT readings, 4 submitter tokens (durable)", s3,
                     ">= 3,000 writes/s" + (f" (disk: {limit:,.0f} fsync/s)" if limit else ""),
                     s3["rps"] >= 3000))
    s4 = res.get("s4_mixed")
    if s4:
        rd, wr = s4["reads"], s4["writes"]
        cnt = rd["counters"]
        s4["reads_per_s"], s4["writes_per_s"] = rd["rps"], wr["rps"]
        s4["write_share"] = round(wr["requests"] / max(1, s4["requests"]), 4)
        target_rate = s4["settings"].get("writes_per_s_target")
        s4["mix"] = {"summaries": cnt.get("summaries", 0), "lists": cnt.get("lists", 0),
                     "writes": wr["counters"].get("writes", 0)}
        fs = cnt.get("summaries", 0) / max(1, cnt.get("summaries", 0) + cnt.get("lists", 0))
        if s1 and s2:  # information: what the same read mix would give without writes
            s4["read_mix_capacity_without_writes"] = round(1 / (fs / s1["rps"] + (1 - fs) / s2["rps"]), 1)

            # What a write costs, client and server CPU together (the two
            # share the machine): a read is costed as in scenarios 1 and 2,
            # so the rest of the mix's CPU is the writes'.
            def cpu_us(m, server_only=False):  # CPU µs per request
                pct = m["server_cpu_pct"] + (0 if server_only else m["client_cpu_pct"])
                return pct / 100 * 1e6 / m["rps"]

            if all(m.get("client_cpu_pct") is not None for m in (s1, s2, s4)) and s4["writes_per_s"]:
                read_all = fs * cpu_us(s1) + (1 - fs) * cpu_us(s2)
                read_srv = fs * cpu_us(s1, True) + (1 - fs) * cpu_us(s2, True)
                s4["cpu_budget"] = {
                    "read_us": round(read_all, 1),
                    "write_us": round((cpu_us(s4) * s4["rps"] - s4["reads_per_s"] * read_all)
                                      / s4["writes_per_s"], 1),
                    "write_server_us": round((cpu_us(s4, True) * s4["rps"] - s4["reads_per_s"] * read_srv)
                                             / s4["writes_per_s"], 1),
                    "reads_per_write": round(s4["reads_per_s"] / s4["writes_per_s"], 2),
                }
        keep = s4["reads_per_s"] / s1["rps"] if s1 else None
        s4["reads_vs_scenario1"] = round(keep, 3) if keep is not None else None
        p99, p99_s1 = rd["latency_ms"]["p99"], (s1 or {}).get("latency_ms", {}).get("p99")
        s4["read_p99_vs_scenario1"] = round(p99 / p99_s1, 2) if p99_s1 else None
        s4["writes_pace_held"] = bool(target_rate and wr["rps"] >= 0.95 * target_rate)
        # The table's rows: the reads (with the whole mix's server side) and the writes.
        row_r = {k: v for k, v in s4.items() if k not in ("reads", "writes")}
        row_r.update(rps=rd["rps"], latency_ms=rd["latency_ms"], errors=rd["errors"])
        row_w = {"rps": wr["rps"], "latency_ms": wr["latency_ms"], "errors": wr["errors"]}
        rows.append(("4", f"mixed, the reads: 18 summaries : 1 list, {s4['settings'].get('read_connections', '?')} "
                          "connections as in 1, beside the writes of 4w", row_r,
                     f"read p99 <= 2x scenario 1's ({fmt(p99_s1, 2)} ms): is {s4['read_p99_vs_scenario1']}x"
                     if p99_s1 else "read p99 <= 2x scenario 1's",
                     bool(p99_s1 and p99 <= 2 * p99_s1)))
        pace = (f"paced at {fmt(target_rate)}/s" + (" (not held)" if not s4["writes_pace_held"] else "")
                if target_rate else "")
        rows.append(("4w", f"mixed, the writes: PUT readings, 4 tokens, {s4['settings'].get('write_connections', '?')} "
                           "connections of their own", row_w,
                     f"information: {pace}, {s4['write_share'] * 100:.1f}% of the mix's requests", None))
    if bulk:
        rows.append(("5a", "bulk return, 5,000 rows, JSON, as admin", bulk,
                     f"< 1 s (worst of {len(bulk['times_s'])})", bool(bulk["all_ok"] and bulk["max_s"] < 1)))
    if imp:
        rows.append(("5b", f"import {imp['rows']:,} rows ({imp['file_bytes'] / 1e6:.1f} MB JSON), CLI", imp,
                     ">= 50,000 rows/s", imp["rows_per_s"] >= 50000))
    if idle:
        ok = idle.get("answered") == idle.get("count") and idle.get("still_open_after_hold") == idle.get("count")
        rows.append(("6", f"{idle.get('count')} idle keep-alive connections", idle,
                     "< 64 MiB RSS held" + ("" if ok else " (not all held!)"),
                     bool(ok and idle.get("rss_held_max_kib", 1 << 30) < 64 * 1024)))

    scale_lines = []
    if scale:
        years = sorted(scale, key=lambda y: y["items"])
        generated = [y for y in years if y["items"] >= 1000 and y.get("build_us_per_item")]
        lin = (round(generated[-1]["build_us_per_item"] / generated[0]["build_us_per_item"], 2)
               if len(generated) >= 2 else None)
        warm_ok = all(y["warm_ms"]["median"] < 1 for y in years)
        rows.append(("7", f"summary build vs plan-year size ({years[0]['items']:,}-{years[-1]['items']:,} items)",
                     {"years": years, "per_item_ratio_largest_smallest": lin},
                     "build cost linear in items (µs/item at the largest within 1.5x of the smallest "
                     f"generated year: is {lin}x); repeated summary < 1 ms",
                     bool(lin is not None and lin <= 1.5 and warm_ok)))
        for y in years:
            scale_lines.append(
                f"summary {y['quarter']} ({y['items']:,} items, {y['bytes']:,} bytes): built in {y['build_ms']} ms "
                f"after a write ({y['build_us_per_item']} µs/item, median of {y['cold_ms']['n']}), "
                f"repeated {y['warm_ms']['median']} ms (median of {y['warm_ms']['n']}, one connection)")

    trend_lines = []
    if trends.get("series"):
        ser = trends["series"]
        warm_ok = all(x[k]["warm_ms"]["median"] < 1 for x in ser for k in ("series", "spc", "chart.svg"))
        rows.append(("8", "/series, /spc, /chart.svg of the longest chains ("
                     + ", ".join(f"{x['points']} {x['frequency']} points" for x in ser) + ")",
                     {"series": ser}, "repeated < 1 ms", bool(warm_ok)))
        for x in ser:
            trend_lines.append(
                f"{x['frequency']} chain {x['code']} ({x['points']} points): repeated series/spc/chart "
                f"{x['series']['warm_ms']['median']}/{x['spc']['warm_ms']['median']}/"
                f"{x['chart.svg']['warm_ms']['median']} ms, rebuilt after a write "
                f"{x['series']['cold_ms']['median']}/{x['spc']['cold_ms']['median']}/"
                f"{x['chart.svg']['cold_ms']['median']} ms (medians)")
        qv = trends.get("quarter_views") or {}
        ratios = [v.get("cold_ratio_view_to_list") for v in qv.values()]
        rows.append(("8q", "quarter views of the biggest group against its lists (built, per item)", qv,
                     "view µs/item <= list's (is " + ", ".join(f"{k} {v.get('cold_ratio_view_to_list')}x"
                                                              for k, v in qv.items()) + ")",
                     bool(ratios and all(r is not None and r <= 1.0 for r in ratios))))
        for k, v in qv.items():
            trend_lines.append(
                f"{k} of {trends.get('quarter')} ({v['list']['items']} items): view built "
                f"{v['quarter_view']['cold_us_per_item']} µs/item, list {v['list']['cold_us_per_item']} µs/item; "
                f"repeated {v['quarter_view']['warm_ms']['median']} / {v['list']['warm_ms']['median']} ms")
        sb = trends.get("summary_build") or {}
        if sb:
            r = sb.get("ratio_to_baseline")
            rows.append(("8s", "summary build with direction-of-travel counts", sb,
                         "within 20% of the results file's scenario 7 before issue 18 (is "
                         f"{r}x; another run)", None if r is None else r <= 1.2))
            trend_lines.append(
                f"summary {trends.get('quarter')} build {sb['build_us_per_item']} µs/item "
                f"(before: {sb.get('baseline_us_per_item')} µs/item in the results file)")
    if board:
        # Targets (issue 19): a cached report as cheap as a cached summary
        # (server CPU per request within 1.5x); a rebuild after a write
        # under 20 ms for the demo and under 1 s for 20,000 items.
        ok = True
        for y in board:
            c = y["cached"]
            ratio = round(c["report_html"]["server_cpu_us"] / max(c["summary"]["server_cpu_us"], 0.1), 2)
            limit = 20 if y["items"] < 1000 else 1000
            y["cached_cpu_ratio_report_summary"] = ratio
            ok = ok and ratio <= 1.5 and y["rebuild_html"]["build_ms"] < limit and \
                y["rebuild_json"]["build_ms"] < limit
            scale_lines.append(
                f"board report {y['quarter']} ({y['items']:,} items): cached HTML {c['report_html']['median_us']} µs "
                f"({c['report_html']['server_cpu_us']} µs server CPU, {c['report_html']['bytes']:,} bytes) vs cached "
                f"summary {c['summary']['median_us']} µs ({c['summary']['server_cpu_us']} µs CPU): {ratio}x CPU; "
                f"rebuilt after a write: HTML {y['rebuild_html']['build_ms']} ms, JSON {y['rebuild_json']['build_ms']} ms "
                f"(median of {y['rebuild_html']['n']}; target < {limit} ms)")
        rows.append(("9", f"board report, cached and rebuilt ({board[0]['items']:,}-{board[-1]['items']:,} items)",
                     {"years": board},
                     "cached report CPU/request within 1.5x of the cached summary's; rebuild after a write "
                     "< 20 ms (demo), < 1 s (20,000 items)", bool(ok)))

    # ---- the table -------------------------------------------------------------------
    head = ["#", "scenario", "req/s", "p50 ms", "p99 ms", "max ms", "errors", "RSS/peak MiB",
            "CPU % srv/wrk/other", "srv CPU µs/req", "target", "pass"]
    table = []
    for rid, name, m, target, ok in rows:
        if "rps" in m:
            rps = fmt(m["rps"])
            lat = m["latency_ms"]
            e = m["errors"]
            errs = f"{e['status_non_2xx_3xx']}+{e['socket']}"
            if rid == "4w":  # the mix's server side is on row 4
                mem = cpu = "(see 4)"
            else:
                mem = f"{fmt(m['server_rss_mib'])}/{fmt(m['server_peak_rss_mib'])}"
                cpu = f"{fmt(m['server_cpu_pct'])}/{fmt(m.get('client_cpu_pct'))}/{fmt(m.get('other_cpu_pct'))}"
            table.append([rid, name, rps, fmt(lat["p50"], 2), fmt(lat["p99"], 2), fmt(lat["max"], 1),
                          errs, mem, cpu, fmt(m.get("server_cpu_us_per_request")), target, ok])
        elif rid == "5a":
            t = m["times_s"]
            table.append([rid, name, "-", f"{sorted(t)[len(t) // 2] * 1000:,.0f}", "-",
                          f"{max(t) * 1000:,.0f}", str(sum(1 for r in m["runs"] if r["status"] != 200)),
                          f"{fmt(m['server_rss_mib'])}/{fmt(m['server_peak_rss_mib'])}",
                          f"{fmt(m['server_cpu_pct'])}/-/-", "-", target, ok])
        elif rid == "5b":
            table.append([rid, name, f"{m['rows_per_s']:,.0f} rows/s", "-", "-",
                          f"{m['wall_s'] * 1000:,.0f}", "0", "-",
                          f"{100 * sum(m['cpu'][1:]) / max(m['cpu'][0], 1e-9):.0f}/-/-",
                          f"{sum(m['cpu'][1:]) * 1e6 / m['rows']:.1f}/row", target, ok])
        elif rid == "6":
            table.append([rid, name, "-", "-", "-", "-",
                          str(m.get("count", 0) - m.get("answered", 0)),
                          f"{m['rss_before_kib'] / MIB:.1f} -> {m['rss_held_max_kib'] / MIB:.1f}",
                          f"{fmt(m.get('server_cpu_pct_while_idle'))}/-/-", "-", target, ok])
        elif rid == "7":
            big = m["years"][-1]
            table.append([rid, name, "-", fmt(big["warm_ms"]["median"], 2), "-", fmt(big["cold_ms"]["median"], 1),
                          "0", "-", "-", "-", target, ok])
    for r in table:
        r[-1] = "-" if r[-1] is None else ("PASS" if r[-1] else "FAIL")

    mach = machine(work, first)
    out = {
        "generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "settings": {"seconds_per_scenario": args.seconds, "connections": args.connections,
                     "threads": args.threads, "keep_alive": True, "loopback": True,
                     "scenario1_rounds": args.rounds, "scenario1_seconds_per_round": args.round_seconds,
                     "h2o_threads": args.h2o_threads,
                     "scenario4": (s4 or {}).get("settings"),
                     "server_log_level": args.log_level,
                     "server_cpus": os.environ.get("BENCH_SERVER_CPUS") or None,
                     "client_cpus": os.environ.get("BENCH_CLIENT_CPUS") or None},
        "machine": mach,
        "versions": versions(args.root),
        "server": server,
        "dataset": gen,
        "disk_fsync": fsync,
        "import": imp,
        "scenarios": {"1_summary": s1, "1_nginx": ng, "1_h2o": h2,
                      "1_ratio_ragboard_nginx": ratio, "1_ratio_ragboard_h2o": ratio_h2o,
                      "1_ratio_rounds": {"nginx": ratio_rounds, "h2o": ratio_h2o_rounds},
                      "2_list": s2, "2_list_1_connection": s2q, "3_put_readings": s3, "4_mixed": s4, "5_bulk_return": bulk,
                      "6_idle_connections": idle, "7_summary_scale": scale or None,
                      "8_trends": trends or None,
                      "9_report": board or None},
        "table": {"columns": head, "rows": table},
        "notes": [
            "req/s from wrk; latency from wrk's done() hook (exact percentiles of every request, with wrk's "
            "own correction for coordinated omission); errors = non-2xx/3xx "
            "statuses + socket errors (connect, read, write, timeout)",
            "scenario 1: ragboard, nginx and h2o take turns in rounds (the order rotating), each "
            "BENCH_SECONDS/rounds; req/s, latency percentiles and CPU are the medians of the rounds, max the "
            "largest; the ratios are those of the medians",
            "scenario 4: two wrk processes at once, each with its own exact latency distribution: the reads "
            "(scenario 1's connections and threads) and the writes, paced at a fixed rate on connections of "
            "their own; CPU % wrk is both together; srv CPU µs/req over all the mix's requests",
            "RSS = the server's VmRSS at the end of the scenario / VmHWM, the peak during it "
            "(reset with /proc/PID/clear_refs before each scenario)",
            "CPU in % of one core: srv = the server's utime+stime over the wall time; wrk = the "
            "client's; other = the rest of the machine's busy time (other processes), out of "
            f"{100 * (mach.get('nproc') or 1)}% for {mach.get('nproc')} cores; srv CPU µs/req = the server's "
            "CPU time per request, the figure least disturbed by other load (5b: the import's per row)",
            "targets are informative; the benchmark exits 0 whether or not they are met",
        ],
    }
    os.makedirs(args.results, exist_ok=True)
    with open(os.path.join(args.results, "latest.json"), "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")

    # ---- print and markdown ----------------------------------------------------------
    disk = mach.get("disk", {})
    desc = [
        f"machine: {mach.get('nproc')} x {mach.get('cpu_model')}, {mach.get('memory_mib', 0) / 1024:.1f} GiB, "
        f"{mach.get('kernel')}, {mach.get('os')}" + (f", {mach['virtualization']}" if mach.get("virtualization") else ""),
        f"disk of the database: {disk.get('device')} {disk.get('fstype')}, {disk.get('type')}",
        f"disk fsync (4 KiB write + fsync): overwrite {fmt((fsync.get('overwrite') or {}).get('fsyncs_per_s'))}/s, "
        f"append {fmt((fsync.get('append') or {}).get('fsyncs_per_s'))}/s",
        f"load average at start: {mach.get('loadavg_at_start')}",
        f"wrk: {args.connections} connections, {args.threads} threads, keep-alive, loopback, "
        f"{args.seconds} s per scenario (scenario 1: {args.rounds} rounds of {args.round_seconds} s per server); "
        f"server: {server.get('version')}, log level {args.log_level}, "
        f"synchronous full, public read",
    ]
    widths = [max(len(str(r[i])) for r in table + [head]) for i in range(len(head))]
    print()
    for line in desc:
        print(line)
    print()
    print("  ".join(str(h).ljust(widths[i]) for i, h in enumerate(head)))
    print("  ".join("-" * w for w in widths))
    for r in table:
        print("  ".join(str(c).ljust(widths[i]) for i, c in enumerate(r)))
    headline = None
    if ratio is not None:
        headline = (f"ragboard serves the dashboard summary at {ratio * 100:.0f}% of nginx's static-file throughput"
                    + (f" and {ratio_h2o * 100:.0f}% of h2o's" if ratio_h2o is not None else "")
                    + f" ({fmt(s1['rps'])} vs {fmt(ng['rps'])}"
                    + (f" vs {fmt(h2['rps'])}" if h2 else "") + f" req/s{rounds_note}; p99 "
                    + f"{fmt(s1['latency_ms']['p99'], 2)} vs {fmt(ng['latency_ms']['p99'], 2)}"
                    + (f" vs {fmt(h2['latency_ms']['p99'], 2)}" if h2 else "") + " ms)")
        if len(ratio_rounds) > 1:
            headline += ("; per round ragboard/nginx " + ", ".join(f"{x:.2f}" for x in ratio_rounds)
                         + (", ragboard/h2o " + ", ".join(f"{x:.2f}" for x in ratio_h2o_rounds)
                            if ratio_h2o_rounds else ""))
        print(f"\nheadline: {headline}")
    if s3 and fsync.get("overwrite"):
        print(f"writes: {fmt(s3['rps'])}/s against the disk's {fmt(fsync['overwrite']['fsyncs_per_s'])} fsync/s; "
              f"statuses {s3['counters'].get('statuses')}")
    writer_lines = []
    for name, m in (("3", s3), ("4", s4)):
        w = (m or {}).get("writer")
        if w:
            writer_lines.append(
                f"writer in scenario {name} (from /metrics): {fmt(w['batches'])} commits of {w['mean_batch']} "
                f"writes on average; per commit {w['work_ms_per_batch']} ms running requests + "
                f"{w['commit_ms_per_batch']} ms committing (wall time; the commit waits for the fsync)")
    for line in writer_lines + scale_lines + trend_lines:
        print(line)
    if s4:
        rd, wr = s4["reads"]["latency_ms"], s4["writes"]["latency_ms"]
        mixed_lines = [
            f"mixed: reads p50/p99/max {fmt(rd['p50'], 2)}/{fmt(rd['p99'], 2)}/{fmt(rd['max'], 1)} ms "
            f"(scenario 1: {fmt(s1['latency_ms']['p99'], 2) if s1 else '-'} ms at p99), writes "
            f"{fmt(wr['p50'], 2)}/{fmt(wr['p99'], 2)}/{fmt(wr['max'], 1)} ms; "
            f"{fmt(s4['writes_per_s'])} writes/s of the {fmt(s4['settings'].get('writes_per_s_target'))}/s asked"
            + ("" if s4["writes_pace_held"] else " (the pace was not held: the server took fewer)"),
            f"mixed, for information: {fmt(s4['reads_per_s'])} reads/s"
            + (f", {s4['reads_vs_scenario1'] * 100:.0f}% of scenario 1's" if s4.get("reads_vs_scenario1") else "")
            + (f"; the same read mix without writes would allow about {fmt(s4['read_mix_capacity_without_writes'])}/s"
               if "read_mix_capacity_without_writes" in s4 else ""),
        ]
        if "cpu_budget" in s4:
            b = s4["cpu_budget"]
            mixed_lines.append(
                f"mixed, CPU of client and server together: a write cost about {fmt(b['write_us'])} µs "
                f"({fmt(b['write_server_us'])} µs in the server), {b['write_us'] / b['read_us']:.1f} reads of "
                f"{fmt(b['read_us'])} µs; {fmt(b['reads_per_write'])} reads per write")
        for line in mixed_lines:
            print(line)
        writer_lines += mixed_lines
    candidates = list(res.values()) + [r for m in (s1, ng, h2) if m for r in m["rounds"]]
    busy = [r for r in candidates if (r.get("other_cpu_pct") or 0) > 25]
    if busy:
        warn = (f"warning: other processes used up to {max(r['other_cpu_pct'] for r in busy):.0f}% CPU "
                "during the scenarios: the machine was not idle, throughput and latency are pessimistic")
        out["warnings"] = [warn]
        print(warn)
        with open(os.path.join(args.results, "latest.json"), "w") as f:
            json.dump(out, f, indent=2)
            f.write("\n")
    md = ["# ragboard benchmark", "", f"Generated {out['generated_at']} by `bash tests/bench/run.sh`.", ""]
    md += [f"- {line}" for line in desc]
    md += ["", "| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    md += ["| " + " | ".join(str(c).replace("|", "/") for c in r) + " |" for r in table]
    md += [""] + [f"- {n}" for n in out["notes"] + writer_lines + scale_lines + trend_lines + out.get("warnings", [])]
    if headline:
        md.append(f"- headline: {headline}")
    with open(os.path.join(args.results, "latest.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print(f"\nwritten: {os.path.join(args.results, 'latest.json')}, {os.path.join(args.results, 'latest.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
