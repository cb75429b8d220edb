import CEKAuditCollectorKit
import CEKAuditCore

/// How a data store type declares encryption at rest and its key, for one infrastructure-as-code dialect.
///
/// A property left out means what the service documents for it, which is a known value, not an unknown one: a
/// Secrets Manager secret without `KmsKeyId` is encrypted under the AWS managed key `aws/secretsmanager` (AWS Secrets
/// Manager API Reference, CreateSecret `KmsKeyId`; AWS CloudFormation User Guide, `AWS::SecretsManager::Secret`
/// `KmsKeyId`; Terraform AWS provider, `aws_secretsmanager_secret` `kms_key_id`), an RDS instance with storage
/// encryption under `aws/rds`, a DynamoDB table under an AWS owned key. Only where an account setting chooses the
/// key (``serviceKeyNote``) is it unknown.
struct DataStoreSpec: Sendable {
    /// Our kind name (`ebs-volume`, `rds-instance` …).
    var kind: String
    /// Path to the "encrypted" switch, or `nil` when the service always encrypts.
    var encryptedPath: [String]?
    /// Value when the switch is absent: `true`/`false`, or `nil` when it depends on an account setting.
    var encryptedDefault: Bool?
    /// Why the default is unknown, when it is.
    var defaultNote: String?
    /// Path to the key reference.
    var keyPath: [String]
    /// Why the key of an encrypted store that names none is not known, when an account setting chooses it; `nil`
    /// when it is the service's own key (AWS managed or AWS owned).
    var serviceKeyNote: String? = nil

    /// Sets `key_manager` and `key_custody` of an encrypted store whose resource names no key.
    func applyServiceKey(to f: inout [String: FactValue]) {
        guard let note = serviceKeyNote else { return DataStoreSpecs.applyProviderKey(to: &f) }
        f["key_manager"] = .unknown(reason: note)
        f["key_custody"] = .unknown(reason: note)
    }
}

/// Reads a nested value; a list along the way contributes its first element (Terraform blocks are lists).
func dig(_ value: JSONValue?, _ path: [String]) -> JSONValue? {
    var v = value
    for step in path {
        if case .array(let a)? = v { v = a.first }
        v = v?[step]
    }
    if case .array(let a)? = v, a.count == 1, case .object = a[0] { return a[0] }
    return v
}

enum DataStoreSpecs {
    /// AWS CloudFormation resource types (AWS CloudFormation User Guide, resource type reference).
    static let cloudFormation: [String: DataStoreSpec] = [
        "AWS::EC2::Volume": .init(kind: "ebs-volume", encryptedPath: ["Encrypted"], encryptedDefault: nil,
                                  defaultNote: "depends on the account's EBS encryption-by-default setting", keyPath: ["KmsKeyId"],
                                  serviceKeyNote: ebsDefaultKey),
        "AWS::RDS::DBInstance": .init(kind: "rds-instance", encryptedPath: ["StorageEncrypted"], encryptedDefault: false, keyPath: ["KmsKeyId"]),
        "AWS::RDS::DBCluster": .init(kind: "rds-cluster", encryptedPath: ["StorageEncrypted"], encryptedDefault: false, keyPath: ["KmsKeyId"]),
        "AWS::DynamoDB::Table": .init(kind: "dynamodb-table", encryptedPath: nil, encryptedDefault: true, keyPath: ["SSESpecification", "KMSMasterKeyId"]),
        "AWS::EFS::FileSystem": .init(kind: "efs-file-system", encryptedPath: ["Encrypted"], encryptedDefault: false, keyPath: ["KmsKeyId"]),
        "AWS::SageMaker::NotebookInstance": .init(kind: "sagemaker-notebook", encryptedPath: nil, encryptedDefault: true, keyPath: ["KmsKeyId"]),
        "AWS::SageMaker::EndpointConfig": .init(kind: "sagemaker-endpoint-config", encryptedPath: nil, encryptedDefault: true, keyPath: ["KmsKeyId"]),
        "AWS::SageMaker::Domain": .init(kind: "sagemaker-domain", encryptedPath: nil, encryptedDefault: true, keyPath: ["KmsKeyId"]),
        "AWS::Bedrock::Agent": .init(kind: "bedrock-agent", encryptedPath: nil, encryptedDefault: true, keyPath: ["CustomerEncryptionKeyArn"]),
        // Without KmsKeyId: the AWS managed key aws/secretsmanager (AWS::SecretsManager::Secret, KmsKeyId).
        "AWS::SecretsManager::Secret": .init(kind: "secretsmanager-secret", encryptedPath: nil, encryptedDefault: true, keyPath: ["KmsKeyId"]),
        "AWS::Logs::LogGroup": .init(kind: "log-group", encryptedPath: nil, encryptedDefault: true, keyPath: ["KmsKeyId"]),
        "AWS::SNS::Topic": .init(kind: "sns-topic", encryptedPath: nil, encryptedDefault: false, keyPath: ["KmsMasterKeyId"]),
        "AWS::SQS::Queue": .init(kind: "sqs-queue", encryptedPath: nil, encryptedDefault: true, keyPath: ["KmsMasterKeyId"]),
    ]

