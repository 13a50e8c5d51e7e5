/*
 * recload.c - reading a record's files (recload.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/archive.h"
#include "audit/recload.h"
#include "core/err.h"
#include "core/file.h"
#include "core/limits.h"
#include "core/misuse.h"

#define MiB (1024ull * 1024)

/* "prefix" NN "suffix" with NN two digits 01..32. */
static int
numbered(const char *path, const char *prefix, const char *suffix)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);
	unsigned v;

	if (strncmp(path, prefix, pl) != 0 || strlen(path) != pl + 2 + sl ||
	    strcmp(path + pl + 2, suffix) != 0)
		return 0;
	if (path[pl] < '0' || path[pl] > '9' || path[pl + 1] < '0' ||
	    path[pl + 1] > '9')
		return 0;
	v = (unsigned)(path[pl] - '0') * 10 + (unsigned)(path[pl + 1] - '0');
	return v >= 1 && v <= LIMIT_TRUSTEES_MAX;
}

uint64_t
rec_limit(const char *path)
{
	static const struct {
		const char *name;
		uint64_t max;
	} fixed[] = {
		{ "INDEX", 64 * 1024 },
		{ "INDEX.sig", 4096 },
		{ "election.json", 64 * 1024 },
		{ "manifest.bin", LIMIT_MANIFEST_MAX },
		{ "ceremony/complaints.json", 16 * MiB },
		{ "ballots.bin", LIMIT_RECORD_FILE_MAX },
		{ "superseded.json", 1024 * MiB },
		{ "admitted.json", 1024 * MiB },
		{ "counted.json", 1024 * MiB },
		{ "checkpoints.json", 64 * MiB },
		{ "tally.json", 4 * MiB },
		{ "results.json", 4 * MiB },
		{ "results.txt", 4 * MiB },
		{ "audit.json", 1024 * MiB },
	};
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(path, fixed[i].name) == 0)
			return fixed[i].max;
	if (numbered(path, "ceremony/public-", ".bin"))
		return 64 * 1024;
	if (numbered(path, "decryption/trustee-", ".json"))
		return 8 * MiB;
	return 0;
}

int
rec_path_ok(const char *path)
{
	size_t i, comp = 0, len = strlen(path);

	/* The two upper-case names of the record. */
	if (strcmp(path, "INDEX") == 0 || strcmp(path, "INDEX.sig") == 0)
		return 1;
	if (len == 0 || len >= RECLOAD_PATH_MAX)
		return 0;
	for (i = 0; i <= len; i++) {
		char c = path[i];

		if (c == '/' || c == '\0') {
			if (comp == 0)
				return 0;
			if ((comp == 1 && path[i - 1] == '.') ||
			    (comp == 2 && path[i - 1] == '.' && path[i - 2] == '.'))
				return 0;
			comp = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-'))
			return 0;
		comp++;
	}
	return 1;
}

static void
why_set(char *why, size_t why_len, const char *what, const char *path)
{
	if (why_len > 0)
		snprintf(why, why_len, "%s%s%s", what, path ? ": " : "",
		    path ? path : "");
}

static int
cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct rec_file *)a)->path,
	    ((const struct rec_file *)b)->path);
}

/* Adds an empty slot for name. */
static struct rec_file *
slot(struct rec_set *s, const char *name)
{
	struct rec_file *f;
	size_t n = strlen(name);

	if (s->n >= RECLOAD_FILES_MAX || n >= RECLOAD_PATH_MAX)
		return NULL;
	f = &s->f[s->n++];
	memset(f, 0, sizeof(*f));
	memcpy(f->path, name, n + 1);
	return f;
}

/* A printable copy of a name from outside (for messages). */
static void
safe_name(const char *in, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i + 1 < outlen; i++)
		out[i] = (in[i] > 0x20 && in[i] < 0x7f) ? in[i] : '?';
	out[i] = '\0';
}

