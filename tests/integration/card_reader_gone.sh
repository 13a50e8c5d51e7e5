#!/usr/bin/env bash
# A reader that disappears: a second private pcscd (its own namespaces,
# so the shared rig is untouched) with a card in it; the client holds the
# card open while that pcscd stops, and must say ERR_READER_GONE, not hang
# or crash.  Then: no pcscd at all is a clear PC/SC error.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd -P)
cd "$root"
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
no() { echo "FAIL $1"; shift; printf '  %s\n' "$@" | head -20; fail=$((fail + 1)); }

if [ -z "${IPPYO_TEST_CARDS:-}" ] || [ -z "${IPPYO_BIN:-}" ]; then
	no reader_gone_rig "IPPYO_TEST_CARDS / IPPYO_BIN not set: tests/run starts the card rig"
	echo "$pass passed, $fail failed"; exit 1
fi
work=$(mktemp -d /tmp/ippyo-gone.XXXXXX)
chmod 755 "$work"
card_pid=""
cleanup() {
	[ -n "$card_pid" ] && kill "$card_pid" 2>/dev/null && wait "$card_pid" 2>/dev/null
	registry/pcscd-private stop "$work/pcscd" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

if env=$(registry/pcscd-private start "$work/pcscd" 35963 2>"$work/start.err"); then
	ok private_pcscd_starts
else
	no private_pcscd_starts "$(cat "$work/start.err")"
	echo "$pass passed, $fail failed"; exit 1
fi
eval "$env"
export PCSCLITE_CSOCK_NAME
cp "$IPPYO_TEST_CARDS/hanako.card" "$work/card"
netns=()
[ -n "${IPPYO_VPCD_NETNS:-}" ] && netns=(--netns "$IPPYO_VPCD_NETNS")
"$IPPYO_BIN/ippyo-card" serve --port "$IPPYO_VPCD_PORT" "${netns[@]}" "$work/card" \
	>"$work/card.log" 2>&1 &
card_pid=$!

out=$("$IPPYO_BIN/ippyo-card" status --wait 8000 2>&1)
if echo "$out" | grep -q "auth_pin_tries: 3"; then
	ok client_reads_card_in_second_pcscd
else
	no client_reads_card_in_second_pcscd "$out"
fi

# Hold the card open, then take pcscd (and with it the reader) away.
"$IPPYO_BIN/ippyo-card" status --wait 8000 --hold 2500 >"$work/hold.out" 2>&1 &
hold=$!
for _ in $(seq 1 80); do grep -q auth_cert_serial "$work/hold.out" && break; sleep 0.1; done
registry/pcscd-private stop "$work/pcscd"
wait "$hold"
rc=$?
if [ "$rc" -ne 0 ] && grep -q "error: ERR_READER_GONE" "$work/hold.out"; then
	ok reader_gone_mid_session_is_reported
else
	no reader_gone_mid_session_is_reported "rc=$rc" "$(cat "$work/hold.out")"
fi

out=$("$IPPYO_BIN/ippyo-card" status 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && echo "$out" | grep -qE "error: (ERR_PCSC|ERR_READER_GONE)"; then
	ok no_pcscd_is_a_clear_error
else
	no no_pcscd_is_a_clear_error "rc=$rc" "$out"
fi

# The card process survives its reader going away and keeps retrying.
st=$(ps -o stat= -p "$card_pid" 2>/dev/null)
[ -n "$st" ] && [ "${st#Z}" = "$st" ] && ok card_process_survives_pcscd_stop ||
	no card_process_survives_pcscd_stop "$(cat "$work/card.log")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
