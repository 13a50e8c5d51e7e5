/*
 * election_json.c - manifest JSON to struct manifest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ballot/election.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/misuse.h"
#include "web/election_json.h"
#include "web/json.h"

static const char *const top_keys[] = {
	"version", "id", "name", "municipality", "election_day",
	"reference_date", "opens", "closes", "contests", NULL
};
static const char *const name_keys[] = { "ja", "en", NULL };
static const char *const contest_keys[] = {
	"id", "title", "min", "max", "options", NULL
};
static const char *const option_keys[] = { "id", "label", NULL };

static int
copy_string(struct json_doc *d, const struct json_node *obj, const char *key,
    char *out, size_t max)
{
	const char *s;
	size_t n;
	int r;

	if ((r = json_get_string(d, obj, key, max, &s, &n)) != 0)
		return r;
	memcpy(out, s, n + 1);
	return 0;
}

/* {"ja": ..., "en": ...} into two fields. */
static int
copy_names(struct json_doc *d, const struct json_node *obj, const char *key,
    char *ja, char *en)
{
	const struct json_node *n;
	int r;

	if ((r = json_get_object(d, obj, key, name_keys, &n)) != 0 ||
	    (r = copy_string(d, n, "ja", ja, LIMIT_NAME_LEN_MAX)) != 0 ||
	    (r = copy_string(d, n, "en", en, LIMIT_NAME_LEN_MAX)) != 0)
		return r;
	return 0;
}

static int
get_date(struct json_doc *d, const struct json_node *obj, const char *key,
    int32_t *out)
{
	const char *s;
	size_t n;
	int r;

	if ((r = json_get_string(d, obj, key, 10, &s, &n)) != 0)
		return r;
	return clock_parse_date(s, n, out);
}

static int
get_time(struct json_doc *d, const struct json_node *obj, const char *key,
    int64_t *out)
{
	const char *s;
	size_t n;
	int r;

	if ((r = json_get_string(d, obj, key, CLOCK_TEXT_LEN, &s, &n)) != 0)
		return r;
	return clock_parse_us(s, n, out);
}

int
election_manifest_from_json(const char *text, size_t len,
    struct manifest **out, char *where, size_t wherelen)
{
	const struct json_node *root, *contests, *c, *opts, *o;
	uint32_t nopt[LIMIT_CONTESTS_MAX];
	struct manifest *m = NULL;
	struct json_doc *d = NULL;
	const char *errwhat = NULL, *s;
	size_t nc, no, i, j;
	int64_t v;
	int r;

	REQUIRE(text != NULL && out != NULL);
	*out = NULL;
	if (where != NULL && wherelen > 0)
		where[0] = '\0';
	if ((r = json_parse(text, len, LIMIT_MANIFEST_MAX, &d,
	    &errwhat)) != 0) {
		if (where != NULL)
			snprintf(where, wherelen, "%s", errwhat ? errwhat : "");
		return r;
	}
	root = json_root(d);
	if ((r = json_expect_object(d, root, top_keys)) != 0 ||
	    (r = json_get_int(d, root, "version", 1, 1, &v)) != 0 ||
	    (r = json_get_array(d, root, "contests", LIMIT_CONTESTS_MAX,
	    &contests, &nc)) != 0)
		goto out;
	if (nc == 0) {
		r = ERR_RANGE;
		goto out;
	}
	for (i = 0; i < nc; i++) {
		if ((r = json_item(d, contests, i, &c)) != 0 ||
		    (r = json_expect_object(d, c, contest_keys)) != 0 ||
		    (r = json_get_array(d, c, "options", LIMIT_OPTIONS_MAX,
		    &opts, &no)) != 0)
			goto out;
		if (no == 0) {
			r = ERR_RANGE;
			goto out;
		}
		nopt[i] = (uint32_t)no;
	}
	if ((m = manifest_new((uint32_t)nc, nopt)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = copy_string(d, root, "id", m->id, LIMIT_ID_LEN_MAX)) != 0 ||
	    (r = copy_names(d, root, "name", m->name_ja, m->name_en)) != 0 ||
	    (r = json_get_string(d, root, "municipality", 6, &s, NULL)) != 0)
		goto out;
	memcpy(m->municipality, s, strlen(s) + 1);
	if ((r = get_date(d, root, "election_day", &m->election_day)) != 0 ||
	    (r = get_date(d, root, "reference_date", &m->reference_date)) != 0 ||
	    (r = get_time(d, root, "opens", &m->opens_us)) != 0 ||
	    (r = get_time(d, root, "closes", &m->closes_us)) != 0)
		goto out;
	for (i = 0; i < nc; i++) {
		struct manifest_contest *mc = &m->contests[i];

		if ((r = json_item(d, contests, i, &c)) != 0 ||
		    (r = copy_string(d, c, "id", mc->id, LIMIT_ID_LEN_MAX)) != 0 ||
		    (r = copy_names(d, c, "title", mc->title_ja,
		    mc->title_en)) != 0 ||
		    (r = json_get_int(d, c, "min", 0, LIMIT_OPTIONS_MAX, &v)) != 0)
			goto out;
		mc->min = (uint32_t)v;
		if ((r = json_get_int(d, c, "max", 0, LIMIT_OPTIONS_MAX, &v)) != 0 ||
		    (r = json_get_array(d, c, "options", LIMIT_OPTIONS_MAX, &opts,
		    &no)) != 0)
			goto out;
		mc->max = (uint32_t)v;
		for (j = 0; j < no; j++) {
			struct manifest_option *mo = &mc->options[j];

			if ((r = json_item(d, opts, j, &o)) != 0 ||
			    (r = json_expect_object(d, o, option_keys)) != 0 ||
			    (r = copy_string(d, o, "id", mo->id,
			    LIMIT_ID_LEN_MAX)) != 0 ||
			    (r = copy_names(d, o, "label", mo->label_ja,
			    mo->label_en)) != 0)
				goto out;
		}
	}
	if ((r = manifest_check(m)) != 0) {
		if (where != NULL)
			snprintf(where, wherelen, "manifest rules "
			    "(docs/PROTOCOL-ballot.md)");
		goto out;
	}
	*out = m;
	m = NULL;
	r = 0;
 out:
	if (r != 0 && where != NULL && where[0] == '\0')
		snprintf(where, wherelen, "%s: %s", json_doc_error_path(d),
		    json_doc_error_what(d));
	manifest_free(m);
	json_doc_free(d);
	return r;
}
