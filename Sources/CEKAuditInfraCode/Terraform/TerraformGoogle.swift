import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// The Terraform google provider's Cloud KMS, IAM, organization policy, audit and data-store resources
/// (registry.terraform.io/providers/hashicorp/google, resource docs), mapped to the raw facts the Cloud KMS REST
/// shapes give (the `CEKAuditGCP` mapping of `CryptoKey`, IAM `Policy`, `AuditConfig`, `EkmConnection`, Organization
/// Policy v2 `Policy` and each store's CMEK field), so the normalize stage derives custody, rotation applicability,
/// IAM isolation and CMEK enforcement the same way for declared and observed resources.
///
/// Values: an attribute missing from a plan's or state's values is unknown (the file was cut or edited); `null`
/// means not set, which is the provider's documented default where there is one (`purpose` ENCRYPT_DECRYPT,
/// `version_template.protection_level` SOFTWARE, no `rotation_period` = no automatic rotation,
/// `destroy_scheduled_duration` 30 days, `key_management_mode` MANUAL, no CMEK attribute = a Google-owned key); a value
/// known only after apply is unknown with that reason, except an optional-and-computed attribute the configuration
/// does not set, whose value is the documented default.
extension TerraformCollector {
    /// Resource types read here.
    static let googleTypes: Set<String> = Set([
        "google_kms_key_ring", "google_kms_crypto_key", "google_kms_crypto_key_iam_member", "google_kms_crypto_key_iam_binding",
        "google_kms_crypto_key_iam_policy", "google_kms_key_ring_iam_member", "google_kms_key_ring_iam_binding",
        "google_kms_key_ring_iam_policy", "google_kms_key_ring_import_job", "google_kms_ekm_connection", "google_kms_key_handle",
        "google_org_policy_policy", "google_project_iam_audit_config",
    ]).union(googleDataStores.keys)

    /// Terraform type → (data-store kind as ``GCPFacts/dataStoreKinds`` names it, API service, paths of the CMEK key
    /// name in the resource's values — the first set wins).
    static let googleDataStores: [String: (kind: String, service: String, keyPaths: [[String]])] = [
        "google_storage_bucket": ("gcs-bucket", "storage.googleapis.com", [["encryption", "default_kms_key_name"]]),
        "google_bigquery_dataset": ("bigquery-dataset", "bigquery.googleapis.com", [["default_encryption_configuration", "kms_key_name"]]),
        "google_bigquery_table": ("bigquery-table", "bigquery.googleapis.com", [["encryption_configuration", "kms_key_name"]]),
        "google_vertex_ai_dataset": ("vertex-ai-dataset", "aiplatform.googleapis.com", [["encryption_spec", "kms_key_name"]]),
        "google_vertex_ai_endpoint": ("vertex-ai-endpoint", "aiplatform.googleapis.com", [["encryption_spec", "kms_key_name"]]),
        "google_vertex_ai_featurestore": ("vertex-ai-featurestore", "aiplatform.googleapis.com", [["encryption_spec", "kms_key_name"]]),
        "google_workbench_instance": ("vertex-ai-workbench-instance", "notebooks.googleapis.com",
                                      [["gce_setup", "boot_disk", "kms_key"], ["gce_setup", "data_disks", "kms_key"]]),
        "google_sql_database_instance": ("cloud-sql-instance", "sqladmin.googleapis.com", [["encryption_key_name"]]),
        "google_compute_disk": ("compute-disk", "compute.googleapis.com", [["disk_encryption_key", "kms_key_self_link"]]),
        "google_pubsub_topic": ("pubsub-topic", "pubsub.googleapis.com", [["kms_key_name"]]),
        "google_secret_manager_secret": ("secret-manager-secret", "secretmanager.googleapis.com",
                                         [["replication", "auto", "customer_managed_encryption", "kms_key_name"],
                                          ["replication", "user_managed", "replicas", "customer_managed_encryption", "kms_key_name"]]),
        "google_artifact_registry_repository": ("artifact-registry-repository", "artifactregistry.googleapis.com", [["kms_key_name"]]),
    ]

    /// Sensitive attributes of google resources (customer-supplied disk keys) that never reach evidence.
    static let googleSecretAttributes: Set<String> = ["raw_key", "rsa_encrypted_key"]

