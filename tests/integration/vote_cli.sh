#!/usr/bin/env bash
# `ippyo vote` end to end: the committee sets up an election with the CLI,
# a voter's card (a virtual My Number Card in the private pcscd) is bound,
# ippyo-server runs with the test PKI (CRLs and live OCSP), and the
# reference client fetches and checks the election, learns the alias with
# the PIN, encrypts locally, has the card sign, casts, checks the receipt;
# the tracking code is on the bulletin board; a re-vote supersedes; a
# Benaloh challenge casts nothing and its file checks; bad choices and a
# wrong PIN are refused with nothing cast.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd -P)
cd "$root"
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
no() { echo "FAIL $1"; shift; printf '  %s\n' "$@" | head -20; fail=$((fail + 1)); }
for v in PCSCLITE_CSOCK_NAME IPPYO_VPCD_PORT IPPYO_TEST_CARDS IPPYO_TEST_PKI IPPYO_BIN DATABASE_URL IPPYO_OCSP_URL; do
	if [ -z "${!v:-}" ]; then
		no vote_rig "$v not set: tests/run starts the card rig"
		echo "$pass passed, $fail failed"; exit 1
	fi
done
work=$(mktemp -d /tmp/ippyo-vote.XXXXXX)
db=ippyo_vote_$$
srv_role=ippyo_web_$$		# the server's own login role, not the owner
base_url=$DATABASE_URL
reader="Virtual PCD 00 01"
card_pid="" server_pid=""
cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	if [ -n "$card_pid" ]; then
		kill "$card_pid" 2>/dev/null && wait "$card_pid" 2>/dev/null
		for _ in $(seq 1 80); do
			opensc-tool -l 2>/dev/null | grep -q "Yes .*$reader" || break
			sleep 0.1
		done
	fi
	psql "$base_url" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
	psql "$base_url" -qc "DROP ROLE IF EXISTS $srv_role" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
psql "$DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null
export DATABASE_URL="$DATABASE_URL dbname=$db" IPPYO_LOG_LEVEL=error IPPYO_ACTOR=test-clerk
export IPPYO_AUTH_CA=$IPPYO_TEST_PKI/auth/ca.crt.pem IPPYO_SIGN_CA=$IPPYO_TEST_PKI/sign/ca.crt.pem
export IPPYO_AUTH_CRL=$IPPYO_TEST_PKI/auth/crl.der IPPYO_SIGN_CRL=$IPPYO_TEST_PKI/sign/crl.der
ippyo() { "$IPPYO_BIN/ippyo" "$@"; }
q() { psql "$DATABASE_URL" -Atc "$1"; }
ippyo migrate >/dev/null

# The committee: register, election (window open now), roll, key, open.
cat >"$work/residents.csv" <<'CSV'
resident_id,name,name_kana,address,municipality_code,date_of_birth,sex,nationality,resident_since,status,status_date
3001,山田 花子,ヤマダ ハナコ,東京都千代田区霞が関2丁目1番2号,131016,1980-02-17,2,JP,2000-01-01,active,
CSV
ippyo registry import "$work/residents.csv" >/dev/null || no vote_import
today=$(date -u +%Y-%m-%d)
later=$(date -u -d '+10 days' +%Y-%m-%d)
opens=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%S.000000Z)
cat >"$work/election.json" <<JSON
{"version": 1, "id": "chiyoda-2027", "name": {"ja": "千代田区長選挙", "en": "Chiyoda mayoral election"},
 "municipality": "131016", "election_day": "$later", "reference_date": "$today",
 "opens": "$opens", "closes": "${later}T11:00:00.000000Z",
 "contests": [
  {"id": "mayor", "title": {"ja": "区長", "en": "Mayor"}, "min": 0, "max": 1,
   "options": [{"id": "tanaka", "label": {"ja": "田中", "en": "Tanaka"}},
               {"id": "suzuki", "label": {"ja": "鈴木", "en": "Suzuki"}}]},
  {"id": "judges", "title": {"ja": "国民審査", "en": "Supreme Court review"}, "min": 0, "max": 2,
   "options": [{"id": "j1", "label": {"ja": "甲", "en": "A"}},
               {"id": "j2", "label": {"ja": "乙", "en": "B"}}]}]}
JSON
ippyo election create "$work/election.json" >/dev/null &&
	ippyo election freeze-roll chiyoda-2027 >/dev/null &&
	echo pw >"$work/pw" &&
	ippyo election test-key chiyoda-2027 --sealed-secret "$work/key" --passphrase-fd 3 3<"$work/pw" >/dev/null 2>&1 &&
	ippyo election open chiyoda-2027 >/dev/null && ok vote_committee_setup ||
	no vote_committee_setup "$(ippyo election show chiyoda-2027 2>&1)"

