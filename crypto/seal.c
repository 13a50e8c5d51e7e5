/*
 * seal.c - Argon2id + XChaCha20-Poly1305 sealed files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/err.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/misuse.h"
#include "core/vbuf.h"
#include "crypto/ct.h"
#include "crypto/seal.h"
#include "crypto/secret.h"

#define SEAL_MAGIC	"IPPYOSEAL"
#define SEAL_MAGIC_LEN	9
#define SEAL_VERSION	1
#define SEAL_KDF_ARGON2ID13	1
#define SEAL_AEAD_XCHACHA20POLY1305	1
#define SEAL_SALT_LEN	16
#define SEAL_NONCE_LEN	24
#define SEAL_TAG_LEN	16
#define SEAL_KEY_LEN	32

/* What a file may ask of us: bounded so a hostile file cannot exhaust memory. */
#define SEAL_OPS_MIN	1
#define SEAL_OPS_MAX	10
#define SEAL_MEM_MIN_KIB	8
#define SEAL_MEM_MAX_KIB	(1024u * 1024)	/* 1 GiB */

_Static_assert(crypto_pwhash_argon2id_SALTBYTES == SEAL_SALT_LEN, "salt");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == SEAL_NONCE_LEN,
    "nonce");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == SEAL_TAG_LEN, "tag");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == SEAL_KEY_LEN, "key");

const struct seal_params seal_params_moderate = { 3, 256u * 1024 };
const struct seal_params seal_params_test = { SEAL_OPS_MIN, SEAL_MEM_MIN_KIB };

