import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Logging

/// Reads Google Cloud answers saved as files: Cloud KMS exports (`gcloud kms keys list|describe --format=json`,
/// `gcloud kms keyrings list`, `gcloud kms import-jobs list`, `gcloud kms ekm-connections list`,
/// `gcloud kms keys get-iam-policy` / `keyrings get-iam-policy`), Organization Policy v2 policies
/// (`gcloud org-policies describe|list --format=json`), a project's IAM policy with `auditConfigs`
/// (`gcloud projects get-iam-policy --format=json`), and Cloud Asset Inventory snapshots — the organization-wide
/// evidence auditors are usually handed — as `gcloud asset export` JSON lines or `gcloud asset list --format=json`
/// arrays, with `resource.data`, `iamPolicy`, `orgPolicy` (v1 `listPolicy`) and `ancestors` contents. Everything is
/// gathered into one ``GCPInventory`` per source and mapped by ``GCPFacts``, as the live collector's answers are.
///
/// An IAM policy file says nothing of the resource it belongs to: name the key or key ring with `key:` on the
/// source in `audit.yaml`, or save an object of policies by resource name
/// (`{"projects/p/locations/l/keyRings/r/cryptoKeys/k": {"bindings": …}}`). A project IAM policy is recognised by
/// its `auditConfigs` and needs the project with `tenant:`. An export is not an inventory: it says nothing about
/// keys it does not list.
public struct GCPExportCollector: EvidenceCollector {
    public static let name = "gcp-export"
    public static let suppliedTypes: [ResourceType] = [.key]
    public var kind: String { Self.name }
    public var input: CollectorInput { .batch }
    public var suppliedTypes: [ResourceType] { Self.suppliedTypes }
    public var reads: String { "Google Cloud answers saved as JSON: `gcloud kms keys list|describe`, key rings, import jobs, EKM connections, `get-iam-policy` of keys and key rings, `gcloud org-policies describe`, `gcloud projects get-iam-policy` (audit configs), and Cloud Asset Inventory exports (`gcloud asset export` JSON lines or `gcloud asset list` arrays: resources, IAM policies, org policies, ancestors)." }
    public var example: String { "{path: gcp/, kind: gcp-export}" }

    public init() {}

    public func recognizes(_ probe: ContentProbe) -> Bool {
        if let d = probe.document { return Self.recognizes(d.value) }
        // JSON lines: the first line decides.
        guard let newline = probe.head.firstIndex(of: UInt8(ascii: "\n")), newline > probe.head.startIndex,
              let first = try? JSONValue.parse(probe.head[probe.head.startIndex..<newline], source: probe.locator) else { return false }
        return Self.isAsset(first)
    }

    /// Whether a JSON document is one of the shapes above.
    public static func recognizes(_ v: JSONValue) -> Bool {
        if isAsset(v) || isKMSResource(v) || isOrgPolicy(v) || isIAMPolicy(v) { return true }
        if case .array(let a) = v, let first = a.first { return isAsset(first) || isKMSResource(first) || isOrgPolicy(first) }
        if case .object(let members) = v, !members.isEmpty,
           members.allSatisfy({ GCPResourceName($0.key) != nil && isIAMPolicy($0.value, strict: false) }) { return true }
        return false
    }

    static func isAsset(_ v: JSONValue) -> Bool {
        guard let t = v["assetType"]?.stringValue, t.contains(".googleapis.com/"), v["name"]?.stringValue?.hasPrefix("//") == true else { return false }
        return true
    }

    static func isKMSResource(_ v: JSONValue) -> Bool {
        guard let name = v["name"]?.stringValue else { return false }
        if GCPResourceName(name) != nil { return true }
        return name.contains("/ekmConnections/") || name.contains("/keyHandles/")
    }

    static func isOrgPolicy(_ v: JSONValue) -> Bool {
        guard let name = v["name"]?.stringValue, name.contains("/policies/") else { return false }
        return v["spec"] != nil || v["dryRunSpec"] != nil
    }

