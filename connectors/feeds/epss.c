/* FIRST EPSS daily CSV: "#model_version:vX,score_date:YYYY-MM-DDT..." then
 * the header "cve,epss,percentile" then one row per CVE. Plain or gzip. */
#include <stdlib.h>
#include <string.h>

#include "common/rc.h"
#include "feeds_int.h"

struct epss_meta {
	char model[64];
	char date[11];
};

/* "#model_version:v2023.03.01,score_date:2025-02-20T00:00:00+0000" */
static int parse_meta(const char *line, struct epss_meta *m)
{
	const char *mv = strstr(line, "model_version:");
	const char *sd = strstr(line, "score_date:");
	if (line[0] != '#' || !mv || !sd)
		return FF_EINVAL;
	mv += strlen("model_version:");
	size_t n = strcspn(mv, ",");
	if (n == 0 || n >= sizeof(m->model))
		return FF_EINVAL;
	memcpy(m->model, mv, n);
	m->model[n] = '\0';
	sd += strlen("score_date:");
	if (strlen(sd) < 10)
		return FF_EINVAL;
	memcpy(m->date, sd, 10);
	m->date[10] = '\0';
	return feed_iso_date_ok(m->date) ? FF_OK : FF_EINVAL;
}

static int prob(const char *s, double *out)
{
	char *end = NULL;
	if (!*s)
		return FF_EINVAL;
	double v = strtod(s, &end);
	if (*end || !(v >= 0.0 && v <= 1.0))
		return FF_EINVAL;
	*out = v;
	return FF_OK;
}

static int row(struct csv *c, const struct epss_meta *m, const struct feed_sink *s, struct feed_err *e)
{
	struct feed_epss r = { .model_version = m->model, .score_date = m->date };
	if (c->nfields != 3)
		return feed_err_set(e, FF_EINVAL, "%s: line %ld: expected 3 columns (cve,epss,percentile), found %d",
				    c->name, c->line, c->nfields);
	r.cve_id = csv_field(c, 0);
	if (!feed_cve_id_ok(r.cve_id))
		return feed_err_set(e, FF_EINVAL, "%s: line %ld: bad CVE id '%.40s'", c->name, c->line, r.cve_id);
	if (prob(csv_field(c, 1), &r.epss) || prob(csv_field(c, 2), &r.percentile))
		return feed_err_set(e, FF_EINVAL, "%s: line %ld: %s: epss/percentile must be numbers in [0,1]",
				    c->name, c->line, r.cve_id);
	return s->record(s->ctx, FEED_EPSS, &r);
}

static int epss_read_path(const char *path, const struct feed_opts *o, const struct feed_sink *s,
			  struct feed_err *e)
{
	struct csv c;
	struct epss_meta m;
	(void)o;
	int rc = csv_open(&c, path, e);
	if (rc)
		goto out;
	rc = csv_raw_line(&c, e);
	if (rc <= 0) {
		rc = rc ? rc : feed_err_set(e, FF_EINVAL, "%s: empty file", path);
		goto out;
	}
	if (parse_meta(c.rec.data, &m)) {
		rc = feed_err_set(e, FF_EINVAL,
				  "%s: line 1: expected '#model_version:...,score_date:YYYY-MM-DD...', found '%.80s'", path,
				  c.rec.data);
		goto out;
	}
	rc = csv_next(&c, e);
	if (rc <= 0 || c.nfields != 3 || strcmp(csv_field(&c, 0), "cve") || strcmp(csv_field(&c, 1), "epss") ||
	    strcmp(csv_field(&c, 2), "percentile")) {
		rc = rc < 0 ? rc : feed_err_set(e, FF_EINVAL, "%s: line 2: expected the header 'cve,epss,percentile'", path);
		goto out;
	}
	for (;;) {
		rc = csv_next(&c, e);
		if (rc != 1)
			break;
		rc = row(&c, &m, s, e);
		if (rc)
			goto out;
	}
	if (rc == 0 && s->batch_done)
		rc = s->batch_done(s->ctx, NULL);
out:
	csv_close(&c);
	return rc;
}

static int epss_read_url(const char *url, const struct feed_opts *o, const struct feed_sink *s, struct feed_err *e)
{
	return feed_read_via_download(&feed_epss_ops, url, o, s, e);
}

const struct feed_ops feed_epss_ops = {
	.name = "epss",
	.kind = FEED_EPSS,
	.read_path = epss_read_path,
	.read_url = epss_read_url,
};
