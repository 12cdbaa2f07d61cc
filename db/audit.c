#include "audit.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/rc.h"

int audit_append(struct db *db, const struct audit_actor *a, const struct audit_event *ev)
{
	char org[24], asset[24], finding[24], report[24];
	snprintf(org, sizeof(org), "%lld", ev->org_id);
	snprintf(asset, sizeof(asset), "%lld", ev->asset_id);
	snprintf(finding, sizeof(finding), "%lld", ev->finding_id);
	snprintf(report, sizeof(report), "%lld", ev->report_id);
	const char *p[] = {
		org, ev->asset_id ? asset : NULL, ev->finding_id ? finding : NULL,
		ev->report_id ? report : NULL, a->type, a->id, a->name, a->source, ev->type,
		ev->from_state, ev->to_state, ev->justification, ev->payload ? ev->payload : "{}",
	};
	return db_cmd(db,
		      "INSERT INTO event (org_id, asset_id, finding_id, report_id, actor_type, actor_id,"
		      " actor_name, source, type, from_state, to_state, justification, payload,"
		      " prev_hash, hash)"
		      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, '', '')",
		      13, p);
}

/* the canonical form, rebuilt independently of the SQL in the migration */
static void lp(struct buf *b, PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col)) {
		buf_putc(b, '-');
		return;
	}
	const char *v = PQgetvalue(r, row, col);
	buf_printf(b, "%zu:", strlen(v));
	buf_puts(b, v);
}

#define VERIFY_BATCH "5000"

int audit_verify(struct db *db, struct audit_verify_result *res)
{
	memset(res, 0, sizeof(*res));
	char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
	long long expect_seq = 1, last_seq = 0;
	struct buf canon;
	buf_init(&canon, 0);
	for (;;) {
		char after[24];
		snprintf(after, sizeof(after), "%lld", last_seq);
		const char *p[] = { after };
		/* columns in canonical order: prev_hash seq id org asset finding report
		 * actor_type actor_id actor_name source type from to justification payload ts, hash */
		PGresult *r = db_exec(db,
			"SELECT prev_hash, seq, id, org_id, asset_id, finding_id, report_id, actor_type,"
			" actor_id, actor_name, source, type, from_state, to_state, justification,"
			" payload::text, ff_ts(created_at), hash FROM event WHERE seq > $1 ORDER BY seq"
			" LIMIT " VERIFY_BATCH, 1, p);
		if (!r) {
			buf_free(&canon);
			return db_last_rc(db);
		}
		int n = PQntuples(r);
		for (int i = 0; i < n && !res->broken_id; i++) {
			long long seq = strtoll(PQgetvalue(r, i, 1), NULL, 10);
			long long id = strtoll(PQgetvalue(r, i, 2), NULL, 10);
			res->events++;
			if (seq != expect_seq) {
				res->broken_id = id;
				res->broken_seq = seq;
				snprintf(res->reason, sizeof(res->reason),
					 "chain position %lld is missing before event %lld", expect_seq, id);
				break;
			}
			if (strcmp(PQgetvalue(r, i, 0), prev) != 0) {
				res->broken_id = id;
				res->broken_seq = seq;
				snprintf(res->reason, sizeof(res->reason),
					 "prev_hash does not match the hash of the event before it");
				break;
			}
			buf_reset(&canon);
			for (int c = 0; c <= 16; c++)
				lp(&canon, r, i, c);
			char h[65];
			ff_sha256_hex(canon.data, canon.len, h);
			if (strcmp(h, PQgetvalue(r, i, 17)) != 0) {
				res->broken_id = id;
				res->broken_seq = seq;
				snprintf(res->reason, sizeof(res->reason),
					 "content does not match its hash (the event was altered)");
				break;
			}
			memcpy(prev, h, sizeof(prev));
			expect_seq++;
			last_seq = seq;
		}
		PQclear(r);
		if (res->broken_id || n < strtol(VERIFY_BATCH, NULL, 10))
			break;
	}
	buf_free(&canon);
	if (res->broken_id)
		return FF_OK;
	/* the head must point at the last event: catches deleted tail events */
	PGresult *r = db_exec(db, "SELECT seq, hash FROM event_chain_head WHERE id = 1", 0, NULL);
	if (!r)
		return db_last_rc(db);
	if (PQntuples(r) != 1 || strtoll(PQgetvalue(r, 0, 0), NULL, 10) != last_seq ||
	    strcmp(PQgetvalue(r, 0, 1), prev) != 0) {
		res->broken_seq = last_seq + 1;
		snprintf(res->reason, sizeof(res->reason),
			 "the chain head says %s events but %lld are stored (events removed at the end)",
			 PQntuples(r) ? PQgetvalue(r, 0, 0) : "?", res->events);
		res->broken_id = -1;
	}
	PQclear(r);
	return FF_OK;
}

