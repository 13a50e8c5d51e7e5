#!/usr/bin/env bash
# registry/testpki.sh - the test JPKI PKI, created at test/demo time.
#
#   registry/testpki.sh init DIR OCSP_PORT
#       two self-signed CAs modelled on J-LIS (user authentication and
#       digital signature, O=JPKI-TEST so no production verifier can be
#       fooled), an OCSP signing certificate for each, empty CRLs.
#       The auth CA's responder is meant for 127.0.0.1:OCSP_PORT, the
#       sign CA's for 127.0.0.1:OCSP_PORT+1 (written into the AIA).
#   registry/testpki.sh issue DIR ID NAME ADDRESS BIRTH SEX
#       a key pair + certificate for each of auth and sign into DIR/ee/ID/:
#       auth.key.der auth.crt.der sign.key.der sign.crt.der (DER; keys
#       PKCS#8).  BIRTH is YYYYMMDD, SEX the ISO 5218 digit (1, 2, 9).
#       The signature certificate carries the basic 4 in subjectAltName
#       otherNames 1.2.392.200149.8.5.5.1-6 (UTF8String).
#   registry/testpki.sh revoke DIR ID auth|sign   revoke and re-issue CRLs
#   registry/testpki.sh crl DIR                   re-issue both CRLs
#   registry/testpki.sh ocsp-start DIR            start both responders
#       (OpenSSL's responder behind bin/ippyo-ocspfront, on 127.0.0.1
#       only: `openssl ocsp -port` alone would listen on every interface)
#   registry/testpki.sh ocsp-stop DIR             stop them
#
# Nothing here is ever committed: DIR is a temporary directory (tests) or
# var/pki (demo).  Private keys stay in DIR, mode 600.
set -euo pipefail
umask 077

die() { echo "testpki: $*" >&2; exit 1; }

# 0 while pid runs (a zombie counts as stopped).
running() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st#Z}" = "$st" ]
}

# Writes the openssl ca configuration of CA $1 (auth|sign) into $2.
ca_conf() {
	local which=$1 d=$2
	cat >"$d/$which/ca.cnf" <<EOF
[ ca ]
default_ca = this
[ this ]
dir = $d/$which
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
certificate = \$dir/ca.crt.pem
private_key = \$dir/ca.key.pem
serial = \$dir/serial
crlnumber = \$dir/crlnumber
default_md = sha256
default_days = 1826
default_crl_days = 7
policy = anything
unique_subject = no
rand_serial = yes
copy_extensions = none
[ anything ]
countryName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_ocsp ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ crl_ext ]
authorityKeyIdentifier = keyid
EOF
}

# The era digit of the certificate's date of birth (EYYYYMMDD).
era_of() {
	local d=$1
	if [ "$d" -ge 20190501 ]; then echo 5
	elif [ "$d" -ge 19890108 ]; then echo 4
	elif [ "$d" -ge 19261225 ]; then echo 3
	elif [ "$d" -ge 19120730 ]; then echo 2
	else echo 1; fi
}

# One '0' per character of UTF-8 text: no substitute characters used.
zeros_for() {
	local n
	n=$(printf '%s' "$1" | LC_ALL=C tr -d '\200-\277' | wc -c)
	printf '%*s' "$n" '' | tr ' ' 0
}

