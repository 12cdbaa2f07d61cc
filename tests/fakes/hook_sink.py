#!/usr/bin/env python3
"""Webhook receiver for tests: records every POST (path, headers, raw body)
and answers 200, or `status` for the next `count` deliveries.

    python3 tests/fakes/hook_sink.py --port 0      prints "PORT <n>"

  GET  /_control/received     {"received": [{path, headers{lower-case}, body}]}
  POST /_control/fail {status, count}
  POST /_control/clear
"""
import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
RECEIVED = []
FAIL = {"status": 503, "count": 0}


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def out(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_control/received":
            with LOCK:
                return self.out(200, {"received": list(RECEIVED)})
        self.out(404, {})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        with LOCK:
            if self.path == "/_control/fail":
                FAIL.update(json.loads(body or b"{}"))
                return self.out(200, {"ok": True})
            if self.path == "/_control/clear":
                RECEIVED.clear()
                return self.out(200, {"ok": True})
            failing = FAIL["count"] > 0
            if failing:
                FAIL["count"] -= 1
            RECEIVED.append({"path": self.path, "answered": FAIL["status"] if failing else 200,
                             "headers": {k.lower(): v for k, v in self.headers.items()},
                             "body": body.decode("utf-8", "replace")})
        self.out(FAIL["status"] if failing else 200, {})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), H)
    srv.daemon_threads = True
    print("PORT %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
