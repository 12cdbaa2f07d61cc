/* ingest/xstream.c - XML reports through libxml2's reader: no network, no
 * DTD at all (so no external entities and no entity expansion bombs), depth
 * and text limits, errors with line and column. */
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <stdio.h>
#include <string.h>

#include "common/rc.h"
#include "ingest_int.h"

struct xs {
	struct ictx *c;
	struct src *s;
	int src_rc;
	bool xml_err;
};

static int xs_read(void *ctx, char *buf, int len)
{
	struct xs *x = ctx;
	long n = src_read(x->s, buf, (size_t)len, x->c->err);
	if (n < 0) {
		x->src_rc = (int)n;
		return -1;
	}
	return (int)n;
}

static void xs_error(void *ctx, const xmlError *e)
{
	struct xs *x = ctx;
	if (x->xml_err || x->src_rc || !e || e->level < XML_ERR_ERROR)
		return;
	x->xml_err = true;
	struct ingest_error *err = x->c->err;
	err->rc = FF_EINVAL;
	err->line = e->line > 0 ? (unsigned long)e->line : 0;
	err->col = e->int2 > 0 ? (unsigned long)e->int2 : 0;
	size_t n = e->message ? strlen(e->message) : 0;
	while (n && (e->message[n - 1] == '\n' || e->message[n - 1] == ' '))
		n--;
	snprintf(err->msg, sizeof(err->msg), "invalid XML: %.*s", (int)n, e->message ? e->message : "error");
	for (char *p = err->msg; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

/* libxml2 reports some errors (encoding conversion) only through its
 * generic handler, which prints to stderr; the reader's structured handler
 * gets the ones that matter */
static void xs_silent(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static int check_node(struct xs *x, xmlTextReaderPtr r)
{
	struct ictx *c = x->c;
	int type = xmlTextReaderNodeType(r);
	if (type == XML_READER_TYPE_DOCUMENT_TYPE || type == XML_READER_TYPE_ENTITY_REFERENCE
		|| type == XML_READER_TYPE_ENTITY)
		return ictx_fail(c, FF_EINVAL, "DTDs and entities are not accepted in reports");
	if ((size_t)xmlTextReaderDepth(r) > c->lim.max_depth)
		return ictx_fail(c, FF_ETOOBIG, "nesting deeper than %zu", c->lim.max_depth);
	if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA) {
		const xmlChar *v = xmlTextReaderConstValue(r);
		if (v && strlen((const char *)v) > c->lim.max_string)
			return ictx_fail(c, FF_ETOOBIG, "text longer than %zu bytes", c->lim.max_string);
	}
	return FF_OK;
}

static int xs_loop(struct xs *x, xmlTextReaderPtr r, const struct xfmt *fmt)
{
	int rc = FF_OK;
	int st = xmlTextReaderRead(r);
	while (st == 1) {
		bool skip = false;
		rc = check_node(x, r);
		if (rc != FF_OK)
			return rc;
		if (xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT) {
			const char *name = (const char *)xmlTextReaderConstLocalName(r);
			rc = fmt->on_element(x->c, r, name ? name : "", xmlTextReaderDepth(r), &skip);
			if (rc != FF_OK)
				return rc;
		}
		st = skip ? xmlTextReaderNext(r) : xmlTextReaderRead(r);
	}
	if (x->src_rc)
		return x->src_rc;
	if (st < 0 || x->xml_err) {
		if (!x->xml_err)
			ictx_fail(x->c, FF_EINVAL, "invalid XML");
		return FF_EINVAL;
	}
	return FF_OK;
}

/* A DTD is refused before libxml2 parses it: its internal subset is where
 * entity bombs live. The reader check below catches one past the peek. */
static int refuse_dtd(struct ictx *c, struct src *s)
{
	const char *p = NULL;
	size_t n = 0;
	int rc = src_peek(s, 65536, &p, &n, c->err);
	if (rc != FF_OK)
		return rc;
	const char *d = memmem(p, n, "<!DOCTYPE", 9);
	if (!d)
		return FF_OK;
	unsigned long line = 1, col = 1;
	for (const char *q = p; q < d; q++) {
		line += *q == '\n';
		col = *q == '\n' ? 1 : col + 1;
	}
	c->err->line = line;
	c->err->col = col;
	c->err->offset = (unsigned long long)(d - p);
	return ictx_fail(c, FF_EINVAL, "DTDs and entities are not accepted in reports");
}

int xml_stream_run(struct ictx *c, struct src *s, const struct xfmt *fmt)
{
	struct xs x = { .c = c, .s = s };
	int rc = refuse_dtd(c, s);
	if (rc != FF_OK)
		return rc;
	int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
	xmlTextReaderPtr r = xmlReaderForIO(xs_read, NULL, &x, NULL, NULL, opts);
	if (!r) {
		rc = ictx_fail(c, FF_EPERM, "could not start the XML reader");
		goto out;
	}
	xmlSetGenericErrorFunc(NULL, xs_silent);
	xmlTextReaderSetStructuredErrorHandler(r, (xmlStructuredErrorFunc)xs_error, &x);
	rc = xs_loop(&x, r, fmt);
	if (rc == FF_OK && fmt->finish)
		rc = fmt->finish(c);
	if (rc != FF_OK) {
		if (!c->err->line) {
			c->err->line = (unsigned long)xmlTextReaderGetParserLineNumber(r);
			c->err->col = (unsigned long)xmlTextReaderGetParserColumnNumber(r);
		}
		long bc = xmlTextReaderByteConsumed(r);
		if (!c->err->offset && bc > 0)
			c->err->offset = (unsigned long long)bc;
	}
out:
	xmlFreeTextReader(r);
	return rc;
}

const char *xn_name(xmlNodePtr n)
{
	return n && n->name ? (const char *)n->name : "";
}

xmlNodePtr xn_child(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr k = n ? n->children : NULL; k; k = k->next)
		if (k->type == XML_ELEMENT_NODE && strcmp(xn_name(k), name) == 0)
			return k;
	return NULL;
}

char *xn_text(xmlNodePtr n, const char *name)
{
	xmlNodePtr k = name ? xn_child(n, name) : n;
	if (!k)
		return NULL;
	return (char *)xmlNodeGetContent(k);
}
