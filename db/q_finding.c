#include "q_finding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/rc.h"

#define LL(buf, v) snprintf(buf, sizeof(buf), "%lld", (long long)(v))

/* keyset cursors: "id" -> "<id>", "score" -> "<score10>:<id>", "age" -> "<epoch_us>:<id>" */
static int parse_cursor(const char *c, const char *sort, char *k1, size_t n1, char *k2, size_t n2)
{
	k1[0] = k2[0] = '\0';
	if (!c || !*c)
		return FF_OK;
	const char *colon = strchr(c, ':');
	int keyed = sort && strcmp(sort, "id") != 0;
	if (keyed != (colon != NULL))
		return FF_EINVAL;
	for (const char *p = c; *p; p++)
		if (!((*p >= '0' && *p <= '9') || *p == ':' || (*p == '-' && (p == c || p[-1] == ':'))))
			return FF_EINVAL;
	if (!keyed) {
		snprintf(k2, n2, "%s", c);
		return FF_OK;
	}
	snprintf(k1, n1, "%.*s", (int)(colon - c), c);
	snprintf(k2, n2, "%s", colon + 1);
	return (*k1 && *k2) ? FF_OK : FF_EINVAL;
}

int finding_list_json(struct db *db, long long org_id, const struct finding_filter *f, char **out)
{
	char org[24], lim[16], user[24], k1[32], k2[32];
	const char *sort = f->sort ? f->sort : "id";
	if (strcmp(sort, "id") && strcmp(sort, "score") && strcmp(sort, "age"))
		return FF_EINVAL;
	if (parse_cursor(f->cursor, sort, k1, sizeof(k1), k2, sizeof(k2)))
		return FF_EINVAL;
	LL(org, org_id);
	LL(lim, f->limit);
	LL(user, f->restrict_user_id);
	const char *p[] = { org, lim, f->asset, f->state, f->severity, f->kind, f->cve, f->scanner, f->q, user,
			    sort, k1[0] ? k1 : NULL, k2[0] ? k2 : NULL };
	PGresult *r = db_exec_hot(db,
		"WITH page AS (SELECT f.id, coalesce(f.score10, -1) AS sk, (extract(epoch FROM f.first_seen) * 1000000)::bigint AS ak"
		"  FROM finding f JOIN asset a ON a.id = f.asset_id WHERE f.org_id = $1"
		"  AND ($3::text IS NULL OR a.slug = $3)"
		"  AND ($4::text IS NULL OR f.state = ANY(string_to_array($4, ',')))"
		"  AND ($5::text IS NULL OR f.severity = ANY(string_to_array($5, ',')))"
		"  AND ($6::text IS NULL OR f.kind = $6)"
		"  AND ($7::text IS NULL OR f.vuln_ids @> ARRAY[$7::text] OR f.primary_id = $7)"
		"  AND ($8::text IS NULL OR EXISTS (SELECT 1 FROM finding_source fs JOIN scan_scope sc ON sc.id = fs.scope_id"
		"       WHERE fs.finding_id = f.id AND sc.scanner = $8))"
		"  AND ($9::text IS NULL OR f.title ILIKE '%' || $9 || '%' OR f.rule_id ILIKE '%' || $9 || '%'"
		"       OR f.pkg_name ILIKE '%' || $9 || '%' OR f.file ILIKE '%' || $9 || '%' OR f.primary_id ILIKE '%' || $9 || '%')"
		"  AND ($10::bigint = 0 OR EXISTS (SELECT 1 FROM asset_owner o WHERE o.asset_id = f.asset_id AND o.user_id = $10::bigint))"
		"  AND ($13::bigint IS NULL OR CASE $11"
		"       WHEN 'score' THEN (coalesce(f.score10, -1), -f.id) < ($12::bigint, -$13::bigint)"
		"       WHEN 'age' THEN ((extract(epoch FROM f.first_seen) * 1000000)::bigint, f.id) > ($12::bigint, $13::bigint)"
		"       ELSE f.id > $13::bigint END)"
		"  ORDER BY CASE WHEN $11 = 'score' THEN -coalesce(f.score10, -1) END,"
		"   CASE WHEN $11 = 'age' THEN (extract(epoch FROM f.first_seen) * 1000000)::bigint END, f.id"
		"  LIMIT $2::int + 1),"
		" shown AS (SELECT *, row_number() OVER () AS rn FROM (SELECT * FROM page LIMIT $2::int) x)"
		" SELECT json_build_object('items', coalesce((SELECT json_agg(ff_finding_json(f) ORDER BY s.rn)"
		"   FROM shown s JOIN finding f ON f.id = s.id), '[]'),"
		"  'next_cursor', CASE WHEN (SELECT count(*) FROM page) > $2::int THEN (SELECT CASE $11"
		"    WHEN 'score' THEN sk || ':' || id WHEN 'age' THEN ak || ':' || id ELSE id::text END"
		"    FROM shown ORDER BY rn DESC LIMIT 1) END)::text", 13, p);
	if (!r)
		return db_last_rc(db);
	*out = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return FF_OK;
}

