#include "tpl.h"

#include "common/rc.h"

int tpl_escape_html(struct buf *out, const char *s)
{
	for (; *s; s++) {
		int rc;
		switch (*s) {
		case '&': rc = buf_puts(out, "&amp;"); break;
		case '<': rc = buf_puts(out, "&lt;"); break;
		case '>': rc = buf_puts(out, "&gt;"); break;
		case '"': rc = buf_puts(out, "&quot;"); break;
		case '\'': rc = buf_puts(out, "&#39;"); break;
		default: rc = buf_putc(out, *s); break;
		}
		if (rc)
			return rc;
	}
	return FF_OK;
}
