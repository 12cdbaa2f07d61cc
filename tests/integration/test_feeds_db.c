/* flawfix feeds sync|status with a real PostgreSQL: every source from the
 * fixture files, the NVD from the fake API, bad input that keeps the
 * previous data in force, the changed-CVE log for the scoring pipeline,
 * and an NVD sync killed with SIGKILL that resumes from its cursor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "connectors/feeds/feeds.h"
#include "connectors/http_client.h"
#include "db/db.h"
#include "common/cfg.h"
#include "daemon/feeds_sync.h"
#include "db/q_feeds.h"
#include "tests/fakes/fakeproc.h"
#include "tests/harness/th.h"

#define FX "tests/fixtures/feeds/"
#define KEV FX "kev/cisagov-kev-data/known_exploited_vulnerabilities.json"
#define EPSS FX "epss/lodestonesecurity-epss-data-history/epss_scores-current_excerpt.csv"
#define XDB FX "exploitdb/Xhoenix-searchsploit/files_exploits_excerpt.csv"
#define FKIE FX "nvd/fkie-cad-nvd-json-data-feeds"

static char DSN[512];
static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(DSN, sizeof(DSN), "%s", th_db_new("feeds"));
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/fftest-feedsdb-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	const char *args[] = { "migrate", NULL };
	char *out = NULL, *err = NULL;
	int rc = th_run(DSN, args, NULL, NULL, &out, &err);
	free(out);
	free(err);
	return rc;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static long long sqll(const char *sql)
{
	char *v = th_sql(DSN, sql);
	assert_non_null(v);
	long long n = strtoll(v, NULL, 10);
	free(v);
	return n;
}

static char *sqls(const char *sql)
{
	char *v = th_sql(DSN, sql);
	assert_non_null(v);
	return v;
}

/* flawfix feeds sync --source src --from where; returns the exit status */
static int sync_from(const char *src, const char *where, const char *const *env, char **err)
{
	const char *args[] = { "feeds", "sync", "--source", src, "--from", where, NULL };
	char *out = NULL, *e = NULL;
	int rc = th_run(DSN, args, env, NULL, &out, &e);
	free(out);
	if (err)
		*err = e;
	else
		free(e);
	return rc;
}

static void test_snapshot_sources(void **state)
{
	(void)state;
	json_t *kev = json_load_file(KEV, 0, NULL), *v, *log4 = NULL;
	size_t i;
	long known = 0;
	assert_int_equal(sync_from("kev", KEV, NULL, NULL), 0);
	json_array_foreach(json_object_get(kev, "vulnerabilities"), i, v) {
		known += strcmp(json_string_value(json_object_get(v, "knownRansomwareCampaignUse")), "Known") == 0;
		if (strcmp(json_string_value(json_object_get(v, "cveID")), "CVE-2021-44228") == 0)
			log4 = v;
	}
	assert_int_equal(sqll("SELECT count(*) FROM kev"), json_integer_value(json_object_get(kev, "count")));
	assert_int_equal(sqll("SELECT count(*) FROM kev WHERE ransomware = 'Known'"), known);
	char *d = sqls("SELECT date_added || ' ' || due_date || ' ' || ransomware FROM kev WHERE cve_id = 'CVE-2021-44228'");
	char want[64];
	snprintf(want, sizeof(want), "%s %s %s", json_string_value(json_object_get(log4, "dateAdded")),
		 json_string_value(json_object_get(log4, "dueDate")),
		 json_string_value(json_object_get(log4, "knownRansomwareCampaignUse")));
	assert_string_equal(d, want);
	free(d);
	json_decref(kev);
	/* EPSS: every data row; Log4Shell's score as printed in the file */
	assert_int_equal(sync_from("epss", EPSS, NULL, NULL), 0);
	assert_int_equal(sqll("SELECT count(*) FROM epss"), 147);
	d = sqls("SELECT score || ',' || percentile || ',' || model_version || ',' || score_date FROM epss "
		 "WHERE cve_id = 'CVE-2021-44228'");
	assert_string_equal(d, "0.99999,1,v2026.06.15,2026-09-29");
	free(d);
	/* ExploitDB: three rows name Log4Shell */
	assert_int_equal(sync_from("exploitdb", XDB, NULL, NULL), 0);
	assert_int_equal(sqll("SELECT count(*) FROM exploit WHERE cve_id = 'CVE-2021-44228'"), 3);
	assert_int_equal(sqll("SELECT count(*) FROM exploit WHERE cve_id = 'CVE-2000-0437'"), 1);
	/* status lists the counts */
	const char *args[] = { "feeds", "status", NULL };
	char *out = NULL, *err = NULL;
	assert_int_equal(th_run(DSN, args, NULL, NULL, &out, &err), 0);
	assert_non_null(strstr(out, "kev"));
	char *n = sqls("SELECT records FROM feed_state WHERE source = 'kev'");
	assert_non_null(strstr(out, n));
	free(n);
	free(out);
	free(err);
}

