#!/usr/bin/env bash
# The systemd units pass `systemd-analyze verify` (with the binary path
# pointed at the one just built, since verify checks that it exists).
. "$(dirname "$0")/lib.sh" "$@"
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed"; exit 77; }
for unit in systemd/ragboard.service backup/ragboard-backup.service backup/ragboard-backup.timer; do
  sed "s|/usr/local/bin/ragboard|$RAGBOARD|g" "$SRC/deploy/$unit" >"$WORK/$(basename "$unit")"
done
cd "$WORK"
out=$(systemd-analyze verify ragboard.service ragboard-backup.service ragboard-backup.timer 2>&1) \
  || { echo "$out" >&2; fail "systemd-analyze verify failed"; }
# verify prints problems it does not treat as fatal; none are acceptable.
if [ -n "$out" ]; then echo "$out" >&2; fail "systemd-analyze verify reported problems"; fi
grep -q '^ProtectSystem=strict' ragboard.service || fail "unit is not sandboxed"
grep -q '^NoNewPrivileges=yes' ragboard.service || fail "unit is not sandboxed"
echo "systemd: ok"
