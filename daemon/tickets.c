/* The ticket jobs. Idempotency: ticket.create relies on conn_issue_create's
 * find-before-create (our key "ff-<finding id>" is a label/marker on the
 * remote ticket), so a daemon killed between the tracker's answer and our
 * commit finds the ticket on the retry instead of making a second one.
 * Echoes: the events of our integration user and of comment ids we wrote
 * (ticket_own_comment) are dropped. */
#include "tickets.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cfg.h"
#include "common/crypto.h"
#include "common/fftime.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/rc.h"
#include "common/str.h"
#include "connectors/conn.h"
#include "db/q_ticket.h"
#include "db/q_workflow.h"
#include "templates/tpl.h"
#include "workflow/policy.h"

#define TK_MAX_LABELS 16
#define TK_MAX_FIELDS 16
#define TK_BODY_MAX (256 * 1024)

/* an open tracker: the row, the conn and the arrays conn_config borrows */
struct tk {
	struct tracker_row t;
	struct conn *c;
	json_t *labels, *fields;
	const char *label_v[TK_MAX_LABELS];
	struct conn_field field_v[TK_MAX_FIELDS];
	char *field_json[TK_MAX_FIELDS];
	const char *reconcile_before; /* poll: tickets changed after this are the next poll's */
	long long job_id;             /* a job that posts one comment (comment/close/reopen), else 0 */
	int job_attempt;              /* its attempt: from 2 on, the comment may be there already */
};

int tickets_key(uint8_t key[32])
{
	char err[256];
	if (ff_key_load(cfg_str("secret_key_file"), key, err, sizeof(err))) {
		log_error("tickets", "could not load the secrets key: %s", err);
		return FF_EPERM;
	}
	return FF_OK;
}

static void tk_close(struct tk *k)
{
	conn_close(k->c);
	for (int i = 0; i < TK_MAX_FIELDS; i++)
		free(k->field_json[i]);
	json_decref(k->labels);
	json_decref(k->fields);
	tracker_row_clear(&k->t);
	memset(k, 0, sizeof(*k));
}

static enum conn_mode mode_of(const char *m)
{
	if (m && strcmp(m, "cloud") == 0)
		return CONN_MODE_CLOUD;
	return m && strcmp(m, "dc") == 0 ? CONN_MODE_DC : CONN_MODE_DEFAULT;
}

static void tk_arrays(struct tk *k, struct conn_config *cfg)
{
	k->labels = json_loads(k->t.labels_json ? k->t.labels_json : "[]", 0, NULL);
	k->fields = json_loads(k->t.fields_json ? k->t.fields_json : "{}", 0, NULL);
	size_t i;
	json_t *v;
	json_array_foreach(k->labels, i, v)
		if (cfg->nlabels < TK_MAX_LABELS && json_is_string(v))
			k->label_v[cfg->nlabels++] = json_string_value(v);
	const char *name;
	json_object_foreach(k->fields, name, v) {
		if (cfg->nfields >= TK_MAX_FIELDS)
			break;
		k->field_json[cfg->nfields] = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		k->field_v[cfg->nfields].name = name;
		k->field_v[cfg->nfields].json = k->field_json[cfg->nfields];
		cfg->nfields++;
	}
	cfg->labels = k->label_v;
	cfg->fields = k->field_v;
}

/* tk_open loads tracker_id of org_id (0 = whichever org: webhooks find
 * the org from the row) and opens its connector (no network) for project
 * (NULL or "" = the tracker's own) */
static int tk_open(struct db *db, long long org_id, long long tracker_id, const char *project, struct tk *k,
		   char *err, size_t errlen)
{
	uint8_t key[32];
	memset(k, 0, sizeof(*k));
	int rc = tickets_key(key);
	if (rc || (rc = tracker_load(db, org_id, tracker_id, key, &k->t))) {
		snprintf(err, errlen, "tracker %lld: %s", tracker_id,
			 rc == FF_ENOTFOUND ? "no such tracker" : "its secrets could not be read");
		return rc == FF_ETEMP ? rc : FF_EPERM;
	}
	struct conn_config cfg = {
		.kind = k->t.kind, .base_url = k->t.base_url, .mode = mode_of(k->t.mode), .user = k->t.user,
		.token = k->t.token, .project = project && *project ? project : k->t.project, .issue_type = k->t.issue_type,
		.webhook_secret = k->t.secret, .close_status = k->t.close_status,
		.reopen_status = k->t.reopen_status, .timeout_ms = 15000, .max_attempts = 2,
	};
	tk_arrays(k, &cfg);
	if ((rc = conn_open(&cfg, &k->c, err, errlen)))
		return FF_EPERM;
	return FF_OK;
}

/* the connector's verdict as a job result: outages are retried */
static int tk_fail(struct tk *k, int rc, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", what, k->c ? conn_last_error(k->c) : "not connected");
	return rc == FF_ETEMP ? FF_ETEMP : FF_EPERM;
}

/* our integration user, asked once and remembered in the tracker row */
static int tk_self(struct db *db, struct tk *k, char *err, size_t errlen)
{
	if (k->t.self_id && k->t.self_id[0])
		return FF_OK;
	char id[128], name[128];
	int rc = conn_whoami(k->c, id, sizeof(id), name, sizeof(name));
	if (rc)
		return tk_fail(k, rc, "could not ask the tracker who we are", err, errlen);
	tracker_set_self(db, k->t.id, id, name);
	free(k->t.self_id);
	k->t.self_id = xstrdup(id);
	return FF_OK;
}

/* ---- rendering ---- */

static const char *sev_label(const char *s)
{
	static const char *const m[][2] = { { "critical", "Critical" }, { "high", "High" }, { "medium", "Medium" },
					     { "low", "Low" }, { "none", "None" } };
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (s && strcmp(s, m[i][0]) == 0)
			return m[i][1];
	return "Unknown";
}