# The voter's card, bound at the desk.
for _ in $(seq 1 80); do opensc-tool -l 2>/dev/null | grep -q "Yes .*$reader" || break; sleep 0.1; done
cp "$IPPYO_TEST_CARDS/hanako.card" "$work/hanako.card"
netns=()
[ -n "${IPPYO_VPCD_NETNS:-}" ] && netns=(--netns "$IPPYO_VPCD_NETNS")
"$IPPYO_BIN/ippyo-card" serve --port $((IPPYO_VPCD_PORT + 1)) "${netns[@]}" "$work/hanako.card" >"$work/card.log" 2>&1 &
card_pid=$!
for _ in $(seq 1 80); do opensc-tool -l 2>/dev/null | grep -q "Yes .*$reader" && break; sleep 0.1; done
printf '1234\nABC123\n' >"$work/pins"
out=$(ippyo card bind --reader "$reader" --pin-fd 3 3<"$work/pins" 2>&1)
echo "$out" | grep -q "bound to resident 3001" && ok vote_card_bound || no vote_card_bound "$out"

# The server, connected as a login role that is a member of ippyo_server
# only (`ippyo migrate grant-server`), never as the database owner.
out=$(ippyo migrate grant-server "$srv_role" 2>&1) && echo "$out" | grep -q "member of ippyo_server" &&
	ok vote_server_role_granted || no vote_server_role_granted "$out"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
	echo $((30000 + RANDOM % 20000)))
IPPYO_CHECKPOINT_S=1 IPPYO_LISTEN_PORT=$port IPPYO_DATABASE_URL="$DATABASE_URL user=$srv_role" IPPYO_ORIGIN=https://vote.city.chiyoda.example \
	"$IPPYO_BIN/ippyo-server" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done

