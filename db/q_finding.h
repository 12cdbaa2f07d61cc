/* db/q_finding.h - reading findings: lists with filters and keyset
 * pagination, the detail with sources, scoring and history, the events. */
#ifndef FF_DB_Q_FINDING_H
#define FF_DB_Q_FINDING_H

#include "db.h"

struct finding_filter {
	const char *asset;       /* slug */
	const char *state;       /* comma-separated states */
	const char *severity;    /* comma-separated severities */
	const char *kind;
	const char *cve;         /* any vulnerability id */
	const char *scanner;
	const char *q;           /* text in title, rule, package, file, ids */
	const char *sort;        /* "id" (default), "score" (highest first), "age" (oldest first) */
	const char *cursor;      /* from next_cursor */
	int limit;
	long long restrict_user_id; /* >0: only findings of assets this user owns */
};
/* finding_list_json: {"items": [...], "next_cursor": ...}; FF_EINVAL for
 * a malformed cursor */
int finding_list_json(struct db *db, long long org_id, const struct finding_filter *f, char **out);
/* finding_get_json: the finding with sources, scoring, treatment and its
 * latest events; FF_ENOTFOUND when not in org (or not visible to user) */
int finding_get_json(struct db *db, long long org_id, long long id, long long restrict_user_id, char **out);
/* finding_events_json: the audit history of one finding, oldest first */
int finding_events_json(struct db *db, long long org_id, long long id, long long restrict_user_id, char **out);

#endif