static json_t *references(const json_t *f)
{
	json_t *refs = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(f, "vuln_ids"), i, v) {
		const char *id = json_string_value(v);
		char url[256];
		if (id && strncmp(id, "CVE-", 4) == 0)
			snprintf(url, sizeof(url), "https://nvd.nist.gov/vuln/detail/%s", id);
		else if (id && strncmp(id, "GHSA-", 5) == 0)
			snprintf(url, sizeof(url), "https://github.com/advisories/%s", id);
		else
			continue;
		json_array_append_new(refs, json_string(url));
	}
	return refs;
}

/* the template context of a finding (f is ticket_finding_json's object) */
static json_t *render_ctx(const json_t *f, const char *due)
{
	json_t *ctx = json_deep_copy(f);
	json_object_set_new(ctx, "severity_label", json_string(sev_label(json_string_value(json_object_get(f, "severity")))));
	json_t *s10 = json_object_get(f, "score10");
	if (json_is_integer(s10)) {
		char sc[48];
		snprintf(sc, sizeof(sc), "%lld.%lld", (long long)json_integer_value(s10) / 10,
			 (long long)json_integer_value(s10) % 10);
		json_object_set_new(ctx, "score", json_string(sc));
	}
	json_t *ex = json_object_get(f, "explanation");
	json_object_set_new(ctx, "has_explanation", json_boolean(json_is_array(ex) && json_array_size(ex) > 0));
	json_t *refs = references(f);
	json_object_set_new(ctx, "has_references", json_boolean(json_array_size(refs) > 0));
	json_object_set_new(ctx, "references", refs);
	if (due && *due)
		json_object_set_new(ctx, "due_date", json_string(due));
	char link[512];
	snprintf(link, sizeof(link), "%s/findings/%lld", cfg_str("public_url"),
		 (long long)json_integer_value(json_object_get(f, "id")));
	json_object_set_new(ctx, "link", json_string(link));
	if (!json_string_value(json_object_get(f, "title")))
		json_object_set_new(ctx, "title", json_string("finding"));
	return ctx;
}

/* render_file renders templates/ticket/<name> into *out (caller frees) */
static int render_file(const char *name, const json_t *ctx, tpl_escape_fn esc, char **out, char *err, size_t errlen)
{
	const char *tpl = tpl_file(name);
	struct buf b;
	buf_init(&b, TK_BODY_MAX);
	if (!tpl) {
		snprintf(err, errlen, "template %s is missing", name);
		return FF_EPERM;
	}
	int rc = tpl_render(tpl, ctx, esc, &b, err, errlen);
	if (rc) {
		buf_free(&b);
		return FF_EPERM;
	}
	while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == ' '))
		b.data[--b.len] = '\0';
	*out = buf_steal(&b);
	return FF_OK;
}

static int is_jira(const struct tk *k)
{
	return strcmp(k->t.kind, "jira") == 0;
}

/* ---- ticket.create ---- */

static long long payload_ll(const json_t *p, const char *name)
{
	json_t *v = json_object_get(p, name);
	long long n = 0;
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_string(v) && str_to_ll(json_string_value(v), 1, 9223372036854775807LL, &n) == FF_OK)
		return n;
	return 0;
}

static int create_remote(struct db *db, struct tk *k, const json_t *f, const json_t *p, char *err, size_t errlen)
{
	long long fid = json_integer_value(json_object_get(f, "id"));
	const char *due = json_string_value(json_object_get(p, "due_date"));
	if (!due)
		due = json_string_value(json_object_get(f, "due_date"));
	json_t *ctx = render_ctx(f, due);
	char *title = NULL, *body = NULL, key[32], assignee[128] = "";
	snprintf(key, sizeof(key), "ff-%lld", fid);
	int rc = render_file("title.mustache", ctx, NULL, &title, err, errlen);
	if (!rc)
		rc = render_file(is_jira(k) ? "body.txt.mustache" : "body.md.mustache", ctx,
				 is_jira(k) ? NULL : tpl_escape_markdown, &body, err, errlen);
	const char *who = json_string_value(json_object_get(p, "assignee"));
	if (!rc && who)
		rc = identity_remote(db, k->t.id, who, assignee, sizeof(assignee));
	if (rc)
		goto out;
	struct conn_issue_spec spec = { .key = key, .title = title, .body = body,
					.assignee = assignee[0] ? assignee : NULL, .due_date = due };
	struct conn_issue is;
	int created = 0;
	if ((rc = conn_issue_create(k->c, &spec, &is, &created))) {
		rc = tk_fail(k, rc, "could not create the ticket", err, errlen);
		goto out;
	}
	/* the crash window of issue 7's "kill -9 between create and commit" */
	if (created && getenv("FLAWFIX_TEST_DIE_AFTER_TICKET_CREATE"))
		raise(SIGKILL);
	rc = ticket_created(db, fid, is.id, is.key, is.url, is.status == CONN_STATUS_DONE ? "done" : "open");
	log_info("tickets", "ticket %s finding=%lld key=%s remote=%s", created ? "created" : "found", fid, key, is.key);
out:
	json_decref(ctx);
	free(title);
	free(body);
	return rc;
}

static void note_error(struct db *db, long long finding_id, int rc, const char *err)
{
	if (rc && finding_id > 0)
		ticket_note(db, finding_id, err, NULL);
}

