import CEKAuditCollectorKit
import CEKAuditCore
import Foundation

/// Reads Terraform JSON: a plan or state rendered by `terraform show -json` (Terraform "JSON Output Format",
/// format_version 1.x) and raw state files (version 4).
///
/// Supplies `key` (`aws_kms_key`, `aws_kms_external_key`, `aws_kms_replica_key`, `aws_kms_replica_external_key`),
/// `key_policy` (their `policy`, `aws_kms_key_policy`, or the default policy), `grant` (`aws_kms_grant`),
/// `key_store` (`aws_kms_custom_key_store`), `audit_trail` (`aws_cloudtrail`) and `data_store` (S3 encryption
/// configuration, EBS, RDS, DynamoDB, EFS, SageMaker, Bedrock, …). Values a plan only knows after apply are unknown
/// facts; references in the plan's `configuration` link data stores and aliases to keys. Sensitive values (imported
/// key material, customer-supplied disk keys) are never read into facts and are redacted from the evidence copy.
///
/// The google provider's Cloud KMS keys, IAM members / bindings / policies, EKM connections, key handles,
/// organization policies on the CMEK constraints, Data Access audit configurations and the CMEK attribute of data
/// stores are read too, into the raw facts the Cloud KMS REST shapes give (see `TerraformGoogle.swift`); so are the
/// azurerm provider's Key Vaults, Managed HSM pools, keys, diagnostic settings, access policies, role assignments and
/// customer-managed-key data stores, into the raw facts of the Azure Resource Manager shapes (see `TerraformAzure.swift`).
public struct TerraformCollector: DocumentCollector {
    /// Which document this instance recognizes: a plan or a state (both are read the same way).
    public var document: Kind
    public var name: String { document.rawValue }
    public var kind: String { name }
    public var reads: String {
        document == .plan ? "A Terraform plan as JSON (`terraform show -json plan.out`): AWS KMS keys, aliases, key policies, grants, key stores, trails and data stores; Google Cloud KMS keys, IAM, EKM connections, CMEK org policies, audit configs and CMEK data stores; Azure Key Vaults, Managed HSM, keys, diagnostic settings, access policies, role assignments and customer-managed-key data stores; references followed."
            : "Terraform state as JSON (`terraform.tfstate`, `*.tfstate.backup`, or `terraform show -json`): the same resources as deployed."
    }
    public var example: String { document == .plan ? "{path: terraform/plan.json, kind: terraform-plan, account: \"111122223333\"}" : "{path: terraform/terraform.tfstate, kind: terraform-state}" }
    public func recognizes(document value: JSONValue) -> Bool { Self.kind(of: value) == document }
    public let suppliedTypes: [ResourceType] = [.key, .keyPolicy, .grant, .keyStore, .auditTrail, .dataStore, .orgPolicy]

    public init(document: Kind = .plan) {
        self.document = document
    }

    /// The Terraform document kinds this collector reads.
    public enum Kind: String, Sendable { case plan = "terraform-plan", state = "terraform-state" }

    /// The kind of a parsed document, or `nil` when it is not Terraform JSON.
    public static func kind(of value: JSONValue) -> Kind? {
        if value["format_version"] != nil, value["planned_values"] != nil || value["resource_changes"] != nil { return .plan }
        if value["format_version"] != nil, value["values"] != nil { return .state }
        if value["terraform_version"] != nil, case .array? = value["resources"] { return .state }
        return nil
    }

    /// The value of a key's `tenant` tag (case-insensitive name), when it is a known, non-empty string.
    static func tenantTag(_ tags: JSONValue?) -> String? {
        guard case .object(let t)? = tags else { return nil }
        guard let value = t.first(where: { $0.key.lowercased() == "tenant" })?.value.stringValue, !value.isEmpty else { return nil }
        return value
    }

