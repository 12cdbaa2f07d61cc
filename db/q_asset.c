#include "q_asset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/rc.h"

#define ORG_STR(buf, v) snprintf(buf, sizeof(buf), "%lld", (long long)(v))

int asset_resolve_users(struct db *db, long long org_id, const char *names_json, int *bad_index)
{
	char org[24];
	ORG_STR(org, org_id);
	const char *p[] = { org, names_json };
	/* the first name (by position) with no member of this org */
	PGresult *r = db_exec(db,
		"SELECT n.ord - 1 FROM jsonb_array_elements_text($2::jsonb) WITH ORDINALITY AS n(name, ord)"
		" WHERE NOT EXISTS (SELECT 1 FROM app_user u JOIN membership m ON m.user_id = u.id"
		"   WHERE u.name = n.name AND m.org_id = $1 AND NOT u.disabled)"
		" ORDER BY n.ord LIMIT 1", 2, p);
	if (!r)
		return db_last_rc(db);
	int rc = FF_OK;
	if (PQntuples(r) > 0) {
		*bad_index = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
		rc = FF_ENOTFOUND;
	}
	PQclear(r);
	return rc;
}

static int set_owners(struct db *db, const char *asset_id, const char *org, const char *role, const char *names)
{
	if (!names)
		return FF_OK;
	const char *p[] = { asset_id, role };
	int rc = db_cmd(db, "DELETE FROM asset_owner WHERE asset_id = $1 AND role = $2", 2, p);
	if (rc)
		return rc;
	const char *q[] = { org, asset_id, role, names };
	return db_cmd(db,
		"INSERT INTO asset_owner (org_id, asset_id, user_id, role)"
		" SELECT DISTINCT $1::bigint, $2::bigint, u.id, $3 FROM jsonb_array_elements_text($4::jsonb) n(name)"
		" JOIN app_user u ON u.name = n.name", 4, q);
}

static int fetch_json(struct db *db, const char *asset_id, char **out)
{
	const char *p[] = { asset_id };
	PGresult *r = db_exec(db, "SELECT ff_asset_json(a)::text FROM asset a WHERE id = $1", 1, p);
	if (!r)
		return db_last_rc(db);
	if (PQntuples(r) != 1) {
		PQclear(r);
		return FF_ENOTFOUND;
	}
	*out = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return FF_OK;
}

static int event(struct db *db, long long org_id, const char *asset_id, const char *type,
		 const struct audit_actor *actor, const char *payload)
{
	struct audit_event ev = {
		.org_id = org_id, .asset_id = strtoll(asset_id, NULL, 10), .type = type, .payload = payload,
	};
	return audit_append(db, actor, &ev);
}

int asset_create(struct db *db, long long org_id, const char *fields_json, const char *tech_owners,
		 const char *risk_owners, const struct audit_actor *actor, char **out)
{
	char org[24], id[24];
	ORG_STR(org, org_id);
	int rc = db_begin(db);
	if (rc)
		return rc;
	const char *p[] = { org, fields_json };
	PGresult *r = db_exec(db,
		"INSERT INTO asset (org_id, name, slug, kind, owner, category, location, environment,"
		" system_type, functional_group, tags, internet_exposed, importance,"
		" confidentiality_requirement, integrity_requirement, availability_requirement, default_branch,"
		" keep_network_av)"
		" SELECT $1, r.name, r.slug, r.kind, r.owner, r.category, r.location, r.environment,"
		" r.system_type, r.functional_group, coalesce(r.tags, '{}'), coalesce(r.internet_exposed, false),"
		" r.importance, coalesce(r.confidentiality_requirement, 'not_defined'),"
		" coalesce(r.integrity_requirement, 'not_defined'), coalesce(r.availability_requirement, 'not_defined'),"
		" coalesce(r.default_branch, 'main'), coalesce(r.keep_network_av, false)"
		" FROM jsonb_populate_record(NULL::asset, $2::jsonb) r RETURNING id", 2, p);
	if (!r) {
		rc = db_last_rc(db);
		goto fail;
	}
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if ((rc = set_owners(db, id, org, "technical", tech_owners)) ||
	    (rc = set_owners(db, id, org, "risk", risk_owners)) || (rc = fetch_json(db, id, out)))
		goto fail;
	if ((rc = event(db, org_id, id, "asset.created", actor, *out)) || (rc = db_commit(db)))
		goto fail_out;
	return FF_OK;
fail_out:
	free(*out);
	*out = NULL;
fail:
	db_rollback(db);
	return rc;
}

