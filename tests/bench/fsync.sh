#!/usr/bin/env bash
# What the disk allows for durable writes: write 4 KiB then fsync, in a loop,
# in a scratch file in DIR (the database's directory), for SECONDS each in
# two patterns, and print one JSON line:
#   overwrite: the same 1 MiB region rewritten in turn (like SQLite's WAL
#              once it wraps after a checkpoint): data only, no metadata;
#   append:    the file grows by 4 KiB each time (like a WAL that is still
#              growing): each fsync also commits the file size.
# Every committed SQLite write transaction (synchronous=FULL, WAL) costs at
# least one such fsync, so `overwrite` is a ceiling for durable writes/s from
# a single writer.
#
# Usage: bash tests/bench/fsync.sh [DIR] [SECONDS]   (default: . and 5)
set -euo pipefail
DIR=${1:-.}
SECONDS_EACH=${2:-5}
exec python3 - "$DIR" "$SECONDS_EACH" <<'EOF'
import json, os, sys, time

directory, seconds = sys.argv[1], float(sys.argv[2])
path = os.path.join(directory, ".ragboard-fsync-probe.%d" % os.getpid())
block = os.urandom(4096)
result = {"dir": os.path.abspath(directory), "block_bytes": 4096, "seconds": seconds}
try:
    for mode in ("overwrite", "append"):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            if mode == "overwrite":  # preallocate and settle the region first
                for i in range(256):
                    os.pwrite(fd, block, i * 4096)
                os.fsync(fd)
            n, worst, start = 0, 0.0, time.monotonic()
            end = start + seconds
            while True:
                t0 = time.monotonic()
                if t0 >= end:
                    break
                off = (n % 256) * 4096 if mode == "overwrite" else n * 4096
                os.pwrite(fd, block, off)
                os.fsync(fd)
                worst = max(worst, time.monotonic() - t0)
                n += 1
            wall = time.monotonic() - start
        finally:
            os.close(fd)
            os.unlink(path)
        result[mode] = {"fsyncs": n, "fsyncs_per_s": round(n / wall, 1),
                        "mean_ms": round(wall / n * 1000, 3) if n else None,
                        "max_ms": round(worst * 1000, 3)}
finally:
    if os.path.exists(path):
        os.unlink(path)
print(json.dumps(result))
EOF