    /// One resource's values with its plan's `after_unknown`, read by attribute path.
    struct GoogleValues {
        var values: JSONValue
        var afterUnknown: JSONValue?
        /// Whether `values` holds every attribute of the schema (plan and state); `false` for HCL, where an
        /// attribute that is not configured is simply not set.
        var complete = true
        /// Configured attribute paths (`version_template.algorithm`) from the plan's configuration; `nil` for a state.
        var configured: [String: [String]]?

        /// Whether the value at `path` is known only after apply.
        func isUnknown(_ path: [String]) -> Bool {
            var cur = afterUnknown
            for step in path {
                if cur == .bool(true) { return true }
                if case .array(let a)? = cur { cur = a.first }
                cur = cur?[step]
            }
            if cur == .bool(true) { return true }
            if case .array(let a)? = cur { return a.contains(.bool(true)) }
            return false
        }

        /// Whether the configuration sets the attribute or block at `path` (always `true` for a state).
        func isConfigured(_ path: [String]) -> Bool {
            guard let configured else { return true }
            let name = path.joined(separator: ".")
            return configured.keys.contains { $0 == name || $0.hasPrefix(name + ".") }
        }

        /// The attribute at `path` (blocks are lists: their first element): missing from the values when the
        /// top-level attribute or a member of a present block is absent; absent when a block along the way is
        /// empty or null.
        func declared(_ path: [String]) -> DeclaredValue {
            if isUnknown(path) { return .expression("known only after apply") }
            guard case .object(let o) = values, let first = path.first, let top = o[first] else { return complete ? .missing("Terraform plan or state") : .absent }
            var cur = top
            for step in path.dropFirst() {
                if case .array(let a) = cur {
                    guard let f = a.first else { return .absent }
                    cur = f
                }
                guard case .object(let m) = cur else { return .absent }
                guard let next = m[step] else { return complete ? .missing("Terraform plan or state") : .absent }
                cur = next
            }
            if case .array(let a) = cur, a.isEmpty { return .absent }
            if cur == .string("") { return .absent }
            return DeclaredValue(cur)
        }

        /// A known, non-empty string at the top-level attribute.
        func text(_ attr: String) -> String? {
            guard !isUnknown([attr]), let s = values[attr]?.stringValue, !s.isEmpty else { return nil }
            return s
        }
    }

    /// Output of the google mapping.
    struct GoogleOutput {
        var resources: [Resource] = []
        var diagnostics: [Diagnostic] = []
        var partial = false
    }

