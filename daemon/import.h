/* daemon/import.h - the scan.import job and its helpers */
#ifndef FF_DAEMON_IMPORT_H
#define FF_DAEMON_IMPORT_H

#include <stddef.h>

#include "db/jobs.h"
#include "ingest/ingest.h"

int job_scan_import(struct db *db, const struct job *j, char *err, size_t errlen);
/* the ingest limits from the configuration */
void import_limits(struct ingest_limits *l);
/* appends a normalised finding to o as a staging row (COPY text format) */
struct buf;
void import_finding_row(struct buf *o, const struct ingest_finding *f);

#endif