    /// One resource instance, whichever document it came from.
    struct TFResource {
        var address: String
        var type: String
        var mode: String
        var values: JSONValue
        var unknown: Set<String>
        var path: [ParsedDocument.Step]
        /// Whether the values hold every attribute of the resource's schema (plan and state, `null` when not set);
        /// `false` for a configuration read from `.tf` files, which holds only what is configured (absent = not set).
        var complete = true
        /// For a resource read from `.tf` files: its file (locator), the line of its block, and that file's evidence item.
        var site: Site?
        /// Why a top-level attribute is unknown, when the reader knows better than "known only after apply".
        var unknownReasons: [String: String] = [:]

        /// Where a resource read from `.tf` files is declared.
        struct Site {
            var locator: String
            var line: Int?
            var evidence: String
            /// The line of each top-level attribute or nested block.
            var attributes: [String: Int] = [:]
        }

        /// Base address without instance keys, for reference matching.
        var baseAddress: String {
            address.replacingOccurrences(of: #"\[[^\]]*\]$"#, with: "", options: .regularExpression)
        }
    }

    public func collect(_ document: ParsedDocument, input: SourceInput, context: CollectionContext) -> FactSet {
        guard let kind = Self.kind(of: document.value) else {
            let item = evidenceItem(input, kind: "terraform-unrecognised", context: context)
            return FactSet(evidence: [item], coverage: [SourceCoverage(source: input.locator, collector: name, status: .failed, resourceTypes: suppliedTypes,
                                                     detail: "not Terraform JSON")],
                           diagnostics: [Diagnostic(.error, source: input.locator, line: 1,
                                                                     message: "not Terraform JSON: no format_version with planned_values / values, and no state resources",
                                                                     fix: "write the plan with `terraform show -json plan.out > plan.json` (or the state with `terraform show -json`)")])
        }
        // Imported key material (`key_material_base64` of aws_kms_external_key, sensitive but written in plans and
        // state) never reaches a bundle: the evidence item is a redacted copy of the file.
        let redacted = KeyMaterial.redact(input.data, secrets: KeyMaterial.values(in: document.value, under: Self.googleSecretAttributes.union(["key_material_base64"])))
        let item = EvidenceItem(collector: name, locator: input.locator, kind: kind.rawValue, bytes: redacted, collectedAt: context.now)
        var out = FactSet(evidence: [item])
        out.payloads[item.id] = redacted
        let root = document.value
        var resources: [TFResource] = []
        var references: [String: [String: [String]]] = [:]   // base address → attribute → referenced addresses

        if kind == .plan {
            var unknownByAddress: [String: Set<String>] = [:]
            for rc in (root["resource_changes"] ?? .null).asList {
                guard let address = rc["address"]?.stringValue, case .object(let au)? = rc["change"]?["after_unknown"] else { continue }
                unknownByAddress[address] = Set(au.filter { $0.value == .bool(true) }.map(\.key))
            }
            walkModule(root["planned_values"]?["root_module"], path: [.key("planned_values"), .key("root_module")], into: &resources) {
                unknownByAddress[$0] ?? []
            }
            walkModule(root["prior_state"]?["values"]?["root_module"], path: [.key("prior_state"), .key("values"), .key("root_module")],
                       into: &resources, dataOnly: true) { _ in [] }
            collectReferences(root["configuration"]?["root_module"], prefix: "", into: &references)
        } else if root["values"] != nil {
            walkModule(root["values"]?["root_module"], path: [.key("values"), .key("root_module")], into: &resources) { _ in [] }
        } else {
            for (i, r) in (root["resources"] ?? .null).asList.enumerated() {
                guard let type = r["type"]?.stringValue, let name = r["name"]?.stringValue else { continue }
                let module = r["module"]?.stringValue.map { $0 + "." } ?? ""
                let mode = r["mode"]?.stringValue ?? "managed"
                for (j, inst) in (r["instances"] ?? .null).asList.enumerated() {
                    var address = module + (mode == "data" ? "data." : "") + "\(type).\(name)"
                    if let k = inst["index_key"] { address += k.stringValue.map { "[\"\($0)\"]" } ?? "[\(k.compactText)]" }
                    resources.append(TFResource(address: address, type: type, mode: mode, values: inst["attributes"] ?? .null, unknown: [],
                                                path: [.key("resources"), .index(i), .key("instances"), .index(j)]))
                }
            }
        }

        let mapped = Self.facts(Declared(resources: resources, references: references, root: root, locator: input.locator,
                                         account: input.account, tenant: input.tenant, evidence: item.id, line: { document.line(at: $0.path) }))
        out.resources += mapped.resources
        out.diagnostics += mapped.diagnostics
        let partial = mapped.partial
        out.coverage.append(coverage(input, resources: out.resources, partial: partial,
                                     detail: partial ? "some values are known only after apply" : nil))
        return out
    }

