/* The workflow's scheduler tasks and the reminder job kind.
 *
 * workflow.due (every cfg workflow_due_seconds): reopens accepted findings
 * past their review date, false positives past their revalidation date and
 * auto acceptances whose score rose to the threshold; auto-accepts open
 * findings scored below it. Every change goes through workflow_apply with
 * the system as actor (source "scheduler"), so it is one transaction with
 * its event, like any command.
 * It also gives findings under an SLA without a due date (new from a scan)
 * their SLA due date, which the sla-breaches queue reads.
 * workflow.remind (every cfg workflow_remind_seconds, default hourly): enqueues mail.reminder jobs N days ahead of a
 * review / revalidation date, one per finding and date (idempotency key
 * "remind:<finding>:<date>").
 * mail.reminder writes the reminder into the maildir (the mail issue adds
 * SMTP delivery), so nothing is lost. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cfg.h"
#include "common/fftime.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/rc.h"
#include "db/jobs.h"
#include "db/q_workflow.h"
#include "mail/mail.h"
#include "wf_tasks.h"

#define DUE_BATCH 500

static const struct audit_actor system_actor = {
	.type = "system", .id = NULL, .name = "system", .source = "scheduler",
};

static int apply_system(struct db *db, const struct workflow_due_row *d, enum wf_event ev, const char *why,
			int64_t now)
{
	struct workflow_cmd cmd = {
		.org_id = d->org_id, .finding_id = d->id, .event = ev, .actor_kind = WF_ACTOR_SYSTEM,
		.audit = &system_actor, .now_ms = now, .reason = why,
	};
	struct workflow_result r;
	int rc = workflow_apply(db, &cmd, &r);
	if (rc && r.status != 500)
		log_info("workflow", "scheduler command refused id=%lld event=%s reason=%s", d->id, wf_event_name(ev),
			 r.detail);
	workflow_result_clear(&r);
	return rc == FF_OK;
}

/* one pass over one kind of candidates; returns the number changed */
static int due_pass(struct db *db, enum workflow_due_kind kind, int64_t now)
{
	struct workflow_due_row *rows = NULL;
	int n = 0, changed = 0;
	if (workflow_due_candidates(db, kind, 0, DUE_BATCH, &rows, &n))
		return -1;
	for (int i = 0; i < n; i++) {
		struct wf_policy pol;
		struct wf_due due;
		if (workflow_policy_load(db, rows[i].org_id, rows[i].asset_id, &pol))
			break;
		wf_policy_due(&pol, &rows[i].f, now, &due);
		if (kind == WORKFLOW_DUE_REOPEN && (due.actions & WF_DUE_REOPEN))
			changed += apply_system(db, &rows[i], WF_EV_REOPEN, wf_due_reason_text(due.reopen_why), now);
		else if (kind == WORKFLOW_DUE_AUTO_ACCEPT && (due.actions & WF_DUE_AUTO_ACCEPT))
			changed += apply_system(db, &rows[i], WF_EV_AUTO_ACCEPT, "score below the auto-accept threshold",
						now);
	}
	free(rows);
	return changed;
}

/* SLA due dates of findings that have none (new from a scan); a finding
 * whose severity has no SLA stays without one, so the pass walks by id */
static int sla_pass(struct db *db)
{
	static long long after;
	struct workflow_due_row *rows = NULL;
	int n = 0, set = 0;
	if (workflow_due_candidates(db, WORKFLOW_DUE_SLA, after, DUE_BATCH, &rows, &n))
		return -1;
	for (int i = 0; i < n; i++) {
		struct wf_policy pol;
		if (workflow_policy_load(db, rows[i].org_id, rows[i].asset_id, &pol))
			break;
		int64_t due = wf_policy_sla_due(&pol, rows[i].f.severity, rows[i].f.first_seen_day);
		if (due > 0 && workflow_set_sla_due(db, rows[i].id, due) == FF_OK)
			set++;
	}
	after = n == DUE_BATCH ? rows[n - 1].id : 0;
	free(rows);
	return set;
}

int wf_task_due(struct db *db)
{
	static int64_t last;
	int64_t now = ff_now_ms();
	if (now - last < cfg_int("workflow_due_seconds") * 1000)
		return FF_OK;
	last = now;
	int reopened = due_pass(db, WORKFLOW_DUE_REOPEN, now);
	int accepted = due_pass(db, WORKFLOW_DUE_AUTO_ACCEPT, now);
	int sla = sla_pass(db);
	if (reopened > 0 || accepted > 0 || sla > 0)
		log_info("workflow", "scheduler pass reopened=%d auto_accepted=%d sla_due_set=%d", reopened, accepted, sla);
	return reopened < 0 || accepted < 0 || sla < 0 ? FF_ETEMP : FF_OK;
}

