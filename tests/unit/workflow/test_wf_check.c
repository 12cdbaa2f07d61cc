/* wf_check: required-field rules (422), actor rules (403), effects
 * (dates, tags, jobs) and the 409 details. */
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

#define TODAY "2026-12-04"
#define NOW_MS (day_of(TODAY) * 86400000LL + 15 * 3600000LL)

static const struct wf_actor admin = { WF_ACTOR_USER, WF_ROLE_ADMIN, 0, 1 };
static const struct wf_actor security = { WF_ACTOR_USER, WF_ROLE_SECURITY, 0, 2 };
static const struct wf_actor member = { WF_ACTOR_USER, WF_ROLE_MEMBER, WF_REL_MEMBER, 3 };
static const struct wf_actor tech = { WF_ACTOR_USER, WF_ROLE_MEMBER, WF_REL_MEMBER | WF_REL_TECH_OWNER, 4 };
static const struct wf_actor risk = { WF_ACTOR_USER, WF_ROLE_MEMBER, WF_REL_RISK_OWNER, 5 };
static const struct wf_actor outsider = { WF_ACTOR_USER, WF_ROLE_MEMBER, 0, 6 };
static const struct wf_actor sys = { WF_ACTOR_SYSTEM, WF_ROLE_NONE, 0, 0 };
static const struct wf_actor scanner = { WF_ACTOR_SCANNER, WF_ROLE_NONE, 0, 0 };

#define JUST "the package is only used at build time"

struct fx {
	struct wf_policy pol;
	struct wf_facts facts;
	struct wf_result res;
};

static void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	wf_policy_defaults(&f->pol);
	f->facts.severity = FF_SEV_HIGH;
	f->facts.score10 = 75;
	f->facts.first_seen_day = day_of("2026-11-20");
}

static int run(struct fx *f, enum wf_state s, enum wf_event e, struct wf_actor a, struct wf_data d)
{
	struct wf_cmd cmd = { .event = e, .actor = a, .data = d, .now_ms = NOW_MS };
	return wf_check(s, &cmd, &f->pol, &f->facts, &f->res);
}

static void assert_field(struct fx *f, int rc, const char *field, const char *reason)
{
	assert_int_equal(rc, FF_EINVAL);
	assert_int_equal(f->res.verdict, WF_DENY_FIELD);
	assert_int_equal(wf_http_status(f->res.verdict), 422);
	assert_non_null(f->res.field);
	assert_string_equal(f->res.field, field);
	assert_string_equal(f->res.reason, reason);
	assert_int_equal(f->res.to, f->res.from);
	assert_int_equal(f->res.njobs, 0);
}

/* ---- justification ---- */

static void test_justification_rules(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct wf_data d = { .review_date = "2027-01-15" };
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_ACCEPT, member, d), "justification", "is required");
	d.justification = "  \t\n ";
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_ACCEPT, member, d), "justification", "must not be blank");
	d.justification = "1234567890123456789"; /* 19 < default 20 */
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_ACCEPT, member, d), "justification",
		     "is shorter than the minimum length");
	d.justification = "   1234567890123456789   "; /* padding does not count */
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_ACCEPT, member, d), "justification",
		     "is shorter than the minimum length");
	d.justification = "12345678901234567890";
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_ACCEPT, member, d), FF_OK);
	/* characters, not bytes: 19 x e-acute is 38 bytes but too short */
	d.justification = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_ACCEPT, member, d), "justification",
		     "is shorter than the minimum length");
	/* configurable minimum */
	assert_int_equal(wf_policy_set(&f.pol, "justification_min_length", "5", NULL), FF_OK);
	d.justification = "short";
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_ACCEPT, member, d), FF_OK);
	d.justification = "shor";
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_ACCEPT, member, d), "justification",
		     "is shorter than the minimum length");
	d.justification = "bad \xff byte in the justification";
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_ACCEPT, member, d), "justification", "is not valid UTF-8");
	d.justification = "bell \x07 in the justification text";
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_ACCEPT, member, d), "justification",
		     "contains control characters");
	d.justification = "two lines\nof justification\tare fine";
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_ACCEPT, member, d), FF_OK);
}

