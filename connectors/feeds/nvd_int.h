/* connectors/feeds/nvd_int.h - NVD page handling shared by the file reader
 * (nvd_parse.c) and the API client (nvd.c) */
#ifndef FF_CONNECTORS_FEEDS_NVD_INT_H
#define FF_CONNECTORS_FEEDS_NVD_INT_H

#include <jansson.h>

#include "feeds.h"

struct nvd_page {
	long long results_per_page, start_index, total;
	json_t *vulns;              /* borrowed from the page */
};

/* nvd_page_check validates the page envelope and that the array holds
 * exactly min(resultsPerPage, totalResults - startIndex) records */
int nvd_page_check(const char *where, json_t *page, struct nvd_page *p, struct feed_err *e);
/* nvd_page_emit parses and emits every record of a checked page */
int nvd_page_emit(const char *where, const struct nvd_page *p, const struct feed_sink *s, struct feed_err *e);
/* nvd_read_path: a saved page, a single record file or a directory tree */
int nvd_read_path(const char *path, const struct feed_opts *o, const struct feed_sink *s, struct feed_err *e);

#endif
