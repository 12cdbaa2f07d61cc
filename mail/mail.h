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

/* mail_header appends "Name: value" and CRLF to b. Control characters in
 * the value (CR and LF among them: a scanner's title can never add a header
 * field) become spaces; a value with non-ASCII characters goes as RFC 2047
 * encoded-words (UTF-8, base64), folded, never splitting a character.
 * mail_header_n first cuts the value to max_bytes (0: no limit) at a
 * character boundary. */
struct buf;
void mail_header(struct buf *b, const char *name, const char *value);
void mail_header_n(struct buf *b, const char *name, const char *value, size_t max_bytes);

#endif
