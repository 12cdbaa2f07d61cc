/* The transition table of DESIGN.md section 5, as data. */
#include "wf.h"

#include <stdio.h>
#include <string.h>

#include "common/rc.h"

#define S(x) WF_STATE_BIT(WF_S_##x)
#define STAY WF_S_COUNT

/* states a finding can be in once detected */
#define ANY_STORED (S(OPEN) | S(ACCEPTED) | S(ACCEPTANCE_REQUESTED) | S(MITIGATING) | \
		    S(VERIFYING) | S(TRANSFERRED) | S(AVOIDED) | S(FALSE_POSITIVE) | S(FIXED))
/* treated: a decision was taken (or requested) on the finding */
#define TREATED (S(ACCEPTED) | S(ACCEPTANCE_REQUESTED) | S(MITIGATING) | S(VERIFYING) | \
		 S(TRANSFERRED) | S(AVOIDED) | S(FALSE_POSITIVE))

#define PEOPLE (WF_WHO_ADMIN | WF_WHO_SECURITY | WF_WHO_MEMBER)
#define APPROVERS (WF_WHO_ADMIN | WF_WHO_SECURITY | WF_WHO_RISK_OWNER)
#define FP_PEOPLE (WF_WHO_ADMIN | WF_WHO_SECURITY | WF_WHO_TECH_OWNER)

