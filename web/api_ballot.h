/*
 * api_ballot.h - election, ballot and board endpoints (web/api_ballot.c).
 */
#ifndef IPPYO_WEB_API_BALLOT_H
#define IPPYO_WEB_API_BALLOT_H

#include "web/http.h"

/*
 * Readies casting: the service origin tokens bind (https://host[:port]),
 * the trust settings (registry/trust.h) and the receipt key
 * (IPPYO_RECEIPT_KEY_FILE, sealed with label "receipt-key", passphrase in
 * IPPYO_RECEIPT_KEY_PASSPHRASE; without it a key for this run only).
 * Call once before the server starts.  On failure casting and the
 * receipt key answer ERR_UNAVAILABLE (503); the other endpoints serve.
 */
int api_ballot_init(const char *origin) __attribute__((warn_unused_result));
/*
 * Starts a thread that signs a checkpoint of every open election's box
 * every IPPYO_CHECKPOINT_S seconds (default 300), on a connection of its
 * own; api_ballot_fini stops it.  ERR_UNAVAILABLE when casting is not
 * configured.
 */
int api_ballot_checkpoints_start(const char *database_url)
    __attribute__((warn_unused_result));
void api_ballot_fini(void);

int api_election_get(struct http_request *req, struct http_response *res,
    void *app);
int api_ballot_cast(struct http_request *req, struct http_response *res,
    void *app);
int api_board(struct http_request *req, struct http_response *res,
    void *app);
int api_board_code(struct http_request *req, struct http_response *res,
    void *app);
int api_alias(struct http_request *req, struct http_response *res,
    void *app);
int api_receipt_key(struct http_request *req, struct http_response *res,
    void *app);

#endif
