/* election_cmd.h - `ippyo election ...` (web/election_cmd.c). */
#ifndef IPPYO_WEB_ELECTION_CMD_H
#define IPPYO_WEB_ELECTION_CMD_H

int election_main(int argc, char **argv);

#endif
