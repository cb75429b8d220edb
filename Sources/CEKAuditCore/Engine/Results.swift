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
    /// The catalog the answer was made against, by its version stamp (`AICM 1.0.3`): CSA reworded CEK-08 and its
    /// question between releases, so an answer is only meaningful with it.
    public var catalogVersion: String
    /// What the customer must do for the capability to hold (the customer's side of the SSRM), as sentences.
    public var customerResponsibilities: String
    /// The sentences of ``description`` with the evidence items behind each (``EvidenceItem/id``s), so every claim
    /// can be traced.
    public var claims: [Claim]

    /// One sentence of the implementation description and the evidence it rests on.
    public struct Claim: Sendable, Hashable, Codable {
        public var text: String
        /// Evidence item ids, sorted.
        public var evidence: [String]

        public init(text: String, evidence: [String]) {
            self.text = text
            self.evidence = evidence
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, question, answer, ownership, description, requires, supports, gaps, claims
        case supportingEvidence = "supporting_evidence"
        case catalogVersion = "catalog_version"
        case customerResponsibilities = "customer_responsibilities"
    }

    public init(id: String, question: String, answer: Answer, ownership: String, description: String, requires: [String: Verdict],
                supports: [String: Verdict], supportingEvidence: [String], gaps: [String], catalogVersion: String,
                customerResponsibilities: String, claims: [Claim]) {
        self.id = id
        self.question = question
        self.answer = answer
        self.ownership = ownership
        self.description = description
        self.requires = requires
        self.supports = supports
        self.supportingEvidence = supportingEvidence
        self.gaps = gaps
        self.catalogVersion = catalogVersion
        self.customerResponsibilities = customerResponsibilities
        self.claims = claims
    }

    /// Decodes an answer; reports of schema 1.3 and earlier (baselines) have no catalog version, customer
    /// responsibilities or claims, which then read as empty.
    /// - Throws: `DecodingError` for a missing or mistyped field of schema 1.0.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(id: try c.decode(String.self, forKey: .id), question: try c.decode(String.self, forKey: .question),
                  answer: try c.decode(Answer.self, forKey: .answer), ownership: try c.decode(String.self, forKey: .ownership),
                  description: try c.decode(String.self, forKey: .description),
                  requires: try c.decode([String: Verdict].self, forKey: .requires), supports: try c.decode([String: Verdict].self, forKey: .supports),
                  supportingEvidence: try c.decode([String].self, forKey: .supportingEvidence), gaps: try c.decode([String].self, forKey: .gaps),
                  catalogVersion: try c.decodeIfPresent(String.self, forKey: .catalogVersion) ?? "",
                  customerResponsibilities: try c.decodeIfPresent(String.self, forKey: .customerResponsibilities) ?? "",
                  claims: try c.decodeIfPresent([Claim].self, forKey: .claims) ?? [])
    }
}
