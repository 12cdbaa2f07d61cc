/* workflow/risk.c - risk composition: base vector + threat signals + asset
 * settings -> composed vector, score and explanation (see risk.h). */
#include "risk.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/rc.h"
#include "common/str.h"

const char *risk_source_name(enum risk_source s)
{
	static const char *names[] = { "NVD", "scanner report", "manual reassessment" };
	if ((unsigned)s > RISK_SRC_MANUAL)
		return "unknown source";
	return names[s];
}

__attribute__((format(printf, 2, 3)))
static void line(struct risk_result *out, const char *fmt, ...)
{
	if (out->n_lines >= RISK_MAX_LINES)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->lines[out->n_lines], RISK_LINE_MAX, fmt, ap);
	va_end(ap);
	out->n_lines++;
}

/* "High", "Critical", ... for explanation lines */
static const char *sev_title(enum ff_severity s)
{
	static const char *t[] = { "Unknown", "None", "Low", "Medium", "High", "Critical" };
	return (unsigned)s <= FF_SEV_CRITICAL ? t[s] : t[0];
}

static int bad(struct risk_result *out, const char *field, const struct cvss_error *e, const char *what)
{
	snprintf(out->err_field, sizeof(out->err_field), "%s", field);
	if (e)
		out->err = *e;
	else
		snprintf(out->err.what, sizeof(out->err.what), "%s", what ? what : "");
	return FF_EINVAL;
}

static void base_step(const struct risk_input *in, const struct cvss_vector *v, struct risk_result *out)
{
	char canon[CVSS_VECTOR_MAX];
	cvss_format(v, canon, sizeof(canon));
	if (in->base_date && *in->base_date)
		line(out, "Base metrics from %s (%s): %s (CVSS %s)", risk_source_name(in->source),
		     in->base_date, canon, cvss_version_name(v->version));
	else
		line(out, "Base metrics from %s: %s (CVSS %s)", risk_source_name(in->source), canon,
		     cvss_version_name(v->version));
}

/* "51234, 51235" (the first three, then "and N more") */
static void id_list(const struct risk_input *in, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < in->n_exploitdb && i < 3 && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", in->exploitdb_ids[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (in->n_exploitdb > 3 && used < len)
		snprintf(buf + used, len - used, " and %zu more", in->n_exploitdb - 3);
}

static void threat_step(const struct risk_input *in, struct cvss_vector *v, struct risk_result *out)
{
	bool v4 = v->version == CVSS_V4_0;
	const char *val;
	if (in->in_kev) {
		val = v4 ? "A" : "H";
		if (in->kev_date_added && *in->kev_date_added)
			line(out, "Exploited in the wild: listed in CISA KEV since %s -> E:%s", in->kev_date_added, val);
		else
			line(out, "Exploited in the wild: listed in CISA KEV -> E:%s", val);
	} else if (in->n_exploitdb > 0 && in->exploitdb_ids) {
		char ids[96];
		val = v4 ? "P" : "F";
		id_list(in, ids, sizeof(ids));
		line(out, "Public exploit code: ExploitDB %s %s -> E:%s",
		     in->n_exploitdb == 1 ? "entry" : "entries", ids, val);
	} else {
		val = "U";
		line(out, "No known exploitation: not listed in CISA KEV, no ExploitDB entry -> E:U");
	}
	cvss_set(v, "E", val);
}

static void requirement_step(const char *what, const char *metric, enum risk_req r, struct cvss_vector *v,
			     struct risk_result *out)
{
	static const char *names[] = { "not defined", "low", "medium", "high" };
	static const char *vals[] = { "X", "L", "M", "H" };
	unsigned i = (unsigned)r <= RISK_REQ_HIGH ? (unsigned)r : 0;
	line(out, "%s requirement %s (asset setting) -> %s:%s", what, names[i], metric, vals[i]);
	cvss_set(v, metric, vals[i]);
}

