/*
 * test_archive.c - the record's ustar writer and strict reader
 * (audit/archive.h): round trips, deterministic bytes, GNU tar reading
 * what we write (and us reading what GNU tar writes in ustar form), each
 * refusal with its exact error, and a mutation sweep over a header.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit/archive.h"
#include "core/err.h"
#include "core/limits.h"
#include "tests/harness/mutate.h"
#include "tests/harness/test.h"

extern char **environ;

#define MTIME 1735689600	/* 2025-01-01T00:00:00Z */

struct file {
	const char *path;
	const char *data;
};

/* A small record-shaped set of files; one over 512 bytes, one empty. */
static const struct file files[] = {
	{ "INDEX", "0000  election.json\n" },
	{ "election.json", "{\"format\": \"ippyo-record\"}\n" },
	{ "ceremony/public-01.bin", "" },
	{ "decryption/trustee-01.json", NULL },	/* filled: 1300 bytes */
};
#define NFILES (sizeof(files) / sizeof(files[0]))

static char big[1301];

static const char *
file_data(size_t i, size_t *len)
{
	const char *d = files[i].data;

	if (d == NULL) {
		size_t k;

		for (k = 0; k < sizeof(big) - 1; k++)
			big[k] = (char)('a' + k % 26);
		d = big;
	}
	*len = strlen(d);
	return d;
}

/* Writes the sample archive into memory; caller frees *out. */
static void
build(uint8_t **out, size_t *len)
{
	struct archive_writer *w = NULL;
	char *mem = NULL;
	size_t ml = 0, i;
	FILE *f = open_memstream(&mem, &ml);

	ASSERT_NOT_NULL(f);
	ASSERT_OK(archive_writer_new(f, "e1-record", MTIME, &w));
	for (i = 0; i < NFILES; i++) {
		size_t l;
		const char *d = file_data(i, &l);

		ASSERT_OK(archive_add(w, files[i].path, (const uint8_t *)d, l));
	}
	ASSERT_OK(archive_finish(w));
	ASSERT_INT_EQ(fclose(f), 0);
	*out = (uint8_t *)mem;
	*len = ml;
}

/* Recomputes a header's checksum after a test edits it. */
static void
fix_sum(uint8_t *h)
{
	unsigned s = 0;
	size_t i;

	for (i = 0; i < 512; i++)
		s += (i >= 148 && i < 156) ? ' ' : h[i];
	snprintf((char *)h + 148, 8, "%06o", s);
	h[155] = ' ';
}

/* Parses p and checks the error; frees what it got. */
static int
parse_err(const uint8_t *p, size_t len)
{
	struct archive *a = NULL;
	int r = archive_parse(p, len, &a);

	archive_free(a);
	return r;
}

