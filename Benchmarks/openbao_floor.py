#!/usr/bin/env python3
"""The floor of Benchmarks/openbao-collection.sh: what a short Python client spends sending the requests cek-audit sent.

    openbao_floor.py seed ADDR KEYS           add KEYS transit keys to a mount bench-transit/ (root token: $CEK_AUDIT_BAO_TOKEN)
    openbao_floor.py plan AUDIT_LOG.jsonl     the requests of an audit log as a JSON list of {method, path, namespace, kind}
    openbao_floor.py replay ADDR PLAN THREADS send them on THREADS threads with keep-alive connections; prints the count
    openbao_floor.py hvac ADDR PLAN THREADS   the same with hvac, OpenBao's and Vault's Python client (as boto3 is AWS's):
                                              a client per thread (a requests session, keep-alive), each answer read
                                              as JSON, as a script that uses the answers must

Requests are taken from the file audit device's `request` entries (OpenBao docs, "Audit devices": request.operation,
request.path, request.namespace.path): `read` is GET, `list` is LIST (GET with ?list=true), as the HTTP API maps them.
"""
import http.client
import json
import os
import sys
import threading
import urllib.parse


def connection(addr):
    u = urllib.parse.urlparse(addr)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=60)


def call(conn, method, path, token, namespace="", body=None):
    headers = {"X-Vault-Token": token}
    if namespace:
        headers["X-Vault-Namespace"] = namespace
    data = json.dumps(body).encode() if body is not None else None
    if data is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, "/v1/" + path, body=data, headers=headers)
    r = conn.getresponse()
    payload = r.read()
    return r.status, payload


def seed(addr, keys):
    token = os.environ["CEK_AUDIT_BAO_TOKEN"]
    conn = connection(addr)
    call(conn, "POST", "sys/mounts/bench-transit", token, body={"type": "transit"})
    kinds = ["aes256-gcm96", "chacha20-poly1305", "ed25519", "ecdsa-p256", "aes128-gcm96"]
    lock = threading.Lock()
    todo = list(range(keys))
    failures = []

    def work():
        c = connection(addr)
        while True:
            with lock:
                if not todo:
                    return
                i = todo.pop()
            kind = "rsa-2048" if i % 50 == 0 else kinds[i % len(kinds)]
            status, payload = call(c, "POST", "bench-transit/keys/key-%05d" % i, token,
                                   body={"type": kind, "auto_rotate_period": "720h" if i % 3 else "0"})
            if status not in (200, 204):
                with lock:
                    failures.append("key-%05d (%s): HTTP %d %s" % (i, kind, status, payload[:200]))
                    todo.clear()
                return
            if i % 7 == 0:
                status, payload = call(c, "POST", "bench-transit/keys/key-%05d/rotate" % i, token, body={})
                if status not in (200, 204):
                    with lock:
                        failures.append("rotate key-%05d: HTTP %d %s" % (i, status, payload[:200]))
                        todo.clear()
                    return

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        sys.exit("openbao_floor.py seed: " + failures[0])


def plan(log_path):
    out = []
    for line in open(log_path):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("type") != "request":
            continue
        req = entry.get("request", {})
        op, path = req.get("operation"), req.get("path", "")
        method = {"read": "GET", "list": "LIST"}.get(op)
        if method is None:
            continue   # cek-audit only reads; anything else is not the collector's
        ns = (req.get("namespace") or {}).get("path", "") or ""
        kind = "key" if "/keys/" in path and method == "GET" else path.split("/")[0] + (" (list)" if method == "LIST" else "")
        out.append({"method": method, "path": path, "namespace": ns.rstrip("/"), "kind": kind})
    print(json.dumps(out))


def run_plan(plan_path, threads, label, make_client, send):
    """Sends the plan's requests on THREADS threads, each with a client of its own (make_client()); send(client,
    request) returns None, or why the request failed. Prints the count; exits with the first failure, if any."""
    requests = json.load(open(plan_path))
    lock = threading.Lock()
    index = [0]
    failed = []

    def work():
        client = make_client()
        while True:
            with lock:
                if index[0] >= len(requests):
                    return
                r = requests[index[0]]
                index[0] += 1
            why = send(client, r)
            if why:
                with lock:
                    failed.append("%s %s: %s" % (r["method"], r["path"], why))

    ts = [threading.Thread(target=work) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(len(requests))
    if failed:
        sys.exit("openbao_floor.py %s: %d request(s) failed, first: %s" % (label, len(failed), failed[0]))


def replay(addr, plan_path, threads):
    token = os.environ["CEK_AUDIT_BAO_TOKEN"]

    def send(conn, r):
        status, _ = call(conn, r["method"], r["path"], token, r["namespace"])
        # An empty list answers 404.
        ok = 200 <= status < 300 or (status == 404 and r["method"] == "LIST")
        return None if ok else "HTTP %d" % status

    run_plan(plan_path, threads, "replay", lambda: connection(addr), send)


def replay_hvac(addr, plan_path, threads):
    import hvac   # Benchmarks/openbao-collection.sh installs it (pinned) into the OpenBao virtual environment

    token = os.environ["CEK_AUDIT_BAO_TOKEN"]

    def send(client, r):
        headers = {"X-Vault-Namespace": r["namespace"]} if r["namespace"] else None
        method = client.adapter.list if r["method"] == "LIST" else client.adapter.get
        try:
            method("/v1/" + r["path"], headers=headers)   # hvac's JSONAdapter returns the parsed answer
        except hvac.exceptions.InvalidPath:
            return None if r["method"] == "LIST" else "not found"   # an empty list answers 404
        except Exception as e:   # noqa: BLE001 -- reported by run_plan
            return str(e)
        return None

    run_plan(plan_path, threads, "hvac", lambda: hvac.Client(url=addr, token=token, timeout=60), send)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "seed":
        seed(sys.argv[2], int(sys.argv[3]))
    elif mode == "plan":
        plan(sys.argv[2])
    elif mode == "replay":
        replay(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif mode == "hvac":
        replay_hvac(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit("usage: openbao_floor.py seed|plan|replay|hvac …")