    /// Terraform AWS provider resource types (registry.terraform.io/providers/hashicorp/aws, resource docs).
    static let terraform: [String: DataStoreSpec] = [
        "aws_ebs_volume": .init(kind: "ebs-volume", encryptedPath: ["encrypted"], encryptedDefault: nil,
                                defaultNote: "depends on the account's EBS encryption-by-default setting", keyPath: ["kms_key_id"],
                                serviceKeyNote: ebsDefaultKey),
        "aws_db_instance": .init(kind: "rds-instance", encryptedPath: ["storage_encrypted"], encryptedDefault: false, keyPath: ["kms_key_id"]),
        "aws_rds_cluster": .init(kind: "rds-cluster", encryptedPath: ["storage_encrypted"], encryptedDefault: false, keyPath: ["kms_key_id"]),
        "aws_dynamodb_table": .init(kind: "dynamodb-table", encryptedPath: nil, encryptedDefault: true, keyPath: ["server_side_encryption", "kms_key_arn"]),
        "aws_efs_file_system": .init(kind: "efs-file-system", encryptedPath: ["encrypted"], encryptedDefault: false, keyPath: ["kms_key_id"]),
        "aws_sagemaker_notebook_instance": .init(kind: "sagemaker-notebook", encryptedPath: nil, encryptedDefault: true, keyPath: ["kms_key_id"]),
        "aws_sagemaker_endpoint_configuration": .init(kind: "sagemaker-endpoint-config", encryptedPath: nil, encryptedDefault: true, keyPath: ["kms_key_arn"]),
        "aws_sagemaker_domain": .init(kind: "sagemaker-domain", encryptedPath: nil, encryptedDefault: true, keyPath: ["kms_key_id"]),
        "aws_bedrockagent_agent": .init(kind: "bedrock-agent", encryptedPath: nil, encryptedDefault: true, keyPath: ["customer_encryption_key_arn"]),
        "aws_bedrock_custom_model": .init(kind: "bedrock-custom-model", encryptedPath: nil, encryptedDefault: true, keyPath: ["custom_model_kms_key_id"]),
        // Without kms_key_id: the AWS managed key aws/secretsmanager (aws_secretsmanager_secret, kms_key_id).
        "aws_secretsmanager_secret": .init(kind: "secretsmanager-secret", encryptedPath: nil, encryptedDefault: true, keyPath: ["kms_key_id"]),
        "aws_cloudwatch_log_group": .init(kind: "log-group", encryptedPath: nil, encryptedDefault: true, keyPath: ["kms_key_id"]),
        "aws_sns_topic": .init(kind: "sns-topic", encryptedPath: nil, encryptedDefault: false, keyPath: ["kms_master_key_id"]),
        "aws_sqs_queue": .init(kind: "sqs-queue", encryptedPath: nil, encryptedDefault: true, keyPath: ["kms_master_key_id"]),
    ]

    /// An encrypted EBS volume that names no key uses the account's default EBS key, which the account may set to a
    /// customer managed key (Amazon EC2 API Reference, ModifyEbsDefaultKmsKeyId; `AWS::EC2::Volume` `KmsKeyId`).
    static let ebsDefaultKey = "the volume names no key, so the account's default EBS encryption key protects it, and that may be a customer managed key (ModifyEbsDefaultKmsKeyId)"

    /// Sets `key_manager` and `key_custody` for a store protected by a key of the service itself (AWS managed or AWS
    /// owned), which the customer does not manage.
    static func applyProviderKey(to f: inout [String: FactValue]) {
        f["key_manager"] = .string("aws")
        f["key_custody"] = .string("provider-owned")
    }

    /// The data-store fields shared by both dialects. `keyRef` is the key reference as written; `linkedKey` the
    /// resource id of a key in the same source that the reference points to.
    static func fields(kind: String, encrypted: FactValue, keyRef: DeclaredValue, linkedKey: String?) -> [String: FactValue] {
        var f: [String: FactValue] = ["kind": .string(kind), "evidence_kind": .string("declared"), "encrypted": encrypted]
        switch keyRef {
        case .absent: f["key_ref"] = .null
        case .literal(let v): f["key_ref"] = .string(v.stringValue ?? v.compactText)
        case .expression(let e): f["key_ref"] = .string(e)
        case .missing: f["key_ref"] = keyRef.string("the key reference", default: nil)
        }
        f["key"] = linkedKey.map(FactValue.string) ?? .null
        return f
    }
}
