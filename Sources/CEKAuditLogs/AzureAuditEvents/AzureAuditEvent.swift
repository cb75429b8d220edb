import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// The members of one Azure Key Vault / Managed HSM `AuditEvent` record that the audit reads, from either shape it
/// is exported in. Any member may be missing, `null` or of another type; it then reads as absent.
///
/// - Diagnostic-settings export to a storage account (`insights-logs-auditevent/resourceId=/SUBSCRIPTIONS/…/PT1H.json`,
///   one record per line): `time`, `resourceId`, `category`, `operationName`, `resultType`, `resultSignature`,
///   `resultDescription`, `callerIpAddress`, `correlationId`, `identity.claim` (`appid`, `oid`,
///   `http://schemas.microsoft.com/identity/claims/objectidentifier`, `upn`, `http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn`),
///   `properties` (`id` — the key URI with version —, `requestUri`, `clientInfo`, `httpStatusCode`).
/// - Log Analytics `AzureDiagnostics` rows (`az monitor log-analytics query` output, or rows as JSON lines):
///   `TimeGenerated`, `ResourceId`, `Category`, `OperationName`, `ResultType`, `ResultSignature`, `id_s`,
///   `requestUri_s`, `httpStatusCode_d`, `identity_claim_appid_g`, `identity_claim_oid_g`,
///   `identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g`, `identity_claim_upn_s`,
///   `CorrelationId`; the resource-specific table `AZKVAuditLogs` (`Id`, `RequestUri`, `Identity`) likewise.
///
/// References: Azure Key Vault documentation, "Azure Key Vault logging" (log fields and operation names) and
/// "Monitoring Azure Key Vault data reference" (AzureDiagnostics columns); Managed HSM "Managed HSM logging".
struct AzureAuditEvent {
    /// RFC 3339 UTC with whole seconds, or `nil` when missing or unreadable.
    var time: String?
    var resourceId: String?
    var category: String?
    var operationName: String?
    var resultType: String?
    var resultSignature: String?
    var httpStatus: Int?
    var correlationId: String?
    /// `properties.id` / `id_s`: the object the request was about (a key URI, often with its version).
    var objectId: String?
    var requestUri: String?
    var appId: String?
    var objectIdentifier: String?
    var upn: String?

