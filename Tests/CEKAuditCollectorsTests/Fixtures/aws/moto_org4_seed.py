#!/usr/bin/env python3
"""Seeds a running moto_server with an AWS organization of four member accounts in two regions, for the
organization-scale tests (member accounts, one that cannot be assumed, shards).

    moto_org4_seed.py ENDPOINT   (run with the .venv-moto interpreter; needs boto3)

Resets moto, then, in the management account (moto's default, 123456789012): creates an organization and the
members tenant-alpha, tenant-bravo, tenant-charlie and tenant-delta; in each (through STS AssumeRole of
OrganizationAccountAccessRole, which moto maps to the member's account) one symmetric key per region (us-east-1 and
eu-west-1), rotation enabled in us-east-1 only, and in tenant-bravo an alias too. The management account holds one
key of its own in us-east-1, not rotating. Prints a JSON manifest: member ids in creation order (alpha … delta) and
every key's ARN per account.
"""
import json
import sys
import urllib.request

import boto3
from botocore.config import Config

endpoint = sys.argv[1]
urllib.request.urlopen(urllib.request.Request(endpoint + "/moto-api/reset", method="POST")).read()
cfg = Config(retries={"max_attempts": 1})
creds = dict(aws_access_key_id="AKIAMOTOORGEXAMPLE04", aws_secret_access_key="orgSecretEXAMPLEKEY0000000000000000000004")
base = dict(endpoint_url=endpoint, region_name="us-east-1", config=cfg, **creds)
org = boto3.client("organizations", **base)
org.create_organization(FeatureSet="ALL")
members = []
for name in ["tenant-alpha", "tenant-bravo", "tenant-charlie", "tenant-delta"]:
    status = org.create_account(Email="%s@example.com" % name, AccountName=name)["CreateAccountStatus"]
    members.append(status["AccountId"])
keys = {}
sts = boto3.client("sts", **base)
for member in members:
    c = sts.assume_role(RoleArn="arn:aws:iam::%s:role/OrganizationAccountAccessRole" % member, RoleSessionName="seed")["Credentials"]
    for region in ["us-east-1", "eu-west-1"]:
        kms = boto3.client("kms", endpoint_url=endpoint, region_name=region, aws_access_key_id=c["AccessKeyId"],
                           aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"], config=cfg)
        md = kms.create_key(Description="org4-%s-%s" % (member, region))["KeyMetadata"]
        if region == "us-east-1":
            kms.enable_key_rotation(KeyId=md["KeyId"])
        if member == members[1]:
            kms.create_alias(AliasName="alias/bravo-%s" % region, TargetKeyId=md["KeyId"])
        keys.setdefault(member, []).append(md["Arn"])
kms = boto3.client("kms", **base)
keys["123456789012"] = [kms.create_key(Description="org4-management")["KeyMetadata"]["Arn"]]
print(json.dumps({"management": "123456789012", "members": members, "keys": keys,
                  "access_key_id": creds["aws_access_key_id"], "secret_access_key": creds["aws_secret_access_key"]}))
