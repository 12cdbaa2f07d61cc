/* mail/mail.h - outgoing and incoming mail. With no SMTP server
 * configured, outgoing mail is delivered to a local maildir. */
#ifndef FF_MAIL_MAIL_H
#define FF_MAIL_MAIL_H

#include <stddef.h>

/* mail_maildir_deliver writes one RFC 5322 message (CRLF line ends) into
 * dir/new via dir/tmp (creating dir, tmp, new and cur when missing), the
 * way a maildir requires: the file appears whole or not at all.
 * Writes the file's base name to name_out when not NULL. FF_OK or FF_ETEMP. */
int mail_maildir_deliver(const char *dir, const char *msg, size_t len, char *name_out, size_t name_len);

#endif
