#!/usr/bin/env bash
# web/demo.sh - `make demo` and `make demo-stop`.
#
#   web/demo.sh start [--foreground|--detach]
#   web/demo.sh stop
#   web/demo.sh cards NAME NAME
#
# start brings up everything the demo needs under var/ (or $IPPYO_VAR):
# a private PostgreSQL with the schema migrated; the test JPKI PKI with
# its OCSP responders, four virtual My Number Cards (var/cards/*.card,
# made once and kept, so PIN counters survive restarts), a private pcscd
# with the vpcd reader (registry/pcscd-private; Debian's vpcd driver has
# two slots) and `ippyo-card serve` holding hanako.card and taro.card in
# them; and prints what runs where.  `web/demo.sh cards A B` puts two
# other cards (by name) into the readers.  On a terminal it stays in the foreground until Ctrl-C and then
# stops everything; without a terminal (or with --detach) it returns and
# `make demo-stop` stops everything later.  Running start twice is safe.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"
BIN=${BIN:-bin}
case $BIN in /*) ;; *) BIN=$root/$BIN ;; esac
VAR=${IPPYO_VAR:-$root/var}
VPCD_PORT=35963		# inside pcscd's own network namespace

say() { printf '%s\n' "$*"; }

# A TCP port nothing on loopback listens on (and the next one).
free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 30000))
		if ! ss -Htln "sport = :$p" 2>/dev/null | grep -q . &&
			! ss -Htln "sport = :$((p + 1))" 2>/dev/null | grep -q .; then
			echo "$p"; return 0
		fi
	done
	return 1
}

# The process in pid file $1 runs (a zombie counts as stopped).
alive() {
	local st
	[ -f "$1" ] || return 1
	st=$(ps -o stat= -p "$(cat "$1")" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st#Z}" = "$st" ]
}

stop_cards() {
	local pid
	if alive "$VAR/cards/serve.pid"; then
		pid=$(cat "$VAR/cards/serve.pid")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 1 50); do alive "$VAR/cards/serve.pid" || break; sleep 0.1; done
		say "demo: virtual cards removed"
	fi
	rm -f "$VAR/cards/serve.pid"
	if [ -f "$VAR/pcscd/pcscd.pid" ]; then
		registry/pcscd-private stop "$VAR/pcscd" && say "demo: pcscd stopped"
	fi
	if [ -f "$VAR/pki/auth/ocsp.pid" ] || [ -f "$VAR/pki/sign/ocsp.pid" ]; then
		registry/testpki.sh ocsp-stop "$VAR/pki" && say "demo: OCSP responders stopped"
	fi
}

start_cards() {
	local env
	if [ ! -f "$VAR/cards/hanako.card" ]; then
		rm -rf "$VAR/pki" "$VAR/cards"
		registry/testcards.sh "$VAR" "$(free_port)" "$BIN" >"$VAR/cards.log" 2>&1 ||
			{ cat "$VAR/cards.log" >&2; return 1; }
	fi
	if ! alive "$VAR/pki/auth/ocsp.pid"; then
		IPPYO_BIN=$BIN registry/testpki.sh ocsp-start "$VAR/pki"
	fi
	if ! alive "$VAR/pcscd/pcscd.pid"; then
		registry/pcscd-private start "$VAR/pcscd" "$VPCD_PORT" >"$VAR/pcscd.env"
	fi
	env=$(cat "$VAR/pcscd.env")
	eval "$env"
	if ! alive "$VAR/cards/serve.pid"; then
		local netns=()
		[ -n "$IPPYO_VPCD_NETNS" ] && netns=(--netns "$IPPYO_VPCD_NETNS")
		[ -f "$VAR/cards/inserted" ] || echo "hanako taro" >"$VAR/cards/inserted"
		local a b
		read -r a b <"$VAR/cards/inserted"
		setsid "$BIN/ippyo-card" serve --port "$VPCD_PORT" "${netns[@]}" \
			"$VAR/cards/$a.card" "$VAR/cards/$b.card" \
			>"$VAR/cards/serve.log" 2>&1 </dev/null &
		echo $! >"$VAR/cards/serve.pid"
	fi
}

stop_all() {
	# Later parts add their services here, in reverse start order.
	if alive "$VAR/election/server.pid"; then
		kill "$(cat "$VAR/election/server.pid")" 2>/dev/null || true
		for _ in $(seq 1 100); do alive "$VAR/election/server.pid" || break; sleep 0.1; done
		say "demo: ippyo-server stopped"
	fi
	rm -f "$VAR/election/server.pid"
	stop_cards
	if [ -d "$VAR/pg" ]; then
		db/pg-private stop "$VAR/pg" && say "demo: PostgreSQL stopped"
	fi
	rm -f "$VAR/demo.env"
}

start_all() {
	local url
	mkdir -p "$VAR"
	chmod 755 "$VAR"
	url=$(db/pg-private start "$VAR/pg")
	"$BIN/ippyo" migrate --database "$url" >/dev/null
	start_cards
	cat >"$VAR/demo.env" <<ENV
# Source this file to talk to the running demo.
export DATABASE_URL='$url'
export PCSCLITE_CSOCK_NAME='$PCSCLITE_CSOCK_NAME'
export IPPYO_VPCD_NETNS='$IPPYO_VPCD_NETNS'
export IPPYO_TEST_PKI='$VAR/pki'
export IPPYO_AUTH_CA='$VAR/pki/auth/ca.crt.pem' IPPYO_SIGN_CA='$VAR/pki/sign/ca.crt.pem'
export IPPYO_AUTH_CRL='$VAR/pki/auth/crl.der' IPPYO_SIGN_CRL='$VAR/pki/sign/crl.der'
export IPPYO_OCSP_URL='http://127.0.0.1:$(cat "$VAR/pki/ocsp-port")/'
export IPPYO_OCSP_SIGN_URL='http://127.0.0.1:$(($(cat "$VAR/pki/ocsp-port") + 1))/'
ENV
	say ""
	say "Ippyo demo is running"
	say "  PostgreSQL  $(db/pg-private url "$VAR/pg" | sed 's/ dbname.*//; s/host=/socket /')"
	say "              data $VAR/pg/data, log $VAR/pg/data/server.log"
	say "  schema      $("$BIN/ippyo" migrate status --database "$url")"
	say "  cards       pcscd (private, log $VAR/pcscd/pcscd.log) with readers"
	local a b
	read -r a b <"$VAR/cards/inserted"
	say "              Virtual PCD 00 00: $a.card"
	say "              Virtual PCD 00 01: $b.card"
	say "              (cards: hanako 山田　花子, taro 佐藤　太郎, jiro 鈴木　次郎,"
	say "               sakura 高橋　さくら; swap with: web/demo.sh cards jiro sakura)"
	say "              test PINs: auth 1234, signature password ABC123, basic-4 1234"
	say "              files $VAR/cards (README), PKI $VAR/pki (O=JPKI-TEST)"
	say "  OCSP        $(grep IPPYO_OCSP_URL "$VAR/demo.env" | cut -d"'" -f2) (auth CA), next port (sign CA)"
	say "  try         . $VAR/demo.env; $BIN/ippyo-card status"
	say "  environment . $VAR/demo.env   (sets DATABASE_URL, PCSCLITE_CSOCK_NAME, ...)"
	say ""
}

