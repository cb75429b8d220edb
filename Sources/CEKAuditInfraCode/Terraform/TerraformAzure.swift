import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// The Terraform azurerm provider's Key Vault, Managed HSM, diagnostic-setting, access and data-store resources
/// (registry.terraform.io/providers/hashicorp/azurerm, resource docs, 4.x), mapped to the raw facts the Azure
/// Resource Manager shapes give (the `CEKAuditAzure` mapping, `AzureFacts`), with `evidence_kind: declared`, so the
/// normalize stage derives custody, rotation applicability and access isolation the same way for declared and
/// observed vaults:
///
/// - `azurerm_key_vault` / `azurerm_key_vault_managed_hardware_security_module` → `key_store` (`azure-key-vault` /
///   `azure-managed-hsm`, id = the ARM id lower-cased when known), its `audit_trail` (`azure-keyvault-diagnostics`,
///   id `<vault>#diagnostics`) and its `key_policy` (`service: azure-keyvault`, id `<vault>#access`, `observed`
///   `access_policies` in ARM shape `{tenantId, objectId, applicationId, permissions: {keys, secrets, certificates}}`
///   from inline `access_policy` blocks and `azurerm_key_vault_access_policy`, `role_assignments` as
///   `{properties: {roleDefinitionId | roleDefinitionName, principalId, principalType, scope}}` from
///   `azurerm_role_assignment` whose `scope` is the vault (or one of its keys, its resource group or subscription),
///   `rbac` from `rbac_authorization_enabled` / `enable_rbac_authorization`, `entra_tenant` from `tenant_id`);
/// - the vault's `logging` / `kms_events_included`: true when an `azurerm_monitor_diagnostic_setting` whose
///   `target_resource_id` is the vault routes `enabled_log { category = "AuditEvent" }` or `category_group` `audit` /
///   `allLogs` (or a 3.x `log` block with `enabled = true`) to a destination (workspace, storage account, event hub,
///   partner solution — a destination known only after apply counts as set); false when settings for the vault are
///   declared and none does; unknown when none is declared (a configuration is not a listing of the vault's
///   settings);
/// - `azurerm_key_vault_key` / `azurerm_key_vault_managed_hardware_security_module_key` → `key` (id = the versionless
///   key URI from `versionless_id`, else built from the vault's URI or name; `key_type`, `expiration_date`,
///   `rotation_policy { automatic { time_after_creation | time_before_expiry }, expire_after }` as days, the
///   deletion window from the vault: `soft_delete_retention_days` (default 90) when `purge_protection_enabled`, else
///   0 — a soft-deleted key can be purged at once);
/// - data stores with the kinds `AzureFacts.dataStoreKinds` names and `key_ref` = the versionless key URI:
///   storage accounts (`customer_managed_key` or `azurerm_storage_account_customer_managed_key`), Cognitive Services
///   accounts (`customer_managed_key` or `azurerm_cognitive_account_customer_managed_key`), Machine Learning
///   workspaces (`encryption.key_id`), SQL TDE (`azurerm_mssql_server_transparent_data_encryption.key_vault_key_id`,
///   none = service-managed), Cosmos DB (`key_vault_key_id`), disk encryption sets (`key_vault_key_id`) and AKS
///   (`key_management_service.key_vault_key_id`). A store that names no key is encrypted under a Microsoft-managed
///   key.
///
/// Values known only after apply stay unknown with that reason; references in the plan's configuration link keys
/// to vaults and stores to keys.
extension TerraformCollector {
    /// Resource types read here.
    static let azureTypes: Set<String> = Set([
        "azurerm_key_vault", "azurerm_key_vault_managed_hardware_security_module", "azurerm_key_vault_key",
        "azurerm_key_vault_managed_hardware_security_module_key", "azurerm_key_vault_access_policy", "azurerm_role_assignment",
        "azurerm_monitor_diagnostic_setting", "azurerm_storage_account_customer_managed_key",
        "azurerm_cognitive_account_customer_managed_key",
    ]).union(azureDataStores.keys)

