/* ingest/ingest.h - scanner reports to normalised findings (pure, no I/O
 * beyond reading the caller's stream).
 *
 * The caller hands a read callback, an optional format, limits, the scope
 * target used in fingerprints and an on_finding callback. The report is read
 * as a stream: JSON through yajl with one small jansson tree per result
 * element, XML through libxml2's reader (no network, no DTD, no entity
 * expansion), so memory does not grow with the report. gzip input (magic
 * bytes) is inflated on the fly, capped by the document size limit.
 *
 * What streaming costs: context is taken in document order. A SARIF run's
 * tool (rules) and taxonomies must come before its results (every tool
 * writes them so); Grype's "source" follows the matches, so the image is
 * not known for them; CycloneDX components are remembered (bom-ref, name,
 * version, purl) to resolve "affects", so that map grows with the SBOM's
 * component count (bounded by max_results). Findings with equal identity
 * (same CVE and package in two paths, same rule and snippet twice in a
 * file) get the same fingerprint: the consumer merges them. */
#ifndef FF_INGEST_INGEST_H
#define FF_INGEST_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum ingest_kind {
	INGEST_KIND_SCA = 0,
	INGEST_KIND_CONTAINER,
	INGEST_KIND_SAST,
	INGEST_KIND_SECRET,
	INGEST_KIND_IAC,
	INGEST_KIND_DAST,
	INGEST_KIND_OTHER,
};

/* "sca", "container", "sast", "secret", "iac", "dast", "other" */
const char *ingest_kind_name(enum ingest_kind k);

/* One CVSS vector as the tool carried it. */
struct ingest_cvss {
	char *version; /* "2.0", "3.0", "3.1", "4.0" or NULL when unknown */
	char *vector;  /* may be NULL when only a score was given */
	double score;  /* < 0 when absent */
	char *source;  /* "nvd", "ghsa", ... or NULL */
};

/* The normalised finding. Every char * is owned by the finding (NULL when
 * the report has no such value); on_finding borrows the whole struct for the
 * duration of the call. Lines are 1-based, 0 when unknown. */
struct ingest_finding {
	enum ingest_kind kind;
	char *rule_id;
	char *primary_id; /* CVE when one is known, else the first id */
	char **vuln_ids;  /* CVE, GHSA, OSV, ... ids and aliases, no duplicates */
	size_t n_vuln_ids;
	char *title;
	char *description;
	char *tool_severity; /* as the tool wrote it */
	const char *severity; /* static: critical|high|medium|low|info|unknown */
	struct ingest_cvss *cvss;
	size_t n_cvss;
	char *pkg_name;
	char *purl;
	char *version;       /* installed */
	char *fixed_version;
	char *file;
	long start_line;
	long end_line;
	char *snippet;
	char **cwes; /* "CWE-79" */
	size_t n_cwes;
	char *image;
	char *layer;
	char *target; /* the target the tool names (Trivy Target, lock file, ...) */
	char *tool_name;
	char *tool_version;
	char *vex_state;          /* CycloneDX analysis.state */
	char *vex_justification;  /* CycloneDX analysis.justification */
	char *tool_fingerprint;   /* SARIF (partial)fingerprints, semgrep, ... */
	char *secret;             /* secrets only: the secret or match, hashed into the fingerprint, never printed */
	char fingerprint[65];     /* hex SHA-256, set before on_finding */
};

enum ingest_format {
	INGEST_FMT_UNKNOWN = 0,
	INGEST_FMT_SARIF,
	INGEST_FMT_TRIVY,
	INGEST_FMT_CYCLONEDX,
	INGEST_FMT_CYCLONEDX_XML,
	INGEST_FMT_GRYPE,
	INGEST_FMT_OSV,
	INGEST_FMT_NPM_AUDIT,
	INGEST_FMT_NPM_AUDIT7,
	INGEST_FMT_GITLEAKS,
	INGEST_FMT_SEMGREP,
	INGEST_FMT_DEPCHECK,
	INGEST_FMT_DEPCHECK_XML,
	INGEST_FMT_COUNT_,
};

/* ingest_format_name: "sarif", "trivy", "cyclonedx", "cyclonedx-xml",
 * "grype", "osv", "npm-audit", "npm-audit-7", "gitleaks", "semgrep",
 * "dependency-check", "dependency-check-xml"; "unknown" for UNKNOWN. */
const char *ingest_format_name(enum ingest_format f);
/* ingest_format_parse: the name above (also "cyclonedx"/"dependency-check"
 * for both encodings: the encoding is then detected); UNKNOWN when none. */
enum ingest_format ingest_format_parse(const char *name);

/* Limits; ingest_limits_default() fills the defaults. 0 means the default. */
struct ingest_limits {
	size_t max_doc;      /* bytes after gzip inflation (default 1 GiB) */
	size_t max_depth;    /* nesting (default 128) */
	size_t max_string;   /* one JSON string or XML text (default 4 MiB) */
	size_t max_results;  /* findings (default 2,000,000) */
};
void ingest_limits_default(struct ingest_limits *l);

/* Where and why a report could not be read. line/col are 1-based (0 when
 * unknown), pointer is a JSON pointer ("" when unknown or for XML). */
struct ingest_error {
	int rc; /* FF_EINVAL (bad report), FF_ETOOBIG (a limit), FF_ENOTSUP (unknown format), FF_EPERM (read failed) */
	unsigned long long offset;
	unsigned long line;
	unsigned long col;
	char pointer[256];
	char msg[256];
};

/* ingest_error_format writes "msg at line L, column C (byte O, pointer P)". */
void ingest_error_format(const struct ingest_error *e, char *out, size_t outlen);

/* The caller's stream: read up to n bytes into buf; returns the number read,
 * 0 at the end, < 0 on failure. */
typedef ssize_t (*ingest_read_fn)(void *ud, void *buf, size_t n);
/* Called once per finding, in report order, with the fingerprint set.
 * Return FF_OK to go on; anything else stops the parse with that rc. */
typedef int (*ingest_finding_fn)(void *ud, const struct ingest_finding *f);

struct ingest_opts {
	ingest_read_fn read;
	void *read_ud;
	enum ingest_format format; /* UNKNOWN = detect from the content */
	struct ingest_limits limits; /* zeros = defaults */
	const char *scope_target;  /* used in SCA/container fingerprints; NULL = "" */
	ingest_finding_fn on_finding;
	void *finding_ud;
};

/* The outcome of a parse. */
struct ingest_result {
	enum ingest_format format; /* the one used (detected or given) */
	size_t findings;
	char tool_name[64];
	char tool_version[64];
};

/* ingest_run parses one report. Returns FF_OK, or the rc of err (filled,
 * with position) when the report could not be read completely; findings
 * already delivered stay delivered - the caller decides what to keep.
 * An empty (blank) report with a declared format is a report without
 * findings; without a format it cannot be detected (FF_ENOTSUP). */
int ingest_run(const struct ingest_opts *o, struct ingest_result *res, struct ingest_error *err);

/* ingest_detect guesses the format from the first bytes of a report
 * (already inflated); UNKNOWN when nothing matches. */
enum ingest_format ingest_detect(const char *buf, size_t n);

/* ingest_fingerprint sets f->fingerprint (see fingerprint.c for the recipe
 * per kind); scope_target may be NULL. */
void ingest_fingerprint(struct ingest_finding *f, const char *scope_target);

/* ingest_purl_base writes the purl without version, qualifiers and subpath
 * (lower-case type) to out; returns false when purl does not look like one. */
bool ingest_purl_base(const char *purl, char *out, size_t outlen);

#endif
