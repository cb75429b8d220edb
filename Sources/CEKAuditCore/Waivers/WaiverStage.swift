import Foundation

/// A waiver as a report shows it: the waiver, its state at the assessment time, and the findings it covers.
public struct WaiverStatus: Sendable, Hashable, Codable {
    /// The state of a waiver at the assessment time.
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        /// In force and covering at least one failing finding.
        case active
        /// In force, covering a failing finding, and within `warn_days` of its expiry.
        case expiring
        /// Past its expiry: it applies to nothing, and the run exits non-zero.
        case expired
        /// Its lifetime (created → expires) exceeds the `max_waiver_days` parameter: it applies to nothing.
        case overCap = "over_cap"
        /// In force but matching no failing finding: fixed, or a selector that names nothing.
        case stale
    }

    public var waiver: Waiver
    public var state: State
    /// Whole days to expiry at the assessment time (negative once expired).
    public var daysLeft: Int
    /// Finding ids the waiver turned from fail into waived, sorted.
    public var covers: [String]
    /// One sentence for consoles and reports.
    public var message: String

    enum CodingKeys: String, CodingKey {
        case waiver, state, covers, message
        case daysLeft = "days_left"
    }
}

/// The waiver register of a report: the file, and every waiver's status.
public struct WaiverRegister: Sendable, Hashable, Codable {
    /// The waiver file as named, with its SHA-256.
    public var source: String
    public var sha256: String
    /// The lifetime cap in days (`max_waiver_days`), when the catalog declares one.
    public var maxDays: Int?
    public var waivers: [WaiverStatus]

    enum CodingKeys: String, CodingKey {
        case source, sha256, waivers
        case maxDays = "max_days"
    }

    /// Waivers in `state`.
    public func waivers(in state: WaiverStatus.State) -> [WaiverStatus] { waivers.filter { $0.state == state } }
}

/// The reference a waived result carries.
public struct WaiverRef: Sendable, Hashable, Codable {
    public var id: String
    public var expires: Date
}

/// Applies waivers around the rules engine (DESIGN.md data flow: waivers.yaml → results).
///
/// Before evaluation, ``annotate(_:waivers:catalog:engine:)`` adds one `waiver` resource per waiver (the register that
/// AG-7's checks read) and marks every data store with the checks that waivers in force cover for it. After
/// evaluation, ``apply(_:facts:waivers:now:cap:)`` turns each failing result a waiver in force matches into `waived`,
/// and reports every waiver's state. A waiver never changes a verdict other than `fail`, and never one about a
/// waiver itself.
public enum WaiverStage {
    /// The parameter that caps a waiver's lifetime in days, read from any check that declares it.
    public static let capParameter = "max_waiver_days"

    /// The lifetime cap the catalog and assessment set: `max_waiver_days` of the first check declaring it.
    public static func cap(catalog: Catalog, engine: RulesEngine) -> Int? {
        for c in catalog.checks where c.parameters[capParameter] != nil {
            if case .number(let d)? = engine.parameters(for: c)[capParameter] { return Int(d) }
        }
        return nil
    }

    /// Whether `w` is in force at `now`: not expired, and within the cap.
    static func inForce(_ w: Waiver, now: Date, cap: Int?) -> Bool {
        w.expires >= now && (cap.map { w.lifetimeDays(at: now) <= $0 } ?? true)
    }

    /// `facts` with every data store marked as having no waiver register in force (`waivers.register: false`), for
    /// an assessment without a waiver file: whether a register is in force is known, so the AG-7 checks over data
    /// stores are not applicable rather than undecided.
    public static func noRegister(_ facts: FactSet) -> FactSet {
        var facts = facts
        for i in facts.resources.indices where facts.resources[i].type == .dataStore {
            facts.resources[i]["waivers.register"] = .bool(false)
            facts.resources[i]["waivers.checks"] = .list([])
        }
        return facts
    }

    /// Adds the register and the data-store annotations to `facts`.
    public static func annotate(_ facts: FactSet, waivers: WaiverSet, catalog: Catalog, engine: RulesEngine) -> FactSet {
        var facts = facts
        let now = engine.now
        let cap = cap(catalog: catalog, engine: engine)
        let item = EvidenceItem(collector: "waivers", locator: waivers.source, kind: "waivers", size: waivers.size, sha256: waivers.sha256,
                                collectedAt: now)
        if !facts.evidence.contains(where: { $0.id == item.id }) { facts.evidence.append(item) }
        let index = ResourceIndex(facts)
        let guidelineOf = Dictionary(catalog.checks.map { ($0.id, $0.guideline) }, uniquingKeysWith: { a, _ in a })
        for i in facts.resources.indices where facts.resources[i].type == .dataStore {
            let r = facts.resources[i]
            let covered = catalog.checks.filter { c in
                waivers.waivers.contains { w in
                    inForce(w, now: now, cap: cap) && w.covers(check: c.id, guideline: guidelineOf[c.id] ?? "") && index.matches(w.selector, r)
                }
            }.map { FactValue.string($0.id) }
            facts.resources[i]["waivers.register"] = .bool(true)
            facts.resources[i]["waivers.checks"] = .list(covered)
        }
        for w in waivers.waivers {
            func text(_ s: String?) -> FactValue { s.map(FactValue.string) ?? .null }
            facts.resources.append(Resource(
                type: .waiver, id: "waiver:\(w.id)", name: w.id,
                fields: ["check": .string(w.check), "selector": .string(w.selector.description), "justification": text(w.justification),
                         "compensating_control": text(w.compensatingControl), "approver": text(w.approver), "ticket": text(w.ticket),
                         "created": w.created.map { .string(DateParsing.iso($0)) } ?? .null, "expires": .string(DateParsing.iso(w.expires)),
                         "days_left": .number(Double(w.daysLeft(at: now))), "lifetime_days": .number(Double(w.lifetimeDays(at: now)))],
                provenance: [Provenance(evidence: item.id, pointer: "waivers[\(w.id)]", line: w.line)]))
        }
        facts.coverage.append(SourceCoverage(source: waivers.source, collector: "waivers", status: .complete, resourceTypes: [.waiver],
                                             inventoryTypes: [.waiver], found: waivers.waivers.isEmpty ? [:] : ["waiver": waivers.waivers.count]))
        return facts
    }

