/* connectors/feeds/feeds.h - enrichment feed sources (NVD, CISA KEV, FIRST
 * EPSS, ExploitDB) behind one ops table each (DESIGN.md section 3).
 *
 * A source reads from a URL (http/https) or a local file or directory (an
 * offline mirror) and hands every record, as a plain struct, to a sink
 * callback. Connectors never speak SQL: the caller (daemon/cmd_feeds.c)
 * stages the records of one batch and commits them only when the source
 * reports the batch complete (sink->batch_done) - on any error the caller
 * discards the current batch, so a bad file commits nothing partial.
 *
 * Every record pointer and string handed to the sink is borrowed and valid
 * only during the callback. Errors are reported with rc (common/rc.h) and a
 * message in struct feed_err naming the file, line or record number and the
 * CVE id where known. */
#ifndef FF_CONNECTORS_FEEDS_FEEDS_H
#define FF_CONNECTORS_FEEDS_FEEDS_H

#include <stddef.h>
#include <stdint.h>

enum feed_kind { FEED_NVD, FEED_KEV, FEED_EPSS, FEED_EXPLOITDB };

/* one CVSS metric of an NVD record, any version */
struct feed_cvss {
	const char *version;        /* "4.0", "3.1", "3.0", "2.0" */
	const char *source;         /* e.g. "nvd@nist.gov", a CNA address */
	const char *type;           /* "Primary" or "Secondary" */
	const char *vector;         /* vectorString as published */
	double score;               /* baseScore */
	const char *severity;       /* baseSeverity (v2: from the metric entry) */
};

#define FEED_CVSS_MAX 16
#define FEED_CWE_MAX 16

struct feed_cve {
	const char *id;             /* CVE-YYYY-NNNN */
	const char *cna;            /* sourceIdentifier */
	const char *published;      /* as in the feed, e.g. 2025-02-12T21:15:16.290 */
	const char *last_modified;
	const char *vuln_status;    /* Analyzed, Rejected, Deferred, ... */
	int rejected;               /* vulnStatus Rejected */
	const char *description;    /* English description, may be NULL */
	int ncvss;
	struct feed_cvss cvss[FEED_CVSS_MAX];
	int ncwe;
	const char *cwe[FEED_CWE_MAX];
	const struct feed_cvss *base; /* chosen base: 4.0 > 3.1 > 3.0 > 2.0, Primary first; NULL when none */
};

struct feed_kev {
	const char *cve_id;
	const char *vendor, *product, *name;
	const char *date_added;     /* YYYY-MM-DD, validated */
	const char *due_date;       /* YYYY-MM-DD, validated */
	const char *ransomware;     /* knownRansomwareCampaignUse: Known | Unknown */
	const char *required_action, *short_description, *notes; /* may be "" */
	const char *cwes;           /* comma-separated CWE ids, may be "" */
};

struct feed_epss {
	const char *cve_id;
	double epss, percentile;    /* both in [0, 1] */
	const char *model_version;  /* from the first comment line, e.g. v2023.03.01 */
	const char *score_date;     /* YYYY-MM-DD from the first comment line */
};

/* one (exploit, CVE) pair: an exploit naming three CVEs gives three records */
struct feed_exploit {
	long long id;
	const char *cve_id;
	const char *file, *description, *type, *platform;
	const char *date_published; /* YYYY-MM-DD or "" */
	int verified;
};

/* resume cursor of a paged source (NVD): the window and the next page */
struct feed_cursor {
	char win_start[32];         /* lastModStartDate, "" = no window (full download) */
	char win_end[32];           /* lastModEndDate */
	char final_end[32];         /* end of the whole sync (last window's end) */
	long long next_index;       /* startIndex of the next page */
	long long total;            /* totalResults of the window, -1 unknown */
};

