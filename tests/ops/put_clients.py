#!/usr/bin/env python3
"""Keep-alive clients PUTting milestone updates until the server goes away.

Usage: put_clients.py PORT TOKEN OUT.json [THREADS [TAG [READY_AFTER]]]
Each thread writes its own milestone's 2018-19-Q2 update with a comment
unique to the request, on one keep-alive connection (a new one after a
`Connection: close` or an error), and stops after 20 failed attempts in a
row. OUT.json gets [[comment, status or "error"], ...]: what each request
heard, to compare with what the database holds. With READY_AFTER, the
file OUT.json.ready is made once that many requests were answered 2xx (so a
test can send its signal in the middle of a burst however slow the machine).
"""
import http.client
import json
import os
import sys
import threading
import time

port, token, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 16
tag = sys.argv[5] if len(sys.argv) > 5 else ""  # prefixed to every value: "TAG:t3-17"
ready_after = int(sys.argv[6]) if len(sys.argv) > 6 else 0
results, lock, acked = [], threading.Lock(), [0]


def client(t):
    conn, failures, i = None, 0, 0
    while failures < 20:
        value = f"{tag}:t{t}-{i}" if tag else f"t{t}-{i}"
        i += 1
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
            conn.request(
                "PUT",
                f"/api/v1/milestones/{t + 1}/updates/2018-19-Q2",
                body=json.dumps({"status": "G", "comment": value}),
                headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"},
            )
            r = conn.getresponse()
            r.read()
            status = r.status
            if (r.getheader("Connection") or "").lower() == "close":
                conn.close()
                conn = None
            failures = 0 if status < 500 else failures + 1
        except Exception:
            status = "error"
            failures += 1
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.02)
        with lock:
            results.append([value.split(":", 1)[-1], status])
            if status in (200, 201):
                acked[0] += 1
                if acked[0] == ready_after:
                    with open(out + ".ready.tmp", "w") as f:
                        f.write(f"{acked[0]}\n")
                    os.replace(out + ".ready.tmp", out + ".ready")


ts = [threading.Thread(target=client, args=(t,)) for t in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
with open(out, "w") as f:
    json.dump(results, f)
