/*
 * lint.c - the project's source rules, checked mechanically.
 *
 *	lint --tree ROOT	check every .c/.h under the module folders
 *	lint [--as MODULE] FILE...
 *
 * Rules (docs/STYLE.md):
 *  1. banned functions: sprintf vsprintf strcpy strcat strncpy strncat
 *     strtok gets atoi atol atoll sscanf rand random srand system popen
 *     alloca; in crypto/ also memcmp (use the constant-time compare);
 *  2. layers: a file in module M includes "X/..." only when X is M or a
 *     layer below it (core < crypto < db < audit < registry < ballot <
 *     tally < gate < web); tests/ may include anything;
 *  3. rooms: each third-party header is included by its own module only.
 *
 * Each finding prints "FILE:LINE: message"; exit 1 if any, 0 if none,
 * 2 on usage or I/O errors.  Comments and string literals are ignored.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const layers[] = {
	"core", "crypto", "db", "audit", "registry", "ballot", "tally",
	"gate", "web", NULL
};

static const char *const banned[] = {
	"sprintf", "vsprintf", "strcpy", "strcat", "strncpy", "strncat",
	"strtok", "gets", "atoi", "atol", "atoll", "sscanf", "rand",
	"random", "srand", "system", "popen", "alloca", NULL
};

struct room {
	const char *prefix;	/* header path prefix inside <...> */
	const char *module;	/* a module that may include it; a header
				   listed twice has two rooms */
};

static const struct room rooms[] = {
	{ "openssl/", "crypto" },
	{ "sodium.h", "crypto" },
	{ "sodium/", "crypto" },
	{ "gcrypt.h", "audit" },
	{ "libpq-fe.h", "db" },
	{ "libpq/", "db" },
	{ "jansson.h", "web" },
	{ "jansson.h", "audit" },		/* the election record's JSON */
	{ "jansson.h", "tally" },
	{ "microhttpd.h", "web" },
	{ "winscard.h", "registry" },
	{ "PCSC/", "registry" },
	{ "wintypes.h", "registry" },
	{ NULL, NULL }
};

static int findings;

static int
layer_rank(const char *m, size_t n)
{
	int i;

	for (i = 0; layers[i] != NULL; i++)
		if (strlen(layers[i]) == n && strncmp(layers[i], m, n) == 0)
			return i;
	return -1;
}

/* Prints "FILE:LINE: " and the concatenation of up to four parts. */
static void
report(const char *file, int line, const char *a, const char *b,
    const char *c, const char *d)
{
	printf("%s:%d: %s%s%s%s\n", file, line, a, b ? b : "", c ? c : "",
	    d ? d : "");
	findings++;
}

/*
 * Replaces comments and the insides of string and character literals by
 * spaces, keeping newlines, so that line numbers stay right.  Include
 * lines are checked on the original text.
 */
static void
strip(char *s)
{
	enum { CODE, LCOMMENT, BCOMMENT, STR, CHR } st = CODE;
	char *p;

	for (p = s; *p != '\0'; p++) {
		switch (st) {
		case CODE:
			if (p[0] == '/' && p[1] == '/') {
				st = LCOMMENT;
				*p = ' ';
			} else if (p[0] == '/' && p[1] == '*') {
				st = BCOMMENT;
				*p++ = ' ';
				*p = ' ';
			} else if (*p == '"')
				st = STR;
			else if (*p == '\'')
				st = CHR;
			break;
		case LCOMMENT:
			if (*p == '\n')
				st = CODE;
			else
				*p = ' ';
			break;
		case BCOMMENT:
			if (p[0] == '*' && p[1] == '/') {
				*p++ = ' ';
				*p = ' ';
				st = CODE;
			} else if (*p != '\n')
				*p = ' ';
			break;
		case STR:
		case CHR:
			if (*p == '\\' && p[1] != '\0') {
				*p++ = ' ';
				if (*p != '\n')
					*p = ' ';
			} else if ((st == STR && *p == '"') ||
			    (st == CHR && *p == '\'')) {
				st = CODE;
			} else if (*p != '\n')
				*p = ' ';
			break;
		}
	}
}

static int
is_ident(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

static void
check_banned(const char *file, const char *mod, const char *code)
{
	const char *p = code;
	int line = 1;

	while (*p != '\0') {
		const char *q;
		size_t n;
		int i;

		if (*p == '\n') {
			line++;
			p++;
			continue;
		}
		if (!is_ident((unsigned char)*p) || (p > code &&
		    is_ident((unsigned char)p[-1]))) {
			p++;
			continue;
		}
		for (q = p; is_ident((unsigned char)*q); q++)
			;
		n = (size_t)(q - p);
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '(') {
			char name[64];

			if (n < sizeof(name)) {
				memcpy(name, p, n);
				name[n] = '\0';
				for (i = 0; banned[i] != NULL; i++)
					if (strcmp(name, banned[i]) == 0)
						report(file, line,
						    "banned function ", name,
						    "()", NULL);
				if (mod != NULL && strcmp(mod, "crypto") == 0 &&
				    strcmp(name, "memcmp") == 0)
					report(file, line, "memcmp() in ",
					    mod, "/: use the constant-time "
					    "compare", NULL);
			}
		}
		p += n;
	}
}

