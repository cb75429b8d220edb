import Foundation

/// A control catalog as loaded from `Controls/*.yaml`: one control (CEK-08), its guidelines with their checks,
/// and the CAIQ questions whose answers derive from them. The text is the project's own paraphrase; a user may
/// load a catalog with the official wording through `--controls`.
public struct Catalog: Sendable, Hashable {
    /// The schema version this build reads.
    public static let supportedSchemaVersion = 1

    public var schemaVersion: Int
    /// Path the catalog was loaded from, as given.
    public var source: String
    /// SHA-256 of the catalog file.
    public var sha256: String
    public var control: ControlInfo
    public var guidelines: [Guideline]
    public var caiq: [CAIQQuestion]

    /// Every check of every guideline, in catalog order.
    public var checks: [Check] { guidelines.flatMap(\.checks) }

    /// The guideline with `id`.
    public func guideline(_ id: String) -> Guideline? { guidelines.first { $0.id == id } }
}

/// The descriptive part of the control.
public struct ControlInfo: Sendable, Hashable, Codable {
    public struct Framework: Sendable, Hashable, Codable {
        public var name: String
        public var shortName: String
        public var version: String
    }
    public struct VersionNote: Sendable, Hashable, Codable {
        public var version: String
        public var title: String?
        public var note: String
    }
    public struct Ownership: Sendable, Hashable, Codable {
        /// AICM actor layer: `csp` (physical/cloud infrastructure), `model_provider`, `orchestrated`, `application_provider`.
        public var actor: String
        /// The AI-CAIQ ownership value (`CSP-Owned`, `MP-Owned`, `Shared Across the Supply Chain`, `AP-Owned`).
        public var owner: String
        public var summary: String
    }
    public struct LifecyclePhase: Sendable, Hashable, Codable {
        public var phase: String
        public var relevance: String
    }
    public struct Mapping: Sendable, Hashable, Codable {
        public var standard: String
        /// `none`, `partial` or `full` gap.
        public var gap: String
        public var references: [String]
        public var note: String
    }
    public struct ImplementationGuideline: Sendable, Hashable, Codable {
        public var id: String
        public var text: String
    }

    public var id: String
    public var domainID: String
    public var domainTitle: String
    public var title: String
    public var framework: Framework
    public var versionNotes: [VersionNote]
    public var statement: String
    public var ownership: [Ownership]
    public var threats: [String]
    public var architecture: [String]
    public var lifecycle: [LifecyclePhase]
    public var mappings: [Mapping]
    public var implementationGuidelines: [ImplementationGuideline]
}

/// One auditing guideline (AG-1 … AG-10 from AICM, CCM-1 … CCM-4 inherited from CCM).
public struct Guideline: Sendable, Hashable {
    public var id: String
    /// `aicm` or `ccm`.
    public var origin: String
    /// The guideline's number in its source list (1-based, exact).
    public var number: Int
    public var title: String
    /// What the guideline asks, in the project's words.
    public var text: String
    /// What an auditor does by hand, shown while the guideline is `manual`.
    public var procedure: String?
    public var checks: [Check]
    /// Line in the catalog file.
    public var line: Int?
}

/// One declarative check (DESIGN.md, "Rules as data").
public struct Check: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// One result per resource of `subject`.
        case resource(subject: ResourceType)
        /// One result for the whole assessment (or per group): how many resources of `subject` match `where`
        /// (and `require`), compared with `min` / `max`.
        case aggregate(subject: ResourceType, where: Condition?, groupBy: String?, min: Operand?, max: Operand?)
        /// Needs a human: evaluates to `manual` and shows `procedure`.
        case manual(procedure: String)
    }

    public var id: String
    public var guideline: String
    public var title: String
    public var rationale: String?
    public var severity: Severity
    public var kind: Kind
    /// When false for a resource, the result is `not_applicable`; unknown gives `inconclusive`.
    public var applicable: Condition?
    /// The requirement: true → pass, false → fail, unknown → inconclusive.
    public var require: Condition?
    /// What an aggregate gives when nothing it ranges over is in scope; `nil` is the default: inconclusive without
    /// a source, and the usual count against `min` / `max` otherwise.
    public var whenAbsent: WhenAbsent?
    /// The verdict when no source of the assessment can describe the check's subject at all
    /// (`when_unsupplied: not_applicable`), for evidence only some kinds of source carry (grants exist only live or
    /// in Terraform). `nil` is the default: inconclusive. The reason always says the subject was not assessed.
    public var whenUnsupplied: Verdict? = nil
    /// Parameter defaults; the assessment file may override them.
    public var parameters: [String: FactValue]
    /// The parameters that count days: named `…_days`, or read by `{days_ago: …}` / `{days_ahead: …}`
    /// (``ParameterRules``).
    public var dayCountParameters: Set<String> = []
    /// Message templates per verdict; `{field}` and `{param.name}` are replaced.
    public var messages: [Verdict: String]
    public var examples: [CheckExample]
    /// Line in the catalog file.
    public var line: Int?

    /// How an aggregate answers when no resource of its subject is in scope (`aggregate.when_absent` in the catalog).
    public enum WhenAbsent: Sendable, Hashable {
        /// No resource satisfies `where` (none undecided) and no source of the subject failed: the verdict is
        /// `manual` and the report shows `procedure`, which an auditor follows until the evidence (typically an
        /// attestation) is supplied. Without any source of the subject the verdict is `manual` too.
        case manual(procedure: String)
    }

    /// The procedure an auditor follows: the whole check for a manual check, or what stands in for the evidence
    /// of an aggregate with `when_absent: manual`.
    public var procedure: String? {
        if case .manual(let p) = kind { return p }
        if case .manual(let p)? = whenAbsent { return p }
        return nil
    }

    /// The resource type the check ranges over, if any.
    public var subject: ResourceType? {
        switch kind {
        case .resource(let s): return s
        case .aggregate(let s, _, _, _, _): return s
        case .manual: return nil
        }
    }
}

/// A small fact set with the verdict a check must give on it; the test suite runs every example.
public struct CheckExample: Sendable, Hashable {
    /// How the sources supplying the check's subject type fared, for the example.
    public enum Coverage: String, Sendable, Hashable {
        /// A source listed every resource of the subject type (an inventory, such as a live API listing).
        case complete
        /// Sources read fine but only declare some resources (infrastructure code): absence proves nothing.
        case declared
        /// A source that would have supplied the type failed.
        case failed
        /// No source supplies the type.
        case none
    }
    public var name: String
    /// Field maps of the resources (type = the check's subject). Per-resource checks take exactly one.
    public var facts: [[String: FactValue]]
    public var coverage: Coverage
    public var parameters: [String: FactValue]
    public var expect: Verdict
    public var line: Int?
}

/// A CAIQ question and how its proposed answer derives from guideline verdicts.
public struct CAIQQuestion: Sendable, Hashable {
    public var id: String
    /// The question in the project's words.
    public var question: String
    /// Guidelines that must pass (or be not applicable) for YES; any failure proposes NO.
    public var requires: [String]
    /// Guidelines whose state is shown next to the answer as supporting evidence or gaps.
    public var supports: [String]
    /// Default SSRM ownership value for the answer (AI-CAIQ column D).
    public var ownership: String
    public var line: Int?
}
