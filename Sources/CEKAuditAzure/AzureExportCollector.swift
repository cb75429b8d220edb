import CEKAuditCollectorKit
import CEKAuditCore
import Foundation
import Logging

/// Reads Azure answers saved as files: management-plane exports (`az keyvault list|show`, `az keyvault key
/// list|show`, `az keyvault key rotation-policy show`, `az monitor diagnostic-settings list`, `az role assignment
/// list`, `az resource show`, data stores as `az storage account show` and the like, each `--output json`) and Azure
/// Resource Graph results (`az graph query` — `{"data": [...]}` — or its rows alone), the organization-wide evidence.
/// Everything is gathered into one ``AzureInventory`` per source and mapped by ``AzureFacts``.
///
/// Diagnostic settings are tied to their vault by their id (`<vault id>/providers/microsoft.insights/
/// diagnosticSettings/<name>`); an object of listings by vault id (`{"<vault id>": []}`) records a complete listing,
/// so a vault with an empty one has no diagnostic setting. A Resource Graph result is a complete listing of the
/// vaults it was asked for; a plain export is not.
public struct AzureExportCollector: EvidenceCollector {
    public static let name = "azure-export"
    public static let suppliedTypes: [ResourceType] = [.key, .keyStore, .auditTrail]
    public var kind: String { Self.name }
    public var input: CollectorInput { .batch }
    public var suppliedTypes: [ResourceType] { Self.suppliedTypes }
    public var reads: String { "Azure management-plane answers saved as JSON: `az keyvault list|show`, `az keyvault key list|show`, `az keyvault key rotation-policy show`, `az monitor diagnostic-settings list` (alone, or an object of listings by vault id), `az role assignment list`, data stores (storage, AI Services, Machine Learning, SQL TDE protectors, Cosmos DB, disk encryption sets, AKS), and Azure Resource Graph results (`az graph query`)." }
    public var example: String { "{path: azure/, kind: azure-export}" }

    public init() {}

    public func recognizes(_ probe: ContentProbe) -> Bool {
        guard let d = probe.document else { return false }
        return Self.recognizes(d.value)
    }

    static let types: Set<String> = ["microsoft.keyvault/vaults", "microsoft.keyvault/managedhsms", "microsoft.keyvault/vaults/keys",
                                     "microsoft.keyvault/managedhsms/keys", "microsoft.insights/diagnosticsettings",
                                     "microsoft.authorization/roleassignments"]

    /// Whether a JSON document is one of the shapes above.
    public static func recognizes(_ v: JSONValue) -> Bool {
        if isAzure(v) { return true }
        if case .array(let a) = v, let first = a.first { return isAzure(first) }
        if let data = v["data"], case .array(let rows) = data, v["totalRecords"] != nil || v["count"] != nil { return rows.first.map(isAzure) ?? true }
        if let value = v["value"], case .array(let a) = value, let first = a.first { return isAzure(first) }
        if case .object(let m) = v, !m.isEmpty, m.keys.allSatisfy({ $0.lowercased().contains("/providers/microsoft.keyvault/") }) { return true }
        return false
    }

    static func isAzure(_ v: JSONValue) -> Bool {
        if let t = v["type"]?.stringValue?.lowercased(), types.contains(t) || AzureFacts.dataStoreKinds[t] != nil, v["id"] != nil { return true }
        if let kid = (v["key"]?["kid"] ?? v["kid"])?.stringValue, AzureFacts.versionlessKeyURI(kid) != nil, v["attributes"] != nil { return true }
        if let id = v["id"]?.stringValue, id.lowercased().hasSuffix("/rotationpolicy"), v["lifetimeActions"] != nil { return true }
        if v["roleDefinitionName"] != nil, v["principalId"] != nil, v["scope"] != nil { return true }
        return false
    }

    public func collect(_ job: CollectionJob, context: CollectionContext, logger: Logger) async -> FactSet {
        var out = FactSet()
        var inventory = AzureInventory()
        for f in job.files.sorted(by: { $0.locator < $1.locator }) {
            guard let data = bytes(of: f, into: &out) else { continue }
            let item = EvidenceItem(collector: Self.name, locator: f.locator, kind: "azure-api-response", bytes: data, collectedAt: context.now)
            out.addEvidence(item, bytes: data)
            do {
                let v = try JSONValue.parse(data, source: f.locator)
                add(v, pointer: nil, evidence: item.id, locator: f.locator, into: &inventory, diagnostics: &out.diagnostics)
            } catch {
                out.diagnostics.append(Diagnostic(.error, source: f.locator, message: "not valid JSON: \(error.localizedDescription)",
                                                  fix: "export the answer again with --output json"))
                out.coverage.append(failedCoverage(f.locator, detail: "not valid JSON"))
            }
        }
        let resources = AzureFacts.resources(from: inventory)
        out.resources += resources
        var found: [String: Int] = [:]
        for r in resources { found[r.type.rawValue, default: 0] += 1 }
        let types = Set(resources.map(\.type)).union([.key])
        out.coverage.append(SourceCoverage(source: job.label, collector: Self.name, status: .complete, resourceTypes: types.sorted(),
                                           inventoryTypes: inventory.completeListing ? [.keyStore] : [], found: found))
        return out
    }

