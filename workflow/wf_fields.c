/* Validation of a command's data fields (the 422 rules). */
#include "wf_internal.h"

#include <stdint.h>
#include <string.h>

#include "common/fftime.h"
#include "common/str.h"
#include "policy.h"

typedef const char *(*field_check_fn)(const struct wf_ctx *c, const char *v, int64_t *limit);

struct field_def {
	size_t off;           /* offset of the string in struct wf_data; NO_STR: scan_id */
	size_t max;           /* bytes */
	field_check_fn check; /* NULL = the generic checks suffice */
	unsigned bit;
	bool multiline;       /* newlines and tabs allowed */
};

#define NO_STR SIZE_MAX
#define DOFF(m) offsetof(struct wf_data, m)

/* code points of s without leading and trailing white space */
static size_t trimmed_chars(const char *s)
{
	const char *b = s, *e = s + strlen(s);
	size_t n = 0;
	while (*b == ' ' || *b == '\t' || *b == '\n' || *b == '\r')
		b++;
	while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		e--;
	for (; b < e; b++)
		if (((unsigned char)*b & 0xC0) != 0x80)
			n++;
	return n;
}

static const char *check_justification(const struct wf_ctx *c, const char *v, int64_t *limit)
{
	(void)limit;
	if (trimmed_chars(v) < (size_t)c->policy->justification_min)
		return "is shorter than the minimum length";
	return NULL;
}

/* a YYYY-MM-DD day after today and not after max */
static const char *check_future_date(const struct wf_ctx *c, const char *v, int64_t max,
				     int64_t *limit, int64_t *day)
{
	if (ff_date_parse(v, day) != FF_OK)
		return "is not a date (YYYY-MM-DD)";
	if (*day <= c->today)
		return "must be after today";
	if (*day > max) {
		*limit = max;
		return "is later than the policy allows";
	}
	return NULL;
}

static const char *check_review_date(const struct wf_ctx *c, const char *v, int64_t *limit)
{
	int64_t day = 0;
	int64_t max = wf_policy_review_max(c->policy, c->facts->severity, c->today);
	return check_future_date(c, v, max, limit, &day);
}

static const char *check_revalidation_date(const struct wf_ctx *c, const char *v, int64_t *limit)
{
	int64_t day = 0;
	return check_future_date(c, v, wf_policy_revalidation_date(c->policy, c->today), limit, &day);
}

static const char *check_due_date(const struct wf_ctx *c, const char *v, int64_t *limit)
{
	int64_t day = 0;
	return check_future_date(c, v, c->today + WF_DUE_MAX_DAYS, limit, &day);
}

/* A pragmatic address check: local@domain, one @, a dot in the domain, no
 * white space, quotes, brackets or separators that would need quoting in a
 * header. Deliverability is the mail module's business. */
static const char *check_email(const struct wf_ctx *c, const char *v, int64_t *limit)
{
	(void)c;
	(void)limit;
	const char *at = strchr(v, '@');
	if (!at || at == v || strchr(at + 1, '@'))
		return "is not an e-mail address";
	const char *dom = at + 1;
	if (!strchr(dom, '.') || dom[0] == '.' || dom[0] == '-' || v[strlen(v) - 1] == '.' ||
	    strstr(dom, ".."))
		return "is not an e-mail address";
	for (const char *p = v; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch <= ' ' || ch >= 0x7f || strchr("\"(),:;<>[\\]", ch))
			return "is not an e-mail address";
		if (p > at && !(ch == '.' || ch == '-' || (ch >= '0' && ch <= '9') ||
				((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z')))
			return "is not an e-mail address";
	}
	return NULL;
}

static const char *check_vector(const struct wf_ctx *c, const char *v, int64_t *limit)
{
	(void)c;
	(void)limit;
	if (!str_starts_with(v, "CVSS:4.0/") && !str_starts_with(v, "CVSS:3.1/") &&
	    !str_starts_with(v, "CVSS:3.0/"))
		return "is not a CVSS 4.0 or 3.x vector";
	for (const char *p = v; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      ch == ':' || ch == '/' || ch == '.'))
			return "is not a CVSS 4.0 or 3.x vector";
	}
	return NULL;
}

/* CycloneDX 1.4-1.6 impact analysis justifications */
static const char *check_vex(const struct wf_ctx *c, const char *v, int64_t *limit)
{
	static const char *codes[] = {
		"code_not_present", "code_not_reachable", "requires_configuration",
		"requires_dependency", "requires_environment", "protected_by_compiler",
		"protected_at_runtime", "protected_at_perimeter", "protected_by_mitigating_control",
	};
	(void)c;
	(void)limit;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(v, codes[i]) == 0)
			return NULL;
	return "is not a CycloneDX VEX justification";
}

