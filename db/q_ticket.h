/* db/q_ticket.h - tracker instances, asset bindings, identities, tickets,
 * webhook deliveries and the remote comments we wrote (migration 0005).
 *
 * Secrets: callers pass the key (cfg secret_key_file) and plain secrets;
 * the rows hold only secretbox text (common/crypto.h ff_secret_seal), and
 * no JSON produced here ever contains a secret. Inputs are validated by the
 * caller (daemon/api/trackers.c). JSON results are text the caller frees. */
#ifndef FF_DB_Q_TICKET_H
#define FF_DB_Q_TICKET_H

#include <stdint.h>

#include "audit.h"
#include "db.h"

/* tracker_create inserts a tracker from a JSON object (name, kind, mode,
 * base_url, project, issue_type, labels, fields, user, close_status,
 * reopen_status) and the plain token / webhook secret (sealed here; secret
 * may be NULL). FF_ECONFLICT when the name exists. *out = tracker JSON. */
int tracker_create(struct db *db, long long org_id, const char *in_json, const char *token,
		   const char *secret, const uint8_t key[32], const struct audit_actor *actor, char **out);
/* tracker_patch changes the members present in in_json (same names);
 * token / secret non-NULL replace the stored ones. FF_ENOTFOUND. */
int tracker_patch(struct db *db, long long org_id, long long id, const char *in_json, const char *token,
		  const char *secret, const uint8_t key[32], const struct audit_actor *actor, char **out);
int tracker_get_json(struct db *db, long long org_id, long long id, char **out);
int tracker_list_json(struct db *db, long long org_id, char **out);

/* a tracker's configuration with its secrets opened (owned strings) */
struct tracker_row {
	long long id, org_id;
	char *kind, *mode, *base_url, *project, *issue_type, *user, *token, *secret;
	char *close_status, *reopen_status, *self_id, *self_name, *poll_since;
	char *labels_json, *fields_json;
};
/* tracker_load reads tracker id (org_id 0 = any org: webhooks and jobs
 * find the org from the row). FF_ENOTFOUND, or FF_EPERM when a secret
 * does not open with key (wrong key file). */
int tracker_load(struct db *db, long long org_id, long long id, const uint8_t key[32], struct tracker_row *out);
void tracker_row_clear(struct tracker_row *t);
/* tracker_id_by_name: FF_ENOTFOUND when org has no tracker of that name */
int tracker_id_by_name(struct db *db, long long org_id, const char *name, long long *id);
int tracker_set_self(struct db *db, long long id, const char *remote_id, const char *remote_name);
/* tracker_set_poll_since: the newest updated_on a poll saw (NULL: no
 * change); tracker_mark_reconciled: the reconcile mark */
int tracker_set_poll_since(struct db *db, long long id, const char *since);
int tracker_mark_reconciled(struct db *db, long long id);
/* tracker_ids: every tracker of kind (NULL = all), for the scheduler */
int tracker_ids(struct db *db, const char *kind, long long **ids, int *n);

/* asset_tracker_bind binds the asset to a tracker of its org (tracker_id 0
 * unbinds); project NULL = the tracker's. FF_ENOTFOUND for either. */
int asset_tracker_bind(struct db *db, long long org_id, const char *slug, long long tracker_id,
		       const char *project, const struct audit_actor *actor, char **out);

/* identities: a FlawFix user name <-> remote id / name at a tracker */
int identity_put(struct db *db, long long org_id, long long tracker_id, const char *user_name,
		 const char *remote_id, const char *remote_name, const char *source,
		 const struct audit_actor *actor, char **out);
int identity_list_json(struct db *db, long long org_id, long long tracker_id, char **out);
/* users of the org with an e-mail and no identity at the tracker yet:
 * JSON [{"id":..,"email":..}] for matching by e-mail */
int identity_unmatched_json(struct db *db, long long org_id, long long tracker_id, char **out);
/* identity_user: the FlawFix user mapped to remote_id (0 when none) */
int identity_user(struct db *db, long long tracker_id, const char *remote_id, long long *user_id,
		  char *user_name, size_t namelen);
/* identity_remote: the remote id of the FlawFix user named user_name
 * ("" when none) */
int identity_remote(struct db *db, long long tracker_id, const char *user_name, char *remote_id, size_t n);

/* ---- tickets ---- */

