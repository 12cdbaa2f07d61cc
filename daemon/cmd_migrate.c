#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"

int cmd_migrate(int argc, char **argv)
{
	if (cmd_wants_help(argc, argv)) {
		puts("usage: flawfix migrate [--status]\n\n"
		     "Applies every pending database migration in one transaction under an\n"
		     "advisory lock (safe with several daemons). --status only reports.");
		return 0;
	}
	int rc = cmd_setup(argc, argv);
	if (rc)
		return rc;
	struct db *db = cli_db();
	if (!db)
		return 1;
	if (cli_flag(argc, argv, "status")) {
		rc = db_migrations_current(db);
		printf("schema %s (this build: %d)\n", rc == 0 ? "current" : "not current", db_migration_latest());
		db_close(db);
		return rc ? 1 : 0;
	}
	char err[512];
	int applied = 0;
	rc = db_migrate(db, &applied, err, sizeof(err));
	db_close(db);
	if (rc) {
		fprintf(stderr, "flawfix: %s\n", err);
		return 1;
	}
	printf("migrations applied: %d, schema version %d\n", applied, db_migration_latest());
	return 0;
}
