#!/usr/bin/env python3
"""A fake NVD CVE API 2.0 (Python standard library only).

Serves CVE records from fixture files (API pages, {"cve": ...} elements,
vunnel envelopes, bare cve objects, or directory trees of them) and/or N
generated records, with the real API's behaviour that a client must cope
with:

  GET /rest/json/cves/2.0?startIndex=&resultsPerPage=&lastModStartDate=&lastModEndDate=
    - resultsPerPage capped at 2000, records ordered by lastModified
    - both lastMod dates or neither; a range over 120 days is refused the way
      NVD refuses bad parameters: an empty body and a `message` header
      (status --range-status: 400 as issue 5 specifies; 404 is what public reports show the live API answering)
    - a rolling-window rate limit: --rate requests per --rate-window seconds
      without an apiKey header, --rate-key with one; beyond it 403 with the
      `message` header and no body
    - --fail-every N: every Nth request answers 503 (after the rate check)
    - --delay-ms: sleep before answering a page (lets tests kill a client
      mid-sync)
  GET /files/<name>  static files from --static DIR (KEV, EPSS, ExploitDB)
  GET /_log          the request log as JSON lines (also --log FILE)

Prints "PORT <n>" on stdout once listening (tests/fakes/fakeproc.h).
"""
import argparse
import bisect
import datetime as dt
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_PATH = "/rest/json/cves/2.0"
MAX_PER_PAGE = 2000
MAX_RANGE = dt.timedelta(days=120)


def parse_ts(s):
    """NVD accepts ISO-8601 with optional fraction and offset."""
    s = s.strip().replace(" ", "+")
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    try:
        t = dt.datetime.fromisoformat(s)
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.astimezone(dt.timezone.utc)


def fmt_ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d" % (t.microsecond // 1000)