    /// What the resource-type mapping reads, whichever reader produced it: the plan / state JSON reader or the HCL
    /// configuration reader (`TerraformHCLCollector`).
    struct Declared {
        var resources: [TFResource]
        /// Base address → attribute path → referenced addresses (a plan's `configuration`, or the HCL expressions).
        var references: [String: [String: [String]]]
        /// The plan or state document (for `resource_changes`' `after_unknown`); a synthetic plan for HCL.
        var root: JSONValue
        /// The source's locator: resource ids are `locator#address`.
        var locator: String
        var account: String?
        var tenant: String?
        /// The evidence item of the document (plan / state); HCL resources name their own file's item.
        var evidence: String
        /// The line of a resource in the document (plan / state); HCL resources carry their own.
        var documentLine: (TFResource) -> Int?

        init(resources: [TFResource], references: [String: [String: [String]]], root: JSONValue, locator: String, account: String?,
             tenant: String?, evidence: String, line: @escaping (TFResource) -> Int?) {
            self.resources = resources
            self.references = references
            self.root = root
            self.locator = locator
            self.account = account
            self.tenant = tenant
            self.evidence = evidence
            self.documentLine = line
        }

        func line(_ r: TFResource) -> Int? { r.site.map(\.line) ?? documentLine(r) }
        func source(_ r: TFResource) -> String { r.site?.locator ?? locator }
        /// Where `r` is declared; with `attribute`, the line of that attribute when the reader knows it (HCL).
        func provenance(_ r: TFResource, attribute: String? = nil) -> [Provenance] {
            let attributeLine = attribute.flatMap { r.site?.attributes[$0] }
            return [Provenance(evidence: r.site?.evidence ?? evidence, pointer: r.address, line: attributeLine ?? line(r))]
        }
    }

