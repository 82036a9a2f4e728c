#!/usr/bin/env bash
# CORS answers only allow-listed dashboard origins (nothing by default), the
# preflight is answered, RAGBOARD_* variables configure serve like flags
# (flags win), and --log-level filters the request log.
. "$(dirname "$0")/lib.sh" "$@"
make_demo_db
hdr() { curl -sS -D - -o /dev/null "$@" | tr -d '\r'; }

# Nothing open by default.
start_server --public-read
hdr -H 'Origin: https://dash.example.org' "$URL/api/v1/groups" | grep -qi '^access-control-allow-origin' \
  && fail "CORS open without an allow-list"
stop_server

# Allow-list through the environment; flags still win over other variables.
: >"$WORK/server.log"
RAGBOARD_CORS_ORIGINS='https://dash.example.org, https://board.example.org' \
RAGBOARD_PUBLIC_READ=1 RAGBOARD_LISTEN=256.0.0.1:1 RAGBOARD_LOG_LEVEL=warn start_server
h=$(hdr -H 'Origin: https://dash.example.org' "$URL/api/v1/groups")
grep -qi '^access-control-allow-origin: https://dash.example.org$' <<<"$h" || fail "allowed origin not echoed: $h"
grep -qi '^vary: origin' <<<"$h" || fail "no Vary: Origin"
grep -qi '^access-control-expose-headers:.*etag' <<<"$h" || fail "ETag not exposed"
h=$(hdr -H 'Origin: https://board.example.org' "$URL/api/v1/nope")
grep -qi '^access-control-allow-origin: https://board.example.org$' <<<"$h" || fail "CORS missing on an error answer"
h=$(hdr -H 'Origin: https://evil.example.org' "$URL/api/v1/groups")
grep -qi '^access-control-allow-origin' <<<"$h" && fail "origin not on the list was allowed"
grep -qi '^vary: origin' <<<"$h" || fail "no Vary: Origin on the answer to a foreign origin: $h"
h=$(hdr "$URL/api/v1/groups")
grep -qi '^vary: origin' <<<"$h" || fail "no Vary: Origin on an answer without Origin: $h"
# A preflight to an unknown path: the router's problem document.
h=$(curl -sS -D - -X OPTIONS -H 'Origin: https://dash.example.org' -H 'Access-Control-Request-Method: GET' \
  "$URL/api/v1/nope" | tr -d '\r')
grep -q '^HTTP/1.1 404' <<<"$h" || fail "preflight to an unknown path not 404: $h"
grep -qi '^content-type: application/problem+json' <<<"$h" || fail "preflight 404 without a problem document: $h"
# Preflight.
h=$(hdr -X OPTIONS -H 'Origin: https://dash.example.org' -H 'Access-Control-Request-Method: PUT' \
  -H 'Access-Control-Request-Headers: authorization, content-type' "$URL/api/v1/kpis/1/readings/2018-19-Q1")
grep -q '^HTTP/1.1 204' <<<"$h" || fail "preflight not 204: $h"
grep -qi '^access-control-allow-methods:.*PUT' <<<"$h" || fail "preflight lacks PUT"
grep -qi '^access-control-allow-headers:.*authorization' <<<"$h" || fail "preflight lacks Authorization"
h=$(hdr -X OPTIONS -H 'Origin: https://evil.example.org' -H 'Access-Control-Request-Method: GET' "$URL/api/v1/groups")
grep -qi '^access-control-allow-origin' <<<"$h" && fail "preflight allowed a foreign origin"
# Public read came from the environment.
[ "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/api/v1/groups")" = 200 ] || fail "RAGBOARD_PUBLIC_READ ignored"
stop_server
# Log level warn: the 404 is logged, the 200s are not.
grep -q '"status":404' "$WORK/server.log" || fail "warn level dropped a 4xx"
grep -q '"status":200' "$WORK/server.log" && fail "warn level logged a 200"

# Local development origins: an entry "scheme://host:*" allows any port of
# that host (what deploy/demo.sh allows), and nothing that merely starts
# like it.
: >"$WORK/server.log"
start_server --public-read --cors-origins 'http://localhost:*,http://127.0.0.1:*'
for o in http://localhost:5173 http://localhost:8000 http://localhost http://127.0.0.1:3000; do
  h=$(hdr -H "Origin: $o" "$URL/api/v1/groups")
  grep -qi "^access-control-allow-origin: $o\$" <<<"$h" || fail "local origin $o not allowed: $h"
done
for o in http://localhost.evil.example http://localhost:80.evil.example http://localhost:abc \
         https://localhost:5173 http://localhost:123456 http://127.0.0.10:3000; do
  h=$(hdr -H "Origin: $o" "$URL/api/v1/groups")
  grep -qi '^access-control-allow-origin' <<<"$h" && fail "origin $o allowed by a :* entry: $h"
done
# The dashboard's own pages are same-origin: no CORS needed, none added.
h=$(hdr "$URL/")
grep -qi '^access-control-allow-origin' <<<"$h" && fail "CORS on the dashboard page without an Origin: $h"
stop_server
grep -q 'RAGBOARD_NO_DASHBOARD' <<<"$("$RAGBOARD" serve --help)" || fail "serve --help does not list RAGBOARD_NO_DASHBOARD"
RAGBOARD_NO_DASHBOARD=1 start_server --public-read
[ "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/")" = 404 ] || fail "RAGBOARD_NO_DASHBOARD=1 still serves the dashboard"
[ "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/api/v1/groups")" = 200 ] || fail "RAGBOARD_NO_DASHBOARD=1 stopped the API"
stop_server

# A switch in the environment takes the usual spellings; anything else is refused.
: >"$WORK/server.log"
RAGBOARD_PUBLIC_READ=no start_server
[ "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/api/v1/groups")" = 401 ] || fail "RAGBOARD_PUBLIC_READ=no opened reads"
stop_server
RAGBOARD_PUBLIC_READ=On start_server
[ "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/api/v1/groups")" = 200 ] || fail "RAGBOARD_PUBLIC_READ=On ignored"
stop_server
set +e
RAGBOARD_PUBLIC_READ=maybe "$RAGBOARD" serve --db "$DB" --listen 127.0.0.1:0 >/dev/null 2>"$WORK/pr.err"
rc=$?
set -e
[ $rc -eq 2 ] || fail "RAGBOARD_PUBLIC_READ=maybe not refused with status 2 (got $rc)"
grep -q 'RAGBOARD_PUBLIC_READ=maybe' "$WORK/pr.err" || fail "serve said: $(cat "$WORK/pr.err")"

# serve --help lists every option with its default and variable.
help=$("$RAGBOARD" serve --help)
for v in DB LISTEN PORT_FILE PUBLIC_READ THREADS SYNCHRONOUS MAX_BODY MAX_IMPORT_BODY \
         MAX_JSON_DEPTH CONNECTION_TIMEOUT MAX_CONNECTIONS CORS_ORIGINS LOG_LEVEL; do
  grep -q "RAGBOARD_$v" <<<"$help" || fail "serve --help does not list RAGBOARD_$v"
done
grep -q 'default: 127.0.0.1:8080' <<<"$help" || fail "serve --help lacks defaults"
# A bad value is refused with exit status 2.
set +e
"$RAGBOARD" serve --db "$DB" --log-level loud >/dev/null 2>&1
[ $? -eq 2 ] || fail "bad --log-level not refused with status 2"
set -e
echo "cors_config: ok"
