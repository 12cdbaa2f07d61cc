/* daemon/cli.h - helpers shared by the subcommands */
#ifndef FF_DAEMON_CLI_H
#define FF_DAEMON_CLI_H

#include "db/audit.h"
#include "db/db.h"

#define FF_DEFAULT_ORG 1

/* one word of a command group: `flawfix GROUP NAME ...` */
struct cli_sub {
	const char *name; /* NULL ends the table; its fn, if any, takes every other word */
	int (*fn)(struct db *db, int argc, char **argv);
};
/* cli_dispatch runs a command group: --help or no word prints usage (0 /
 * 2), then the configuration, then an unknown word is refused (usage on
 * stderr, 2), then the database (1 when unreachable), then the word's fn
 * with argv starting at the group; returns the exit code. */
int cli_dispatch(const char *group, const char *usage, const struct cli_sub *subs, int argc, char **argv);

/* cli_db opens cfg database_url or prints why not and returns NULL */
struct db *cli_db(void);
/* cli_actor: the operator at the command line ("cli:<login>") */
void cli_actor(struct audit_actor *a);
/* cli_opt returns the value after --name in argv (or NULL); cli_flag
 * whether --name is present */
const char *cli_opt(int argc, char **argv, const char *name);
int cli_flag(int argc, char **argv, const char *name);
/* first-start bootstrap: creates user name with role admin, a random
 * password (or cfg admin_password) and a write token; prints neither,
 * returns them (caller frees). */
int cli_bootstrap_admin(struct db *db, const char *name, char **password, char **token);
/* cli_token_new creates a token for user with scope (asset for upload) and
 * returns it (caller frees); err gets a message. */
int cli_token_new(struct db *db, const char *user, const char *scope, const char *asset, const char *name,
		  const struct audit_actor *actor, char **token, char *err, size_t errlen);

#endif