    /// The facts of declared resources: the one mapping of aws, google and azurerm resource types to facts, shared
    /// by the plan / state reader and the HCL reader.
    static func facts(_ src: Declared) -> (resources: [Resource], diagnostics: [Diagnostic], partial: Bool) {
        var out = FactSet()
        let resources = src.resources
        let references = src.references
        // The deploying account, when a caller-identity data source was read.
        let callerAccount = resources.first { $0.type == "aws_caller_identity" }?.values["account_id"]?.stringValue
        let managed = resources.filter { $0.mode == "managed" }
        func rid(_ address: String) -> String { "\(src.locator)#\(address)" }
        func provenance(_ r: TFResource) -> [Provenance] { src.provenance(r) }
        /// The key a resource's attribute points to: by configuration reference, or by literal id / ARN.
        let keyTypes: Set<String> = ["aws_kms_key", "aws_kms_external_key", "aws_kms_replica_key", "aws_kms_replica_external_key"]
        let keys = managed.filter { keyTypes.contains($0.type) }
        func linkedKey(_ r: TFResource, attribute: String) -> String? {
            for ref in references[r.baseAddress]?[attribute] ?? [] {
                let matches = keys.filter { ref == $0.baseAddress || ref.hasPrefix($0.baseAddress + ".") }
                if matches.count == 1, let m = matches.first { return rid(m.address) }
            }
            guard let literal = dig(r.values, attribute.split(separator: ".").map(String.init))?.stringValue else { return nil }
            return keys.first { k in [k.values["arn"]?.stringValue, k.values["key_id"]?.stringValue, k.values["id"]?.stringValue].contains(literal) }
                .map { rid($0.address) }
        }

        var aliases: [String: [String]] = [:]
        var policies: [String: (JSONValue?, TFResource)] = [:]
        for r in managed {
            if r.type == "aws_kms_alias", let name = r.values["name"]?.stringValue, let key = linkedKey(r, attribute: "target_key_id") {
                aliases[key, default: []].append(name)
            }
            if r.type == "aws_kms_key_policy", let key = linkedKey(r, attribute: "key_id") {
                policies[key] = (r.unknown.contains("policy") ? nil : r.values["policy"], r)
            }
        }

        var partial = false
        for r in managed {
            let v = r.values
            func d(_ attr: String) -> DeclaredValue { r.complete ? DeclaredValue(terraform: v, attr, unknown: r.unknown.contains(attr)) : DeclaredValue(v[attr], unknown: r.unknown.contains(attr)) }
            switch r.type {
            case let t where keyTypes.contains(t):
                let external = t.contains("external")
                let replica = t.contains("replica")
                let arn = v["arn"]?.stringValue
                let accountText = arn.flatMap { ARN(parsing: $0)?.account } ?? src.account ?? callerAccount
                let account: FactValue = accountText.map(FactValue.string) ?? .unknown(reason: "account not in the plan; set `account:` for this source")
                var decl = KeyDeclaration(id: rid(r.address), name: aliases[rid(r.address)]?.sorted().first ?? r.address,
                                          keyID: v["key_id"]?.stringValue ?? v["id"]?.stringValue ?? r.address, account: account,
                                          provenance: provenance(r))
                if let arn { decl.arn = .string(arn) }
                decl.description = d("description")
                decl.spec = external ? .absent : (v["customer_master_key_spec"] != nil && v["customer_master_key_spec"] != .null ? d("customer_master_key_spec") : d("key_spec"))
                decl.usage = d("key_usage")
                decl.enabled = external || replica ? d("enabled") : d("is_enabled")
                decl.rotationEnabled = d("enable_key_rotation")
                decl.rotationPeriod = d("rotation_period_in_days")
                decl.multiRegion = d("multi_region")
                decl.replica = replica
                decl.windowDays = d("deletion_window_in_days")
                // The source's `tenant:` decides; else the key's own `tenant` tag (a multi-tenant configuration that
                // declares one key per tenant, as a module called with for_each over tenants does).
                decl.tenant = src.tenant ?? Self.tenantTag(v["tags"])
                if external {
                    decl.origin = .string("EXTERNAL")
                    decl.validTo = d("valid_to")
                    // key_material_base64 is sensitive: only whether it is set is read, never the value.
                    decl.materialImported = v["key_material_base64"].map { $0 != .null && $0 != .string("") } ?? (r.unknown.contains("key_material_base64") ? nil : false)
                } else if let store = v["custom_key_store_id"]?.stringValue, !store.isEmpty {
                    decl.origin = .string(v["xks_key_id"]?.stringValue.map { $0.isEmpty ? "AWS_CLOUDHSM" : "EXTERNAL_KEY_STORE" } ?? "AWS_CLOUDHSM")
                    decl.keyStore = .string(store)
                }
                if replica && !external { decl.origin = .unknown(reason: "a replica takes its origin from the primary key") }
                if case .object(let tags)? = v["tags"] { decl.tags = tags.map { "\($0.key)=\($0.value.stringValue ?? $0.value.compactText)" } }
                out.diagnostics += decl.configurationProblems(source: src.source(r), line: src.line(r))
                var key = decl.resource()
                key["aliases"] = .strings((aliases[key.id] ?? []).sorted())
                if key.fields.values.contains(where: { !$0.isKnown }) { partial = true }
                out.resources.append(key)

                var policyValue: JSONValue?
                var policySource = r
                var policyUnknown = r.unknown.contains("policy")
                var policyMissing = false
                if let override = policies[key.id] { policyValue = override.0; policySource = override.1; policyUnknown = override.0 == nil }
                else { policyValue = v["policy"]; policyMissing = v["policy"] == nil && !policyUnknown }
                if policyMissing {
                    // `policy` is an attribute of every aws_kms_key (null only in a plan whose configuration sets
                    // none, which Terraform still writes): its absence is a damaged document, never the default policy.
                    out.resources.append(KeyPolicyObservation.unobserved(
                        id: key.id + "/policy", keyID: key.id, keyName: key.name,
                        reason: "the policy attribute is missing from the Terraform plan or state, which writes every attribute: the file was cut or edited",
                        provenance: src.provenance(policySource, attribute: "policy")))
                    partial = true
                } else if policyUnknown {
                    var p = KeyPolicyObservation.unobserved(id: key.id + "/policy", keyID: key.id, keyName: key.name,
                                                            reason: policySource.unknownReasons["policy"].map { "the policy is not known offline: \($0)" } ?? "the policy is known only after apply",
                                                            provenance: src.provenance(policySource, attribute: "policy"))
                    p["default"] = .bool(false)
                    out.resources.append(p)
                    partial = true
                } else {
                    var doc: JSONValue?
                    var unreadable = false
                    if let text = policyValue?.stringValue, !text.isEmpty {
                        do { doc = try JSONValue.parse(Data(text.utf8), source: "\(src.source(policySource)) (\(policySource.address).policy)") } catch {
                            unreadable = true
                            out.diagnostics.append(Diagnostic(.error, source: src.source(policySource), line: src.line(policySource),
                                                              message: "\(policySource.address): the policy is not valid JSON",
                                                              fix: "check the jsonencode() / heredoc that builds it"))
                        }
                    }
                    if unreadable {
                        out.resources.append(KeyPolicyObservation.unobserved(id: key.id + "/policy", keyID: key.id, keyName: key.name,
                                                                             reason: "the declared policy is not valid JSON",
                                                                             provenance: src.provenance(policySource, attribute: "policy")))
                        partial = true
                    } else {
                        out.resources.append(KeyPolicyObservation.resource(id: key.id + "/policy", keyID: key.id, keyName: key.name, document: doc,
                                                                           owner: accountText, provenance: src.provenance(policySource, attribute: "policy")))
                    }
                }
            case "aws_kms_grant":
                let grantee = v["grantee_principal"]?.stringValue
                let granteeAccount = grantee.flatMap { ARN(parsing: $0)?.account }
                var f: [String: FactValue] = [
                    "key": linkedKey(r, attribute: "key_id").map(FactValue.string) ?? d("key_id").string("key", default: nil),
                    "grantee": d("grantee_principal").string("grantee", default: nil),
                    "grantee_account": granteeAccount.map(FactValue.string) ?? .unknown(reason: "grantee is not an ARN with an account"),
                    "operations": .strings((v["operations"] ?? .null).asList.compactMap(\.stringValue).sorted()),
                    "constraints": .bool(!(v["constraints"] ?? .null).asList.isEmpty),
                ]
                f["account"] = (src.account ?? callerAccount).map(FactValue.string)
                    ?? .unknown(reason: "the key's own account is not known; set `account:` for this source")
                out.resources.append(Resource(type: .grant, id: rid(r.address), name: r.address, fields: f, provenance: provenance(r)))
            case "aws_kms_custom_key_store":
                out.resources.append(Resource(type: .keyStore, id: rid(r.address), name: v["custom_key_store_name"]?.stringValue ?? r.address, fields: [
                    "kind": d("custom_key_store_type").string("key store type", default: "AWS_CLOUDHSM"),
                    "name": d("custom_key_store_name").string("name", default: nil),
                    "hsm_cluster": d("cloud_hsm_cluster_id").string("cluster", default: nil),
                    "proxy_endpoint": d("xks_proxy_uri_endpoint").string("proxy endpoint", default: nil),
                    "connection_state": .unknown(reason: "declared key store: connection state is only observable live"),
                ], provenance: provenance(r)))
            case "aws_cloudtrail":
                let account = src.account ?? callerAccount
                var f: [String: FactValue] = ["kind": .string("cloudtrail"), "name": d("name").string("name", default: r.address),
                                              "account": account.map(FactValue.string) ?? .null, "evidence_kind": .string("declared")]
                f["logging"] = d("enable_logging").bool("enable_logging", default: true)
                f["multi_region"] = d("is_multi_region_trail").bool("multi-Region", default: false)
                f["integrity_validation"] = d("enable_log_file_validation").bool("log file validation", default: false)
                f["encrypted_with_cmk"] = .bool(!(v["kms_key_id"]?.stringValue ?? "").isEmpty || r.unknown.contains("kms_key_id"))
                f["kms_events_included"] = TrailSelectors.kmsManagementEventsIncluded(
                    basic: (v["event_selector"] ?? .null).asList.map { sel in
                        (DeclaredValue(sel["include_management_events"]).bool("", default: true),
                         (sel["exclude_management_event_sources"] ?? .null).asList.compactMap(\.stringValue))
                    },
                    advanced: (v["advanced_event_selector"] ?? .null).asList.map { sel in
                        (sel["field_selector"] ?? .null).asList.map { fs in
                            TrailSelectors.Field(field: fs["field"]?.stringValue ?? "", equals: (fs["equals"] ?? .null).asList.compactMap(\.stringValue),
                                                 notEquals: (fs["not_equals"] ?? .null).asList.compactMap(\.stringValue))
                        }
                    })
                out.resources.append(Resource(type: .auditTrail, id: rid(r.address), name: f["name"]?.displayText ?? r.address, fields: f,
                                              provenance: provenance(r)))
            case "aws_s3_bucket_server_side_encryption_configuration":
                let rule = dig(v, ["rule", "apply_server_side_encryption_by_default"])
                let algorithm = rule?["sse_algorithm"]?.stringValue
                var f = DataStoreSpecs.fields(kind: "s3-bucket", encrypted: .bool(true),
                                              keyRef: DeclaredValue(rule?["kms_master_key_id"], unknown: false),
                                              linkedKey: linkedKey(r, attribute: "rule.apply_server_side_encryption_by_default.kms_master_key_id"))
                if f["key_ref"] == .string("") { f["key_ref"] = .null }
                if algorithm == "AES256" || (f["key_ref"] == .null && f["key"] == .null && references[r.baseAddress]?["rule"] == nil) {
                    f["key_ref"] = .null; DataStoreSpecs.applyProviderKey(to: &f)
                }
                let bucket = v["bucket"]?.stringValue ?? r.address
                out.resources.append(Resource(type: .dataStore, id: rid(r.address), name: bucket, fields: f, provenance: src.provenance(r, attribute: "rule")))
            default:
                guard let spec = DataStoreSpecs.terraform[r.type] else { continue }
                var encrypted: FactValue = spec.encryptedDefault.map(FactValue.bool) ?? .unknown(reason: spec.defaultNote ?? "unknown")
                if let p = spec.encryptedPath {
                    let dv = DeclaredValue(dig(v, p), unknown: r.unknown.contains(p[0]))
                    if case .absent = dv {} else { encrypted = dv.bool("encryption", default: spec.encryptedDefault) }
                }
                let keyAttr = spec.keyPath.joined(separator: ".")
                var raw = dig(v, spec.keyPath)
                if raw == .string("") { raw = .null }
                // In a plan, an attribute the configuration does not set is computed by the provider: for a key
                // attribute that means the service's AWS managed key, not an unknown one.
                let configured = references[r.baseAddress].map { $0[keyAttr] != nil } ?? true
                // A top-level key attribute missing from the values (not null) means a cut or edited document.
                let keyRef = !configured ? DeclaredValue(nil)
                    : r.complete && spec.keyPath.count == 1 && raw == nil ? DeclaredValue(terraform: v, spec.keyPath[0], unknown: r.unknown.contains(spec.keyPath[0]))
                    : DeclaredValue(raw, unknown: r.unknown.contains(spec.keyPath[0]))
                let linked = linkedKey(r, attribute: keyAttr)
                var f = DataStoreSpecs.fields(kind: spec.kind, encrypted: encrypted, keyRef: keyRef, linkedKey: linked)
                if case .expression = keyRef, linked != nil { f["key_ref"] = .string(references[r.baseAddress]?[keyAttr]?.first ?? "reference") }
                if case .absent = keyRef, linked == nil, encrypted == .bool(true) { spec.applyServiceKey(to: &f) }
                if encrypted == .bool(false) { f["key_manager"] = .null; f["key_custody"] = .null }
                out.resources.append(Resource(type: .dataStore, id: rid(r.address), name: r.address, fields: f, provenance: src.provenance(r, attribute: spec.keyPath[0])))
            }
        }
        let google = googleResources(src.resources, root: src.root, references: src.references, locator: src.locator,
                                     line: src.line, provenance: { src.provenance($0) })
        out.resources += google.resources
        out.diagnostics += google.diagnostics
        if google.partial { partial = true }
        let azure = azureResources(src.resources, root: src.root, references: src.references, locator: src.locator, account: src.account,
                                   line: src.line, provenance: { src.provenance($0) })
        out.resources += azure.resources
        out.diagnostics += azure.diagnostics
        if azure.partial { partial = true }
        return (out.resources, out.diagnostics, partial)
    }

