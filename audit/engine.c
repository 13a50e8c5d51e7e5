/*
 * engine.c - choosing the verifier's arithmetic engine by name.
 */
#include <stddef.h>
#include <string.h>

#include "audit/engine.h"

const struct engine_ops *
engine_by_name(const char *name)
{
	if (name == NULL)
		return NULL;
	if (strcmp(name, "openssl") == 0)
		return &engine_openssl;
	if (strcmp(name, "gcrypt") == 0)
		return &engine_gcrypt;
	return NULL;
}