    func add(_ v: JSONValue, pointer: String?, evidence: String, locator: String, into inv: inout AzureInventory, diagnostics: inout [Diagnostic]) {
        func item(_ p: String?) -> AzureInventory.Item { .init(v, evidence: evidence, pointer: p) }
        func child(_ value: JSONValue, _ p: String) { add(value, pointer: (pointer.map { $0 + "." } ?? "") + p, evidence: evidence, locator: locator, into: &inv, diagnostics: &diagnostics) }
        switch v {
        case .array(let a):
            for (i, e) in a.enumerated() { child(e, "[\(i)]") }
            return
        case .object(let m):
            if let data = m["data"], case .array(let rows) = data, m["totalRecords"] != nil || m["count"] != nil {
                inv.completeListing = true   // a Resource Graph answer lists everything its query asked for
                for (i, e) in rows.enumerated() { child(e, "data[\(i)]") }
                return
            }
            if let value = m["value"], case .array(let rows) = value, m["id"] == nil {
                for (i, e) in rows.enumerated() { child(e, "value[\(i)]") }
                return
            }
            if !m.isEmpty, m.keys.allSatisfy({ $0.lowercased().contains("/providers/microsoft.keyvault/") }), m["id"] == nil {
                // Listings of diagnostic settings by vault id: each is complete.
                for (vault, listing) in m.sorted(by: { $0.key < $1.key }) {
                    inv.diagnosticListings.insert(vault.lowercased())
                    for (i, s) in listing.asList.enumerated() {
                        inv.diagnosticSettings[vault.lowercased(), default: []].append(.init(s, evidence: evidence, pointer: "\(vault)[\(i)]"))
                    }
                }
                return
            }
        default: break
        }
        let type = v["type"]?.stringValue?.lowercased() ?? ""
        switch type {
        case "microsoft.keyvault/vaults": inv.vaults.append(item(pointer))
        case "microsoft.keyvault/managedhsms": inv.managedHSMs.append(item(pointer))
        case "microsoft.keyvault/vaults/keys", "microsoft.keyvault/managedhsms/keys": inv.keys.append(item(pointer))
        case "microsoft.insights/diagnosticsettings":
            guard let id = v["id"]?.stringValue?.lowercased(), let r = id.range(of: "/providers/microsoft.insights/diagnosticsettings/") else {
                diagnostics.append(Diagnostic(.warning, source: locator, message: "\(pointer ?? "a diagnostic setting") has no id naming its resource; left out"))
                return
            }
            inv.diagnosticSettings[String(id[..<r.lowerBound]), default: []].append(item(pointer))
        case "microsoft.authorization/roleassignments": addRoleAssignment(v, item(pointer), into: &inv)
        default:
            if AzureFacts.dataStoreKinds[type] != nil { inv.dataStores.append(item(pointer)); return }
            if let kid = (v["key"]?["kid"] ?? v["kid"])?.stringValue, AzureFacts.versionlessKeyURI(kid) != nil { inv.keys.append(item(pointer)); return }
            if let id = v["id"]?.stringValue, id.lowercased().hasSuffix("/rotationpolicy"), let key = AzureFacts.versionlessKeyURI(String(id.dropLast("/rotationpolicy".count))) {
                inv.rotationPolicies[key] = item(pointer)
                return
            }
            if v["roleDefinitionName"] != nil, v["principalId"] != nil { addRoleAssignment(v, item(pointer), into: &inv); return }
            diagnostics.append(Diagnostic(.warning, source: locator, message: "\(pointer.map { $0 + ": " } ?? "")not an Azure answer this collector reads; left out"))
        }
    }

    /// A role assignment, and the subscription whose assignments it shows were exported.
    func addRoleAssignment(_ v: JSONValue, _ item: AzureInventory.Item, into inv: inout AzureInventory) {
        inv.roleAssignments.append(item)
        let scope = (v["properties"]?["scope"] ?? v["scope"] ?? v["id"])?.stringValue ?? ""
        if let s = AzureFacts.ARMID(scope)?.subscription { inv.roleAssignmentScopes.insert("/subscriptions/\(s.lowercased())") }
    }
}
