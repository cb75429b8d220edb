import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Maps an ``AzureInventory`` (Azure Resource Manager shapes) to facts: keys, per-vault access (`key_policy`),
/// per-vault diagnostic settings (`audit_trail`), vaults and Managed HSM pools (`key_store`) and data stores that
/// name a key. Observations only: custody, rotation applicability, access isolation are decided in the normalize
/// stage (``AzureKeyAnalysis``, ``AzureAccessAnalysis``).
///
/// Sources: Azure REST API reference — Key Vault management (`Vaults`, `Keys`: `KeyProperties`, `KeyAttributes`,
/// `RotationPolicy`, `LifetimeAction`), Managed HSM (`ManagedHsmProperties`), Monitor `DiagnosticSettings`
/// (`LogSettings.category` / `categoryGroup`), Authorization `RoleAssignments`; the Key Vault data-plane `KeyBundle`
/// as `az keyvault key show` prints it; each data store's customer-managed-key property as listed in
/// ``dataStoreKinds``. ARM ids and names are case-insensitive: ids are compared lower-cased.
public enum AzureFacts {
    /// The `service` value of Azure Key Vault and Managed HSM keys.
    public static let service = "azure-keyvault"

    public static func resources(from inventory: AzureInventory) -> [Resource] {
        var out: [Resource] = []
        var vaultsByName: [String: (item: AzureInventory.Item, kind: String)] = [:]
        for v in inventory.vaults { if let n = v.value["name"]?.stringValue { vaultsByName[n.lowercased()] = (v, "key-vault") } }
        for v in inventory.managedHSMs { if let n = v.value["name"]?.stringValue { vaultsByName[n.lowercased()] = (v, "managed-hsm") } }

        for (_, v) in vaultsByName.sorted(by: { $0.key < $1.key }) {
            if let store = keyStore(v.item, kind: v.kind) { out.append(store) }
            if let trail = diagnostics(of: v.item, kind: v.kind, inventory: inventory) { out.append(trail) }
            if let access = access(of: v.item, kind: v.kind, inventory: inventory) { out.append(access) }
        }
        var seen: Set<String> = []
        for k in inventory.keys {
            guard let key = key(k, vaults: vaultsByName, inventory: inventory), seen.insert(key.id).inserted else { continue }
            out.append(key)
        }
        for d in inventory.dataStores { if let r = dataStore(d, evidenceKind: inventory.evidenceKind) { out.append(r) } }
        return out
    }

    // MARK: - Identifiers

    /// The parts of an ARM id (`/subscriptions/S/resourceGroups/RG/providers/NS/TYPE/NAME[/SUB/NAME…]`).
    public struct ARMID: Sendable, Hashable {
        public var subscription: String?
        public var resourceGroup: String?
        /// `(type, name)` pairs after the provider namespace, e.g. `[("vaults", "kv1"), ("keys", "k1")]`.
        public var segments: [(type: String, name: String)]
        public var provider: String?

        public init?(_ text: String) {
            let p = text.split(separator: "/").map(String.init)
            guard p.count >= 2, p[0].lowercased() == "subscriptions" else { return nil }
            subscription = p[1]
            segments = []
            var i = 2
            if i + 1 < p.count, p[i].lowercased() == "resourcegroups" { resourceGroup = p[i + 1]; i += 2 }
            if i + 1 < p.count, p[i].lowercased() == "providers" { provider = p[i + 1]; i += 2 }
            while i + 1 < p.count { segments.append((p[i], p[i + 1])); i += 2 }
        }

        public static func == (a: ARMID, b: ARMID) -> Bool {
            a.subscription == b.subscription && a.resourceGroup == b.resourceGroup && a.provider == b.provider
                && a.segments.map { "\($0.type)/\($0.name)" } == b.segments.map { "\($0.type)/\($0.name)" }
        }

        public func hash(into h: inout Hasher) { h.combine(subscription); h.combine(segments.map { "\($0.type)/\($0.name)" }) }

        /// The name after a segment type (`vaults`, `keys`, `managedHSMs`), case-insensitively.
        public func name(of type: String) -> String? { segments.first { $0.type.lowercased() == type.lowercased() }?.name }
    }

    /// The versionless key URI a key is known by (`https://kv1.vault.azure.net/keys/k1`, host lower-cased), from a
    /// key URI with or without version, or `nil` for anything else.
    public static func versionlessKeyURI(_ text: String) -> String? { AzureKeyURI.versionless(text) }