/* clang-format off */
static const struct wf_transition table[WF_EV_COUNT] = {
	[WF_EV_DETECT] = { WF_EV_DETECT, "detect", S(NEW), WF_S_OPEN, WF_S_OPEN,
		WF_WHO_SCANNER, WF_F_SCAN, 0, 0, false, NULL },
	[WF_EV_REAPPEAR] = { WF_EV_REAPPEAR, "reappear", S(FIXED), WF_S_OPEN, WF_S_OPEN,
		WF_WHO_SCANNER, WF_F_SCAN, 0, 0, false, NULL },
	[WF_EV_RESOLVE_BY_SCAN] = { WF_EV_RESOLVE_BY_SCAN, "resolve_by_scan", ANY_STORED & ~S(FIXED),
		WF_S_FIXED, WF_S_FIXED, WF_WHO_SCANNER, WF_F_SCAN, 0, 0, false, NULL },
	[WF_EV_ACCEPT] = { WF_EV_ACCEPT, "accept", S(OPEN), WF_S_ACCEPTED, WF_S_ACCEPTANCE_REQUESTED,
		PEOPLE, WF_F_JUSTIFICATION | WF_F_REVIEW_DATE, 0, 0, false, NULL },
	[WF_EV_APPROVE] = { WF_EV_APPROVE, "approve", S(ACCEPTANCE_REQUESTED), WF_S_ACCEPTED,
		WF_S_ACCEPTED, APPROVERS, WF_F_JUSTIFICATION, 0, 0, true, NULL },
	[WF_EV_REJECT] = { WF_EV_REJECT, "reject", S(ACCEPTANCE_REQUESTED), WF_S_OPEN, WF_S_OPEN,
		APPROVERS, WF_F_JUSTIFICATION, 0, 0, true, NULL },
	/* the policy is the approval: no four-eyes step for the system */
	[WF_EV_AUTO_ACCEPT] = { WF_EV_AUTO_ACCEPT, "auto_accept", S(OPEN), WF_S_ACCEPTED,
		WF_S_ACCEPTED, WF_WHO_SYSTEM, 0, 0, 0, false, NULL },
	[WF_EV_MITIGATE] = { WF_EV_MITIGATE, "mitigate", S(OPEN), WF_S_MITIGATING, WF_S_MITIGATING,
		PEOPLE, WF_F_TRACKER | WF_F_ASSIGNEE, 0, WF_F_DUE_DATE | WF_F_JUSTIFICATION, false,
		WF_JOB_TICKET_CREATE },
	/* a closed ticket never means fixed: the next complete scan decides */
	[WF_EV_TICKET_CLOSED] = { WF_EV_TICKET_CLOSED, "ticket_closed", S(MITIGATING),
		WF_S_VERIFYING, WF_S_VERIFYING, WF_WHO_TRACKER, 0, 0, 0, false, NULL },
	[WF_EV_TICKET_REOPENED] = { WF_EV_TICKET_REOPENED, "ticket_reopened", S(VERIFYING),
		WF_S_MITIGATING, WF_S_MITIGATING, WF_WHO_TRACKER, 0, 0, 0, false, NULL },
	[WF_EV_TRANSFER] = { WF_EV_TRANSFER, "transfer", S(OPEN), WF_S_TRANSFERRED,
		WF_S_TRANSFERRED, PEOPLE,
		WF_F_RECIPIENT_EMAIL | WF_F_RECIPIENT_NAME | WF_F_DUE_DATE | WF_F_JUSTIFICATION, 0,
		0, false, WF_JOB_MAIL_TRANSFER },
	[WF_EV_AVOID] = { WF_EV_AVOID, "avoid", S(OPEN), WF_S_AVOIDED, WF_S_AVOIDED, PEOPLE,
		WF_F_JUSTIFICATION, 0, 0, false, NULL },
	[WF_EV_MARK_FALSE_POSITIVE] = { WF_EV_MARK_FALSE_POSITIVE, "mark_false_positive", S(OPEN),
		WF_S_FALSE_POSITIVE, WF_S_FALSE_POSITIVE, FP_PEOPLE, WF_F_JUSTIFICATION, 0,
		WF_F_REVALIDATION_DATE | WF_F_VEX_JUSTIFICATION, false, NULL },
	[WF_EV_REVALIDATE] = { WF_EV_REVALIDATE, "revalidate", S(FALSE_POSITIVE), STAY, STAY,
		FP_PEOPLE, WF_F_JUSTIFICATION, 0, WF_F_REVALIDATION_DATE | WF_F_VEX_JUSTIFICATION,
		false, NULL },
	[WF_EV_RENEW] = { WF_EV_RENEW, "renew", S(ACCEPTED), STAY, STAY, PEOPLE,
		WF_F_JUSTIFICATION | WF_F_REVIEW_DATE, 0, 0, false, NULL },
	/* users give a reason; the system (expiry) and the tracker need none.
	 * From acceptance_requested it withdraws the request. */
	[WF_EV_REOPEN] = { WF_EV_REOPEN, "reopen", TREATED, WF_S_OPEN, WF_S_OPEN,
		PEOPLE | WF_WHO_SYSTEM | WF_WHO_TRACKER, 0, WF_F_JUSTIFICATION, 0, false, NULL },
	[WF_EV_REASSESS] = { WF_EV_REASSESS, "reassess", ANY_STORED, STAY, STAY, PEOPLE,
		WF_F_JUSTIFICATION | WF_F_VECTOR, 0, 0, false, NULL },
	[WF_EV_COMMENT] = { WF_EV_COMMENT, "comment", ANY_STORED, STAY, STAY,
		PEOPLE | WF_WHO_TRACKER | WF_WHO_EMAIL, WF_F_TEXT, 0, 0, false, NULL },
};
/* clang-format on */

static const char *state_names[WF_S_COUNT] = {
	"new", "open", "accepted", "acceptance_requested", "mitigating",
	"verifying", "transferred", "avoided", "false_positive", "fixed",
};

static const char *role_names[WF_ROLE_COUNT] = { "none", "admin", "security", "member", "auditor" };
static const char *kind_names[WF_ACTOR_COUNT] = { "user", "system", "scanner", "tracker", "email" };

static const char *field_names[] = {
	"justification", "review_date", "revalidation_date", "due_date",
	"recipient_email", "recipient_name", "tracker", "assignee",
	"vector", "text", "vex_justification", "scan_id",
};

const struct wf_transition *wf_transition_get(enum wf_event e)
{
	if ((unsigned)e >= WF_EV_COUNT)
		return NULL;
	return &table[e];
}

unsigned wf_event_fields(enum wf_event e)
{
	if ((unsigned)e >= WF_EV_COUNT)
		return 0;
	return table[e].needs | table[e].needs_user | table[e].optional;
}

unsigned wf_events_from(enum wf_state s)
{
	unsigned mask = 0;
	if ((unsigned)s >= WF_S_COUNT)
		return 0;
	for (unsigned e = 0; e < WF_EV_COUNT; e++)
		if (table[e].from & WF_STATE_BIT(s))
			mask |= WF_EVENT_BIT(e);
	return mask;
}

