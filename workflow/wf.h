/* workflow/wf.h - the risk-treatment state machine (DESIGN.md section 5),
 * pure: no I/O, no allocation, no clock (the caller passes "now").
 *
 * The transitions are one data table (wf_table.c): for each event the
 * states it may start from, the state it leads to (and the one under
 * four-eyes approval), who may issue it, which fields it needs and which
 * job it enqueues. wf_check() decides a command against that table, the
 * applicable policy (policy.h) and facts about the finding and its asset.
 *
 * Order of the checks, and what the REST layer answers (wf_http_status):
 *   1. the event is unknown                          -> WF_DENY_TRANSITION 409
 *   2. the actor may not issue the event at all      -> WF_DENY_ACTOR      403
 *      (auditors and users without a relation to the asset never may;
 *      approve/reject by the requester of the acceptance is refused here)
 *   3. the event does not start from the current state
 *                                                    -> WF_DENY_TRANSITION 409
 *      (res.allowed lists the events the table allows from that state)
 *   4. a required field is missing / blank / too short / invalid, or a date
 *      is beyond what the policy allows              -> WF_DENY_FIELD      422
 *      (res.field is the JSON member name: pointer "/" + res.field)
 *   5. a policy precondition does not hold (auto_accept when the policy is
 *      off or the score is not below the threshold)  -> WF_DENY_POLICY     409
 *
 * Usage (the database side, inside one transaction):
 *
 *	struct wf_policy pol;
 *	wf_policy_defaults(&pol);
 *	// ... wf_policy_set(&pol, key, value, &err) for the org's settings,
 *	// then again for the asset's overrides
 *	struct wf_cmd cmd = {
 *		.event = WF_EV_ACCEPT,
 *		.actor = { .kind = WF_ACTOR_USER, .role = WF_ROLE_MEMBER,
 *			   .rel = WF_REL_MEMBER, .id = 42 },
 *		.data = { .justification = "...", .review_date = "2027-03-01" },
 *		.now_ms = ff_now_ms(),
 *	};
 *	struct wf_facts facts = { .severity = FF_SEV_HIGH, .score10 = 75,
 *				  .first_seen_day = ..., .requester_id = ... };
 *	struct wf_result res;
 *	int rc = wf_check(current_state, &cmd, &pol, &facts, &res);
 *	if (rc != FF_OK)
 *		// answer wf_http_status(res.verdict) with res.reason, res.field,
 *		// wf_state_name(res.from) and wf_event_mask_format(res.allowed)
 *	// UPDATE finding SET state = wf_state_name(res.to),
 *	//     review_date / revalidation_date / due_date per WF_DATE_KEEP,
 *	//     WF_DATE_CLEAR (NULL) or the day; tags += res.tags_set,
 *	//     tags -= res.tags_clear ("auto-accepted");
 *	//     requester = cmd.actor.id if res.store_requester, NULL when
 *	//     res.to != acceptance_requested
 *	//   WHERE id = $1 AND state = wf_state_name(res.from)   -- compare-and-set;
 *	// 0 rows -> 409 (stale), roll back
 *	// audit_append(type = wf_event_name(cmd.event), from/to state names,
 *	//     justification = cmd.data.justification, payload = the fields
 *	//     of wf_event_fields(cmd.event): wf_field_name(bit) ->
 *	//     wf_data_get(&cmd.data, bit))
 *	// for i < res.njobs: job_enqueue(kind = res.jobs[i], ...)
 *	// COMMIT; log "old -> new"
 *
 * Bulk commands call wf_check once per finding (each gets its own verdict
 * and event). The scheduler builds its commands from wf_policy_due()
 * (policy.h) with a WF_ACTOR_SYSTEM actor.
 */
#ifndef FF_WORKFLOW_WF_H
#define FF_WORKFLOW_WF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "severity.h"

struct wf_policy; /* policy.h */

/* Finding states. WF_S_NEW is the pseudo-state before detection: it is
 * never stored; only "detect" starts from it. */
enum wf_state {
	WF_S_NEW = 0,
	WF_S_OPEN,
	WF_S_ACCEPTED,
	WF_S_ACCEPTANCE_REQUESTED,
	WF_S_MITIGATING,
	WF_S_VERIFYING,
	WF_S_TRANSFERRED,
	WF_S_AVOIDED,
	WF_S_FALSE_POSITIVE,
	WF_S_FIXED,
	WF_S_COUNT
};
#define WF_STATE_BIT(s) (1u << (s))

enum wf_event {
	WF_EV_DETECT = 0,
	WF_EV_REAPPEAR,
	WF_EV_RESOLVE_BY_SCAN,
	WF_EV_ACCEPT,
	WF_EV_APPROVE,
	WF_EV_REJECT,
	WF_EV_AUTO_ACCEPT,
	WF_EV_MITIGATE,
	WF_EV_TICKET_CLOSED,
	WF_EV_TICKET_REOPENED,
	WF_EV_TRANSFER,
	WF_EV_AVOID,
	WF_EV_MARK_FALSE_POSITIVE,
	WF_EV_REVALIDATE,
	WF_EV_RENEW,
	WF_EV_REOPEN,
	WF_EV_REASSESS,
	WF_EV_COMMENT,
	WF_EV_COUNT
};
#define WF_EVENT_BIT(e) (1u << (e))

