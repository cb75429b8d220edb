#!/usr/bin/env python3
"""Seeds a running moto_server with an AWS organization for the organization-target test.

    moto_org_seed.py ENDPOINT   (run with the .venv-moto interpreter; needs boto3)

Resets moto, then, in the management account (moto's default, 123456789012): creates an organization and three
member accounts; in the first two (through STS AssumeRole of OrganizationAccountAccessRole, which moto maps to the
member's account) one KMS key each, rotating in the first, not in the second; the third holds nothing and is closed
(suspended). Prints a JSON manifest: member ids in creation order and each key's ARN.
"""
import json
import sys
import urllib.request

import boto3
from botocore.config import Config

endpoint = sys.argv[1]
urllib.request.urlopen(urllib.request.Request(endpoint + "/moto-api/reset", method="POST")).read()
cfg = Config(retries={"max_attempts": 1})
base = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="AKIAMOTOORGEXAMPLE01",
            aws_secret_access_key="orgSecretEXAMPLEKEY0000000000000000000000", config=cfg)
org = boto3.client("organizations", **base)
org.create_organization(FeatureSet="ALL")
members = []
for i, name in enumerate(["tenant-alpha", "tenant-bravo", "tenant-closed"]):
    status = org.create_account(Email="%s@example.com" % name, AccountName=name)["CreateAccountStatus"]
    members.append(status["AccountId"])
keys = {}
sts = boto3.client("sts", **base)
for member, rotating in zip(members[:2], [True, False]):
    c = sts.assume_role(RoleArn="arn:aws:iam::%s:role/OrganizationAccountAccessRole" % member, RoleSessionName="seed")["Credentials"]
    kms = boto3.client("kms", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=c["AccessKeyId"],
                       aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"], config=cfg)
    md = kms.create_key(Description="org-%s" % member)["KeyMetadata"]
    if rotating:
        kms.enable_key_rotation(KeyId=md["KeyId"])
    keys[member] = md["Arn"]
org.close_account(AccountId=members[2])
print(json.dumps({"management": "123456789012", "members": members, "keys": keys,
                  "access_key_id": base["aws_access_key_id"], "secret_access_key": base["aws_secret_access_key"]}))
