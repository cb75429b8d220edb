import Foundation

/// A control catalog as loaded from `Controls/*.yaml`: one control (CEK-08), its guidelines with their checks,
/// and the CAIQ questions whose answers derive from them. The text is the project's own paraphrase; a user may
/// load a catalog with the official wording through `--controls`.
///
/// A catalog is one file, or a root file whose guidelines name the files holding their checks
/// (`checks: CEK-08/checks/AG-1.yaml`) and which may name a file of check templates (``CheckTemplate``); see
/// ``CatalogLoader``.
public struct Catalog: Sendable, Hashable {
    /// The schema version this build reads.
    public static let supportedSchemaVersion = 1

    public var schemaVersion: Int
    /// Path of the catalog's root file, as given.
    public var source: String
    /// SHA-256 (lowercase hex) identifying the catalog's content. For a catalog in one file, the SHA-256 of that
    /// file. For a root file with included files, the SHA-256 of the `sha256sum`-style listing of every file read:
    /// one line `<sha256 of the file>  <path relative to the root file's folder>` per file, sorted by path (bytes),
    /// each ending in a newline — what `cd Controls && LC_ALL=C sha256sum $(find CEK-08.yaml CEK-08 -name '*.yaml' |
    /// LC_ALL=C sort) | sha256sum` prints for the shipped catalog.
    public var sha256: String
    /// Every file the catalog was read from, as paths usable from the current folder: the root file first, then
    /// the included files in the order they were read.
    public var files: [String] = []
    public var control: ControlInfo
    public var guidelines: [Guideline]
    public var caiq: [CAIQQuestion]
    /// The check templates the catalog defines, in the order they are written.
    public var templates: [CheckTemplate] = []

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
    /// Line in the catalog's root file.
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
    /// A resource type whose presence makes this check not applicable (`unless_supplied: waiver`): when any source
    /// of the assessment supplies that type, other checks judge the guideline from it and this one steps aside (the
    /// AG-7 attestation gives way to a waiver register). `nil`: the check always runs.
    public var unlessSupplied: ResourceType? = nil
    /// Parameter defaults; the assessment file may override them.
    public var parameters: [String: FactValue]
    /// The parameters that count days: named `…_days`, or read by `{days_ago: …}` / `{days_ahead: …}`
    /// (``ParameterRules``).
    public var dayCountParameters: Set<String> = []
    /// Message templates per verdict; `{field}` and `{param.name}` are replaced.
    public var messages: [Verdict: String]
    public var examples: [CheckExample]
    /// The file the check is written in (the root file, or the checks file its guideline includes).
    public var source: String? = nil
    /// Line of the check in ``source``.
    public var line: Int?
    /// The name of the ``CheckTemplate`` the check is derived from, if any.
    public var template: String? = nil

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
    /// The file the example is written in: the check's file, or the template's for a template's shared example.
    public var source: String? = nil
    /// Line of the example in ``source``.
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
    /// Line in the catalog's root file.
    public var line: Int?
}

/// A check template (`templates:` in the catalog): the part that checks differing only in wording have in common,
/// such as the attestation checks (evidence, requirement, parameters, message frames and the shared examples).
///
/// A check that names `template:` gives its `id`, `title` and `with:` values for the template's variables and may
/// add or override any other key; the loader expands it into an ordinary ``Check``. In the template, `${name}` is
/// replaced by the variable's value (`${Name}`, with a capital first letter, by the value with its first letter
/// capitalised) and `${guideline}` by the id of the guideline the check is listed under. `messages` and
/// `parameters` merge key by key (the check's own win), the check's `examples` follow the template's, and every
/// other key the check gives replaces the template's.
public struct CheckTemplate: Sendable, Hashable {
    /// The name checks refer to (`template: attestation_check`).
    public var name: String
    /// The variables a derived check sets under `with:`, each with what it holds; `guideline` is always set.
    public var variables: [String: String]
    /// Values for variables a derived check may leave out.
    public var defaults: [String: String]
    /// Ids of the checks derived from the template, in catalog order.
    public var checks: [String]
    /// The file the template is written in.
    public var source: String
    /// Line of the template in ``source``.
    public var line: Int?
}
