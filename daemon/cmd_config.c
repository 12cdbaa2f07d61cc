/* flawfix config: the effective configuration, secrets redacted */
#include <stdio.h>

#include "cli.h"
#include "cmd.h"
#include "common/cfg.h"

int cmd_config(int argc, char **argv)
{
	if (cli_flag(argc, argv, "help-config")) {
		cfg_help(stdout);
		return 0;
	}
	if (cmd_wants_help(argc, argv)) {
		puts("usage: flawfix [--config FILE] config [--help-config]\n\n"
		     "Prints the effective configuration (defaults, then the config file, then\n"
		     "FLAWFIX_* environment variables) with secrets redacted, and where each\n"
		     "value came from. --help-config lists every setting with its type,\n"
		     "default, bounds and environment variable. Exits 2 on an invalid value.");
		return 0;
	}
	int rc = cmd_setup(argc, argv);
	if (rc)
		return rc;
	cfg_print(stdout);
	return 0;
}