static void test_justification_too_long(void **state)
{
	(void)state;
	struct fx f;
	static char big[16386];
	fx_init(&f);
	memset(big, 'a', sizeof(big) - 1);
	struct wf_data d = { .justification = big };
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_AVOID, admin, d), "justification", "is too long");
	big[16384] = '\0';
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_AVOID, admin, d), FF_OK);
}

/* every event that needs a justification refuses a missing one */
static void test_justification_required_per_event(void **state)
{
	(void)state;
	static const struct { enum wf_event e; enum wf_state s; } need[] = {
		{ WF_EV_ACCEPT, WF_S_OPEN }, { WF_EV_APPROVE, WF_S_ACCEPTANCE_REQUESTED },
		{ WF_EV_REJECT, WF_S_ACCEPTANCE_REQUESTED }, { WF_EV_TRANSFER, WF_S_OPEN },
		{ WF_EV_AVOID, WF_S_OPEN }, { WF_EV_MARK_FALSE_POSITIVE, WF_S_OPEN },
		{ WF_EV_REVALIDATE, WF_S_FALSE_POSITIVE }, { WF_EV_RENEW, WF_S_ACCEPTED },
		{ WF_EV_REOPEN, WF_S_AVOIDED }, { WF_EV_REASSESS, WF_S_OPEN },
	};
	struct fx f;
	fx_init(&f);
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		struct wf_data d = { .review_date = "2027-01-15", .due_date = "2027-01-15",
				     .recipient_email = "a@example.com", .recipient_name = "A",
				     .vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" };
		assert_field(&f, run(&f, need[i].s, need[i].e, admin, d), "justification", "is required");
		d.justification = JUST;
		if (run(&f, need[i].s, need[i].e, admin, d) != FF_OK)
			fail_msg("%s: %s %s", wf_event_name(need[i].e), f.res.field, f.res.reason);
	}
}

/* ---- review date ---- */

static void test_review_date_rules(void **state)
{
	(void)state;
	struct fx f;
	char buf[11];
	fx_init(&f);
	f.facts.severity = FF_SEV_CRITICAL; /* default maximum 30 days */
	struct wf_data d = { .justification = JUST };
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_ACCEPT, admin, d), "review_date", "is required");
	d.review_date = "";
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_ACCEPT, admin, d), "review_date", "must not be blank");
	d.review_date = "2027-02-30";
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_ACCEPT, admin, d), "review_date", "is not a date (YYYY-MM-DD)");
	d.review_date = "04.01.2027";
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_ACCEPT, admin, d), "review_date", "is not a date (YYYY-MM-DD)");
	d.review_date = TODAY;
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_ACCEPT, admin, d), "review_date", "must be after today");
	d.review_date = "2027-01-04"; /* today + 31 */
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_ACCEPT, admin, d), "review_date", "is later than the policy allows");
	ff_days_to_date(f.res.limit_date, buf);
	assert_string_equal(buf, "2027-01-03");
	d.review_date = "2027-01-03"; /* today + 30 */
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_ACCEPT, admin, d), FF_OK);
	assert_int_equal(f.res.review_date, day_of("2027-01-03"));
	/* a lower severity has a longer maximum (medium 180 days) */
	f.facts.severity = FF_SEV_MEDIUM;
	d.review_date = "2027-06-02";
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_ACCEPT, admin, d), FF_OK);
	d.review_date = "2027-06-03";
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_ACCEPT, admin, d), "review_date", "is later than the policy allows");
	/* the policy maximum is configurable (per asset override on top of the org) */
	assert_int_equal(wf_policy_set(&f.pol, "max_accept_days.medium", "400", NULL), FF_OK);
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_ACCEPT, admin, d), FF_OK);
	/* renew follows the same rule */
	f.facts.severity = FF_SEV_CRITICAL;
	d.review_date = "2027-01-04";
	assert_field(&f, run(&f, WF_S_ACCEPTED, WF_EV_RENEW, admin, d), "review_date",
		     "is later than the policy allows");
	d.review_date = "2027-01-02";
	assert_int_equal(run(&f, WF_S_ACCEPTED, WF_EV_RENEW, admin, d), FF_OK);
	assert_int_equal(f.res.to, WF_S_ACCEPTED);
	assert_int_equal(f.res.review_date, day_of("2027-01-02"));
}

