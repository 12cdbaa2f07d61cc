/* policy.c: settings, date arithmetic, and what the scheduler must do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/fftime.h"
#include "common/rc.h"
#include "workflow/policy.h"
#include "workflow/wf.h"

static int64_t day_of(const char *date)
{
	int64_t d = 0;
	assert_int_equal(ff_date_parse(date, &d), FF_OK);
	return d;
}

static int64_t noon(const char *date)
{
	return day_of(date) * 86400000LL + 12 * 3600000LL;
}

static void assert_date(int64_t day, const char *expect)
{
	char buf[11];
	ff_days_to_date(day, buf);
	assert_string_equal(buf, expect);
}

static void test_defaults(void **state)
{
	(void)state;
	struct wf_policy p;
	wf_policy_defaults(&p);
	assert_false(p.four_eyes);
	assert_false(p.auto_accept);
	assert_int_equal(p.auto_accept_below10, 40);
	assert_int_equal(p.fp_revalidation_months, 6);
	assert_int_equal(p.max_accept_days[FF_SEV_CRITICAL], 30);
	assert_int_equal(p.max_accept_days[FF_SEV_HIGH], 90);
	assert_int_equal(p.sla_days[FF_SEV_CRITICAL], 15);
	assert_int_equal(p.sla_days[FF_SEV_NONE], 0);
	assert_int_equal(p.reminder_days, 14);
	assert_int_equal(p.justification_min, 20);
}

static void test_set_and_override(void **state)
{
	(void)state;
	struct wf_policy org, asset, before;
	const char *err = NULL;
	wf_policy_defaults(&org);
	/* organisation settings */
	assert_int_equal(wf_policy_set(&org, "auto_accept", "true", &err), FF_OK);
	assert_int_equal(wf_policy_set(&org, "auto_accept_below", "7.5", &err), FF_OK);
	assert_int_equal(org.auto_accept_below10, 75);
	assert_int_equal(wf_policy_set(&org, "auto_accept_below", "10.0", &err), FF_OK);
	assert_int_equal(org.auto_accept_below10, 100);
	assert_int_equal(wf_policy_set(&org, "auto_accept_below", "3", &err), FF_OK);
	assert_int_equal(org.auto_accept_below10, 30);
	assert_int_equal(wf_policy_set(&org, "sla_days.critical", "7", &err), FF_OK);
	assert_int_equal(wf_policy_set(&org, "max_accept_days.unknown", "14", &err), FF_OK);
	assert_int_equal(org.max_accept_days[FF_SEV_UNKNOWN], 14);
	/* asset overrides on top of the organisation */
	asset = org;
	assert_int_equal(wf_policy_set(&asset, "four_eyes", "true", &err), FF_OK);
	assert_int_equal(wf_policy_set(&asset, "sla_days.critical", "3", &err), FF_OK);
	assert_true(asset.four_eyes);
	assert_false(org.four_eyes);
	assert_int_equal(asset.sla_days[FF_SEV_CRITICAL], 3);
	assert_int_equal(org.sla_days[FF_SEV_CRITICAL], 7);
	assert_int_equal(asset.auto_accept_below10, 30); /* inherited */

	/* refusals leave the policy unchanged */
	static const struct { const char *k, *v; int rc; } bad[] = {
		{ "auto_accept_below", "10.1", FF_EINVAL }, { "auto_accept_below", "7.55", FF_EINVAL },
		{ "auto_accept_below", "-1", FF_EINVAL },   { "auto_accept_below", ".5", FF_EINVAL },
		{ "auto_accept_below", "5.", FF_EINVAL },   { "auto_accept_below", "abc", FF_EINVAL },
		{ "auto_accept", "yes", FF_EINVAL },        { "auto_accept_days", "0", FF_EINVAL },
		{ "max_accept_days.high", "0", FF_EINVAL }, { "max_accept_days.high", "3651", FF_EINVAL },
		{ "fp_revalidation_months", "61", FF_EINVAL }, { "reminder_days", "7x", FF_EINVAL },
		{ "justification_min_length", "", FF_EINVAL }, { "max_accept_days.moderate", "5", FF_ENOTFOUND },
		{ "max_accept_days.", "5", FF_ENOTFOUND }, { "sla_days.High", "5", FF_ENOTFOUND },
		{ "no_such_key", "1", FF_ENOTFOUND },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		before = asset;
		err = NULL;
		int rc = wf_policy_set(&asset, bad[i].k, bad[i].v, &err);
		if (rc != bad[i].rc)
			fail_msg("%s=%s: rc %d", bad[i].k, bad[i].v, rc);
		assert_non_null(err);
		assert_memory_equal(&before, &asset, sizeof(asset));
	}
	assert_int_equal(wf_policy_set(&asset, NULL, "1", NULL), FF_EINVAL);
	/* zero SLA days are allowed: no SLA for that severity */
	assert_int_equal(wf_policy_set(&asset, "sla_days.low", "0", &err), FF_OK);
	assert_int_equal(wf_policy_sla_due(&asset, FF_SEV_LOW, day_of("2026-01-01")), WF_DATE_CLEAR);
}