    /// Terraform type → (data-store kind as `AzureFacts.dataStoreKinds` names it, paths of the key id in the values —
    /// the first set wins).
    static let azureDataStores: [String: (kind: String, keyPaths: [[String]])] = [
        "azurerm_storage_account": ("azure-storage-account", [["customer_managed_key", "key_vault_key_id"], ["customer_managed_key", "managed_hsm_key_id"]]),
        "azurerm_cognitive_account": ("azure-ai-services-account", [["customer_managed_key", "key_vault_key_id"]]),
        "azurerm_machine_learning_workspace": ("azure-ml-workspace", [["encryption", "key_id"]]),
        "azurerm_mssql_server_transparent_data_encryption": ("azure-sql-tde-protector", [["key_vault_key_id"], ["managed_hsm_key_id"]]),
        "azurerm_cosmosdb_account": ("azure-cosmosdb-account", [["key_vault_key_id"], ["managed_hsm_key_id"]]),
        "azurerm_disk_encryption_set": ("azure-disk-encryption-set", [["key_vault_key_id"], ["managed_hsm_key_id"]]),
        "azurerm_kubernetes_cluster": ("azure-aks-etcd", [["key_management_service", "key_vault_key_id"]]),
    ]

    /// The separate customer-managed-key resources: type → (attribute naming the store, key attribute paths).
    static let azureKeyAttachments: [String: (store: String, keyPaths: [[String]])] = [
        "azurerm_storage_account_customer_managed_key": ("storage_account_id", [["key_vault_key_id"], ["managed_hsm_key_id"]]),
        "azurerm_cognitive_account_customer_managed_key": ("cognitive_account_id", [["key_vault_key_id"]]),
    ]

