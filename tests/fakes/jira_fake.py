#!/usr/bin/env python3
"""Fake Jira, Cloud (REST v3, ADF) or Data Center (REST v2, wiki strings).

    python3 tests/fakes/jira_fake.py --port N --mode cloud|dc \
        [--project SEC] [--user bot@example.com] [--token T] [--secret S]

Follows shared/reference/protocols.md sections 1 and 7 (fake Jira checklist).
Auth: Cloud Basic(user:token) only; DC Bearer <token> or Basic(user:token).
The integration user is the authenticated one ("bot"); a second user
("human") acts through the control endpoints.

Control (no auth), all JSON:
  GET  /_control/state                  issues (with comments), webhooks
  POST /_control/fail {status,count,retry_after}   next N API calls fail
  POST /_control/transition {issue, to: new|indeterminate|done, user?}
  POST /_control/comment {issue, body, user?}
  POST /_control/delete {issue}
  POST /_control/webhook {url, secret?}  register like the admin UI
  GET  /_control/deliveries             webhook deliveries and attempts
  GET  /_control/counts                 API requests by method and path
"""
import argparse
import base64
import json
import re
import sys
import time
import uuid
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fakebase import App, BaseHandler, Reply, hub_signature, serve  # noqa: E402

CATS = {
    "new": {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    "indeterminate": {"id": 4, "key": "indeterminate", "colorName": "yellow", "name": "In Progress"},
    "done": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
}
STATUSES = {
    "10000": ("To Do", "new"),
    "3": ("In Progress", "indeterminate"),
    "10001": ("Done", "done"),
}
# workflow: transition id -> (name, target status id), available from
WORKFLOW = {
    "10000": [("21", "Start Progress", "3"), ("31", "Done", "10001")],
    "3": [("11", "Stop Progress", "10000"), ("31", "Done", "10001")],
    "10001": [("41", "Reopen", "10000")],
}
PRIORITIES = {"Highest": "1", "High": "2", "Medium": "3", "Low": "4", "Lowest": "5"}


def jira_time(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03d+0000" % int((t % 1) * 1000)


def err(status, messages=None, errors=None):
    return Reply(status, {"errorMessages": messages or [], "errors": errors or {}})


def adf_text(node):
    if isinstance(node, str):
        return node
    if not isinstance(node, dict):
        return ""
    t = node.get("type")
    if t == "text":
        return node.get("text", "")
    if t == "hardBreak":
        return "\n"
    inner = "".join(adf_text(c) for c in node.get("content", []))
    return inner + ("\n" if t == "paragraph" else "")


def is_adf(v):
    return isinstance(v, dict) and v.get("type") == "doc" and v.get("version") == 1 \
        and isinstance(v.get("content"), list)


class Jira(App):
    def __init__(self, args):
        super().__init__(args)
        self.cloud = args.mode == "cloud"
        self.prefix = "/rest/api/3" if self.cloud else "/rest/api/2"
        self.issues = {}       # id -> issue
        self.next_id = 10000
        self.next_num = 1
        self.next_comment = 50000
        self.webhooks = []
        self.users = {
            "bot": {"accountId": "5b10ac8d82e05b22cc7d4ef5", "name": "flawfix-bot",
                    "key": "flawfix-bot", "displayName": "FlawFix Bot",
                    "emailAddress": args.user},
            "human": {"accountId": "557058:c9eb-human", "name": "phuman", "key": "phuman",
                      "displayName": "Paula Human", "emailAddress": "paula@example.com"},
        }
        self.base = None

    # ---- representation ----

    def user_json(self, who):
        u = self.users[who]
        if self.cloud:
            return {"self": "%s/rest/api/2/user?accountId=%s" % (self.base, u["accountId"]),
                    "accountId": u["accountId"], "accountType": "atlassian",
                    "displayName": u["displayName"], "active": True}
        return {"self": "%s/rest/api/2/user?username=%s" % (self.base, u["name"]),
                "name": u["name"], "key": u["key"], "emailAddress": u["emailAddress"],
                "displayName": u["displayName"], "active": True}

    def status_json(self, sid):
        name, cat = STATUSES[sid]
        c = dict(CATS[cat])
        c["self"] = "%s/rest/api/2/statuscategory/%d" % (self.base, c["id"])
        return {"self": "%s/rest/api/2/status/%s" % (self.base, sid), "description": "",
                "name": name, "id": sid, "statusCategory": c}

    def issue_json(self, it, fields=None, v2=False):
        f = {
            "summary": it["summary"],
            "description": adf_text(it["description"]) if (v2 and self.cloud) else it["description"],
            "labels": it["labels"],
            "status": self.status_json(it["status"]),
            "resolution": ({"id": "10000", "name": "Done"} if it["status"] == "10001" else None),
            "updated": jira_time(it["updated"]),
            "created": jira_time(it["created"]),
            "project": {"id": "10000", "key": self.args.project},
            "issuetype": {"id": "10004", "name": it["issuetype"]},
            "priority": it["priority"],
            "assignee": it["assignee"],
        }
        if fields is not None:
            f = {k: v for k, v in f.items() if k in fields or "*all" in fields}
        api = "/rest/api/2" if v2 else self.prefix
        return {"id": it["id"], "key": it["key"], "self": "%s%s/issue/%s" % (self.base, api, it["id"]),
                "fields": f}

    def comment_json(self, it, c, v2=False):
        body = c["body"]
        if v2 and self.cloud:
            body = adf_text(body)
        api = "/rest/api/2" if v2 else self.prefix
        return {"self": "%s%s/issue/%s/comment/%s" % (self.base, api, it["id"], c["id"]),
                "id": c["id"], "author": self.user_json(c["author"]), "body": body,
                "updateAuthor": self.user_json(c["author"]), "created": jira_time(c["created"]),
                "updated": jira_time(c["created"])}

    # ---- auth ----

    def authenticate(self, h):
        a = h.headers.get("Authorization", "")
        ok = False
        if a.startswith("Basic "):
            try:
                u, _, p = base64.b64decode(a[6:]).decode().partition(":")
                ok = u == self.args.user and p == self.args.token
            except Exception:
                ok = False
        elif a.startswith("Bearer ") and not self.cloud:
            ok = a[7:] == self.args.token
        if not ok:
            # Cloud answers 401 with a non-JSON body
            raise Reply(401, "Client must be authenticated to access this resource.",
                        {"WWW-Authenticate": 'Basic realm="protected-area"'}, ctype="text/plain")

    def outage_headers(self, status, retry_after):
        h = {}
        if retry_after is not None:
            h["Retry-After"] = str(retry_after)
        if status == 429:
            reset = time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(time.time() + 60))
            h.update({"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0",
                      "X-RateLimit-NearLimit": "true", "X-RateLimit-Reset": reset,
                      "RateLimit-Reason": "jira-burst-based"})
            if not self.cloud:
                h.update({"X-RateLimit-FillRate": "10", "X-RateLimit-Interval-Seconds": "1"})
        return h

    def outage_body(self, status):
        if status == 429:
            return {"errorMessages": ["Rate limit exceeded."], "errors": {}}
        return {"errorMessages": ["Service unavailable"], "errors": {}}

    def bad_json_body(self):
        return {"errorMessages": ["Unexpected character: was expecting a JSON value"], "errors": {}}

    # ---- routing ----

    def handle(self, h):
        if self.base is None:
            self.base = "http://%s" % h.headers.get("Host", "127.0.0.1")
        self.authenticate(h)
        p, m = h.route, h.command
        if p == "/rest/webhooks/1.0/webhook":
            return self.webhook_register(h) if m == "POST" else h.answer(200, self.webhooks)
        if not p.startswith(self.prefix + "/"):
            raise err(404, ["No resource at " + p])
        p = p[len(self.prefix):]
        with self.lock:
            return self.route_api(h, m, p)

    def route_api(self, h, m, p):
        if p == "/myself" and m == "GET":
            u = dict(self.user_json("bot"))
            if self.cloud:
                u["emailAddress"] = self.args.user
            return h.answer(200, u)
        if p == "/issue" and m == "POST":
            return self.create(h)
        mo = re.fullmatch(r"/project/([^/]+)", p)
        if mo and m == "GET":
            if mo.group(1) not in (self.args.project, "10000"):
                raise err(404, ["No project could be found with key '%s'." % mo.group(1)])
            return h.answer(200, {"self": "%s%s/project/10000" % (self.base, self.prefix), "id": "10000",
                                  "key": self.args.project, "name": "Security", "projectTypeKey": "software"})
        if p == "/user/search" and m == "GET":
            return self.user_search(h)
        if p in ("/search/jql", "/search"):
            return self.search(h, p)
        mo = re.fullmatch(r"/issue/([^/]+)(/comment|/transitions|/assignee)?", p)
        if not mo:
            raise err(404, ["No resource at " + p])
        it = self.find(mo.group(1))
        sub = mo.group(2) or ""
        handler = {
            ("", "GET"): self.get_issue, ("", "PUT"): self.edit, ("", "DELETE"): self.delete,
            ("/comment", "POST"): self.add_comment, ("/comment", "GET"): self.list_comments,
            ("/transitions", "GET"): self.list_transitions, ("/transitions", "POST"): self.transition,
            ("/assignee", "PUT"): self.assign,
        }.get((sub, m))
        if not handler:
            raise Reply(405, {"errorMessages": ["Method not allowed"], "errors": {}})
        return handler(h, it)

    def user_search(self, h):
        q = (h.query.get("query") if self.cloud else h.query.get("username")) or ""
        if not q:
            raise err(400, ["The query parameter is required."])
        q = q.lower()
        out = []
        for who, u in self.users.items():
            hay = [u["emailAddress"] or "", u["displayName"]] + ([] if self.cloud else [u["name"]])
            if any(q in x.lower() for x in hay):
                j = self.user_json(who)
                if self.cloud:
                    j["emailAddress"] = u["emailAddress"]
                out.append(j)
        h.answer(200, out)

    def find(self, id_or_key):
        for it in self.issues.values():
            if (it["id"] == id_or_key or it["key"] == id_or_key) and not it["deleted"]:
                return it
        raise err(404, ["Issue does not exist or you do not have permission to see it."])

    # ---- issues ----

    def check_rich(self, v, field):
        if self.cloud and not is_adf(v):
            raise err(400, [], {field: "Operation value must be an Atlassian Document (see the Atlassian Document Format)"})
        if not self.cloud and not isinstance(v, str):
            raise err(400, [], {field: "Operation value must be a string"})

    def check_labels(self, labels):
        if not isinstance(labels, list):
            raise err(400, [], {"labels": "labels must be an array"})
        for l in labels:
            if not isinstance(l, str) or " " in l:
                raise err(400, [], {"labels": "The label '%s' contains spaces which is invalid." % l})

    def user_ref(self, v):
        if v is None:
            return None
        want = v.get("accountId") or v.get("id") if self.cloud else v.get("name")
        for who, u in self.users.items():
            if (self.cloud and u["accountId"] == want) or (not self.cloud and u["name"] == want):
                return self.user_json(who)
        raise err(400, [], {"assignee": "User '%s' does not exist." % want})

    def create(self, h):
        body = h.json_body()
        f = body.get("fields") if isinstance(body, dict) else None
        if not isinstance(f, dict):
            raise err(400, ["Field 'fields' is required"])
        errors = {}
        if not f.get("summary"):
            errors["summary"] = "You must specify a summary of the issue."
        if (f.get("project") or {}).get("key") != self.args.project:
            errors["project"] = "valid project is required"
        if not (f.get("issuetype") or {}).get("name"):
            errors["issuetype"] = "valid issue type is required"
        if errors:
            raise err(400, [], errors)
        if "description" in f:
            self.check_rich(f["description"], "description")
        self.check_labels(f.get("labels", []))
        prio = None
        if "priority" in f:
            name = (f["priority"] or {}).get("name")
            if name not in PRIORITIES:
                raise err(400, [], {"priority": "Priority name '%s' is not valid" % name})
            prio = {"id": PRIORITIES[name], "name": name}
        assignee = self.user_ref(f.get("assignee"))
        now = time.time()
        it = {"id": str(self.next_id), "key": "%s-%d" % (self.args.project, self.next_num),
              "summary": f["summary"], "description": f.get("description"),
              "labels": list(f.get("labels", [])), "status": "10000", "issuetype": f["issuetype"]["name"],
              "priority": prio, "assignee": assignee, "created": now, "updated": now,
              "comments": [], "deleted": False, "duedate": f.get("duedate")}
        self.next_id += 1
        self.next_num += 1
        self.issues[it["id"]] = it
        self.emit("jira:issue_created", it, "bot", event_type="issue_created")
        h.answer(201, {"id": it["id"], "key": it["key"],
                       "self": "%s%s/issue/%s" % (self.base, self.prefix, it["id"])})

    def get_issue(self, h, it):
        fields = h.query.get("fields")
        fl = fields.split(",") if fields else None
        h.answer(200, self.issue_json(it, fl))

    def edit(self, h, it):
        body = h.json_body()
        f = body.get("fields", {})
        if "summary" in f:
            if not f["summary"]:
                raise err(400, [], {"summary": "You must specify a summary of the issue."})
            it["summary"] = f["summary"]
        if "description" in f:
            self.check_rich(f["description"], "description")
            it["description"] = f["description"]
        if "labels" in f:
            self.check_labels(f["labels"])
            it["labels"] = list(f["labels"])
        for op in body.get("update", {}).get("labels", []):
            if "add" in op:
                self.check_labels([op["add"]])
                it["labels"].append(op["add"])
            if "remove" in op and op["remove"] in it["labels"]:
                it["labels"].remove(op["remove"])
        it["updated"] = time.time()
        self.emit("jira:issue_updated", it, "bot", event_type="issue_updated")
        h.answer(204)

    def assign(self, h, it):
        it["assignee"] = self.user_ref(h.json_body())
        it["updated"] = time.time()
        h.answer(204)

    def delete(self, h, it):
        self.do_delete(it, "bot")
        h.answer(204)

    def do_delete(self, it, who):
        it["deleted"] = True
        self.emit("jira:issue_deleted", it, who, event_type="issue_deleted")

    # ---- comments ----

    def add_comment(self, h, it):
        body = h.json_body()
        if "body" not in body:
            raise err(400, [], {"comment": "Comment body can not be empty!"})
        if self.cloud and not is_adf(body["body"]):
            raise err(400, ["Comment body is not valid!"], {})
        if not self.cloud and not isinstance(body["body"], str):
            raise err(400, [], {"comment": "Comment body is not valid!"})
        c = self.do_comment(it, body["body"], "bot")
        h.answer(201, self.comment_json(it, c))

    def do_comment(self, it, body, who):
        c = {"id": str(self.next_comment), "body": body, "author": who, "created": time.time()}
        self.next_comment += 1
        it["comments"].append(c)
        it["updated"] = time.time()
        cj = self.comment_json(it, c, v2=True)
        self.emit("comment_created", it, who, comment=cj, with_issue=True)
        self.emit("jira:issue_updated", it, who, event_type="issue_commented", comment=cj)
        return c

    def list_comments(self, h, it):
        start = int(h.query.get("startAt", 0))
        mx = min(int(h.query.get("maxResults", 50)), 100)
        cs = it["comments"][start:start + mx]
        h.answer(200, {"startAt": start, "maxResults": mx, "total": len(it["comments"]),
                       "comments": [self.comment_json(it, c) for c in cs]})

    # ---- transitions ----

    def transitions_of(self, it):
        out = []
        for tid, name, to in WORKFLOW[it["status"]]:
            out.append({"id": tid, "name": name, "to": self.status_json(to), "hasScreen": False,
                        "isGlobal": False, "isInitial": False, "isAvailable": True,
                        "isConditional": False, "isLooped": False})
        return out

    def list_transitions(self, h, it):
        h.answer(200, {"expand": "transitions", "transitions": self.transitions_of(it)})

    def transition(self, h, it):
        tid = str((h.json_body().get("transition") or {}).get("id", ""))
        for t, _, to in WORKFLOW[it["status"]]:
            if t == tid:
                self.do_transition(it, to, "bot")
                return h.answer(204)
        raise err(400, ["Transition id '%s' is not valid for this issue." % tid])

    def do_transition(self, it, to, who):
        old = it["status"]
        it["status"] = to
        it["updated"] = time.time()
        items = [{"field": "status", "fieldtype": "jira", "fieldId": "status", "from": old,
                  "fromString": STATUSES[old][0], "to": to, "toString": STATUSES[to][0]}]
        if (old == "10001") != (to == "10001"):
            items.append({"field": "resolution", "fieldtype": "jira", "fieldId": "resolution",
                          "from": "10000" if old == "10001" else None,
                          "fromString": "Done" if old == "10001" else None,
                          "to": "10000" if to == "10001" else None,
                          "toString": "Done" if to == "10001" else None})
        self.emit("jira:issue_updated", it, who, event_type="issue_generic",
                  changelog={"id": str(int(time.time() * 1000) % 100000), "items": items})

    # ---- search ----

    def parse_jql(self, jql):
        order = None
        mo = re.search(r"\s+ORDER\s+BY\s+(\w+)(?:\s+(ASC|DESC))?\s*$", jql, re.I)
        if mo:
            order = (mo.group(1).lower(), (mo.group(2) or "ASC").upper())
            jql = jql[:mo.start()]
        preds = []
        for clause in re.split(r"\s+AND\s+", jql.strip(), flags=re.I):
            preds.append(self.clause(clause.strip()))
        return preds, order

    def clause(self, c):
        def val(s):
            s = s.strip()
            return s[1:-1] if len(s) >= 2 and s[0] == s[-1] == '"' else s
        mo = re.fullmatch(r"(project|labels)\s*=\s*(\"[^\"]*\"|\S+)", c, re.I)
        if mo:
            field, v = mo.group(1).lower(), val(mo.group(2))
            if field == "project":
                return lambda it: v == self.args.project
            return lambda it: v in it["labels"]
        mo = re.fullmatch(r"key\s+in\s*\(([^)]*)\)", c, re.I)
        if mo:
            keys = [val(k) for k in mo.group(1).split(",")]
            return lambda it: it["key"] in keys
        mo = re.fullmatch(r"updated\s*>=\s*\"(\d{4})[/-](\d\d)[/-](\d\d) (\d\d):(\d\d)\"", c, re.I)
        if mo:
            y, mth, d, hh, mm = (int(x) for x in mo.groups())
            import calendar
            t = calendar.timegm((y, mth, d, hh, mm, 0, 0, 0, 0))
            return lambda it: it["updated"] >= t
        raise err(400, ["Error in the JQL Query: unsupported clause '%s'." % c])

    def search(self, h, p):
        if self.cloud and p == "/search":
            raise Reply(410, {"errorMessages": ["The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"], "errors": {}})
        if not self.cloud and p == "/search/jql":
            raise err(404, ["No resource at " + p])
        q = dict(h.query)
        if h.command == "POST":
            b = h.json_body()
            q = {k: v for k, v in b.items()}
            if isinstance(q.get("fields"), list):
                q["fields"] = ",".join(q["fields"])
        preds, order = self.parse_jql(q.get("jql", ""))
        hits = [it for it in self.issues.values() if not it["deleted"] and all(pr(it) for pr in preds)]
        if order and order[0] == "updated":
            hits.sort(key=lambda it: (it["updated"], int(it["id"])), reverse=order[1] == "DESC")
        else:
            hits.sort(key=lambda it: -int(it["id"]))
        mx = min(int(q.get("maxResults", 50)), 100)
        fields = q.get("fields")
        fl = fields.split(",") if fields else None
        if self.cloud:
            tok = q.get("nextPageToken")
            start = int(base64.b64decode(tok).decode()) if tok else 0
            page = hits[start:start + mx]
            issues = [self.issue_json(it, fl) if fl else {"id": it["id"]} for it in page]
            out = {"issues": issues, "isLast": start + mx >= len(hits)}
            if not out["isLast"]:
                out["nextPageToken"] = base64.b64encode(str(start + mx).encode()).decode()
            return h.answer(200, out)
        start = int(q.get("startAt", 0))
        page = hits[start:start + mx]
        return h.answer(200, {"expand": "schema,names", "startAt": start, "maxResults": mx,
                              "total": len(hits), "issues": [self.issue_json(it, fl) for it in page]})

    # ---- webhooks ----

    def webhook_register(self, h):
        b = h.json_body()
        if not b.get("url") or not b.get("events"):
            raise err(400, ["url and events are required"])
        wid = len(self.webhooks) + 1
        hook = {"self": "%s/rest/webhooks/1.0/webhook/%d" % (self.base, wid), "name": b.get("name", ""),
                "url": b["url"], "events": b["events"], "filters": b.get("filters", {}),
                "excludeBody": b.get("excludeBody", False), "enabled": True,
                "secret": b.get("secret")}
        self.webhooks.append(hook)
        out = dict(hook)
        out.pop("secret")
        h.answer(201, out)

    def emit(self, event, it, who, event_type=None, comment=None, changelog=None, with_issue=True):
        for hook in self.webhooks:
            if event not in hook["events"]:
                continue
            payload = {"timestamp": int(time.time() * 1000), "webhookEvent": event,
                       "user": self.user_json(who), "matchedWebhookIds": [1]}
            if event_type:
                payload["issue_event_type_name"] = event_type
            if with_issue:
                payload["issue"] = self.issue_json(it, v2=True)
            if comment:
                payload["comment"] = comment
            if changelog:
                payload["changelog"] = changelog
            body = json.dumps(payload).encode()
            secret = hook.get("secret")
            ident = str(uuid.uuid4())

            def headers(attempt, _id, body=body, secret=secret, ident=ident):
                hd = {"Content-Type": "application/json; charset=utf-8",
                      "User-Agent": "Atlassian Webhook HTTP Client",
                      "X-Atlassian-Webhook-Identifier": ident,
                      "X-Atlassian-Webhook-Flow": "Primary"}
                if attempt:
                    hd["X-Atlassian-Webhook-Retry"] = str(attempt)
                if secret:
                    hd["X-Hub-Signature"] = hub_signature(secret, body)
                return hd
            self.deliveries.enqueue(hook["url"], body, headers)

    # ---- control ----

    def control_state(self, b):
        return {"mode": self.args.mode, "issues": [
            dict(self.issue_json(it), deleted=it["deleted"],
                 comments=[self.comment_json(it, c) for c in it["comments"]])
            for it in sorted(self.issues.values(), key=lambda i: int(i["id"]))],
            "webhooks": [{k: v for k, v in w.items() if k != "secret"} for w in self.webhooks]}

    def control_issue(self, b):
        return self.find(str(b.get("issue", "")))

    def control_transition(self, b):
        it = self.control_issue(b)
        cat = b.get("to", "done")
        to = next(sid for sid, (_, c) in STATUSES.items() if c == cat)
        self.do_transition(it, to, b.get("user", "human"))
        return {"ok": True, "status": STATUSES[to][0]}

    def control_comment(self, b):
        it = self.control_issue(b)
        text = b.get("body", "")
        body = {"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": text}]}]} if self.cloud else text
        c = self.do_comment(it, body, b.get("user", "human"))
        return {"ok": True, "id": c["id"]}

    def control_delete(self, b):
        self.do_delete(self.control_issue(b), b.get("user", "human"))
        return {"ok": True}

    def control_webhook(self, b):
        self.webhooks.append({"url": b["url"], "secret": b.get("secret"), "name": "control",
                              "events": b.get("events", ["jira:issue_updated", "jira:issue_deleted",
                                                         "comment_created"])})
        return {"ok": True}

    def control_touch(self, b):
        """backdate or set an issue's updated time (epoch seconds)"""
        it = self.control_issue(b)
        it["updated"] = float(b["updated"])
        return {"ok": True}


class Handler(BaseHandler):
    pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--mode", choices=["cloud", "dc"], default="cloud")
    ap.add_argument("--project", default="SEC")
    ap.add_argument("--user", default="bot@example.com")
    ap.add_argument("--token", default="jira-token")
    ap.add_argument("--retry-delay", type=float, default=0.2)
    ap.add_argument("--verbose", action="store_true")
    serve(Jira(ap.parse_args()), Handler)


if __name__ == "__main__":
    main()