/* what ticket.create needs about a finding, as one JSON object: finding
 * columns, asset binding (tracker_id, project), the ticket when one exists */
int ticket_finding_json(struct db *db, long long finding_id, char **out);
/* ticket_begin records (idempotently) that finding will get a ticket at
 * tracker under our_key (in project; NULL = the tracker's); ticket_created
 * fills the remote side. */
int ticket_begin(struct db *db, long long org_id, long long tracker_id, long long finding_id, const char *our_key,
		 const char *project);
int ticket_created(struct db *db, long long finding_id, const char *remote_id, const char *remote_key,
		   const char *url, const char *remote_state);
/* ticket_note records the outcome of a ticket job (error NULL = success,
 * clears last_error) and, when state is non-NULL, the remote state */
int ticket_note(struct db *db, long long finding_id, const char *error, const char *state);

struct ticket_ref {
	long long id, org_id, tracker_id, finding_id, asset_id, last_journal;
	char remote_id[64], remote_key[64], state[24], severity[16];
	char project[256];           /* "" = the tracker's */
};
/* ticket_by_finding / ticket_by_remote (remote id or key): FF_ENOTFOUND
 * when there is no ticket (or it has no remote side yet) */
int ticket_by_finding(struct db *db, long long finding_id, struct ticket_ref *out);
int ticket_by_remote(struct db *db, long long tracker_id, const char *remote_id, const char *remote_key,
		     struct ticket_ref *out);
/* ticket_list: the tickets of a tracker whose finding is still being
 * mitigated or verified (reconcile, polling) */
int ticket_list(struct db *db, long long tracker_id, struct ticket_ref **out, int *n);
int ticket_set_journal(struct db *db, long long ticket_id, long long journal);

/* ticket_enqueue adds job kind for the finding's ticket when it has one
 * (inside the caller's transaction); payload_json gets finding_id added.
 * FF_OK also when there is no ticket (nothing enqueued). */
int ticket_enqueue(struct db *db, long long org_id, long long finding_id, const char *kind,
		   const char *payload_json, const char *idem_key);

/* ticket_comment_enqueue: ticket.comment with the author and text, when
 * the finding has a ticket (workflow_apply's comment, same transaction) */
int ticket_comment_enqueue(struct db *db, long long org_id, long long finding_id, const char *author,
			   const char *text);

/* ---- webhook deliveries and echoes ---- */

/* delivery_store records a delivery and enqueues ticket.event for it in
 * one transaction. FF_ECONFLICT (nothing written) when delivery_id was
 * seen before at this tracker. */
int delivery_store(struct db *db, long long org_id, long long tracker_id, const char *delivery_id,
		   const char *headers_json, const char *body, size_t body_len, long long *id);
struct delivery {
	long long id, org_id, tracker_id;
	char *headers_json, *body;
	int processed;
};
int delivery_load(struct db *db, long long id, struct delivery *out);
void delivery_clear(struct delivery *d);
int delivery_done(struct db *db, long long id, const char *outcome);

/* own_comment_add remembers a comment FlawFix wrote (echoes of it are
 * dropped); job_id > 0 ties it to the job that posted it */
int own_comment_add(struct db *db, long long tracker_id, const char *remote_id, long long job_id);
/* own_comment_of_job: FF_OK with the remote comment id when that job has
 * posted its comment already, FF_ENOTFOUND when not */
int own_comment_of_job(struct db *db, long long job_id, char *remote_id, size_t len);
/* own_comment_is: 1 when we wrote that comment, 0 when not, <0 on error */
int own_comment_is(struct db *db, long long tracker_id, const char *remote_id);

/* remote comments already handled: seen_comment_add records one with the
 * reply still to post (NULL = none); seen_comment_get says whether it was
 * seen (*pending = the reply not posted yet, caller frees, or NULL);
 * seen_comment_replied clears the pending reply */
int seen_comment_add(struct db *db, long long tracker_id, const char *remote_id, const char *reply);
int seen_comment_get(struct db *db, long long tracker_id, const char *remote_id, int *seen, char **pending);
int seen_comment_replied(struct db *db, long long tracker_id, const char *remote_id);
/* seen_comment_lock takes (lock = 1) or releases a session advisory lock
 * on the remote comment, so two deliveries of one comment handled by two
 * workers at once are applied once */
int seen_comment_lock(struct db *db, long long tracker_id, const char *remote_id, int lock);

#endif
