import CEKAuditCore
import Foundation

/// What one probe step showed (issue 15, "Truthful about the endpoint").
public enum ProbeOutcome: String, Sendable, Codable, CaseIterable {
    /// The operation was asked for and done as a customer would expect.
    case performed
    /// The operation should be refused (a revoked key, a foreign tenant) and was: the control is enforced.
    case refusedAsExpected = "refused-as-expected"
    /// The operation should have been refused but succeeded: the control is not enforced (a failure, never a pass).
    case notEnforced = "not-enforced"
    /// The endpoint does not implement the operation (an emulator's 500, an unknown route): what the step would show
    /// stays unknown (inconclusive).
    case notSupportedByEndpoint = "not-supported-by-endpoint"
    /// The operation was expected to work and was refused or failed: the capability was not shown.
    case failed
    /// Not attempted: an earlier step it depends on did not succeed, or the run was interrupted.
    case skipped

    /// Whether the capability the step exercises is shown to work (`true`), shown not to work (`false`), or not
    /// known (`nil`).
    public var supports: Bool? {
        switch self {
        case .performed, .refusedAsExpected: return true
        case .notEnforced, .failed: return false
        case .notSupportedByEndpoint, .skipped: return nil
        }
    }
}

/// One step of a probe run as the journal records it: never a secret, a plaintext or key material — the request
/// summary names the operation and the resource only.
public struct ProbeStep: Sendable, Hashable, Codable {
    /// Step name (`encrypt-decrypt`, `revoke-old-version`).
    public var step: String
    /// The capability the step exercises (`generate`, `import`, `rotate`, `revoke`, `delete`, `isolation`,
    /// `use`), the `operation` of the capability fact it yields.
    public var operation: String
    /// Method and path of the calls made, without bodies (`POST /v1/transit/encrypt/KEY in namespace NS`).
    public var request: String
    /// HTTP status of the decisive call, `nil` when none arrived or the step was skipped.
    public var status: Int?
    /// The server's error code or first error message, `nil` on success.
    public var errorCode: String?
    /// Wall-clock duration of the step, in milliseconds.
    public var durationMs: Int
    public var outcome: ProbeOutcome
    /// One sentence: what happened and what it shows.
    public var detail: String

    public init(step: String, operation: String, request: String, status: Int? = nil, errorCode: String? = nil, durationMs: Int = 0,
                outcome: ProbeOutcome, detail: String) {
        self.step = step
        self.operation = operation
        self.request = request
        self.status = status
        self.errorCode = errorCode
        self.durationMs = durationMs
        self.outcome = outcome
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case step, operation, request, status, outcome, detail
        case errorCode = "error_code"
        case durationMs = "duration_ms"
    }
}

/// A resource a probe created, and what cleanup did with it.
public struct ProbeResource: Sendable, Hashable, Codable {
    /// Resource kind (`namespace`, `transit-key`, `kms-key`, `policy`, `token`).
    public var kind: String
    /// Its name or id, carrying the run tag (``ProbeRun/tag``).
    public var name: String
    /// `removed`, `scheduled-for-deletion`, `left` (cleanup failed: named in the journal so an operator can act),
    /// or `pending` before cleanup ran.
    public var cleanup: String

    /// The cleanup state of a resource whose creation got no answer (it may or may not exist).
    public static let unconfirmed = "unconfirmed"

    /// Whether its existence is unknown: its creation got no answer, and cleanup could not find out either
    /// (`unconfirmed`, or `unknown: <why>` after cleanup).
    public var existenceUnknown: Bool { cleanup == Self.unconfirmed || cleanup.hasPrefix("unknown") }

    public init(kind: String, name: String, cleanup: String = "pending") {
        self.kind = kind
        self.name = name
        self.cleanup = cleanup
    }
}

/// The identity of one probe run: the tag every created resource carries in its name, alias or tags.
public struct ProbeRun: Sendable, Hashable {
    /// Prefix of every probe tag; `probe --cleanup` looks for it.
    public static let tagPrefix = "cek-audit-probe-"
    /// Short run id (lowercase letters and digits).
    public var id: String
    /// `cek-audit-probe-<id>`.
    public var tag: String { ProbeRun.tagPrefix + id }

    /// - Parameter id: the run id; a fresh random one (12 lowercase hex digits) when `nil`.
    public init(id: String? = nil) {
        self.id = id ?? String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))
    }

    /// Whether `id` is usable as a run id: 1–32 lowercase ASCII letters, digits or hyphens.
    public static func isValid(_ id: String) -> Bool {
        (1...32).contains(id.count) && id.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
    }
}

