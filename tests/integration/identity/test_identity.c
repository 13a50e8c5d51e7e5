/*
 * test_identity.c - authentication tokens and card bindings, end to end
 * against PostgreSQL, a real test PKI and live OCSP responders.  The
 * card's signatures are made here with the card keys the PKI issued
 * (tests/integration/card drives the same through pcscd).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "crypto/certcheck.h"
#include "crypto/rsa.h"
#include "db/db.h"
#include "db/migrate.h"
#include "registry/auth.h"
#include "registry/binding.h"
#include "registry/nonce.h"
#include "registry/resident.h"
#include "tests/harness/test.h"
#include "tests/harness/testdb.h"
#include "tests/harness/testpki.h"

#define ORIGIN "https://vote.city.yabu.hyogo.jp"

static const struct testpki_card cards[] = {
	{ "alice", "養父 太郎", "兵庫県養父市八鹿町八鹿１２３番地", "19500401", "1" },
	{ "alice2", "養父 太郎", "兵庫県養父市八鹿町八鹿１２３番地", "19500401", "1" },
	{ "bob", "養父 花子", "兵庫県養父市大屋町1", "19600101", "2" },
	{ "eve", "知らない 人", "東京都千代田区1", "19700101", "1" },
	{ NULL, NULL, NULL, NULL, NULL }
};

/* The register writes the address with half-width digits and spaces. */
static const char register_csv[] =
    "resident_id,name,name_kana,address,municipality_code,date_of_birth,sex,"
    "nationality,resident_since,status,status_date\n"
    "1001,養父　太郎,ヤブ タロウ,兵庫県養父市八鹿町八鹿 123番地,282227,1950-04-01,1,JP,1950-04-01,active,\n"
    "1002,養父 花子,ヤブ ハナコ,兵庫県養父市大屋町1,282227,1960-01-01,2,JP,1960-01-01,active,\n";

static struct db *
fresh(char *name, size_t n)
{
	struct db *db = testdb_new(name, n);
	struct resident_import_result ir;
	int applied;

	testpki_setup(cards);
	ASSERT_OK(migrate_apply(db, db_migrations, db_migrations_count, &applied));
	ASSERT_OK(resident_import(db, register_csv, strlen(register_csv), "clerk", &ir));
	return db;
}

struct token {
	struct auth_token t;
	uint8_t nonce[LIMIT_NONCE_BYTES];
	uint8_t sig[RSA_SIG_MAX];
	uint8_t *cert;
};

/* A token as a card `signer` would make it for the cert of `holder`. */
static void
make_token(struct db *db, struct token *tk, const char *holder,
    const char *signer, const char *origin, const char *purpose,
    const uint8_t *doc_hash)
{
	uint8_t m[64];
	size_t len;

	memset(tk, 0, sizeof(*tk));
	ASSERT_OK(nonce_issue(db, purpose, tk->nonce));
	tk->cert = testpki_cert(holder, "auth", &len);
	auth_message(origin, tk->nonce, doc_hash, m);
	testpki_card_sign(signer, "auth", m, tk->sig, &tk->t.sig_len);
	tk->t.format = AUTH_FORMAT;
	tk->t.algorithm = "RS256";
	tk->t.cert = tk->cert;
	tk->t.cert_len = len;
	tk->t.nonce = tk->nonce;
	tk->t.nonce_len = sizeof(tk->nonce);
	tk->t.sig = tk->sig;
}

TEST(auth_origin_rules)
{
	ASSERT_TRUE(auth_origin_ok("https://vote.example.jp"));
	ASSERT_TRUE(auth_origin_ok("https://127.0.0.1:8443"));
	ASSERT_FALSE(auth_origin_ok("http://vote.example.jp"));
	ASSERT_FALSE(auth_origin_ok("https://vote.example.jp/"));
	ASSERT_FALSE(auth_origin_ok("https://vote.example.jp:"));
	ASSERT_FALSE(auth_origin_ok("https://Vote.example.jp"));
	ASSERT_FALSE(auth_origin_ok("https://"));
	ASSERT_FALSE(auth_origin_ok("https://a:123456"));
}

TEST(auth_token_accepted_once)
{
	char name[64];
	struct db *db = fresh(name, sizeof(name));
	struct certcheck *cc = testpki_checker("auth", 1, 1);
	struct auth_result res;
	struct token tk;

	make_token(db, &tk, "alice", "alice", ORIGIN, "login", NULL);
	ASSERT_OK(auth_verify(db, cc, &tk.t, ORIGIN, "login", NULL, &res));
	ASSERT_TRUE(strstr(res.issuer, "JPKI-TEST") != NULL);
	ASSERT_TRUE(strlen(res.serial) > 0);
	/* Replayed: the nonce is gone. */
	ASSERT_ERR(auth_verify(db, cc, &tk.t, ORIGIN, "login", NULL, &res), ERR_NONCE);
	free(tk.cert);
	certcheck_free(cc);
	testdb_free(db, name);
}