def load_records(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            files = []
            for root, _dirs, names in os.walk(p):
                files += [os.path.join(root, n) for n in names if n.endswith(".json")]
            out += load_records(sorted(files))
            continue
        with open(p, encoding="utf-8") as f:
            doc = json.load(f)
        if "vulnerabilities" in doc:
            out += [v["cve"] for v in doc["vulnerabilities"]]
        elif "item" in doc:
            out.append(doc["item"]["cve"])
        elif "cve" in doc:
            out.append(doc["cve"])
        else:
            out.append(doc)
    uniq = {}
    for c in out:
        uniq[c["id"]] = c
    return sorted(uniq.values(), key=lambda c: (parse_ts(c["lastModified"]), c["id"]))


class Generated:
    """N records made from a template, record i modified at start + i*step."""

    def __init__(self, n, template, start, step_s):
        self.n, self.template, self.start, self.step = n, template, start, step_s
        self.tpl_text = json.dumps(template)

    def time_of(self, i):
        return self.start + dt.timedelta(seconds=i * self.step)

    def index_range(self, a, z):
        """indices with a <= lastModified <= z"""
        if self.n == 0:
            return 0, 0
        lo = 0 if a is None else max(0, -(-int((a - self.start).total_seconds()) // self.step))
        hi = self.n if z is None else min(self.n, int((z - self.start).total_seconds()) // self.step + 1)
        return lo, max(lo, hi)

    def record(self, i):
        c = json.loads(self.tpl_text)
        c["id"] = "CVE-2030-%07d" % (i + 1)
        t = fmt_ts(self.time_of(i))
        c["published"] = t
        c["lastModified"] = t
        return c


class State:
    def __init__(self, args):
        self.args = args
        self.records = load_records(args.fixtures or [])
        self.rec_times = [parse_ts(c["lastModified"]) for c in self.records]
        tpl = self.records[0] if self.records else {
            "id": "CVE-2030-0000001", "sourceIdentifier": "fake@example.org",
            "published": "2030-01-01T00:00:00.000", "lastModified": "2030-01-01T00:00:00.000",
            "vulnStatus": "Analyzed", "descriptions": [{"lang": "en", "value": "generated"}],
            "metrics": {}, "references": []}
        start = parse_ts(args.gen_start)
        self.gen = Generated(args.generate, tpl, start, args.gen_step)
        self.lock = threading.Lock()
        self.hits = {"key": [], "nokey": []}
        self.count = 0
        self.log = []
        self.log_file = open(args.log, "a", encoding="utf-8") if args.log else None

    def record_log(self, entry):
        with self.lock:
            self.log.append(entry)
            if self.log_file:
                self.log_file.write(json.dumps(entry) + "\n")
                self.log_file.flush()

    def rate_ok(self, has_key):
        """rolling window; only served requests count"""
        limit = self.args.rate_key if has_key else self.args.rate
        now = time.monotonic()
        with self.lock:
            h = self.hits["key" if has_key else "nokey"]
            while h and h[0] <= now - self.args.rate_window:
                h.pop(0)
            if len(h) >= limit:
                return False
            h.append(now)
            return True

    def next_count(self):
        with self.lock:
            self.count += 1
            return self.count

    def select(self, a, z):
        """(fixture slice, generated index range) inside [a, z]"""
        if a is None:
            return self.records, (0, self.gen.n)
        lo = bisect.bisect_left(self.rec_times, a)
        hi = bisect.bisect_right(self.rec_times, z)
        return self.records[lo:hi], self.gen.index_range(a, z)

    def page(self, a, z, start, per):
        fx, (glo, ghi) = self.select(a, z)
        total = len(fx) + (ghi - glo)
        items = []
        i = start
        while i < total and len(items) < per:
            items.append(fx[i] if i < len(fx) else self.gen.record(glo + i - len(fx)))
            i += 1
        return total, items


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nvd-fake/1"

    def log_message(self, fmt, *args):
        pass

    def note(self, status):
        """Log the API request being answered before its answer leaves, so a
        client that reads /_log right after its last response sees it."""
        entry, self.pending = getattr(self, "pending", None), None
        if entry is not None:
            entry["status"] = status
            self.server.state.record_log(entry)

    def empty(self, status, message, extra=None):
        self.note(status)
        self.send_response(status)
        if message:
            self.send_header("message", message)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def send_body(self, status, ctype, body):
        self.note(status)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client was killed mid-answer (resume tests)

    def do_GET(self):
        st = self.server.state
        u = urllib.parse.urlsplit(self.path)
        if u.path == "/_log":
            with st.lock:
                body = "".join(json.dumps(e) + "\n" for e in st.log).encode()
            return self.send_body(200, "application/x-ndjson", body)
        if u.path.startswith("/files/") and st.args.static:
            return self.static(u.path[len("/files/"):])
        if u.path.rstrip("/") != API_PATH:
            return self.empty(404, None)
        q = dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
        has_key = bool(self.headers.get("apiKey"))
        self.pending = {"t": time.time(), "query": q, "apiKey": has_key}
        self.api(st, q, has_key)

    def api(self, st, q, has_key):
        a = q.get("lastModStartDate")
        z = q.get("lastModEndDate")
        if (a is None) != (z is None):
            self.empty(404, None)  # the live API: 404, empty body, no message
            return 404
        ta = tz = None
        if a is not None:
            ta, tz = parse_ts(a), parse_ts(z)
            if ta is None or tz is None:
                self.empty(404, "Invalid ISO 8601 date/time format, see documentation.")
                return 404
            if tz - ta > MAX_RANGE:
                self.empty(st.args.range_status, "The lastModStartDate and lastModEndDate parameters "
                           "must be within 120 consecutive days of each other.")
                return st.args.range_status
        try:
            start = int(q.get("startIndex", "0"))
            per = min(int(q.get("resultsPerPage", str(MAX_PER_PAGE))), MAX_PER_PAGE)
        except ValueError:
            self.empty(404, "Invalid startIndex or resultsPerPage parameter.")
            return 404
        if not st.rate_ok(has_key):
            self.empty(403, "Request forbidden by administrative rules.")
            return 403
        n = st.next_count()
        if st.args.fail_every and n % st.args.fail_every == 0:
            self.empty(503, None)
            return 503
        if st.args.delay_ms:
            time.sleep(st.args.delay_ms / 1000.0)
        total, items = st.page(ta, tz, start, per)
        doc = {"resultsPerPage": len(items), "startIndex": start, "totalResults": total,
               "format": "NVD_CVE", "version": "2.0",
               "timestamp": fmt_ts(dt.datetime.now(dt.timezone.utc)),
               "vulnerabilities": [{"cve": c} for c in items]}
        if st.args.lie_total and start == 0 and items:
            doc["totalResults"] = total + st.args.lie_total
        self.send_body(200, "application/json", json.dumps(doc).encode())
        return 200

    def static(self, name):
        root = os.path.realpath(self.server.state.args.static)
        p = os.path.realpath(os.path.join(root, urllib.parse.unquote(name)))
        if not p.startswith(root + os.sep) or not os.path.isfile(p):
            return self.empty(404, None)
        with open(p, "rb") as f:
            body = f.read()
        self.pending = {"t": time.time(), "file": name}
        self.send_body(200, "application/octet-stream", body)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--fixtures", nargs="*", help="record files or directories")
    ap.add_argument("--generate", type=int, default=0, help="N generated records")
    ap.add_argument("--gen-start", default="2024-01-01T00:00:00.000")
    ap.add_argument("--gen-step", type=int, default=60, help="seconds between generated lastModified")
    ap.add_argument("--rate", type=int, default=5)
    ap.add_argument("--rate-key", type=int, default=50)
    ap.add_argument("--rate-window", type=float, default=30.0)
    ap.add_argument("--fail-every", type=int, default=0)
    ap.add_argument("--delay-ms", type=int, default=0)
    ap.add_argument("--range-status", type=int, default=400)
    ap.add_argument("--lie-total", type=int, default=0, help="add this to totalResults of first pages")
    ap.add_argument("--static", help="directory served under /files/")
    ap.add_argument("--log", help="append the request log here (JSON lines)")
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.state = State(args)
    # exit with the test that started us, even when it died without stopping us
    parent = os.getppid()

    def watchdog():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watchdog, daemon=True).start()
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
