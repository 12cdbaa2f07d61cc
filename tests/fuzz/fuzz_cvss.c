/* libFuzzer: CVSS vectors (workflow/cvss): parse, and score what parses. */
#include <stddef.h>
#include <stdint.h>

#include "common/rc.h"
#include "workflow/cvss.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cvss_vector v;
	struct cvss_error e;
	if (cvss_parse((const char *)data, size, &v, &e) == FF_OK) {
		struct cvss_score s;
		cvss_score(&v, &s);
	}
	return 0;
}
