#include "severity.h"

#include <strings.h>

#include "common/rc.h"

static const char *names[] = { "unknown", "none", "low", "medium", "high", "critical" };

const char *ff_severity_name(enum ff_severity s)
{
	if ((unsigned)s > FF_SEV_CRITICAL)
		return "unknown";
	return names[s];
}

int ff_severity_parse(const char *s, enum ff_severity *out)
{
	static const struct { const char *name; enum ff_severity sev; } alias[] = {
		{ "info", FF_SEV_NONE }, { "informational", FF_SEV_NONE }, { "negligible", FF_SEV_NONE },
		{ "moderate", FF_SEV_MEDIUM }, { "important", FF_SEV_HIGH },
	};
	if (!s)
		return FF_EINVAL;
	for (unsigned i = 0; i <= FF_SEV_CRITICAL; i++) {
		if (strcasecmp(s, names[i]) == 0) {
			*out = (enum ff_severity)i;
			return FF_OK;
		}
	}
	for (unsigned i = 0; i < sizeof(alias) / sizeof(alias[0]); i++) {
		if (strcasecmp(s, alias[i].name) == 0) {
			*out = alias[i].sev;
			return FF_OK;
		}
	}
	return FF_EINVAL;
}

enum ff_severity ff_severity_from_score10(int score10)
{
	if (score10 <= 0)
		return FF_SEV_NONE;
	if (score10 < 40)
		return FF_SEV_LOW;
	if (score10 < 70)
		return FF_SEV_MEDIUM;
	if (score10 < 90)
		return FF_SEV_HIGH;
	return FF_SEV_CRITICAL;
}
