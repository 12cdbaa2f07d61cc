/* The workflow's database side: one function applies a command (see
 * q_workflow.h for the order of the steps). */
#include "q_workflow.h"
#include "q_ticket.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fftime.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/rc.h"
#include "common/str.h"
#include "jobs.h"
#include "workflow/cvss.h"

#define LL(buf, v) snprintf(buf, sizeof(buf), "%lld", (long long)(v))

/* what is read of the finding and the actor */
struct loaded {
	enum wf_state state;
	struct wf_facts facts;
	long long asset_id;
	int row_version;
	enum wf_role role;
	unsigned rel;
};

static int load(struct db *db, const struct workflow_cmd *cmd, struct loaded *l)
{
	char org[24], id[24], user[24];
	LL(org, cmd->org_id);
	LL(id, cmd->finding_id);
	LL(user, cmd->user_id);
	const char *p[] = { org, id, user };
	PGresult *r = db_exec(db,
		"SELECT f.state, f.severity, coalesce(f.score10, -1),"
		" ((f.first_seen AT TIME ZONE 'UTC')::date - date '1970-01-01'),"
		" coalesce(f.requester_id, 0), 'auto-accepted' = ANY(f.tags), f.asset_id, f.row_version,"
		" (SELECT m.role::text FROM membership m WHERE m.org_id = f.org_id AND m.user_id = $3::bigint),"
		" EXISTS (SELECT 1 FROM asset_owner o WHERE o.asset_id = f.asset_id AND o.user_id = $3::bigint AND o.role = 'technical'),"
		" EXISTS (SELECT 1 FROM asset_owner o WHERE o.asset_id = f.asset_id AND o.user_id = $3::bigint AND o.role = 'risk')"
		" FROM finding f WHERE f.org_id = $1 AND f.id = $2",
		3, p);
	if (!r)
		return db_last_rc(db);
	int rc = FF_ENOTFOUND;
	if (PQntuples(r) == 1) {
		rc = wf_state_parse(PQgetvalue(r, 0, 0), &l->state) ? FF_EPERM : FF_OK;
		if (ff_severity_parse(PQgetvalue(r, 0, 1), &l->facts.severity))
			l->facts.severity = FF_SEV_UNKNOWN;
		l->facts.score10 = (int)strtol(PQgetvalue(r, 0, 2), NULL, 10);
		l->facts.first_seen_day = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
		l->facts.requester_id = strtoll(PQgetvalue(r, 0, 4), NULL, 10);
		l->facts.auto_accepted = PQgetvalue(r, 0, 5)[0] == 't';
		l->asset_id = strtoll(PQgetvalue(r, 0, 6), NULL, 10);
		l->row_version = (int)strtol(PQgetvalue(r, 0, 7), NULL, 10);
		l->role = WF_ROLE_NONE;
		if (!PQgetisnull(r, 0, 8) && wf_role_parse(PQgetvalue(r, 0, 8), &l->role))
			l->role = WF_ROLE_NONE;
		l->rel = (PQgetvalue(r, 0, 9)[0] == 't' ? WF_REL_TECH_OWNER | WF_REL_MEMBER : 0) |
			 (PQgetvalue(r, 0, 10)[0] == 't' ? WF_REL_RISK_OWNER | WF_REL_MEMBER : 0);
	}
	PQclear(r);
	return rc;
}

int workflow_policy_load(struct db *db, long long org_id, long long asset_id, struct wf_policy *p)
{
	char org[24], asset[24];
	LL(org, org_id);
	LL(asset, asset_id);
	const char *params[] = { org, asset };
	wf_policy_defaults(p);
	PGresult *r = db_exec(db,
		"SELECT key, value FROM policy_setting WHERE org_id = $1"
		" AND (asset_id IS NULL OR asset_id = $2::bigint) ORDER BY asset_id IS NOT NULL, key",
		2, params);
	if (!r)
		return db_last_rc(db);
	for (int i = 0; i < PQntuples(r); i++) {
		const char *err = NULL;
		if (wf_policy_set(p, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), &err))
			log_warn("workflow", "stored policy setting ignored key=%s reason=%s", PQgetvalue(r, i, 0),
				 err ? err : "unknown key");
	}
	PQclear(r);
	return FF_OK;
}

