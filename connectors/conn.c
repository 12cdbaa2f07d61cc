#include "conn.h"

#include <stdio.h>
#include <string.h>

#include "common/rc.h"

/* backends register here; the tracker issues add jira, gitlab, redmine */
static const struct conn_ops *const registry[] = { NULL };

const struct conn_ops *conn_lookup(const char *name)
{
	for (size_t i = 0; registry[i]; i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

int conn_registry_check(char *err, size_t errlen)
{
	for (size_t i = 0; registry[i]; i++) {
		for (size_t j = i + 1; registry[j]; j++) {
			if (strcmp(registry[i]->name, registry[j]->name) == 0) {
				snprintf(err, errlen, "connector %s registered twice", registry[i]->name);
				return FF_EPERM;
			}
		}
	}
	return FF_OK;
}