    /// An IAM `Policy`: `bindings` (and usually `etag`/`version`); with `strict`, at least one Cloud KMS role or
    /// audit configuration, so that other services' policies are not taken for key policies.
    static func isIAMPolicy(_ v: JSONValue, strict: Bool = true) -> Bool {
        guard case .object(let m) = v, m["bindings"] != nil || m["auditConfigs"] != nil else { return false }
        guard m.keys.allSatisfy({ ["bindings", "etag", "version", "auditConfigs"].contains($0) }) else { return false }
        if !strict { return true }
        if m["auditConfigs"] != nil { return true }
        return (v["bindings"]?.asList ?? []).contains { $0["role"]?.stringValue?.hasPrefix("roles/cloudkms.") == true }
    }

    public func collect(_ job: CollectionJob, context: CollectionContext, logger: Logger) async -> FactSet {
        var out = FactSet()
        var inventory = GCPInventory()
        for f in job.files.sorted(by: { $0.locator < $1.locator }) {
            guard let data = bytes(of: f, into: &out) else { continue }
            let item = EvidenceItem(collector: Self.name, locator: f.locator, kind: "gcp-api-response", bytes: data, collectedAt: context.now)
            out.addEvidence(item, bytes: data)
            read(data, file: f, evidence: item.id, into: &inventory, diagnostics: &out.diagnostics)
        }
        let resources = GCPFacts.resources(from: inventory)
        out.resources += resources
        var found: [String: Int] = [:]
        for r in resources { found[r.type.rawValue, default: 0] += 1 }
        let types = Set(resources.map(\.type)).union(Self.suppliedTypes)
        out.coverage.append(SourceCoverage(source: job.label, collector: Self.name, status: .complete,
                                           resourceTypes: types.sorted(), found: found))
        return out
    }

