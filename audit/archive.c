/*
 * archive.c - the strict POSIX ustar writer and reader of the single-file
 * election record (docs/PROTOCOL-record.md §2).
 *
 * Header block (512 bytes; offsets in brackets):
 *	name[0,100) mode[100,8) uid[108,8) gid[116,8) size[124,12)
 *	mtime[136,12) chksum[148,8) typeflag[156] linkname[157,100)
 *	magic[257,6)="ustar\0" version[263,2)="00" uname[265,32)
 *	gname[297,32) devmajor[329,8) devminor[337,8) prefix[345,155)
 *	pad[500,12)
 * The checksum is the sum of the 512 bytes as unsigned values with the
 * checksum field counted as eight spaces.
 *
 * Reader refusals, in the order they are checked for each header:
 *	ERR_TRUNCATED		the input ends inside a header or its data,
 *				or before the two end blocks
 *	ERR_FORMAT		checksum wrong; magic/version not "ustar\0" "00";
 *				an octal field malformed (also GNU base-256);
 *				linkname, uname, gname, pad or name fields not
 *				clean NUL-terminated text; a name outside the
 *				record alphabet or not under one shared top
 *				directory; nonzero bytes in a data block's
 *				padding; a single zero block followed by more;
 *				an archive with no entry
 *	ERR_UNSUPPORTED		a typeflag other than '0' or NUL (links,
 *				devices, directories, pax 'x'/'g', GNU 'L'/'K')
 *	ERR_TOO_LARGE		a file over LIMIT_RECORD_FILE_MAX, or the
 *				archive over the caller's maximum
 *	ERR_TRAILING_DATA	a nonzero byte after the end blocks
 *	ERR_DUPLICATE		a name twice (checked once all else passed)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/archive.h"
#include "core/err.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/misuse.h"

#define BLOCK		512
#define NAME_MAX_	100		/* the name field */
#define PREFIX_MAX	155		/* the prefix field */
#define FULLNAME_MAX	255		/* prefix '/' name, as promised */

#define OFF_NAME	0
#define OFF_MODE	100
#define OFF_UID		108
#define OFF_GID		116
#define OFF_SIZE	124
#define OFF_MTIME	136
#define OFF_CHKSUM	148
#define OFF_TYPE	156
#define OFF_LINK	157
#define OFF_MAGIC	257
#define OFF_VERSION	263
#define OFF_UNAME	265
#define OFF_GNAME	297
#define OFF_DEVMAJOR	329
#define OFF_DEVMINOR	337
#define OFF_PREFIX	345
#define OFF_PAD		500

/* 1 for the record's path alphabet [a-z0-9._/-]. */
static int
alpha_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
	    c == '_' || c == '/' || c == '-';
}

/* 1 when s[0..n) is a path of the alphabet with good components. */
static int
path_ok_n(const char *s, size_t n)
{
	size_t i, start = 0;

	if (n == 0 || n > FULLNAME_MAX)
		return 0;
	for (i = 0; i <= n; i++) {
		if (i < n && !alpha_ok((unsigned char)s[i]))
			return 0;
		if (i == n || s[i] == '/') {
			size_t cl = i - start;

			if (cl == 0 || (cl == 1 && s[start] == '.') ||
			    (cl == 2 && s[start] == '.' && s[start + 1] == '.'))
				return 0;
			start = i + 1;
		}
	}
	return 1;
}

/*
 * A path relative to the top directory: the alphabet's, or one of the
 * two upper-case names the record fixes (INDEX and INDEX.sig, at the top
 * level only).
 */
static int
rel_ok(const char *s, size_t n)
{
	return (n == 5 && memcmp(s, "INDEX", 5) == 0) ||
	    (n == 9 && memcmp(s, "INDEX.sig", 9) == 0) || path_ok_n(s, n);
}

int
archive_path_ok(const char *path)
{
	REQUIRE(path != NULL);
	return rel_ok(path, strnlen(path, FULLNAME_MAX + 1));
}

/* ---- writing ---- */

struct archive_writer {
	FILE *f;			/* the output (not ours to close) */
	char top[NAME_MAX_ + 1];	/* the top directory */
	int64_t mtime;			/* written into every header */
	int err;			/* first error seen, sticky */
	char **names;			/* paths added, for duplicates */
	size_t nnames, cap;
};

