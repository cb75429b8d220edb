import CEKAuditCollectorKit
import CEKAuditCore
/// What a KMS API event in CloudTrail says about a key (AWS KMS Developer Guide, "AWS KMS log entries"):
/// a use of the key, a lifecycle (administrative) change, or read-only access.
enum KMSEventCatalog {
    enum Kind: Equatable {
        case usage(String)
        case lifecycle(String)
        case access
        case other
    }

    /// Usage categories as reported in facts.
    static let usageCategories = ["encrypt", "decrypt", "generate-data-key", "re-encrypt", "sign-verify-mac"]

    static func classify(_ eventName: String) -> Kind {
        switch eventName {
        case "Encrypt": return .usage("encrypt")
        case "Decrypt": return .usage("decrypt")
        case "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair",
             "GenerateDataKeyPairWithoutPlaintext": return .usage("generate-data-key")
        case "ReEncrypt": return .usage("re-encrypt")
        case "Sign", "Verify", "GenerateMac", "VerifyMac", "DeriveSharedSecret": return .usage("sign-verify-mac")
        case "CreateKey": return .lifecycle("create")
        case "ImportKeyMaterial": return .lifecycle("import")
        case "GetParametersForImport": return .lifecycle("import-prepare")
        case "EnableKeyRotation": return .lifecycle("enable-rotation")
        case "DisableKeyRotation": return .lifecycle("disable-rotation")
        case "RotateKey", "RotateKeyOnDemand": return .lifecycle("rotate")
        case "DisableKey": return .lifecycle("disable")
        case "EnableKey": return .lifecycle("enable")
        case "ScheduleKeyDeletion": return .lifecycle("schedule-deletion")
        case "CancelKeyDeletion": return .lifecycle("cancel-deletion")
        case "DeleteKey": return .lifecycle("delete")
        case "DeleteImportedKeyMaterial", "DeleteExpiredKeyMaterial": return .lifecycle("delete-material")
        case "PutKeyPolicy": return .lifecycle("put-policy")
        case "CreateGrant": return .lifecycle("create-grant")
        case "RevokeGrant", "RetireGrant": return .lifecycle("revoke-grant")
        case "ReplicateKey", "UpdatePrimaryRegion": return .lifecycle("replicate")
        case "CreateAlias", "UpdateAlias", "DeleteAlias": return .lifecycle("alias")
        case "TagResource", "UntagResource", "UpdateKeyDescription": return .lifecycle("metadata")
        case "CreateCustomKeyStore", "ConnectCustomKeyStore", "DisconnectCustomKeyStore", "UpdateCustomKeyStore",
             "DeleteCustomKeyStore": return .lifecycle("key-store")
        default:
            if eventName.hasPrefix("Describe") || eventName.hasPrefix("Get") || eventName.hasPrefix("List") { return .access }
            return .other
        }
    }
}
