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
/// waivers: waivers.yaml                # optional waiver file (README, "Waivers")
/// sources:
///   - {path: terraform/plan.json, kind: terraform-plan, account: "111122223333", tenant: tenant-a}
///   - {path: policies/app.json, kind: key-policy, account: "111122223333", key: alias/app, key_manager: customer}
///   - {path: policies/, kind: auto}
/// ```
public struct AssessmentFile: Sendable, Hashable {
    /// Whether `text` is a Google Cloud project id (6–30 characters: lowercase letters, digits and hyphens, starting
    /// with a letter, not ending with a hyphen — Resource Manager `Project.projectId`). Project numbers are written
    /// with 12 digits, like AWS account ids, so a number of any other length stays an error (a mistyped account id).
    public static func isGoogleCloudProject(_ text: String) -> Bool {
        guard (6...30).contains(text.count), let first = text.first, first.isASCII, first.isLowercase, text.last != "-" else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
    }

    public static let supportedSchemaVersion = 1

    public struct Source: Sendable, Hashable {
        public var path: String
        /// `auto` (recognised by content), or a source kind of the collector registry (`cek-audit sources`).
        public var kind: String
        public var account: String?
        public var tenant: String?
        public var key: String?
        /// For a standalone key policy: `customer` or `aws`, the manager of the key it belongs to.
        public var keyManager: String?
        /// For an OpenBao / Vault audit log: the text the file audit device's `prefix` option puts before each line.
        public var linePrefix: String?
        /// The line of `line_prefix`, for error messages.
        public var linePrefixLine: Int?
        public var line: Int?
        /// For Terraform configurations (`terraform-hcl`): `.tfvars` / `.tfvars.json` files, relative to the
        /// assessment file's folder, applied after `terraform.tfvars` and `*.auto.tfvars` like `-var-file`.
        public var varFiles: [String] = []
        /// For a SQL engine's result (`log-query-result`): `format` (`csv` / `jsonl`), `engine` (`athena`, `trino`, `bigquery`)
        /// and `query` (the `.sql` file that produced it, relative to the assessment file's folder), as written.
        public var queryOptions: [String: String] = [:]
        /// The line of each of ``queryOptions``, for error messages.
        public var queryOptionLines: [String: Int] = [:]
    }

    /// A live target to probe through its API (`targets:` in the assessment file). Options are read by the
    /// target's collector, which reports unknown or malformed ones with their line.
    public struct Target: Sendable, Hashable {
        /// Collector kind: `aws-kms`, `openbao`, …
        public var kind: String
        /// Label used in evidence locators and reports.
        public var name: String
        /// Whether an unreachable target fails the run with exit status 69 (default true).
        public var required: Bool
        /// Whether the target is a sandbox that active probes (`cek-audit probe`, `assess --probe`) may create, use
        /// and delete keys in (`sandbox: true`; default false: never probed).
        public var sandbox: Bool = false
        /// Every other key of the entry, as fact values (strings, numbers, booleans, lists).
        public var options: [String: FactValue]
        /// The line of each option's value, for error messages.
        public var optionLines: [String: Int]
        public var line: Int?
        /// The assessment file the entry is in, for error messages.
        public var file: String

        public init(kind: String, name: String, required: Bool = true, options: [String: FactValue] = [:], line: Int? = nil,
                    file: String = "audit.yaml", optionLines: [String: Int] = [:]) {
            self.kind = kind
            self.name = name
            self.required = required
            self.options = options
            self.optionLines = optionLines
            self.line = line
            self.file = file
        }

        /// An error about this entry, naming the file and line.
        public func error(_ message: String, fix: String? = nil) -> CEKAuditError {
            .invalidInput(file: file, line: line, column: nil, message: "target \(name) (\(kind)): \(message)", fix: fix)
        }

        /// An error about one option, naming the line of its value (or of the entry when not known).
        public func error(option: String, _ message: String, fix: String? = nil) -> CEKAuditError {
            .invalidInput(file: file, line: optionLines[option] ?? line, column: nil,
                          message: "target \(name) (\(kind)): \(option): \(message)", fix: fix)
        }