/* ---- transfer ---- */

static void test_transfer_rules(void **state)
{
	(void)state;
	static const char *bad[] = {
		"no-at-sign", "@example.com", "user@", "a@@example.com", "a@b@example.com",
		"user name@example.com", "user@example", "user@example..com", "user@example.com.",
		"user@.example.com", "<user@example.com>", "user@exa_mple.com", "us\"er@example.com",
		"user@ex\xc3\xa4mple.com",
	};
	struct fx f;
	fx_init(&f);
	struct wf_data d = { .justification = JUST, .recipient_name = "Risk Owner",
			     .due_date = "2027-01-15" };
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_TRANSFER, member, d), "recipient_email", "is required");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d.recipient_email = bad[i];
		int rc = run(&f, WF_S_OPEN, WF_EV_TRANSFER, member, d);
		if (rc != FF_EINVAL)
			fail_msg("address accepted: %s", bad[i]);
		assert_string_equal(f.res.field, "recipient_email");
	}
	d.recipient_email = "first.last+flawfix@mail.sub-domain.example.co.uk";
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_TRANSFER, member, d), FF_OK);
	assert_int_equal(f.res.to, WF_S_TRANSFERRED);
	assert_int_equal(f.res.due_date, day_of("2027-01-15"));
	assert_int_equal(f.res.njobs, 1);
	assert_string_equal(f.res.jobs[0], "mail.transfer");

	d.recipient_name = " ";
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_TRANSFER, member, d), "recipient_name", "must not be blank");
	d.recipient_name = "Risk\r\nBcc: x@example.com"; /* no header injection */
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_TRANSFER, member, d), "recipient_name",
		     "contains control characters");
	d.recipient_name = "Risk Owner";
	d.due_date = NULL;
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_TRANSFER, member, d), "due_date", "is required");
	d.due_date = "2026-12-01";
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_TRANSFER, member, d), "due_date", "must be after today");
}

/* ---- mitigate ---- */

static void test_mitigate_rules(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct wf_data d = { .assignee = "alice" };
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_MITIGATE, member, d), "tracker", "is required");
	d.tracker = "jira-main";
	d.assignee = "";
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_MITIGATE, member, d), "assignee", "must not be blank");
	d.assignee = "alice";
	/* no due date: the SLA due date (high: 30 days after first seen) */
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_MITIGATE, member, d), FF_OK);
	assert_int_equal(f.res.to, WF_S_MITIGATING);
	assert_int_equal(f.res.due_date, day_of("2026-12-20"));
	assert_int_equal(f.res.njobs, 1);
	assert_string_equal(f.res.jobs[0], "ticket.create");
	d.due_date = "2027-02-01";
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_MITIGATE, member, d), FF_OK);
	assert_int_equal(f.res.due_date, day_of("2027-02-01"));
	d.due_date = "yesterday";
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_MITIGATE, member, d), "due_date", "is not a date (YYYY-MM-DD)");
}

/* ---- reassess, comment, scan events ---- */