    // swiftlint:disable:next function_body_length cyclomatic_complexity
    static func googleResources(_ all: [TFResource], root: JSONValue, references: [String: [String: [String]]], locator: String,
                         line: (TFResource) -> Int?, provenance: (TFResource) -> [Provenance]) -> GoogleOutput {
        var out = GoogleOutput()
        // Data sources help resolve references; facts come from managed resources only.
        let resources = all.filter { Self.googleTypes.contains($0.type) }
        let managed = resources.filter { $0.mode == "managed" }
        guard !managed.isEmpty else { return out }
        var afterUnknown: [String: JSONValue] = [:]
        for rc in (root["resource_changes"] ?? .null).asList {
            if let address = rc["address"]?.stringValue, let au = rc["change"]?["after_unknown"] { afterUnknown[address] = au }
        }
        let isPlan = Self.kind(of: root) == .plan
        func gv(_ r: TFResource) -> GoogleValues {
            GoogleValues(values: r.values, afterUnknown: afterUnknown[r.address], complete: r.complete,
                         configured: isPlan ? (references[r.baseAddress] ?? [:]) : nil)
        }
        func rid(_ r: TFResource) -> String { "\(locator)#\(r.address)" }
        /// The resource of one of `types` that attribute `attr` of `r` references in the configuration.
        func referenced(_ r: TFResource, _ attr: String, _ types: Set<String>) -> TFResource? {
            for ref in references[r.baseAddress]?[attr] ?? [] {
                let matches = resources.filter { types.contains($0.type) && (ref == $0.baseAddress || ref.hasPrefix($0.baseAddress + ".")) }
                if matches.count == 1, let m = matches.first { return m }
            }
            return nil
        }

        // Key rings and keys: their Cloud KMS names where the values tell them.
        func ringName(_ ring: TFResource) -> String? {
            let v = gv(ring)
            if let id = v.text("id"), Self.kmsParts(id)?.count == 6 { return id }
            guard let p = v.text("project"), let l = v.text("location"), let n = v.text("name") else { return nil }
            return "projects/\(p)/locations/\(l)/keyRings/\(n)"
        }
        let ringTypes: Set<String> = ["google_kms_key_ring"]
        let keyTypes: Set<String> = ["google_kms_crypto_key"]
        var keyIDs: [String: String] = [:]   // address → resource id of the key fact
        var keyNames: [String: String] = [:] // address → Cloud KMS name, when known
        for r in managed where r.type == "google_kms_crypto_key" {
            let v = gv(r)
            var name: String?
            if let id = v.text("id"), Self.kmsParts(id)?.count == 8 { name = id }
            else if let n = v.text("name") {
                if let ring = v.text("key_ring"), Self.kmsParts(ring)?.count == 6 { name = "\(ring)/cryptoKeys/\(n)" }
                else if let ring = referenced(r, "key_ring", ringTypes).flatMap(ringName) { name = "\(ring)/cryptoKeys/\(n)" }
            }
            keyNames[r.address] = name
            keyIDs[r.address] = name ?? rid(r)
        }
        /// The key fact id and Cloud KMS name an attribute points to: by reference, or by a literal name.
        func linkedKey(_ r: TFResource, _ path: [String]) -> (id: String, name: String?)? {
            if let k = referenced(r, path.joined(separator: "."), keyTypes), let id = keyIDs[k.address] { return (id, keyNames[k.address]) }
            if let literal = gv(r).declared(path).text.map(Self.stripVersion),
               let hit = keyNames.first(where: { $0.value == literal }), let id = keyIDs[hit.key] { return (id, hit.value) }
            return nil
        }
        let handles = managed.filter { $0.type == "google_kms_key_handle" }
        let handled = Set(handles.compactMap { gv($0).text("kms_key") })

        for r in managed where r.type == "google_kms_crypto_key" {
            let v = gv(r)
            let id = keyIDs[r.address] ?? rid(r)
            let parts = keyNames[r.address].flatMap(Self.kmsParts)
            let notKnown = FactValue.unknown(reason: "the key ring's project and location are known only after apply")
            var f: [String: FactValue] = [
                "service": .string("gcp-kms"), "manager": .string("customer"), "evidence_kind": .string("declared"),
                "key_id": .string(id),
                "project": parts.map { .string($0[1]) } ?? notKnown, "account": parts.map { .string($0[1]) } ?? notKnown,
                "region": parts.map { .string($0[3]) } ?? notKnown,
                "key_ring": parts.map { .string($0[0..<6].joined(separator: "/")) } ?? notKnown,
            ]
            let purpose = v.declared(["purpose"]).string("purpose", default: "ENCRYPT_DECRYPT")
            f["purpose"] = purpose
            let templateSet = v.isConfigured(["version_template"]) || !v.isUnknown(["version_template"])
            let protection = v.isUnknown(["version_template"]) && !v.isConfigured(["version_template"]) ? DeclaredValue.absent
                : v.declared(["version_template", "protection_level"])
            f["protection_level"] = protection.string("version_template.protection_level", default: "SOFTWARE")
            let algorithm = templateSet ? v.declared(["version_template", "algorithm"]) : .absent
            f["spec"] = algorithm.string("version_template.algorithm",
                                         default: purpose == .string("ENCRYPT_DECRYPT") ? "GOOGLE_SYMMETRIC_ENCRYPTION" : nil)
            if f["spec"] == .null {
                f["spec"] = .unknown(reason: "a \(purpose.displayText) key without version_template: the algorithm is required and not declared")
            }
            // Optional and computed: unset in the configuration, a key is not import-only (CryptoKey.importOnly).
            let importOnly = (v.isUnknown(["import_only"]) && !v.isConfigured(["import_only"]) ? DeclaredValue.absent
                : v.declared(["import_only"])).bool("import_only", default: false)
            f["import_only"] = importOnly
            let skipInitial = v.declared(["skip_initial_version_creation"]).bool("skip_initial_version_creation", default: false)
            if purpose == .string("ENCRYPT_DECRYPT") || !purpose.isKnown {
                if let state = dig(r.values, ["primary", "state"])?.stringValue, !v.isUnknown(["primary"]) {
                    f["state"] = .string(state)
                    f["enabled"] = .bool(state == "ENABLED")
                } else if v.isUnknown(["primary"]) || dig(r.values, ["primary"]) == nil,
                          skipInitial == .bool(false), importOnly == .bool(false) {
                    // A key the configuration creates (a plan marks `primary` unknown; a .tf file does not name the
                    // computed attribute at all): Cloud KMS creates its first version and makes it the enabled primary
                    // (CryptoKey create, unless skipInitialVersionCreation or importOnly).
                    f["state"] = .string("ENABLED")
                    f["enabled"] = .bool(true)
                } else {
                    let why = "declared key: the primary version's state is known only once Cloud KMS creates it"
                    f["state"] = .unknown(reason: why)
                    f["enabled"] = .unknown(reason: why)
                }
            } else {
                f["state"] = .null
            }
            f["primary.import_job"] = importOnly == .bool(false) && skipInitial == .bool(false) ? .null
                : .unknown(reason: "versions of this key are imported or created outside the configuration")
            f["rotation.last_rotated"] = .unknown(reason: "declared key: rotation history is only observable on the live key")
            f["deletion.scheduled_for"] = .null
            let period = v.declared(["rotation_period"])
            switch period {
            case .absent:
                f["rotation.enabled"] = .bool(false)
                f["rotation.period_days"] = .null
                f["rotation.next"] = .null
            case .literal(let p):
                if let s = Self.seconds(p) {
                    f["rotation.enabled"] = .bool(true)
                    f["rotation.period_days"] = .number((s / 86_400 * 100).rounded() / 100)
                } else {
                    f["rotation.enabled"] = .unknown(reason: "rotation_period \(p.compactText) is not a duration")
                    f["rotation.period_days"] = .unknown(reason: "rotation_period \(p.compactText) is not a duration")
                }
                f["rotation.next"] = .unknown(reason: "declared key: Cloud KMS sets nextRotationTime when the key is created")
            default:
                f["rotation.enabled"] = period.bool("rotation_period", default: nil)
                f["rotation.period_days"] = period.number("rotation_period", default: nil)
                f["rotation.next"] = period.string("rotation_period", default: nil)
            }
            // Optional and computed: unset in the configuration, Cloud KMS applies its documented 30 days.
            let window = v.isUnknown(["destroy_scheduled_duration"]) && !v.isConfigured(["destroy_scheduled_duration"]) ? DeclaredValue.absent
                : v.declared(["destroy_scheduled_duration"])
            switch window {
            case .absent: f["deletion.window_days"] = .int(30)
            case .literal(let d):
                f["deletion.window_days"] = Self.seconds(d).map { .int(Int($0 / 86_400)) }
                    ?? .unknown(reason: "destroy_scheduled_duration \(d.compactText) is not a duration")
            default: f["deletion.window_days"] = window.number("destroy_scheduled_duration", default: nil)
            }
            f["created"] = .unknown(reason: "declared key: created at deployment")
            let backend = v.isUnknown(["crypto_key_backend"]) && !v.isConfigured(["crypto_key_backend"]) ? DeclaredValue.absent
                : v.declared(["crypto_key_backend"])
            if case .expression = backend, let ekm = referenced(r, "crypto_key_backend", ["google_kms_ekm_connection"]),
               let name = Self.ekmName(gv(ekm)) {
                f["ekm_connection"] = .string(name)
            } else {
                f["ekm_connection"] = backend.string("crypto_key_backend", default: nil)
            }
            switch v.declared(["key_access_justifications_policy"]) {
            case .absent:
                f["access_justifications.policy"] = .bool(false)
                f["access_justifications.allowed"] = .null
            case .literal(let kaj):
                f["access_justifications.policy"] = .bool(true)
                f["access_justifications.allowed"] = .strings((dig(kaj, ["allowed_access_reasons"]) ?? .null).asList.compactMap(\.stringValue).sorted())
            case let other:
                f["access_justifications.policy"] = other.bool("key_access_justifications_policy", default: nil)
                f["access_justifications.allowed"] = other.string("key_access_justifications_policy", default: nil)
            }
            if case .object(let labels)? = r.values["labels"] {
                f["tags"] = .strings(labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.stringValue ?? $0.value.compactText)" })
            }
            if let name = keyNames[r.address], handled.contains(name) { f["autokey"] = .bool(true) }
            else if !handles.isEmpty { f["autokey"] = .bool(false) }
            if f.values.contains(where: { !$0.isKnown }) { out.partial = true }
            out.resources.append(Resource(type: .key, id: id, name: v.text("name") ?? r.address, fields: f, provenance: provenance(r)))
        }

        // IAM: one policy per key or key ring, bindings in the REST shape.
        struct PolicyDraft {
            var target: String
            var name: String
            var project: String?
            var scope: String
            var bindings: [String: (role: String, condition: JSONValue?, members: Set<String>)] = [:]
            var order: [String] = []
            var unknown: [String] = []
            var sources: [TFResource] = []
        }
        var drafts: [String: PolicyDraft] = [:]
        var draftOrder: [String] = []
        for r in managed where r.type.hasPrefix("google_kms_crypto_key_iam_") || r.type.hasPrefix("google_kms_key_ring_iam_") {
            let v = gv(r)
            let onKey = r.type.hasPrefix("google_kms_crypto_key_iam_")
            let attr = onKey ? "crypto_key_id" : "key_ring_id"
            var target: String?, project: String?, shortName: String?
            if let linked = referenced(r, attr, onKey ? keyTypes : ringTypes) {
                target = onKey ? keyIDs[linked.address] : (ringName(linked) ?? rid(linked))
                shortName = gv(linked).text("name")
            } else if let literal = v.text(attr) {
                target = Self.longKMSName(literal)
            }
            if let t = target, let p = Self.kmsParts(t) { project = p[1]; shortName = shortName ?? p.last }
            let key = target ?? rid(r)
            if drafts[key] == nil {
                drafts[key] = PolicyDraft(target: key, name: shortName ?? key, project: project, scope: onKey ? "key" : "key-ring")
                draftOrder.append(key)
            }
            guard var draft = drafts[key] else { continue }
            draft.sources.append(r)
            if target == nil { draft.unknown.append("\(r.address): the \(onKey ? "key" : "key ring") it is attached to is known only after apply") }
            func add(role: String, members: [String], condition: JSONValue?) {
                let c = condition.flatMap { c -> JSONValue? in
                    guard case .object(let o) = c else { return nil }
                    return .object(o.filter { $0.value != .null && $0.value != .string("") })
                }
                let k = role + "\u{1F}" + (c?.compactText ?? "")
                if draft.bindings[k] == nil { draft.bindings[k] = (role, c, []); draft.order.append(k) }
                draft.bindings[k]?.members.formUnion(members)
            }
            if r.type.hasSuffix("_iam_policy") {
                if v.isUnknown(["policy_data"]) { draft.unknown.append("\(r.address): policy_data is known only after apply"); drafts[key] = draft; continue }
                guard let text = v.text("policy_data") else { draft.unknown.append("\(r.address): policy_data is missing"); drafts[key] = draft; continue }
                guard let doc = try? JSONValue.parse(Data(text.utf8), source: "\(locator) (\(r.address).policy_data)") else {
                    out.diagnostics.append(Diagnostic(.error, source: r.site?.locator ?? locator, line: line(r), message: "\(r.address): policy_data is not valid JSON",
                                                      fix: "build it with data.google_iam_policy or jsonencode()"))
                    draft.unknown.append("\(r.address): policy_data is not valid JSON")
                    drafts[key] = draft
                    continue
                }
                for b in (doc["bindings"] ?? .null).asList {
                    add(role: b["role"]?.stringValue ?? "", members: (b["members"] ?? .null).asList.compactMap(\.stringValue), condition: b["condition"])
                }
            } else {
                let memberAttr = r.type.hasSuffix("_iam_member") ? "member" : "members"
                if v.isUnknown(["role"]) || v.isUnknown([memberAttr]) {
                    draft.unknown.append("\(r.address): its role or members are known only after apply")
                } else if r.values["role"] == nil || r.values[memberAttr] == nil {
                    draft.unknown.append("\(r.address): role or \(memberAttr) is missing from the Terraform plan or state (cut or edited)")
                } else {
                    let members = memberAttr == "member" ? [r.values["member"]?.stringValue].compactMap { $0 }
                        : (r.values["members"] ?? .null).asList.compactMap(\.stringValue)
                    var condition: JSONValue?
                    if let c = dig(r.values, ["condition"]), case .object = c { condition = c }
                    add(role: r.values["role"]?.stringValue ?? "", members: members, condition: condition)
                }
            }
            drafts[key] = draft
        }
        for key in draftOrder {
            guard let d = drafts[key] else { continue }
            var res = Resource(type: .keyPolicy, id: "\(d.target)#iam", name: "IAM policy of \(d.name)")
            res.fields = [
                "service": .string("gcp-kms"), "key": .string(d.target), "key_name": .string(d.name),
                "key_manager": .string("customer"),
                "account": d.project.map(FactValue.string) ?? .unknown(reason: "the project is known only after apply"),
                "scope": .string(d.scope), "default": .bool(false),
                "statements": .int(d.bindings.count),
            ]
            res.provenance = d.sources.flatMap(provenance)
            if d.unknown.isEmpty {
                let bindings: [JSONValue] = d.order.compactMap { k in
                    guard let b = d.bindings[k] else { return nil }
                    var o: [String: JSONValue] = ["role": .string(b.role), "members": .array(b.members.sorted().map(JSONValue.string))]
                    if let c = b.condition { o["condition"] = c }
                    return .object(o)
                }
                res.observed = ["iam_policy": .object(["bindings": .array(bindings)])]
            } else {
                let reason = "the declared IAM policy is incomplete: " + d.unknown.joined(separator: "; ")
                for field in ["public", "cross_tenant", "foreign_accounts", "customer_controls_lifecycle", "admin_users", "findings",
                              "statements", "separation_of_duties"] {
                    res.fields[field] = .unknown(reason: reason)
                }
                out.partial = true
            }
            out.resources.append(res)
        }

        // EKM connections, org policies, audit configs.
        var auditTypes: [String: (types: Set<String>, sources: [TFResource])] = [:]
        var auditOrder: [String] = []
        for r in managed {
            let v = gv(r)
            switch r.type {
            case "google_kms_ekm_connection":
                let id = Self.ekmName(v) ?? rid(r)
                let hosts = (r.values["service_resolvers"] ?? .null).asList
                    .compactMap { $0["hostname"]?.stringValue }
                out.resources.append(Resource(type: .keyStore, id: id, name: v.text("name") ?? r.address, fields: [
                    "kind": .string("gcp-ekm-connection"),
                    "name": v.declared(["name"]).string("name", default: nil),
                    "proxy_endpoint": v.isUnknown(["service_resolvers"]) ? .unknown(reason: "service_resolvers are known only after apply")
                        : (hosts.isEmpty ? .null : .string(hosts.joined(separator: ", "))),
                    "key_management_mode": (v.isUnknown(["key_management_mode"]) && !v.isConfigured(["key_management_mode"]) ? DeclaredValue.absent
                        : v.declared(["key_management_mode"])).string("key_management_mode", default: "MANUAL"),
                    "connection_state": .unknown(reason: "declared EKM connection: its health is only observable live (VerifyConnectivity)"),
                ], provenance: provenance(r)))
            case "google_org_policy_policy":
                guard let name = v.text("name"), let range = name.range(of: "/policies/") else {
                    if v.isUnknown(["name"]) || r.values["name"] == nil {
                        out.diagnostics.append(Diagnostic(.warning, source: r.site?.locator ?? locator, line: line(r),
                                                          message: "\(r.address): the policy name is not known, so its constraint cannot be read"))
                        out.partial = true
                    }
                    continue
                }
                let constraint = "constraints/" + name[range.upperBound...]
                guard Self.cmekConstraints.contains(constraint) else { continue }
                let scope = v.text("parent") ?? String(name[..<range.lowerBound])
                var denied: [String] = [], allowed: [String] = []
                var denyAll = false, allowAll = false, conditional = false
                let spec = dig(r.values, ["spec"])
                let rules = (spec?["rules"] ?? .null).asList
                func truth(_ x: JSONValue?) -> Bool { x?.boolValue == true || x?.stringValue?.uppercased() == "TRUE" }
                for rule in rules {
                    denied += (dig(rule, ["values", "denied_values"]) ?? .null).asList.compactMap(\.stringValue)
                    allowed += (dig(rule, ["values", "allowed_values"]) ?? .null).asList.compactMap(\.stringValue)
                    if truth(rule["deny_all"]) { denyAll = true }
                    if truth(rule["allow_all"]) { allowAll = true }
                    if !(rule["condition"] ?? .null).asList.isEmpty || (rule["condition"].map { if case .object = $0 { return true } else { return false } } ?? false) {
                        conditional = true
                    }
                }
                var f: [String: FactValue] = [
                    "constraint": .string(constraint), "scope": .string(scope),
                    "denied_values": .strings(denied.sorted()), "allowed_values": .strings(allowed.sorted()),
                    "deny_all": .bool(denyAll), "allow_all": .bool(allowAll), "conditional": .bool(conditional),
                    "inherit_from_parent": .bool(truth(spec?["inherit_from_parent"])), "rules": .int(rules.count),
                ]
                if v.isUnknown(["spec"]) {
                    for k in ["denied_values", "allowed_values", "deny_all", "allow_all", "conditional", "inherit_from_parent", "rules"] {
                        f[k] = .unknown(reason: "the policy's spec is known only after apply")
                    }
                    out.partial = true
                }
                out.resources.append(Resource(type: .orgPolicy, id: name, name: "\(constraint.dropFirst("constraints/".count)) on \(scope)",
                                              fields: f, provenance: provenance(r)))
            case "google_project_iam_audit_config":
                guard let service = v.text("service"), service == "cloudkms.googleapis.com" || service == "allServices" else { continue }
                let project = v.text("project") ?? rid(r)
                if auditTypes[project] == nil { auditOrder.append(project) }
                var entry = auditTypes[project] ?? ([], [])
                for c in (r.values["audit_log_config"] ?? .null).asList { if let t = c["log_type"]?.stringValue { entry.types.insert(t) } }
                entry.sources.append(r)
                auditTypes[project] = entry
            default:
                break
            }
        }
        for project in auditOrder {
            guard let a = auditTypes[project] else { continue }
            let known = !project.contains("#")
            let on = a.types.contains("DATA_READ") && a.types.contains("DATA_WRITE")
            var res = Resource(type: .auditTrail, id: known ? "projects/\(project)#data-access-logs:cloudkms" : project + "#data-access-logs:cloudkms",
                               name: "Data Access audit logs of \(known ? project : "a project known after apply")")
            res.fields = [
                "kind": .string("gcp-data-access-logs"),
                "account": known ? .string(project) : .unknown(reason: "the project is known only after apply"),
                "evidence_kind": .string("declared"), "logging": .bool(on), "kms_events_included": .bool(on),
                "log_types": .strings(a.types.sorted()),
                "integrity_validation": .unknown(reason: "Cloud Audit Logs have no digest files; whether the log bucket's retention is locked is not in the audit configuration"),
                "multi_region": .bool(true),
            ]
            res.provenance = a.sources.flatMap(provenance)
            out.resources.append(res)
        }

        // Data stores and the key protecting each.
        for r in managed {
            guard let spec = Self.googleDataStores[r.type] else { continue }
            let v = gv(r)
            var f: [String: FactValue] = ["kind": .string(spec.kind), "service": .string(spec.service),
                                          "evidence_kind": .string("declared"), "encrypted": .bool(true)]
            if let p = v.text("project") { f["project"] = .string(p) }
            else if let link = v.text("self_link"), let p = Self.projectOf(link) { f["project"] = .string(p) }
            else if v.isUnknown(["project"]) { f["project"] = .unknown(reason: "the project is known only after apply (the provider's default project)") }
            var keyRef: FactValue?
            var linked: String?
            var unknownReason: String?
            for path in spec.keyPaths {
                // An optional and computed block the configuration does not set is the Google default, not unknown.
                let declared = v.isUnknown(path) && !v.isConfigured(path) ? DeclaredValue.absent : v.declared(path)
                switch declared {
                case .literal(let value):
                    guard let text = value.stringValue, !text.isEmpty else { continue }
                    keyRef = .string(Self.stripVersion(text))
                    linked = linkedKey(r, path)?.id
                case .expression:
                    if let l = linkedKey(r, path) {
                        linked = l.id
                        keyRef = l.name.map(FactValue.string) ?? .unknown(reason: "the key's name is known only after apply")
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
            if let keyRef {
                f["key_ref"] = keyRef
                f["key"] = linked.map(FactValue.string) ?? .null
            } else if let unknownReason {
                for k in ["key_ref", "key_manager", "key_custody"] { f[k] = .unknown(reason: unknownReason) }
                f["key"] = .null
                out.partial = true
            } else if r.type == "google_compute_disk", Self.googleSecretAttributes.contains(where: { a in
                guard let x = dig(r.values, ["disk_encryption_key", a]) else { return false }
                return x != .null && x != .string("")
            }) || v.isUnknown(["disk_encryption_key", "raw_key"]) {
                // Customer-supplied encryption key (CSEK): only whether it is set is read, never the key.
                f["key_ref"] = .string("customer-supplied encryption key (CSEK)")
                f["key_manager"] = .string("customer")
                f["key_custody"] = .string("customer-supplied")
                f["key"] = .null
            } else {
                f["key_ref"] = .null
                f["key"] = .null
                f["key_manager"] = .string("google")
                f["key_custody"] = .string(Custody.providerOwned.rawValue)
            }
            let name = v.text("name") ?? v.text("display_name") ?? v.text("secret_id") ?? v.text("dataset_id") ?? v.text("table_id")
                ?? v.text("repository_id") ?? r.address
            out.resources.append(Resource(type: .dataStore, id: rid(r), name: name, fields: f, provenance: provenance(r)))
        }
        return out
    }

    /// The constraints read from `google_org_policy_policy` (Organization Policy Service, "Restricting CMEK usage").
    static let cmekConstraints = ["constraints/gcp.restrictNonCmekServices", "constraints/gcp.restrictCmekCryptoKeyProjects"]

    /// `projects/P/locations/L/keyRings/R[/…]` split at `/`; `nil` unless a key ring name or something in one.
    static func kmsParts(_ text: String) -> [String]? {
        var s = Substring(text)
        if s.hasPrefix("//cloudkms.googleapis.com/") { s = s.dropFirst("//cloudkms.googleapis.com/".count) }
        let p = s.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard p.count >= 6, p[0] == "projects", p[2] == "locations", p[4] == "keyRings", !p[1].isEmpty, !p[3].isEmpty, !p[5].isEmpty,
              p.allSatisfy({ !$0.isEmpty }) else { return nil }
        return p
    }

    /// A key or key ring id as the google provider's IAM resources accept it, in its long form: the short
    /// `P/L/R[/K]` becomes `projects/P/locations/L/keyRings/R[/cryptoKeys/K]`.
    static func longKMSName(_ text: String) -> String {
        if kmsParts(text) != nil { return stripVersion(text) }
        let p = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if p.count == 3 || p.count == 4, p.allSatisfy({ !$0.isEmpty }) {
            return "projects/\(p[0])/locations/\(p[1])/keyRings/\(p[2])" + (p.count == 4 ? "/cryptoKeys/\(p[3])" : "")
        }
        return text
    }

    /// A key version name read as its key (`…/cryptoKeys/K/cryptoKeyVersions/3` → `…/cryptoKeys/K`).
    static func stripVersion(_ text: String) -> String {
        guard let r = text.range(of: "/cryptoKeyVersions/") else { return text }
        return String(text[..<r.lowerBound])
    }

    /// Seconds of a duration as the provider writes it (`"7776000s"`).
    static func seconds(_ v: JSONValue) -> Double? {
        guard let s = v.stringValue, s.hasSuffix("s"), let d = Double(s.dropLast()), d.isFinite, d >= 0, d < 1e12 else { return nil }
        return d
    }

    /// An EKM connection's name `projects/P/locations/L/ekmConnections/N`, when the values tell it.
    static func ekmName(_ v: GoogleValues) -> String? {
        if let id = v.text("id"), id.hasPrefix("projects/"), id.contains("/ekmConnections/") { return id }
        guard let p = v.text("project"), let l = v.text("location"), let n = v.text("name") else { return nil }
        return "projects/\(p)/locations/\(l)/ekmConnections/\(n)"
    }

    /// The project a resource name or self link names (`…/projects/P/…`).
    static func projectOf(_ name: String) -> String? {
        let parts = name.split(separator: "/").map(String.init)
        guard let i = parts.firstIndex(of: "projects"), i + 1 < parts.count, parts[i + 1] != "_" else { return nil }
        return parts[i + 1]
    }
}
