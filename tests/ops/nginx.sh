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
kill -QUIT "$(cat "$WORK/nginx.pid")"
stop_server
echo "nginx: ok"