/* a copy of src with from replaced by to */
static const char *tmp_replaced(const char *name, const char *src, const char *from, const char *to)
{
	static char p[256];
	char *b = th_read_file(src);
	assert_non_null(b);
	char *at = strstr(b, from);
	assert_non_null(at);
	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	FILE *f = fopen(p, "wb");
	fwrite(b, 1, (size_t)(at - b), f);
	fputs(to, f);
	fputs(at + strlen(from), f);
	fclose(f);
	free(b);
	return p;
}

static void test_bad_input_keeps_previous(void **state)
{
	(void)state;
	char *err = NULL;
	long long kev_before = sqll("SELECT count(*) FROM kev");
	char *succ = sqls("SELECT last_success FROM feed_state WHERE source = 'kev'");
	/* a bad date deep inside the catalogue (the first entry added 2021-11-03) */
	const char *p = tmp_replaced("kev-bad.json", KEV, "\"dateAdded\": \"2021-11-03\"", "\"dateAdded\": \"2021-11-31\"");
	assert_int_equal(sync_from("kev", p, NULL, &err), 1);
	assert_non_null(strstr(err, "bad dateAdded"));
	assert_non_null(strstr(err, "/vulnerabilities/"));
	free(err);
	assert_int_equal(sqll("SELECT count(*) FROM kev"), kev_before);
	char *succ2 = sqls("SELECT last_success FROM feed_state WHERE source = 'kev'");
	assert_string_equal(succ, succ2);
	char *le = sqls("SELECT last_error FROM feed_state WHERE source = 'kev'");
	assert_non_null(strstr(le, "bad dateAdded"));
	free(le);
	free(succ);
	free(succ2);
	/* a truncated catalogue */
	assert_int_equal(sync_from("kev", FX "kev/anchore-vunnel/valid-catalog-1.json", NULL, &err), 1);
	assert_non_null(strstr(err, "/count is 1273"));
	free(err);
	assert_int_equal(sqll("SELECT count(*) FROM kev"), kev_before);
	/* EPSS: a bad score on the last row: nothing of the file is written */
	p = tmp_replaced("epss-bad.csv", EPSS, "CVE-2021-44283,", "CVE-2021-44283,x");
	assert_int_equal(sync_from("epss", p, NULL, &err), 1);
	assert_non_null(strstr(err, "CVE-2021-44283"));
	free(err);
	assert_int_equal(sqll("SELECT count(*) FROM epss"), 147);
	/* a changed first score in a bad file does not leak through */
	p = tmp_replaced("epss-bad2.csv", EPSS, "CVE-1999-0001,", "CVE-1999-0001,0.5,0.5\nCVE-1999-0001x,");
	assert_int_equal(sync_from("epss", p, NULL, &err), 1);
	free(err);
	assert_int_equal(sqll("SELECT count(*) FROM epss WHERE cve_id = 'CVE-1999-0001' AND score = 0.5"), 0);
	/* ExploitDB: a missing column */
	p = tmp_replaced("xdb-bad.csv", XDB, ",codes,", ",kodes,");
	long long x_before = sqll("SELECT count(*) FROM exploit");
	assert_int_equal(sync_from("exploitdb", p, NULL, &err), 1);
	assert_non_null(strstr(err, "missing column 'codes'"));
	free(err);
	assert_int_equal(sqll("SELECT count(*) FROM exploit"), x_before);
	/* NVD: a page with a wrong totalResults */
	long long c_before = sqll("SELECT count(*) FROM cve");
	assert_int_equal(sync_from("nvd", FX "nvd/DependencyTrack-dependency-track/nvdcve-2.0-2022.json", NULL, &err), 1);
	assert_non_null(strstr(err, "totalResults 26716"));
	free(err);
	assert_int_equal(sqll("SELECT count(*) FROM cve"), c_before);
}

struct chg {
	int kev_added_log4, kev_removed_log4;
};