static void test_vector_text_scan_rules(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct wf_data d = { .justification = JUST };
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_REASSESS, security, d), "vector", "is required");
	d.vector = "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_REASSESS, security, d), "vector",
		     "is not a CVSS 4.0 or 3.x vector");
	d.vector = "CVSS:4.0/AV:N AC:L";
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_REASSESS, security, d), "vector",
		     "is not a CVSS 4.0 or 3.x vector");
	d.vector = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
	assert_int_equal(run(&f, WF_S_MITIGATING, WF_EV_REASSESS, security, d), FF_OK);
	assert_int_equal(f.res.to, WF_S_MITIGATING);
	assert_int_equal(f.res.due_date, WF_DATE_KEEP);

	struct wf_data c = { 0 };
	assert_field(&f, run(&f, WF_S_FIXED, WF_EV_COMMENT, member, c), "text", "is required");
	c.text = "\n\n";
	assert_field(&f, run(&f, WF_S_FIXED, WF_EV_COMMENT, member, c), "text", "must not be blank");
	c.text = "ok"; /* comments have no minimum length */
	assert_int_equal(run(&f, WF_S_FIXED, WF_EV_COMMENT, member, c), FF_OK);
	struct wf_actor mail = { WF_ACTOR_EMAIL, WF_ROLE_NONE, 0, 0 };
	assert_int_equal(run(&f, WF_S_TRANSFERRED, WF_EV_COMMENT, mail, c), FF_OK);

	struct wf_data s = { 0 };
	assert_field(&f, run(&f, WF_S_NEW, WF_EV_DETECT, scanner, s), "scan_id", "is required");
	s.scan_id = 12;
	assert_int_equal(run(&f, WF_S_NEW, WF_EV_DETECT, scanner, s), FF_OK);
	assert_int_equal(f.res.to, WF_S_OPEN);
	/* SLA of a new finding starts today: high = 30 days */
	assert_int_equal(f.res.due_date, day_of("2027-01-03"));
}

/* ---- false positives ---- */

static void test_false_positive_rules(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct wf_data d = { .justification = JUST };
	/* members only as technical owner */
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_MARK_FALSE_POSITIVE, member, d), FF_EFORBIDDEN);
	assert_int_equal(wf_http_status(f.res.verdict), 403);
	assert_string_equal(f.res.reason, "only a technical owner of the asset may do this");
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_MARK_FALSE_POSITIVE, risk, d), FF_EFORBIDDEN);
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_MARK_FALSE_POSITIVE, outsider, d), FF_EFORBIDDEN);
	assert_string_equal(f.res.reason, "member does not belong to the asset");
	assert_int_equal(run(&f, WF_S_FALSE_POSITIVE, WF_EV_REVALIDATE, member, d), FF_EFORBIDDEN);
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_MARK_FALSE_POSITIVE, tech, d), FF_OK);
	assert_int_equal(f.res.to, WF_S_FALSE_POSITIVE);
	/* default interval: 6 months */
	assert_int_equal(f.res.revalidation_date, day_of("2027-06-04"));
	assert_int_equal(f.res.review_date, WF_DATE_CLEAR);
	assert_int_equal(f.res.due_date, WF_DATE_CLEAR);
	/* organisation interval */
	assert_int_equal(wf_policy_set(&f.pol, "fp_revalidation_months", "3", NULL), FF_OK);
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_MARK_FALSE_POSITIVE, admin, d), FF_OK);
	assert_int_equal(f.res.revalidation_date, day_of("2027-03-04"));
	/* an explicit date is allowed up to the interval */
	d.revalidation_date = "2027-03-05";
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_MARK_FALSE_POSITIVE, tech, d), "revalidation_date",
		     "is later than the policy allows");
	d.revalidation_date = "2027-02-01";
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_MARK_FALSE_POSITIVE, tech, d), FF_OK);
	assert_int_equal(f.res.revalidation_date, day_of("2027-02-01"));
	/* VEX code */
	d.revalidation_date = NULL;
	d.vex_justification = "not_affected";
	assert_field(&f, run(&f, WF_S_OPEN, WF_EV_MARK_FALSE_POSITIVE, tech, d), "vex_justification",
		     "is not a CycloneDX VEX justification");
	d.vex_justification = "code_not_reachable";
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_MARK_FALSE_POSITIVE, tech, d), FF_OK);
	/* revalidate renews the date and stays */
	assert_int_equal(run(&f, WF_S_FALSE_POSITIVE, WF_EV_REVALIDATE, tech, d), FF_OK);
	assert_int_equal(f.res.to, WF_S_FALSE_POSITIVE);
	assert_int_equal(f.res.revalidation_date, day_of("2027-03-04"));
	d.justification = NULL;
	assert_field(&f, run(&f, WF_S_FALSE_POSITIVE, WF_EV_REVALIDATE, tech, d), "justification", "is required");
}

