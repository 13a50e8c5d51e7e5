#ifndef IPPYO_TALLY_TALLY_CMD_H
#define IPPYO_TALLY_TALLY_CMD_H

/* `ippyo tally ...`: stations, start, shares, publish, the record. */
int tally_main(int argc, char **argv);

/* `ippyo key new|show`: sealed Ed25519 keys (committee, receipts). */
int key_main(int argc, char **argv);

#endif
