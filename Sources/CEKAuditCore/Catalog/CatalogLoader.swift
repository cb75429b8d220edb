import Foundation
import Yams

/// Loads and validates a control catalog (`Controls/CEK-08.yaml`, schema version 1).
///
/// Strict: unknown keys, wrong types, duplicate ids, dangling references (CAIQ → guideline, condition →
/// parameter, condition → fact field) and malformed examples are errors with `file:line:column` and a fix.
/// The document is untrusted input and goes through ``YAMLDocument/compose(_:file:)`` (size and alias limits).
public enum CatalogLoader {
    /// Loads the catalog at `path`.
    /// - Throws: ``CEKAuditError`` naming the file, line, column and fix.
    public static func load(path: String) throws -> Catalog {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CEKAuditError.cannotRead(path, FileProblem.reading(path, error: error))
        }
        return try load(data: data, source: path)
    }

    /// Loads a catalog from bytes; `source` names it in errors.
    public static func load(data: Data, source: String) throws -> Catalog {
        let text = try TextPosition.utf8Text(data, file: source)
        guard let node = try YAMLDocument.compose(text, file: source) else {
            throw CEKAuditError.invalidInput(file: source, line: 1, column: 1, message: "the catalog is empty", fix: "see Controls/CEK-08.yaml for the shape")
        }
        let root = try YAMLCursor(node: node, file: source).mapping(
            allowed: ["schema_version", "control", "guidelines", "caiq"],
            required: ["schema_version", "control", "guidelines", "caiq"])
        let version = try root["schema_version"]!.int()
        guard version == Catalog.supportedSchemaVersion else {
            throw root["schema_version"]!.error("schema_version \(version) is not supported",
                                                fix: "this build reads schema_version \(Catalog.supportedSchemaVersion)")
        }
        let control = try readControl(root["control"]!)
        var guidelines: [Guideline] = []
        var checkIDs: [String: Int?] = [:]
        for cursor in try root["guidelines"]!.list() {
            let g = try readGuideline(cursor)
            if guidelines.contains(where: { $0.id == g.id }) { throw cursor.error("duplicate guideline id '\(g.id)'") }
            for check in g.checks {
                if checkIDs[check.id] != nil {
                    throw CEKAuditError.invalidInput(file: source, line: check.line, column: nil,
                                                     message: "duplicate check id '\(check.id)'", fix: "give each check its own id")
                }
                checkIDs[check.id] = check.line
            }
            guidelines.append(g)
        }
        var caiq: [CAIQQuestion] = []
        for cursor in try root["caiq"]!.list() {
            let q = try readQuestion(cursor)
            for ref in q.requires + q.supports where !guidelines.contains(where: { $0.id == ref }) && checkIDs[ref] == nil {
                throw cursor.error("question \(q.id) refers to '\(ref)', which is neither a guideline nor a check of the catalog",
                                   fix: "use a guideline id (\(guidelines.map(\.id).joined(separator: ", "))) or a check id")
            }
            caiq.append(q)
        }
        return Catalog(schemaVersion: version, source: source, sha256: SHA256Hex.digest(data), control: control,
                       guidelines: guidelines, caiq: caiq)
    }

    // MARK: control

    static func readControl(_ c: YAMLCursor) throws -> ControlInfo {
        let m = try c.mapping(allowed: ["id", "domain", "title", "framework", "version_notes", "statement", "ownership",
                                        "threats", "architecture", "lifecycle", "mappings", "implementation_guidelines"],
                              required: ["id", "domain", "title", "framework", "statement"])
        let domain = try m["domain"]!.mapping(allowed: ["id", "title"], required: ["id", "title"])
        let fw = try m["framework"]!.mapping(allowed: ["name", "short_name", "version"], required: ["name", "short_name", "version"])
        return ControlInfo(
            id: try m["id"]!.nonEmptyString(),
            domainID: try domain["id"]!.string(), domainTitle: try domain["title"]!.string(),
            title: try m["title"]!.nonEmptyString(),
            framework: .init(name: try fw["name"]!.string(), shortName: try fw["short_name"]!.string(), version: try fw["version"]!.string()),
            versionNotes: try (m["version_notes"]?.list() ?? []).map {
                let v = try $0.mapping(allowed: ["version", "title", "note"], required: ["version", "note"])
                return .init(version: try v["version"]!.string(), title: try v["title"]?.string(), note: try v["note"]!.string())
            },
            statement: try m["statement"]!.nonEmptyString(),
            ownership: try (m["ownership"]?.list() ?? []).map {
                let o = try $0.mapping(allowed: ["actor", "owner", "summary"], required: ["actor", "owner", "summary"])
                return .init(actor: try o["actor"]!.string(), owner: try o["owner"]!.string(), summary: try o["summary"]!.string())
            },
            threats: try m["threats"]?.stringList() ?? [],
            architecture: try m["architecture"]?.stringList() ?? [],
            lifecycle: try (m["lifecycle"]?.list() ?? []).map {
                let l = try $0.mapping(allowed: ["phase", "relevance"], required: ["phase", "relevance"])
                return .init(phase: try l["phase"]!.string(), relevance: try l["relevance"]!.string())
            },
            mappings: try (m["mappings"]?.list() ?? []).map {
                let x = try $0.mapping(allowed: ["standard", "gap", "references", "note"], required: ["standard", "gap"])
                let gap = try x["gap"]!.string()
                guard ["none", "partial", "full"].contains(gap) else { throw x["gap"]!.error("gap must be none, partial or full") }
                return .init(standard: try x["standard"]!.string(), gap: gap, references: try x["references"]?.stringList() ?? [],
                             note: try x["note"]?.string() ?? "")
            },
            implementationGuidelines: try (m["implementation_guidelines"]?.list() ?? []).map {
                let i = try $0.mapping(allowed: ["id", "text"], required: ["id", "text"])
                return .init(id: try i["id"]!.string(), text: try i["text"]!.string())
            })
    }

    // MARK: guidelines and checks

    static func readGuideline(_ c: YAMLCursor) throws -> Guideline {
        let m = try c.mapping(allowed: ["id", "origin", "number", "title", "text", "procedure", "checks"],
                              required: ["id", "origin", "number", "title", "text"])
        let id = try m["id"]!.nonEmptyString()
        let origin = try m["origin"]!.string()
        let number = try m["number"]!.int()
        let prefix: String
        switch origin {
        case "aicm": prefix = "AG-"
        case "ccm": prefix = "CCM-"
        default: throw m["origin"]!.error("origin must be 'aicm' or 'ccm'")
        }
        guard id == "\(prefix)\(number)" else {
            throw m["id"]!.error("guideline id '\(id)' does not match origin \(origin) and number \(number)",
                                 fix: "use '\(prefix)\(number)' so ids and numbering stay exact")
        }
        let checks = try (m["checks"]?.list() ?? []).map { try readCheck($0, guideline: id) }
        let procedure = try m["procedure"]?.string()
        if checks.isEmpty && procedure == nil {
            throw c.error("guideline \(id) has neither checks nor a procedure", fix: "add 'procedure:' for the manual steps")
        }
        return Guideline(id: id, origin: origin, number: number, title: try m["title"]!.nonEmptyString(),
                         text: try m["text"]!.nonEmptyString(), procedure: procedure, checks: checks, line: c.line)
    }

    static let aggregateKeys = ["where", "group_by", "min", "max", "when_absent"]

    static let checkKeys = ["id", "title", "rationale", "severity", "subject", "aggregate", "manual", "applicable",
                            "require", "when_unsupplied", "parameters", "messages", "examples"]

    static func readCheck(_ c: YAMLCursor, guideline: String) throws -> Check {
        let m = try c.mapping(allowed: checkKeys, required: ["id", "title", "severity"])
        let id = try m["id"]!.nonEmptyString()
        guard let severity = Severity(rawValue: try m["severity"]!.string()) else {
            throw m["severity"]!.error("unknown severity", fix: "use one of \(Severity.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var parameters: [String: FactValue] = [:]
        var parameterCursors: [String: YAMLCursor] = [:]
        if let p = m["parameters"] {
            guard case .mapping(let pm) = p.node else { throw p.error("parameters must be a mapping of name: default") }
            for (k, v) in pm {
                guard let name = k.string else { continue }
                let cursor = YAMLCursor(node: v, file: c.file, path: "\(p.path).\(name)")
                parameters[name] = try cursor.factValue()
                parameterCursors[name] = cursor
            }
        }

        let kind: Check.Kind
        var subject: ResourceType?
        if let s = m["subject"] {
            guard let t = ResourceType(rawValue: try s.string()) else {
                throw s.error("unknown subject", fix: "use one of \(ResourceType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            subject = t
        }
        var whenAbsent: Check.WhenAbsent?
        let procedure = try m["manual"].map { try $0.mapping(allowed: ["procedure"], required: ["procedure"])["procedure"]!.nonEmptyString() }
        let absentManual = try m["aggregate"].flatMap { agg -> YAMLCursor? in
            guard case .mapping = agg.node, let w = try agg.mapping(allowed: aggregateKeys)["when_absent"] else { return nil }
            let value = try w.string()
            guard value == "manual" else {
                throw w.error("unknown when_absent value '\(value)'", fix: "use 'manual' (or leave it out for the default)")
            }
            return w
        }
        if let absentManual {
            guard let procedure else {
                throw absentManual.error("manual needs the procedure an auditor follows while nothing is in scope",
                                         fix: "add 'manual: {procedure: …}' to check \(id)")
            }
            whenAbsent = .manual(procedure: procedure)
        }
        if let procedure, whenAbsent == nil {
            for key in ["aggregate", "subject", "applicable", "require"] where m[key] != nil {
                throw m[key]!.error("a manual check cannot have '\(key)'",
                                    fix: key == "aggregate" ? "add 'when_absent: manual' to the aggregate to keep the procedure until evidence is supplied" : nil)
            }
            kind = .manual(procedure: procedure)
        } else {
            guard let subject else { throw c.error("check \(id) needs 'subject' (or 'manual')") }
            if let agg = m["aggregate"] {
                let a = try agg.mapping(allowed: aggregateKeys)
                let whereCond = try a["where"].map { try readCondition($0, subject: subject) }
                let groupBy = try a["group_by"]?.string()
                if let g = groupBy, !FactSchema.knows(g, for: subject) {
                    throw a["group_by"]!.error("'\(g)' is not a fact field of \(subject.rawValue)")
                }
                let minO = try a["min"].map { try readOperand($0) }
                let maxO = try a["max"].map { try readOperand($0) }
                if minO == nil && maxO == nil { throw agg.error("an aggregate needs 'min', 'max' or both") }
                kind = .aggregate(subject: subject, where: whereCond, groupBy: groupBy, min: minO, max: maxO)
            } else {
                if m["require"] == nil { throw c.error("check \(id) needs 'require'") }
                kind = .resource(subject: subject)
            }
        }
        let applicable = try m["applicable"].map { try readCondition($0, subject: subject) }
        let require = try m["require"].map { try readCondition($0, subject: subject) }

        var referenced = (applicable?.parameters ?? []) + (require?.parameters ?? [])
        if case .aggregate(_, let w, _, let mn, let mx) = kind {
            referenced += (w?.parameters ?? []) + (mn?.parameters ?? []) + (mx?.parameters ?? [])
        }
        for p in referenced where parameters[p] == nil {
            throw c.error("check \(id) uses parameter '\(p)' without a default", fix: "add it under 'parameters:'")
        }
        var dayCounts = Set(parameters.keys.filter(ParameterRules.isDayCountName))
        for condition in [applicable, require].compactMap({ $0 }) { dayCounts.formUnion(condition.dayCountParameters) }
        if case .aggregate(_, let w, _, _, _) = kind, let w { dayCounts.formUnion(w.dayCountParameters) }
        for name in parameters.keys.sorted() {
            if let value = parameters[name], let cursor = parameterCursors[name],
               let problem = ParameterRules.problem(name: name, value: value, dayCount: dayCounts.contains(name)) {
                throw cursor.error(problem, fix: "write a finite number\(dayCounts.contains(name) ? " of days, such as 365" : "")")
            }
        }

        var messages: [Verdict: String] = [:]
        if let msgs = m["messages"] {
            let mm = try msgs.mapping(allowed: ["pass", "fail", "not_applicable", "inconclusive", "manual"])
            for (k, v) in mm { if let verdict = Verdict(rawValue: k) { messages[verdict] = try v.string() } }
        }
        var check = Check(id: id, guideline: guideline, title: try m["title"]!.nonEmptyString(),
                          rationale: try m["rationale"]?.string(), severity: severity, kind: kind,
                          applicable: applicable, require: require, whenAbsent: whenAbsent, parameters: parameters, messages: messages,
                          examples: [], line: c.line)
        check.dayCountParameters = dayCounts
        if let w = m["when_unsupplied"] {
            if case .manual = check.kind { throw w.error("when_unsupplied does not apply to manual checks") }
            guard try w.string() == "not_applicable" else {
                throw w.error("when_unsupplied must be not_applicable", fix: "leave it out for the default (inconclusive)")
            }
            check.whenUnsupplied = .notApplicable
        }
        try validatePlaceholders(check, cursor: m["messages"] ?? c)
        check.examples = try (m["examples"]?.list() ?? []).map { try readExample($0, check: check) }
        if check.subject != nil && check.examples.isEmpty {
            throw c.error("check \(id) has no examples", fix: "add at least one pass and one fail example; they are its tests")
        }
        return check
    }

    /// Placeholders an aggregate message may use besides parameters.
    static let aggregatePlaceholders: Set<String> = ["count", "undecided", "min", "max", "group", "matched", "total"]

    /// Every `{placeholder}` in a message must be a fact field of the subject, `param.<declared>`, or (aggregates)
    /// one of ``aggregatePlaceholders``; a typo would otherwise print in every report.
    static func validatePlaceholders(_ check: Check, cursor: YAMLCursor) throws {
        for (verdict, template) in check.messages.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            var rest = Substring(template)
            while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
                let name = String(rest[rest.index(after: open)..<close])
                rest = rest[rest.index(after: close)...]
                if name.hasPrefix("param.") {
                    if check.parameters[String(name.dropFirst(6))] == nil {
                        throw cursor.error("the \(verdict.rawValue) message of \(check.id) uses {\(name)}, which is not a parameter of the check")
                    }
                    continue
                }
                switch check.kind {
                case .aggregate: if aggregatePlaceholders.contains(name) && verdict != .manual { continue }
                case .resource(let subject): if FactSchema.knows(name, for: subject) { continue }
                case .manual: break
                }
                throw cursor.error("the \(verdict.rawValue) message of \(check.id) uses {\(name)}, which is not a fact field or placeholder here",
                                   fix: "see `cek-audit controls fields`; aggregates may use \(aggregatePlaceholders.sorted().joined(separator: ", ")) except in the manual message, shown while nothing is counted")
            }
        }
    }

    static func readExample(_ c: YAMLCursor, check: Check) throws -> CheckExample {
        let m = try c.mapping(allowed: ["name", "fact", "facts", "coverage", "parameters", "expect"], required: ["name", "expect"])
        guard let expect = Verdict(rawValue: try m["expect"]!.string()) else {
            throw m["expect"]!.error("unknown verdict", fix: "use one of \(Verdict.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        func fieldMap(_ f: YAMLCursor) throws -> [String: FactValue] {
            guard case .mapping(let fm) = f.node else { throw f.error("a fact is a mapping of field: value") }
            var out: [String: FactValue] = [:]
            for (k, v) in fm {
                guard let name = k.string else { continue }
                if let subject = check.subject, !FactSchema.knows(name, for: subject) {
                    throw YAMLCursor(node: k, file: c.file, path: f.path)
                        .error("'\(name)' is not a fact field of \(subject.rawValue)", fix: "see `cek-audit controls fields`")
                }
                out[name] = try YAMLCursor(node: v, file: c.file, path: "\(f.path).\(name)").factValue()
            }
            return out
        }
        var facts: [[String: FactValue]] = []
        if let f = m["fact"] { facts = [try fieldMap(f)] }
        if let fs = m["facts"] { facts += try fs.list().map(fieldMap) }
        var coverage = CheckExample.Coverage.complete
        if let cv = m["coverage"] {
            guard let v = CheckExample.Coverage(rawValue: try cv.string()) else { throw cv.error("coverage must be complete, declared, failed or none") }
            coverage = v
        }
        if case .resource = check.kind, facts.count != 1, !(facts.isEmpty && (coverage == .none || coverage == .failed)) {
            throw c.error("an example of a per-resource check takes exactly one 'fact' (or none, with coverage none or failed)")
        }
        var params: [String: FactValue] = [:]
        if let p = m["parameters"], case .mapping(let pm) = p.node {
            for (k, v) in pm {
                guard let name = k.string else { continue }
                guard let expected = check.parameters[name] else { throw p.error("the check has no parameter '\(name)'") }
                let cursor = YAMLCursor(node: v, file: c.file, path: "\(p.path).\(name)")
                let value = try cursor.factValue()
                if let problem = ParameterRules.problem(name: name, value: value, dayCount: check.dayCountParameters.contains(name),
                                                        expected: expected) {
                    throw cursor.error(problem)
                }
                params[name] = value
            }
        }
        return CheckExample(name: try m["name"]!.nonEmptyString(), facts: facts, coverage: coverage, parameters: params,
                            expect: expect, line: c.line)
    }

    // MARK: conditions

    static let operatorKeys = ComparisonOperator.allCases.map(\.rawValue)

    /// Reads a condition: `{all: [...]}`, `{any: [...]}`, `{not: cond}` or `{field: f, <operator>: operand}`.
    static func readCondition(_ c: YAMLCursor, subject: ResourceType?) throws -> Condition {
        guard case .mapping(let m) = c.node else {
            throw c.error("a condition is a mapping: all / any / not, or field plus an operator")
        }
        let keys: [String] = m.keys.compactMap { $0.string }
        if keys == ["all"] || keys == ["any"] {
            let parts = try YAMLCursor(node: m.values.first!, file: c.file, path: "\(c.path).\(keys[0])").list()
                .map { try readCondition($0, subject: subject) }
            if parts.isEmpty { throw c.error("'\(keys[0])' needs at least one condition") }
            return keys == ["all"] ? .all(parts) : .any(parts)
        }
        if keys == ["not"] {
            return .not(try readCondition(YAMLCursor(node: m.values.first!, file: c.file, path: "\(c.path).not"), subject: subject))
        }
        let mm = try c.mapping(allowed: ["field"] + operatorKeys, required: ["field"])
        let field = try mm["field"]!.nonEmptyString()
        if let subject, !FactSchema.knows(field, for: subject) {
            throw mm["field"]!.error("'\(field)' is not a fact field of \(subject.rawValue)",
                                     fix: "see `cek-audit controls fields \(subject.rawValue)` for the vocabulary")
        }
        let ops = mm.keys.filter { $0 != "field" }
        guard ops.count == 1, let opName = ops.first, let op = ComparisonOperator(rawValue: opName), let operandCursor = mm[opName] else {
            throw c.error("a comparison needs exactly one operator", fix: "use one of \(operatorKeys.joined(separator: ", "))")
        }
        let operand = try readOperand(operandCursor)
        if op == .in || op == .notIn, case .literal(let v) = operand, case .list = v {} else if op == .in || op == .notIn {
            if case .param = operand {} else { throw operandCursor.error("'\(opName)' takes a list") }
        }
        return .compare(field: field, op: op, operand: operand)
    }

    /// Reads an operand: a literal, `{param: name}`, `{days_ago: N}`, `{days_ahead: N}` or `{now: true}`.
    static func readOperand(_ c: YAMLCursor) throws -> Operand {
        if case .mapping(let m) = c.node, let key = m.keys.first?.string, m.count == 1,
           ["param", "days_ago", "days_ahead", "now"].contains(key) {
            let inner = YAMLCursor(node: m.values.first!, file: c.file, path: "\(c.path).\(key)")
            switch key {
            case "param": return .param(try inner.nonEmptyString())
            case "days_ago": return .daysAgo(try readOperand(inner))
            case "days_ahead": return .daysAhead(try readOperand(inner))
            default: return .now
            }
        }
        return .literal(try c.factValue())
    }

    // MARK: CAIQ

    static func readQuestion(_ c: YAMLCursor) throws -> CAIQQuestion {
        let m = try c.mapping(allowed: ["id", "question", "requires", "supports", "ownership"],
                              required: ["id", "question", "requires", "ownership"])
        let id = try m["id"]!.nonEmptyString()
        guard id.range(of: #"^[A-Z&]{2,4}-\d+\.\d+$"#, options: .regularExpression) != nil else {
            throw m["id"]!.error("'\(id)' is not a CAIQ question id", fix: "use the form CEK-08.1")
        }
        let requires = try m["requires"]!.stringList()
        if requires.isEmpty { throw m["requires"]!.error("a question needs at least one guideline it derives from") }
        return CAIQQuestion(id: id, question: try m["question"]!.nonEmptyString(), requires: requires,
                            supports: try m["supports"]?.stringList() ?? [], ownership: try m["ownership"]!.string(),
                            line: c.line)
    }
}
