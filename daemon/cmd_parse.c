/* flawfix parse - what FlawFix makes of a scanner report, offline (no
 * server, no database): the normalised findings on stdout (a table, or one
 * JSON object per line with --json), a summary line on stderr. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "common/rc.h"
#include "common/str.h"
#include "ingest/ingest.h"

static const char *usage =
	"usage: flawfix parse FILE [--format F] [--json] [--target T]\n"
	"                     [--max-size BYTES] [--max-depth N] [--max-string BYTES] [--max-results N]\n\n"
	"Reads a scanner report (FILE, or - for stdin; gzip is inflated) and prints\n"
	"the normalised findings: a table, or with --json one JSON object per line\n"
	"(fingerprint, kind, rule_id, vuln_ids, severity, package, version,\n"
	"fixed_version, file, line, ...). A summary line with the format and the\n"
	"count goes to stderr. The format is detected from the content; --format\n"
	"forces one of: sarif, trivy, cyclonedx, cyclonedx-xml, grype, osv,\n"
	"npm-audit, npm-audit-7, gitleaks, semgrep, dependency-check,\n"
	"dependency-check-xml. --target is the scope target used in the\n"
	"fingerprints of dependency findings (as an upload's target would be).\n"
	"Exit status: 0 read, 1 the report could not be read (with the position), 2 usage.\n";

struct parse_args {
	const char *file;
	const char *target;
	bool json;
	enum ingest_format format;
	struct ingest_limits lim;
};

static ssize_t fd_read(void *ud, void *buf, size_t n)
{
	int fd = *(int *)ud;
	ssize_t r;
	do {
		r = read(fd, buf, n);
	} while (r < 0 && errno == EINTR);
	return r;
}

static void put_str(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, v ? json_string(v) : json_null());
}

static json_t *str_list(char **l, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(l[i]));
	return a;
}

static json_t *cvss_list(const struct ingest_finding *f)
{
	json_t *a = json_array();
	for (size_t i = 0; i < f->n_cvss; i++) {
		json_t *o = json_object();
		put_str(o, "version", f->cvss[i].version);
		put_str(o, "vector", f->cvss[i].vector);
		json_object_set_new(o, "score", f->cvss[i].score >= 0 ? json_real(f->cvss[i].score) : json_null());
		put_str(o, "source", f->cvss[i].source);
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *finding_json(const struct ingest_finding *f)
{
	json_t *o = json_object();
	put_str(o, "fingerprint", f->fingerprint);
	put_str(o, "kind", ingest_kind_name(f->kind));
	put_str(o, "rule_id", f->rule_id);
	put_str(o, "primary_id", f->primary_id);
	json_object_set_new(o, "vuln_ids", str_list(f->vuln_ids, f->n_vuln_ids));
	put_str(o, "severity", f->severity);
	put_str(o, "tool_severity", f->tool_severity);
	put_str(o, "title", f->title);
	put_str(o, "package", f->pkg_name);
	put_str(o, "purl", f->purl);
	put_str(o, "version", f->version);
	put_str(o, "fixed_version", f->fixed_version);
	put_str(o, "file", f->file);
	json_object_set_new(o, "line", f->start_line ? json_integer(f->start_line) : json_null());
	json_object_set_new(o, "end_line", f->end_line ? json_integer(f->end_line) : json_null());
	json_object_set_new(o, "cwes", str_list(f->cwes, f->n_cwes));
	json_object_set_new(o, "cvss", cvss_list(f));
	put_str(o, "target", f->target);
	put_str(o, "image", f->image);
	put_str(o, "layer", f->layer);
	put_str(o, "tool", f->tool_name);
	put_str(o, "tool_version", f->tool_version);
	put_str(o, "vex_state", f->vex_state);
	put_str(o, "vex_justification", f->vex_justification);
	put_str(o, "description", f->description);
	return o;
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static int print_finding(void *ud, const struct ingest_finding *f)
{
	const struct parse_args *a = ud;
	if (a->json) {
		json_t *o = finding_json(f);
		char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
		printf("%s\n", s);
		free(s);
		json_decref(o);
		return FF_OK;
	}
	printf("%-8s %-9s %-28s %-24s %-14s %-14s %s", f->severity, ingest_kind_name(f->kind),
		or_dash(f->primary_id ? f->primary_id : f->rule_id), or_dash(f->pkg_name), or_dash(f->version),
		or_dash(f->fixed_version), or_dash(f->file));
	if (f->start_line)
		printf(":%ld", f->start_line);
	printf("  %.12s\n", f->fingerprint);
	return FF_OK;
}

static int size_opt(const char *v, size_t *out)
{
	long long n = 0;
	if (str_to_ll(v, 1, (long long)1 << 50, &n) != FF_OK)
		return FF_EINVAL;
	*out = (size_t)n;
	return FF_OK;
}

struct opt {
	const char *name;
	size_t off; /* into struct ingest_limits */
};