int job_ticket_create(struct db *db, const struct job *j, char *err, size_t errlen)
{
	json_t *p = json_loads(j->payload, 0, NULL), *f = NULL;
	char *fj = NULL, key[32];
	struct tk k;
	memset(&k, 0, sizeof(k));
	long long fid = payload_ll(p, "finding_id");
	int rc = ticket_finding_json(db, fid, &fj);
	if (rc) {
		snprintf(err, errlen, "finding %lld: %s", fid, rc == FF_ENOTFOUND ? "not found" : "database error");
		rc = rc == FF_ENOTFOUND ? FF_EPERM : FF_ETEMP;
		goto out;
	}
	f = json_loads(fj, 0, NULL);
	json_t *t = json_object_get(f, "ticket");
	if (json_string_value(json_object_get(t, "remote_id")))
		goto out; /* done before: the job ran twice */
	const char *state = json_string_value(json_object_get(f, "state"));
	if (!state || strcmp(state, "mitigating") != 0) {
		log_info("tickets", "no ticket for finding=%lld: it is %s now", fid, state ? state : "gone");
		goto out;
	}
	/* the asset's binding; else the tracker named in the command, by name
	 * and only among the organisation's own */
	long long tracker = payload_ll(f, "tracker_id");
	const char *tname = json_string_value(json_object_get(p, "tracker"));
	if (!tracker && tname && tracker_id_by_name(db, j->org_id, tname, &tracker) == FF_ETEMP) {
		rc = FF_ETEMP;
		goto out;
	}
	if (!tracker) {
		snprintf(err, errlen, "asset %s has no ticket tracker binding",
			 json_string_value(json_object_get(f, "asset")));
		rc = FF_EPERM;
		goto out;
	}
	snprintf(key, sizeof(key), "ff-%lld", fid);
	const char *project = json_string_value(json_object_get(f, "project"));
	if ((rc = ticket_begin(db, j->org_id, tracker, fid, key, project)) ||
	    (rc = tk_open(db, j->org_id, tracker, project, &k, err, errlen)))
		goto out;
	rc = create_remote(db, &k, f, p, err, errlen);
out:
	note_error(db, fid, rc, err);
	tk_close(&k);
	json_decref(f);
	json_decref(p);
	free(fj);
	return rc;
}

/* ---- comments and status from FlawFix to the tracker ---- */

/* A job's comment carries "flawfix-ref: job-<id>": when the job runs
 * again (a crash, a lost answer), the comment it posted before is found by
 * the remembered id or, failing that, by this line at the tracker. */
static bool posted_before(struct db *db, struct tk *k, const char *remote_id, const char *ref, char *cid,
			  size_t cidlen)
{
	if (own_comment_of_job(db, k->job_id, cid, cidlen) == FF_OK)
		return true;
	if (k->job_attempt < 2 || conn_comment_find(k->c, remote_id, ref, cid, cidlen) != FF_OK)
		return false;
	own_comment_add(db, k->t.id, cid, k->job_id);
	return true;
}

static int post_comment(struct db *db, struct tk *k, const char *remote_id, const char *text, char *err,
			size_t errlen)
{
	char cid[64] = "", ref[48] = "";
	char *body = NULL;
	if (k->job_id > 0) {
		snprintf(ref, sizeof(ref), "flawfix-ref: job-%lld", k->job_id);
		if (posted_before(db, k, remote_id, ref, cid, sizeof(cid))) {
			log_info("tickets", "comment of job %lld is there already (remote comment %s)", k->job_id, cid);
			return FF_OK;
		}
		body = xasprintf("%s\n\n%s", text, ref);
	}
	int rc = conn_comment_add(k->c, remote_id, body ? body : text, cid, sizeof(cid));
	free(body);
	if (rc)
		return tk_fail(k, rc, "could not add the comment", err, errlen);
	if (cid[0])
		own_comment_add(db, k->t.id, cid, k->job_id);
	return FF_OK;
}

/* ticket_job: open the finding's ticket and run fn on it */
typedef int (*ticket_fn)(struct db *db, struct tk *k, const struct ticket_ref *t, const json_t *p, char *err,
			 size_t errlen);

static int ticket_job(struct db *db, const struct job *j, ticket_fn fn, char *err, size_t errlen)
{
	json_t *p = json_loads(j->payload, 0, NULL);
	struct tk k;
	struct ticket_ref t;
	memset(&k, 0, sizeof(k));
	long long fid = payload_ll(p, "finding_id");
	int rc = ticket_by_finding(db, fid, &t);
	if (rc == FF_ENOTFOUND) {
		log_info("tickets", "no ticket for finding=%lld job=%s: nothing to do", fid, j->kind);
		rc = FF_OK;
		goto out;
	}
	if (rc || (rc = tk_open(db, j->org_id, t.tracker_id, t.project, &k, err, errlen)))
		goto out;
	k.job_id = j->id;
	k.job_attempt = j->attempts;
	rc = fn(db, &k, &t, p, err, errlen);
	if (!rc)
		ticket_note(db, fid, NULL, NULL);
out:
	note_error(db, fid, rc, err);
	tk_close(&k);
	json_decref(p);
	return rc;
}

static int do_comment(struct db *db, struct tk *k, const struct ticket_ref *t, const json_t *p, char *err,
		      size_t errlen)
{
	const char *text = json_string_value(json_object_get(p, "text"));
	const char *author = json_string_value(json_object_get(p, "actor"));
	char *msg = NULL;
	if (!text)
		return FF_OK;
	size_t n = strlen(text) + 64 + (author ? strlen(author) : 0);
	msg = xmalloc(n);
	snprintf(msg, n, "%s (FlawFix): %s", author ? author : "FlawFix", text);
	int rc = post_comment(db, k, t->remote_id, msg, err, errlen);
	free(msg);
	return rc;
}

