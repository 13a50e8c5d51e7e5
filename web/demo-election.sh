#!/usr/bin/env bash
# web/demo-election.sh - the demo's election, end to end, on the services
# `web/demo.sh start` runs (PostgreSQL, OCSP, pcscd with virtual cards):
#
#   the register and the four test cards bound at the desk; an election
#   whose window closes a minute after it is created; a 2-of-3 trustee
#   key ceremony; ippyo-server; four voters vote with their cards (one
#   re-votes); the close; the tally with one trustee absent; the record
#   written and checked by ippyo-verify with both engines.
#
# Every command is printed as it runs.  It uses its own database in the
# demo's PostgreSQL (ippyo_demo_election, made afresh each run) and files
# under $VAR/election; the server it starts keeps running (the bulletin
# board) until `make demo-stop`.  Usage: web/demo-election.sh (with VAR
# and BIN set by web/demo.sh, which calls it).
set -uo pipefail
: "${VAR:?}" "${BIN:?}"
. "$VAR/demo.env"
E=$VAR/election
ID=chiyoda-demo
DB=ippyo_demo_election
ORIGIN=https://vote.city.chiyoda.example
WINDOW_S=${IPPYO_DEMO_WINDOW_S:-60}

say() { printf '%s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }
fail() { printf 'demo election: %s\n' "$*" >&2; exit 1; }
# run CMD...: prints it (paths shortened), runs it, indents its output.
run() {
	local shown="$*"
	shown=${shown//$BIN\//}
	shown=${shown//$VAR/var}
	printf '  $ %s\n' "$shown"
	"$@" 2>&1 | sed 's/^/    /'
	[ "${PIPESTATUS[0]}" -eq 0 ] || fail "step failed: $shown"
}
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
ippyo() { "$BIN/ippyo" "$@"; }
trustee() { "$BIN/ippyo-trustee" "$@"; }

alive "$E/server.pid" && kill "$(cat "$E/server.pid")" 2>/dev/null
rm -rf "$E"
mkdir -p "$E"
chmod 700 "$E"
psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
psql "$DATABASE_URL" -qc "CREATE DATABASE $DB" >/dev/null || fail "cannot create $DB"
# The same connection, another database (a later dbname= wins).
export DATABASE_URL="$DATABASE_URL dbname=$DB" IPPYO_ACTOR=demo-committee IPPYO_LOG_LEVEL=error
cat >"$E/env" <<ENV
# Source this (after var/demo.env) to look at the demo election.
export DATABASE_URL='$DATABASE_URL'
ENV
ippyo migrate >/dev/null || fail "migrate"
# Passphrases for the demo only (each file is read through --*-fd 3).
for i in 1 2 3; do printf 'trustee %s demo passphrase\n' "$i" >"$E/pass-t$i"; done
printf 'committee demo passphrase\n' >"$E/pass-committee"
printf 'receipt demo passphrase\n' >"$E/pass-receipt"
printf '1234\nABC123\n' >"$E/pins"		# auth PIN, signature password
printf '1234\n' >"$E/pin"

step "1. The register, and the voters' cards bound at the desk"
say "   (the four test cards carry addresses in four cities; for the demo the"
say "    register lists all four as residents of Chiyoda, code 131016)"
cat >"$E/residents.csv" <<'CSV'
resident_id,name,name_kana,address,municipality_code,date_of_birth,sex,nationality,resident_since,status,status_date
3001,山田 花子,ヤマダ ハナコ,東京都千代田区霞が関2丁目1番2号,131016,1980-02-17,2,JP,2000-01-01,active,
3002,佐藤 太郎,サトウ タロウ,大阪府大阪市北区中之島1丁目3番20号,131016,1955-06-30,1,JP,2000-01-01,active,
3003,鈴木 次郎,スズキ ジロウ,北海道札幌市中央区北1条西2丁目,131016,2001-04-05,1,JP,2019-04-01,active,
3004,高橋 さくら,タカハシ サクラ,福岡県福岡市中央区天神1丁目8番1号,131016,1992-09-11,2,JP,2010-01-01,active,
CSV
run ippyo registry import "$E/residents.csv"
cards() {	# cards A B: serve these two in readers 00 00 and 00 01
	local a b
	read -r a b <"$VAR/cards/inserted"
	[ "$a $b" = "$1 $2" ] && return 0
	run web/demo.sh cards "$1" "$2"
	for _ in $(seq 1 100); do
		[ "$(opensc-tool -l 2>/dev/null | grep -c 'Yes .*Virtual PCD')" -ge 2 ] && break
		sleep 0.1
	done
}
cards hanako taro
run ippyo card bind --reader "Virtual PCD 00 00" --pin-fd 3 3<"$E/pins"
run ippyo card bind --reader "Virtual PCD 00 01" --pin-fd 3 3<"$E/pins"
cards jiro sakura
run ippyo card bind --reader "Virtual PCD 00 00" --pin-fd 3 3<"$E/pins"
run ippyo card bind --reader "Virtual PCD 00 01" --pin-fd 3 3<"$E/pins"

step "2. The election, its roll, and the trustees' key ceremony (2 of 3)"
now=$(date -u +%s)
closes=$(date -u -d "@$((now + WINDOW_S))" +%Y-%m-%dT%H:%M:%S.000000Z)
opens=$(date -u -d "@$((now - 3600))" +%Y-%m-%dT%H:%M:%S.000000Z)
eday=$(date -u -d "@$((now + 86400))" +%Y-%m-%d)
today=$(date -u +%Y-%m-%d)
cat >"$E/election.json" <<JSON
{"version": 1, "id": "$ID",
 "name": {"ja": "千代田区長選挙（デモ）", "en": "Chiyoda mayoral election (demo)"},
 "municipality": "131016", "election_day": "$eday", "reference_date": "$today",
 "opens": "$opens", "closes": "$closes",
 "contests": [
  {"id": "mayor", "title": {"ja": "区長", "en": "Mayor"}, "min": 0, "max": 1,
   "options": [{"id": "tanaka", "label": {"ja": "田中 一郎", "en": "Ichiro Tanaka"}},
               {"id": "suzuki", "label": {"ja": "鈴木 花子", "en": "Hanako Suzuki"}}]},
  {"id": "judges", "title": {"ja": "最高裁判所裁判官国民審査", "en": "Supreme Court review"},
   "min": 0, "max": 2,
   "options": [{"id": "j1", "label": {"ja": "裁判官 甲", "en": "Judge A"}},
               {"id": "j2", "label": {"ja": "裁判官 乙", "en": "Judge B"}}]}]}
JSON
run ippyo election create "$E/election.json"
run ippyo election freeze-roll "$ID"
run ippyo ceremony start "$ID" --trustees 3 --threshold 2 --out "$E/ceremony.bin"
for i in 1 2 3; do
	mkdir -p "$E/t$i/out" "$E/t$i/in"
	run trustee init --ceremony "$E/ceremony.bin" --index "$i" --state "$E/t$i/state" \
		--out "$E/t$i/out" --passphrase-fd 3 3<"$E/pass-t$i"
	run ippyo ceremony post "$ID" "$E/t$i/out/public-0$i.bin"
done
for i in 1 2 3; do
	run ippyo ceremony fetch "$ID" --for "$i" --out "$E/t$i/in"
	run trustee shares --state "$E/t$i/state" --publics "$E/t$i/in" --out "$E/t$i/out" \
		--passphrase-fd 3 3<"$E/pass-t$i"
done
for i in 1 2 3; do
	for f in "$E/t$i"/out/share-*.bin; do run ippyo ceremony post "$ID" "$f"; done
done
for i in 1 2 3; do
	run ippyo ceremony fetch "$ID" --for "$i" --out "$E/t$i/in"
	run trustee receive --state "$E/t$i/state" --publics "$E/t$i/in" --shares "$E/t$i/in" \
		--passphrase-fd 3 3<"$E/pass-t$i"
done
run ippyo ceremony finish "$ID" --out "$E/ceremony-result.bin"
for i in 1 2 3; do
	run ippyo ceremony fetch "$ID" --for "$i" --out "$E/t$i/in"
	run trustee finish --state "$E/t$i/state" --publics "$E/t$i/in" \
		--ceremony-result "$E/t$i/in/ceremony-result.bin" --passphrase-fd 3 3<"$E/pass-t$i"
done
run ippyo key new "$E/committee.key" --label committee-key --passphrase-fd 3 3<"$E/pass-committee"
run ippyo key new "$E/receipt.key" --label receipt-key --passphrase-fd 3 3<"$E/pass-receipt"
committee_key=$(ippyo key show "$E/committee.key" --label committee-key --passphrase-fd 3 3<"$E/pass-committee" | tail -1)
box_key=$(ippyo key show "$E/receipt.key" --label receipt-key --passphrase-fd 3 3<"$E/pass-receipt" | tail -1)
run ippyo election open "$ID"

step "3. The server, and four voters"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
	echo $((30000 + RANDOM % 20000)))
run ippyo migrate grant-server ippyo_demo_web
IPPYO_LISTEN_PORT=$port IPPYO_DATABASE_URL="$DATABASE_URL user=ippyo_demo_web" IPPYO_ORIGIN=$ORIGIN \
	IPPYO_RECEIPT_KEY_FILE=$E/receipt.key IPPYO_RECEIPT_KEY_PASSPHRASE="receipt demo passphrase" \
	IPPYO_CHECKPOINT_S=5 setsid "$BIN/ippyo-server" >"$E/server.log" 2>&1 </dev/null &
echo $! >"$E/server.pid"
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/health" >/dev/null || fail "the server did not start: $(tail -3 "$E/server.log")"
say "  ippyo-server on http://127.0.0.1:$port (log var/election/server.log)"
vote() {	# vote READER CHOICE...
	local reader=$1 args=()
	shift
	for c in "$@"; do args+=(--choose "$c"); done
	run ippyo vote --server "http://127.0.0.1:$port" --election "$ID" "${args[@]}" \
		--reader "$reader" --pin-fd 3 3<"$E/pin"
}
vote "Virtual PCD 00 00" mayor=tanaka judges=j1		# jiro
vote "Virtual PCD 00 01" mayor=suzuki			# sakura
cards hanako taro
vote "Virtual PCD 00 00" mayor=suzuki judges=j1 judges=j2	# hanako
vote "Virtual PCD 00 01" mayor=tanaka judges=j2		# taro
say "  Hanako changes her mind and votes again: only her last ballot counts."
vote "Virtual PCD 00 00" mayor=tanaka judges=j1		# hanako again
run ippyo election box "$ID" --key "$box_key"

step "4. The close, and the tally (trustee 2 does not come)"
left=$(( $(date -u -d "$closes" +%s) - $(date -u +%s) + 1 ))
if [ "$left" -gt 0 ]; then
	say "  waiting ${left} s for the official close of voting ($closes)"
	sleep "$left"
fi
run ippyo election close "$ID"
run ippyo tally start "$ID" --committee-key "$E/committee.key" --box-key "$box_key" \
	--passphrase-fd 3 3<"$E/pass-committee"
run ippyo tally export "$ID" --committee-key "$E/committee.key" --out "$E/for-trustees" \
	--passphrase-fd 3 3<"$E/pass-committee"
for i in 1 3; do
	run trustee decrypt --state "$E/t$i/state" --record "$E/for-trustees" \
		--out "$E/decryption-t$i.json" --passphrase-fd 3 3<"$E/pass-t$i"
	run ippyo tally share "$ID" "$E/decryption-t$i.json"
done
run ippyo tally publish "$ID" --committee-key "$E/committee.key" --passphrase-fd 3 3<"$E/pass-committee"
run ippyo tally record "$ID" --committee-key "$E/committee.key" --out "$E/record" \
	--tar "$E/$ID-record.tar" --passphrase-fd 3 3<"$E/pass-committee"

step "5. An observer checks the record (both engines, the keys pinned)"
run "$BIN/ippyo-verify" --quiet --committee-key "$committee_key" --box-key "$box_key" "$E/$ID-record.tar"
run "$BIN/ippyo-verify" --quiet --engine gcrypt --committee-key "$committee_key" --box-key "$box_key" "$E/record"

step "Result (var/election/record/results.txt)"
sed 's/^/  /' "$E/record/results.txt"
say "Expected: mayor Tanaka 3 (jiro, taro, hanako's last), Suzuki 1 (sakura);"
say "          judges A 2 (jiro, hanako's last), B 1 (taro)."
say "The record: var/election/record (and var/election/$ID-record.tar);"
say "the bulletin board: http://127.0.0.1:$port/api/v1/elections/$ID/board"
say "committee key $committee_key"
say "box key       $box_key"
touch "$E/done"
