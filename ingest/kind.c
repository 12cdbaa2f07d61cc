#include "ingest.h"

const char *ingest_kind_name(enum ingest_kind k)
{
	static const char *n[] = { "sca", "container", "sast", "secret", "iac", "dast", "other" };
	if ((unsigned)k > INGEST_KIND_OTHER)
		return "other";
	return n[k];
}