    /// The versionless URI of a key from a vault URI (`https://kv1.vault.azure.net/`) and key name, as storage
    /// accounts and Cognitive Services accounts name their key.
    public static func keyURI(vaultURI: String, name: String) -> String? {
        guard let url = URL(string: vaultURI), let host = url.host?.lowercased(), !name.isEmpty else { return nil }
        return "https://\(host)/keys/\(name)"
    }

    // MARK: - Vaults

    static func vaultProperties(_ v: JSONValue) -> JSONValue { v["properties"] ?? .null }

    /// A vault or Managed HSM pool as a `key_store` (`kind` `azure-key-vault` or `azure-managed-hsm`).
    public static func keyStore(_ item: AzureInventory.Item, kind: String) -> Resource? {
        guard let id = item.value["id"]?.stringValue, let name = item.value["name"]?.stringValue else { return nil }
        let p = vaultProperties(item.value)
        var f: [String: FactValue] = [
            "kind": .string(kind == "managed-hsm" ? "azure-managed-hsm" : "azure-key-vault"),
            "name": .string(name),
            "sku": (p["sku"]?["name"] ?? item.value["sku"]?["name"])?.stringValue.map { .string($0.lowercased()) } ?? .unknown(reason: "the answer has no sku"),
            "entra_tenant": p["tenantId"]?.stringValue.map(FactValue.string) ?? .unknown(reason: "the answer has no tenantId"),
        ]
        f["soft_delete"] = .bool(p["enableSoftDelete"]?.boolValue ?? true)
        f["retention_days"] = .int(p["softDeleteRetentionInDays"]?.numberValue.map { Int($0) } ?? 90)
        f["purge_protection"] = .bool(p["enablePurgeProtection"]?.boolValue ?? false)
        f["rbac"] = .bool(kind == "managed-hsm" || p["enableRbacAuthorization"]?.boolValue == true)
        // Managed HSM pools are single-tenant FIPS 140-3 Level 3 HSMs; their connection is the pool's state.
        if kind == "managed-hsm" {
            f["connection_state"] = p["provisioningState"]?.stringValue.map { .string($0 == "Succeeded" ? "CONNECTED" : $0.uppercased()) }
                ?? .unknown(reason: "the answer has no provisioningState")
        } else {
            f["connection_state"] = .null   // a vault is a service endpoint, not a connected key store
        }
        return Resource(type: .keyStore, id: id.lowercased(), name: name, fields: f, provenance: [item.provenance])
    }

    /// The categories a diagnostic setting routes (`properties.logs[]` entries enabled), both forms: an explicit
    /// `category` (`AuditEvent`) or a `categoryGroup` (`audit`, `allLogs`, which include AuditEvent).
    public static func routesAuditEvent(_ setting: JSONValue) -> Bool? {
        let p = setting["properties"] ?? setting
        let destination = ["workspaceId", "storageAccountId", "eventHubAuthorizationRuleId", "eventHubName", "marketplacePartnerId"]
            .contains { p[$0]?.stringValue?.isEmpty == false }
        guard let logs = p["logs"] else { return nil }
        let routed = logs.asList.contains { l in
            guard l["enabled"]?.boolValue == true else { return false }
            if let c = l["category"]?.stringValue, c.lowercased() == "auditevent" { return true }
            if let g = l["categoryGroup"]?.stringValue, ["audit", "alllogs"].contains(g.lowercased()) { return true }
            return false
        }
        return routed && destination
    }

