import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// What a Cloud KMS method in Cloud Audit Logs says about a key (Cloud KMS documentation, "Cloud KMS audit logging";
/// REST v1 `KeyManagementService` methods), in the categories the CloudTrail catalog uses (``KMSEventCatalog``):
/// a use of the key, a lifecycle (administrative) change, or read-only access.
enum CloudKMSMethodCatalog {
    /// The method's short name: `google.cloud.kms.v1.KeyManagementService.Decrypt` → `Decrypt`.
    static func shortName(_ methodName: String) -> String {
        String(methodName.split(separator: ".").last ?? Substring(methodName))
    }

    /// Classifies one entry. `UpdateCryptoKey` is a rotation switch when its request changes `rotationPeriod` or
    /// `nextRotationTime` (`updateMask`; a mask naming them with no period in `cryptoKey` clears rotation), else an
    /// update; `UpdateCryptoKeyVersion` is disable / enable by the requested `state`. `GenerateRandomBytes` uses no
    /// key and is not a key use.
    static func classify(_ entry: GCPAuditEntry) -> KMSEventCatalog.Kind {
        let name = shortName(entry.methodName ?? "")
        switch name {
        case "Encrypt", "RawEncrypt": return .usage("encrypt")
        case "Decrypt", "RawDecrypt", "AsymmetricDecrypt", "Decapsulate": return .usage("decrypt")
        case "AsymmetricSign", "MacSign", "MacVerify": return .usage("sign-verify-mac")
        case "CreateCryptoKey": return .lifecycle("create")
        case "UpdateCryptoKey": return rotationSwitch(entry.request) ?? .lifecycle("update")
        case "UpdateCryptoKeyPrimaryVersion", "CreateCryptoKeyVersion": return .lifecycle("rotate")
        case "ImportCryptoKeyVersion": return .lifecycle("import")
        case "CreateImportJob": return .lifecycle("import-prepare")
        case "UpdateCryptoKeyVersion":
            switch entry.request?["cryptoKeyVersion"]?["state"]?.stringValue {
            case "DISABLED": return .lifecycle("disable")
            case "ENABLED": return .lifecycle("enable")
            default: return .lifecycle("update")
            }
        case "DestroyCryptoKeyVersion": return .lifecycle("schedule-deletion")
        case "RestoreCryptoKeyVersion": return .lifecycle("cancel-deletion")
        case "SetIamPolicy": return .lifecycle("put-policy")
        case "CreateEkmConnection", "UpdateEkmConnection", "UpdateEkmConfig": return .lifecycle("key-store")
        default:
            if name.hasPrefix("Get") || name.hasPrefix("List") || name == "TestIamPermissions" || name == "VerifyConnectivity" {
                return .access
            }
            return .other
        }
    }

    /// `enable-rotation` / `disable-rotation` when an `UpdateCryptoKey` request touches the rotation schedule.
    static func rotationSwitch(_ request: JSONValue?) -> KMSEventCatalog.Kind? {
        guard let request else { return nil }
        let key = request["cryptoKey"]
        let period = key?["rotationPeriod"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let paths: [String]
        if let mask = request["updateMask"]?.stringValue {
            paths = mask.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        } else {
            paths = (request["updateMask"]?["paths"]?.asList ?? []).compactMap(\.stringValue)
        }
        let rotationPaths: Set<String> = ["rotationPeriod", "rotation_period", "nextRotationTime", "next_rotation_time"]
        if paths.isEmpty {
            // No mask: the fields present are the ones set.
            return period != nil ? .lifecycle("enable-rotation") : nil
        }
        guard paths.contains(where: rotationPaths.contains) else { return nil }
        return period != nil || (key?["nextRotationTime"]?.stringValue.map { !$0.isEmpty } ?? false)
            ? .lifecycle("enable-rotation") : .lifecycle("disable-rotation")
    }

    /// gRPC status code names (google.rpc.Code), as `failed_attempts` name them.
    static func statusName(_ code: Int) -> String {
        let names = ["OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
                     "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
                     "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"]
        return names.indices.contains(code) ? names[code] : "code \(code)"
    }
}