/* ---- four eyes ---- */

static void test_four_eyes(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	assert_int_equal(wf_policy_set(&f.pol, "four_eyes", "true", NULL), FF_OK);
	struct wf_data d = { .justification = JUST, .review_date = "2026-12-20" };
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_ACCEPT, member, d), FF_OK);
	assert_int_equal(f.res.to, WF_S_ACCEPTANCE_REQUESTED);
	assert_true(f.res.store_requester);
	assert_int_equal(f.res.review_date, day_of("2026-12-20"));

	f.facts.requester_id = member.id;
	/* the requester may neither approve nor reject, whatever the role */
	struct wf_actor self_risk = risk;
	self_risk.id = member.id;
	assert_int_equal(run(&f, WF_S_ACCEPTANCE_REQUESTED, WF_EV_APPROVE, self_risk, d), FF_EFORBIDDEN);
	assert_string_equal(f.res.reason, "the approver must not be the requester");
	assert_int_equal(run(&f, WF_S_ACCEPTANCE_REQUESTED, WF_EV_REJECT, self_risk, d), FF_EFORBIDDEN);
	f.facts.requester_id = admin.id;
	assert_int_equal(run(&f, WF_S_ACCEPTANCE_REQUESTED, WF_EV_APPROVE, admin, d), FF_EFORBIDDEN);
	/* a member who is not risk owner may not approve */
	assert_int_equal(run(&f, WF_S_ACCEPTANCE_REQUESTED, WF_EV_APPROVE, tech, d), FF_EFORBIDDEN);
	assert_string_equal(f.res.reason, "only the risk owner of the asset or security may do this");
	/* another approver may */
	assert_int_equal(run(&f, WF_S_ACCEPTANCE_REQUESTED, WF_EV_APPROVE, risk, d), FF_OK);
	assert_int_equal(f.res.to, WF_S_ACCEPTED);
	assert_int_equal(f.res.review_date, WF_DATE_KEEP);
	assert_false(f.res.store_requester);
	assert_int_equal(run(&f, WF_S_ACCEPTANCE_REQUESTED, WF_EV_REJECT, security, d), FF_OK);
	assert_int_equal(f.res.to, WF_S_OPEN);
	assert_int_equal(f.res.review_date, WF_DATE_CLEAR);
	/* the SLA due date comes back in open (high: first seen 2026-11-20 + 30) */
	assert_int_equal(f.res.due_date, day_of("2026-12-20"));
	/* off: straight to accepted */
	assert_int_equal(wf_policy_set(&f.pol, "four_eyes", "false", NULL), FF_OK);
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_ACCEPT, member, d), FF_OK);
	assert_int_equal(f.res.to, WF_S_ACCEPTED);
	assert_false(f.res.store_requester);
}

/* ---- auto-accept and reopen ---- */

