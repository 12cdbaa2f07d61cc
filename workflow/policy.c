/* Treatment policies: defaults, key/value settings, date arithmetic and
 * what the scheduler must do for one finding. */
#include "policy.h"

#include <stdio.h>
#include <string.h>

#include "common/rc.h"
#include "common/str.h"

#define DAY_MS 86400000LL

void wf_policy_defaults(struct wf_policy *p)
{
	static const int max_accept[WF_SEV_COUNT] = {
		[FF_SEV_UNKNOWN] = 90, [FF_SEV_NONE] = 365, [FF_SEV_LOW] = 365,
		[FF_SEV_MEDIUM] = 180, [FF_SEV_HIGH] = 90, [FF_SEV_CRITICAL] = 30,
	};
	static const int sla[WF_SEV_COUNT] = {
		[FF_SEV_UNKNOWN] = 90, [FF_SEV_NONE] = 0, [FF_SEV_LOW] = 180,
		[FF_SEV_MEDIUM] = 90, [FF_SEV_HIGH] = 30, [FF_SEV_CRITICAL] = 15,
	};
	memset(p, 0, sizeof(*p));
	p->four_eyes = false;
	p->auto_accept = false;
	p->auto_accept_below10 = 40;
	p->auto_accept_days = 90;
	memcpy(p->max_accept_days, max_accept, sizeof(max_accept));
	p->fp_revalidation_months = 6;
	memcpy(p->sla_days, sla, sizeof(sla));
	p->reminder_days = 14;
	p->justification_min = 20;
}

/* ---- key/value settings ---- */

enum kv_type { KV_BOOL, KV_INT, KV_SCORE, KV_SEV_INT };

struct kv_def {
	const char *key;
	enum kv_type type;
	int min, max;
	size_t off; /* offset of the bool / int (or int array) in struct wf_policy */
};

#define OFF(m) offsetof(struct wf_policy, m)

static const struct kv_def kv_table[] = {
	{ "four_eyes", KV_BOOL, 0, 1, OFF(four_eyes) },
	{ "auto_accept", KV_BOOL, 0, 1, OFF(auto_accept) },
	{ "auto_accept_below", KV_SCORE, 0, 100, OFF(auto_accept_below10) },
	{ "auto_accept_days", KV_INT, 1, 3650, OFF(auto_accept_days) },
	{ "max_accept_days.", KV_SEV_INT, 1, 3650, OFF(max_accept_days) },
	{ "fp_revalidation_months", KV_INT, 1, 60, OFF(fp_revalidation_months) },
	{ "sla_days.", KV_SEV_INT, 0, 3650, OFF(sla_days) },
	{ "reminder_days", KV_INT, 0, 365, OFF(reminder_days) },
	{ "justification_min_length", KV_INT, 1, 2000, OFF(justification_min) },
};

static int parse_bool(const char *v, bool *out)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
		*out = true;
		return FF_OK;
	}
	if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
		*out = false;
		return FF_OK;
	}
	return FF_EINVAL;
}

/* "7", "7.5", "10.0": a score with at most one decimal, in tenths */
static int parse_score10(const char *v, int *out)
{
	long long whole = 0;
	char buf[8];
	const char *dot = strchr(v, '.');
	size_t wl = dot ? (size_t)(dot - v) : strlen(v);
	if (wl == 0 || wl >= sizeof(buf))
		return FF_EINVAL;
	memcpy(buf, v, wl);
	buf[wl] = '\0';
	if (str_to_ll(buf, 0, 10, &whole) != FF_OK)
		return FF_EINVAL;
	int tenth = 0;
	if (dot) {
		if (dot[1] < '0' || dot[1] > '9' || dot[2] != '\0')
			return FF_EINVAL;
		tenth = dot[1] - '0';
	}
	*out = (int)whole * 10 + tenth;
	return FF_OK;
}

static int kv_value(const struct kv_def *d, const char *value, int *out, const char **err)
{
	long long n = 0;
	bool b = false;
	if (d->type == KV_BOOL) {
		if (parse_bool(value, &b) != FF_OK) {
			*err = "expected true or false";
			return FF_EINVAL;
		}
		*out = b;
		return FF_OK;
	}
	if (d->type == KV_SCORE) {
		if (parse_score10(value, out) != FF_OK || *out > d->max) {
			*err = "expected a score from 0.0 to 10.0";
			return FF_EINVAL;
		}
		return FF_OK;
	}
	if (str_to_ll(value, d->min, d->max, &n) != FF_OK) {
		*err = "expected a whole number within bounds";
		return FF_EINVAL;
	}
	*out = (int)n;
	return FF_OK;
}

