/* /api/v1/assets: create, read, update (PATCH), archive, list.
 * Validation is a table of fields; the first bad field is answered with a
 * JSON pointer and nothing is written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "common/mem.h"
#include "common/rc.h"
#include "common/str.h"
#include "daemon/auth/auth.h"
#include "db/q_asset.h"

enum ftype { F_STR, F_ENUM, F_BOOL, F_STRARR, F_SLUG };

struct field {
	const char *name;
	enum ftype type;
	const char *choices;    /* F_ENUM: "a|b" */
	size_t maxlen;
	int nullable;
	int required;           /* on create */
};

#define REQ_LEVELS "not_defined|low|medium|high"
static const struct field fields[] = {
	{ "name", F_STR, NULL, 200, 0, 1 },
	{ "slug", F_SLUG, NULL, 63, 0, 0 },
	{ "kind", F_ENUM, "application|infrastructure", 0, 0, 1 },
	{ "owner", F_STR, NULL, 200, 1, 0 },
	{ "category", F_STR, NULL, 200, 1, 0 },
	{ "location", F_STR, NULL, 200, 1, 0 },
	{ "environment", F_STR, NULL, 64, 1, 0 },
	{ "system_type", F_STR, NULL, 200, 1, 0 },
	{ "functional_group", F_STR, NULL, 200, 1, 0 },
	{ "tags", F_STRARR, NULL, 64, 0, 0 },
	{ "internet_exposed", F_BOOL, NULL, 0, 0, 0 },
	{ "keep_network_av", F_BOOL, NULL, 0, 0, 0 },
	{ "importance", F_ENUM, "primary|secondary", 0, 1, 0 },
	{ "confidentiality_requirement", F_ENUM, REQ_LEVELS, 0, 0, 0 },
	{ "integrity_requirement", F_ENUM, REQ_LEVELS, 0, 0, 0 },
	{ "availability_requirement", F_ENUM, REQ_LEVELS, 0, 0, 0 },
	{ "default_branch", F_STR, NULL, 255, 0, 0 },
	{ "technical_owners", F_STRARR, NULL, 128, 0, 1 },
	{ "risk_owners", F_STRARR, NULL, 128, 0, 0 },
};
#define NFIELDS ((int)(sizeof(fields) / sizeof(fields[0])))
#define MAX_TAGS 64

static int in_choices(const char *choices, const char *v)
{
	size_t n = strlen(v);
	for (const char *p = choices; p && *p;) {
		const char *e = strchr(p, '|');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == n && strncmp(p, v, n) == 0)
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

static int slug_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 63 || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

static int bad(struct http_resp *resp, const char *ptr, const char *fmt, const char *a, const char *b)
{
	http_problem(resp, 422, "Validation failed", ptr, fmt, a, b);
	return -1;
}

static int check_strarr(const struct field *f, json_t *v, const char *ptr, struct http_resp *resp)
{
	if (!json_is_array(v))
		return bad(resp, ptr, "%s must be an array of strings%s", f->name, "");
	if (json_array_size(v) > MAX_TAGS)
		return bad(resp, ptr, "%s has more than 64 entries%s", f->name, "");
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) {
		char p2[300];
		snprintf(p2, sizeof(p2), "%s/%zu", ptr, i);
		if (!json_is_string(e) || str_is_blank(json_string_value(e)))
			return bad(resp, p2, "every entry of %s must be a non-empty string%s", f->name, "");
		if (strlen(json_string_value(e)) > f->maxlen)
			return bad(resp, p2, "an entry of %s is longer than allowed%s", f->name, "");
	}
	return 0;
}

static int check_field(const struct field *f, json_t *v, struct http_resp *resp)
{
	char ptr[256];
	api_pointer(ptr, sizeof(ptr), f->name);
	if (json_is_null(v)) {
		if (f->nullable)
			return 0;
		return bad(resp, ptr, "%s must not be null%s", f->name, "");
	}
	switch (f->type) {
	case F_BOOL:
		if (!json_is_boolean(v))
			return bad(resp, ptr, "%s must be true or false%s", f->name, "");
		return 0;
	case F_STRARR:
		return check_strarr(f, v, ptr, resp);
	default:
		break;
	}
	if (!json_is_string(v))
		return bad(resp, ptr, "%s must be a string%s", f->name, "");
	const char *s = json_string_value(v);
	if (f->type == F_ENUM && !in_choices(f->choices, s)) {
		char msg[256];
		snprintf(msg, sizeof(msg), "%%s must be one of %s, not '%%s'", f->choices);
		http_problem(resp, 422, "Validation failed", ptr, msg, f->name, s);
		return -1;
	}
	if (f->type == F_SLUG && !slug_ok(s))
		return bad(resp, ptr, "%s '%s' must be 1-63 characters of a-z, 0-9 and '-', not starting with '-'",
			   f->name, s);
	if (f->type == F_STR && (str_is_blank(s) || strlen(s) > f->maxlen))
		return bad(resp, ptr, "%s must be a non-blank string of at most the allowed length%s", f->name, "");
	return 0;
}

