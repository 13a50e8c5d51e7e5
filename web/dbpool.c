/*
 * dbpool.c - lazily opened connections behind a mutex and a condition.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/log.h"
#include "core/misuse.h"
#include "db/db.h"
#include "web/dbpool.h"

#define DBPOOL_MAX 64

struct dbpool_slot {
	struct db *db;			/* NULL until connected */
	int lent;			/* borrowed now */
};

struct dbpool {
	pthread_mutex_t mu;		/* guards slots */
	pthread_cond_t cv;		/* a slot came back */
	char *conninfo;			/* owned copy */
	struct dbpool_slot slots[DBPOOL_MAX];	/* first n used */
	size_t n;			/* pool size */
};

int
dbpool_new(const char *conninfo, size_t n, struct dbpool **out)
{
	struct dbpool *p;

	REQUIRE(conninfo != NULL && out != NULL);
	*out = NULL;
	if (n == 0 || n > DBPOOL_MAX)
		return ERR_INVALID_ARG;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return ERR_NOMEM;
	if ((p->conninfo = strdup(conninfo)) == NULL) {
		free(p);
		return ERR_NOMEM;
	}
	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		free(p->conninfo);
		free(p);
		return ERR_INTERNAL;
	}
	if (pthread_cond_init(&p->cv, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		free(p->conninfo);
		free(p);
		return ERR_INTERNAL;
	}
	p->n = n;
	*out = p;
	return 0;
}

void
dbpool_free(struct dbpool *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		REQUIRE(!p->slots[i].lent);
		db_close(p->slots[i].db);
	}
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	/* conninfo may hold a password. */
	memset(p->conninfo, 0, strlen(p->conninfo));
	free(p->conninfo);
	free(p);
}

int
dbpool_get(struct dbpool *p, struct db **out)
{
	struct timespec until;
	struct dbpool_slot *s = NULL;
	size_t i;
	int r = ERR_INTERNAL;

	REQUIRE(p != NULL && out != NULL);
	*out = NULL;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += DBPOOL_WAIT_S;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		for (i = 0; i < p->n; i++)
			if (!p->slots[i].lent && (s == NULL ||
			    (s->db == NULL && p->slots[i].db != NULL)))
				s = &p->slots[i];
		if (s != NULL)
			break;
		if (pthread_cond_timedwait(&p->cv, &p->mu, &until) ==
		    ETIMEDOUT) {
			pthread_mutex_unlock(&p->mu);
			return ERR_TIMEOUT;
		}
	}
	s->lent = 1;
	pthread_mutex_unlock(&p->mu);
	/* Connect outside the lock: it may take a while. */
	if (s->db == NULL && (r = db_open(p->conninfo, NULL, &s->db)) != 0) {
		s->db = NULL;
		pthread_mutex_lock(&p->mu);
		s->lent = 0;
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
		return r;
	}
	db_set_statement_cache(s->db, 1);
	*out = s->db;
	return 0;
}

void
dbpool_put(struct dbpool *p, struct db *db, int last_err)
{
	size_t i;

	REQUIRE(p != NULL);
	if (db == NULL)
		return;
	if (db_in_transaction(db))
		db_rollback(db);
	pthread_mutex_lock(&p->mu);
	for (i = 0; i < p->n; i++) {
		if (p->slots[i].db != db)
			continue;
		REQUIRE(p->slots[i].lent);
		if (last_err == ERR_DB || last_err == ERR_DB_CONNECT) {
			db_close(db);
			p->slots[i].db = NULL;
		}
		p->slots[i].lent = 0;
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
		return;
	}
	pthread_mutex_unlock(&p->mu);
	MISUSE("dbpool_put: not from this pool");
}
