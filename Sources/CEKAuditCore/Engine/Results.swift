import Foundation

/// What a result is about: a resource, a group of resources, or the whole assessment.
public struct SubjectRef: Sendable, Hashable, Codable {
    public var type: String
    public var id: String
    public var name: String

    public init(type: String, id: String, name: String) {
        self.type = type
        self.id = id
        self.name = name
    }
}

/// The verdict of one check on one subject (DESIGN.md, "Verdicts and three-valued logic").
public struct CheckResult: Sendable, Hashable, Codable {
    /// Stable finding id: `CHECK-ID:` plus the first 10 hex digits of the SHA-256 of `type:id` of the subject (or of
    /// `assessment` for a result about no subject). Resource ids are stable identities (an ARN, a Terraform address or
    /// template logical id with its file's path inside the assessment folder, an OpenBao key path), so the id does not
    /// depend on collection order, on the folder's name, on unrelated edits or on re-collection, and a baseline can
    /// compare findings between runs (README, "Baselines").
    public var id: String
    public var check: String
    public var guideline: String
    public var verdict: Verdict
    public var severity: Severity
    public var subject: SubjectRef?
    /// One sentence naming the subject (Prowler style).
    public var message: String
    /// Why: the clauses that decided the verdict, the unknown facts, or the source that failed.
    public var reasons: [String]
    /// Where the facts came from.
    public var evidence: [Provenance]
    /// The waiver that turned this failure into `waived`, with its expiry; `nil` otherwise.
    public var waiver: WaiverRef? = nil
}

/// Counts of results per verdict.
public struct VerdictCounts: Sendable, Hashable, Codable {
    public var pass = 0, fail = 0, notApplicable = 0, inconclusive = 0, manual = 0, waived = 0

    public init() {}

    public init(_ verdicts: [Verdict]) {
        for v in verdicts { add(v) }
    }

    public mutating func add(_ v: Verdict) {
        switch v {
        case .pass: pass += 1
        case .fail: fail += 1
        case .notApplicable: notApplicable += 1
        case .inconclusive: inconclusive += 1
        case .manual: manual += 1
        case .waived: waived += 1
        }
    }

    public func count(_ v: Verdict) -> Int {
        switch v {
        case .pass: return pass
        case .fail: return fail
        case .notApplicable: return notApplicable
        case .inconclusive: return inconclusive
        case .manual: return manual
        case .waived: return waived
        }
    }

    public var total: Int { pass + fail + notApplicable + inconclusive + manual + waived }

    enum CodingKeys: String, CodingKey {
        case pass, fail, inconclusive, manual, waived
        case notApplicable = "not_applicable"
    }
}

/// A check's roll-up inside a guideline.
public struct CheckSummary: Sendable, Hashable, Codable {
    public var id: String
    public var title: String
    public var severity: Severity
    public var verdict: Verdict
    public var counts: VerdictCounts
    public var rationale: String?
    /// The manual procedure: of a manual check, or of an aggregate with `when_absent: manual` (followed while no
    /// evidence such as an attestation is in its scope).
    public var procedure: String?
    /// The catalog file the check is written in: the root file, or the checks file its guideline includes.
    public var source: String?
    /// Line of the check in ``source``.
    public var line: Int?
}

/// A guideline's roll-up: fail > inconclusive > manual > pass/waived > not_applicable.
public struct GuidelineResult: Sendable, Hashable, Codable {
    public var id: String
    public var origin: String
    public var number: Int
    public var title: String
    public var text: String
    public var verdict: Verdict
    public var counts: VerdictCounts
    public var checks: [CheckSummary]
    public var procedure: String?
}

/// The proposed answer to a CAIQ question. The tool proposes; a human signs.
public struct CAIQAnswer: Sendable, Hashable, Codable {
    public enum Answer: String, Sendable, Hashable, Codable {
        case yes = "YES", no = "NO", notApplicable = "NA", undetermined = "UNDETERMINED"
    }
    public var id: String
    public var question: String
    public var answer: Answer
    /// SSRM control ownership (AI-CAIQ column D).
    public var ownership: String
    /// An implementation description built from the evidence (AI-CAIQ column E), to be reviewed by the provider.
    public var description: String
    /// Guideline verdicts the answer derives from (`requires`) and those shown beside it (`supports`).
    public var requires: [String: Verdict]
    public var supports: [String: Verdict]
    /// What supports the answer: passing checks, one line each.
    public var supportingEvidence: [String]
    /// What is missing or failing, one line each.
    public var gaps: [String]

    enum CodingKeys: String, CodingKey {
        case id, question, answer, ownership, description, requires, supports, gaps
        case supportingEvidence = "supporting_evidence"
    }
}
