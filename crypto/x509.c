/*
 * x509.c - certificate parsing through OpenSSL 3.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/err.h"
#include "core/limits.h"
#include "crypto/rsa.h"
#include "crypto/rsa_int.h"
#include "crypto/x509.h"
#include "crypto/x509_int.h"

struct x509_cert {
	X509 *x;		/* the parsed certificate */
	uint8_t *der;		/* its exact DER bytes */
	size_t der_len;		/* length of der */
};

/* The personal-data arc 1.2.392.200149.8.5.5 and its six leaves. */
static const char *const x509_jpki_oids[6] = {
	"1.2.392.200149.8.5.5.1", "1.2.392.200149.8.5.5.2",
	"1.2.392.200149.8.5.5.3", "1.2.392.200149.8.5.5.4",
	"1.2.392.200149.8.5.5.5", "1.2.392.200149.8.5.5.6"
};

int
x509_cert_from_der(const uint8_t *der, size_t len, struct x509_cert **out)
{
	int r = ERR_INTERNAL;
	const unsigned char *p = der;
	unsigned char *re = NULL;
	int n;
	struct x509_cert *c = NULL;

	*out = NULL;
	if (len > LIMIT_CERT_DER_MAX)
		return ERR_TOO_LARGE;
	if (len == 0)
		return ERR_CERT_INVALID;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return ERR_NOMEM;
	if ((c->x = d2i_X509(NULL, &p, (long)len)) == NULL || p != der + len) {
		r = ERR_CERT_INVALID;
		goto out;
	}
	/* DER only: the re-encoding must be the input, byte for byte. */
	if ((n = i2d_X509(c->x, &re)) <= 0 || (size_t)n != len ||
	    CRYPTO_memcmp(re, der, len) != 0) {
		r = ERR_CERT_INVALID;
		goto out;
	}
	if ((c->der = malloc(len)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	memcpy(c->der, der, len);
	c->der_len = len;
	*out = c;
	c = NULL;
	r = 0;
 out:
	OPENSSL_free(re);
	x509_cert_free(c);
	return r;
}

X509 *
x509_cert_get0_ossl(const struct x509_cert *c)
{
	return c->x;
}

void
x509_cert_free(struct x509_cert *c)
{
	if (c == NULL)
		return;
	X509_free(c->x);
	free(c->der);
	free(c);
}

void
x509_cert_der(const struct x509_cert *c, const uint8_t **der, size_t *len)
{
	*der = c->der;
	*len = c->der_len;
}

int
x509_cert_pubkey(const struct x509_cert *c, struct rsa_pub **out)
{
	EVP_PKEY *pk;

	*out = NULL;
	if ((pk = X509_get0_pubkey(c->x)) == NULL)
		return ERR_CERT_INVALID;
	return rsa_pub_from_evp(pk, out);
}

static int
x509_name_text(const X509_NAME *nm, char *out, size_t outmax)
{
	int r = ERR_INTERNAL;
	BIO *b = NULL;
	char *p = NULL;
	long n;

	if (outmax > 0)
		out[0] = '\0';
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return ERR_NOMEM;
	if (X509_NAME_print_ex(b, nm, 0,
	    (XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) | ASN1_STRFLGS_UTF8_CONVERT) < 0) {
		r = ERR_CRYPTO;
		goto out;
	}
	n = BIO_get_mem_data(b, &p);
	if (n < 0 || (size_t)n >= outmax) {
		r = ERR_TOO_LARGE;
		goto out;
	}
	memcpy(out, p, (size_t)n);
	out[n] = '\0';
	r = 0;
 out:
	BIO_free(b);
	return r;
}

int
x509_cert_subject(const struct x509_cert *c, char *out, size_t outmax)
{
	return x509_name_text(X509_get_subject_name(c->x), out, outmax);
}

int
x509_cert_issuer(const struct x509_cert *c, char *out, size_t outmax)
{
	return x509_name_text(X509_get_issuer_name(c->x), out, outmax);
}

int
x509_cert_serial_hex(const struct x509_cert *c, char *out, size_t outmax)
{
	int r = ERR_INTERNAL;
	BIGNUM *bn = NULL;
	char *hex = NULL;
	size_t i, n;

	if (outmax > 0)
		out[0] = '\0';
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c->x), NULL)) ==
	    NULL || (hex = BN_bn2hex(bn)) == NULL) {
		r = ERR_CRYPTO;
		goto out;
	}
	n = strlen(hex);
	if (n >= outmax) {
		r = ERR_TOO_LARGE;
		goto out;
	}
	for (i = 0; i <= n; i++)
		out[i] = (hex[i] >= 'A' && hex[i] <= 'F') ?
		    (char)(hex[i] - 'A' + 'a') : hex[i];
	r = 0;
 out:
	OPENSSL_free(hex);
	BN_free(bn);
	return r;
}

static int
x509_time(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return ERR_CERT_INVALID;
	*out = (int64_t)timegm(&tm);
	return 0;
}