int asset_id_by_slug(struct db *db, long long org_id, const char *slug, long long *id)
{
	char org[24];
	ORG_STR(org, org_id);
	const char *p[] = { org, slug };
	PGresult *r = db_exec(db, "SELECT id FROM asset WHERE org_id = $1 AND slug = $2", 2, p);
	if (!r)
		return db_last_rc(db);
	int rc = PQntuples(r) == 1 ? FF_OK : FF_ENOTFOUND;
	if (!rc)
		*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return rc;
}

int asset_get(struct db *db, long long org_id, const char *slug, char **out)
{
	char org[24];
	ORG_STR(org, org_id);
	const char *p[] = { org, slug };
	PGresult *r = db_exec(db, "SELECT ff_asset_json(a)::text FROM asset a WHERE org_id = $1 AND slug = $2",
			      2, p);
	if (!r)
		return db_last_rc(db);
	int rc = PQntuples(r) == 1 ? FF_OK : FF_ENOTFOUND;
	if (!rc)
		*out = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return rc;
}

/* locks the row; returns its id and current JSON */
static int lock_asset(struct db *db, const char *org, const char *slug, char *id, size_t idlen, char **old,
		      int *archived)
{
	const char *p[] = { org, slug };
	PGresult *r = db_exec(db,
		"SELECT id, ff_asset_json(a)::text, archived_at IS NOT NULL FROM asset a"
		" WHERE org_id = $1 AND slug = $2 FOR UPDATE", 2, p);
	if (!r)
		return db_last_rc(db);
	if (PQntuples(r) != 1) {
		PQclear(r);
		return FF_ENOTFOUND;
	}
	snprintf(id, idlen, "%s", PQgetvalue(r, 0, 0));
	*old = xstrdup(PQgetvalue(r, 0, 1));
	*archived = PQgetvalue(r, 0, 2)[0] == 't';
	PQclear(r);
	return FF_OK;
}

static int diff_json(struct db *db, const char *old, const char *new_, char **diff)
{
	const char *p[] = { old, new_ };
	PGresult *r = db_exec(db,
		"SELECT coalesce(jsonb_object_agg(n.key, jsonb_build_object('old', o.value, 'new', n.value)), '{}')::text"
		" FROM jsonb_each($1::jsonb) o JOIN jsonb_each($2::jsonb) n ON n.key = o.key"
		" WHERE o.value IS DISTINCT FROM n.value AND n.key <> 'updated_at'", 2, p);
	if (!r)
		return db_last_rc(db);
	*diff = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return FF_OK;
}

/* a change of what the composed score depends on rescoring this asset's
 * findings (a job, in the same transaction as the change) */
static int rescore_if_needed(struct db *db, const char *org, const char *id, const char *diff)
{
	const char *p[] = { org, id, diff };
	return db_cmd(db,
		"INSERT INTO job (org_id, kind, payload)"
		" SELECT $1::bigint, 'score.asset', jsonb_build_object('asset_id', $2::bigint, 'reason',"
		"  'asset ' || string_agg(k, ', ' ORDER BY k) || ' changed')"
		" FROM jsonb_object_keys($3::jsonb) k WHERE k IN ('confidentiality_requirement', 'integrity_requirement',"
		"  'availability_requirement', 'internet_exposed', 'keep_network_av')"
		" HAVING count(*) > 0", 3, p);
}

