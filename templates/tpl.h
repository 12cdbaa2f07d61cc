/* templates/tpl.h - the template renderer (a Mustache subset) and the
 * templates for mails, tickets and reports. */
#ifndef FF_TEMPLATES_TPL_H
#define FF_TEMPLATES_TPL_H

#include "common/buf.h"

/* tpl_escape_html appends s to out with & < > " ' escaped as Mustache does;
 * returns FF_OK or FF_ETOOBIG when out's cap is reached. */
int tpl_escape_html(struct buf *out, const char *s);

#endif