    // swiftlint:disable:next function_body_length cyclomatic_complexity
    static func azureResources(_ all: [TFResource], root: JSONValue, references: [String: [String: [String]]], locator: String,
                        account: String?, line: (TFResource) -> Int?, provenance: (TFResource) -> [Provenance]) -> GoogleOutput {
        var out = GoogleOutput()
        let resources = all.filter { Self.azureTypes.contains($0.type) }
        let managed = resources.filter { $0.mode == "managed" }
        guard !managed.isEmpty else { return out }
        var afterUnknown: [String: JSONValue] = [:]
        for rc in (root["resource_changes"] ?? .null).asList {
            if let address = rc["address"]?.stringValue, let au = rc["change"]?["after_unknown"] { afterUnknown[address] = au }
        }
        let isPlan = Self.kind(of: root) == .plan
        func gv(_ r: TFResource) -> GoogleValues {
            GoogleValues(values: r.values, afterUnknown: afterUnknown[r.address], complete: r.complete, configured: isPlan ? (references[r.baseAddress] ?? [:]) : nil)
        }
        func rid(_ r: TFResource) -> String { "\(locator)#\(r.address)" }
        func referenced(_ r: TFResource, _ attr: String, _ types: Set<String>) -> TFResource? {
            for ref in references[r.baseAddress]?[attr] ?? [] {
                let matches = resources.filter { types.contains($0.type) && (ref == $0.baseAddress || ref.hasPrefix($0.baseAddress + ".")) }
                if matches.count == 1, let m = matches.first { return m }
            }
            return nil
        }

        // Vaults and Managed HSM pools.
        let vaultTypes: Set<String> = ["azurerm_key_vault", "azurerm_key_vault_managed_hardware_security_module"]
        let vaults = managed.filter { vaultTypes.contains($0.type) }
        var vaultIDs: [String: String] = [:]     // address → resource id (ARM id lower-cased, else locator#address)
        var armIDs: [String: String] = [:]       // address → ARM id lower-cased, when known
        for r in vaults {
            let arm = gv(r).text("id").map { $0.lowercased() }.flatMap { $0.hasPrefix("/subscriptions/") ? $0 : nil }
            armIDs[r.address] = arm
            vaultIDs[r.address] = arm ?? rid(r)
        }
        /// The vault an attribute of `r` points to: by reference, or by a literal ARM id.
        func linkedVault(_ r: TFResource, _ attr: String) -> TFResource? {
            if let v = referenced(r, attr, vaultTypes) { return v }
            guard let literal = gv(r).text(attr)?.lowercased() else { return nil }
            return vaults.first { armIDs[$0.address] == literal }
        }
        func isHSM(_ r: TFResource) -> Bool { r.type == "azurerm_key_vault_managed_hardware_security_module" }
        func subscription(_ vault: TFResource) -> String? {
            armIDs[vault.address].flatMap(Self.armSubscription) ?? account
        }

        // Keys: their versionless URIs where the values tell them.
        let keyTypes: Set<String> = ["azurerm_key_vault_key", "azurerm_key_vault_managed_hardware_security_module_key"]
        let keys = managed.filter { keyTypes.contains($0.type) }
        var keyIDs: [String: String] = [:]
        var keyVault: [String: TFResource] = [:]
        for r in keys {
            let v = gv(r)
            let vault = linkedVault(r, r.type == "azurerm_key_vault_key" ? "key_vault_id" : "managed_hsm_id")
            keyVault[r.address] = vault
            var uri = (v.text("versionless_id") ?? v.text("id")).flatMap(Self.azureKeyURI)
            if uri == nil, let name = v.text("name"), let vault {
                let vv = gv(vault)
                if let base = (vv.text("vault_uri") ?? vv.text("hsm_uri")).flatMap({ URL(string: $0)?.host?.lowercased() }) {
                    uri = "https://\(base)/keys/\(name)"
                } else if let vaultName = vv.text("name") {
                    uri = "https://\(vaultName.lowercased()).\(isHSM(vault) ? "managedhsm" : "vault").azure.net/keys/\(name)"
                }
            }
            keyIDs[r.address] = uri ?? rid(r)
        }
        /// The key an attribute path of `r` points to: (key fact id, versionless URI when known).
        func linkedKey(_ r: TFResource, _ path: [String]) -> (id: String, uri: String?)? {
            if let k = referenced(r, path.joined(separator: "."), keyTypes), let id = keyIDs[k.address] {
                return (id, id.hasPrefix("https://") ? id : nil)
            }
            if let literal = gv(r).declared(path).text, let uri = Self.azureKeyURI(literal) {
                return (keyIDs.values.first { $0 == uri } ?? uri, uri)
            }
            return nil
        }

        // Diagnostic settings, access policies and role assignments by vault.
        var settings: [String: [TFResource]] = [:]
        var unattachedSettings = 0
        var policies: [String: [(JSONValue, TFResource)]] = [:]
        var assignments: [String: [(JSONValue, TFResource)]] = [:]
        for r in managed {
            let v = gv(r)
            switch r.type {
            case "azurerm_monitor_diagnostic_setting":
                if let vault = linkedVault(r, "target_resource_id") { settings[vault.address, default: []].append(r) }
                else if v.isUnknown(["target_resource_id"]) { unattachedSettings += 1 }
            case "azurerm_key_vault_access_policy":
                guard let vault = linkedVault(r, "key_vault_id") else { continue }
                policies[vault.address, default: []].append((Self.armAccessPolicy(r.values), r))
            case "azurerm_role_assignment":
                let scopeText = v.text("scope")?.lowercased()
                var props: [String: JSONValue] = [:]
                if let id = v.text("role_definition_id") { props["roleDefinitionId"] = .string(id) }
                if let n = v.text("role_definition_name") { props["roleDefinitionName"] = .string(n) }
                props["principalId"] = v.text("principal_id").map(JSONValue.string) ?? .string("(principal known only after apply)")
                if let t = v.text("principal_type") { props["principalType"] = .string(t) }
                if let d = v.text("delegated_managed_identity_resource_id") { props["delegatedManagedIdentityResourceId"] = .string(d) }
                var value: [String: JSONValue] = [:]
                if let n = v.text("role_definition_name") { value["roleDefinitionName"] = .string(n) }
                if let direct = referenced(r, "scope", vaultTypes.union(keyTypes)) {
                    let vault: TFResource? = vaultTypes.contains(direct.type) ? direct : keyVault[direct.address]
                    guard let vault else { continue }
                    props["scope"] = .string(scopeText ?? vaultIDs[vault.address] ?? rid(vault))
                    value["properties"] = .object(props)
                    assignments[vault.address, default: []].append((.object(value), r))
                    continue
                }
                guard let scopeText else { continue }
                props["scope"] = .string(scopeText)
                value["properties"] = .object(props)
                for vault in vaults {
                    guard let arm = armIDs[vault.address] else { continue }
                    let parts = arm.split(separator: "/").map(String.init)
                    let sub: String? = parts.count > 1 ? "/subscriptions/\(parts[1])" : nil
                    let rg: String? = parts.count > 3 ? "\(sub ?? "")/resourcegroups/\(parts[3])" : nil
                    if scopeText == arm || scopeText.hasPrefix(arm + "/") || scopeText == sub || scopeText == rg {
                        assignments[vault.address, default: []].append((.object(value), r))
                    }
                }
            default: break
            }
        }

        for r in vaults {
            let v = gv(r)
            let hsm = isHSM(r)
            let id = vaultIDs[r.address] ?? rid(r)
            let name = v.text("name") ?? r.address
            let sub = subscription(r)
            let subFact: FactValue = sub.map(FactValue.string)
                ?? .unknown(reason: "the vault's subscription is known only after apply; set `account:` for this source")
            let tenant = v.declared(["tenant_id"]).string("tenant_id", default: nil)
            // key_store
            var store: [String: FactValue] = [
                "kind": .string(hsm ? "azure-managed-hsm" : "azure-key-vault"), "name": v.declared(["name"]).string("name", default: nil),
                "sku": v.declared(["sku_name"]).text.map { FactValue.string($0.lowercased()) } ?? v.declared(["sku_name"]).string("sku_name", default: nil),
                "entra_tenant": tenant,
            ]
            store["connection_state"] = hsm ? FactValue.unknown(reason: "declared Managed HSM pool: its provisioning and activation are only observable live") : FactValue.null
            out.resources.append(Resource(type: .keyStore, id: id, name: name, fields: store, provenance: provenance(r)))

            // audit_trail from diagnostic settings
            let declaredSettings = settings[r.address] ?? []
            var trail = Resource(type: .auditTrail, id: "\(id)#diagnostics", name: "diagnostic settings of \(name)")
            trail.fields = [
                "kind": .string("azure-keyvault-diagnostics"), "name": .string(name), "account": subFact,
                "evidence_kind": .string("declared"), "multi_region": .bool(true),
                "integrity_validation": .unknown(reason: "Azure Monitor diagnostic logs have no digest files; immutability of the destination is not in the setting"),
            ]
            trail.provenance = provenance(r) + declaredSettings.flatMap(provenance)
            let routes = declaredSettings.map { Self.routesAuditEvent(gv($0)) }
            if routes.contains(true) {
                trail.fields["logging"] = .bool(true)
            } else if routes.contains(nil) {
                trail.fields["logging"] = .unknown(reason: "a diagnostic setting of \(name) has log categories or destinations known only after apply")
                out.partial = true
            } else if !declaredSettings.isEmpty {
                trail.fields["logging"] = .bool(false)
            } else if unattachedSettings > 0 {
                trail.fields["logging"] = .unknown(reason: "no diagnostic setting declared here targets \(name), and \(unattachedSettings) target a resource known only after apply")
            } else {
                trail.fields["logging"] = .unknown(reason: "no diagnostic setting of \(name) is declared here; a configuration is not a listing of the vault's settings, which may be managed elsewhere")
            }
            trail.fields["kms_events_included"] = trail.fields["logging"]
            trail.fields["destinations"] = .strings(declaredSettings.flatMap { s -> [String] in
                let sv = gv(s)
                return Self.azureDestinations.compactMap { pair -> String? in sv.text(pair.0) != nil || sv.isUnknown([pair.0]) ? pair.1 : nil }
            }.sorted())
            out.resources.append(trail)

            // key_policy: access policies and role assignments
            var access = Resource(type: .keyPolicy, id: "\(id)#access", name: "access to \(name)")
            access.fields = [
                "service": .string("azure-keyvault"), "key": .string(id), "key_name": .string(name), "key_manager": .string("customer"),
                "account": subFact, "scope": .string(hsm ? "managed-hsm" : "key-vault"), "default": .bool(false),
            ]
            let inline: [JSONValue] = hsm ? [] : (r.values["access_policy"] ?? .null).asList.map { Self.armAccessPolicy($0) }
            let separate = policies[r.address] ?? []
            let roles = assignments[r.address] ?? []
            access.provenance = provenance(r) + separate.flatMap { provenance($0.1) } + roles.flatMap { provenance($0.1) }
            let rbac: JSONValue
            if hsm { rbac = .bool(true) } else {
                let declared = r.values["rbac_authorization_enabled"].flatMap { $0 == .null ? nil : $0 } ?? r.values["enable_rbac_authorization"]
                rbac = .bool(declared?.boolValue ?? false)
            }
            var observed: [String: JSONValue] = [
                "access_policies": .array(inline + separate.map(\.0)),
                "role_assignments": .array(roles.map(\.0)),
                "rbac": rbac,
            ]
            if case .string(let t) = tenant { observed["entra_tenant"] = .string(t) }
            access.observed = observed
            out.resources.append(access)
        }

        // Keys.
        for r in keys {
            let v = gv(r)
            let id = keyIDs[r.address] ?? rid(r)
            let vault = keyVault[r.address]
            let hsmKey = r.type == "azurerm_key_vault_managed_hardware_security_module_key"
            var f: [String: FactValue] = [
                "service": .string("azure-keyvault"), "manager": .string("customer"), "key_id": .string(id),
                "evidence_kind": .string("declared"),
                "vault": vault.flatMap { gv($0).text("name") }.map(FactValue.string)
                    ?? .unknown(reason: "the key's vault is not declared here or its name is known only after apply"),
                "vault_kind": .string(hsmKey ? "managed-hsm" : "key-vault"),
                "key_type": v.declared(["key_type"]).string("key_type", default: nil),
                "spec": v.declared(["key_type"]).string("key_type", default: nil),
                // Keys are created enabled; the provider has no switch for it.
                "enabled": .bool(true), "state": .string("Enabled"),
                "created": .unknown(reason: "a declared key's creation time is known once it is created"),
                "release_policy": .bool(false),
                "recovery_level": .null,
            ]
            if let vault, let sub = subscription(vault) { f["account"] = .string(sub); f["subscription"] = .string(sub) }
            if let vault, let loc = gv(vault).text("location") { f["region"] = .string(loc) }
            if let vault, let t = gv(vault).text("tenant_id") { f["entra_tenant"] = .string(t) }
            switch v.declared(["expiration_date"]) {
            case .literal(let e):
                if let d = e.stringValue.flatMap({ DateParsing.parse($0) }) { f["expires"] = .string(DateParsing.iso(d)) }
                else { f["expires"] = .unknown(reason: "expiration_date is not a time") }
            case .absent: f["expires"] = .null
            case .expression: f["expires"] = .unknown(reason: "expiration_date is known only after apply")
            case .missing: f["expires"] = .unknown(reason: "expiration_date is missing from the Terraform plan or state: the file was cut or edited")
            }
            if case .object(let tags)? = r.values["tags"] {
                f["tags"] = .strings(tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.stringValue ?? "")" })
            }
            // Rotation policy.
            switch v.declared(["rotation_policy"]) {
            case .literal:
                let expiry = Self.isoDays(v.declared(["rotation_policy", "expire_after"]).text)
                var period = Self.isoDays(v.declared(["rotation_policy", "automatic", "time_after_creation"]).text)
                if period == nil, let before = Self.isoDays(v.declared(["rotation_policy", "automatic", "time_before_expiry"]).text), let expiry {
                    period = expiry - before
                }
                f["rotation.enabled"] = .bool(period != nil)
                f["rotation.period_days"] = period.map { .number(Double($0)) } ?? .null
                f["rotation.expiry_days"] = expiry.map { .number(Double($0)) } ?? .null
            case .absent:
                f["rotation.enabled"] = .bool(false)
                f["rotation.period_days"] = .null
            case .expression:
                f["rotation.enabled"] = .unknown(reason: "the rotation policy is known only after apply")
                f["rotation.period_days"] = f["rotation.enabled"]
                out.partial = true
            case .missing:
                f["rotation.enabled"] = .unknown(reason: "rotation_policy is missing from the Terraform plan or state: the file was cut or edited")
                f["rotation.period_days"] = f["rotation.enabled"]
                out.partial = true
            }
            // Deletion window from the vault (AzureFacts: soft delete always on; purge protection makes the
            // retention a waiting period, without it a deleted key can be purged at once).
            if let vault {
                let vv = gv(vault)
                let retention = vv.declared(["soft_delete_retention_days"]).number("soft_delete_retention_days", default: 90)
                let purge = vv.declared(["purge_protection_enabled"]).bool("purge_protection_enabled", default: false)
                f["deletion.purge_protection"] = purge
                f["deletion.retention_days"] = Self.intFact(retention)
                switch purge {
                case .bool(true): f["deletion.window_days"] = Self.intFact(retention)
                case .bool(false): f["deletion.window_days"] = .int(0)
                default: f["deletion.window_days"] = purge
                }
                f["deletion.window_min_days"] = f["deletion.window_days"]
            } else {
                let why = "the key's vault is not declared here, so its soft-delete and purge protection are not known"
                for k in ["deletion.window_days", "deletion.window_min_days", "deletion.purge_protection"] { f[k] = .unknown(reason: why) }
            }
            if f.values.contains(where: { !$0.isKnown }) { out.partial = true }
            out.resources.append(Resource(type: .key, id: id, name: v.text("name") ?? r.address, fields: f, provenance: provenance(r)))
        }

        // Customer-managed-key attachments by store address.
        var attachments: [String: TFResource] = [:]
        for r in managed {
            guard let a = Self.azureKeyAttachments[r.type] else { continue }
            let storeTypes: Set<String> = [r.type == "azurerm_storage_account_customer_managed_key" ? "azurerm_storage_account" : "azurerm_cognitive_account"]
            if let s = referenced(r, a.store, storeTypes) { attachments[s.address] = r; continue }
            if let literal = gv(r).text(a.store)?.lowercased(),
               let s = managed.first(where: { storeTypes.contains($0.type) && gv($0).text("id")?.lowercased() == literal }) {
                attachments[s.address] = r
            }
        }

        // Data stores.
        for r in managed {
            guard let spec = Self.azureDataStores[r.type] else { continue }
            let v = gv(r)
            let arm = v.text("id")?.lowercased()
            var f: [String: FactValue] = ["kind": .string(spec.kind), "evidence_kind": .string("declared"), "encrypted": .bool(true)]
            if let s = (arm.flatMap(Self.armSubscription) ?? account) { f["project"] = .string(s) }
            var source = r
            var paths = spec.keyPaths
            if let a = attachments[r.address], let ap = Self.azureKeyAttachments[a.type] { source = a; paths = ap.keyPaths }
            let sv = gv(source)
            var keyRef: FactValue?
            var linked: String?
            var unknownReason: String?
            for path in paths {
                let declared = sv.isUnknown(path) && !sv.isConfigured(path) ? DeclaredValue.absent : sv.declared(path)
                switch declared {
                case .literal(let value):
                    guard let text = value.stringValue, !text.isEmpty else { continue }
                    if let l = linkedKey(source, path) { linked = l.id; keyRef = .string(l.uri ?? text) }
                    else { keyRef = .string(Self.azureKeyURI(text) ?? text) }
                case .expression:
                    if let l = linkedKey(source, path) {
                        linked = l.id
                        keyRef = l.uri.map(FactValue.string) ?? .string(references[source.baseAddress]?[path.joined(separator: ".")]?.first ?? "reference")
                    } else {
                        unknownReason = "\(path.joined(separator: ".")) is known only after apply"
                    }
                case .missing:
                    unknownReason = unknownReason ?? "\(path.joined(separator: ".")) is missing from the Terraform plan or state, which writes every attribute: the file was cut or edited"
                case .absent:
                    continue
                }
                if keyRef != nil { break }
            }
            // The storage attachment may name the key by vault and name instead of its id.
            if keyRef == nil, unknownReason == nil, source.type == "azurerm_storage_account_customer_managed_key", let name = sv.text("key_name") {
                if let vault = linkedVault(source, "key_vault_id"), let vaultName = gv(vault).text("name") {
                    let uri = "https://\(vaultName.lowercased()).vault.azure.net/keys/\(name)"
                    keyRef = .string(uri)
                    linked = keyIDs.values.first { $0 == uri }
                } else if let base = sv.text("key_vault_uri").flatMap({ URL(string: $0)?.host?.lowercased() }) {
                    keyRef = .string("https://\(base)/keys/\(name)")
                } else {
                    unknownReason = "the key's vault is known only after apply"
                }
            }
            if let keyRef {
                f["key_ref"] = keyRef
                f["key"] = linked.map(FactValue.string) ?? .null
            } else if let unknownReason {
                for k in ["key_ref", "key_manager", "key_custody"] { f[k] = .unknown(reason: unknownReason) }
                f["key"] = .null
                out.partial = true
            } else {
                f["key_ref"] = .null
                f["key"] = .null
                f["key_manager"] = .string("microsoft")
                f["key_custody"] = .string(Custody.providerOwned.rawValue)
            }
            out.resources.append(Resource(type: .dataStore, id: arm ?? rid(r), name: v.text("name") ?? r.address, fields: f, provenance: provenance(r)))
        }
        return out
    }

