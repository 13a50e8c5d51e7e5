#!/usr/bin/env bash
# registry/testcards.sh - the test PKI plus a set of virtual cards.
#
#   registry/testcards.sh DIR OCSP_PORT [BIN]
#
# Creates DIR/pki (registry/testpki.sh init) and one card file per test
# identity in DIR/cards/<id>.card (BIN/ippyo-card new), and writes
# DIR/cards/README with the test PINs.  Used by tests/run and web/demo.sh.
# Every card has the same test PINs: user-authentication PIN 1234,
# signature password ABC123, card-info (basic 4) PIN 1234.  These are
# test cards issued by a test CA (O=JPKI-TEST); nothing here is secret.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
dir=${1:?DIR}
port=${2:?OCSP_PORT}
bin=${3:-$root/bin}

# id | name | address | birth | sex | My Number (valid check digit)
identities() {
	cat <<'EOF'
hanako|山田　花子|東京都千代田区霞が関２丁目１番２号|19800217|2|123456789018
taro|佐藤　太郎|大阪府大阪市北区中之島１丁目３番２０号|19550630|1|234567890121
jiro|鈴木　次郎|北海道札幌市中央区北１条西２丁目|20010405|1|345678901234
sakura|高橋　さくら|福岡県福岡市中央区天神１丁目８番１号|19920911|2|456789012346
EOF
}

mkdir -p "$dir/cards"
chmod 755 "$dir" "$dir/cards"
"$root/registry/testpki.sh" init "$dir/pki" "$port"
{
	echo "Virtual My Number Cards (test PKI in $dir/pki, O=JPKI-TEST)"
	echo "PINs of every card: auth PIN 1234, signature password ABC123, basic-4 PIN 1234"
	echo
} >"$dir/cards/README"
while IFS='|' read -r id name addr birth sex mn; do
	"$root/registry/testpki.sh" issue "$dir/pki" "$id" "$name" "$addr" "$birth" "$sex"
	"$bin/ippyo-card" new "$dir/cards/$id.card" --pki "$dir/pki" --id "$id" \
		--name "$name" --address "$addr" --birth "$birth" --sex "$sex" \
		--my-number "$mn" --pin 1234 --password ABC123 --text-pin 1234
	echo "$id.card  $name  born $birth  sex $sex  My Number $mn" >>"$dir/cards/README"
done < <(identities)
