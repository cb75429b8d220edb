#!/usr/bin/env python3
"""A tiny, scripted stand-in for the Azure Resource Manager REST API the azure-keyvault collector reads (Key Vault
management, Monitor diagnostic settings, Authorization role assignments, data-store listings) and for the Microsoft
Entra ID v2.0 token endpoint, for the collector's tests (loopback only, bounded life).

    fake_azure.py CONFIG.json LOG.jsonl [MAX_SECONDS]

Prints `PORT <n>` once listening on 127.0.0.1, appends one JSON line per request to LOG.jsonl (method, path, query,
whether the bearer token was the expected one, the token-request check; never a token or a secret), and exits after
MAX_SECONDS or when killed.

CONFIG: {"routes": [ROUTE, ...], "token": TOKEN}.
A ROUTE matches by "method", "path" (percent-decoded, compared case-insensitively as ARM does) and optional "query"
{name: value} (null: absent), first match wins, and answers "responses" in turn (the last one repeats). A RESPONSE has
"status" (200), "json" or "body", "headers", "delay" (seconds before answering), "truncate" (send only that many bytes
with the full Content-Length, then close), "reflect" (replace {{TOKEN}}, {{TOKEN_JSON}} and {{TOKEN_PCT}} in the body
by the bearer token the request carried: raw, as JSON \\u escapes, percent-encoded). {{BASE}} in a body becomes
http://127.0.0.1:PORT (for nextLink). Unmatched requests get 404 in ARM's error shape.

TOKEN (POST /{tenant}/oauth2/v2.0/token, form-encoded): {"access_token", "tenant", "client_id", "client_secret"}. A
client-credentials grant is checked: grant_type, client_id, client_secret, scope https://management.azure.com/.default
and the tenant in the path. A failed check answers 401 invalid_client.
"""
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

import loopback

SCOPE = "https://management.azure.com/.default"


def main():
    loopback.take_back_signals()
    config = json.load(open(sys.argv[1]))
    log_path = sys.argv[2]
    max_seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 300.0
    routes = config.get("routes", [])
    token_cfg = config.get("token", {})
    counters = [0] * len(routes)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def log(self, entry):
            entry["time"] = time.time()
            with lock:
                with open(log_path, "a") as f:
                    f.write(json.dumps(entry, sort_keys=True) + "\n")

        def do_GET(self):
            self.handle_api("GET")

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            path = urllib.parse.urlsplit(self.path).path
            if path.endswith("/oauth2/v2.0/token"):
                self.handle_token(path, raw)
            else:
                self.handle_api("POST", raw)

        def handle_token(self, path, raw):
            form = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode("utf-8", "replace")).items()}
            tenant = urllib.parse.unquote(path.split("/")[1]) if path.count("/") >= 4 else ""
            checks = [("grant_type", form.get("grant_type") == "client_credentials"), ("tenant", tenant == token_cfg.get("tenant")),
                      ("client_id", form.get("client_id") == token_cfg.get("client_id")),
                      ("client_secret", form.get("client_secret") == token_cfg.get("client_secret")), ("scope", form.get("scope") == SCOPE)]
            failed = [name for name, ok in checks if not ok]
            ok = not failed
            self.log({"method": "POST", "path": path, "grant": form.get("grant_type", ""), "check": "ok" if ok else "wrong " + ",".join(failed), "ok": ok})
            if ok:
                self.answer({"status": 200, "json": {"access_token": token_cfg["access_token"], "expires_in": 3599, "ext_expires_in": 3599,
                                                     "token_type": "Bearer"}}, None)
            else:
                self.answer({"status": 401, "json": {"error": "invalid_client", "error_description": "AADSTS7000215: check failed: " + ",".join(failed)}}, None)

        def handle_api(self, method, raw=b""):
            split = urllib.parse.urlsplit(self.path)
            path = urllib.parse.unquote(split.path)
            query = {k: v if len(v) > 1 else v[0] for k, v in urllib.parse.parse_qs(split.query).items()}
            auth = self.headers.get("Authorization") or ""
            bearer = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
            with lock:
                index = None
                for i, r in enumerate(routes):
                    if r.get("method", "GET") != method or r.get("path", "").lower() != path.lower():
                        continue
                    want = r.get("query") or {}
                    if any(query.get(k) != v for k, v in want.items()):
                        continue
                    index = i
                    break
                if index is None:
                    response = {"status": 404, "json": {"error": {"code": "ResourceNotFound", "message": "no route for %s %s" % (method, path)}}}
                else:
                    answers = routes[index]["responses"]
                    response = answers[min(counters[index], len(answers) - 1)]
                    counters[index] += 1
            self.log({"method": method, "path": path, "raw_path": split.path, "query": query, "route": index,
                      "auth": "ok" if bearer == token_cfg.get("access_token") else ("missing" if bearer is None else "wrong"),
                      "status": response.get("status", 200)})
            self.answer(response, bearer)

        def answer(self, response, bearer):
            if response.get("delay"):
                time.sleep(float(response["delay"]))
            if "json" in response:
                payload = json.dumps(response["json"])
            else:
                payload = response.get("body", "")
            payload = payload.replace("{{BASE}}", "http://127.0.0.1:%d" % self.server.server_address[1])
            if response.get("reflect") and bearer:
                payload = (payload.replace("{{TOKEN_JSON}}", "".join("\\u%04x" % ord(c) for c in bearer))
                           .replace("{{TOKEN_PCT}}", urllib.parse.quote(bearer, safe=""))
                           .replace("{{TOKEN}}", bearer))
            data = payload.encode()
            try:
                self.send_response(response.get("status", 200))
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (response.get("headers") or {}).items():
                    self.send_header(k, v)
                if "truncate" in response:
                    self.send_header("Connection", "close")
                self.end_headers()
                if "truncate" in response:
                    self.wfile.write(data[: int(response["truncate"])])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    loopback.serve(Handler, max_seconds)


if __name__ == "__main__":
    main()