    private func walkModule(_ module: JSONValue?, path: [ParsedDocument.Step], into out: inout [TFResource], dataOnly: Bool = false,
                            unknown: (String) -> Set<String>) {
        guard let module else { return }
        for (i, r) in (module["resources"] ?? .null).asList.enumerated() {
            guard let address = r["address"]?.stringValue, let type = r["type"]?.stringValue else { continue }
            let mode = r["mode"]?.stringValue ?? "managed"
            if dataOnly && mode != "data" { continue }
            out.append(TFResource(address: address, type: type, mode: mode, values: r["values"] ?? .null, unknown: unknown(address),
                                  path: path + [.key("resources"), .index(i)]))
        }
        for (i, child) in (module["child_modules"] ?? .null).asList.enumerated() {
            walkModule(child, path: path + [.key("child_modules"), .index(i)], into: &out, dataOnly: dataOnly, unknown: unknown)
        }
    }

    /// Reads `configuration.root_module` (and module calls) for each resource's attribute references.
    private func collectReferences(_ module: JSONValue?, prefix: String, into out: inout [String: [String: [String]]]) {
        guard let module else { return }
        for r in (module["resources"] ?? .null).asList {
            guard let address = r["address"]?.stringValue, case .object(let exprs)? = r["expressions"] else { continue }
            var attrs: [String: [String]] = [:]
            func walk(_ name: String, _ e: JSONValue) {
                if let refs = e["references"] { attrs[name] = refs.asList.compactMap(\.stringValue).map { prefix + $0 } }
                else if e["constant_value"] != nil { attrs[name] = attrs[name] ?? [] }
                switch e {
                case .object(let o): for (k, v) in o where k != "references" && k != "constant_value" { walk("\(name).\(k)", v) }
                case .array(let a): for v in a { walk(name, v) }
                default: break
                }
            }
            for (k, e) in exprs { walk(k, e) }
            out[prefix + address] = attrs
        }
        if case .object(let calls)? = module["module_calls"] {
            for (name, call) in calls { collectReferences(call["module"], prefix: prefix + "module.\(name).", into: &out) }
        }
    }
}
