import ArgumentParser
import CEKAuditCore
import CEKAuditKit
import Foundation

extension CEKAudit {
    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two reports' findings by stable finding id: new, fixed, changed, unchanged.",
            discussion: """
            A and B are report.json files, folders holding one, or evidence bundles (evaluated with the settings and \
            waivers they recorded). B is compared with A. With -o DIR, writes DIR/diff.json and DIR/diff.md; otherwise \
            prints the --format chosen. Exit status 1 when B has new failures, 0 otherwise.
            """)

        /// How `diff` prints the comparison.
        enum Format: String, CaseIterable, ExpressibleByArgument { case markdown, json }

        @Argument(help: ArgumentHelp("The earlier report (the baseline).", valueName: "A"))
        var before: String

        @Argument(help: ArgumentHelp("The later report.", valueName: "B"))
        var after: String

        @Option(name: .long, help: "What to print when no --output is given.")
        var format: Format = .markdown

        @Option(name: .shortAndLong, help: ArgumentHelp("Folder for diff.json and diff.md.", valueName: "dir"))
        var output: String?

        @OptionGroup var catalog: CatalogOptions

        func run() async throws {
            // A catalog is only needed to evaluate a bundle; reports are read as they are.
            let isBundle = { (p: String) in FileManager.default.fileExists(atPath: p + "/manifest.json") }
            let catalog = try (isBundle(before) || isBundle(after)) ? self.catalog.load() : nil
            let a = try Pipeline.baseline(before, catalog: catalog), b = try Pipeline.baseline(after, catalog: catalog)
            let comparison = Comparison.compare(b, with: a, source: AssessmentPlan.displayPath(before))
            let json = try Self.json(comparison)
            let markdown = Data(("## Findings of \(Markdown.inline(b.assessment)) (\(DateParsing.iso(b.generatedAt))) compared with "
                                 + "\(Markdown.inline(comparison.baseline.source)) (\(DateParsing.iso(a.generatedAt)))\n\n" + comparison.markdown()).utf8)
            if let output {
                do {
                    try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
                    try json.write(to: URL(fileURLWithPath: output + "/diff.json"), options: .atomic)
                    try markdown.write(to: URL(fileURLWithPath: output + "/diff.md"), options: .atomic)
                } catch {
                    Console.error("\(output): error: cannot write the comparison (\(error.localizedDescription)).")
                    throw CEKExit.usage
                }
                Console.out("\(comparison.counts["new"] ?? 0) new, \(comparison.counts["fixed"] ?? 0) fixed, \(comparison.counts["changed"] ?? 0) changed, \(comparison.counts["unchanged"] ?? 0) unchanged: \(output)/diff.json, \(output)/diff.md")
            } else {
                FileHandle.standardOutput.write(format == .json ? json : markdown)
            }
            if !comparison.findings(.new).isEmpty { throw CEKExit.failures }
        }

        /// The comparison as JSON: sorted keys, RFC 3339 dates, a final newline.
        static func json(_ c: Comparison) throws -> Data {
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            e.dateEncodingStrategy = .custom { d, enc in var s = enc.singleValueContainer(); try s.encode(DateParsing.iso(d)) }
            var data = try e.encode(c)
            data.append(0x0A)
            return data
        }
    }
}
