/* flawfix upload: the CI client. Sends a report to a FlawFix server with an
 * (upload) token, waits for the import, prints the diff as a table (or the
 * scan as JSON) and, with --fail-on SEVERITY, exits 1 when a new or still
 * open untreated finding is at or above it. Exit 2 on usage errors, on a
 * report the server could not read, or when the server is unreachable. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "common/buf.h"
#include "common/mem.h"
#include "common/str.h"
#include "workflow/severity.h"

static const char *usage =
	"usage: flawfix upload --server URL [--token TOKEN] --asset SLUG --scanner NAME [--target T]\n"
	"                      [--ref BRANCH] [--partial] [--format F] [--fail-on low|medium|high|critical]\n"
	"                      [--json] [--timeout SECONDS] FILE\n\n"
	"Uploads a scanner report (FILE, or - for stdin) and prints what changed: new,\n"
	"still present, fixed and reopened findings. The token comes from --token or\n"
	"FLAWFIX_TOKEN (create one with 'flawfix token create --asset SLUG --scope upload').\n"
	"--fail-on exits 1 when a new or still-open untreated finding is at or above the\n"
	"severity. Uploads for another ref than the asset's default branch only report the\n"
	"diff and change nothing on the server.\n";

struct upload_opts {
	const char *server, *token, *asset, *scanner, *target, *ref, *format, *fail_on, *file;
	int partial, json;
	long timeout;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	return buf_append(ud, p, size * n) == 0 ? size * n : 0;
}

static long request(const struct upload_opts *o, const char *url, FILE *body, long body_len, struct buf *out,
		    char *err, size_t errlen)
{
	CURL *c = curl_easy_init();
	char auth[1024];
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", o->token);
	struct curl_slist *h = curl_slist_append(NULL, auth);
	h = curl_slist_append(h, "Content-Type: application/octet-stream");
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_READDATA, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	long status = 0;
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}

static void add_param(struct buf *url, const char *name, const char *value)
{
	if (!value)
		return;
	char *e = curl_easy_escape(NULL, value, 0);
	buf_printf(url, "%c%s=%s", strchr(url->data, '?') ? '&' : '?', name, e);
	curl_free(e);
}

/* reads stdin into a temporary file so its length is known */
static FILE *open_report(const char *file, long *len)
{
	FILE *f = strcmp(file, "-") == 0 ? tmpfile() : fopen(file, "rb");
	if (!f)
		return NULL;
	if (strcmp(file, "-") == 0) {
		char chunk[65536];
		size_t n;
		while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
			fwrite(chunk, 1, n, f);
	}
	fseek(f, 0, SEEK_END);
	*len = ftell(f);
	fseek(f, 0, SEEK_SET);
	return f;
}

static void print_list(json_t *diff, const char *key, const char *label)
{
	json_t *items = json_object_get(json_object_get(diff, "findings"), key);
	size_t i;
	json_t *f;
	json_array_foreach(items, i, f) {
		const char *id = json_string_value(json_object_get(f, "primary_id"));
		const char *rule = json_string_value(json_object_get(f, "rule_id"));
		const char *pkg = json_string_value(json_object_get(f, "package"));
		const char *file = json_string_value(json_object_get(f, "file"));
		const char *title = json_string_value(json_object_get(f, "title"));
		printf("%-14s %-9s %-22s %-40.40s %s\n", label, json_string_value(json_object_get(f, "severity")),
		       id ? id : (rule ? rule : "-"), pkg ? pkg : (file ? file : "-"), title ? title : "");
	}
}

static void print_table(json_t *scan)
{
	json_t *d = json_object_get(scan, "diff");
	printf("scan %lld of %s (%s, ref %s): %lld new, %lld still present, %lld fixed, %lld reopened\n",
	       (long long)json_integer_value(json_object_get(scan, "id")),
	       json_string_value(json_object_get(scan, "asset")), json_string_value(json_object_get(scan, "format")),
	       json_string_value(json_object_get(scan, "ref")), (long long)json_integer_value(json_object_get(d, "new")),
	       (long long)json_integer_value(json_object_get(d, "still_present")),
	       (long long)json_integer_value(json_object_get(d, "fixed")),
	       (long long)json_integer_value(json_object_get(d, "reopened")));
	printf("%-14s %-9s %-22s %-40s %s\n", "CHANGE", "SEVERITY", "ID", "PACKAGE / FILE", "TITLE");
	print_list(d, "new", "new");
	print_list(d, "reopened", "reopened");
	print_list(d, "fixed", "fixed");
	print_list(d, "still_present", "still present");
}

