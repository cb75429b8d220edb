import Foundation

/// Evaluates a catalog's checks on a fact set. Pure: no I/O, no clock of its own (the assessment time is an input).
///
/// Per-resource checks give one result per resource of their subject type; aggregate checks give one result
/// (or one per group). A source that failed to supply a subject type adds an inconclusive result to every check
/// over that type, and an aggregate can only pass on evidence actually found (DESIGN.md, "Verdicts").
public struct RulesEngine: Sendable {
    public let catalog: Catalog
    /// Parameter overrides by name, applied to every check that declares the parameter.
    public let globalParameters: [String: FactValue]
    /// Parameter overrides per check id.
    public let checkParameters: [String: [String: FactValue]]
    /// The assessment time.
    public let now: Date

    public init(catalog: Catalog, globalParameters: [String: FactValue] = [:],
                checkParameters: [String: [String: FactValue]] = [:], now: Date) {
        self.catalog = catalog
        self.globalParameters = globalParameters
        self.checkParameters = checkParameters
        self.now = now
    }

    /// The parameter values a check runs with: its defaults, then global overrides, then per-check overrides.
    public func parameters(for check: Check) -> [String: FactValue] {
        var p = check.parameters
        for (k, v) in globalParameters where p[k] != nil { p[k] = v }
        for (k, v) in checkParameters[check.id] ?? [:] { p[k] = v }
        return p
    }

    /// Every result of every check, in catalog order, then subject id order. Results with equal reasons share one
    /// copy of them (most results of a check give the same few reasons; at 10,000 keys, a copy per result was a
    /// large part of the results' memory), and a message that names its subject is held as a shared template and
    /// that name (``CheckResult/shareMessageTemplate(in:)``; the same text).
    public func evaluate(_ facts: FactSet) -> [CheckResult] {
        var out: [CheckResult] = []
        var shared: [[String]: [String]] = [:]
        var templates: [MessageTemplate: SharedMessageTemplate] = [:]
        for g in catalog.guidelines {
            if g.checks.isEmpty, let procedure = g.procedure {
                out.append(CheckResult(id: "\(g.id):manual", check: "\(g.id)-MANUAL", guideline: g.id, verdict: .manual,
                                       severity: .medium, subject: nil,
                                       message: "\(g.id) needs an auditor's review: \(procedure)",
                                       reasons: ["no automated evidence covers this guideline"], evidence: []))
                continue
            }
            for c in g.checks {
                var rs = evaluate(c, facts: facts)
                for i in rs.indices {
                    if let same = shared[rs[i].reasons] { rs[i].reasons = same } else { shared[rs[i].reasons] = rs[i].reasons }
                    rs[i].shareMessageTemplate(in: &templates)
                }
                out += rs
            }
        }
        return out
    }

    /// The results of one check.
    public func evaluate(_ check: Check, facts: FactSet, parameterOverrides: [String: FactValue] = [:]) -> [CheckResult] {
        var params = parameters(for: check)
        for (k, v) in parameterOverrides { params[k] = v }
        let context = EvaluationContext(parameters: params, now: now)
        if let other = check.unlessSupplied, case let sources = facts.sources(supplying: other), !sources.isEmpty {
            return [result(check, .notApplicable, subject: nil,
                           message: "\(check.title) does not apply: \(sources.map(\.source).joined(separator: ", ")) supplies \(other.displayName)s, from which the other checks of \(check.guideline) judge it.",
                           reasons: ["unless_supplied: \(other.rawValue)"], evidence: [])]
        }
        switch check.kind {
        case .manual(let procedure):
            return [result(check, .manual, subject: nil, message: render(check.messages[.manual] ?? "Needs an auditor's review: \(procedure)",
                                                                          resource: nil, context: context, extra: [:]),
                           reasons: ["this check needs an attestation or an auditor's procedure"], evidence: [])]
        case .resource(let subject):
            return evaluatePerResource(check, subject: subject, facts: facts, context: context)
        case .aggregate(let subject, let whereCond, let groupBy, let minO, let maxO):
            return evaluateAggregate(check, subject: subject, whereCond: whereCond, groupBy: groupBy, minO: minO, maxO: maxO,
                                     facts: facts, context: context)
        }
    }

    // MARK: per resource

