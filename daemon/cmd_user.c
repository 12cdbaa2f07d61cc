/* flawfix user add|list|passwd */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "common/crypto.h"
#include "common/rc.h"
#include "db/q_user.h"

static const char *usage =
	"usage: flawfix user add NAME [--role admin|security|member|auditor] [--email ADDR] [--password-stdin]\n"
	"       flawfix user list [--json]\n"
	"       flawfix user passwd NAME [--password-stdin]\n\n"
	"'add' and 'passwd' print the new password alone on stdout (generated unless\n"
	"--password-stdin reads it from the first line of stdin).\n";

static char *read_or_make_password(int argc, char **argv)
{
	if (!cli_flag(argc, argv, "password-stdin"))
		return ff_password_new();
	char line[1024];
	if (!fgets(line, sizeof(line), stdin))
		return NULL;
	line[strcspn(line, "\r\n")] = '\0';
	if (strlen(line) < 12) {
		fprintf(stderr, "flawfix: a password needs at least 12 characters\n");
		return NULL;
	}
	return strdup(line);
}

static int user_add_cmd(struct db *db, int argc, char **argv)
{
	const char *name = argc > 2 && argv[2][0] != '-' ? argv[2] : NULL;
	const char *role = cli_opt(argc, argv, "role");
	if (!name) {
		fputs(usage, stderr);
		return 2;
	}
	if (!role)
		role = "member";
	if (strcmp(role, "admin") && strcmp(role, "security") && strcmp(role, "member") && strcmp(role, "auditor")) {
		fprintf(stderr, "flawfix: --role must be admin, security, member or auditor, not '%s'\n", role);
		return 2;
	}
	char *pw = read_or_make_password(argc, argv);
	if (!pw)
		return 2;
	char hash[128];
	struct audit_actor actor;
	cli_actor(&actor);
	long long id;
	int rc = ff_password_hash(pw, hash);
	if (!rc)
		rc = user_add(db, FF_DEFAULT_ORG, name, cli_opt(argc, argv, "email"), role, hash, &actor, &id);
	if (rc == FF_ECONFLICT)
		fprintf(stderr, "flawfix: a user named '%s' exists already\n", name);
	else if (rc == FF_EINVAL)
		fprintf(stderr, "flawfix: '%s' is not a valid user name (letters, digits, . _ @ -)\n", name);
	else if (rc)
		fprintf(stderr, "flawfix: could not add the user: %s\n", db_last_error(db));
	else
		printf("%s\n", pw);
	free(pw);
	return rc ? 1 : 0;
}

static int user_list_cmd(struct db *db, int argc, char **argv)
{
	char *out = NULL;
	if (user_list_json(db, FF_DEFAULT_ORG, &out)) {
		fprintf(stderr, "flawfix: %s\n", db_last_error(db));
		return 1;
	}
	if (cli_flag(argc, argv, "json")) {
		printf("%s\n", out);
	} else {
		json_t *a = json_loads(out, 0, NULL);
		size_t i;
		json_t *u;
		printf("%-24s %-10s %-8s %s\n", "NAME", "ROLE", "DISABLED", "EMAIL");
		json_array_foreach(a, i, u) {
			const char *email = json_string_value(json_object_get(u, "email"));
			printf("%-24s %-10s %-8s %s\n", json_string_value(json_object_get(u, "name")),
			       json_string_value(json_object_get(u, "role")),
			       json_is_true(json_object_get(u, "disabled")) ? "yes" : "no", email ? email : "");
		}
		json_decref(a);
	}
	free(out);
	return 0;
}

static int user_passwd_cmd(struct db *db, int argc, char **argv)
{
	const char *name = argc > 2 && argv[2][0] != '-' ? argv[2] : NULL;
	if (!name) {
		fputs(usage, stderr);
		return 2;
	}
	char *pw = read_or_make_password(argc, argv);
	if (!pw)
		return 2;
	char hash[128];
	struct audit_actor actor;
	cli_actor(&actor);
	int rc = ff_password_hash(pw, hash);
	if (!rc)
		rc = user_set_password(db, name, hash, &actor);
	if (rc == FF_ENOTFOUND)
		fprintf(stderr, "flawfix: no user named '%s'\n", name);
	else if (rc)
		fprintf(stderr, "flawfix: could not set the password: %s\n", db_last_error(db));
	else
		printf("%s\n", pw);
	free(pw);
	return rc ? 1 : 0;
}

static const struct cli_sub subs[] = {
	{ "add", user_add_cmd }, { "list", user_list_cmd }, { "passwd", user_passwd_cmd }, { NULL, NULL },
};

int cmd_user(int argc, char **argv)
{
	return cli_dispatch("user", usage, subs, argc, argv);
}
