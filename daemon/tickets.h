/* daemon/tickets.h - the ticket jobs (issue 7): they talk to the trackers
 * through connectors/conn.h and record what happened through
 * db/q_ticket.h; state changes go through workflow_apply.
 *
 * Every job returns FF_OK (done), FF_ETEMP (the tracker is down, slow or
 * rate-limiting: the queue retries with backoff) or another error (parked
 * as failed, the reason in the job and in ticket.last_error). */
#ifndef FF_DAEMON_TICKETS_H
#define FF_DAEMON_TICKETS_H

#include <stddef.h>
#include <stdint.h>

#include "connectors/conn.h"
#include "db/jobs.h"

int job_ticket_create(struct db *db, const struct job *j, char *err, size_t errlen);
int job_ticket_comment(struct db *db, const struct job *j, char *err, size_t errlen);
int job_ticket_close(struct db *db, const struct job *j, char *err, size_t errlen);
int job_ticket_reopen(struct db *db, const struct job *j, char *err, size_t errlen);
int job_ticket_event(struct db *db, const struct job *j, char *err, size_t errlen);
int job_ticket_poll(struct db *db, const struct job *j, char *err, size_t errlen);
int job_ticket_reconcile(struct db *db, const struct job *j, char *err, size_t errlen);
/* ticket.identities {"tracker_id"}: links the org's users that have an
 * e-mail address and no identity yet to the tracker account with that
 * address (conn_user_find); nobody / several matches: left alone, logged */
int job_ticket_identities(struct db *db, const struct job *j, char *err, size_t errlen);

/* tickets_key loads the secrets key (cfg secret_key_file); FF_EPERM */
int tickets_key(uint8_t key[32]);

/* tickets_webhook verifies a delivery for tracker_id (of kind), stores it
 * and enqueues ticket.event: FF_OK (*delivery = its row; 0 when the event
 * was ignored: nothing for FlawFix or an unknown ticket, err says which,
 * nothing stored), FF_ENOTFOUND
 * (no such tracker of that kind), FF_EUNAUTH (bad or missing signature or
 * token), FF_EINVAL (unreadable body), FF_ECONFLICT (a replay: nothing
 * stored). Never calls the tracker. err says why. */
int tickets_webhook(struct db *db, long long tracker_id, const char *kind, const struct conn_webhook_in *in,
		    long long *delivery, char *err, size_t errlen);
/* tickets_test: conn_check of a tracker of org_id, called directly from
 * POST /api/v1/trackers/{id}/test with a short timeout (15 s, 2 attempts);
 * msg says exactly what is wrong (or that all is well). */
int tickets_test(struct db *db, long long org_id, long long tracker_id, char *msg, size_t msglen);

/* scheduler task: enqueue ticket.poll (Redmine) and ticket.reconcile
 * (every tracker) once per cfg ticket_sync_seconds */
int tickets_task_sync(struct db *db);

#endif
