/* workflow/risk.h - risk composition (DESIGN.md section 7, issue 3 item 4):
 * from a base vector, threat signals, the asset's security requirements
 * and its exposure, build the composed CVSS vector and score, with one
 * plain-language explanation line per step. Pure: no I/O, no allocation.
 *
 * Steps, in order, each producing one line:
 *   1. base:     the base vector, its version, source and date
 *   2. threat:   in CISA KEV -> E:A (4.0) / E:H (3.x); else an ExploitDB
 *                entry -> E:P / E:F; else E:U (KEV wins over ExploitDB)
 *   3-5. CR, IR, AR from the asset (not defined -> X, low -> L, medium -> M,
 *                high -> H)
 *   6. exposure: asset not internet-exposed and base AV:N -> MAV:A, unless
 *                the asset sets keep_network_av; otherwise a line saying
 *                why nothing changed
 *   7. score:    the composed score (4.0 BTE, or the 3.x environmental score
 *                where only 3.x exists), always with its version
 *   8. override: when a manual override is given, it wins; the composed
 *                vector and score stay in the result beside it
 * A CVSS 2.0 base gets no composition (FlawFix scores 2.0 as Base only):
 * one line in place of steps 2-6 says so.
 * Metrics of the base vector that no step sets (e.g. RL/RC, other M*) are
 * kept as they are. */
#ifndef FF_WORKFLOW_RISK_H
#define FF_WORKFLOW_RISK_H

#include <stdbool.h>
#include <stddef.h>

#include "workflow/cvss.h"
#include "workflow/severity.h"

enum risk_source { RISK_SRC_NVD, RISK_SRC_SCANNER, RISK_SRC_MANUAL };

/* the asset's confidentiality / integrity / availability requirement */
enum risk_req { RISK_REQ_NOT_DEFINED, RISK_REQ_LOW, RISK_REQ_MEDIUM, RISK_REQ_HIGH };

/* All strings are borrowed and only read during risk_compose. */
struct risk_input {
	const char *base_vector;     /* required */
	enum risk_source source;
	const char *base_date;       /* "2024-03-02" or NULL */

	bool in_kev;
	const char *kev_date_added;  /* "2024-03-02" or NULL */
	const char *const *exploitdb_ids; /* ExploitDB entry ids, may be NULL */
	size_t n_exploitdb;

	enum risk_req cr, ir, ar;
	bool internet_exposed;
	bool keep_network_av;        /* asset flag: never compose MAV:A */

	const char *override_vector; /* manual override, or NULL */
	const char *override_justification; /* required with override_vector */
};

#define RISK_MAX_LINES 12
#define RISK_LINE_MAX 512

struct risk_result {
	/* the result that counts: the override when there is one, else the
	 * composition */
	char vector[CVSS_VECTOR_MAX];
	enum cvss_version version;
	int score10;
	char score_text[5];          /* "7.3" */
	enum ff_severity severity;
	bool overridden;
	/* the composition, always filled (also when overridden) */
	char composed_vector[CVSS_VECTOR_MAX];
	enum cvss_version composed_version;
	int composed_score10;
	enum ff_severity composed_severity;
	/* explanation, one line per step, in order */
	size_t n_lines;
	char lines[RISK_MAX_LINES][RISK_LINE_MAX];
	/* on FF_EINVAL: which input was wrong and why */
	char err_field[24];          /* "base_vector", "override_vector", "override_justification" */
	struct cvss_error err;
};

/* risk_compose fills *out. Returns FF_OK, or FF_EINVAL when the base or
 * override vector does not parse, or an override has no justification
 * (out->err_field and out->err say what and where). */
int risk_compose(const struct risk_input *in, struct risk_result *out);

/* "NVD", "scanner report", "manual reassessment" */
const char *risk_source_name(enum risk_source s);

#endif