TEST(auth_token_refusals)
{
	static const uint8_t ballot_hash[32] = { 7 };
	static const uint8_t other_hash[32] = { 8 };
	char name[64];
	struct db *db = fresh(name, sizeof(name));
	struct certcheck *cc = testpki_checker("auth", 1, 1);
	struct auth_result res;
	struct token tk;
	uint8_t *sign_cert;
	size_t len;

	/* Signed for another origin. */
	make_token(db, &tk, "alice", "alice", "https://evil.example", "login", NULL);
	ASSERT_ERR(auth_verify(db, cc, &tk.t, ORIGIN, "login", NULL, &res), ERR_VERIFY);
	free(tk.cert);
	/* Signed by another card's key. */
	make_token(db, &tk, "alice", "bob", ORIGIN, "login", NULL);
	ASSERT_ERR(auth_verify(db, cc, &tk.t, ORIGIN, "login", NULL, &res), ERR_VERIFY);
	free(tk.cert);
	/* Bound to another ballot. */
	make_token(db, &tk, "alice", "alice", ORIGIN, "cast:e1", ballot_hash);
	ASSERT_ERR(auth_verify(db, cc, &tk.t, ORIGIN, "cast:e1", other_hash, &res), ERR_VERIFY);
	free(tk.cert);
	/* A nonce issued for something else. */
	make_token(db, &tk, "alice", "alice", ORIGIN, "bind", NULL);
	ASSERT_ERR(auth_verify(db, cc, &tk.t, ORIGIN, "login", NULL, &res), ERR_NONCE);
	free(tk.cert);
	/* An expired nonce. */
	make_token(db, &tk, "alice", "alice", ORIGIN, "login", NULL);
	clock_pin_us(clock_now_us() + (int64_t)LIMIT_NONCE_TTL_S * 1000000 + 1);
	ASSERT_ERR(auth_verify(db, cc, &tk.t, ORIGIN, "login", NULL, &res), ERR_NONCE);
	clock_unpin();
	free(tk.cert);
	/* Shape: each refused before the nonce is touched. */
	make_token(db, &tk, "alice", "alice", ORIGIN, "login", NULL);
	tk.t.format = "web-eid:1.0";
	ASSERT_ERR(auth_verify(db, cc, &tk.t, ORIGIN, "login", NULL, &res), ERR_FORMAT);
	tk.t.format = AUTH_FORMAT;
	tk.t.algorithm = "ES256";
	ASSERT_ERR(auth_verify(db, cc, &tk.t, ORIGIN, "login", NULL, &res), ERR_UNSUPPORTED);
	tk.t.algorithm = "RS256";
	tk.t.nonce_len = 31;
	ASSERT_ERR(auth_verify(db, cc, &tk.t, ORIGIN, "login", NULL, &res), ERR_FORMAT);
	tk.t.nonce_len = 32;
	tk.t.cert_len = LIMIT_CERT_DER_MAX + 1;
	ASSERT_ERR(auth_verify(db, cc, &tk.t, ORIGIN, "login", NULL, &res), ERR_TOO_LARGE);
	/* The signature certificate is no authentication certificate. */
	sign_cert = testpki_cert("alice", "sign", &len);
	tk.t.cert = sign_cert;
	tk.t.cert_len = len;
	ASSERT_ERR(auth_verify(db, cc, &tk.t, ORIGIN, "login", NULL, &res), ERR_CERT_INVALID);
	free(sign_cert);
	free(tk.cert);
	certcheck_free(cc);
	testdb_free(db, name);
}

TEST(auth_fails_closed_when_ocsp_is_down)
{
	char name[64], url[64];
	struct db *db = fresh(name, sizeof(name));
	struct certcheck *cc = testpki_checker("auth", 1, 1);
	struct auth_result res;
	struct token tk;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", testpki_port() + 9);
	ASSERT_OK(certcheck_set_ocsp(cc, 1, url));
	make_token(db, &tk, "alice", "alice", ORIGIN, "login", NULL);
	ASSERT_ERR(auth_verify(db, cc, &tk.t, ORIGIN, "login", NULL, &res), ERR_REVOCATION_UNKNOWN);
	free(tk.cert);
	certcheck_free(cc);
	testdb_free(db, name);
}

