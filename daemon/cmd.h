/* daemon/cmd.h - the subcommands of the flawfix binary (git style).
 * Each command is int cmd_NAME(int argc, char **argv) with argv[0] = NAME;
 * it returns the process exit status. */
#ifndef FF_DAEMON_CMD_H
#define FF_DAEMON_CMD_H

#include <stdbool.h>

struct cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_cvss(int argc, char **argv);
int cmd_parse(int argc, char **argv);
int cmd_finding(int argc, char **argv);
int cmd_upload(int argc, char **argv);
int cmd_feeds(int argc, char **argv);

/* cmd_wants_help: true when argv holds -h or --help */
bool cmd_wants_help(int argc, char **argv);
/* cmd_setup loads the configuration (honouring --config FILE in argv) and
 * the log level; prints the error naming the setting and returns 2 on a
 * bad value, else 0. */
int cmd_setup(int argc, char **argv);

#endif