    /// The diagnostic settings of a vault as an `audit_trail` (`kind: azure-keyvault-diagnostics`): `logging` and
    /// `kms_events_included` true when one enabled setting routes AuditEvent to a destination. With no setting:
    /// false when the settings of this vault were listed completely, else unknown (templates declare what they
    /// declare).
    public static func diagnostics(of item: AzureInventory.Item, kind: String, inventory: AzureInventory) -> Resource? {
        guard let id = item.value["id"]?.stringValue, let name = item.value["name"]?.stringValue else { return nil }
        let key = id.lowercased()
        let settings = inventory.diagnosticSettings[key] ?? []
        var r = Resource(type: .auditTrail, id: "\(key)#diagnostics", name: "diagnostic settings of \(name)")
        r.fields = [
            "kind": .string("azure-keyvault-diagnostics"),
            "name": .string(name),
            "account": ARMID(id)?.subscription.map(FactValue.string) ?? .unknown(reason: "the vault id names no subscription"),
            "evidence_kind": .string(inventory.evidenceKind),
            "multi_region": .bool(true),   // a vault's AuditEvent covers every request to it, whatever the region
            "integrity_validation": .unknown(reason: "Azure Monitor diagnostic logs have no digest files; immutability of the destination is not in the setting"),
        ]
        r.provenance = [item.provenance] + settings.map(\.provenance)
        if let failure = inventory.failures.first(where: { $0.scope.lowercased() == key && $0.call.hasPrefix("diagnosticSettings") }) {
            r.fields["logging"] = .unknown(reason: "the vault's diagnostic settings could not be read: \(failure.reason)")
            r.fields["kms_events_included"] = r.fields["logging"]
            return r
        }
        let routes = settings.map { routesAuditEvent($0.value) }
        if routes.contains(true) {
            r.fields["logging"] = .bool(true)
            r.fields["kms_events_included"] = .bool(true)
        } else if routes.contains(nil) {
            r.fields["logging"] = .unknown(reason: "a diagnostic setting of \(name) has no logs list")
            r.fields["kms_events_included"] = r.fields["logging"]
        } else if !settings.isEmpty || inventory.diagnosticListings.contains(key) {
            r.fields["logging"] = .bool(false)
            r.fields["kms_events_included"] = .bool(false)
        } else {
            let why = "no diagnostic setting of \(name) is in the evidence, and its settings were not listed (templates and exports declare only what they hold)"
            r.fields["logging"] = .unknown(reason: why)
            r.fields["kms_events_included"] = .unknown(reason: why)
        }
        r.fields["destinations"] = .strings(settings.flatMap { s -> [String] in
            let p = s.value["properties"] ?? s.value
            return ["workspaceId", "storageAccountId", "eventHubAuthorizationRuleId"].compactMap { k in p[k]?.stringValue.map { _ in k } }
        }.sorted())
        return r
    }

    /// The access to a vault's keys as a `key_policy` (id `<vault id>#access`): its access policies and the role
    /// assignments at the vault or one of its keys (or above: subscription and resource group), in
    /// `observed["access_policies"]`, `observed["role_assignments"]`, `observed["rbac"]` and `observed["entra_tenant"]`
    /// for ``AzureAccessAnalysis``.
    public static func access(of item: AzureInventory.Item, kind: String, inventory: AzureInventory) -> Resource? {
        guard let id = item.value["id"]?.stringValue, let name = item.value["name"]?.stringValue else { return nil }
        let key = id.lowercased()
        let p = vaultProperties(item.value)
        let arm = ARMID(id)
        let assignments = inventory.roleAssignments.filter { a in
            guard let scope = (a.value["properties"]?["scope"] ?? a.value["scope"])?.stringValue?.lowercased() else { return false }
            if scope == key || scope.hasPrefix(key + "/") { return true }
            // Assignments above the vault (subscription, resource group) reach it too.
            if let s = arm?.subscription?.lowercased(), scope == "/subscriptions/\(s)" { return true }
            if let s = arm?.subscription?.lowercased(), let rg = arm?.resourceGroup?.lowercased(), scope == "/subscriptions/\(s)/resourcegroups/\(rg)" { return true }
            return false
        }
        var r = Resource(type: .keyPolicy, id: "\(key)#access", name: "access to \(name)")
        r.fields = [
            "service": .string(service),
            "key": .string(key),
            "key_name": .string(name),
            "key_manager": .string("customer"),
            "account": arm?.subscription.map(FactValue.string) ?? .unknown(reason: "the vault id names no subscription"),
            "scope": .string(kind),
            "default": .bool(false),
        ]
        r.provenance = [item.provenance] + assignments.map(\.provenance)
        var observed: [String: JSONValue] = [
            "access_policies": p["accessPolicies"] ?? .array([]),
            "role_assignments": .array(assignments.map(\.value)),
            "rbac": kind == "managed-hsm" ? .bool(true) : (p["enableRbacAuthorization"] ?? .bool(false)),
        ]
        if let t = p["tenantId"] { observed["entra_tenant"] = t }
        if let failure = inventory.failures.first(where: { $0.call.hasPrefix("roleAssignments") && key.hasPrefix($0.scope.lowercased() + "/") }) {
            observed["role_assignments_unread"] = .string(failure.reason)
        } else if inventory.evidenceKind == "observed", let s = arm?.subscription?.lowercased(),
                  !inventory.roleAssignmentScopes.contains("/subscriptions/\(s)") {
            observed["role_assignments_unread"] = .string("no role assignment of subscription \(s) is in the evidence; export them with `az role assignment list --all`")
        }
        r.observed = observed
        return r
    }

