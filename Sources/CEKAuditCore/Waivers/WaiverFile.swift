import Foundation

/// The waiver file (`waivers.yaml`, schema version 1), named by `waivers:` in `audit.yaml` or by `--waivers FILE`.
///
/// ```yaml
/// schema_version: 1
/// waivers:
///   - id: W-001
///     check: CEK08-CCM3-DATA-STORE-CMK        # a check id, or a guideline id (AG-3) for all its checks
///     resource: aws_db_instance.feature_*     # or tag: {env: sandbox}, or tenant: tenant-b (exactly one)
///     justification: The engine version in use cannot take a customer-managed key.
///     compensating_control: Snapshots are copied under a customer-managed key nightly.
///     approver: security-architecture@example.com
///     ticket: SEC-1234
///     created: 2026-09-01
///     expires: 2027-03-01                      # required
///     warn_days: 30                            # optional
/// ```
/// The loader is strict: unknown keys, wrong types, a missing `expires`, zero or two selectors, duplicate ids and
/// unparsable dates are errors with file, line and column.
public enum WaiverFile {
    public static let supportedSchemaVersion = 1

    static let entryKeys = ["id", "check", "resource", "tag", "tenant", "justification", "compensating_control", "approver",
                            "ticket", "created", "expires", "warn_days"]

    /// Loads and validates a waiver file.
    /// - Parameters:
    ///   - path: the file to read.
    ///   - locator: how reports name it (default: `path`).
    /// - Throws: ``CEKAuditError`` with file, line, column and fix.
    public static func load(path: String, locator: String? = nil) throws -> WaiverSet {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CEKAuditError.unreadable(file: path, detail: error.localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8), let node = try YAMLDocument.compose(text, file: path) else {
            throw CEKAuditError.invalidInput(file: path, line: 1, column: 1, message: "the waiver file is empty or not UTF-8",
                                             fix: "see examples/acme-ai-platform/waivers.yaml")
        }
        let m = try YAMLCursor(node: node, file: path).mapping(allowed: ["schema_version", "waivers"], required: ["schema_version", "waivers"])
        guard let versionCursor = m["schema_version"], let list = m["waivers"] else {
            throw CEKAuditError.invalidInput(file: path, line: 1, column: 1, message: "schema_version and waivers are required", fix: nil)
        }
        let version = try versionCursor.int()
        guard version == supportedSchemaVersion else {
            throw versionCursor.error("schema_version \(version) is not supported", fix: "use schema_version: \(supportedSchemaVersion)")
        }
        var seen: [String: Int] = [:]
        let waivers = try list.list().map { c -> Waiver in
            let e = try c.mapping(allowed: entryKeys, required: ["id", "check", "expires"])
            guard let idCursor = e["id"], let checkCursor = e["check"], let expiresCursor = e["expires"] else {
                throw c.error("a waiver needs id, check and expires")
            }
            let id = try idCursor.nonEmptyString()
            if let first = seen[id] { throw idCursor.error("waiver id '\(id)' is already used on line \(first)", fix: "give each waiver its own id") }
            seen[id] = idCursor.line ?? 0
            let selectors = ["resource", "tag", "tenant"].filter { e[$0] != nil }
            guard selectors.count == 1 else {
                throw c.error(selectors.isEmpty ? "waiver \(id) names no resources" : "waiver \(id) has \(selectors.joined(separator: " and ")); a waiver has one selector",
                              fix: "give exactly one of resource: <id, ARN or name; * allowed>, tag: {KEY: VALUE} or tenant: <tenant>")
            }
            let selector: Waiver.Selector
            if let r = e["resource"] {
                selector = .resource(try r.nonEmptyString())
            } else if let t = e["tag"] {
                guard case .mapping(let tm) = t.node, tm.count == 1, let pair = tm.first, let key = pair.key.string else {
                    throw t.error("tag is a mapping with one KEY: VALUE", fix: "write tag: {env: sandbox}")
                }
                selector = .tag(key: key, value: try YAMLCursor(node: pair.value, file: path, path: "\(t.path).\(key)").string())
            } else {
                selector = .tenant(try e["tenant"].map { try $0.nonEmptyString() } ?? "")
            }
            func date(_ key: String) throws -> Date? {
                guard let d = e[key] else { return nil }
                guard let value = DateParsing.parse(try d.string()) else {
                    throw d.error("\(key) is not a date", fix: "write a date (2027-03-01) or an RFC 3339 date-time")
                }
                return value
            }
            let created = try date("created")
            guard let expires = try date("expires") else { throw expiresCursor.error("expires is required") }
            if let created, created > expires { throw expiresCursor.error("waiver \(id) expires before it was created") }
            let warnDays = try e["warn_days"]?.int()
            if let cursor = e["warn_days"], let warnDays, warnDays < 0 { throw cursor.error("warn_days must not be negative") }
            return Waiver(id: id, check: try checkCursor.nonEmptyString(), selector: selector,
                          justification: try e["justification"]?.nonEmptyString(),
                          compensatingControl: try e["compensating_control"]?.nonEmptyString(),
                          approver: try e["approver"]?.nonEmptyString(), ticket: try e["ticket"]?.nonEmptyString(),
                          created: created, expires: expires, warnDays: warnDays, line: c.line)
        }
        return WaiverSet(source: locator ?? path, sha256: SHA256Hex.digest(data), size: data.count, waivers: waivers)
    }

    /// Checks every waiver's `check` against a catalog: it must be a check id or a guideline id.
    /// - Throws: ``CEKAuditError`` naming the file and the waiver's line.
    public static func validate(_ set: WaiverSet, against catalog: Catalog, file: String) throws {
        let checks = Set(catalog.checks.map(\.id)), guidelines = Set(catalog.guidelines.map(\.id))
        for w in set.waivers where !checks.contains(w.check) && !guidelines.contains(w.check) {
            let near = YAMLCursor.closest(w.check, in: Array(checks) + Array(guidelines))
            throw CEKAuditError.invalidInput(file: file, line: w.line, column: nil,
                                             message: "waiver \(w.id): '\(w.check)' is neither a check nor a guideline of \(catalog.control.id)",
                                             fix: near.map { "did you mean '\($0)'?" } ?? "see `cek-audit controls list`")
        }
    }
}
