/* Continuous risk scoring end to end (real PostgreSQL, real daemon, the
 * real feed fixtures): a CVE from a real Trivy report gets its NVD base
 * vector, becomes exploited (E:H for CVSS 3.1) when the CVE enters the CISA
 * KEV file and it is synced, and the change is an audit event with the old
 * and new values; changing an asset's security requirement rescores only
 * that asset's findings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/harness/th.h"

#define S4S "tests/fixtures/scanners/trivy/aquasecurity-trivy/spring4shell-jre11.json"
#define KEV "tests/fixtures/feeds/kev/cisagov-kev-data/known_exploited_vulnerabilities.json"
#define NVD "tests/fixtures/feeds/nvd/fkie-cad-nvd-json-data-feeds"

static struct th_daemon D;
static char DSN[512];

static int setup(void **state)
{
	(void)state;
	snprintf(DSN, sizeof(DSN), "%s", th_db_new("score"));
	const char *env[] = { "FLAWFIX_JOB_POLL_MS=20", "FLAWFIX_SCAN_WAIT_SECONDS=30", NULL };
	return th_daemon_start(&D, DSN, env);
}

static int teardown(void **state)
{
	(void)state;
	th_daemon_stop(&D, SIGTERM);
	return 0;
}

static void jobs_settle(void)
{
	for (int i = 0; i < 300; i++) {
		char *n = th_sql(DSN, "SELECT count(*) FROM job WHERE state IN ('queued', 'running')");
		int busy = atoi(n);
		free(n);
		if (!busy)
			return;
		usleep(50000);
	}
	fail_msg("jobs did not finish");
}

static void asset_with_report(const char *slug, const char *cr)
{
	char body[400], path[128];
	snprintf(body, sizeof(body),
		 "{\"name\":\"%s\",\"slug\":\"%s\",\"kind\":\"application\",\"technical_owners\":[\"admin\"],"
		 "\"internet_exposed\":true,\"confidentiality_requirement\":\"%s\",\"integrity_requirement\":\"high\"}",
		 slug, slug, cr);
	assert_int_equal(th_http(&D, "POST", "/api/v1/assets", D.token, body, NULL), 201);
	char *rep = th_read_file(S4S);
	snprintf(path, sizeof(path), "/api/v1/assets/%s/scans?scanner=trivy&target=bar", slug);
	assert_int_equal(th_http_ct(&D, "POST", path, D.token, "application/json", rep, strlen(rep), NULL), 201);
	free(rep);
	jobs_settle();
}

static json_t *finding(const char *slug)
{
	char sql[256], path[64], *out = NULL;
	snprintf(sql, sizeof(sql), "SELECT f.id FROM finding f JOIN asset a ON a.id = f.asset_id"
				   " WHERE a.slug = '%s' AND f.primary_id = 'CVE-2022-22965'", slug);
	char *id = th_sql(DSN, sql);
	assert_true(id && *id);
	snprintf(path, sizeof(path), "/api/v1/findings/%s", id);
	free(id);
	assert_int_equal(th_http(&D, "GET", path, D.token, NULL, &out), 200);
	json_t *f = json_loads(out, 0, NULL);
	free(out);
	return f;
}

static const char *scoring(json_t *f, const char *key)
{
	return json_string_value(json_object_get(json_object_get(f, "scoring"), key));
}

static void feed_sync(const char *source, const char *from)
{
	const char *args[] = { "feeds", "sync", "--source", source, "--from", from, NULL };
	char *out = NULL, *err = NULL;
	int rc = th_run(DSN, args, NULL, NULL, &out, &err);
	if (rc != 0)
		fail_msg("feeds sync %s failed: %s %s", source, out, err);
	free(out);
	free(err);
}

/* the real KEV catalogue without one CVE */
static void kev_without(const char *cve, const char *path)
{
	json_t *k = json_load_file(KEV, 0, NULL);
	json_t *v = json_object_get(k, "vulnerabilities");
	for (size_t i = 0; i < json_array_size(v); i++) {
		if (strcmp(json_string_value(json_object_get(json_array_get(v, i), "cveID")), cve) == 0) {
			json_array_remove(v, i);
			break;
		}
	}
	json_object_set_new(k, "count", json_integer((json_int_t)json_array_size(v)));
	assert_int_equal(json_dump_file(k, path, 0), 0);
	json_decref(k);
}