static void on_change(void *ctx, long long id, const char *source, const char *cve_id, const char *reason)
{
	struct chg *c = ctx;
	(void)id;
	if (strcmp(source, "kev") == 0 && strcmp(cve_id, "CVE-2021-44228") == 0) {
		c->kev_added_log4 += strcmp(reason, "kev added") == 0;
		c->kev_removed_log4 += strcmp(reason, "kev removed") == 0;
	}
}

static void test_changed_cves(void **state)
{
	(void)state;
	long long mark = sqll("SELECT coalesce(max(id), 0) FROM feed_change");
	/* a catalogue without Log4Shell (count adjusted) */
	json_t *k = json_load_file(KEV, 0, NULL), *v;
	json_t *a = json_object_get(k, "vulnerabilities");
	size_t i;
	json_array_foreach(a, i, v)
		if (strcmp(json_string_value(json_object_get(v, "cveID")), "CVE-2021-44228") == 0)
			break;
	json_array_remove(a, i);
	json_object_set_new(k, "count", json_integer((json_int_t)json_array_size(a)));
	char p[256];
	snprintf(p, sizeof(p), "%s/kev-minus.json", tmpdir);
	json_dump_file(k, p, 0);
	json_decref(k);
	assert_int_equal(sync_from("kev", p, NULL, NULL), 0);
	assert_int_equal(sqll("SELECT count(*) FROM kev WHERE cve_id = 'CVE-2021-44228'"), 0);
	assert_int_equal(sync_from("kev", KEV, NULL, NULL), 0);
	/* exactly the one removal and the one addition, read through the API
	 * the scoring pipeline uses */
	char err[256];
	struct db *db = db_open(DSN, err, sizeof(err));
	assert_non_null(db);
	struct chg c = { 0 };
	long long last = 0;
	assert_int_equal(feeds_changed_since(db, mark, 0, on_change, &c, &last), 0);
	assert_int_equal(c.kev_removed_log4, 1);
	assert_int_equal(c.kev_added_log4, 1);
	assert_int_equal(last, mark + 2);
	db_close(db);
	/* an unchanged re-sync writes nothing and logs nothing */
	assert_int_equal(sync_from("kev", KEV, NULL, NULL), 0);
	assert_int_equal(sqll("SELECT coalesce(max(id), 0) FROM feed_change"), mark + 2);
	assert_int_equal(sqll("SELECT last_written FROM feed_state WHERE source = 'kev'"), 0);
}

/* the daily schedule: due when a source was not attempted since today's
 * sync time */
static void test_due(void **state)
{
	(void)state;
	char err[256];
	int due = -1;
	struct db *db = db_open(DSN, err, sizeof(err));
	assert_non_null(db);
	assert_true(th_sql_ok(DSN, "UPDATE feed_state SET last_attempt = now()"));
	assert_int_equal(feeds_due(db, "00:00", &due), 0);
	assert_int_equal(due, 0);
	assert_true(th_sql_ok(DSN, "UPDATE feed_state SET last_attempt = now() - interval '2 days' WHERE source = 'epss'"));
	assert_int_equal(feeds_due(db, "00:00", &due), 0);
	assert_int_equal(due, 1);
	/* not before the time of day: a time later than now (unless now is 23:59) */
	char *late = sqls("SELECT CASE WHEN (now() AT TIME ZONE 'UTC')::time < '23:59' THEN '23:59' ELSE '' END");
	if (late[0]) {
		assert_int_equal(feeds_due(db, late, &due), 0);
		assert_int_equal(due, 0);
	}
	free(late);
	db_close(db);
}

/* the daily job: every source from its configured location, then the
 * rescoring job is queued */
