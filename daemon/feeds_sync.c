/* Feed sync of one source into the mirrors: connectors/feeds reads, this
 * file turns records into stage rows, db/q_feeds commits batch by batch.
 * Shared by `flawfix feeds sync` and serve's scheduler. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cfg.h"
#include "common/fftime.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/rc.h"
#include "connectors/feeds/feeds.h"
#include "db/jobs.h"
#include "feeds_sync.h"

struct sync {
	struct db *db;
	enum feeds_src src;
	const char *name;
	struct feeds_batch *batch;
	long long read, written, changed, total, batch_rows;
	int64_t t0, last_print;
	int tty, quiet;
	struct feed_cursor last;
	int have_cursor;
	char err[512];
};

/* ---- records to stage columns ---- */

static char *cve_metrics_json(const struct feed_cve *c)
{
	json_t *a = json_array();
	for (int i = 0; i < c->ncvss; i++) {
		const struct feed_cvss *m = &c->cvss[i];
		json_array_append_new(a, json_pack("{s:s, s:s?, s:s?, s:s, s:f, s:s?}", "version", m->version, "source",
						   m->source, "type", m->type, "vector", m->vector, "score", m->score,
						   "severity", m->severity));
	}
	char *s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

static char *cve_cwes_json(const struct feed_cve *c)
{
	json_t *a = json_array();
	for (int i = 0; i < c->ncwe; i++)
		json_array_append_new(a, json_string(c->cwe[i]));
	char *s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

static int row_nvd(struct sync *s, const struct feed_cve *c)
{
	char score[16] = "";
	char *metrics = cve_metrics_json(c), *cwes = cve_cwes_json(c);
	const struct feed_cvss *b = c->base;
	if (b)
		snprintf(score, sizeof(score), "%.1f", b->score);
	const char *cols[14] = { c->id, c->cna, c->published, c->last_modified, c->vuln_status, c->rejected ? "t" : "f",
				 c->description, cwes, metrics, b ? b->version : NULL, b ? b->vector : NULL,
				 b ? score : NULL, b ? b->source : NULL, b ? b->type : NULL };
	int rc = feeds_batch_row(s->batch, cols);
	free(metrics);
	free(cwes);
	return rc;
}

static int row_kev(struct sync *s, const struct feed_kev *k)
{
	const char *cols[11] = { k->cve_id, k->vendor, k->product, k->name, k->date_added, k->due_date, k->ransomware,
				 k->required_action, k->short_description, k->notes, k->cwes };
	return feeds_batch_row(s->batch, cols);
}

static int row_epss(struct sync *s, const struct feed_epss *e)
{
	char sc[32], pc[32];
	snprintf(sc, sizeof(sc), "%.17g", e->epss);
	snprintf(pc, sizeof(pc), "%.17g", e->percentile);
	const char *cols[5] = { e->cve_id, sc, pc, e->model_version, e->score_date };
	return feeds_batch_row(s->batch, cols);
}

static int row_exploit(struct sync *s, const struct feed_exploit *x)
{
	char id[32];
	snprintf(id, sizeof(id), "%lld", x->id);
	const char *cols[8] = { id, x->cve_id, x->file, x->description, x->type, x->platform, x->date_published,
				x->verified ? "t" : "f" };
	return feeds_batch_row(s->batch, cols);
}

/* ---- progress ---- */

static void progress(struct sync *s, int final)
{
	int64_t now = ff_mono_us() / 1000;
	if (s->quiet)
		return;
	if (!final && now - s->last_print < (s->tty ? 500 : 10000))
		return;
	s->last_print = now;
	double secs = (double)(now - s->t0) / 1000.0;
	double rate = secs > 0 ? (double)s->read / secs : 0;
	char eta[32] = "";
	if (!final && s->total > s->read && rate > 0)
		snprintf(eta, sizeof(eta), " ETA %.0fs", (double)(s->total - s->read) / rate);
	fprintf(stderr, "%s%s: read %lld written %lld %.0f/s%s%s", s->tty ? "\r" : "", s->name, s->read, s->written,
		rate, eta, s->tty && !final ? "   " : "\n");
	fflush(stderr);
}

/* ---- the sink ---- */

static int on_record(void *ctx, enum feed_kind kind, const void *rec)
{
	struct sync *s = ctx;
	int rc = FF_OK;
	if (!s->batch) {
		int snapshot = s->src != FEEDS_NVD;
		rc = feeds_batch_begin(s->db, s->src, snapshot, &s->batch);
		if (rc) {
			snprintf(s->err, sizeof(s->err), "could not start a batch: %s", db_last_error(s->db));
			return rc;
		}
		s->batch_rows = 0;
	}
	if (kind == FEED_NVD)
		rc = row_nvd(s, rec);
	else if (kind == FEED_KEV)
		rc = row_kev(s, rec);
	else if (kind == FEED_EPSS)
		rc = row_epss(s, rec);
	else
		rc = row_exploit(s, rec);
	s->read++;
	s->batch_rows++;
	progress(s, 0);
	return rc;
}

static int on_batch(void *ctx, const struct feed_cursor *cur)
{
	struct sync *s = ctx;
	long long w = 0, c = 0;
	char *cj = cur ? feed_cursor_to_json(cur) : NULL;
	int rc = FF_OK;
	if (s->src != FEEDS_NVD && (!s->batch || s->batch_rows == 0)) {
		snprintf(s->err, sizeof(s->err), "%s: the catalogue holds no records; previous data kept", s->name);
		rc = FF_EINVAL;
		goto out;
	}
	if (!s->batch) /* an empty page: the batch only moves the cursor */
		rc = feeds_batch_begin(s->db, s->src, 0, &s->batch);
	if (rc)
		goto out;
	rc = feeds_batch_commit(s->batch, cj, &w, &c, s->err, sizeof(s->err));
	s->batch = NULL;
	s->written += w;
	s->changed += c;
	if (cur) {
		s->last = *cur;
		s->have_cursor = 1;
	}
out:
	free(cj);
	return rc;
}

static void on_total(void *ctx, long long total)
{
	((struct sync *)ctx)->total = total;
}

/* ---- sync of one source ---- */

static const char *const where_cfg[FEEDS_NSRC] = {
	[FEEDS_NVD] = "nvd_url", [FEEDS_KEV] = "kev_url", [FEEDS_EPSS] = "epss_url", [FEEDS_EXPLOITDB] = "exploitdb_url",
};

/* NVD: resume an interrupted sync, else continue from the last mark */
static int nvd_opts(struct sync *s, const char *where, struct feed_opts *o, struct feed_cursor *cur, char **mark)
{
	char *cj = NULL;
	o->api_key = cfg_str("nvd_api_key");
	o->rate_requests = (int)cfg_int("nvd_rate_requests");
	o->rate_window_ms = (long)cfg_int("nvd_rate_window_seconds") * 1000;
	o->results_per_page = (int)cfg_int("nvd_results_per_page");
	if (!feed_is_url(where))
		return FF_OK;
	int rc = feeds_state_get(s->db, FEEDS_NVD, &cj, mark);
	if (rc)
		return rc;
	if (cj && feed_cursor_from_json(cj, cur) == FF_OK) {
		o->resume = cur;
		if (!s->quiet)
			fprintf(stderr, "nvd: resuming window %s .. %s at startIndex %lld\n", cur->win_start[0] ? cur->win_start : "(all)",
			cur->win_end, cur->next_index);
	} else if (*mark) {
		o->since = *mark;
	}
	free(cj);
	return FF_OK;
}

int feeds_sync_source(struct db *db, enum feeds_src src, const char *from, int show_progress,
		      struct feeds_sync_stats *st)
{
	struct sync s = { .db = db, .src = src, .name = feeds_src_name(src), .total = -1, .tty = isatty(2),
			  .quiet = !show_progress };
	struct feed_opts o = { 0 };
	struct feed_cursor cur;
	struct feed_err e = { { 0 } };
	char *mark = NULL;
	const char *where = from ? from : cfg_str(where_cfg[src]);
	struct feed_sink sink = { on_record, on_batch, on_total, &s };
	int rc = feeds_state_attempt(db, src);
	if (!rc && src == FEEDS_NVD)
		rc = nvd_opts(&s, where, &o, &cur, &mark);
	s.t0 = ff_mono_us() / 1000;
	s.last_print = s.t0;
	if (!rc)
		rc = feed_read(feed_lookup(s.name), where, &o, &sink, &e);
	feeds_batch_abort(s.batch);
	progress(&s, 1);
	memset(st, 0, sizeof(*st));
	if (rc) {
		const char *msg = s.err[0] ? s.err : e.msg[0] ? e.msg : ff_rc_str(rc);
		snprintf(st->error, sizeof(st->error), "%s", msg);
		log_warn("feeds", "sync failed source=%s error=%s", s.name, msg);
		feeds_state_error(db, src, msg);
	} else {
		rc = feeds_state_success(db, src, s.read, s.written,
					 s.have_cursor && s.last.final_end[0] ? s.last.final_end : NULL);
	}
	st->read = s.read;
	st->written = s.written;
	st->changed = s.changed;
	st->seconds = (double)(ff_mono_us() / 1000 - s.t0) / 1000.0;
	free(mark);
	return rc;
}

int feeds_task_daily(struct db *db)
{
	int due = 0;
	char key[48], day[11];
	int rc = feeds_due(db, cfg_str("feeds_sync_time"), &due);
	if (rc || !due)
		return rc;
	ff_days_to_date(ff_now_ms() / 86400000, day);
	snprintf(key, sizeof(key), "feeds-sync-%s", day);
	return job_enqueue(db, 1, "feeds.sync", "{}", key, 0, 0, NULL);
}

int job_feeds_sync(struct db *db, const struct job *j, char *err, size_t errlen)
{
	int failed = 0;
	char key[48], day[11];
	(void)j;
	err[0] = '\0';
	for (int i = 0; i < FEEDS_NSRC; i++) {
		struct feeds_sync_stats st;
		if (feeds_sync_source(db, (enum feeds_src)i, NULL, 0, &st) != FF_OK) {
			if (!failed++)
				snprintf(err, errlen, "%s: %s", feeds_src_name((enum feeds_src)i), st.error);
			continue;
		}
		log_info("feeds", "synced source=%s read=%lld written=%lld changed=%lld seconds=%.1f",
			 feeds_src_name((enum feeds_src)i), st.read, st.written, st.changed, st.seconds);
	}
	/* whatever synced is in force: the findings of changed CVEs are
	 * rescored by the score.feeds job (daemon/scoring.c) */
	ff_days_to_date(ff_now_ms() / 86400000, day);
	snprintf(key, sizeof(key), "score-feeds-%s-%lld", day, j ? j->id : 0LL);
	int rc = job_enqueue(db, 1, "score.feeds", "{}", key, 0, 0, NULL);
	if (rc && !failed)
		snprintf(err, errlen, "could not enqueue score.feeds: %s", ff_rc_str(rc));
	/* a failed source is retried with the job's backoff; an interrupted NVD
	 * sync continues from its cursor */
	return failed ? FF_ETEMP : rc;
}
