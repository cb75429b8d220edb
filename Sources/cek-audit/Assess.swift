import ArgumentParser
import CEKAuditCollectors
import CEKAuditCore
import CEKAuditReporters
import Foundation
import Logging

extension ReportFormat: ExpressibleByArgument {}

/// Which verdicts make the run exit non-zero.
enum FailOn: String, CaseIterable, ExpressibleByArgument {
    /// Exit 1 on failures only.
    case fail
    /// Also exit 2 when any result is inconclusive.
    case inconclusive
    /// Also exit 2 when any result is inconclusive or still needs a manual review.
    case manual
}

extension CEKAudit {
    struct Assess: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Assess a folder of evidence (or an audit.yaml) and write report.json and report.html.",
            discussion: """
            PATH is a folder holding an audit.yaml, an audit.yaml itself, or a folder or file of evidence: \
            CloudFormation templates, Terraform plan/state JSON (`terraform show -json`), key-policy JSON. Without \
            an audit.yaml every file is recognised by its content and default parameters apply.
            """)

        @Argument(help: ArgumentHelp("Assessment folder, audit.yaml, or evidence folder/file.", valueName: "path"))
        var path: String

        @OptionGroup var catalog: CatalogOptions

        @Option(name: .shortAndLong, help: ArgumentHelp("Report folder (default: Reports/<assessment name>).", valueName: "dir"))
        var output: String?

        @Option(name: .long, parsing: .upToNextOption, help: "Report formats to write.")
        var format: [ReportFormat] = [.json, .html]

        @Option(name: .long, help: "Lowest verdict that makes the exit status non-zero besides failures.")
        var failOn: FailOn = .fail

        @Option(name: .long, help: ArgumentHelp("Assessment time (RFC 3339); default: audit.yaml as_of, SOURCE_DATE_EPOCH, or now.",
                                                valueName: "date-time"))
        var asOf: String?

        @Flag(name: .shortAndLong, help: "Print only the verdict line.")
        var quiet = false

        func validate() throws {
            if let asOf, DateParsing.parse(asOf) == nil { throw ValidationError("--as-of '\(asOf)' is not an RFC 3339 date-time.") }
            if format.isEmpty { throw ValidationError("--format needs at least one of: json, html.") }
        }

        func run() async throws {
            let plan: AssessmentPlan
            do { plan = try AssessmentPlan.make(path: path) } catch let e as CEKAuditError {
                Console.error(e.errorDescription ?? "\(e)")
                if case .unreadable = e { throw CEKExit.usage }
                throw CEKExit.invalidInput
            }
            var catalogDefault: String?
            if let c = plan.file?.controls { catalogDefault = c.hasPrefix("/") ? c : plan.root + "/" + c }
            let catalog = try self.catalog.load(assessmentDefault: catalogDefault)
            if let file = plan.file, let filePath = plan.filePath {
                do {
                    try file.validate(against: catalog, file: filePath)
                    try TargetCollectors.validate(file.targets)
                } catch let e as CEKAuditError {
                    Console.error(e.errorDescription ?? "\(e)")
                    throw CEKExit.invalidInput
                }
            }
            let now = assessmentTime(plan)
            let context = CollectionContext(now: now, trustedAccounts: Set(plan.file?.trustedAccounts ?? []),
                                            trustedOrganizations: Set(plan.file?.trustedOrganizations ?? []))
            if !quiet { Console.error("Assessing \(plan.name) (\(plan.sources.count) file(s)) against \(catalog.control.id) from \(catalog.source)") }
            let (facts, notes) = await AssessmentRunner().collect(plan, context: context)
            if !quiet { for n in notes { Console.error("  \(n.locator): \(n.text)") } }
            for d in facts.diagnostics where d.severity >= .warning { Console.error(d.description) }

            let engine = RulesEngine(catalog: catalog, globalParameters: plan.file?.parameters ?? [:],
                                     checkParameters: plan.file?.checkParameters ?? [:], now: now)
            let report = AssessmentBuilder.build(name: plan.name, catalog: catalog, facts: facts, engine: engine,
                                                 toolVersion: CEKAuditVersion.current)
            let folder = output ?? "Reports/\(plan.name)"
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                for f in format {
                    let data = try f.render(report)
                    try data.write(to: URL(fileURLWithPath: folder).appendingPathComponent(f.fileName), options: .atomic)
                }
            } catch {
                Console.error("\(folder): error: cannot write the reports (\(error.localizedDescription)).")
                throw CEKExit.usage
            }
            printSummary(report, folder: folder)
            let required = Set((plan.file?.targets ?? []).filter(\.required).map(\.name))
            let unreachable = facts.unreachableTargets.filter { required.contains($0) }
            if !unreachable.isEmpty {
                Console.error("error: required target(s) unreachable: \(unreachable.joined(separator: ", ")); the reports mark what they should have supplied as inconclusive.")
                throw CEKExit.unavailable
            }
            try exit(for: report)
        }

        /// `--as-of`, then the assessment file's `as_of`, then `SOURCE_DATE_EPOCH`, then the current time.
        func assessmentTime(_ plan: AssessmentPlan) -> Date {
            if let asOf, let d = DateParsing.parse(asOf) { return d }
            if let d = plan.file?.asOf { return d }
            if let epoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"], let s = Double(epoch) { return Date(timeIntervalSince1970: s) }
            return Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        }

        func printSummary(_ report: AssessmentReport, folder: String) {
            let counts = report.summary.results
            let line = "\(report.catalog.control) \(report.assessment): \(report.summary.verdict.rawValue) — "
                + "\(counts.fail) fail, \(counts.inconclusive) inconclusive, \(counts.manual) manual, \(counts.pass) pass, "
                + "\(counts.notApplicable) not applicable"
            if quiet { Console.out(line); return }
            Console.out("\(report.catalog.control) \(report.catalog.title) (\(report.catalog.framework) \(report.catalog.frameworkVersion)) — \(report.assessment)")
            for g in report.guidelines {
                Console.out("  \(g.id.padding(toLength: 6, withPad: " ", startingAt: 0)) \(g.verdict.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)) \(g.title)")
            }
            for a in report.caiq { Console.out("\(a.id) proposed answer: \(a.answer.rawValue) (\(a.ownership))") }
            let failing = report.results.filter { $0.verdict == .fail }
            for r in failing.prefix(20) { Console.out("  FAIL \(r.check): \(r.message)") }
            if failing.count > 20 { Console.out("  … and \(failing.count - 20) more failures in the report") }
            Console.out(line)
            Console.out("Reports: " + format.map { "\(folder)/\($0.fileName)" }.joined(separator: ", "))
        }

        func exit(for report: AssessmentReport) throws {
            let c = report.summary.results
            if c.fail > 0 { throw CEKExit.failures }
            switch failOn {
            case .fail: return
            case .inconclusive: if c.inconclusive > 0 { throw CEKExit.inconclusive }
            case .manual: if c.inconclusive > 0 || c.manual > 0 { throw CEKExit.inconclusive }
            }
        }
    }
}