static void test_daily_job(void **state)
{
	(void)state;
	char err[512];
	assert_int_equal(cfg_load(NULL, err, sizeof(err)), 0);
	assert_int_equal(cfg_set("feeds_sync_time", "00:00", err, sizeof(err)), 0);
	assert_int_equal(cfg_set("kev_url", KEV, err, sizeof(err)), 0);
	assert_int_equal(cfg_set("epss_url", EPSS, err, sizeof(err)), 0);
	assert_int_equal(cfg_set("exploitdb_url", XDB, err, sizeof(err)), 0);
	assert_int_equal(cfg_set("nvd_url", FKIE, err, sizeof(err)), 0);
	struct db *db = db_open(DSN, err, sizeof(err));
	assert_non_null(db);
	assert_true(th_sql_ok(DSN, "UPDATE feed_state SET last_attempt = now() - interval '2 days'"));
	assert_int_equal(feeds_task_daily(db), 0);
	assert_int_equal(feeds_task_daily(db), 0); /* once a day */
	assert_int_equal(sqll("SELECT count(*) FROM job WHERE kind = 'feeds.sync'"), 1);
	long long before = sqll("SELECT count(*) FROM job WHERE kind = 'score.feeds'");
	assert_int_equal(job_feeds_sync(db, NULL, err, sizeof(err)), 0);
	assert_int_equal(sqll("SELECT count(*) FROM job WHERE kind = 'score.feeds'"), before + 1);
	assert_int_equal(sqll("SELECT count(*) FROM feed_state WHERE last_success > now() - interval '1 minute' "
			      "AND last_error IS NULL"), 4);
	assert_int_equal(sqll("SELECT count(*) FROM cve WHERE id IN ('CVE-2025-0108', 'CVE-2019-7238')"), 2);
	/* a broken source fails the job (retried later), the others still sync */
	assert_int_equal(cfg_set("epss_url", FX "epss/anchore-vunnel/missing-date.csv", err, sizeof(err)), 0);
	assert_int_equal(job_feeds_sync(db, NULL, err, sizeof(err)), -2 /* FF_ETEMP */);
	assert_non_null(strstr(err, "epss: "));
	assert_int_equal(sqll("SELECT count(*) FROM epss"), 147);
	db_close(db);
}

/* ---- NVD through the fake API ---- */

static struct fakeproc fake;

