/* audit_cmd.h - `ippyo audit ...`. */
#ifndef IPPYO_AUDIT_AUDIT_CMD_H
#define IPPYO_AUDIT_AUDIT_CMD_H

int audit_main(int argc, char **argv);

#endif
