/* workflow/severity.h - qualitative severity shared by CVSS, findings and
 * policies. Order matters: higher enum value = more severe. */
#ifndef FF_WORKFLOW_SEVERITY_H
#define FF_WORKFLOW_SEVERITY_H

enum ff_severity {
	FF_SEV_UNKNOWN = 0,
	FF_SEV_NONE,
	FF_SEV_LOW,
	FF_SEV_MEDIUM,
	FF_SEV_HIGH,
	FF_SEV_CRITICAL,
};

/* lower-case name: "unknown", "none", "low", "medium", "high", "critical" */
const char *ff_severity_name(enum ff_severity s);
/* ff_severity_parse accepts the names above in any case (and "info" /
 * "informational" / "negligible" as none, "moderate" as medium, "important" as high);
 * returns FF_OK or FF_EINVAL. */
int ff_severity_parse(const char *s, enum ff_severity *out);
/* CVSS v3/v4 qualitative rating of a score in tenths (0..100). */
enum ff_severity ff_severity_from_score10(int score10);

#endif
