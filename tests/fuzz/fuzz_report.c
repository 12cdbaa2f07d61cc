/* libFuzzer: scanner reports (ingest/). The first byte picks the declared
 * format (0 = detect from the content), the rest is the report. Limits are
 * small so that one input stays fast; every finding also gets its
 * fingerprint computed (ictx_emit does that). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/rc.h"
#include "ingest/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct cursor {
	const uint8_t *p;
	size_t left;
};

static ssize_t read_mem(void *ud, void *buf, size_t n)
{
	struct cursor *c = ud;
	size_t take = n < c->left ? n : c->left;
	if (take > 4096)
		take = 4096; /* small pieces: the parsers' buffer boundaries get exercised */
	memcpy(buf, c->p, take);
	c->p += take;
	c->left -= take;
	return (ssize_t)take;
}

static int on_finding(void *ud, const struct ingest_finding *f)
{
	size_t *n = ud;
	/* touch what a consumer reads */
	*n += strlen(f->fingerprint) + (f->title ? strlen(f->title) : 0);
	return FF_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t seen = 0;
	struct cursor c = { data + 1, size - 1 };
	struct ingest_opts o = { .read = read_mem, .read_ud = &c, .on_finding = on_finding, .finding_ud = &seen,
				 .scope_target = "fuzz" };
	ingest_limits_default(&o.limits);
	o.limits.max_doc = 1 << 20;
	o.limits.max_depth = 64;
	o.limits.max_string = 1 << 16;
	o.limits.max_results = 1000;
	o.format = (enum ingest_format)(data[0] % INGEST_FMT_COUNT_);
	struct ingest_result res = { 0 };
	struct ingest_error err = { 0 };
	ingest_run(&o, &res, &err);
	char line[600];
	ingest_error_format(&err, line, sizeof(line));
	return 0;
}