    /// Terraform destination attribute → the ARM property name `AzureFacts` lists in `destinations`.
    static let azureDestinations: [(String, String)] = [
        ("log_analytics_workspace_id", "workspaceId"), ("storage_account_id", "storageAccountId"),
        ("eventhub_authorization_rule_id", "eventHubAuthorizationRuleId"), ("partner_solution_id", "marketplacePartnerId"),
    ]

    /// Whether a diagnostic setting routes AuditEvent to a destination: `true` / `false`, `nil` when its log blocks
    /// or destinations are known only after apply.
    static func routesAuditEvent(_ v: GoogleValues) -> Bool? {
        if v.isUnknown(["enabled_log"]) || v.isUnknown(["log"]) { return nil }
        let destination = azureDestinations.contains { v.text($0.0) != nil || v.isUnknown([$0.0]) }
        func routes(_ block: JSONValue, needsEnabled: Bool) -> Bool {
            if needsEnabled, block["enabled"]?.boolValue == false { return false }
            if let c = block["category"]?.stringValue, c.lowercased() == "auditevent" { return true }
            if let g = block["category_group"]?.stringValue, ["audit", "alllogs"].contains(g.lowercased()) { return true }
            return false
        }
        let routed = (v.values["enabled_log"] ?? .null).asList.contains { routes($0, needsEnabled: false) }
            || (v.values["log"] ?? .null).asList.contains { routes($0, needsEnabled: true) }
        return routed && destination
    }

