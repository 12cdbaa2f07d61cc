/* daemon/wf_tasks.h - the workflow's scheduler tasks (expiry, auto-accept,
 * reminders) and the mail.reminder job kind (daemon/wf_tasks.c). */
#ifndef FF_DAEMON_WF_TASKS_H
#define FF_DAEMON_WF_TASKS_H

#include <stddef.h>

#include "db/jobs.h"

#define WF_JOB_MAIL_REMINDER "mail.reminder"

/* wf_task_due: reopen what expired, auto-accept what the policy allows
 * (runs at most every cfg workflow_due_seconds) */
int wf_task_due(struct db *db);
/* wf_task_remind: enqueue the reminders that are due */
int wf_task_remind(struct db *db);
/* wf_job_reminder: the mail.reminder job (writes into the maildir) */
int wf_job_reminder(struct db *db, const struct job *j, char *err, size_t errlen);

#endif
