#include "cfg.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "rc.h"

struct cfg_val {
	char *str;
	long long num;
	enum cfg_source src;
};

static struct cfg_val *vals;

static int find(const char *name)
{
	for (int i = 0; i < cfg_table_len; i++)
		if (strcmp(cfg_table[i].name, name) == 0)
			return i;
	return -1;
}

void cfg_env_name(const char *name, char *out, size_t outlen)
{
	size_t o = 0;
	const char *pre = "FLAWFIX_";
	for (const char *p = pre; *p && o + 1 < outlen; p++)
		out[o++] = *p;
	for (const char *p = name; *p && o + 1 < outlen; p++)
		out[o++] = (char)toupper((unsigned char)*p);
	out[o] = '\0';
}

static int parse_bool(const char *v, long long *out)
{
	static const char *t[] = { "true", "yes", "on", "1" };
	static const char *f[] = { "false", "no", "off", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, t[i]) == 0) {
			*out = 1;
			return FF_OK;
		}
		if (strcasecmp(v, f[i]) == 0) {
			*out = 0;
			return FF_OK;
		}
	}
	return FF_EINVAL;
}

static int in_choices(const char *choices, const char *v)
{
	size_t n = strlen(v);
	const char *p = choices;
	while (*p) {
		const char *e = strchr(p, '|');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == n && strncmp(p, v, n) == 0)
			return 1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

static int check_hostport(const char *v)
{
	const char *colon = strrchr(v, ':');
	if (!colon || colon == v)
		return FF_EINVAL;
	char *end = NULL;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	if (errno || !end || *end || colon[1] == '\0' || port < 0 || port > 65535)
		return FF_EINVAL;
	return FF_OK;
}

static int validate(int i, const char *v, long long *num, char *err, size_t errlen)
{
	const struct cfg_def *d = &cfg_table[i];
	char *end = NULL;
	*num = 0;
	switch (d->type) {
	case CFG_STR:
		return FF_OK;
	case CFG_INT:
		errno = 0;
		*num = strtoll(v, &end, 10);
		if (errno || !end || *end || end == v) {
			snprintf(err, errlen, "setting %s: '%s' is not an integer", d->name, v);
			return FF_EINVAL;
		}
		if (*num < d->min || *num > d->max) {
			snprintf(err, errlen, "setting %s: %lld is out of range [%lld, %lld]",
				 d->name, *num, d->min, d->max);
			return FF_EINVAL;
		}
		return FF_OK;
	case CFG_BOOL:
		if (parse_bool(v, num)) {
			snprintf(err, errlen, "setting %s: '%s' is not a boolean (true|false)", d->name, v);
			return FF_EINVAL;
		}
		return FF_OK;
	case CFG_ENUM:
		if (!in_choices(d->choices, v)) {
			snprintf(err, errlen, "setting %s: '%s' is not one of %s", d->name, v, d->choices);
			return FF_EINVAL;
		}
		return FF_OK;
	case CFG_HOSTPORT:
		if (check_hostport(v)) {
			snprintf(err, errlen, "setting %s: '%s' is not host:port", d->name, v);
			return FF_EINVAL;
		}
		return FF_OK;
	}
	return FF_EINVAL;
}

static int assign(int i, const char *v, enum cfg_source src, char *err, size_t errlen)
{
	long long num;
	int rc = validate(i, v, &num, err, errlen);
	if (rc)
		return rc;
	free(vals[i].str);
	vals[i].str = xstrdup(v);
	vals[i].num = num;
	vals[i].src = src;
	return FF_OK;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int load_file(const char *file, char *err, size_t errlen)
{
	FILE *f = fopen(file, "r");
	if (!f) {
		snprintf(err, errlen, "could not open config file %s: %s", file, strerror(errno));
		return FF_EINVAL;
	}
	char line[4096];
	int lineno = 0, rc = FF_OK;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		char *s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected 'name = value'", file, lineno);
			rc = FF_EINVAL;
			break;
		}
		*eq = '\0';
		char *name = trim(s), *val = trim(eq + 1);
		int i = find(name);
		if (i < 0) {
			snprintf(err, errlen, "%s:%d: unknown setting '%s'", file, lineno, name);
			rc = FF_EINVAL;
			break;
		}
		char sub[512];
		if (assign(i, val, CFG_SRC_FILE, sub, sizeof(sub))) {
			snprintf(err, errlen, "%s:%d: %s", file, lineno, sub);
			rc = FF_EINVAL;
			break;
		}
	}
	fclose(f);
	return rc;
}

