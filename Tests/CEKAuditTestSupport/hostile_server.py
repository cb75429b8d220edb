#!/usr/bin/env python3
"""A hostile key-management server for the live collectors' tests: OpenBao / Vault (GET /v1/...) and AWS
(POST /, JSON 1.1 and Query protocols) on one loopback port, answering the way a broken or malicious server would.

    hostile_server.py CONFIG.json LOG.jsonl [MAX_SECONDS]

Binds 127.0.0.1 only, on a free port, prints `PORT <n>` once listening, logs one JSON line per request to LOG.jsonl
(method, path, decoded segments, query, header names; never a header value), and exits after MAX_SECONDS
(default 120) or when killed. Every handler, a dripping one included, stops by then.

CONFIG: {"behaviours": [...], "extra_secrets": [...], "fanout": 2, "huge_bytes": 70000000, "drip_interval": 0.2}
Behaviours, freely combined:
  odd-names  namespaces, mounts, keys, policies, aliases, tags and trails named with spaces, %, ?, #, quotes, CR/LF,
             non-ASCII, dot-segments and very long names
  echo       the credentials a request carries (X-Vault-Token; the SigV4 access key id and X-Amz-Security-Token), and
             `extra_secrets`, reflected in names, descriptions, policies and error texts in every encoding: raw,
             JSON-escaped (\\uXXXX either case, \\/), percent-encoded (either case), base64 (standard, URL-safe, at
             every byte offset), HTML character references, and mixes of these
  endless    namespace listings that always have `fanout` fresh children; key listings that always return a full
             page of fresh names; AWS listings that are always truncated with a fresh marker
  huge       bodies of `huge_bytes` bytes, with a Content-Length and without one (close-delimited)
  drip       answers sent one byte every `drip_interval` seconds
  malformed  truncated JSON, wrong shapes, deep nesting, invalid UTF-8, numbers such as 1e300, XML with a DTD
  paging     OpenBao's own edge answers: the root transit mount holds exactly one full page of keys (`limit` names),
             and the page after it is 404 {"errors":[]} as OpenBao answers an empty LIST; a mount `gone/` is listed in
             sys/mounts but its key listing is 404 "no handler for route" (a mount removed mid-run)
"""
import base64
import html
import json
import re
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

import loopback

SCOPE = re.compile(r"Credential=([^/,\s]+)/")

ODD = [
    "sp ace", "per%cent", "100%25", "q?mark", "hash#frag", 'quo"te', "back\\slash", "semi;colon", "amp&eq=", "plus+sign",
    "crlf\r\nX-Injected: 1", "tab\there", "nul\u0000byte", "del\u007f", "\u00fcn\u00efc\u00f6d\u00e9-\u540d\u524d", "emoji-\U0001F511",
    "rtl-\u202egnp.exe", "[brackets]", "{braces}", "<angle>", "..", ".", "a/../b", "L" * 4000,
]

DEADLINE = [0.0]


def forms(secret):
    """Every encoding of `secret` the server reflects (each safe inside a JSON string literal)."""
    b = secret.encode()
    out = {
        "raw": json.dumps(secret)[1:-1],
        "json-upper": "".join("\\u%04X" % u for u in utf16(secret)),
        "json-lower": "".join("\\u%04x" % u for u in utf16(secret)),
        "json-slash": json.dumps(secret)[1:-1].replace("/", "\\/"),
        "json-mixed": "".join(c if i % 2 else "\\u%04x" % ord(c) for i, c in enumerate(secret) if ord(c) < 0x10000),
        "percent": urllib.parse.quote(secret, safe=""),
        "percent-lower": re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), urllib.parse.quote(secret, safe="")),
        "percent-all": "".join("%%%02X" % x for x in b),
        "percent-json": "".join("\\u0025%02X" % x for x in b),
        "base64": base64.b64encode(b).decode(),
        "base64url": base64.urlsafe_b64encode(b).decode().rstrip("="),
        "base64-offset1": base64.b64encode(b"x" + b + b"yz").decode(),
        "base64-offset2": base64.b64encode(b"xy" + b + b"z").decode(),
        "html-named": html.escape(secret, quote=True),
        "html-hex": "".join("&#x%X;" % ord(c) for c in secret),
        "html-dec": "".join("&#%d;" % ord(c) for c in secret),
    }
    return out


