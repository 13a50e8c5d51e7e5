/*
 * engine.c - choosing the verifier's arithmetic engine by name.
 */
#include <stddef.h>
#include <string.h>

#include "audit/engine.h"

/*
 * The libgcrypt engine is written on its own branch; until it is merged
 * it may be absent from the link, so it is referenced weakly here and a
 * NULL address means "not built".
 */
extern const struct engine_ops engine_gcrypt __attribute__((weak));

const struct engine_ops *
engine_by_name(const char *name)
{
	if (name == NULL)
		return NULL;
	if (strcmp(name, "openssl") == 0)
		return &engine_openssl;
	if (strcmp(name, "gcrypt") == 0) {
		const struct engine_ops *g = &engine_gcrypt;

		return g;
	}
	return NULL;
}
