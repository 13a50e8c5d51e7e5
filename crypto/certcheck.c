/*
 * certcheck.c - chain, purpose, CRL and OCSP checks through OpenSSL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/http.h>
#include <openssl/objects.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/misuse.h"
#include "crypto/certcheck.h"
#include "crypto/x509.h"
#include "crypto/x509_int.h"

#define OCSP_SKEW_S 300

struct certcheck {
	X509_STORE *store;		/* trust anchors and CRLs */
	STACK_OF(X509) *cas;		/* the anchors, for OCSP checks */
	int crl;			/* CRL checking on */
	int ocsp;			/* OCSP checking on */
	char *ocsp_url;			/* override of the AIA URL, or NULL */
	unsigned algs;			/* CERTCHECK_ALG_* */
	int ocsp_timeout_ms;		/* deadline for one OCSP exchange */
};

int
certcheck_new(struct certcheck **out)
{
	struct certcheck *cc;

	REQUIRE(out != NULL);
	*out = NULL;
	if ((cc = calloc(1, sizeof(*cc))) == NULL)
		return ERR_NOMEM;
	if ((cc->store = X509_STORE_new()) == NULL ||
	    (cc->cas = sk_X509_new_null()) == NULL) {
		certcheck_free(cc);
		return ERR_NOMEM;
	}
	cc->ocsp = 1;
	cc->algs = CERTCHECK_ALG_RSA_SHA256;
	cc->ocsp_timeout_ms = LIMIT_OCSP_TIMEOUT_S * 1000;
	*out = cc;
	return 0;
}

void
certcheck_free(struct certcheck *cc)
{
	if (cc == NULL)
		return;
	X509_STORE_free(cc->store);
	sk_X509_pop_free(cc->cas, X509_free);
	free(cc->ocsp_url);
	free(cc);
}

/* Reads a PEM or DER file into a BIO-backed object via the given readers. */
static BIO *
open_file(const char *path)
{
	return BIO_new_file(path, "rb");
}

int
certcheck_add_ca_file(struct certcheck *cc, const char *path)
{
	X509 *x = NULL;
	BIO *b;

	REQUIRE(cc != NULL && path != NULL);
	if ((b = open_file(path)) == NULL)
		return ERR_IO;
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	if (x == NULL) {
		(void)BIO_reset(b);
		x = d2i_X509_bio(b, NULL);
	}
	BIO_free(b);
	if (x == NULL)
		return ERR_FORMAT;
	if (X509_STORE_add_cert(cc->store, x) != 1 ||
	    sk_X509_push(cc->cas, x) == 0) {
		X509_free(x);
		return ERR_NOMEM;
	}
	return 0;
}

int
certcheck_add_crl_file(struct certcheck *cc, const char *path)
{
	X509_CRL *c = NULL;
	BIO *b;
	int ok;

	REQUIRE(cc != NULL && path != NULL);
	if ((b = open_file(path)) == NULL)
		return ERR_IO;
	c = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
	if (c == NULL) {
		(void)BIO_reset(b);
		c = d2i_X509_CRL_bio(b, NULL);
	}
	BIO_free(b);
	if (c == NULL)
		return ERR_FORMAT;
	ok = X509_STORE_add_crl(cc->store, c);
	X509_CRL_free(c);
	if (ok != 1)
		return ERR_NOMEM;
	cc->crl = 1;
	return 0;
}

int
certcheck_set_ocsp(struct certcheck *cc, int on, const char *url)
{
	REQUIRE(cc != NULL);
	free(cc->ocsp_url);
	cc->ocsp_url = NULL;
	cc->ocsp = on;
	if (url != NULL && (cc->ocsp_url = strdup(url)) == NULL)
		return ERR_NOMEM;
	return 0;
}

void
certcheck_set_algorithms(struct certcheck *cc, unsigned algs)
{
	REQUIRE(cc != NULL);
	cc->algs = algs;
}

void
certcheck_set_ocsp_timeout_ms(struct certcheck *cc, int ms)
{
	REQUIRE(cc != NULL && ms > 0);
	cc->ocsp_timeout_ms = ms;
}

