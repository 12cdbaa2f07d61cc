/* db/q_workflow.h - the one function that changes a finding's treatment
 * state (STYLE.md habit 8), the effective policy, selections for bulk
 * commands and the queues.
 *
 * workflow_apply runs one command in its own transaction:
 *   1. loads the finding (state, severity, score, first seen, requester,
 *      auto-accepted tag, row_version) and the actor's role (membership)
 *      and relation to the asset (asset_owner: technical / risk);
 *   2. loads the effective policy (defaults, then the organisation's
 *      policy_setting rows, then the asset's);
 *   3. decides with wf_check (workflow/wf.h);
 *   4. writes the guarded compare-and-set UPDATE
 *      (WHERE id = $1 AND state = $from AND row_version = $v, where $v is
 *      the caller's expected version or the one just read), the audit
 *      event, the comment / transfer rows and the jobs (idempotency key
 *      "<kind>:<finding>:v<new row_version>"), commits, and logs
 *      "old -> new".
 * A refused or stale command writes nothing (the transaction is rolled
 * back). Bulk commands call it once per finding: one transaction each, so
 * each finding gets its own verdict and event and one failure does not
 * undo the others. */
#ifndef FF_DB_Q_WORKFLOW_H
#define FF_DB_Q_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "db.h"
#include "workflow/policy.h"
#include "workflow/wf.h"

struct workflow_cmd {
	long long org_id;
	long long finding_id;
	int expect_version;          /* > 0: stale unless row_version equals it */
	enum wf_event event;
	struct wf_data data;         /* borrowed */
	const char *message;         /* transfer: the message to the recipient (optional) */
	const char *reason;          /* system commands: recorded as the event's justification
				      * when data.justification is NULL (not validated) */
	enum wf_actor_kind actor_kind;
	long long user_id;           /* WF_ACTOR_USER: role and relation come from the database */
	const struct audit_actor *audit; /* who, through which channel (borrowed) */
	int64_t now_ms;
};

struct workflow_result {
	int status;                  /* 200, 403, 404, 409, 422 (500 on a database error) */
	bool stale;                  /* 409 because the finding changed meanwhile */
	struct wf_result res;        /* wf_check's verdict (static strings) */
	char from[24], to[24];       /* state names */
	char allowed[400];           /* events allowed from `from`, ", "-separated */
	char detail[512];            /* lower-case reason for a refusal */
	int row_version;             /* after the change (or as read) */
	char *event_json;            /* the audit event written (owned), NULL when none */
};

/* workflow_apply: see above. Returns FF_OK (out->status 200), FF_ENOTFOUND
 * (no such finding in the org, or a member without relation to its
 * asset: 404), FF_EFORBIDDEN, FF_EINVAL, FF_ECONFLICT (transition, policy
 * or stale), or a database error. out is always filled; release it with
 * workflow_result_clear. */
int workflow_apply(struct db *db, const struct workflow_cmd *cmd, struct workflow_result *out);
void workflow_result_clear(struct workflow_result *out);

/* workflow_policy_load: the effective policy for asset_id (0 = the
 * organisation's). A stored value wf_policy_set refuses is skipped (logged). */
int workflow_policy_load(struct db *db, long long org_id, long long asset_id, struct wf_policy *p);
/* workflow_policy_json: the effective policy as a JSON object of key ->
 * value strings (caller frees) */
int workflow_policy_json(struct db *db, long long org_id, long long asset_id, char **out);
/* workflow_policy_put stores settings (a JSON object of key -> string,
 * number or boolean) for the org (asset_id 0) or an asset, after checking
 * each with wf_policy_set; null removes a key. One audit event
 * "policy.updated". FF_EINVAL with *bad_key (static or pointing into
 * settings_json's parse, copied into bad of badlen) on a bad key/value. */
int workflow_policy_put(struct db *db, long long org_id, long long asset_id, const char *settings_json,
			const struct audit_actor *actor, char *bad, size_t badlen);

/* a selection for bulk commands */
struct workflow_filter {
	const char *asset;    /* slug */
	const char *state;    /* comma-separated */
	const char *severity; /* comma-separated */
	const char *kind;
	const char *cve;
	long long restrict_user_id; /* > 0: only assets this user belongs to */
};
/* workflow_select: ids of the findings matching f, at most max (more ->
 * FF_ETOOBIG). *ids is allocated (caller frees). */
int workflow_select(struct db *db, long long org_id, const struct workflow_filter *f, int max, long long **ids,
		    int *n);

/* queues (JSON {"items": [...], "next_cursor": ...}):
 * "acceptance-review" accepted findings by review date,
 * "false-positive-revalidation" false positives by revalidation date,
 * "approvals" acceptance_requested findings,
 * "sla-breaches" open/requested/mitigating/verifying findings past due_date.
 * within_days limits review/revalidation to dates up to today + N (< 0 = all).
 * FF_ENOTFOUND for an unknown queue name. */
int workflow_queue_json(struct db *db, long long org_id, const char *queue, long long restrict_user_id,
			int within_days, long long after_id, int limit, char **out);

/* events for auditors: filters may be NULL */
struct event_filter {
	const char *type, *actor, *asset, *since, *until;
	long long finding_id;
	long long after_id;
	int limit;
	long long restrict_user_id;
	bool csv;                /* CSV (header + one line per event) instead of JSON */
	char *next_cursor;       /* when not NULL: receives the next cursor ("" = last page) */
	size_t next_cursor_len;
};
/* workflow_events_json: {"items": [...], "next_cursor": ...}, or CSV
 * (RFC 4180, CRLF) when f->csv; caller frees *out */
int workflow_events_json(struct db *db, long long org_id, const struct event_filter *f, char **out);

/* ---- scheduler ---- */

/* which findings the scheduler looks at */
enum workflow_due_kind {
	WORKFLOW_DUE_REOPEN,      /* accepted past review, FP past revalidation, auto-accepted (score) */
	WORKFLOW_DUE_AUTO_ACCEPT, /* open, scored below the effective auto-accept threshold */
	WORKFLOW_DUE_REMIND,      /* accepted / FP with a review / revalidation date ahead */
	WORKFLOW_DUE_SLA,         /* under an SLA (open, requested, mitigating, verifying) without due date */
};
struct workflow_due_row {
	long long id, org_id, asset_id;
	struct wf_sched_facts f;
};
/* workflow_due_candidates: up to limit candidates with id > after_id, by
 * id (the caller decides with wf_policy_due); *rows allocated, caller frees */
int workflow_due_candidates(struct db *db, enum workflow_due_kind kind, long long after_id, int limit,
			    struct workflow_due_row **rows, int *n);
/* workflow_set_sla_due stores the SLA due date (days since epoch) of a
 * finding that has none; derived data, so no event and no row_version */
int workflow_set_sla_due(struct db *db, long long finding_id, int64_t day);
/* workflow_reminder_info: JSON {id, title, asset, state, severity,
 * review_date, revalidation_date, recipients: [e-mail, ...]} of a finding;
 * recipients are the asset's owners with an address (caller frees) */
int workflow_reminder_info(struct db *db, long long finding_id, char **out);

#endif