/* the audit payload: the event's fields as sent */
static json_t *fields_json(const struct workflow_cmd *cmd)
{
	json_t *o = json_object();
	unsigned fields = wf_event_fields(cmd->event);
	for (unsigned bit = 1; bit && bit <= fields; bit <<= 1) {
		const char *v = (fields & bit) ? wf_data_get(&cmd->data, bit) : NULL;
		if (v)
			json_object_set_new(o, wf_field_name(bit), json_string(v));
	}
	if (cmd->data.scan_id > 0)
		json_object_set_new(o, "scan_id", json_integer(cmd->data.scan_id));
	if (cmd->message && cmd->event == WF_EV_TRANSFER)
		json_object_set_new(o, "message", json_string(cmd->message));
	return o;
}

/* how an event changes the finding's treatment object */
enum tmode { T_KEEP = 0, T_SET, T_MERGE, T_CLEAR };
static const enum tmode treatment_mode[WF_EV_COUNT] = {
	[WF_EV_ACCEPT] = T_SET, [WF_EV_AUTO_ACCEPT] = T_SET, [WF_EV_MITIGATE] = T_SET,
	[WF_EV_TRANSFER] = T_SET, [WF_EV_AVOID] = T_SET, [WF_EV_MARK_FALSE_POSITIVE] = T_SET,
	[WF_EV_APPROVE] = T_MERGE, [WF_EV_RENEW] = T_MERGE, [WF_EV_REVALIDATE] = T_MERGE,
	[WF_EV_REOPEN] = T_CLEAR, [WF_EV_REJECT] = T_CLEAR, [WF_EV_REAPPEAR] = T_CLEAR,
};

static const char *tmode_name(enum tmode m)
{
	static const char *n[] = { "keep", "set", "merge", "clear" };
	return n[m];
}

/* date columns: "keep" flag and the value (NULL = clear) */
static const char *date_param(int64_t d, char buf[11], const char **keep)
{
	*keep = d == WF_DATE_KEEP ? "true" : "false";
	if (d == WF_DATE_KEEP || d == WF_DATE_CLEAR)
		return NULL;
	ff_days_to_date(d, buf);
	return buf;
}

/* reassess: score the override vector (wf_check validated it) */
static void rescore(const char *vector, char score[8], const char **sev, const char **ver)
{
	struct cvss_vector v;
	struct cvss_error e;
	struct cvss_score s;
	score[0] = '\0';
	*sev = NULL;
	*ver = NULL;
	if (!vector || cvss_parse(vector, strlen(vector), &v, &e) || cvss_score(&v, &s))
		return;
	snprintf(score, 8, "%d", s.score10);
	*sev = ff_severity_name(s.severity);
	*ver = cvss_version_name(v.version);
}