    private func evaluatePerResource(_ check: Check, subject: ResourceType, facts: FactSet, context: EvaluationContext) -> [CheckResult] {
        var out: [CheckResult] = []
        let resources = facts.resources(of: subject)
        let failed = facts.failedSources(for: subject)
        if resources.isEmpty && failed.isEmpty {
            if facts.sources(supplying: subject).isEmpty, check.whenUnsupplied == .notApplicable {
                out.append(notAssessedResult(check, subject: subject))
            } else if facts.sources(supplying: subject).isEmpty {
                out.append(noSourceResult(check, subject: subject))
            } else {
                out.append(result(check, .notApplicable, subject: nil,
                                  message: "No \(subject.displayName) was found in the collected sources, so \(check.id) has nothing to evaluate.",
                                  reasons: ["sources read: \(facts.sources(supplying: subject).map(\.source).joined(separator: ", "))"],
                                  evidence: []))
            }
        }
        for r in resources {
            out.append(evaluate(check, on: r, context: context))
        }
        for source in failed {
            out.append(failedSourceResult(check, subject: subject, source: source))
        }
        return out
    }

    /// The verdict of a per-resource check on one resource.
    public func evaluate(_ check: Check, on r: Resource, context: EvaluationContext) -> CheckResult {
        let ref = SubjectRef(type: r.type.rawValue, id: r.id, name: r.name)
        if let applicable = check.applicable {
            let a = applicable.evaluate(on: r, context: context)
            switch a.truth {
            case .false:
                let reasons = a.decisive.map(\.explanation)
                let msg = check.messages[.notApplicable] ?? "\(check.title) does not apply to \(r.type.displayName) {name}."
                return result(check, .notApplicable, subject: ref, message: render(msg, resource: r, context: context, extra: [:]),
                              reasons: reasons, evidence: r.provenance)
            case .unknown:
                return inconclusive(check, r, ref, a.decisive, context: context)
            case .true: break
            }
        }
        guard let require = check.require else {
            return result(check, .inconclusive, subject: ref, message: "Check \(check.id) has no requirement.", reasons: [], evidence: r.provenance)
        }
        let q = require.evaluate(on: r, context: context)
        switch q.truth {
        case .true:
            let msg = check.messages[.pass] ?? "\(r.type.displayName.capitalizedFirst) {name}: \(check.title.lowercasedFirst)."
            return result(check, .pass, subject: ref, message: render(msg, resource: r, context: context, extra: [:]),
                          reasons: q.decisive.map(\.explanation), evidence: r.provenance)
        case .false:
            let msg = check.messages[.fail] ?? "\(r.type.displayName.capitalizedFirst) {name} fails: \(check.title.lowercasedFirst)."
            return result(check, .fail, subject: ref, message: render(msg, resource: r, context: context, extra: [:]),
                          reasons: q.decisive.map(\.explanation), evidence: r.provenance)
        case .unknown:
            return inconclusive(check, r, ref, q.decisive, context: context)
        }
    }

    private func inconclusive(_ check: Check, _ r: Resource, _ ref: SubjectRef, _ leaves: [ConditionLeaf],
                              context: EvaluationContext) -> CheckResult {
        let unknownFields = leaves.filter { !$0.actual.isKnown }.map(\.field)
        let msg = check.messages[.inconclusive]
            ?? "\(check.title) could not be decided for \(r.type.displayName) {name}: \(unknownFields.isEmpty ? "a compared value has the wrong type" : "\(unknownFields.joined(separator: ", ")) unknown")."
        return result(check, .inconclusive, subject: ref, message: render(msg, resource: r, context: context, extra: [:]),
                      reasons: leaves.map(\.explanation), evidence: r.provenance)
    }

    // MARK: aggregate

    private func evaluateAggregate(_ check: Check, subject: ResourceType, whereCond: Condition?, groupBy: String?,
                                   minO: Operand?, maxO: Operand?, facts: FactSet, context: EvaluationContext) -> [CheckResult] {
        let resources = facts.resources(of: subject)
        let failed = facts.failedSources(for: subject)
        if case .manual(let procedure)? = check.whenAbsent, failed.isEmpty,
           !resources.contains(where: { r in whereCond.map { $0.evaluate(on: r, context: context).truth != .false } ?? true }) {
            return [absentManual(check, subject: subject, procedure: procedure, found: resources.count, facts: facts, context: context)]
        }
        if resources.isEmpty && failed.isEmpty && facts.sources(supplying: subject).isEmpty {
            if check.whenUnsupplied == .notApplicable { return [notAssessedResult(check, subject: subject)] }
            return [noSourceResult(check, subject: subject)]
        }
        var groups: [(String?, [Resource])] = []
        if let groupBy, !resources.isEmpty {
            var byKey: [String: [Resource]] = [:]
            for r in resources {
                let v = r.value(groupBy)
                byKey[v.isKnown ? v.displayText : "(\(groupBy) unknown)", default: []].append(r)
            }
            groups = byKey.keys.sorted().map { ($0, byKey[$0] ?? []) }
        } else {
            groups = [(nil, resources)]
        }
        return groups.map { group, members in
            var r = aggregate(check, subject: subject, group: group, groupBy: groupBy, members: members, whereCond: whereCond,
                              minO: minO, maxO: maxO, failed: failed, facts: facts, context: context)
            // Resources whose group is unknown cannot support a claim about any particular group.
            if let groupBy, members.contains(where: { !$0.value(groupBy).isKnown }), r.verdict == .pass {
                r.verdict = .inconclusive
                r.reasons.append("\(groupBy) is unknown for these \(subject.displayName)s, so the group they belong to is not known")
            }
            return r
        }
    }

