/* flawfix token create|list|revoke */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "common/rc.h"
#include "common/str.h"
#include "db/q_user.h"

static const char *usage =
	"usage: flawfix token create [--user NAME] [--scope read|write|upload] [--asset SLUG] [--name LABEL]\n"
	"       flawfix token list [--user NAME] [--json]\n"
	"       flawfix token revoke ID\n\n"
	"'create' prints the new token alone on stdout; only its hash is stored.\n"
	"An upload token (--scope upload --asset SLUG) may only upload reports for\n"
	"that asset. --user defaults to the first administrator.\n";

static int create(struct db *db, int argc, char **argv)
{
	const char *user = cli_opt(argc, argv, "user");
	const char *asset = cli_opt(argc, argv, "asset");
	const char *scope = cli_opt(argc, argv, "scope");
	char admin[130], err[512];
	if (!scope)
		scope = asset ? "upload" : "write";
	if (strcmp(scope, "read") && strcmp(scope, "write") && strcmp(scope, "upload")) {
		fprintf(stderr, "flawfix: --scope must be read, write or upload, not '%s'\n", scope);
		return 2;
	}
	if (strcmp(scope, "upload") == 0 && !asset) {
		fprintf(stderr, "flawfix: an upload token needs --asset SLUG\n");
		return 2;
	}
	if (!user) {
		if (user_first_admin(db, FF_DEFAULT_ORG, admin, sizeof(admin))) {
			fprintf(stderr, "flawfix: no administrator exists; give --user NAME\n");
			return 1;
		}
		user = admin;
	}
	struct audit_actor actor;
	cli_actor(&actor);
	char *tok = NULL;
	if (cli_token_new(db, user, scope, asset, cli_opt(argc, argv, "name"), &actor, &tok, err, sizeof(err))) {
		fprintf(stderr, "flawfix: %s\n", err);
		return 1;
	}
	printf("%s\n", tok);
	free(tok);
	return 0;
}

static int list(struct db *db, int argc, char **argv)
{
	char *out = NULL;
	if (token_list_json(db, FF_DEFAULT_ORG, cli_opt(argc, argv, "user"), &out)) {
		fprintf(stderr, "flawfix: %s\n", db_last_error(db));
		return 1;
	}
	if (cli_flag(argc, argv, "json")) {
		printf("%s\n", out);
		free(out);
		return 0;
	}
	json_t *a = json_loads(out, 0, NULL);
	size_t i;
	json_t *t;
	printf("%-6s %-16s %-12s %-8s %-16s %s\n", "ID", "USER", "PREFIX", "SCOPE", "ASSET", "STATE");
	json_array_foreach(a, i, t) {
		const char *asset = json_string_value(json_object_get(t, "asset"));
		printf("%-6lld %-16s %-12s %-8s %-16s %s\n", (long long)json_integer_value(json_object_get(t, "id")),
		       json_string_value(json_object_get(t, "user")), json_string_value(json_object_get(t, "prefix")),
		       json_string_value(json_object_get(t, "scope")), asset ? asset : "-",
		       json_is_null(json_object_get(t, "revoked_at")) ? "active" : "revoked");
	}
	json_decref(a);
	free(out);
	return 0;
}

static int revoke(struct db *db, int argc, char **argv)
{
	long long id;
	if (argc < 3 || str_to_ll(argv[2], 1, 9223372036854775807LL, &id)) {
		fprintf(stderr, "flawfix: token revoke needs the numeric token ID (see 'flawfix token list')\n");
		return 2;
	}
	struct audit_actor actor;
	cli_actor(&actor);
	int rc = token_revoke(db, FF_DEFAULT_ORG, id, &actor);
	if (rc == FF_ENOTFOUND)
		fprintf(stderr, "flawfix: no active token with id %lld\n", id);
	else if (rc)
		fprintf(stderr, "flawfix: %s\n", db_last_error(db));
	else
		printf("revoked token %lld\n", id);
	return rc ? 1 : 0;
}

static const struct cli_sub subs[] = {
	{ "create", create }, { "list", list }, { "revoke", revoke }, { NULL, NULL },
};

int cmd_token(int argc, char **argv)
{
	return cli_dispatch("token", usage, subs, argc, argv);
}