static int write_update(struct db *db, const struct workflow_cmd *cmd, const struct loaded *l,
			const struct wf_result *res, const char *treatment, int expect, int *new_version)
{
	char id[24], org[24], ver[24], user[24], rd[11], vd[11], dd[11], score[8];
	const char *rk, *vk, *dk, *sev, *sver;
	LL(id, cmd->finding_id);
	LL(org, cmd->org_id);
	LL(ver, expect);
	LL(user, cmd->user_id);
	const char *rdp = date_param(res->review_date, rd, &rk);
	const char *vdp = date_param(res->revalidation_date, vd, &vk);
	const char *ddp = date_param(res->due_date, dd, &dk);
	const char *ovec = cmd->event == WF_EV_REASSESS ? cmd->data.vector : NULL;
	rescore(ovec, score, &sev, &sver);
	const char *p[] = {
		id, org, wf_state_name(res->to), rk, rdp, vk, vdp, dk, ddp,
		(res->tags_set & WF_TAG_AUTO_ACCEPTED) ? "true" : "false",
		(res->tags_clear & WF_TAG_AUTO_ACCEPTED) ? "true" : "false",
		res->store_requester ? "true" : "false", user,
		tmode_name(treatment_mode[cmd->event]), treatment, ovec, ovec ? cmd->data.justification : NULL,
		score[0] ? score : NULL, sev, sver, wf_state_name(l->state), ver,
	};
	PGresult *r = db_exec(db,
		"UPDATE finding SET state = $3,"
		" state_changed_at = CASE WHEN state <> $3 THEN now() ELSE state_changed_at END,"
		" review_date = CASE WHEN $4::bool THEN review_date ELSE $5::date END,"
		" revalidation_date = CASE WHEN $6::bool THEN revalidation_date ELSE $7::date END,"
		" due_date = CASE WHEN $8::bool THEN due_date ELSE $9::date END,"
		" tags = CASE WHEN $10::bool THEN array_append(array_remove(tags, 'auto-accepted'), 'auto-accepted')"
		"   WHEN $11::bool THEN array_remove(tags, 'auto-accepted') ELSE tags END,"
		" requester_id = CASE WHEN $12::bool THEN $13::bigint WHEN $3 <> 'acceptance_requested' THEN NULL"
		"   ELSE requester_id END,"
		" treatment = CASE $14 WHEN 'set' THEN $15::jsonb WHEN 'merge' THEN treatment || $15::jsonb"
		"   WHEN 'clear' THEN '{}'::jsonb ELSE treatment END,"
		" override_vector = coalesce($16, override_vector),"
		" override_justification = CASE WHEN $16 IS NULL THEN override_justification ELSE $17 END,"
		" score10 = coalesce($18::int, score10), severity = coalesce($19, severity),"
		" score_version = coalesce($20, score_version),"
		" row_version = row_version + 1, updated_at = now()"
		" WHERE id = $1 AND org_id = $2 AND state = $21 AND row_version = $22::int"
		" RETURNING row_version",
		22, p);
	if (!r)
		return db_last_rc(db);
	int rc = PQntuples(r) == 1 ? FF_OK : FF_ECONFLICT;
	if (!rc)
		*new_version = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return rc;
}

static const char *comment_source(const char *audit_source)
{
	static const char *const map[][2] = {
		{ "ui", "ui" }, { "api", "api" }, { "webhook", "ticket" }, { "email", "email" }, { "cli", "cli" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], audit_source) == 0)
			return map[i][1];
	return "api";
}

/* the side rows of comment and transfer */
static int write_side_rows(struct db *db, const struct workflow_cmd *cmd)
{
	char org[24], id[24], user[24];
	LL(org, cmd->org_id);
	LL(id, cmd->finding_id);
	LL(user, cmd->user_id);
	const char *uid = cmd->actor_kind == WF_ACTOR_USER && cmd->user_id > 0 ? user : NULL;
	if (cmd->event == WF_EV_COMMENT) {
		const char *p[] = { org, id, uid, cmd->audit->name, comment_source(cmd->audit->source), cmd->data.text };
		int rc = db_cmd(db, "INSERT INTO comment (org_id, finding_id, author_id, author_name, source, text)"
				    " VALUES ($1, $2, $3, $4, $5, $6)", 6, p);
		/* FlawFix comments go to the finding's ticket (not those that came from it) */
		if (!rc && strcmp(cmd->audit->source, "webhook") != 0)
			rc = ticket_comment_enqueue(db, cmd->org_id, cmd->finding_id, cmd->audit->name, cmd->data.text);
		return rc;
	}
	if (cmd->event == WF_EV_TRANSFER) {
		const char *p[] = { org, id, cmd->data.recipient_email, cmd->data.recipient_name, cmd->data.due_date,
				    cmd->message ? cmd->message : cmd->data.justification, uid };
		return db_cmd(db, "INSERT INTO transfer (org_id, finding_id, recipient_email, recipient_name, due_date,"
				  " message, created_by) VALUES ($1, $2, $3, $4, $5::date, $6, $7)", 7, p);
	}
	return FF_OK;
}

