/*
 * binding.c - card bindings: by signature certificate, witnessed,
 * replaced on renewal, suspended on revocation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/log.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/misuse.h"
#include "core/text.h"
#include "crypto/certcheck.h"
#include "crypto/digest.h"
#include "crypto/rsa.h"
#include "crypto/x509.h"
#include "db/db.h"
#include "registry/binding.h"
#include "registry/nonce.h"

#define BIND_DOMAIN "ippyo-bind-v1"

static size_t
put_utf8(char *out, size_t o, size_t max, uint32_t c)
{
	if (c < 0x80) {
		if (o + 1 >= max)
			return (size_t)-1;
		out[o++] = (char)c;
	} else if (c < 0x800) {
		if (o + 2 >= max)
			return (size_t)-1;
		out[o++] = (char)(0xc0 | c >> 6);
		out[o++] = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		if (o + 3 >= max)
			return (size_t)-1;
		out[o++] = (char)(0xe0 | c >> 12);
		out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[o++] = (char)(0x80 | (c & 0x3f));
	} else {
		if (o + 4 >= max)
			return (size_t)-1;
		out[o++] = (char)(0xf0 | c >> 18);
		out[o++] = (char)(0x80 | ((c >> 12) & 0x3f));
		out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[o++] = (char)(0x80 | (c & 0x3f));
	}
	return o;
}

int
binding_normalise(const char *in, char *out, size_t outmax)
{
	const unsigned char *u = (const unsigned char *)in;
	size_t n, i = 0, o = 0, k;
	uint32_t c;

	REQUIRE(in != NULL && out != NULL && outmax > 0);
	out[0] = '\0';
	n = strlen(in);
	if (!text_is_utf8(in, n))
		return ERR_FORMAT;
	while (i < n) {
		if ((k = text_utf8_char(u + i, n - i, &c)) == 0)
			return ERR_FORMAT;
		i += k;
		if (c == ' ' || c == '\t' || c == 0x3000 || c == 0xa0)
			continue;			/* spaces of any width */
		if (c >= 0xff01 && c <= 0xff5e)
			c -= 0xfee0;			/* full-width ASCII */
		if ((c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0xfe63)
			c = '-';			/* dash variants */
		if ((o = put_utf8(out, o, outmax, c)) == (size_t)-1)
			return ERR_TOO_LARGE;
	}
	out[o] = '\0';
	return 0;
}

void
binding_message(const uint8_t nonce[32], const uint8_t *auth_der,
    size_t auth_len, uint8_t m[64])
{
	uint8_t h[DIGEST_LEN];
	struct digest *d;

	digest_sha256(BIND_DOMAIN, sizeof(BIND_DOMAIN) - 1, m);
	digest_sha256(auth_der, auth_len, h);
	if ((d = digest_new()) == NULL)
		MISUSE("out of memory");
	digest_put(d, nonce, 32);
	digest_put(d, h, sizeof(h));
	digest_final(d, m + 32);
}

/* Proof of possession: the certificate's key signed M for this nonce. */
static int
check_possession(const uint8_t *der, size_t len, const uint8_t nonce[32],
    const uint8_t *sig, size_t siglen)
{
	struct x509_cert *x = NULL;
	struct rsa_pub *pub = NULL;
	uint8_t m[64];
	int r;

	binding_message(nonce, der, len, m);
	if ((r = x509_cert_from_der(der, len, &x)) == 0 &&
	    (r = x509_cert_pubkey(x, &pub)) == 0)
		r = rsa_verify_sha256(pub, m, sizeof(m), sig, siglen) == 0 ?
		    0 : ERR_VERIFY;
	rsa_pub_free(pub);
	x509_cert_free(x);
	return r;
}