static void test_auto_accept(void **state)
{
	(void)state;
	struct fx f;
	struct wf_data none = { 0 };
	fx_init(&f);
	f.facts.severity = FF_SEV_LOW;
	f.facts.score10 = 39;
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_AUTO_ACCEPT, sys, none), FF_ECONFLICT);
	assert_int_equal(f.res.verdict, WF_DENY_POLICY);
	assert_int_equal(wf_http_status(f.res.verdict), 409);
	assert_int_equal(wf_policy_set(&f.pol, "auto_accept", "true", NULL), FF_OK);
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_AUTO_ACCEPT, sys, none), FF_OK);
	assert_int_equal(f.res.to, WF_S_ACCEPTED);
	assert_int_equal(f.res.tags_set, WF_TAG_AUTO_ACCEPTED);
	assert_int_equal(f.res.tags_clear & WF_TAG_AUTO_ACCEPTED, 0);
	assert_int_equal(f.res.review_date, day_of(TODAY) + 90);
	/* the expiry never exceeds the maximum for the severity */
	assert_int_equal(wf_policy_set(&f.pol, "max_accept_days.low", "10", NULL), FF_OK);
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_AUTO_ACCEPT, sys, none), FF_OK);
	assert_int_equal(f.res.review_date, day_of("2026-12-14"));
	/* at the threshold: refused */
	f.facts.score10 = 40;
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_AUTO_ACCEPT, sys, none), FF_ECONFLICT);
	assert_string_equal(f.res.reason, "score is not below the auto-accept threshold");
	assert_int_equal(f.res.to, WF_S_OPEN);
	assert_int_equal(f.res.review_date, WF_DATE_KEEP);
	assert_int_equal(f.res.due_date, WF_DATE_KEEP);
	assert_int_equal(f.res.tags_set | f.res.tags_clear, 0);
	f.facts.score10 = -1;
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_AUTO_ACCEPT, sys, none), FF_ECONFLICT);
	/* only the system */
	f.facts.score10 = 10;
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_AUTO_ACCEPT, admin, none), FF_EFORBIDDEN);
	/* four eyes do not apply to the policy's own acceptance */
	assert_int_equal(wf_policy_set(&f.pol, "four_eyes", "true", NULL), FF_OK);
	assert_int_equal(run(&f, WF_S_OPEN, WF_EV_AUTO_ACCEPT, sys, none), FF_OK);
	assert_int_equal(f.res.to, WF_S_ACCEPTED);

	/* the system reopens without a justification; the tag goes */
	f.facts.auto_accepted = true;
	assert_int_equal(run(&f, WF_S_ACCEPTED, WF_EV_REOPEN, sys, none), FF_OK);
	assert_int_equal(f.res.to, WF_S_OPEN);
	assert_int_equal(f.res.tags_clear, WF_TAG_AUTO_ACCEPTED);
	assert_int_equal(f.res.review_date, WF_DATE_CLEAR);
	/* a user needs one */
	assert_field(&f, run(&f, WF_S_ACCEPTED, WF_EV_REOPEN, member, none), "justification", "is required");
	/* renewing by a person removes the tag */
	struct wf_data r = { .justification = JUST, .review_date = "2026-12-10" };
	assert_int_equal(run(&f, WF_S_ACCEPTED, WF_EV_RENEW, member, r), FF_OK);
	assert_int_equal(f.res.tags_clear, WF_TAG_AUTO_ACCEPTED);
}

/* ---- 409 details, scan resolution ---- */

