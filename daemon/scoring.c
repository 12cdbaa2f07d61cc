#include "scoring.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/rc.h"
#include "workflow/cvss.h"
#include "workflow/risk.h"

#define SCORING_BATCH 5000

static const char *col(PGresult *r, int row, enum scoring_col c)
{
	return PQgetisnull(r, row, c) ? NULL : PQgetvalue(r, row, c);
}

static enum risk_req req_of(const char *s)
{
	if (!s)
		return RISK_REQ_NOT_DEFINED;
	if (strcmp(s, "low") == 0)
		return RISK_REQ_LOW;
	if (strcmp(s, "medium") == 0)
		return RISK_REQ_MEDIUM;
	if (strcmp(s, "high") == 0)
		return RISK_REQ_HIGH;
	return RISK_REQ_NOT_DEFINED;
}

static bool same(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

#define MAX_EXPLOITS 64

/* scores one row into a change object, or NULL when nothing changes */
static json_t *score_row(PGresult *r, int i, const char *reason)
{
	const char *nvd = col(r, i, SC_NVD_VECTOR), *tool = col(r, i, SC_TOOL_VECTOR);
	if (!nvd && !tool)
		return NULL; /* nothing to score: the tool's severity stays */
	char exploits[1024] = "";
	const char *ids[MAX_EXPLOITS];
	size_t nids = 0;
	if (col(r, i, SC_EXPLOITS)) {
		snprintf(exploits, sizeof(exploits), "%s", col(r, i, SC_EXPLOITS));
		for (char *p = exploits, *e; p && *p && nids < MAX_EXPLOITS; p = e ? e + 1 : NULL) {
			e = strchr(p, ',');
			if (e)
				*e = '\0';
			ids[nids++] = p;
		}
	}
	struct risk_input in = {
		.base_vector = nvd ? nvd : tool,
		.source = nvd ? RISK_SRC_NVD : RISK_SRC_SCANNER,
		.base_date = nvd ? col(r, i, SC_NVD_DATE) : NULL,
		.in_kev = col(r, i, SC_IN_KEV)[0] == 't',
		.kev_date_added = col(r, i, SC_KEV_DATE),
		.exploitdb_ids = nids ? ids : NULL,
		.n_exploitdb = nids,
		.cr = req_of(col(r, i, SC_CR)), .ir = req_of(col(r, i, SC_IR)), .ar = req_of(col(r, i, SC_AR)),
		.internet_exposed = col(r, i, SC_EXPOSED)[0] == 't',
		.keep_network_av = col(r, i, SC_KEEP_AV)[0] == 't',
		.override_vector = col(r, i, SC_OVERRIDE),
		.override_justification = col(r, i, SC_OVERRIDE_WHY),
	};
	struct risk_result res;
	if (risk_compose(&in, &res) != FF_OK) {
		/* a scanner's vector that does not parse: fall back to NVD only */
		if (!nvd || in.base_vector == nvd) {
			log_debug("scoring", "no usable vector finding=%s field=%s", col(r, i, SC_ID), res.err_field);
			return NULL;
		}
	}
	const char *sev = ff_severity_name(res.severity);
	const char *ver = cvss_version_name(res.version);
	const char *old_vec = col(r, i, SC_COMPOSED), *old_sev = col(r, i, SC_SEVERITY);
	const char *old_score = col(r, i, SC_SCORE10);
	int old10 = old_score ? (int)strtol(old_score, NULL, 10) : -1;
	json_t *lines = json_array();
	for (size_t k = 0; k < res.n_lines; k++)
		json_array_append_new(lines, json_string(res.lines[k]));
	char src[160];
	snprintf(src, sizeof(src), "%s%s%s", risk_source_name(in.source), nvd && col(r, i, SC_NVD_SOURCE) ? ": " : "",
		 nvd && col(r, i, SC_NVD_SOURCE) ? col(r, i, SC_NVD_SOURCE) : "");
	bool event = old10 != res.score10 || !same(old_sev, sev) || !same(old_vec, res.composed_vector);
	json_t *old_lines = col(r, i, SC_EXPLANATION) ? json_loads(col(r, i, SC_EXPLANATION), 0, NULL) : NULL;
	bool write = event || !same(col(r, i, SC_BASE_VECTOR), in.base_vector) || !same(col(r, i, SC_BASE_SOURCE), src) ||
		     !json_equal(old_lines, lines);
	json_decref(old_lines);
	if (!write) {
		json_decref(lines);
		return NULL;
	}
	const char *why = col(r, i, SC_FEED_REASON) ? col(r, i, SC_FEED_REASON) : reason;
	json_t *o = json_pack("{s:I, s:I, s:I, s:i, s:s, s:s, s:s, s:s, s:s, s:o, s:b, s:s?, s:s?, s:s?, s:s, s:s}",
			      "id", (json_int_t)strtoll(col(r, i, SC_ID), NULL, 10),
			      "org_id", (json_int_t)strtoll(col(r, i, SC_ORG), NULL, 10),
			      "asset_id", (json_int_t)strtoll(col(r, i, SC_ASSET), NULL, 10), "score10", res.score10,
			      "severity", sev, "version", ver, "composed", res.composed_vector, "base_vector",
			      in.base_vector, "base_source", src, "explanation", lines, "event", event, "old_vector", old_vec,
			      "old_severity", old_sev, "base_date", in.base_date, "reason", why ? why : "rescoring",
			      "inputs", col(r, i, SC_INPUTS));
	if (old10 >= 0)
		json_object_set_new(o, "old_score10", json_integer(old10));
	return o;
}

/* one window of findings: changed scores written, unchanged ones get
 * their inputs digest recorded so the next pass skips them */
static int score_window(struct db *db, PGresult *r, const char *reason, struct scoring_stats *st)
{
	json_t *changes = json_array(), *marks = json_array();
	int rc = FF_OK;
	for (int i = 0; i < PQntuples(r); i++) {
		if (strcmp(PQgetvalue(r, i, SC_INPUTS), "#last") == 0)
			continue;
		st->scanned++;
		json_t *c = score_row(r, i, reason);
		if (c) {
			if (json_is_true(json_object_get(c, "event")))
				st->events++;
			json_array_append_new(changes, c);
		} else {
			json_array_append_new(marks, json_pack("{s:s, s:s}", "id", PQgetvalue(r, i, SC_ID), "inputs",
							       PQgetvalue(r, i, SC_INPUTS)));
		}
	}
	if (json_array_size(changes)) {
		char *rows = json_dumps(changes, JSON_COMPACT);
		rc = scoring_apply(db, rows);
		free(rows);
		st->written += (long long)json_array_size(changes);
	}
	if (!rc && json_array_size(marks)) {
		char *rows = json_dumps(marks, JSON_COMPACT);
		rc = scoring_mark_inputs(db, rows);
		free(rows);
	}
	json_decref(changes);
	json_decref(marks);
	return rc;
}

int scoring_run(struct db *db, enum scoring_scope scope, long long arg, const char *reason, int force,
		struct scoring_stats *st)
{
	long long from = 0, to = 0, after = 0;
	memset(st, 0, sizeof(*st));
	int rc = FF_OK;
	if (scope == SCORING_FEEDS && (rc = scoring_feed_mark(db, &from, &to)))
		return rc;
	for (;;) {
		long long last = 0;
		PGresult *r = scoring_load(db, scope, arg, from, to, after, SCORING_BATCH, force, &last, &st->visited);
		if (!r)
			return db_last_rc(db);
		rc = score_window(db, r, reason, st);
		PQclear(r);
		if (rc || last == 0)
			break;
		after = last;
	}
	if (!rc && scope == SCORING_FEEDS)
		rc = scoring_feed_done(db, to);
	return rc;
}

static int finish(int rc, const char *what, const struct scoring_stats *st, char *err, size_t errlen, struct db *db)
{
	if (rc) {
		snprintf(err, errlen, "%s failed: %s", what, db_last_error(db));
		return FF_ETEMP;
	}
	log_info("scoring", "%s findings=%lld written=%lld changed=%lld", what, st->scanned, st->written, st->events);
	return FF_OK;
}

int job_score_asset(struct db *db, const struct job *j, char *err, size_t errlen)
{
	json_t *p = json_loads(j->payload, 0, NULL);
	long long asset = (long long)json_integer_value(json_object_get(p, "asset_id"));
	const char *reason = json_string_value(json_object_get(p, "reason"));
	struct scoring_stats st;
	int rc = scoring_run(db, SCORING_ASSET, asset, reason ? reason : "asset rescoring", 0, &st);
	if (!rc)
		rc = risk_snapshot_write(db, asset);
	json_decref(p);
	return finish(rc, "asset rescoring", &st, err, errlen, db);
}

int job_score_feeds(struct db *db, const struct job *j, char *err, size_t errlen)
{
	(void)j;
	struct scoring_stats st;
	int rc = scoring_run(db, SCORING_FEEDS, 0, "feed update", 0, &st);
	return finish(rc, "feed rescoring", &st, err, errlen, db);
}

int job_score_all(struct db *db, const struct job *j, char *err, size_t errlen)
{
	(void)j;
	struct scoring_stats st;
	int rc = scoring_run(db, SCORING_ALL, 0, "daily rescoring", 0, &st);
	if (!rc)
		rc = risk_snapshot_write(db, 0);
	return finish(rc, "daily rescoring", &st, err, errlen, db);
}
