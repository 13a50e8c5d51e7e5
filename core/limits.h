/*
 * limits.h - every maximum in the system, in one place.
 *
 * Parsers, the HTTP server, the database layer, the card client and the
 * tests all use these constants; a test that probes a bound uses the same
 * name as the code that enforces it.  Raising a limit is a reviewed change
 * here, never a local constant elsewhere.
 */
#ifndef IPPYO_CORE_LIMITS_H
#define IPPYO_CORE_LIMITS_H

/* ---- bounded buffers ---- */
#define LIMIT_BUF_MAX			(64u * 1024 * 1024) /* any vbuf */
#define LIMIT_STRING_MAX		(16u * 1024 * 1024) /* one field */

/* ---- HTTP front ---- */
#define LIMIT_HTTP_BODY_MAX		(256u * 1024)	/* one request body */
#define LIMIT_HTTP_URL_MAX		2048		/* path + query */
#define LIMIT_HTTP_CONNECTIONS_MAX	1024		/* open connections */
#define LIMIT_HTTP_PER_IP_CONNECTIONS	32		/* per client address */
#define LIMIT_HTTP_TIMEOUT_S		15		/* idle connection */
#define LIMIT_HTTP_MEMORY_PER_CONN	(64u * 1024)	/* MHD pool */
#define LIMIT_HTTP_THREADS		4		/* MHD thread pool */
#define LIMIT_JSON_DEPTH_MAX		16		/* nesting */
#define LIMIT_RATE_WINDOW_S		60		/* rate-limit window */
#define LIMIT_RATE_PER_ADDR		600		/* requests per window */
#define LIMIT_RATE_PER_ADDR_CONFIG_MAX	1000000		/* configurable up to */
#define LIMIT_RATE_BALLOTS_PER_VOTER	10		/* casts per window */
#define LIMIT_BOARD_PAGE_MAX		1000		/* bulletin board page */

/* ---- elections and ballots ---- */
#define LIMIT_CONTESTS_MAX		32		/* per election */
#define LIMIT_OPTIONS_MAX		128		/* per contest */
#define LIMIT_VOTERS_MAX		100000000u	/* 10^8: BSGS table size */
#define LIMIT_TRUSTEES_MAX		32		/* n in k-of-n */
#define LIMIT_ID_LEN_MAX		64		/* election/contest ids */
#define LIMIT_NAME_LEN_MAX		256		/* names, in UTF-8 bytes */
#define LIMIT_ADDRESS_LEN_MAX		512		/* addresses, UTF-8 bytes */
#define LIMIT_MANIFEST_MAX		(1024u * 1024)	/* manifest document */

/* ---- identity ---- */
#define LIMIT_NONCE_BYTES		32		/* 256-bit nonces */
#define LIMIT_NONCE_TTL_S		300		/* 5-minute life */
#define LIMIT_CERT_DER_MAX		4096		/* one certificate */
#define LIMIT_TOKEN_MAX			(16u * 1024)	/* auth token */
#define LIMIT_CSV_LINE_MAX		4096		/* resident import line */
#define LIMIT_CSV_ROWS_MAX		10000000u	/* resident import rows */
#define LIMIT_OCSP_TIMEOUT_S		5		/* responder deadline */
#define LIMIT_OCSP_RESPONSE_MAX		(64u * 1024)
#define LIMIT_OCSP_MAX_AGE_S		3600		/* freshness */

/* ---- cards ---- */
#define LIMIT_APDU_COMMAND_MAX		261		/* short APDU + Le */
#define LIMIT_APDU_RESPONSE_MAX		258		/* 256 data + SW1 SW2 */
#define LIMIT_CARD_FILE_MAX		8192		/* one EF read in full */
#define LIMIT_PIN_AUTH_LEN		4		/* user-auth PIN digits */
#define LIMIT_PIN_SIGN_LEN_MIN		6		/* signature password */
#define LIMIT_PIN_SIGN_LEN_MAX		16

/* ---- database ---- */
#define LIMIT_SQL_PARAMS_MAX		64		/* per statement */
#define LIMIT_DB_VALUE_MAX		(16u * 1024 * 1024)
#define LIMIT_MIGRATION_MAX		(1024u * 1024)	/* one .sql file */

/* ---- files and secrets ---- */
#define LIMIT_PASSPHRASE_MAX		1024
#define LIMIT_SEALED_FILE_MAX		(1024u * 1024)
#define LIMIT_RECORD_FILE_MAX		(4096ull * 1024 * 1024)
#define LIMIT_CHALLENGE_FILE_MAX	(4u * 1024 * 1024)	/* Benaloh challenge */

/* ---- logging ---- */
#define LIMIT_LOG_LINE_MAX		4096		/* one JSON line */
#define LIMIT_LOG_FIELDS_MAX		32

#endif /* IPPYO_CORE_LIMITS_H */
