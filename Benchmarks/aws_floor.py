#!/usr/bin/env python3
"""The boto3 floor of the AWS KMS collection benchmark (not a test).

    aws_floor.py ENDPOINT THREADS COUNTS_JSON

Sends, with boto3 on THREADS threads against ENDPOINT, exactly the calls cek-audit sent (COUNTS_JSON: operation →
count, read from the benchmark server): every per-key operation once per key it was sent for, every listing and
account-level call as many times as cek-audit made it. Prints `CALLS <n>`. What it does with the answers is nothing:
it is the floor, the least a client can do to send those requests.
"""
import json
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

endpoint, threads, counts = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="AKIABENCHEXAMPLE0001",
          aws_secret_access_key="benchSecretEXAMPLEKEY00000000000000000000",
          config=Config(retries={"max_attempts": 1}, max_pool_connections=threads))
session = boto3.session.Session()
clients = {name: session.client(name, **kw) for name in ("kms", "sts", "cloudtrail", "ec2")}
keys = [k["KeyId"] for page in clients["kms"].get_paginator("list_keys").paginate() for k in page["Keys"]]
per_key = {"DescribeKey": lambda c, k: c.describe_key(KeyId=k),
           "GetKeyRotationStatus": lambda c, k: c.get_key_rotation_status(KeyId=k),
           "ListKeyRotations": lambda c, k: c.list_key_rotations(KeyId=k),
           "GetKeyPolicy": lambda c, k: c.get_key_policy(KeyId=k, PolicyName="default"),
           "ListGrants": lambda c, k: c.list_grants(KeyId=k),
           "ListResourceTags": lambda c, k: c.list_resource_tags(KeyId=k)}
once = {"ListKeys": ("kms", lambda c: c.list_keys(Limit=1000)), "ListAliases": ("kms", lambda c: c.list_aliases(Limit=100)),
        "DescribeCustomKeyStores": ("kms", lambda c: c.describe_custom_key_stores()),
        "GetCallerIdentity": ("sts", lambda c: c.get_caller_identity()),
        "DescribeTrails": ("cloudtrail", lambda c: c.describe_trails()),
        "GetTrailStatus": ("cloudtrail", lambda c: c.get_trail_status(Name="bench")),
        "GetEventSelectors": ("cloudtrail", lambda c: c.get_event_selectors(TrailName="bench")),
        "DescribeRegions": ("ec2", lambda c: c.describe_regions())}
jobs = []
for op, n in counts.items():
    if op in per_key:
        for i in range(n):
            jobs.append((lambda f, k: (lambda: f(clients["kms"], k)))(per_key[op], keys[i % len(keys)]))
    elif op in once:
        service, f = once[op]
        jobs.extend([(lambda f, c: (lambda: f(c)))(f, clients[service])] * n)


def run(job):
    try:
        job()
    except Exception:   # moto answers some calls with 500 (DescribeCustomKeyStores); the request was still sent
        pass


with ThreadPoolExecutor(max_workers=threads) as pool:
    list(pool.map(run, jobs))
print("CALLS %d" % len(jobs))