int
archive_writer_new(FILE *f, const char *top, int64_t mtime,
    struct archive_writer **out)
{
	struct archive_writer *w;
	size_t tl;

	REQUIRE(f != NULL && top != NULL && out != NULL);
	*out = NULL;
	tl = strnlen(top, sizeof(w->top));
	if (tl >= sizeof(w->top) || !path_ok_n(top, tl) ||
	    memchr(top, '/', tl) != NULL)
		return ERR_INVALID_ARG;
	/* 11 octal digits. */
	if (mtime < 0 || mtime > 077777777777LL)
		return ERR_RANGE;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return ERR_NOMEM;
	w->f = f;
	memcpy(w->top, top, tl);
	w->mtime = mtime;
	*out = w;
	return 0;
}

void
archive_writer_free(struct archive_writer *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->nnames; i++)
		free(w->names[i]);
	free(w->names);
	free(w);
}

/* Writes v as width-1 octal digits and a NUL into field[0..width). */
static void
put_octal(uint8_t *field, size_t width, uint64_t v)
{
	size_t i;

	field[width - 1] = '\0';
	for (i = width - 1; i > 0; i--) {
		field[i - 1] = (uint8_t)('0' + (v & 7));
		v >>= 3;
	}
}

static unsigned
header_sum(const uint8_t *h)
{
	unsigned s = 0;
	size_t i;

	for (i = 0; i < BLOCK; i++)
		s += (i >= OFF_CHKSUM && i < OFF_CHKSUM + 8) ? ' ' : h[i];
	return s;
}

/*
 * Fills a header for top/path of len bytes.  The name goes whole into
 * the name field when it fits, else it is split at the last '/' that
 * leaves at most 100 bytes for the name and 155 for the prefix.
 */
static int
make_header(const struct archive_writer *w, const char *path, uint64_t len,
    uint8_t h[BLOCK])
{
	char full[FULLNAME_MAX + 2];
	size_t tl = strlen(w->top), pl = strlen(path), fl, i;
	unsigned sum;

	memset(h, 0, BLOCK);
	fl = tl + 1 + pl;
	if (fl > FULLNAME_MAX)
		return ERR_TOO_LARGE;
	memcpy(full, w->top, tl);
	full[tl] = '/';
	memcpy(full + tl + 1, path, pl);
	full[fl] = '\0';
	if (fl <= NAME_MAX_) {
		memcpy(h + OFF_NAME, full, fl);
	} else {
		/* Last usable split point: prefix = full[0..i), name after. */
		for (i = fl; i > 0; i--)
			if (full[i - 1] == '/' && i - 1 <= PREFIX_MAX &&
			    fl - i <= NAME_MAX_ && fl - i > 0)
				break;
		if (i == 0)
			return ERR_TOO_LARGE;
		memcpy(h + OFF_PREFIX, full, i - 1);
		memcpy(h + OFF_NAME, full + i, fl - i);
	}
	put_octal(h + OFF_MODE, 8, 0644);
	put_octal(h + OFF_UID, 8, 0);
	put_octal(h + OFF_GID, 8, 0);
	put_octal(h + OFF_SIZE, 12, len);
	put_octal(h + OFF_MTIME, 12, (uint64_t)w->mtime);
	h[OFF_TYPE] = '0';
	memcpy(h + OFF_MAGIC, "ustar", 6);	/* with its NUL */
	memcpy(h + OFF_VERSION, "00", 2);
	put_octal(h + OFF_DEVMAJOR, 8, 0);
	put_octal(h + OFF_DEVMINOR, 8, 0);
	sum = header_sum(h);
	/* Six digits, NUL, space: the traditional form every tar reads. */
	put_octal(h + OFF_CHKSUM, 7, sum);
	h[OFF_CHKSUM + 7] = ' ';
	return 0;
}

