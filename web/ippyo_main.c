/*
 * ippyo_main.c - `ippyo`, the committee's command-line tool.
 *
 * One program with subcommands, each implemented in the module that owns
 * it (`migrate` in db/, `registry`, `roll` and `card` in registry/,
 * `audit` in audit/, `ceremony` in tally/, `election` in web/ because reading the manifest's
 * JSON needs web/'s JSON room).  It sits in the top layer because it
 * drives every layer below it.
 */
#include <stdio.h>
#include <string.h>

#include "audit/audit_cmd.h"
#include "core/err.h"
#include "db/migrate.h"
#include "registry/card_cmd.h"
#include "registry/roll.h"
#include "tally/ceremony_cmd.h"
#include "tally/tally_cmd.h"
#include "web/election_cmd.h"
#include "web/vote_cmd.h"

struct command {
	const char *name;			/* argv[1] */
	int (*main)(int argc, char **argv);	/* gets argv from the name on */
	const char *help;			/* one line */
};

static const struct command commands[] = {
	{ "migrate", migrate_main, "apply or show database schema migrations" },
	{ "registry", registry_main, "import the resident register extract" },
	{ "roll", roll_main, "freeze or verify an election's electoral roll" },
	{ "election", election_main, "create, freeze, key, open, close, inspect elections" },
	{ "ceremony", ceremony_main, "the trustee key ceremony: start, post, fetch, status, finish" },
	{ "vote", vote_main, "the reference voter client: encrypt, sign with the card, cast" },
	{ "card", card_main, "bind cards to residents; revocation sweep" },
	{ "audit", audit_main, "verify the audit chain and its checkpoints; check a Benaloh challenge file" },
	{ "tally", tally_main, "count a closed election; the election record" },
	{ "key", key_main, "make or show a sealed Ed25519 key (committee, receipts)" },
	{ NULL, NULL, NULL }
};

static void
usage(FILE *f)
{
	int i;

	fprintf(f, "usage: ippyo COMMAND [ARGS...]\n\ncommands:\n");
	for (i = 0; commands[i].name != NULL; i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n`ippyo COMMAND --help` describes one command.\n");
}

int
main(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (i = 0; commands[i].name != NULL; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "ippyo: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