int asset_update(struct db *db, long long org_id, const char *slug, const char *patch_json,
		 const char *tech_owners, const char *risk_owners, const struct audit_actor *actor,
		 char **out)
{
	char org[24], id[24];
	char *old = NULL, *diff = NULL;
	int archived = 0;
	ORG_STR(org, org_id);
	*out = NULL;
	int rc = db_begin(db);
	if (rc)
		return rc;
	if ((rc = lock_asset(db, org, slug, id, sizeof(id), &old, &archived)))
		goto fail;
	if (archived) {
		rc = FF_ECONFLICT;
		goto fail;
	}
	const char *p[] = { id, patch_json };
	if ((rc = db_cmd(db,
		"UPDATE asset a SET (name, slug, kind, owner, category, location, environment, system_type,"
		" functional_group, tags, internet_exposed, importance, confidentiality_requirement,"
		" integrity_requirement, availability_requirement, default_branch, keep_network_av) ="
		" (SELECT r.name, r.slug, r.kind, r.owner, r.category, r.location, r.environment, r.system_type,"
		"  r.functional_group, coalesce(r.tags, '{}'), r.internet_exposed, r.importance,"
		"  r.confidentiality_requirement, r.integrity_requirement, r.availability_requirement,"
		"  r.default_branch, r.keep_network_av FROM jsonb_populate_record(a, $2::jsonb) r), updated_at = now()"
		" WHERE a.id = $1", 2, p)))
		goto fail;
	if ((rc = set_owners(db, id, org, "technical", tech_owners)) ||
	    (rc = set_owners(db, id, org, "risk", risk_owners)) || (rc = fetch_json(db, id, out)) ||
	    (rc = diff_json(db, old, *out, &diff)))
		goto fail;
	if (strcmp(diff, "{}") == 0) {
		/* nothing changed: no event, no new updated_at */
		db_rollback(db);
		free(*out);
		*out = old;
		free(diff);
		return FF_OK;
	}
	char *payload = xasprintf("{\"changes\": %s}", diff);
	rc = event(db, org_id, id, "asset.updated", actor, payload);
	free(payload);
	if (!rc)
		rc = rescore_if_needed(db, org, id, diff);
	if (rc || (rc = db_commit(db)))
		goto fail;
	free(old);
	free(diff);
	return FF_OK;
fail:
	db_rollback(db);
	free(old);
	free(diff);
	free(*out);
	*out = NULL;
	return rc;
}

int asset_archive(struct db *db, long long org_id, const char *slug, const struct audit_actor *actor,
		  char **out)
{
	char org[24], id[24];
	char *old = NULL;
	int archived = 0;
	ORG_STR(org, org_id);
	*out = NULL;
	int rc = db_begin(db);
	if (rc)
		return rc;
	if ((rc = lock_asset(db, org, slug, id, sizeof(id), &old, &archived)))
		goto fail;
	free(old);
	if (archived) {
		db_rollback(db);
		return fetch_json(db, id, out);
	}
	const char *p[] = { id };
	if ((rc = db_cmd(db, "UPDATE asset SET archived_at = now(), updated_at = now() WHERE id = $1", 1, p)) ||
	    (rc = event(db, org_id, id, "asset.archived", actor, "{}")) || (rc = fetch_json(db, id, out)) ||
	    (rc = db_commit(db)))
		goto fail;
	return FF_OK;
fail:
	db_rollback(db);
	free(*out);
	*out = NULL;
	return rc;
}

