#!/usr/bin/env python3
"""A tiny, scripted stand-in for the Google Cloud REST APIs the gcp-kms collector reads (Cloud KMS v1, Resource Manager
v1, Organization Policy v2, Cloud Asset v1) and for the OAuth 2.0 token endpoint, for the collector's tests (loopback
only, bounded life). No Google emulator exists for these APIs.

    fake_gcp.py CONFIG.json LOG.jsonl [MAX_SECONDS]

Prints `PORT <n>` once listening on 127.0.0.1, appends one JSON line per request to LOG.jsonl (method, path, query,
whether the bearer token was the expected one, the token-request check; never a token or an assertion), and exits
after MAX_SECONDS or when killed.

CONFIG: {"routes": [ROUTE, ...], "token": TOKEN}.
A ROUTE matches by "method", "path" (percent-decoded) and optional "query" {name: value} (null: absent), first match
wins, and answers "responses" in turn (the last one repeats). A RESPONSE has "status" (200), "json" or "body",
"headers", "delay" (seconds before answering), "truncate" (send only that many bytes with the full Content-Length, then
close), "reflect" (replace {{TOKEN}}, {{TOKEN_JSON}} and {{TOKEN_PCT}} in the body by the bearer token the request
carried: raw, as JSON \\u escapes, percent-encoded). Unmatched requests get 404 in Google's error shape.

TOKEN (POST /token, form-encoded): {"access_token", "client_email", "audience", "kid", "public_key_pem",
"refresh_token", "client_id", "client_secret"}. A JWT bearer grant (RFC 7523) is checked: header alg RS256, typ JWT,
kid; claims iss, aud, scope, exp = iat + 3600; the RS256 signature with the service account's public key when the
`cryptography` module is present (the log says "verified", or "structure-only" without it). A refresh-token grant is
checked against refresh_token, client_id and client_secret. A failed check answers 400 invalid_grant.
"""
import base64
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

import loopback

SCOPE = "https://www.googleapis.com/auth/cloud-platform"


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_assertion(assertion, cfg):
    """Returns (ok, how): how is 'verified', 'structure-only', or why it failed."""
    parts = assertion.split(".")
    if len(parts) != 3:
        return False, "not three parts"
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except ValueError:
        return False, "undecodable"
    if header.get("alg") != "RS256" or header.get("typ") != "JWT":
        return False, "header %r" % header
    if cfg.get("kid") and header.get("kid") != cfg["kid"]:
        return False, "kid"
    if claims.get("iss") != cfg.get("client_email") or claims.get("aud") != cfg.get("audience") or claims.get("scope") != SCOPE:
        return False, "claims %r" % sorted(claims)
    if not isinstance(claims.get("iat"), int) or claims.get("exp") != claims["iat"] + 3600 or abs(claims["iat"] - time.time()) > 600:
        return False, "times"
    try:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding
    except ImportError:
        return True, "structure-only"
    key = serialization.load_pem_public_key(cfg["public_key_pem"].encode())
    try:
        key.verify(signature, (parts[0] + "." + parts[1]).encode(), padding.PKCS1v15(), hashes.SHA256())
    except Exception:  # InvalidSignature
        return False, "bad signature"
    return True, "verified"


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
            if urllib.parse.urlsplit(self.path).path == "/token":
                self.handle_token(raw)
            else:
                self.handle_api("POST", raw)

        def handle_token(self, raw):
            form = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode("utf-8", "replace")).items()}
            grant = form.get("grant_type", "")
            ok, how = False, "unknown grant"
            if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
                ok, how = check_assertion(form.get("assertion", ""), token_cfg)
            elif grant == "refresh_token":
                ok = (form.get("refresh_token") == token_cfg.get("refresh_token") and form.get("client_id") == token_cfg.get("client_id")
                      and form.get("client_secret") == token_cfg.get("client_secret"))
                how = "refresh" if ok else "wrong refresh token"
            self.log({"method": "POST", "path": "/token", "grant": grant, "check": how, "ok": ok})
            if ok:
                self.answer({"status": 200, "json": {"access_token": token_cfg["access_token"], "expires_in": 3599, "token_type": "Bearer"}}, None)
            else:
                self.answer({"status": 400, "json": {"error": "invalid_grant", "error_description": "check failed: " + how}}, None)

        def handle_api(self, method, raw=b""):
            split = urllib.parse.urlsplit(self.path)
            path = urllib.parse.unquote(split.path)
            query = {k: v if len(v) > 1 else v[0] for k, v in urllib.parse.parse_qs(split.query).items()}
            auth = self.headers.get("Authorization") or ""
            bearer = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
            with lock:
                index = None
                for i, r in enumerate(routes):
                    if r.get("method", "GET") != method or r.get("path") != path:
                        continue
                    want = r.get("query") or {}
                    if any(query.get(k) != v for k, v in want.items()):
                        continue
                    index = i
                    break
                if index is None:
                    response = {"status": 404, "json": {"error": {"code": 404, "message": "no route for %s %s" % (method, path), "status": "NOT_FOUND"}}}
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
            if response.get("reflect") and bearer:
                payload = (payload.replace("{{TOKEN_JSON}}", "".join("\\u%04x" % ord(c) for c in bearer))
                           .replace("{{TOKEN_PCT}}", urllib.parse.quote(bearer, safe=""))
                           .replace("{{TOKEN}}", bearer))
            data = payload.encode()
            try:
                self.send_response(response.get("status", 200))
                self.send_header("Content-Type", "application/json; charset=UTF-8")
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