static int do_status(struct db *db, struct tk *k, const struct ticket_ref *t, const json_t *p, char *err,
		     size_t errlen, enum conn_status target, const char *tpl)
{
	json_t *ctx = json_deep_copy(p);
	char link[512], *text = NULL;
	snprintf(link, sizeof(link), "%s/findings/%lld", cfg_str("public_url"), t->finding_id);
	json_object_set_new(ctx, "link", json_string(link));
	int rc = conn_status_set(k->c, t->remote_id, target);
	if (rc)
		rc = tk_fail(k, rc, "could not change the ticket's status", err, errlen);
	if (!rc)
		rc = render_file(tpl, ctx, NULL, &text, err, errlen);
	if (!rc)
		rc = post_comment(db, k, t->remote_id, text, err, errlen);
	if (!rc)
		ticket_note(db, t->finding_id, NULL, target == CONN_STATUS_DONE ? "done" : "open");
	free(text);
	json_decref(ctx);
	return rc;
}

static int do_close(struct db *db, struct tk *k, const struct ticket_ref *t, const json_t *p, char *err,
		    size_t errlen)
{
	return do_status(db, k, t, p, err, errlen, CONN_STATUS_DONE, "close.mustache");
}

static int do_reopen(struct db *db, struct tk *k, const struct ticket_ref *t, const json_t *p, char *err,
		     size_t errlen)
{
	return do_status(db, k, t, p, err, errlen, CONN_STATUS_OPEN, "reopen.mustache");
}

int job_ticket_comment(struct db *db, const struct job *j, char *err, size_t errlen)
{
	return ticket_job(db, j, do_comment, err, errlen);
}

int job_ticket_close(struct db *db, const struct job *j, char *err, size_t errlen)
{
	return ticket_job(db, j, do_close, err, errlen);
}

int job_ticket_reopen(struct db *db, const struct job *j, char *err, size_t errlen)
{
	return ticket_job(db, j, do_reopen, err, errlen);
}

/* ---- events from the tracker ---- */

/* apply one workflow command on the ticket's finding */
static int wf(struct db *db, const struct ticket_ref *t, enum wf_event ev, long long user_id, const char *actor_id,
	      const char *actor_name, struct wf_data *data, struct workflow_result *r)
{
	struct audit_actor a = { .type = user_id ? "user" : "tracker_user", .id = actor_id,
				 .name = actor_name && *actor_name ? actor_name : "tracker", .source = "webhook" };
	char uid[24];
	if (user_id) {
		snprintf(uid, sizeof(uid), "%lld", user_id);
		a.id = uid;
	}
	struct workflow_cmd cmd = { .org_id = t->org_id, .finding_id = t->finding_id, .event = ev,
				    .actor_kind = user_id ? WF_ACTOR_USER : WF_ACTOR_TRACKER, .user_id = user_id,
				    .audit = &a, .now_ms = ff_now_ms() };
	if (data)
		cmd.data = *data;
	return workflow_apply(db, &cmd, r);
}

/* post the reply to a slash command, remembered first as pending on the
 * remote comment (cid) so a retry after an outage posts it (once) instead
 * of deciding the command again */
static int reply(struct db *db, struct tk *k, const struct ticket_ref *t, const char *cid, const char *tpl,
		 json_t *ctx, char *err, size_t errlen)
{
	char *text = NULL;
	int rc = tpl ? render_file(tpl, ctx, NULL, &text, err, errlen) : FF_OK;
	json_decref(ctx);
	if (rc)
		return rc;
	if (cid[0] && seen_comment_add(db, k->t.id, cid, text)) {
		free(text);
		return FF_ETEMP;
	}
	if (text)
		rc = post_comment(db, k, t->remote_id, text, err, errlen);
	if (!rc && text && cid[0])
		seen_comment_replied(db, k->t.id, cid);
	free(text);
	return rc;
}

/* the review date of an acceptance from a ticket: the latest the policy allows */
static void review_date(struct db *db, const struct ticket_ref *t, char out[11])
{
	struct wf_policy pol;
	enum ff_severity sev = FF_SEV_UNKNOWN;
	ff_severity_parse(t->severity, &sev);
	int64_t today = wf_day_of_ms(ff_now_ms());
	int64_t d = today + 30;
	if (workflow_policy_load(db, t->org_id, t->asset_id, &pol) == FF_OK)
		d = wf_policy_review_max(&pol, sev, today);
	ff_days_to_date(d, out);
}

static int slash(struct db *db, struct tk *k, const struct ticket_ref *t, const struct conn_event *ev,
		 const struct conn_slash *s, int parse_rc, char *outcome, size_t on, char *err, size_t errlen)
{
	static const enum wf_event map[] = { [CONN_SLASH_ACCEPT] = WF_EV_ACCEPT,
					     [CONN_SLASH_FALSE_POSITIVE] = WF_EV_MARK_FALSE_POSITIVE,
					     [CONN_SLASH_REOPEN] = WF_EV_REOPEN, [CONN_SLASH_COMMENT] = WF_EV_COMMENT };
	const char *cmd = conn_slash_name(s->kind);
	long long uid = 0;
	char uname[130] = "", rd[11];
	int rc = identity_user(db, k->t.id, ev->actor_id, &uid, uname, sizeof(uname));
	if (rc)
		return FF_ETEMP;
	const char *why = parse_rc ? s->error : s->kind == CONN_SLASH_UNKNOWN ? "unknown command" : NULL;
	char whybuf[300];
	if (!why && !uid) {
		snprintf(whybuf, sizeof(whybuf),
			 "the tracker account %s is not linked to a FlawFix user (an administrator can link it)",
			 ev->actor_name[0] ? ev->actor_name : ev->actor_id);
		why = whybuf;
	}
	struct workflow_result r;
	memset(&r, 0, sizeof(r));
	if (!why) {
		struct wf_data d = { .justification = s->arg, .text = s->arg };
		if (s->kind == CONN_SLASH_ACCEPT) {
			review_date(db, t, rd);
			d.review_date = rd;
		}
		if (s->kind == CONN_SLASH_REOPEN && !s->arg)
			d.justification = "reopened from the ticket";
		rc = wf(db, t, map[s->kind], uid, ev->actor_id, uname, &d, &r);
		why = rc ? r.detail : NULL;
		if (rc && r.status == 500) {
			workflow_result_clear(&r);
			snprintf(err, errlen, "database error applying %s", cmd);
			return FF_ETEMP;
		}
	}
	snprintf(outcome, on, "%s %s%s", cmd, why ? "refused: " : "applied", why ? why : "");
	json_t *ctx = json_pack("{s:s, s:s, s:s, s:s}", "command", cmd, "reason", why ? why : "", "user", uname,
				"state", r.to);
	workflow_result_clear(&r);
	const char *tpl = why ? "refuse.mustache" : s->kind == CONN_SLASH_COMMENT ? NULL : "applied.mustache";
	return reply(db, k, t, ev->comment_id, tpl, ctx, err, errlen);
}