mode=${2:-}
case ${1:-} in
start)
	if [ -z "$mode" ]; then
		if [ -t 0 ]; then mode=--foreground; else mode=--detach; fi
	fi
	start_all
	# The main job: an election from the register to the verified record
	# (web/demo-election.sh).  IPPYO_DEMO_ELECTION=0 starts the services only.
	if [ "${IPPYO_DEMO_ELECTION:-1}" != 0 ]; then
		VAR=$VAR BIN=$BIN web/demo-election.sh ||
			say "demo: the election did not finish (the services keep running)"
	fi
	if [ "$mode" = --foreground ]; then
		trap 'say; stop_all; exit 0' INT TERM
		say "Press Ctrl-C to stop the demo."
		while :; do sleep 3600 & wait $!; done
	else
		say "Stop it with: make demo-stop"
	fi
	;;
stop)
	stop_all
	;;
cards)
	# Pull the served cards out and insert two others (by name).
	[ -f "$VAR/cards/${2:-}.card" ] && [ -f "$VAR/cards/${3:-}.card" ] ||
		{ echo "usage: web/demo.sh cards NAME NAME  (see $VAR/cards)" >&2; exit 2; }
	alive "$VAR/pcscd/pcscd.pid" || { echo "demo: not running" >&2; exit 1; }
	if alive "$VAR/cards/serve.pid"; then kill "$(cat "$VAR/cards/serve.pid")"; fi
	rm -f "$VAR/cards/serve.pid"
	echo "$2 $3" >"$VAR/cards/inserted"
	sleep 1		# pcscd notices the removal at its next poll
	start_cards
	say "demo: Virtual PCD 00 00: $2.card, Virtual PCD 00 01: $3.card"
	;;
*)
	echo "usage: web/demo.sh start [--foreground|--detach] | stop | cards NAME NAME" >&2
	exit 2
	;;
esac