    private func aggregate(_ check: Check, subject: ResourceType, group: String?, groupBy: String?, members: [Resource],
                           whereCond: Condition?, minO: Operand?, maxO: Operand?, failed: [SourceCoverage], facts: FactSet,
                           context: EvaluationContext) -> CheckResult {
        var matched: [Resource] = []
        var undecided: [(Resource, [ConditionLeaf])] = []
        // In scope (`where` holds) but failing the requirement: named in the reasons, so a failure says why.
        var rejected: [(Resource, [ConditionLeaf])] = []
        for r in members {
            let w = whereCond?.evaluate(on: r, context: context)
            let q = check.require?.evaluate(on: r, context: context)
            let parts = [w, q].compactMap { $0 }
            let truth = Truth.all(parts.map(\.truth))
            if truth == .true { matched.append(r) }
            if truth == .unknown { undecided.append((r, parts.filter { $0.truth == .unknown }.flatMap(\.decisive))) }
            if let q, q.truth == .false, (w?.truth ?? .true) == .true { rejected.append((r, q.decisive)) }
        }
        // A universal claim ("at least one", "at most N") is decided against absence only when a source lists the
        // subject completely; declared sources (templates, plans) are partial views.
        let incomplete = !failed.isEmpty || !facts.hasInventory(of: subject)
        let count = matched.count
        let minV = minO.flatMap { Condition.number($0.resolve(context)) }
        let maxV = maxO.flatMap { Condition.number($0.resolve(context)) }
        var parts: [Truth] = []
        if let minV {
            if Double(count) >= minV { parts.append(.true) } else if Double(count + undecided.count) >= minV || incomplete { parts.append(.unknown) } else { parts.append(.false) }
        }
        if let maxV {
            if Double(count) > maxV { parts.append(.false) } else if Double(count + undecided.count) <= maxV && !incomplete { parts.append(.true) } else { parts.append(.unknown) }
        }
        if (minO != nil && minV == nil) || (maxO != nil && maxV == nil) { parts.append(.unknown) }
        let truth = Truth.all(parts)
        let verdict: Verdict = truth == .true ? .pass : truth == .false ? .fail : .inconclusive

        let scope = group.map { " (\(groupBy ?? "group") \(Excerpt.clip($0)))" } ?? ""
        let names = matched.map { Excerpt.clip($0.name) }
        let extra: [String: String] = [
            "count": String(count), "undecided": String(undecided.count),
            "min": minV.map { FactValue.format($0) } ?? "-", "max": maxV.map { FactValue.format($0) } ?? "-",
            "group": group.map { Excerpt.clip($0) } ?? "all", "matched": names.isEmpty ? "none" : names.prefix(10).joined(separator: ", ") + (names.count > 10 ? ", …" : ""),
            "total": String(members.count),
        ]
        var reasons = ["\(count) of \(members.count) \(subject.displayName)s match\(scope)"]
        if let whereCond, check.require != nil {
            // Scope and requirement differ: count what is in scope, so "0 of 5 match" does not hide which were judged.
            let inScope = members.filter { whereCond.evaluate(on: $0, context: context).truth == .true }.count
            reasons = ["\(count) of the \(inScope) \(subject.displayName)(s) in scope\(scope) meet the requirement (\(members.count) read)"]
        }
        for (r, leaves) in rejected.prefix(10) {
            reasons.append("\(Excerpt.clip(r.name)) does not qualify: " + leaves.map(\.explanation).joined(separator: "; "))
        }
        for (r, leaves) in undecided.prefix(10) {
            reasons.append("\(Excerpt.clip(r.name)): " + leaves.filter { !$0.actual.isKnown }.map(\.explanation).joined(separator: "; "))
        }
        for s in failed { reasons.append("source \(Excerpt.clip(s.source)) could not be read: \(Excerpt.clip(s.detail ?? "error"))") }
        if failed.isEmpty && !facts.hasInventory(of: subject) && verdict == .inconclusive {
            reasons.append("the sources declare \(subject.displayName)s but none lists all of them (infrastructure code is not an inventory), so their absence elsewhere cannot be concluded")
        }
        let template = check.messages[verdict] ?? {
            switch verdict {
            case .pass: return "\(check.title)\(scope): {count} matching \(subject.displayName)(s): {matched}."
            case .fail: return "\(check.title)\(scope) is not met: {count} matching \(subject.displayName)(s) of {total}."
            default: return "\(check.title)\(scope) could not be decided: {count} matching, {undecided} undecided."
            }
        }()
        let ref = SubjectRef(type: subject.rawValue, id: group.map { "\(groupBy ?? "group")=\($0)" } ?? "*",
                             name: group ?? "all \(subject.displayName)s")
        let evidence = (verdict == .pass ? matched : members).prefix(50).flatMap(\.provenance)
        return result(check, verdict, subject: ref, message: render(template, resource: nil, context: context, extra: extra),
                      reasons: reasons, evidence: Array(evidence))
    }