/* a reassessment: the scoring pipeline recomputes the finding's score and
 * explanation with the override (the UPDATE already stored its score) */
static int rescore_job(struct db *db, const struct workflow_cmd *cmd, long long asset_id, int version)
{
	if (cmd->event != WF_EV_REASSESS)
		return FF_OK;
	char key[96];
	snprintf(key, sizeof(key), "reassess:%lld:v%d", cmd->finding_id, version);
	json_t *p = json_pack("{s:I, s:s}", "asset_id", (json_int_t)asset_id, "reason", "manual reassessment");
	char *text = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	long long jid = 0;
	int rc = job_enqueue(db, cmd->org_id, "score.asset", text, key, 0, 0, &jid);
	free(text);
	return rc;
}

static int write_jobs(struct db *db, const struct workflow_cmd *cmd, const struct wf_result *res,
		      json_t *fields, long long asset_id, int version)
{
	int rc = FF_OK;
	for (unsigned i = 0; i < res->njobs && !rc; i++) {
		json_t *p = json_deep_copy(fields);
		json_object_set_new(p, "finding_id", json_integer(cmd->finding_id));
		json_object_set_new(p, "event", json_string(wf_event_name(cmd->event)));
		json_object_set_new(p, "actor", json_string(cmd->audit->name));
		char *text = json_dumps(p, JSON_COMPACT);
		char key[96];
		snprintf(key, sizeof(key), "%s:%lld:v%d", res->jobs[i], cmd->finding_id, version);
		long long jid = 0;
		rc = job_enqueue(db, cmd->org_id, res->jobs[i], text, key, 0, 0, &jid);
		free(text);
		json_decref(p);
	}
	return rc ? rc : rescore_job(db, cmd, asset_id, version);
}

static int read_event(struct db *db, long long finding_id, char **out)
{
	char id[24];
	LL(id, finding_id);
	const char *p[] = { id };
	PGresult *r = db_exec(db,
		"SELECT json_build_object('id', e.id, 'seq', e.seq, 'type', e.type, 'from_state', e.from_state,"
		" 'to_state', e.to_state, 'actor', e.actor_name, 'actor_type', e.actor_type, 'source', e.source,"
		" 'justification', e.justification, 'payload', e.payload, 'created_at', e.created_at)::text"
		" FROM event e WHERE e.finding_id = $1 ORDER BY e.id DESC LIMIT 1",
		1, p);
	if (!r)
		return db_last_rc(db);
	int rc = PQntuples(r) == 1 ? FF_OK : FF_EPERM;
	if (!rc)
		*out = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return rc;
}

static char *treatment_json(const struct workflow_cmd *cmd, json_t *fields)
{
	json_t *t = json_deep_copy(fields);
	char at[11];
	ff_days_to_date(wf_day_of_ms(cmd->now_ms), at);
	json_object_set_new(t, "by", json_string(cmd->audit->name));
	json_object_set_new(t, "on", json_string(at));
	json_t *wrap = t;
	if (treatment_mode[cmd->event] == T_MERGE) {
		wrap = json_object();
		json_object_set_new(wrap, wf_event_name(cmd->event), t);
	} else {
		json_object_set_new(t, "event", json_string(wf_event_name(cmd->event)));
	}
	char *s = json_dumps(wrap, JSON_COMPACT);
	json_decref(wrap);
	return s;
}

