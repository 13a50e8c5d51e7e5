#!/usr/bin/env bash
# tests/integration/web_server.sh - the real ippyo-server on loopback,
# against the runner's PostgreSQL (DATABASE_URL), refusing hostile clients.
#
# Every loop here is bounded in count and time; every connection is to
# 127.0.0.1.  The server runs with a 3-second request timeout
# (IPPYO_HTTP_TIMEOUT_S) so the slow-loris checks take seconds, not the
# production LIMIT_HTTP_TIMEOUT_S.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd -P)
cd "$root"
BIN=${IPPYO_BIN:-$root/bin}
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
no() { echo "FAIL $1"; shift; printf '  %s\n' "$@" | head -20; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

LIMIT_HTTP_BODY_MAX=$((256 * 1024))	# core/limits.h
LIMIT_HTTP_URL_MAX=2048
LIMIT_JSON_DEPTH_MAX=16
LIMIT_RATE_PER_ADDR=600
TIMEOUT_S=3

if [ -z "${DATABASE_URL:-}" ]; then
	no web_database "DATABASE_URL is not set (run through tests/run)"
	finish
fi
for tool in curl openssl psql; do
	command -v "$tool" >/dev/null || { no "web_tool_$tool" "$tool missing (make deps)"; finish; }
done

tmp=$(mktemp -d /tmp/ippyo-web.XXXXXX)
chmod 755 "$tmp"
db="ippyo_web_$$_$RANDOM"
srv_pid="" tls_pid=""
cleanup() {
	local p
	for p in $srv_pid $tls_pid; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $srv_pid $tls_pid; do
		for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	psql "$DATABASE_URL" -qAt -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 30000))
		if ! ss -Htln "sport = :$p" 2>/dev/null | grep -q .; then
			echo "$p"; return 0
		fi
	done
	return 1
}

# ---- a database of our own, migrated -----------------------------------
if ! psql "$DATABASE_URL" -qAt -c "CREATE DATABASE $db" >"$tmp/db.log" 2>&1; then
	no web_database "$(cat "$tmp/db.log")"
	finish
fi
DBURL="$DATABASE_URL dbname=$db"
if ! DATABASE_URL=$DBURL "$BIN/ippyo" migrate >"$tmp/migrate.log" 2>&1; then
	no web_migrate "$(tail -5 "$tmp/migrate.log")"
	finish
fi
sql() { psql "$DBURL" -qAt -c "$1" 2>&1; }