static void exposure_step(const struct risk_input *in, struct cvss_vector *v, struct risk_result *out)
{
	const char *av = cvss_get(v, "AV");
	bool network = av && strcmp(av, "N") == 0;
	if (in->internet_exposed)
		line(out, "Reachable from the internet (asset setting) -> AV:%s unchanged", av ? av : "?");
	else if (!network)
		line(out, "Not reachable from the internet (asset setting), but the attack vector is "
			  "already AV:%s -> unchanged", av ? av : "?");
	else if (in->keep_network_av)
		line(out, "Not reachable from the internet, but the asset keeps the network attack vector "
			  "(asset setting) -> AV:N unchanged");
	else {
		line(out, "Not reachable from the internet (asset setting) -> MAV:A");
		cvss_set(v, "MAV", "A");
	}
}

static void score_line(const char *canon, enum cvss_version ver, const struct cvss_score *sc,
		       struct risk_result *out)
{
	char t[5];
	cvss_score_text(sc->score10, t);
	if (ver == CVSS_V4_0)
		line(out, "CVSS 4.0 score %s (%s) for %s", t, sev_title(sc->severity), canon);
	else if (ver == CVSS_V2_0)
		line(out, "Only CVSS 2.0 is available: CVSS 2.0 base score %s (%s) for %s", t,
		     sev_title(sc->severity), canon);
	else
		line(out, "Only CVSS %s is available: CVSS %s environmental score %s (%s) for %s",
		     cvss_version_name(ver), cvss_version_name(ver), t, sev_title(sc->severity), canon);
}

static void compose(const struct risk_input *in, struct cvss_vector *v, struct risk_result *out)
{
	if (v->version == CVSS_V2_0) {
		line(out, "CVSS 2.0 is scored as Base only: threat, requirements and exposure are not applied");
		return;
	}
	threat_step(in, v, out);
	requirement_step("Confidentiality", "CR", in->cr, v, out);
	requirement_step("Integrity", "IR", in->ir, v, out);
	requirement_step("Availability", "AR", in->ar, v, out);
	exposure_step(in, v, out);
}

static int override_step(const struct risk_input *in, struct risk_result *out)
{
	struct cvss_vector v;
	struct cvss_error e;
	struct cvss_score sc;
	if (str_is_blank(in->override_justification))
		return bad(out, "override_justification", NULL, "a manual override needs a justification");
	if (cvss_parse(in->override_vector, strlen(in->override_vector), &v, &e) != FF_OK)
		return bad(out, "override_vector", &e, NULL);
	cvss_score(&v, &sc);
	cvss_format(&v, out->vector, sizeof(out->vector));
	out->version = v.version;
	out->score10 = sc.score10;
	out->severity = sc.severity;
	out->overridden = true;
	char t[5], ct[5];
	cvss_score_text(sc.score10, t);
	cvss_score_text(out->composed_score10, ct);
	line(out, "Manual override (justification: \"%.200s\"): %s, CVSS %s score %s (%s), replaces the "
		  "composed score %s (%s)",
	     in->override_justification, out->vector, cvss_version_name(v.version), t, sev_title(sc.severity),
	     ct, sev_title(out->composed_severity));
	return FF_OK;
}

int risk_compose(const struct risk_input *in, struct risk_result *out)
{
	struct cvss_vector v;
	struct cvss_error e;
	struct cvss_score sc;
	memset(out, 0, sizeof(*out));
	if (!in->base_vector)
		return bad(out, "base_vector", NULL, "a base vector is required");
	if (cvss_parse(in->base_vector, strlen(in->base_vector), &v, &e) != FF_OK)
		return bad(out, "base_vector", &e, NULL);
	base_step(in, &v, out);
	compose(in, &v, out);
	cvss_score(&v, &sc);
	cvss_format(&v, out->composed_vector, sizeof(out->composed_vector));
	out->composed_version = v.version;
	out->composed_score10 = sc.score10;
	out->composed_severity = sc.severity;
	score_line(out->composed_vector, v.version, &sc, out);
	memcpy(out->vector, out->composed_vector, sizeof(out->vector));
	out->version = v.version;
	out->score10 = sc.score10;
	out->severity = sc.severity;
	if (in->override_vector) {
		int rc = override_step(in, out);
		if (rc)
			return rc;
	}
	cvss_score_text(out->score10, out->score_text);
	return FF_OK;
}
