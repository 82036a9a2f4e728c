#!/usr/bin/env python3
"""Hold many idle keep-alive connections open against a server and measure
its memory: open COUNT sockets, send one complete request on each, read
every answer, then keep them all open and idle for HOLD seconds while
sampling the server's VmRSS. Prints one JSON line.

    python3 tests/bench/idle_conns.py --port 8080 --pid 1234 --count 1000 --hold 10
"""
import argparse
import json
import os
import resource
import selectors
import socket
import sys
import time


def status_of(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM", "Threads"):
                out[key] = int(rest.split()[0])
    return out


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", default="/healthz")
    ap.add_argument("--pid", type=int, required=True, help="the server's process id")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--hold", type=float, default=10.0)
    ap.add_argument("--timeout", type=float, default=60.0, help="for connecting and answers")
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.count + 64
    if soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (max(want, soft), max(want, hard)))
        except (ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    time.sleep(0.5)
    before = status_of(args.pid)
    request = (f"GET {args.path} HTTP/1.1\r\nHost: {args.host}:{args.port}\r\n"
               "Connection: keep-alive\r\n\r\n").encode()
    deadline = time.monotonic() + args.timeout
    socks, failed_connect = [], 0
    started = time.monotonic()
    for _ in range(args.count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            s.connect((args.host, args.port))
            s.sendall(request)
        except OSError:
            failed_connect += 1
            s.close()
            continue
        s.setblocking(False)
        socks.append(s)

    # Read one whole answer on each connection (headers + Content-Length body).
    sel = selectors.DefaultSelector()
    bufs = {}
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
        bufs[s] = b""
    statuses, answered, closed_early = {}, 0, 0
    pending = len(socks)
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=max(0.0, deadline - time.monotonic())):
            s = key.fileobj
            try:
                chunk = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                closed_early += 1
                sel.unregister(s)
                pending -= 1
                continue
            bufs[s] += chunk
            head, sep, body = bufs[s].partition(b"\r\n\r\n")
            if not sep:
                continue
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if len(body) >= length:
                code = head.split(b" ", 2)[1].decode()
                statuses[code] = statuses.get(code, 0) + 1
                answered += 1
                sel.unregister(s)
                pending -= 1
                bufs[s] = b""
    answered_at = time.monotonic()

    # Hold them all idle; sample the server's memory and CPU.
    ticks0, t0 = cpu_ticks(args.pid), time.monotonic()
    samples = []
    end = t0 + args.hold
    while True:
        samples.append(status_of(args.pid))
        if time.monotonic() >= end:
            break
        time.sleep(min(0.5, max(0.0, end - time.monotonic())))
    ticks1, t1 = cpu_ticks(args.pid), time.monotonic()

    # Which connections did the server keep open all along?
    still_open = 0
    for s in socks:
        try:
            data = s.recv(1, socket.MSG_PEEK)
            if data:
                still_open += 1  # unexpected bytes, but open
        except BlockingIOError:
            still_open += 1
        except OSError:
            pass
    for s in socks:
        s.close()

    hz = os.sysconf("SC_CLK_TCK")
    held_rss = [x["VmRSS"] for x in samples]
    print(json.dumps({
        "count": args.count,
        "path": args.path,
        "connected": len(socks),
        "failed_connect": failed_connect,
        "answered": answered,
        "statuses": statuses,
        "closed_early": closed_early,
        "open_and_answer_s": round(answered_at - started, 3),
        "hold_s": round(t1 - t0, 3),
        "still_open_after_hold": still_open,
        "rss_before_kib": before["VmRSS"],
        "hwm_before_kib": before["VmHWM"],
        "rss_held_kib": held_rss[-1],
        "rss_held_max_kib": max(held_rss),
        "hwm_after_kib": samples[-1]["VmHWM"],
        "threads": samples[-1].get("Threads"),
        "server_cpu_pct_while_idle": round(100.0 * (ticks1 - ticks0) / hz / max(t1 - t0, 1e-9), 2),
    }))
    return 0 if answered == args.count and still_open == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