/* Inserts a binding, replacing the resident's earlier one; in a transaction. */
static int
insert_binding(struct db *db, const char *resident_id,
    const struct certcheck_result *cr, const uint8_t *der, size_t len,
    const char *method, const char *sign_serial, const char *witness,
    const char *actor, struct binding_result *res)
{
	struct db_result *q = NULL;
	char at[CLOCK_TEXT_LEN], detail[512];
	int r;

	clock_format_us(clock_now_us(), at);
	{
		struct db_param p[2] = { DB_TEXT(cr->issuer), DB_TEXT(cr->serial) };

		if ((r = db_exec(db, "SELECT 1 FROM card_bindings WHERE "
		    "auth_issuer = $1 AND auth_serial = $2 AND status = 'active'",
		    p, 2, &q)) != 0)
			return r;
		r = db_result_rows(q) > 0 ? ERR_EXISTS : 0;
		db_result_free(q);
		q = NULL;
		if (r != 0)
			return r;
	}
	{
		struct db_param p = DB_TEXT(resident_id);

		if ((r = db_exec(db, "UPDATE card_bindings SET status = "
		    "'replaced', status_reason = 'new card' WHERE resident_id = $1 "
		    "AND status = 'active' RETURNING id", &p, 1, &q)) != 0)
			return r;
		if (db_result_rows(q) == 1 &&
		    (r = db_get_i64(q, 0, 0, &res->replaced)) != 0) {
			db_result_free(q);
			return r;
		}
		db_result_free(q);
		q = NULL;
	}
	snprintf(detail, sizeof(detail), "method=%s issuer=%s serial=%s "
	    "replaced=%lld", method, cr->issuer, cr->serial,
	    (long long)res->replaced);
	if ((r = audit_append(db, actor, "binding.create", resident_id, detail,
	    &res->audit_seq)) != 0)
		return r;
	{
		struct db_param p[9] = {
			DB_TEXT(resident_id), DB_TEXT(cr->issuer),
			DB_TEXT(cr->serial), DB_BYTES(der, len), DB_TEXT(method),
			sign_serial ? DB_TEXT(sign_serial) : DB_NULL,
			witness ? DB_TEXT(witness) : DB_NULL, DB_TEXT(at),
			DB_I64(res->audit_seq)
		};

		if ((r = db_exec(db, "INSERT INTO card_bindings (resident_id, "
		    "auth_issuer, auth_serial, auth_cert, method, sign_serial, "
		    "witness, bound_at, status, audit_seq) VALUES ($1, $2, $3, $4, "
		    "$5, $6, $7, $8, 'active', $9) RETURNING id", p, 9, &q)) != 0)
			return r == ERR_DB_CONSTRAINT && strcmp(db_last_sqlstate(db),
			    "23505") == 0 ? ERR_EXISTS : r;
		r = db_get_i64(q, 0, 0, &res->binding_id);
		db_result_free(q);
	}
	if (r == 0)
		snprintf(res->resident_id, sizeof(res->resident_id), "%s",
		    resident_id);
	return r;
}

/* Finds the one active resident matching the signature certificate's data. */
static int
match_resident(struct db *db, const struct x509_jpki_identity *id,
    char out[33])
{
	char dob[11], want_name[BINDING_NORM_MAX], want_addr[BINDING_NORM_MAX];
	struct db_result *q = NULL;
	int i, rows, matches = 0, r;

	if (strlen(id->birth) != 9)
		return ERR_MISMATCH;
	/* EYYYYMMDD: the era digit is dropped, the Gregorian date kept. */
	snprintf(dob, sizeof(dob), "%.4s-%.2s-%.2s", id->birth + 1,
	    id->birth + 5, id->birth + 7);
	if ((r = binding_normalise(id->name, want_name, sizeof(want_name))) != 0 ||
	    (r = binding_normalise(id->address, want_addr, sizeof(want_addr))) != 0)
		return ERR_MISMATCH;
	{
		struct db_param p = DB_TEXT(dob);

		if ((r = db_exec(db, "SELECT resident_id, name, address, sex::text "
		    "FROM residents WHERE date_of_birth = $1::date AND status = "
		    "'active'", &p, 1, &q)) != 0)
			return r == ERR_DB ? ERR_MISMATCH : r;
	}
	rows = db_result_rows(q);
	for (i = 0; i < rows; i++) {
		const char *rid, *name, *addr, *sex;
		char n1[BINDING_NORM_MAX], a1[BINDING_NORM_MAX];
		int sex_ok;

		if ((r = db_get_text(q, i, 0, 32, &rid)) != 0 ||
		    (r = db_get_text(q, i, 1, LIMIT_NAME_LEN_MAX, &name)) != 0 ||
		    (r = db_get_text(q, i, 2, LIMIT_ADDRESS_LEN_MAX, &addr)) != 0 ||
		    (r = db_get_text(q, i, 3, 1, &sex)) != 0)
			goto out;
		if (binding_normalise(name, n1, sizeof(n1)) != 0 ||
		    binding_normalise(addr, a1, sizeof(a1)) != 0)
			continue;
		/* JPKI: 1 male, 2 female, 3 unknown; ISO 5218 in the register. */
		sex_ok = (id->sex[0] == '1' && sex[0] == '1') ||
		    (id->sex[0] == '2' && sex[0] == '2') ||
		    (id->sex[0] == '3' && (sex[0] == '0' || sex[0] == '9'));
		if (sex_ok && strcmp(n1, want_name) == 0 &&
		    strcmp(a1, want_addr) == 0) {
			if (++matches == 1)
				snprintf(out, 33, "%s", rid);
		}
	}
	r = matches == 1 ? 0 : ERR_MISMATCH;
 out:
	db_result_free(q);
	return r;
}

