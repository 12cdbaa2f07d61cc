/* tests/fuzz/fuzz_ingest.c - libFuzzer target for the report parsers.
 * The first byte picks the declared format (0 = detect), the rest is the
 * report; small limits keep each run short. Built only with clang:
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang && cmake --build build-fuzz --target fuzz_ingest
 *   build-fuzz/tests/fuzz_ingest -max_total_time=60 tests/fixtures/scanners/<format>/<source> */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "common/rc.h"
#include "ingest/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
	const uint8_t *p;
	size_t n, off;
};

static ssize_t mem_read(void *ud, void *buf, size_t n)
{
	struct mem *m = ud;
	size_t k = m->n - m->off;
	if (k > n)
		k = n;
	memcpy(buf, m->p + m->off, k);
	m->off += k;
	return (ssize_t)k;
}

static int sink(void *ud, const struct ingest_finding *f)
{
	size_t *count = ud;
	/* touch what a consumer reads */
	*count += strlen(f->fingerprint) + strlen(f->severity) + f->n_vuln_ids + f->n_cwes;
	return FF_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct mem m = { .p = data + 1, .n = size - 1 };
	size_t count = 0;
	struct ingest_opts o = {
		.read = mem_read,
		.read_ud = &m,
		.format = (enum ingest_format)(data[0] % INGEST_FMT_COUNT_),
		.limits = { .max_doc = 4 << 20, .max_depth = 64, .max_string = 1 << 16, .max_results = 10000 },
		.scope_target = "fuzz",
		.on_finding = sink,
		.finding_ud = &count,
	};
	struct ingest_result res;
	struct ingest_error err;
	char msg[600];
	if (ingest_run(&o, &res, &err) != FF_OK)
		ingest_error_format(&err, msg, sizeof(msg));
	return 0;
}