/* 1 when an untreated new/still-open finding is at or above min */
static int breaches(json_t *scan, enum ff_severity min)
{
	json_t *u = json_object_get(json_object_get(scan, "diff"), "untreated_by_severity");
	const char *sev;
	json_t *n;
	json_object_foreach(u, sev, n) {
		enum ff_severity s;
		if (ff_severity_parse(sev, &s) == 0 && s >= min && json_integer_value(n) > 0)
			return 1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct upload_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout = 600;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;
		if (strcmp(a, "--partial") == 0) {
			o->partial = 1;
			continue;
		}
		if (strcmp(a, "--json") == 0) {
			o->json = 1;
			continue;
		}
		if (strcmp(a, "--timeout") == 0 && i + 1 < argc) {
			long long t;
			if (str_to_ll(argv[++i], 1, 86400, &t)) {
				fprintf(stderr, "flawfix upload: --timeout must be 1 to 86400 seconds\n");
				return -1;
			}
			o->timeout = (long)t;
			continue;
		}
		static const char *names[] = { "--server", "--token", "--asset", "--scanner", "--target", "--ref",
					       "--format", "--fail-on" };
		const char **slots[] = { &o->server, &o->token, &o->asset, &o->scanner, &o->target, &o->ref,
					 &o->format, &o->fail_on };
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (strcmp(a, names[k]) == 0)
				slot = slots[k];
		if (slot && i + 1 < argc) {
			*slot = argv[++i];
			continue;
		}
		if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "flawfix upload: unknown option %s\n", a);
			return -1;
		}
		o->file = a;
	}
	if (!o->token)
		o->token = getenv("FLAWFIX_TOKEN");
	if (!o->server)
		o->server = getenv("FLAWFIX_SERVER");
	if (!o->server || !o->token || !o->asset || !o->scanner || !o->file || o->timeout <= 0) {
		fprintf(stderr, "flawfix upload: --server, a token, --asset, --scanner and FILE are required\n");
		return -1;
	}
	return 0;
}

/* polls the scan until it is done or failed */
static json_t *wait_scan(const struct upload_opts *o, json_t *scan, long *status)
{
	const char *url = json_string_value(json_object_get(scan, "url"));
	for (long waited = 0; url && waited < o->timeout * 10 && *status == 202; waited++) {
		usleep(100000);
		char full[2048], err[256];
		snprintf(full, sizeof(full), "%s%s", o->server, url);
		struct buf b;
		buf_init(&b, 64 << 20);
		long st = request(o, full, NULL, 0, &b, err, sizeof(err));
		json_t *s2 = st == 200 ? json_loads(b.data ? b.data : "", 0, NULL) : NULL;
		buf_free(&b);
		if (!s2)
			continue;
		const char *state = json_string_value(json_object_get(s2, "status"));
		if (state && (strcmp(state, "done") == 0 || strcmp(state, "failed") == 0)) {
			json_decref(scan);
			*status = strcmp(state, "done") == 0 ? 201 : 422;
			return s2;
		}
		json_decref(s2);
	}
	return scan;
}

int cmd_upload(int argc, char **argv)
{
	struct upload_opts o;
	if (cmd_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	if (parse_args(argc, argv, &o)) {
		fputs(usage, stderr);
		return 2;
	}
	enum ff_severity min = FF_SEV_UNKNOWN;
	if (o.fail_on && (ff_severity_parse(o.fail_on, &min) || min < FF_SEV_LOW)) {
		fprintf(stderr, "flawfix upload: --fail-on must be low, medium, high or critical\n");
		return 2;
	}
	long len = 0;
	FILE *f = open_report(o.file, &len);
	if (!f) {
		fprintf(stderr, "flawfix upload: cannot read %s\n", o.file);
		return 2;
	}
	struct buf url, body;
	buf_init(&url, 0);
	buf_init(&body, 64 << 20);
	buf_printf(&url, "%s/api/v1/assets/%s/scans", o.server, o.asset);
	add_param(&url, "scanner", o.scanner);
	add_param(&url, "target", o.target);
	add_param(&url, "ref", o.ref);
	add_param(&url, "format", o.format);
	add_param(&url, "partial", o.partial ? "true" : NULL);
	char err[256] = "";
	long status = request(&o, url.data, f, len, &body, err, sizeof(err));
	fclose(f);
	buf_free(&url);
	json_t *scan = body.data ? json_loads(body.data, 0, NULL) : NULL;
	int rc = 0;
	if (status == 202 && scan)
		scan = wait_scan(&o, scan, &status);
	if (status == 0) {
		fprintf(stderr, "flawfix upload: could not reach %s: %s\n", o.server, err);
		rc = 2;
	} else if (status != 201 || !scan) {
		const char *detail = scan ? json_string_value(json_object_get(scan, "detail")) : NULL;
		json_t *e = scan ? json_object_get(scan, "error") : NULL;
		if (!detail && e)
			detail = json_string_value(json_object_get(e, "message"));
		fprintf(stderr, "flawfix upload: the server answered %ld: %s\n", status,
			detail ? detail : (body.data ? body.data : ""));
		rc = 2;
	} else {
		if (o.json) {
			char *s = json_dumps(scan, JSON_COMPACT);
			printf("%s\n", s);
			free(s);
		} else {
			print_table(scan);
		}
		if (o.fail_on && breaches(scan, min)) {
			fprintf(stderr, "flawfix upload: untreated findings at or above %s\n", o.fail_on);
			rc = 1;
		}
	}
	json_decref(scan);
	buf_free(&body);
	return rc;
}
