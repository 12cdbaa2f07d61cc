/* flawfix cvss - score CVSS 4.0 / 3.1 / 3.0 / 2.0 vectors given as
 * arguments or one per line on stdin (issue 3). Pure: no configuration, no
 * database. The hot path (one stdin line) allocates nothing: a fixed line
 * buffer, a stack output buffer and stdio's (enlarged) buffers. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "workflow/cvss.h"

#define LINE_MAX_BYTES (CVSS_INPUT_MAX + 2)

static void usage(FILE *out)
{
	fprintf(out,
		"usage: flawfix cvss [--json] [VECTOR...]\n"
		"\n"
		"Scores CVSS vectors given as arguments, or one per line on stdin when\n"
		"there are none. Versions: CVSS:4.0/..., CVSS:3.1/..., CVSS:3.0/... and\n"
		"CVSS 2.0 base vectors (AV:N/AC:L/Au:N/C:P/I:P/A:P, optionally after CVSS:2.0/).\n"
		"\n"
		"Plain output, one tab-separated line per vector:\n"
		"  VECTOR  VERSION  SCORE  SEVERITY  [macrovector=EQ1..EQ6 | base=B temporal=T environmental=E]\n"
		"--json prints one JSON object per vector with the keys vector (canonical\n"
		"form: specification order, Not Defined metrics left out), version, score,\n"
		"severity, and macrovector (4.0) or base_score, temporal_score,\n"
		"environmental_score (3.x; score is the environmental one).\n"
		"\n"
		"Input is strict: metric names, values and the prefix are case-sensitive and\n"
		"no blanks are allowed (a line's \\n or \\r\\n terminator is stripped). An\n"
		"invalid vector is reported on stderr with its line, byte offset, metric and\n"
		"what was expected; the other vectors are still scored and the exit status\n"
		"is 1. Exit status 2: usage error.\n");
}

struct out {
	char b[CVSS_VECTOR_MAX + 256];
	size_t n;
};

static void put(struct out *o, const char *s)
{
	size_t n = strlen(s);
	if (o->n + n < sizeof(o->b)) {
		memcpy(o->b + o->n, s, n);
		o->n += n;
	}
}

static void put_score(struct out *o, int score10)
{
	char t[5];
	cvss_score_text(score10, t);
	put(o, t);
}

static void emit_plain(struct out *o, const char *canon, enum cvss_version ver, const struct cvss_score *sc)
{
	put(o, canon);
	put(o, "\t");
	put(o, cvss_version_name(ver));
	put(o, "\t");
	put_score(o, sc->score10);
	put(o, "\t");
	put(o, ff_severity_name(sc->severity));
	if (ver == CVSS_V4_0) {
		put(o, "\tmacrovector=");
		put(o, sc->macrovector);
	} else if (ver != CVSS_V2_0) {
		put(o, "\tbase=");
		put_score(o, sc->base10);
		put(o, " temporal=");
		put_score(o, sc->temporal10);
		put(o, " environmental=");
		put_score(o, sc->environmental10);
	}
	put(o, "\n");
}

/* canonical vectors hold only [A-Za-z0-9:./], so no JSON escaping is needed */
static void emit_json(struct out *o, const char *canon, enum cvss_version ver, const struct cvss_score *sc)
{
	put(o, "{\"vector\":\"");
	put(o, canon);
	put(o, "\",\"version\":\"");
	put(o, cvss_version_name(ver));
	put(o, "\",\"score\":");
	put_score(o, sc->score10);
	put(o, ",\"severity\":\"");
	put(o, ff_severity_name(sc->severity));
	put(o, "\"");
	if (ver == CVSS_V4_0) {
		put(o, ",\"macrovector\":\"");
		put(o, sc->macrovector);
		put(o, "\"");
	} else {
		put(o, ",\"base_score\":");
		put_score(o, sc->base10);
		if (ver != CVSS_V2_0) {
			put(o, ",\"temporal_score\":");
			put_score(o, sc->temporal10);
			put(o, ",\"environmental_score\":");
			put_score(o, sc->environmental10);
		}
	}
	put(o, "}\n");
}

