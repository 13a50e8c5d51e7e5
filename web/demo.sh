#!/usr/bin/env bash
# web/demo.sh - `make demo` and `make demo-stop`.
#
#   web/demo.sh start [--foreground|--detach]
#   web/demo.sh stop
#
# start brings up everything the demo needs under var/ (or $IPPYO_VAR):
# a private PostgreSQL with the schema migrated, and prints what runs
# where.  On a terminal it stays in the foreground until Ctrl-C and then
# stops everything; without a terminal (or with --detach) it returns and
# `make demo-stop` stops everything later.  Running start twice is safe.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"
BIN=${BIN:-bin}
VAR=${IPPYO_VAR:-$root/var}

say() { printf '%s\n' "$*"; }

stop_all() {
	# Later parts add their services here, in reverse start order.
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
	cat >"$VAR/demo.env" <<ENV
# Source this file to talk to the running demo.
export DATABASE_URL='$url'
ENV
	say ""
	say "Ippyo demo is running"
	say "  PostgreSQL  $(db/pg-private url "$VAR/pg" | sed 's/ dbname.*//; s/host=/socket /')"
	say "              data $VAR/pg/data, log $VAR/pg/data/server.log"
	say "  schema      $("$BIN/ippyo" migrate status --database "$url")"
	say "  environment . $VAR/demo.env   (sets DATABASE_URL)"
	say ""
}

mode=${2:-}
case ${1:-} in
start)
	if [ -z "$mode" ]; then
		if [ -t 0 ]; then mode=--foreground; else mode=--detach; fi
	fi
	start_all
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
*)
	echo "usage: web/demo.sh start [--foreground|--detach] | stop" >&2
	exit 2
	;;
esac