cmd_init() {
	local d=$1 port=$2 which ou
	[ -n "$port" ] || die "init needs DIR OCSP_PORT"
	mkdir -p "$d"
	d=$(cd "$d" && pwd -P)
	for which in auth sign; do
		mkdir -p "$d/$which/newcerts"
		: >"$d/$which/index.txt"
		echo 1000 >"$d/$which/crlnumber"
		ca_conf "$which" "$d"
		if [ "$which" = auth ]; then ou="JPKI for user authentication"
		else ou="JPKI for digital signature"; fi
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
			-out "$d/$which/ca.key.pem" 2>/dev/null
		openssl req -new -x509 -config "$d/$which/ca.cnf" -extensions v3_ca \
			-key "$d/$which/ca.key.pem" -days 3650 -sha256 \
			-subj "/C=JP/O=JPKI-TEST/OU=$ou/OU=Ippyo test agency (not J-LIS)" \
			-out "$d/$which/ca.crt.pem"
		openssl x509 -in "$d/$which/ca.crt.pem" -outform DER -out "$d/$which/ca.crt.der"
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
			-out "$d/$which/ocsp.key.pem" 2>/dev/null
		openssl req -new -key "$d/$which/ocsp.key.pem" \
			-subj "/C=JP/O=JPKI-TEST/CN=$which OCSP responder" -out "$d/$which/ocsp.csr"
		openssl ca -batch -config "$d/$which/ca.cnf" -extensions v3_ocsp -notext \
			-in "$d/$which/ocsp.csr" -out "$d/$which/ocsp.crt.pem" 2>/dev/null
	done
	echo "$port" >"$d/ocsp-port"
	cmd_crl "$d"
	chmod 644 "$d"/*/ca.crt.* "$d"/*/ocsp.crt.pem "$d"/*/crl.* 2>/dev/null || true
	chmod 755 "$d" "$d/auth" "$d/sign"
}

cmd_crl() {
	local d=$1 which
	for which in auth sign; do
		openssl ca -batch -config "$d/$which/ca.cnf" -gencrl -crlexts crl_ext \
			-out "$d/$which/crl.pem" 2>/dev/null
		openssl crl -in "$d/$which/crl.pem" -outform DER -out "$d/$which/crl.der"
	done
}

cmd_issue() {
	local d=$1 id=$2 name=$3 addr=$4 birth=$5 sex=$6 ee port gender which ian
	[ -f "$d/auth/ca.cnf" ] || die "no PKI in $d (run init)"
	[[ $id =~ ^[a-z0-9_-]{1,32}$ ]] || die "bad id: $id"
	[[ $birth =~ ^[0-9]{8}$ ]] || die "bad date of birth: $birth"
	case $sex in 1) gender=1 ;; 2) gender=2 ;; 0|9) gender=3 ;; *) die "bad sex: $sex" ;; esac
	ee=$d/ee/$id
	port=$(cat "$d/ocsp-port")
	mkdir -p "$ee"
	# issuerAltName DirName C=JP, O=公的個人認証サービス, with O as a
	# UTF8String: openssl's dirName sections take ASCII only, so the
	# extension is generated as DER.
	cat >"$ee/ian.cnf" <<'IAN'
asn1 = SEQUENCE:gns
[ gns ]
dn = EXPLICIT:4C,SEQUENCE:name
[ name ]
c = SET:rdn_c
o = SET:rdn_o
[ rdn_c ]
x = SEQUENCE:atv_c
[ atv_c ]
t = OID:countryName
v = PRINTABLESTRING:JP
[ rdn_o ]
x = SEQUENCE:atv_o
[ atv_o ]
t = OID:organizationName
v = FORMAT:UTF8,UTF8:公的個人認証サービス
IAN
	openssl asn1parse -genconf "$ee/ian.cnf" -out "$ee/ian.der" >/dev/null
	ian=$(od -An -v -tx1 "$ee/ian.der" | tr -d ' \n')
	cat >"$ee/ext.cnf" <<EOF
[ auth ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
certificatePolicies = 1.2.392.200149.8.5.1.3.30
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
2.5.29.18 = DER:$ian
authorityInfoAccess = OCSP;URI:http://127.0.0.1:$port/
crlDistributionPoints = URI:file://$d/auth/crl.der
[ sign ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, nonRepudiation
certificatePolicies = 1.2.392.200149.8.5.1.1.20
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
2.5.29.18 = DER:$ian
subjectAltName = @sign_san
authorityInfoAccess = OCSP;URI:http://127.0.0.1:$((port + 1))/
crlDistributionPoints = URI:file://$d/sign/crl.der
[ sign_san ]
otherName.1 = 1.2.392.200149.8.5.5.1;FORMAT:UTF8,UTF8:$name
otherName.2 = 1.2.392.200149.8.5.5.4;FORMAT:UTF8,UTF8:$(era_of "$birth")$birth
otherName.3 = 1.2.392.200149.8.5.5.3;FORMAT:UTF8,UTF8:$gender
otherName.4 = 1.2.392.200149.8.5.5.5;FORMAT:UTF8,UTF8:$addr
otherName.5 = 1.2.392.200149.8.5.5.2;FORMAT:UTF8,UTF8:$(zeros_for "$name")
otherName.6 = 1.2.392.200149.8.5.5.6;FORMAT:UTF8,UTF8:$(zeros_for "$addr")
EOF
	for which in auth sign; do
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null |
			openssl pkcs8 -topk8 -nocrypt -outform DER -out "$ee/$which.key.der"
		openssl req -new -key "$ee/$which.key.der" -keyform DER \
			-subj "/C=JP/L=Tokyo-to/L=Chiyoda-ku/CN=${id}-${which}" -out "$ee/$which.csr"
		openssl ca -batch -config "$d/$which/ca.cnf" -extfile "$ee/ext.cnf" \
			-extensions "$which" -notext -utf8 \
			-in "$ee/$which.csr" -out "$ee/$which.crt.pem" 2>/dev/null ||
			die "issuing the $which certificate of $id failed"
		openssl x509 -in "$ee/$which.crt.pem" -outform DER -out "$ee/$which.crt.der"
	done
	ocsp_reload "$d"
}

cmd_revoke() {
	local d=$1 id=$2 which=$3
	openssl ca -batch -config "$d/$which/ca.cnf" -revoke "$d/ee/$id/$which.crt.pem" \
		2>/dev/null || die "revoke failed"
	cmd_crl "$d"
	ocsp_reload "$d"
}

# OpenSSL 3.0's responder reads its index once: restart running ones.
ocsp_reload() {
	local d=$1
	if [ -f "$d/auth/ocsp.pid" ] || [ -f "$d/sign/ocsp.pid" ]; then
		cmd_ocsp_stop "$d"
		cmd_ocsp_start "$d"
	fi
}

cmd_ocsp_start() {
	local d=$1 port which i=0 pid front
	port=$(cat "$d/ocsp-port")
	# OpenSSL's responder behind ippyo-ocspfront, which listens on
	# 127.0.0.1 only (`openssl ocsp -port` would take every interface)
	# and runs the responder afresh per request (so revocations show).
	front=${IPPYO_BIN:-$(cd "$(dirname "$0")/.." && pwd -P)/bin}/ippyo-ocspfront
	for which in auth sign; do
		if [ -x "$front" ]; then
			"$front" --port "$((port + i))" --index "$d/$which/index.txt" \
				--rsigner "$d/$which/ocsp.crt.pem" --rkey "$d/$which/ocsp.key.pem" \
				--ca "$d/$which/ca.crt.pem" --nmin 5 \
				>"$d/$which/ocsp.log" 2>&1 &
		else
			echo "testpki: $front not built: openssl ocsp listens on every interface" >&2
			openssl ocsp -index "$d/$which/index.txt" -port "$((port + i))" \
				-rsigner "$d/$which/ocsp.crt.pem" -rkey "$d/$which/ocsp.key.pem" \
				-CA "$d/$which/ca.crt.pem" -nmin 5 -ignore_err \
				>"$d/$which/ocsp.log" 2>&1 &
		fi
		pid=$!
		echo "$pid" >"$d/$which/ocsp.pid"
		i=$((i + 1))
	done
	# Wait until both answer a real query.
	for which in auth sign; do
		for _ in $(seq 1 50); do
			if openssl ocsp -issuer "$d/$which/ca.crt.pem" \
				-cert "$d/$which/ocsp.crt.pem" -CAfile "$d/$which/ca.crt.pem" \
				-url "http://127.0.0.1:$((port + $([ $which = auth ] && echo 0 || echo 1)))/" \
				-timeout 2 >/dev/null 2>&1; then
				continue 2
			fi
			sleep 0.1
		done
		die "OCSP responder for $which did not come up (see $d/$which/ocsp.log)"
	done
}

cmd_ocsp_stop() {
	local d=$1 which pid
	for which in auth sign; do
		if [ -f "$d/$which/ocsp.pid" ]; then
			pid=$(cat "$d/$which/ocsp.pid")
			kill "$pid" 2>/dev/null || true
			for _ in $(seq 1 50); do running "$pid" || break; sleep 0.1; done
			rm -f "$d/$which/ocsp.pid"
		fi
	done
}

case ${1:-} in
init) cmd_init "${2:?DIR}" "${3:-}" ;;
issue) [ $# -eq 7 ] || die "issue DIR ID NAME ADDRESS BIRTH SEX"; cmd_issue "$2" "$3" "$4" "$5" "$6" "$7" ;;
revoke) cmd_revoke "${2:?DIR}" "${3:?ID}" "${4:?auth|sign}" ;;
crl) cmd_crl "${2:?DIR}" ;;
ocsp-start) cmd_ocsp_start "${2:?DIR}" ;;
ocsp-stop) cmd_ocsp_stop "${2:?DIR}" ;;
*) echo "usage: registry/testpki.sh init|issue|revoke|crl|ocsp-start|ocsp-stop DIR ..." >&2; exit 2 ;;
esac
