#!/usr/bin/env python3
"""Generates a realistic CloudTrail corpus for the throughput benchmark (not a test fixture).

Layout: AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<ts>_<id>.json.gz, as S3
delivery writes it. Records come from many services, as real trails hold them; KMS events are a share of them
(--kms-share). User agents carry escapes and non-ASCII text; some events are denied; some have null members.
Deterministic for a given --seed.
"""
import argparse, gzip, json, os, random

SERVICES = [
    ("s3.amazonaws.com", ["GetObject", "PutObject", "ListObjects", "HeadObject"]),
    ("ec2.amazonaws.com", ["DescribeInstances", "RunInstances", "DescribeVolumes", "CreateTags"]),
    ("sts.amazonaws.com", ["AssumeRole", "GetCallerIdentity", "AssumeRoleWithWebIdentity"]),
    ("iam.amazonaws.com", ["GetRole", "ListRoles", "GetPolicy"]),
    ("lambda.amazonaws.com", ["Invoke", "GetFunction", "ListFunctions20150331"]),
    ("sagemaker.amazonaws.com", ["InvokeEndpoint", "DescribeEndpoint", "CreateTrainingJob"]),
    ("bedrock.amazonaws.com", ["InvokeModel", "ListFoundationModels"]),
    ("logs.amazonaws.com", ["CreateLogStream", "PutLogEvents", "DescribeLogGroups"]),
    ("dynamodb.amazonaws.com", ["DescribeTable", "ListTables"]),
    ("signin.amazonaws.com", ["ConsoleLogin"]),
]
KMS = (["Decrypt"] * 40 + ["GenerateDataKey"] * 25 + ["Encrypt"] * 10 + ["ReEncrypt"] * 3 + ["DescribeKey"] * 8
       + ["CreateGrant"] * 4 + ["ListAliases"] * 3 + ["Sign", "Verify"] + ["EnableKeyRotation", "RotateKeyOnDemand", "DisableKey",
       "ScheduleKeyDeletion", "PutKeyPolicy", "CreateKey"])
AGENTS = ['aws-sdk-java/2.25.1 Linux/5.10 OpenJDK_64-Bit_Server_VM/17', 'Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 "quoted"',
          'aws-cli/2.15.0 Python/3.11 exec-env/CloudShell ünïcödé', 'signin.amazonaws.com', 'AWS Internal \\ back\\slash']


def record(rng, t, account, region, keys, kms_share, n):
    acct_role = f"arn:aws:sts::{account}:assumed-role/{rng.choice(['app', 'pipeline', 'admin', 'ci'])}/session-{rng.randint(1, 500)}"
    ui = {"type": "AssumedRole", "principalId": f"AROAEXAMPLE{rng.randint(1000, 9999)}:s", "arn": acct_role, "accountId": account,
          "sessionContext": {"sessionIssuer": {"type": "Role", "arn": acct_role.replace(":sts:", ":iam:"), "accountId": account},
                             "attributes": {"creationDate": t, "mfaAuthenticated": "false"}}}
    e = {"eventVersion": "1.09", "userIdentity": ui, "eventTime": t, "awsRegion": region, "sourceIPAddress": f"198.51.100.{rng.randint(1, 254)}",
         "userAgent": rng.choice(AGENTS), "requestID": f"{rng.getrandbits(64):016x}-{n:08x}", "eventID": f"{rng.getrandbits(64):016x}-{n:08x}-0000",
         "readOnly": False, "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": account, "eventCategory": "Management",
         "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": f"kms.{region}.amazonaws.com"}}
    if rng.random() < kms_share:
        name = rng.choice(KMS)
        key = rng.choice(keys)
        e["eventSource"] = "kms.amazonaws.com"
        e["eventName"] = name
        e["requestParameters"] = {"keyId": key, "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
                                  "encryptionContext": {"aws:s3:arn": f"arn:aws:s3:::example-bucket-{rng.randint(1, 40)}/obj"}} if name != "ListAliases" else None
        e["responseElements"] = None
        e["resources"] = [{"accountId": account, "type": "AWS::KMS::Key", "ARN": key}] if name != "ListAliases" else None
        if rng.random() < 0.3:
            e["userIdentity"] = {"type": "AWSService", "invokedBy": rng.choice(["s3.amazonaws.com", "sagemaker.amazonaws.com", "logs.amazonaws.com"])}
    else:
        src, names = rng.choice(SERVICES)
        e["eventSource"] = src
        e["eventName"] = rng.choice(names)
        e["requestParameters"] = {"bucketName": f"example-bucket-{rng.randint(1, 40)}", "key": f"data/part-{rng.randint(1, 99999)}.parquet",
                                  "filters": [{"name": "tag:env", "values": ["prod", "staging"]}]} if rng.random() < 0.7 else None
        e["responseElements"] = {"x-amz-request-id": f"{rng.getrandbits(48):012x}"} if rng.random() < 0.5 else None
        e["resources"] = [{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::example-bucket-{rng.randint(1, 40)}/obj"}] if rng.random() < 0.4 else None
    if rng.random() < 0.03:
        e["errorCode"] = "AccessDenied"
        e["errorMessage"] = f"User: {acct_role} is not authorized to perform this operation"
    return e


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--bytes", type=int, default=1_100_000_000, help="uncompressed bytes to generate")
    p.add_argument("--records-per-file", type=int, default=400)
    p.add_argument("--kms-share", type=float, default=0.35)
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args()
    rng = random.Random(a.seed)
    accounts = ["111122223333", "444455556666", "777788889999"]
    regions = ["us-east-1", "eu-west-1", "ap-southeast-2"]
    keys = [f"arn:aws:kms:{r}:{acc}:key/{rng.getrandbits(128):032x}" for acc in accounts for r in regions for _ in range(20)]
    total = 0
    n = 0
    f = 0
    while total < a.bytes:
        acc, reg = rng.choice(accounts), rng.choice(regions)
        day = 1 + (f // 200) % 28
        hour = (f // 10) % 24
        t = f"2026-10-{day:02d}T{hour:02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"
        recs = []
        for _ in range(a.records_per_file):
            n += 1
            recs.append(record(rng, t, acc, reg, [k for k in keys if f":{acc}:" in k], a.kms_share, n))
        body = json.dumps({"Records": recs}, separators=(",", ":"), ensure_ascii=False).encode()
        total += len(body)
        d = os.path.join(a.out, "AWSLogs", acc, "CloudTrail", reg, "2026", "10", f"{day:02d}")
        os.makedirs(d, exist_ok=True)
        name = f"{acc}_CloudTrail_{reg}_202610{day:02d}T{hour:02d}{f % 60:02d}Z_{rng.getrandbits(64):016X}.json.gz"
        with open(os.path.join(d, name), "wb") as out:
            out.write(gzip.compress(body, compresslevel=6, mtime=0))
        f += 1
    print(f"{f} files, {n} records, {total} uncompressed bytes")


if __name__ == "__main__":
    main()
