/* wf_check: decide one command against the table, the policy and the
 * facts. Pure: the caller writes what the result says. */
#include <string.h>

#include "policy.h"
#include "wf_internal.h"

static int deny(struct wf_result *res, enum wf_verdict v, const char *reason)
{
	static const int rc[] = {
		[WF_ALLOW] = FF_OK, [WF_DENY_TRANSITION] = FF_ECONFLICT,
		[WF_DENY_ACTOR] = FF_EFORBIDDEN, [WF_DENY_FIELD] = FF_EINVAL,
		[WF_DENY_POLICY] = FF_ECONFLICT,
	};
	/* a refusal changes nothing, whatever was computed before it */
	res->verdict = v;
	if (reason)
		res->reason = reason;
	res->to = res->from;
	res->review_date = res->revalidation_date = res->due_date = WF_DATE_KEEP;
	res->tags_set = res->tags_clear = 0;
	res->store_requester = false;
	res->njobs = 0;
	return rc[v];
}

int wf_http_status(enum wf_verdict v)
{
	static const int status[] = {
		[WF_ALLOW] = 200, [WF_DENY_TRANSITION] = 409, [WF_DENY_ACTOR] = 403,
		[WF_DENY_FIELD] = 422, [WF_DENY_POLICY] = 409,
	};
	return (unsigned)v <= WF_DENY_POLICY ? status[v] : 500;
}

/* why a member of the asset may not: the relation the event needs */
static const char *member_refusal(const struct wf_transition *t)
{
	if (t->who & WF_WHO_TECH_OWNER)
		return "only a technical owner of the asset may do this";
	if (t->who & WF_WHO_RISK_OWNER)
		return "only the risk owner of the asset or security may do this";
	return "members may not issue this event";
}

/* NULL when the actor may issue the event, else why not */
static const char *actor_refusal(const struct wf_transition *t, const struct wf_ctx *c)
{
	const struct wf_actor *a = &c->cmd->actor;
	unsigned who = wf_actor_who(a);
	if (a->kind == WF_ACTOR_USER && a->role == WF_ROLE_AUDITOR)
		return "auditors have read-only access";
	if (!(who & t->who)) {
		if (a->kind == WF_ACTOR_USER && a->role == WF_ROLE_MEMBER && (who & WF_WHO_MEMBER))
			return member_refusal(t);
		if (a->kind == WF_ACTOR_USER && a->role == WF_ROLE_MEMBER)
			return "member does not belong to the asset";
		return "actor may not issue this event";
	}
	if (t->not_requester && a->kind == WF_ACTOR_USER && a->id != 0 &&
	    a->id == c->facts->requester_id)
		return "the approver must not be the requester";
	return NULL;
}

static enum wf_state target_state(const struct wf_transition *t, const struct wf_ctx *c)
{
	if (t->to == WF_S_COUNT)
		return c->current;
	return c->policy->four_eyes ? t->to_four_eyes : t->to;
}

/* dates that do not belong to the new state are cleared */
static void leave_state(const struct wf_ctx *c, struct wf_result *res)
{
	const unsigned review = WF_STATE_BIT(WF_S_ACCEPTED) | WF_STATE_BIT(WF_S_ACCEPTANCE_REQUESTED);
	const unsigned due = WF_STATE_BIT(WF_S_MITIGATING) | WF_STATE_BIT(WF_S_VERIFYING) |
			     WF_STATE_BIT(WF_S_TRANSFERRED);
	unsigned to = WF_STATE_BIT(res->to);
	if (res->to == res->from)
		return;
	if (!(to & review))
		res->review_date = WF_DATE_CLEAR;
	if (res->to != WF_S_FALSE_POSITIVE)
		res->revalidation_date = WF_DATE_CLEAR;
	if (res->to == WF_S_OPEN) {
		int64_t first = c->facts->first_seen_day > 0 ? c->facts->first_seen_day : c->today;
		res->due_date = wf_policy_sla_due(c->policy, c->facts->severity, first);
	} else if (!(to & due)) {
		res->due_date = WF_DATE_CLEAR;
	}
	res->tags_clear |= WF_TAG_AUTO_ACCEPTED;
}

/* ---- per-event effects (dispatch table below) ---- */

typedef int (*effect_fn)(const struct wf_ctx *c, struct wf_result *res);

static int fx_scan_open(const struct wf_ctx *c, struct wf_result *res)
{
	/* a new or reappearing finding starts its SLA today */
	res->due_date = wf_policy_sla_due(c->policy, c->facts->severity, c->today);
	return FF_OK;
}