        /// A string option.
        public func string(_ key: String) -> String? {
            if case .string(let s)? = options[key] { return s }
            if case .number? = options[key] { return options[key]?.displayText }
            return nil
        }

        /// A list-of-strings option (a single string is a one-element list).
        public func strings(_ key: String) -> [String]? {
            switch options[key] {
            case .string(let s)?: return [s]
            case .list(let l)?: return l.map(\.displayText)
            default: return nil
            }
        }
    }

    public var name: String
    public var description: String?
    public var asOf: Date?
    /// The assessment window for log evidence (`window: {start: …, end: …}`); `nil` when unbounded.
    public var window: ClosedRange<Date>?
    public var controls: String?
    public var trustedAccounts: [String]
    public var trustedOrganizations: [String]
    public var parameters: [String: FactValue]
    public var checkParameters: [String: [String: FactValue]]
    /// Where each value of `parameters` is written, for errors found against the catalog.
    public var parameterPositions: [String: Position] = [:]
    /// Where each value of `checks` is written, per check id and parameter.
    public var checkParameterPositions: [String: [String: Position]] = [:]
    public var sources: [Source]
    public var targets: [Target]
    /// The waiver file as written (relative to the assessment file's folder unless absolute), if any.
    public var waivers: String? = nil
    /// The line of `waivers:`, for error messages.
    public var waiversLine: Int? = nil

    /// A place in the assessment file (1-based line and column).
    public struct Position: Sendable, Hashable {
        /// 1-based line of the value, when the YAML parser recorded it.
        public var line: Int?
        /// 1-based column (Unicode scalars) of the value, when recorded.
        public var column: Int?
    }

