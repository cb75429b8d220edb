import CEKAuditCore
import Foundation

/// Renders GitHub Actions workflow commands, one per finding that has a file location
/// (`::error file=terraform/plan.json,line=104,title=CEK08-AG3-ROTATION-PERIOD::Key … does not rotate …`).
///
/// Failures are `error` (critical, high), `warning` (medium) or `notice` (low, info); waived findings and waivers
/// that expired or went stale are `notice` / `warning`. A finding whose evidence is not a file (an API response)
/// has no annotation. Paths are the evidence locators, prefixed with ``root`` (the assessment folder relative to the
/// repository root) so GitHub places them on the changed file. Values are escaped as the runner requires
/// (`%`, CR, LF; and `:` and `,` in properties).
/// Source: docs.github.com, "Workflow commands for GitHub Actions", setting error / warning / notice messages.
public struct GitHubAnnotationsReporter: Sendable {
    /// Prefix for evidence paths: the assessment folder as seen from the repository root; `nil` or empty for none.
    public var root: String?

    public init(root: String? = nil) { self.root = root }

    /// The annotations, one per line. Pure and deterministic (report order).
    public func render(_ report: AssessmentReport) -> Data {
        let files = Dictionary(report.evidence.map { ($0.id, $0.locator) }, uniquingKeysWith: { a, _ in a })
        var out = ""
        func path(_ locator: String) -> String {
            guard let root, !root.isEmpty, root != "." else { return locator }
            return root.hasSuffix("/") ? root + locator : root + "/" + locator
        }
        for r in report.results where r.verdict == .fail || r.verdict == .waived {
            guard let place = FileLocation.first(r.evidence, files: files) else { continue }
            let command = r.verdict == .waived ? "notice" : Self.command(r.severity)
            let message = r.verdict == .waived ? "Waived by \(r.waiver?.id ?? "a waiver"): \(r.message)" : r.message
            out += "::\(command) " + properties(file: path(place.locator), line: place.line, title: "\(r.check) (\(r.guideline))") + "::" + Self.escapeData(message) + "\n"
        }
        for s in report.waivers?.waivers ?? [] where [.expired, .stale, .overCap].contains(s.state) {
            guard let source = report.waivers?.source else { continue }
            let command = s.state == .stale ? "notice" : "warning"
            out += "::\(command) " + properties(file: path(source), line: s.waiver.line, title: "waiver \(s.waiver.id) \(s.state.rawValue)") + "::"
                + Self.escapeData(s.message) + "\n"
        }
        return Data(out.utf8)
    }

    private func properties(file: String, line: Int?, title: String) -> String {
        var p = ["file=" + Self.escapeProperty(file)]
        if let line { p.append("line=\(line)") }
        p.append("title=" + Self.escapeProperty(title))
        return p.joined(separator: ",")
    }

    /// The workflow command for a failure of this severity: SARIF's level, with `note` spelled `notice`.
    static func command(_ s: Severity) -> String {
        let level = SARIFReporter.level(s)
        return level == "note" ? "notice" : level
    }

    /// Escapes a message: `%` → `%25`, CR → `%0D`, LF → `%0A`.
    static func escapeData(_ s: String) -> String {
        s.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
    }

    /// Escapes a property value: as a message, plus `:` → `%3A` and `,` → `%2C`.
    static func escapeProperty(_ s: String) -> String {
        escapeData(s).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}

/// The file location of a finding: its first provenance link whose evidence item is a file (not an API locator).
enum FileLocation {
    /// The locator and line of the first file-based provenance link, if any.
    static func first(_ provenance: [Provenance], files: [String: String]) -> (locator: String, line: Int?)? {
        for p in provenance {
            if let locator = files[p.evidence], !locator.contains("://") { return (locator, p.line) }
        }
        return nil
    }
}
