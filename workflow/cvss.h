/* workflow/cvss.h - CVSS 4.0, 3.1, 3.0 and 2.0 (base) vectors: one API over
 * all versions: parse -> score -> severity -> canonical vector string.
 * Pure code: no I/O, no allocation; every function is reentrant.
 *
 * Accepted input (the contract of cvss_parse):
 *   - CVSS 4.0: "CVSS:4.0/" then the metrics in the order of the
 *     specification's vector-string table (AV AC AT PR UI VC VI VA SC SI SA
 *     E CR IR AR MAV MAC MAT MPR MUI MVC MVI MVA MSC MSI MSA S AU R V RE U);
 *     the 11 Base metrics are mandatory, every other metric is optional and
 *     may be given as X (Not Defined), which means the same as leaving it out.
 *   - CVSS 3.1 / 3.0: "CVSS:3.1/" or "CVSS:3.0/" then the metrics in any
 *     order (both specifications allow it); the 8 Base metrics are mandatory.
 *   - CVSS 2.0: the bare base vector "AV:N/AC:L/Au:N/C:P/I:P/A:P" (the NVD
 *     form, any order), or the same after "CVSS:2.0/"; only the six Base
 *     metrics (2.0 is scored as Base only).
 *   - Strict everywhere: no duplicates, no unknown metrics or values, no
 *     empty components ("//", trailing "/"), exactly one ':' per metric,
 *     at most CVSS_INPUT_MAX bytes.
 *   - Case and padding: metric names, values and the prefix are
 *     case-sensitive in every version (the specifications list them in one
 *     case only and say nothing of normalising), so "cvss:4.0/av:n/..." and
 *     "U:clear" are REJECTED, with an error that names the expected spelling.
 *     Whitespace is never part of a vector: leading or trailing blanks,
 *     tabs or CR/LF are REJECTED as well (callers that read lines strip the
 *     line terminator themselves; `flawfix cvss` strips "\n" and "\r\n").
 *     Nothing is normalised silently.
 *
 * Canonical form (cvss_format): the version's prefix, then the metrics that
 * are present with a defined value, in specification order; X (Not Defined)
 * is left out. Two vectors that mean the same thing have the same canonical
 * string. CVSS 2.0 is written in the NVD form without prefix.
 *
 * Scores are kept in tenths (integers) so that they compare exactly:
 * 7.3 is 73. */
#ifndef FF_WORKFLOW_CVSS_H
#define FF_WORKFLOW_CVSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "workflow/severity.h"

enum cvss_version {
	CVSS_VNONE = 0,
	CVSS_V2_0,
	CVSS_V3_0,
	CVSS_V3_1,
	CVSS_V4_0,
};

#define CVSS_MAX_METRICS 32
#define CVSS_INPUT_MAX 1024
/* longest canonical string (4.0 with every metric) plus NUL, rounded up */
#define CVSS_VECTOR_MAX 256

/* A parsed vector. val[i] is the index (1-based) of the value of metric i in
 * the version's metric table, 0 when the metric is absent or X. */
struct cvss_vector {
	enum cvss_version version;
	uint8_t val[CVSS_MAX_METRICS];
};

/* Where and why a vector was rejected. offset is the 0-based byte offset
 * into the input of the offending component (or of the end of the input
 * when something is missing); metric names the metric concerned (empty
 * when none applies); what says what is wrong and what was expected. */
struct cvss_error {
	size_t offset;
	char metric[8];
	char what[160];
};

struct cvss_score {
	int score10;             /* the most specific score: 4.0 BTE, 3.x environmental, 2.0 base */
	int base10;              /* 3.x and 2.0: Base score; 4.0: same as score10 */
	int temporal10;          /* 3.x: Temporal score (= base when no temporal metric); else -1 */
	int environmental10;     /* 3.x: Environmental score (always computed, as FIRST does); else -1 */
	enum ff_severity severity; /* of score10 (2.0: NVD's Low/Medium/High bands) */
	char macrovector[7];     /* 4.0: EQ1..EQ6 digits, e.g. "002201"; else "" */
};

/* cvss_parse parses len bytes of s (need not be NUL-terminated) into *out.
 * Returns FF_OK, or FF_EINVAL with *err filled (err may be NULL); *out is
 * then unspecified and must not be scored. */
int cvss_parse(const char *s, size_t len, struct cvss_vector *out, struct cvss_error *err);

/* cvss_score computes every score of a parsed (or cvss_set-edited) vector.
 * Returns FF_OK, or FF_EINVAL when v is not a complete vector. */
int cvss_score(const struct cvss_vector *v, struct cvss_score *out);

/* cvss_format writes the canonical string into out (outlen bytes, NUL
 * included); returns its length, or 0 when it did not fit (out is then ""). */
size_t cvss_format(const struct cvss_vector *v, char *out, size_t outlen);

/* "2.0", "3.0", "3.1", "4.0" ("" for CVSS_VNONE) */
const char *cvss_version_name(enum cvss_version v);

/* cvss_get returns the value of metric name ("AV", "E", "U", ...) as a
 * static string ("N", "Clear"), or NULL when the metric is absent, X or
 * unknown to the version. */
const char *cvss_get(const struct cvss_vector *v, const char *name);

/* cvss_set sets metric name to value ("X" removes an optional metric).
 * Returns FF_OK, or FF_EINVAL for an unknown metric or value, or X for a
 * Base metric. */
int cvss_set(struct cvss_vector *v, const char *name, const char *value);

/* cvss_score_text writes score10 as "7.3" into out (at least 5 bytes). */
void cvss_score_text(int score10, char out[5]);

#endif
