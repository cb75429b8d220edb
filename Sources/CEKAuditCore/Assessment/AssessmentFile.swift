import Foundation

/// The assessment file (`audit.yaml`, schema version 1): what to assess and with which parameters.
///
/// ```yaml
/// schema_version: 1
/// name: acme-ai-platform
/// as_of: 2026-11-01T00:00:00Z        # optional reference time for freshness checks
/// trusted_accounts: ["111122223333"]
/// parameters: {max_rotation_days: 365}
/// checks: {CEK08-AG3-ROTATION-PERIOD: {max_rotation_days: 180}}
/// sources:
///   - {path: terraform/plan.json, kind: terraform-plan, account: "111122223333", tenant: tenant-a}
///   - {path: policies/app.json, kind: key-policy, account: "111122223333", key: alias/app, key_manager: customer}
///   - {path: policies/, kind: auto}
/// ```
public struct AssessmentFile: Sendable, Hashable {
    public static let supportedSchemaVersion = 1

    public struct Source: Sendable, Hashable {
        public var path: String
        /// `auto`, `cloudformation`, `terraform-plan`, `terraform-state`, `key-policy`.
        public var kind: String
        public var account: String?
        public var tenant: String?
        public var key: String?
        /// For a standalone key policy: `customer` or `aws`, the manager of the key it belongs to.
        public var keyManager: String?
        public var line: Int?
    }

    public var name: String
    public var description: String?
    public var asOf: Date?
    public var controls: String?
    public var trustedAccounts: [String]
    public var trustedOrganizations: [String]
    public var parameters: [String: FactValue]
    public var checkParameters: [String: [String: FactValue]]
    public var sources: [Source]

    /// Source kinds the loader accepts.
    public static let sourceKinds = ["auto", "cloudformation", "terraform-plan", "terraform-state", "key-policy"]

    /// Loads and validates an assessment file.
    /// - Throws: ``CEKAuditError`` with file, line, column and fix.
    public static func load(path: String) throws -> AssessmentFile {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CEKAuditError.unreadable(file: path, detail: error.localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8), let node = try YAMLDocument.compose(text, file: path) else {
            throw CEKAuditError.invalidInput(file: path, line: 1, column: 1, message: "the assessment file is empty or not UTF-8",
                                             fix: "see examples/acme-ai-platform/audit.yaml")
        }
        let m = try YAMLCursor(node: node, file: path).mapping(
            allowed: ["schema_version", "name", "description", "as_of", "controls", "trusted_accounts", "trusted_organizations",
                      "parameters", "checks", "sources"],
            required: ["schema_version", "name", "sources"])
        let version = try m["schema_version"]!.int()
        guard version == supportedSchemaVersion else {
            throw m["schema_version"]!.error("schema_version \(version) is not supported", fix: "use schema_version: \(supportedSchemaVersion)")
        }
        let name = try m["name"]!.nonEmptyString()
        guard name.range(of: #"^[A-Za-z0-9][A-Za-z0-9._-]*$"#, options: .regularExpression) != nil else {
            throw m["name"]!.error("name '\(name)' cannot be used as a folder name", fix: "use letters, digits, '.', '_' and '-'")
        }
        var asOf: Date?
        if let a = m["as_of"] {
            guard let d = DateParsing.parse(try a.string()) else { throw a.error("as_of is not an RFC 3339 date-time", fix: "write e.g. 2026-11-01T00:00:00Z") }
            asOf = d
        }
        func paramMap(_ c: YAMLCursor) throws -> [String: FactValue] {
            guard case .mapping(let pm) = c.node else { throw c.error("expected a mapping of parameter: value") }
            var out: [String: FactValue] = [:]
            for (k, v) in pm { if let key = k.string { out[key] = try YAMLCursor(node: v, file: path, path: "\(c.path).\(key)").factValue() } }
            return out
        }
        var checks: [String: [String: FactValue]] = [:]
        if let c = m["checks"] {
            guard case .mapping(let cm) = c.node else { throw c.error("expected a mapping of check id: {parameter: value}") }
            for (k, v) in cm { if let id = k.string { checks[id] = try paramMap(YAMLCursor(node: v, file: path, path: "checks.\(id)")) } }
        }
        let accounts = try m["trusted_accounts"]?.stringList() ?? []
        for (i, a) in accounts.enumerated() where !(a.count == 12 && a.allSatisfy(\.isNumber)) {
            throw (try m["trusted_accounts"]!.list())[i].error("'\(a)' is not a 12-digit AWS account id", fix: "quote it: \"111122223333\"")
        }
        let sources = try m["sources"]!.list().map { c -> Source in
            let s = try c.mapping(allowed: ["path", "kind", "account", "tenant", "key", "key_manager"], required: ["path"])
            let keyManager = try s["key_manager"]?.string()
            if let keyManager, !["customer", "aws"].contains(keyManager) {
                throw s["key_manager"]!.error("key_manager must be customer or aws")
            }
            let kind = try s["kind"]?.string() ?? "auto"
            guard sourceKinds.contains(kind) else {
                throw s["kind"]!.error("unknown source kind '\(kind)'", fix: "use one of \(sourceKinds.joined(separator: ", "))")
            }
            let account = try s["account"]?.string()
            if let account, !(account.count == 12 && account.allSatisfy(\.isNumber)) {
                throw s["account"]!.error("'\(account)' is not a 12-digit AWS account id", fix: "quote it: \"111122223333\"")
            }
            return Source(path: try s["path"]!.nonEmptyString(), kind: kind, account: account, tenant: try s["tenant"]?.string(),
                          key: try s["key"]?.string(), keyManager: keyManager, line: c.line)
        }
        if sources.isEmpty { throw m["sources"]!.error("an assessment needs at least one source") }
        return AssessmentFile(name: name, description: try m["description"]?.string(), asOf: asOf, controls: try m["controls"]?.string(),
                              trustedAccounts: accounts, trustedOrganizations: try m["trusted_organizations"]?.stringList() ?? [],
                              parameters: try m["parameters"].map(paramMap) ?? [:], checkParameters: checks, sources: sources)
    }

    /// Checks parameter and check references against a catalog: unknown check ids or parameter names are errors.
    public func validate(against catalog: Catalog, file: String) throws {
        let known = Set(catalog.checks.flatMap { $0.parameters.keys })
        for p in parameters.keys.sorted() where !known.contains(p) {
            throw CEKAuditError.invalidInput(file: file, line: nil, column: nil, message: "parameters: no check has a parameter '\(p)'",
                                             fix: "known parameters: \(known.sorted().joined(separator: ", "))")
        }
        for (id, params) in checkParameters.sorted(by: { $0.key < $1.key }) {
            guard let check = catalog.checks.first(where: { $0.id == id }) else {
                throw CEKAuditError.invalidInput(file: file, line: nil, column: nil, message: "checks: no check has the id '\(id)'",
                                                 fix: "see `cek-audit controls list`")
            }
            for p in params.keys.sorted() where check.parameters[p] == nil {
                throw CEKAuditError.invalidInput(file: file, line: nil, column: nil, message: "checks.\(id): the check has no parameter '\(p)'",
                                                 fix: "its parameters: \(check.parameters.keys.sorted().joined(separator: ", "))")
            }
        }
    }
}
