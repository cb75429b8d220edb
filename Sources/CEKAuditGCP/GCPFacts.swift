import CEKAuditCore
import Foundation

/// Maps a ``GCPInventory`` — Cloud KMS, IAM, Organization Policy and data-store resources in their REST shapes — to
/// facts. Observations only: custody, rotation applicability, IAM isolation and CMEK enforcement are decided in the
/// normalize stage (``GCPKeyAnalysis``, ``GCPIAMAnalysis``, ``GCPCMEKAnalysis``), so `evaluate` can re-derive them.
///
/// Sources: Cloud KMS REST v1 reference (`projects.locations.keyRings.cryptoKeys` — `CryptoKey`,
/// `CryptoKeyVersion`, `CryptoKeyVersionTemplate`, `KeyAccessJustificationsPolicy`), IAM `Policy` (v1), Organization
/// Policy v2 `Policy`, Cloud Asset Inventory resource types, and each data-store API's CMEK field as listed in
/// ``dataStoreKinds``. A field the answer lacks is unknown with the reason, unless its absence is documented to mean
/// something (no `rotationPeriod`: no automatic rotation; no `primary` on an asymmetric key: none by design).
public enum GCPFacts {
    /// The `service` value of Cloud KMS keys.
    public static let service = "gcp-kms"

    /// All resources the inventory holds. A failure in ``GCPInventory/failures`` makes the facts of its call unknown
    /// on the resources it concerns (a key's IAM policy, a project's audit configuration).
    public static func resources(from inventory: GCPInventory) -> [Resource] {
        var out: [Resource] = []
        let handles = Dictionary(inventory.keyHandles.compactMap { h in h.value["kmsKey"]?.stringValue.map { ($0, h) } },
                                 uniquingKeysWith: { a, _ in a })
        var seenKeys: Set<String> = []
        for item in inventory.cryptoKeys {
            guard var key = key(item, evidenceKind: inventory.evidenceKind, ancestry: inventory.ancestry, projectNumbers: inventory.projectNumbers) else { continue }
            guard seenKeys.insert(key.id).inserted else { continue }
            if let h = handles[key.id] {
                key.fields["autokey"] = .bool(true)
                key.provenance.append(h.provenance)
            } else if !inventory.keyHandles.isEmpty {
                key.fields["autokey"] = .bool(false)
            }
            out.append(key)
        }
        for (resource, item) in inventory.iamPolicies.sorted(by: { $0.key < $1.key }) {
            if let name = GCPResourceName(resource) {
                var policy = iamPolicy(item, attachedTo: name)
                if let number = inventory.projectNumbers[name.project] { policy.observed?["owner_project_number"] = .string(number) }
                out.append(policy)
            } else if resource.hasPrefix("projects/"), let trail = auditConfig(item, project: String(resource.dropFirst("projects/".count))) {
                out.append(trail)
            }
        }
        for f in inventory.failures {
            if f.call.hasSuffix("getIamPolicy"), let name = GCPResourceName(f.scope) {
                out.append(unreadIAMPolicy(name, reason: f.reason))
            } else if f.call == "projects.getIamPolicy", f.scope.hasPrefix("projects/") {
                let project = String(f.scope.dropFirst("projects/".count))
                var r = Resource(type: .auditTrail, id: "\(f.scope)#data-access-logs:cloudkms", name: "Data Access audit logs of \(project)")
                r.fields = ["kind": .string("gcp-data-access-logs"), "account": .string(project), "evidence_kind": .string(inventory.evidenceKind)]
                for field in ["logging", "kms_events_included", "integrity_validation", "multi_region"] {
                    r.fields[field] = .unknown(reason: "the project's IAM policy could not be read: \(f.reason)")
                }
                out.append(r)
            }
        }
        for item in inventory.ekmConnections { if let r = ekmConnection(item) { out.append(r) } }
        for item in inventory.orgPolicies { if let r = orgPolicy(item) { out.append(r) } }
        // Org policies that could not be read, by project: a store there cannot be said to be outside their reach.
        var policyUnread: [String: String] = [:]
        for f in inventory.failures where f.call.hasPrefix("policies.") {
            let parts = f.scope.split(separator: "/").map(String.init)
            if parts.count >= 2, parts[0] == "projects" { policyUnread["projects/\(parts[1])"] = f.reason }
        }
        for d in inventory.dataStores {
            guard var r = dataStore(d, ancestry: inventory.ancestry, projectNumbers: inventory.projectNumbers) else { continue }
            if case .list(let scopes) = r.value("ancestry"),
               let reason = scopes.lazy.compactMap({ s -> String? in if case .string(let t) = s { return policyUnread[t] }; return nil }).first {
                r.observed = ["org_policy_unread": .string(reason)]
            }
            out.append(r)
        }
        // Calls whose failure leaves facts of keys unknown: the project's ancestry, the location's Autokey handles.
        for f in inventory.failures {
            let keyIndices = out.indices.filter { out[$0].type == .key && out[$0].id.hasPrefix(f.scope + "/") }
            switch f.call {
            case "projects.getAncestry":
                for i in keyIndices { out[i].fields["ancestry"] = .unknown(reason: "the project's ancestry could not be read: \(f.reason)") }
            case "keyHandles.list":
                for i in keyIndices { out[i].fields["autokey"] = .unknown(reason: "Autokey key handles could not be listed: \(f.reason)") }
            default: break
            }
        }
        return out
    }

