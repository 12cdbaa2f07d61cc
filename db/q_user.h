/* db/q_user.h - users, memberships (roles) and API tokens. Each change
 * writes its audit event in the same transaction. */
#ifndef FF_DB_Q_USER_H
#define FF_DB_Q_USER_H

#include <stdbool.h>

#include "audit.h"
#include "db.h"

/* user_add creates a user with a membership in org; FF_ECONFLICT when the
 * name is taken, FF_EINVAL when the name is not acceptable. */
int user_add(struct db *db, long long org_id, const char *name, const char *email, const char *role,
	     const char *pw_hash, const struct audit_actor *actor, long long *id);
/* user_set_password: FF_ENOTFOUND for an unknown name */
int user_set_password(struct db *db, const char *name, const char *pw_hash, const struct audit_actor *actor);
/* user_list_json: JSON array of {name, email, role, disabled, created_at} */
int user_list_json(struct db *db, long long org_id, char **out);
int user_count(struct db *db, long long *n);
/* user_get_json: {name, email, role, disabled, created_at} of a member of
 * org (allocated into *out); FF_ENOTFOUND when org has no such user. */
int user_get_json(struct db *db, long long org_id, const char *name, char **out);

/* what user_update changes; the rest stays */
struct user_change {
	bool set_email;    /* when true, email is the new address (NULL clears it) */
	const char *email;
	const char *role;  /* admin, security, member, auditor; NULL = unchanged */
	int disabled;      /* -1 unchanged, 0 enable, 1 disable */
};
/* user_update applies c in one transaction with one audit event per kind
 * of change (membership.changed, user.disabled / user.enabled,
 * user.updated); disabling deletes the user's sessions. Nothing is written
 * when nothing changes. *out gets the user's JSON as after the change
 * (allocated). FF_ENOTFOUND for a name org does not have; FF_ECONFLICT when
 * the change would leave org without an enabled admin (checked under a
 * lock on the org's admin memberships). */
int user_update(struct db *db, long long org_id, const char *name, const struct user_change *c,
		const struct audit_actor *actor, char **out);

/* token_create stores only the token's hash. asset_slug is required for
 * scope "upload" and binds the token to that asset. */
int token_create(struct db *db, long long org_id, const char *user_name, const char *scope,
		 const char *asset_slug, const char *name, const char *hash, const char *prefix,
		 const struct audit_actor *actor, long long *id);
int token_list_json(struct db *db, long long org_id, const char *user_name, char **out);
/* token_revoke: FF_ENOTFOUND when no active token has that id */
int token_revoke(struct db *db, long long org_id, long long id, const struct audit_actor *actor);

/* what a bearer token stands for */
struct principal_row {
	long long token_id, user_id, org_id, asset_id;
	char user_name[130];
	char role[16];  /* admin, security, member, auditor */
	char scope[16]; /* read, write, upload */
};
/* auth_token_lookup: FF_ENOTFOUND when the hash matches no active,
 * unexpired token of an enabled user */
int auth_token_lookup(struct db *db, const char *hash, struct principal_row *out);



/* user_first_admin: the oldest admin of org (default owner of CLI-made
 * upload tokens); writes the name into out. FF_ENOTFOUND when none. */
int user_first_admin(struct db *db, long long org_id, char *out, size_t outlen);
#endif