static void csv_field(FILE *out, const char *v)
{
	fputc('"', out);
	for (; *v; v++) {
		if (*v == '"')
			fputc('"', out);
		fputc(*v, out);
	}
	fputc('"', out);
}

int audit_export(struct db *db, FILE *out, enum audit_format fmt, const char *since, long long *count)
{
	static const char *cols[] = { "id", "seq", "org_id", "created_at", "actor_type", "actor_id",
				      "actor_name", "source", "type", "asset_id", "finding_id", "report_id",
				      "from_state", "to_state", "justification", "payload", "prev_hash", "hash" };
	const int ncols = (int)(sizeof(cols) / sizeof(cols[0]));
	const char *p[] = { since };
	*count = 0;
	if (fmt == AUDIT_CSV) {
		for (int c = 0; c < ncols; c++)
			fprintf(out, "%s%s", c ? "," : "", cols[c]);
		fputc('\n', out);
	} else {
		fputs("[", out);
	}
	long long last = 0;
	for (;;) {
		char after[24];
		snprintf(after, sizeof(after), "%lld", last);
		const char *pp[] = { p[0], after };
		PGresult *r = db_exec(db,
			"SELECT id, seq, org_id, ff_ts(created_at), actor_type, actor_id, actor_name, source,"
			" type, asset_id, finding_id, report_id, from_state, to_state, justification,"
			" payload::text, prev_hash, hash,"
			" json_build_object('id', id, 'seq', seq, 'org_id', org_id, 'created_at', ff_ts(created_at),"
			"  'actor_type', actor_type, 'actor_id', actor_id, 'actor_name', actor_name, 'source', source,"
			"  'type', type, 'asset_id', asset_id, 'finding_id', finding_id, 'report_id', report_id,"
			"  'from_state', from_state, 'to_state', to_state, 'justification', justification,"
			"  'payload', payload, 'prev_hash', prev_hash, 'hash', hash)::text"
			" FROM event WHERE ($1::timestamptz IS NULL OR created_at >= $1::timestamptz)"
			" AND seq > $2 ORDER BY seq LIMIT 5000", 2, pp);
		if (!r)
			return db_last_rc(db);
		int n = PQntuples(r);
		for (int i = 0; i < n; i++) {
			if (fmt == AUDIT_CSV) {
				for (int c = 0; c < ncols; c++) {
					if (c)
						fputc(',', out);
					if (!PQgetisnull(r, i, c))
						csv_field(out, PQgetvalue(r, i, c));
				}
				fputc('\n', out);
			} else {
				fputs(*count ? ",\n" : "\n", out);
				fputs(PQgetvalue(r, i, ncols), out);
			}
			(*count)++;
			last = strtoll(PQgetvalue(r, i, 1), NULL, 10);
		}
		PQclear(r);
		if (n < 5000)
			break;
	}
	if (fmt == AUDIT_JSON)
		fputs(*count ? "\n]\n" : "]\n", out);
	return FF_OK;
}