    // MARK: - Keys

    /// A `CryptoKey` as a `key` resource; `nil` when its `name` is not a Cloud KMS key name.
    public static func key(_ item: GCPInventory.Item, evidenceKind: String, ancestry: [String: [String]] = [:],
                           projectNumbers: [String: String] = [:]) -> Resource? {
        let v = item.value
        guard let text = v["name"]?.stringValue, let name = GCPResourceName(text), let id = name.keyName, name.version == nil else { return nil }
        var f: [String: FactValue] = [
            "service": .string(service),
            "manager": .string("customer"),
            "project": .string(name.project),
            "account": .string(name.project),
            "region": .string(name.location),
            "key_ring": .string(name.keyRingName),
            "key_id": .string(id),
            "evidence_kind": .string(evidenceKind),
        ]
        let scopes = projectScopes(name.project, projectNumbers: projectNumbers) + (ancestry[name.project] ?? [])
        if scopes.count > 1 || ancestry[name.project] != nil { f["ancestry"] = .strings(scopes) }
        f["purpose"] = string(v["purpose"], "purpose")
        let template = v["versionTemplate"]
        let primary = v["primary"]
        f["protection_level"] = string(template?["protectionLevel"] ?? primary?["protectionLevel"], "versionTemplate.protectionLevel")
        f["spec"] = string(template?["algorithm"] ?? primary?["algorithm"], "versionTemplate.algorithm")
        f["import_only"] = .bool(v["importOnly"]?.boolValue ?? false)
        if let p = primary, case .object = p {
            f["state"] = string(p["state"], "primary.state")
            if case .string(let s) = f["state"] { f["enabled"] = .bool(s == "ENABLED") }
            f["primary.import_job"] = p["importJob"]?.stringValue.map(FactValue.string) ?? .null
            f["rotation.last_rotated"] = date(p["createTime"], "primary.createTime")
            f["deletion.scheduled_for"] = p["destroyTime"].flatMap(\.stringValue).flatMap(DateParsing.parse).map { .string(DateParsing.iso($0)) } ?? .null
        } else if case .string(let purpose) = f["purpose"], purpose != "ENCRYPT_DECRYPT" {
            // Asymmetric, MAC and raw keys have no primary version by design (CryptoKey.primary: "only for
            // ENCRYPT_DECRYPT"); their versions carry state.
            f["state"] = .null
            f["primary.import_job"] = .null
            f["rotation.last_rotated"] = .unknown(reason: "a \(purpose) key has no primary version; its versions were not listed")
            f["deletion.scheduled_for"] = .null
        } else {
            let why = "the answer has no primary version"
            for k in ["state", "enabled", "primary.import_job", "rotation.last_rotated", "deletion.scheduled_for"] { f[k] = .unknown(reason: why) }
        }
        if let period = v["rotationPeriod"] {
            if let days = GCPValues.seconds(period) {
                f["rotation.enabled"] = .bool(true)
                f["rotation.period_days"] = .number((days / 86_400 * 100).rounded() / 100)
            } else {
                f["rotation.enabled"] = .unknown(reason: "rotationPeriod is not a duration")
                f["rotation.period_days"] = .unknown(reason: "rotationPeriod is not a duration")
            }
        } else {
            f["rotation.enabled"] = .bool(false)
            f["rotation.period_days"] = .null
        }
        f["rotation.next"] = v["nextRotationTime"].map { date($0, "nextRotationTime") } ?? .null
        if let d = v["destroyScheduledDuration"] {
            f["deletion.window_days"] = GCPValues.days(d).map(FactValue.int) ?? .unknown(reason: "destroyScheduledDuration is not a duration")
        } else {
            f["deletion.window_days"] = .unknown(reason: "the answer has no destroyScheduledDuration")
        }
        f["created"] = date(v["createTime"], "createTime")
        f["ekm_connection"] = v["cryptoKeyBackend"]?.stringValue.map(FactValue.string) ?? .null
        if let kaj = v["keyAccessJustificationsPolicy"], case .object = kaj {
            f["access_justifications.policy"] = .bool(true)
            f["access_justifications.allowed"] = .strings((kaj["allowedAccessReasons"]?.asList ?? []).compactMap(\.stringValue).sorted())
        } else {
            f["access_justifications.policy"] = .bool(false)
            f["access_justifications.allowed"] = .null
        }
        if case .object(let labels)? = v["labels"] {
            f["tags"] = .strings(labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.stringValue ?? "")" })
        }
        return Resource(type: .key, id: id, name: name.cryptoKey ?? id, fields: f, provenance: [item.provenance])
    }

