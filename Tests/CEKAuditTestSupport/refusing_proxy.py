#!/usr/bin/env python3
"""A loopback proxy in front of a real server (moto) that refuses chosen STS AssumeRole calls, for the organization
tests: moto's AssumeRole never refuses, AWS does when a member account's role does not trust the caller.

    refusing_proxy.py CONFIG.json LOG.jsonl [MAX_SECONDS]

CONFIG: {"upstream": "http://127.0.0.1:PORT", "refuse_role_arns": ["arn:aws:iam::111122223333:role/Name", ...]}.
Every request is forwarded unchanged (method, path, headers, body) to the upstream and its answer returned, except an
STS AssumeRole whose RoleArn is listed: that one gets the 403 `AccessDenied` error document STS sends (STS API
Reference, "AssumeRole", Errors; the Query protocol's <ErrorResponse>). Logs one JSON line per request: the action,
the role ARN for AssumeRole, and whether it was refused (never a signature or a credential).
"""
import json
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler

import loopback

config = json.load(open(sys.argv[1]))
log_path = sys.argv[2]
max_seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 300
upstream = config["upstream"].rstrip("/")
refused = set(config.get("refuse_role_arns", []))
log_lock = threading.Lock()

DENIED = """<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>AccessDenied</Code>
    <Message>User: arn:aws:iam::123456789012:user/cek-audit is not authorized to perform: sts:AssumeRole on resource: %s</Message>
  </Error>
  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
</ErrorResponse>
"""


def log(entry):
    with log_lock:
        with open(log_path, "a") as f:
            f.write(json.dumps(entry, sort_keys=True) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        form = {}
        if (self.headers.get("Content-Type") or "").startswith("application/x-www-form-urlencoded"):
            form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
        action = form.get("Action") or (self.headers.get("X-Amz-Target") or "").split(".")[-1]
        role = form.get("RoleArn")
        if action == "AssumeRole" and role in refused:
            log({"action": action, "role_arn": role, "refused": True})
            payload = (DENIED % role).encode()
            self.send_response(403)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        log({"action": action, "role_arn": role, "refused": False})
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection", "content-length")}
        request = urllib.request.Request(upstream + self.path, data=body if self.command != "GET" else None,
                                         headers=headers, method=self.command)
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                status, answer, rheaders = r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            status, answer, rheaders = e.code, e.read(), e.headers
        self.send_response(status)
        for k, v in rheaders.items():
            if k.lower() not in ("content-length", "connection", "transfer-encoding", "server", "date"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST = do_PUT = do_DELETE = forward


if __name__ == "__main__":
    loopback.take_back_signals()
    loopback.serve(Handler, max_seconds)
