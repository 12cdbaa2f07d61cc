/* connectors/feeds/feeds_int.h - helpers shared by the feed sources only */
#ifndef FF_CONNECTORS_FEEDS_FEEDS_INT_H
#define FF_CONNECTORS_FEEDS_FEEDS_INT_H

#include <stddef.h>
#include <zlib.h>

#include "common/buf.h"
#include "feeds.h"

#define CSV_MAX_FIELDS 64
#define CSV_MAX_RECORD (1024 * 1024)

/* a streaming RFC 4180 reader over a plain or gzip file (zlib reads both):
 * quoted fields with "" escapes and embedded newlines, CRLF or LF */
struct csv {
	gzFile f;
	const char *name;           /* for messages (borrowed) */
	long line;                  /* line where the current record starts */
	long next_line;
	long record;                /* 1-based number of the current record */
	struct buf rec;             /* fields, NUL-separated */
	size_t off[CSV_MAX_FIELDS];
	int nfields;
	unsigned char rd[65536];
	int rpos, rlen;
	int eof;
};

/* csv_open: FF_OK or FF_ENOTFOUND/FF_EPERM with e set */
int csv_open(struct csv *c, const char *path, struct feed_err *e);
void csv_close(struct csv *c);
/* csv_next reads one record: 1 = a record, 0 = end of file, < 0 error
 * (unterminated quote = truncated file, too long, read error) with e set */
int csv_next(struct csv *c, struct feed_err *e);
/* csv_raw_line reads one physical line without CSV parsing (the EPSS
 * comment line): 1, 0 at EOF, < 0 error */
int csv_raw_line(struct csv *c, struct feed_err *e);
static inline const char *csv_field(const struct csv *c, int i)
{
	return i < c->nfields ? c->rec.data + c->off[i] : "";
}

/* feed_read_file_all loads a whole (plain or gzip) file into out, at most
 * max bytes: FF_OK, FF_ETOOBIG, FF_ENOTFOUND or FF_EPERM with e set */
int feed_read_file_all(const char *path, size_t max, struct buf *out, struct feed_err *e);

/* feed_read_via_download: download url into a temporary file, call
 * read_path on it, remove it */
int feed_read_via_download(const struct feed_ops *ops, const char *url, const struct feed_opts *o,
			   const struct feed_sink *s, struct feed_err *e);

#endif
