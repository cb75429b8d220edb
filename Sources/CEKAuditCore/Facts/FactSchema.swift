/// The fact fields each resource type may carry: the vocabulary that checks in `Controls/*.yaml` are written in.
/// The catalog loader rejects a check that reads a field not listed here for its subject (a typo would otherwise
/// make the check silently inconclusive forever). Descriptions double as documentation (`controls fields`).
public enum FactSchema {
    /// Field name → one-line description, per resource type.
    public static let fields: [ResourceType: [String: String]] = [
        .key: [
            "arn": "Key ARN, when known (live keys, Terraform state)",
            "key_id": "Key id (UUID, mrk- id, or a template's logical id)",
            "account": "Owning account id, or `self` for the account a template is deployed into",
            "region": "Region",
            "tenant": "Tenant the key belongs to (account, namespace, or tag value)",
            "description": "Key description",
            "aliases": "Alias names pointing at the key",
            "tags": "Tags as `key=value` strings",
            "manager": "`customer` or `aws` (AWS KMS KeyManager)",
            "origin": "Key material origin: AWS_KMS, EXTERNAL, AWS_CLOUDHSM, EXTERNAL_KEY_STORE",
            "custody": "provider-owned, customer-generated, imported (BYOK), hsm-key-store, external-key-store (HYOK)",
            "spec": "Key spec: SYMMETRIC_DEFAULT, RSA_2048 …, ECC_…, HMAC_…, SM2",
            "usage": "Key usage: ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, KEY_AGREEMENT",
            "state": "Key state: Enabled, Disabled, PendingDeletion, PendingImport, Unavailable, Creating …",
            "enabled": "Whether the key is enabled",
            "evidence_kind": "`declared` (infrastructure as code) or `observed` (live API)",
            "multi_region": "Whether the key is a multi-Region key",
            "multi_region_role": "`primary`, `replica` or `none`",
            "key_store": "Custom key store id, or null",
            "rotation.applicable": "Whether automatic rotation applies to this key (rotation applicability analysis)",
            "rotation.reason": "Why automatic rotation does or does not apply",
            "rotation.enabled": "Whether automatic rotation is enabled",
            "rotation.period_days": "Automatic rotation period in days, null when rotation is off",
            "rotation.last_rotated": "When the key material was last rotated (RFC 3339)",
            "material.expires": "Whether imported key material expires",
            "material.valid_to": "When imported key material expires (RFC 3339), null when it does not",
            "deletion.scheduled_for": "Scheduled deletion date (RFC 3339), null when none is scheduled",
            "deletion.window_days": "Waiting period before deletion, in days",
            "created": "Creation date (RFC 3339)",
        ],
        .keyPolicy: [
            "key": "Resource id of the key the policy is attached to, null for a standalone policy file",
            "key_name": "Display name of that key",
            "key_manager": "`customer` or `aws` for the key the policy is attached to; unknown for a standalone policy file",
            "account": "Account that owns the key (explicit, or inferred when all principals share one account)",
            "default": "Whether this is the default key policy AWS applies when none is given",
            "statements": "Number of statements",
            "public": "Whether an Allow statement admits any principal of any account without a restricting condition",
            "cross_tenant": "Whether a principal outside the owner and the trusted accounts can use or manage the key",
            "foreign_accounts": "Accounts outside the owner and trusted accounts that the policy admits",
            "customer_controls_lifecycle": "Whether principals of the owning account hold the key's lifecycle actions",
            "admin_users": "IAM users (individuals) granted key administration, not roles",
            "findings": "One sentence per statement that matters to isolation or lifecycle",
            "unresolved": "Template placeholders that kept a principal or condition from being resolved",
        ],
        .grant: [
            "key": "Resource id of the key",
            "grantee": "Grantee principal",
            "grantee_account": "Account of the grantee, when it can be read from the principal",
            "operations": "Granted operations",
            "constraints": "Whether encryption-context constraints are set",
            "cross_tenant": "Whether the grantee is outside the owner and trusted accounts",
        ],
        .auditTrail: [
            "kind": "`cloudtrail`, `openbao-audit-device`, …",
            "name": "Trail or device name",
            "account": "Account",
            "evidence_kind": "`declared` or `observed`",
            "logging": "Whether logging is on",
            "multi_region": "Whether the trail covers all regions",
            "kms_events_included": "Whether KMS management events are recorded (not excluded by event selectors)",
            "integrity_validation": "Whether log-file integrity validation (digests) is on",
            "encrypted_with_cmk": "Whether the trail's log files are encrypted with a customer-managed key",
        ],
        .keyStore: [
            "kind": "AWS_CLOUDHSM, EXTERNAL_KEY_STORE, or another upstream key manager",
            "name": "Key store name",
            "hsm_cluster": "CloudHSM cluster id, when an HSM key store",
            "proxy_endpoint": "External key store proxy endpoint, when HYOK",
            "connection_state": "Connection state, when observed",
        ],
        .dataStore: [
            "kind": "s3-bucket, ebs-volume, rds-instance, rds-cluster, dynamodb-table, sagemaker-…, bedrock-…, …",
            "evidence_kind": "`declared` or `observed`",
            "encrypted": "Whether encryption at rest is on",
            "key_ref": "The key reference as written (ARN, alias, id or expression), null when none",
            "key": "Resource id of the referenced key when it was found among the collected keys, else null",
            "key_custody": "Custody of the protecting key: customer-generated, imported, …, provider-owned",
            "key_manager": "`customer` or `aws` for the protecting key",
        ],
        .target: [
            "kind": "aws-kms, openbao, …", "endpoint": "API endpoint", "region": "Region",
            "tenant": "Account or namespace", "caller": "Identity that collected the evidence",
        ],
        .alias: ["target_key": "Resource id of the key", "name": "Alias name"],
        .logSource: [:], .keyUsage: [:], .capability: [:], .attestation: [:], .waiver: [:],
    ]

    /// Whether `field` is part of the vocabulary for `type` (or is a pseudo-field every resource has).
    public static func knows(_ field: String, for type: ResourceType) -> Bool {
        ["id", "name", "type"].contains(field) || fields[type]?[field] != nil
    }
}
