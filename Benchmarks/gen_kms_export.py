#!/usr/bin/env python3
"""Write an AWS KMS key export (the `aws kms` CLI's JSON) for N keys, for Benchmarks/report-scale.sh.

Usage: gen_kms_export.py N OUT_FOLDER [--per-key]

OUT_FOLDER receives describe-key.json (an array of DescribeKey responses), get-key-rotation-status.json and
get-key-policy.json (objects keyed by key id), the shapes `cek-audit sources` recognises as a KMS export. The keys
are a realistic mix, deterministic for a given N: symmetric keys with and without rotation, HMAC and asymmetric keys
(rotation not applicable), imported (EXTERNAL) keys, disabled and pending-deletion keys, and a few key policies that
grant a foreign account, so the report holds every verdict and many results that share check, verdict and reason.
Account 111122223333, regions eu-west-1 / us-east-1 (placeholders).

With --per-key the same answers are written one file per key and call, as live collection keeps one evidence item
per API answer: OUT_FOLDER/aws-kms/111122223333/<region>/<Operation>/<key-id>.json for DescribeKey, GetKeyPolicy,
ListKeyRotations (every key) and GetKeyRotationStatus (keys where rotation applies), each an object of answers by key
id: about 3.9 evidence items per key with locators as long as live ones (live collection keeps 5-6 per key: its
ListGrants and ListResourceTags answers have no export form). Same facts and verdicts as the three-file export.
"""
import json
import pathlib
import sys


def main():
    args = [a for a in sys.argv[1:] if a != "--per-key"]
    per_key = len(args) != len(sys.argv) - 1
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    n = int(args[0])
    out = pathlib.Path(args[1])
    out.mkdir(parents=True, exist_ok=True)
    describe, rotation, policy = [], {}, {}
    for i in range(n):
        key_id = "%08x-0000-4000-8000-%012d" % (0xabcd0000 + i // 1000000, i)
        region = "eu-west-1" if i % 3 else "us-east-1"
        arn = f"arn:aws:kms:{region}:111122223333:key/{key_id}"
        kind = i % 20
        spec, usage, origin, state = "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "AWS_KMS", "Enabled"
        if kind == 1:
            spec, usage = "HMAC_256", "GENERATE_VERIFY_MAC"
        elif kind == 2:
            spec, usage = "RSA_2048", "SIGN_VERIFY"
        elif kind == 3:
            origin = "EXTERNAL"
        elif kind == 4:
            state = "Disabled"
        elif kind == 5:
            state = "PendingDeletion"
        meta = {
            "AWSAccountId": "111122223333", "KeyId": key_id, "Arn": arn,
            "CreationDate": 1735689600.0 + i, "Enabled": state == "Enabled",
            "Description": f"data key {i} for service-{i % 37}", "KeyUsage": usage, "KeyState": state,
            "Origin": origin, "KeyManager": "CUSTOMER", "KeySpec": spec, "CustomerMasterKeySpec": spec,
            "MultiRegion": False,
        }
        if state == "PendingDeletion":
            meta["DeletionDate"] = 1767225600.0
            meta["PendingDeletionWindowInDays"] = 30
        if origin == "EXTERNAL":
            meta["ExpirationModel"] = "KEY_MATERIAL_DOES_NOT_EXPIRE"
        describe.append({"KeyMetadata": meta})
        if spec == "SYMMETRIC_DEFAULT" and origin == "AWS_KMS":
            enabled = i % 4 != 0
            entry = {"KeyRotationEnabled": enabled, "KeyId": arn}
            if enabled:
                entry["RotationPeriodInDays"] = 365 if i % 8 else 730
            rotation[key_id] = entry
        statements = [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                       "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]
        if i % 50 == 7:
            statements.append({"Sid": "Partner use", "Effect": "Allow",
                               "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                               "Action": ["kms:Decrypt", "kms:Encrypt"], "Resource": "*"})
        policy[key_id] = {"Policy": json.dumps({"Version": "2012-10-17", "Id": "key-default-1", "Statement": statements}),
                          "PolicyName": "default"}
    if per_key:
        for d in describe:
            meta = d["KeyMetadata"]
            key_id, region = meta["KeyId"], meta["Arn"].split(":")[3]
            folder = out / "aws-kms" / "111122223333" / region

            def answer(operation, body):
                (folder / operation).mkdir(parents=True, exist_ok=True)
                (folder / operation / f"{key_id}.json").write_text(json.dumps(body) + "\n")

            answer("DescribeKey", d)
            answer("GetKeyPolicy", {key_id: policy[key_id]})
            status = rotation.get(key_id)
            rotations = []
            if status is not None:
                answer("GetKeyRotationStatus", {key_id: status})
                if status["KeyRotationEnabled"]:
                    rotations = [{"KeyId": meta["Arn"], "RotationDate": 1735689600.0 + 86400 * 200, "RotationType": "AUTOMATIC"}]
            answer("ListKeyRotations", {key_id: {"Rotations": rotations, "Truncated": False}})
        return 0
    (out / "describe-key.json").write_text(json.dumps(describe, indent=1) + "\n")
    (out / "get-key-rotation-status.json").write_text(json.dumps(rotation, indent=1) + "\n")
    (out / "get-key-policy.json").write_text(json.dumps(policy, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