struct kv_log {
	char text[4096];
	size_t len;
	int count;
	struct wf_policy *replay;
};

static void collect(const char *key, const char *value, void *ctx)
{
	struct kv_log *log = ctx;
	int n = snprintf(log->text + log->len, sizeof(log->text) - log->len, "%s=%s\n", key, value);
	assert_true(n > 0 && (size_t)n < sizeof(log->text) - log->len);
	log->len += (size_t)n;
	log->count++;
	assert_int_equal(wf_policy_set(log->replay, key, value, NULL), FF_OK);
}

/* every key is listed with a value wf_policy_set takes back unchanged */
static void test_each_round_trip(void **state)
{
	(void)state;
	struct wf_policy p, back;
	struct kv_log log = { .replay = &back };
	wf_policy_defaults(&p);
	assert_int_equal(wf_policy_set(&p, "auto_accept_below", "6.9", NULL), FF_OK);
	assert_int_equal(wf_policy_set(&p, "four_eyes", "true", NULL), FF_OK);
	assert_int_equal(wf_policy_set(&p, "sla_days.medium", "45", NULL), FF_OK);
	wf_policy_defaults(&back);
	back.four_eyes = false;
	back.auto_accept_below10 = 1;
	back.sla_days[FF_SEV_MEDIUM] = 1;
	wf_policy_each(&p, collect, &log);
	assert_int_equal(log.count, 7 + 2 * 6);
	assert_memory_equal(&p, &back, sizeof(p));
	assert_non_null(strstr(log.text, "four_eyes=true\n"));
	assert_non_null(strstr(log.text, "auto_accept_below=6.9\n"));
	assert_non_null(strstr(log.text, "sla_days.medium=45\n"));
	assert_non_null(strstr(log.text, "max_accept_days.critical=30\n"));
	assert_non_null(strstr(log.text, "fp_revalidation_months=6\n"));
}

static void test_dates(void **state)
{
	(void)state;
	assert_int_equal(wf_day_of_ms(0), 0);
	assert_int_equal(wf_day_of_ms(86399999), 0);
	assert_int_equal(wf_day_of_ms(86400000), 1);
	assert_int_equal(wf_day_of_ms(-1), -1);
	assert_int_equal(wf_day_of_ms(noon("2026-12-04")), day_of("2026-12-04"));
	assert_date(wf_date_add_months(day_of("2026-12-04"), 6), "2027-06-04");
	assert_date(wf_date_add_months(day_of("2026-08-31"), 6), "2027-02-28");
	assert_date(wf_date_add_months(day_of("2027-08-31"), 6), "2028-02-29");
	assert_date(wf_date_add_months(day_of("2026-01-31"), 1), "2026-02-28");
	assert_date(wf_date_add_months(day_of("2026-03-31"), -1), "2026-02-28");
	assert_date(wf_date_add_months(day_of("2026-12-15"), 13), "2028-01-15");
	assert_date(wf_date_add_months(day_of("2026-01-15"), -13), "2024-12-15");
	struct wf_policy p;
	wf_policy_defaults(&p);
	assert_date(wf_policy_revalidation_date(&p, day_of("2026-08-31")), "2027-02-28");
	assert_date(wf_policy_review_max(&p, FF_SEV_CRITICAL, day_of("2026-12-04")), "2027-01-03");
	/* out-of-range severities take the unknown row */
	assert_date(wf_policy_review_max(&p, (enum ff_severity)42, day_of("2026-12-04")), "2027-03-04");
	assert_date(wf_policy_sla_due(&p, FF_SEV_HIGH, day_of("2026-12-04")), "2027-01-03");
}

