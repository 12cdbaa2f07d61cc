/* common/cfg.h - configuration as one declarative table (STYLE.md habit 12).
 *
 * Every setting has a name, type, default, bounds, a FLAWFIX_* environment
 * override and a help line; an optional file of "name = value" lines sits
 * between defaults and the environment. cfg_load() validates everything
 * before anything starts; a bad value is reported naming the setting. */
#ifndef FF_COMMON_CFG_H
#define FF_COMMON_CFG_H

#include <stdbool.h>
#include <stdio.h>

enum cfg_type { CFG_STR, CFG_INT, CFG_BOOL, CFG_ENUM, CFG_HOSTPORT };

enum cfg_flag {
	CFG_SECRET = 1 << 0,      /* never printed */
	CFG_DSN = 1 << 1,         /* a libpq string: password parts redacted */
};

struct cfg_def {
	const char *name;
	enum cfg_type type;
	const char *def;
	long long min, max;       /* CFG_INT bounds, inclusive */
	const char *choices;      /* CFG_ENUM: "a|b|c" */
	unsigned flags;
	const char *help;
};

enum cfg_source { CFG_SRC_DEFAULT, CFG_SRC_FILE, CFG_SRC_ENV, CFG_SRC_SET };

/* cfg_load resets every setting to its default, then applies file (may be
 * NULL; FLAWFIX_CONFIG names one when NULL), then the environment, and
 * validates. On error returns FF_EINVAL and writes a message naming the
 * setting into err. */
int cfg_load(const char *file, char *err, size_t errlen);
/* cfg_set overrides one setting (command-line flags, tests), validated. */
int cfg_set(const char *name, const char *value, char *err, size_t errlen);

const char *cfg_str(const char *name);
long long cfg_int(const char *name);
bool cfg_bool(const char *name);

/* cfg_env_name writes FLAWFIX_<NAME> for a setting name. */
void cfg_env_name(const char *name, char *out, size_t outlen);
void cfg_print(FILE *out);        /* effective values, secrets redacted */
void cfg_help(FILE *out);         /* every setting with type, default, bounds */
/* cfg_redact_dsn copies a libpq string with password values replaced. */
void cfg_redact_dsn(const char *dsn, char *out, size_t outlen);

/* the table itself (common/cfg_table.c) */
extern const struct cfg_def cfg_table[];
extern const int cfg_table_len;

#endif
