/* flawfix audit verify|export */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "common/fftime.h"
#include "db/audit.h"

static const char *usage =
	"usage: flawfix audit verify\n"
	"       flawfix audit export --format csv|json [--since YYYY-MM-DD[THH:MM:SSZ]] [--output FILE]\n\n"
	"'verify' recomputes the hash chain of every event and names the first\n"
	"broken one (exit 1). 'export' writes the events for auditors.\n";

static int verify(struct db *db, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct audit_verify_result res;
	if (audit_verify(db, &res)) {
		fprintf(stderr, "flawfix: could not read the audit log: %s\n", db_last_error(db));
		return 2;
	}
	if (res.broken_id > 0) {
		printf("audit chain BROKEN at event %lld (chain position %lld): %s\n", res.broken_id, res.broken_seq,
		       res.reason);
		return 1;
	}
	if (res.broken_id < 0) {
		printf("audit chain BROKEN after chain position %lld: %s\n", res.broken_seq - 1, res.reason);
		return 1;
	}
	printf("audit chain intact: %lld events verified\n", res.events);
	return 0;
}

static int export(struct db *db, int argc, char **argv)
{
	const char *fmt = cli_opt(argc, argv, "format");
	const char *since = cli_opt(argc, argv, "since");
	const char *path = cli_opt(argc, argv, "output");
	if (!fmt || (strcmp(fmt, "csv") && strcmp(fmt, "json"))) {
		fprintf(stderr, "flawfix: --format must be csv or json\n");
		return 2;
	}
	int64_t d;
	if (since && strlen(since) == 10 && ff_date_parse(since, &d)) {
		fprintf(stderr, "flawfix: --since '%s' is not a date (YYYY-MM-DD)\n", since);
		return 2;
	}
	FILE *out = path ? fopen(path, "w") : stdout;
	if (!out) {
		fprintf(stderr, "flawfix: could not write %s\n", path);
		return 1;
	}
	long long n = 0;
	int rc = audit_export(db, out, strcmp(fmt, "csv") == 0 ? AUDIT_CSV : AUDIT_JSON, since, &n);
	if (path)
		fclose(out);
	if (rc) {
		fprintf(stderr, "flawfix: could not export: %s\n", db_last_error(db));
		return 1;
	}
	fprintf(stderr, "exported %lld events\n", n);
	return 0;
}

static const struct cli_sub subs[] = {
	{ "verify", verify }, { "export", export }, { NULL, NULL },
};

int cmd_audit(int argc, char **argv)
{
	return cli_dispatch("audit", usage, subs, argc, argv);
}
