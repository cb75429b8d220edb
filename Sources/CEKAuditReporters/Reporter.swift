import CEKAuditCore
import Foundation

/// The report formats, chosen by identifier on the command line (`--format json,html`).
public enum ReportFormat: String, Sendable, CaseIterable, Codable {
    case json
    case html

    /// File name inside the report folder.
    public var fileName: String {
        switch self {
        case .json: return "report.json"
        case .html: return "report.html"
        }
    }

    /// Renders `report` in this format. Pure: same report, same bytes.
    public func render(_ report: AssessmentReport) throws -> Data {
        switch self {
        case .json: return try JSONReporter().render(report)
        case .html: return HTMLReporter().render(report)
        }
    }
}
