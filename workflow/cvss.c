/* workflow/cvss.c - the version-independent part of the CVSS API: version
 * detection, the strict metric parser driven by each version's table, the
 * canonical formatter and metric access. Scoring lives in cvss40.c and
 * cvss3.c. */
#include "cvss.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/rc.h"
#include "cvss_int.h"

static const struct cvss_version_def *const versions[] = {
	&cvss40_def, &cvss31_def, &cvss30_def, &cvss20_def,
};

static const struct cvss_version_def *def_of(enum cvss_version v)
{
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		if (versions[i]->version == v)
			return versions[i];
	return NULL;
}

const char *cvss_version_name(enum cvss_version v)
{
	static const char *names[] = { "", "2.0", "3.0", "3.1", "4.0" };
	if ((unsigned)v > CVSS_V4_0)
		return "";
	return names[v];
}

__attribute__((format(printf, 4, 5)))
static int fail(struct cvss_error *err, size_t offset, const char *metric, const char *fmt, ...)
{
	if (!err)
		return FF_EINVAL;
	err->offset = offset;
	snprintf(err->metric, sizeof(err->metric), "%s", metric ? metric : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->what, sizeof(err->what), fmt, ap);
	va_end(ap);
	return FF_EINVAL;
}

/* "N, A, L or P" (with ", or X" when optional) for error messages */
static void list_values(const struct cvss_metric_def *m, char *out, size_t outlen)
{
	size_t n = 0, len = 0;
	while (m->values[n])
		n++;
	out[0] = '\0';
	size_t total = n + (m->mandatory ? 0 : 1);
	for (size_t i = 0; i < total && len < outlen; i++) {
		const char *v = i < n ? m->values[i] : "X";
		const char *sep = i == 0 ? "" : (i + 1 == total ? " or " : ", ");
		int w = snprintf(out + len, outlen - len, "%s%s", sep, v);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

/* searches from index hint on (the next metric of an ordered vector is
 * usually the next one in the table), wrapping around */
static int find_metric_from(const struct cvss_version_def *d, const char *name, size_t len, bool icase,
			    size_t hint)
{
	for (size_t k = 0; k < d->n; k++) {
		size_t i = (hint + k) % d->n;
		const char *m = d->metrics[i].name;
		if ((!icase && m[0] != name[0]) || strlen(m) != len)
			continue;
		if (icase ? strncasecmp(m, name, len) == 0 : memcmp(m, name, len) == 0)
			return (int)i;
	}
	return -1;
}

static int find_metric(const struct cvss_version_def *d, const char *name, size_t len, bool icase)
{
	return find_metric_from(d, name, len, icase, 0);
}

/* value index (1-based), 0 for an accepted X, -1 unknown, -2 wrong case */
static int find_value(const struct cvss_metric_def *m, const char *v, size_t len)
{
	if (len == 0)
		return -1;
	if (len == 1 && v[0] == 'X' && !m->mandatory)
		return 0;
	for (int i = 0; m->values[i]; i++)
		if (m->values[i][0] == v[0] && strlen(m->values[i]) == len && memcmp(m->values[i], v, len) == 0)
			return i + 1;
	for (int i = 0; m->values[i]; i++)
		if (strlen(m->values[i]) == len && strncasecmp(m->values[i], v, len) == 0)
			return -2;
	if (len == 1 && (v[0] == 'X' || v[0] == 'x'))
		return -3; /* X for a Base metric */
	return -1;
}

struct pstate {
	const struct cvss_version_def *d;
	const char *s;
	size_t len;
	struct cvss_vector *out;
	struct cvss_error *err;
	size_t first_at[CVSS_MAX_METRICS];
	bool seen[CVSS_MAX_METRICS];
	int last;
};

static int bad_value(struct pstate *ps, size_t at, const struct cvss_metric_def *m,
		     const char *v, size_t vlen, int why)
{
	char list[96];
	list_values(m, list, sizeof(list));
	if (vlen == 0)
		return fail(ps->err, at, m->name, "empty value for %s: expected %s", m->name, list);
	if (why == -2)
		return fail(ps->err, at, m->name,
			    "values are case-sensitive: '%.*s' is not valid for %s, expected %s",
			    (int)(vlen > 16 ? 16 : vlen), v, m->name, list);
	if (why == -3)
		return fail(ps->err, at, m->name,
			    "%s is a Base metric and cannot be X (Not Defined): expected %s", m->name, list);
	return fail(ps->err, at, m->name, "invalid value '%.*s' for %s: expected %s",
		    (int)(vlen > 16 ? 16 : vlen), v, m->name, list);
}

static int check_order(struct pstate *ps, size_t at, int idx)
{
	const struct cvss_version_def *d = ps->d;
	const char *name = d->metrics[idx].name;
	if (ps->seen[idx])
		return fail(ps->err, at, name, "duplicate metric %s (already at offset %zu)", name,
			    ps->first_at[idx]);
	if (!d->ordered)
		return FF_OK;
	if (idx < ps->last)
		return fail(ps->err, at, name,
			    "metric %s is out of order: the specification puts it before %s", name,
			    d->metrics[ps->last].name);
	/* when idx follows last directly, every metric before it was checked */
	for (int j = idx == ps->last + 1 ? idx : 0; j < idx; j++)
		if (d->metrics[j].mandatory && !ps->seen[j])
			return fail(ps->err, at, d->metrics[j].name,
				    "missing Base metric %s: expected %s:... before %s",
				    d->metrics[j].name, d->metrics[j].name, name);
	return FF_OK;
}

static int parse_name(struct pstate *ps, size_t at, const char *name, size_t nlen)
{
	if (nlen == 0)
		return fail(ps->err, at, NULL, "empty metric name before ':'");
	int idx = find_metric_from(ps->d, name, nlen, false, (size_t)(ps->last + 1));
	if (idx >= 0)
		return idx;
	idx = find_metric(ps->d, name, nlen, true);
	if (idx >= 0)
		return fail(ps->err, at, ps->d->metrics[idx].name,
			    "metric names are case-sensitive: expected %s, got '%.*s'",
			    ps->d->metrics[idx].name, (int)nlen, name);
	char m[8];
	snprintf(m, sizeof(m), "%.*s", (int)(nlen > 7 ? 7 : nlen), name);
	return fail(ps->err, at, m, "unknown metric '%.*s' in a CVSS %s vector%s",
		    (int)(nlen > 16 ? 16 : nlen), name, cvss_version_name(ps->d->version),
		    ps->d->prefix ? "" : " (without a CVSS:x.y/ prefix a vector is read as CVSS 2.0)");
}

/* one METRIC:VALUE component at [p, e) */
static int parse_component(struct pstate *ps, size_t p, size_t e)
{
	const char *c = ps->s + p;
	size_t clen = e - p;
	if (clen == 0)
		return fail(ps->err, p, NULL, e == ps->len ? "trailing '/': expected METRIC:VALUE after it"
							  : "empty component ('//'): expected METRIC:VALUE");
	const char *colon = memchr(c, ':', clen);
	if (!colon)
		return fail(ps->err, p, NULL, "'%.*s' has no ':': expected METRIC:VALUE",
			    (int)(clen > 16 ? 16 : clen), c);
	size_t nlen = (size_t)(colon - c);
	int idx = parse_name(ps, p, c, nlen);
	if (idx < 0)
		return idx;
	const struct cvss_metric_def *m = &ps->d->metrics[idx];
	const char *v = colon + 1;
	size_t vlen = clen - nlen - 1;
	const char *colon2 = memchr(v, ':', vlen);
	if (colon2)
		return fail(ps->err, p + (size_t)(colon2 - c), m->name,
			    "more than one ':' in metric %s: expected %s:VALUE", m->name, m->name);
	int rc = check_order(ps, p, idx);
	if (rc)
		return rc;
	int vi = find_value(m, v, vlen);
	if (vi < 0 || vlen == 0)
		return bad_value(ps, p + nlen + 1, m, v, vlen, vi);
	ps->out->val[idx] = (uint8_t)vi;
	ps->seen[idx] = true;
	ps->first_at[idx] = p;
	ps->last = idx;
	return FF_OK;
}

static int parse_metrics(struct pstate *ps, size_t p)
{
	for (;;) {
		const char *slash = memchr(ps->s + p, '/', ps->len - p);
		size_t e = slash ? (size_t)(slash - ps->s) : ps->len;
		int rc = parse_component(ps, p, e);
		if (rc)
			return rc;
		if (!slash)
			break;
		p = e + 1;
	}
	for (size_t j = 0; j < ps->d->n; j++)
		if (ps->d->metrics[j].mandatory && !ps->seen[j])
			return fail(ps->err, ps->len, ps->d->metrics[j].name,
				    "missing Base metric %s at the end of the vector",
				    ps->d->metrics[j].name);
	return FF_OK;
}

static int check_bytes(const char *s, size_t len, struct cvss_error *err)
{
	if (len == 0)
		return fail(err, 0, NULL, "empty vector: expected CVSS:4.0/..., CVSS:3.1/..., CVSS:3.0/... or a CVSS 2.0 vector");
	if (len > CVSS_INPUT_MAX)
		return fail(err, CVSS_INPUT_MAX, NULL, "vector longer than %d bytes", CVSS_INPUT_MAX);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
			return fail(err, i, NULL, "%s not allowed in a vector (no padding is accepted)",
				    i == 0 ? "leading blank" : (i + 1 == len ? "trailing blank" : "blank"));
		if (ch < 0x20 || ch >= 0x7f)
			return fail(err, i, NULL, "byte 0x%02x not allowed in a vector (printable ASCII only)", ch);
	}
	return FF_OK;
}

/* finds the version from the prefix; *start = offset of the first metric */
static int detect(const char *s, size_t len, const struct cvss_version_def **d, size_t *start,
		  struct cvss_error *err)
{
	const char *slash = memchr(s, '/', len);
	size_t plen = slash ? (size_t)(slash - s) : len;
	if (plen < 5 || strncasecmp(s, "CVSS:", 5) != 0) {
		const char *colon = memchr(s, ':', plen);
		if (colon && find_metric(&cvss20_def, s, (size_t)(colon - s), false) >= 0) {
			*d = &cvss20_def;
			*start = 0;
			return FF_OK;
		}
		return fail(err, 0, NULL, "expected the prefix CVSS:4.0/, CVSS:3.1/ or CVSS:3.0/ "
					  "(or a CVSS 2.0 base vector AV:.../AC:.../Au:...)");
	}
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		const char *p = versions[i]->prefix ? versions[i]->prefix : "CVSS:2.0";
		if (strlen(p) != plen)
			continue;
		if (memcmp(p, s, plen) != 0) {
			if (strncasecmp(p, s, plen) == 0)
				return fail(err, 0, NULL, "the prefix is case-sensitive: expected %s", p);
			continue;
		}
		if (!slash)
			return fail(err, plen, NULL, "nothing but the prefix %s: expected '/' and the Base metrics", p);
		*d = versions[i];
		*start = plen + 1;
		return FF_OK;
	}
	return fail(err, 0, NULL, "unknown prefix '%.*s': expected CVSS:4.0, CVSS:3.1, CVSS:3.0 or CVSS:2.0",
		    (int)(plen > 16 ? 16 : plen), s);
}

