import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// The Azure Key Vault / Managed HSM key analysis of the normalize stage: custody, rotation applicability and key
/// class, decided once from the raw facts (``AzureFacts/key(_:vaults:inventory:)``) and the key's usage (a `key_usage`
/// whose lifecycle shows an `import`, from AuditEvent logs: the material is the customer's own, BYOK).
///
/// Sources: Key Vault documentation — "About keys" (key types `RSA`, `RSA-HSM`, `EC`, `EC-HSM`, `oct-HSM`; Managed
/// HSM is a single-tenant HSM pool), "Bring your own key (BYOK)", "Configure cryptographic key auto-rotation"
/// (rotation generates new material in the vault, so it replaces imported material).
public struct AzureKeyAnalysis: FactAnalysis {
    public init() {}
    public var name: String { "azure-keyvault keys" }

    public func derive(_ facts: inout FactSet, settings: AnalysisSettings) {
        var imported: Set<String> = []
        for u in facts.resources where u.type == .keyUsage {
            guard case .string(let key) = u.value("key"), case .list(let l) = u.value("lifecycle"), l.contains(.string("import")) else { continue }
            imported.insert(AzureFacts.versionlessKeyURI(key) ?? key.lowercased())
        }
        for i in facts.resources.indices where facts.resources[i].type == .key && facts.resources[i].fields["service"] == .string(AzureFacts.service) {
            Self.derive(&facts.resources[i], imported: imported.contains(facts.resources[i].id))
        }
    }

    /// Derives `custody`, `spec_class`, `hsm_backed`, `rotation.applicable`, `rotation.reason` and defaults for
    /// `exportable` / `allow_plaintext_backup` (Key Vault keys leave the vault only under a release policy).
    public static func derive(_ r: inout Resource, imported: Bool) {
        let kty: String? = { if case .string(let s) = r.value("key_type") { return s }; return nil }()
        let hsmPool = r.value("vault_kind") == .string("managed-hsm")
        if let kty {
            let upper = kty.uppercased()
            r.fields["hsm_backed"] = .bool(hsmPool || upper.hasSuffix("-HSM"))
            r.fields["spec_class"] = .string(upper.hasPrefix("OCT") ? "symmetric" : "asymmetric")
        } else {
            r.fields["hsm_backed"] = hsmPool ? .bool(true) : .unknown(reason: r.value("key_type").unknownReason ?? "key type unknown")
            r.fields["spec_class"] = .unknown(reason: r.value("key_type").unknownReason ?? "key type unknown")
        }
        if imported {
            r.fields["custody"] = .string(Custody.imported.rawValue)
        } else if hsmPool {
            r.fields["custody"] = .string(Custody.hsmKeyStore.rawValue)
        } else {
            r.fields["custody"] = .string(Custody.customerGenerated.rawValue)
        }
        if r.fields["exportable"] == nil { r.fields["exportable"] = .bool(false) }
        if r.fields["allow_plaintext_backup"] == nil { r.fields["allow_plaintext_backup"] = .bool(false) }
        // A key's expiry is its material's: imported material lapses with it.
        switch r.value("expires") {
        case .string(let d): r.fields["material.expires"] = .bool(true); r.fields["material.valid_to"] = .string(d)
        case .null: r.fields["material.expires"] = .bool(false); r.fields["material.valid_to"] = .null
        case let other: r.fields["material.expires"] = other; r.fields["material.valid_to"] = other
        }

        let decision: RotationDecision
        if r.value("state") == .string("SoftDeleted") {
            decision = RotationDecision(applicable: false, reason: "the key is soft-deleted (recoverable until it is purged): rotation matters only for a key in use")
        } else if r.value("enabled") == .bool(false) {
            decision = RotationDecision(applicable: false, reason: "the key is disabled: rotation matters only for a key in use")
        } else if imported {
            decision = RotationDecision(applicable: false, reason: "the key's material was imported (BYOK): an automatic rotation would replace the customer's material with material generated in the vault, so new material is imported instead")
        } else if let why = r.value("enabled").unknownReason {
            decision = RotationDecision(applicable: nil, reason: "cannot tell whether rotation applies: \(why)")
        } else {
            decision = RotationDecision(applicable: true, reason: "an enabled key generated in \(hsmPool ? "Managed HSM" : "Key Vault"): a rotation policy applies")
        }
        r.fields["rotation.applicable"] = decision.applicable.map(FactValue.bool) ?? .unknown(reason: decision.reason)
        r.fields["rotation.reason"] = .string(decision.reason)
    }
}

/// The access analysis of the normalize stage for Azure vaults and Managed HSM pools (`key_policy` resources with
/// `service: azure-keyvault`): who may use or manage the keys, through access policies (vaults without RBAC) or
/// Azure role assignments (RBAC vaults and Managed HSM).
///
/// An access-policy entry of another Entra tenant (`tenantId` other than the vault's and not listed in
/// `trusted_organizations`) with key permissions is cross-tenant; a role assignment to a `ForeignGroup` or through
/// Azure Lighthouse (`delegatedManagedIdentityResourceId`) is too. Key administration (Key Vault Administrator,
/// Crypto Officer, Owner; access-policy `create`, `delete`, `purge`, `import`, `update`, `rotate`,
/// `setrotationpolicy`) held by a `User` principal is an individual administrator (AG-6). Role definitions are
/// recognised by their built-in ids or names (Azure built-in roles reference).
public struct AzureAccessAnalysis: FactAnalysis {
    public init() {}
    public var name: String { "azure-keyvault access" }