/* validates obj; on create, required fields must be there */
static int validate(json_t *obj, int create, struct http_resp *resp)
{
	static const char *allowed[NFIELDS + 1];
	for (int i = 0; i < NFIELDS; i++)
		allowed[i] = fields[i].name;
	if (api_check_fields(obj, allowed, resp))
		return -1;
	for (int i = 0; i < NFIELDS; i++) {
		json_t *v = json_object_get(obj, fields[i].name);
		if (!v) {
			if (create && fields[i].required) {
				char ptr[256];
				api_pointer(ptr, sizeof(ptr), fields[i].name);
				return bad(resp, ptr, "%s is required%s", fields[i].name, "");
			}
			continue;
		}
		if (check_field(&fields[i], v, resp))
			return -1;
	}
	json_t *t = json_object_get(obj, "technical_owners");
	if (t && json_array_size(t) == 0)
		return bad(resp, "/technical_owners", "an asset needs at least one technical owner%s%s", "", "");
	return 0;
}

/* resolves owner names; answers 422 with the pointer of an unknown one */
static int resolve_owners(struct db *db, const struct http_req *req, json_t *obj, const char *key,
			  char **out, struct http_resp *resp)
{
	json_t *arr = json_object_get(obj, key);
	*out = NULL;
	if (!arr)
		return 0;
	*out = json_dumps(arr, JSON_COMPACT);
	int idx = -1;
	int rc = asset_resolve_users(db, req->who.org_id, *out, &idx);
	if (rc == FF_ENOTFOUND) {
		char ptr[64];
		snprintf(ptr, sizeof(ptr), "/%s/%d", key, idx);
		http_problem(resp, 422, "Validation failed", ptr, "%s: no user named '%s' in this organisation", key,
			     json_string_value(json_array_get(arr, (size_t)idx)));
		return -1;
	}
	if (rc) {
		http_db_error(resp, rc, db);
		return -1;
	}
	return 0;
}

/* the asset columns only (owners are separate) */
static char *columns_json(json_t *obj)
{
	json_t *c = json_deep_copy(obj);
	json_object_del(c, "technical_owners");
	json_object_del(c, "risk_owners");
	char *s = json_dumps(c, JSON_COMPACT);
	json_decref(c);
	return s;
}

void api_asset_create(struct http_req *req, struct http_resp *resp, struct db *db)
{
	char *cols = NULL, *tech = NULL, *risk = NULL, *out = NULL;
	if (!auth_role_in(req, "admin|security")) {
		auth_forbid(resp, "creating assets needs the admin or security role");
		return;
	}
	json_t *obj = api_body_object(req, resp);
	if (!obj || validate(obj, 1, resp))
		goto out;
	if (!json_object_get(obj, "slug")) {
		char slug[64];
		if (str_slugify(json_string_value(json_object_get(obj, "name")), slug, sizeof(slug)) == 0) {
			http_problem(resp, 422, "Validation failed", "/name",
				     "no slug can be derived from this name; give a slug");
			goto out;
		}
		json_object_set_new(obj, "slug", json_string(slug));
	}
	if (resolve_owners(db, req, obj, "technical_owners", &tech, resp) ||
	    resolve_owners(db, req, obj, "risk_owners", &risk, resp))
		goto out;
	cols = columns_json(obj);
	struct audit_actor actor;
	char idbuf[24];
	auth_actor(req, &actor, idbuf, sizeof(idbuf));
	int rc = asset_create(db, req->who.org_id, cols, tech, risk, &actor, &out);
	if (rc == FF_ECONFLICT) {
		http_problem(resp, 409, "Conflict", "/slug", "an asset with slug '%s' exists already",
			     json_string_value(json_object_get(obj, "slug")));
	} else if (rc) {
		http_db_error(resp, rc, db);
	} else {
		resp->location = xasprintf("/api/v1/assets/%s", json_string_value(json_object_get(obj, "slug")));
		http_json(resp, 201, out);
		out = NULL;
	}
out:
	free(cols);
	free(tech);
	free(risk);
	free(out);
	json_decref(obj);
}

/* members see the assets they own; others see all of their organisation */
static long long visible_to(const struct http_req *req)
{
	return auth_role_in(req, "member") ? req->who.user_id : 0;
}