static int fx_accept(const struct wf_ctx *c, struct wf_result *res)
{
	res->review_date = wf_field_day(c->cmd->data.review_date);
	res->store_requester = res->to == WF_S_ACCEPTANCE_REQUESTED;
	return FF_OK;
}

static int fx_auto_accept(const struct wf_ctx *c, struct wf_result *res)
{
	int64_t max = wf_policy_review_max(c->policy, c->facts->severity, c->today);
	int64_t review = c->today + c->policy->auto_accept_days;
	if (!c->policy->auto_accept)
		return deny(res, WF_DENY_POLICY, "auto-accept is off for this asset");
	if (!wf_policy_auto_accepts(c->policy, c->facts->score10))
		return deny(res, WF_DENY_POLICY, "score is not below the auto-accept threshold");
	res->review_date = review < max ? review : max;
	res->tags_set |= WF_TAG_AUTO_ACCEPTED;
	res->tags_clear &= ~(unsigned)WF_TAG_AUTO_ACCEPTED;
	return FF_OK;
}

static int fx_mitigate(const struct wf_ctx *c, struct wf_result *res)
{
	int64_t first = c->facts->first_seen_day > 0 ? c->facts->first_seen_day : c->today;
	if (c->cmd->data.due_date)
		res->due_date = wf_field_day(c->cmd->data.due_date);
	else
		res->due_date = wf_policy_sla_due(c->policy, c->facts->severity, first);
	return FF_OK;
}

static int fx_transfer(const struct wf_ctx *c, struct wf_result *res)
{
	res->due_date = wf_field_day(c->cmd->data.due_date);
	return FF_OK;
}

static int fx_false_positive(const struct wf_ctx *c, struct wf_result *res)
{
	if (c->cmd->data.revalidation_date)
		res->revalidation_date = wf_field_day(c->cmd->data.revalidation_date);
	else
		res->revalidation_date = wf_policy_revalidation_date(c->policy, c->today);
	return FF_OK;
}

static int fx_renew(const struct wf_ctx *c, struct wf_result *res)
{
	res->review_date = wf_field_day(c->cmd->data.review_date);
	res->tags_clear |= WF_TAG_AUTO_ACCEPTED; /* a person owns it now */
	return FF_OK;
}

static const effect_fn effects[WF_EV_COUNT] = {
	[WF_EV_DETECT] = fx_scan_open,
	[WF_EV_REAPPEAR] = fx_scan_open,
	[WF_EV_ACCEPT] = fx_accept,
	[WF_EV_AUTO_ACCEPT] = fx_auto_accept,
	[WF_EV_MITIGATE] = fx_mitigate,
	[WF_EV_TRANSFER] = fx_transfer,
	[WF_EV_MARK_FALSE_POSITIVE] = fx_false_positive,
	[WF_EV_REVALIDATE] = fx_false_positive,
	[WF_EV_RENEW] = fx_renew,
};

static void result_init(struct wf_result *res, enum wf_state current)
{
	memset(res, 0, sizeof(*res));
	res->verdict = WF_ALLOW;
	res->from = current;
	res->to = current;
	res->allowed = wf_events_from(current);
	res->review_date = WF_DATE_KEEP;
	res->revalidation_date = WF_DATE_KEEP;
	res->due_date = WF_DATE_KEEP;
}

int wf_check(enum wf_state current, const struct wf_cmd *cmd, const struct wf_policy *policy,
	     const struct wf_facts *facts, struct wf_result *res)
{
	struct wf_ctx c = { current, cmd, policy, facts, wf_day_of_ms(cmd->now_ms) };
	const struct wf_transition *t = wf_transition_get(cmd->event);
	const char *why = NULL;
	int rc = FF_OK;

	result_init(res, current);
	if (!t || (unsigned)current >= WF_S_COUNT)
		return deny(res, WF_DENY_TRANSITION, "unknown event or state");
	why = actor_refusal(t, &c);
	if (why)
		return deny(res, WF_DENY_ACTOR, why);
	if (!(t->from & WF_STATE_BIT(current)))
		return deny(res, WF_DENY_TRANSITION, "event not allowed from the current state");
	unsigned required = t->needs | (cmd->actor.kind == WF_ACTOR_USER ? t->needs_user : 0);
	if (!wf_fields_check(&c, required, t->optional | t->needs_user, res))
		return deny(res, WF_DENY_FIELD, NULL);
	res->to = target_state(t, &c);
	leave_state(&c, res);
	if (effects[cmd->event]) {
		rc = effects[cmd->event](&c, res);
		if (rc != FF_OK)
			return rc;
	}
	if (t->job)
		res->jobs[res->njobs++] = t->job;
	return FF_OK;
}