/* Who issues a command. Tokens are mapped by the caller to the user (and
 * role) they belong to; an upload token issuing scan events is a scanner. */
enum wf_actor_kind {
	WF_ACTOR_USER = 0,
	WF_ACTOR_SYSTEM,   /* scheduler, policy evaluation */
	WF_ACTOR_SCANNER,  /* ingestion of a report */
	WF_ACTOR_TRACKER,  /* ticket tracker webhook / poll (not a slash command:
			    * those are mapped to the FlawFix user) */
	WF_ACTOR_EMAIL,    /* sender of an e-mail reply */
	WF_ACTOR_COUNT
};

/* organisation role of a user actor */
enum wf_role {
	WF_ROLE_NONE = 0,
	WF_ROLE_ADMIN,
	WF_ROLE_SECURITY,
	WF_ROLE_MEMBER,
	WF_ROLE_AUDITOR,
	WF_ROLE_COUNT
};

/* relation of a member to the finding's asset (bits) */
enum {
	WF_REL_MEMBER = 1u << 0,      /* belongs to the asset */
	WF_REL_TECH_OWNER = 1u << 1,  /* technical owner (implies belonging) */
	WF_REL_RISK_OWNER = 1u << 2,  /* risk owner (implies belonging) */
};

struct wf_actor {
	enum wf_actor_kind kind;
	enum wf_role role;  /* users only */
	unsigned rel;       /* WF_REL_* bits, users only */
	long long id;       /* user id (0 = unknown); compared with the requester */
};

/* The command's data, as received (strings borrowed, NULL = absent).
 * Dates are YYYY-MM-DD. Only the fields the event uses are looked at. */
struct wf_data {
	const char *justification;
	const char *review_date;       /* accept, renew */
	const char *revalidation_date; /* optional for FP / revalidate */
	const char *due_date;          /* transfer (required), mitigate (optional) */
	const char *recipient_email;   /* transfer */
	const char *recipient_name;    /* transfer */
	const char *tracker;           /* mitigate: the asset's tracker binding */
	const char *assignee;          /* mitigate */
	const char *vector;            /* reassess: CVSS:4.0/... or CVSS:3.x/... */
	const char *text;              /* comment */
	const char *vex_justification; /* FP: optional CycloneDX VEX code */
	long long scan_id;             /* detect, reappear, resolve_by_scan */
};

struct wf_cmd {
	enum wf_event event;
	struct wf_actor actor;
	struct wf_data data;
	int64_t now_ms; /* wall clock, ms since epoch; "today" is its UTC day */
};

/* what the caller knows about the finding */
struct wf_facts {
	enum ff_severity severity;
	int score10;              /* score in tenths (0..100), -1 = none */
	int64_t first_seen_day;   /* days since epoch; 0 = today (new finding) */
	long long requester_id;   /* user who requested the pending acceptance, 0 = none */
	bool auto_accepted;       /* carries the auto-accepted tag */
};

enum wf_verdict {
	WF_ALLOW = 0,
	WF_DENY_TRANSITION, /* 409 */
	WF_DENY_ACTOR,      /* 403 */
	WF_DENY_FIELD,      /* 422 */
	WF_DENY_POLICY,     /* 409 */
};

/* date results: a day number (days since 1970-01-01) or one of these */
#define WF_DATE_KEEP (-1)  /* leave the stored value */
#define WF_DATE_CLEAR 0    /* set it to NULL */

/* tags (bits) */
enum { WF_TAG_AUTO_ACCEPTED = 1u << 0 };
#define WF_TAG_AUTO_ACCEPTED_NAME "auto-accepted"

#define WF_MAX_JOBS 2
#define WF_JOB_TICKET_CREATE "ticket.create"
#define WF_JOB_MAIL_TRANSFER "mail.transfer"

struct wf_result {
	enum wf_verdict verdict;
	enum wf_state from;      /* the current state given */
	enum wf_state to;        /* new state (== from for self events); valid when allowed */
	unsigned allowed;        /* WF_EVENT_BIT mask of events the table allows from `from` */
	const char *field;       /* WF_DENY_FIELD: JSON member name, static */
	const char *reason;      /* denials: lower-case static message */
	int64_t limit_date;      /* WF_DENY_FIELD on a date: latest day allowed, else 0 */
	int64_t review_date;     /* WF_DATE_KEEP, WF_DATE_CLEAR or a day */
	int64_t revalidation_date;
	int64_t due_date;        /* SLA due date in open, treatment due date otherwise */
	unsigned tags_set;       /* WF_TAG_* to add */
	unsigned tags_clear;     /* WF_TAG_* to remove */
	bool store_requester;    /* remember cmd.actor.id as the acceptance requester */
	unsigned njobs;
	const char *jobs[WF_MAX_JOBS]; /* job kinds to enqueue, static strings */
};