static const struct kv_def *kv_find(const char *key, enum ff_severity *sev)
{
	for (size_t i = 0; i < sizeof(kv_table) / sizeof(kv_table[0]); i++) {
		const struct kv_def *d = &kv_table[i];
		if (d->type != KV_SEV_INT && strcmp(key, d->key) == 0)
			return d;
		if (d->type == KV_SEV_INT && str_starts_with(key, d->key)) {
			const char *name = key + strlen(d->key);
			/* exact canonical names only: no aliases in settings */
			if (ff_severity_parse(name, sev) == FF_OK &&
			    strcmp(ff_severity_name(*sev), name) == 0)
				return d;
			return NULL;
		}
	}
	return NULL;
}

int wf_policy_set(struct wf_policy *p, const char *key, const char *value, const char **err)
{
	const char *dummy = NULL;
	enum ff_severity sev = FF_SEV_UNKNOWN;
	int v = 0;
	if (!err)
		err = &dummy;
	if (!key || !value) {
		*err = "key and value are required";
		return FF_EINVAL;
	}
	const struct kv_def *d = kv_find(key, &sev);
	if (!d) {
		*err = "unknown policy key";
		return FF_ENOTFOUND;
	}
	int rc = kv_value(d, value, &v, err);
	if (rc != FF_OK)
		return rc;
	char *base = (char *)p + d->off;
	if (d->type == KV_BOOL)
		*(bool *)base = v != 0;
	else if (d->type == KV_SEV_INT)
		((int *)base)[sev] = v;
	else
		*(int *)base = v;
	return FF_OK;
}

static void kv_emit(const struct kv_def *d, const char *key, int v, wf_policy_kv_fn fn, void *ctx)
{
	char val[16];
	if (d->type == KV_BOOL)
		snprintf(val, sizeof(val), "%s", v ? "true" : "false");
	else if (d->type == KV_SCORE)
		snprintf(val, sizeof(val), "%d.%d", v / 10, v % 10);
	else
		snprintf(val, sizeof(val), "%d", v);
	fn(key, val, ctx);
}

void wf_policy_each(const struct wf_policy *p, wf_policy_kv_fn fn, void *ctx)
{
	char key[64];
	for (size_t i = 0; i < sizeof(kv_table) / sizeof(kv_table[0]); i++) {
		const struct kv_def *d = &kv_table[i];
		const char *base = (const char *)p + d->off;
		if (d->type == KV_BOOL) {
			kv_emit(d, d->key, *(const bool *)base, fn, ctx);
			continue;
		}
		if (d->type != KV_SEV_INT) {
			kv_emit(d, d->key, *(const int *)base, fn, ctx);
			continue;
		}
		for (int sev = 0; sev < WF_SEV_COUNT; sev++) {
			snprintf(key, sizeof(key), "%s%s", d->key, ff_severity_name((enum ff_severity)sev));
			kv_emit(d, key, ((const int *)base)[sev], fn, ctx);
		}
	}
}

/* ---- dates ---- */

int64_t wf_day_of_ms(int64_t now_ms)
{
	int64_t d = now_ms / DAY_MS;
	if (now_ms < 0 && now_ms % DAY_MS)
		d--;
	return d;
}