/* Runs argv (PATH lookup) with stdout to out_path (or /dev/null). */
static int
run(const char *const argv[], const char *out_path)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st;

	ASSERT_INT_EQ(posix_spawn_file_actions_init(&fa), 0);
	ASSERT_INT_EQ(posix_spawn_file_actions_addopen(&fa, 1,
	    out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC,
	    0600), 0);
	if (posix_spawnp(&pid, argv[0], &fa, NULL,
	    (char *const *)(uintptr_t)argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
write_file(const char *path, const uint8_t *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	ASSERT_NOT_NULL(f);
	ASSERT_INT_EQ(fwrite(p, 1, len, f), len);
	ASSERT_INT_EQ(fclose(f), 0);
}

TEST(archive_round_trip)
{
	struct archive *a = NULL;
	uint8_t *p;
	size_t len, i;

	build(&p, &len);
	ASSERT_INT_EQ(len % 512, 0);
	ASSERT_OK(archive_parse(p, len, &a));
	ASSERT_STR_EQ(a->top, "e1-record");
	ASSERT_INT_EQ(a->count, NFILES);
	for (i = 0; i < NFILES; i++) {
		size_t l;
		const char *d = file_data(i, &l);
		const struct archive_entry *e = archive_find(a, files[i].path);

		ASSERT_STR_EQ(a->entries[i].path, files[i].path);
		ASSERT_TRUE(e == &a->entries[i]);
		ASSERT_INT_EQ(e->len, l);
		ASSERT_MEM_EQ(e->data, d, l);
	}
	ASSERT_NULL(archive_find(a, "nothing"));
	archive_free(a);
	free(p);
}

TEST(archive_bytes_are_deterministic)
{
	uint8_t *p1, *p2;
	size_t l1, l2;

	build(&p1, &l1);
	build(&p2, &l2);
	ASSERT_INT_EQ(l1, l2);
	ASSERT_MEM_EQ(p1, p2, l1);
	/* The fields the record fixes. */
	ASSERT_MEM_EQ(p1 + 100, "0000644", 8);
	ASSERT_MEM_EQ(p1 + 108, "0000000", 8);
	ASSERT_MEM_EQ(p1 + 116, "0000000", 8);
	ASSERT_MEM_EQ(p1 + 136, "14735102600", 12);
	ASSERT_INT_EQ(p1[156], '0');
	ASSERT_MEM_EQ(p1 + 257, "ustar\0" "00", 8);
	ASSERT_TRUE(p1[265] == 0 && p1[297] == 0);
	free(p1);
	free(p2);
}

TEST(archive_gnu_tar_lists_and_extracts)
{
	char dir[] = "/tmp/ippyo-archive.XXXXXX", tarp[128], listp[128];
	char xdir[128], fp[256];
	uint8_t *p, *got;
	size_t len, gl, i;
	const char *const list[] = { "tar", "tf", tarp, NULL };
	const char *const extract[] = { "tar", "xf", tarp, "-C", xdir, NULL };
	const char *const rm[] = { "rm", "-rf", dir, NULL };
	char want[1024];
	size_t wl = 0;

	ASSERT_NOT_NULL(mkdtemp(dir));
	snprintf(tarp, sizeof(tarp), "%s/r.tar", dir);
	snprintf(listp, sizeof(listp), "%s/list", dir);
	snprintf(xdir, sizeof(xdir), "%s/x", dir);
	ASSERT_INT_EQ(mkdir(xdir, 0700), 0);
	build(&p, &len);
	write_file(tarp, p, len);
	ASSERT_INT_EQ(run(list, listp), 0);
	for (i = 0; i < NFILES; i++)
		wl += (size_t)snprintf(want + wl, sizeof(want) - wl,
		    "e1-record/%s\n", files[i].path);
	got = test_read_file(listp, &gl);
	ASSERT_INT_EQ(gl, wl);
	ASSERT_MEM_EQ(got, want, wl);
	free(got);
	ASSERT_INT_EQ(run(extract, NULL), 0);
	for (i = 0; i < NFILES; i++) {
		size_t l;
		const char *d = file_data(i, &l);
		struct stat st;

		snprintf(fp, sizeof(fp), "%s/e1-record/%s", xdir, files[i].path);
		got = test_read_file(fp, &gl);
		ASSERT_INT_EQ(gl, l);
		ASSERT_MEM_EQ(got, d, l);
		free(got);
		ASSERT_INT_EQ(stat(fp, &st), 0);
		ASSERT_INT_EQ(st.st_mtime, MTIME);
	}
	free(p);
	ASSERT_INT_EQ(run(rm, NULL), 0);
}

TEST(archive_reads_gnu_tar_ustar_output)
{
	char dir[] = "/tmp/ippyo-archive.XXXXXX", tarp[128], fp[256];
	struct archive *a = NULL;
	const char *const create[] = { "tar", "--format=ustar", "--owner=0",
	    "--group=0", "--numeric-owner", "--mtime=@1735689600",
	    "--no-recursion", "-C", dir, "-cf", tarp, "t/INDEX", "t/b/c.json",
	    NULL };
	const char *const rm[] = { "rm", "-rf", dir, NULL };
	uint8_t *p;
	size_t len;

	ASSERT_NOT_NULL(mkdtemp(dir));
	snprintf(tarp, sizeof(tarp), "%s/g.tar", dir);
	snprintf(fp, sizeof(fp), "%s/t", dir);
	ASSERT_INT_EQ(mkdir(fp, 0700), 0);
	snprintf(fp, sizeof(fp), "%s/t/b", dir);
	ASSERT_INT_EQ(mkdir(fp, 0700), 0);
	snprintf(fp, sizeof(fp), "%s/t/INDEX", dir);
	write_file(fp, (const uint8_t *)"x\n", 2);
	snprintf(fp, sizeof(fp), "%s/t/b/c.json", dir);
	write_file(fp, (const uint8_t *)"{}", 2);
	ASSERT_INT_EQ(run(create, NULL), 0);
	p = test_read_file(tarp, &len);
	ASSERT_OK(archive_parse(p, len, &a));
	ASSERT_STR_EQ(a->top, "t");
	ASSERT_INT_EQ(a->count, 2);
	ASSERT_STR_EQ(a->entries[1].path, "b/c.json");
	ASSERT_MEM_EQ(a->entries[1].data, "{}", 2);
	archive_free(a);
	free(p);
	ASSERT_INT_EQ(run(rm, NULL), 0);
}

TEST(archive_long_path_uses_prefix)
{
	char path[200];
	struct archive_writer *w = NULL;
	struct archive *a = NULL;
	char *mem = NULL;
	size_t ml = 0;
	FILE *f = open_memstream(&mem, &ml);

	/* 60 + '/' + 60 + '/' + 70: over 100, so split into the prefix. */
	memset(path, 'a', 60);
	path[60] = '/';
	memset(path + 61, 'b', 60);
	path[121] = '/';
	memset(path + 122, 'c', 70);
	path[192] = '\0';
	ASSERT_OK(archive_writer_new(f, "top", 0, &w));
	ASSERT_OK(archive_add(w, path, (const uint8_t *)"z", 1));
	ASSERT_OK(archive_finish(w));
	ASSERT_INT_EQ(fclose(f), 0);
	ASSERT_TRUE(mem[345] == 't');		/* prefix field used */
	ASSERT_OK(archive_parse((uint8_t *)mem, ml, &a));
	ASSERT_STR_EQ(a->entries[0].path, path);
	archive_free(a);
	free(mem);
}

TEST(archive_writer_refusals)
{
	struct archive_writer *w = NULL;
	char *mem = NULL, longp[300];
	size_t ml = 0;
	FILE *f = open_memstream(&mem, &ml);

	ASSERT_ERR(archive_writer_new(f, "a/b", 0, &w), ERR_INVALID_ARG);
	ASSERT_ERR(archive_writer_new(f, "..", 0, &w), ERR_INVALID_ARG);
	ASSERT_ERR(archive_writer_new(f, "Top", 0, &w), ERR_INVALID_ARG);
	ASSERT_ERR(archive_writer_new(f, "", 0, &w), ERR_INVALID_ARG);
	ASSERT_ERR(archive_writer_new(f, "t", -1, &w), ERR_RANGE);
	ASSERT_NULL(w);
	ASSERT_OK(archive_writer_new(f, "t", 0, &w));
	ASSERT_ERR(archive_add(w, "../x", (const uint8_t *)"", 0),
	    ERR_INVALID_ARG);
	archive_writer_free(w);
	w = NULL;
	ASSERT_OK(archive_writer_new(f, "t", 0, &w));
	ASSERT_ERR(archive_add(w, "/abs", (const uint8_t *)"", 0),
	    ERR_INVALID_ARG);
	archive_writer_free(w);
	w = NULL;
	ASSERT_OK(archive_writer_new(f, "t", 0, &w));
	ASSERT_OK(archive_add(w, "a", (const uint8_t *)"1", 1));
	ASSERT_ERR(archive_add(w, "a", (const uint8_t *)"2", 1), ERR_DUPLICATE);
	/* The first error sticks. */
	ASSERT_ERR(archive_add(w, "b", (const uint8_t *)"2", 1), ERR_DUPLICATE);
	ASSERT_ERR(archive_finish(w), ERR_DUPLICATE);
	w = NULL;
	ASSERT_OK(archive_writer_new(f, "t", 0, &w));
	memset(longp, 'a', 256);
	longp[256] = '\0';
	ASSERT_ERR(archive_add(w, longp, (const uint8_t *)"", 0),
	    ERR_INVALID_ARG);
	archive_writer_free(w);
	w = NULL;
	/* Fits the alphabet's 255 but not top + '/' + path. */
	ASSERT_OK(archive_writer_new(f, "t", 0, &w));
	memset(longp, 'a', 200);
	longp[100] = '/';
	longp[200] = '\0';
	ASSERT_OK(archive_add(w, longp, (const uint8_t *)"", 0));
	memset(longp, 'b', 254);
	longp[150] = '/';
	longp[254] = '\0';
	ASSERT_ERR(archive_add(w, longp, (const uint8_t *)"", 0),
	    ERR_TOO_LARGE);
	archive_writer_free(w);
	w = NULL;
	/* No '/' that leaves a name of at most 100 bytes. */
	ASSERT_OK(archive_writer_new(f, "t", 0, &w));
	memset(longp, 'c', 150);
	longp[150] = '\0';
	ASSERT_ERR(archive_add(w, longp, (const uint8_t *)"", 0),
	    ERR_TOO_LARGE);
	archive_writer_free(w);
	fclose(f);
	free(mem);
}

TEST(archive_add_file_streams_from_disk)
{
	char dir[] = "/tmp/ippyo-archive.XXXXXX", fp[128], lnk[128];
	struct archive_writer *w = NULL;
	struct archive *a = NULL;
	uint8_t *data;
	char *mem = NULL;
	size_t ml = 0, i, n = 3 * 1024 * 1024 + 7;
	FILE *f;

	ASSERT_NOT_NULL(mkdtemp(dir));
	snprintf(fp, sizeof(fp), "%s/data", dir);
	snprintf(lnk, sizeof(lnk), "%s/link", dir);
	ASSERT_NOT_NULL(data = malloc(n));
	for (i = 0; i < n; i++)
		data[i] = (uint8_t)(i * 7 + (i >> 9));
	write_file(fp, data, n);
	ASSERT_INT_EQ(symlink(fp, lnk), 0);
	f = open_memstream(&mem, &ml);
	ASSERT_OK(archive_writer_new(f, "t", MTIME, &w));
	ASSERT_OK(archive_add_file(w, "ballots.bin", fp));
	ASSERT_OK(archive_finish(w));
	ASSERT_INT_EQ(fclose(f), 0);
	ASSERT_OK(archive_parse((uint8_t *)mem, ml, &a));
	ASSERT_INT_EQ(a->entries[0].len, n);
	ASSERT_MEM_EQ(a->entries[0].data, data, n);
	archive_free(a);
	free(mem);
	mem = NULL;
	/* Missing files and symbolic links are refused. */
	f = open_memstream(&mem, &ml);
	ASSERT_OK(archive_writer_new(f, "t", MTIME, &w));
	ASSERT_ERR(archive_add_file(w, "x", lnk), ERR_IO);
	archive_writer_free(w);
	ASSERT_OK(archive_writer_new(f, "t", MTIME, &w));
	ASSERT_ERR(archive_add_file(w, "x", "/nonexistent/ippyo"),
	    ERR_NOT_FOUND);
	archive_writer_free(w);
	fclose(f);
	free(mem);
	unlink(lnk);
	unlink(fp);
	rmdir(dir);
	free(data);
}

TEST(archive_path_alphabet)
{
	ASSERT_TRUE(archive_path_ok("INDEX"));		/* the two fixed names */
	ASSERT_TRUE(archive_path_ok("INDEX.sig"));
	ASSERT_FALSE(archive_path_ok("Index"));		/* other upper case */
	ASSERT_FALSE(archive_path_ok("a/INDEX"));
	ASSERT_FALSE(archive_path_ok("INDEX.sig2"));
	ASSERT_TRUE(archive_path_ok("index"));
	ASSERT_TRUE(archive_path_ok("ceremony/public-01.bin"));
	ASSERT_TRUE(archive_path_ok("a_b.c-d"));
	ASSERT_FALSE(archive_path_ok(""));
	ASSERT_FALSE(archive_path_ok("/a"));
	ASSERT_FALSE(archive_path_ok("a/"));
	ASSERT_FALSE(archive_path_ok("a//b"));
	ASSERT_FALSE(archive_path_ok("./a"));
	ASSERT_FALSE(archive_path_ok("a/../b"));
	ASSERT_FALSE(archive_path_ok(".."));
	ASSERT_FALSE(archive_path_ok("a b"));
	ASSERT_FALSE(archive_path_ok("a\\b"));
	ASSERT_FALSE(archive_path_ok("\xc3\xa9"));
	ASSERT_TRUE(archive_path_ok("..a"));		/* only exact ".." */
	ASSERT_TRUE(archive_path_ok(".a"));
}

/* ---- refusals ---- */

/*
 * The sample's layout: INDEX header at 0 (data 512), election.json at
 * 1024 (data 1536), ceremony/public-01.bin at 2048 (empty), the big file
 * at 2560 (data 3072..4608), end blocks 4608..5632.
 */
#define H1 1024
#define H3 2560
#define END 4608

static void
set_name(uint8_t *h, const char *name)
{
	memset(h, 0, 100);
	memcpy(h, name, strlen(name));
	fix_sum(h);
}

/* A copy of the sample with header h's byte [off] set to v (re-summed). */
static int
edited_err(size_t h, size_t off, const void *v, size_t n)
{
	uint8_t *p;
	size_t len;
	int r;

	build(&p, &len);
	memcpy(p + h + off, v, n);
	fix_sum(p + h);
	r = parse_err(p, len);
	free(p);
	return r;
}

static int
renamed_err(const char *name)
{
	uint8_t *p;
	size_t len;
	int r;

	build(&p, &len);
	set_name(p + H1, name);
	r = parse_err(p, len);
	free(p);
	return r;
}

TEST(archive_refuses_bad_checksum)
{
	uint8_t *p;
	size_t len;

	build(&p, &len);
	p[H1 + 10] ^= 1;		/* a name byte, sum not fixed */
	ASSERT_ERR(parse_err(p, len), ERR_FORMAT);
	p[H1 + 10] ^= 1;
	ASSERT_OK(parse_err(p, len));
	p[H1 + 148] = p[H1 + 148] == '0' ? '1' : '0';	/* the sum itself */
	ASSERT_ERR(parse_err(p, len), ERR_FORMAT);
	p[H1 + 148] = 'x';
	ASSERT_ERR(parse_err(p, len), ERR_FORMAT);
	free(p);
}

TEST(archive_refuses_bad_magic)
{
	ASSERT_ERR(edited_err(H1, 257, "ustar ", 6), ERR_FORMAT);
	ASSERT_ERR(edited_err(H1, 257, "ustar  \0", 8), ERR_FORMAT); /* old GNU */
	ASSERT_ERR(edited_err(H1, 263, "01", 2), ERR_FORMAT);
	ASSERT_ERR(edited_err(H1, 257, "\0\0\0\0\0\0\0\0", 8), ERR_FORMAT);
}

TEST(archive_refuses_other_typeflags)
{
	static const char types[] = "1234567xgLKSAV";
	size_t i;

	for (i = 0; types[i] != '\0'; i++)
		ASSERT_ERR(edited_err(H1, 156, &types[i], 1), ERR_UNSUPPORTED);
	ASSERT_OK(edited_err(H1, 156, "\0", 1));	/* old regular file */
	ASSERT_ERR(edited_err(H1, 157, "x", 1), ERR_FORMAT);	/* linkname */
}

TEST(archive_refuses_malformed_fields)
{
	ASSERT_ERR(edited_err(H1, 124, "0000000003x", 11), ERR_FORMAT);
	ASSERT_ERR(edited_err(H1, 124, "\x80", 1), ERR_FORMAT);	/* base-256 */
	ASSERT_ERR(edited_err(H1, 124, "000000000033", 12), ERR_FORMAT);
	ASSERT_ERR(edited_err(H1, 124, "\0", 1), ERR_FORMAT);	/* no digit */
	ASSERT_ERR(edited_err(H1, 100, "9", 1), ERR_FORMAT);	/* mode */
	ASSERT_ERR(edited_err(H1, 136, " ", 1), ERR_FORMAT);	/* mtime */
	ASSERT_ERR(edited_err(H1, 270, "x", 1), ERR_FORMAT);	/* uname tail */
	ASSERT_ERR(edited_err(H1, 505, "x", 1), ERR_FORMAT);	/* pad */
	ASSERT_ERR(edited_err(H1, 80, "x", 1), ERR_FORMAT);	/* after NUL */
	ASSERT_OK(edited_err(H1, 265, "root", 4));		/* an owner */
	ASSERT_OK(edited_err(H1, 329, "\0\0\0\0\0\0\0\0", 8));	/* no dev */
	/* Nonzero padding after a file's data. */
	{
		uint8_t *p;
		size_t len;

		build(&p, &len);
		p[H1 + 512 + 500] = 1;
		ASSERT_ERR(parse_err(p, len), ERR_FORMAT);
		free(p);
	}
}

TEST(archive_refuses_bad_names)
{
	ASSERT_ERR(renamed_err("e1-record/../x"), ERR_FORMAT);
	ASSERT_ERR(renamed_err("e1-record/./x"), ERR_FORMAT);
	ASSERT_ERR(renamed_err("e1-record/a//b"), ERR_FORMAT);
	ASSERT_ERR(renamed_err("e1-record/"), ERR_FORMAT);
	ASSERT_ERR(renamed_err("/e1-record/x"), ERR_FORMAT);
	ASSERT_ERR(renamed_err("e1-record/Election.json"), ERR_FORMAT);
	ASSERT_ERR(renamed_err("e1-record/a b"), ERR_FORMAT);
	ASSERT_ERR(renamed_err("e1-record/a\\b"), ERR_FORMAT);
	ASSERT_ERR(renamed_err("e1-record/\xc3\xa9"), ERR_FORMAT);
	ASSERT_ERR(renamed_err("e1-record/sub/INDEX"), ERR_FORMAT);
	ASSERT_ERR(renamed_err("e1-record"), ERR_FORMAT);	/* no top */
	ASSERT_ERR(renamed_err("other/x"), ERR_FORMAT);	/* two tops */
	ASSERT_ERR(renamed_err(".."), ERR_FORMAT);
	ASSERT_OK(renamed_err("e1-record/z.json"));
	/* Names twice. */
	ASSERT_ERR(renamed_err("e1-record/INDEX"), ERR_DUPLICATE);
	ASSERT_ERR(renamed_err("e1-record/ceremony/public-01.bin"),
	    ERR_DUPLICATE);
	/* The prefix field joins with a '/'. */
	{
		uint8_t *p;
		size_t len;

		build(&p, &len);
		memcpy(p + H1 + 345, "e1-record", 9);
		set_name(p + H1, "x/y");
		ASSERT_OK(parse_err(p, len));
		memcpy(p + H1 + 345, "e1-recorD", 9);
		fix_sum(p + H1);
		ASSERT_ERR(parse_err(p, len), ERR_FORMAT);
		free(p);
	}
}

TEST(archive_refuses_truncation_and_trailing_data)
{
	uint8_t *p, *q;
	size_t len;
	struct archive *a = NULL;

	build(&p, &len);
	ASSERT_INT_EQ(len, END + 1024);
	ASSERT_ERR(parse_err(p, 0), ERR_TRUNCATED);
	ASSERT_ERR(parse_err(p, 100), ERR_TRUNCATED);
	ASSERT_ERR(parse_err(p, 3500), ERR_TRUNCATED);	/* inside data */
	ASSERT_ERR(parse_err(p, END), ERR_TRUNCATED);	/* no end blocks */
	ASSERT_ERR(parse_err(p, END + 512), ERR_TRUNCATED);
	ASSERT_ERR(parse_err(p, END + 1000), ERR_TRUNCATED);
	ASSERT_NOT_NULL(q = calloc(1, len + 10240));
	memcpy(q, p, len);
	/* Zero padding after the end blocks, blocked or not, is fine. */
	ASSERT_OK(parse_err(q, 10240));
	ASSERT_OK(parse_err(q, len + 100));
	q[len + 700] = 1;
	ASSERT_ERR(parse_err(q, len + 701), ERR_TRAILING_DATA);
	ASSERT_ERR(parse_err(q, len + 10240), ERR_TRAILING_DATA);
	/* Data claimed beyond the end. */
	memcpy(q + H3 + 124, "00000077777", 11);
	fix_sum(q + H3);
	ASSERT_ERR(parse_err(q, len), ERR_TRUNCATED);
	/* One zero block, then more entries. */
	memset(q, 0, len + 10240);
	memcpy(q, p, H1);
	memcpy(q + H1 + 512, p + H1, len - H1);
	ASSERT_ERR(parse_err(q, len + 512), ERR_FORMAT);
	/* Nothing but the end blocks. */
	memset(q, 0, 1024);
	ASSERT_ERR(parse_err(q, 1024), ERR_FORMAT);
	ASSERT_NULL(a);
	free(q);
	free(p);
}

TEST(archive_refuses_oversize)
{
	char dir[] = "/tmp/ippyo-archive.XXXXXX", tarp[128];
	struct archive *a = NULL;
	uint8_t *p;
	size_t len;

	/* 4 GiB + 1 in the size field. */
	ASSERT_ERR(edited_err(H3, 124, "40000000001", 11), ERR_TOO_LARGE);
	ASSERT_ERR(edited_err(H3, 124, "40000000000", 11), ERR_TRUNCATED);
	ASSERT_NOT_NULL(mkdtemp(dir));
	snprintf(tarp, sizeof(tarp), "%s/r.tar", dir);
	build(&p, &len);
	write_file(tarp, p, len);
	ASSERT_ERR(archive_read(tarp, len - 1, &a), ERR_TOO_LARGE);
	ASSERT_NULL(a);
	ASSERT_OK(archive_read(tarp, len, &a));
	ASSERT_INT_EQ(a->count, NFILES);
	archive_free(a);
	ASSERT_ERR(archive_read("/nonexistent/ippyo.tar", len, &a),
	    ERR_NOT_FOUND);
	unlink(tarp);
	rmdir(dir);
	free(p);
}

/* ---- mutation sweep ---- */

struct sweep {
	const uint8_t *orig;		/* the whole archive */
	size_t len;
	size_t at;			/* where the mutated header goes */
	struct archive *ref;		/* the original's parse */
	size_t inconsistent;		/* accepted with another meaning */
};

/* Rebuilds the archive around the mutated header and parses it. */
static int
sweep_one(const uint8_t *h, size_t hl, void *ctx)
{
	struct sweep *s = ctx;
	struct archive *a = NULL;
	size_t n = s->len - 512 + hl, i;
	uint8_t *q = malloc(n + 1);
	int r;

	if (q == NULL)
		return ERR_NOMEM;
	memcpy(q, s->orig, s->at);
	memcpy(q + s->at, h, hl);
	memcpy(q + s->at + hl, s->orig + s->at + 512, s->len - s->at - 512);
	r = archive_parse(q, n, &a);
	if (r == 0) {
		int same = a->count == s->ref->count &&
		    strcmp(a->top, s->ref->top) == 0;

		for (i = 0; same && i < a->count; i++)
			same = strcmp(a->entries[i].path,
			    s->ref->entries[i].path) == 0 &&
			    a->entries[i].len == s->ref->entries[i].len &&
			    memcmp(a->entries[i].data, s->ref->entries[i].data,
			    a->entries[i].len) == 0;
		if (!same)
			s->inconsistent++;
	}
	archive_free(a);
	free(q);
	return r;
}

static int
parse_accept(const uint8_t *p, size_t len, void *ctx)
{
	(void)ctx;
	return parse_err(p, len);
}

TEST(archive_header_mutation_sweep)
{
	struct mutate_report rep;
	struct sweep s;
	uint8_t *p;
	size_t len, k;
	static const size_t at[] = { 0, H1, H3 };

	build(&p, &len);
	memset(&s, 0, sizeof(s));
	s.orig = p;
	s.len = len;
	ASSERT_OK(archive_parse(p, len, &s.ref));
	for (k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
		s.at = at[k];
		s.inconsistent = 0;
		mutate_sweep(p + at[k], 512, MUTATE_ALL, sweep_one, &s, &rep);
		ASSERT_INT_EQ(rep.tried, 512 * 8 + 512 + 2);
		ASSERT_INT_EQ(s.inconsistent, 0);
		/*
		 * Only the checksum field's two terminators may change (NUL
		 * to space and space to NUL): same sum, same archive.
		 */
		ASSERT_INT_EQ(rep.accepted, 2);
	}
	archive_free(s.ref);
	/* Every truncation of the whole archive is refused. */
	ASSERT_MUTANTS_REJECTED(p, len, MUTATE_TRUNCATE, parse_accept, NULL);
	free(p);
}