/* Checks path and remembers it; ERR_DUPLICATE the second time. */
static int
note_name(struct archive_writer *w, const char *path)
{
	size_t i;
	char *c;

	if (!archive_path_ok(path))
		return ERR_INVALID_ARG;
	for (i = 0; i < w->nnames; i++)
		if (strcmp(w->names[i], path) == 0)
			return ERR_DUPLICATE;
	if (w->nnames == w->cap) {
		size_t nc = w->cap ? 2 * w->cap : 32;
		char **nn = realloc(w->names, nc * sizeof(*nn));

		if (nn == NULL)
			return ERR_NOMEM;
		w->names = nn;
		w->cap = nc;
	}
	if ((c = strdup(path)) == NULL)
		return ERR_NOMEM;
	w->names[w->nnames++] = c;
	return 0;
}

static int
put_bytes(struct archive_writer *w, const void *p, size_t n)
{
	if (n > 0 && fwrite(p, 1, n, w->f) != n)
		return ERR_IO;
	return 0;
}

/* Zero bytes up to the next block boundary after len data bytes. */
static int
put_padding(struct archive_writer *w, uint64_t len)
{
	static const uint8_t zero[BLOCK];
	size_t rem = (size_t)(len % BLOCK);

	return rem == 0 ? 0 : put_bytes(w, zero, BLOCK - rem);
}

/* Records the first error and returns it. */
static int
fail(struct archive_writer *w, int r)
{
	if (w->err == 0)
		w->err = r;
	return r;
}

int
archive_add(struct archive_writer *w, const char *path, const uint8_t *data,
    size_t len)
{
	uint8_t h[BLOCK];
	int r;

	REQUIRE(w != NULL && path != NULL && (data != NULL || len == 0));
	if (w->err != 0)
		return w->err;
	if ((uint64_t)len > LIMIT_RECORD_FILE_MAX)
		return fail(w, ERR_TOO_LARGE);
	if ((r = note_name(w, path)) != 0 ||
	    (r = make_header(w, path, len, h)) != 0 ||
	    (r = put_bytes(w, h, BLOCK)) != 0 ||
	    (r = put_bytes(w, data, len)) != 0 ||
	    (r = put_padding(w, len)) != 0)
		return fail(w, r);
	return 0;
}

