#!/usr/bin/env python3
"""Connection-level clients for the operations tests; each prints one JSON line.

  conns.py slow --port P --count N [--interval S] [--give-up S]
      N clients that each send a request's head one byte every S seconds
      (never finishing it): when did the server cut each one off?
  conns.py flood --port P --pid PID --count N [--mode idle|slow] [--hold S]
      N sockets from this address that send nothing (idle) or a byte of a
      request head now and then (slow), held open; meanwhile healthy
      requests on fresh connections from the same address, timed. Reports
      the healthy requests' latencies, how many of the N the server closed
      (shed), and the server's peak RSS.
"""
import argparse
import json
import resource
import selectors
import socket
import sys
import time

HEAD = b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: " + b"a" * 4000


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(n, soft), hard), hard))


def rss_kib(pid, key="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def closed_by_server(s):
    """True when the server has closed s (EOF or reset); never blocks."""
    try:
        return s.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def slow(args):
    raise_nofile(args.count + 64)
    socks = []
    for _ in range(args.count):
        s = socket.create_connection((args.host, args.port), timeout=5)
        s.setblocking(False)
        socks.append(s)
    t0 = time.monotonic()
    cut = [None] * len(socks)
    sent = [0] * len(socks)
    while time.monotonic() - t0 < args.give_up and None in cut:
        for i, s in enumerate(socks):
            if cut[i] is not None:
                continue
            if closed_by_server(s):
                cut[i] = time.monotonic() - t0
                continue
            try:
                s.send(HEAD[sent[i] % len(HEAD):sent[i] % len(HEAD) + 1])
                sent[i] += 1
            except OSError:
                cut[i] = time.monotonic() - t0
        time.sleep(args.interval)
    for s in socks:
        s.close()
    done = [c for c in cut if c is not None]
    print(json.dumps({"count": len(socks), "cut": len(done), "never_cut": len(socks) - len(done),
                      "max_cut_s": round(max(done), 3) if done else None,
                      "min_cut_s": round(min(done), 3) if done else None}))
    return 0


def healthy(host, port, timeout):
    """One GET /healthz on a fresh connection: (seconds from connected to
    answered, status or 0, seconds to connect). Connecting on loopback is
    the kernel's work alone (the handshake completes before the server
    accepts), so the server's share is the first figure: a connection it
    is slow to accept waits there too."""
    t0 = time.monotonic()
    connected = timeout
    t1 = t0
    try:
        s = socket.create_connection((host, port), timeout=timeout)
        t1 = time.monotonic()
        connected = t1 - t0
        s.settimeout(max(0.05, timeout - connected))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.") else 0
    except (OSError, ValueError, IndexError):
        status = 0
    return time.monotonic() - t1, status, connected


def flood(args):
    raise_nofile(args.count + 256)
    rss_before = rss_kib(args.pid)
    peak = rss_before
    socks, refused = [], 0
    t0 = time.monotonic()
    for i in range(args.count):
        try:
            s = socket.create_connection((args.host, args.port), timeout=5)
            s.setblocking(False)
            if args.mode == "slow":
                s.send(HEAD[:1])
            socks.append(s)
        except OSError:
            refused += 1
        if i % 200 == 0:
            peak = max(peak, rss_kib(args.pid))
    opened_s = time.monotonic() - t0
    time.sleep(0.5)  # let the server accept (and shed) what is in its backlog
    lat, statuses, connect_max = [], {}, 0.0
    end = time.monotonic() + args.hold
    k = 0
    while time.monotonic() < end or k < args.healthy:
        secs, status, connected = healthy(args.host, args.port, args.timeout)
        lat.append(secs)
        connect_max = max(connect_max, connected)
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        k += 1
        if args.mode == "slow":  # keep the slow ones trickling
            for s in socks:
                try:
                    s.send(HEAD[1:2])
                except OSError:
                    pass
        peak = max(peak, rss_kib(args.pid))
        time.sleep(0.1)
    shed = sum(1 for s in socks if closed_by_server(s))
    for s in socks:
        s.close()
    lat.sort()
    print(json.dumps({
        "mode": args.mode, "count": args.count, "connected": len(socks), "refused": refused,
        "open_s": round(opened_s, 3), "shed": shed, "kept": len(socks) - shed,
        "healthy": len(lat), "healthy_statuses": statuses,
        "healthy_max_ms": round(lat[-1] * 1000, 1),
        "healthy_p50_ms": round(lat[len(lat) // 2] * 1000, 1),
        "healthy_p95_ms": round(lat[int(len(lat) * 0.95)] * 1000, 1),
        "connect_max_ms": round(connect_max * 1000, 1),
        "rss_before_kib": rss_before, "rss_peak_kib": max(peak, rss_kib(args.pid, "VmHWM")),
    }))
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("slow")
    a.add_argument("--interval", type=float, default=0.3)
    a.add_argument("--give-up", type=float, default=10.0)
    b = sub.add_parser("flood")
    b.add_argument("--pid", type=int, required=True)
    b.add_argument("--mode", choices=["idle", "slow"], default="idle")
    b.add_argument("--hold", type=float, default=3.0)
    b.add_argument("--healthy", type=int, default=10, help="at least this many healthy requests")
    b.add_argument("--timeout", type=float, default=5.0)
    for p in (a, b):
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, required=True)
        p.add_argument("--count", type=int, default=20)
    args = ap.parse_args()
    return slow(args) if args.cmd == "slow" else flood(args)


if __name__ == "__main__":
    sys.exit(main())
