/*
 * ceremony_keys.c - the tally's view of a finished ceremony: parameters,
 * the qualified set and the verification keys, recomputed from the
 * stored public messages (never trusted from a column), and the record's
 * ceremony files.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/file.h"
#include "core/misuse.h"
#include "crypto/ct.h"
#include "tally/ceremony.h"
#include "tally/ceremony_keys.h"

int
ceremony_trustee_keys(struct db *db, const struct election *e,
    struct dkg_params *params, uint32_t *qual, uint32_t *nqual,
    uint8_t P[][GROUP_POINT_LEN])
{
	struct ceremony_status st;
	struct db_result *res = NULL;
	const uint8_t *pubs[LIMIT_TRUSTEES_MAX] = { NULL };
	uint8_t *own[LIMIT_TRUSTEES_MAX] = { NULL };
	struct point *K = NULL, *Pj = NULL;
	uint8_t kenc[GROUP_POINT_LEN];
	uint32_t i, nq = 0;
	int r, row, rows;

	REQUIRE(db != NULL && e != NULL && params != NULL && qual != NULL &&
	    nqual != NULL && P != NULL);
	*nqual = 0;
	if ((r = ceremony_status_get(db, e->manifest->id, &st)) != 0)
		return r;
	if (!st.finished)
		return ERR_NOT_FOUND;
	*params = st.p;
	{
		char att[16];
		struct db_param p[2] = { DB_TEXT(e->manifest->id), DB_TEXT(att) };

		snprintf(att, sizeof(att), "%d", st.attempt);
		if ((r = db_exec(db, "SELECT sender, body FROM ceremony_messages "
		    "WHERE election_id = $1 AND attempt = $2::integer AND kind = "
		    "'public' ORDER BY sender", p, 2, &res)) != 0)
			return r;
	}
	rows = db_result_rows(res);
	for (row = 0; row < rows; row++) {
		int64_t s;
		size_t len = 0;

		if ((r = db_get_i64(res, row, 0, &s)) != 0)
			goto out;
		if (s < 1 || s > (int64_t)st.p.n || own[s - 1] != NULL) {
			r = ERR_FORMAT;
			goto out;
		}
		if ((r = db_get_bytes(res, row, 1, 65536, &own[s - 1],
		    &len)) != 0)
			goto out;
		if (len != dkg_public_len(&st.p) ||
		    (r = dkg_public_verify(&st.p, (uint32_t)s, own[s - 1],
		    len)) != 0) {
			r = ERR_VERIFY;
			goto out;
		}
		pubs[s - 1] = own[s - 1];
	}
	for (i = 1; i <= st.p.n; i++)
		if (!st.excluded[i - 1]) {
			if (pubs[i - 1] == NULL) {
				r = ERR_FORMAT;
				goto out;
			}
			qual[nq++] = i;
		}
	if (nq < st.p.k) {
		r = ERR_RANGE;
		goto out;
	}
	if ((K = group_point_new()) == NULL || (Pj = group_point_new()) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	/* The election's key must be what the commitments give. */
	if ((r = dkg_joint_key(&st.p, pubs, qual, nq, K)) != 0 ||
	    (r = group_point_encode(K, kenc, 0)) != 0)
		goto out;
	if (!ct_eq(kenc, elgamal_key_encoded(e->key), GROUP_POINT_LEN)) {
		r = ERR_MISMATCH;
		goto out;
	}
	for (i = 0; i < nq; i++)
		if ((r = dkg_verification_key(&st.p, pubs, qual, nq, qual[i],
		    Pj)) != 0 || (r = group_point_encode(Pj, P[qual[i] - 1],
		    0)) != 0)
			goto out;
	*nqual = nq;
 out:
	for (i = 0; i < LIMIT_TRUSTEES_MAX; i++)
		free(own[i]);
	group_point_free(K);
	group_point_free(Pj);
	db_result_free(res);
	return r;
}

int
ceremony_record_files(struct db *db, const struct election *e,
    ceremony_put_fn put, void *arg)
{
	char tmp[] = "/tmp/ippyo-ceremony.XXXXXX", path[512], rel[64];
	struct dirent *de;
	DIR *d = NULL;
	int r;

	REQUIRE(db != NULL && e != NULL && put != NULL);
	if (mkdtemp(tmp) == NULL)
		return ERR_IO;
	if ((r = ceremony_export(db, e->manifest->id, tmp)) != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/ceremony", tmp);
	if ((d = opendir(path)) == NULL) {
		r = ERR_IO;
		goto out;
	}
	/* Every file ceremony_export wrote, in name order for INDEX. */
	{
		char names[LIMIT_TRUSTEES_MAX + 2][32];
		size_t n = 0, i, j;

		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			size_t len = strlen(de->d_name);

			if (n == LIMIT_TRUSTEES_MAX + 2 || len >= sizeof(names[0])) {
				r = ERR_TOO_LARGE;
				goto out;
			}
			memcpy(names[n++], de->d_name, len + 1);
		}
		for (i = 0; i < n; i++)
			for (j = i + 1; j < n; j++)
				if (strcmp(names[j], names[i]) < 0) {
					char t[32];

					memcpy(t, names[i], sizeof(t));
					memcpy(names[i], names[j], sizeof(t));
					memcpy(names[j], t, sizeof(t));
				}
		for (i = 0; r == 0 && i < n; i++) {
			uint8_t *p = NULL;
			size_t len = 0;

			snprintf(path, sizeof(path), "%s/ceremony/%s", tmp, names[i]);
			snprintf(rel, sizeof(rel), "ceremony/%s", names[i]);
			if ((r = file_read(path, 1 << 24, 0, &p, &len)) == 0)
				r = put(arg, rel, p, len);
			free(p);
			(void)unlink(path);
		}
	}
 out:
	if (d != NULL)
		closedir(d);
	snprintf(path, sizeof(path), "%s/ceremony", tmp);
	(void)rmdir(path);
	(void)rmdir(tmp);
	return r;
}
