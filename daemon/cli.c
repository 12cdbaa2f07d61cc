#include "cli.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "common/cfg.h"
#include "common/crypto.h"
#include "common/mem.h"
#include "common/rc.h"
#include "db/q_user.h"

struct db *cli_db(void)
{
	char err[512];
	struct db *db = db_open(cfg_str("database_url"), err, sizeof(err));
	if (!db)
		fprintf(stderr, "flawfix: %s\n", err);
	return db;
}

void cli_actor(struct audit_actor *a)
{
	static char name[96];
	struct passwd *pw = getpwuid(getuid());
	snprintf(name, sizeof(name), "cli:%s", pw ? pw->pw_name : "unknown");
	a->type = "system";
	a->id = NULL;
	a->name = name;
	a->source = "cli";
}

const char *cli_opt(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i] + 2, name) == 0)
			return argv[i + 1];
	return NULL;
}

int cli_flag(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i] + 2, name) == 0)
			return 1;
	return 0;
}

int cli_token_new(struct db *db, const char *user, const char *scope, const char *asset, const char *name,
		  const struct audit_actor *actor, char **token, char *err, size_t errlen)
{
	char hash[65], prefix[16];
	char *tok = ff_token_new("fft_");
	ff_sha256_hex(tok, strlen(tok), hash);
	snprintf(prefix, sizeof(prefix), "%.10s", tok);
	long long id;
	int rc = token_create(db, FF_DEFAULT_ORG, user, scope, asset, name, hash, prefix, actor, &id);
	if (rc == FF_ENOTFOUND)
		snprintf(err, errlen, asset ? "no user '%s' in the organisation, or no asset '%s'"
					    : "no user '%s' in the organisation%s", user, asset ? asset : "");
	else if (rc)
		snprintf(err, errlen, "could not create the token: %s", db_last_error(db));
	if (rc) {
		free(tok);
		return rc;
	}
	*token = tok;
	return FF_OK;
}

int cli_bootstrap_admin(struct db *db, const char *name, char **password, char **token)
{
	struct audit_actor actor = { "system", NULL, "bootstrap", "cli" };
	char hash[128], err[256];
	const char *given = cfg_str("admin_password");
	char *pw = *given ? xstrdup(given) : ff_password_new();
	if (ff_password_hash(pw, hash)) {
		free(pw);
		return FF_EPERM;
	}
	long long id;
	int rc = user_add(db, FF_DEFAULT_ORG, name, NULL, "admin", hash, &actor, &id);
	if (rc) {
		free(pw);
		return rc;
	}
	rc = cli_token_new(db, name, "write", NULL, "bootstrap", &actor, token, err, sizeof(err));
	if (rc) {
		free(pw);
		return rc;
	}
	*password = pw;
	return FF_OK;
}

int cli_dispatch(const char *group, const char *usage, const struct cli_sub *subs, int argc, char **argv)
{
	if (cmd_wants_help(argc, argv) || argc < 2) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	int rc = cmd_setup(argc, argv);
	if (rc)
		return rc;
	const struct cli_sub *s = subs;
	while (s->name && strcmp(s->name, argv[1]) != 0)
		s++;
	if (!s->fn) {
		fprintf(stderr, "flawfix: unknown %s command '%s'\n", group, argv[1]);
		fputs(usage, stderr);
		return 2;
	}
	struct db *db = cli_db();
	if (!db)
		return 1;
	rc = s->fn(db, argc, argv);
	db_close(db);
	return rc;
}