static int on_comment_locked(struct db *db, struct tk *k, const struct ticket_ref *t, const struct conn_event *ev,
			     char *outcome, size_t on, char *err, size_t errlen)
{
	struct conn_slash s;
	int seen = 0;
	char *pending = NULL;
	if (ev->comment_id[0] && seen_comment_get(db, k->t.id, ev->comment_id, &seen, &pending))
		return FF_ETEMP;
	if (seen) {
		int rc = pending ? post_comment(db, k, t->remote_id, pending, err, errlen) : FF_OK;
		if (!rc && pending)
			seen_comment_replied(db, k->t.id, ev->comment_id);
		snprintf(outcome, on, "comment %s seen before%s", ev->comment_id, pending ? "; its reply posted now" : "");
		free(pending);
		return rc;
	}
	int prc = conn_slash_parse(ev->text ? ev->text : "", &s);
	int rc = FF_OK;
	if (prc == FF_OK && s.kind == CONN_SLASH_NONE) {
		struct wf_data d = { .text = ev->text };
		struct workflow_result r;
		rc = wf(db, t, WF_EV_COMMENT, 0, ev->actor_id, ev->actor_name, &d, &r);
		snprintf(outcome, on, "comment %s", rc ? r.detail : "stored");
		rc = rc && r.status == 500 ? FF_ETEMP : FF_OK;
		workflow_result_clear(&r);
	} else {
		rc = slash(db, k, t, ev, &s, prc, outcome, on, err, errlen);
	}
	conn_slash_free(&s);
	if (!rc && ev->comment_id[0])
		rc = seen_comment_add(db, k->t.id, ev->comment_id, NULL) ? FF_ETEMP : FF_OK;
	return rc;
}

static int on_comment(struct db *db, struct tk *k, const struct ticket_ref *t, const struct conn_event *ev,
		      char *outcome, size_t on, char *err, size_t errlen)
{
	if (!ev->comment_id[0])
		return on_comment_locked(db, k, t, ev, outcome, on, err, errlen);
	if (seen_comment_lock(db, k->t.id, ev->comment_id, 1))
		return FF_ETEMP;
	int rc = on_comment_locked(db, k, t, ev, outcome, on, err, errlen);
	seen_comment_lock(db, k->t.id, ev->comment_id, 0);
	return rc;
}

static int on_status(struct db *db, const struct ticket_ref *t, const struct conn_event *ev, char *outcome, size_t on)
{
	enum wf_event e = ev->status == CONN_STATUS_DONE ? WF_EV_TICKET_CLOSED : WF_EV_TICKET_REOPENED;
	ticket_note(db, t->finding_id, NULL, ev->status == CONN_STATUS_DONE ? "done" : "open");
	if ((e == WF_EV_TICKET_CLOSED && strcmp(t->state, "mitigating") != 0) ||
	    (e == WF_EV_TICKET_REOPENED && strcmp(t->state, "verifying") != 0)) {
		snprintf(outcome, on, "status %s: the finding is %s, nothing to do",
			 ev->status == CONN_STATUS_DONE ? "done" : "open", t->state);
		return FF_OK;
	}
	struct workflow_result r;
	int rc = wf(db, t, e, 0, ev->actor_id, ev->actor_name, NULL, &r);
	snprintf(outcome, on, "%s %s", wf_event_name(e), rc ? r.detail : "applied");
	rc = rc && r.status == 500 ? FF_ETEMP : FF_OK;
	workflow_result_clear(&r);
	return rc;
}

static int is_echo(struct db *db, const struct tk *k, const struct conn_event *ev)
{
	if (k->t.self_id && ev->actor_id[0] && strcmp(k->t.self_id, ev->actor_id) == 0)
		return 1;
	return ev->comment_id[0] && own_comment_is(db, k->t.id, ev->comment_id) == 1;
}

/* handle one neutral event; outcome says what became of it */
static int handle_event(struct db *db, struct tk *k, const struct conn_event *ev, char *outcome, size_t on,
			char *err, size_t errlen)
{
	struct ticket_ref t;
	if (ev->kind == CONN_EV_IGNORED) {
		snprintf(outcome, on, "ignored");
		return FF_OK;
	}
	int rc = ticket_by_remote(db, k->t.id, ev->issue_id, ev->issue_key, &t);
	if (rc == FF_ENOTFOUND) {
		log_info("tickets", "event for an unknown ticket ignored tracker=%lld issue=%s key=%s", k->t.id,
			 ev->issue_id, ev->issue_key);
		snprintf(outcome, on, "unknown ticket");
		return FF_OK;
	}
	if (rc)
		return FF_ETEMP;
	if (is_echo(db, k, ev)) {
		snprintf(outcome, on, "echo of our own write");
		return FF_OK;
	}
	if (ev->kind == CONN_EV_STATUS)
		return on_status(db, &t, ev, outcome, on);
	if (ev->kind == CONN_EV_COMMENT)
		return on_comment(db, k, &t, ev, outcome, on, err, errlen);
	ticket_note(db, t.finding_id, "the ticket was deleted at the tracker", "deleted");
	snprintf(outcome, on, "ticket deleted");
	return FF_OK;
}