    /// Turns matching failures into `waived` and returns the register.
    /// - Parameters:
    ///   - results: the engine's results, changed in place.
    ///   - facts: the facts the results were evaluated on (for selectors on tags, tenants, ARNs and aliases).
    ///   - cap: the lifetime cap in days, if any.
    public static func apply(_ results: inout [CheckResult], facts: FactSet, waivers: WaiverSet, now: Date, cap: Int?) -> WaiverRegister {
        let index = ResourceIndex(facts)
        var covers: [String: [String]] = [:]
        let ordered = waivers.waivers.sorted { $0.id < $1.id }
        for i in results.indices where results[i].verdict == .fail {
            let r = results[i]
            guard let subject = r.subject, subject.type != ResourceType.waiver.rawValue else { continue }
            let waiver = ordered.first { w in
                inForce(w, now: now, cap: cap) && w.covers(check: r.check, guideline: r.guideline) && index.matches(w.selector, subject)
            }
            guard let waiver else { continue }
            results[i].verdict = .waived
            results[i].waiver = WaiverRef(id: waiver.id, expires: waiver.expires)
            results[i].reasons.append("waived by \(waiver.id) until \(DateParsing.iso(waiver.expires))"
                                      + (waiver.ticket.map { " (\($0))" } ?? "") + (waiver.justification.map { ": \($0)" } ?? ""))
            covers[waiver.id, default: []].append(r.id)
        }
        let statuses = waivers.waivers.map { w -> WaiverStatus in
            let days = w.daysLeft(at: now)
            let mine = (covers[w.id] ?? []).sorted()
            let state: WaiverStatus.State
            let message: String
            if w.expires < now {
                state = .expired
                message = "Waiver \(w.id) for \(w.check) (\(w.selector.description)) expired on \(DateParsing.iso(w.expires)) and no longer applies."
            } else if let cap, w.lifetimeDays(at: now) > cap {
                state = .overCap
                message = "Waiver \(w.id) for \(w.check) (\(w.selector.description)) runs \(w.lifetimeDays(at: now)) days, beyond the \(cap)-day limit, and does not apply."
            } else if mine.isEmpty {
                state = .stale
                message = "Waiver \(w.id) for \(w.check) (\(w.selector.description)) matches no failing finding: remove it, or fix its selector."
            } else if days <= (w.warnDays ?? Waiver.defaultWarnDays) {
                state = .expiring
                message = "Waiver \(w.id) for \(w.check) (\(w.selector.description)) expires in \(days) day(s), on \(DateParsing.iso(w.expires))."
            } else {
                state = .active
                message = "Waiver \(w.id) covers \(mine.count) finding(s) of \(w.check) (\(w.selector.description)) until \(DateParsing.iso(w.expires))."
            }
            return WaiverStatus(waiver: w, state: state, daysLeft: days, covers: mine, message: message)
        }
        return WaiverRegister(source: waivers.source, sha256: waivers.sha256, maxDays: cap, waivers: statuses)
    }
}

/// Resources by type and id, for selector matching: a selector matches a resource by its id, name, ARN, key id or
/// aliases, and by the tags and tenant of the resource or, failing those, of the key it belongs to (`key` field).
struct ResourceIndex {
    let byRef: [String: Resource]

    init(_ facts: FactSet) {
        byRef = Dictionary(facts.resources.map { ("\($0.type.rawValue):\($0.id)", $0) }, uniquingKeysWith: { a, _ in a })
    }

    func matches(_ selector: Waiver.Selector, _ subject: SubjectRef) -> Bool {
        if let r = byRef["\(subject.type):\(subject.id)"] { return matches(selector, r) }
        if case .resource(let g) = selector { return Glob.matches(g, subject.id) || Glob.matches(g, subject.name) }
        return false
    }

    func matches(_ selector: Waiver.Selector, _ r: Resource) -> Bool {
        let key: Resource? = { if case .string(let k) = r.value("key") { return byRef["key:\(k)"] }; return nil }()
        func strings(_ v: FactValue) -> [String] {
            switch v {
            case .string(let s): return [s]
            case .list(let l): return l.compactMap { if case .string(let s) = $0 { return s }; return nil }
            default: return []
            }
        }
        switch selector {
        case .resource(let g):
            let names = [r.id, r.name] + ["arn", "key_id", "aliases", "path"].flatMap { strings(r.value($0)) }
            return names.contains { Glob.matches(g, $0) }
        case .tag(let k, let v):
            let tags = strings(r.value("tags")) + (strings(r.value("tags")).isEmpty ? strings(key?.value("tags") ?? .null) : [])
            return tags.contains("\(k)=\(v)")
        case .tenant(let t):
            let own = strings(r.value("tenant"))
            return (own.isEmpty ? strings(key?.value("tenant") ?? .null) : own).contains(t)
        }
    }
}
