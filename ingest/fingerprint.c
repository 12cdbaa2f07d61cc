/* ingest/fingerprint.c - the identity of a finding across scans.
 *
 * Recipes (fields joined with 0x1f, hashed with SHA-256, hex):
 *  - sca/container with a vulnerability id: "sca", primary id (CVE preferred
 *    over aliases), package purl without version/qualifiers, scope target;
 *    so the same CVE in the same package from Trivy and Grype for one upload
 *    target is one finding, and an upgrade that keeps it keeps the identity;
 *  - a tool fingerprint (SARIF partialFingerprints/fingerprints, semgrep):
 *    "tool", rule, file, the tool's value (CodeQL's line hashes are per
 *    file: the same hash in two files is two findings);
 *  - secrets: "secret", rule, file, SHA-256 of the secret (plus the line
 *    when the tool redacted the secret, else every redacted secret of a
 *    file would collapse into one);
 *  - anything else: "code", rule, file, the snippet with whitespace
 *    collapsed, else the message with digits and whitespace dropped.
 * Line numbers never enter except for redacted secrets, so findings keep
 * their identity when lines move. */
#include <ctype.h>
#include <string.h>

#include "common/buf.h"
#include "common/crypto.h"
#include "ingest_int.h"

bool ingest_purl_base(const char *purl, char *out, size_t outlen)
{
	if (!purl || strncmp(purl, "pkg:", 4) != 0 || outlen == 0)
		return false;
	size_t n = strcspn(purl + 4, "@?#");
	if (n + 5 > outlen)
		n = outlen - 5;
	size_t o = 0;
	bool in_type = true;
	memcpy(out, "pkg:", 4);
	o = 4;
	for (size_t i = 0; i < n; i++) {
		char ch = purl[4 + i];
		if (ch == '/')
			in_type = false;
		out[o++] = in_type ? (char)tolower((unsigned char)ch) : ch;
	}
	while (o > 4 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
	return true;
}

static void put_field(struct buf *b, const char *s)
{
	buf_puts(b, s ? s : "");
	buf_putc(b, 0x1f);
}

/* whitespace runs to one space, trimmed; drop digits when asked */
static void put_normalised(struct buf *b, const char *s, bool drop_digits)
{
	bool space = false, any = false;
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (isspace(*p)) {
			space = true;
			continue;
		}
		if (drop_digits && isdigit(*p))
			continue;
		if (space && any)
			buf_putc(b, ' ');
		buf_putc(b, (char)*p);
		space = false;
		any = true;
	}
	buf_putc(b, 0x1f);
}

static bool is_redacted(const char *s)
{
	if (!s || !*s)
		return true;
	if (strstr(s, "REDACTED"))
		return true;
	return strspn(s, "*") == strlen(s);
}

static void recipe_sca(struct buf *b, const struct ingest_finding *f, const char *target)
{
	char base[512];
	put_field(b, "sca");
	put_field(b, f->primary_id ? f->primary_id : f->rule_id);
	if (ingest_purl_base(f->purl, base, sizeof(base))) {
		put_field(b, base);
	} else {
		for (size_t i = 0; f->pkg_name && f->pkg_name[i] && i + 1 < sizeof(base); i++)
			base[i] = (char)tolower((unsigned char)f->pkg_name[i]);
		base[f->pkg_name ? strnlen(f->pkg_name, sizeof(base) - 1) : 0] = '\0';
		put_field(b, base);
	}
	put_field(b, target);
}

static void recipe_secret(struct buf *b, const struct ingest_finding *f)
{
	char h[65];
	put_field(b, "secret");
	put_field(b, f->rule_id);
	put_field(b, f->file);
	ff_sha256_hex(f->secret ? f->secret : "", f->secret ? strlen(f->secret) : 0, h);
	put_field(b, h);
	if (is_redacted(f->secret))
		buf_printf(b, "%ld", f->start_line);
}

static void recipe_code(struct buf *b, const struct ingest_finding *f)
{
	put_field(b, "code");
	put_field(b, f->rule_id ? f->rule_id : f->primary_id);
	put_field(b, f->file);
	if (f->snippet && *f->snippet) {
		put_normalised(b, f->snippet, false);
		return;
	}
	put_normalised(b, f->title, true);
	put_normalised(b, f->pkg_name, false);
}

void ingest_fingerprint(struct ingest_finding *f, const char *scope_target)
{
	struct buf b;
	buf_init(&b, 0);
	bool sca = f->kind == INGEST_KIND_SCA || f->kind == INGEST_KIND_CONTAINER;
	if (sca && (f->primary_id || f->rule_id) && (f->purl || f->pkg_name)) {
		recipe_sca(&b, f, scope_target ? scope_target : "");
	} else if (f->tool_fingerprint) {
		put_field(&b, "tool");
		put_field(&b, f->rule_id);
		put_field(&b, f->file);
		put_field(&b, f->tool_fingerprint);
	} else if (f->kind == INGEST_KIND_SECRET) {
		recipe_secret(&b, f);
	} else {
		recipe_code(&b, f);
	}
	ff_sha256_hex(b.data ? b.data : "", b.len, f->fingerprint);
	buf_free(&b);
}