static json_t *fake_log(void)
{
	char url[128];
	struct hc_request req = { .method = "GET", .url = url };
	struct hc_response r;
	snprintf(url, sizeof(url), "%s/_log", fake.base);
	assert_int_equal(hc_perform(&req, &r), 0);
	json_t *a = json_array();
	char *save = NULL;
	for (char *line = strtok_r(r.body, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		json_array_append_new(a, json_loads(line, 0, NULL));
	hc_response_free(&r);
	return a;
}

static void test_nvd_fake_full(void **state)
{
	(void)state;
	const char *args[] = { "--fixtures", FKIE, FX "nvd/anchore-vunnel/full-page.json", "--generate", "30", "--rate",
			       "1000", NULL };
	assert_int_equal(fakeproc_start(&fake, "nvd_fake.py", args), 0);
	char url[128];
	snprintf(url, sizeof(url), "%s/rest/json/cves/2.0", fake.base);
	const char *env[] = { "FLAWFIX_NVD_RATE_REQUESTS=1000", "FLAWFIX_NVD_RESULTS_PER_PAGE=10", NULL };
	char *err = NULL;
	long long before = sqll("SELECT count(*) FROM cve");
	assert_int_equal(sync_from("nvd", url, env, &err), 0);
	free(err);
	/* 7 records, a 38-record page and 30 generated: all read, all there
	 * (the 7 may already be present from the daily job's local sync) */
	assert_int_equal(sqll("SELECT last_read FROM feed_state WHERE source = 'nvd'"), 7 + 38 + 30);
	assert_true(sqll("SELECT count(*) FROM cve") - before >= 38 + 30);
	assert_int_equal(sqll("SELECT count(*) FROM cve WHERE id LIKE 'CVE-2030-%'"), 30);
	/* field checks against the record files */
	json_t *r = json_load_file(FKIE "/CVE-2025-0108.json", 0, NULL);
	json_t *m = json_array_get(json_object_get(json_object_get(r, "metrics"), "cvssMetricV40"), 0);
	char *got = sqls("SELECT base_version || '|' || base_vector || '|' || base_source || '|' || base_type || '|' || "
			 "cna || '|' || vuln_status FROM cve WHERE id = 'CVE-2025-0108'");
	char want[1024];
	snprintf(want, sizeof(want), "4.0|%s|%s|%s|%s|%s",
		 json_string_value(json_object_get(json_object_get(m, "cvssData"), "vectorString")),
		 json_string_value(json_object_get(m, "source")), json_string_value(json_object_get(m, "type")),
		 json_string_value(json_object_get(r, "sourceIdentifier")), json_string_value(json_object_get(r, "vulnStatus")));
	assert_string_equal(got, want);
	free(got);
	json_decref(r);
	assert_int_equal(sqll("SELECT rejected::int FROM cve WHERE id = 'CVE-2023-2248'"), 1);
	/* every metric entry of the record file is kept */
	r = json_load_file(FKIE "/CVE-2022-22965.json", 0, NULL);
	const char *keys[] = { "cvssMetricV40", "cvssMetricV31", "cvssMetricV30", "cvssMetricV2" };
	long long nm = 0;
	for (int k = 0; k < 4; k++)
		nm += (long long)json_array_size(json_object_get(json_object_get(r, "metrics"), keys[k]));
	json_decref(r);
	assert_true(nm > 1);
	assert_int_equal(sqll("SELECT jsonb_array_length(metrics) FROM cve WHERE id = 'CVE-2022-22965'"), nm);
	assert_int_equal(sqll("SELECT count(*) FROM cve WHERE id = 'CVE-2022-22965' AND base_type = 'Primary' "
			      "AND base_version = '3.1'"), 1);
	/* the sync mark is set, the cursor cleared */
	assert_int_equal(sqll("SELECT (sync_mark IS NOT NULL AND resume_cursor IS NULL)::int FROM feed_state "
			      "WHERE source = 'nvd'"), 1);
	fakeproc_stop(&fake);
}

static void test_nvd_resume_after_kill(void **state)
{
	(void)state;
	/* 300 records, one per day of 2024; an incremental sync from 2024-01-01 */
	const char *args[] = { "--generate", "300", "--gen-step", "86400", "--rate", "1000", "--delay-ms", "80", NULL };
	assert_int_equal(fakeproc_start(&fake, "nvd_fake.py", args), 0);
	char url[128];
	snprintf(url, sizeof(url), "%s/rest/json/cves/2.0", fake.base);
	assert_true(th_sql_ok(DSN, "UPDATE feed_state SET sync_mark = '2024-01-01T00:00:00.000+00:00', "
				   "resume_cursor = NULL WHERE source = 'nvd'"));
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("FLAWFIX_DATABASE_URL", DSN, 1);
		setenv("FLAWFIX_NVD_RATE_REQUESTS", "1000", 1);
		setenv("FLAWFIX_NVD_RESULTS_PER_PAGE", "10", 1);
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 2);
		execl(FF_BINARY, FF_BINARY, "feeds", "sync", "--source", "nvd", "--from", url, (char *)NULL);
		_exit(127);
	}
	long served = 0;
	for (int i = 0; i < 500 && served < 14; i++) {
		usleep(20000);
		json_t *l = fake_log();
		served = (long)json_array_size(l);
		json_decref(l);
	}
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFSIGNALED(st));
	long long done = sqll("SELECT count(*) FROM cve WHERE id LIKE 'CVE-2030-%'");
	assert_true(done >= 100);
	char *cj = sqls("SELECT resume_cursor::text FROM feed_state WHERE source = 'nvd'");
	struct feed_cursor cur;
	assert_int_equal(feed_cursor_from_json(cj, &cur), 0);
	free(cj);
	json_t *l = fake_log();
	size_t nbefore = json_array_size(l);
	json_decref(l);
	/* run again: continues at the cursor, the killed page is fetched again,
	 * the completed ones are not */
	const char *env[] = { "FLAWFIX_NVD_RATE_REQUESTS=1000", "FLAWFIX_NVD_RESULTS_PER_PAGE=10", NULL };
	char *err = NULL;
	assert_int_equal(sync_from("nvd", url, env, &err), 0);
	assert_non_null(strstr(err, "resuming window"));
	free(err);
	l = fake_log();
	json_t *first = json_object_get(json_array_get(l, nbefore), "query");
	char want[32];
	snprintf(want, sizeof(want), "%lld", cur.next_index);
	assert_string_equal(json_string_value(json_object_get(first, "startIndex")), want);
	assert_true(strncmp(json_string_value(json_object_get(first, "lastModStartDate")), cur.win_start, 19) == 0);
	json_decref(l);
	/* all 300 generated records (all inside 2024) are there */
	assert_int_equal(sqll("SELECT count(*) FROM cve WHERE id LIKE 'CVE-2030-%'"), 300);
	assert_int_equal(sqll("SELECT (resume_cursor IS NULL)::int FROM feed_state WHERE source = 'nvd'"), 1);
	fakeproc_stop(&fake);
}

/* runs after every test, passed or failed: no fake outlives its test */
static int stop_fake(void **state)
{
	(void)state;
	fakeproc_stop(&fake);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_snapshot_sources, stop_fake),
		cmocka_unit_test_teardown(test_bad_input_keeps_previous, stop_fake),
		cmocka_unit_test_teardown(test_changed_cves, stop_fake),
		cmocka_unit_test_teardown(test_due, stop_fake),
		cmocka_unit_test_teardown(test_daily_job, stop_fake),
		cmocka_unit_test_teardown(test_nvd_fake_full, stop_fake),
		cmocka_unit_test_teardown(test_nvd_resume_after_kill, stop_fake),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