int asset_list(struct db *db, long long org_id, const struct asset_filter *f, char **out)
{
	char org[24], after[24], limit[16], user[24];
	ORG_STR(org, org_id);
	ORG_STR(after, f->after_id);
	snprintf(limit, sizeof(limit), "%d", f->limit);
	ORG_STR(user, f->restrict_user_id);
	const char *p[] = { org, after, limit, f->tag, f->environment, f->functional_group, f->system_type,
			    f->kind, f->q, f->include_archived ? "t" : "f", user };
	PGresult *r = db_exec_hot(db,
		/* one statement, owners by a lateral join, the page's JSON built by
		 * row_to_json: this is the hottest read of the API */
		"WITH page AS (SELECT a.id, a.name, a.slug, a.kind, a.owner, a.category, a.location, a.environment,"
		"  a.system_type, a.functional_group, a.tags, a.internet_exposed, a.keep_network_av, a.importance,"
		"  a.confidentiality_requirement, a.integrity_requirement, a.availability_requirement, a.default_branch,"
		"  coalesce(own.tech, '{}') AS technical_owners, coalesce(own.risk, '{}') AS risk_owners,"
		"  a.archived_at IS NOT NULL AS archived, a.archived_at, a.created_at, a.updated_at"
		"  FROM asset a LEFT JOIN LATERAL (SELECT array_agg(u.name ORDER BY u.name) FILTER (WHERE o.role = 'technical') AS tech,"
		"   array_agg(u.name ORDER BY u.name) FILTER (WHERE o.role = 'risk') AS risk"
		"   FROM asset_owner o JOIN app_user u ON u.id = o.user_id WHERE o.asset_id = a.id) own ON true"
		"  WHERE a.org_id = $1 AND a.id > $2"
		"  AND ($4::text IS NULL OR a.tags @> ARRAY[$4::text])"
		"  AND ($5::text IS NULL OR a.environment = $5) AND ($6::text IS NULL OR a.functional_group = $6)"
		"  AND ($7::text IS NULL OR a.system_type = $7) AND ($8::text IS NULL OR a.kind = $8)"
		"  AND ($9::text IS NULL OR a.name ILIKE '%' || $9 || '%' OR a.slug ILIKE '%' || $9 || '%')"
		"  AND ($10::bool OR a.archived_at IS NULL)"
		"  AND ($11::bigint = 0 OR EXISTS (SELECT 1 FROM asset_owner o WHERE o.asset_id = a.id"
		"       AND o.user_id = $11::bigint))"
		"  ORDER BY a.id LIMIT $3::int + 1),"
		" shown AS (SELECT * FROM page ORDER BY id LIMIT $3::int)"
		" SELECT json_build_object('items', coalesce((SELECT json_agg(s ORDER BY s.id) FROM shown s), '[]'),"
		"  'next_cursor', CASE WHEN (SELECT count(*) FROM page) > $3::int"
		"   THEN (SELECT max(id) FROM shown)::text END)::text", 11, p);
	if (!r)
		return db_last_rc(db);
	*out = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return FF_OK;
}

int asset_user_relation(struct db *db, long long asset_id, long long user_id, int *technical, int *risk)
{
	char a[24], u[24];
	ORG_STR(a, asset_id);
	ORG_STR(u, user_id);
	const char *p[] = { a, u };
	PGresult *r = db_exec(db,
		"SELECT coalesce(bool_or(role = 'technical'), false), coalesce(bool_or(role = 'risk'), false)"
		" FROM asset_owner WHERE asset_id = $1 AND user_id = $2", 2, p);
	if (!r)
		return db_last_rc(db);
	*technical = PQgetvalue(r, 0, 0)[0] == 't';
	*risk = PQgetvalue(r, 0, 1)[0] == 't';
	PQclear(r);
	return FF_OK;
}

int asset_lookup(struct db *db, long long org_id, const char *slug, long long *id, int *archived)
{
	char org[24];
	ORG_STR(org, org_id);
	const char *p[] = { org, slug };
	PGresult *r = db_exec(db, "SELECT id, archived_at IS NOT NULL FROM asset WHERE org_id = $1 AND slug = $2", 2, p);
	if (!r)
		return db_last_rc(db);
	int rc = PQntuples(r) == 1 ? FF_OK : FF_ENOTFOUND;
	if (!rc) {
		*id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		*archived = PQgetvalue(r, 0, 1)[0] == 't';
	}
	PQclear(r);
	return rc;
}
