/* ingest/purl.c - a package URL for tools that name packages by ecosystem
 * instead of giving one (Trivy legacy, OSV, npm audit, ...). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/mem.h"
#include "ingest_int.h"

struct eco {
	const char *tool;
	const char *purl; /* purl type, with the namespace for OS packages */
};

static const struct eco ecos[] = {
	{ "alpine", "apk/alpine" }, { "apk", "apk/alpine" }, { "debian", "deb/debian" }, { "ubuntu", "deb/ubuntu" },
	{ "redhat", "rpm/redhat" }, { "centos", "rpm/centos" }, { "rocky", "rpm/rocky" }, { "alma", "rpm/alma" },
	{ "amazon", "rpm/amazon" }, { "oracle", "rpm/oracle" }, { "photon", "rpm/photon" }, { "suse", "rpm/suse" },
	{ "npm", "npm" }, { "yarn", "npm" }, { "pnpm", "npm" }, { "node-pkg", "npm" }, { "pip", "pypi" },
	{ "pipenv", "pypi" }, { "poetry", "pypi" }, { "python-pkg", "pypi" }, { "pypi", "pypi" },
	{ "jar", "maven" }, { "pom", "maven" }, { "gradle", "maven" }, { "maven", "maven" },
	{ "gomod", "golang" }, { "gobinary", "golang" }, { "go", "golang" }, { "cargo", "cargo" },
	{ "crates.io", "cargo" }, { "rust-binary", "cargo" }, { "composer", "composer" },
	{ "packagist", "composer" }, { "bundler", "gem" }, { "gemspec", "gem" }, { "rubygems", "gem" },
	{ "nuget", "nuget" }, { "dotnet-core", "nuget" }, { "pub", "pub" }, { "hex", "hex" },
	{ "conan", "conan" }, { "swift", "swift" }, { "cocoapods", "cocoapods" },
};

static const char *purl_type(const char *type)
{
	for (size_t i = 0; type && i < sizeof(ecos) / sizeof(ecos[0]); i++)
		if (strcasecmp(ecos[i].tool, type) == 0)
			return ecos[i].purl;
	return "generic";
}

char *purl_from_type(const char *type, const char *name, const char *version)
{
	if (!name || !*name)
		return NULL;
	const char *t = purl_type(type);
	char *n = xstrdup(name);
	if (strcmp(t, "maven") == 0) {
		char *colon = strchr(n, ':');
		if (colon)
			*colon = '/';
	} else if (strcmp(t, "pypi") == 0) {
		for (char *p = n; *p; p++)
			*p = (*p == '_') ? '-' : (char)tolower((unsigned char)*p);
	}
	char *out = version && *version ? xasprintf("pkg:%s/%s@%s", t, n, version) : xasprintf("pkg:%s/%s", t, n);
	free(n);
	return out;
}

void purl_split(const char *purl, char **name, char **version)
{
	if (!purl || strncmp(purl, "pkg:", 4) != 0)
		return;
	size_t end = strcspn(purl, "?#");
	const char *at = memchr(purl, '@', end);
	size_t stop = at ? (size_t)(at - purl) : end;
	const char *slash = purl + stop;
	while (slash > purl + 4 && slash[-1] != '/')
		slash--;
	if (name && !*name && slash < purl + stop)
		*name = xstrndup(slash, (size_t)(purl + stop - slash));
	if (version && !*version && at && at + 1 < purl + end)
		*version = xstrndup(at + 1, (size_t)(purl + end - at - 1));
}
