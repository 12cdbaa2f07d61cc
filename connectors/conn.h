/* connectors/conn.h - ticket trackers behind one ops table (OpenSMTPD-style
 * backends: a static const ops struct, capability bits, a registry by name).
 * Callers use the conn_* wrappers, never ops-> directly. */
#ifndef FF_CONNECTORS_CONN_H
#define FF_CONNECTORS_CONN_H

#include <stddef.h>

enum conn_cap {
	CONN_CAP_WEBHOOK = 1 << 0,   /* the tracker pushes changes */
	CONN_CAP_POLL = 1 << 1,      /* changes can be listed since a time */
	CONN_CAP_ASSIGN = 1 << 2,
	CONN_CAP_LABELS = 1 << 3,
};

struct conn_ops {
	const char *name;            /* "jira", "gitlab", "redmine" */
	unsigned caps;
};

/* conn_lookup returns the backend registered under name, or NULL. */
const struct conn_ops *conn_lookup(const char *name);
/* conn_registry_check verifies every registered backend at start-up
 * (unique names, required operations present); returns FF_OK or FF_EPERM. */
int conn_registry_check(char *err, size_t errlen);

#endif