    // MARK: - IAM

    /// A key's or key ring's IAM policy as a `key_policy` resource, its bindings kept in `observed["iam_policy"]` for
    /// ``GCPIAMAnalysis``.
    public static func iamPolicy(_ item: GCPInventory.Item, attachedTo name: GCPResourceName) -> Resource {
        let target = name.keyName ?? name.keyRingName
        var r = Resource(type: .keyPolicy, id: "\(target)#iam", name: name.cryptoKey ?? "key ring \(name.keyRing)")
        r.fields = [
            "service": .string(service),
            "key": .string(target),
            "key_name": .string(name.cryptoKey ?? name.keyRing),
            "key_manager": .string("customer"),
            "account": .string(name.project),
            "scope": .string(name.cryptoKey == nil ? "key-ring" : "key"),
            "default": .bool(false),
            "statements": .int(item.value["bindings"]?.asList.count ?? 0),
        ]
        r.provenance = [item.provenance]
        r.observed = ["iam_policy": item.value]
        return r
    }

    /// The `key_policy` of a key or key ring whose IAM policy could not be read: every derived field unknown.
    public static func unreadIAMPolicy(_ name: GCPResourceName, reason: String) -> Resource {
        let target = name.keyName ?? name.keyRingName
        var r = Resource(type: .keyPolicy, id: "\(target)#iam", name: name.cryptoKey ?? "key ring \(name.keyRing)")
        r.fields = ["service": .string(service), "key": .string(target), "key_name": .string(name.cryptoKey ?? name.keyRing),
                    "key_manager": .string("customer"), "account": .string(name.project),
                    "scope": .string(name.cryptoKey == nil ? "key-ring" : "key")]
        for field in ["public", "cross_tenant", "foreign_accounts", "customer_controls_lifecycle", "admin_users", "findings",
                      "statements", "separation_of_duties"] {
            r.fields[field] = .unknown(reason: "the IAM policy could not be read: \(reason)")
        }
        return r
    }

