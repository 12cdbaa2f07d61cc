/* workflow/cvss_int.h - private to workflow/cvss*.c: the metric tables of
 * each version and the per-version scorers. Not for other modules. */
#ifndef FF_WORKFLOW_CVSS_INT_H
#define FF_WORKFLOW_CVSS_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "workflow/cvss.h"

#define CVSS_MAX_VALUES 6

/* One metric: its abbreviation, its values in the order the scorer indexes
 * them (stored 1-based in cvss_vector.val), whether it is mandatory (Base)
 * and whether X (Not Defined) is accepted. */
struct cvss_metric_def {
	const char *name;
	const char *values[CVSS_MAX_VALUES + 1]; /* NULL-terminated, X not listed */
	bool mandatory;
};

struct cvss_version_def {
	enum cvss_version version;
	const char *prefix;   /* "CVSS:4.0", NULL for the bare 2.0 form */
	bool ordered;         /* metrics must follow the table order */
	size_t n;
	const struct cvss_metric_def *metrics;
	int (*score)(const struct cvss_vector *v, struct cvss_score *out);
};

extern const struct cvss_version_def cvss40_def;
extern const struct cvss_version_def cvss31_def;
extern const struct cvss_version_def cvss30_def;
extern const struct cvss_version_def cvss20_def;

#endif