/* Step 2: the key and signature algorithms are in the allowed set. */
static int
check_algorithm(const struct certcheck *cc, X509 *x)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	int sig = X509_get_signature_nid(x), bits;

	if (pk == NULL)
		return ERR_CERT_INVALID;
	bits = EVP_PKEY_get_bits(pk);
	if ((cc->algs & CERTCHECK_ALG_RSA_SHA256) &&
	    EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA &&
	    bits >= 2048 && bits <= 4096 && sig == NID_sha256WithRSAEncryption)
		return 0;
	if ((cc->algs & CERTCHECK_ALG_ECDSA_P384_SHA384) &&
	    EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC && bits == 384 &&
	    sig == NID_ecdsa_with_SHA384)
		return 0;
	return ERR_UNSUPPORTED;
}

/* Step 4: key usage and policy of the purpose. */
static int
check_purpose(X509 *x, enum certcheck_purpose purpose)
{
	const char *want = purpose == CERTCHECK_AUTH ? CERTCHECK_POLICY_AUTH :
	    CERTCHECK_POLICY_SIGN;
	uint32_t ku = X509_get_key_usage(x);
	CERTIFICATEPOLICIES *pol;
	int i, found = 0, crit = -1;

	if (!(X509_get_extension_flags(x) & EXFLAG_KUSAGE))
		return ERR_CERT_INVALID;
	if (purpose == CERTCHECK_AUTH && !(ku & X509v3_KU_DIGITAL_SIGNATURE))
		return ERR_CERT_INVALID;
	if (purpose == CERTCHECK_SIGN && !(ku & X509v3_KU_NON_REPUDIATION))
		return ERR_CERT_INVALID;
	if ((X509_get_extension_flags(x) & EXFLAG_CA))
		return ERR_CERT_INVALID;
	pol = X509_get_ext_d2i(x, NID_certificate_policies, &crit, NULL);
	if (pol == NULL)
		return ERR_CERT_INVALID;
	for (i = 0; i < sk_POLICYINFO_num(pol); i++) {
		char oid[80];
		POLICYINFO *pi = sk_POLICYINFO_value(pol, i);

		if (OBJ_obj2txt(oid, sizeof(oid), pi->policyid, 1) > 0 &&
		    strcmp(oid, want) == 0)
			found = 1;
	}
	CERTIFICATEPOLICIES_free(pol);
	return found ? 0 : ERR_CERT_INVALID;
}

static int
map_verify_error(int e)
{
	switch (e) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return ERR_CERT_EXPIRED;
	case X509_V_ERR_CERT_REVOKED:
		return ERR_CERT_REVOKED;
	case X509_V_ERR_UNABLE_TO_GET_CRL:
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
	case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
	case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
		return ERR_REVOCATION_UNKNOWN;
	default:
		return ERR_CERT_INVALID;
	}
}

/* Step 3 (and CRLs): chain to an anchor at time at_s. */
static int
check_chain(const struct certcheck *cc, X509 *x, int64_t at_s,
    X509 **issuer)
{
	X509_STORE_CTX *ctx = NULL;
	X509_VERIFY_PARAM *vp;
	STACK_OF(X509) *chain;
	int r = ERR_INTERNAL;

	*issuer = NULL;
	if ((ctx = X509_STORE_CTX_new()) == NULL)
		return ERR_NOMEM;
	if (X509_STORE_CTX_init(ctx, cc->store, x, NULL) != 1) {
		r = ERR_NOMEM;
		goto out;
	}
	vp = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(vp, (time_t)at_s);
	X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_X509_STRICT |
	    (cc->crl ? X509_V_FLAG_CRL_CHECK : 0));
	/* JPKI certificates carry only their own policy; chain policy
	 * processing is not required (the purpose check names the OID). */
	if (X509_verify_cert(ctx) != 1) {
		int e = X509_STORE_CTX_get_error(ctx);

		log_info("certcheck.chain_refused", LOG_S("reason",
		    X509_verify_cert_error_string(e)));
		r = map_verify_error(e);
		goto out;
	}
	chain = X509_STORE_CTX_get0_chain(ctx);
	if (chain == NULL || sk_X509_num(chain) < 2) {
		r = ERR_CERT_INVALID;	/* a CA presented as a user */
		goto out;
	}
	*issuer = sk_X509_value(chain, 1);
	X509_up_ref(*issuer);
	r = 0;
 out:
	X509_STORE_CTX_free(ctx);
	return r;
}