/* the stored headers ({"name": "value"}) as connector headers */
static int hook_in(const struct delivery *d, json_t *h, struct http_header *hv, int max, struct conn_webhook_in *in)
{
	int n = 0;
	const char *name;
	json_t *v;
	json_object_foreach(h, name, v) {
		if (n >= max)
			break;
		hv[n].name = name;
		hv[n].value = json_string_value(v) ? json_string_value(v) : "";
		hv[n].secret = 0;
		n++;
	}
	in->headers = hv;
	in->nheaders = n;
	in->body = d->body;
	in->body_len = strlen(d->body);
	return n;
}

int job_ticket_event(struct db *db, const struct job *j, char *err, size_t errlen)
{
	json_t *p = json_loads(j->payload, 0, NULL), *h = NULL;
	struct delivery d;
	struct tk k;
	struct conn_event ev;
	char outcome[600] = "";
	memset(&k, 0, sizeof(k));
	memset(&ev, 0, sizeof(ev));
	int rc = delivery_load(db, payload_ll(p, "delivery"), &d);
	if (rc == FF_ENOTFOUND || (rc == FF_OK && d.processed)) {
		rc = FF_OK;
		goto out;
	}
	if (rc || (rc = tk_open(db, d.org_id, d.tracker_id, NULL, &k, err, errlen)))
		goto out;
	h = json_loads(d.headers_json, 0, NULL);
	struct http_header hv[32];
	struct conn_webhook_in in;
	hook_in(&d, h, hv, 32, &in);
	if (conn_webhook_parse(k.c, &in, &ev)) {
		snprintf(outcome, sizeof(outcome), "unreadable body: %s", conn_last_error(k.c));
	} else if ((rc = tk_self(db, &k, err, errlen)) == FF_OK) {
		rc = handle_event(db, &k, &ev, outcome, sizeof(outcome), err, errlen);
	}
	if (!rc) {
		delivery_done(db, d.id, outcome);
		log_info("tickets", "webhook delivery=%lld tracker=%lld: %s", d.id, d.tracker_id, outcome);
	}
out:
	conn_event_free(&ev);
	json_decref(h);
	tk_close(&k);
	delivery_clear(&d);
	json_decref(p);
	return rc;
}

/* ---- polling (Redmine) and reconcile ---- */

struct poll_ctx {
	struct db *db;
	struct tk *k;
	const struct ticket_ref *t;
	long long last;
	char *err;
	size_t errlen;
};

static int poll_event(const struct conn_event *ev, void *ud)
{
	struct poll_ctx *pc = ud;
	char outcome[600] = "";
	struct conn_event e = *ev;
	snprintf(e.issue_id, sizeof(e.issue_id), "%s", pc->t->remote_id);
	int rc = handle_event(pc->db, pc->k, &e, outcome, sizeof(outcome), pc->err, pc->errlen);
	if (rc)
		return rc;
	long long jid = 0;
	if (str_to_ll(ev->comment_id, 1, 9223372036854775807LL, &jid) == FF_OK && jid > pc->last) {
		pc->last = jid;
		ticket_set_journal(pc->db, pc->t->id, jid);
	}
	log_info("tickets", "poll tracker=%lld ticket=%s journal=%s: %s", pc->k->t.id, pc->t->remote_id, ev->comment_id,
		 outcome);
	return FF_OK;
}

typedef int (*each_fn)(struct db *db, struct tk *k, const struct ticket_ref *t, char *err, size_t errlen);

/* a ticket in the asset's own project gets a connector for that project */
static int each_in_project(struct db *db, struct tk *k, const struct ticket_ref *t, each_fn fn, char *err,
			   size_t errlen)
{
	if (!t->project[0] || strcmp(t->project, k->t.project) == 0)
		return fn(db, k, t, err, errlen);
	struct tk pk;
	int rc = tk_open(db, t->org_id, t->tracker_id, t->project, &pk, err, errlen);
	if (!rc) {
		free(pk.t.self_id);
		pk.t.self_id = k->t.self_id ? xstrdup(k->t.self_id) : NULL;
		pk.reconcile_before = k->reconcile_before;
		rc = fn(db, &pk, t, err, errlen);
	}
	tk_close(&pk);
	return rc;
}

/* every ticket of the tracker through fn; a complete pass marks the
 * tracker reconciled */
static int each_ticket(struct db *db, struct tk *k, each_fn fn, char *err, size_t errlen)
{
	struct ticket_ref *ts = NULL;
	int n = 0;
	int rc = ticket_list(db, k->t.id, &ts, &n);
	for (int i = 0; i < n && !rc; i++)
		rc = each_in_project(db, k, &ts[i], fn, err, errlen);
	if (!rc)
		tracker_mark_reconciled(db, k->t.id);
	free(ts);
	return rc;
}

/* tracker_job: open the tracker of the payload and run fn on each ticket */
static int tracker_job(struct db *db, const struct job *j, each_fn fn, char *err, size_t errlen)
{
	json_t *p = json_loads(j->payload, 0, NULL);
	struct tk k;
	memset(&k, 0, sizeof(k));
	int rc = tk_open(db, j->org_id, payload_ll(p, "tracker_id"), NULL, &k, err, errlen);
	if (!rc && !(rc = tk_self(db, &k, err, errlen)))
		rc = each_ticket(db, &k, fn, err, errlen);
	tk_close(&k);
	json_decref(p);
	return rc;
}

