#!/usr/bin/env python3
"""A tiny, scripted stand-in for AWS endpoints, for the AWS KMS collector's tests (loopback only, bounded life).

    fake_aws.py SCENARIO.json LOG.jsonl [MAX_SECONDS]

Prints `PORT <n>` once listening on 127.0.0.1 (a free port), answers POST requests from the scenario, appends one JSON
line per request to LOG.jsonl (operation, service, region, access key id of the test credentials, body, header
names; never a signature or a token), and exits after
MAX_SECONDS (default 300) or when killed.

Scenario: {"routes": [ROUTE, ...]}. A ROUTE matches a request by
  "op":      the operation: the part of X-Amz-Target after the last '.', or the form's Action (STS, EC2);
  "service": optional, the SigV4 credential scope's service (kms, cloudtrail, sts, ec2);
  "region":  optional, the credential scope's region;
  "match":   optional {member: value} the JSON body must contain (null: member absent);
and answers with "responses": [RESPONSE, ...], served in turn (the last one repeats). A RESPONSE has
  "status" (200), "json" (a body to encode) or "body" (raw text), "content_type", "headers",
  "delay" (seconds before answering), "truncate" (send only this many bytes of the body, with the full Content-Length,
  then drop the connection).
The first matching route wins; no match answers 400 {"__type": "FakeServerNoRoute"}.
"""
import json
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

import loopback

SCOPE = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


def main():
    loopback.take_back_signals()
    scenario = json.load(open(sys.argv[1]))
    log_path = sys.argv[2]
    max_seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 300.0
    routes = scenario.get("routes", [])
    counters = [0] * len(routes)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            target = self.headers.get("X-Amz-Target") or ""
            body = {}
            op = target.rsplit(".", 1)[-1] if target else ""
            if target:
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"_unparsed": raw.decode("utf-8", "replace")}
            else:
                form = urllib.parse.parse_qs(raw.decode("utf-8", "replace"))
                body = {k: v[0] for k, v in form.items()}
                op = body.get("Action", "")
            auth = self.headers.get("Authorization") or ""
            m = SCOPE.search(auth)
            access_key, region, service = (m.group(1), m.group(2), m.group(3)) if m else ("", "", "")
            signed = re.search(r"SignedHeaders=([^,]+)", auth)
            with lock:
                index = None
                for i, r in enumerate(routes):
                    if r.get("op") != op:
                        continue
                    if r.get("service") and r["service"] != service:
                        continue
                    if r.get("region") and r["region"] != region:
                        continue
                    want = r.get("match") or {}
                    if any(body.get(k) != v for k, v in want.items()):
                        continue
                    index = i
                    break
                if index is None:
                    response = {"status": 400, "json": {"__type": "FakeServerNoRoute", "message": "no route for %s" % op}}
                else:
                    answers = routes[index]["responses"]
                    response = answers[min(counters[index], len(answers) - 1)]
                    counters[index] += 1
                entry = {"op": op, "target": target, "access_key": access_key, "service": service, "region": region, "body": body,
                         "signed_headers": signed.group(1) if signed else "", "header_names": sorted(k.lower() for k in self.headers.keys()),
                         "route": index, "status": response.get("status", 200), "time": time.time()}
                with open(log_path, "a") as log:
                    log.write(json.dumps(entry, sort_keys=True) + "\n")
            self.answer(response)

        def answer(self, response):
            if response.get("delay"):
                time.sleep(float(response["delay"]))
            if "json" in response:
                payload = json.dumps(response["json"]).encode()
                ctype = response.get("content_type", "application/x-amz-json-1.1")
            else:
                payload = response.get("body", "").encode()
                ctype = response.get("content_type", "text/xml")
            try:
                self.send_response(response.get("status", 200))
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                for k, v in (response.get("headers") or {}).items():
                    self.send_header(k, v)
                if "truncate" in response:
                    self.send_header("Connection", "close")
                self.end_headers()
                if "truncate" in response:
                    self.wfile.write(payload[: int(response["truncate"])])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    loopback.serve(Handler, max_seconds)


if __name__ == "__main__":
    main()