int
x509_cert_validity(const struct x509_cert *c, int64_t *not_before,
    int64_t *not_after)
{
	int r;

	*not_before = 0;
	*not_after = 0;
	if ((r = x509_time(X509_get0_notBefore(c->x), not_before)) != 0 ||
	    (r = x509_time(X509_get0_notAfter(c->x), not_after)) != 0) {
		*not_before = 0;
		*not_after = 0;
		return r;
	}
	return 0;
}

int
x509_cert_key_usage(const struct x509_cert *c, unsigned *bits)
{
	uint32_t ku;

	*bits = 0;
	ku = X509_get_key_usage(c->x);
	if (ku == UINT32_MAX)
		return ERR_NOT_FOUND;
	*bits = ku & 0xFF;
	return 0;
}

int
x509_cert_check_issued_by(const struct x509_cert *c,
    const struct x509_cert *issuer)
{
	EVP_PKEY *pk;

	if (X509_NAME_cmp(X509_get_issuer_name(c->x),
	    X509_get_subject_name(issuer->x)) != 0)
		return ERR_VERIFY;
	if ((pk = X509_get0_pubkey(issuer->x)) == NULL)
		return ERR_VERIFY;
	return X509_verify(c->x, pk) == 1 ? 0 : ERR_VERIFY;
}

/* 1 when s[0..n) is only characters of set. */
static int
x509_only(const unsigned char *s, size_t n, const char *set)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '\0' || strchr(set, s[i]) == NULL)
			return 0;
	return 1;
}

int
x509_cert_jpki_identity(const struct x509_cert *c,
    struct x509_jpki_identity *out)
{
	int r = ERR_INTERNAL, crit = 0, idx = -1, i, k, found = 0;
	GENERAL_NAMES *gens = NULL;
	ASN1_OBJECT *want[6] = { NULL };
	int seen[6] = { 0 };
	char *dst[6];
	size_t max[6];

	memset(out, 0, sizeof(*out));
	dst[0] = out->name;		max[0] = sizeof(out->name);
	dst[1] = out->name_subst;	max[1] = sizeof(out->name_subst);
	dst[2] = out->sex;		max[2] = sizeof(out->sex);
	dst[3] = out->birth;		max[3] = sizeof(out->birth);
	dst[4] = out->address;		max[4] = sizeof(out->address);
	dst[5] = out->address_subst;	max[5] = sizeof(out->address_subst);

	gens = X509_get_ext_d2i(c->x, NID_subject_alt_name, &crit, &idx);
	if (gens == NULL) {
		/* crit == -1: absent; -2: repeated extension. */
		return crit == -1 ? ERR_NOT_FOUND : ERR_CERT_INVALID;
	}
	for (k = 0; k < 6; k++) {
		if ((want[k] = OBJ_txt2obj(x509_jpki_oids[k], 1)) == NULL) {
			r = ERR_CRYPTO;
			goto out;
		}
	}
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		ASN1_OBJECT *oid = NULL;
		ASN1_TYPE *val = NULL;
		const unsigned char *s;
		size_t n;

		if (!GENERAL_NAME_get0_otherName(g, &oid, &val))
			continue;
		for (k = 0; k < 6; k++)
			if (OBJ_cmp(oid, want[k]) == 0)
				break;
		if (k == 6)
			continue;
		found = 1;
		if (seen[k] || val == NULL || val->type != V_ASN1_UTF8STRING) {
			r = ERR_CERT_INVALID;
			goto out;
		}
		seen[k] = 1;
		s = ASN1_STRING_get0_data(val->value.utf8string);
		n = (size_t)ASN1_STRING_length(val->value.utf8string);
		if (n == 0 || n >= max[k] || memchr(s, 0, n) != NULL) {
			r = ERR_CERT_INVALID;
			goto out;
		}
		memcpy(dst[k], s, n);
		dst[k][n] = '\0';
	}
	if (!found) {
		r = ERR_NOT_FOUND;
		goto out;
	}
	for (k = 0; k < 6; k++) {
		if (!seen[k]) {
			r = ERR_CERT_INVALID;
			goto out;
		}
	}
	if (strlen(out->sex) != 1 ||
	    !x509_only((const unsigned char *)out->sex, 1, "123") ||
	    strlen(out->birth) != 9 ||
	    !x509_only((const unsigned char *)out->birth, 1, "012345") ||
	    !x509_only((const unsigned char *)out->birth + 1, 8, "0123456789") ||
	    !x509_only((const unsigned char *)out->name_subst,
	    strlen(out->name_subst), "01") ||
	    !x509_only((const unsigned char *)out->address_subst,
	    strlen(out->address_subst), "01")) {
		r = ERR_CERT_INVALID;
		goto out;
	}
	r = 0;
 out:
	if (r != 0)
		memset(out, 0, sizeof(*out));
	for (k = 0; k < 6; k++)
		ASN1_OBJECT_free(want[k]);
	GENERAL_NAMES_free(gens);
	return r;
}
