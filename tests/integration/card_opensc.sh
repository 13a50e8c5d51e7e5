#!/usr/bin/env bash
# The independent cross-check: OpenSC (a client we did not write) reads
# the virtual card through the real pcscd + vpcd that tests/run started:
# its JPKI driver binds, pkcs15-tool lists both certificates and reads
# them byte for byte, pkcs11-tool signs with both keys and openssl
# verifies the signatures against the card's certificates, and a wrong
# PIN spends exactly one try that OpenSC itself then reports.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd -P)
cd "$root"
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
no() { echo "FAIL $1"; shift; printf '  %s\n' "$@" | head -20; fail=$((fail + 1)); }

for v in PCSCLITE_CSOCK_NAME IPPYO_VPCD_PORT IPPYO_TEST_CARDS IPPYO_TEST_PKI IPPYO_BIN; do
	if [ -z "${!v:-}" ]; then
		no opensc_rig "$v not set: tests/run starts the card rig"
		echo "$pass passed, $fail failed"; exit 1
	fi
done
P11=""
for p in /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so /usr/lib/*/opensc-pkcs11.so /usr/lib/opensc-pkcs11.so; do
	[ -e "$p" ] && { P11=$p; break; }
done

work=$(mktemp -d /tmp/ippyo-opensc.XXXXXX)
card_pid=""
cleanup() {
	[ -n "$card_pid" ] && kill "$card_pid" 2>/dev/null && wait "$card_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# The card goes into reader slot 1 ("Virtual PCD 00 01"), once an earlier
# suite's card has left it (as pcscd sees it), so that "present" below is
# this card.
for _ in $(seq 1 80); do
	opensc-tool -l 2>/dev/null | grep -q "Yes .*Virtual PCD 00 01" || break
	sleep 0.1
done
cp "$IPPYO_TEST_CARDS/sakura.card" "$work/card"
netns=()
[ -n "${IPPYO_VPCD_NETNS:-}" ] && netns=(--netns "$IPPYO_VPCD_NETNS")
"$IPPYO_BIN/ippyo-card" serve --port $((IPPYO_VPCD_PORT + 1)) "${netns[@]}" "$work/card" \
	>"$work/card.log" 2>&1 &
card_pid=$!
for _ in $(seq 1 80); do
	opensc-tool -l 2>/dev/null | grep -q "Yes .*Virtual PCD 00 01" && break
	sleep 0.1
done
if opensc-tool -l 2>/dev/null | grep -q "Yes .*Virtual PCD 00 01"; then
	ok opensc_sees_card_inserted
else
	no opensc_sees_card_inserted "$(opensc-tool -l 2>&1)" "$(cat "$work/card.log")"
fi

name=$(opensc-tool -r 1 -n 2>&1)
[ "$name" = jpki ] && ok opensc_picks_jpki_driver || no opensc_picks_jpki_driver "$name"

certs=$(pkcs15-tool -r 1 --list-certificates 2>&1)
if echo "$certs" | grep -q "\[User Authentication Certificate\]" &&
	echo "$certs" | grep -q "\[Digital Signature Certificate\]" &&
	[ "$(echo "$certs" | grep -c '^X.509 Certificate')" -eq 4 ]; then
	ok pkcs15_lists_both_certificates_and_cas
else
	no pkcs15_lists_both_certificates_and_cas "$certs"
fi

pkcs15-tool -r 1 --read-certificate 01 -o "$work/auth.pem" >/dev/null 2>&1
openssl x509 -in "$work/auth.pem" -outform DER -out "$work/auth.der" 2>/dev/null
if cmp -s "$work/auth.der" "$IPPYO_TEST_PKI/ee/sakura/auth.crt.der"; then
	ok pkcs15_reads_auth_certificate_byte_exact
else
	no pkcs15_reads_auth_certificate_byte_exact "$(ls -la "$work")"
fi

pins=$(pkcs15-tool -r 1 --list-pins 2>&1)
if echo "$pins" | grep -q "Tries left *: 3" && echo "$pins" | grep -q "Tries left *: 5"; then
	ok pkcs15_reports_tries_3_and_5
else
	no pkcs15_reports_tries_3_and_5 "$pins"
fi

printf 'ballot hash for the cross-check\n' >"$work/msg"
sign_and_verify() {	# NAME TOKEN-LABEL PIN ID CERT
	local name=$1 label=$2 pin=$3 id=$4 cert=$5 out
	rm -f "$work/sig"
	out=$(pkcs11-tool --module "$P11" --token-label "$label" --login --pin "$pin" \
		--sign --id "$id" -m SHA256-RSA-PKCS -i "$work/msg" -o "$work/sig" 2>&1)
	openssl x509 -inform DER -in "$cert" -pubkey -noout >"$work/pub.pem"
	if [ -s "$work/sig" ] && [ "$(stat -c %s "$work/sig")" -eq 256 ] &&
		openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/sig" "$work/msg" |
		grep -q "Verified OK"; then
		ok "$name"
	else
		no "$name" "$out"
	fi
}
if [ -z "$P11" ]; then
	no pkcs11_module_found "opensc-pkcs11.so not found"
else
	sign_and_verify pkcs11_auth_signature_verifies_with_openssl \
		"JPKI (User Authentication PIN)" 1234 01 "$IPPYO_TEST_PKI/ee/sakura/auth.crt.der"
	sign_and_verify pkcs11_sign_signature_verifies_with_openssl \
		"JPKI (Digital Signature PIN)" ABC123 02 "$IPPYO_TEST_PKI/ee/sakura/sign.crt.der"

	out=$(pkcs11-tool --module "$P11" --token-label "JPKI (User Authentication PIN)" \
		--login --pin 9999 --sign --id 01 -m SHA256-RSA-PKCS -i "$work/msg" -o "$work/sig2" 2>&1)
	pins=$(pkcs15-tool -r 1 --list-pins 2>&1)
	if echo "$out" | grep -q CKR_PIN_INCORRECT && echo "$pins" | grep -q "Tries left *: 2"; then
		ok pkcs11_wrong_pin_spends_one_try
	else
		no pkcs11_wrong_pin_spends_one_try "$out" "$pins"
	fi
fi

# The counter is in the card file, as OpenSC saw it.
kill "$card_pid" 2>/dev/null; wait "$card_pid" 2>/dev/null; card_pid=""
info=$("$IPPYO_BIN/ippyo-card" info "$work/card" 2>&1)
echo "$info" | grep -q "auth_pin_tries=2" && ok card_file_kept_the_counter ||
	no card_file_kept_the_counter "$info"
for _ in $(seq 1 50); do
	opensc-tool -l 2>/dev/null | grep -q "No .*Virtual PCD 00 01" && break
	sleep 0.1
done
opensc-tool -l 2>/dev/null | grep -q "No .*Virtual PCD 00 01" && ok opensc_sees_card_removed ||
	no opensc_sees_card_removed "$(opensc-tool -l 2>&1)"

# A card whose ATR OpenSC does not know (a contactless-style one, ref
# §1.1): its JPKI driver must still find the card by SELECTing the AID,
# after every other driver's probe got 6A82 / 6D00 from the card.
"$IPPYO_BIN/ippyo-card" new "$work/ctless" --pki "$IPPYO_TEST_PKI" --id sakura \
	--name "高橋　さくら" --address "福岡県福岡市中央区天神１丁目８番１号" \
	--birth 19920911 --sex 2 --my-number 456789012346 \
	--atr 3B88800100000005E0B381A1007F
"$IPPYO_BIN/ippyo-card" serve --port $((IPPYO_VPCD_PORT + 1)) "${netns[@]}" "$work/ctless" \
	>"$work/card2.log" 2>&1 &
card_pid=$!
for _ in $(seq 1 80); do
	opensc-tool -l 2>/dev/null | grep -q "Yes .*Virtual PCD 00 01" && break
	sleep 0.1
done
atr=$(opensc-tool -r 1 -a 2>&1)
name=$(opensc-tool -r 1 -n 2>&1)
if [ "$name" = jpki ] && ! echo "$atr" | grep -qi "3b:e0:00:ff"; then
	ok opensc_finds_jpki_by_aid_with_unknown_atr
else
	no opensc_finds_jpki_by_aid_with_unknown_atr "atr: $atr" "name: $name"
fi
certs=$(pkcs15-tool -r 1 --list-certificates 2>&1)
[ "$(echo "$certs" | grep -c '^X.509 Certificate')" -eq 4 ] &&
	ok pkcs15_binds_by_aid || no pkcs15_binds_by_aid "$certs"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
