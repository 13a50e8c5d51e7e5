/*
 * ballot.h - the encrypted ballot's canonical form, its hash, and the
 * reference encryption (docs/PROTOCOL-ballot.md).
 *
 *	"IPPYOBAL" | u8 version = 1 | str(election_id) | context_hash (32)
 *	| str(alias) | u32 ncontests | for each contest, in manifest order:
 *	    u32 index | str(encrypted contest, crypto/contest.h layout)
 *
 * str() is a u32 big-endian length and the bytes.  The ballot hash is
 * SHA-256("ippyo-ballot-v1" | the canonical bytes).  Same inputs and same
 * randomness give the same bytes in every client.
 */
#ifndef IPPYO_BALLOT_BALLOT_H
#define IPPYO_BALLOT_BALLOT_H

#include <stddef.h>
#include <stdint.h>

#include "ballot/election.h"
#include "core/limits.h"
#include "core/vbuf.h"
#include "crypto/secret.h"

#define BALLOT_HASH_LEN 32
#define BALLOT_ALIAS_LEN 32
/* Largest ballot: every contest at the largest shape, with framing. */
#define BALLOT_MAX (LIMIT_HTTP_BODY_MAX)

struct ballot {
	char election_id[LIMIT_ID_LEN_MAX + 1];
	uint8_t context_hash[HASH_LEN];
	char alias[BALLOT_ALIAS_LEN + 1];	/* lowercase hex */
	uint32_t ncontests;
	const uint8_t *contest[LIMIT_CONTESTS_MAX];	/* into the input */
	size_t contest_len[LIMIT_CONTESTS_MAX];
};

/*
 * Decodes p[0..len) for election e: canonical form only, election id and
 * context hash of e, one contest per manifest contest in order, each of
 * exactly its shape's length.  Proofs are NOT checked here (cast does,
 * batched).  ERR_TOO_LARGE, ERR_FORMAT, ERR_TRUNCATED, ERR_TRAILING_DATA,
 * ERR_UNSUPPORTED, ERR_MISMATCH (another election or context).  Safe on
 * untrusted input; *out points into p.
 */
int ballot_decode(const struct election *e, const uint8_t *p, size_t len,
    struct ballot *out) __attribute__((warn_unused_result));

/* SHA-256("ippyo-ballot-v1" | p). */
void ballot_hash(const uint8_t *p, size_t len, uint8_t out[BALLOT_HASH_LEN]);

/*
 * The reference client's encryption: sel[i] is contest i's selection
 * vector (0/1 per option).  Appends the canonical ballot to out.
 * Constant-time in the selections (crypto/contest.h).
 */
int ballot_encrypt(const struct election *e, const char *alias,
    const uint8_t *const *sel, struct vbuf *out)
    __attribute__((warn_unused_result));

/*
 * The Benaloh challenge (docs/PROTOCOL-ballot.md): as ballot_encrypt,
 * same bytes for the same random stream, and *nonces receives a new
 * secret holding every option's encryption nonce r_i (32 bytes each,
 * contest after contest in manifest order, options in order;
 * ballot_nonces_len(m) bytes), so that anyone can re-encrypt the
 * selections and compare.  Caller frees it with secret_free (wiped).
 * WARNING: a ballot whose nonces are revealed reveals its selections and
 * must never be cast; the server cannot tell, so the client must not
 * post it.
 */
int ballot_encrypt_reveal(const struct election *e, const char *alias,
    const uint8_t *const *sel, struct vbuf *out, struct secret **nonces)
    __attribute__((warn_unused_result));

/* Bytes of all of a ballot's nonces for manifest m. */
size_t ballot_nonces_len(const struct manifest *m);

#endif /* IPPYO_BALLOT_BALLOT_H */
