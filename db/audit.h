/* db/audit.h - the append-only, hash-chained audit log (DESIGN.md section 6).
 * Events are written inside the caller's transaction, so a state change and
 * its event commit together. */
#ifndef FF_DB_AUDIT_H
#define FF_DB_AUDIT_H

#include <stdio.h>

#include "db.h"

/* who did it, through which channel; strings are borrowed */
struct audit_actor {
	const char *type;   /* user, token, system, tracker_user, email */
	const char *id;     /* user id, token id, remote account id; may be NULL */
	const char *name;   /* human-readable name, never NULL */
	const char *source; /* ui, api, webhook, email, cli, scheduler, worker */
};

struct audit_event {
	long long org_id;
	long long asset_id;   /* 0 = none */
	long long finding_id; /* 0 = none */
	long long report_id;  /* 0 = none */
	const char *type;     /* e.g. "asset.created", "accept" */
	const char *from_state, *to_state, *justification; /* may be NULL */
	const char *payload;  /* JSON object text; NULL = {} */
};

/* audit_append inserts one event; returns FF_OK or the database error. */
int audit_append(struct db *db, const struct audit_actor *actor, const struct audit_event *ev);

struct audit_verify_result {
	long long events;        /* events checked */
	long long broken_id;     /* first broken event id, 0 when intact */
	long long broken_seq;
	char reason[256];
};
/* audit_verify recomputes the chain from the stored columns. Returns FF_OK
 * (result says whether it is intact) or a database error. */
int audit_verify(struct db *db, struct audit_verify_result *res);

enum audit_format { AUDIT_CSV, AUDIT_JSON };
/* audit_export writes events (created at or after since, an ISO date or
 * timestamp; NULL = all) to out; JSON is one array. Returns FF_OK. */
int audit_export(struct db *db, FILE *out, enum audit_format fmt, const char *since, long long *count);

#endif
