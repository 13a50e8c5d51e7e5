#!/usr/bin/env bash
# `ippyo card bind` end to end: a virtual My Number Card in the private
# pcscd that tests/run started, the committee CLI reading it through
# PC/SC, the PIN and signature password given on a file descriptor, the
# real test PKI with CRLs and live OCSP, and a throw-away database.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd -P)
cd "$root"
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
no() { echo "FAIL $1"; shift; printf '  %s\n' "$@" | head -20; fail=$((fail + 1)); }

for v in PCSCLITE_CSOCK_NAME IPPYO_VPCD_PORT IPPYO_TEST_CARDS IPPYO_TEST_PKI IPPYO_BIN DATABASE_URL IPPYO_OCSP_URL; do
	if [ -z "${!v:-}" ]; then
		no card_bind_rig "$v not set: tests/run starts the card rig"
		echo "$pass passed, $fail failed"; exit 1
	fi
done

work=$(mktemp -d /tmp/ippyo-bind.XXXXXX)
db=ippyo_bind_$$
card_pid=""
cleanup() {
	if [ -n "$card_pid" ]; then
		kill "$card_pid" 2>/dev/null && wait "$card_pid" 2>/dev/null
		# Leave the reader empty for the next suite, as pcscd sees it.
		for _ in $(seq 1 80); do
			opensc-tool -l 2>/dev/null | grep -q "Yes .*Virtual PCD 00 01" || break
			sleep 0.1
		done
	fi
	psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

psql "$DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null
export DATABASE_URL="$DATABASE_URL dbname=$db"
"$IPPYO_BIN/ippyo" migrate >/dev/null 2>&1 || { no card_bind_migrate; echo "$pass passed, $fail failed"; exit 1; }
export IPPYO_AUTH_CA=$IPPYO_TEST_PKI/auth/ca.crt.pem IPPYO_SIGN_CA=$IPPYO_TEST_PKI/sign/ca.crt.pem
export IPPYO_AUTH_CRL=$IPPYO_TEST_PKI/auth/crl.der IPPYO_SIGN_CRL=$IPPYO_TEST_PKI/sign/crl.der
export IPPYO_ACTOR=test-clerk IPPYO_LOG_LEVEL=error
q() { psql "$DATABASE_URL" -Atc "$1"; }

# The register: Hanako and Taro of the test cards (addresses written with
# half-width digits here, full-width on the cards); Jiro is not in it.
cat >"$work/residents.csv" <<'CSV'
resident_id,name,name_kana,address,municipality_code,date_of_birth,sex,nationality,resident_since,status,status_date
2001,山田 花子,ヤマダ ハナコ,東京都千代田区霞が関2丁目1番2号,131016,1980-02-17,2,JP,2000-01-01,active,
2002,佐藤 太郎,サトウ タロウ,大阪府大阪市北区中之島1丁目3番20号,131016,1955-06-30,1,JP,2000-01-01,active,
CSV
"$IPPYO_BIN/ippyo" registry import "$work/residents.csv" >/dev/null || no card_bind_import

reader="Virtual PCD 00 01"
insert() {	# insert CARD: serve a copy of that test card in reader slot 1
	if [ -n "$card_pid" ]; then
		kill "$card_pid" 2>/dev/null && wait "$card_pid" 2>/dev/null
		card_pid=""
		# Pulled out: wait until pcscd sees the slot empty.
		for _ in $(seq 1 80); do
			opensc-tool -l 2>/dev/null | grep -q "No .*$reader" && break
			sleep 0.1
		done
	fi
	cp "$IPPYO_TEST_CARDS/$1.card" "$work/$1.card"
	netns=()
	[ -n "${IPPYO_VPCD_NETNS:-}" ] && netns=(--netns "$IPPYO_VPCD_NETNS")
	"$IPPYO_BIN/ippyo-card" serve --port $((IPPYO_VPCD_PORT + 1)) "${netns[@]}" "$work/$1.card" \
		>"$work/card.log" 2>&1 &
	card_pid=$!
	for _ in $(seq 1 80); do
		opensc-tool -l 2>/dev/null | grep -q "Yes .*$reader" && return 0
		sleep 0.1
	done
	return 1
}
bind() {	# bind PIN PASSWORD
	printf '%s\n%s\n' "$1" "$2" >"$work/pins"
	"$IPPYO_BIN/ippyo" card bind --reader "$reader" --pin-fd 3 3<"$work/pins" 2>&1
}

insert hanako || no card_bind_insert "$(cat "$work/card.log")"
out=$(bind 1234 ABC123)
if echo "$out" | grep -q "card bound to resident 2001"; then
	ok card_bind_by_signature_certificate
else
	no card_bind_by_signature_certificate "$out"
fi
[ "$(q "SELECT count(*) FROM card_bindings WHERE resident_id = '2001' AND status = 'active' AND method = 'signature-certificate'")" = 1 ] &&
	ok card_bind_row_stored || no card_bind_row_stored "$(q 'SELECT * FROM card_bindings')"

out=$(bind 1234 ABC123); rc=$?
if [ "$rc" -ne 0 ] && echo "$out" | grep -q "already bound" && [ "$(q "SELECT count(*) FROM card_bindings")" = 1 ]; then
	ok card_bind_twice_refused_nothing_changes
else
	no card_bind_twice_refused_nothing_changes "rc=$rc" "$out"
fi

insert taro || no card_bind_insert_taro
audit=$(q "SELECT count(*) FROM audit_log")
out=$(bind 9999 ABC123); rc=$?
if [ "$rc" -ne 0 ] && echo "$out" | grep -q "wrong PIN or password; 2 tries left" &&
	[ "$(q "SELECT count(*) FROM card_bindings")" = 1 ] && [ "$(q "SELECT count(*) FROM audit_log")" = "$audit" ]; then
	ok card_bind_wrong_pin_refused_nothing_changes
else
	no card_bind_wrong_pin_refused_nothing_changes "rc=$rc" "$out"
fi
out=$(bind 1234 WRONGPW); rc=$?
if [ "$rc" -ne 0 ] && echo "$out" | grep -q "wrong PIN or password; 4 tries left" && [ "$(q "SELECT count(*) FROM card_bindings")" = 1 ]; then
	ok card_bind_wrong_password_refused
else
	no card_bind_wrong_password_refused "rc=$rc" "$out"
fi
printf '123\n' >"$work/pins"
out=$("$IPPYO_BIN/ippyo" card bind --reader "$reader" --pin-fd 3 3<"$work/pins" 2>&1); rc=$?
if [ "$rc" -ne 0 ] && echo "$out" | grep -qi "PIN has the wrong length"; then
	ok card_bind_short_pin_refused_before_sending
else
	no card_bind_short_pin_refused_before_sending "rc=$rc" "$out"
fi

printf '1234\n' >"$work/pins"
out=$("$IPPYO_BIN/ippyo" card bind-witnessed --reader "$reader" --resident 2002 --witness "窓口 職員" --pin-fd 3 3<"$work/pins" 2>&1)
if echo "$out" | grep -q "card bound to resident 2002 by 窓口 職員" &&
	[ "$(q "SELECT count(*) FROM card_bindings WHERE resident_id = '2002' AND method = 'witnessed'")" = 1 ]; then
	ok card_bind_witnessed
else
	no card_bind_witnessed "$out"
fi

insert jiro || no card_bind_insert_jiro
out=$(bind 1234 ABC123); rc=$?
if [ "$rc" -ne 0 ] && echo "$out" | grep -q "match no single resident" && [ "$(q "SELECT count(*) FROM card_bindings")" = 2 ]; then
	ok card_bind_unknown_person_refused_not_guessed
else
	no card_bind_unknown_person_refused_not_guessed "rc=$rc" "$out"
fi

out=$("$IPPYO_BIN/ippyo" card sweep 2>&1)
echo "$out" | grep -q "checked 2 bindings: 0 suspended, 0 with unknown status" &&
	ok card_sweep_checks_every_binding || no card_sweep_checks_every_binding "$out"

out=$("$IPPYO_BIN/ippyo" audit verify 2>&1)
echo "$out" | grep -q "audit chain intact" && ok card_bind_audit_chain_intact || no card_bind_audit_chain_intact "$out"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