/// The journal of one probe run against one sandbox target: the probe's evidence (DESIGN.md, "Collectors",
/// probes; issue 15). Encoded as JSON with sorted keys; durations are the only values that vary between runs.
public struct ProbeJournal: Sendable, Hashable, Codable {
    /// The target's name in `audit.yaml`.
    public var target: String
    /// The target's collector kind (`openbao`, `aws-kms`).
    public var kind: String
    /// `cek-audit-probe-<run>`.
    public var runTag: String
    public var steps: [ProbeStep]
    /// What the run created, with the cleanup result of each.
    public var created: [ProbeResource]
    /// Whether every planned step ran (not interrupted, not timed out).
    public var completed: Bool
    /// Why the run stopped early (`interrupted by SIGINT`, `timed out after 120 s`), `nil` when it completed.
    public var interruption: String?

    public init(target: String, kind: String, runTag: String, steps: [ProbeStep] = [], created: [ProbeResource] = [],
                completed: Bool = false, interruption: String? = nil) {
        self.target = target
        self.kind = kind
        self.runTag = runTag
        self.steps = steps
        self.created = created
        self.completed = completed
        self.interruption = interruption
    }

    enum CodingKeys: String, CodingKey {
        case target, kind, steps, created, completed, interruption
        case runTag = "run_tag"
    }

    /// Resources whose cleanup removed them or scheduled their deletion.
    public var cleanedUp: [ProbeResource] { created.filter { $0.cleanup == "removed" || $0.cleanup == "scheduled-for-deletion" } }
    /// Resources cleanup could not remove.
    public var leftBehind: [ProbeResource] {
        created.filter { $0.cleanup != "removed" && $0.cleanup != "scheduled-for-deletion" && !$0.existenceUnknown }
    }
    /// Resources whose creation got no answer and whose removal could not be confirmed either: they may exist.
    public var uncertain: [ProbeResource] { created.filter(\.existenceUnknown) }

