/*
 * ceremony_keys.c - the tally's view of a finished ceremony.
 */
#include "core/err.h"
#include "tally/ceremony_keys.h"

int
ceremony_trustee_keys(struct db *db, const struct election *e,
    struct dkg_params *params, uint32_t *qual, uint32_t *nqual,
    uint8_t P[][GROUP_POINT_LEN])
{
	(void)db;
	(void)e;
	(void)params;
	(void)qual;
	(void)P;
	*nqual = 0;
	return ERR_UNSUPPORTED;	/* until the ceremony's tables exist */
}

int
ceremony_record_files(struct db *db, const struct election *e,
    ceremony_put_fn put, void *arg)
{
	(void)db;
	(void)e;
	(void)put;
	(void)arg;
	return ERR_UNSUPPORTED;	/* until the ceremony's tables exist */
}
