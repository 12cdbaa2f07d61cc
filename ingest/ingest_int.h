/* ingest/ingest_int.h - what the parsers of ingest/ share (not public). */
#ifndef FF_INGEST_INGEST_INT_H
#define FF_INGEST_INGEST_INT_H

#include <jansson.h>
#include <libxml/xmlreader.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "ingest.h"

/* src: the caller's stream, gzip-inflated when it starts with the gzip magic,
 * counted against max_doc; the first bytes are kept for detection. */
struct src;
struct src *src_new(const struct ingest_opts *o, const struct ingest_limits *l);
void src_free(struct src *s);
/* src_peek fills up to n bytes of the decoded start (kept for later reads);
 * *out points to them. Returns FF_OK or an error rc (err filled). */
int src_peek(struct src *s, size_t n, const char **out, size_t *outlen, struct ingest_error *err);
/* src_read reads decoded bytes: > 0 read, 0 end, < 0 error rc (err filled). */
long src_read(struct src *s, void *buf, size_t n, struct ingest_error *err);

/* The parse context handed to every format parser. */
struct ictx {
	const struct ingest_opts *o;
	struct ingest_limits lim;
	struct ingest_result *res;
	struct ingest_error *err;
	struct ingest_finding f; /* the finding being built */
	void *st;                /* the parser's own state */
	bool seen_marker;        /* the parser saw the key that makes it its format */
	char *tool_name;
	char *tool_version;
};

/* ictx_fail records rc and a message (position is added by the reader). */
int ictx_fail(struct ictx *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* ictx_emit completes c->f (primary id, severity, tool, fingerprint),
 * hands it to on_finding and resets it. Returns FF_OK or an error rc. */
int ictx_emit(struct ictx *c);
/* ictx_set_tool remembers the tool name/version for the findings that follow. */
void ictx_set_tool(struct ictx *c, const char *name, const char *version);

/* finding builders: copy s (NULL / empty ignored; set replaces) */
void fnd_set(char **slot, const char *s);
void fnd_setn(char **slot, const char *s, size_t n);
void fnd_add_id(struct ingest_finding *f, const char *id);
/* fnd_add_cwe takes "CWE-79", "79", "cwe-079", "external/cwe/cwe-079", ... */
void fnd_add_cwe(struct ingest_finding *f, const char *cwe);
void fnd_add_cwe_num(struct ingest_finding *f, long long n);
void fnd_add_cvss(struct ingest_finding *f, const char *version, const char *vector, double score, const char *source);
void fnd_reset(struct ingest_finding *f);
/* fnd_severity maps a tool's word to critical|high|medium|low|info|unknown */
const char *fnd_severity(const char *raw);
/* fnd_severity_score maps a CVSS-like score (0-10) to the same words */
const char *fnd_severity_score(double s);
/* cvss_version_of guesses "2.0"/"3.0"/"3.1"/"4.0" from a vector (NULL = unknown) */
const char *cvss_version_of(const char *vector);

/* jansson helpers: dotted path lookup ("a.b.c"); NULL/0 when absent or of
 * another type. */
json_t *jg(const json_t *o, const char *path);
const char *js(const json_t *o, const char *path);
long long jl(const json_t *o, const char *path, long long dflt);
double jd(const json_t *o, const char *path, double dflt);

/* A JSON format: the containers named by stream (fnmatch patterns over a
 * path like "/runs/STAR/results", STAR = "*" for array elements, "" for the root) are
 * not built; their children are handed to on_value one by one (borrowed)
 * with their path; on_end is called when a streamed container closes.
 * finish runs at the end of the document. */
struct jfmt {
	const char *const *stream;
	int (*on_value)(struct ictx *c, const char *path, json_t *v);
	int (*on_end)(struct ictx *c, const char *path);
	int (*finish)(struct ictx *c);
	void (*state_free)(struct ictx *c);
};

/* An XML format: on_element is called for each element start; set *skip to
 * have the reader jump over the element's subtree (after expanding it). */
struct xfmt {
	int (*on_element)(struct ictx *c, xmlTextReaderPtr r, const char *name, int depth, bool *skip);
	int (*finish)(struct ictx *c);
	void (*state_free)(struct ictx *c);
};

int json_stream_run(struct ictx *c, struct src *s, const struct jfmt *fmt);
int xml_stream_run(struct ictx *c, struct src *s, const struct xfmt *fmt);

/* xml helpers over an expanded node: first descendant-or-child element by
 * local name (direct children only), its text (caller frees with xmlFree) */
xmlNodePtr xn_child(xmlNodePtr n, const char *name);
char *xn_text(xmlNodePtr n, const char *name);
const char *xn_name(xmlNodePtr n);

extern const struct jfmt ingest_sarif_fmt;
extern const struct jfmt ingest_trivy_fmt;
extern const struct jfmt ingest_cdx_fmt;
extern const struct xfmt ingest_cdx_xml_fmt;
extern const struct jfmt ingest_grype_fmt;
extern const struct jfmt ingest_osv_fmt;
extern const struct jfmt ingest_npm6_fmt;
extern const struct jfmt ingest_npm7_fmt;
extern const struct jfmt ingest_gitleaks_fmt;
extern const struct jfmt ingest_semgrep_fmt;
extern const struct jfmt ingest_depcheck_fmt;
extern const struct xfmt ingest_depcheck_xml_fmt;

/* purl helpers */
char *purl_from_type(const char *type, const char *name, const char *version);
/* purl_split sets *name / *version (when still NULL) from a purl's last
 * path segment and version; copies, freed with free() */
void purl_split(const char *purl, char **name, char **version);

#endif
