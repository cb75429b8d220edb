import CEKAuditCore
import Foundation

/// The report formats, chosen by identifier on the command line (`--format json,html`).
public enum ReportFormat: String, Sendable, CaseIterable, Codable {
    case json
    case html
    /// SARIF 2.1.0, for code-scanning dashboards.
    case sarif
    /// JUnit XML, for CI test reports.
    case junit
    /// A Markdown summary sized for a CI job summary (`$GITHUB_STEP_SUMMARY`).
    case markdown
    /// GitHub Actions workflow-command annotations, also printed on standard output.
    case github
    /// The proposed CAIQ answers as CSV, for a provider's questionnaire (``CAIQReporter/renderCSV(_:)``).
    case caiqCSV = "caiq-csv"
    /// The proposed CAIQ answers as JSON (``CAIQReporter/renderJSON(_:)``).
    case caiqJSON = "caiq-json"
    /// OCSF 1.5.0 Compliance Finding events (class 2003), one JSON object per line (``OCSFReporter``).
    case ocsf
    /// OSCAL 1.1.2 assessment results, with the assessment plan they import written beside them (``OSCALReporter``).
    case oscal

    /// File name inside the report folder.
    public var fileName: String {
        switch self {
        case .json: return "report.json"
        case .html: return "report.html"
        case .sarif: return "report.sarif"
        case .junit: return "report.junit.xml"
        case .markdown: return "report.md"
        case .github: return "report.github.txt"
        case .caiqCSV: return "caiq-answers.csv"
        case .caiqJSON: return "caiq-answers.json"
        case .ocsf: return "report.ocsf.jsonl"
        case .oscal: return "report.oscal.json"
        }
    }

    /// Renders `report` in this format. Pure: same report, same bytes.
    /// - Parameter root: the assessment folder as seen from the repository root, which GitHub annotations prefix to
    ///   evidence paths; the other formats name evidence relative to the assessment folder.
    public func render(_ report: AssessmentReport, root: String? = nil) throws -> Data {
        switch self {
        case .json: return try JSONReporter().render(report)
        case .html: return HTMLReporter().render(report)
        case .sarif: return try SARIFReporter().render(report)
        case .junit: return JUnitReporter().render(report)
        case .markdown: return MarkdownReporter().render(report)
        case .github: return GitHubAnnotationsReporter(root: root).render(report)
        case .caiqCSV: return CAIQReporter().renderCSV(report)
        case .caiqJSON: return try CAIQReporter().renderJSON(report)
        case .ocsf: return OCSFReporter().render(report)
        case .oscal: return OSCALReporter().render(report)
        }
    }

    /// Files a format writes beside its report, by file name: the OSCAL assessment plan that `import-ap.href` names
    /// (OSCAL 1.1.2 assessment results, `import-ap`); `evidence.html`, the evidence items `report.html` links to
    /// (``HTMLReporter/renderEvidence(_:)``); none for the other formats. Pure, like ``render(_:root:)``.
    public func companions(_ report: AssessmentReport) -> [(fileName: String, data: Data)] {
        switch self {
        case .oscal: return [(OSCALReporter.planFileName, OSCALReporter().plan(report))]
        case .html: return [(HTMLReporter.evidenceFileName, HTMLReporter().renderEvidence(report))]
        default: return []
        }
    }

    /// A report writer's sink: receives the file's bytes in order, in pieces.
    public typealias Sink = (UnsafeRawBufferPointer) throws -> Void

    /// Renders `report` in this format into `sink`, the same bytes as ``render(_:root:)``. `report.json` and
    /// `report.html` go in pieces of 256 KiB as they are written, so the file is never whole in memory (issue
    /// 16: a 10,000-key run's peak RSS); the other formats, small, are rendered whole and passed at once.
    /// - Throws: as ``render(_:root:)``, and whatever `sink` throws.
    public func render(_ report: AssessmentReport, root: String? = nil, to sink: @escaping Sink) throws {
        switch self {
        case .json: try JSONReporter().render(report, to: sink)
        case .html: try HTMLReporter().render(report, to: sink)
        default: try render(report, root: root).withUnsafeBytes { try sink($0) }
        }
    }

    /// The file names of ``companions(_:)``, without rendering them.
    public var companionFileNames: [String] {
        switch self {
        case .oscal: return [OSCALReporter.planFileName]
        case .html: return [HTMLReporter.evidenceFileName]
        default: return []
        }
    }

    /// Renders the companion `fileName` (one of ``companionFileNames``) into `sink`: the same bytes as
    /// ``companions(_:)`` gives; `evidence.html` in pieces as it is written.
    /// - Throws: whatever `sink` throws; nothing for a name that is not a companion of this format.
    public func renderCompanion(_ fileName: String, of report: AssessmentReport, to sink: @escaping Sink) throws {
        switch (self, fileName) {
        case (.oscal, OSCALReporter.planFileName): try OSCALReporter().plan(report).withUnsafeBytes { try sink($0) }
        case (.html, HTMLReporter.evidenceFileName): try HTMLReporter().renderEvidence(report, to: sink)
        default: break
        }
    }
}