    /// Reads one file into the inventory: a JSON document, or JSON lines (one asset or answer per line).
    func read(_ data: Data, file: SourceFile, evidence: String, into inventory: inout GCPInventory, diagnostics: inout [Diagnostic]) {
        if let v = try? JSONValue.parse(data, source: file.locator) {
            add(v, pointer: nil, line: nil, file: file, evidence: evidence, into: &inventory, diagnostics: &diagnostics)
            return
        }
        // JSON lines (gcloud asset export to Cloud Storage).
        var lineNumber = 0
        var start = data.startIndex
        var readAny = false
        while start < data.endIndex {
            lineNumber += 1
            let end = data[start...].firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
            let line = data[start..<end]
            start = end < data.endIndex ? data.index(after: end) : end
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) { continue }
            do {
                let v = try JSONValue.parse(line, source: file.locator)
                readAny = true
                add(v, pointer: "line \(lineNumber)", line: lineNumber, file: file, evidence: evidence, into: &inventory, diagnostics: &diagnostics)
            } catch {
                diagnostics.append(Diagnostic(.error, source: file.locator, line: lineNumber, column: 1,
                                              message: "line \(lineNumber) is not a JSON value: \(error.localizedDescription)",
                                              fix: "export the assets again; every line of a JSON-lines export is one JSON object"))
                inventory.failures.append(.init(scope: file.locator, call: "export line \(lineNumber)", reason: "line \(lineNumber) of \(file.locator) could not be read"))
            }
        }
        if !readAny, lineNumber == 0 {
            diagnostics.append(Diagnostic(.error, source: file.locator, message: "the file is empty", fix: "export the answers again"))
        }
    }

    func add(_ v: JSONValue, pointer: String?, line: Int?, file: SourceFile, evidence: String, into inv: inout GCPInventory,
             diagnostics: inout [Diagnostic]) {
        func item(_ value: JSONValue, _ p: String?) -> GCPInventory.Item { .init(value, evidence: evidence, pointer: p, line: line) }
        if case .array(let a) = v {
            for (i, e) in a.enumerated() {
                add(e, pointer: (pointer.map { $0 + " " } ?? "") + "[\(i)]", line: line, file: file, evidence: evidence, into: &inv, diagnostics: &diagnostics)
            }
            return
        }
        if Self.isAsset(v) { addAsset(v, pointer: pointer, line: line, evidence: evidence, into: &inv); return }
        if Self.isOrgPolicy(v) { inv.orgPolicies.append(item(v, pointer)); return }
        if let name = v["name"]?.stringValue {
            if let n = GCPResourceName(name) {
                if n.cryptoKey != nil, n.version == nil { inv.cryptoKeys.append(item(v, pointer)) }
                else if name.contains("/importJobs/") { inv.importJobs.append(item(v, pointer)) }
                else if n.cryptoKey == nil { inv.keyRings.append(item(v, pointer)) }
                return
            }
            if name.contains("/ekmConnections/") { inv.ekmConnections.append(item(v, pointer)); return }
            if name.contains("/keyHandles/") { inv.keyHandles.append(item(v, pointer)); return }
        }
        if Self.isIAMPolicy(v, strict: false) {
            if v["auditConfigs"] != nil, v["bindings"]?.asList.contains(where: { $0["role"]?.stringValue?.hasPrefix("roles/cloudkms.") == true }) != true {
                guard let project = file.tenant ?? file.account else {
                    diagnostics.append(Diagnostic(.warning, source: file.locator, line: line,
                                                  message: "a project IAM policy (auditConfigs) without the project it belongs to; left out",
                                                  fix: "name the project with tenant: on this source in audit.yaml"))
                    return
                }
                inv.iamPolicies["projects/\(project)"] = item(v, pointer)
                return
            }
            guard let key = file.key, GCPResourceName(key) != nil else {
                diagnostics.append(Diagnostic(.warning, source: file.locator, line: line,
                                              message: "an IAM policy without the key or key ring it is attached to; left out",
                                              fix: "name the key with key: projects/P/locations/L/keyRings/R/cryptoKeys/K on this source in audit.yaml, or save {\"<key name>\": <policy>}"))
                return
            }
            inv.iamPolicies[GCPResourceName(key)?.keyName ?? key] = item(v, pointer)
            return
        }
        if case .object(let members) = v, !members.isEmpty, members.allSatisfy({ GCPResourceName($0.key) != nil && Self.isIAMPolicy($0.value, strict: false) }) {
            for (name, policy) in members.sorted(by: { $0.key < $1.key }) {
                let n = GCPResourceName(name)
                inv.iamPolicies[n?.keyName ?? n?.keyRingName ?? name] = item(policy, (pointer.map { $0 + " " } ?? "") + name)
            }
            return
        }
        diagnostics.append(Diagnostic(.warning, source: file.locator, line: line,
                                      message: "\(pointer.map { $0 + ": " } ?? "")not a Google Cloud answer this collector reads; left out"))
    }

    /// One Cloud Asset Inventory asset (`Asset`: `name`, `assetType`, `resource.data`, `iamPolicy`, `orgPolicy`,
    /// `ancestors`).
    func addAsset(_ v: JSONValue, pointer: String?, line: Int?, evidence: String, into inv: inout GCPInventory) {
        guard let assetName = v["name"]?.stringValue, let type = v["assetType"]?.stringValue else { return }
        let ancestors = (v["ancestors"]?.asList ?? []).compactMap(\.stringValue)
        let fullPrefix = assetName.split(separator: "/", omittingEmptySubsequences: true).first.map { "//\($0)/" } ?? "//"
        let resourceName = String(assetName.dropFirst(fullPrefix.count))
        let projectID = GCPResourceName(resourceName)?.project ?? GCPFacts.projectOf(resourceName, value: .null)
        if let number = ancestors.first(where: { $0.hasPrefix("projects/") }).map({ String($0.dropFirst("projects/".count)) }) {
            if let projectID, projectID != number { inv.projectNumbers[projectID] = number }
            let above = ancestors.filter { !$0.hasPrefix("projects/") }
            if let projectID, !above.isEmpty { inv.ancestry[projectID] = above }
            if !above.isEmpty { inv.ancestry[number] = above }
        }
        var data = v["resource"]?["data"]
        if case .object(var m)? = data, m["name"] == nil { m["name"] = .string(resourceName); data = .object(m) }
        let base = pointer.map { $0 + " " } ?? ""
        if let data {
            switch type {
            case "cloudkms.googleapis.com/CryptoKey": inv.cryptoKeys.append(.init(data, evidence: evidence, pointer: base + "resource.data", line: line))
            case "cloudkms.googleapis.com/KeyRing": inv.keyRings.append(.init(data, evidence: evidence, pointer: base + "resource.data", line: line))
            case "cloudkms.googleapis.com/ImportJob": inv.importJobs.append(.init(data, evidence: evidence, pointer: base + "resource.data", line: line))
            case "cloudkms.googleapis.com/EkmConnection": inv.ekmConnections.append(.init(data, evidence: evidence, pointer: base + "resource.data", line: line))
            case "cloudkms.googleapis.com/KeyHandle": inv.keyHandles.append(.init(data, evidence: evidence, pointer: base + "resource.data", line: line))
            case "orgpolicy.googleapis.com/Policy": inv.orgPolicies.append(.init(data, evidence: evidence, pointer: base + "resource.data", line: line))
            default:
                if GCPFacts.dataStoreKinds[type] != nil {
                    inv.dataStores.append(.init(assetType: type, item: .init(data, evidence: evidence, pointer: base + "resource.data", line: line),
                                                assetName: resourceName, ancestors: ancestors))
                }
            }
        }
        if let policy = v["iamPolicy"], case .object = policy {
            if type == "cloudresourcemanager.googleapis.com/Project", let projectID {
                inv.iamPolicies["projects/\(projectID)"] = .init(policy, evidence: evidence, pointer: base + "iamPolicy", line: line)
            } else if type.hasPrefix("cloudkms.googleapis.com/"), GCPResourceName(resourceName) != nil {
                inv.iamPolicies[resourceName] = .init(policy, evidence: evidence, pointer: base + "iamPolicy", line: line)
            }
        }
        // v1 organization policies (`--content-type=org-policy`): `orgPolicy[]` of `constraint` + `listPolicy`.
        for (i, p) in (v["orgPolicy"]?.asList ?? []).enumerated() {
            guard let constraint = p["constraint"]?.stringValue, GCPFacts.cmekConstraints.contains(constraint) else { continue }
            let list = p["listPolicy"]
            var rule: [String: JSONValue] = [:]
            var values: [String: JSONValue] = [:]
            if let d = list?["deniedValues"] { values["deniedValues"] = d }
            if let a = list?["allowedValues"] { values["allowedValues"] = a }
            if !values.isEmpty { rule["values"] = .object(values) }
            if list?["allValues"]?.stringValue == "DENY" { rule["denyAll"] = .bool(true) }
            if list?["allValues"]?.stringValue == "ALLOW" { rule["allowAll"] = .bool(true) }
            let scope = resourceName.hasPrefix("projects/") || resourceName.hasPrefix("folders/") || resourceName.hasPrefix("organizations/")
                ? resourceName : (ancestors.first ?? resourceName)
            let v2: JSONValue = .object([
                "name": .string("\(scope)/policies/\(constraint.dropFirst("constraints/".count))"),
                "spec": .object(["rules": .array([.object(rule)]), "inheritFromParent": .bool(list?["inheritFromParent"]?.boolValue ?? false)]),
            ])
            inv.orgPolicies.append(.init(v2, evidence: evidence, pointer: base + "orgPolicy[\(i)]", line: line))
        }
    }
}
