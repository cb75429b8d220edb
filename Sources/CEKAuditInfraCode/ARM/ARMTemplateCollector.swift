import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Reads Azure Resource Manager templates (JSON, as `az bicep build` writes them: `$schema`
/// `…/deploymentTemplate.json#`, `resources` as an array — or, with `languageVersion` 2.0, an object by symbolic name —,
/// each with `type`, `name`, `apiVersion`, `properties`, child `resources`), read as declared
/// (`evidence_kind: declared`) into the raw facts the Azure Resource Manager answers give (the `CEKAuditAzure`
/// mapping, `AzureFacts`):
///
/// - `Microsoft.KeyVault/vaults` and `managedHSMs` → `key_store`, the vault's `audit_trail`
///   (`azure-keyvault-diagnostics`: `Microsoft.Insights/diagnosticSettings` whose `scope` is the vault, or a child
///   `providers/diagnosticSettings`; `properties.logs[]` enabled with `category` `AuditEvent` or `categoryGroup`
///   `audit` / `allLogs` to a destination is logging on, settings that route only other categories are off, none is
///   unknown — a template is not a listing) and its `key_policy` (`observed` `access_policies` as written,
///   `role_assignments` from `Microsoft.Authorization/roleAssignments` scoped to the vault, `rbac`, `entra_tenant`);
/// - `Microsoft.KeyVault/vaults/keys` and `managedHSMs/keys` → `key` (id = the versionless key URI when the vault and
///   key names are literals; `kty`, `attributes.exp` / `enabled`, `rotationPolicy`, the deletion window from the
///   vault's `enablePurgeProtection` and `softDeleteRetentionInDays`, default 90);
/// - data stores of the types `AzureFacts.dataStoreKinds` lists, with their customer-managed-key properties; a store
///   that names no key is encrypted under a Microsoft-managed key.
///
/// Template expressions (`[parameters('x')]`, `[resourceId(...)]`, `[reference(...)]`) are values known only at
/// deployment: the facts that depend on them are unknown with the expression as the reason, never errors. A vault
/// is found by a `scope` / `parent` naming it literally or in a `resourceId('Microsoft.KeyVault/vaults', 'name')` /
/// `format('Microsoft.KeyVault/vaults/{0}', …)` expression whose name is a literal, or by the symbolic name.
public struct ARMTemplateCollector: DocumentCollector {
    public let name = "arm-template"
    public var kind: String { name }
    public var reads: String { "An Azure Resource Manager template as JSON (`az bicep build` output, `deploymentTemplate.json` schema): Key Vaults, Managed HSM, keys, diagnostic settings, role assignments and customer-managed-key data stores; template expressions kept as unknowns." }
    public var example: String { "{path: azure/main.json, kind: arm-template, account: \"<subscription id>\"}" }
    public let suppliedTypes: [ResourceType] = [.key, .keyPolicy, .keyStore, .auditTrail, .dataStore]

    public init() {}

    public func recognizes(document: JSONValue) -> Bool { Self.recognizes(document) }

    /// Whether a parsed document is an ARM deployment template (`$schema` naming `deploymentTemplate.json`).
    public static func recognizes(_ value: JSONValue) -> Bool {
        guard let schema = value["$schema"]?.stringValue?.lowercased(), schema.contains("deploymenttemplate.json") else { return false }
        return value["resources"] != nil
    }

    /// One resource of the template with its full type (`Microsoft.KeyVault/vaults/keys`), full name (`kv1/k1`), the
    /// parent it is nested in, and where it is.
    struct Item {
        var type: String
        var name: String
        var symbol: String?
        var value: JSONValue
        var parent: String?
        var path: [ParsedDocument.Step]
        var lowerType: String { type.lowercased() }
        var properties: JSONValue { value["properties"] ?? .null }
        /// The last segment of the name (`kv1/k1` → `k1`).
        var leaf: String { String(name.split(separator: "/").last ?? Substring(name)) }
    }

    /// Whether a string is a template expression (`[…]`; `[[` escapes a literal bracket).
    static func isExpression(_ text: String) -> Bool { text.hasPrefix("[") && text.hasSuffix("]") && !text.hasPrefix("[[") }

    /// A string property as a fact: a literal, an expression as unknown with the expression as reason, null when
    /// absent.
    static func fact(_ v: JSONValue?, _ what: String) -> FactValue {
        guard let v, v != .null else { return .null }
        if let s = v.stringValue {
            return isExpression(s) ? .unknown(reason: "\(what) is the template expression \(s), known only at deployment") : .string(s)
        }
        if let b = v.boolValue { return .bool(b) }
        if let n = v.numberValue { return .number(n) }
        return .unknown(reason: "\(what) has an unexpected value")
    }

    /// A literal string (not an expression), or `nil`.
    static func literal(_ v: JSONValue?) -> String? {
        guard let s = v?.stringValue, !s.isEmpty, !isExpression(s) else { return nil }
        return s
    }

    public func collect(_ document: ParsedDocument, input: SourceInput, context: CollectionContext) -> FactSet {
        let item = evidenceItem(input, kind: "arm-template", context: context)
        var out = FactSet(evidence: [item])
        var partial = false
        var items: [Item] = []
        func walk(_ list: JSONValue?, parent: Item?, path: [ParsedDocument.Step]) {
            switch list {
            case .array(let a)?:
                for (i, r) in a.enumerated() { add(r, symbol: nil, parent: parent, path: path + [.index(i)]) }
            case .object(let o)?:
                for (k, r) in o.sorted(by: { $0.key < $1.key }) { add(r, symbol: k, parent: parent, path: path + [.key(k)]) }
            default: break
            }
        }
        func add(_ r: JSONValue, symbol: String?, parent: Item?, path: [ParsedDocument.Step]) {
            guard case .object = r, let type = r["type"]?.stringValue, let name = r["name"]?.stringValue else { return }
            // A child resource's type and name are relative to its parent's.
            let fullType = parent.map { "\($0.type)/\(type)" } ?? type
            let fullName = parent.map { "\($0.name)/\(name)" } ?? name
            let it = Item(type: fullType, name: fullName, symbol: symbol, value: r, parent: parent?.name, path: path)
            items.append(it)
            walk(r["resources"], parent: it, path: path + [.key("resources")])
        }
        walk(document.value["resources"], parent: nil, path: [.key("resources")])

        func provenance(_ it: Item) -> [Provenance] { [Provenance(evidence: item.id, pointer: it.name, line: document.line(at: it.path))] }
        func rid(_ it: Item) -> String { "\(input.locator)#\(it.type)/\(it.name)" }
        let vaults = items.filter { ["microsoft.keyvault/vaults", "microsoft.keyvault/managedhsms"].contains($0.lowerType) }
        /// The vault a scope / parent expression names.
        func vault(named text: String?) -> Item? {
            guard let text, !text.isEmpty else { return nil }
            if let v = vaults.first(where: { $0.symbol == text }) { return v }
            let lower = text.lowercased()
            for v in vaults where !Self.isExpression(v.name) {
                let n = v.name.lowercased()
                let kind = v.lowerType == "microsoft.keyvault/managedhsms" ? "managedhsms" : "vaults"
                if lower.hasSuffix("microsoft.keyvault/\(kind)/\(n)") || lower.contains("microsoft.keyvault/\(kind)/\(n)/") { return v }
                // resourceId('Microsoft.KeyVault/vaults', 'kv1'), format('Microsoft.KeyVault/vaults/{0}', 'kv1')
                if Self.isExpression(text), lower.contains("'microsoft.keyvault/\(kind)"), lower.contains("'\(n)'") { return v }
            }
            return nil
        }
        func vaultOf(_ it: Item) -> Item? {
            if let p = it.parent, let v = vaults.first(where: { $0.name == p }) { return v }
            if let v = vault(named: it.value["parent"]?.stringValue ?? it.value["scope"]?.stringValue) { return v }
            let parts = it.name.split(separator: "/")
            if parts.count >= 2 { return vaults.first { $0.name == String(parts[0]) } }
            return nil
        }
        func isHSM(_ v: Item) -> Bool { v.lowerType == "microsoft.keyvault/managedhsms" }
        func host(_ v: Item) -> String? {
            Self.isExpression(v.name) ? nil : "\(v.name.lowercased()).\(isHSM(v) ? "managedhsm" : "vault").azure.net"
        }
        let subscriptionFact: FactValue = input.account.map(FactValue.string)
            ?? .unknown(reason: "a template does not name its subscription; set `account:` for this source")

        // Settings and role assignments by vault.
        var settings: [String: [Item]] = [:]
        var roles: [String: [Item]] = [:]
        for it in items {
            let t = it.lowerType
            if t == "microsoft.insights/diagnosticsettings" || t.hasSuffix("/providers/diagnosticsettings") {
                let target = t.hasSuffix("/providers/diagnosticsettings") ? vaults.first(where: { it.name.hasPrefix($0.name + "/") }) : vaultOf(it)
                if let target { settings[target.name, default: []].append(it) }
            } else if t == "microsoft.authorization/roleassignments", let v = vault(named: it.value["scope"]?.stringValue) {
                roles[v.name, default: []].append(it)
            }
        }

        for v in vaults {
            let p = v.properties
            let hsm = isHSM(v)
            let id = rid(v)
            let name = Self.literal(.string(v.name)) ?? v.name
            let tenant = Self.fact(p["tenantId"], "tenantId")
            let sku = (p["sku"]?["name"] ?? v.value["sku"]?["name"])
            var store: [String: FactValue] = [
                "kind": .string(hsm ? "azure-managed-hsm" : "azure-key-vault"), "name": Self.fact(.string(v.name), "name"),
                "sku": Self.literal(sku).map { FactValue.string($0.lowercased()) } ?? Self.fact(sku, "sku.name"),
                "entra_tenant": tenant,
            ]
            store["connection_state"] = hsm ? FactValue.unknown(reason: "declared Managed HSM pool: its provisioning and activation are only observable live") : FactValue.null
            out.resources.append(Resource(type: .keyStore, id: id, name: name, fields: store, provenance: provenance(v)))

            // Diagnostic settings.
            let declared = settings[v.name] ?? []
            var trail = Resource(type: .auditTrail, id: "\(id)#diagnostics", name: "diagnostic settings of \(name)")
            trail.fields = [
                "kind": .string("azure-keyvault-diagnostics"), "name": .string(name), "account": subscriptionFact,
                "evidence_kind": .string("declared"), "multi_region": .bool(true),
                "integrity_validation": .unknown(reason: "Azure Monitor diagnostic logs have no digest files; immutability of the destination is not in the setting"),
            ]
            trail.provenance = provenance(v) + declared.flatMap(provenance)
            let routes = declared.map { Self.routesAuditEvent($0.properties) }
            if routes.contains(.bool(true)) {
                trail.fields["logging"] = .bool(true)
            } else if let why = routes.compactMap({ r -> String? in if case .unknown(let w) = r { return w }; return nil }).first {
                trail.fields["logging"] = .unknown(reason: why)
                partial = true
            } else if !declared.isEmpty {
                trail.fields["logging"] = .bool(false)
            } else {
                trail.fields["logging"] = .unknown(reason: "no diagnostic setting of \(name) is declared in this template; a template is not a listing of the vault's settings, which may be deployed elsewhere")
            }
            trail.fields["kms_events_included"] = trail.fields["logging"]
            trail.fields["destinations"] = .strings(declared.flatMap { s in
                ["workspaceId", "storageAccountId", "eventHubAuthorizationRuleId", "marketplacePartnerId"].filter { s.properties[$0]?.stringValue?.isEmpty == false }
            }.sorted())
            out.resources.append(trail)

            // Access.
            var access = Resource(type: .keyPolicy, id: "\(id)#access", name: "access to \(name)")
            access.fields = [
                "service": .string("azure-keyvault"), "key": .string(id), "key_name": .string(name), "key_manager": .string("customer"),
                "account": subscriptionFact, "scope": .string(hsm ? "managed-hsm" : "key-vault"), "default": .bool(false),
            ]
            let assignments = (roles[v.name] ?? []).map { r -> JSONValue in
                var props = r.properties.objectValue ?? [:]
                props["scope"] = r.value["scope"] ?? .null
                // A role definition written as an expression keeps its built-in id (subscriptionResourceId(…, 'GUID')).
                if let def = props["roleDefinitionId"]?.stringValue, Self.isExpression(def), let guid = Self.guid(in: def) {
                    props["roleDefinitionId"] = .string("/providers/Microsoft.Authorization/roleDefinitions/\(guid)")
                }
                return .object(["properties": .object(props)])
            }
            access.provenance = provenance(v) + (roles[v.name] ?? []).flatMap(provenance)
            let vaultTenant = Self.literal(p["tenantId"])
            var policies = (p["accessPolicies"] ?? .null).asList
            var tenantsComparable = vaultTenant != nil
            policies = policies.map { e -> JSONValue in
                guard case .object(var o) = e, let t = o["tenantId"]?.stringValue, Self.isExpression(t) else { return e }
                if t == p["tenantId"]?.stringValue, let vaultTenant { o["tenantId"] = .string(vaultTenant) } else { tenantsComparable = false }
                return .object(o)
            }
            var observed: [String: JSONValue] = [
                "access_policies": .array(policies),
                "role_assignments": .array(assignments),
                "rbac": hsm ? .bool(true) : .bool(p["enableRbacAuthorization"]?.boolValue ?? false),
            ]
            // An expression tenant cannot be compared: without the vault's tenant, the analysis leaves isolation unknown.
            if tenantsComparable, let vaultTenant { observed["entra_tenant"] = .string(vaultTenant) }
            access.observed = observed
            out.resources.append(access)
        }

        // Keys.
        for it in items where ["microsoft.keyvault/vaults/keys", "microsoft.keyvault/managedhsms/keys"].contains(it.lowerType) {
            let p = it.properties
            let v = vaultOf(it)
            let keyName = it.leaf
            var id = rid(it)
            if let v, let vaultHost = host(v), !Self.isExpression(keyName), !Self.isExpression(it.name) { id = "https://\(vaultHost)/keys/\(keyName)" }
            let hsmKey = it.lowerType.contains("managedhsms")
            let attributes = p["attributes"] ?? .null
            var f: [String: FactValue] = [
                "service": .string("azure-keyvault"), "manager": .string("customer"), "key_id": .string(id),
                "evidence_kind": .string("declared"),
                "vault": v.map { Self.fact(.string($0.name), "the vault's name") } ?? .unknown(reason: "the key's vault is not in this template"),
                "vault_kind": .string(hsmKey ? "managed-hsm" : "key-vault"),
                "key_type": Self.fact(p["kty"], "kty"), "spec": Self.fact(p["kty"], "kty"),
                "created": .unknown(reason: "a declared key's creation time is known once it is created"),
                "release_policy": .bool((p["release_policy"] ?? p["releasePolicy"]).map { $0 != .null } ?? false),
                "recovery_level": .null,
                "account": subscriptionFact, "subscription": subscriptionFact,
            ]
            if f["key_type"] == .null { f["key_type"] = .unknown(reason: "the key declares no kty"); f["spec"] = f["key_type"] }
            switch attributes["enabled"] {
            case nil, .null?: f["enabled"] = .bool(true)
            case let e?: f["enabled"] = Self.fact(e, "attributes.enabled")
            }
            if f["enabled"] == .bool(true) { f["state"] = FactValue.string("Enabled") }
            else if f["enabled"] == .bool(false) { f["state"] = FactValue.string("Disabled") }
            else { f["state"] = f["enabled"] }
            switch attributes["exp"] {
            case nil, .null?: f["expires"] = .null
            case .number(let n)?: f["expires"] = DateParsing.epoch(n).map { FactValue.string(DateParsing.iso($0)) } ?? FactValue.unknown(reason: "attributes.exp is out of range")
            case .string(let s)?:
                if Self.isExpression(s) { f["expires"] = Self.fact(.string(s), "attributes.exp") }
                else if let d = DateParsing.parse(s) { f["expires"] = FactValue.string(DateParsing.iso(d)) }
                else { f["expires"] = FactValue.unknown(reason: "attributes.exp \(s) is not a time") }
            case .some: f["expires"] = FactValue.unknown(reason: "attributes.exp has an unexpected value")
            }
            if let t = v.flatMap({ Self.literal($0.properties["tenantId"]) }) { f["entra_tenant"] = .string(t) }
            if let loc = v.flatMap({ Self.literal($0.value["location"]) }) { f["region"] = .string(loc) }
            // Rotation policy (ARM RotationPolicy: lifetimeActions with trigger.timeAfterCreate / timeBeforeExpiry).
            if let policy = p["rotationPolicy"], policy != .null {
                let expiry = TerraformCollector.isoDays(Self.literal(policy["attributes"]?["expiryTime"]))
                var period: Int?
                var expression: String?
                for a in (policy["lifetimeActions"] ?? .null).asList where (a["action"]?["type"] ?? a["action"])?.stringValue?.lowercased() == "rotate" {
                    let trigger = a["trigger"] ?? .null
                    for key in ["timeAfterCreate", "timeBeforeExpiry"] {
                        if let s = trigger[key]?.stringValue, Self.isExpression(s) { expression = s }
                    }
                    if let d = TerraformCollector.isoDays(Self.literal(trigger["timeAfterCreate"])) { period = min(period ?? d, d) }
                    else if let before = TerraformCollector.isoDays(Self.literal(trigger["timeBeforeExpiry"])), let expiry { period = min(period ?? (expiry - before), expiry - before) }
                }
                if period == nil, let expression {
                    f["rotation.enabled"] = .unknown(reason: "the rotation trigger is the template expression \(expression), known only at deployment")
                    f["rotation.period_days"] = f["rotation.enabled"]
                } else {
                    f["rotation.enabled"] = .bool(period != nil)
                    f["rotation.period_days"] = period.map { FactValue.number(Double($0)) } ?? FactValue.null
                    f["rotation.expiry_days"] = expiry.map { FactValue.number(Double($0)) } ?? FactValue.null
                }
            } else {
                f["rotation.enabled"] = .bool(false)
                f["rotation.period_days"] = .null
            }
            if let v {
                let vp = v.properties
                let retention = Self.fact(vp["softDeleteRetentionInDays"], "softDeleteRetentionInDays")
                let retentionFact: FactValue = retention == .null ? .int(90) : retention
                let purge = Self.fact(vp["enablePurgeProtection"], "enablePurgeProtection")
                let purgeFact: FactValue = purge == .null ? .bool(false) : purge
                f["deletion.purge_protection"] = purgeFact
                f["deletion.retention_days"] = retentionFact
                switch purgeFact {
                case .bool(true): f["deletion.window_days"] = retentionFact
                case .bool(false): f["deletion.window_days"] = .int(0)
                default: f["deletion.window_days"] = purgeFact
                }
                f["deletion.window_min_days"] = f["deletion.window_days"]
            } else {
                let why = "the key's vault is not in this template, so its soft-delete and purge protection are not known"
                for k in ["deletion.window_days", "deletion.window_min_days", "deletion.purge_protection"] { f[k] = .unknown(reason: why) }
            }
            if f.values.contains(where: { !$0.isKnown }) { partial = true }
            out.resources.append(Resource(type: .key, id: id, name: keyName, fields: f, provenance: provenance(it)))
        }

        // Data stores.
        for it in items {
            guard let kind = Self.dataStoreKinds[it.lowerType] else { continue }
            var f: [String: FactValue] = ["kind": .string(kind), "evidence_kind": .string("declared"), "encrypted": .bool(true)]
            if let a = input.account { f["project"] = .string(a) }
            switch Self.storeKey(kind: kind, properties: it.properties) {
            case .key(let uri):
                f["key_ref"] = .string(uri)
            case .microsoft:
                f["key_ref"] = .null
                f["key_manager"] = .string("microsoft")
                f["key_custody"] = .string(Custody.providerOwned.rawValue)
            case .unknown(let why):
                for k in ["key_ref", "key_manager", "key_custody"] { f[k] = .unknown(reason: why) }
                partial = true
            }
            out.resources.append(Resource(type: .dataStore, id: rid(it), name: Self.literal(.string(it.name)) ?? it.name, fields: f, provenance: provenance(it)))
        }
        out.coverage.append(coverage(input, resources: out.resources, partial: partial,
                                     detail: partial ? "some values are template expressions known only at deployment" : nil))
        return out
    }

    /// ARM type (lower-cased) → data-store kind, as `AzureFacts.dataStoreKinds` names them.
    static let dataStoreKinds: [String: String] = [
        "microsoft.storage/storageaccounts": "azure-storage-account",
        "microsoft.cognitiveservices/accounts": "azure-ai-services-account",
        "microsoft.machinelearningservices/workspaces": "azure-ml-workspace",
        "microsoft.sql/servers/encryptionprotector": "azure-sql-tde-protector",
        "microsoft.documentdb/databaseaccounts": "azure-cosmosdb-account",
        "microsoft.compute/diskencryptionsets": "azure-disk-encryption-set",
        "microsoft.containerservice/managedclusters": "azure-aks-etcd",
    ]

    enum StoreKey: Equatable { case key(String), microsoft, unknown(String) }

    /// The key a store's properties name (the properties `AzureFacts.dataStore` reads), as a versionless key URI.
    static func storeKey(kind: String, properties p: JSONValue) -> StoreKey {
        func uri(_ v: JSONValue?, _ what: String) -> StoreKey? {
            guard let s = v?.stringValue, !s.isEmpty else { return nil }
            if isExpression(s) { return .unknown("\(what) is the template expression \(s), known only at deployment") }
            return .key(TerraformCollector.azureKeyURI(s) ?? s)
        }
        switch kind {
        case "azure-storage-account", "azure-ai-services-account":
            let e = p["encryption"] ?? .null
            guard let source = e["keySource"]?.stringValue else { return .microsoft }
            if isExpression(source) { return .unknown("encryption.keySource is the template expression \(source), known only at deployment") }
            guard source.lowercased() == "microsoft.keyvault" else { return .microsoft }
            let kv = e["keyvaultproperties"] ?? e["keyVaultProperties"] ?? .null
            guard let vaultURI = (kv["keyvaulturi"] ?? kv["keyVaultUri"])?.stringValue, let keyName = (kv["keyname"] ?? kv["keyName"])?.stringValue else {
                return .unknown("the customer-managed key's vault URI or name is not declared")
            }
            for s in [vaultURI, keyName] where isExpression(s) { return .unknown("the key is named by the template expression \(s), known only at deployment") }
            guard let host = URL(string: vaultURI)?.host?.lowercased() else { return .unknown("\(vaultURI) is not a vault URI") }
            return .key("https://\(host)/keys/\(keyName)")
        case "azure-ml-workspace":
            return uri(p["encryption"]?["keyVaultProperties"]?["keyIdentifier"], "encryption.keyVaultProperties.keyIdentifier") ?? .microsoft
        case "azure-sql-tde-protector":
            if p["serverKeyType"]?.stringValue == "AzureKeyVault" {
                return uri(p["uri"], "uri") ?? uri(p["serverKeyName"], "serverKeyName") ?? .unknown("the protector names no key")
            }
            return .microsoft
        case "azure-cosmosdb-account":
            return uri(p["keyVaultKeyUri"], "keyVaultKeyUri") ?? .microsoft
        case "azure-disk-encryption-set":
            return uri(p["activeKey"]?["keyUrl"], "activeKey.keyUrl") ?? .unknown("the disk encryption set declares no activeKey.keyUrl")
        case "azure-aks-etcd":
            let kms = p["securityProfile"]?["azureKeyVaultKms"]
            if let enabled = kms?["enabled"], enabled.boolValue == true || (enabled.stringValue.map(isExpression) ?? false) {
                if let s = enabled.stringValue, isExpression(s) { return .unknown("securityProfile.azureKeyVaultKms.enabled is the template expression \(s)") }
                return uri(kms?["keyId"], "securityProfile.azureKeyVaultKms.keyId") ?? .unknown("the KMS plugin names no key")
            }
            return .microsoft
        default:
            return .microsoft
        }
    }

    /// Whether a diagnostic setting's properties route AuditEvent to a destination: `.bool`, or unknown when an
    /// `enabled` switch or the categories are template expressions.
    static func routesAuditEvent(_ p: JSONValue) -> FactValue {
        let destination = ["workspaceId", "storageAccountId", "eventHubAuthorizationRuleId", "eventHubName", "marketplacePartnerId"]
            .contains { p[$0]?.stringValue?.isEmpty == false }
        var unknown: String?
        var routed = false
        for l in (p["logs"] ?? .null).asList {
            let names = [l["category"]?.stringValue, l["categoryGroup"]?.stringValue].compactMap { $0 }
            let relevant = names.contains { ["auditevent", "audit", "alllogs"].contains($0.lowercased()) }
            if let e = names.first(where: isExpression) { unknown = "a log category is the template expression \(e)"; continue }
            guard relevant else { continue }
            if let s = l["enabled"]?.stringValue, isExpression(s) { unknown = "the AuditEvent switch is the template expression \(s)"; continue }
            if l["enabled"]?.boolValue == true { routed = true }
        }
        if routed && destination { return .bool(true) }
        if let unknown { return .unknown(reason: unknown + ", known only at deployment") }
        return .bool(false)
    }

    /// The first GUID in a text (a built-in role definition id inside an expression).
    static func guid(in text: String) -> String? {
        guard let r = text.range(of: #"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"#, options: .regularExpression) else { return nil }
        return String(text[r]).lowercased()
    }
}