int
binding_bind_signature(struct db *db, const struct certcheck *auth_cc,
    const struct certcheck *sign_cc, const uint8_t *auth_der, size_t auth_len,
    const uint8_t *sign_der, size_t sign_len, const uint8_t nonce[32],
    const uint8_t *auth_sig, size_t auth_sig_len, const uint8_t *sign_sig,
    size_t sign_sig_len, const char *actor, struct binding_result *res)
{
	struct certcheck_result acr, scr;
	struct x509_jpki_identity *id = NULL;
	struct x509_cert *sx = NULL;
	struct rsa_pub *pub = NULL;
	char resident[33];
	int64_t now_s = clock_now_us() / 1000000;
	uint8_t m[64];
	int r = ERR_INTERNAL;

	REQUIRE(db != NULL && auth_cc != NULL && sign_cc != NULL &&
	    nonce != NULL && actor != NULL && res != NULL);
	REQUIRE(!db_in_transaction(db));
	memset(res, 0, sizeof(*res));
	if (auth_der == NULL || sign_der == NULL || sign_sig == NULL ||
	    auth_sig == NULL || auth_len == 0 || sign_len == 0)
		return ERR_FORMAT;
	if (auth_len > LIMIT_CERT_DER_MAX || sign_len > LIMIT_CERT_DER_MAX ||
	    sign_sig_len > RSA_SIG_MAX || auth_sig_len > RSA_SIG_MAX)
		return ERR_TOO_LARGE;
	if ((r = nonce_consume(db, "bind", nonce)) != 0)
		return r;
	if ((r = certcheck_verify(auth_cc, auth_der, auth_len, CERTCHECK_AUTH,
	    now_s, &acr)) != 0 ||
	    (r = certcheck_verify(sign_cc, sign_der, sign_len, CERTCHECK_SIGN,
	    now_s, &scr)) != 0)
		goto out;
	binding_message(nonce, auth_der, auth_len, m);
	if ((r = x509_cert_from_der(sign_der, sign_len, &sx)) != 0 ||
	    (r = x509_cert_pubkey(sx, &pub)) != 0)
		goto out;
	if (rsa_verify_sha256(pub, m, sizeof(m), sign_sig, sign_sig_len) != 0 ||
	    check_possession(auth_der, auth_len, nonce, auth_sig,
	    auth_sig_len) != 0) {
		r = ERR_VERIFY;
		goto out;
	}
	if ((id = calloc(1, sizeof(*id))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = x509_cert_jpki_identity(sx, id)) != 0) {
		r = r == ERR_NOT_FOUND ? ERR_CERT_INVALID : r;
		goto out;
	}
	if ((r = db_begin(db)) != 0)
		goto out;
	if ((r = match_resident(db, id, resident)) != 0 ||
	    (r = insert_binding(db, resident, &acr, auth_der, auth_len,
	    "signature-certificate", scr.serial, NULL, actor, res)) != 0 ||
	    (r = db_commit(db)) != 0) {
		db_rollback(db);
		goto out;
	}
	r = 0;
 out:
	if (r != 0) {
		log_info("binding.refused", LOG_E("error", r));
		memset(res, 0, sizeof(*res));
	}
	free(id);
	rsa_pub_free(pub);
	x509_cert_free(sx);
	return r;
}

int
binding_bind_witnessed(struct db *db, const struct certcheck *auth_cc,
    const uint8_t *auth_der, size_t auth_len, const uint8_t nonce[32],
    const uint8_t *auth_sig, size_t auth_sig_len, const char *resident_id,
    const char *witness, const char *actor, struct binding_result *res)
{
	struct certcheck_result acr;
	struct db_result *q = NULL;
	int r;

	REQUIRE(db != NULL && auth_cc != NULL && actor != NULL && res != NULL);
	REQUIRE(!db_in_transaction(db));
	memset(res, 0, sizeof(*res));
	if (auth_der == NULL || auth_len == 0 || resident_id == NULL ||
	    nonce == NULL || auth_sig == NULL ||
	    witness == NULL || strlen(witness) == 0 || strlen(witness) > 128 ||
	    !text_is_line(witness, strlen(witness)) || strlen(resident_id) > 32)
		return ERR_INVALID_ARG;
	if (auth_len > LIMIT_CERT_DER_MAX || auth_sig_len > RSA_SIG_MAX)
		return ERR_TOO_LARGE;
	if ((r = nonce_consume(db, "bind", nonce)) != 0)
		return r;
	if ((r = certcheck_verify(auth_cc, auth_der, auth_len, CERTCHECK_AUTH,
	    clock_now_us() / 1000000, &acr)) != 0)
		return r;
	if ((r = check_possession(auth_der, auth_len, nonce, auth_sig,
	    auth_sig_len)) != 0)
		return r;
	if ((r = db_begin(db)) != 0)
		return r;
	{
		struct db_param p = DB_TEXT(resident_id);

		if ((r = db_exec(db, "SELECT 1 FROM residents WHERE resident_id = "
		    "$1 AND status = 'active'", &p, 1, &q)) != 0)
			goto out;
		if (db_result_rows(q) != 1) {
			r = ERR_NOT_FOUND;
			goto out;
		}
	}
	if ((r = insert_binding(db, resident_id, &acr, auth_der, auth_len,
	    "witnessed", NULL, witness, actor, res)) != 0 ||
	    (r = db_commit(db)) != 0)
		goto out;
	db_result_free(q);
	return 0;
 out:
	db_result_free(q);
	db_rollback(db);
	memset(res, 0, sizeof(*res));
	return r;
}

