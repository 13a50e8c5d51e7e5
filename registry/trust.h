/*
 * trust.h - which JPKI CAs, CRLs and OCSP settings a program trusts.
 *
 * From the environment (a deployment sets them in its service unit; the
 * demo and tests export them):
 *
 *	IPPYO_AUTH_CA	user-authentication CA certificates, ':'-separated files
 *	IPPYO_AUTH_CRL	their CRLs (optional; when set, checked and required)
 *	IPPYO_SIGN_CA	signature CA certificates
 *	IPPYO_SIGN_CRL	their CRLs (optional)
 *	IPPYO_OCSP	"on" (default) or "off"
 *	IPPYO_OCSP_URL	responder for authentication certificates, overriding AIA
 *	IPPYO_OCSP_SIGN_URL  the same for signature certificates
 */
#ifndef IPPYO_REGISTRY_TRUST_H
#define IPPYO_REGISTRY_TRUST_H

#include "crypto/certcheck.h"

/*
 * Builds a validator for purpose from the environment.  ERR_USAGE when the
 * CA variable is unset; ERR_IO / ERR_FORMAT for unreadable files.
 * Caller frees *out.
 */
int trust_from_env(enum certcheck_purpose purpose, struct certcheck **out)
    __attribute__((warn_unused_result));

#endif /* IPPYO_REGISTRY_TRUST_H */