static void test_nvd_then_kev(void **state)
{
	(void)state;
	asset_with_report("s4s", "high");
	char kev[256];
	snprintf(kev, sizeof(kev), "%s/kev-without.json", D.dir);
	kev_without("CVE-2022-22965", kev);
	feed_sync("kev", kev);
	feed_sync("nvd", NVD);
	json_t *f = finding("s4s");
	json_t *base = json_object_get(json_object_get(f, "scoring"), "base");
	const char *src = json_string_value(json_object_get(base, "source"));
	assert_non_null(src);
	assert_non_null(strstr(src, "NVD"));
	assert_string_equal(json_string_value(json_object_get(base, "vector")),
			    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
	char *before = strdup(scoring(f, "composed_vector"));
	assert_non_null(strstr(before, "E:U"));
	assert_non_null(strstr(before, "CR:H"));
	double score_before = json_real_value(json_object_get(json_object_get(f, "scoring"), "score"));
	json_decref(f);

	/* the CVE enters the KEV catalogue */
	feed_sync("kev", KEV);
	f = finding("s4s");
	const char *after = scoring(f, "composed_vector");
	assert_non_null(strstr(after, "E:H"));
	double score_after = json_real_value(json_object_get(json_object_get(f, "scoring"), "score"));
	assert_true(score_after > score_before);
	/* the threat evidence and the explanation say why */
	json_t *kevj = json_object_get(json_object_get(json_object_get(f, "scoring"), "threat"), "kev");
	assert_string_equal(json_string_value(json_object_get(kevj, "date_added")), "2022-04-04");
	json_t *lines = json_object_get(json_object_get(f, "scoring"), "explanation");
	int found = 0;
	for (size_t i = 0; i < json_array_size(lines); i++)
		if (strstr(json_string_value(json_array_get(lines, i)), "CISA KEV since 2022-04-04"))
			found = 1;
	assert_true(found);
	/* the change is an event with old and new values and the reason */
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "SELECT (payload->'old'->>'vector') || '|' || (payload->'new'->>'vector') || '|' ||"
		 " (payload->>'reason') FROM event WHERE type = 'score.changed' AND finding_id = %lld"
		 " ORDER BY id DESC LIMIT 1", (long long)json_integer_value(json_object_get(f, "id")));
	char *ev = th_sql(DSN, sql);
	char want[512];
	snprintf(want, sizeof(want), "%s|%s|", before, after);
	if (strncmp(ev, want, strlen(want)) != 0 || !strstr(ev, "kev"))
		fail_msg("score event %s, want %s + kev reason", ev, want);
	free(ev);
	free(before);
	json_decref(f);
	const char *verify[] = { "audit", "verify", NULL };
	assert_int_equal(th_run(DSN, verify, NULL, NULL, NULL, NULL), 0);
}

static int score_events(const char *slug)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM event e JOIN finding f ON f.id = e.finding_id JOIN asset a"
				   " ON a.id = f.asset_id WHERE a.slug = '%s' AND e.type = 'score.changed'", slug);
	char *n = th_sql(DSN, sql);
	int v = atoi(n);
	free(n);
	return v;
}

static void test_requirement_change_rescores_that_asset_only(void **state)
{
	(void)state;
	asset_with_report("req-a", "high");
	asset_with_report("req-b", "high");
	int a0 = score_events("req-a"), b0 = score_events("req-b");
	json_t *fa = finding("req-a"), *fb = finding("req-b");
	assert_string_equal(scoring(fa, "composed_vector"), scoring(fb, "composed_vector"));
	json_decref(fa);
	json_decref(fb);
	assert_int_equal(th_http(&D, "PATCH", "/api/v1/assets/req-a", D.token, "{\"confidentiality_requirement\":\"low\"}",
				 NULL), 200);
	jobs_settle();
	assert_int_equal(score_events("req-a"), a0 + 1);
	assert_int_equal(score_events("req-b"), b0);
	fa = finding("req-a");
	fb = finding("req-b");
	assert_non_null(strstr(scoring(fa, "composed_vector"), "CR:L"));
	assert_non_null(strstr(scoring(fb, "composed_vector"), "CR:H"));
	json_decref(fa);
	json_decref(fb);
	char *why = th_sql(DSN, "SELECT payload->>'reason' FROM event WHERE type = 'score.changed' ORDER BY id DESC LIMIT 1");
	assert_non_null(strstr(why, "confidentiality_requirement"));
	free(why);
	/* exposure off: AV:N becomes MAV:A (and back with keep_network_av) */
	assert_int_equal(th_http(&D, "PATCH", "/api/v1/assets/req-b", D.token, "{\"internet_exposed\":false}", NULL), 200);
	jobs_settle();
	fb = finding("req-b");
	assert_non_null(strstr(scoring(fb, "composed_vector"), "MAV:A"));
	json_decref(fb);
	assert_int_equal(th_http(&D, "PATCH", "/api/v1/assets/req-b", D.token, "{\"keep_network_av\":true}", NULL), 200);
	jobs_settle();
	fb = finding("req-b");
	assert_null(strstr(scoring(fb, "composed_vector"), "MAV:A"));
	json_decref(fb);
	/* a change that does not touch the score enqueues nothing */
	char *jobs0 = th_sql(DSN, "SELECT count(*) FROM job WHERE kind = 'score.asset'");
	assert_int_equal(th_http(&D, "PATCH", "/api/v1/assets/req-b", D.token, "{\"owner\":\"Team B\"}", NULL), 200);
	char *jobs1 = th_sql(DSN, "SELECT count(*) FROM job WHERE kind = 'score.asset'");
	assert_string_equal(jobs0, jobs1);
	free(jobs0);
	free(jobs1);
	/* the risk snapshot of today exists */
	char *snap = th_sql(DSN, "SELECT count(*) > 0 FROM risk_snapshot r JOIN asset a ON a.id = r.asset_id"
				 " WHERE a.slug = 'req-a' AND r.day = current_date");
	assert_string_equal(snap, "t");
	free(snap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nvd_then_kev),
		cmocka_unit_test(test_requirement_change_rescores_that_asset_only),
	};
	return cmocka_run_group_tests_name("scoring", tests, setup, teardown);
}