    /// Loads and validates an assessment file.
    /// - Parameters:
    ///   - sourceKinds: the source kinds `sources:` may name besides `auto` (the collector registry's).
    ///   - requireInputs: whether the file must name a source or target (`false` for a file that only gives settings,
    ///     as `evaluate --assessment` takes).
    /// - Throws: ``CEKAuditError`` with file, line, column and fix.
    public static func load(path: String, sourceKinds: [String], requireInputs: Bool = true) throws -> AssessmentFile {
        let sourceKinds = ["auto"] + sourceKinds
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CEKAuditError.cannotRead(path, FileProblem.reading(path, error: error))
        }
        let text = try TextPosition.utf8Text(data, file: path)
        guard let node = try YAMLDocument.compose(text, file: path) else {
            throw CEKAuditError.invalidInput(file: path, line: 1, column: 1, message: "the assessment file is empty",
                                             fix: "see examples/acme-ai-platform/audit.yaml")
        }
        let m = try YAMLCursor(node: node, file: path).mapping(
            allowed: ["schema_version", "name", "description", "as_of", "window", "controls", "trusted_accounts", "trusted_organizations",
                      "parameters", "checks", "sources", "targets", "waivers"],
            required: ["schema_version", "name"])
        let version = try m["schema_version"]!.int()
        guard version == supportedSchemaVersion else {
            throw m["schema_version"]!.error("schema_version \(version) is not supported", fix: "use schema_version: \(supportedSchemaVersion)")
        }
        let name = try m["name"]!.nonEmptyString()
        guard name.range(of: #"^[A-Za-z0-9][A-Za-z0-9._-]*$"#, options: .regularExpression) != nil else {
            throw m["name"]!.error("name '\(name)' cannot be used as a folder name", fix: "use letters, digits, '.', '_' and '-'")
        }
        let asOf = try m["as_of"]?.date()
        var window: ClosedRange<Date>?
        if let w = m["window"] {
            let wm = try w.mapping(allowed: ["start", "end"], required: ["start", "end"])
            let start = try wm["start"]!.date(), end = try wm["end"]!.date()
            guard start <= end else { throw w.error("the window starts after it ends") }
            window = start...end
        }
        /// A `name: value` mapping of parameters, each value checked on its own (finite; day counts by name).
        func paramMap(_ c: YAMLCursor) throws -> (values: [String: FactValue], positions: [String: Position]) {
            guard case .mapping(let pm) = c.node else { throw c.error("expected a mapping of parameter: value") }
            var values: [String: FactValue] = [:], positions: [String: Position] = [:]
            for (k, v) in pm {
                guard let key = k.string else { continue }
                let cursor = YAMLCursor(node: v, file: path, path: "\(c.path).\(key)")
                let value = try cursor.factValue()
                if let problem = ParameterRules.problem(name: key, value: value, dayCount: ParameterRules.isDayCountName(key)) {
                    throw cursor.error(problem, fix: ParameterRules.isDayCountName(key) ? "write a whole number of days, such as 365" : "write a finite number")
                }
                values[key] = value
                positions[key] = Position(line: cursor.line, column: cursor.column)
            }
            return (values, positions)
        }
        var checks: [String: [String: FactValue]] = [:]
        var checkPositions: [String: [String: Position]] = [:]
        if let c = m["checks"] {
            guard case .mapping(let cm) = c.node else { throw c.error("expected a mapping of check id: {parameter: value}") }
            for (k, v) in cm {
                guard let id = k.string else { continue }
                (checks[id], checkPositions[id]) = try paramMap(YAMLCursor(node: v, file: path, path: "checks.\(id)"))
            }
        }
        let globals = try m["parameters"].map(paramMap)
        let accounts = try m["trusted_accounts"]?.stringList() ?? []
        for (i, a) in accounts.enumerated() where !(a.count == 12 && a.allSatisfy(\.isNumber)) && !Self.isGoogleCloudProject(a) {
            throw (try m["trusted_accounts"]!.list())[i].error("'\(a)' is neither a 12-digit AWS account id nor a Google Cloud project id or number",
                                                               fix: "quote an AWS account id: \"111122223333\"; a project id is 6–30 lowercase letters, digits and hyphens, starting with a letter")
        }
        let sources = try (m["sources"]?.list() ?? []).map { c -> Source in
            let s = try c.mapping(allowed: ["path", "kind", "account", "tenant", "key", "key_manager", "line_prefix", "var_files",
                                                 "format", "engine", "query"], required: ["path"])
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
            let linePrefix = try s["line_prefix"]?.nonEmptyString()
            var source = Source(path: try s["path"]!.nonEmptyString(), kind: kind, account: account, tenant: try s["tenant"]?.string(),
                                key: try s["key"]?.string(), keyManager: keyManager, linePrefix: linePrefix, linePrefixLine: s["line_prefix"]?.line, line: c.line)
            source.varFiles = try s["var_files"]?.stringList() ?? []
            for option in ["format", "engine", "query"] {
                guard let value = s[option] else { continue }
                source.queryOptions[option] = try value.nonEmptyString()
                source.queryOptionLines[option] = value.line
            }
            return source
        }
        let targets = try (m["targets"]?.list() ?? []).enumerated().map { index, c -> Target in
            guard case .mapping(let tm) = c.node else { throw c.error("a target is a mapping with at least 'kind'") }
            var kind: String?
            var name: String?
            var required = true
            var sandbox = false
            var options: [String: FactValue] = [:]
            var optionLines: [String: Int] = [:]
            for (k, v) in tm {
                guard let key = k.string else { continue }
                let value = YAMLCursor(node: v, file: path, path: "\(c.path).\(key)")
                switch key {
                case "kind": kind = try value.nonEmptyString()
                case "name": name = try value.nonEmptyString()
                case "required": required = try value.bool()
                case "sandbox": sandbox = try value.bool()
                default:
                    options[key] = try value.factValue()
                    optionLines[key] = value.line
                }
            }
            guard let kind else { throw c.error("a target needs 'kind'", fix: "for example kind: aws-kms") }
            var target = Target(kind: kind, name: name ?? "\(kind)-\(index + 1)", required: required, options: options, line: c.line,
                                file: path, optionLines: optionLines)
            target.sandbox = sandbox
            return target
        }
        // Target names are unit ids of shards and prefixes of member names (`org/111122223333`): unique, and without
        // the `/` that separates a target from its members.
        var seenNames: [String: Int] = [:]
        for (i, t) in targets.enumerated() {
            let c = try m["targets"]!.list()[i]
            if t.name.contains("/") {
                throw c.error("target name \(JSONValue.quote(t.name)) contains '/', which separates a target from its members (org/111122223333)",
                              fix: "name it without '/', for example \(t.name.replacingOccurrences(of: "/", with: "-"))")
            }
            if let first = seenNames[t.name] {
                throw c.error("target name \(JSONValue.quote(t.name)) is used twice (also on line \(first))",
                              fix: "give each target a name of its own (name: …)")
            }
            seenNames[t.name] = t.line
        }
        if requireInputs && sources.isEmpty && targets.isEmpty {
            throw YAMLCursor(node: node, file: path).error("an assessment needs at least one source or target",
                                                            fix: "add a sources: list (or targets:) naming the evidence to read")
        }
        var file = AssessmentFile(name: name, description: try m["description"]?.string(), asOf: asOf, window: window,
                                  controls: try m["controls"]?.string(),
                                  trustedAccounts: accounts, trustedOrganizations: try m["trusted_organizations"]?.stringList() ?? [],
                                  parameters: globals?.values ?? [:], checkParameters: checks, sources: sources,
                                  targets: targets, waivers: try m["waivers"]?.nonEmptyString(), waiversLine: m["waivers"]?.line)
        file.parameterPositions = globals?.positions ?? [:]
        file.checkParameterPositions = checkPositions
        return file
    }

    /// Checks parameters against a catalog: unknown check ids or parameter names are errors, and so is a value whose
    /// type or range the parameter does not take (``ParameterRules``: the type of the catalog default, day counts
    /// for the parameters the catalog's checks read as days). Errors name `file:line:column` of the value.
    public func validate(against catalog: Catalog, file: String) throws {
        let known = Set(catalog.checks.flatMap { $0.parameters.keys })
        func fail(_ place: Position?, _ message: String, fix: String?) -> CEKAuditError {
            .invalidInput(file: file, line: place?.line, column: place?.column, message: message, fix: fix)
        }
        for p in parameters.keys.sorted() {
            guard known.contains(p) else {
                throw fail(parameterPositions[p], "parameters: no check has a parameter '\(p)'",
                           fix: "known parameters: \(known.sorted().joined(separator: ", "))")
            }
            // A global value applies to every check that has the parameter: it must suit each of them.
            for check in catalog.checks {
                guard let expected = check.parameters[p], let value = parameters[p] else { continue }
                if let problem = ParameterRules.problem(name: p, value: value, dayCount: check.dayCountParameters.contains(p), expected: expected) {
                    throw fail(parameterPositions[p], "parameters: \(problem) (check \(check.id))", fix: nil)
                }
            }
        }
        for (id, params) in checkParameters.sorted(by: { $0.key < $1.key }) {
            guard let check = catalog.checks.first(where: { $0.id == id }) else {
                throw CEKAuditError.invalidInput(file: file, line: nil, column: nil, message: "checks: no check has the id '\(id)'",
                                                 fix: "see `cek-audit controls list`")
            }
            for p in params.keys.sorted() {
                let place = checkParameterPositions[id]?[p]
                guard let expected = check.parameters[p] else {
                    throw fail(place, "checks.\(id): the check has no parameter '\(p)'",
                               fix: "its parameters: \(check.parameters.keys.sorted().joined(separator: ", "))")
                }
                if let value = params[p],
                   let problem = ParameterRules.problem(name: p, value: value, dayCount: check.dayCountParameters.contains(p), expected: expected) {
                    throw fail(place, "checks.\(id): \(problem)", fix: nil)
                }
            }
        }
    }
}