    /// The result of an aggregate with `when_absent: manual` when nothing is in its scope: the procedure stands.
    private func absentManual(_ check: Check, subject: ResourceType, procedure: String, found: Int, facts: FactSet,
                              context: EvaluationContext) -> CheckResult {
        let sources = facts.sources(supplying: subject).map(\.source)
        let reason = sources.isEmpty
            ? "no source in this assessment supplies \(subject.displayName)s"
            : "none of the \(found) \(subject.displayName)(s) read from \(sources.joined(separator: ", ")) is in the scope of \(check.id)"
        return result(check, .manual, subject: nil,
                      message: render(check.messages[.manual] ?? "Needs an auditor's review: \(procedure)", resource: nil, context: context, extra: [:]),
                      reasons: [reason, "until one is supplied, an auditor follows the check's procedure"], evidence: [])
    }

    // MARK: helpers

    /// `when_unsupplied: not_applicable` and no source can describe the subject: not assessed, and saying so.
    private func notAssessedResult(_ check: Check, subject: ResourceType) -> CheckResult {
        result(check, .notApplicable, subject: nil,
               message: "No source in this assessment describes \(subject.displayName)s, so \(check.id) was not assessed.",
               reasons: ["\(subject.displayName)s are described only by some kinds of source; add one to assess them (see README, \"Sources\")"],
               evidence: [])
    }

    private func noSourceResult(_ check: Check, subject: ResourceType) -> CheckResult {
        result(check, .inconclusive, subject: nil,
               message: "No evidence source in this assessment supplies \(subject.displayName) facts, so \(check.id) could not be evaluated.",
               reasons: ["add a source that describes \(subject.displayName)s (see README, \"Sources\")"], evidence: [])
    }

    private func failedSourceResult(_ check: Check, subject: ResourceType, source: SourceCoverage) -> CheckResult {
        result(check, .inconclusive, subject: SubjectRef(type: "source", id: source.source, name: source.source),
               message: "Source \(Excerpt.clip(source.source)) could not be read, so any \(subject.displayName) it holds was not evaluated by \(check.id).",
               reasons: [source.detail ?? "collector error"], evidence: [])
    }

    /// A result. The finding id hashes the full subject id; the subject, reasons and provenance pointers it carries
    /// are shortened (``Excerpt``), so a long value is stored once, in its resource, not once per result.
    private func result(_ check: Check, _ verdict: Verdict, subject: SubjectRef?, message: String, reasons: [String],
                        evidence: [Provenance]) -> CheckResult {
        let key = subject.map { "\($0.type):\($0.id)" } ?? "assessment"
        // The resource's own provenance list is shared, not copied, when no pointer needs shortening.
        let long = evidence.contains { ($0.pointer?.utf8.count ?? 0) > Excerpt.maxCharacters }
        return CheckResult(check: check.id, findingOf: key, guideline: check.guideline, verdict: verdict, severity: check.severity,
                           subject: subject?.excerpt, message: message, reasons: reasons.map { Excerpt.clip($0, limit: 4 * Excerpt.maxCharacters) },
                           evidence: long ? evidence.map(\.excerpt) : evidence)
    }

    /// Replaces `{field.path}`, `{param.name}` and aggregate placeholders in a message template. Each value is
    /// shortened by ``Excerpt/clip(_:limit:)``: a message names its subject, it does not copy it.
    func render(_ template: String, resource: Resource?, context: EvaluationContext, extra: [String: String]) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { out += rest[open...]; return out }
            let name = String(rest[rest.index(after: open)..<close])
            if let v = extra[name] {
                out += v
            } else if name.hasPrefix("param.") {
                out += Excerpt.clip(context.parameters[String(name.dropFirst(6))]?.displayText ?? "unknown")
            } else if let resource {
                out += Excerpt.clip(resource.value(name).displayText)
            } else {
                out += "{\(name)}"
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}

extension ResourceType {
    /// Words for messages: `key`, `key policy`, `data store` …
    public var displayName: String { rawValue.replacingOccurrences(of: "_", with: " ") }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
    var lowercasedFirst: String {
        // Keep acronyms (KMS, CMK) as they are.
        if prefix(2).uppercased() == prefix(2) { return self }
        return prefix(1).lowercased() + dropFirst()
    }
}
