/* flawfix - the one binary: daemon, CLI and CI client (DESIGN.md section 2) */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "common/cfg.h"
#include "common/crypto.h"
#include "common/log.h"

static const struct cmd commands[] = {
	{ "serve", cmd_serve, "run the daemon: REST API, webhooks, workers, scheduler" },
	{ "migrate", cmd_migrate, "apply database migrations" },
	{ "user", cmd_user, "manage users: add, list, passwd" },
	{ "token", cmd_token, "manage API tokens: create, list, revoke" },
	{ "audit", cmd_audit, "verify the audit chain, export events for auditors" },
	{ "config", cmd_config, "print the effective configuration (--help-config lists every setting)" },
	{ "cvss", cmd_cvss, "score CVSS 4.0 / 3.x / 2.0 vectors from arguments or stdin" },
	{ "upload", cmd_upload, "CI client: send a report to a server, print the diff, --fail-on SEVERITY" },
	{ "parse", cmd_parse, "show what FlawFix makes of a scanner report, offline" },
	{ "finding", cmd_finding, "list and show findings; accept, mitigate, ... them as a user (--as)" },
	{ "feeds", cmd_feeds, "sync the NVD, CISA KEV, EPSS and ExploitDB mirrors; show their status" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: flawfix [--config FILE] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'flawfix COMMAND --help' describes a command; settings come from\n"
		     "FLAWFIX_* environment variables or --config FILE ('flawfix config --help-config').\n");
}

bool cmd_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	}
	return false;
}

static const char *g_config_file;

int cmd_setup(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	char err[512];
	if (cfg_load(g_config_file, err, sizeof(err))) {
		fprintf(stderr, "flawfix: invalid configuration: %s\n", err);
		return 2;
	}
	log_set_level_name(cfg_str("log_level"));
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1;
	if (ff_crypto_init()) {
		fprintf(stderr, "flawfix: could not initialise libsodium\n");
		return 1;
	}
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			g_config_file = argv[i + 1];
			i += 2;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("flawfix %s\n", FF_VERSION);
			return 0;
		} else {
			fprintf(stderr, "flawfix: unknown option %s\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
		if (strcmp(argv[i], commands[c].name) == 0)
			return commands[c].run(argc - i, argv + i);
	fprintf(stderr, "flawfix: '%s' is not a command\n", argv[i]);
	usage(stderr);
	return 2;
}
