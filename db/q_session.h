/* db/q_session.h - web sessions (cookie + CSRF token, both stored hashed
 * or random) and brute-force throttling of logins. */
#ifndef FF_DB_Q_SESSION_H
#define FF_DB_Q_SESSION_H

#include <stddef.h>

#include "audit.h"
#include "db.h"
#include "q_user.h"

/* what a login needs to know about a user name */
struct login_user {
	long long id, org_id;
	char password_hash[160];
	char role[16];
	int disabled;
};
/* login_user_get: FF_ENOTFOUND for an unknown name or a user without a
 * membership */
int login_user_get(struct db *db, const char *name, struct login_user *out);

/* login_throttle_wait: seconds until a login for any of the keys
 * ("user:NAME", "addr:IP") may be tried again; 0 = now */
int login_throttle_wait(struct db *db, const char *user_key, const char *addr_key, int *wait_seconds);
/* login_throttle_fail counts a failure for both keys: a key reaching its
 * limit within window_s is locked for lock_s */
int login_throttle_fail(struct db *db, const char *user_key, const char *addr_key, int user_limit,
			int addr_limit, int window_s, int lock_s);
/* login_throttle_reset forgets the failures of key (after a success) */
int login_throttle_reset(struct db *db, const char *key);

/* session_create stores a session (token_hash = SHA-256 hex of the cookie
 * value) with its CSRF token, valid for ttl_s. */
int session_create(struct db *db, const struct login_user *u, const char *token_hash, const char *csrf,
		   int ttl_s);
/* session_lookup: the principal of a live session (scope "session") and
 * its CSRF token (csrf of csrflen). FF_ENOTFOUND when unknown or expired. */
int session_lookup(struct db *db, const char *token_hash, struct principal_row *out, char *csrf, size_t csrflen);
/* session_delete ends a session; FF_ENOTFOUND when none */
int session_delete(struct db *db, const char *token_hash);

#endif