def utf16(s):
    units = []
    for c in s:
        o = ord(c)
        if o >= 0x10000:
            o -= 0x10000
            units += [0xD800 + (o >> 10), 0xDC00 + (o & 0x3FF)]
        else:
            units.append(o)
    return units


def jstr(s):
    return json.dumps(s)


def main():
    loopback.take_back_signals()
    config = json.load(open(sys.argv[1]))
    log_path = sys.argv[2]
    max_seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 120.0
    DEADLINE[0] = time.time() + max_seconds
    behaviours = set(config.get("behaviours", []))
    extra = [s for s in config.get("extra_secrets", []) if s]
    fanout = int(config.get("fanout", 2))
    huge_bytes = int(config.get("huge_bytes", 70_000_000))
    drip_interval = float(config.get("drip_interval", 0.2))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def setup(self):
            super().setup()
            # Headers and body go out in separate writes; without this, Nagle and delayed ACKs add ~40 ms per answer.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        # ---- plumbing

        def secrets(self):
            found = list(extra)
            token = self.headers.get("X-Vault-Token")
            if token:
                found.append(token)
            m = SCOPE.search(self.headers.get("Authorization") or "")
            if m:
                found.append(m.group(1))
            session = self.headers.get("X-Amz-Security-Token")
            if session:
                found.append(session)
            return found

        def echoes(self):
            """Every encoding of every credential of this request, or nothing unless `echo` is on."""
            if "echo" not in behaviours:
                return []
            out = []
            for s in self.secrets():
                out += list(forms(s).values())
            return out

        def named(self):
            """Some of the encodings, for names (every name becomes a resource; texts carry them all)."""
            return self.echoes()[::5]

        def log(self, entry):
            entry["time"] = time.time()
            entry["header_names"] = sorted(k.lower() for k in self.headers.keys())
            with lock:
                with open(log_path, "a") as f:
                    f.write(json.dumps(entry, sort_keys=True) + "\n")

        def send(self, status, body, ctype="application/json", length=True, drip=False):
            if isinstance(body, str):
                body = body.encode("utf-8", "surrogatepass")
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                if length:
                    self.send_header("Content-Length", str(len(body)))
                else:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                if drip:
                    for i in range(len(body)):
                        if time.time() > DEADLINE[0]:
                            break
                        self.wfile.write(body[i:i + 1])
                        self.wfile.flush()
                        time.sleep(drip_interval)
                    self.close_connection = True
                    return
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def send_huge(self, prefix, item, suffix, with_length):
            """A body of about `huge_bytes`, streamed in chunks (never held whole)."""
            chunk = (item * (65536 // len(item) + 1)).encode()
            total = len(prefix) + len(suffix) + (huge_bytes // len(chunk) + 1) * len(chunk)
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if with_length:
                    self.send_header("Content-Length", str(total))
                else:
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(prefix.encode())
                for _ in range(huge_bytes // len(chunk) + 1):
                    if time.time() > DEADLINE[0]:
                        break
                    self.wfile.write(chunk)
                self.wfile.write(suffix.encode())
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True

        # ---- OpenBao

        def do_GET(self):
            parsed = urllib.parse.urlsplit(self.path)
            raw_segments = parsed.path.split("/")
            segments = [urllib.parse.unquote(s, errors="surrogateescape") for s in raw_segments if s != ""]
            query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
            self.log({"method": "GET", "path": parsed.path, "segments": segments, "query": query,
                      "namespace_header": "X-Vault-Namespace" in self.headers})
            if not segments or segments[0] != "v1":
                return self.send(404, '{"errors":[]}')
            api = segments[1:]
            try:
                self.openbao(api, query)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def openbao(self, api, query):
            echo = self.echoes()
            # Odd names and echoes appear in the root namespace and in tenant-a only, so a walk stays small.
            names = list(ODD) if "odd-names" in behaviours else []
            token_ok = self.headers.get("X-Vault-Token") is not None

            def errors(status, message):
                # `message` is plain ASCII; each echo is already the inside of a JSON string.
                texts = [message] + ["%s (token %s)" % (message, e) for e in echo]
                return self.send(status, '{"errors":[%s]}' % ",".join('"%s"' % t for t in texts))

            def ends(*tail):
                return len(api) >= len(tail) and tuple(api[-len(tail):]) == tail

            if api == ["sys", "health"]:
                version = jstr("2.7.2")
                if echo:
                    version = '"2.7.2+%s"' % echo[1]
                return self.send(200, '{"initialized":true,"sealed":false,"standby":false,"version":%s,"cluster_name":"%s"}'
                                 % (version, echo[0] if echo else "hostile"))
            if api == ["sys", "seal-status"]:
                if "malformed" in behaviours:
                    return self.send(200, '{"type":12,"sealed":"maybe","initialized":null,"t":1e300}')
                return self.send(200, '{"type":"shamir","sealed":false,"initialized":true}')
            if not token_ok:
                return errors(403, "permission denied")
            if ends("auth", "token", "lookup-self"):
                if "malformed" in behaviours:
                    return self.send(200, "null")
                meta = ",".join('"m%d":"%s"' % (i, e) for i, e in enumerate(echo))
                token_json = jstr(self.headers.get("X-Vault-Token") or "")
                return self.send(200, '{"data":{"id":%s,"accessor":"acc","display_name":"token-%s","policies":["default"%s],"meta":{%s}}}'
                                 % (token_json, echo[2] if echo else "auditor", "".join(',"%s"' % e for e in echo[:4]), meta))
            if ends("sys", "namespaces"):
                ns = api[:-2]
                if "huge" in behaviours and not ns:
                    return self.send_huge('{"data":{"keys":[', '"tenant-huge-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx/",', '"end/"]}}', True)
                if "malformed" in behaviours and not ns:
                    return self.send(200, '{"data":{"keys":"tenant-a/"}}')
                # JSON string literals.
                children = []
                if "endless" in behaviours:
                    children += [jstr("n%d-%d/" % (len(ns), i)) for i in range(fanout)]
                if not ns:
                    children += [jstr("tenant-a/")]
                    children += [jstr(n + "/") for n in names]
                    children += ['"ns-%s/"' % e for e in self.named()]
                if not children:
                    return self.send(404, '{"errors":[]}')
                return self.send(200, '{"data":{"keys":[%s]}}' % ",".join(children))
            if ends("sys", "mounts") or ends("sys", "internal", "ui", "mounts"):
                if "drip" in behaviours and len(api) == 2:
                    return self.send(200, '{"data":{"transit/":{"type":"transit"}}}' + " " * 400, drip=True)
                if "malformed" in behaviours and len(api) == 2:
                    return self.send(200, '{"data":{"transit/":{"type":"transit"},"broken')
                mounts = ['"transit/":{"type":"transit","description":"%s"}' % (echo[3] if echo else "keys")]
                if api[:-2] in ([], ["tenant-a"]):
                    mounts += ['%s:{"type":"transit"}' % jstr(n + "/") for n in names]
                    mounts += ['"m-%s/":{"type":"transit","description":"%s"}' % (e, e) for e in echo[:6]]
                if "paging" in behaviours and api[:-2] == []:
                    mounts.append('"gone/":{"type":"transit"}')
                mounts.append('"sys/":{"type":"system"}')
                return self.send(200, '{"data":{%s}}' % ",".join(mounts))
            if ends("sys", "policies", "acl"):
                if "malformed" in behaviours:
                    return self.send(200, "[" * 100000 + "]" * 100000)
                if api[:-3] not in ([], ["tenant-a"]):
                    names, echo = [], []
                return self.send(200, '{"data":{"keys":[%s]}}'
                                 % ",".join(['"default"'] + [jstr(n) for n in names] + ['"p-%s"' % e for e in echo[:6]]))
            if len(api) >= 4 and api[-4:-1] == ["sys", "policies", "acl"]:
                text = 'path \\"transit/keys/*\\" { capabilities = [\\"read\\", \\"list\\"] }'
                for e in echo:
                    text += '\\n# token %s' % e
                return self.send(200, '{"data":{"name":%s,"policy":"%s"}}' % (jstr(api[-1]), text))
            if api == ["sys", "audit"]:
                if "malformed" in behaviours:
                    return self.send(200, b'{"data":{"file/":{"type":"file","options":{"file_path":"\xff\xfe/var/log"}}}}')
                opts = ",".join('"o%d":"%s"' % (i, e) for i, e in enumerate(echo))
                return self.send(200, '{"data":{"file/":{"type":"file","options":{"file_path":"\\/var\\/log\\/audit.log"%s}}}}'
                                 % ("," + opts if opts else ""))
            if "keys" in api:
                i = len(api) - 1 - api[::-1].index("keys")
                if i == len(api) - 1:
                    if api[:i] not in (["transit"], ["tenant-a", "transit"]):
                        names, echo = [], []
                    return self.key_listing(api, query, names, echo)
                if i == len(api) - 2:
                    return self.key_read(api[-1], echo)
            return errors(404, "no handler for route")

        def key_listing(self, api, query, names, echo):
            if "huge" in behaviours:
                return self.send_huge('{"data":{"keys":[', '"key-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",', '"end"]}}', False)
            if "malformed" in behaviours:
                return self.send(200, '{"data":{"keys":[1,null,{"a":1},["x"],"ok-key","ok-key"]}}')
            limit = int((query.get("limit") or ["1000"])[0] or 1000)
            if "paging" in behaviours and api[:-1] == ["gone"]:
                return self.send(404, '{"errors":["no handler for route \\"gone/keys\\". route entry not found."]}')
            if "paging" in behaviours and api[:-1] == ["transit"]:
                if query.get("after"):
                    return self.send(404, '{"errors":[]}')
                return self.send(200, '{"data":{"keys":[%s]}}' % ",".join('"p%05d"' % i for i in range(limit)))
            if "endless" in behaviours:
                after = (query.get("after") or [""])[0]
                m = re.match(r"k(\d+)-", after)
                page = int(m.group(1)) + 1 if m else 0
                keys = ["k%06d-%05d" % (page, i) for i in range(max(1, min(limit, 2000)))]
                return self.send(200, '{"data":{"keys":[%s]}}' % ",".join(jstr(k) for k in keys))
            keys = ['"orders"', '"import/"'] + [jstr(n) for n in names] + ['"k-%s"' % e for e in (self.named() if echo else [])]
            return self.send(200, '{"data":{"keys":[%s]}}' % ",".join(keys))

        def key_read(self, name, echo):
            if "drip" in behaviours:
                return self.send(200, '{"data":{"type":"aes256-gcm96"}}' + " " * 400, drip=True)
            if "malformed" in behaviours:
                return self.send(200, '{"data":{"type":"aes256-gcm96","latest_version":1e300,"min_available_version":-1e300,'
                                      '"auto_rotate_period":1e308,"min_decryption_version":1.5,"keys":{"1":1e300,"2":-5,'
                                      '"99999999999999999999":1,"3":{"creation_time":"9999999-01-01T00:00:00Z"}},'
                                      '"exportable":"yes","deletion_allowed":null,"imported_key":[],"soft_deleted":{}}}')
            extra = "".join(',"x%d":"%s"' % (i, e) for i, e in enumerate(echo))
            return self.send(200, '{"data":{"name":%s,"type":"aes256-gcm96","exportable":false,"allow_plaintext_backup":false,'
                                  '"deletion_allowed":false,"auto_rotate_period":0,"imported_key":false,"soft_deleted":false,'
                                  '"latest_version":1,"min_available_version":0,"min_decryption_version":1,'
                                  '"min_encryption_version":0,"supports_encryption":true,"supports_signing":false,'
                                  '"keys":{"1":1780000000}%s}}' % (jstr(name), extra))

        # ---- AWS

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            target = self.headers.get("X-Amz-Target") or ""
            if target:
                op = target.rsplit(".", 1)[-1]
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
            else:
                form = urllib.parse.parse_qs(raw.decode("utf-8", "replace"))
                body = {k: v[0] for k, v in form.items()}
                op = body.get("Action", "")
            self.log({"method": "POST", "op": op, "params": sorted(body.keys()) if isinstance(body, dict) else []})
            try:
                self.aws(op, body if isinstance(body, dict) else {})
            except (BrokenPipeError, ConnectionResetError):
                pass

        def aws(self, op, body):
            echo = self.echoes()
            names = list(ODD) if "odd-names" in behaviours else []
            account = "111122223333"
            region = "us-east-1"

            def ok(text):
                return self.send(200, text, "application/x-amz-json-1.1")

            def fail(status, code, message):
                # `message` is plain ASCII; each echo is already the inside of a JSON string.
                text = message + "".join(" (caller %s)" % e for e in echo)
                return self.send(status, '{"__type":"%s","message":"%s"}' % (code, text), "application/x-amz-json-1.1")

            if op == "GetCallerIdentity":
                if "malformed" in behaviours:
                    return self.send(200, '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/hostname">'
                                          '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                                          '<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>&x;&b;</Arn>'
                                          '<Account>111122223333</Account></GetCallerIdentityResult></GetCallerIdentityResponse>',
                                     "text/xml")
                arn = "arn:aws:iam::%s:user/auditor" % account
                if echo:
                    arn += "-" + html.escape(echo[0].replace("\\", ""))
                return self.send(200, "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>%s</Arn><UserId>%s</UserId>"
                                      "<Account>%s</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"
                                 % (arn, html.escape(echo[9]) if echo else "AIDAEXAMPLE", account), "text/xml")
            if op == "ListKeys":
                if "huge" in behaviours:
                    return self.send_huge('{"Keys":[', '{"KeyId":"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"},', '{"KeyId":"end"}],"Truncated":false}',
                                          bool(body.get("Marker")))
                if "malformed" in behaviours:
                    return ok('{"Keys":"1234abcd","Truncated":"sometimes"}')
                if "endless" in behaviours:
                    marker = body.get("Marker") or "m0"
                    page = int(marker[1:]) + 1 if re.match(r"m\d+$", marker) else 1
                    keys = ['{"KeyId":"key-%06d-%d"}' % (page, i) for i in range(2)]
                    return ok('{"Keys":[%s],"Truncated":true,"NextMarker":"m%d"}' % (",".join(keys), page))
                # JSON string literals.
                ids = [jstr("1234abcd-12ab-34cd-56ef-1234567890ab")] + [jstr(n) for n in names] + ['"key-%s"' % e for e in self.named()]
                keys = ['{"KeyId":%s}' % i for i in ids]
                return ok('{"Keys":[%s],"Truncated":false}' % ",".join(keys))
            if op == "ListAliases":
                if "endless" in behaviours:
                    marker = body.get("Marker") or "a0"
                    page = int(marker[1:]) + 1 if re.match(r"a\d+$", marker) else 1
                    return ok('{"Aliases":[{"AliasName":"alias/p%d"}],"Truncated":true,"NextMarker":"a%d"}' % (page, page))
                aliases = ['{"AliasName":%s,"TargetKeyId":"1234abcd-12ab-34cd-56ef-1234567890ab"}' % jstr("alias/" + n) for n in names]
                aliases += ['{"AliasName":"alias/%s","TargetKeyId":"1234abcd-12ab-34cd-56ef-1234567890ab"}' % e for e in self.named()]
                return ok('{"Aliases":[%s],"Truncated":false}' % ",".join(aliases))
            if op == "DescribeCustomKeyStores":
                return ok('{"CustomKeyStores":[],"Truncated":false}')
            key = body.get("KeyId", "")
            if op == "DescribeKey":
                if "drip" in behaviours:
                    return self.send(200, '{"KeyMetadata":{"KeyId":"x"}}' + " " * 400, "application/x-amz-json-1.1", drip=True)
                if "malformed" in behaviours:
                    return ok('{"KeyMetadata":{"KeyId":%s,"Arn":"arn:aws:kms:us-east-1:111122223333:key/x","CreationDate":1e300,'
                              '"DeletionDate":-1e300,"ValidTo":1e308,"Enabled":"maybe","KeyState":7,"KeySpec":null,'
                              '"PendingDeletionWindowInDays":1e300,"MultiRegion":[],"Origin":{"x":1}}}' % jstr(key))
                desc = " ".join(echo) if echo else "a key"
                return ok('{"KeyMetadata":{"AWSAccountId":"%s","KeyId":%s,"Arn":%s,"CreationDate":1780000000,"Enabled":true,'
                          '"Description":"%s","KeyUsage":"ENCRYPT_DECRYPT","KeyState":"Enabled","Origin":"AWS_KMS",'
                          '"KeyManager":"CUSTOMER","KeySpec":"SYMMETRIC_DEFAULT","CustomerMasterKeySpec":"SYMMETRIC_DEFAULT",'
                          '"EncryptionAlgorithms":["SYMMETRIC_DEFAULT"],"MultiRegion":false}}'
                          % (account, jstr(key), jstr("arn:aws:kms:%s:%s:key/%s" % (region, account, key)), desc))
            if op == "GetKeyRotationStatus":
                if echo:
                    return fail(400, "AccessDeniedException", "User is not authorized to perform kms:GetKeyRotationStatus")
                return ok('{"KeyRotationEnabled":true,"RotationPeriodInDays":%s}' % ("1e300" if "malformed" in behaviours else "365"))
            if op == "ListKeyRotations":
                if "endless" in behaviours:
                    marker = body.get("Marker") or "r0"
                    page = int(marker[1:]) + 1 if re.match(r"r\d+$", marker) else 1
                    return ok('{"Rotations":[{"RotationDate":%d}],"Truncated":true,"NextMarker":"r%d"}' % (1780000000 + page, page))
                return ok('{"Rotations":[],"Truncated":false}')
            if op == "GetKeyPolicy":
                if "drip" in behaviours:
                    return self.send(200, '{"Policy":"{}"}' + " " * 400, "application/x-amz-json-1.1", drip=True)
                if "malformed" in behaviours:
                    return ok('{"Policy":{"Statement":"not a string"}}')
                principal = "arn:aws:iam::%s:root" % account
                extra = "".join(',{\\"Sid\\":\\"%s\\",\\"Effect\\":\\"Deny\\",\\"Principal\\":\\"*\\",\\"Action\\":\\"kms:*\\",\\"Resource\\":\\"*\\"}'
                                % e.replace("\\", "\\\\") for e in echo[:4])
                return ok('{"Policy":"{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Principal\\":{\\"AWS\\":\\"%s\\"},'
                          '\\"Action\\":\\"kms:*\\",\\"Resource\\":\\"*\\"}%s]}","PolicyName":"default"}' % (principal, extra))
            if op == "ListGrants":
                if "malformed" in behaviours:
                    return ok("[" * 100000 + "]" * 100000)
                if "endless" in behaviours:
                    marker = body.get("Marker") or "g0"
                    page = int(marker[1:]) + 1 if re.match(r"g\d+$", marker) else 1
                    return ok('{"Grants":[{"GrantId":"g%d","GranteePrincipal":"arn:aws:iam::444455556666:root","Operations":["Decrypt"]}],'
                              '"Truncated":true,"NextMarker":"g%d"}' % (page, page))
                return ok('{"Grants":[],"Truncated":false}')
            if op == "ListResourceTags":
                tags = ['{"TagKey":%s,"TagValue":%s}' % (jstr(n[:128]), jstr(n)) for n in names]
                tags += ['{"TagKey":"t%d","TagValue":"%s"}' % (i, e) for i, e in enumerate(echo)]
                return ok('{"Tags":[%s],"Truncated":false}' % ",".join(tags))
            if op == "DescribeTrails":
                if "huge" in behaviours:
                    return self.send_huge('{"trailList":[', '{"Name":"tttttttttttttttttttttttttttttttttttttttttt"},', '{"Name":"end"}]}', False)
                if "malformed" in behaviours:
                    return ok('{"trailList":[{"Name":"t","IsMultiRegionTrail":"yes"')
                trails = ['{"Name":%s,"TrailARN":%s,"HomeRegion":"us-east-1","IsMultiRegionTrail":true,"LogFileValidationEnabled":true}'
                          % (jstr(n), jstr("arn:aws:cloudtrail:us-east-1:%s:trail/%s" % (account, n))) for n in names[:3]]
                trails += ['{"Name":"trail-%s","S3BucketName":"%s","HomeRegion":"us-east-1"}' % (e, e) for e in echo[:4]]
                return ok('{"trailList":[%s]}' % ",".join(trails))
            if op in ("GetTrailStatus", "GetEventSelectors"):
                if echo:
                    return fail(400, "TrailNotFoundException", "Unknown trail")
                return ok('{"IsLogging":true,"EventSelectors":[]}')
            return fail(400, "UnknownOperationException", "no handler for %s" % op)

    loopback.serve(Handler, max_seconds)


if __name__ == "__main__":
    main()