    /// Data Access audit logging for Cloud KMS from a project's IAM policy `auditConfigs` (IAM `AuditConfig`:
    /// `service` `cloudkms.googleapis.com` or `allServices`, `auditLogConfigs[].logType` `DATA_READ` /
    /// `DATA_WRITE`) as an `audit_trail`. Admin Activity logs are always written and cannot be turned off; Data
    /// Access logs (Encrypt, Decrypt …) are off unless configured. `nil` when the item is not an IAM policy.
    public static func auditConfig(_ item: GCPInventory.Item, project: String) -> Resource? {
        guard case .object = item.value else { return nil }
        var types: Set<String> = []
        for c in item.value["auditConfigs"]?.asList ?? [] {
            guard let s = c["service"]?.stringValue, s == "cloudkms.googleapis.com" || s == "allServices" else { continue }
            for l in c["auditLogConfigs"]?.asList ?? [] { if let t = l["logType"]?.stringValue { types.insert(t) } }
        }
        var r = Resource(type: .auditTrail, id: "projects/\(project)#data-access-logs:cloudkms", name: "Data Access audit logs of \(project)")
        let on = types.contains("DATA_READ") && types.contains("DATA_WRITE")
        r.fields = [
            "kind": .string("gcp-data-access-logs"),
            "account": .string(project),
            "evidence_kind": .string("observed"),
            "logging": .bool(on),
            "kms_events_included": .bool(on),
            "log_types": .strings(types.sorted()),
            // Cloud Audit Logs are not digest-signed; what stands for integrity is the log bucket's locked retention,
            // which an IAM policy does not show.
            "integrity_validation": .unknown(reason: "Cloud Audit Logs have no digest files; whether the log bucket's retention is locked is not in the IAM policy"),
            "multi_region": .bool(true),
        ]
        r.provenance = [item.provenance]
        return r
    }

    // MARK: - EKM connections, org policies

    /// A Cloud EKM connection (`EkmConnection`: `name`, `serviceResolvers`, `keyManagementMode`) as a `key_store`.
    public static func ekmConnection(_ item: GCPInventory.Item) -> Resource? {
        guard let name = item.value["name"]?.stringValue else { return nil }
        var r = Resource(type: .keyStore, id: name, name: String(name.split(separator: "/").last ?? Substring(name)))
        let endpoints = (item.value["serviceResolvers"]?.asList ?? []).compactMap { $0["hostname"]?.stringValue }
        r.fields = [
            "kind": .string("gcp-ekm-connection"),
            "name": .string(r.name),
            "proxy_endpoint": endpoints.isEmpty ? .null : .string(endpoints.joined(separator: ", ")),
            "key_management_mode": string(item.value["keyManagementMode"], "keyManagementMode"),
            "connection_state": .unknown(reason: "Cloud EKM reports connection health through VerifyConnectivity, which was not called"),
        ]
        r.provenance = [item.provenance]
        return r
    }

    /// The constraints this tool reads (Organization Policy Service, "Restricting CMEK usage").
    public static let cmekConstraints = ["constraints/gcp.restrictNonCmekServices", "constraints/gcp.restrictCmekCryptoKeyProjects"]

    /// An Organization Policy v2 `Policy` on one of ``cmekConstraints`` as an `org_policy` resource; `nil` for other
    /// constraints. `spec.rules[]` with `values.deniedValues` / `values.allowedValues`, `denyAll`, `allowAll`; a
    /// rule with a `condition` is recorded as conditional (it may not apply everywhere).
    public static func orgPolicy(_ item: GCPInventory.Item) -> Resource? {
        guard let name = item.value["name"]?.stringValue, let range = name.range(of: "/policies/") else { return nil }
        let scope = String(name[..<range.lowerBound])
        let constraint = "constraints/" + name[range.upperBound...]
        guard cmekConstraints.contains(constraint) else { return nil }
        var denied: [String] = [], allowed: [String] = []
        var denyAll = false, allowAll = false, conditional = false
        let rules = item.value["spec"]?["rules"]?.asList ?? []
        for rule in rules {
            denied += (rule["values"]?["deniedValues"]?.asList ?? []).compactMap(\.stringValue)
            allowed += (rule["values"]?["allowedValues"]?.asList ?? []).compactMap(\.stringValue)
            if rule["denyAll"]?.boolValue == true { denyAll = true }
            if rule["allowAll"]?.boolValue == true { allowAll = true }
            if rule["condition"] != nil { conditional = true }
        }
        var r = Resource(type: .orgPolicy, id: name, name: "\(constraint.dropFirst("constraints/".count)) on \(scope)")
        r.fields = [
            "constraint": .string(constraint),
            "scope": .string(scope),
            "denied_values": .strings(denied.sorted()),
            "allowed_values": .strings(allowed.sorted()),
            "deny_all": .bool(denyAll),
            "allow_all": .bool(allowAll),
            "conditional": .bool(conditional),
            "inherit_from_parent": .bool(item.value["spec"]?["inheritFromParent"]?.boolValue ?? false),
            "rules": .int(rules.count),
        ]
        r.provenance = [item.provenance]
        return r
    }

