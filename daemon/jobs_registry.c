/* Job kinds. The built-in "noop" exists for tests of the queue itself:
 * payload {"sleep_ms": N, "log": PATH, "fail_times": K} appends
 * "start ID ATTEMPT" and "done ID" lines to PATH, sleeps, and fails its
 * first K attempts. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "common/fftime.h"
#include "common/rc.h"
#include "feeds_sync.h"
#include "import.h"
#include "scoring.h"
#include "tickets.h"
#include "wf_tasks.h"
#include "worker.h"

static void note(const char *path, const char *what, const struct job *j)
{
	if (!path)
		return;
	FILE *f = fopen(path, "a");
	if (!f)
		return;
	fprintf(f, "%s %lld %d\n", what, j->id, j->attempts);
	fflush(f);
	fclose(f);
}

static int job_noop(struct db *db, const struct job *j, char *err, size_t errlen)
{
	(void)db;
	json_t *p = json_loads(j->payload, 0, NULL);
	const char *log = json_string_value(json_object_get(p, "log"));
	json_int_t sleep_ms = json_integer_value(json_object_get(p, "sleep_ms"));
	json_int_t fail_times = json_integer_value(json_object_get(p, "fail_times"));
	note(log, "start", j);
	if (sleep_ms > 0)
		ff_sleep_ms(sleep_ms);
	int rc = FF_OK;
	if (j->attempts <= fail_times) {
		snprintf(err, errlen, "noop asked to fail attempt %d of %lld", j->attempts, (long long)fail_times);
		rc = FF_ETEMP;
	} else {
		note(log, "done", j);
	}
	json_decref(p);
	return rc;
}

const struct job_kind job_kinds[] = {
	{ "noop", job_noop },
	{ "scan.import", job_scan_import },
	{ "score.asset", job_score_asset },
	{ "score.feeds", job_score_feeds },
	{ "score.all", job_score_all },
	{ "feeds.sync", job_feeds_sync },
	{ WF_JOB_MAIL_REMINDER, wf_job_reminder },
	{ "ticket.create", job_ticket_create },
	{ "ticket.comment", job_ticket_comment },
	{ "ticket.close", job_ticket_close },
	{ "ticket.reopen", job_ticket_reopen },
	{ "ticket.event", job_ticket_event },
	{ "ticket.poll", job_ticket_poll },
	{ "ticket.reconcile", job_ticket_reconcile },
	{ "ticket.identities", job_ticket_identities },
	{ NULL, NULL },
};
