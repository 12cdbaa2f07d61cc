/* /api/v1/users: the organisation's users and their roles (the REST side
 * of `flawfix user`). Admins, security staff and auditors may read the
 * list; anyone may read their own record; only admins change anything.
 * A password is generated when none is given and shown once, in the
 * answer to the create; a given password is never echoed. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "common/crypto.h"
#include "common/mem.h"
#include "common/rc.h"
#include "daemon/auth/auth.h"
#include "db/q_user.h"

#define READ_ROLES "admin|security|auditor"
#define PW_MIN 12   /* as `flawfix user add --password-stdin` */
#define PW_MAX 1024 /* as the login route */

static const char *const roles[] = { "admin", "security", "member", "auditor", NULL };

static int bad(struct http_resp *resp, const char *field, const char *what)
{
	char ptr[80];
	api_pointer(ptr, sizeof(ptr), field);
	http_problem(resp, 422, "Invalid field", ptr, "%s %s", field, what);
	return -1;
}

static bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* the database's rule: ^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$ */
static bool name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 128 || !alnum(s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!alnum(s[i]) && !strchr("._@-", s[i]))
			return false;
	return true;
}

/* one @ with something on both sides, no spaces or control characters */
static bool email_ok(const char *s)
{
	size_t n = strlen(s), at = 0, ats = 0;
	if (n == 0 || n > 254)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c == 0x7f)
			return false;
		if (c == '@') {
			ats++;
			at = i;
		}
	}
	return ats == 1 && at > 0 && at + 1 < n;
}

static bool role_ok(const char *s)
{
	for (int i = 0; s && roles[i]; i++)
		if (strcmp(s, roles[i]) == 0)
			return true;
	return false;
}

static int check_role(json_t *b, bool required, struct http_resp *resp)
{
	json_t *v = json_object_get(b, "role");
	if (!v && !required)
		return 0;
	if (!role_ok(json_string_value(v)))
		return bad(resp, "role", "must be one of admin, security, member, auditor");
	return 0;
}

/* email: an address, or null when nullable (PATCH clears it) */
static int check_email(json_t *b, bool nullable, struct http_resp *resp)
{
	json_t *v = json_object_get(b, "email");
	if (!v || (nullable && json_is_null(v)))
		return 0;
	if (!json_is_string(v) || !email_ok(json_string_value(v)))
		return bad(resp, "email", "must be an e-mail address (one @, no spaces, at most 254 characters)");
	return 0;
}

static int check_create(json_t *b, struct http_resp *resp)
{
	static const char *const allowed[] = { "name", "role", "email", "password", NULL };
	if (api_check_fields(b, allowed, resp))
		return -1;
	if (!name_ok(json_string_value(json_object_get(b, "name"))))
		return bad(resp, "name", "must be 1 to 128 letters, digits, '.', '_', '@' or '-', starting with a letter"
					 " or digit");
	if (check_role(b, true, resp) || check_email(b, false, resp))
		return -1;
	json_t *pw = json_object_get(b, "password");
	if (pw && (!json_is_string(pw) || json_string_length(pw) < PW_MIN || json_string_length(pw) > PW_MAX))
		return bad(resp, "password", "must be a string of at least 12 (and at most 1024) characters");
	return 0;
}

static int check_patch(json_t *b, struct http_resp *resp)
{
	static const char *const allowed[] = { "email", "role", "disabled", NULL };
	if (api_check_fields(b, allowed, resp) || check_role(b, false, resp) || check_email(b, true, resp))
		return -1;
	json_t *d = json_object_get(b, "disabled");
	if (d && !json_is_boolean(d))
		return bad(resp, "disabled", "must be true or false");
	return 0;
}

static bool admin_only(struct http_req *req, struct http_resp *resp)
{
	if (auth_role_in(req, "admin"))
		return true;
	return auth_forbid(resp, "managing users needs the admin role");
}

static void not_found(struct http_resp *resp, const char *name)
{
	if (name_ok(name))
		http_problem(resp, 404, "Not found", NULL, "no user '%s'", name);
	else
		http_problem(resp, 404, "Not found", NULL, "no user with that name");
}

void api_user_list(struct http_req *req, struct http_resp *resp, struct db *db)
{
	char *items = NULL;
	if (!auth_role_in(req, READ_ROLES)) {
		auth_forbid(resp, "the user list needs the admin, security or auditor role");
		return;
	}
	int rc = user_list_json(db, req->who.org_id, &items);
	if (rc) {
		http_db_error(resp, rc, db);
		return;
	}
	/* items is a JSON array built by the database */
	http_json(resp, 200, xasprintf("{\"items\":%s,\"next_cursor\":null}", items));
	free(items);
}