vote() {	# vote PIN CHOICE... [--challenge FILE]
	local pin=$1; shift
	local args=()
	while [ $# -gt 0 ]; do
		if [ "$1" = --challenge ]; then args+=(--challenge "$2"); shift 2
		else args+=(--choose "$1"); shift; fi
	done
	printf '%s\n' "$pin" >"$work/pin"
	ippyo vote --server "http://127.0.0.1:$port" --election chiyoda-2027 \
		"${args[@]}" --reader "$reader" --pin-fd 3 3<"$work/pin" 2>&1
}
out=$(vote 1234 mayor=tanaka judges=j1); rc=$?
code=$(echo "$out" | sed -n 's/^tracking code \([0-9a-f]\{64\}\)$/\1/p')
if [ "$rc" -eq 0 ] && [ -n "$code" ] && echo "$out" | grep -q "ballot cast: position 1"; then
	ok vote_cast_receipt_checked
else
	no vote_cast_receipt_checked "rc=$rc" "$out" "$(tail -5 "$work/server.log")"
fi
board=$(curl -s "http://127.0.0.1:$port/api/v1/elections/chiyoda-2027/board/$code")
echo "$board" | grep -q '"position":1' && ! echo "$board" | grep -q 3001 &&
	ok vote_tracking_code_on_board || no vote_tracking_code_on_board "$board"
[ "$(q "SELECT count(*) FROM ballots")" = 1 ] && ! q "SELECT encode(ballot, 'escape') FROM ballots" | grep -q tanaka &&
	ok vote_box_holds_ciphertext_only || no vote_box_holds_ciphertext_only

out=$(vote 1234 mayor=suzuki); rc=$?
if [ "$rc" -eq 0 ] && echo "$out" | grep -q "ballot cast: position 2" &&
	[ "$(q "SELECT count(*) FROM ballot_superseded WHERE position = 1 AND by_position = 2")" = 1 ]; then
	ok vote_revote_supersedes
else
	no vote_revote_supersedes "rc=$rc" "$out"
fi

# The Benaloh challenge: encrypted as for casting, randomness revealed in
# a private file, checked by the client and by `ippyo audit challenge`,
# nothing cast; a tampered copy fails.
ch=$work/challenge.json
out=$(vote 1234 mayor=tanaka judges=j2 --challenge "$ch"); rc=$?
if [ "$rc" -eq 0 ] && echo "$out" | grep -q "CHALLENGED, NOT CAST" &&
	echo "$out" | grep -q "\[x\] tanaka  田中 / Tanaka" && echo "$out" | grep -q "\[x\] j2  乙 / B" &&
	[ "$(stat -c %a "$ch")" = 600 ] && [ "$(q "SELECT count(*) FROM ballots")" = 2 ] &&
	! echo "$out" | grep -q "ballot cast"; then
	ok vote_challenge_casts_nothing
else
	no vote_challenge_casts_nothing "rc=$rc" "$out"
fi
out=$(ippyo audit challenge "$ch" 2>&1); rc=$?
[ "$rc" -eq 0 ] && echo "$out" | grep -q "encrypts exactly the choices above" &&
	ok vote_challenge_file_checks || no vote_challenge_file_checks "rc=$rc" "$out"
sed 's/"selections":\[1,0\]/"selections":[0,1]/' "$ch" >"$work/tampered.json"
out=$(ippyo audit challenge "$work/tampered.json" 2>&1); rc=$?
[ "$rc" -ne 0 ] && echo "$out" | grep -q "FAILED every ciphertext" &&
	ok vote_challenge_tampered_fails || no vote_challenge_tampered_fails "rc=$rc" "$out"
# A file that exists, or a folder that does not, is refused before the
# card is asked anything: the wrong PIN given here is never tried (no
# "wrong PIN", and the wrong-PIN test below still has 2 tries left); an
# I/O problem is not reported as a failed challenge.
out=$(vote 9999 mayor=tanaka --challenge "$ch"); rc=$?
[ "$rc" -ne 0 ] && echo "$out" | grep -q "exists; give a new file name" &&
	! echo "$out" | grep -q "PIN" &&
	ok vote_challenge_no_overwrite || no vote_challenge_no_overwrite "rc=$rc" "$out"
out=$(vote 9999 mayor=tanaka --challenge "$work/no-such-dir/c.json"); rc=$?
if [ "$rc" -ne 0 ] &&
	echo "$out" | grep -qx "ippyo vote: cannot write $work/no-such-dir/c.json: No such file or directory" &&
	! echo "$out" | grep -q "FAILED\|PIN\|ballot cast" && [ ! -e "$work/no-such-dir" ] &&
	[ "$(q "SELECT count(*) FROM ballots")" = 2 ]; then
	ok vote_challenge_missing_folder_io_error
else
	no vote_challenge_missing_folder_io_error "rc=$rc" "$out"
fi

out=$(vote 1234 mayor=nobody); rc=$?
[ "$rc" -ne 0 ] && echo "$out" | grep -q "no such contest and option: mayor=nobody" &&
	ok vote_unknown_choice_refused_locally || no vote_unknown_choice_refused_locally "$out"
out=$(vote 1234 mayor=tanaka mayor=suzuki); rc=$?
[ "$rc" -ne 0 ] && echo "$out" | grep -q "contest mayor takes 0 to 1 marks, not 2" &&
	ok vote_overvote_refused_locally || no vote_overvote_refused_locally "$out"
out=$(vote 9999 mayor=tanaka); rc=$?
[ "$rc" -ne 0 ] && echo "$out" | grep -q "wrong PIN; 2 tries left" &&
	ok vote_wrong_pin_refused || no vote_wrong_pin_refused "$out"
[ "$(q "SELECT count(*) FROM ballots")" = 2 ] && ok vote_refusals_cast_nothing || no vote_refusals_cast_nothing
# Everything above went through a server holding ippyo_server's rights
# only (casting, re-voting, the board, signed checkpoints every second):
# its connections are the role's, and the role cannot change the box.
[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db' AND usename = '$srv_role'")" -ge 1 ] &&
	[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db' AND usename <> '$srv_role' AND pid <> pg_backend_pid() AND backend_type = 'client backend'")" = 0 ] &&
	ok vote_server_runs_as_its_role || no vote_server_runs_as_its_role "$(q "SELECT usename, backend_type FROM pg_stat_activity WHERE datname = '$db'")"
as_srv() { psql "$DATABASE_URL user=$srv_role" -Atc "$1" 2>&1; }
u=$(as_srv "UPDATE ballots SET alias = alias")
d=$(as_srv "DELETE FROM ballots")
s=$(as_srv "DELETE FROM ballot_superseded")
if echo "$u" | grep -q "permission denied" && echo "$d" | grep -q "permission denied" &&
	echo "$s" | grep -q "permission denied" && [ "$(q "SELECT count(*) FROM ballots")" = 2 ] &&
	[ "$(q "SELECT count(*) FROM box_checkpoints WHERE election_id = 'chiyoda-2027'")" -ge 1 ]; then
	ok vote_server_role_cannot_change_the_box
else
	no vote_server_role_cannot_change_the_box "$u" "$d" "$s"
fi
# The PINs used above (1234 to bind and vote, ABC123 to bind, 9999
# wrong) went to the card in VERIFY APDUs through the rig's pcscd: its
# log, readable by its owner only, holds none of them (pcscd runs
# without --apdu unless IPPYO_PCSCD_APDU=1, registry/pcscd-private).
plog=${PCSCLITE_CSOCK_NAME%/run/pcscd.comm}/pcscd.log
if [ "${IPPYO_PCSCD_APDU:-}" = 1 ]; then
	echo "skip vote_pcscd_log_holds_no_pin (IPPYO_PCSCD_APDU=1 logs every APDU)"
elif [ -f "$plog" ] && [ "$(stat -c %a "$plog")" = 600 ] &&
	! grep -qiE '31 ?32 ?33 ?34|41 ?42 ?43 ?31 ?32 ?33|39 ?39 ?39 ?39' "$plog"; then
	ok vote_pcscd_log_holds_no_pin
else
	no vote_pcscd_log_holds_no_pin "$plog: $(stat -c %a "$plog" 2>&1)" "$(grep -iE '00 20 00' "$plog" | head -3)"
fi
out=$(ippyo election box chiyoda-2027 2>&1)
echo "$out" | grep -q "box chain    intact: 2 ballots" && echo "$out" | grep -q "2 cast by 1 voters, 1 superseded" &&
	ok vote_box_view || no vote_box_view "$out"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