static void
check_includes(const char *file, const char *mod, const char *text)
{
	const char *p = text;
	int line = 1;
	int mrank = mod != NULL ? layer_rank(mod, strlen(mod)) : -1;

	while (*p != '\0') {
		const char *eol = strchr(p, '\n'), *q = p;
		char hdr[256];
		size_t n;
		int i;

		if (eol == NULL)
			eol = p + strlen(p);
		while (q < eol && (*q == ' ' || *q == '\t'))
			q++;
		if (q < eol && *q == '#') {
			q++;
			while (q < eol && (*q == ' ' || *q == '\t'))
				q++;
			if ((size_t)(eol - q) > 7 && strncmp(q, "include", 7) == 0) {
				const char *a, *z;
				char close;

				q += 7;
				while (q < eol && (*q == ' ' || *q == '\t'))
					q++;
				close = *q == '"' ? '"' : *q == '<' ? '>' : 0;
				a = q + 1;
				z = close ? memchr(a, close, (size_t)(eol - a)) : NULL;
				if (z != NULL && (n = (size_t)(z - a)) < sizeof(hdr)) {
					memcpy(hdr, a, n);
					hdr[n] = '\0';
					if (close == '"' && mod != NULL && mrank >= 0) {
						const char *slash = strchr(hdr, '/');
						int hr = slash ? layer_rank(hdr,
						    (size_t)(slash - hdr)) : -1;

						if (slash == NULL || strstr(hdr, "..") != NULL)
							report(file, line, "include \"", hdr,
							    "\" must name its module folder", NULL);
						else if (hr > mrank)
							report(file, line, "upward include \"", hdr,
							    "\" from layer ", mod);
						else if (hr < 0 && strncmp(hdr, "tests/", 6) == 0)
							report(file, line, "library includes test "
							    "header \"", hdr, "\"", NULL);
					}
					if (close == '>' && mod != NULL && mrank >= 0) {
						const char *owner = NULL;
						int allowed = 0;

						for (i = 0; rooms[i].prefix != NULL; i++) {
							size_t pl = strlen(rooms[i].prefix);

							if (strncmp(hdr, rooms[i].prefix, pl) != 0)
								continue;
							if (owner == NULL)
								owner = rooms[i].module;
							if (strcmp(mod, rooms[i].module) == 0)
								allowed = 1;
						}
						if (owner != NULL && !allowed)
							report(file, line, "<", hdr,
							    "> belongs to ", owner);
					}
				}
			}
		}
		if (*eol == '\0')
			break;
		p = eol + 1;
		line++;
	}
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			char *nb;

			cap = cap ? cap * 2 : 65536;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static int
check_file(const char *path, const char *mod)
{
	char *text, *code;

	if ((text = slurp(path)) == NULL) {
		fprintf(stderr, "lint: cannot read %s\n", path);
		return -1;
	}
	check_includes(path, mod, text);
	if ((code = strdup(text)) == NULL) {
		free(text);
		return -1;
	}
	strip(code);
	check_banned(path, mod, code);
	free(code);
	free(text);
	return 0;
}

static int
ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

static int
walk(const char *dir, const char *mod)
{
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;

		if (de->d_name[0] == '.' ||
		    strcmp(de->d_name, "node_modules") == 0 ||
		    strcmp(de->d_name, "fixtures") == 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) >= sizeof(path))
			continue;
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			rc |= walk(path, mod);
		else if (S_ISREG(st.st_mode) && (ends_with(path, ".c") ||
		    ends_with(path, ".h")))
			rc |= check_file(path, mod) != 0;
	}
	closedir(d);
	return rc;
}

/* The module of a path: its first component when that is a layer. */
static const char *
module_of(const char *path)
{
	static char m[32];
	const char *s;
	size_t n;

	while (path[0] == '.' && path[1] == '/')
		path += 2;
	if ((s = strchr(path, '/')) == NULL || (n = (size_t)(s - path)) >= sizeof(m))
		return NULL;
	memcpy(m, path, n);
	m[n] = '\0';
	return layer_rank(m, n) >= 0 ? m : NULL;
}

int
main(int argc, char **argv)
{
	const char *as = NULL;
	int i, rc = 0;

	if (argc == 3 && strcmp(argv[1], "--tree") == 0) {
		char path[4096];

		for (i = 0; layers[i] != NULL; i++) {
			snprintf(path, sizeof(path), "%s/%s", argv[2], layers[i]);
			rc |= walk(path, layers[i]);
		}
		snprintf(path, sizeof(path), "%s/tests", argv[2]);
		rc |= walk(path, "tests");
	} else if (argc >= 2) {
		for (i = 1; i < argc; i++) {
			if (strcmp(argv[i], "--as") == 0 && i + 1 < argc) {
				as = argv[++i];
				continue;
			}
			rc |= check_file(argv[i], as ? as : module_of(argv[i])) != 0;
		}
	} else {
		fprintf(stderr, "usage: lint --tree ROOT | lint [--as MODULE] FILE...\n");
		return 2;
	}
	if (rc != 0)
		return 2;
	return findings > 0 ? 1 : 0;
}