static int load_visible(struct http_req *req, struct http_resp *resp, struct db *db, char **out)
{
	const char *slug = http_param(req, "slug");
	int rc = asset_get(db, req->who.org_id, slug, out);
	if (!rc && visible_to(req)) {
		json_t *a = json_loads(*out, 0, NULL);
		int mine = 0;
		size_t i;
		json_t *n;
		static const char *keys[] = { "technical_owners", "risk_owners" };
		for (int k = 0; k < 2; k++)
			json_array_foreach(json_object_get(a, keys[k]), i, n)
				if (strcmp(json_string_value(n), req->who.user_name) == 0)
					mine = 1;
		json_decref(a);
		if (!mine) {
			free(*out);
			*out = NULL;
			rc = FF_ENOTFOUND;
		}
	}
	if (rc == FF_ENOTFOUND)
		http_problem(resp, 404, "Not found", NULL, "no asset with slug '%s'", slug);
	else if (rc)
		http_db_error(resp, rc, db);
	return rc;
}

void api_asset_get(struct http_req *req, struct http_resp *resp, struct db *db)
{
	char *out = NULL;
	if (load_visible(req, resp, db, &out) == FF_OK)
		http_json(resp, 200, out);
}

void api_asset_patch(struct http_req *req, struct http_resp *resp, struct db *db)
{
	char *cols = NULL, *tech = NULL, *risk = NULL, *out = NULL, *cur = NULL;
	json_t *obj = api_body_object(req, resp);
	if (!obj || validate(obj, 0, resp))
		goto out;
	if (load_visible(req, resp, db, &cur))
		goto out;
	if (!auth_role_in(req, "admin|security")) {
		/* a member may edit an asset they are technical owner of */
		json_t *a = json_loads(cur, 0, NULL);
		int tech_owner = 0;
		size_t i;
		json_t *n;
		json_array_foreach(json_object_get(a, "technical_owners"), i, n)
			if (strcmp(json_string_value(n), req->who.user_name) == 0)
				tech_owner = 1;
		json_decref(a);
		if (!tech_owner) {
			auth_forbid(resp, "changing an asset needs the admin or security role or technical ownership");
			goto out;
		}
	}
	if (resolve_owners(db, req, obj, "technical_owners", &tech, resp) ||
	    resolve_owners(db, req, obj, "risk_owners", &risk, resp))
		goto out;
	cols = columns_json(obj);
	struct audit_actor actor;
	char idbuf[24];
	auth_actor(req, &actor, idbuf, sizeof(idbuf));
	int rc = asset_update(db, req->who.org_id, http_param(req, "slug"), cols, tech, risk, &actor, &out);
	if (rc == FF_ECONFLICT)
		http_problem(resp, 409, "Conflict", json_object_get(obj, "slug") ? "/slug" : NULL,
			     "the asset is archived, or the new slug is taken");
	else if (rc)
		http_db_error(resp, rc, db);
	else {
		http_json(resp, 200, out);
		out = NULL;
	}
out:
	free(cols);
	free(tech);
	free(risk);
	free(out);
	free(cur);
	json_decref(obj);
}

void api_asset_archive(struct http_req *req, struct http_resp *resp, struct db *db)
{
	char *out = NULL;
	if (!auth_role_in(req, "admin|security")) {
		auth_forbid(resp, "archiving assets needs the admin or security role");
		return;
	}
	struct audit_actor actor;
	char idbuf[24];
	auth_actor(req, &actor, idbuf, sizeof(idbuf));
	int rc = asset_archive(db, req->who.org_id, http_param(req, "slug"), &actor, &out);
	if (rc == FF_ENOTFOUND)
		http_problem(resp, 404, "Not found", NULL, "no asset with slug '%s'", http_param(req, "slug"));
	else if (rc)
		http_db_error(resp, rc, db);
	else
		http_json(resp, 200, out);
}

void api_asset_list(struct http_req *req, struct http_resp *resp, struct db *db)
{
	struct asset_filter f = {
		.tag = http_query(req, "tag"),
		.environment = http_query(req, "environment"),
		.functional_group = http_query(req, "functional_group"),
		.system_type = http_query(req, "system_type"),
		.kind = http_query(req, "kind"),
		.q = http_query(req, "q"),
		.restrict_user_id = visible_to(req),
	};
	const char *ia = http_query(req, "include_archived");
	if (ia && strcmp(ia, "true") != 0 && strcmp(ia, "false") != 0) {
		http_problem(resp, 422, "Validation failed", NULL, "include_archived must be true or false");
		return;
	}
	f.include_archived = ia && strcmp(ia, "true") == 0;
	if (f.kind && !in_choices("application|infrastructure", f.kind)) {
		http_problem(resp, 422, "Validation failed", NULL,
			     "kind must be application or infrastructure, not '%s'", f.kind);
		return;
	}
	if ((f.limit = api_limit(req, resp, 50, 500)) < 0 || (f.after_id = api_cursor(req, resp)) < 0)
		return;
	char *out = NULL;
	int rc = asset_list(db, req->who.org_id, &f, &out);
	if (rc)
		http_db_error(resp, rc, db);
	else
		http_json(resp, 200, out);
}