static void test_auto_accept_threshold(void **state)
{
	(void)state;
	struct wf_policy p;
	struct wf_due due;
	wf_policy_defaults(&p);
	struct wf_sched_facts f = { .state = WF_S_OPEN, .severity = FF_SEV_LOW, .score10 = 39,
				    .first_seen_day = day_of("2026-12-01") };
	/* off by default */
	assert_false(wf_policy_auto_accepts(&p, 39));
	wf_policy_due(&p, &f, noon("2026-12-04"), &due);
	assert_int_equal(due.actions & WF_DUE_AUTO_ACCEPT, 0);
	assert_int_equal(wf_policy_set(&p, "auto_accept", "true", NULL), FF_OK);
	assert_true(wf_policy_auto_accepts(&p, 39));
	assert_true(wf_policy_auto_accepts(&p, 0));
	assert_false(wf_policy_auto_accepts(&p, 40));
	assert_false(wf_policy_auto_accepts(&p, -1));
	wf_policy_due(&p, &f, noon("2026-12-04"), &due);
	assert_int_equal(due.actions, WF_DUE_AUTO_ACCEPT);
	f.score10 = 40;
	wf_policy_due(&p, &f, noon("2026-12-04"), &due);
	assert_int_equal(due.actions, 0);
	/* not for other states */
	f.score10 = 10;
	f.state = WF_S_MITIGATING;
	wf_policy_due(&p, &f, noon("2026-12-04"), &due);
	assert_int_equal(due.actions & WF_DUE_AUTO_ACCEPT, 0);
}

/* an auto acceptance is re-evaluated: score at or above the threshold reopens */
static void test_auto_accept_reevaluation(void **state)
{
	(void)state;
	struct wf_policy p;
	struct wf_due due;
	wf_policy_defaults(&p);
	assert_int_equal(wf_policy_set(&p, "auto_accept", "true", NULL), FF_OK);
	assert_int_equal(wf_policy_set(&p, "auto_accept_below", "5.0", NULL), FF_OK);
	struct wf_sched_facts f = { .state = WF_S_ACCEPTED, .severity = FF_SEV_MEDIUM, .score10 = 49,
				    .review_date = day_of("2027-03-01"), .auto_accepted = true };
	wf_policy_due(&p, &f, noon("2026-12-04"), &due);
	assert_int_equal(due.actions & WF_DUE_REOPEN, 0);
	f.score10 = 50;
	wf_policy_due(&p, &f, noon("2026-12-04"), &due);
	assert_int_equal(due.actions, WF_DUE_REOPEN);
	assert_int_equal(due.reopen_why, WF_DUE_WHY_SCORE_ROSE);
	assert_string_equal(wf_due_reason_text(due.reopen_why), "score rose to or above the auto-accept threshold");
	/* a human acceptance is not re-evaluated by score */
	f.auto_accepted = false;
	wf_policy_due(&p, &f, noon("2026-12-04"), &due);
	assert_int_equal(due.actions & WF_DUE_REOPEN, 0);
}

static void test_acceptance_expiry_and_reminders(void **state)
{
	(void)state;
	struct wf_policy p;
	struct wf_due due;
	wf_policy_defaults(&p);
	struct wf_sched_facts f = { .state = WF_S_ACCEPTED, .severity = FF_SEV_HIGH, .score10 = 80,
				    .review_date = day_of("2026-12-20") };
	/* 16 days ahead: nothing yet (reminder 14 days ahead) */
	wf_policy_due(&p, &f, noon("2026-12-04"), &due);
	assert_int_equal(due.actions, 0);
	/* 14 days ahead: reminder */
	wf_policy_due(&p, &f, noon("2026-12-06"), &due);
	assert_int_equal(due.actions, WF_DUE_REMIND);
	assert_int_equal(due.remind_date, day_of("2026-12-20"));
	assert_int_equal(due.days_left, 14);
	/* the day before: still due (a missed day is caught up) */
	wf_policy_due(&p, &f, noon("2026-12-19"), &due);
	assert_int_equal(due.actions, WF_DUE_REMIND);
	assert_int_equal(due.days_left, 1);
	/* on the date: reopen, no reminder */
	wf_policy_due(&p, &f, noon("2026-12-20"), &due);
	assert_int_equal(due.actions, WF_DUE_REOPEN);
	assert_int_equal(due.reopen_why, WF_DUE_WHY_ACCEPTANCE_EXPIRED);
	wf_policy_due(&p, &f, noon("2027-01-20"), &due);
	assert_int_equal(due.actions, WF_DUE_REOPEN);
	/* no SLA flag for an accepted finding, however old */
	f.first_seen_day = day_of("2020-01-01");
	wf_policy_due(&p, &f, noon("2026-12-10"), &due);
	assert_int_equal(due.actions & WF_DUE_SLA_BREACH, 0);
	/* reminders off */
	assert_int_equal(wf_policy_set(&p, "reminder_days", "0", NULL), FF_OK);
	wf_policy_due(&p, &f, noon("2026-12-19"), &due);
	assert_int_equal(due.actions, 0);
	/* configurable lead time */
	assert_int_equal(wf_policy_set(&p, "reminder_days", "3", NULL), FF_OK);
	wf_policy_due(&p, &f, noon("2026-12-16"), &due);
	assert_int_equal(due.actions, 0);
	wf_policy_due(&p, &f, noon("2026-12-17"), &due);
	assert_int_equal(due.actions, WF_DUE_REMIND);
}

