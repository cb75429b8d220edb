import Foundation
import Yams

/// The members of one check as written: its own mapping, on top of its template's when it is derived from one.
struct CheckMembers {
    /// The check's own mapping in its guideline's list; errors about the check as a whole point here.
    let entry: YAMLCursor
    /// Member mappings, the template's (expanded) first and the check's own last.
    let layers: [[String: YAMLCursor]]

    /// The member `key` as the check gives it, or else as its template does.
    subscript(key: String) -> YAMLCursor? { layers.last { $0[key] != nil }?[key] }

    /// Every layer's `key`, the template's first: `messages`, `parameters` and `examples` combine.
    func all(_ key: String) -> [YAMLCursor] { layers.compactMap { $0[key] } }
}

extension CatalogLoader {
    // MARK: checks

    static let aggregateKeys = ["where", "group_by", "min", "max", "when_absent"]

    static let checkKeys = ["id", "title", "rationale", "severity", "subject", "aggregate", "manual", "applicable",
                            "require", "when_unsupplied", "unless_supplied", "parameters", "messages", "examples"]

    /// Reads one entry of a guideline's `checks:` list: a check, or a check derived from a template (`template:`
    /// with `with:` values), which is expanded first (``CheckTemplate``).
    static func readCheck(_ c: YAMLCursor, guideline: String, templates: [TemplateDefinition]) throws -> Check {
        let own = try c.mapping(allowed: checkKeys + ["template", "with"], required: ["id", "title"])
        let id = try own["id"]!.nonEmptyString()
        guard let reference = own["template"] else {
            if let with = own["with"] {
                throw with.error("'with' sets the variables of a template, and check \(id) names none", fix: "add 'template: <name>', or remove 'with'")
            }
            return try readCheck(CheckMembers(entry: c, layers: [own]), id: id, guideline: guideline, template: nil)
        }
        let name = try reference.string()
        guard let template = templates.first(where: { $0.info.name == name }) else {
            throw reference.error("there is no template '\(name)'",
                                  fix: templates.isEmpty ? "define it under 'templates:'" : "use one of \(templates.map(\.info.name).joined(separator: ", "))")
        }
        do {
            let expanded = try template.expand(for: own, entry: c, guideline: guideline)
            return try readCheck(CheckMembers(entry: c, layers: [expanded, own]), id: id, guideline: guideline, template: name)
        } catch CEKAuditError.invalidInput(let file, let line, let column, let message, let fix) where template.contains(file: file, line: line) {
            // A mistake in the template's text: said where it is written, and for which check it showed.
            throw CEKAuditError.invalidInput(file: file, line: line, column: column,
                                             message: "\(message) (template \(name), expanded for check \(id) at \(c.file):\(c.line ?? 0))", fix: fix)
        }
    }

    /// Reads a check from its members (its own mapping, on top of its template's when it is derived from one).
    static func readCheck(_ m: CheckMembers, id: String, guideline: String, template: String?) throws -> Check {
        let c = m.entry
        guard let severityCursor = m["severity"] else {
            throw c.error("check \(id) has no 'severity'", fix: "add 'severity:' (\(Severity.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let severity = Severity(rawValue: try severityCursor.string()) else {
            throw severityCursor.error("unknown severity", fix: "use one of \(Severity.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var parameters: [String: FactValue] = [:]
        var parameterCursors: [String: YAMLCursor] = [:]
        for p in m.all("parameters") {
            guard case .mapping(let pm) = p.node else { throw p.error("parameters must be a mapping of name: default") }
            for (k, v) in pm {
                guard let name = k.string else { continue }
                let cursor = YAMLCursor(node: v, file: p.file, path: "\(p.path).\(name)")
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
        var messageCursors: [Verdict: YAMLCursor] = [:]
        for msgs in m.all("messages") {
            let mm = try msgs.mapping(allowed: ["pass", "fail", "not_applicable", "inconclusive", "manual"])
            for (k, v) in mm {
                if let verdict = Verdict(rawValue: k) {
                    messages[verdict] = try v.string()
                    messageCursors[verdict] = v
                }
            }
        }
        var check = Check(id: id, guideline: guideline, title: try m["title"]!.nonEmptyString(),
                          rationale: try m["rationale"]?.string(), severity: severity, kind: kind,
                          applicable: applicable, require: require, whenAbsent: whenAbsent, parameters: parameters, messages: messages,
                          examples: [], source: c.file, line: c.line, template: template)
        check.dayCountParameters = dayCounts
        if let w = m["when_unsupplied"] {
            if case .manual = check.kind { throw w.error("when_unsupplied does not apply to manual checks") }
            guard try w.string() == "not_applicable" else {
                throw w.error("when_unsupplied must be not_applicable", fix: "leave it out for the default (inconclusive)")
            }
            check.whenUnsupplied = .notApplicable
        }
        if let u = m["unless_supplied"] {
            guard let t = ResourceType(rawValue: try u.string()) else {
                throw u.error("unknown resource type", fix: "use one of \(ResourceType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            check.unlessSupplied = t
        }
        try validatePlaceholders(check, cursors: messageCursors)
        check.examples = try m.all("examples").flatMap { try $0.list() }.map { try readExample($0, check: check) }
        if check.subject != nil && check.examples.isEmpty {
            throw c.error("check \(id) has no examples", fix: "add at least one pass and one fail example; they are its tests")
        }
        return check
    }

    /// Placeholders an aggregate message may use besides parameters.
    static let aggregatePlaceholders: Set<String> = ["count", "undecided", "min", "max", "group", "matched", "total"]

    /// Every `{placeholder}` in a message must be a fact field of the subject, `param.<declared>`, or (aggregates)
    /// one of ``aggregatePlaceholders``; a typo would otherwise print in every report.
    /// - Parameter cursors: where each message is written, for the error.
    static func validatePlaceholders(_ check: Check, cursors: [Verdict: YAMLCursor]) throws {
        for (verdict, template) in check.messages.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            guard let cursor = cursors[verdict] else { continue }
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
                            expect: expect, source: c.file, line: c.line)
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
}