    // MARK: - Keys

    /// A key (ARM `Microsoft.KeyVault/vaults/keys`, `managedHSMs/keys`, or the data-plane `KeyBundle`) as a `key`.
    /// Its vault's soft-delete retention and purge protection give the deletion window; without purge protection a
    /// deleted key can be purged at once, so the shortest waiting period is 0 days.
    public static func key(_ item: AzureInventory.Item, vaults: [String: (item: AzureInventory.Item, kind: String)],
                           inventory: AzureInventory) -> Resource? {
        let v = item.value
        let p = v["properties"] ?? .null
        let armID = v["id"]?.stringValue.flatMap(ARMID.init)
        let uriText = p["keyUri"]?.stringValue ?? p["keyUriWithVersion"]?.stringValue ?? v["key"]?["kid"]?.stringValue ?? v["kid"]?.stringValue
        var uri = uriText.flatMap(versionlessKeyURI)
        let vaultName = armID?.name(of: "vaults") ?? armID?.name(of: "managedHSMs")
            ?? uri.flatMap { URL(string: $0)?.host?.split(separator: ".").first.map(String.init) }
        if uri == nil, let vaultName, let keyName = armID?.name(of: "keys") {
            let hsm = armID?.name(of: "managedHSMs") != nil
            uri = "https://\(vaultName.lowercased()).\(hsm ? "managedhsm" : "vault").azure.net/keys/\(keyName)"
        }
        guard let id = uri else { return nil }
        let keyName = String(id.split(separator: "/").last ?? "")
        let vault = vaultName.flatMap { vaults[$0.lowercased()] }
        let attributes = p["attributes"] ?? v["attributes"] ?? .null
        let kty = (p["kty"] ?? v["key"]?["kty"] ?? v["kty"])?.stringValue
        var f: [String: FactValue] = [
            "service": .string(service),
            "manager": .string("customer"),
            "key_id": .string(id),
            "evidence_kind": .string(inventory.evidenceKind),
            "vault": vaultName.map(FactValue.string) ?? .unknown(reason: "the key's vault is not named"),
            "vault_kind": .string(id.contains(".managedhsm.") ? "managed-hsm" : "key-vault"),
            "key_type": kty.map(FactValue.string) ?? .unknown(reason: "the answer has no kty"),
            "spec": kty.map(FactValue.string) ?? .unknown(reason: "the answer has no kty"),
        ]
        if let s = armID?.subscription ?? vault.flatMap({ ARMID($0.item.value["id"]?.stringValue ?? "")?.subscription }) {
            f["account"] = .string(s)
            f["subscription"] = .string(s)
        }
        if let loc = (v["location"] ?? vault?.item.value["location"])?.stringValue { f["region"] = .string(loc) }
        if let t = vault?.item.value["properties"]?["tenantId"]?.stringValue { f["entra_tenant"] = .string(t) }
        if let enabled = attributes["enabled"]?.boolValue {
            f["enabled"] = .bool(enabled)
            f["state"] = .string(enabled ? "Enabled" : "Disabled")
        } else {
            f["enabled"] = .unknown(reason: "the answer has no attributes.enabled")
            f["state"] = f["enabled"]
        }
        f["created"] = date(attributes["created"])
        f["not_before"] = attributes["nbf"].map { $0 == .null ? .null : date($0) } ?? attributes["notBefore"].map { $0 == .null ? .null : date($0) } ?? .null
        // A deleted key (`az keyvault key list-deleted` / `show-deleted`: a DeletedKeyBundle) is soft-deleted:
        // recoverable until its scheduled purge date.
        if v["recoveryId"] != nil || v["deletedDate"] != nil {
            f["state"] = .string("SoftDeleted")
            f["enabled"] = .bool(false)
            f["deletion.scheduled_for"] = v["scheduledPurgeDate"].map { date($0) } ?? .unknown(reason: "the deleted key has no scheduledPurgeDate")
        } else {
            f["deletion.scheduled_for"] = .null
        }
        f["expires"] = attributes["exp"].map { $0 == .null ? .null : date($0) } ?? attributes["expires"].map { $0 == .null ? .null : date($0) } ?? .null
        if let e = attributes["exportable"]?.boolValue { f["exportable"] = .bool(e) }
        let release = p["release_policy"] ?? p["releasePolicy"] ?? v["releasePolicy"]
        f["release_policy"] = .bool(release != nil && release != .null)
        f["recovery_level"] = attributes["recoveryLevel"]?.stringValue.map(FactValue.string) ?? .null

        // Rotation policy: on the key (ARM `properties.rotationPolicy`) or saved apart (`az keyvault key rotation-policy show`).
        let policy = inventory.rotationPolicies[id]?.value ?? p["rotationPolicy"]
        if let policy, policy != .null {
            let r = rotation(policy)
            f["rotation.enabled"] = .bool(r.period != nil)
            f["rotation.period_days"] = r.period.map { .number(Double($0)) } ?? .null
            f["rotation.expiry_days"] = r.expiry.map { .number(Double($0)) } ?? .null
        } else if inventory.failures.contains(where: { $0.scope.lowercased() == id && $0.call.hasPrefix("rotationPolicy") }) {
            f["rotation.enabled"] = .unknown(reason: "the key's rotation policy could not be read")
            f["rotation.period_days"] = f["rotation.enabled"]
        } else {
            f["rotation.enabled"] = .unknown(reason: "the evidence has no rotation policy for this key")
            f["rotation.period_days"] = f["rotation.enabled"]
        }

        // Deletion window from the vault.
        if let vault {
            let vp = vault.item.value["properties"] ?? .null
            let softDelete = vp["enableSoftDelete"]?.boolValue ?? true   // on by default and mandatory since 2020
            let retention = vp["softDeleteRetentionInDays"]?.numberValue.map { Int($0) } ?? 90
            let purgeProtection = vp["enablePurgeProtection"]?.boolValue ?? false
            f["deletion.purge_protection"] = .bool(purgeProtection)
            // Without purge protection a soft-deleted key can be purged at once: the retention is no waiting period.
            f["deletion.window_days"] = softDelete && purgeProtection ? .int(retention) : .int(0)
            f["deletion.window_min_days"] = f["deletion.window_days"]
            f["deletion.retention_days"] = softDelete ? .int(retention) : .int(0)
        } else {
            let why = "the key's vault is not in the evidence, so its soft-delete and purge protection are not known"
            f["deletion.window_days"] = .unknown(reason: why)
            f["deletion.window_min_days"] = .unknown(reason: why)
            f["deletion.purge_protection"] = .unknown(reason: why)
        }
        if case .object(let tags)? = v["tags"] {
            f["tags"] = .strings(tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.stringValue ?? "")" })
        }
        return Resource(type: .key, id: id, name: keyName, fields: f, provenance: [item.provenance])
    }

