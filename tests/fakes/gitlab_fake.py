#!/usr/bin/env python3
"""Fake GitLab REST v4 (issues, notes, project hooks).

    python3 tests/fakes/gitlab_fake.py --port N [--project acme/web]
        [--project-id 4] [--token T]

Follows shared/reference/protocols.md sections 2 and 7 (fake GitLab
checklist). Auth: PRIVATE-TOKEN or Authorization: Bearer. The token's user
is the integration user "flawfix-bot" (id 42); "jsmith" (id 7) acts through
the control endpoints.

Control (no auth), all JSON:
  GET  /_control/state                      issues with notes, hooks
  POST /_control/fail {status,count,retry_after}   next N API calls fail
  POST /_control/transition {issue: iid, to: close|reopen, user?}
  POST /_control/comment {issue, body, user?}
  POST /_control/delete {issue}
  POST /_control/webhook {url, token?}
  GET  /_control/deliveries, /_control/counts
"""
import argparse
import json
import os
import re
import sys
import time
import uuid
from urllib.parse import parse_qs, unquote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fakebase import App, BaseHandler, Reply, serve  # noqa: E402

VERSION = "17.1.0"


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)


def hook_time(t):
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(t))


def parse_iso(s):
    import calendar
    mo = re.match(r"(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?)?", s or "")
    if not mo:
        raise Reply(400, {"error": "updated_after is invalid"})
    y, m, d, hh, mm, ss = (int(x or 0) for x in mo.groups()[:6])
    frac = float("0." + mo.group(7)) if mo.group(7) else 0.0
    return calendar.timegm((y, m, d, hh, mm, ss, 0, 0, 0)) + frac


