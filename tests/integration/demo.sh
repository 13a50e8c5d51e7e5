#!/usr/bin/env bash
# The demo starts, prints where things run, and stops leaving no process:
# once detached + `stop`, once in the foreground + SIGINT (Ctrl-C).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd -P)
cd "$root"
export BIN=${IPPYO_BIN:-$root/bin}
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
no() { echo "FAIL $1"; shift; printf '  %s\n' "$@"; fail=$((fail + 1)); }
var=$(mktemp -d /tmp/ippyo-demo.XXXXXX)
chmod 755 "$var"
export IPPYO_VAR=$var
# The start/stop checks run the services only; the election runs once, below.
export IPPYO_DEMO_ELECTION=0
trap 'web/demo.sh stop >/dev/null 2>&1; rm -rf "$var"' EXIT

procs() { pgrep -f -- "$var" | grep -v "^$$\$" || true; }

out=$(web/demo.sh start </dev/null 2>&1)
if echo "$out" | grep -q "Ippyo demo is running" && echo "$out" | grep -q "schema      schema version" &&
	echo "$out" | grep -q "make demo-stop"; then
	ok demo_detached_start_prints_where_things_run
else
	no demo_detached_start_prints_where_things_run "$out"
fi
[ -n "$(procs)" ] && ok demo_postgres_running || no demo_postgres_running "no process under $var"
out2=$(web/demo.sh start </dev/null 2>&1)
echo "$out2" | grep -q "Ippyo demo is running" && ok demo_start_twice_is_safe || no demo_start_twice_is_safe "$out2"
web/demo.sh stop >/dev/null 2>&1
sleep 0.5
[ -z "$(procs)" ] && ok demo_stop_leaves_no_process || no demo_stop_leaves_no_process "$(ps -o pid,args -p "$(procs | tr '\n' ',' | sed 's/,$//')")"

# Foreground, then Ctrl-C.
# Background jobs of a script start with SIGINT ignored; a terminal would
# not, so restore the default as a shell on a terminal has it.
setsid env --default-signal=INT web/demo.sh start --foreground </dev/null >"$var/fg.out" 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q "Press Ctrl-C" "$var/fg.out" 2>/dev/null && break; sleep 0.1; done
kill -INT "$pid"
wait "$pid"
rc=$?
sleep 0.5
if [ "$rc" -eq 0 ] && [ -z "$(procs)" ] && grep -q "PostgreSQL stopped" "$var/fg.out"; then
	ok demo_ctrl_c_stops_everything
else
	no demo_ctrl_c_stops_everything "rc=$rc" "$(cat "$var/fg.out")" "$(procs)"
fi

# The main job: `make demo` runs an election from the register to the
# verified record (web/demo-election.sh) on the services it started.
out=$(IPPYO_DEMO_ELECTION=1 web/demo.sh start </dev/null 2>&1)
if [ "$(echo "$out" | grep -c 'record valid: election chiyoda-demo, 5 ballots cast, 4 counted')" = 2 ] &&
	echo "$out" | grep -q 'card bound to resident 3004' &&
	echo "$out" | grep -q 'qualified trustees 1 2 3' &&
	echo "$out" | grep -q 'ballot cast: position 5' &&
	echo "$out" | grep -q 'tallied from the shares of trustees 1 3' &&
	echo "$out" | grep -qE '^ +3  田中 一郎$' && echo "$out" | grep -qE '^ +1  鈴木 花子$' &&
	echo "$out" | grep -qE '^ +2  Judge A$' && echo "$out" | grep -qE '^ +1  Judge B$' &&
	! echo "$out" | grep -q 'did not finish'; then
	ok demo_runs_an_election_to_a_verified_record
else
	no demo_runs_an_election_to_a_verified_record "$(echo "$out" | tail -40)"
fi
# The server's command line does not name $var: follow its pid.
srv=$(cat "$var/election/server.pid" 2>/dev/null || echo none)
kill -0 "$srv" 2>/dev/null && ok demo_server_keeps_running || no demo_server_keeps_running "pid $srv"
web/demo.sh stop >/dev/null 2>&1
sleep 0.5
gone() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) || return 0; [ -z "$st" ] || [ "${st#Z}" != "$st" ]; }
[ -z "$(procs)" ] && gone "$srv" && ok demo_stop_after_the_election_leaves_no_process ||
	no demo_stop_after_the_election_leaves_no_process "$(procs)" "server pid $srv"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