static int enqueue_reminder(struct db *db, const struct workflow_due_row *d, const struct wf_due *due)
{
	char date[11], key[96];
	ff_days_to_date(due->remind_date, date);
	snprintf(key, sizeof(key), "remind:%lld:%s", d->id, date);
	json_t *p = json_pack("{s:I, s:s, s:i, s:s}", "finding_id", (json_int_t)d->id, "date", date, "days_left",
			      due->days_left, "about",
			      d->f.state == WF_S_ACCEPTED ? "acceptance review" : "false positive revalidation");
	char *text = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	long long id = 0;
	int rc = job_enqueue(db, d->org_id, WF_JOB_MAIL_REMINDER, text, key, 0, 0, &id);
	free(text);
	return rc;
}

int wf_task_remind(struct db *db)
{
	static int64_t last;
	int64_t now = ff_now_ms();
	if (now - last < cfg_int("workflow_remind_seconds") * 1000)
		return FF_OK;
	last = now;
	struct workflow_due_row *rows = NULL;
	int n = 0, rc = workflow_due_candidates(db, WORKFLOW_DUE_REMIND, 0, 5000, &rows, &n);
	for (int i = 0; i < n && !rc; i++) {
		struct wf_policy pol;
		struct wf_due due;
		if ((rc = workflow_policy_load(db, rows[i].org_id, rows[i].asset_id, &pol)))
			break;
		wf_policy_due(&pol, &rows[i].f, now, &due);
		if (due.actions & WF_DUE_REMIND)
			rc = enqueue_reminder(db, &rows[i], &due);
	}
	free(rows);
	return rc;
}

static char *reminder_message(json_t *info, json_t *payload, long long job_id)
{
	struct buf b, to;
	buf_init(&b, 64 * 1024);
	buf_init(&to, 0);
	json_t *rcpt = json_object_get(info, "recipients");
	for (size_t i = 0; i < json_array_size(rcpt); i++)
		buf_printf(&to, "%s%s", i ? ", " : "", json_string_value(json_array_get(rcpt, i)));
	if (json_array_size(rcpt) == 0)
		buf_puts(&to, cfg_str("mail_from"));
	const char *about = json_string_value(json_object_get(payload, "about"));
	const char *title = json_string_value(json_object_get(info, "title"));
	const char *date = json_string_value(json_object_get(payload, "date"));
	char *subject = xasprintf("[FlawFix] %s due %s: %s", about ? about : "review", date ? date : "?",
				  title ? title : "finding");
	mail_header(&b, "From", cfg_str("mail_from"));
	mail_header(&b, "To", to.data);
	/* the title comes from a scanner: mail_header keeps it on its line */
	mail_header_n(&b, "Subject", subject, 250);
	free(subject);
	buf_free(&to);
	buf_printf(&b, "Message-ID: <reminder-%lld@flawfix>\r\nAuto-Submitted: auto-generated\r\n"
		       "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
		   job_id);
	buf_printf(&b, "The %s of finding %lld (%s) on asset %s is due on %s (%lld days left).\r\n"
		       "Current state: %s. Renew, revalidate or reopen it in FlawFix before then;\r\n"
		       "otherwise the scheduler reopens it on that day.\r\n",
		   about ? about : "review", (long long)json_integer_value(json_object_get(info, "id")),
		   title ? title : "finding", json_string_value(json_object_get(info, "asset")), date ? date : "?",
		   (long long)json_integer_value(json_object_get(payload, "days_left")),
		   json_string_value(json_object_get(info, "state")));
	return buf_steal(&b);
}

int wf_job_reminder(struct db *db, const struct job *j, char *err, size_t errlen)
{
	json_t *p = json_loads(j->payload, 0, NULL), *info = NULL;
	char *text = NULL, *msg = NULL;
	int rc = FF_EPERM;
	json_int_t fid = json_integer_value(json_object_get(p, "finding_id"));
	if (!p || fid <= 0) {
		snprintf(err, errlen, "reminder payload has no finding_id");
		goto out;
	}
	if ((rc = workflow_reminder_info(db, fid, &text))) {
		snprintf(err, errlen, "finding %lld not readable: %s", (long long)fid, ff_rc_str(rc));
		rc = rc == FF_ENOTFOUND ? FF_EPERM : FF_ETEMP;
		goto out;
	}
	info = json_loads(text, 0, NULL);
	msg = reminder_message(info, p, j->id);
	rc = mail_maildir_deliver(cfg_str("mail_maildir"), msg, strlen(msg), NULL, 0);
	if (rc)
		snprintf(err, errlen, "could not write the reminder into %s", cfg_str("mail_maildir"));
out:
	free(msg);
	free(text);
	json_decref(info);
	json_decref(p);
	return rc;
}