    /// The rotation period and expiry of a Key Vault rotation policy, in days: `lifetimeActions[]` whose action
    /// (`action.type`, or `action` as the CLI flattens it) is `Rotate`, after `trigger.timeAfterCreate` (`P90D`), or
    /// `timeBeforeExpiry` before `attributes.expiryTime` / `expiresIn`.
    public static func rotation(_ policy: JSONValue) -> (period: Int?, expiry: Int?) {
        let p = policy["properties"] ?? policy
        let expiry = ISO8601Duration.days((p["attributes"]?["expiryTime"] ?? p["expiresIn"] ?? p["expiryTime"])?.stringValue)
        var period: Int?
        for a in p["lifetimeActions"]?.asList ?? [] {
            let type = (a["action"]?["type"] ?? a["action"])?.stringValue?.lowercased()
            guard type == "rotate" else { continue }
            let trigger = a["trigger"] ?? a
            if let d = ISO8601Duration.days(trigger["timeAfterCreate"]?.stringValue) { period = min(period ?? d, d) }
            else if let before = ISO8601Duration.days(trigger["timeBeforeExpiry"]?.stringValue), let expiry { period = min(period ?? (expiry - before), expiry - before) }
        }
        return (period, expiry)
    }

    // MARK: - Data stores

    /// ARM type (lower-cased) → data-store kind.
    public static let dataStoreKinds: [String: String] = [
        "microsoft.storage/storageaccounts": "azure-storage-account",
        "microsoft.cognitiveservices/accounts": "azure-ai-services-account",
        "microsoft.machinelearningservices/workspaces": "azure-ml-workspace",
        "microsoft.sql/servers/encryptionprotector": "azure-sql-tde-protector",
        "microsoft.documentdb/databaseaccounts": "azure-cosmosdb-account",
        "microsoft.compute/diskencryptionsets": "azure-disk-encryption-set",
        "microsoft.containerservice/managedclusters": "azure-aks-etcd",
    ]