/*
 * Binds the authentication certificate of auth_holder, signed by the
 * authentication key of auth_signer, with the signature certificate of
 * sign_holder, signed by the signature key of sign_signer.
 */
static int
bind4(struct db *db, const char *auth_holder, const char *auth_signer,
    const char *sign_holder, const char *sign_signer,
    struct binding_result *res)
{
	struct certcheck *acc = testpki_checker("auth", 1, 1);
	struct certcheck *scc = testpki_checker("sign", 1, 1);
	uint8_t nonce[32], m[64], sig[RSA_SIG_MAX], asig[RSA_SIG_MAX], *ad, *sd;
	size_t al, sl, siglen, asiglen;
	int r;

	ASSERT_OK(nonce_issue(db, "bind", nonce));
	ad = testpki_cert(auth_holder, "auth", &al);
	sd = testpki_cert(sign_holder, "sign", &sl);
	binding_message(nonce, ad, al, m);
	testpki_card_sign(sign_signer, "sign", m, sig, &siglen);
	testpki_card_sign(auth_signer, "auth", m, asig, &asiglen);
	r = binding_bind_signature(db, acc, scc, ad, al, sd, sl, nonce, asig,
	    asiglen, sig, siglen, "clerk", res);
	free(ad);
	free(sd);
	certcheck_free(acc);
	certcheck_free(scc);
	return r;
}

/* One card binding itself: both keys and both certificates of `who`. */
static int
bind(struct db *db, const char *who, struct binding_result *res)
{
	return bind4(db, who, who, who, who, res);
}

static void
serial_of(const char *who, char serial[80], char issuer[256])
{
	struct certcheck *cc = testpki_checker("auth", 0, 0);
	struct certcheck_result cr;
	uint8_t *d;
	size_t l;

	d = testpki_cert(who, "auth", &l);
	ASSERT_OK(certcheck_verify(cc, d, l, CERTCHECK_AUTH, clock_now_us() / 1000000, &cr));
	memcpy(serial, cr.serial, 80);
	memcpy(issuer, cr.issuer, 256);
	free(d);
	certcheck_free(cc);
}

TEST(binding_by_signature_certificate_normalises_and_matches_once)
{
	char name[64], rid[33], serial[80], issuer[256];
	struct db *db = fresh(name, sizeof(name));
	struct binding_result res;
	int64_t bindings, audits;

	ASSERT_TRUE(binding_normalise("八鹿　１２３－４ 番地", rid, sizeof(rid)) == 0);
	ASSERT_STR_EQ(rid, "八鹿123-4番地");
	/* Full-width digits and spaces in the certificate, half-width in the
	 * register: the same person. */
	ASSERT_OK(bind(db, "alice", &res));
	ASSERT_STR_EQ(res.resident_id, "1001");
	serial_of("alice", serial, issuer);
	ASSERT_OK(binding_find(db, issuer, serial, rid));
	ASSERT_STR_EQ(rid, "1001");
	/* The same card again: refused, nothing changes. */
	bindings = testdb_scalar(db, "SELECT count(*) FROM card_bindings");
	audits = testdb_scalar(db, "SELECT count(*) FROM audit_log");
	ASSERT_ERR(bind(db, "alice", &res), ERR_EXISTS);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM card_bindings"), bindings);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM audit_log"), audits);
	testdb_free(db, name);
}

TEST(binding_refusals_change_nothing)
{
	char name[64];
	struct db *db = fresh(name, sizeof(name));
	struct binding_result res;

	/* A person the register does not know. */
	ASSERT_ERR(bind(db, "eve", &res), ERR_MISMATCH);
	/* Taro's certificates, the signature made with Hanako's card. */
	ASSERT_ERR(bind4(db, "alice", "alice", "alice", "bob", &res), ERR_VERIFY);
	/* Hanako binds Taro's (public) authentication certificate to
	 * herself with her own signature key: without Taro's card she
	 * cannot make the authentication signature. */
	ASSERT_ERR(bind4(db, "alice", "bob", "bob", "bob", &res), ERR_VERIFY);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM card_bindings"), 0);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM audit_log WHERE action LIKE 'binding%'"), 0);
	testdb_free(db, name);
}

