/* flawfix feeds sync|status: refresh the enrichment mirrors from URLs or
 * local mirrors (connectors/feeds) into PostgreSQL (db/q_feeds). Each batch
 * of a source (the whole file for KEV/EPSS/ExploitDB, one page or a group
 * of record files for NVD) commits in one transaction; a bad record aborts
 * its batch, so the previous data stays in force. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "common/cfg.h"
#include "common/fftime.h"
#include "common/rc.h"
#include "db/q_asset.h"
#include "db/q_feeds.h"
#include "feeds_sync.h"
#include "scoring.h"

static int do_sync(int argc, char **argv)
{
	const char *only = cli_opt(argc, argv, "source"), *from = cli_opt(argc, argv, "from");
	int src = only ? feeds_src_parse(only) : -1, failed = 0;
	if (only && src < 0) {
		fprintf(stderr, "flawfix: unknown source '%s' (nvd, kev, epss, exploitdb)\n", only);
		return 2;
	}
	if (from && !only) {
		fprintf(stderr, "flawfix: --from needs --source\n");
		return 2;
	}
	struct db *db = cli_db();
	if (!db)
		return 1;
	for (int i = 0; i < FEEDS_NSRC; i++) {
		struct feeds_sync_stats st;
		if (src >= 0 && src != i)
			continue;
		if (feeds_sync_source(db, (enum feeds_src)i, from, 1, &st) != FF_OK) {
			fprintf(stderr, "flawfix: %s sync failed: %s\n", feeds_src_name((enum feeds_src)i), st.error);
			failed++;
			continue;
		}
		printf("%s: %lld records read, %lld rows written, %lld CVEs changed, %.1f s\n",
		       feeds_src_name((enum feeds_src)i), st.read, st.written, st.changed, st.seconds);
	}
	/* the findings whose CVEs changed get their new scores now, each change
	 * an audit event naming the feed record */
	struct scoring_stats sst;
	int rc = scoring_run(db, SCORING_FEEDS, 0, "feed update", 0, &sst);
	if (rc) {
		fprintf(stderr, "flawfix: rescoring failed: %s\n", db_last_error(db));
		failed++;
	} else {
		printf("rescored %lld findings: %lld scores changed\n", sst.visited, sst.events);
	}
	db_close(db);
	return failed ? 1 : 0;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "-";
}

static int do_status(void)
{
	char *out = NULL;
	struct db *db = cli_db();
	if (!db)
		return 1;
	int rc = feeds_status_json(db, &out);
	db_close(db);
	if (rc) {
		fprintf(stderr, "flawfix: could not read the feed state: %s\n", ff_rc_str(rc));
		return 1;
	}
	json_t *a = json_loads(out, 0, NULL), *v;
	size_t i;
	printf("%-10s %-32s %10s  %s\n", "source", "last success", "records", "last error");
	json_array_foreach(a, i, v) {
		printf("%-10s %-32s %10lld  %s%s\n", jstr(v, "source"), jstr(v, "last_success"),
		       (long long)json_integer_value(json_object_get(v, "records")), jstr(v, "last_error"),
		       json_is_object(json_object_get(v, "resume_cursor")) ? "  (interrupted sync will resume)" : "");
	}
	json_decref(a);
	free(out);
	return 0;
}

/* flawfix feeds rescore [--all | --asset SLUG]: the scoring pipeline by
 * hand (ops, benchmarks); without options the findings of changed CVEs */
static int do_rescore(int argc, char **argv)
{
	const char *slug = cli_opt(argc, argv, "asset");
	struct db *db = cli_db();
	if (!db)
		return 1;
	enum scoring_scope scope = cli_flag(argc, argv, "all") ? SCORING_ALL : SCORING_FEEDS;
	long long arg = 0;
	int archived = 0;
	if (slug) {
		if (asset_lookup(db, FF_DEFAULT_ORG, slug, &arg, &archived)) {
			fprintf(stderr, "flawfix: no asset '%s'\n", slug);
			db_close(db);
			return 1;
		}
		scope = SCORING_ASSET;
	}
	int64_t t0 = ff_mono_us();
	struct scoring_stats st;
	int rc = scoring_run(db, scope, arg, "rescoring by hand", cli_flag(argc, argv, "force"), &st);
	double secs = (double)(ff_mono_us() - t0) / 1e6;
	if (rc)
		fprintf(stderr, "flawfix: rescoring failed: %s\n", db_last_error(db));
	else
		printf("rescored %lld findings in %.2f s (%.0f/s): %lld with changed inputs, %lld written, %lld scores changed\n",
		       st.visited, secs, secs > 0 ? (double)st.visited / secs : 0.0, st.scanned, st.written, st.events);
	db_close(db);
	return rc ? 1 : 0;
}

int cmd_feeds(int argc, char **argv)
{
	if (cmd_wants_help(argc, argv) || argc < 2) {
		puts("usage: flawfix feeds sync [--source nvd|kev|epss|exploitdb] [--from PATH|URL]\n"
		     "       flawfix feeds status\n\n"
		     "sync refreshes the NVD, CISA KEV, FIRST EPSS and ExploitDB mirrors from the\n"
		     "configured URLs (nvd_url, kev_url, epss_url, exploitdb_url) or from --from, a URL\n"
		     "or a local file (NVD: a saved API page, a record or a fkie-cad tree directory).\n"
		     "An interrupted NVD sync resumes where it stopped. status shows per source the\n"
		     "last successful sync, the record count and the last error.\n"
		     "       flawfix feeds rescore [--all | --asset SLUG] [--force]\n"
		     "rescore runs the scoring pipeline by hand: the findings of CVEs that changed\n"
		     "since the last run, of one asset, or all of them; only findings whose scoring\n"
		     "inputs changed are recomputed unless --force.");
		return argc < 2 ? 2 : 0;
	}
	int rc = cmd_setup(argc, argv);
	if (rc)
		return rc;
	if (strcmp(argv[1], "sync") == 0)
		return do_sync(argc - 1, argv + 1);
	if (strcmp(argv[1], "status") == 0)
		return do_status();
	if (strcmp(argv[1], "rescore") == 0)
		return do_rescore(argc - 1, argv + 1);
	fprintf(stderr, "flawfix: feeds: unknown action '%s' (sync, status)\n", argv[1]);
	return 2;
}
