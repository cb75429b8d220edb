#!/usr/bin/env python3
"""Generates an OpenBao / Vault file audit device log for the throughput benchmark (not a test fixture).

JSON lines as the file audit device writes them (OpenBao documentation, "Audit devices" → "File"): one `request` and
one `response` entry per request, HMAC'd strings, transit operations on a few keys in two namespaces among other
traffic (kv reads, token lookups, sys calls), some denied. Rotated files of --lines-per-file lines each, under
OUT/audit-logs/. Deterministic for a given --seed.
"""
import argparse, json, os, random

OPS = [("encrypt", "update"), ("decrypt", "update"), ("datakey/plaintext", "update"), ("rewrap", "update"),
       ("sign", "update"), ("keys", "read")]
OTHER = [("secret/data/app/config", "read", "kv"), ("auth/token/lookup-self", "read", "token"), ("sys/health", "read", "system"),
         ("sys/mounts", "read", "system"), ("secret/data/db/creds", "update", "kv")]


def hmac(rng):
    return f"hmac-sha256:{rng.getrandbits(256):064x}"


def entries(rng, n, t, keys):
    ns = rng.choice(["", "tenant-a/"])
    auth = {"client_token": hmac(rng), "accessor": hmac(rng), "display_name": rng.choice(["approle-app", "svc-ingest", "token-ci"]),
            "policies": ["default", "app"], "token_policies": ["default", "app"], "entity_id": f"{rng.getrandbits(128):032x}",
            "token_type": "service", "policy_results": {"allowed": rng.random() > 0.03}}
    if rng.random() < 0.4:
        name = rng.choice(keys)
        op, verb = rng.choice(OPS)
        path = f"{ns}transit/{op}/{name}" if op != "keys" else f"{ns}transit/keys/{name}"
        data = {"plaintext": hmac(rng), "context": hmac(rng)} if op in ("encrypt", "datakey/plaintext") else {"ciphertext": hmac(rng)}
        mount, mtype = f"{ns}transit/", "transit"
    else:
        path, verb, mtype = rng.choice(OTHER)
        mount = ns + path.split("/")[0] + "/"
        path = ns + path
        data = {"ttl": hmac(rng)} if rng.random() < 0.5 else None
    req = {"id": f"{rng.getrandbits(128):032x}-{n}", "operation": verb, "mount_point": mount, "mount_type": mtype,
           "client_token": hmac(rng), "client_token_accessor": hmac(rng),
           "namespace": {"id": "root"} if not ns else {"id": "aB3dE", "path": ns}, "path": path,
           "remote_address": f"10.0.{rng.randint(0, 255)}.{rng.randint(1, 254)}", "remote_port": rng.randint(30000, 60000)}
    if data is not None:
        req["data"] = data
    first = {"time": t, "type": "request", "auth": auth, "request": req}
    resp = {"time": t, "type": "response", "auth": auth, "request": req,
            "response": {"mount_point": mount, "mount_type": mtype, "data": {"ciphertext": hmac(rng)} if mtype == "transit" else None}}
    if not auth["policy_results"]["allowed"]:
        resp["error"] = "permission denied"
    return [first, resp]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--bytes", type=int, default=1_000_000_000)
    p.add_argument("--lines-per-file", type=int, default=200_000)
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    rng = random.Random(a.seed)
    keys = [f"key-{i:02d}" for i in range(24)]
    d = os.path.join(a.out, "audit-logs")
    os.makedirs(d, exist_ok=True)
    total, n, f, in_file = 0, 0, 0, 0
    out = open(os.path.join(d, f"audit.log.{f:04d}"), "w", encoding="utf-8")
    while total < a.bytes:
        n += 1
        t = f"2026-10-{1 + (n // 400000) % 28:02d}T{(n // 20000) % 24:02d}:{(n // 300) % 60:02d}:{n % 60:02d}.{n % 1000:03d}Z"
        for e in entries(rng, n, t, keys):
            line = json.dumps(e, separators=(",", ":")) + "\n"
            out.write(line)
            total += len(line)
            in_file += 1
        if in_file >= a.lines_per_file:
            out.close()
            f += 1
            in_file = 0
            out = open(os.path.join(d, f"audit.log.{f:04d}"), "w", encoding="utf-8")
    out.close()
    print(f"{f + 1} files, {2 * n} lines, {total} bytes")


if __name__ == "__main__":
    main()