static void test_fp_revalidation(void **state)
{
	(void)state;
	struct wf_policy p;
	struct wf_due due;
	wf_policy_defaults(&p);
	/* marked on 2026-06-04: the default revalidation date is 2026-12-04 */
	int64_t reval = wf_policy_revalidation_date(&p, day_of("2026-06-04"));
	assert_date(reval, "2026-12-04");
	struct wf_sched_facts f = { .state = WF_S_FALSE_POSITIVE, .severity = FF_SEV_CRITICAL,
				    .score10 = 95, .first_seen_day = day_of("2026-01-01"),
				    .revalidation_date = reval };
	wf_policy_due(&p, &f, noon("2026-11-19"), &due);
	assert_int_equal(due.actions, 0);
	wf_policy_due(&p, &f, noon("2026-11-20"), &due);
	assert_int_equal(due.actions, WF_DUE_REMIND);
	assert_int_equal(due.remind_date, reval);
	wf_policy_due(&p, &f, noon("2026-12-04"), &due);
	assert_int_equal(due.actions, WF_DUE_REOPEN);
	assert_int_equal(due.reopen_why, WF_DUE_WHY_REVALIDATION_DUE);
	/* no date stored: nothing to do */
	f.revalidation_date = 0;
	wf_policy_due(&p, &f, noon("2026-12-04"), &due);
	assert_int_equal(due.actions, 0);
}

static void test_sla_breach(void **state)
{
	(void)state;
	struct wf_policy p;
	struct wf_due due;
	wf_policy_defaults(&p);
	struct wf_sched_facts f = { .state = WF_S_OPEN, .severity = FF_SEV_HIGH, .score10 = 80,
				    .first_seen_day = day_of("2026-11-01") };
	/* high: 30 days -> due 2026-12-01 */
	wf_policy_due(&p, &f, noon("2026-12-01"), &due);
	assert_int_equal(due.actions, 0);
	assert_int_equal(due.sla_due, day_of("2026-12-01"));
	wf_policy_due(&p, &f, noon("2026-12-04"), &due);
	assert_int_equal(due.actions, WF_DUE_SLA_BREACH);
	assert_int_equal(due.days_over, 3);
	/* still breached while being mitigated or verified or awaiting approval */
	static const enum wf_state counted[] = { WF_S_MITIGATING, WF_S_VERIFYING, WF_S_ACCEPTANCE_REQUESTED };
	for (size_t i = 0; i < 3; i++) {
		f.state = counted[i];
		wf_policy_due(&p, &f, noon("2026-12-04"), &due);
		assert_int_equal(due.actions, WF_DUE_SLA_BREACH);
	}
	static const enum wf_state not_counted[] = { WF_S_TRANSFERRED, WF_S_AVOIDED, WF_S_FIXED,
						      WF_S_FALSE_POSITIVE };
	for (size_t i = 0; i < 4; i++) {
		f.state = not_counted[i];
		wf_policy_due(&p, &f, noon("2026-12-04"), &due);
		assert_int_equal(due.actions & WF_DUE_SLA_BREACH, 0);
	}
	/* critical is stricter, and configurable per asset */
	f.state = WF_S_OPEN;
	f.severity = FF_SEV_CRITICAL;
	wf_policy_due(&p, &f, noon("2026-11-17"), &due);
	assert_int_equal(due.actions, WF_DUE_SLA_BREACH);
	assert_int_equal(due.days_over, 1);
	assert_int_equal(wf_policy_set(&p, "sla_days.critical", "60", NULL), FF_OK);
	wf_policy_due(&p, &f, noon("2026-11-17"), &due);
	assert_int_equal(due.actions, 0);
	/* no SLA for severity none */
	f.severity = FF_SEV_NONE;
	wf_policy_due(&p, &f, noon("2030-01-01"), &due);
	assert_int_equal(due.actions, 0);
	assert_int_equal(due.sla_due, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_set_and_override),
		cmocka_unit_test(test_each_round_trip),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_auto_accept_threshold),
		cmocka_unit_test(test_auto_accept_reevaluation),
		cmocka_unit_test(test_acceptance_expiry_and_reminders),
		cmocka_unit_test(test_fp_revalidation),
		cmocka_unit_test(test_sla_breach),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
