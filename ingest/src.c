/* ingest/src.c - the caller's stream: gzip inflation (by magic bytes),
 * document size cap, and a peek buffer for format detection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/mem.h"
#include "common/rc.h"
#include "ingest_int.h"

#define SRC_RAW 65536

struct src {
	ingest_read_fn read;
	void *ud;
	size_t max_doc;
	bool started;
	bool gz;
	bool raw_eof;
	bool gz_end;
	z_stream z;
	unsigned char *raw;
	size_t raw_len; /* plain mode: bytes of raw not yet handed out */
	size_t raw_off;
	unsigned long long total; /* decoded bytes produced */
	char *peek;
	size_t peek_len;
	size_t peek_off;
};

struct src *src_new(const struct ingest_opts *o, const struct ingest_limits *l)
{
	struct src *s = xcalloc(1, sizeof(*s));
	s->read = o->read;
	s->ud = o->read_ud;
	s->max_doc = l->max_doc;
	s->raw = xmalloc(SRC_RAW);
	return s;
}

void src_free(struct src *s)
{
	if (!s)
		return;
	if (s->gz)
		inflateEnd(&s->z);
	free(s->raw);
	free(s->peek);
	free(s);
}

static int fail(struct ingest_error *err, int rc, unsigned long long off, const char *msg)
{
	err->rc = rc;
	err->offset = off;
	snprintf(err->msg, sizeof(err->msg), "%s", msg);
	return rc;
}

/* refill raw from the caller when it is empty */
static int raw_fill(struct src *s, struct ingest_error *err)
{
	if (s->raw_off < s->raw_len || s->raw_eof)
		return FF_OK;
	ssize_t n = s->read(s->ud, s->raw, SRC_RAW);
	if (n < 0)
		return fail(err, FF_EPERM, s->total, "could not read the report");
	s->raw_off = 0;
	s->raw_len = (size_t)n;
	if (n == 0)
		s->raw_eof = true;
	return FF_OK;
}

static int start(struct src *s, struct ingest_error *err)
{
	int rc = FF_OK;
	s->started = true;
	/* two bytes are needed for the magic; reads may be short */
	while (s->raw_len < 2 && !s->raw_eof) {
		ssize_t n = s->read(s->ud, s->raw + s->raw_len, SRC_RAW - s->raw_len);
		if (n < 0)
			return fail(err, FF_EPERM, 0, "could not read the report");
		if (n == 0)
			s->raw_eof = true;
		s->raw_len += (size_t)n;
	}
	if (s->raw_len >= 2 && s->raw[0] == 0x1f && s->raw[1] == 0x8b) {
		if (inflateInit2(&s->z, 15 + 16) != Z_OK)
			return fail(err, FF_EPERM, 0, "could not start gzip inflation");
		s->gz = true;
	}
	return rc;
}

static long gz_read(struct src *s, unsigned char *out, size_t n, struct ingest_error *err)
{
	s->z.next_out = out;
	s->z.avail_out = (uInt)n;
	while (s->z.avail_out == n && !s->gz_end) {
		int rc = raw_fill(s, err);
		if (rc != FF_OK)
			return rc;
		if (s->raw_eof && s->raw_off >= s->raw_len)
			return fail(err, FF_EINVAL, s->total, "truncated gzip stream");
		s->z.next_in = s->raw + s->raw_off;
		s->z.avail_in = (uInt)(s->raw_len - s->raw_off);
		int zr = inflate(&s->z, Z_NO_FLUSH);
		s->raw_off = s->raw_len - s->z.avail_in;
		if (zr == Z_STREAM_END)
			s->gz_end = true;
		else if (zr != Z_OK && zr != Z_BUF_ERROR)
			return fail(err, FF_EINVAL, s->total, "corrupt gzip stream");
	}
	return (long)(n - s->z.avail_out);
}

static long plain_read(struct src *s, unsigned char *out, size_t n, struct ingest_error *err)
{
	int rc = raw_fill(s, err);
	if (rc != FF_OK)
		return rc;
	size_t avail = s->raw_len - s->raw_off;
	if (avail > n)
		avail = n;
	memcpy(out, s->raw + s->raw_off, avail);
	s->raw_off += avail;
	return (long)avail;
}

static long decoded_read(struct src *s, void *out, size_t n, struct ingest_error *err)
{
	if (!s->started) {
		int rc = start(s, err);
		if (rc != FF_OK)
			return rc;
	}
	long got = s->gz ? gz_read(s, out, n, err) : plain_read(s, out, n, err);
	if (got < 0)
		return got;
	s->total += (unsigned long long)got;
	if (s->total > s->max_doc) {
		char m[160];
		snprintf(m, sizeof(m), "%s exceeds the limit of %zu bytes%s",
			s->gz ? "inflated report" : "report", s->max_doc, s->gz ? " (gzip bomb?)" : "");
		return fail(err, FF_ETOOBIG, s->max_doc, m);
	}
	return got;
}

int src_peek(struct src *s, size_t n, const char **out, size_t *outlen, struct ingest_error *err)
{
	if (!s->peek) {
		s->peek = xmalloc(n + 1);
		while (s->peek_len < n) {
			long got = decoded_read(s, s->peek + s->peek_len, n - s->peek_len, err);
			if (got < 0)
				return (int)got;
			if (got == 0)
				break;
			s->peek_len += (size_t)got;
		}
		s->peek[s->peek_len] = '\0';
	}
	*out = s->peek;
	*outlen = s->peek_len;
	return FF_OK;
}

long src_read(struct src *s, void *buf, size_t n, struct ingest_error *err)
{
	if (s->peek_off < s->peek_len) {
		size_t k = s->peek_len - s->peek_off;
		if (k > n)
			k = n;
		memcpy(buf, s->peek + s->peek_off, k);
		s->peek_off += k;
		return (long)k;
	}
	return decoded_read(s, buf, n, err);
}