static const struct opt limit_opts[] = {
	{ "--max-size", offsetof(struct ingest_limits, max_doc) },
	{ "--max-depth", offsetof(struct ingest_limits, max_depth) },
	{ "--max-string", offsetof(struct ingest_limits, max_string) },
	{ "--max-results", offsetof(struct ingest_limits, max_results) },
};

/* one option at argv[*i]; returns FF_OK or FF_EINVAL (message printed) */
static int one_arg(struct parse_args *a, int argc, char **argv, int *i)
{
	const char *s = argv[*i];
	const char *val = *i + 1 < argc ? argv[*i + 1] : NULL;
	if (strcmp(s, "--json") == 0) {
		a->json = true;
		return FF_OK;
	}
	for (size_t k = 0; k < sizeof(limit_opts) / sizeof(limit_opts[0]); k++)
		if (strcmp(s, limit_opts[k].name) == 0) {
			(*i)++;
			if (!val || size_opt(val, (size_t *)((char *)&a->lim + limit_opts[k].off)) != FF_OK)
				goto bad;
			return FF_OK;
		}
	if (strcmp(s, "--format") == 0 || strcmp(s, "--target") == 0) {
		(*i)++;
		if (!val)
			goto bad;
		if (s[2] == 't') {
			a->target = val;
			return FF_OK;
		}
		a->format = ingest_format_parse(val);
		if (a->format == INGEST_FMT_UNKNOWN) {
			fprintf(stderr, "flawfix: unknown format '%s' (see flawfix parse --help)\n", val);
			return FF_EINVAL;
		}
		return FF_OK;
	}
	if ((s[0] != '-' || strcmp(s, "-") == 0) && !a->file) {
		a->file = s;
		return FF_OK;
	}
bad:
	fprintf(stderr, "flawfix: bad argument '%s'\n%s", s, usage);
	return FF_EINVAL;
}

static int parse_args(struct parse_args *a, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (one_arg(a, argc, argv, &i) != FF_OK)
			return FF_EINVAL;
	if (!a->file) {
		fprintf(stderr, "%s", usage);
		return FF_EINVAL;
	}
	return FF_OK;
}

int cmd_parse(int argc, char **argv)
{
	struct parse_args a = { 0 };
	struct ingest_result res;
	struct ingest_error err;
	int fd = -1, status = 2;
	if (cmd_wants_help(argc, argv)) {
		printf("%s", usage);
		return 0;
	}
	if (parse_args(&a, argc, argv) != FF_OK)
		goto out;
	fd = strcmp(a.file, "-") == 0 ? 0 : open(a.file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "flawfix: could not open %s: %s\n", a.file, strerror(errno));
		status = 1;
		goto out;
	}
	struct ingest_opts o = { .read = fd_read, .read_ud = &fd, .format = a.format, .limits = a.lim,
		.scope_target = a.target, .on_finding = print_finding, .finding_ud = &a };
	int rc = ingest_run(&o, &res, &err);
	fflush(stdout);
	if (rc != FF_OK) {
		char m[600];
		ingest_error_format(&err, m, sizeof(m));
		fprintf(stderr, "flawfix: %s: %s (%s)\n", a.file, m, ff_rc_str(rc));
		fprintf(stderr, "format=%s findings=%zu (incomplete)\n", ingest_format_name(res.format), res.findings);
		status = 1;
		goto out;
	}
	fprintf(stderr, "format=%s findings=%zu tool=%s%s%s\n", ingest_format_name(res.format), res.findings,
		res.tool_name[0] ? res.tool_name : "-", res.tool_version[0] ? " " : "", res.tool_version);
	status = 0;
out:
	if (fd > 0)
		close(fd);
	return status;
}