    /// An access policy (inline `access_policy` block or `azurerm_key_vault_access_policy`) in the ARM shape
    /// `{tenantId, objectId, applicationId, permissions: {keys, secrets, certificates, storage}}`; permissions
    /// with the first letter lower-cased as ARM writes them (`UnwrapKey` → `unwrapKey`).
    static func armAccessPolicy(_ v: JSONValue) -> JSONValue {
        var o: [String: JSONValue] = [:]
        if let t = v["tenant_id"]?.stringValue, !t.isEmpty { o["tenantId"] = .string(t) }
        if let t = v["object_id"]?.stringValue, !t.isEmpty { o["objectId"] = .string(t) }
        if let t = v["application_id"]?.stringValue, !t.isEmpty { o["applicationId"] = .string(t) }
        var p: [String: JSONValue] = [:]
        for (tf, arm) in [("key_permissions", "keys"), ("secret_permissions", "secrets"), ("certificate_permissions", "certificates"), ("storage_permissions", "storage")] {
            p[arm] = .array((v[tf] ?? .null).asList.compactMap(\.stringValue).map { s in JSONValue.string(s.prefix(1).lowercased() + String(s.dropFirst())) })
        }
        o["permissions"] = .object(p)
        return .object(o)
    }

    /// The subscription of a lower-cased ARM id (`/subscriptions/S/…`).
    static func armSubscription(_ id: String) -> String? {
        let p = id.split(separator: "/").map(String.init)
        guard p.count >= 2, p[0].lowercased() == "subscriptions", !p[1].isEmpty else { return nil }
        return p[1]
    }

    /// The versionless key URI (`https://<vault>.vault.azure.net/keys/<name>`, host lower-cased) of a key URI with
    /// or without version, as `AzureFacts.versionlessKeyURI` writes it; `nil` for anything else.
    static func azureKeyURI(_ text: String) -> String? { AzureKeyURI.versionless(text) }

    /// Whole days of an ISO 8601 duration as Key Vault rotation policies write them (`P90D`, `P1Y` = 365 days,
    /// `P2M` = 60 days, `P1W`), as `ISO8601Duration.days` counts them; `nil` for anything else.
    static func isoDays(_ text: String?) -> Int? { ISO8601Duration.days(text) }

    /// A number fact as a whole number of days (`int`), other facts unchanged.
    static func intFact(_ v: FactValue) -> FactValue {
        if case .number(let n) = v, n.isFinite, abs(n) < 1e9 { return .int(Int(n)) }
        return v
    }
}
