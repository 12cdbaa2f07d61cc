/* A small streaming CSV reader (RFC 4180) over zlib's gzFile, which reads
 * plain and gzip files alike. A flat byte parser (STYLE.md habit 14). */
#include <errno.h>
#include <string.h>

#include "common/rc.h"
#include "feeds_int.h"

int csv_open(struct csv *c, const char *path, struct feed_err *e)
{
	memset(c, 0, sizeof(*c));
	c->name = path;
	c->next_line = 1;
	buf_init(&c->rec, CSV_MAX_RECORD);
	c->f = gzopen(path, "rb");
	if (!c->f)
		return feed_err_set(e, errno == ENOENT ? FF_ENOTFOUND : FF_EPERM, "%s: could not open: %s", path,
				    strerror(errno));
	gzbuffer(c->f, 256 * 1024);
	return FF_OK;
}

void csv_close(struct csv *c)
{
	if (c->f)
		gzclose(c->f);
	c->f = NULL;
	buf_free(&c->rec);
}

/* next byte, -1 at end of file, -2 on a read error */
static int getb(struct csv *c)
{
	if (c->rpos < c->rlen)
		return c->rd[c->rpos++];
	if (c->eof)
		return -1;
	int n = gzread(c->f, c->rd, sizeof(c->rd));
	if (n < 0)
		return -2;
	if (n == 0) {
		int zerr = Z_OK;
		gzerror(c->f, &zerr);
		c->eof = 1;
		return zerr == Z_OK || zerr == Z_STREAM_END ? -1 : -2;
	}
	c->rlen = n;
	c->rpos = 1;
	return c->rd[0];
}

static int read_error(struct csv *c, struct feed_err *e)
{
	int zerr = Z_OK;
	const char *m = gzerror(c->f, &zerr);
	return feed_err_set(e, FF_EINVAL, "%s: line %ld: truncated or corrupt file: %s", c->name, c->next_line,
			    zerr == Z_OK ? "unexpected end" : m);
}

static int new_field(struct csv *c, struct feed_err *e)
{
	if (c->nfields >= CSV_MAX_FIELDS)
		return feed_err_set(e, FF_ETOOBIG, "%s: line %ld: more than %d columns", c->name, c->line,
				    CSV_MAX_FIELDS);
	c->off[c->nfields++] = c->rec.len;
	return FF_OK;
}

static int end_field(struct csv *c, struct feed_err *e)
{
	if (buf_putc(&c->rec, '\0'))
		return feed_err_set(e, FF_ETOOBIG, "%s: line %ld: record longer than %d bytes", c->name, c->line,
				    CSV_MAX_RECORD);
	return FF_OK;
}

static int put(struct csv *c, int ch, struct feed_err *e)
{
	if (buf_putc(&c->rec, (char)ch))
		return feed_err_set(e, FF_ETOOBIG, "%s: line %ld: record longer than %d bytes", c->name, c->line,
				    CSV_MAX_RECORD);
	return FF_OK;
}

int csv_next(struct csv *c, struct feed_err *e)
{
	int ch, rc, quoted = 0, any = 0;
	buf_reset(&c->rec);
	c->nfields = 0;
	c->line = c->next_line;
	rc = new_field(c, e);
	for (;;) {
		if (rc)
			return rc;
		ch = getb(c);
		if (ch == -2)
			return read_error(c, e);
		if (ch == -1) {
			if (quoted)
				return feed_err_set(e, FF_EINVAL, "%s: line %ld: unterminated quoted field (truncated file?)",
						    c->name, c->line);
			if (!any)
				return 0;
			break;
		}
		any = 1;
		if (quoted) {
			if (ch == '"') {
				int n = getb(c);
				if (n == '"') {
					rc = put(c, '"', e);
					continue;
				}
				quoted = 0;
				if (n < 0 && n != -1)
					return read_error(c, e);
				if (n == -1)
					break;
				ch = n; /* fall into the unquoted handling of the next byte */
			} else {
				if (ch == '\n')
					c->next_line++;
				rc = put(c, ch, e);
				continue;
			}
		}
		if (ch == '"') {
			quoted = 1;
		} else if (ch == ',') {
			rc = end_field(c, e);
			if (!rc)
				rc = new_field(c, e);
		} else if (ch == '\n') {
			c->next_line++;
			break;
		} else if (ch != '\r') {
			rc = put(c, ch, e);
		}
	}
	rc = end_field(c, e);
	if (rc)
		return rc;
	c->record++;
	return 1;
}

int csv_raw_line(struct csv *c, struct feed_err *e)
{
	int ch, any = 0;
	buf_reset(&c->rec);
	c->nfields = 1;
	c->off[0] = 0;
	c->line = c->next_line;
	for (;;) {
		ch = getb(c);
		if (ch == -2)
			return read_error(c, e);
		if (ch == -1) {
			if (!any)
				return 0;
			break;
		}
		any = 1;
		if (ch == '\n') {
			c->next_line++;
			break;
		}
		if (ch != '\r' && put(c, ch, e))
			return FF_ETOOBIG;
	}
	return buf_putc(&c->rec, '\0') ? FF_ETOOBIG : 1;
}
