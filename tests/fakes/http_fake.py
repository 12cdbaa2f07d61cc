#!/usr/bin/env python3
"""Tiny HTTP server for the http_client unit tests (standard library only).

Started as `python3 tests/fakes/http_fake.py --port 0`; prints "PORT <n>" on
stdout once listening. Endpoints:
  /ok                       200 "hello"
  /flaky/<id>?fail=N&status=S&retry_after=V
                            the first N hits of <id> answer S (with Retry-After V
                            when given), later hits 200 "ok after N"
  /retry-date/<id>          first hit 503 with an HTTP-date Retry-After 1 s ahead,
                            then 200
  /always/<status>          always that status (429 adds Retry-After: 1)
  /big?n=N                  N bytes of 'x'
  /slow?ms=N                waits N ms, then 200
  /echo                     200 JSON {method, path, headers, body}
  /redirect                 302 to /ok
  /hits/<id>                200 with the number of hits of <id> so far
Requests in proxy form (absolute URL in the request line) are served the
same way and counted under /hits/proxied, so the server doubles as an HTTP
forward proxy for the proxy test.
"""
import argparse
import email.utils
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

HITS = {}
LOCK = threading.Lock()


def hit(key):
    with LOCK:
        HITS[key] = HITS.get(key, 0) + 1
        return HITS[key]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body=b"", headers=None, ctype="text/plain"):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def handle_any(self):
        u = urlparse(self.path)
        if self.path.startswith("http://"):
            # a forward-proxy request: answer as the origin would, and say so
            hit("proxied")
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        parts = [p for p in u.path.split("/") if p]
        data = self.body()
        if not parts:
            return self.send(404, "not found")
        head = parts[0]
        if head == "ok":
            return self.send(200, "hello")
        if head == "flaky" and len(parts) == 2:
            n = hit(parts[1])
            if n <= int(q.get("fail", "1")):
                h = {}
                if "retry_after" in q:
                    h["Retry-After"] = q["retry_after"]
                return self.send(int(q.get("status", "503")), "try later", h)
            return self.send(200, "ok after %d" % (n - 1))
        if head == "retry-date" and len(parts) == 2:
            n = hit(parts[1])
            if n == 1:
                when = email.utils.formatdate(time.time() + 1, usegmt=True)
                return self.send(503, "down", {"Retry-After": when})
            return self.send(200, "ok after date")
        if head == "always" and len(parts) == 2:
            hit("always-" + parts[1])
            st = int(parts[1])
            h = {"Retry-After": "1"} if st == 429 else {}
            return self.send(st, "status %d" % st, h)
        if head == "big":
            return self.send(200, b"x" * int(q.get("n", "100")))
        if head == "slow":
            time.sleep(int(q.get("ms", "1000")) / 1000.0)
            return self.send(200, "slow ok")
        if head == "echo":
            out = {"method": self.command, "path": self.path,
                   "headers": {k.lower(): v for k, v in self.headers.items()},
                   "body": data.decode("utf-8", "replace")}
            return self.send(200, json.dumps(out), ctype="application/json")
        if head == "redirect":
            return self.send(302, "moved", {"Location": "/ok"})
        if head == "hits" and len(parts) == 2:
            with LOCK:
                return self.send(200, str(HITS.get(parts[1], 0)))
        return self.send(404, "not found")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
