/* ceremony_cmd.h - `ippyo ceremony ...` (tally/ceremony_cmd.c). */
#ifndef IPPYO_TALLY_CEREMONY_CMD_H
#define IPPYO_TALLY_CEREMONY_CMD_H

int ceremony_main(int argc, char **argv);

#endif