static void test_conflict_details(void **state)
{
	(void)state;
	struct fx f;
	char names[256];
	fx_init(&f);
	struct wf_data d = { .justification = JUST, .review_date = "2026-12-20" };
	assert_int_equal(run(&f, WF_S_ACCEPTED, WF_EV_ACCEPT, admin, d), FF_ECONFLICT);
	assert_int_equal(f.res.verdict, WF_DENY_TRANSITION);
	assert_string_equal(wf_state_name(f.res.from), "accepted");
	size_t n = wf_event_mask_format(f.res.allowed, names, sizeof(names));
	assert_string_equal(names, "resolve_by_scan, renew, reopen, reassess, comment");
	assert_int_equal(n, strlen(names));
	/* truncation at a name boundary, full length reported */
	char small[20];
	assert_int_equal(wf_event_mask_format(f.res.allowed, small, sizeof(small)), n);
	assert_string_equal(small, "resolve_by_scan");
	assert_int_equal(run(&f, WF_S_FIXED, WF_EV_RESOLVE_BY_SCAN, scanner, (struct wf_data){ .scan_id = 1 }),
			 FF_ECONFLICT);
	wf_event_mask_format(f.res.allowed, names, sizeof(names));
	assert_string_equal(names, "reappear, reassess, comment");
	/* a scan resolves a treated finding, clearing its treatment dates */
	assert_int_equal(run(&f, WF_S_FALSE_POSITIVE, WF_EV_RESOLVE_BY_SCAN, scanner,
			     (struct wf_data){ .scan_id = 1 }), FF_OK);
	assert_int_equal(f.res.to, WF_S_FIXED);
	assert_int_equal(f.res.revalidation_date, WF_DATE_CLEAR);
	assert_int_equal(f.res.due_date, WF_DATE_CLEAR);
	/* ticket closed is not fixed */
	struct wf_actor tracker = { WF_ACTOR_TRACKER, WF_ROLE_NONE, 0, 0 };
	assert_int_equal(run(&f, WF_S_MITIGATING, WF_EV_TICKET_CLOSED, tracker, (struct wf_data){ 0 }), FF_OK);
	assert_int_equal(f.res.to, WF_S_VERIFYING);
	assert_int_equal(f.res.due_date, WF_DATE_KEEP);
	/* unknown event */
	assert_int_equal(run(&f, WF_S_OPEN, (enum wf_event)99, admin, d), FF_ECONFLICT);
	assert_int_equal(run(&f, (enum wf_state)42, WF_EV_COMMENT, admin, d), FF_ECONFLICT);
}

/* ---- names ---- */

static void test_names(void **state)
{
	(void)state;
	static const char *states[] = { "open", "accepted", "acceptance_requested", "mitigating", "verifying",
					"transferred", "avoided", "false_positive", "fixed" };
	enum wf_state s;
	enum wf_event e;
	enum wf_role r;
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		assert_int_equal(wf_state_parse(states[i], &s), FF_OK);
		assert_string_equal(wf_state_name(s), states[i]);
	}
	assert_int_equal(wf_state_parse("new", &s), FF_EINVAL);
	assert_int_equal(wf_state_parse("Open", &s), FF_EINVAL);
	assert_int_equal(wf_state_parse(NULL, &s), FF_EINVAL);
	assert_string_equal(wf_state_name((enum wf_state)77), "?");
	assert_int_equal(wf_event_parse("mark_false_positive", &e), FF_OK);
	assert_int_equal(e, WF_EV_MARK_FALSE_POSITIVE);
	assert_int_equal(wf_event_parse("false_positive", &e), FF_EINVAL);
	assert_int_equal(wf_role_parse("auditor", &r), FF_OK);
	assert_int_equal(r, WF_ROLE_AUDITOR);
	assert_int_equal(wf_role_parse("none", &r), FF_EINVAL);
	assert_string_equal(wf_actor_kind_name(WF_ACTOR_EMAIL), "email");
	assert_string_equal(wf_field_name(WF_F_RECIPIENT_EMAIL), "recipient_email");
	assert_null(wf_field_name(WF_F_TEXT | WF_F_VECTOR));
}

/* the fields an event uses, for the audit payload */
static void test_event_fields(void **state)
{
	(void)state;
	struct wf_data d = { .justification = JUST, .recipient_email = "a@example.com",
			     .recipient_name = "A", .due_date = "2027-01-01", .text = "t", .scan_id = 3 };
	unsigned f = wf_event_fields(WF_EV_TRANSFER);
	assert_int_equal(f, WF_F_JUSTIFICATION | WF_F_RECIPIENT_EMAIL | WF_F_RECIPIENT_NAME | WF_F_DUE_DATE);
	assert_string_equal(wf_data_get(&d, WF_F_RECIPIENT_EMAIL), "a@example.com");
	assert_string_equal(wf_data_get(&d, WF_F_DUE_DATE), "2027-01-01");
	assert_null(wf_data_get(&d, WF_F_VECTOR));
	assert_null(wf_data_get(&d, WF_F_SCAN));
	assert_int_equal(wf_event_fields(WF_EV_REOPEN), WF_F_JUSTIFICATION);
	assert_int_equal(wf_event_fields(WF_EV_MARK_FALSE_POSITIVE),
			 WF_F_JUSTIFICATION | WF_F_REVALIDATION_DATE | WF_F_VEX_JUSTIFICATION);
	assert_int_equal(wf_event_fields(WF_EV_COMMENT), WF_F_TEXT);
	assert_int_equal(wf_event_fields(WF_EV_TICKET_CLOSED), 0);
	assert_int_equal(wf_event_fields((enum wf_event)-1), 0);
}