#define FLD(b, member, bytes, ml, fn) \
	{ .off = DOFF(member), .max = (bytes), .check = (fn), .bit = (b), .multiline = (ml) }

static const struct field_def fields[] = {
	FLD(WF_F_JUSTIFICATION, justification, WF_TEXT_MAX, true, check_justification),
	FLD(WF_F_REVIEW_DATE, review_date, 10, false, check_review_date),
	FLD(WF_F_REVALIDATION_DATE, revalidation_date, 10, false, check_revalidation_date),
	FLD(WF_F_DUE_DATE, due_date, 10, false, check_due_date),
	FLD(WF_F_RECIPIENT_EMAIL, recipient_email, 254, false, check_email),
	FLD(WF_F_RECIPIENT_NAME, recipient_name, WF_NAME_MAX, false, NULL),
	FLD(WF_F_TRACKER, tracker, WF_NAME_MAX, false, NULL),
	FLD(WF_F_ASSIGNEE, assignee, WF_NAME_MAX, false, NULL),
	FLD(WF_F_VECTOR, vector, 512, false, check_vector),
	FLD(WF_F_TEXT, text, WF_TEXT_MAX, true, NULL),
	FLD(WF_F_VEX_JUSTIFICATION, vex_justification, 64, false, check_vex),
	{ .off = NO_STR, .max = 0, .check = NULL, .bit = WF_F_SCAN, .multiline = false },
};

static const char *field_value(const struct field_def *f, const struct wf_data *d)
{
	if (f->off == NO_STR)
		return d->scan_id > 0 ? "" : NULL;
	return *(const char *const *)((const char *)d + f->off);
}

static const char *check_chars(const struct field_def *f, const char *v)
{
	size_t n = strlen(v);
	if (n > f->max)
		return "is too long";
	if (!str_utf8_valid(v, n))
		return "is not valid UTF-8";
	for (const char *p = v; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		bool ws = ch == '\n' || ch == '\r' || ch == '\t';
		if ((ch < 0x20 && !(f->multiline && ws)) || ch == 0x7f)
			return "contains control characters";
	}
	return NULL;
}

/* one field: required-ness, then generic then specific checks */
static const char *check_field(const struct wf_ctx *c, const struct field_def *f, bool required,
			       int64_t *limit)
{
	const char *v = field_value(f, &c->cmd->data);
	const char *why = NULL;
	if (!v)
		return required ? "is required" : NULL;
	if (f->off == NO_STR)
		return NULL;
	if (str_is_blank(v))
		return "must not be blank";
	why = check_chars(f, v);
	if (!why && f->check)
		why = f->check(c, v, limit);
	return why;
}

bool wf_fields_check(const struct wf_ctx *c, unsigned required, unsigned optional,
		     struct wf_result *res)
{
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct field_def *f = &fields[i];
		int64_t limit = 0;
		if (!((required | optional) & f->bit))
			continue;
		const char *why = check_field(c, f, (required & f->bit) != 0, &limit);
		if (why) {
			res->verdict = WF_DENY_FIELD;
			res->field = wf_field_name(f->bit);
			res->reason = why;
			res->limit_date = limit;
			return false;
		}
	}
	return true;
}

const char *wf_data_get(const struct wf_data *d, unsigned field)
{
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i].bit == field && fields[i].off != NO_STR)
			return field_value(&fields[i], d);
	return NULL;
}

int64_t wf_field_day(const char *v)
{
	int64_t day = 0;
	if (!v || ff_date_parse(v, &day) != FF_OK)
		return 0;
	return day;
}
