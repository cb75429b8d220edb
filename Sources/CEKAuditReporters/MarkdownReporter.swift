import CEKAuditCore
import Foundation

/// Renders `report.md`: a Markdown summary sized for a CI job summary (GitHub's `$GITHUB_STEP_SUMMARY` takes at most
/// 1 MiB per step; GitLab shows Markdown artifacts the same way).
///
/// Order: the verdict line and counts, the CAIQ answer, the guideline table, the comparison with a baseline (new
/// failures first), the remaining failures, the exception register, then a pointer to the HTML report. Past
/// ``byteLimit`` the findings are cut at a line boundary and a note says how many were left out; the summary and the
/// guideline table always fit.
public struct MarkdownReporter: Sendable {
    /// Default size cap in bytes: well under GitHub's 1 MiB step-summary limit, leaving room for other steps.
    public static let defaultByteLimit = 512 * 1024

    /// The size cap in bytes.
    public var byteLimit: Int
    /// Where the full report is (a relative path beside this file, or an artifact URL).
    public var htmlLink: String

    public init(byteLimit: Int = MarkdownReporter.defaultByteLimit, htmlLink: String = "report.html") {
        self.byteLimit = byteLimit
        self.htmlLink = htmlLink
    }

    /// Renders the summary. Pure and deterministic.
    public func render(_ report: AssessmentReport) -> Data {
        let c = report.summary.results
        var head = "## \(Markdown.inline(report.catalog.control)) \(Markdown.inline(report.assessment)): **\(report.summary.verdict.rawValue)**\n\n"
        head += "\(c.fail) fail · \(c.waived) waived · \(c.inconclusive) inconclusive · \(c.manual) manual · \(c.pass) pass · "
            + "\(c.notApplicable) not applicable — assessed as of \(DateParsing.iso(report.generatedAt)) by \(report.tool.name) \(report.tool.version)\n\n"
        for a in report.caiq {
            head += "**\(Markdown.inline(a.id))** proposed answer: **\(a.answer.rawValue)** (\(Markdown.inline(a.ownership)))\n\n"
        }
        head += "| Guideline | Verdict | Title | fail | inconclusive | manual | pass | waived |\n| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |\n"
        for g in report.guidelines {
            head += "| \(Markdown.inline(g.id)) | \(g.verdict.rawValue) | \(Markdown.inline(g.title)) | \(g.counts.fail) | \(g.counts.inconclusive) | "
                + "\(g.counts.manual) | \(g.counts.pass) | \(g.counts.waived) |\n"
        }
        let tail = "\nFull report: [\(Markdown.inline(htmlLink))](\(htmlLink.replacingOccurrences(of: " ", with: "%20").replacingOccurrences(of: ")", with: "%29"))) "
            + "— every finding with its evidence; `report.json` for tools.\n"

        var lines: [String] = []
        var newIDs = Set<String>()
        if let cmp = report.comparison {
            lines.append("\n### Compared with \(Markdown.inline(cmp.baseline.source)) (\(DateParsing.iso(cmp.baseline.generatedAt)))\n")
            newIDs = Set(cmp.findings(.new).map(\.id))
            lines.append(cmp.markdown(limit: Int.max))
        }
        let failing = report.results.filter { $0.verdict == .fail && !newIDs.contains($0.id) }
        if !failing.isEmpty {
            lines.append("\n### Failures\(newIDs.isEmpty ? "" : " already in the baseline") (\(failing.count))\n")
            for r in failing { lines.append("- **\(Markdown.inline(r.check))** (\(r.severity.rawValue)): \(Markdown.inline(r.message))") }
        }
        if let register = report.waivers, !register.waivers.isEmpty {
            lines.append("\n### Exception register (\(Markdown.inline(register.source)))\n")
            lines.append("| Waiver | Check | Covers | Approver | Expires | Days left | State |\n| --- | --- | --- | --- | --- | ---: | --- |")
            for s in register.waivers {
                lines.append("| \(Markdown.inline(s.waiver.id)) | \(Markdown.inline(s.waiver.check)) | \(Markdown.inline(s.waiver.selector.description)) (\(s.covers.count)) | "
                             + "\(Markdown.inline(s.waiver.approver ?? "missing")) | \(DateParsing.iso(s.waiver.expires)) | \(s.daysLeft) | \(s.state.rawValue) |")
            }
        }
        var body = ""
        let budget = byteLimit - head.utf8.count - tail.utf8.count - 200
        for (i, line) in lines.enumerated() {
            if body.utf8.count + line.utf8.count + 1 > budget {
                body += "\n> Truncated at \(byteLimit / 1024) KiB: \(lines.count - i) more line(s) are in the HTML and JSON reports.\n"
                break
            }
            body += line + "\n"
        }
        return Data((head + body + tail).utf8)
    }
}