/* scores one vector; returns 0 when printed, 1 when rejected */
static int score_one(const char *s, size_t len, bool json, const char *where, unsigned long no)
{
	struct cvss_vector v;
	struct cvss_error err;
	struct cvss_score sc;
	char canon[CVSS_VECTOR_MAX];
	if (cvss_parse(s, len, &v, &err) != 0) {
		fprintf(stderr, "flawfix cvss: %s %lu: offset %zu%s%s: %s\n", where, no, err.offset,
			err.metric[0] ? ", metric " : "", err.metric, err.what);
		return 1;
	}
	if (cvss_score(&v, &sc) != 0 || cvss_format(&v, canon, sizeof(canon)) == 0) {
		fprintf(stderr, "flawfix cvss: %s %lu: could not score the vector\n", where, no);
		return 1;
	}
	struct out o = { .n = 0 };
	if (json)
		emit_json(&o, canon, v.version, &sc);
	else
		emit_plain(&o, canon, v.version, &sc);
	fwrite(o.b, 1, o.n, stdout);
	return 0;
}

/* A bounded line reader over fread: lines may hold any byte (a NUL inside
 * a line reaches the parser, which rejects it with its offset), a line
 * longer than LINE_MAX_BYTES is skipped and reported, memory stays fixed. */
struct lines {
	FILE *in;
	size_t beg, end;
	bool eof;
	char buf[1 << 16];
};

static void lines_fill(struct lines *r)
{
	if (r->beg > 0) {
		memmove(r->buf, r->buf + r->beg, r->end - r->beg);
		r->end -= r->beg;
		r->beg = 0;
	}
	size_t n = fread(r->buf + r->end, 1, sizeof(r->buf) - r->end, r->in);
	r->end += n;
	if (n == 0)
		r->eof = true;
}

/* drops input up to and including the next newline */
static void lines_skip(struct lines *r)
{
	for (;;) {
		const char *nl = memchr(r->buf + r->beg, '\n', r->end - r->beg);
		if (nl) {
			r->beg = (size_t)(nl - r->buf) + 1;
			return;
		}
		r->beg = r->end = 0;
		if (r->eof)
			return;
		lines_fill(r);
	}
}

/* 1: *line and *len hold the next line without its terminator; 0: end of
 * input; -1: the line was too long and has been skipped */
static int lines_next(struct lines *r, const char **line, size_t *len)
{
	for (;;) {
		const char *p = r->buf + r->beg;
		size_t avail = r->end - r->beg;
		const char *nl = memchr(p, '\n', avail);
		if (nl || (r->eof && avail > 0)) {
			*line = p;
			*len = nl ? (size_t)(nl - p) : avail;
			r->beg += *len + (nl ? 1 : 0);
			if (*len > LINE_MAX_BYTES)
				return -1;
			return 1;
		}
		if (r->eof)
			return 0;
		if (avail > LINE_MAX_BYTES) {
			lines_skip(r);
			return -1;
		}
		lines_fill(r);
	}
}

static int score_stdin(bool json)
{
	static struct lines r;
	const char *line;
	size_t len;
	unsigned long no = 0;
	int bad = 0;
	r.in = stdin;
	for (;;) {
		int rc = lines_next(&r, &line, &len);
		if (rc == 0)
			break;
		no++;
		if (rc < 0) {
			fprintf(stderr, "flawfix cvss: line %lu: offset %d: line longer than %d bytes\n", no,
				CVSS_INPUT_MAX, CVSS_INPUT_MAX);
			bad = 1;
			continue;
		}
		if (len > 0 && line[len - 1] == '\r')
			len--;
		bad |= score_one(line, len, json, "line", no);
	}
	if (ferror(stdin)) {
		fprintf(stderr, "flawfix cvss: could not read stdin\n");
		bad = 1;
	}
	return bad;
}

int cmd_cvss(int argc, char **argv)
{
	static char outbuf[1 << 16];
	bool json = false;
	int first = 1;
	if (cmd_wants_help(argc, argv)) {
		usage(stdout);
		return 0;
	}
	for (; first < argc && argv[first][0] == '-' && argv[first][1] != '\0'; first++) {
		if (strcmp(argv[first], "--") == 0) {
			first++;
			break;
		}
		if (strcmp(argv[first], "--json") != 0) {
			fprintf(stderr, "flawfix cvss: unknown option %s\n", argv[first]);
			usage(stderr);
			return 2;
		}
		json = true;
	}
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	int bad = 0;
	if (first < argc) {
		for (int i = first; i < argc; i++)
			bad |= score_one(argv[i], strlen(argv[i]), json, "argument", (unsigned long)(i - first + 1));
	} else {
		bad = score_stdin(json);
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "flawfix cvss: could not write the output\n");
		return 1;
	}
	return bad ? 1 : 0;
}