    /// Built-in role definition id (last path segment) → name, for the roles that reach keys.
    public static let keyRoles: [String: String] = [
        "00482a5a-887f-4fb3-b363-3b7fe8e74483": "Key Vault Administrator",
        "14b46e9e-c2b7-41b4-b07b-48a6ebf60603": "Key Vault Crypto Officer",
        "12338af0-0e69-4776-bea7-57ae8d297424": "Key Vault Crypto User",
        "e147488a-f6f5-4113-8e2d-b22465e65bf6": "Key Vault Crypto Service Encryption User",
        "08bbd89e-9f13-488c-ac41-acfcb10c90ab": "Key Vault Crypto Service Release User",
        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    ]
    /// Roles that administer keys.
    public static let adminRoles: Set<String> = ["Key Vault Administrator", "Key Vault Crypto Officer", "Owner", "Managed HSM Crypto Officer",
                                                 "Managed HSM Administrator"]
    /// Access-policy key permissions that administer keys.
    public static let adminPermissions: Set<String> = ["create", "delete", "purge", "import", "update", "rotate", "setrotationpolicy", "recover", "restore", "all"]

    public func derive(_ facts: inout FactSet, settings: AnalysisSettings) {
        for i in facts.resources.indices where facts.resources[i].type == .keyPolicy
            && facts.resources[i].fields["service"] == .string(AzureFacts.service) {
            guard let observed = facts.resources[i].observed else { continue }
            Self.derive(&facts.resources[i], observed: observed, settings: settings)
        }
    }

    /// The role name of an assignment: `roleDefinitionName` (CLI, at the top level or under `properties`), else the
    /// built-in id's name, else the id.
    static func roleName(_ a: JSONValue) -> String {
        if let n = (a["roleDefinitionName"] ?? a["properties"]?["roleDefinitionName"])?.stringValue { return n }
        let id = (a["properties"]?["roleDefinitionId"] ?? a["roleDefinitionId"])?.stringValue ?? ""
        let guid = String(id.split(separator: "/").last ?? "").lowercased()
        return keyRoles[guid] ?? (id.isEmpty ? "an unnamed role" : id)
    }

    public static func derive(_ r: inout Resource, observed: [String: JSONValue], settings: AnalysisSettings) {
        let tenant = observed["entra_tenant"]?.stringValue?.lowercased()
        let trusted = Set(settings.trustedOrganizations.map { $0.lowercased() })
        let rbac = observed["rbac"]?.boolValue ?? false
        var findings: [String] = []
        var foreign: Set<String> = []
        var admins: Set<String> = []
        var unknown: [String] = []
        var statements = 0

        if !rbac {
            for (n, e) in (observed["access_policies"]?.asList ?? []).enumerated() {
                let keys = (e["permissions"]?["keys"]?.asList ?? []).compactMap { $0.stringValue?.lowercased() }
                guard !keys.isEmpty else { continue }
                statements += 1
                let who = e["objectId"]?.stringValue ?? "entry \(n + 1)"
                if let t = e["tenantId"]?.stringValue?.lowercased() {
                    if let tenant, t != tenant, !trusted.contains(t) {
                        foreign.insert("Entra tenant \(t)")
                        findings.append("access policy for \(who) in Entra tenant \(t), not the vault's, holds key permissions \(keys.sorted().joined(separator: ", "))")
                    } else if tenant == nil {
                        unknown.append("the vault's Entra tenant is not known, so access policy tenants cannot be compared")
                    }
                } else {
                    unknown.append("the access policy for \(who) names no Entra tenant, so whether it is the vault's cannot be told")
                }
                if !Set(keys).isDisjoint(with: adminPermissions) {
                    // Access policies name object ids only: whether one is a user is not in the policy.
                    findings.append("access policy for \(who) administers keys (\(keys.filter { adminPermissions.contains($0) }.sorted().joined(separator: ", ")))")
                }
            }
        }
        for a in observed["role_assignments"]?.asList ?? [] {
            let role = roleName(a)
            let props = a["properties"] ?? a
            let type = (props["principalType"] ?? a["principalType"])?.stringValue ?? ""
            let principal = (a["principalName"] ?? props["principalId"] ?? a["principalId"])?.stringValue ?? "a principal"
            let reachesKeys = keyRoles.values.contains(role) || adminRoles.contains(role) || role.hasPrefix("Managed HSM")
            guard reachesKeys else { continue }
            statements += 1
            if type == "ForeignGroup" || props["delegatedManagedIdentityResourceId"]?.stringValue != nil {
                foreign.insert("\(type == "ForeignGroup" ? "foreign group" : "delegated identity") \(principal)")
                findings.append("\(role) is assigned to \(principal) (\(type.isEmpty ? "delegated" : type)), outside the vault's Entra tenant")
            }
            if adminRoles.contains(role), type == "User" {
                admins.insert(principal)
                findings.append("\(role) is assigned to the user \(principal)")
            }
        }
        r.fields["statements"] = .int(statements)
        r.fields["public"] = .bool(false)   // Key Vault has no anonymous access
        if !foreign.isEmpty { r.fields["cross_tenant"] = .bool(true) }
        else if let why = observed["role_assignments_unread"]?.stringValue { r.fields["cross_tenant"] = .unknown(reason: "role assignments could not be read: \(why)") }
        else if let why = unknown.first { r.fields["cross_tenant"] = .unknown(reason: why) }
        else { r.fields["cross_tenant"] = .bool(false) }
        r.fields["foreign_accounts"] = .strings(foreign.sorted())
        r.fields["customer_controls_lifecycle"] = .bool(true)   // the vault lives in the customer's subscription
        if let why = observed["role_assignments_unread"]?.stringValue {
            r.fields["admin_users"] = .unknown(reason: "role assignments could not be read: \(why)")
        } else {
            r.fields["admin_users"] = .strings(admins.sorted())
        }
        r.fields["findings"] = .strings(findings)
        r.fields["unresolved"] = .strings([])
    }
}