/* steps 4: the writes, inside the open transaction */
static int write_change(struct db *db, const struct workflow_cmd *cmd, const struct loaded *l,
			struct workflow_result *out)
{
	json_t *fields = fields_json(cmd);
	char *treatment = treatment_json(cmd, fields);
	char *payload = NULL;
	int expect = cmd->expect_version > 0 ? cmd->expect_version : l->row_version;
	int rc = write_update(db, cmd, l, &out->res, treatment, expect, &out->row_version);
	if (rc)
		goto out;
	json_t *pl = json_deep_copy(fields);
	json_object_set_new(pl, "row_version", json_integer(out->row_version));
	payload = json_dumps(pl, JSON_COMPACT);
	json_decref(pl);
	struct audit_event ev = {
		.org_id = cmd->org_id, .asset_id = l->asset_id, .finding_id = cmd->finding_id,
		.type = wf_event_name(cmd->event), .from_state = out->from, .to_state = out->to,
		.justification = cmd->data.justification ? cmd->data.justification : cmd->reason,
		.payload = payload,
	};
	if ((rc = audit_append(db, cmd->audit, &ev)))
		goto out;
	if ((rc = write_side_rows(db, cmd)))
		goto out;
	if ((rc = write_jobs(db, cmd, &out->res, fields, l->asset_id, out->row_version)))
		goto out;
	rc = read_event(db, cmd->finding_id, &out->event_json);
out:
	json_decref(fields);
	free(treatment);
	free(payload);
	return rc;
}

static int refuse(struct workflow_result *out, int rc)
{
	static const struct {
		int rc, status;
	} map[] = { { FF_ECONFLICT, 409 }, { FF_EFORBIDDEN, 403 }, { FF_EINVAL, 422 }, { FF_ENOTFOUND, 404 } };
	out->status = 500;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].rc == rc)
			out->status = map[i].status;
	return rc;
}

/* reassess: the vector must parse (wf_check only checks its shape) */
static bool bad_vector(const char *vector, struct workflow_result *out)
{
	struct cvss_vector v;
	struct cvss_error e;
	if (!vector || cvss_parse(vector, strlen(vector), &v, &e) == FF_OK)
		return false;
	out->res.verdict = WF_DENY_FIELD;
	out->res.field = "vector";
	snprintf(out->detail, sizeof(out->detail), "vector is not a valid CVSS vector at offset %zu: %s", e.offset,
		 e.what);
	return true;
}

/* mitigate needs somewhere to open the ticket: the asset's tracker
 * binding, or the tracker named in the command (wf_check made it required)
 * among the organisation's own. Checked
 * here so the command is refused up front instead of parking a failed
 * ticket.create job behind a finding that says "mitigating". */
static int no_tracker(struct db *db, const struct workflow_cmd *cmd, const struct loaded *l,
		      struct workflow_result *out, bool *missing)
{
	char org[24], asset[24];
	LL(org, cmd->org_id);
	LL(asset, l->asset_id);
	const char *p[] = { org, asset, cmd->data.tracker };
	PGresult *r = db_exec(db,
		"SELECT a.slug, a.tracker_id IS NOT NULL,"
		" EXISTS (SELECT 1 FROM tracker t WHERE t.org_id = $1 AND t.name = $3)"
		" FROM asset a WHERE a.id = $2 AND a.org_id = $1", 3, p);
	if (!r)
		return db_last_rc(db);
	*missing = PQntuples(r) == 1 && PQgetvalue(r, 0, 1)[0] != 't' && PQgetvalue(r, 0, 2)[0] != 't';
	if (*missing) {
		out->res.verdict = WF_DENY_FIELD;
		out->res.field = "tracker";
		snprintf(out->detail, sizeof(out->detail), "tracker '%.64s' is not a tracker of this organisation, and"
			 " asset '%.64s' has no ticket tracker binding; bind one (PUT /api/v1/assets/%.64s/tracker)",
			 cmd->data.tracker, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 0));
	}
	PQclear(r);
	return FF_OK;
}

