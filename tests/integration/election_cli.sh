#!/usr/bin/env bash
# `ippyo election ...` from the manifest file to an open election and its
# box view, with every bad manifest refused and nothing created.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd -P)
cd "$root"
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
no() { echo "FAIL $1"; shift; printf '  %s\n' "$@" | head -20; fail=$((fail + 1)); }
[ -n "${DATABASE_URL:-}" ] || { no election_cli_rig "DATABASE_URL not set"; echo "$pass passed, $fail failed"; exit 1; }
BIN=${IPPYO_BIN:-$root/bin}
work=$(mktemp -d /tmp/ippyo-elcli.XXXXXX)
db=ippyo_elcli_$$
trap 'psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; rm -rf "$work"' EXIT
psql "$DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null
export DATABASE_URL="$DATABASE_URL dbname=$db" IPPYO_LOG_LEVEL=error IPPYO_ACTOR=test-clerk
"$BIN/ippyo" migrate >/dev/null
q() { psql "$DATABASE_URL" -Atc "$1"; }
m=docs/examples/yabu-2027.json

bad() {	# bad NAME EXPECTED-TEXT SED-EXPRESSION
	sed -e "$3" "$m" >"$work/bad.json"
	out=$("$BIN/ippyo" election create "$work/bad.json" 2>&1); rc=$?
	if [ "$rc" -ne 0 ] && echo "$out" | grep -q -- "$2" && [ "$(q 'SELECT count(*) FROM elections')" = 0 ]; then
		ok "election_create_refuses_$1"
	else
		no "election_create_refuses_$1" "rc=$rc" "$out"
	fi
}
bad duplicate_key 'malformed input' 's/"version": 1,/"version": 1, "version": 1,/'
bad unknown_member 'malformed input at $: unknown member' 's/"version": 1,/"version": 1, "extra": 2,/'
bad max_over_options 'value out of range' 's/"max": 4,/"max": 5,/'
bad bad_municipality 'malformed input' 's/"282227"/"282228"/'
bad wrong_type 'malformed input at $.contests\[0\].min' '0,/"min": 0/s//"min": "0"/'
bad bad_date 'malformed input' 's/2027-06-20"/2027-06-31"/'
bad not_json 'malformed input' 's/^{/[/'

out=$("$BIN/ippyo" election create "$m" 2>&1)
echo "$out" | grep -q "election yabu-2027 created (draft): 4 contests" && ok election_create || no election_create "$out"
out=$("$BIN/ippyo" election create "$m" 2>&1); rc=$?
[ "$rc" -ne 0 ] && echo "$out" | grep -q "exists" && ok election_create_twice_refused || no election_create_twice_refused "$out"
out=$("$BIN/ippyo" election open yabu-2027 2>&1); rc=$?
[ "$rc" -ne 0 ] && echo "$out" | grep -q "current state" && ok election_open_from_draft_refused || no election_open_from_draft_refused "$out"

cat >"$work/residents.csv" <<'CSV'
resident_id,name,name_kana,address,municipality_code,date_of_birth,sex,nationality,resident_since,status,status_date
1,養父 太郎,ヤブ タロウ,兵庫県養父市八鹿町八鹿1,282227,1950-04-01,1,JP,1950-04-01,active,
2,Smith Jane,スミス ジェーン,兵庫県養父市大屋町1,282227,1960-01-01,2,US,2000-01-01,active,
CSV
"$BIN/ippyo" registry import "$work/residents.csv" >/dev/null || no election_cli_import
out=$("$BIN/ippyo" election freeze-roll yabu-2027 2>&1)
echo "$out" | grep -q "roll frozen" && [ "$(q "SELECT entries FROM rolls WHERE election_id = 'yabu-2027'")" = 1 ] &&
	ok election_freeze_roll || no election_freeze_roll "$out"
echo pw-for-test >"$work/pw"
out=$("$BIN/ippyo" election test-key yabu-2027 --sealed-secret "$work/key.sealed" --passphrase-fd 3 3<"$work/pw" 2>&1)
if echo "$out" | grep -q "TEST-ONLY single key" && [ -s "$work/key.sealed" ] &&
	[ "$(stat -c %a "$work/key.sealed")" = 600 ] && head -c 9 "$work/key.sealed" | grep -q IPPYOSEAL; then
	ok election_test_key_sealed
else
	no election_test_key_sealed "$out"
fi
"$BIN/ippyo" election open yabu-2027 >/dev/null 2>&1 && ok election_open || no election_open
out=$("$BIN/ippyo" election box yabu-2027 2>&1)
if echo "$out" | grep -q "state        open  (TEST-ONLY" && echo "$out" | grep -q "roll         1 voters" &&
	echo "$out" | grep -q "box chain    intact: 0 ballots" && echo "$out" | grep -q "Supreme Court review: 4 options, choose 0..4"; then
	ok election_box_view
else
	no election_box_view "$out"
fi
"$BIN/ippyo" election close yabu-2027 >/dev/null 2>&1 && ok election_close || no election_close
out=$("$BIN/ippyo" audit verify 2>&1)
echo "$out" | grep -q "audit chain intact" && ok election_audit_intact || no election_audit_intact "$out"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
