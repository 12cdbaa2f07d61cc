"""Shared parts of the fake trackers (standard library only).

- a threaded HTTP server that prints "PORT <n>" once listening
- JSON request/response helpers
- the outage switch: the next N API requests answer 429 or 503 with
  Retry-After and the rate-limit headers of the tracker
- webhook deliveries on a background thread, retried on 408/409/425/429/5xx
  and connection failures, each attempt recorded
- request counters (method + path) that tests can read
"""
import hashlib
import hmac
import json
import queue
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

RETRY_ON = {408, 409, 425, 429}


class Reply(Exception):
    """raise Reply(status, body, headers) from a handler to answer"""

    def __init__(self, status, body=None, headers=None, ctype="application/json"):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.ctype = ctype


class Outage:
    """the next `count` API requests fail with `status`"""

    def __init__(self):
        self.lock = threading.Lock()
        self.status = 0
        self.count = 0
        self.retry_after = None
        self.failed = 0

    def set(self, status, count, retry_after):
        with self.lock:
            self.status, self.count, self.retry_after = status, count, retry_after

    def take(self):
        with self.lock:
            if self.count <= 0:
                return None
            self.count -= 1
            self.failed += 1
            return self.status, self.retry_after


class Deliveries:
    """webhook deliveries: queued, sent by one thread, retried"""

    def __init__(self, max_retries=4, retry_delay=0.2):
        self.q = queue.Queue()
        self.log = []          # one dict per delivery
        self.lock = threading.Lock()
        self.max_retries = max_retries
        self.retry_delay = retry_delay
        self.paused = False
        t = threading.Thread(target=self.run, daemon=True)
        t.start()

    def enqueue(self, url, body, headers):
        """headers: a function(attempt) -> dict, so retries can add headers"""
        d = {"id": str(uuid.uuid4()), "url": url, "body": body.decode(), "attempts": [],
             "done": False, "delivered": False}
        with self.lock:
            self.log.append(d)
        self.q.put((d, headers))
        return d["id"]

    def run(self):
        while True:
            d, headers = self.q.get()
            body = d["body"].encode()
            for attempt in range(self.max_retries + 1):
                st = self.send(d["url"], body, headers(attempt, d["id"]))
                with self.lock:
                    d["attempts"].append(st)
                if st and 200 <= st < 300:
                    d["delivered"] = True
                    break
                if st and st not in RETRY_ON and st < 500:
                    break
                time.sleep(self.retry_delay * (2 ** attempt))
            with self.lock:
                d["done"] = True

    @staticmethod
    def send(url, body, headers):
        req = urllib.request.Request(url, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except Exception:
            return 0

    def snapshot(self):
        with self.lock:
            return json.loads(json.dumps(self.log))

    def idle(self):
        with self.lock:
            return all(d["done"] for d in self.log)


def hub_signature(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class BaseHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeTracker/1.0"
    app = None  # set by serve()

    def log_message(self, fmt, *args):
        if self.app.verbose:
            sys.stderr.write("fake: " + (fmt % args) + "\n")

    def answer(self, status, body=None, headers=None, ctype="application/json"):
        if body is None:
            data = b""
        elif isinstance(body, (bytes, str)):
            data = body.encode() if isinstance(body, str) else body
        else:
            data = json.dumps(body).encode()
        self.send_response(status)
        if data or status not in (204, 304):
            self.send_header("Content-Type", ctype + ("; charset=utf-8" if "json" in ctype else ""))
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def dispatch(self):
        u = urlparse(self.path)
        self.query = {k: v[0] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        self.raw = self.read_body()
        self.route = u.path
        if getattr(self.app, "base", "") is None:
            self.app.base = "http://%s" % self.headers.get("Host", "127.0.0.1")
        try:
            if u.path.startswith("/_control/"):
                out = self.app.control(self, u.path[len("/_control/"):])
                return self.answer(200, out)
            self.app.count(self.command, u.path)
            failing = self.app.outage.take()
            if failing:
                st, ra = failing
                return self.answer(st, self.app.outage_body(st), self.app.outage_headers(st, ra),
                                   ctype=self.app.outage_ctype(st))
            self.app.handle(self)
        except Reply as r:
            self.answer(r.status, r.body, r.headers, r.ctype)

    do_GET = do_POST = do_PUT = do_DELETE = dispatch

    def json_body(self):
        if not self.raw:
            return {}
        try:
            return json.loads(self.raw)
        except ValueError:
            raise Reply(400, self.app.bad_json_body())


class App:
    """base of a fake tracker: subclasses implement handle(), control_*()"""

    def __init__(self, args):
        self.args = args
        self.verbose = getattr(args, "verbose", False)
        self.lock = threading.RLock()
        self.outage = Outage()
        self.deliveries = Deliveries(retry_delay=getattr(args, "retry_delay", 0.2))
        self.counts = {}

    def count(self, method, path):
        with self.lock:
            k = method + " " + path
            self.counts[k] = self.counts.get(k, 0) + 1

    def outage_ctype(self, status):
        return "application/json"

    def control(self, h, what):
        body = h.json_body() if h.raw else {}
        if what == "fail":
            self.outage.set(int(body.get("status", 503)), int(body.get("count", 1)),
                            body.get("retry_after"))
            return {"ok": True}
        if what == "deliveries":
            return {"deliveries": self.deliveries.snapshot(), "idle": self.deliveries.idle()}
        if what == "counts":
            with self.lock:
                return {"counts": dict(self.counts), "failed": self.outage.failed}
        fn = getattr(self, "control_" + what.replace("-", "_"), None)
        if not fn:
            raise Reply(404, {"error": "no control " + what})
        with self.lock:
            return fn(body)


def serve(app, handler_cls):
    handler_cls.app = app
    srv = ThreadingHTTPServer(("127.0.0.1", app.args.port), handler_cls)
    srv.daemon_threads = True
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