/* steps 1-3: load and decide; FF_OK when the command may be written */
static int decide(struct db *db, const struct workflow_cmd *cmd, struct loaded *l, struct workflow_result *out)
{
	int rc = load(db, cmd, l);
	/* members only see the findings of assets they belong to */
	if (rc == FF_OK && cmd->actor_kind == WF_ACTOR_USER && l->role == WF_ROLE_MEMBER && !(l->rel & WF_REL_MEMBER))
		rc = FF_ENOTFOUND;
	if (rc == FF_ENOTFOUND) {
		snprintf(out->detail, sizeof(out->detail), "no finding %lld", cmd->finding_id);
		return refuse(out, rc);
	}
	if (rc)
		return rc;
	out->row_version = l->row_version;
	struct wf_policy pol;
	if ((rc = workflow_policy_load(db, cmd->org_id, l->asset_id, &pol)))
		return rc;
	struct wf_cmd wc = {
		.event = cmd->event, .data = cmd->data, .now_ms = cmd->now_ms,
		.actor = { .kind = cmd->actor_kind, .role = l->role, .rel = l->rel, .id = cmd->user_id },
	};
	rc = wf_check(l->state, &wc, &pol, &l->facts, &out->res);
	snprintf(out->from, sizeof(out->from), "%s", wf_state_name(l->state));
	snprintf(out->to, sizeof(out->to), "%s", wf_state_name(rc ? l->state : out->res.to));
	wf_event_mask_format(wf_events_from(l->state), out->allowed, sizeof(out->allowed));
	if (rc) {
		const char *why = out->res.reason ? out->res.reason : "refused";
		if (out->res.verdict == WF_DENY_FIELD && out->res.field)
			snprintf(out->detail, sizeof(out->detail), "%s %s", out->res.field, why);
		else
			snprintf(out->detail, sizeof(out->detail), "%s", why);
		return refuse(out, rc);
	}
	if (cmd->event == WF_EV_REASSESS && bad_vector(cmd->data.vector, out))
		return refuse(out, FF_EINVAL);
	if (cmd->event == WF_EV_MITIGATE) {
		bool missing = false;
		if ((rc = no_tracker(db, cmd, l, out, &missing)))
			return rc;
		if (missing)
			return refuse(out, FF_EINVAL);
	}
	if (cmd->expect_version > 0 && cmd->expect_version != l->row_version) {
		out->stale = true;
		snprintf(out->detail, sizeof(out->detail),
			 "the finding changed meanwhile (row_version %d, the command expected %d)", l->row_version,
			 cmd->expect_version);
		return refuse(out, FF_ECONFLICT);
	}
	return FF_OK;
}

int workflow_apply(struct db *db, const struct workflow_cmd *cmd, struct workflow_result *out)
{
	struct loaded l;
	memset(out, 0, sizeof(*out));
	memset(&l, 0, sizeof(l));
	out->status = 500;
	int rc = db_begin(db);
	if (rc)
		return rc;
	if ((rc = decide(db, cmd, &l, out)))
		goto fail;
	rc = write_change(db, cmd, &l, out);
	if (rc == FF_ECONFLICT && !out->event_json) {
		out->stale = true;
		snprintf(out->detail, sizeof(out->detail),
			 "the finding changed meanwhile (it is no longer %s at row_version %d); nothing was written",
			 out->from, cmd->expect_version > 0 ? cmd->expect_version : l.row_version);
		refuse(out, rc);
		goto fail;
	}
	if (rc || (rc = db_commit(db)))
		goto fail;
	out->status = 200;
	log_info("workflow", "finding %s -> %s id=%lld event=%s actor=%s source=%s", out->from, out->to,
		 cmd->finding_id, wf_event_name(cmd->event), cmd->audit->name, cmd->audit->source);
	return FF_OK;
fail:
	db_rollback(db);
	free(out->event_json);
	out->event_json = NULL;
	return rc;
}

void workflow_result_clear(struct workflow_result *out)
{
	if (!out)
		return;
	free(out->event_json);
	out->event_json = NULL;
}