    // MARK: - Data stores

    /// Asset type → (data-store kind, path of the CMEK key name in the resource's REST JSON). Sources: each
    /// service's REST reference (Cloud Storage `Bucket.encryption.defaultKmsKeyName`, BigQuery
    /// `Dataset.defaultEncryptionConfiguration.kmsKeyName` and `Table.encryptionConfiguration.kmsKeyName`, Vertex AI
    /// `encryptionSpec.kmsKeyName`, Cloud SQL `DatabaseInstance.diskEncryptionConfiguration.kmsKeyName`, Compute
    /// Engine `Disk.diskEncryptionKey.kmsKeyName`, Pub/Sub `Topic.kmsKeyName`, Secret Manager
    /// `Secret.replication.*.customerManagedEncryption.kmsKeyName`, Artifact Registry `Repository.kmsKeyName`).
    public static let dataStoreKinds: [String: (kind: String, keyPath: [String])] = [
        "storage.googleapis.com/Bucket": ("gcs-bucket", ["encryption", "defaultKmsKeyName"]),
        "bigquery.googleapis.com/Dataset": ("bigquery-dataset", ["defaultEncryptionConfiguration", "kmsKeyName"]),
        "bigquery.googleapis.com/Table": ("bigquery-table", ["encryptionConfiguration", "kmsKeyName"]),
        "aiplatform.googleapis.com/Dataset": ("vertex-ai-dataset", ["encryptionSpec", "kmsKeyName"]),
        "aiplatform.googleapis.com/Endpoint": ("vertex-ai-endpoint", ["encryptionSpec", "kmsKeyName"]),
        "aiplatform.googleapis.com/Model": ("vertex-ai-model", ["encryptionSpec", "kmsKeyName"]),
        "aiplatform.googleapis.com/Featurestore": ("vertex-ai-featurestore", ["encryptionSpec", "kmsKeyName"]),
        "aiplatform.googleapis.com/FeatureOnlineStore": ("vertex-ai-feature-online-store", ["encryptionSpec", "kmsKeyName"]),
        "notebooks.googleapis.com/Instance": ("vertex-ai-workbench-instance", ["gceSetup", "bootDisk", "kmsKey"]),
        "sqladmin.googleapis.com/Instance": ("cloud-sql-instance", ["diskEncryptionConfiguration", "kmsKeyName"]),
        "compute.googleapis.com/Disk": ("compute-disk", ["diskEncryptionKey", "kmsKeyName"]),
        "pubsub.googleapis.com/Topic": ("pubsub-topic", ["kmsKeyName"]),
        "secretmanager.googleapis.com/Secret": ("secret-manager-secret", []),
        "artifactregistry.googleapis.com/Repository": ("artifact-registry-repository", ["kmsKeyName"]),
    ]