struct feed_sink {
	/* record: rec points to the struct of the source's kind; non-zero stops
	 * the read with that rc */
	int (*record)(void *ctx, enum feed_kind kind, const void *rec);
	/* batch_done: the records since the previous call form a complete,
	 * valid batch; cur is the position after it (NULL for snapshot
	 * sources). The caller commits here; non-zero stops the read. */
	int (*batch_done)(void *ctx, const struct feed_cursor *cur);
	/* total: number of records expected when known (may be NULL) */
	void (*total)(void *ctx, long long total);
	void *ctx;
};

struct feed_err {
	char msg[512];
};

/* options of a read; zero = defaults */
struct feed_opts {
	const char *api_key;        /* NVD apiKey header; secret, never logged */
	int results_per_page;       /* NVD: 0 = 2000 */
	int rate_requests;          /* NVD: requests per window; 0 = 5 (50 with a key) */
	long rate_window_ms;        /* 0 = 30000 */
	int max_attempts;           /* per request on 403/429/503 and transport errors; 0 = 6 */
	long backoff_ms;            /* first backoff wait; 0 = 6000, doubled per attempt */
	long max_backoff_ms;        /* 0 = 60000 */
	const struct feed_cursor *resume; /* NVD: continue from this cursor */
	const char *since;          /* NVD incremental: lastModStartDate of the sync, NULL = full */
	const char *until;          /* NVD: end of the sync, NULL = now */
	int batch_records;          /* NVD file tree: records per batch; 0 = 2000 */
	size_t max_file;            /* largest file or download; 0 = 512 MiB */
	const char *tmpdir;         /* for downloads; NULL = $TMPDIR or /tmp */
};

struct feed_ops {
	const char *name;           /* "nvd", "kev", "epss", "exploitdb" */
	enum feed_kind kind;
	/* read_path: a local file (or, for NVD, a directory tree) */
	int (*read_path)(const char *path, const struct feed_opts *o, const struct feed_sink *s,
			 struct feed_err *e);
	/* read_url: download then read; NULL = not supported */
	int (*read_url)(const char *url, const struct feed_opts *o, const struct feed_sink *s,
			struct feed_err *e);
};

extern const struct feed_ops feed_nvd_ops, feed_kev_ops, feed_epss_ops, feed_exploitdb_ops;

/* feed_lookup returns the source registered under name, or NULL */
const struct feed_ops *feed_lookup(const char *name);
/* feed_names: NULL-terminated list of every source name */
extern const char *const feed_names[];

/* feed_read reads from where (URL when it starts with http:// or https://,
 * else a path) through the source's ops. Returns FF_OK or the error kind
 * with e->msg set. */
int feed_read(const struct feed_ops *ops, const char *where, const struct feed_opts *o,
	      const struct feed_sink *s, struct feed_err *e);

/* the NVD record parser on its own (for tests and the file readers):
 * obj is a jansson "cve" object; fills *out (strings borrowed from obj);
 * FF_EINVAL with e naming the record when a required field is wrong. */
struct json_t;
int feed_nvd_cve_parse(struct json_t *obj, const char *where, struct feed_cve *out, struct feed_err *e);

/* feed_cursor_to_json / from_json: the cursor as a JSON object text
 * (caller frees) and back (FF_EINVAL on a malformed text) */
char *feed_cursor_to_json(const struct feed_cursor *c);
int feed_cursor_from_json(const char *s, struct feed_cursor *c);

/* internal helpers shared by the sources (feeds.c) */
int feed_err_set(struct feed_err *e, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int feed_is_url(const char *where);
/* feed_download fetches url into a new temporary file; *path gets its name
 * (caller unlinks and frees) */
int feed_download(const char *url, const struct feed_opts *o, char **path, struct feed_err *e);
/* feed_iso_date_ok: YYYY-MM-DD exactly, a real day */
int feed_iso_date_ok(const char *s);
/* feed_cve_id_ok: CVE-YYYY-NNNN+ */
int feed_cve_id_ok(const char *s);

#endif
