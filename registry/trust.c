/*
 * trust.c - validators configured from the environment.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "core/misuse.h"
#include "crypto/certcheck.h"
#include "registry/trust.h"

/* Calls add(cc, path) for each ':'-separated path of list. */
static int
each_path(struct certcheck *cc, const char *list,
    int (*add)(struct certcheck *, const char *))
{
	char *copy, *p, *colon;
	int r = 0;

	if ((copy = strdup(list)) == NULL)
		return ERR_NOMEM;
	for (p = copy; p != NULL && r == 0; p = colon) {
		if ((colon = strchr(p, ':')) != NULL)
			*colon++ = '\0';
		if (*p == '\0')
			continue;
		if ((r = add(cc, p)) != 0)
			log_error("trust.unreadable", LOG_S("path", p),
			    LOG_E("error", r));
	}
	free(copy);
	return r;
}

int
trust_from_env(enum certcheck_purpose purpose, struct certcheck **out)
{
	const int auth = purpose == CERTCHECK_AUTH;
	const char *ca = getenv(auth ? "IPPYO_AUTH_CA" : "IPPYO_SIGN_CA");
	const char *crl = getenv(auth ? "IPPYO_AUTH_CRL" : "IPPYO_SIGN_CRL");
	const char *ocsp = getenv("IPPYO_OCSP");
	const char *url = getenv(auth ? "IPPYO_OCSP_URL" : "IPPYO_OCSP_SIGN_URL");
	struct certcheck *cc = NULL;
	int r;

	REQUIRE(out != NULL);
	*out = NULL;
	if (ca == NULL || *ca == '\0')
		return ERR_USAGE;
	/* Revocation is not optional: OCSP, or CRLs, or both. */
	if (ocsp != NULL && strcmp(ocsp, "off") == 0 &&
	    (crl == NULL || *crl == '\0')) {
		log_error("trust.no_revocation", LOG_S("need",
		    auth ? "IPPYO_AUTH_CRL or OCSP" : "IPPYO_SIGN_CRL or OCSP"));
		return ERR_USAGE;
	}
	if ((r = certcheck_new(&cc)) != 0)
		return r;
	if ((r = each_path(cc, ca, certcheck_add_ca_file)) != 0 ||
	    (crl != NULL && *crl != '\0' &&
	    (r = each_path(cc, crl, certcheck_add_crl_file)) != 0) ||
	    (r = certcheck_set_ocsp(cc, ocsp == NULL || strcmp(ocsp, "off") != 0,
	    url != NULL && *url != '\0' ? url : NULL)) != 0) {
		certcheck_free(cc);
		return r;
	}
	*out = cc;
	return 0;
}
