/* workflow/wf_internal.h - shared between wf_check.c and wf_fields.c;
 * not for other modules. */
#ifndef FF_WORKFLOW_WF_INTERNAL_H
#define FF_WORKFLOW_WF_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/rc.h"
#include "wf.h"

#define WF_TEXT_MAX 16384   /* bytes of a justification or comment */
#define WF_NAME_MAX 256     /* bytes of a name, tracker, assignee */
#define WF_DUE_MAX_DAYS 3650

/* one command being decided */
struct wf_ctx {
	enum wf_state current;
	const struct wf_cmd *cmd;
	const struct wf_policy *policy;
	const struct wf_facts *facts;
	int64_t today;
};

/* wf_fields_check validates the fields in required (must be present) and
 * optional (checked when present); on the first failure fills res
 * (WF_DENY_FIELD, field, reason, limit_date) and returns false. */
bool wf_fields_check(const struct wf_ctx *c, unsigned required, unsigned optional,
		     struct wf_result *res);
/* the day of an already validated YYYY-MM-DD, 0 when v is NULL */
int64_t wf_field_day(const char *v);

#endif