int cfg_load(const char *file, char *err, size_t errlen)
{
	if (!vals)
		vals = xcalloc((size_t)cfg_table_len, sizeof(*vals));
	for (int i = 0; i < cfg_table_len; i++) {
		int rc = assign(i, cfg_table[i].def, CFG_SRC_DEFAULT, err, errlen);
		if (rc)
			return rc; /* a bad default is a programming error, but say so */
	}
	if (!file)
		file = getenv("FLAWFIX_CONFIG");
	if (file && *file) {
		int rc = load_file(file, err, errlen);
		if (rc)
			return rc;
	}
	for (int i = 0; i < cfg_table_len; i++) {
		char env[128];
		cfg_env_name(cfg_table[i].name, env, sizeof(env));
		const char *v = getenv(env);
		if (!v)
			continue;
		char sub[512];
		if (assign(i, v, CFG_SRC_ENV, sub, sizeof(sub))) {
			snprintf(err, errlen, "%s (from %s)", sub, env);
			return FF_EINVAL;
		}
	}
	return FF_OK;
}

int cfg_set(const char *name, const char *value, char *err, size_t errlen)
{
	if (!vals) {
		int rc = cfg_load(NULL, err, errlen);
		if (rc)
			return rc;
	}
	int i = find(name);
	if (i < 0) {
		snprintf(err, errlen, "unknown setting '%s'", name);
		return FF_EINVAL;
	}
	return assign(i, value, CFG_SRC_SET, err, errlen);
}

static int must(const char *name)
{
	if (!vals) {
		char err[256];
		if (cfg_load(NULL, err, sizeof(err))) {
			fprintf(stderr, "flawfix: %s\n", err);
			abort();
		}
	}
	int i = find(name);
	if (i < 0) {
		fprintf(stderr, "flawfix: bug: unknown setting %s\n", name);
		abort();
	}
	return i;
}

const char *cfg_str(const char *name)
{
	return vals[must(name)].str;
}

long long cfg_int(const char *name)
{
	return vals[must(name)].num;
}

bool cfg_bool(const char *name)
{
	return vals[must(name)].num != 0;
}

void cfg_redact_dsn(const char *dsn, char *out, size_t outlen)
{
	/* URI form: postgresql://user:pass@host -> postgresql://user:***@host */
	const char *scheme = strstr(dsn, "://");
	size_t o = 0;
	if (scheme) {
		const char *at = strchr(scheme + 3, '@');
		const char *colon = strchr(scheme + 3, ':');
		if (at && colon && colon < at) {
			snprintf(out, outlen, "%.*s:***%s", (int)(colon - dsn), dsn, at);
			return;
		}
		snprintf(out, outlen, "%s", dsn);
		return;
	}
	/* keyword form: password=xxx or password='x y' */
	const char *p = dsn;
	while (*p && o + 1 < outlen) {
		if (strncmp(p, "password", 8) == 0 && (p == dsn || isspace((unsigned char)p[-1]))) {
			const char *q = p + 8;
			while (isspace((unsigned char)*q))
				q++;
			if (*q == '=') {
				q++;
				while (isspace((unsigned char)*q))
					q++;
				if (*q == '\'') {
					q++;
					while (*q && *q != '\'')
						q += (*q == '\\' && q[1]) ? 2 : 1;
					if (*q)
						q++;
				} else {
					while (*q && !isspace((unsigned char)*q))
						q++;
				}
				int n = snprintf(out + o, outlen - o, "password=***");
				o += (n > 0 && (size_t)n < outlen - o) ? (size_t)n : 0;
				p = q;
				continue;
			}
		}
		out[o++] = *p++;
	}
	out[o < outlen ? o : outlen - 1] = '\0';
}

static const char *src_name(enum cfg_source s)
{
	static const char *n[] = { "default", "file", "env", "set" };
	return n[s];
}

void cfg_print(FILE *out)
{
	for (int i = 0; i < cfg_table_len; i++) {
		const struct cfg_def *d = &cfg_table[i];
		const char *v = cfg_str(d->name);
		char red[1024];
		if (d->flags & CFG_SECRET)
			snprintf(red, sizeof(red), "%s", *v ? "***" : "");
		else if (d->flags & CFG_DSN)
			cfg_redact_dsn(v, red, sizeof(red));
		else
			snprintf(red, sizeof(red), "%s", v);
		fprintf(out, "%s = %s\t# %s\n", d->name, red, src_name(vals[i].src));
	}
}

void cfg_help(FILE *out)
{
	static const char *tn[] = { "string", "integer", "boolean", "enum", "host:port" };
	for (int i = 0; i < cfg_table_len; i++) {
		const struct cfg_def *d = &cfg_table[i];
		char env[128];
		cfg_env_name(d->name, env, sizeof(env));
		fprintf(out, "%s (%s", d->name, tn[d->type]);
		if (d->type == CFG_INT)
			fprintf(out, ", %lld..%lld", d->min, d->max);
		if (d->type == CFG_ENUM)
			fprintf(out, ": %s", d->choices);
		if (d->flags & CFG_SECRET)
			fprintf(out, ", secret");
		fprintf(out, ")\n    default: %s\n    env: %s\n    %s\n",
			(d->flags & CFG_SECRET) ? "(none)" : (*d->def ? d->def : "(empty)"), env, d->help);
	}
}