    init(_ v: JSONValue) {
        func s(_ names: String...) -> String? {
            for n in names { if let t = v[n]?.stringValue?.trimmingCharacters(in: .whitespaces), !t.isEmpty { return t } }
            return nil
        }
        func nested(_ base: JSONValue?, _ names: [String]) -> String? {
            for n in names { if let t = base?[n]?.stringValue?.trimmingCharacters(in: .whitespaces), !t.isEmpty { return t } }
            return nil
        }
        time = Self.time(v["time"] ?? v["TimeGenerated"] ?? v["timeGenerated"])
        resourceId = s("resourceId", "ResourceId", "_ResourceId")
        category = s("category", "Category")
        operationName = s("operationName", "OperationName")
        resultType = s("resultType", "ResultType")
        resultSignature = s("resultSignature", "ResultSignature")
        correlationId = s("correlationId", "CorrelationId")
        let props = v["properties"].flatMap { p -> JSONValue? in if case .object = p { return p }; return nil }
        objectId = nested(props, ["id"]) ?? s("id_s", "Id")
        requestUri = nested(props, ["requestUri"]) ?? s("requestUri_s", "RequestUri")
        let statusValue = props?["httpStatusCode"] ?? v["httpStatusCode_d"] ?? v["HttpStatusCode"]
        httpStatus = statusValue?.numberValue.flatMap { $0.isFinite && abs($0) < 10_000 ? Int($0) : nil }
        // identity.claim in the storage export; the Identity column of AZKVAuditLogs holds the same object.
        let claim = v["identity"]?["claim"] ?? v["Identity"]?["claim"]
        appId = nested(claim, ["appid", "http://schemas.microsoft.com/identity/claims/appid"]) ?? s("identity_claim_appid_g")
        objectIdentifier = nested(claim, ["oid", "http://schemas.microsoft.com/identity/claims/objectidentifier"])
            ?? s("identity_claim_oid_g", "identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g")
        upn = nested(claim, ["upn", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"])
            ?? s("identity_claim_upn_s", "identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s")
    }

    /// Whether the record is a Key Vault or Managed HSM `AuditEvent`: its resource is under `Microsoft.KeyVault`
    /// and its category, when given, is `AuditEvent`.
    var isKeyVaultAuditEvent: Bool {
        guard let id = resourceId?.lowercased(), id.contains("/providers/microsoft.keyvault/") else { return false }
        return category.map { $0.lowercased() == "auditevent" } ?? true
    }

    /// Result words that mean the request was served.
    static let successWords: Set<String> = ["ok", "success", "succeeded", "accepted", "created", "nocontent", "no content", "200", "201", "202", "204"]

    /// The failure that makes the record an attempt, as `failed_attempts` names it (`Forbidden`, `Unauthorized`,
    /// `NotFound`, `HTTP 429` …), or `nil` when the request was served: the first of `resultSignature`,
    /// `resultType` that is not a success word, else an HTTP status of 400 or more.
    var failure: String? {
        for word in [resultSignature, resultType].compactMap({ $0 }) where !Self.successWords.contains(word.lowercased()) {
            return word
        }
        if let status = httpStatus, status >= 400 { return "HTTP \(status)" }
        return nil
    }

    /// The caller: the user's UPN, else the application id (`app:<appid>`), else the object id (`oid:<oid>`).
    var principal: String? {
        if let upn { return upn }
        if let appId { return "app:\(appId.lowercased())" }
        if let objectIdentifier { return "oid:\(objectIdentifier.lowercased())" }
        return nil
    }

    /// The versionless URI of the key the record is about (host lower-cased, as ``keyURI(_:)`` writes it), from
    /// `properties.id` or the request URI; `nil` for secrets, certificates, the vault itself and listings.
    var key: String? {
        objectId.flatMap(Self.keyURI) ?? requestUri.flatMap(Self.keyURI)
    }

    /// The subscription of the record's resource (`/SUBSCRIPTIONS/<id>/…`), lower-cased as ARM answers write it.
    var subscription: String? {
        guard let id = resourceId else { return nil }
        let p = id.split(separator: "/")
        guard p.count >= 2, p[0].lowercased() == "subscriptions", !p[1].isEmpty else { return nil }
        return p[1].lowercased()
    }

    /// `https://<vault>.vault.azure.net/keys/<name>` from a key URI with or without version, or a `deletedkeys`
    /// URI (recover, purge): the same text the Azure facts give a key (`AzureFacts.versionlessKeyURI`) — https, a
    /// Key Vault or Managed HSM host (public, China, US Government clouds), lower-cased; the name as written.
    static func keyURI(_ text: String) -> String? { AzureKeyURI.versionless(text, deleted: true) }

    /// A record time (`2026-11-02T08:15:30.1234567Z`, or epoch seconds) normalized to whole seconds UTC.
    static func time(_ v: JSONValue?) -> String? {
        guard let v else { return nil }
        if case .number(let n) = v { return DateParsing.epoch(n).map(DateParsing.iso) }
        guard let s = v.stringValue?.trimmingCharacters(in: .whitespaces), !s.isEmpty else { return nil }
        return DateParsing.parse(s).map(DateParsing.iso)
    }
}

/// What a Key Vault `operationName` says about a key, in the categories of the CloudTrail catalog
/// (``KMSEventCatalog``): a use, a lifecycle change, or read-only access. Key Vault documentation, "Azure Key Vault
/// logging" (operation names) and "About keys" (key operations).
enum KeyVaultOperationCatalog {
    static func classify(_ operation: String) -> KMSEventCatalog.Kind {
        switch operation {
        case "KeyEncrypt", "KeyWrap": return .usage("encrypt")
        case "KeyDecrypt", "KeyUnwrap": return .usage("decrypt")
        case "KeySign", "KeyVerify": return .usage("sign-verify-mac")
        case "KeyRelease": return .usage("release")
        case "KeyCreate": return .lifecycle("create")
        case "KeyImport": return .lifecycle("import")
        case "KeyRotate": return .lifecycle("rotate")
        case "KeyRotationPolicySet": return .lifecycle("enable-rotation")
        case "KeyUpdate": return .lifecycle("update")
        case "KeyDelete": return .lifecycle("schedule-deletion")
        case "KeyRecover": return .lifecycle("cancel-deletion")
        case "KeyPurge": return .lifecycle("delete")
        case "KeyBackup": return .lifecycle("backup")
        case "KeyRestore": return .lifecycle("restore")
        case "VaultAccessPolicyChangedEventGridNotification", "VaultAccessPolicyChanged": return .lifecycle("put-policy")
        case "VaultPut", "VaultPatch", "VaultDelete", "VaultRecover", "VaultPurge": return .lifecycle("key-store")
        default:
            if operation.hasPrefix("KeyGet") || operation.hasPrefix("KeyList") || operation == "KeyRotationPolicyGet"
                || operation == "VaultGet" || operation == "KeyGetRandomBytes" { return .access }
            return .other
        }
    }
}