static int64_t
asn1_time_s(const ASN1_GENERALIZEDTIME *t)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return INT64_MIN;
	return (int64_t)clock_days_from_civil(tm.tm_year + 1900,
	    (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday) * 86400 +
	    tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

/*
 * POSTs an OCSP request over plain HTTP (the OCSP norm; the response is
 * signed) with an overall deadline and a bounded answer.  No proxy from
 * the environment: the responder is reached directly.  NULL on failure.
 */
static BIO *
ocsp_post(const char *url, OCSP_REQUEST *req, int timeout_s)
{
	char *host = NULL, *port = NULL, *path = NULL;
	BIO *body = NULL, *rsp = NULL;
	int ssl = 0;

	if (OSSL_HTTP_parse_url(url, &ssl, NULL, &host, &port, NULL, &path,
	    NULL, NULL) != 1 || ssl)
		goto out;
	if ((body = BIO_new(BIO_s_mem())) == NULL ||
	    i2d_OCSP_REQUEST_bio(body, req) != 1)
		goto out;
	rsp = OSSL_HTTP_transfer(NULL, host, port, path, 0, "", NULL, NULL,
	    NULL, NULL, NULL, 0, NULL, "application/ocsp-request", body,
	    "application/ocsp-response", 1, LIMIT_OCSP_RESPONSE_MAX, timeout_s,
	    0);
 out:
	BIO_free(body);
	OPENSSL_free(host);
	OPENSSL_free(port);
	OPENSSL_free(path);
	return rsp;
}

/* Step 5b: one OCSP exchange; fail closed on anything unexpected. */
static int
check_ocsp(const struct certcheck *cc, X509 *x, X509 *issuer)
{
	OCSP_REQUEST *req = NULL;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	OCSP_CERTID *id = NULL;
	STACK_OF(OPENSSL_STRING) *aia = NULL;
	ASN1_GENERALIZEDTIME *thisupd = NULL, *nextupd = NULL, *revtime = NULL;
	const char *url = cc->ocsp_url;
	BIO *rsp = NULL;
	int status = -1, reason = 0, timeout_s, r = ERR_REVOCATION_UNKNOWN;
	int64_t now, tu, nu;

	if (url == NULL) {
		aia = X509_get1_ocsp(x);
		if (aia == NULL || sk_OPENSSL_STRING_num(aia) < 1)
			goto out;
		url = sk_OPENSSL_STRING_value(aia, 0);
	}
	if ((id = OCSP_cert_to_id(EVP_sha1(), x, issuer)) == NULL ||
	    (req = OCSP_REQUEST_new()) == NULL ||
	    OCSP_request_add0_id(req, id) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	id = NULL;	/* owned by req now */
	if (OCSP_request_add1_nonce(req, NULL, 32) != 1) {
		r = ERR_NOMEM;
		goto out;
	}
	timeout_s = (cc->ocsp_timeout_ms + 999) / 1000;
	if ((rsp = ocsp_post(url, req, timeout_s)) == NULL) {
		log_warn("certcheck.ocsp_no_answer", LOG_S("url", url));
		goto out;
	}
	if ((resp = d2i_OCSP_RESPONSE_bio(rsp, NULL)) == NULL ||
	    OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL ||
	    (bs = OCSP_response_get1_basic(resp)) == NULL) {
		log_warn("certcheck.ocsp_bad_answer", LOG_S("url", url));
		goto out;
	}
	/* The nonce must come back: a replayed old answer has another. */
	if (OCSP_check_nonce(req, bs) != 1) {
		log_warn("certcheck.ocsp_nonce", LOG_S("url", url));
		goto out;
	}
	/* Signed by the CA or by a responder it certified for OCSP signing;
	 * only our anchors are trusted (OCSP_TRUSTOTHER off). */
	if (OCSP_basic_verify(bs, cc->cas, cc->store, 0) != 1) {
		log_warn("certcheck.ocsp_signature", LOG_S("url", url));
		goto out;
	}
	{
		OCSP_CERTID *want = OCSP_cert_to_id(EVP_sha1(), x, issuer);

		if (want == NULL) {
			r = ERR_NOMEM;
			goto out;
		}
		if (OCSP_resp_count(bs) != 1 ||
		    OCSP_resp_find_status(bs, want, &status, &reason, &revtime,
		    &thisupd, &nextupd) != 1) {
			OCSP_CERTID_free(want);
			log_warn("certcheck.ocsp_wrong_certificate");
			goto out;
		}
		OCSP_CERTID_free(want);
	}
	now = clock_now_us() / 1000000;
	tu = asn1_time_s(thisupd);
	nu = nextupd != NULL ? asn1_time_s(nextupd) : INT64_MAX;
	if (tu == INT64_MIN || nu == INT64_MIN || tu > now + OCSP_SKEW_S ||
	    now - tu > LIMIT_OCSP_MAX_AGE_S || nu < now - OCSP_SKEW_S ||
	    nu < tu) {
		log_warn("certcheck.ocsp_stale", LOG_I("this_update", tu),
		    LOG_I("now", now));
		goto out;
	}
	if (status == V_OCSP_CERTSTATUS_GOOD)
		r = 0;
	else if (status == V_OCSP_CERTSTATUS_REVOKED)
		r = ERR_CERT_REVOKED;
 out:
	OCSP_CERTID_free(id);
	OCSP_REQUEST_free(req);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	BIO_free(rsp);
	X509_email_free(aia);
	return r;
}

int
certcheck_verify(const struct certcheck *cc, const uint8_t *der, size_t len,
    enum certcheck_purpose purpose, int64_t at_s, struct certcheck_result *res)
{
	struct x509_cert *c = NULL;
	int r;

	REQUIRE(cc != NULL && der != NULL && res != NULL);
	memset(res, 0, sizeof(*res));
	if (len > LIMIT_CERT_DER_MAX)
		return ERR_TOO_LARGE;
	/* 1. Exactly one DER certificate, canonically encoded. */
	if ((r = x509_cert_from_der(der, len, &c)) != 0)
		return r == ERR_NOMEM ? r : ERR_CERT_INVALID;
	r = certcheck_verify_cert(cc, c, purpose, at_s, res);
	x509_cert_free(c);
	return r;
}

int
certcheck_verify_cert(const struct certcheck *cc, const struct x509_cert *c,
    enum certcheck_purpose purpose, int64_t at_s, struct certcheck_result *res)
{
	X509 *x, *issuer = NULL;
	BIGNUM *bn = NULL;
	char *hex = NULL;
	int r = ERR_INTERNAL;

	REQUIRE(cc != NULL && c != NULL && res != NULL);
	memset(res, 0, sizeof(*res));
	x = x509_cert_get0_ossl(c);
	if ((r = check_algorithm(cc, x)) != 0 ||
	    (r = check_chain(cc, x, at_s, &issuer)) != 0 ||
	    (r = check_purpose(x, purpose)) != 0)
		goto out;
	res->crl_checked = cc->crl;
	if (cc->ocsp) {
		if ((r = check_ocsp(cc, x, issuer)) != 0)
			goto out;
		res->ocsp_checked = 1;
	}
	{
		BIO *m = BIO_new(BIO_s_mem());
		char *mp = NULL;
		long ml;

		if (m == NULL) {
			r = ERR_NOMEM;
			goto out;
		}
		X509_NAME_print_ex(m, X509_get_issuer_name(x), 0,
		    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
		ml = BIO_get_mem_data(m, &mp);
		if (ml < 0 || (size_t)ml >= sizeof(res->issuer)) {
			BIO_free(m);
			r = ERR_CERT_INVALID;
			goto out;
		}
		memcpy(res->issuer, mp, (size_t)ml);
		res->issuer[ml] = '\0';
		BIO_free(m);
	}
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) == NULL ||
	    (hex = BN_bn2hex(bn)) == NULL || strlen(hex) >= sizeof(res->serial)) {
		r = ERR_CERT_INVALID;
		goto out;
	}
	{
		size_t i, k = 0, n = strlen(hex);

		/* Lowercase, no leading zeros: one text per serial. */
		for (i = 0; i + 1 < n && hex[i] == '0'; i++)
			;
		for (; i < n; i++)
			res->serial[k++] = (char)(hex[i] >= 'A' && hex[i] <= 'F' ?
			    hex[i] - 'A' + 'a' : hex[i]);
		res->serial[k] = '\0';
	}
	res->not_after = asn1_time_s(X509_get0_notAfter(x));
	r = 0;
 out:
	OPENSSL_free(hex);
	BN_free(bn);
	X509_free(issuer);
	return r;
}
