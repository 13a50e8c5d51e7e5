/* vote_cmd.h - `ippyo vote`, the reference voter client (web/vote_cmd.c). */
#ifndef IPPYO_WEB_VOTE_CMD_H
#define IPPYO_WEB_VOTE_CMD_H

int vote_main(int argc, char **argv);

#endif
