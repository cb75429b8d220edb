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

    /// File name inside the report folder.
    public var fileName: String {
        switch self {
        case .json: return "report.json"
        case .html: return "report.html"
        case .sarif: return "report.sarif"
        case .junit: return "report.junit.xml"
        }
    }

    /// Renders `report` in this format. Pure: same report, same bytes.
    public func render(_ report: AssessmentReport) throws -> Data {
        switch self {
        case .json: return try JSONReporter().render(report)
        case .html: return HTMLReporter().render(report)
        case .sarif: return try SARIFReporter().render(report)
        case .junit: return JUnitReporter().render(report)
        }
    }
}