/* random commands with hostile field values: never a crash (ASan/UBSan
 * build), and every answer is one of the documented kinds */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

static const char *pick(void)
{
	static char junk[64];
	static const char *pool[] = {
		NULL, "", " ", "\t\n", "2027-01-15", "2026-12-04", "2027-13-01", "9999-12-31", "1970-01-01",
		"a@example.com", "@", "CVSS:4.0/AV:N", "CVSS:3.1/", "code_not_present",
		"a justification that is long enough", "\xc3", "\xed\xa0\x80", "x\x01y", NULL, "junk",
	};
	if (rnd(8) == 0) {
		for (size_t i = 0; i + 1 < sizeof(junk); i++)
			junk[i] = (char)(1 + rnd(255));
		junk[rnd(sizeof(junk))] = '\0';
		junk[sizeof(junk) - 1] = '\0';
		return junk;
	}
	return pool[rnd(sizeof(pool) / sizeof(pool[0]))];
}

static void test_random_commands(void **state)
{
	(void)state;
	int counts[5] = { 0 };
	for (int i = 0; i < 50000; i++) {
		struct fx f;
		fx_init(&f);
		f.pol.four_eyes = rnd(2);
		f.pol.auto_accept = rnd(2);
		f.facts.severity = (enum ff_severity)rnd(8); /* includes out of range */
		f.facts.score10 = (int)rnd(120) - 10;
		f.facts.requester_id = rnd(4);
		struct wf_actor a = { (enum wf_actor_kind)rnd(WF_ACTOR_COUNT), (enum wf_role)rnd(WF_ROLE_COUNT),
				      rnd(8), rnd(4) };
		struct wf_data d = { pick(), pick(), pick(), pick(), pick(), pick(), pick(),
				     pick(), pick(), pick(), pick(), (long long)rnd(3) - 1 };
		enum wf_state s = (enum wf_state)rnd(WF_S_COUNT + 1);
		enum wf_event e = (enum wf_event)rnd(WF_EV_COUNT + 1);
		int rc = run(&f, s, e, a, d);
		assert_true((unsigned)f.res.verdict <= WF_DENY_POLICY);
		counts[f.res.verdict]++;
		static const int want[] = { FF_OK, FF_ECONFLICT, FF_EFORBIDDEN, FF_EINVAL, FF_ECONFLICT };
		assert_int_equal(rc, want[f.res.verdict]);
		if (rc != FF_OK) {
			assert_non_null(f.res.reason);
			assert_int_equal(f.res.to, s);
			assert_int_equal(f.res.njobs, 0);
		}
		if (f.res.verdict == WF_DENY_FIELD)
			assert_non_null(f.res.field);
	}
	print_message("allowed %d, 409 %d, 403 %d, 422 %d, policy %d\n", counts[0], counts[1], counts[2],
		      counts[3], counts[4]);
	for (int k = 0; k < 5; k++)
		assert_true(counts[k] > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_justification_rules),
		cmocka_unit_test(test_justification_too_long),
		cmocka_unit_test(test_justification_required_per_event),
		cmocka_unit_test(test_review_date_rules),
		cmocka_unit_test(test_transfer_rules),
		cmocka_unit_test(test_mitigate_rules),
		cmocka_unit_test(test_vector_text_scan_rules),
		cmocka_unit_test(test_false_positive_rules),
		cmocka_unit_test(test_four_eyes),
		cmocka_unit_test(test_auto_accept),
		cmocka_unit_test(test_conflict_details),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_event_fields),
		cmocka_unit_test(test_random_commands),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
