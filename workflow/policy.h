/* workflow/policy.h - treatment policies (issue 6 section 3), pure.
 *
 * One struct holds the policy that applies to a finding. It starts from
 * wf_policy_defaults(), then the organisation's settings and then the
 * asset's overrides are applied on top with wf_policy_set() (key/value
 * strings; the daemon maps its JSON settings objects to these calls, so a
 * key that is absent keeps the org value or the default).
 *
 * Keys (value syntax, bounds, default):
 *   four_eyes                   true|false                      false
 *   auto_accept                 true|false                      false
 *   auto_accept_below           CVSS score 0.0..10.0 (one decimal) 4.0
 *                               (auto-accept when score < this)
 *   auto_accept_days            1..3650, expiry of an auto acceptance  90
 *   max_accept_days.<severity>  1..3650  none/low 365, medium 180,
 *                               high 90, critical 30, unknown 90
 *   fp_revalidation_months      1..60                           6
 *   sla_days.<severity>         0..3650 (0 = no SLA)  critical 15, high 30,
 *                               medium 90, low 180, none 0, unknown 90
 *   reminder_days               0..365 (0 = no reminders)       14
 *   justification_min_length    1..2000 characters              20
 * <severity> is none, low, medium, high, critical or unknown. A nested JSON
 * settings object {"sla_days": {"critical": 7}} flattens to "sla_days.critical".
 *
 * Scheduler side: wf_policy_due() says, for one finding and "now", what
 * must happen: reopen (as the system actor), auto-accept, a reminder, an
 * SLA breach flag.
 */
#ifndef FF_WORKFLOW_POLICY_H
#define FF_WORKFLOW_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "severity.h"
#include "wf.h"

#define WF_SEV_COUNT (FF_SEV_CRITICAL + 1)

struct wf_policy {
	bool four_eyes;
	bool auto_accept;
	int auto_accept_below10;          /* threshold in tenths of a score */
	int auto_accept_days;
	int max_accept_days[WF_SEV_COUNT];
	int fp_revalidation_months;
	int sla_days[WF_SEV_COUNT];       /* 0 = no SLA for that severity */
	int reminder_days;
	int justification_min;
};

/* wf_policy_defaults fills p with the defaults listed above. */
void wf_policy_defaults(struct wf_policy *p);

/* wf_policy_set applies one key = value; on failure p is unchanged and
 * *err (when err is not NULL) points to a static lower-case reason.
 * Returns FF_OK, FF_ENOTFOUND (unknown key) or FF_EINVAL (bad value). */
int wf_policy_set(struct wf_policy *p, const char *key, const char *value, const char **err);

typedef void (*wf_policy_kv_fn)(const char *key, const char *value, void *ctx);
/* wf_policy_each calls fn once per key, in the order above (severity keys
 * from unknown to critical), with the value written as wf_policy_set
 * accepts it ("true", "4.0", "30"): to show or export the effective policy.
 * Strings are valid during the call only. */
void wf_policy_each(const struct wf_policy *p, wf_policy_kv_fn fn, void *ctx);

/* ---- dates (days since 1970-01-01, UTC) ---- */

/* the UTC day of a wall-clock time in ms */
int64_t wf_day_of_ms(int64_t now_ms);
/* day + months, the day of month clamped to the target month's length
 * (2026-08-31 + 6 months = 2027-02-28) */
int64_t wf_date_add_months(int64_t day, int months);

/* latest review date an acceptance may have today for severity sev */
int64_t wf_policy_review_max(const struct wf_policy *p, enum ff_severity sev, int64_t today);
/* revalidation date of a false positive marked today */
int64_t wf_policy_revalidation_date(const struct wf_policy *p, int64_t today);
/* SLA due date of a finding first seen on first_seen_day; WF_DATE_CLEAR
 * when the severity has no SLA */
int64_t wf_policy_sla_due(const struct wf_policy *p, enum ff_severity sev, int64_t first_seen_day);
/* true when the policy auto-accepts a score (tenths; < 0 = none: never) */
bool wf_policy_auto_accepts(const struct wf_policy *p, int score10);

/* ---- scheduler ---- */

/* what the scheduler sees of a finding */
struct wf_sched_facts {
	enum wf_state state;
	enum ff_severity severity;
	int score10;               /* -1 = none */
	int64_t first_seen_day;
	int64_t review_date;       /* 0 = none */
	int64_t revalidation_date; /* 0 = none */
	bool auto_accepted;
};

/* actions (bits) */
enum {
	WF_DUE_REOPEN = 1u << 0,      /* issue reopen as the system actor */
	WF_DUE_AUTO_ACCEPT = 1u << 1, /* issue auto_accept as the system actor */
	WF_DUE_REMIND = 1u << 2,      /* enqueue a reminder for remind_date */
	WF_DUE_SLA_BREACH = 1u << 3,  /* flag: past the SLA due date */
};

enum wf_due_reason {
	WF_DUE_WHY_NONE = 0,
	WF_DUE_WHY_ACCEPTANCE_EXPIRED,
	WF_DUE_WHY_REVALIDATION_DUE,
	WF_DUE_WHY_SCORE_ROSE,        /* auto acceptance no longer below threshold */
};

struct wf_due {
	unsigned actions;
	enum wf_due_reason reopen_why;
	int64_t remind_date;   /* the review / revalidation date the reminder is about;
				* use it in the job's idempotency key, e.g.
				* "remind:<finding>:<date>", so one reminder per date */
	int days_left;         /* days from today to remind_date */
	int64_t sla_due;       /* SLA due date, 0 = none */
	int days_over;         /* days past sla_due when breached */
};

/* wf_policy_due fills out for f at now_ms. A reminder is due from
 * reminder_days before the date until the day before it (the scheduler may
 * miss days; the idempotency key keeps it to one). SLA applies to open,
 * acceptance_requested, mitigating and verifying findings. */
void wf_policy_due(const struct wf_policy *p, const struct wf_sched_facts *f, int64_t now_ms,
		   struct wf_due *out);
/* static lower-case text of a reason ("acceptance expired", ...) */
const char *wf_due_reason_text(enum wf_due_reason r);

#endif