int
binding_lock_shared(struct db *db)
{
	REQUIRE(db != NULL);
	/* The key is the one migration 0009's trigger takes exclusively. */
	return db_exec(db, "SELECT pg_advisory_xact_lock_shared("
	    "hashtextextended('ippyo-bindings', 0))", NULL, 0, NULL);
}

int
binding_find(struct db *db, const char *issuer, const char *serial,
    char resident_id[33])
{
	struct db_param p[2] = { DB_TEXT(issuer), DB_TEXT(serial) };
	struct db_result *q = NULL;
	const char *rid;
	int r;

	REQUIRE(db != NULL && issuer != NULL && serial != NULL &&
	    resident_id != NULL);
	resident_id[0] = '\0';
	if ((r = db_exec(db, "SELECT resident_id FROM card_bindings WHERE "
	    "auth_issuer = $1 AND auth_serial = $2 AND status = 'active'", p, 2,
	    &q)) != 0)
		return r;
	if (db_result_rows(q) != 1)
		r = ERR_NOT_BOUND;
	else if ((r = db_get_text(q, 0, 0, 32, &rid)) == 0)
		snprintf(resident_id, 33, "%s", rid);
	db_result_free(q);
	return r;
}

int
binding_sweep(struct db *db, const struct certcheck *cc, const char *actor,
    int64_t *checked, int64_t *suspended, int64_t *unknown)
{
	struct db_result *q = NULL;
	int i, rows, r;

	REQUIRE(db != NULL && cc != NULL && checked != NULL &&
	    suspended != NULL && unknown != NULL);
	*checked = *suspended = *unknown = 0;
	if ((r = db_exec(db, "SELECT id, resident_id, auth_cert FROM "
	    "card_bindings WHERE status = 'active' ORDER BY id", NULL, 0,
	    &q)) != 0)
		return r;
	rows = db_result_rows(q);
	for (i = 0; i < rows; i++) {
		struct certcheck_result cr;
		const char *rid, *why;
		uint8_t *der = NULL;
		size_t len = 0;
		int64_t id;
		int v;

		if ((r = db_get_i64(q, i, 0, &id)) != 0 ||
		    (r = db_get_text(q, i, 1, 32, &rid)) != 0 ||
		    (r = db_get_bytes(q, i, 2, LIMIT_CERT_DER_MAX, &der,
		    &len)) != 0)
			goto out;
		v = certcheck_verify(cc, der, len, CERTCHECK_AUTH,
		    clock_now_us() / 1000000, &cr);
		free(der);
		(*checked)++;
		if (v == 0)
			continue;
		/* Only a verdict on the certificate suspends; anything else
		 * (status unknown, a local failure) leaves it for next time. */
		if (v != ERR_CERT_REVOKED && v != ERR_CERT_EXPIRED &&
		    v != ERR_CERT_INVALID) {
			(*unknown)++;
			continue;
		}
		why = v == ERR_CERT_REVOKED ? "revoked" :
		    v == ERR_CERT_EXPIRED ? "expired" : "invalid";
		{
			struct db_param p[2] = { DB_I64(id), DB_TEXT(why) };
			char detail[96];

			snprintf(detail, sizeof(detail), "binding=%lld reason=%s",
			    (long long)id, why);
			if ((r = db_begin(db)) != 0)
				goto out;
			struct db_result *u = NULL;
			int changed;

			if ((r = db_exec(db, "UPDATE card_bindings SET status = "
			    "'suspended', status_reason = $2 WHERE id = $1 AND "
			    "status = 'active' RETURNING id", p, 2, &u)) != 0) {
				db_rollback(db);
				goto out;
			}
			changed = db_result_rows(u) == 1;
			db_result_free(u);
			/* Replaced meanwhile: nothing to suspend, nothing to log. */
			if (!changed) {
				db_rollback(db);
				continue;
			}
			if ((r = audit_append(db, actor, "binding.suspend", rid,
			    detail, NULL)) != 0 || (r = db_commit(db)) != 0) {
				db_rollback(db);
				goto out;
			}
		}
		(*suspended)++;
	}
	r = 0;
 out:
	db_result_free(q);
	return r;
}
