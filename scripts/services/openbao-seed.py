#!/usr/bin/env python3
"""Seeds a fresh OpenBao dev server for the cek-audit live tests (scripts/services/openbao.sh runs it).

Two tenants (namespaces tenant-a and tenant-b), each with its own transit mount, keys and ACL policy:

  tenant-a/transit: orders-a    aes256-gcm96, auto-rotation every 30 days, rotated twice
                    signing-a   ed25519, no auto-rotation
                    export-a    aes256-gcm96, exportable with plaintext backup allowed
                    byok-a      aes256-gcm96 imported (BYOK): RSA-OAEP-SHA256 of a one-time AES-256 key, then
                                AES-KWP (RFC 5649) of the key material, as the transit import endpoint expects
  tenant-b/transit: orders-b    aes256-gcm96, auto-rotation every 90 days
                    scratch-b   aes256-gcm96, deletion allowed, no auto-rotation
                    hmac-b      hmac, auto-rotation every 180 days
  tenant-b/transit-archive:     a second transit mount with no keys yet (an empty mount answers LIST with 404)

A root-namespace policy `support-decrypt` reaches tenant-b's decrypt endpoint (the cross-tenant finding the
isolation analysis must report). Every key is used (encrypt/decrypt or sign/verify) so the audit log holds usage
events, one denied cross-tenant read is made with tenant-a's token, and a refused delete is attempted.

Also writes the documented read-only collection policy (examples/openbao/collector-policy.hcl) as `cek-auditor`.

Prints `export NAME=value` lines: the tenant-a token (the isolation probe token) and a token holding only the
collection policy.
Only the standard library and `cryptography` are used.
"""
import base64
import json
import os
import ssl
import sys
import urllib.error
import urllib.request

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding

ADDR = os.environ["CEK_AUDIT_BAO_ADDR"].rstrip("/")
ROOT = os.environ["CEK_AUDIT_BAO_TOKEN"]
CA = os.environ.get("CEK_AUDIT_BAO_CACERT")
CTX = ssl.create_default_context(cafile=CA) if CA else None


def call(method, path, body=None, token=ROOT, namespace=None, ok=(200, 204)):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{ADDR}/v1/{path}", data=data, method=method)
    req.add_header("X-Vault-Token", token)
    if namespace:
        req.add_header("X-Vault-Namespace", namespace)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, context=CTX, timeout=30) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    if status not in ok:
        sys.exit(f"openbao-seed: {method} {path} (namespace {namespace}) returned {status}: {raw[:300]!r}")
    return status, (json.loads(raw) if raw else {})


def b64(data):
    return base64.b64encode(data).decode()


def main():
    for ns in ("tenant-a", "tenant-b"):
        call("POST", f"sys/namespaces/{ns}", {})
        call("POST", "sys/mounts/transit", {"type": "transit"}, namespace=ns)
    call("POST", "sys/mounts/transit-archive", {"type": "transit"}, namespace="tenant-b")

    a, b = "tenant-a", "tenant-b"
    # tenant-a
    call("POST", "transit/keys/orders-a", {"type": "aes256-gcm96"}, namespace=a)
    call("POST", "transit/keys/orders-a/config", {"auto_rotate_period": "720h"}, namespace=a)
    call("POST", "transit/keys/orders-a/rotate", {}, namespace=a)
    call("POST", "transit/keys/orders-a/rotate", {}, namespace=a)
    call("POST", "transit/keys/signing-a", {"type": "ed25519"}, namespace=a)
    call("POST", "transit/keys/export-a", {"type": "aes256-gcm96", "exportable": True, "allow_plaintext_backup": True},
         namespace=a)
    _, wk = call("GET", "transit/wrapping_key", namespace=a)
    pub = serialization.load_pem_public_key(wk["data"]["public_key"].encode())
    ephemeral, material = os.urandom(32), os.urandom(32)
    wrapped = pub.encrypt(ephemeral, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))
    blob = wrapped + aes_key_wrap_with_padding(ephemeral, material)
    call("POST", "transit/keys/byok-a/import", {"ciphertext": b64(blob), "type": "aes256-gcm96", "hash_function": "SHA256"},
         namespace=a)
    # tenant-b
    call("POST", "transit/keys/orders-b", {"type": "aes256-gcm96", "auto_rotate_period": "2160h"}, namespace=b)
    call("POST", "transit/keys/scratch-b", {"type": "aes256-gcm96"}, namespace=b)
    call("POST", "transit/keys/scratch-b/config", {"deletion_allowed": True}, namespace=b)
    call("POST", "transit/keys/hmac-b", {"type": "hmac", "key_size": 32, "auto_rotate_period": "4320h"}, namespace=b)

    # Usage, so the audit log records encrypt / decrypt / sign / verify / hmac events.
    for ns, key in ((a, "orders-a"), (a, "byok-a"), (a, "export-a"), (b, "orders-b"), (b, "scratch-b")):
        _, enc = call("POST", f"transit/encrypt/{key}", {"plaintext": b64(b"cek-08 seed")}, namespace=ns)
        call("POST", f"transit/decrypt/{key}", {"ciphertext": enc["data"]["ciphertext"]}, namespace=ns)
    _, sig = call("POST", "transit/sign/signing-a", {"input": b64(b"cek-08 seed")}, namespace=a)
    call("POST", "transit/verify/signing-a", {"input": b64(b"cek-08 seed"), "signature": sig["data"]["signature"]}, namespace=a)
    call("POST", "transit/hmac/hmac-b", {"input": b64(b"cek-08 seed")}, namespace=b)
    # A refused delete (deletion not allowed): an attempt, not a deletion.
    call("DELETE", "transit/keys/orders-b", namespace=b, ok=(400,))

    # Tenant policies and tokens; a root policy that reaches into tenant-b.
    tenant_policy = ('path "transit/keys" { capabilities = ["list"] }\n'
                     'path "transit/keys/*" { capabilities = ["read", "list", "update", "create"] }\n'
                     'path "transit/encrypt/*" { capabilities = ["update"] }\n'
                     'path "transit/decrypt/*" { capabilities = ["update"] }\n')
    tokens = {}
    for ns in (a, b):
        call("PUT", f"sys/policies/acl/{ns}-kms", {"policy": tenant_policy}, namespace=ns)
        _, tok = call("POST", "auth/token/create", {"policies": [f"{ns}-kms"], "ttl": "2h"}, namespace=ns)
        tokens[ns] = tok["auth"]["client_token"]
    call("PUT", "sys/policies/acl/support-decrypt",
         {"policy": 'path "tenant-b/transit/decrypt/*" { capabilities = ["update"] }\n'
                    'path "sys/health" { capabilities = ["read"] }\n'})

    # Tenant A reads its own key (200) and tenant B's key (403).
    call("GET", "transit/keys/orders-a", token=tokens[a], namespace=a)
    call("GET", "transit/keys/orders-b", token=tokens[a], namespace=b, ok=(403,))

    # The documented read-only collection policy (examples/openbao/collector-policy.hcl) and a token holding only it.
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "examples", "openbao", "collector-policy.hcl")) as f:
        call("PUT", "sys/policies/acl/cek-auditor", {"policy": f.read()})
    _, auditor = call("POST", "auth/token/create", {"policies": ["cek-auditor"], "ttl": "2h"})

    print(f"export CEK_AUDIT_BAO_PROBE_TOKEN={tokens[a]}")
    print(f"export CEK_AUDIT_BAO_AUDITOR_TOKEN={auditor['auth']['client_token']}")
    print("export CEK_AUDIT_BAO_PROBE_NAMESPACE=tenant-a")


if __name__ == "__main__":
    main()