    /// A data store and the key it names: storage `encryption.keySource` (`Microsoft.Keyvault` with
    /// `keyvaultproperties.keyvaulturi` + `keyname`, or `Microsoft.Storage`), Cognitive Services
    /// `encryption.keySource` / `keyVaultProperties`, Machine Learning `encryption.keyVaultProperties.keyIdentifier`,
    /// SQL `encryptionProtector.serverKeyType` (`AzureKeyVault` with `uri`, or `ServiceManaged`), Cosmos DB
    /// `keyVaultKeyUri`, disk encryption set `activeKey.keyUrl`, AKS `securityProfile.azureKeyVaultKms` (`enabled`,
    /// `keyId`). Without a customer key the store is encrypted under a Microsoft-managed key.
    public static func dataStore(_ item: AzureInventory.Item, evidenceKind: String) -> Resource? {
        let v = item.value
        guard let type = v["type"]?.stringValue?.lowercased(), let kind = dataStoreKinds[type],
              let id = v["id"]?.stringValue, let name = v["name"]?.stringValue else { return nil }
        let p = v["properties"] ?? .null
        var f: [String: FactValue] = ["kind": .string(kind), "evidence_kind": .string(evidenceKind), "encrypted": .bool(true)]
        if let s = ARMID(id)?.subscription { f["project"] = .string(s) }
        var keyRef: String?
        var microsoftManaged = false
        switch kind {
        case "azure-storage-account", "azure-ai-services-account":
            let e = p["encryption"] ?? .null
            let source = e["keySource"]?.stringValue?.lowercased()
            let kv = e["keyvaultproperties"] ?? e["keyVaultProperties"] ?? .null
            if source == "microsoft.keyvault" {
                if let uri = (kv["keyvaulturi"] ?? kv["keyVaultUri"])?.stringValue, let n = (kv["keyname"] ?? kv["keyName"])?.stringValue {
                    keyRef = keyURI(vaultURI: uri, name: n)
                }
            } else if source != nil { microsoftManaged = true }
        case "azure-ml-workspace":
            if let k = p["encryption"]?["keyVaultProperties"]?["keyIdentifier"]?.stringValue { keyRef = versionlessKeyURI(k) ?? k }
            else { microsoftManaged = p["encryption"] == nil || p["encryption"]?["status"]?.stringValue?.lowercased() != "enabled" }
        case "azure-sql-tde-protector":
            if p["serverKeyType"]?.stringValue == "AzureKeyVault", let uri = p["uri"]?.stringValue { keyRef = versionlessKeyURI(uri) ?? uri }
            else if p["serverKeyType"]?.stringValue == "ServiceManaged" { microsoftManaged = true }
        case "azure-cosmosdb-account":
            if let k = p["keyVaultKeyUri"]?.stringValue, !k.isEmpty { keyRef = versionlessKeyURI(k) ?? k } else { microsoftManaged = true }
        case "azure-disk-encryption-set":
            if let k = p["activeKey"]?["keyUrl"]?.stringValue { keyRef = versionlessKeyURI(k) ?? k }
        case "azure-aks-etcd":
            let kms = p["securityProfile"]?["azureKeyVaultKms"]
            if kms?["enabled"]?.boolValue == true, let k = kms?["keyId"]?.stringValue { keyRef = versionlessKeyURI(k) ?? k }
            else { microsoftManaged = true }
        default: break
        }
        if let keyRef {
            f["key_ref"] = .string(keyRef)
        } else if microsoftManaged {
            f["key_ref"] = .null
            f["key_manager"] = .string("microsoft")
            f["key_custody"] = .string(Custody.providerOwned.rawValue)
        } else {
            f["key_ref"] = .unknown(reason: "the answer does not say which key protects \(name)")
        }
        return Resource(type: .dataStore, id: id.lowercased(), name: name, fields: f, provenance: [item.provenance])
    }

    static func date(_ v: JSONValue?) -> FactValue {
        switch v {
        case .number(let n)?: return DateParsing.epoch(n).map { .string(DateParsing.iso($0)) } ?? .unknown(reason: "the time is out of range")
        case .string(let s)?: return DateParsing.parse(s).map { .string(DateParsing.iso($0)) } ?? .unknown(reason: "\(s) is not a time")
        default: return .unknown(reason: "the answer has no time")
        }
    }
}
