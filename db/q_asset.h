/* db/q_asset.h - assets and their owners. Inputs are already validated by
 * the caller (daemon/api/assets.c); every change writes its audit event in
 * the same transaction. JSON results are returned as text the caller frees. */
#ifndef FF_DB_Q_ASSET_H
#define FF_DB_Q_ASSET_H

#include "audit.h"
#include "db.h"

/* asset_owner_ids resolves user names (a JSON array text) of org to ids.
 * On an unknown name returns FF_ENOTFOUND and its index in *bad_index. */
int asset_resolve_users(struct db *db, long long org_id, const char *names_json, int *bad_index);

/* asset_create inserts fields (a JSON object with asset columns, slug set)
 * and the technical/risk owners (JSON arrays of user names). FF_ECONFLICT
 * when the slug exists. *out = the asset JSON. */
int asset_create(struct db *db, long long org_id, const char *fields_json, const char *tech_owners,
		 const char *risk_owners, const struct audit_actor *actor, char **out);
/* asset_get: FF_ENOTFOUND when no asset with that slug in org */
int asset_get(struct db *db, long long org_id, const char *slug, char **out);
int asset_id_by_slug(struct db *db, long long org_id, const char *slug, long long *id);
/* asset_update applies a JSON object of changed columns; owners may be
 * NULL (unchanged). Records old and new values in the event. */
int asset_update(struct db *db, long long org_id, const char *slug, const char *patch_json,
		 const char *tech_owners, const char *risk_owners, const struct audit_actor *actor,
		 char **out);
int asset_archive(struct db *db, long long org_id, const char *slug, const struct audit_actor *actor,
		  char **out);

/* asset_user_relation: is user a technical / risk owner of the asset */
int asset_user_relation(struct db *db, long long asset_id, long long user_id, int *technical, int *risk);
/* asset_lookup: id and archived flag of a slug in org; FF_ENOTFOUND */
int asset_lookup(struct db *db, long long org_id, const char *slug, long long *id, int *archived);

struct asset_filter {
	const char *tag, *environment, *functional_group, *system_type, *kind, *q;
	int include_archived;
	long long after_id; /* cursor */
	int limit;
	long long restrict_user_id; /* >0: only assets this user owns (member role) */
};
/* asset_list: *out = {"items": [...], "next_cursor": "..."|null} */
int asset_list(struct db *db, long long org_id, const struct asset_filter *f, char **out);

#endif
