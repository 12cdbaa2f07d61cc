/* templates/tpl.h - the template renderer (a Mustache subset) and the
 * templates for mails, tickets and reports (compiled into the binary). */
#ifndef FF_TEMPLATES_TPL_H
#define FF_TEMPLATES_TPL_H

#include <jansson.h>
#include <stddef.h>

#include "common/buf.h"
#include "common/embed.h"

/* an escaper appends s to out, escaped; FF_OK or FF_ETOOBIG */
typedef int (*tpl_escape_fn)(struct buf *out, const char *s);

/* tpl_escape_html appends s to out with & < > " ' escaped as Mustache does;
 * returns FF_OK or FF_ETOOBIG when out's cap is reached. */
int tpl_escape_html(struct buf *out, const char *s);
/* tpl_escape_markdown backslash-escapes Markdown/Textile punctuation and
 * the characters that start mentions and quick actions (@ /), so text from
 * a scanner cannot format, mention or command in a ticket. */
int tpl_escape_markdown(struct buf *out, const char *s);

/* tpl_render renders tpl with ctx (a JSON object; borrowed) into out:
 * {{name}} goes through esc (NULL = verbatim), {{{name}}} / {{&name}}
 * verbatim; {{#s}}...{{/s}} iterates arrays, pushes objects, renders
 * truthy scalars once; {{^s}}...{{/s}} renders when s is missing, false,
 * null, "" or []; {{! comment}}; dotted names; {{.}} the current element.
 * Missing names render nothing. Returns FF_OK, FF_EINVAL (err says what
 * and the byte offset) or FF_ETOOBIG (out's cap). */
int tpl_render(const char *tpl, const json_t *ctx, tpl_escape_fn esc, struct buf *out, char *err,
	       size_t errlen);

/* tpl_file: an embedded template by file name ("ticket_body.md.mustache"),
 * or NULL */
const char *tpl_file(const char *name);

#endif