static int poll_one(struct db *db, struct tk *k, const struct ticket_ref *t, char *err, size_t errlen)
{
	struct poll_ctx pc = { .db = db, .k = k, .t = t, .last = t->last_journal, .err = err, .errlen = errlen };
	int rc = conn_events_since(k->c, t->remote_id, t->last_journal, poll_event, &pc);
	if (rc == FF_ENOTSUP)
		return FF_OK;
	return rc ? tk_fail(k, rc, "could not read the ticket's journal", err, errlen) : FF_OK;
}

static int reconcile_one(struct db *db, struct tk *k, const struct ticket_ref *t, char *err, size_t errlen)
{
	struct conn_issue is;
	int rc = conn_issue_get(k->c, t->remote_id, &is);
	if (rc == FF_ENOTFOUND) {
		ticket_note(db, t->finding_id, "the ticket is gone at the tracker", "deleted");
		return FF_OK;
	}
	if (rc)
		return tk_fail(k, rc, "could not read the ticket", err, errlen);
	struct conn_event ev = { .kind = CONN_EV_STATUS, .status = is.status };
	snprintf(ev.actor_name, sizeof(ev.actor_name), "reconcile");
	char outcome[600] = "";
	if (is.status == CONN_STATUS_UNKNOWN)
		return FF_OK;
	/* changed after the listing, or in its last second (updated_on counts
	 * whole seconds, and the listing takes that second again): its journal
	 * comes with the next poll, with the person who made the change */
	if (k->reconcile_before && strcmp(is.updated, k->reconcile_before) >= 0)
		return FF_OK;
	rc = on_status(db, t, &ev, outcome, sizeof(outcome));
	log_info("tickets", "reconcile tracker=%lld ticket=%s: %s", k->t.id, t->remote_id, outcome);
	return rc;
}

struct changed_ctx {
	struct db *db;
	struct tk *k;
	char newest[40];
	char *err;
	size_t errlen;
};

/* one ticket the tracker lists as changed since the last poll */
static int poll_changed(const struct conn_issue *is, void *ud)
{
	struct changed_ctx *cc = ud;
	struct ticket_ref t;
	if (strcmp(is->updated, cc->newest) > 0)
		snprintf(cc->newest, sizeof(cc->newest), "%s", is->updated);
	int rc = ticket_by_remote(cc->db, cc->k->t.id, is->id, is->key, &t);
	if (rc == FF_ENOTFOUND)
		return FF_OK; /* not one of ours */
	return rc ? FF_ETEMP : poll_one(cc->db, cc->k, &t, cc->err, cc->errlen);
}

/* ticket.poll (Redmine): the tickets changed since the last poll (by
 * updated_on, across pages) and, for each of ours, its new journals;
 * tickets in another project than the tracker's are read one by one */
int job_ticket_poll(struct db *db, const struct job *j, char *err, size_t errlen)
{
	json_t *p = json_loads(j->payload, 0, NULL);
	struct tk k;
	struct ticket_ref *ts = NULL;
	int n = 0;
	struct changed_ctx cc = { .db = db, .k = &k, .err = err, .errlen = errlen };
	int rc = tk_open(db, j->org_id, payload_ll(p, "tracker_id"), NULL, &k, err, errlen);
	if (rc || (rc = tk_self(db, &k, err, errlen)))
		goto out;
	snprintf(cc.newest, sizeof(cc.newest), "%s", k.t.poll_since ? k.t.poll_since : "1970-01-01T00:00:00Z");
	rc = conn_list_changed(k.c, cc.newest, poll_changed, &cc);
	if (rc) {
		rc = rc == FF_ETEMP || rc == FF_EPERM ? tk_fail(&k, rc, "could not list the changed tickets", err, errlen) : rc;
		goto out;
	}
	if ((rc = ticket_list(db, k.t.id, &ts, &n)))
		goto out;
	for (int i = 0; i < n && !rc; i++)
		if (ts[i].project[0] && strcmp(ts[i].project, k.t.project) != 0)
			rc = each_in_project(db, &k, &ts[i], poll_one, err, errlen);
	if (rc || (rc = tracker_set_poll_since(db, k.t.id, cc.newest)))
		goto out;
	/* then the reconcile pass, after the journals (their authors are the
	 * better actors), for what they did not explain */
	k.reconcile_before = cc.newest;
	rc = each_ticket(db, &k, reconcile_one, err, errlen);
out:
	free(ts);
	tk_close(&k);
	json_decref(p);
	return rc;
}

int job_ticket_reconcile(struct db *db, const struct job *j, char *err, size_t errlen)
{
	return tracker_job(db, j, reconcile_one, err, errlen);
}

int tickets_task_sync(struct db *db)
{
	static int64_t last;
	int64_t now = ff_now_ms();
	if (now - last < cfg_int("ticket_sync_seconds") * 1000)
		return FF_OK;
	last = now;
	long long *ids = NULL;
	int n = 0, rc = tracker_ids(db, NULL, &ids, &n);
	for (int i = 0; i < n && !rc; i++) {
		char pl[64], key[96];
		struct tracker_row t;
		uint8_t k[32];
		if (tickets_key(k) || tracker_load(db, 0, ids[i], k, &t))
			continue;
		snprintf(pl, sizeof(pl), "{\"tracker_id\":%lld}", ids[i]);
		long long jid;
		/* polled trackers reconcile inside the poll, after the journals */
		const char *kind = strcmp(t.kind, "redmine") == 0 ? "ticket.poll" : "ticket.reconcile";
		snprintf(key, sizeof(key), "%s:%lld:%lld", kind, ids[i], (long long)(now / 1000));
		rc = job_enqueue(db, t.org_id, kind, pl, key, 0, 3, &jid);
		tracker_row_clear(&t);
	}
	free(ids);
	return rc;
}

