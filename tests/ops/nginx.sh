#!/usr/bin/env bash
# deploy/nginx/ragboard.conf, run by real nginx with a certificate made on
# the fly, terminates TLS and proxies to ragboard on loopback.
. "$(dirname "$0")/lib.sh" "$@"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "nginx not installed"; exit 77; }
make_demo_db
start_server --public-read
mkdir -p "$WORK/nginx/logs" "$WORK/tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$WORK/tls/privkey.pem" -out "$WORK/tls/fullchain.pem" 2>/dev/null
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HTTPS=$(free_port)
HTTP=$(free_port)
# The site file as shipped, with only addresses, names and paths changed.
sed -e "s|127.0.0.1:8080|127.0.0.1:$PORT|" \
    -e "s|listen 443 ssl http2;|listen 127.0.0.1:$HTTPS ssl http2;|" \
    -e "/listen \[::\]/d" \
    -e "s|listen 80;|listen 127.0.0.1:$HTTP;|" \
    -e "s|ragboard.example.org|localhost|" \
    -e "s|/etc/ssl/ragboard/|$WORK/tls/|" \
    "$SRC/deploy/nginx/ragboard.conf" >"$WORK/nginx/site.conf"
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
daemon off;
events { worker_connections 128; }
http {
  access_log $WORK/nginx/logs/access.log;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  include $WORK/nginx/site.conf;
}
CONF
"$NGINX" -t -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" 2>"$WORK/nginx/test.log" \
  || { cat "$WORK/nginx/test.log" >&2; fail "nginx -t rejected the site"; }
"$NGINX" -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
echo $! >"$WORK/nginx.pid"
for _ in $(seq 1 100); do
  curl -s -o /dev/null --cacert "$WORK/tls/fullchain.pem" "https://localhost:$HTTPS/healthz" && break
  sleep 0.05
done
C="curl -sS --cacert $WORK/tls/fullchain.pem"
B=https://localhost:$HTTPS
[ "$($C "$B/healthz" | jq -r .status)" = ok ] || fail "healthz through nginx"
[ "$($C "$B/api/v1/groups" | jq '.items | length')" = 3 ] || fail "groups through nginx"
[ "$($C "$B/api/v1/summary?quarter=2018-19-Q1" | jq '.overall.milestones.on_track_or_complete_percent')" = 56.6 ] \
  || fail "summary through nginx"
code=$($C -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $ADMIN" \
  -H 'Content-Type: application/json' -d '{"status":"G"}' "$B/api/v1/milestones/1/updates/2018-19-Q2")
[ "$code" = 201 ] || fail "authenticated write through nginx gave $code"
[ -n "$($C -D - -o /dev/null "$B/healthz" | grep -i '^x-request-id:')" ] || fail "X-Request-Id lost by the proxy"
[ -n "$($C -D - -o /dev/null "$B/healthz" | grep -i '^strict-transport-security:')" ] || fail "no HSTS header"
# Body limit at the proxy: 2 MiB to an ordinary route is refused with 413.
head -c 2097152 /dev/zero | tr '\0' 'a' >"$WORK/big"
code=$($C -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $ADMIN" \
  -H 'Content-Type: application/json' --data-binary @"$WORK/big" "$B/api/v1/organisations")
[ "$code" = 413 ] || fail "2 MiB body gave $code, not 413"
# Plain HTTP is redirected to HTTPS; /metrics is only for loopback (we are loopback: allowed).
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP/api/v1/groups")
[ "$code" = 301 ] || fail "plain HTTP gave $code, not a redirect"
$C "$B/metrics" | grep -q '^ragboard_http_requests_total' || fail "metrics through nginx"
# The dashboard through the proxy: gzip for text, ragboard's headers intact,
# and a poll with the (now weak) ETag still a 304.
h=$($C -D - -o "$WORK/page.gz" -H 'Accept-Encoding: gzip' "$B/" | tr -d '\r')
grep -qi '^content-encoding: gzip' <<<"$h" || fail "the dashboard page is not gzipped: $h"
grep -qi "^content-security-policy: default-src 'none'; script-src 'self'" <<<"$h" || fail "CSP lost through nginx: $h"
grep -qi '^x-content-type-options: nosniff' <<<"$h" || fail "nosniff lost through nginx"
grep -qi '^referrer-policy: no-referrer' <<<"$h" || fail "Referrer-Policy lost through nginx"
grep -qi '^cache-control: no-cache' <<<"$h" || fail "the page's Cache-Control lost through nginx"
gunzip -c "$WORK/page.gz" | grep -q '<!doctype html>' || fail "the gzipped page does not unpack to the page"
asset=$(gunzip -c "$WORK/page.gz" | grep -o '/assets/app\.[0-9a-f]*\.js' | head -n 1)
[ -n "$asset" ] || fail "the page names no hashed script"
h=$($C -D - -o /dev/null -H 'Accept-Encoding: gzip' "$B$asset" | tr -d '\r')
grep -qi '^content-encoding: gzip' <<<"$h" || fail "the script is not gzipped: $h"
grep -qi '^cache-control: public, max-age=31536000, immutable' <<<"$h" || fail "the asset's Cache-Control lost: $h"
h=$($C -D - -o /dev/null -H 'Accept-Encoding: gzip' "$B/api/v1/summary?quarter=2018-19-Q1" | tr -d '\r')
grep -qi '^content-encoding: gzip' <<<"$h" || fail "the summary is not gzipped: $h"
etag=$(grep -i '^etag:' <<<"$h" | cut -d' ' -f2-)
[ -n "$etag" ] || fail "no ETag on the gzipped summary: $h"
code=$($C -o /dev/null -w '%{http_code}' -H 'Accept-Encoding: gzip' -H "If-None-Match: $etag" \
  "$B/api/v1/summary?quarter=2018-19-Q1")
[ "$code" = 304 ] || fail "a poll with the proxy's ETag $etag gave $code, not 304"
kill -QUIT "$(cat "$WORK/nginx.pid")"
stop_server
echo "nginx: ok"