    /// The journal as JSON: sorted keys, pretty-printed.
    public func encoded() -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? e.encode(self)) ?? Data()
    }

    /// The evidence locator of the journal: `probe/<target>/journal.json`.
    public var locator: String { "probe/\(target)/journal.json" }

    /// The journal as observations: one evidence item (kind `probe-journal`) and one `capability` resource per
    /// operation exercised, `supported` true / false / unknown from its steps (any `not-enforced` or `failed` step
    /// makes it false; else any unknown step leaves it unknown; else true), `how_known: probe`. A run that did not
    /// complete, or left resources behind, is recorded as such on the `probe_run` capability.
    /// - Parameters:
    ///   - collector: the collector kind stamped on the evidence item (`probe`).
    ///   - now: the assessment clock.
    public func facts(collector: String, now: Date) -> FactSet {
        var out = FactSet()
        let bytes = encoded()
        let item = EvidenceItem(collector: collector, locator: locator, kind: "probe-journal", bytes: bytes, collectedAt: now)
        out.addEvidence(item, bytes: bytes)
        let provenance = [Provenance(evidence: item.id)]
        var operations: [String] = []
        for s in steps where !operations.contains(s.operation) { operations.append(s.operation) }
        for op in operations {
            let own = steps.filter { $0.operation == op }
            let failing = own.filter { $0.outcome.supports == false }
            let unknown = own.filter { $0.outcome.supports == nil }
            let supported: FactValue
            if !failing.isEmpty { supported = .bool(false) } else if !unknown.isEmpty {
                supported = .unknown(reason: unknown.map { "step \($0.step): \($0.outcome.rawValue) (\($0.detail))" }.joined(separator: "; "))
            } else { supported = .bool(true) }
            var fields: [String: FactValue] = [
                "target": .string(target), "service": .string(kind), "operation": .string(op), "supported": supported,
                "how_known": .string("probe"), "outcomes": .strings(own.map { "\($0.step): \($0.outcome.rawValue)" }),
                "not_enforced": .bool(own.contains { $0.outcome == .notEnforced }),
                "not_supported_by_endpoint": .bool(own.contains { $0.outcome == .notSupportedByEndpoint }),
                "findings": .strings((failing + unknown).map { "\($0.step): \($0.detail)" }),
            ]
            fields["run"] = .string(runTag)
            out.resources.append(Resource(type: .capability, id: "\(target)#\(op)", name: "\(op) on \(target)", fields: fields, provenance: provenance))
        }
        let left = leftBehind
        let runFields: [String: FactValue] = [
            "target": .string(target), "service": .string(kind), "operation": .string("probe_run"),
            "supported": completed && left.isEmpty && !steps.contains { $0.outcome == .failed }
                ? (uncertain.isEmpty ? .bool(true) : .unknown(reason: "resources may remain: " + uncertain.map { "\($0.kind) \($0.name)" }.joined(separator: ", ")))
                : (completed ? .bool(false) : .unknown(reason: interruption ?? "the probe run did not complete")),
            "how_known": .string("probe"), "run": .string(runTag),
            "outcomes": .strings(steps.map { "\($0.step): \($0.outcome.rawValue)" }),
            "not_enforced": .bool(steps.contains { $0.outcome == .notEnforced }),
            "not_supported_by_endpoint": .bool(steps.contains { $0.outcome == .notSupportedByEndpoint }),
            "findings": .strings(steps.filter { $0.outcome.supports != true }.map { "\($0.step): \($0.detail)" }
                                 + left.map { "\($0.kind) \($0.name) was left behind (\($0.cleanup))" }),
            "created": .strings(created.map { "\($0.kind) \($0.name)" }),
            "cleaned_up": .strings(cleanedUp.map { "\($0.kind) \($0.name): \($0.cleanup)" }),
            "left_behind": .strings(left.map { "\($0.kind) \($0.name): \($0.cleanup)" }),
        ]
        out.resources.append(Resource(type: .capability, id: "\(target)#probe_run", name: "probe run on \(target)", fields: runFields,
                                      provenance: provenance))
        out.coverage.append(SourceCoverage(source: locator, collector: collector, status: completed ? .complete : .partial,
                                           resourceTypes: [.capability], inventoryTypes: completed ? [.capability] : [], found: [ResourceType.capability.rawValue: operations.count + 1],
                                           detail: completed ? nil : interruption))
        return out
    }

    /// A plain-text account for the terminal: one line per step, then created and cleaned-up resources.
    public var summary: String {
        var lines = ["Probe of \(target) (\(kind)), run \(runTag): \(completed ? "completed" : "stopped: \(interruption ?? "incomplete")")"]
        for s in steps {
            let status = s.status.map { " HTTP \($0)" } ?? ""
            let code = s.errorCode.map { " [\($0)]" } ?? ""
            lines.append("  \(s.step.padding(toLength: 26, withPad: " ", startingAt: 0)) \(s.outcome.rawValue.padding(toLength: 26, withPad: " ", startingAt: 0))\(status)\(code) \(s.durationMs) ms — \(s.detail)")
        }
        let confirmed = created.filter { !$0.existenceUnknown }
        lines.append("  created: " + (confirmed.isEmpty ? "nothing" : confirmed.map { "\($0.kind) \($0.name)" }.joined(separator: ", ")))
        lines.append("  cleaned up: " + (cleanedUp.isEmpty ? "nothing" : cleanedUp.map { "\($0.kind) \($0.name) (\($0.cleanup))" }.joined(separator: ", ")))
        if !leftBehind.isEmpty {
            lines.append("  LEFT BEHIND: " + leftBehind.map { "\($0.kind) \($0.name) (\($0.cleanup))" }.joined(separator: ", ")
                         + " — run `cek-audit probe --cleanup` to remove them")
        }
        if !uncertain.isEmpty {
            lines.append("  MAY REMAIN: " + uncertain.map { "\($0.kind) \($0.name) (\($0.cleanup))" }.joined(separator: ", ")
                         + " — the server answered neither its creation nor its removal; run `cek-audit probe --cleanup` once it answers")
        }
        return lines.joined(separator: "\n")
    }
}

/// One step as `--plan` shows it: what would be done and through which calls, nothing sent.
public struct ProbePlanStep: Sendable, Hashable {
    public var step: String
    public var operation: String
    /// The calls the step makes (`POST /v1/NS/transit/keys/KEY`), with placeholders for run-specific names.
    public var calls: [String]
    /// What the step expects: `performed` or `refused-as-expected`.
    public var expect: ProbeOutcome
    /// One sentence on what it shows.
    public var purpose: String

    public init(step: String, operation: String, calls: [String], expect: ProbeOutcome, purpose: String) {
        self.step = step
        self.operation = operation
        self.calls = calls
        self.expect = expect
        self.purpose = purpose
    }
}