static int
walk(struct rec_set *s, const char *root, const char *rel, int depth,
    char *why, size_t why_len)
{
	char dpath[4096], name[RECLOAD_PATH_MAX + 64], full[4096 + 600];
	struct dirent *de;
	DIR *d;
	int r = 0;

	if ((size_t)snprintf(dpath, sizeof(dpath), "%s%s%s", root,
	    rel[0] ? "/" : "", rel) >= sizeof(dpath)) {
		why_set(why, why_len, "path too long", NULL);
		return ERR_TOO_LARGE;
	}
	if ((d = opendir(dpath)) == NULL) {
		why_set(why, why_len, "cannot open directory", dpath);
		return errno == ENOENT ? ERR_NOT_FOUND : ERR_IO;
	}
	while (r == 0 && (errno = 0, de = readdir(d)) != NULL) {
		struct rec_file *f;
		struct stat st;
		uint64_t max;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(name, sizeof(name), "%s%s%s", rel,
		    rel[0] ? "/" : "", de->d_name) >= RECLOAD_PATH_MAX) {
			why_set(why, why_len, "a name too long", NULL);
			r = ERR_TOO_LARGE;
			break;
		}
		if ((f = slot(s, name)) == NULL) {
			why_set(why, why_len, "too many files", NULL);
			r = ERR_TOO_LARGE;
			break;
		}
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW)
		    != 0) {
			safe_name(name, full, 200);
			why_set(why, why_len, "cannot stat", full);
			r = ERR_IO;
			break;
		}
		/* The record's two directories are walked and not listed
		 * themselves; any other directory, empty or not, stays
		 * listed as a non-regular entry, which V1 refuses. */
		if (S_ISDIR(st.st_mode) && depth == 0 &&
		    (strcmp(name, "ceremony") == 0 ||
		    strcmp(name, "decryption") == 0)) {
			s->n--;
			r = walk(s, root, name, depth + 1, why, why_len);
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;	/* listed, never read: V1 refuses it */
		f->regular = 1;
		if ((max = rec_limit(name)) == 0 || !rec_path_ok(name))
			continue;	/* not a record name: V1 refuses it */
		if ((uint64_t)st.st_size > max) {
			why_set(why, why_len, "file over its size limit", name);
			r = ERR_TOO_LARGE;
			break;
		}
		snprintf(full, sizeof(full), "%s/%s", root, name);
		if ((r = file_read(full, (size_t)max, FILE_NOFOLLOW, &f->own,
		    &f->len)) != 0) {
			why_set(why, why_len, r == ERR_TOO_LARGE ?
			    "file over its size limit" : "cannot read", name);
			break;
		}
		f->data = f->own;
		f->loaded = 1;
	}
	if (r == 0 && errno != 0) {
		why_set(why, why_len, "cannot read directory", dpath);
		r = ERR_IO;
	}
	closedir(d);
	return r;
}

int
rec_open(const char *path, struct rec_set **out, char *why, size_t why_len)
{
	struct rec_set *s = NULL;
	struct stat st;
	int r = ERR_INTERNAL;

	REQUIRE(path != NULL && out != NULL);
	*out = NULL;
	if (why_len > 0)
		why[0] = '\0';
	if (stat(path, &st) != 0) {
		why_set(why, why_len, "cannot read", NULL);
		return errno == ENOENT ? ERR_NOT_FOUND : ERR_IO;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->f = calloc(RECLOAD_FILES_MAX, sizeof(*s->f))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		if ((r = walk(s, path, "", 0, why, why_len)) != 0)
			goto out;
	} else if (S_ISREG(st.st_mode)) {
		struct archive *a = NULL;
		size_t i;

		s->archive = 1;
		if ((r = archive_read(path, RECLOAD_TOTAL_MAX, &a)) != 0) {
			why_set(why, why_len, "not a valid record archive",
			    NULL);
			goto out;
		}
		s->ar = a;
		snprintf(s->top, sizeof(s->top), "%s", a->top);
		if ((s->order = calloc(a->count ? a->count : 1,
		    sizeof(*s->order))) == NULL) {
			r = ERR_NOMEM;
			goto out;
		}
		for (i = 0; i < a->count; i++)
			s->order[i] = a->entries[i].path;
		s->norder = a->count;
		for (i = 0; i < a->count; i++) {
			const struct archive_entry *e = &a->entries[i];
			struct rec_file *f;
			uint64_t max;

			if ((f = slot(s, e->path)) == NULL) {
				why_set(why, why_len, "too many files", NULL);
				r = ERR_TOO_LARGE;
				goto out;
			}
			f->regular = 1;
			if ((max = rec_limit(e->path)) == 0)
				continue;
			if ((uint64_t)e->len > max) {
				why_set(why, why_len,
				    "file over its size limit", e->path);
				r = ERR_TOO_LARGE;
				goto out;
			}
			f->data = e->data;
			f->len = e->len;
			f->loaded = 1;
		}
	} else {
		why_set(why, why_len, "neither a directory nor a file", NULL);
		r = ERR_IO;
		goto out;
	}
	qsort(s->f, s->n, sizeof(*s->f), cmp_file);
	*out = s;
	s = NULL;
	r = 0;
 out:
	rec_close(s);
	return r;
}

void
rec_close(struct rec_set *s)
{
	size_t i;

	if (s == NULL)
		return;
	if (s->f != NULL)
		for (i = 0; i < s->n; i++)
			free(s->f[i].own);
	free(s->f);
	free(s->order);
	archive_free(s->ar);
	free(s);
}

const struct rec_file *
rec_find(const struct rec_set *s, const char *path)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(path, s->f[mid].path);

		if (c == 0)
			return s->f[mid].loaded ? &s->f[mid] : NULL;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}