int cvss_parse(const char *s, size_t len, struct cvss_vector *out, struct cvss_error *err)
{
	int rc = check_bytes(s, len, err);
	if (rc)
		return rc;
	const struct cvss_version_def *d = NULL;
	size_t start = 0;
	rc = detect(s, len, &d, &start, err);
	if (rc)
		return rc;
	memset(out, 0, sizeof(*out));
	out->version = d->version;
	struct pstate ps = { .d = d, .s = s, .len = len, .out = out, .err = err, .last = -1 };
	return parse_metrics(&ps, start);
}

int cvss_score(const struct cvss_vector *v, struct cvss_score *out)
{
	const struct cvss_version_def *d = def_of(v->version);
	memset(out, 0, sizeof(*out));
	out->temporal10 = -1;
	out->environmental10 = -1;
	if (!d)
		return FF_EINVAL;
	for (size_t i = 0; i < d->n; i++)
		if (d->metrics[i].mandatory && v->val[i] == 0)
			return FF_EINVAL;
	return d->score(v, out);
}

static size_t put(char *out, size_t outlen, size_t len, const char *s)
{
	size_t n = strlen(s);
	if (len + n + 1 > outlen)
		return (size_t)-1;
	memcpy(out + len, s, n + 1);
	return len + n;
}

