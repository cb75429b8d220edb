#!/usr/bin/env python3
"""Seeds a running moto_server with two tenants' KMS keys and a trail, for the live collector's integration test.

    moto_seed.py ENDPOINT   (run with the .venv-moto interpreter; needs boto3)

Resets moto, then, through STS AssumeRole credentials (moto maps them to the role's account):
  tenant A (111122223333): us-east-1 keys of every kind, a multi-Region primary replicated to eu-west-1, wildcard and
  cross-account key policies, grants inside and outside the tenant, a logging multi-Region trail with log validation;
  tenant B (444455556666): one rotating key in eu-west-1.
Prints a JSON manifest on stdout: tenant-A temporary credentials and every key's id by label. Few keys: moto makes
about eight a second.
"""
import json
import sys

import boto3
import urllib.request
from botocore.config import Config

endpoint = sys.argv[1]
urllib.request.urlopen(urllib.request.Request(endpoint + "/moto-api/reset", method="POST")).read()
cfg = Config(retries={"max_attempts": 1})
base = dict(endpoint_url=endpoint, aws_access_key_id="AKIAMOTOSEEDEXAMPLE1", aws_secret_access_key="seedSecretEXAMPLEKEY000000000000000000000", config=cfg)


def assume(account):
    sts = boto3.client("sts", region_name="us-east-1", **base)
    c = sts.assume_role(RoleArn="arn:aws:iam::%s:role/cek-audit" % account, RoleSessionName="seed")["Credentials"]
    return c


def clients(creds, region):
    kw = dict(endpoint_url=endpoint, region_name=region, aws_access_key_id=creds["AccessKeyId"],
              aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"], config=cfg)
    return boto3.client("kms", **kw), kw


A, B = "111122223333", "444455556666"
ca = assume(A)
kms, kw = clients(ca, "us-east-1")
keys = {}


def create(label, **args):
    md = kms.create_key(Description=label, **args)["KeyMetadata"]
    keys[label] = {"id": md["KeyId"], "arn": md["Arn"], "region": "us-east-1", "account": A}
    return md["KeyId"]


def policy(statements):
    root = {"Sid": "Owner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % A}, "Action": "kms:*", "Resource": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [root] + statements})


k = create("sym-rotating", Tags=[{"TagKey": "tenant", "TagValue": "a"}])
kms.enable_key_rotation(KeyId=k)
kms.create_alias(AliasName="alias/tenant-a/app", TargetKeyId=k)
kms.create_grant(KeyId=k, GranteePrincipal="arn:aws:iam::%s:role/app" % A, Operations=["Encrypt", "Decrypt"], Name="app")
kms.create_grant(KeyId=k, GranteePrincipal="arn:aws:iam::%s:role/etl" % B, Operations=["Decrypt"], Name="foreign-etl")
create("sym-not-rotating")
create("rsa-signing", KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
create("ecc-signing", KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
create("hmac", KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
create("imported", Origin="EXTERNAL")
k = create("disabled")
kms.disable_key(KeyId=k)
k = create("pending-deletion")
kms.schedule_key_deletion(KeyId=k, PendingWindowInDays=7)
k = create("mrk-primary", MultiRegion=True)
kms.enable_key_rotation(KeyId=k)
replica = kms.replicate_key(KeyId=k, ReplicaRegion="eu-west-1")["ReplicaKeyMetadata"]
keys["mrk-replica"] = {"id": replica["KeyId"], "arn": replica["Arn"], "region": "eu-west-1", "account": A}
k = create("public-policy", Policy=policy([{"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}]))
kms.enable_key_rotation(KeyId=k)
k = create("caller-account-policy", Policy=policy([{"Sid": "AnyPrincipalOfThisAccount", "Effect": "Allow", "Principal": "*",
                                                     "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*",
                                                     "Condition": {"StringEquals": {"kms:CallerAccount": A}}}]))
kms.enable_key_rotation(KeyId=k)
k = create("cross-account-policy", Policy=policy([{"Sid": "TenantB", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % B},
                                                    "Action": "kms:Decrypt", "Resource": "*"}]))
kms.enable_key_rotation(KeyId=k)

s3 = boto3.client("s3", **kw)
s3.create_bucket(Bucket="tenant-a-audit-logs")
trail = boto3.client("cloudtrail", **kw)
trail.create_trail(Name="tenant-a-audit", S3BucketName="tenant-a-audit-logs", IsMultiRegionTrail=True, EnableLogFileValidation=True)
trail.start_logging(Name="tenant-a-audit")

cb = assume(B)
kms_b, _ = clients(cb, "eu-west-1")
md = kms_b.create_key(Description="tenant-b")["KeyMetadata"]
kms_b.enable_key_rotation(KeyId=md["KeyId"])
keys["tenant-b-rotating"] = {"id": md["KeyId"], "arn": md["Arn"], "region": "eu-west-1", "account": B}

print(json.dumps({"tenant_a": {"access_key_id": ca["AccessKeyId"], "secret_access_key": ca["SecretAccessKey"],
                               "session_token": ca["SessionToken"]},
                  "seed": {"access_key_id": base["aws_access_key_id"], "secret_access_key": base["aws_secret_access_key"]},
                  "keys": keys}, indent=1, sort_keys=True))