void api_user_get(struct http_req *req, struct http_resp *resp, struct db *db)
{
	const char *name = http_param(req, "name");
	char *out = NULL;
	if (!auth_role_in(req, READ_ROLES) && strcmp(name, req->who.user_name) != 0) {
		auth_forbid(resp, "reading another user needs the admin, security or auditor role");
		return;
	}
	int rc = user_get_json(db, req->who.org_id, name, &out);
	if (rc == FF_OK)
		http_json(resp, 200, out);
	else if (rc == FF_ENOTFOUND)
		not_found(resp, name);
	else
		http_db_error(resp, rc, db);
}

/* the created user's JSON, with the generated password when there is one */
static char *created_json(struct db *db, long long org_id, const char *name, const char *generated)
{
	char *out = NULL;
	if (user_get_json(db, org_id, name, &out))
		return NULL;
	json_t *u = json_loads(out, 0, NULL);
	free(out);
	if (generated)
		json_object_set_new(u, "password", json_string(generated));
	out = u ? json_dumps(u, JSON_COMPACT) : NULL;
	json_decref(u);
	return out;
}

static void create_answer(struct http_req *req, struct http_resp *resp, struct db *db, int rc, const char *name,
			  const char *generated)
{
	char *out = NULL;
	if (rc == FF_ECONFLICT) {
		http_problem(resp, 409, "Conflict", "/name", "a user named '%s' exists already", name);
	} else if (rc == FF_EINVAL) {
		bad(resp, "name", "is not acceptable");
	} else if (rc) {
		http_db_error(resp, rc, db);
	} else if (!(out = created_json(db, req->who.org_id, name, generated))) {
		http_db_error(resp, FF_ETEMP, db);
	} else {
		resp->location = xasprintf("/api/v1/users/%s", name);
		http_json(resp, 201, out);
	}
}

void api_user_create(struct http_req *req, struct http_resp *resp, struct db *db)
{
	json_t *b = NULL;
	char *generated = NULL, hash[128], idbuf[24];
	if (!admin_only(req, resp))
		return;
	if (!(b = api_body_object(req, resp)) || check_create(b, resp))
		goto out;
	const char *pw = json_string_value(json_object_get(b, "password"));
	if (!pw) {
		generated = ff_password_new();
		pw = generated;
	}
	if (ff_password_hash(pw, hash)) {
		http_problem(resp, 500, "Internal error", NULL, "the password could not be hashed");
		goto out;
	}
	struct audit_actor a;
	auth_actor(req, &a, idbuf, sizeof(idbuf));
	long long id;
	const char *name = json_string_value(json_object_get(b, "name"));
	int rc = user_add(db, req->who.org_id, name, json_string_value(json_object_get(b, "email")),
			  json_string_value(json_object_get(b, "role")), hash, &a, &id);
	create_answer(req, resp, db, rc, name, generated);
out:
	json_decref(b);
	free(generated);
}

void api_user_patch(struct http_req *req, struct http_resp *resp, struct db *db)
{
	json_t *b = NULL;
	char *out = NULL, idbuf[24];
	const char *name = http_param(req, "name");
	if (!admin_only(req, resp))
		return;
	if (!(b = api_body_object(req, resp)) || check_patch(b, resp))
		goto out;
	json_t *d = json_object_get(b, "disabled");
	struct user_change c = { .set_email = json_object_get(b, "email") != NULL,
				 .email = json_string_value(json_object_get(b, "email")),
				 .role = json_string_value(json_object_get(b, "role")),
				 .disabled = d ? json_is_true(d) : -1 };
	struct audit_actor a;
	auth_actor(req, &a, idbuf, sizeof(idbuf));
	int rc = user_update(db, req->who.org_id, name, &c, &a, &out);
	if (rc == FF_OK)
		http_json(resp, 200, out);
	else if (rc == FF_ENOTFOUND)
		not_found(resp, name);
	else if (rc == FF_ECONFLICT)
		http_problem(resp, 409, "Conflict", NULL,
			     "the organisation would be left without an enabled admin; promote another user first");
	else
		http_db_error(resp, rc, db);
out:
	json_decref(b);
}