/* ---- called by the HTTP handlers (daemon/api/trackers.c) ---- */

static const char *const stored_headers[] = {
	"Content-Type", "X-Hub-Signature", "X-Atlassian-Webhook-Identifier", "X-Atlassian-Webhook-Retry",
	"X-Gitlab-Event", "X-Gitlab-Event-UUID", "Idempotency-Key", "X-Redmine-Signature-256", NULL,
};

int tickets_webhook(struct db *db, long long tracker_id, const char *kind, const struct conn_webhook_in *in,
		    long long *delivery, char *err, size_t errlen)
{
	struct tk k;
	struct conn_event ev;
	memset(&ev, 0, sizeof(ev));
	int rc = tk_open(db, 0, tracker_id, NULL, &k, err, errlen);
	if (rc || strcmp(k.t.kind, kind) != 0) {
		snprintf(err, errlen, "no %s tracker %lld", kind, tracker_id);
		rc = rc == FF_ETEMP ? rc : FF_ENOTFOUND;
		goto out;
	}
	if ((rc = conn_webhook_verify(k.c, in))) {
		snprintf(err, errlen, "%s", conn_last_error(k.c));
		rc = FF_EUNAUTH;
		goto out;
	}
	if ((rc = conn_webhook_parse(k.c, in, &ev))) {
		snprintf(err, errlen, "%s", conn_last_error(k.c));
		rc = FF_EINVAL;
		goto out;
	}
	struct ticket_ref t;
	*delivery = 0;
	if (ev.kind == CONN_EV_IGNORED) {
		snprintf(err, errlen, "nothing for FlawFix in this event");
		goto out;
	}
	if ((rc = ticket_by_remote(db, tracker_id, ev.issue_id, ev.issue_key, &t)) == FF_ENOTFOUND) {
		log_info("tickets", "webhook for an unknown ticket ignored tracker=%lld issue=%s key=%s delivery=%s",
			 tracker_id, ev.issue_id, ev.issue_key, ev.delivery_id);
		snprintf(err, errlen, "unknown ticket");
		rc = FF_OK;
		goto out;
	}
	if (rc)
		goto out;
	json_t *h = json_object();
	for (int i = 0; stored_headers[i]; i++)
		for (int j = 0; j < in->nheaders; j++)
			if (strcasecmp(in->headers[j].name, stored_headers[i]) == 0)
				json_object_set_new(h, stored_headers[i], json_string(in->headers[j].value));
	char *hj = json_dumps(h, JSON_COMPACT);
	json_decref(h);
	rc = delivery_store(db, k.t.org_id, tracker_id, ev.delivery_id, hj, in->body, in->body_len, delivery);
	free(hj);
	if (rc == FF_ECONFLICT)
		log_info("tickets", "webhook replay ignored tracker=%lld delivery=%s", tracker_id, ev.delivery_id);
out:
	conn_event_free(&ev);
	tk_close(&k);
	return rc;
}

int tickets_test(struct db *db, long long org_id, long long tracker_id, char *msg, size_t msglen)
{
	struct tk k;
	struct tracker_row probe;
	uint8_t key[32];
	int rc = tickets_key(key);
	if (rc || (rc = tracker_load(db, org_id, tracker_id, key, &probe))) {
		snprintf(msg, msglen, "%s", rc == FF_ENOTFOUND ? "no such tracker" : "the tracker's secrets could not be read");
		return rc;
	}
	tracker_row_clear(&probe);
	if ((rc = tk_open(db, org_id, tracker_id, NULL, &k, msg, msglen)))
		return rc;
	rc = conn_check(k.c);
	snprintf(msg, msglen, "%s", rc ? conn_last_error(k.c) : "credentials accepted and the project is visible");
	char id[128], name[128];
	if (!rc && conn_whoami(k.c, id, sizeof(id), name, sizeof(name)) == FF_OK)
		tracker_set_self(db, tracker_id, id, name);
	tk_close(&k);
	return rc;
}

/* ---- identities matched by e-mail ---- */

int job_ticket_identities(struct db *db, const struct job *j, char *err, size_t errlen)
{
	static const struct audit_actor sys = { .type = "system", .name = "identity matching by e-mail",
						.source = "worker" };
	json_t *p = json_loads(j->payload, 0, NULL), *users = NULL, *u;
	char *list = NULL;
	struct tk k;
	size_t i;
	int rc = tk_open(db, j->org_id, payload_ll(p, "tracker_id"), NULL, &k, err, errlen);
	if (rc || (rc = identity_unmatched_json(db, k.t.org_id, k.t.id, &list)))
		goto out;
	users = json_loads(list, 0, NULL);
	json_array_foreach(users, i, u) {
		const char *name = json_string_value(json_object_get(u, "user"));
		const char *mail = json_string_value(json_object_get(u, "email"));
		char rid[128], *out = NULL;
		int frc = conn_user_find(k.c, mail, rid, sizeof(rid));
		if (frc == FF_ETEMP) {
			rc = tk_fail(&k, frc, "could not look up users", err, errlen);
			break;
		}
		if (frc) {
			log_info("tickets", "no tracker account for user=%s tracker=%lld: %s", name, k.t.id,
				 conn_last_error(k.c));
			continue;
		}
		frc = identity_put(db, k.t.org_id, k.t.id, name, rid, NULL, "email", &sys, &out);
		log_info("tickets", "identity by e-mail user=%s tracker=%lld remote=%s: %s", name, k.t.id, rid,
			 frc == FF_OK ? "linked" : frc == FF_ECONFLICT ? "remote account linked to another user" : "failed");
		free(out);
	}
out:
	json_decref(users);
	free(list);
	tk_close(&k);
	json_decref(p);
	return rc;
}
