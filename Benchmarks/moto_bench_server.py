#!/usr/bin/env python3
"""In-process moto server for the collection benchmark (not a test).

    moto_bench_server.py KEYS [LATENCY_MS]

Starts moto's ThreadedMotoServer on a free 127.0.0.1 port, seeds KEYS KMS keys in us-east-1 (every third with
rotation on, every tenth with an alias, a trail), prints `PORT <n>` and `SEEDED <n> IN <s>`, and serves until stdin
closes. Seeding is fast because moto's per-key RSA key generation for symmetric and HMAC keys is replaced by nothing
(a test-only monkeypatch; the KMS metadata the collector reads is unchanged). LATENCY_MS adds a sleep to every request,
to model a network round trip that the collector's concurrency can overlap.

Every request is counted by operation (the `X-Amz-Target` suffix, or the Query protocol's `Action`):
`GET /__bench/counts` answers the counts as JSON, `POST /__bench/reset` sets them to zero. The benchmark reads them to
make its boto3 floor send exactly the calls cek-audit sent.
"""
import json
import threading
import urllib.parse
import socket
import sys
import time

import boto3
import moto.kms.models as kms_models
from botocore.config import Config
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

keys = int(sys.argv[1]) if len(sys.argv) > 1 else 500
latency = float(sys.argv[2]) / 1000 if len(sys.argv) > 2 else 0.0

original = kms_models.generate_private_key


def fast(key_spec):
    if key_spec == "SYMMETRIC_DEFAULT" or key_spec.startswith("HMAC"):
        return None
    return original(key_spec)


kms_models.generate_private_key = fast

import moto.moto_server.threaded_moto_server as tms
make_server = tms.make_server
counts = {}
counts_lock = threading.Lock()


def operation(environ):
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return target.rsplit(".", 1)[-1]
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    if "Action" in query:
        return query["Action"][0]
    try:
        size = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        size = 0
    body = environ["wsgi.input"].read(size) if size else b""
    environ["wsgi.input"] = __import__("io").BytesIO(body)
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    return form.get("Action", ["other"])[0]


def counting_make_server(host, port, app, threaded):
    def counted(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/__bench/counts":
            with counts_lock:
                body = json.dumps(counts, sort_keys=True).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if path == "/__bench/reset":
            with counts_lock:
                counts.clear()
            start_response("200 OK", [("Content-Length", "0")])
            return [b""]
        op = operation(environ)
        with counts_lock:
            counts[op] = counts.get(op, 0) + 1
        if latency:
            time.sleep(latency)
        return app(environ, start_response)
    return make_server(host, port, counted, threaded)


tms.make_server = counting_make_server

s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
server.start()
endpoint = "http://127.0.0.1:%d" % port
kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="AKIABENCHEXAMPLE0001",
          aws_secret_access_key="benchSecretEXAMPLEKEY00000000000000000000", config=Config(retries={"max_attempts": 1}))
kms = boto3.client("kms", **kw)
started = time.time()
for i in range(keys):
    key_id = kms.create_key(Description="bench-%d" % i)["KeyMetadata"]["KeyId"]
    if i % 3 == 0:
        kms.enable_key_rotation(KeyId=key_id)
    if i % 10 == 0:
        kms.create_alias(AliasName="alias/bench-%d" % i, TargetKeyId=key_id)
s3 = boto3.client("s3", **kw)
s3.create_bucket(Bucket="bench-audit-logs")
trail = boto3.client("cloudtrail", **kw)
trail.create_trail(Name="bench", S3BucketName="bench-audit-logs", IsMultiRegionTrail=True, EnableLogFileValidation=True)
trail.start_logging(Name="bench")
__import__("urllib.request").request.urlopen(urllib.request.Request(endpoint + "/__bench/reset", method="POST")).read()
print("PORT %d" % port, flush=True)
print("SEEDED %d IN %.1f" % (keys, time.time() - started), flush=True)
sys.stdin.read()
