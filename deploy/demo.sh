#!/usr/bin/env bash
# Install what is missing, build, load the 2018/19 demo dataset into a fresh
# database and serve it on http://127.0.0.1:8080 with anonymous reads on:
# the dashboard at /, the returns page at /returns, the API under /api/v1.
# Dashboards in development on this machine (any port of localhost or
# 127.0.0.1) may call it from their own origin: RAGBOARD_DEMO_CORS changes
# that list ("" for none).
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-deps
if [ -f build/build.ninja ]; then meson setup --reconfigure build >/dev/null; else meson setup build >/dev/null; fi
ninja -C build >/dev/null
db=${RAGBOARD_DEMO_DB:-build/demo.db}
listen=${RAGBOARD_DEMO_LISTEN:-127.0.0.1:8080}
cors=${RAGBOARD_DEMO_CORS-http://localhost:*,http://127.0.0.1:*}
rm -f "$db" "$db-wal" "$db-shm" "$db.audit-key" # migrate makes a fresh audit key
./build/ragboard migrate --db "$db" >/dev/null
./build/ragboard import --db "$db" data/rotherham-icp-2018-19.json >/dev/null
token=$(./build/ragboard token create --db "$db" --role admin --name demo-admin | tail -n 1)
cat <<MSG

ragboard demo
  dashboard:    http://$listen/
  returns page: http://$listen/returns
  API:          http://$listen/api/v1/summary?quarter=2018-19-Q1
  admin token:  $token
  CORS allowed: ${cors:-none} (RAGBOARD_DEMO_CORS; ragboard serve --cors-origins)

  curl -s http://$listen/api/v1/groups | jq
  curl -s -H "Authorization: Bearer $token" -X PUT -H 'Content-Type: application/json' \\
       -d '{"status":"G","comment":"on track"}' http://$listen/api/v1/milestones/1/updates/2018-19-Q2

The dataset opens 2018-19-Q2 for partners' returns ("state": "open"); the
other quarters stay closed to submitters until an admin opens one:

  curl -s -H "Authorization: Bearer $token" -X PUT -H 'Content-Type: application/json' \\
       -d '{"state":"open"}' http://$listen/api/v1/quarters/2018-19-Q3

Stop with Ctrl-C.
MSG
exec ./build/ragboard serve --db "$db" --listen "$listen" --public-read --cors-origins "$cors"
