/* card_cmd.h - `ippyo card ...` (registry/card_cmd.c). */
#ifndef IPPYO_REGISTRY_CARD_CMD_H
#define IPPYO_REGISTRY_CARD_CMD_H

int card_main(int argc, char **argv);

#endif