# Starts a server; $1 = log file, rest = extra environment (NAME=VALUE).
# Sets started_pid and started_port.
start_server() {
	local log=$1; shift
	started_port=$(free_port) || return 1
	env IPPYO_DATABASE_URL="$DBURL" IPPYO_LISTEN_PORT="$started_port" \
	    IPPYO_HTTP_TIMEOUT_S=$TIMEOUT_S "$@" "$BIN/ippyo-server" 2>"$log" &
	started_pid=$!
	for _ in $(seq 1 100); do
		grep -q '"event":"server.ready"' "$log" 2>/dev/null && return 0
		kill -0 "$started_pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

if ! start_server "$tmp/server.log"; then
	no web_server_starts "$(cat "$tmp/server.log")"
	finish
fi
srv_pid=$started_pid
port=$started_port
base=http://127.0.0.1:$port
log=$tmp/server.log
ok web_server_starts

# curl wrapper: prints "STATUS BODY"; headers into $tmp/h.
req() {
	local out
	out=$(curl -s -m 10 -D "$tmp/h" -o "$tmp/b" -w '%{http_code}' "$@" 2>/dev/null)
	echo "$out $(cat "$tmp/b" 2>/dev/null)"
}
post() {	# post PATH BODY [curl args]
	local path=$1 body=$2; shift 2
	req -X POST -H 'Content-Type: application/json' --data-binary "$body" "$@" "$base$path"
}
header() { grep -i "^$1:" "$tmp/h" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
healthy() { [ "$(req "$base/health")" = '200 {"status":"ok"}' ]; }

# ---- the two endpoints --------------------------------------------------
out=$(req "$base/health")
if [ "$out" = '200 {"status":"ok"}' ] &&
	[ "$(header Content-Type)" = "application/json; charset=utf-8" ] &&
	[ "$(header X-Content-Type-Options)" = nosniff ] &&
	[ "$(header Cache-Control)" = no-store ] &&
	[ "$(header Referrer-Policy)" = no-referrer ] &&
	header Content-Security-Policy | grep -q "default-src 'none'" &&
	[ -n "$(header X-Request-Id)" ]; then
	ok web_health_ok_with_security_headers
else
	no web_health_ok_with_security_headers "$out" "$(cat "$tmp/h")"
fi

out=$(post /api/v1/nonce '{"purpose":"login"}')
nonce=$(echo "$out" | sed -nE 's/^200 \{"nonce":"([A-Za-z0-9+\/]{43}=)"\}$/\1/p')
rid=$(header X-Request-Id)
if [ -n "$nonce" ] &&
	[ "$(sql "SELECT count(*) FROM auth_nonces WHERE purpose = 'login' AND encode(nonce, 'base64') = '$nonce'")" = 1 ]; then
	ok web_nonce_issued_and_stored
else
	no web_nonce_issued_and_stored "$out" "$(sql "SELECT purpose, encode(nonce, 'base64') FROM auth_nonces")"
fi
if grep "\"id\":\"$rid\"" "$log" | grep -q '"status":200' && ! grep -q "$nonce" "$log"; then
	ok web_request_logged_by_id_without_body
else
	no web_request_logged_by_id_without_body "id=$rid" "$(tail -3 "$log")"
fi

# A draft election, so that "cast:yabu-2027" names one (not yet open: a
# cast nonce for it is refused with 409; a declaration nonce is issued).
cat >"$tmp/election.json" <<JSON
{"version": 1, "id": "yabu-2027", "name": {"ja": "養父市長選挙", "en": "Yabu mayoral election"},
 "municipality": "282227", "election_day": "2027-04-25", "reference_date": "2027-04-17",
 "opens": "2027-04-18T23:30:00.000000Z", "closes": "2027-04-25T11:00:00.000000Z",
 "contests": [{"id": "mayor", "title": {"ja": "市長", "en": "Mayor"}, "min": 0, "max": 1,
   "options": [{"id": "a", "label": {"ja": "甲", "en": "A"}}]}]}
JSON
DATABASE_URL=$DBURL IPPYO_ACTOR=test-clerk "$BIN/ippyo" election create "$tmp/election.json" >"$tmp/create.log" 2>&1 ||
	no web_election_created "$(cat "$tmp/create.log")"
o1=$(post /api/v1/nonce '{"purpose":"cast:yabu-2027"}')
o2=$(post /api/v1/nonce '{"purpose":"admin"}')
o3=$(post /api/v1/nonce '{"purpose":"cast:"}')
o4=$(post /api/v1/nonce '{"purpose":"cast:Yabu"}')
o5=$(post /api/v1/nonce '{"purpose":"declare:yabu-2027"}')
if [ "$o1" = '409 {"error":"conflict"}' ] && [ "$o2" = '400 {"error":"bad_request"}' ] &&
	[ "$o3" = '400 {"error":"bad_request"}' ] && [ "$o4" = '400 {"error":"bad_request"}' ] &&
	[ "${o5%% *}" = 200 ]; then
	ok web_nonce_purposes_allowed_and_refused
else
	no web_nonce_purposes_allowed_and_refused "$o1" "$o2" "$o3" "$o4" "$o5"
fi
grep -q 'the election is not open for casting' "$log" &&
	ok web_cast_nonce_needs_an_open_election ||
	no web_cast_nonce_needs_an_open_election "$(tail -3 "$log")"
# A purpose naming no election: 404, nothing stored, the reason logged.
before=$(sql "SELECT count(*) FROM auth_nonces")
o1=$(post /api/v1/nonce '{"purpose":"cast:no-such-election"}')
o2=$(post /api/v1/nonce '{"purpose":"admit:yabu-2028"}')
if [ "$o1" = '404 {"error":"not_found"}' ] && [ "$o2" = '404 {"error":"not_found"}' ] &&
	[ "$(sql "SELECT count(*) FROM auth_nonces")" = "$before" ] &&
	grep -q 'no such election' "$log"; then
	ok web_nonce_for_unknown_election_refused
else
	no web_nonce_for_unknown_election_refused "$o1" "$o2" "$before" "$(sql "SELECT count(*) FROM auth_nonces")"
fi

# ---- bad input: each refused with its status and logged precisely ------
# Checks the last http.request log line has field $1 matching $2.
logged() { grep '"event":"http.request"' "$log" | tail -1 | grep -q "$1"; }

big=$tmp/big.json
head -c $((LIMIT_HTTP_BODY_MAX + 1)) /dev/zero | tr '\0' ' ' >"$big"
out=$(req -X POST -H 'Content-Type: application/json' --data-binary "@$big" "$base/api/v1/nonce")
if [ "$out" = '413 {"error":"too_large"}' ] && healthy; then
	ok web_oversized_body_413_and_still_serving
else
	no web_oversized_body_413_and_still_serving "$out"
fi

# 100 MB declared: refused before the body is read, so curl sends (almost)
# nothing and is done at once.
truncate -s 100M "$tmp/huge.bin"
t0=$(date +%s%N)
out=$(curl -s -m 20 -X POST -H 'Content-Type: application/json' -T "$tmp/huge.bin" \
	-w '%{http_code} %{size_upload}' -o /dev/null "$base/api/v1/nonce" 2>/dev/null)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
sent=${out#* }
if [ "${out%% *}" = 413 ] && [ "${sent:-999999999}" -lt 1048576 ] && [ "$ms" -lt 5000 ] && healthy; then
	ok web_100mb_upload_cut_off_early
else
	no web_100mb_upload_cut_off_early "status+sent=$out in ${ms} ms"
fi
# The same without a length (chunked): refused at once, nothing read.
out=$(head -c 100M /dev/zero | curl -s -m 20 -X POST -H 'Content-Type: application/json' -T - \
	-w '%{http_code} %{size_upload}' -o /dev/null "$base/api/v1/nonce" 2>/dev/null)
sent=${out#* }
if [ "${out%% *}" = 411 ] && [ "${sent:-999999999}" -lt 1048576 ]; then
	ok web_chunked_upload_refused_unread
else
	no web_chunked_upload_refused_unread "$out"
fi

long=$(head -c $((LIMIT_HTTP_URL_MAX + 100)) /dev/zero | tr '\0' 'a')
out=$(req "$base/$long")
if [ "$out" = '414 {"error":"too_large"}' ] && healthy; then
	ok web_url_too_long_414
else
	no web_url_too_long_414 "$out"
fi
out=$(req "$base/health?x=$(head -c $LIMIT_HTTP_URL_MAX /dev/zero | tr '\0' 'b')")
[ "${out%% *}" = 414 ] && ok web_query_counts_toward_url_limit || no web_query_counts_toward_url_limit "$out"

deep=$(printf '%*s' $LIMIT_JSON_DEPTH_MAX '' | tr ' ' '[')1$(printf '%*s' $LIMIT_JSON_DEPTH_MAX '' | tr ' ' ']')
out=$(post /api/v1/nonce "{\"purpose\":$deep}")
if [ "$out" = '400 {"error":"bad_request"}' ] && logged '"note":"nested too deep"'; then
	ok web_deep_json_400
else
	no web_deep_json_400 "$out" "$(tail -1 "$log")"
fi
out=$(post /api/v1/nonce '{"purpose":"login","purpose":"bind"}')
if [ "$out" = '400 {"error":"bad_request"}' ] && logged '"note":"duplicate key"'; then
	ok web_duplicate_keys_400
else
	no web_duplicate_keys_400 "$out" "$(tail -1 "$log")"
fi
o1=$(post /api/v1/nonce '{"purpose":5}')
l1=$(grep '"event":"http.request"' "$log" | tail -1)
o2=$(post /api/v1/nonce '["login"]')
o3=$(post /api/v1/nonce '{"purpose":"login","extra":true}')
o4=$(post /api/v1/nonce '{"purpose":"login"} x')
if [ "$o1" = '400 {"error":"bad_request"}' ] && echo "$l1" | grep -q '"err":"ERR_FORMAT"' &&
	echo "$l1" | grep -q '"note":"$.purpose: not a string"' &&
	[ "$o2" = "$o1" ] && [ "$o3" = "$o1" ] && [ "$o4" = "$o1" ]; then
	ok web_wrong_types_unknown_members_trailing_400
else
	no web_wrong_types_unknown_members_trailing_400 "$o1" "$l1" "$o2" "$o3" "$o4"
fi
out=$(req -X POST --data-binary '{"purpose":"login"}' "$base/api/v1/nonce")
[ "$out" = '415 {"error":"unsupported_media_type"}' ] && ok web_form_post_refused_415 ||
	no web_form_post_refused_415 "$out"
out=$(req -X POST -H 'Content-Type: application/json' "$base/api/v1/nonce")
[ "$out" = '400 {"error":"bad_request"}' ] && ok web_empty_body_400 || no web_empty_body_400 "$out"

out=$(req "$base/api/v1/nope")
[ "$out" = '404 {"error":"not_found"}' ] && ok web_unknown_route_404 || no web_unknown_route_404 "$out"
out=$(req "$base/api/v1/nonce")
if [ "$out" = '405 {"error":"method_not_allowed"}' ] && [ "$(header Allow)" = POST ]; then
	ok web_wrong_method_405_with_allow
else
	no web_wrong_method_405_with_allow "$out" "$(cat "$tmp/h")"
fi

# ---- slow-loris ---------------------------------------------------------
# Each client runs at most 40 x 0.25 s = 10 s and writes how long it
# lasted; the server must cut all of them after about TIMEOUT_S.
slow_headers() {	# trickles one header byte at a time
	trap '' PIPE
	local t0; t0=$(date +%s%N)
	exec 3<>"/dev/tcp/127.0.0.1/$port" || { echo 0 >"$1"; return; }
	printf 'GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ' >&3
	for _ in $(seq 1 40); do printf 'a' >&3 2>/dev/null || break; sleep 0.25; done
	echo $(( ($(date +%s%N) - t0) / 1000000 )) >"$1"
}
slow_body() {	# sends headers and part of the body, then nothing
	trap '' PIPE
	local t0; t0=$(date +%s%N)
	exec 3<>"/dev/tcp/127.0.0.1/$port" || { echo 0 >"$1"; return; }
	printf 'POST /api/v1/nonce HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"pur' >&3
	read -r -t 10 -u 3 _
	echo $(( ($(date +%s%N) - t0) / 1000000 )) >"$1"
}
trickle_body() {	# sends the body one byte at a time
	trap '' PIPE
	local t0; t0=$(date +%s%N)
	exec 3<>"/dev/tcp/127.0.0.1/$port" || { echo 0 >"$1"; return; }
	printf 'POST /api/v1/nonce HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n' >&3
	for _ in $(seq 1 40); do printf ' ' >&3 2>/dev/null || break; sleep 0.25; done
	echo $(( ($(date +%s%N) - t0) / 1000000 )) >"$1"
}
pids=""
for i in 1 2 3; do
	slow_headers "$tmp/slow_h$i" & pids="$pids $!"
	slow_body "$tmp/slow_b$i" & pids="$pids $!"
	trickle_body "$tmp/slow_t$i" & pids="$pids $!"
done
sleep 1
# A normal client is served while the slow ones hang on.
if healthy && [ "$(post /api/v1/nonce '{"purpose":"bind"}' | cut -c1-3)" = 200 ]; then
	ok web_normal_client_served_during_slowloris
else
	no web_normal_client_served_during_slowloris
fi
# shellcheck disable=SC2086
wait $pids
for kind in h b t; do
	name=$(case $kind in h) echo headers_byte_by_byte;; b) echo body_never_finished;; t) echo body_byte_by_byte;; esac)
	times=$(cat "$tmp"/slow_$kind* 2>/dev/null | tr '\n' ' ')
	good=1
	for i in 1 2 3; do
		ms=$(cat "$tmp/slow_$kind$i" 2>/dev/null || echo 0)
		# cut, and not before the timeout (less a little slack)
		if [ "$ms" -lt $((TIMEOUT_S * 1000 - 500)) ] || [ "$ms" -gt $((TIMEOUT_S * 1000 + 2500)) ]; then
			good=0
		fi
	done
	[ "$good" = 1 ] && ok "web_slowloris_${name}_dropped_after_timeout" ||
		no "web_slowloris_${name}_dropped_after_timeout" "lasted (ms): $times; timeout ${TIMEOUT_S}s"
done
if healthy; then ok web_serving_after_slowloris; else no web_serving_after_slowloris; fi

# ---- connections per address --------------------------------------------
# LIMIT_HTTP_PER_IP_CONNECTIONS idle connections from 127.0.0.1: the next
# one is closed at once; when they go, service resumes.
LIMIT_HTTP_PER_IP_CONNECTIONS=32
hold_conns() {
	local fds="" fd i
	for i in $(seq 1 $LIMIT_HTTP_PER_IP_CONNECTIONS); do
		exec {fd}<>"/dev/tcp/127.0.0.1/$port" || break
		fds="$fds $fd"
	done
	echo "$i" >"$tmp/held"
	sleep 2
	for fd in $fds; do exec {fd}>&-; done
}
hold_conns &
hpid=$!
for _ in $(seq 1 20); do [ -s "$tmp/held" ] && break; sleep 0.05; done
sleep 0.3
over=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$base/health" 2>/dev/null)
wait "$hpid"
sleep 0.3
if [ "$(cat "$tmp/held")" = "$LIMIT_HTTP_PER_IP_CONNECTIONS" ] && [ "$over" = 000 ] && healthy; then
	ok web_connections_per_address_limited
else
	no web_connections_per_address_limited "held=$(cat "$tmp/held") next=$over"
fi

# ---- rate limit per address --------------------------------------------
# LIMIT_RATE_PER_ADDR requests per window; /health is exempt.  One curl,
# keep-alive, the limit plus 20 requests to a 404 route.
cfg=$tmp/curl.cfg
: >"$cfg"
for _ in $(seq 1 $((LIMIT_RATE_PER_ADDR + 20))); do
	printf 'url = "%s/api/v1/nope"\noutput = "/dev/null"\n' "$base" >>"$cfg"
done
codes=$(curl -s -m 60 -K "$cfg" -w '%{http_code}\n' 2>/dev/null)
n429=$(echo "$codes" | grep -c '^429$')
n404=$(echo "$codes" | grep -c '^404$')
out=$(post /api/v1/nonce '{"purpose":"login"}')
retry=$(header Retry-After)
if [ "$n429" -ge 20 ] && [ "$n404" -le "$LIMIT_RATE_PER_ADDR" ] &&
	[ "$out" = '429 {"error":"rate_limited"}' ] && [ -n "$retry" ] &&
	[ "$retry" -ge 1 ] && [ "$retry" -le 60 ]; then
	ok web_rate_limit_per_address_429_retry_after
else
	no web_rate_limit_per_address_429_retry_after "404s=$n404 429s=$n429" "$out" "Retry-After=$retry"
fi
healthy && ok web_health_exempt_from_rate_limit || no web_health_exempt_from_rate_limit

# ---- HTTPS ------------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" >"$tmp/openssl.log" 2>&1
if start_server "$tmp/tls.log" IPPYO_TLS_CERT="$tmp/cert.pem" IPPYO_TLS_KEY="$tmp/key.pem"; then
	tls_pid=$started_pid
	tport=$started_port
	out=$(curl -s -m 10 --cacert "$tmp/cert.pem" -D "$tmp/th" "https://127.0.0.1:$tport/health" 2>&1)
	plain=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$tport/health" 2>/dev/null)
	untrusted=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "https://127.0.0.1:$tport/health" 2>/dev/null)
	if [ "$out" = '{"status":"ok"}' ] && grep -qi '^Strict-Transport-Security:' "$tmp/th" &&
		[ "$plain" != 200 ] && [ "$untrusted" != 200 ]; then
		ok web_https_self_signed
	else
		no web_https_self_signed "$out" "plain=$plain untrusted=$untrusted" "$(tail -3 "$tmp/tls.log")"
	fi
	kill -TERM "$tls_pid"; wait "$tls_pid" 2>/dev/null; tls_pid=""
