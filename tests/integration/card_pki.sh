#!/usr/bin/env bash
# The test JPKI PKI that tests/run created: certificate profile (key
# usages, policies, issuerAltName, basic 4 in subjectAltName otherNames),
# the OCSP responders answering for real on loopback, and revocation
# reaching both the CRL and OCSP.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd -P)
cd "$root"
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
no() { echo "FAIL $1"; shift; printf '  %s\n' "$@" | head -20; fail=$((fail + 1)); }

pki=${IPPYO_TEST_PKI:-}
if [ -z "$pki" ] || [ -z "${IPPYO_OCSP_URL:-}" ]; then
	no pki_rig "IPPYO_TEST_PKI / IPPYO_OCSP_URL not set: tests/run starts the card rig"
	echo "$pass passed, $fail failed"; exit 1
fi

text=$(openssl x509 -inform DER -in "$pki/ee/hanako/sign.crt.der" -noout -text 2>&1)
if echo "$text" | grep -q "Digital Signature, Non Repudiation" &&
	echo "$text" | grep -q "1.2.392.200149.8.5.1.1.20" &&
	echo "$text" | grep -q "othername: 1.2.392.200149.8.5.5.1::山田　花子" &&
	echo "$text" | grep -q "othername: 1.2.392.200149.8.5.5.4::319800217" &&
	echo "$text" | grep -q "othername: 1.2.392.200149.8.5.5.3::2" &&
	echo "$text" | grep -q "othername: 1.2.392.200149.8.5.5.5::東京都千代田区霞が関２丁目１番２号" &&
	echo "$text" | grep -q "othername: 1.2.392.200149.8.5.5.2::00000" &&
	echo "$text" | grep -q "othername: 1.2.392.200149.8.5.5.6::0000000000000000"; then
	ok sign_certificate_profile
else
	no sign_certificate_profile "$text"
fi
text=$(openssl x509 -inform DER -in "$pki/ee/hanako/auth.crt.der" -noout -text 2>&1)
if echo "$text" | grep -q "Digital Signature$" && echo "$text" | grep -q "1.2.392.200149.8.5.1.3.30" &&
	! echo "$text" | grep -q "Subject Alternative Name" &&
	echo "$text" | grep -q "Issuer Alternative Name"; then
	ok auth_certificate_profile
else
	no auth_certificate_profile "$text"
fi
# issuerAltName O=公的個人認証サービス as a UTF8String (tag 0C, 30 bytes).
hex=$(od -An -v -tx1 "$pki/ee/hanako/auth.crt.der" | tr -d ' \n')
if echo "$hex" | grep -q "0c1ee585ace79a84e5808be4baba"; then
	ok issuer_alt_name_is_utf8
else
	no issuer_alt_name_is_utf8 "UTF8String 公的個人認証サービス not found"
fi
chain=$(openssl verify -CAfile "$pki/auth/ca.crt.pem" "$pki/ee/hanako/auth.crt.pem" 2>&1)
echo "$chain" | grep -q ": OK" && ok auth_chain_verifies || no auth_chain_verifies "$chain"
chain=$(openssl verify -CAfile "$pki/auth/ca.crt.pem" "$pki/ee/hanako/sign.crt.pem" 2>&1)
echo "$chain" | grep -q ": OK" && no sign_cert_not_from_auth_ca "$chain" || ok sign_cert_not_from_auth_ca

ocsp() {	# CA-DIR CERT URL
	openssl ocsp -issuer "$pki/$1/ca.crt.pem" -cert "$2" -CAfile "$pki/$1/ca.crt.pem" \
		-url "$3" -timeout 5 2>&1
}
out=$(ocsp auth "$pki/ee/taro/auth.crt.pem" "$IPPYO_OCSP_URL")
echo "$out" | grep -q "auth.crt.pem: good" && echo "$out" | grep -q "Response verify OK" &&
	ok ocsp_auth_good || no ocsp_auth_good "$out"
out=$(ocsp sign "$pki/ee/taro/sign.crt.pem" "$IPPYO_OCSP_SIGN_URL")
echo "$out" | grep -q "sign.crt.pem: good" && ok ocsp_sign_good || no ocsp_sign_good "$out"

# Revoke a throwaway identity (testpki.sh restarts running responders
# so they read the new index).
registry/testpki.sh issue "$pki" revoked1 "取消　一郎" "東京都" 19700101 1 >/dev/null 2>&1
registry/testpki.sh revoke "$pki" revoked1 auth >/dev/null 2>&1
out=$(ocsp auth "$pki/ee/revoked1/auth.crt.pem" "$IPPYO_OCSP_URL")
echo "$out" | grep -q "auth.crt.pem: revoked" && ok ocsp_reports_revocation || no ocsp_reports_revocation "$out"
serial=$(openssl x509 -in "$pki/ee/revoked1/auth.crt.pem" -noout -serial | cut -d= -f2)
crl=$(openssl crl -inform DER -in "$pki/auth/crl.der" -noout -text 2>&1)
echo "$crl" | grep -qi "Serial Number: $serial" && ok crl_lists_revoked_serial || no crl_lists_revoked_serial "$serial" "$crl"
out=$(openssl verify -crl_check -CAfile "$pki/auth/ca.crt.pem" -CRLfile "$pki/auth/crl.pem" \
	"$pki/ee/revoked1/auth.crt.pem" 2>&1)
echo "$out" | grep -q "certificate revoked" && ok crl_check_refuses_revoked || no crl_check_refuses_revoked "$out"
out=$(openssl verify -crl_check -CAfile "$pki/auth/ca.crt.pem" -CRLfile "$pki/auth/crl.pem" \
	"$pki/ee/hanako/auth.crt.pem" 2>&1)
echo "$out" | grep -q ": OK" && ok crl_check_accepts_good || no crl_check_accepts_good "$out"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
