import Crypto
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
    /// compare findings between runs (README, "Baselines"). Engine results hold it as the check id and 40 bits
    /// (same text); setting it holds the new text whole.
    public var id: String {
        get {
            switch storedID {
            case .whole(let text): return text
            case .finding(let check, let bits): return check + ":" + Self.findingDigits(bits)
            }
        }
        set { storedID = .whole(newValue) }
    }
    public var check: String
    public var guideline: String
    public var verdict: Verdict
    public var severity: Severity
    public var subject: SubjectRef?
    /// One sentence naming the subject (Prowler style). Held as written, or (after ``shareMessageTemplate(in:)``) as
    /// a shared ``MessageTemplate`` and the name it was split at; either way this is the same text.
    public var message: String {
        get {
            switch storedMessage {
            case .whole(let text): return text
            case .named(let template, let name): return template.template.message(for: name)
            }
        }
        set { storedMessage = .whole(newValue) }
    }
    /// Why: the clauses that decided the verdict, the unknown facts, or the source that failed.
    public var reasons: [String]
    /// Where the facts came from.
    public var evidence: [Provenance]
    /// The waiver that turned this failure into `waived`, with its expiry; `nil` otherwise.
    public var waiver: WaiverRef? = nil

    /// How ``message`` is held: the whole text, or a template shared by every result of a check that says the same
    /// words about another subject, and the name that fills its hole (a copy of the subject's name, which shares
    /// its bytes). At 10,000 keys, 140,000 messages of ~190 bytes each took 26 MB while the reports were written.
    private var storedMessage: StoredMessage

    /// How ``id`` is held: the whole text, or (results of the engine) the check id, which shares its bytes with
    /// ``check``, and the 40 bits the hex digits spell: at 10,000 keys, 140,000 ids of ~36 bytes took 6.7 MB.
    private var storedID: StoredID

    private enum StoredID: Sendable {
        case whole(String)
        case finding(String, UInt64)
    }

    /// `bits` (< 2⁴⁰) as 10 lowercase hex digits: the first 5 bytes of a digest as ``SHA256Hex`` writes them.
    static func findingDigits(_ bits: UInt64) -> String {
        LowerHex.encode((0..<5).map { UInt8(truncatingIfNeeded: bits >> (8 * (4 - $0))) })
    }

    /// The hex digits of ``id`` after `check:` (the id's shape for a result about a subject or the assessment);
    /// `nil` when the id has another shape.
    var finding: String? {
        if case .finding(let c, let bits) = storedID, c == check { return Self.findingDigits(bits) }
        let prefix = check + ":", id = self.id
        return id.hasPrefix(prefix) && id.count > prefix.count ? String(id.dropFirst(prefix.count)) : nil
    }

    /// A result whose id is `check`, `:`, and the first 10 hex digits of the SHA-256 of `key` (``id``).
    init(check: String, findingOf key: String, guideline: String, verdict: Verdict, severity: Severity, subject: SubjectRef?,
         message: String, reasons: [String], evidence: [Provenance]) {
        self.init(id: "", check: check, guideline: guideline, verdict: verdict, severity: severity, subject: subject, message: message,
                  reasons: reasons, evidence: evidence)
        let bits = SHA256.hash(data: Data(key.utf8)).prefix(5).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        storedID = .finding(check, bits)
    }

    private enum StoredMessage: Sendable {
        case whole(String)
        case named(SharedMessageTemplate, String)
    }

    /// A result with these members (see each property), its id and message held whole.
    init(id: String, check: String, guideline: String, verdict: Verdict, severity: Severity, subject: SubjectRef?, message: String,
         reasons: [String], evidence: [Provenance], waiver: WaiverRef? = nil) {
        self.storedID = .whole(id)
        self.check = check
        self.guideline = guideline
        self.verdict = verdict
        self.severity = severity
        self.subject = subject
        self.storedMessage = .whole(message)
        self.reasons = reasons
        self.evidence = evidence
        self.waiver = waiver
    }

    /// The template of ``message`` about the subject's name (``MessageTemplate/init(message:name:)``), without
    /// building the message when it is held as a template split at that very name; `nil` when the message does not
    /// name its subject, or there is no subject.
    public var messageTemplate: MessageTemplate? {
        guard let name = subject?.name else { return nil }
        if case .named(let shared, let at) = storedMessage, at == name { return shared.template }
        return MessageTemplate(message: message, name: name)
    }

    /// Holds ``message`` as a template shared through `templates` (one object per distinct template) and the
    /// subject's name, when the message names its subject; otherwise leaves it whole. ``message`` is unchanged.
    public mutating func shareMessageTemplate(in templates: inout [MessageTemplate: SharedMessageTemplate]) {
        guard case .whole(let text) = storedMessage, let name = subject?.name, let t = MessageTemplate(message: text, name: name) else { return }
        let shared: SharedMessageTemplate
        if let known = templates[t] { shared = known } else {
            shared = SharedMessageTemplate(t)
            templates[t] = shared
        }
        storedMessage = .named(shared, name)
    }

    enum CodingKeys: String, CodingKey {
        case id, check, guideline, verdict, severity, subject, message, reasons, evidence, waiver
    }

    /// Reads a result as the synthesized conformance did (``subject`` and ``waiver`` optional).
    /// - Throws: `DecodingError` for a missing or mistyped member.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(id: try c.decode(String.self, forKey: .id), check: try c.decode(String.self, forKey: .check),
                  guideline: try c.decode(String.self, forKey: .guideline), verdict: try c.decode(Verdict.self, forKey: .verdict),
                  severity: try c.decode(Severity.self, forKey: .severity), subject: try c.decodeIfPresent(SubjectRef.self, forKey: .subject),
                  message: try c.decode(String.self, forKey: .message), reasons: try c.decode([String].self, forKey: .reasons),
                  evidence: try c.decode([Provenance].self, forKey: .evidence), waiver: try c.decodeIfPresent(WaiverRef.self, forKey: .waiver))
    }

    /// Writes a result as the synthesized conformance did: members in declaration order, absent optionals left out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(check, forKey: .check)
        try c.encode(guideline, forKey: .guideline)
        try c.encode(verdict, forKey: .verdict)
        try c.encode(severity, forKey: .severity)
        try c.encodeIfPresent(subject, forKey: .subject)
        try c.encode(message, forKey: .message)
        try c.encode(reasons, forKey: .reasons)
        try c.encode(evidence, forKey: .evidence)
        try c.encodeIfPresent(waiver, forKey: .waiver)
    }

    /// Results are equal when every member, ``message`` by its text, is (however the message is held).
    public static func == (a: CheckResult, b: CheckResult) -> Bool {
        a.id == b.id && a.check == b.check && a.guideline == b.guideline && a.verdict == b.verdict && a.severity == b.severity
            && a.subject == b.subject && a.message == b.message && a.reasons == b.reasons && a.evidence == b.evidence && a.waiver == b.waiver
    }

    /// Hashes what ``==`` compares.
    public func hash(into h: inout Hasher) {
        h.combine(id); h.combine(check); h.combine(guideline); h.combine(verdict); h.combine(severity)
        h.combine(subject); h.combine(message); h.combine(reasons); h.combine(evidence); h.combine(waiver)
    }
}

/// One ``MessageTemplate`` held once and referred to by every result whose message it makes
/// (``CheckResult/shareMessageTemplate(in:)``).
public final class SharedMessageTemplate: Sendable {
    /// The template.
    public let template: MessageTemplate

    /// Holds `template`.
    public init(_ template: MessageTemplate) { self.template = template }
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