else
	no web_https_self_signed "$(tail -5 "$tmp/tls.log")" "$(cat "$tmp/openssl.log")"
fi

# ---- SIGTERM: a request in flight finishes, then a clean exit ----------
# The rate limit above used up this address, so use a fresh server.
kill -TERM "$srv_pid"; wait "$srv_pid" 2>/dev/null; srv_pid=""
if start_server "$tmp/server2.log"; then
	srv_pid=$started_pid
	port=$started_port
	inflight() {
		trap '' PIPE
		exec 3<>"/dev/tcp/127.0.0.1/$port" || return
		printf 'POST /api/v1/nonce HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 19\r\nConnection: close\r\n\r\n{"purpose"' >&3
		sleep 1	# SIGTERM arrives now
		printf ':"login"}' >&3
		timeout 10 cat <&3 >"$tmp/inflight.out"
	}
	inflight &
	ipid=$!
	sleep 0.5
	t0=$(date +%s%N)
	kill -TERM "$srv_pid"
	rc=124
	for _ in $(seq 1 200); do
		if ! kill -0 "$srv_pid" 2>/dev/null; then wait "$srv_pid"; rc=$?; break; fi
		sleep 0.1
	done
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	wait "$ipid" 2>/dev/null
	refused=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health" 2>/dev/null)
	if [ "$rc" = 0 ] && ! kill -0 "$srv_pid" 2>/dev/null && grep -q '"event":"server.stopped"' "$tmp/server2.log" &&
		[ -z "$(ss -Htln "sport = :$port" 2>/dev/null)" ]; then
		ok web_sigterm_exits_zero_no_process_left
	else
		no web_sigterm_exits_zero_no_process_left "rc=$rc after ${ms} ms" "$(tail -3 "$tmp/server2.log")"
	fi
	if grep -q '^HTTP/1.1 200' "$tmp/inflight.out" 2>/dev/null && grep -q '"nonce"' "$tmp/inflight.out" &&
		[ "$refused" = 000 ]; then
		ok web_sigterm_finishes_request_in_flight
	else
		no web_sigterm_finishes_request_in_flight "$(cat "$tmp/inflight.out" 2>/dev/null)" "new connection: $refused"
	fi
	srv_pid=""
else
	no web_sigterm_exits_zero_no_process_left "$(tail -5 "$tmp/server2.log")"
fi

# ---- configuration errors stop the server before it listens -----------
printf 'listen_port = 8080\nlisten_prot = 8081\n' >"$tmp/bad.conf"
out=$(IPPYO_DATABASE_URL="$DBURL" "$BIN/ippyo-server" --config "$tmp/bad.conf" 2>&1)
rc=$?
if [ "$rc" = 2 ] && echo "$out" | grep -q "line 2"; then
	ok web_bad_config_refused_with_line
else
	no web_bad_config_refused_with_line "rc=$rc" "$out"
fi

finish