TEST(binding_renewal_replaces_and_witnessed_binding_works)
{
	char name[64], rid[33], s1[80], s2[80], issuer[256];
	struct db *db = fresh(name, sizeof(name));
	struct certcheck *acc = testpki_checker("auth", 1, 1);
	struct binding_result res;
	uint8_t *d;
	size_t l;

	ASSERT_OK(bind(db, "alice", &res));
	/* A renewed card: new keys, same person. */
	ASSERT_OK(bind(db, "alice2", &res));
	ASSERT_TRUE(res.replaced > 0);
	serial_of("alice", s1, issuer);
	serial_of("alice2", s2, issuer);
	ASSERT_ERR(binding_find(db, issuer, s1, rid), ERR_NOT_BOUND);
	ASSERT_OK(binding_find(db, issuer, s2, rid));
	ASSERT_STR_EQ(rid, "1001");
	/* Staff checked Hanako in person. */
	d = testpki_cert("bob", "auth", &l);
	ASSERT_ERR(testpki_bind_witnessed(db, acc, "bob", d, l, "9999", &res), ERR_NOT_FOUND);
	{
		uint8_t nonce[32], m[64], sig[RSA_SIG_MAX];
		size_t sl;

		ASSERT_OK(nonce_issue(db, "bind", nonce));
		binding_message(nonce, d, l, m);
		testpki_card_sign("bob", "auth", m, sig, &sl);
		ASSERT_ERR(binding_bind_witnessed(db, acc, d, l, nonce, sig, sl, "1002", "", "clerk", &res), ERR_INVALID_ARG);
		/* Bob's certificate shown, Eve's card signing: no possession. */
		ASSERT_OK(nonce_issue(db, "bind", nonce));
		binding_message(nonce, d, l, m);
		testpki_card_sign("eve", "auth", m, sig, &sl);
		ASSERT_ERR(binding_bind_witnessed(db, acc, d, l, nonce, sig, sl, "1002", "窓口 職員", "clerk", &res), ERR_VERIFY);
		/* A replayed nonce. */
		ASSERT_ERR(binding_bind_witnessed(db, acc, d, l, nonce, sig, sl, "1002", "窓口 職員", "clerk", &res), ERR_NONCE);
	}
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM card_bindings WHERE resident_id = '1002'"), 0);
	ASSERT_OK(testpki_bind_witnessed(db, acc, "bob", d, l, "1002", &res));
	ASSERT_STR_EQ(res.resident_id, "1002");
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM card_bindings WHERE status = 'active'"), 2);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM card_bindings WHERE status = 'replaced'"), 1);
	/* Only status may ever change. */
	ASSERT_ERR(db_exec(db, "UPDATE card_bindings SET resident_id = '1002' WHERE id = 1", NULL, 0, NULL), ERR_DB);
	ASSERT_ERR(db_exec(db, "DELETE FROM card_bindings", NULL, 0, NULL), ERR_DB);
	free(d);
	certcheck_free(acc);
	testdb_free(db, name);
}

/* Last: revokes Bob's card for the rest of the run. */
TEST(binding_zz_revocation_sweep_suspends_revoked_cards)
{
	char name[64], rid[33], serial[80], issuer[256];
	struct db *db = fresh(name, sizeof(name));
	struct certcheck *acc = testpki_checker("auth", 1, 1), *sweep;
	struct binding_result res;
	int64_t checked, suspended, unknown;
	uint8_t *d;
	size_t l;

	ASSERT_OK(bind(db, "alice2", &res));
	d = testpki_cert("bob", "auth", &l);
	ASSERT_OK(testpki_bind_witnessed(db, acc, "bob", d, l, "1002", &res));
	free(d);
	testpki_cmd("revoke", "bob", "auth", NULL, NULL, NULL);
	/* The sweep reads the new CRL, as the daily J-LIS CRL would be. */
	sweep = testpki_checker("auth", 1, 0);
	ASSERT_OK(binding_sweep(db, sweep, "sweeper", &checked, &suspended, &unknown));
	ASSERT_INT_EQ(checked, 2);
	ASSERT_INT_EQ(suspended, 1);
	ASSERT_INT_EQ(unknown, 0);
	serial_of("alice2", serial, issuer);
	ASSERT_OK(binding_find(db, issuer, serial, rid));
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM card_bindings WHERE status = 'suspended' AND status_reason = 'revoked'"), 1);
	ASSERT_INT_EQ(testdb_scalar(db, "SELECT count(*) FROM audit_log WHERE action = 'binding.suspend'"), 1);
	/* A second sweep finds nothing more to do. */
	ASSERT_OK(binding_sweep(db, sweep, "sweeper", &checked, &suspended, &unknown));
	ASSERT_INT_EQ(suspended, 0);
	certcheck_free(sweep);
	certcheck_free(acc);
	testdb_free(db, name);
}
