/* flawfix feeds sync|status: refresh the enrichment mirrors from URLs or
 * local mirrors (connectors/feeds) into PostgreSQL (db/q_feeds). Each batch
 * of a source (the whole file for KEV/EPSS/ExploitDB, one page or a group
 * of record files for NVD) commits in one transaction; a bad record aborts
 * its batch, so the previous data stays in force. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "db/q_asset.h"
#include "scoring.h"
#include "cmd.h"
#include "common/cfg.h"
#include "common/fftime.h"
#include "common/mem.h"
#include "common/rc.h"
#include "connectors/feeds/feeds.h"
#include "db/q_feeds.h"

struct sync {
	struct db *db;
	enum feeds_src src;
	const char *name;
	struct feeds_batch *batch;
	long long read, written, changed, total, batch_rows;
	int64_t t0, last_print;
	int tty;
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
		fprintf(stderr, "nvd: resuming window %s .. %s at startIndex %lld\n", cur->win_start[0] ? cur->win_start : "(all)",
			cur->win_end, cur->next_index);
	} else if (*mark) {
		o->since = *mark;
	}
	free(cj);
	return FF_OK;
}

static int sync_one(struct db *db, enum feeds_src src, const char *from)
{
	struct sync s = { .db = db, .src = src, .name = feeds_src_name(src), .total = -1, .tty = isatty(2) };
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
	if (rc) {
		const char *msg = s.err[0] ? s.err : e.msg[0] ? e.msg : ff_rc_str(rc);
		fprintf(stderr, "flawfix: %s sync failed: %s\n", s.name, msg);
		feeds_state_error(db, src, msg);
	} else {
		rc = feeds_state_success(db, src, s.read, s.written,
					 s.have_cursor && s.last.final_end[0] ? s.last.final_end : NULL);
		double secs = (double)(ff_mono_us() / 1000 - s.t0) / 1000.0;
		printf("%s: %lld records read, %lld rows written, %lld CVEs changed, %.1f s\n", s.name, s.read, s.written,
		       s.changed, secs);
	}
	free(mark);
	return rc;
}

static int do_sync(int argc, char **argv)
{
	const char *only = cli_opt(argc, argv, "source"), *from = cli_opt(argc, argv, "from");
	int src = only ? feeds_src_parse(only) : -1, failed = 0;
	if (only && src < 0) {
		fprintf(stderr, "flawfix: unknown source '%s' (nvd, kev, epss, exploitdb)\n", only);
		return 2;
	}
	if (from && !only) {
		fprintf(stderr, "flawfix: --from needs --source\n");
		return 2;
	}
	struct db *db = cli_db();
	if (!db)
		return 1;
	for (int i = 0; i < FEEDS_NSRC; i++)
		if (src < 0 || src == i)
			failed += sync_one(db, (enum feeds_src)i, from) != FF_OK;
	/* the findings whose CVEs changed get their new scores now, each change
	 * an audit event naming the feed record */
	struct scoring_stats st;
	int rc = scoring_run(db, SCORING_FEEDS, 0, "feed update", 0, &st);
	if (rc) {
		fprintf(stderr, "flawfix: rescoring failed: %s\n", db_last_error(db));
		failed++;
	} else {
		printf("rescored %lld findings: %lld scores changed\n", st.visited, st.events);
	}
	db_close(db);
	return failed ? 1 : 0;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "-";
}

static int do_status(void)
{
	char *out = NULL;
	struct db *db = cli_db();
	if (!db)
		return 1;
	int rc = feeds_status_json(db, &out);
	db_close(db);
	if (rc) {
		fprintf(stderr, "flawfix: could not read the feed state: %s\n", ff_rc_str(rc));
		return 1;
	}
	json_t *a = json_loads(out, 0, NULL), *v;
	size_t i;
	printf("%-10s %-32s %10s  %s\n", "source", "last success", "records", "last error");
	json_array_foreach(a, i, v) {
		printf("%-10s %-32s %10lld  %s%s\n", jstr(v, "source"), jstr(v, "last_success"),
		       (long long)json_integer_value(json_object_get(v, "records")), jstr(v, "last_error"),
		       json_is_object(json_object_get(v, "resume_cursor")) ? "  (interrupted sync will resume)" : "");
	}
	json_decref(a);
	free(out);
	return 0;
}

/* flawfix feeds rescore [--all | --asset SLUG]: the scoring pipeline by
 * hand (ops, benchmarks); without options the findings of changed CVEs */
static int do_rescore(int argc, char **argv)
{
	const char *slug = cli_opt(argc, argv, "asset");
	struct db *db = cli_db();
	if (!db)
		return 1;
	enum scoring_scope scope = cli_flag(argc, argv, "all") ? SCORING_ALL : SCORING_FEEDS;
	long long arg = 0;
	int archived = 0;
	if (slug) {
		if (asset_lookup(db, FF_DEFAULT_ORG, slug, &arg, &archived)) {
			fprintf(stderr, "flawfix: no asset '%s'\n", slug);
			db_close(db);
			return 1;
		}
		scope = SCORING_ASSET;
	}
	int64_t t0 = ff_mono_us();
	struct scoring_stats st;
	int rc = scoring_run(db, scope, arg, "rescoring by hand", cli_flag(argc, argv, "force"), &st);
	double secs = (double)(ff_mono_us() - t0) / 1e6;
	if (rc)
		fprintf(stderr, "flawfix: rescoring failed: %s\n", db_last_error(db));
	else
		printf("rescored %lld findings in %.2f s (%.0f/s): %lld with changed inputs, %lld written, %lld scores changed\n",
		       st.visited, secs, secs > 0 ? (double)st.visited / secs : 0.0, st.scanned, st.written, st.events);
	db_close(db);
	return rc ? 1 : 0;
}

int cmd_feeds(int argc, char **argv)
{
	if (cmd_wants_help(argc, argv) || argc < 2) {
		puts("usage: flawfix feeds sync [--source nvd|kev|epss|exploitdb] [--from PATH|URL]\n"
		     "       flawfix feeds status\n\n"
		     "sync refreshes the NVD, CISA KEV, FIRST EPSS and ExploitDB mirrors from the\n"
		     "configured URLs (nvd_url, kev_url, epss_url, exploitdb_url) or from --from, a URL\n"
		     "or a local file (NVD: a saved API page, a record or a fkie-cad tree directory).\n"
		     "An interrupted NVD sync resumes where it stopped. status shows per source the\n"
		     "last successful sync, the record count and the last error.\n"
		     "       flawfix feeds rescore [--all | --asset SLUG] [--force]\n"
		     "rescore runs the scoring pipeline by hand: the findings of CVEs that changed\n"
		     "since the last run, of one asset, or all of them; only findings whose scoring\n"
		     "inputs changed are recomputed unless --force.");
		return argc < 2 ? 2 : 0;
	}
	int rc = cmd_setup(argc, argv);
	if (rc)
		return rc;
	if (strcmp(argv[1], "sync") == 0)
		return do_sync(argc - 1, argv + 1);
	if (strcmp(argv[1], "status") == 0)
		return do_status();
	if (strcmp(argv[1], "rescore") == 0)
		return do_rescore(argc - 1, argv + 1);
	fprintf(stderr, "flawfix: feeds: unknown action '%s' (sync, status)\n", argv[1]);
	return 2;
}