/* Howard Hinnant's civil calendar algorithms */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static unsigned month_days(int64_t y, unsigned m)
{
	static const unsigned md[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return md[m - 1] + (m == 2 && leap);
}

int64_t wf_date_add_months(int64_t day, int months)
{
	int64_t y = 0;
	unsigned m = 0, d = 0;
	civil_from_days(day, &y, &m, &d);
	int64_t idx = y * 12 + (m - 1) + months;
	y = idx >= 0 ? idx / 12 : (idx - 11) / 12;
	m = (unsigned)(idx - y * 12) + 1;
	unsigned md = month_days(y, m);
	return days_from_civil(y, m, d > md ? md : d);
}

static enum ff_severity sev_index(enum ff_severity s)
{
	return (unsigned)s < WF_SEV_COUNT ? s : FF_SEV_UNKNOWN;
}

int64_t wf_policy_review_max(const struct wf_policy *p, enum ff_severity sev, int64_t today)
{
	return today + p->max_accept_days[sev_index(sev)];
}

int64_t wf_policy_revalidation_date(const struct wf_policy *p, int64_t today)
{
	return wf_date_add_months(today, p->fp_revalidation_months);
}

int64_t wf_policy_sla_due(const struct wf_policy *p, enum ff_severity sev, int64_t first_seen_day)
{
	int days = p->sla_days[sev_index(sev)];
	return days > 0 ? first_seen_day + days : WF_DATE_CLEAR;
}

bool wf_policy_auto_accepts(const struct wf_policy *p, int score10)
{
	return p->auto_accept && score10 >= 0 && score10 < p->auto_accept_below10;
}

/* ---- scheduler ---- */

static void due_reopen(const struct wf_policy *p, const struct wf_sched_facts *f, int64_t today,
		       struct wf_due *out)
{
	if (f->state == WF_S_ACCEPTED && f->auto_accepted && f->score10 >= 0 &&
	    f->score10 >= p->auto_accept_below10)
		out->reopen_why = WF_DUE_WHY_SCORE_ROSE;
	else if (f->state == WF_S_ACCEPTED && f->review_date > 0 && today >= f->review_date)
		out->reopen_why = WF_DUE_WHY_ACCEPTANCE_EXPIRED;
	else if (f->state == WF_S_FALSE_POSITIVE && f->revalidation_date > 0 &&
		 today >= f->revalidation_date)
		out->reopen_why = WF_DUE_WHY_REVALIDATION_DUE;
	if (out->reopen_why != WF_DUE_WHY_NONE)
		out->actions |= WF_DUE_REOPEN;
}

static void due_remind(const struct wf_policy *p, const struct wf_sched_facts *f, int64_t today,
		       struct wf_due *out)
{
	int64_t date = 0;
	if (p->reminder_days <= 0 || (out->actions & WF_DUE_REOPEN))
		return;
	if (f->state == WF_S_ACCEPTED)
		date = f->review_date;
	else if (f->state == WF_S_FALSE_POSITIVE)
		date = f->revalidation_date;
	if (date <= 0 || today >= date || date - today > p->reminder_days)
		return;
	out->actions |= WF_DUE_REMIND;
	out->remind_date = date;
	out->days_left = (int)(date - today);
}

static void due_sla(const struct wf_policy *p, const struct wf_sched_facts *f, int64_t today,
		    struct wf_due *out)
{
	const unsigned sla_states = WF_STATE_BIT(WF_S_OPEN) | WF_STATE_BIT(WF_S_ACCEPTANCE_REQUESTED) |
				    WF_STATE_BIT(WF_S_MITIGATING) | WF_STATE_BIT(WF_S_VERIFYING);
	if ((unsigned)f->state >= WF_S_COUNT || !(sla_states & WF_STATE_BIT(f->state)))
		return;
	out->sla_due = wf_policy_sla_due(p, f->severity, f->first_seen_day);
	if (out->sla_due > 0 && today > out->sla_due) {
		out->actions |= WF_DUE_SLA_BREACH;
		out->days_over = (int)(today - out->sla_due);
	}
}

void wf_policy_due(const struct wf_policy *p, const struct wf_sched_facts *f, int64_t now_ms,
		   struct wf_due *out)
{
	int64_t today = wf_day_of_ms(now_ms);
	memset(out, 0, sizeof(*out));
	due_reopen(p, f, today, out);
	if (f->state == WF_S_OPEN && wf_policy_auto_accepts(p, f->score10))
		out->actions |= WF_DUE_AUTO_ACCEPT;
	due_remind(p, f, today, out);
	due_sla(p, f, today, out);
}

const char *wf_due_reason_text(enum wf_due_reason r)
{
	static const char *text[] = {
		[WF_DUE_WHY_NONE] = "none",
		[WF_DUE_WHY_ACCEPTANCE_EXPIRED] = "acceptance expired",
		[WF_DUE_WHY_REVALIDATION_DUE] = "false positive revalidation date passed",
		[WF_DUE_WHY_SCORE_ROSE] = "score rose to or above the auto-accept threshold",
	};
	return (unsigned)r <= WF_DUE_WHY_SCORE_ROSE ? text[r] : "?";
}