class GitLab(App):
    def __init__(self, args):
        super().__init__(args)
        self.issues = {}          # iid -> issue
        self.next_iid = 1
        self.next_id = 1000
        self.next_note = 300
        self.hooks = []
        self.users = {
            "bot": {"id": 42, "username": "flawfix-bot", "name": "FlawFix Bot", "state": "active",
                    "email": "bot@example.com"},
            "human": {"id": 7, "username": "jsmith", "name": "Jane Smith", "state": "active",
                      "email": "jane@example.com"},
        }
        self.base = None

    def user_json(self, who):
        u = dict(self.users[who])
        u["avatar_url"] = "%s/uploads/-/system/user/avatar/%d/avatar.png" % (self.base, u["id"])
        u["web_url"] = "%s/%s" % (self.base, u["username"])
        return u

    def project_json(self):
        return {"id": self.args.project_id, "name": self.args.project.split("/")[-1],
                "web_url": "%s/%s" % (self.base, self.args.project),
                "path_with_namespace": self.args.project}

    def issue_json(self, it):
        return {
            "id": it["id"], "iid": it["iid"], "project_id": self.args.project_id,
            "title": it["title"], "description": it["description"], "state": it["state"],
            "created_at": iso(it["created"]), "updated_at": iso(it["updated"]),
            "closed_at": iso(it["closed_at"]) if it["closed_at"] else None,
            "closed_by": self.user_json(it["closed_by"]) if it["closed_by"] else None,
            "labels": list(it["labels"]), "milestone": None,
            "assignees": [self.user_by_id(a) for a in it["assignee_ids"]],
            "author": self.user_json(it["author"]), "type": "ISSUE", "confidential": it["confidential"],
            "due_date": it["due_date"], "user_notes_count": len([n for n in it["notes"] if not n["system"]]),
            "web_url": "%s/%s/-/issues/%d" % (self.base, self.args.project, it["iid"]),
            "references": {"short": "#%d" % it["iid"], "relative": "#%d" % it["iid"],
                           "full": "%s#%d" % (self.args.project, it["iid"])},
            "_links": {"self": "%s/api/v4/projects/%d/issues/%d" % (self.base, self.args.project_id, it["iid"]),
                       "notes": "%s/api/v4/projects/%d/issues/%d/notes" % (self.base, self.args.project_id, it["iid"])},
        }

    def user_by_id(self, uid):
        for who, u in self.users.items():
            if u["id"] == uid:
                return self.user_json(who)
        return None

    def who_by_id(self, uid):
        for who, u in self.users.items():
            if u["id"] == uid:
                return who
        return None

    def note_json(self, it, n):
        return {"id": n["id"], "type": None, "body": n["body"], "attachment": None,
                "author": self.user_json(n["author"]), "created_at": iso(n["created"]),
                "updated_at": iso(n["updated"]), "system": n["system"], "noteable_id": it["id"],
                "noteable_type": "Issue", "noteable_iid": it["iid"], "project_id": self.args.project_id,
                "resolvable": False, "confidential": False, "internal": n["internal"]}

    # ---- plumbing ----

    def authenticate(self, h):
        tok = h.headers.get("PRIVATE-TOKEN")
        a = h.headers.get("Authorization", "")
        if tok is None and a.startswith("Bearer "):
            tok = a[7:]
        if tok != self.args.token:
            raise Reply(401, {"message": "401 Unauthorized"})

    def outage_headers(self, status, retry_after):
        h = {}
        if retry_after is not None:
            h["Retry-After"] = str(retry_after)
        if status == 429:
            now = int(time.time())
            h.update({"RateLimit-Name": "throttle_authenticated_api", "RateLimit-Limit": "60",
                      "RateLimit-Observed": "61", "RateLimit-Remaining": "0",
                      "RateLimit-Reset": str(now + 60),
                      "RateLimit-ResetTime": time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                                           time.gmtime(now + 60))})
        return h

    def outage_body(self, status):
        return "Retry later\n" if status == 429 else {"message": "503 Service Unavailable"}

    def outage_ctype(self, status):
        return "text/plain" if status == 429 else "application/json"

    def bad_json_body(self):
        return {"error": "400 Bad request - body is not valid JSON"}

    def params(self, h):
        """JSON body, form body or query string, merged (GitLab takes all)"""
        p = dict(h.query)
        ctype = h.headers.get("Content-Type", "")
        if h.raw and "json" in ctype:
            b = h.json_body()
            if isinstance(b, dict):
                p.update(b)
        elif h.raw:
            p.update({k: v[0] for k, v in parse_qs(h.raw.decode(), keep_blank_values=True).items()})
        return p

    def handle(self, h):
        if self.base is None:
            self.base = "http://%s" % h.headers.get("Host", "127.0.0.1")
        self.authenticate(h)
        p, m = h.route, h.command
        if not p.startswith("/api/v4/"):
            raise Reply(404, {"message": "404 Not found"})
        p = p[len("/api/v4"):]
        with self.lock:
            return self.route_api(h, m, p)

    def route_api(self, h, m, p):
        if p == "/user" and m == "GET":
            return h.answer(200, self.user_json("bot"))
        if p == "/users" and m == "GET":
            name = h.query.get("username")
            if name is not None:
                return h.answer(200, [self.user_json(w) for w, u in self.users.items()
                                      if u["username"] == name])
            q = (h.query.get("search") or "").lower()
            # the token's user is an administrator here, so e-mails are searched and shown
            return h.answer(200, [self.user_json(w) for w, u in self.users.items()
                                  if q and (q in u["email"].lower() or q in u["username"].lower()
                                            or q in u["name"].lower())])
        mo = re.fullmatch(r"/projects/([^/]+)(/.*)?", p)
        if not mo:
            raise Reply(404, {"message": "404 Not found"})
        pid = unquote(mo.group(1))
        if pid not in (str(self.args.project_id), self.args.project):
            raise Reply(404, {"message": "404 Project Not Found"})
        rest = mo.group(2) or ""
        if rest == "" and m == "GET":
            return h.answer(200, dict(self.project_json(), default_branch="main", visibility="private"))
        routes = [
            (r"/issues", {"POST": self.create, "GET": self.list_issues}),
            (r"/issues/(\d+)", {"GET": self.get_issue, "PUT": self.edit, "DELETE": self.delete}),
            (r"/issues/(\d+)/notes", {"POST": self.add_note, "GET": self.list_notes}),
            (r"/issues/(\d+)/notes/(\d+)", {"PUT": self.edit_note, "DELETE": self.delete_note,
                                            "GET": self.get_note}),
            (r"/hooks", {"POST": self.add_hook, "GET": self.list_hooks}),
        ]
        for rx, methods in routes:
            mo = re.fullmatch(rx, rest)
            if mo:
                fn = methods.get(m)
                if not fn:
                    raise Reply(405, {"message": "405 Method Not Allowed"})
                return fn(h, *mo.groups())
        raise Reply(404, {"message": "404 Not found"})

    def find(self, iid):
        it = self.issues.get(int(iid))
        if not it or it["deleted"]:
            raise Reply(404, {"message": "404 Issue Not Found"})
        return it

    @staticmethod
    def labels_of(v):
        if v is None:
            return []
        if isinstance(v, list):
            return [str(x).strip() for x in v if str(x).strip()]
        return [x.strip() for x in str(v).split(",") if x.strip()]

    # ---- issues ----

    def create(self, h):
        p = self.params(h)
        if not p.get("title"):
            raise Reply(400, {"error": "title is missing"})
        if len(str(p.get("description") or "")) > 1048576:
            raise Reply(400, {"message": {"description": ["is too long (maximum is 1048576 characters)"]}})
        now = time.time()
        ids = p.get("assignee_ids") or []
        if isinstance(ids, str):
            ids = [int(x) for x in ids.split(",") if x]
        it = {"id": self.next_id, "iid": self.next_iid, "title": p["title"],
              "description": p.get("description"), "state": "opened", "created": now, "updated": now,
              "closed_at": None, "closed_by": None, "labels": self.labels_of(p.get("labels")),
              "assignee_ids": [int(x) for x in ids], "author": "bot",
              "confidential": p.get("confidential") in (True, "true"), "due_date": p.get("due_date"),
              "notes": [], "deleted": False}
        self.next_id += 1
        self.next_iid += 1
        self.issues[it["iid"]] = it
        self.emit_issue(it, "bot", "open", {})
        h.answer(201, self.issue_json(it))

    def list_issues(self, h):
        q = h.query
        state = q.get("state", "all")
        want = self.labels_of(q.get("labels"))
        items = [it for it in self.issues.values() if not it["deleted"]]
        if state in ("opened", "closed"):
            items = [it for it in items if it["state"] == state]
        if want:
            items = [it for it in items if all(l in it["labels"] for l in want)]
        if q.get("updated_after"):
            t = parse_iso(q["updated_after"])
            items = [it for it in items if it["updated"] >= t]
        key = "updated" if q.get("order_by") == "updated_at" else "created"
        items.sort(key=lambda it: (it[key], it["iid"]), reverse=q.get("sort", "desc") == "desc")
        self.paginate(h, items, self.issue_json)

    def paginate(self, h, items, render):
        page = max(int(h.query.get("page", 1) or 1), 1)
        per = min(max(int(h.query.get("per_page", 20) or 20), 1), 100)
        total = len(items)
        pages = max((total + per - 1) // per, 1)
        chunk = items[(page - 1) * per: page * per]
        nxt = str(page + 1) if page < pages else ""
        prev = str(page - 1) if page > 1 else ""
        url = "%s/api/v4%s" % (self.base, h.route)

        def link(n):
            q = dict(h.query)
            q["page"] = str(n)
            q["per_page"] = str(per)
            return "<%s?%s>" % (url, "&".join("%s=%s" % kv for kv in sorted(q.items())))
        links = []
        if prev:
            links.append('%s; rel="prev"' % link(int(prev)))
        if nxt:
            links.append('%s; rel="next"' % link(int(nxt)))
        links.append('%s; rel="first"' % link(1))
        links.append('%s; rel="last"' % link(pages))
        hd = {"x-next-page": nxt, "x-page": str(page), "x-per-page": str(per), "x-prev-page": prev,
              "x-total": str(total), "x-total-pages": str(pages), "Link": ", ".join(links)}
        h.answer(200, [render(it) for it in chunk], hd)

    def get_issue(self, h, iid):
        h.answer(200, self.issue_json(self.find(iid)))

    def edit(self, h, iid):
        it = self.find(iid)
        p = self.params(h)
        known = {"title", "description", "labels", "add_labels", "remove_labels", "state_event",
                 "assignee_ids", "confidential", "due_date"}
        if not known & set(p):
            raise Reply(400, {"error": "assignee_id, assignee_ids, confidential, description, "
                              "due_date, labels, state_event, title are missing, at least one "
                              "parameter must be provided"})
        changes = {}
        if "title" in p:
            if not p["title"]:
                raise Reply(400, {"message": {"title": ["can't be blank"]}})
            it["title"] = p["title"]
        if "description" in p:
            it["description"] = p["description"]
        old_labels = list(it["labels"])
        if "labels" in p:
            it["labels"] = self.labels_of(p["labels"])
        for l in self.labels_of(p.get("add_labels")):
            if l not in it["labels"]:
                it["labels"].append(l)
        for l in self.labels_of(p.get("remove_labels")):
            if l in it["labels"]:
                it["labels"].remove(l)
        if it["labels"] != old_labels:
            changes["labels"] = {"previous": old_labels, "current": list(it["labels"])}
            self.system_note(it, "bot", "changed labels")
        if "assignee_ids" in p:
            it["assignee_ids"] = [int(x) for x in (p["assignee_ids"] or [])]
        it["updated"] = time.time()
        ev = p.get("state_event")
        if ev in ("close", "reopen"):
            return h.answer(200, self.issue_json(self.set_state(it, ev, "bot", changes)))
        self.emit_issue(it, "bot", "update", changes)
        h.answer(200, self.issue_json(it))

    def set_state(self, it, ev, who, changes=None):
        changes = dict(changes or {})
        target = "closed" if ev == "close" else "opened"
        if it["state"] == target:
            return it
        prev_closed = iso(it["closed_at"]) if it["closed_at"] else None
        it["state"] = target
        it["closed_at"] = time.time() if target == "closed" else None
        it["closed_by"] = who if target == "closed" else None
        it["updated"] = time.time()
        changes["state_id"] = {"previous": 2 if target == "opened" else 1,
                               "current": 2 if target == "closed" else 1}
        changes["closed_at"] = {"previous": prev_closed,
                                "current": iso(it["closed_at"]) if it["closed_at"] else None}
        self.system_note(it, who, "closed" if target == "closed" else "reopened")
        self.emit_issue(it, who, ev, changes)
        return it

    def delete(self, h, iid):
        it = self.find(iid)
        it["deleted"] = True
        h.answer(204)

    # ---- notes ----

    def system_note(self, it, who, text):
        now = time.time()
        it["notes"].append({"id": self.next_note, "body": text, "author": who, "created": now,
                            "updated": now, "system": True, "internal": False})
        self.next_note += 1

    def add_note(self, h, iid):
        it = self.find(iid)
        p = self.params(h)
        if not p.get("body"):
            raise Reply(400, {"error": "body is missing"})
        if len(p["body"]) > 1000000:
            raise Reply(400, {"message": {"note": ["is too long (maximum is 1000000 characters)"]}})
        n = self.do_note(it, p["body"], "bot", p.get("internal") in (True, "true"))
        h.answer(201, self.note_json(it, n))

    def do_note(self, it, body, who, internal=False):
        now = time.time()
        n = {"id": self.next_note, "body": body, "author": who, "created": now, "updated": now,
             "system": False, "internal": internal}
        self.next_note += 1
        it["notes"].append(n)
        it["updated"] = now
        self.emit_note(it, n, "create")
        return n

    def list_notes(self, h, iid):
        it = self.find(iid)
        notes = list(it["notes"])
        rev = h.query.get("sort", "desc") == "desc"
        notes.sort(key=lambda n: (n["created"], n["id"]), reverse=rev)
        self.paginate(h, notes, lambda n: self.note_json(it, n))

    def get_note(self, h, iid, nid):
        it = self.find(iid)
        h.answer(200, self.note_json(it, self.note(it, nid)))

    def note(self, it, nid):
        for n in it["notes"]:
            if n["id"] == int(nid):
                return n
        raise Reply(404, {"message": "404 Not found"})

    def edit_note(self, h, iid, nid):
        it = self.find(iid)
        n = self.note(it, nid)
        p = self.params(h)
        if not p.get("body"):
            raise Reply(400, {"error": "body is missing"})
        n["body"] = p["body"]
        n["updated"] = time.time()
        self.emit_note(it, n, "update")
        h.answer(200, self.note_json(it, n))

    def delete_note(self, h, iid, nid):
        it = self.find(iid)
        it["notes"].remove(self.note(it, nid))
        h.answer(204)

    # ---- hooks ----

    def add_hook(self, h):
        p = self.params(h)
        if not p.get("url"):
            raise Reply(400, {"error": "url is missing"})
        hook = {"id": len(self.hooks) + 1, "url": p["url"], "project_id": self.args.project_id,
                "push_events": p.get("push_events", True) in (True, "true"),
                "issues_events": p.get("issues_events", False) in (True, "true"),
                "confidential_issues_events": p.get("confidential_issues_events", False) in (True, "true"),
                "note_events": p.get("note_events", False) in (True, "true"),
                "confidential_note_events": p.get("confidential_note_events", False) in (True, "true"),
                "enable_ssl_verification": p.get("enable_ssl_verification", True) in (True, "true"),
                "created_at": iso(time.time()), "alert_status": "executable", "disabled_until": None,
                "token": p.get("token")}
        self.hooks.append(hook)
        h.answer(201, {k: v for k, v in hook.items() if k != "token"})

    def list_hooks(self, h):
        h.answer(200, [{k: v for k, v in x.items() if k != "token"} for x in self.hooks])

    def deliver(self, event_name, flag, payload):
        body = json.dumps(payload).encode()
        for hook in self.hooks:
            if not hook.get(flag):
                continue
            token = hook.get("token")
            idem = str(uuid.uuid4())
            event_uuid = str(uuid.uuid4())

            def headers(attempt, _id, token=token, idem=idem, event_uuid=event_uuid, hid=hook["id"]):
                hd = {"Content-Type": "application/json", "User-Agent": "GitLab/" + VERSION,
                      "X-Gitlab-Event": event_name, "X-Gitlab-Instance": self.base,
                      "X-Gitlab-Webhook-UUID": "hook-%d" % hid, "X-Gitlab-Event-UUID": event_uuid,
                      "Idempotency-Key": idem}
                if token:
                    hd["X-Gitlab-Token"] = token
                return hd
            self.deliveries.enqueue(hook["url"], body, headers)

    def emit_issue(self, it, who, action, changes):
        ch = dict(changes)
        ch["updated_at"] = {"previous": None, "current": hook_time(it["updated"])}
        attrs = {"id": it["id"], "iid": it["iid"], "title": it["title"], "description": it["description"],
                 "author_id": self.users[it["author"]]["id"], "assignee_ids": it["assignee_ids"],
                 "project_id": self.args.project_id, "created_at": hook_time(it["created"]),
                 "updated_at": hook_time(it["updated"]), "updated_by_id": self.users[who]["id"],
                 "closed_at": hook_time(it["closed_at"]) if it["closed_at"] else None,
                 "state_id": 2 if it["state"] == "closed" else 1, "state": it["state"],
                 "action": action, "confidential": it["confidential"], "type": "Issue",
                 "url": "%s/%s/-/issues/%d" % (self.base, self.args.project, it["iid"]),
                 "labels": [{"id": 200 + i, "title": l, "color": "#ffffff",
                             "project_id": self.args.project_id, "type": "ProjectLabel"}
                            for i, l in enumerate(it["labels"])]}
        payload = {"object_kind": "issue", "event_type": "confidential_issue" if it["confidential"] else "issue",
                   "user": self.user_json(who), "project": self.project_json(),
                   "object_attributes": attrs, "labels": attrs["labels"],
                   "assignees": [self.user_by_id(a) for a in it["assignee_ids"]], "changes": ch}
        conf = it["confidential"]
        self.deliver("Confidential Issue Hook" if conf else "Issue Hook",
                     "confidential_issues_events" if conf else "issues_events", payload)

    def emit_note(self, it, n, action):
        attrs = {"id": n["id"], "note": n["body"], "noteable_type": "Issue",
                 "author_id": self.users[n["author"]]["id"], "created_at": hook_time(n["created"]),
                 "updated_at": hook_time(n["updated"]), "project_id": self.args.project_id,
                 "noteable_id": it["id"], "system": n["system"], "action": action,
                 "url": "%s/%s/-/issues/%d#note_%d" % (self.base, self.args.project, it["iid"], n["id"])}
        payload = {"object_kind": "note", "event_type": "confidential_note" if it["confidential"] else "note",
                   "user": self.user_json(n["author"]), "project_id": self.args.project_id,
                   "project": self.project_json(), "object_attributes": attrs,
                   "issue": {"id": it["id"], "iid": it["iid"], "title": it["title"], "state": it["state"],
                             "labels": [{"title": l} for l in it["labels"]],
                             "assignee_ids": it["assignee_ids"], "author_id": self.users[it["author"]]["id"],
                             "project_id": self.args.project_id}}
        conf = it["confidential"]
        self.deliver("Confidential Note Hook" if conf else "Note Hook",
                     "confidential_note_events" if conf else "note_events", payload)

    # ---- control ----

    def control_state(self, b):
        return {"issues": [dict(self.issue_json(it), deleted=it["deleted"],
                                notes=[self.note_json(it, n) for n in it["notes"]])
                           for it in sorted(self.issues.values(), key=lambda i: i["iid"])],
                "hooks": [{k: v for k, v in x.items() if k != "token"} for x in self.hooks]}

    def control_transition(self, b):
        it = self.find(b["issue"])
        self.set_state(it, b.get("to", "close"), b.get("user", "human"))
        return {"ok": True, "state": it["state"]}

    def control_comment(self, b):
        it = self.find(b["issue"])
        n = self.do_note(it, b.get("body", ""), b.get("user", "human"))
        return {"ok": True, "id": n["id"]}

    def control_delete(self, b):
        self.find(b["issue"])["deleted"] = True
        return {"ok": True}

    def control_webhook(self, b):
        self.hooks.append({"id": len(self.hooks) + 1, "url": b["url"], "token": b.get("token"),
                           "issues_events": True, "confidential_issues_events": True,
                           "note_events": True, "confidential_note_events": True, "push_events": False})
        return {"ok": True}

    def control_touch(self, b):
        self.find(b["issue"])["updated"] = float(b["updated"])
        return {"ok": True}


class Handler(BaseHandler):
    pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--project", default="acme/web")
    ap.add_argument("--project-id", type=int, default=4)
    ap.add_argument("--token", default="glpat-fake-token")
    ap.add_argument("--retry-delay", type=float, default=0.2)
    ap.add_argument("--verbose", action="store_true")
    serve(GitLab(ap.parse_args()), Handler)


if __name__ == "__main__":
    main()
