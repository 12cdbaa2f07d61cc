#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rc.h"

static enum log_level g_level = LOG_INFO;
static const char *names[] = { "error", "warn", "info", "debug", "trace" };

void log_set_level(enum log_level lvl)
{
	g_level = lvl;
}

enum log_level log_get_level(void)
{
	return g_level;
}

int log_set_level_name(const char *name)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(names[i], name) == 0) {
			g_level = (enum log_level)i;
			return FF_OK;
		}
	}
	return FF_EINVAL;
}

void log_msg(enum log_level lvl, const char *module, const char *fmt, ...)
{
	if (lvl > g_level)
		return;
	char ts[32];
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* one fprintf per line keeps lines whole across threads */
	fprintf(stderr, "%s.%03ldZ %-5s %s: %s\n", ts, now.tv_nsec / 1000000L,
		names[lvl], module, line);
}