static int
label_ok(const char *label)
{
	size_t i, n;

	if (label == NULL || (n = strlen(label)) == 0 || n > SEAL_LABEL_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = label[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-'))
			return 0;
	}
	return 1;
}

static int
params_ok(uint32_t ops, uint32_t mem_kib)
{
	return ops >= SEAL_OPS_MIN && ops <= SEAL_OPS_MAX &&
	    mem_kib >= SEAL_MEM_MIN_KIB && mem_kib <= SEAL_MEM_MAX_KIB;
}

/* Derives the file key; *key is a new secret. */
static int
derive(const struct secret *passphrase, const uint8_t salt[SEAL_SALT_LEN],
    uint32_t ops, uint32_t mem_kib, struct secret **key)
{
	struct secret *pw = (struct secret *)(uintptr_t)passphrase;
	struct secret *k = NULL;
	int r;

	*key = NULL;
	if ((r = secret_new(SEAL_KEY_LEN, &k)) != 0)
		return r;
	r = crypto_pwhash(secret_open(k), SEAL_KEY_LEN,
	    (const char *)secret_open(pw), secret_len(pw), salt, ops,
	    (size_t)mem_kib * 1024, crypto_pwhash_ALG_ARGON2ID13);
	secret_close(pw);
	secret_close(k);
	if (r != 0) {
		secret_free(k);
		return ERR_NOMEM;	/* the only failure: memory */
	}
	*key = k;
	return 0;
}

int
seal_seal(const char *label, const struct secret *contents,
    const struct secret *passphrase, const struct seal_params *params,
    struct vbuf *out)
{
	struct secret *c = (struct secret *)(uintptr_t)contents;
	uint8_t salt[SEAL_SALT_LEN], nonce[SEAL_NONCE_LEN];
	struct secret *key = NULL;
	struct vbuf *hdr = NULL;
	unsigned long long clen = 0;
	uint8_t *ct = NULL;
	size_t n;
	int r = ERR_INTERNAL;

	REQUIRE(contents != NULL && passphrase != NULL && params != NULL &&
	    out != NULL);
	if (!label_ok(label) || !params_ok(params->opslimit,
	    params->memlimit_kib))
		return ERR_INVALID_ARG;
	if ((r = crypto_sodium_ready()) != 0)
		return r;
	n = secret_len(contents);
	if (n > LIMIT_SEALED_FILE_MAX - 256)
		return ERR_TOO_LARGE;
	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(nonce, sizeof(nonce));
	if ((hdr = vbuf_new(256)) == NULL)
		return ERR_NOMEM;
	if ((r = vbuf_put(hdr, SEAL_MAGIC, SEAL_MAGIC_LEN)) != 0 ||
	    (r = vbuf_put_u16(hdr, SEAL_VERSION)) != 0 ||
	    (r = vbuf_put_u8(hdr, SEAL_KDF_ARGON2ID13)) != 0 ||
	    (r = vbuf_put_u8(hdr, SEAL_AEAD_XCHACHA20POLY1305)) != 0 ||
	    (r = vbuf_put_u32(hdr, params->opslimit)) != 0 ||
	    (r = vbuf_put_u32(hdr, params->memlimit_kib)) != 0 ||
	    (r = vbuf_put(hdr, salt, sizeof(salt))) != 0 ||
	    (r = vbuf_put(hdr, nonce, sizeof(nonce))) != 0 ||
	    (r = vbuf_put_u16(hdr, (uint16_t)strlen(label))) != 0 ||
	    (r = vbuf_put(hdr, label, strlen(label))) != 0 ||
	    (r = vbuf_put_u32(hdr, (uint32_t)(n + SEAL_TAG_LEN))) != 0)
		goto out;
	if ((r = derive(passphrase, salt, params->opslimit,
	    params->memlimit_kib, &key)) != 0)
		goto out;
	if ((ct = malloc(n + SEAL_TAG_LEN)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	/* The header, length of the ciphertext included, is the AD. */
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &clen, secret_open(c),
	    n, vbuf_ptr(hdr), vbuf_len(hdr), NULL, nonce, secret_open(key));
	secret_close(key);
	secret_close(c);
	if (clen != n + SEAL_TAG_LEN) {
		r = ERR_CRYPTO;
		goto out;
	}
	if ((r = vbuf_put(out, vbuf_ptr(hdr), vbuf_len(hdr))) != 0 ||
	    (r = vbuf_put(out, ct, (size_t)clen)) != 0)
		goto out;
	r = 0;
 out:
	secret_free(key);
	vbuf_free(hdr);
	free(ct);
	return r;
}

int
seal_open(const uint8_t *file, size_t len, const char *label,
    const struct secret *passphrase, struct secret **contents)
{
	const uint8_t *magic, *salt, *nonce, *lab, *ct;
	uint32_t ops, mem, clen;
	uint16_t version, lablen;
	uint8_t kdf, aead;
	struct secret *key = NULL, *pt = NULL;
	struct vbuf *b = NULL;
	size_t hdrlen;
	int r = ERR_INTERNAL;

	REQUIRE(file != NULL && passphrase != NULL && contents != NULL);
	*contents = NULL;
	if (!label_ok(label))
		return ERR_INVALID_ARG;
	if (len > LIMIT_SEALED_FILE_MAX)
		return ERR_TOO_LARGE;
	if ((r = crypto_sodium_ready()) != 0)
		return r;
	if ((b = vbuf_from(file, len)) == NULL)
		return ERR_NOMEM;
	if ((r = vbuf_get_direct(b, SEAL_MAGIC_LEN, &magic)) != 0)
		goto out;
	if (!ct_eq(magic, SEAL_MAGIC, SEAL_MAGIC_LEN)) {
		r = ERR_FORMAT;
		goto out;
	}
	if ((r = vbuf_get_u16(b, &version)) != 0 ||
	    (r = vbuf_get_u8(b, &kdf)) != 0 ||
	    (r = vbuf_get_u8(b, &aead)) != 0)
		goto out;
	if (version != SEAL_VERSION || kdf != SEAL_KDF_ARGON2ID13 ||
	    aead != SEAL_AEAD_XCHACHA20POLY1305) {
		r = ERR_UNSUPPORTED;
		goto out;
	}
	if ((r = vbuf_get_u32(b, &ops)) != 0 ||
	    (r = vbuf_get_u32(b, &mem)) != 0 ||
	    (r = vbuf_get_direct(b, SEAL_SALT_LEN, &salt)) != 0 ||
	    (r = vbuf_get_direct(b, SEAL_NONCE_LEN, &nonce)) != 0 ||
	    (r = vbuf_get_u16(b, &lablen)) != 0)
		goto out;
	if (lablen == 0 || lablen > SEAL_LABEL_MAX) {
		r = ERR_FORMAT;
		goto out;
	}
	if ((r = vbuf_get_direct(b, lablen, &lab)) != 0 ||
	    (r = vbuf_get_u32(b, &clen)) != 0)
		goto out;
	hdrlen = len - vbuf_len(b);
	if (clen < SEAL_TAG_LEN) {
		r = ERR_FORMAT;
		goto out;
	}
	if ((r = vbuf_get_direct(b, clen, &ct)) != 0 ||
	    (r = vbuf_expect_end(b)) != 0)
		goto out;
	if (lablen != strlen(label) || !ct_eq(lab, label, lablen)) {
		r = ERR_MISMATCH;
		goto out;
	}
	if (!params_ok(ops, mem)) {
		r = ERR_RANGE;
		goto out;
	}
	if (clen == SEAL_TAG_LEN) {
		r = ERR_FORMAT;	/* sealed nothing: never written by us */
		goto out;
	}
	if ((r = derive(passphrase, salt, ops, mem, &key)) != 0 ||
	    (r = secret_new(clen - SEAL_TAG_LEN, &pt)) != 0)
		goto out;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(secret_open(pt), NULL,
	    NULL, ct, clen, file, hdrlen, nonce, secret_open(key)) != 0) {
		secret_close(pt);
		secret_close(key);
		r = ERR_PASSPHRASE;
		goto out;
	}
	secret_close(pt);
	secret_close(key);
	*contents = pt;
	pt = NULL;
	r = 0;
 out:
	secret_free(pt);
	secret_free(key);
	vbuf_free(b);
	return r;
}

/*
 * Writes a sealed file through a temporary file in the same directory:
 * written, fsynced, then renamed over path (replace = 1) or linked to
 * path (replace = 0: link fails with EEXIST when path exists, so a file
 * that appeared since any earlier check is never overwritten; then
 * ERR_EXISTS).  The temporary file is made by mkstemp (0600, O_EXCL), so
 * two writers never share one.
 */
static int
write_sealed(const char *path, const char *label,
    const struct secret *contents, const struct secret *passphrase,
    const struct seal_params *params, int replace)
{
	char tmp[4096];
	struct vbuf *b = NULL;
	const uint8_t *p;
	size_t left;
	int fd = -1, made = 0, r = ERR_INTERNAL;

	REQUIRE(path != NULL);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp))
		return ERR_INVALID_ARG;
	if ((b = vbuf_new(LIMIT_SEALED_FILE_MAX)) == NULL)
		return ERR_NOMEM;
	if ((r = seal_seal(label, contents, passphrase, params, b)) != 0)
		goto out;
	if ((fd = mkstemp(tmp)) < 0) {
		r = ERR_IO;
		goto out;
	}
	made = 1;
	if (fchmod(fd, 0600) != 0) {
		r = ERR_IO;
		goto out;
	}
	p = vbuf_ptr(b);
	left = vbuf_len(b);
	while (left > 0) {
		ssize_t w = write(fd, p, left);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			r = ERR_IO;
			goto out;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		r = ERR_IO;
		goto out;
	}
	fd = -1;
	if (replace ? rename(tmp, path) != 0 : link(tmp, path) != 0) {
		r = !replace && errno == EEXIST ? ERR_EXISTS : ERR_IO;
		goto out;
	}
	if (replace)
		made = 0;		/* renamed: nothing left to remove */
	r = 0;
 out:
	if (fd >= 0)
		close(fd);
	if (made)
		unlink(tmp);
	vbuf_free(b);
	return r;
}

int
seal_write_file(const char *path, const char *label,
    const struct secret *contents, const struct secret *passphrase,
    const struct seal_params *params)
{
	return write_sealed(path, label, contents, passphrase, params, 1);
}

int
seal_write_new_file(const char *path, const char *label,
    const struct secret *contents, const struct secret *passphrase,
    const struct seal_params *params)
{
	return write_sealed(path, label, contents, passphrase, params, 0);
}

int
seal_read_file(const char *path, const char *label,
    const struct secret *passphrase, struct secret **contents)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	REQUIRE(path != NULL && contents != NULL);
	*contents = NULL;
	if ((r = file_read(path, LIMIT_SEALED_FILE_MAX, FILE_NOFOLLOW, &buf,
	    &len)) != 0)
		return r;
	r = seal_open(buf, len, label, passphrase, contents);
	free(buf);
	return r;
}