size_t cvss_format(const struct cvss_vector *v, char *out, size_t outlen)
{
	const struct cvss_version_def *d = def_of(v->version);
	size_t len = 0;
	if (outlen == 0)
		return 0;
	out[0] = '\0';
	if (!d)
		return 0;
	if (d->prefix)
		len = put(out, outlen, len, d->prefix);
	for (size_t i = 0; i < d->n && len != (size_t)-1; i++) {
		if (!v->val[i])
			continue;
		if (len > 0)
			len = put(out, outlen, len, "/");
		if (len != (size_t)-1)
			len = put(out, outlen, len, d->metrics[i].name);
		if (len != (size_t)-1)
			len = put(out, outlen, len, ":");
		if (len != (size_t)-1)
			len = put(out, outlen, len, d->metrics[i].values[v->val[i] - 1]);
	}
	if (len == (size_t)-1) {
		out[0] = '\0';
		return 0;
	}
	return len;
}

const char *cvss_get(const struct cvss_vector *v, const char *name)
{
	const struct cvss_version_def *d = def_of(v->version);
	if (!d || !name)
		return NULL;
	int idx = find_metric(d, name, strlen(name), false);
	if (idx < 0 || !v->val[idx])
		return NULL;
	return d->metrics[idx].values[v->val[idx] - 1];
}

int cvss_set(struct cvss_vector *v, const char *name, const char *value)
{
	const struct cvss_version_def *d = def_of(v->version);
	if (!d || !name || !value)
		return FF_EINVAL;
	int idx = find_metric(d, name, strlen(name), false);
	if (idx < 0)
		return FF_EINVAL;
	int vi = find_value(&d->metrics[idx], value, strlen(value));
	if (vi < 0)
		return FF_EINVAL;
	v->val[idx] = (uint8_t)vi;
	return FF_OK;
}

void cvss_score_text(int score10, char out[5])
{
	/* by hand: this runs once or more per vector in `flawfix cvss` */
	size_t n = 0;
	if (score10 < 0 || score10 > 100)
		score10 = 0;
	if (score10 >= 100)
		out[n++] = '1';
	out[n++] = (char)('0' + score10 / 10 % 10);
	out[n++] = '.';
	out[n++] = (char)('0' + score10 % 10);
	out[n] = '\0';
}