static unsigned member_who(unsigned rel)
{
	unsigned who = 0;
	if (rel & (WF_REL_MEMBER | WF_REL_TECH_OWNER | WF_REL_RISK_OWNER))
		who |= WF_WHO_MEMBER;
	if (rel & WF_REL_TECH_OWNER)
		who |= WF_WHO_TECH_OWNER;
	if (rel & WF_REL_RISK_OWNER)
		who |= WF_WHO_RISK_OWNER;
	return who;
}

unsigned wf_actor_who(const struct wf_actor *a)
{
	static const unsigned by_kind[WF_ACTOR_COUNT] = {
		[WF_ACTOR_USER] = 0, [WF_ACTOR_SYSTEM] = WF_WHO_SYSTEM,
		[WF_ACTOR_SCANNER] = WF_WHO_SCANNER, [WF_ACTOR_TRACKER] = WF_WHO_TRACKER,
		[WF_ACTOR_EMAIL] = WF_WHO_EMAIL,
	};
	if (!a || (unsigned)a->kind >= WF_ACTOR_COUNT)
		return 0;
	if (a->kind != WF_ACTOR_USER)
		return by_kind[a->kind];
	if (a->role == WF_ROLE_ADMIN)
		return WF_WHO_ADMIN;
	if (a->role == WF_ROLE_SECURITY)
		return WF_WHO_SECURITY;
	if (a->role == WF_ROLE_MEMBER)
		return member_who(a->rel);
	return 0; /* auditors and unknown roles never change anything */
}

static int parse_name(const char *s, const char *const *names, unsigned n, unsigned first,
		      unsigned *out)
{
	if (!s)
		return FF_EINVAL;
	for (unsigned i = first; i < n; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return FF_OK;
		}
	}
	return FF_EINVAL;
}

const char *wf_state_name(enum wf_state s)
{
	return (unsigned)s < WF_S_COUNT ? state_names[s] : "?";
}

int wf_state_parse(const char *s, enum wf_state *out)
{
	unsigned i = 0;
	int rc = parse_name(s, state_names, WF_S_COUNT, WF_S_OPEN, &i);
	if (rc == FF_OK)
		*out = (enum wf_state)i;
	return rc;
}

const char *wf_event_name(enum wf_event e)
{
	return (unsigned)e < WF_EV_COUNT ? table[e].name : "?";
}

int wf_event_parse(const char *s, enum wf_event *out)
{
	if (!s)
		return FF_EINVAL;
	for (unsigned e = 0; e < WF_EV_COUNT; e++) {
		if (strcmp(s, table[e].name) == 0) {
			*out = (enum wf_event)e;
			return FF_OK;
		}
	}
	return FF_EINVAL;
}

const char *wf_role_name(enum wf_role r)
{
	return (unsigned)r < WF_ROLE_COUNT ? role_names[r] : "?";
}

int wf_role_parse(const char *s, enum wf_role *out)
{
	unsigned i = 0;
	int rc = parse_name(s, role_names, WF_ROLE_COUNT, WF_ROLE_ADMIN, &i);
	if (rc == FF_OK)
		*out = (enum wf_role)i;
	return rc;
}

const char *wf_actor_kind_name(enum wf_actor_kind k)
{
	return (unsigned)k < WF_ACTOR_COUNT ? kind_names[k] : "?";
}

const char *wf_field_name(unsigned field)
{
	for (unsigned i = 0; i < sizeof(field_names) / sizeof(field_names[0]); i++)
		if (field == 1u << i)
			return field_names[i];
	return NULL;
}

size_t wf_event_mask_format(unsigned mask, char *out, size_t outlen)
{
	size_t need = 0;
	if (outlen)
		out[0] = '\0';
	for (unsigned e = 0; e < WF_EV_COUNT; e++) {
		if (!(mask & WF_EVENT_BIT(e)))
			continue;
		const char *sep = need ? ", " : "";
		size_t len = strlen(sep) + strlen(table[e].name);
		if (need + len < outlen)
			snprintf(out + need, outlen - need, "%s%s", sep, table[e].name);
		else if (need < outlen)
			out[need] = '\0';
		need += len;
	}
	return need;
}