/* wf_check decides cmd against the table, the policy and the facts;
 * nothing is borrowed beyond the call except static strings in res.
 * Returns FF_OK (res->verdict == WF_ALLOW, res->to and the rest set),
 * FF_ECONFLICT (transition / policy), FF_EFORBIDDEN (actor) or FF_EINVAL
 * (field; res->field names it). policy and facts must not be NULL. */
int wf_check(enum wf_state current, const struct wf_cmd *cmd, const struct wf_policy *policy,
	     const struct wf_facts *facts, struct wf_result *res);

/* HTTP status for a verdict: 200, 409, 403, 422 */
int wf_http_status(enum wf_verdict v);

/* ---- the table ---- */

/* fields (bits) an event needs or accepts */
enum {
	WF_F_JUSTIFICATION = 1u << 0,  /* non-blank, >= policy minimum, bounded */
	WF_F_REVIEW_DATE = 1u << 1,    /* future, <= today + policy max for severity */
	WF_F_REVALIDATION_DATE = 1u << 2, /* future, <= today + policy interval */
	WF_F_DUE_DATE = 1u << 3,       /* future */
	WF_F_RECIPIENT_EMAIL = 1u << 4,
	WF_F_RECIPIENT_NAME = 1u << 5,
	WF_F_TRACKER = 1u << 6,
	WF_F_ASSIGNEE = 1u << 7,
	WF_F_VECTOR = 1u << 8,
	WF_F_TEXT = 1u << 9,
	WF_F_VEX_JUSTIFICATION = 1u << 10,
	WF_F_SCAN = 1u << 11,          /* scan_id > 0 */
};

/* who may issue an event (bits); a user's set comes from role + relation */
enum {
	WF_WHO_ADMIN = 1u << 0,
	WF_WHO_SECURITY = 1u << 1,
	WF_WHO_MEMBER = 1u << 2,      /* member belonging to the asset (any relation) */
	WF_WHO_TECH_OWNER = 1u << 3,  /* member who is technical owner */
	WF_WHO_RISK_OWNER = 1u << 4,  /* member who is risk owner */
	WF_WHO_SYSTEM = 1u << 5,
	WF_WHO_SCANNER = 1u << 6,
	WF_WHO_TRACKER = 1u << 7,
	WF_WHO_EMAIL = 1u << 8,
};

/* one row of the table */
struct wf_transition {
	enum wf_event event;
	const char *name;
	unsigned from;           /* WF_STATE_BIT mask */
	enum wf_state to;        /* WF_S_COUNT = stays in the current state */
	enum wf_state to_four_eyes; /* target when the policy asks for four eyes */
	unsigned who;            /* WF_WHO_* */
	unsigned needs;          /* WF_F_* required from every actor */
	unsigned needs_user;     /* WF_F_* required only when a user issues it */
	unsigned optional;       /* WF_F_* validated when present */
	bool not_requester;      /* the issuing user must not be the requester */
	const char *job;         /* job kind to enqueue, NULL = none */
};

/* the row of e, NULL when e is out of range */
const struct wf_transition *wf_transition_get(enum wf_event e);
/* WF_F_* fields an event uses (required or optional), 0 for a bad event:
 * with wf_field_name and wf_data_get the caller can build the audit
 * event's payload without a per-event switch */
unsigned wf_event_fields(enum wf_event e);
/* the string of one WF_F_* field in d (NULL when absent, and for scan_id) */
const char *wf_data_get(const struct wf_data *d, unsigned field);
/* WF_EVENT_BIT mask of the events the table allows from s (any actor) */
unsigned wf_events_from(enum wf_state s);
/* WF_WHO_* set of an actor (empty for auditors and unrelated members) */
unsigned wf_actor_who(const struct wf_actor *a);

/* ---- names (lower-case, as stored and as in the API) ---- */

/* "new", "open", "accepted", "acceptance_requested", ...; "?" out of range */
const char *wf_state_name(enum wf_state s);
/* exact match of a stored state ("new" is refused); FF_OK or FF_EINVAL */
int wf_state_parse(const char *s, enum wf_state *out);
const char *wf_event_name(enum wf_event e);
int wf_event_parse(const char *s, enum wf_event *out);
const char *wf_role_name(enum wf_role r);
int wf_role_parse(const char *s, enum wf_role *out);
const char *wf_actor_kind_name(enum wf_actor_kind k); /* user, system, scanner, tracker, email */
/* JSON member name of one WF_F_* bit ("justification", ...), NULL if not one bit */
const char *wf_field_name(unsigned field);
/* wf_event_mask_format writes the names of the events in mask, in table
 * order, separated by ", " (truncated to fit); returns the length it needed. */
size_t wf_event_mask_format(unsigned mask, char *out, size_t outlen);

#endif
