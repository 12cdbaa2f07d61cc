/* ingest/ingest.h - scanner reports to normalised findings (pure, no I/O
 * beyond reading the caller's stream). */
#ifndef FF_INGEST_INGEST_H
#define FF_INGEST_INGEST_H

enum ingest_kind {
	INGEST_KIND_SCA = 0,
	INGEST_KIND_CONTAINER,
	INGEST_KIND_SAST,
	INGEST_KIND_SECRET,
	INGEST_KIND_IAC,
	INGEST_KIND_DAST,
	INGEST_KIND_OTHER,
};

/* "sca", "container", "sast", "secret", "iac", "dast", "other" */
const char *ingest_kind_name(enum ingest_kind k);

#endif