int
archive_add_file(struct archive_writer *w, const char *path,
    const char *disk_path)
{
	uint8_t h[BLOCK], *buf = NULL;
	struct stat st;
	uint64_t size, done = 0;
	int fd = -1, r;

	REQUIRE(w != NULL && path != NULL && disk_path != NULL);
	if (w->err != 0)
		return w->err;
	if ((fd = open(disk_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		r = errno == ENOENT ? ERR_NOT_FOUND : ERR_IO;
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = ERR_IO;
		goto out;
	}
	size = (uint64_t)st.st_size;
	if (size > LIMIT_RECORD_FILE_MAX) {
		r = ERR_TOO_LARGE;
		goto out;
	}
	if ((buf = malloc(1u << 20)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = note_name(w, path)) != 0 ||
	    (r = make_header(w, path, size, h)) != 0 ||
	    (r = put_bytes(w, h, BLOCK)) != 0)
		goto out;
	/* Streams the file; exactly size bytes (a file that changes size
	 * meanwhile is an error, not a short or long entry). */
	while (done < size) {
		size_t want = size - done > (1u << 20) ? (1u << 20) :
		    (size_t)(size - done);
		ssize_t n = read(fd, buf, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = ERR_IO;
			goto out;
		}
		if ((r = put_bytes(w, buf, (size_t)n)) != 0)
			goto out;
		done += (uint64_t)n;
	}
	{
		uint8_t extra;
		ssize_t n;

		while ((n = read(fd, &extra, 1)) < 0 && errno == EINTR)
			;
		if (n != 0) {
			r = ERR_IO;
			goto out;
		}
	}
	r = put_padding(w, size);
 out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return r == 0 ? 0 : fail(w, r);
}

int
archive_finish(struct archive_writer *w)
{
	static const uint8_t zero[2 * BLOCK];
	int r;

	REQUIRE(w != NULL);
	r = w->err;
	if (r == 0)
		r = put_bytes(w, zero, sizeof(zero));
	if (r == 0 && fflush(w->f) != 0)
		r = ERR_IO;
	if (r == 0 && ferror(w->f))
		r = ERR_IO;
	archive_writer_free(w);
	return r;
}

/* ---- reading ---- */

static int
all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/*
 * An octal field: one or more digits, then one or more NUL or space
 * terminators to the end (so every field has a terminator).  With
 * empty_ok an all-NUL field reads as 0 (devmajor/devminor of some tars).
 */
static int
get_octal(const uint8_t *f, size_t width, int empty_ok, uint64_t *v)
{
	size_t i = 0;
	uint64_t x = 0;

	if (empty_ok && all_zero(f, width)) {
		*v = 0;
		return 0;
	}
	while (i < width && f[i] >= '0' && f[i] <= '7') {
		x = (x << 3) | (uint64_t)(f[i] - '0');
		i++;
	}
	if (i == 0 || i == width)
		return ERR_FORMAT;
	for (; i < width; i++)
		if (f[i] != '\0' && f[i] != ' ')
			return ERR_FORMAT;
	*v = x;
	return 0;
}

/*
 * A text field: bytes up to the first NUL (or the whole field), and only
 * NULs after it.  *n receives the text's length.
 */
static int
get_text(const uint8_t *f, size_t width, size_t *n)
{
	const uint8_t *z = memchr(f, 0, width);
	size_t l = z ? (size_t)(z - f) : width;

	if (!all_zero(f + l, width - l))
		return ERR_FORMAT;
	*n = l;
	return 0;
}

/*
 * Checks one header at h; writes the full path into name (NUL-ended)
 * and the data size into *size.
 */
static int
check_header(const uint8_t *h, char name[FULLNAME_MAX + 2], uint64_t *size)
{
	uint64_t v, sum;
	size_t nl, pl, ul, gl;

	if (get_octal(h + OFF_CHKSUM, 8, 0, &sum) != 0 ||
	    sum != header_sum(h))
		return ERR_FORMAT;
	if (memcmp(h + OFF_MAGIC, "ustar", 6) != 0 ||
	    memcmp(h + OFF_VERSION, "00", 2) != 0)
		return ERR_FORMAT;
	if (h[OFF_TYPE] != '0' && h[OFF_TYPE] != '\0')
		return ERR_UNSUPPORTED;
	if (get_octal(h + OFF_MODE, 8, 0, &v) != 0 ||
	    get_octal(h + OFF_UID, 8, 0, &v) != 0 ||
	    get_octal(h + OFF_GID, 8, 0, &v) != 0 ||
	    get_octal(h + OFF_MTIME, 12, 0, &v) != 0 ||
	    get_octal(h + OFF_DEVMAJOR, 8, 1, &v) != 0 ||
	    get_octal(h + OFF_DEVMINOR, 8, 1, &v) != 0 ||
	    get_octal(h + OFF_SIZE, 12, 0, size) != 0)
		return ERR_FORMAT;
	if (!all_zero(h + OFF_LINK, 100) || !all_zero(h + OFF_PAD, 12) ||
	    get_text(h + OFF_UNAME, 32, &ul) != 0 ||
	    get_text(h + OFF_GNAME, 32, &gl) != 0 ||
	    get_text(h + OFF_NAME, NAME_MAX_, &nl) != 0 ||
	    get_text(h + OFF_PREFIX, PREFIX_MAX, &pl) != 0 || nl == 0)
		return ERR_FORMAT;
	if (pl > 0) {
		memcpy(name, h + OFF_PREFIX, pl);
		name[pl] = '/';
		memcpy(name + pl + 1, h + OFF_NAME, nl);
		nl += pl + 1;
	} else {
		memcpy(name, h + OFF_NAME, nl);
	}
	name[nl] = '\0';
	if (nl > FULLNAME_MAX)
		return ERR_FORMAT;
	if (*size > LIMIT_RECORD_FILE_MAX)
		return ERR_TOO_LARGE;
	return 0;
}

static int
cmp_entry_path(const void *a, const void *b)
{
	const struct archive_entry *const *x = a, *const *y = b;

	return strcmp((*x)->path, (*y)->path);
}

/* Parses a->buf[0..buf_len) in place (paths are written into headers). */
static int
parse(struct archive *a)
{
	const struct archive_entry **sorted = NULL;
	uint8_t *p = a->buf;
	size_t len = a->buf_len, off = 0, cap = 0, i;
	int r;

	for (;;) {
		char name[FULLNAME_MAX + 2];
		uint64_t size, span;
		const char *slash;
		size_t tl;

		if (len - off < BLOCK)
			return ERR_TRUNCATED;
		if (all_zero(p + off, BLOCK)) {
			if (len - off < 2 * BLOCK)
				return ERR_TRUNCATED;
			if (!all_zero(p + off + BLOCK, BLOCK))
				return ERR_FORMAT;
			off += 2 * BLOCK;
			break;
		}
		if ((r = check_header(p + off, name, &size)) != 0)
			return r;
		/* One top directory, then a path of the alphabet. */
		slash = strchr(name, '/');
		if (slash == NULL)
			return ERR_FORMAT;
		tl = (size_t)(slash - name);
		if (!path_ok_n(name, tl) || !rel_ok(slash + 1, strlen(slash + 1)))
			return ERR_FORMAT;
		if (a->count == 0) {
			memcpy(a->top, name, tl);
			a->top[tl] = '\0';
		} else if (strlen(a->top) != tl || memcmp(a->top, name, tl) != 0) {
			return ERR_FORMAT;
		}
		span = (size + BLOCK - 1) / BLOCK * BLOCK;
		if (span > len - off - BLOCK)
			return ERR_TRUNCATED;
		if (!all_zero(p + off + BLOCK + size, (size_t)(span - size)))
			return ERR_FORMAT;
		if (a->count == cap) {
			size_t nc = cap ? 2 * cap : 64;
			struct archive_entry *ne = realloc(a->entries,
			    nc * sizeof(*ne));

			if (ne == NULL)
				return ERR_NOMEM;
			a->entries = ne;
			cap = nc;
		}
		/* The header is no longer needed: its block holds the path. */
		memcpy(p + off, slash + 1, strlen(slash + 1) + 1);
		a->entries[a->count].path = (const char *)(p + off);
		a->entries[a->count].data = p + off + BLOCK;
		a->entries[a->count].len = (size_t)size;
		a->count++;
		off += BLOCK + (size_t)span;
	}
	if (!all_zero(p + off, len - off))
		return ERR_TRAILING_DATA;
	if (a->count == 0)
		return ERR_FORMAT;
	if ((sorted = malloc(a->count * sizeof(*sorted))) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < a->count; i++)
		sorted[i] = &a->entries[i];
	qsort(sorted, a->count, sizeof(*sorted), cmp_entry_path);
	r = 0;
	for (i = 1; i < a->count; i++)
		if (strcmp(sorted[i - 1]->path, sorted[i]->path) == 0)
			r = ERR_DUPLICATE;
	free(sorted);
	return r;
}

/* Takes ownership of buf (malloc'd) and parses it. */
static int
adopt(uint8_t *buf, size_t len, struct archive **out)
{
	struct archive *a;
	int r;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		free(buf);
		return ERR_NOMEM;
	}
	a->buf = buf;
	a->buf_len = len;
	if ((r = parse(a)) != 0) {
		archive_free(a);
		return r;
	}
	*out = a;
	return 0;
}

int
archive_read(const char *path, uint64_t max_total, struct archive **out)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	REQUIRE(path != NULL && out != NULL);
	*out = NULL;
	if (max_total > SIZE_MAX - 1)
		max_total = SIZE_MAX - 1;
	if ((r = file_read(path, (size_t)max_total, FILE_NOFOLLOW, &buf,
	    &len)) != 0)
		return r;
	return adopt(buf, len, out);
}

int
archive_parse(const uint8_t *p, size_t len, struct archive **out)
{
	uint8_t *buf;

	REQUIRE((p != NULL || len == 0) && out != NULL);
	*out = NULL;
	if ((buf = malloc(len > 0 ? len : 1)) == NULL)
		return ERR_NOMEM;
	if (len > 0)
		memcpy(buf, p, len);
	return adopt(buf, len, out);
}

const struct archive_entry *
archive_find(const struct archive *a, const char *path)
{
	size_t i;

	REQUIRE(a != NULL && path != NULL);
	for (i = 0; i < a->count; i++)
		if (strcmp(a->entries[i].path, path) == 0)
			return &a->entries[i];
	return NULL;
}

void
archive_free(struct archive *a)
{
	if (a == NULL)
		return;
	free(a->entries);
	free(a->buf);
	free(a);
}
