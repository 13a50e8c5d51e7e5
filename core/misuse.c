/*
 * misuse.c - abort on a broken precondition.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/misuse.h"

void
misuse_abort(const char *file, int line, const char *why)
{
	/* A fixed-format line; no user data goes through here. */
	fprintf(stderr, "{\"level\":\"fatal\",\"event\":\"misuse\","
	    "\"file\":\"%s\",\"line\":%d,\"why\":\"%s\"}\n", file, line, why);
	abort();
}