int finding_get_json(struct db *db, long long org_id, long long id, long long restrict_user_id, char **out)
{
	char org[24], ids[24], user[24];
	LL(org, org_id);
	LL(ids, id);
	LL(user, restrict_user_id);
	const char *p[] = { org, ids, user };
	PGresult *r = db_exec_hot(db,
		"SELECT (ff_finding_json(f) || jsonb_build_object("
		"  'description', f.description, 'snippet', f.snippet, 'layer', f.layer, 'tool_cvss', f.tool_cvss,"
		"  'vex', jsonb_build_object('state', f.vex_state, 'justification', f.vex_justification),"
		"  'locations', CASE WHEN f.file IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object("
		"    'file', f.file, 'start_line', f.start_line, 'end_line', f.end_line)) END,"
		"  'scoring', jsonb_build_object('score', CASE WHEN f.score10 IS NULL THEN NULL ELSE round(f.score10 / 10.0, 1) END,"
		"    'version', f.score_version, 'severity', f.severity,"
		"    'base', jsonb_build_object('vector', f.base_vector, 'source', f.base_source, 'date', f.base_date),"
		"    'composed_vector', f.composed_vector, 'explanation', f.explanation,"
		"    'override', CASE WHEN f.override_vector IS NULL THEN NULL ELSE jsonb_build_object("
		"      'vector', f.override_vector, 'justification', f.override_justification) END,"
		"    'threat', jsonb_build_object("
		"      'kev', (SELECT jsonb_build_object('date_added', k.date_added, 'due_date', k.due_date,"
		"        'known_ransomware_campaign_use', k.ransomware, 'name', k.name, 'required_action', k.required_action)"
		"        FROM kev k WHERE k.cve_id = f.primary_id),"
		"      'exploitdb', coalesce((SELECT jsonb_agg(DISTINCT x.exploit_id) FROM exploit x WHERE x.cve_id = f.primary_id), '[]'),"
		"      'epss', (SELECT jsonb_build_object('score', e.score, 'percentile', e.percentile, 'date', e.score_date,"
		"        'model_version', e.model_version) FROM epss e WHERE e.cve_id = f.primary_id)),"
		"    'environment', (SELECT jsonb_build_object("
		"      'CR', jsonb_build_object('value', a.confidentiality_requirement, 'from', 'asset confidentiality_requirement'),"
		"      'IR', jsonb_build_object('value', a.integrity_requirement, 'from', 'asset integrity_requirement'),"
		"      'AR', jsonb_build_object('value', a.availability_requirement, 'from', 'asset availability_requirement'),"
		"      'exposure', jsonb_build_object('internet_exposed', a.internet_exposed, 'keep_network_av', a.keep_network_av,"
		"        'from', 'asset internet_exposed / keep_network_av')) FROM asset a WHERE a.id = f.asset_id),"
		"    'nvd', (SELECT jsonb_build_object('cna', c.cna, 'published', c.published, 'last_modified', c.last_modified,"
		"      'vuln_status', c.vuln_status, 'metrics', c.metrics) FROM cve c WHERE c.id = f.primary_id)),"
		"  'treatment', f.treatment, 'state_changed_at', f.state_changed_at,"
		"  'ticket', ff_finding_ticket_json(f.id),"
		"  'sources', coalesce((SELECT jsonb_agg(jsonb_build_object('scanner', sc.scanner, 'target', sc.target,"
		"    'tool', fs.tool_name, 'present', fs.present, 'first_seen', fs.first_seen, 'last_seen', fs.last_seen,"
		"    'last_scan_id', fs.last_scan_id) ORDER BY sc.scanner, sc.target) FROM finding_source fs"
		"    JOIN scan_scope sc ON sc.id = fs.scope_id WHERE fs.finding_id = f.id), '[]'),"
		"  'history', coalesce((SELECT jsonb_agg(jsonb_build_object('id', e.id, 'type', e.type, 'from_state', e.from_state,"
		"    'to_state', e.to_state, 'actor', e.actor_name, 'actor_type', e.actor_type, 'source', e.source,"
		"    'justification', e.justification, 'payload', e.payload, 'created_at', e.created_at) ORDER BY e.id)"
		"    FROM (SELECT * FROM event WHERE finding_id = f.id ORDER BY id DESC LIMIT 100) e), '[]')))::text"
		" FROM finding f WHERE f.org_id = $1 AND f.id = $2"
		" AND ($3::bigint = 0 OR EXISTS (SELECT 1 FROM asset_owner o WHERE o.asset_id = f.asset_id AND o.user_id = $3::bigint))",
		3, p);
	if (!r)
		return db_last_rc(db);
	int rc = PQntuples(r) == 1 ? FF_OK : FF_ENOTFOUND;
	if (!rc)
		*out = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return rc;
}

int finding_events_json(struct db *db, long long org_id, long long id, long long restrict_user_id, char **out)
{
	char org[24], ids[24], user[24];
	LL(org, org_id);
	LL(ids, id);
	LL(user, restrict_user_id);
	const char *p[] = { org, ids, user };
	PGresult *r = db_exec(db,
		"SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM finding f WHERE f.org_id = $1 AND f.id = $2"
		"  AND ($3::bigint = 0 OR EXISTS (SELECT 1 FROM asset_owner o WHERE o.asset_id = f.asset_id AND o.user_id = $3::bigint)))"
		" THEN NULL ELSE json_build_object('items', coalesce((SELECT json_agg(json_build_object('id', e.id, 'seq', e.seq,"
		"  'type', e.type, 'from_state', e.from_state, 'to_state', e.to_state, 'actor', e.actor_name,"
		"  'actor_type', e.actor_type, 'actor_id', e.actor_id, 'source', e.source, 'justification', e.justification,"
		"  'payload', e.payload, 'created_at', e.created_at, 'hash', e.hash) ORDER BY e.id)"
		"  FROM event e WHERE e.org_id = $1 AND e.finding_id = $2), '[]'), 'next_cursor', NULL)::text END", 3, p);
	if (!r)
		return db_last_rc(db);
	int rc = PQgetisnull(r, 0, 0) ? FF_ENOTFOUND : FF_OK;
	if (!rc)
		*out = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return rc;
}