    /// A data store named by asset type as a `data_store` resource (`service` = the asset type's API); `nil` for
    /// an asset type not in ``dataStoreKinds`` or a resource without a name.
    ///
    /// Every Google Cloud store is encrypted at rest: without a CMEK key name it is encrypted under a Google-owned
    /// key (`key_manager: google`, custody provider-owned). A Compute Engine disk with a `diskEncryptionKey` that
    /// names no KMS key is a customer-supplied key (CSEK, `sha256` only), which the customer holds outside Cloud KMS.
    /// A key version name is read as its key.
    public static func dataStore(_ d: GCPInventory.DataStoreItem, ancestry: [String: [String]] = [:],
                                 projectNumbers: [String: String] = [:]) -> Resource? {
        guard let spec = dataStoreKinds[d.assetType] else { return nil }
        let v = d.item.value
        guard let id = d.assetName ?? v["name"]?.stringValue ?? v["selfLink"]?.stringValue ?? v["id"]?.stringValue else { return nil }
        let short = String(id.split(separator: "/").last ?? Substring(id))
        var f: [String: FactValue] = [
            "kind": .string(spec.kind),
            "service": .string(String(d.assetType.split(separator: "/").first ?? "")),
            "evidence_kind": .string("observed"),
            "encrypted": .bool(true),
        ]
        let fromAncestors = d.ancestors.first { $0.hasPrefix("projects/") }.map { String($0.dropFirst("projects/".count)) }
        if let project = projectOf(id, value: v) ?? fromAncestors {
            let idForm = projectNumbers.first { $0.value == project }?.key ?? project
            f["project"] = .string(idForm)
            var scopes = projectScopes(idForm, projectNumbers: projectNumbers)
            for a in (d.ancestors.isEmpty ? (ancestry[idForm] ?? ancestry[project] ?? []) : d.ancestors) where !scopes.contains(a) { scopes.append(a) }
            f["ancestry"] = .strings(scopes)
        } else if !d.ancestors.isEmpty {
            f["ancestry"] = .strings(d.ancestors)
        }
        var keyName: String?
        if d.assetType == "secretmanager.googleapis.com/Secret" {
            let auto = v["replication"]?["automatic"]?["customerManagedEncryption"]?["kmsKeyName"]?.stringValue
            let replicas = (v["replication"]?["userManaged"]?["replicas"]?.asList ?? []).compactMap { $0["customerManagedEncryption"]?["kmsKeyName"]?.stringValue }
            keyName = auto ?? replicas.first
        } else {
            var cur: JSONValue? = v
            for step in spec.keyPath { cur = cur?[step] }
            keyName = cur?.stringValue
        }
        if let keyName, !keyName.isEmpty {
            let key = GCPResourceName(keyName)?.keyName ?? keyName
            f["key_ref"] = .string(key)
        } else if d.assetType == "compute.googleapis.com/Disk", v["diskEncryptionKey"]?["sha256"] != nil
                    || v["diskEncryptionKey"]?["rawKey"] != nil || v["diskEncryptionKey"]?["rsaEncryptedKey"] != nil {
            f["key_ref"] = .string("customer-supplied encryption key (CSEK)")
            f["key_manager"] = .string("customer")
            f["key_custody"] = .string("customer-supplied")
        } else {
            f["key_ref"] = .null
            f["key_manager"] = .string("google")
            f["key_custody"] = .string(Custody.providerOwned.rawValue)
        }
        return Resource(type: .dataStore, id: id, name: short, fields: f, provenance: [d.item.provenance])
    }

    /// `projects/ID` and, when known, `projects/NUMBER`: organization policies and asset ancestors name projects by
    /// number, Cloud KMS key names by id.
    static func projectScopes(_ project: String, projectNumbers: [String: String]) -> [String] {
        var out = ["projects/\(project)"]
        if let n = projectNumbers[project], n != project { out.append("projects/\(n)") }
        return out
    }

    /// The project a resource name or self link names (`projects/P/…`, `…/projects/P/…`), or the REST JSON's
    /// `projectNumber` / `project`.
    static func projectOf(_ name: String, value: JSONValue) -> String? {
        let parts = name.split(separator: "/").map(String.init)
        if let i = parts.firstIndex(of: "projects"), i + 1 < parts.count, parts[i + 1] != "_" { return parts[i + 1] }
        return value["project"]?.stringValue ?? value["projectNumber"]?.stringValue
    }

    // MARK: - Helpers

    static func string(_ v: JSONValue?, _ field: String) -> FactValue {
        if let s = v?.stringValue { return .string(s) }
        return .unknown(reason: "the answer has no \(field)")
    }

    static func date(_ v: JSONValue?, _ field: String) -> FactValue {
        guard let s = v?.stringValue else { return .unknown(reason: "the answer has no \(field)") }
        guard let d = DateParsing.parse(s) else { return .unknown(reason: "\(field) is not an RFC 3339 time") }
        return .string(DateParsing.iso(d))
    }
}
